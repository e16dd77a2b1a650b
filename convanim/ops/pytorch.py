"""PyTorch's layers as convanim specs: ``from_torch("nn.Conv2d(16, 32, 3, stride=2, padding=1)")``.

The text is parsed, never evaluated: a call of a layer convanim knows, with literal arguments
(numbers, strings, tuples, True/False/None), as a model's source writes it (``nn.``,
``torch.nn.`` or no prefix, positional or keyword). A real ``nn.Module`` is read the same way,
from the attributes PyTorch keeps. Arguments that change nothing drawn (``bias``, ``device``,
``dtype``) are accepted; those convanim cannot draw are refused by name.
"""

from __future__ import annotations

import ast
from typing import Any, Dict, List, Sequence, Tuple

from ..core.errors import SpecError
from .base import Operation, Param, View, stages_text
from .conv import Conv2d
from .conv1d import Conv1d, ConvTranspose1d, Pool1d
from .pool import Pool2d
from .transposed import ConvTranspose2d

CONV_ARGS = ("in_channels", "out_channels", "kernel_size", "stride", "padding", "dilation", "groups", "bias",
             "padding_mode", "device", "dtype")
TRANSPOSED_ARGS = ("in_channels", "out_channels", "kernel_size", "stride", "padding", "output_padding", "groups", "bias",
                   "dilation", "padding_mode", "device", "dtype")
MAX_ARGS = ("kernel_size", "stride", "padding", "dilation", "return_indices", "ceil_mode")
AVG1D_ARGS = ("kernel_size", "stride", "padding", "ceil_mode", "count_include_pad")
AVG2D_ARGS = (*AVG1D_ARGS, "divisor_override")

LAYERS: Dict[str, Tuple[Tuple[str, ...], int]] = {  # name -> (its arguments in PyTorch's order, dimensions)
    "Conv1d": (CONV_ARGS, 1), "Conv2d": (CONV_ARGS, 2),
    "ConvTranspose1d": (TRANSPOSED_ARGS, 1), "ConvTranspose2d": (TRANSPOSED_ARGS, 2),
    "MaxPool1d": (MAX_ARGS, 1), "MaxPool2d": (MAX_ARGS, 2),
    "AvgPool1d": (AVG1D_ARGS, 1), "AvgPool2d": (AVG2D_ARGS, 2),
}
REQUIRED = {"Conv": ("in_channels", "out_channels", "kernel_size"), "Pool": ("kernel_size",)}
IGNORED = ("bias", "device", "dtype", "return_indices")  # nothing drawn changes
MAX_TEXT = 2000


def parse_layer(text: str) -> Tuple[str, Dict[str, Any]]:
    """``"nn.Conv2d(1, 8, 3, padding=1)"`` → ``("Conv2d", {"in_channels": 1, …})``, by PyTorch's signatures."""
    if not isinstance(text, str) or not text.strip():
        raise SpecError("layer", "give a layer, e.g. \"nn.Conv2d(16, 32, kernel_size=3, stride=2, padding=1)\"")
    if len(text) > MAX_TEXT:
        raise SpecError("layer", f"the layer text is {len(text):,} characters, more than {MAX_TEXT:,}")
    try:
        tree = ast.parse(text.strip(), mode="eval").body
    except SyntaxError:
        raise SpecError("layer", f"{text.strip()!r} is not a layer call like nn.Conv2d(1, 8, 3)") from None
    if not isinstance(tree, ast.Call):
        raise SpecError("layer", f"{text.strip()!r} is not a layer call like nn.Conv2d(1, 8, 3)")
    if isinstance(tree.func, ast.Call):
        raise SpecError("layer", f"{text.strip()!r} calls a layer on something: paste the layer alone,"
                        f" {ast.unparse(tree.func)}")
    name = _dotted(tree.func)
    parts = name.split(".") if name else []
    if not parts or parts[:-1] not in ([], ["nn"], ["torch", "nn"]):
        raise SpecError("layer", f"{ast.unparse(tree.func)!r} is not a layer: write nn.Conv2d(…), torch.nn.Conv2d(…) or Conv2d(…)")
    layer = parts[-1]
    if layer not in LAYERS:
        raise SpecError("layer", f"unknown layer {layer!r}: use one of {', '.join(LAYERS)}")
    names, _ = LAYERS[layer]
    if len(tree.args) > len(names):
        raise SpecError("layer", f"nn.{layer} takes at most {len(names)} arguments, got {len(tree.args)}")
    args: Dict[str, Any] = {}
    for position, node in enumerate(tree.args):
        if isinstance(node, ast.Starred):
            raise SpecError("layer", f"nn.{layer}: *{ast.unparse(node.value)} is not a literal argument")
        args[names[position]] = _literal(layer, names[position], node)
    for keyword in tree.keywords:
        if keyword.arg is None:
            raise SpecError("layer", f"nn.{layer}: **{ast.unparse(keyword.value)} is not a literal argument")
        if keyword.arg not in names:
            raise SpecError("layer", f"nn.{layer} has no argument {keyword.arg!r}: its arguments are {', '.join(names)}")
        if keyword.arg in args:
            raise SpecError("layer", f"nn.{layer}: {keyword.arg} given twice")
        args[keyword.arg] = _literal(layer, keyword.arg, keyword.value)
    for needed in REQUIRED["Pool" if "Pool" in layer else "Conv"]:
        if needed not in args:
            raise SpecError("layer", f"nn.{layer} needs {needed}")
    return layer, args


