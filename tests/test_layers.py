"""The layers run one way: a module imports only from the layers below it (read off the source,
imports inside functions included), so that the model of the computation never learns of
drawing, nor drawing of files and the command line, and no operation is known below ``ops``."""

import ast
import sys
from pathlib import Path

import convanim

ROOT = Path(convanim.__file__).parent

LAYERS = [
    {"core", "scene", "draw", "io", "core.errors", "core.limits", "io.formats"},  # the packages' docstrings; what a bad spec is; the guards; the output formats
    {"core.geometry", "core.formats", "draw.theme", "io.files"},  # sizes and taps; number text; colours; files
    {"core.sweep", "io.gif", "io.notebook"},  # one sweep; the GIF encoder; a figure in a notebook
    {"core.spec", "io.pipeline"},  # what core and scene ask of a spec; the window; a GIF encoded beside the drawing
    {"core.matrix"},  # the operation as a matrix
    {"core.values", "io.writers"},  # the NumPy reference; animations to files
    {"core.backward"},  # the backward pass, off the same sweeps
    {"io.data", "scene.model"},  # arrays in, the dump out; what a frame is made of
    {"scene.gather"},  # the paper's arrangement of any operation
    {"scene.matrix"},  # the matrix figures
    {"scene.views", "scene.routes", "draw.layout"},  # the other arrangements; where planes go
    {"draw.text"},  # glyph outlines, their boxes, the equation's runs
    {"draw.fit"},  # how large a figure is drawn
    {"draw.paint"},  # what a frame shows, as shapes and colours
    {"draw.render", "ops.base"},  # drawing; what an operation declares
    {"draw.page", "io.page"},  # a figure as the page's data; the page
    {"ops.gradient"},  # the backward pass's views and the registry of what each layer's gradient is
    {"ops.conv"},
    {"ops.transposed", "ops.dilated", "ops.pool", "ops.pointwise", "ops.depthwise", "ops.separable",
     "ops.spatial_separable", "ops.receptive_field"},
    {"ops.conv1d", "ops.resample", "ops.pixel_shuffle"},
    {"ops.checkerboard"},  # transposed convolutions against resize-convolutions
    {"ops.layer_text", "ops.graph", "ops.conv3d"},  # a layer's text read, never evaluated; fields through a graph; volumes
    {"ops.pytorch", "ops.causal_stack"},
    {"ops.traced"},  # a real model traced into a graph
    {"ops.network"},  # a network's layers: texts, a printed model, a traced module
    {"ops"},  # the registry
    {"settings"},  # an animation's options; a spec sized by its values
    {"animation"},  # the library's front door
    {"gallery", "job", "tour"},  # the paper's figures; one figure's files; a network's tour page
    {""},  # the public API
    {"cli.types"},
    {"cli.options"},
    {"cli.app"},
    {"cli.commands"},
    {"cli.batch"},
    {"cli"},
    {"__main__", "sphinxext"},
]


