"""The layers run one way: a module imports only from the layers below it (read off the source,
imports inside functions included), so that the model of the computation never learns of
drawing, nor drawing of files and the command line."""

import ast
from pathlib import Path

import convanim

LAYERS = [
    {"spec", "theme", "writers"},  # what an operation is; colours; files
    {"sweep"},  # the arithmetic of one sweep
    {"values"},  # the NumPy reference
    {"info", "scene"},  # what an operation costs; what a frame shows
    {"views", "layout"},  # the scenes of each view; where planes go
    {"render"},  # drawing
    {"animation"},  # the library's front door
    {"gallery"},
    {"cli", "__init__"},
    {"__main__"},
]


def _imports(path: Path):
    """The convanim modules ``path`` imports (relative imports, at any depth)."""
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module:
            yield node.module.split(".")[0]
        elif isinstance(node, ast.ImportFrom) and node.level == 1:  # from . import x: a module, or __version__
            yield from (alias.name for alias in node.names if (path.parent / f"{alias.name}.py").exists())
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("convanim."):
            yield node.module.split(".")[1]


def test_every_module_has_a_layer():
    modules = {p.stem for p in Path(convanim.__file__).parent.glob("*.py")}
    assert modules == set().union(*LAYERS)


def test_imports_only_point_down():
    layer = {module: n for n, modules in enumerate(LAYERS) for module in modules}
    upward = []
    for path in Path(convanim.__file__).parent.glob("*.py"):
        for imported in _imports(path):
            if layer[imported] >= layer[path.stem]:
                upward.append(f"{path.stem} imports {imported}")
    assert upward == []