def _dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        inner = _dotted(node.value)
        return f"{inner}.{node.attr}" if inner else ""
    return ""


def _literal(layer: str, name: str, node: ast.AST) -> Any:
    try:
        value = ast.literal_eval(node)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        raise SpecError("layer", f"nn.{layer}: {name}={ast.unparse(node)} is not a literal (a number, string or tuple)") from None
    if isinstance(value, (list, tuple)):
        value = tuple(value)
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in value):
            raise SpecError("layer", f"nn.{layer}: {name}={ast.unparse(node)} must hold whole numbers")
    elif not (value is None or isinstance(value, (int, float, str, bool))):
        raise SpecError("layer", f"nn.{layer}: {name}={ast.unparse(node)} is not a number, string or tuple")
    return value


def _axes(layer: str, name: str, value: Any, dims: int) -> Any:
    """An int or a tuple of ``dims`` ints, as PyTorch takes it, in convanim's form."""
    if isinstance(value, bool) or not isinstance(value, (int, tuple)):
        if name == "padding" and isinstance(value, str):
            return value
        raise SpecError("layer", f"nn.{layer}: {name} must be a whole number or a tuple of {dims}, got {value!r}")
    if isinstance(value, tuple):
        if len(value) != dims:
            raise SpecError("layer", f"nn.{layer}: {name} takes {dims} value{'s' if dims > 1 else ''}, got {len(value)}")
        return value[0] if dims == 1 else value
    return value


def _default_size(extent: int, stride: int, dims: int) -> int:
    """An input the layer fits with room for a few steps: 5 (8 along a strip), or more."""
    return max(5 if dims == 2 else 8, extent + stride)