def _name(path: Path) -> str:
    """``core/values.py`` → ``core.values``; ``ops/__init__.py`` → ``ops``; the root's is ``""``."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _resolve(package: str, module: str) -> str:
    """A module of convanim, or the package holding it if ``module`` names something else."""
    while module and not ((ROOT / module.replace(".", "/")).with_suffix(".py").exists()
                          or (ROOT / module.replace(".", "/") / "__init__.py").exists()):
        module = module.rpartition(".")[0]
    return module


def _imports(path: Path):
    """The convanim modules ``path`` imports (relative or absolute, at any depth)."""
    name = _name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package.split(".") if package else []
            base = base[: len(base) - (node.level - 1)] if node.level > 1 else base
            prefix = ".".join(base + ([node.module] if node.module else []))
            if node.module:
                yield _resolve(package, prefix)
            else:
                yield from (_resolve(package, f"{prefix}.{alias.name}".lstrip(".")) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("convanim."):
            yield _resolve(package, node.module[len("convanim."):])


def _modules():
    return {_name(p): p for p in ROOT.rglob("*.py")}


def test_every_module_has_a_layer():
    assert set(_modules()) == set().union(*LAYERS)


def test_imports_only_point_down():
    layer = {module: n for n, modules in enumerate(LAYERS) for module in modules}
    upward = []
    for name, path in _modules().items():
        for imported in _imports(path):
            if layer[imported] >= layer[name]:
                upward.append(f"{name or 'convanim'} imports {imported or 'convanim'}")
    assert upward == []


def test_the_layer_test_sees_an_upward_import(tmp_path, monkeypatch):
    """The check itself: a core module that imports an operation is caught."""
    fake = tmp_path / "convanim"
    (fake / "core").mkdir(parents=True)
    (fake / "ops").mkdir()
    (fake / "__init__.py").write_text("")
    (fake / "core" / "__init__.py").write_text("")
    (fake / "ops" / "__init__.py").write_text("")
    (fake / "ops" / "conv.py").write_text("")
    (fake / "core" / "values.py").write_text("from ..ops.conv import Conv2d\n")
    monkeypatch.setattr(sys.modules[__name__], "ROOT", fake)
    assert list(_imports(fake / "core" / "values.py")) == ["ops.conv"]


def test_nothing_below_the_registry_names_an_operation_class():
    """Core, scene and drawing read specs by what they declare, never by their type."""
    classes = {"Conv2d", "ConvTranspose2d", "Pool2d", "SeparableConv2d", "SpatialSeparableConv2d", "DilatedStack",
               "Checkerboard", "Checkerboards"}
    named = []
    for name, path in _modules().items():
        if name.split(".")[0] in ("core", "scene", "draw", "io"):
            tree = ast.parse(path.read_text())
            named += [f"{name}: {n.id}" for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id in classes]
    assert named == []


def test_no_module_imports_another_modules_private_names():
    """What a module shares, it names without an underscore; the rest it may change alone."""
    private = []
    for name, path in _modules().items():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                private += [f"{name}: {node.module}.{alias.name}" for alias in node.names
                            if alias.name.startswith("_") and not alias.name.startswith("__")]
    assert private == []


MAX_FUNCTION_LINES = 80
MAX_CLASS_LINES = 250


def test_no_function_or_class_outgrows_a_screen_or_two():
    """A function a reader can hold at once; a class that does one thing."""
    large = []
    for name, path in _modules().items():
        for node in ast.walk(ast.parse(path.read_text())):
            lines = getattr(node, "end_lineno", 0) - getattr(node, "lineno", 0) + 1
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and lines > MAX_FUNCTION_LINES:
                large.append(f"{name}.{node.name}: {lines} lines")
            if isinstance(node, ast.ClassDef) and lines > MAX_CLASS_LINES:
                large.append(f"{name}.{node.name}: {lines} lines")
    assert large == []


def test_specs_are_read_through_their_protocol():
    """A spec is asked what the protocol declares (``core.spec.Layer``), never probed for what it
    might have: ``getattr(spec, "padding_mode", "zeros")`` hides a spec that forgot to say."""
    probes = []
    for name, path in _modules().items():
        for node in ast.walk(ast.parse(path.read_text())):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.args):
                continue
            subject = ast.unparse(node.args[0])
            if not any(word in ("spec", "layer") for word in subject.replace(".", " ").split()):
                continue
            probing = node.func.id in ("getattr", "hasattr") and isinstance(node.args[1], ast.Constant)
            typed = node.func.id == "isinstance" and ast.unparse(node.args[1]) not in ("str", "int", "bool")
            if probing or typed:
                probes.append(f"{name}:{node.lineno}: {ast.unparse(node)}")
    assert probes == []


def test_no_operations_spec_is_another_operations_spec():
    """Specs share what they hold (a window, a base such as ``Convolution``), never one another:
    a ``Conv1d`` that were a ``Conv2d`` would answer for it wherever a 2-D one is asked for."""
    from convanim.ops import OPERATIONS

    specs = {cls for op in OPERATIONS for cls in (op.specs if isinstance(op.specs, tuple) else (op.specs,))}
    assert len(specs) > 15
    assert sorted(f"{a.__name__}({b.__name__})" for a in specs for b in specs if a is not b and issubclass(a, b)) == []