def spec_from_args(layer: str, args: Dict[str, Any], input_size=None):
    """The spec of a layer given by its PyTorch arguments, on an input of ``input_size``."""
    names, dims = LAYERS[layer]
    get = lambda name, default: _axes(layer, name, args.get(name, default), dims)  # noqa: E731
    kernel = get("kernel_size", None)
    if args.get("stride") is not None:
        stride = get("stride", None)
    else:  # a convolution's default stride is 1, a pooling's its kernel
        stride = 1 if "Conv" in layer else kernel
    dilation = get("dilation", 1)
    padding = get("padding", 0)
    if isinstance(padding, str) and padding not in ("same", "valid"):
        raise SpecError("layer", f"nn.{layer}: padding={padding!r} is not PyTorch's: use 'same', 'valid' or numbers")
    first = lambda v: v if isinstance(v, int) else v[0]  # noqa: E731
    if input_size is None:
        input_size = _default_size(first(dilation) * (first(kernel) - 1) + 1, first(stride) if stride else 1, dims)
    if dims == 1 and isinstance(input_size, tuple):
        if input_size[0] != input_size[-1] and len(input_size) == 2:
            raise SpecError("input_size", f"a 1-D layer takes a length L, got {input_size[0]}x{input_size[1]}")
        input_size = input_size[-1]
    if "Conv" in layer:
        channels = {"in_channels": args["in_channels"], "out_channels": args["out_channels"], "groups": args.get("groups", 1)}
        for name, value in channels.items():
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise SpecError("layer", f"nn.{layer}: {name} must be a whole number from 1, got {value!r}")
        if channels["in_channels"] % channels["groups"] or channels["out_channels"] % channels["groups"]:
            raise SpecError("layer", f"nn.{layer}: groups={channels['groups']} does not divide in_channels="
                            f"{channels['in_channels']} and out_channels={channels['out_channels']}")
        if "Transpose" in layer:
            if isinstance(padding, str):
                raise SpecError("layer", f"nn.{layer}: padding={padding!r}: a transposed convolution's padding is a number")
            if args.get("padding_mode", "zeros") != "zeros":
                raise SpecError("layer", f"nn.{layer}: padding_mode={args['padding_mode']!r}: PyTorch pads a transposed"
                                " convolution with zeros only")
            make = ConvTranspose1d if dims == 1 else ConvTranspose2d
            return make(input_size, kernel, stride, padding, dilation, get("output_padding", 0), **channels)
        make = Conv1d if dims == 1 else Conv2d
        if isinstance(padding, tuple) and dims == 2:
            padding = (padding[0], padding[0], padding[1], padding[1])  # PyTorch pads both sides alike
        return make(input_size, kernel, stride, padding, dilation, **channels,
                    padding_mode=args.get("padding_mode", "zeros"))
    mode = "max" if layer.startswith("Max") else "avg"
    make = Pool1d if dims == 1 else Pool2d
    return make(input_size, kernel, stride, padding, dilation if mode == "max" else 1, mode=mode,
                ceil_mode=args.get("ceil_mode", False), count_include_pad=args.get("count_include_pad", True),
                divisor_override=args.get("divisor_override"))


def _module_args(module) -> Tuple[str, Dict[str, Any]]:
    """A real layer's arguments, from the attributes PyTorch keeps on it."""
    layer = type(module).__name__
    if layer not in LAYERS:
        raise SpecError("layer", f"a {layer} is not a layer convanim draws: use one of {', '.join(LAYERS)}")
    names, _ = LAYERS[layer]
    args = {name: getattr(module, name) for name in names if name not in IGNORED and hasattr(module, name)}
    return layer, {k: (tuple(v) if isinstance(v, list) else v) for k, v in args.items()}


def from_torch(layer, input_size=None):
    """The spec of a PyTorch layer: its text as a model's source writes it, or (with PyTorch
    installed) the ``nn.Module`` itself; ``input_size`` is the input's H×W (or L), as in ``--i``."""
    if isinstance(layer, str):
        name, args = parse_layer(layer)
    else:
        name, args = _module_args(layer)
    return spec_from_args(name, args, input_size)


def layers(model, input_size: Sequence[int]) -> List[dict]:
    """A network's convolution and pooling layers in the order they run on an input of
    ``input_size`` (C×H×W or C×L, no batch axis): each one's name, the layer, its input and output
    shapes, weights, and the receptive field of the network up to it. ``model`` is a sequence of
    layer texts (or modules) run one after another, which needs no PyTorch, or a real ``nn.Module``,
    run once on zeros to see the order and shapes. No weight is read."""
    if isinstance(model, (list, tuple)):
        seen = _stacked(model, tuple(input_size))
    else:
        seen = _traced(model, tuple(input_size))
    out, field, jump = [], None, None
    for name, layer, spec, shape_in, shape_out in seen:
        dims = len(shape_in) - 1
        extent, stride = list(spec.kernel_extent[-dims:]), list(spec.stride[-dims:])
        if field is None:
            field, jump = [1] * dims, [1] * dims
        if not layer.startswith("ConvTranspose"):  # a transposed layer spreads, it does not widen the field
            field = [f + (e - 1) * j for f, e, j in zip(field, extent, jump)]
            jump = [j * s for j, s in zip(jump, stride)]
        out.append({"name": name, "layer": layer, "input_shape": list(shape_in), "output_shape": list(shape_out),
                    "weights": spec.costs().get("weights", 0), "receptive_field": list(field)})
    return out


def _stacked(texts, shape: Tuple[int, ...]) -> List[tuple]:
    """Layers one after another, their shapes computed here: (name, layer, spec, in, out)."""
    seen = []
    for n, text in enumerate(texts):
        name, args = parse_layer(text) if isinstance(text, str) else _module_args(text)
        spatial = shape[1:]
        if len(spatial) != LAYERS[name][1]:
            raise SpecError("model", f"layer {n}: nn.{name} takes a {LAYERS[name][1]}-D input, got {len(spatial)}-D")
        if "Conv" in name and args.get("in_channels") != shape[0]:
            raise SpecError("model", f"layer {n}: nn.{name} expects {args.get('in_channels')} channels, gets {shape[0]}")
        spec = spec_from_args(name, args, spatial[0] if len(spatial) == 1 else spatial)
        size = spec.output_size[-len(spatial):]
        out = (args["out_channels"] if "Conv" in name else shape[0], *size)
        seen.append((str(n), name, spec, shape, out))
        shape = out
    return seen


def _traced(model, shape: Tuple[int, ...]) -> List[tuple]:
    """A real model run once on zeros: its layers in the order they ran, with their shapes."""
    try:
        import torch
    except ImportError:  # pragma: no cover - the message is the point
        raise SpecError("model", "layers() runs the model: install PyTorch (pip install 'convanim[torch]')") from None
    ran: List[tuple] = []
    hooks = []
    for name, module in model.named_modules():
        if type(module).__name__ in LAYERS:
            hooks.append(module.register_forward_hook(
                lambda m, inputs, output, name=name: ran.append((name, m, tuple(inputs[0].shape[1:]), tuple(output.shape[1:])))))
    try:
        with torch.no_grad():
            model(torch.zeros((1, *shape)))
    finally:
        for hook in hooks:
            hook.remove()
    seen = []
    for name, module, shape_in, shape_out in ran:
        spatial = shape_in[1:]
        spec = from_torch(module, spatial[0] if len(spatial) == 1 else tuple(spatial))
        seen.append((name, type(module).__name__, spec, shape_in, shape_out))
    return seen


def _operation_for(spec) -> Operation:
    """The operation that draws a layer's spec (each layer makes one of these)."""
    from .conv import CONV
    from .conv1d import CONV1D, POOL1D, TRANSPOSED1D
    from .pool import POOL
    from .transposed import TRANSPOSED

    return next(op for op in (CONV1D, POOL1D, TRANSPOSED1D, CONV, POOL, TRANSPOSED) if type(spec) in op.specs)


def _views() -> Dict[str, View]:
    from . import conv, conv1d, transposed

    return {**conv.VIEWS, **transposed.VIEWS, **conv1d.TRANSPOSED1D_VIEWS}


_ALL_VIEWS = _views()

TORCH = Operation(
    "torch", "A PyTorch layer, pasted as a model writes it: convanim torch \"nn.Conv2d(16, 32, 3, stride=2, padding=1)\".",
    lambda layer, input_size=None, **_: from_torch(layer, input_size),
    (Param("layer", "text", None, "The layer: nn.Conv1d/2d, nn.ConvTranspose1d/2d, nn.MaxPool1d/2d, nn.AvgPool1d/2d.",
           argument=True),
     Param("input_size", "size", None, "Input size H×W (or L for a 1-D layer); default: 5 (8), or what the kernel needs.",
           ("--i", "--input-size"), show_default=False),
     Param("view", "choice", "gather", "gather, or another view the layer's operation has: " + ", ".join(_ALL_VIEWS) + ".",
           choices=tuple(_ALL_VIEWS), render_only=True)),
    (), rank=20, title="a PyTorch layer", caption=lambda spec: _operation_for(spec).caption(spec),
    describe=lambda spec, bottleneck=None: _operation_for(spec).describe(spec, bottleneck), info_text=stages_text,
    views=_ALL_VIEWS, dims=lambda params: LAYERS[parse_layer(params["layer"])[0]][1],
)
