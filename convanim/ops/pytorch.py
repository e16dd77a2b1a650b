"""PyTorch's layers as convanim specs: ``from_torch("nn.Conv2d(16, 32, 3, stride=2, padding=1)")``.

The text is parsed, never evaluated (:mod:`.layer_text`): a call of a layer convanim knows, with
literal arguments, as a model's source or ``print(model)`` writes it. A real ``nn.Module`` is read
the same way, from the attributes PyTorch keeps. Each layer names the operation of the registry
that draws it and turns its arguments into that operation's parameters; arguments that change
nothing drawn (``device``, ``dtype``) are skipped, those convanim cannot draw are refused by name.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Dict, Optional, Tuple, Union

from ..core.errors import SpecError
from ..core.geometry import PADDING_MODES
from .base import Operation, Param, View, stages_text
from .conv import CONV
from .conv1d import CONV1D, POOL1D, TRANSPOSED1D
from .conv3d import CONV3D, POOL3D, TRANSPOSED3D
from .layer_text import LayerCall, bind, read_call
from .pixel_shuffle import PIXEL_SHUFFLE
from .pool import POOL
from .resample import ADAPTIVE_POOL, ADAPTIVE_POOL1D, UPSAMPLE
from .transposed import TRANSPOSED

CONV_ARGS = ("in_channels", "out_channels", "kernel_size", "stride", "padding", "dilation", "groups", "bias",
             "padding_mode", "device", "dtype")
TRANSPOSED_ARGS = ("in_channels", "out_channels", "kernel_size", "stride", "padding", "output_padding", "groups", "bias",
                   "dilation", "padding_mode", "device", "dtype")
MAX_ARGS = ("kernel_size", "stride", "padding", "dilation", "return_indices", "ceil_mode")
AVG1D_ARGS = ("kernel_size", "stride", "padding", "ceil_mode", "count_include_pad")
AVG2D_ARGS = (*AVG1D_ARGS, "divisor_override")
CONV_NEEDS = ("in_channels", "out_channels", "kernel_size")
IGNORED = ("device", "dtype", "return_indices")  # nothing drawn changes, and nothing is read of them
WORDS = {"padding": ("same", "valid"), "padding_mode": PADDING_MODES, "mode": ("nearest",)}  # unquoted, as print(model) writes them


@dataclass(frozen=True)
class Layer:
    """A PyTorch layer convanim draws: its arguments in PyTorch's order, those it needs, the
    operation of the registry that draws it, and how its arguments become that operation's."""

    name: str
    args: Tuple[str, ...]
    needs: Tuple[str, ...]
    operation: Operation  # the registered operation that draws it
    dims: int
    params: Callable[["Layer", Dict[str, Any]], Dict[str, Any]]  # PyTorch's arguments -> the operation's parameters
    default_size: Optional[int] = None  # the input drawn without --i, for a layer with no kernel to fit

    @property
    def weighted(self) -> bool:
        return "in_channels" in self.needs


def _axes(layer: Layer, name: str, value: Any) -> Any:
    """An int or a tuple of ``dims`` ints, as PyTorch takes it, in convanim's form."""
    if isinstance(value, bool) or not isinstance(value, (int, tuple)):
        if name == "padding" and isinstance(value, str):
            return value
        raise SpecError("layer", f"nn.{layer.name}: {name} must be a whole number or a tuple of {layer.dims}, got {value!r}")
    if isinstance(value, tuple):
        if len(value) != layer.dims:
            raise SpecError("layer", f"nn.{layer.name}: {name} takes {layer.dims} value{'s' if layer.dims > 1 else ''},"
                            f" got {len(value)}")
        return value[0] if layer.dims == 1 else value
    return value


def _geometry(layer: Layer, args: Dict[str, Any], stride_default: Any) -> Dict[str, Any]:
    """Kernel, stride, padding and dilation as the operation takes them."""
    get = lambda name, default: _axes(layer, name, args[name] if args.get(name) is not None else default)  # noqa: E731
    kernel = get("kernel_size", None)
    padding = get("padding", 0)
    if isinstance(padding, str) and padding not in ("same", "valid"):
        raise SpecError("layer", f"nn.{layer.name}: padding={padding!r} is not PyTorch's: use 'same', 'valid' or numbers")
    return {"kernel_size": kernel, "stride": get("stride", kernel if stride_default is None else stride_default),
            "padding": padding, "dilation": get("dilation", 1)}


def _channels(layer: Layer, args: Dict[str, Any]) -> Dict[str, Any]:
    channels = {"in_channels": args["in_channels"], "out_channels": args["out_channels"], "groups": args.get("groups", 1)}
    for name, value in channels.items():
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise SpecError("layer", f"nn.{layer.name}: {name} must be a whole number from 1, got {value!r}")
    if channels["in_channels"] % channels["groups"] or channels["out_channels"] % channels["groups"]:
        raise SpecError("layer", f"nn.{layer.name}: groups={channels['groups']} does not divide in_channels="
                        f"{channels['in_channels']} and out_channels={channels['out_channels']}")
    return {**channels, "bias": args.get("bias", True)}


def _conv(layer: Layer, args: Dict[str, Any]) -> Dict[str, Any]:
    params = {**_geometry(layer, args, 1), **_channels(layer, args), "padding_mode": args.get("padding_mode", "zeros")}
    if isinstance(params["padding"], tuple) and layer.dims == 2:
        params["padding"] = (params["padding"][0], params["padding"][0], params["padding"][1], params["padding"][1])
    return params  # PyTorch pads both sides of an axis alike


def _transposed(layer: Layer, args: Dict[str, Any]) -> Dict[str, Any]:
    params = {**_geometry(layer, args, 1), **_channels(layer, args),
              "output_padding": _axes(layer, "output_padding", args.get("output_padding", 0))}
    if isinstance(params["padding"], str):
        raise SpecError("layer", f"nn.{layer.name}: padding={params['padding']!r}: a transposed convolution's padding"
                        " is a number")
    if args.get("padding_mode", "zeros") != "zeros":
        raise SpecError("layer", f"nn.{layer.name}: padding_mode={args['padding_mode']!r}: PyTorch pads a transposed"
                        " convolution with zeros only")
    return params


def _pool(mode: str) -> Callable[[Layer, Dict[str, Any]], Dict[str, Any]]:
    def params(layer: Layer, args: Dict[str, Any]) -> Dict[str, Any]:
        more = {k: args[k] for k in ("ceil_mode", "count_include_pad", "divisor_override") if k in args}
        return {**_geometry(layer, args, None), "mode": mode, **more}  # a pooling's stride is its kernel by default

    return params


def _adaptive(mode: str) -> Callable[[Layer, Dict[str, Any]], Dict[str, Any]]:
    def params(layer: Layer, args: Dict[str, Any]) -> Dict[str, Any]:
        size = args["output_size"]
        if isinstance(size, tuple) and len(size) == layer.dims and None in size:  # None keeps that axis's size
            return {"output_size": tuple(v if v is None else _axes(layer, "output_size", v) for v in size), "mode": mode}
        return {"output_size": _axes(layer, "output_size", size), "mode": mode}

    return params


def _upsample(layer: Layer, args: Dict[str, Any]) -> Dict[str, Any]:
    mode = args.get("mode", "nearest")
    if mode not in ("nearest", "nearest-exact"):
        raise SpecError("layer", f"nn.{layer.name}: mode={mode!r} is not drawn: convanim draws nearest and"
                        " nearest-exact upsampling")
    if args.get("align_corners") or args.get("recompute_scale_factor"):
        name = "align_corners" if args.get("align_corners") else "recompute_scale_factor"
        raise SpecError("layer", f"nn.{layer.name}: {name}=True is not drawn")
    size, factor = args.get("size"), args.get("scale_factor")
    if (size is None) == (factor is None):
        raise SpecError("layer", f"nn.{layer.name} needs either size or scale_factor")
    return {"size": None if size is None else _axes(layer, "size", size), "scale_factor": factor, "mode": mode}


def _pixel_shuffle(layer: Layer, args: Dict[str, Any]) -> Dict[str, Any]:
    return {"upscale_factor": args["upscale_factor"], "out_channels": args.get("out_channels", 1)}


UPSAMPLE_ARGS = ("size", "scale_factor", "mode", "align_corners", "recompute_scale_factor")

LAYERS: Dict[str, Layer] = {layer.name: layer for layer in (
    Layer("Conv1d", CONV_ARGS, CONV_NEEDS, CONV1D, 1, _conv),
    Layer("Conv2d", CONV_ARGS, CONV_NEEDS, CONV, 2, _conv),
    Layer("ConvTranspose1d", TRANSPOSED_ARGS, CONV_NEEDS, TRANSPOSED1D, 1, _transposed),
    Layer("ConvTranspose2d", TRANSPOSED_ARGS, CONV_NEEDS, TRANSPOSED, 2, _transposed),
    Layer("MaxPool1d", MAX_ARGS, ("kernel_size",), POOL1D, 1, _pool("max")),
    Layer("MaxPool2d", MAX_ARGS, ("kernel_size",), POOL, 2, _pool("max")),
    Layer("AvgPool1d", AVG1D_ARGS, ("kernel_size",), POOL1D, 1, _pool("avg")),
    Layer("AvgPool2d", AVG2D_ARGS, ("kernel_size",), POOL, 2, _pool("avg")),
    Layer("Conv3d", CONV_ARGS, CONV_NEEDS, CONV3D, 3, _conv),
    Layer("ConvTranspose3d", TRANSPOSED_ARGS, CONV_NEEDS, TRANSPOSED3D, 3, _transposed),
    Layer("MaxPool3d", MAX_ARGS, ("kernel_size",), POOL3D, 3, _pool("max")),
    Layer("AvgPool3d", AVG2D_ARGS, ("kernel_size",), POOL3D, 3, _pool("avg")),
    Layer("AdaptiveAvgPool1d", ("output_size",), ("output_size",), ADAPTIVE_POOL1D, 1, _adaptive("avg"), 8),
    Layer("AdaptiveAvgPool2d", ("output_size",), ("output_size",), ADAPTIVE_POOL, 2, _adaptive("avg"), 5),
    Layer("AdaptiveMaxPool1d", ("output_size", "return_indices"), ("output_size",), ADAPTIVE_POOL1D, 1,
          _adaptive("max"), 8),
    Layer("AdaptiveMaxPool2d", ("output_size", "return_indices"), ("output_size",), ADAPTIVE_POOL, 2, _adaptive("max"), 5),
    Layer("Upsample", UPSAMPLE_ARGS, (), UPSAMPLE, 2, _upsample, 3),
    Layer("UpsamplingNearest2d", ("size", "scale_factor"), (), UPSAMPLE, 2, _upsample, 3),
    Layer("PixelShuffle", ("upscale_factor",), ("upscale_factor",), PIXEL_SHUFFLE, 2, _pixel_shuffle, 2),
)}
SUPPORTED = ", ".join(LAYERS)
DRAWN_BY = tuple(sorted({layer.operation.name: layer.operation for layer in LAYERS.values()}.values(),
                        key=lambda op: (op.rank, op.name)))  # the operations the layers name, in the registry's order


SHAPE_KEEPING = frozenset((
    "ReLU", "ReLU6", "LeakyReLU", "PReLU", "ELU", "SELU", "CELU", "GELU", "SiLU", "Mish", "Sigmoid", "Tanh", "Hardtanh",
    "Hardswish", "Hardsigmoid", "Softplus", "Identity", "Dropout", "Dropout1d", "Dropout2d", "Dropout3d",
    "AlphaDropout", "BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "GroupNorm", "InstanceNorm1d", "InstanceNorm2d",
    "InstanceNorm3d", "LocalResponseNorm", "LayerNorm",
))
HEAD = frozenset(("Flatten", "Linear", "AdaptiveAvgPool1d", "AdaptiveAvgPool2d", "AdaptiveAvgPool3d", "AdaptiveMaxPool1d",
                  "AdaptiveMaxPool2d", "AdaptiveMaxPool3d", "Softmax", "LogSoftmax"))
def followed(layer: str, name: str) -> None:
    """Refuses a volume in a network's listing: its field would need a depth axis the graph does not follow."""
    if LAYERS[layer].dims == 3:
        raise SpecError("model", f"layer {name}: layers() follows 1-D and 2-D layers; nn.{layer} is drawn on its own"
                        f" (convanim torch \"nn.{layer}(…)\"), not listed in a network")


def with_channels(layer: str, args: dict, channels: int, name: str) -> dict:
    """A layer's arguments with what its input's channels decide: a pixel shuffle's output channels."""
    if layer != "PixelShuffle":
        return args
    r = args["upscale_factor"]
    if isinstance(r, int) and r > 0 and channels % (r * r):
        raise SpecError("model", f"layer {name}: nn.PixelShuffle({r}) needs channels divisible by {r * r}, gets {channels}")
    return {**args, "out_channels": channels // (r * r) if isinstance(r, int) and r > 0 else 1}


def layer_named(name: str) -> Layer:
    """The layer convanim knows by that name; a SpecError listing those it knows."""
    if name not in LAYERS:
        raise SpecError("layer", f"convanim does not draw nn.{name}: the layers it draws are {SUPPORTED}")
    return LAYERS[name]


def read_layer(call: LayerCall) -> Tuple[str, Dict[str, Any]]:
    """A parsed call's layer name and its arguments by PyTorch's names."""
    layer = layer_named(call.layer)
    args = bind(call, layer.args, WORDS, IGNORED)
    for needed in layer.needs:
        if needed not in args:
            raise SpecError("layer", f"nn.{layer.name} needs {needed}")
    return layer.name, args


def parse_layer(text: str) -> Tuple[str, Dict[str, Any]]:
    """``"nn.Conv2d(1, 8, 3, padding=1)"`` → ``("Conv2d", {"in_channels": 1, …})``, by PyTorch's signatures."""
    return read_layer(read_call(text))


def _default_size(layer: Layer, params: Dict[str, Any]) -> Union[int, Tuple[int, ...]]:
    """An input the layer fits with room for a few steps on each axis: 5 (8 along a strip, 4 slices
    of 4×4 in a volume), or the kernel's extent and a stride more (a 1×7 kernel: 5×8); a 2-D
    transposed layer's, the smallest whose output is 4 a side, as the paper's 2x2 (it grows)."""
    sizes = []
    for axis in range(layer.dims):
        value = lambda name: params[name] if isinstance(params[name], int) else params[name][axis]  # noqa: E731
        extent, stride = value("dilation") * (value("kernel_size") - 1) + 1, value("stride")
        if layer.operation is TRANSPOSED:
            grown = extent - 2 * value("padding") + value("output_padding")  # o = (i-1)·s + grown
            sizes.append(max(2, -(-(4 - grown) // stride) + 1))
        else:
            sizes.append(max({1: 8, 2: 5, 3: 4}[layer.dims], extent + stride))
    return sizes[0] if len(set(sizes)) == 1 else tuple(sizes)


MOST_DRAWN = (3, 2)  # a pasted layer's input and output channels drawn by default: a sum over inputs, two kernels


def drawn_channels(in_channels: int, out_channels: int, groups: int) -> Tuple[Tuple[int, ...], Tuple[int, ...], int]:
    """The input and output channels of a layer drawn by default, and the groups among them: the
    first two output channels (of the first group, or one of each of the first two groups) and the
    first three input channels each group of them reads; a smaller layer whose computation is
    exactly the drawn channels'."""
    per_in, per_out = in_channels // groups, out_channels // groups
    kept = 1 if per_out >= MOST_DRAWN[1] else min(groups, MOST_DRAWN[1])
    ins = tuple(g * per_in + c for g in range(kept) for c in range(min(per_in, MOST_DRAWN[0])))
    outs = tuple(g * per_out + c for g in range(kept) for c in range(min(per_out, MOST_DRAWN[1] // kept)))
    return ins, outs, kept


def spec_from_args(name: str, args: Dict[str, Any], input_size=None, all_channels: bool = True):
    """The spec of a layer given by its PyTorch arguments, on an input of ``input_size``: made by
    the operation that draws it; without ``all_channels``, the channels of :func:`drawn_channels`."""
    layer = layer_named(name)
    params = layer.params(layer, args)
    if input_size is None and layer.default_size is not None:
        input_size = layer.default_size
    if input_size is None:
        input_size = _default_size(layer, params)
    if layer.dims == 1 and isinstance(input_size, tuple):
        if input_size[0] != input_size[-1] and len(input_size) == 2:
            raise SpecError("input_size", f"a 1-D layer takes a length L, got {input_size[0]}x{input_size[1]}")
        input_size = input_size[-1]
    if not all_channels and "in_channels" in params:
        ins, outs, groups = drawn_channels(params["in_channels"], params["out_channels"], params["groups"])
        params = {**params, "in_channels": len(ins), "out_channels": len(outs), "groups": groups}
    if layer.dims == 3 and isinstance(input_size, tuple) and len(input_size) == 2:
        if input_size[0] != input_size[1]:
            raise SpecError("input_size", f"a 3-D layer takes DxHxW, got {input_size[0]}x{input_size[1]}")
        input_size = (input_size[0],) * 3
    if layer.dims < 3 and isinstance(input_size, tuple) and len(input_size) == 3:
        raise SpecError("input_size", f"nn.{layer.name} takes {'L' if layer.dims == 1 else 'N or HxW'},"
                        f" got {'x'.join(map(str, input_size))}")
    return layer.operation.make(input_size=input_size, **params)


def channels_drawn(layer, all_channels: bool = False, **_) -> Dict[str, Any]:
    """Which channels of a pasted layer are drawn, when not all: ``{}`` if all are (what ``--dump``
    and the command say, so that a reader knows the channels are PyTorch's 0, 1, 2 of 16)."""
    name, args = parse_layer(layer)
    if all_channels or not layer_named(name).weighted:
        return {}
    params = layer_named(name).params(layer_named(name), args)
    ins, outs, groups = drawn_channels(params["in_channels"], params["out_channels"], params["groups"])
    if (len(ins), len(outs)) == (params["in_channels"], params["out_channels"]):
        return {}
    return {"input": list(ins), "output": list(outs), "groups": groups,
            "of": {"in_channels": params["in_channels"], "out_channels": params["out_channels"],
                   "groups": params["groups"]}}


def module_args(module) -> Tuple[str, Dict[str, Any]]:
    """A real layer's arguments, from the attributes PyTorch keeps on it."""
    layer = layer_named(type(module).__name__)
    args = {name: getattr(module, name) for name in layer.args if name not in IGNORED and hasattr(module, name)}
    if "bias" in args:
        args["bias"] = args["bias"] is not None  # the tensor, or None where the layer has none
    return layer.name, {k: (tuple(v) if isinstance(v, list) else v) for k, v in args.items()}


def from_torch(layer, input_size=None, all_channels: bool = True):
    """The spec of a PyTorch layer: its text as a model's source writes it, or (with PyTorch
    installed) the ``nn.Module`` itself; ``input_size`` is the input's H×W (or L), as in ``--i``;
    without ``all_channels``, only the channels a student needs (:func:`drawn_channels`)."""
    if isinstance(layer, str):
        name, args = parse_layer(layer)
    else:
        name, args = module_args(layer)
    return spec_from_args(name, args, input_size, all_channels)


def _drawn_by(spec) -> Operation:
    """The operation that made a layer's spec (the first to make its class, as in the registry)."""
    return next(op for op in DRAWN_BY if type(spec) in op.specs)


def _view(name: str) -> View:
    """A view of a pasted layer: its operation's view of that name, where it has one."""

    def view(spec) -> View:
        op = _drawn_by(spec)
        if name not in op.views:
            raise SpecError("view", f"the {name} view is not one of {op.noun}'s: {', '.join(op.views)}")
        return op.views[name]

    def check(spec) -> None:
        view(spec)

    return View(name, lambda spec, *args: view(spec).scene(spec, *args), lambda spec: view(spec).frames(spec),
                lambda spec: view(spec).shapes(spec), check)


_ALL_VIEWS = {name: _view(name) for name in dict.fromkeys(v for op in DRAWN_BY for v in op.views)}

TORCH = Operation(
    "torch", "A PyTorch layer, pasted as a model writes it: convanim torch \"nn.Conv2d(16, 32, 3, stride=2, padding=1)\".",
    lambda layer, input_size=None, all_channels=True, **_: from_torch(layer, input_size, all_channels),  # info: all
    (Param("layer", "text", None, "The layer: nn.Conv1d/2d/3d, nn.ConvTranspose1d/2d/3d, nn.MaxPool1d/2d/3d,"
                                  " nn.AvgPool1d/2d/3d, nn.AdaptiveAvgPool1d/2d, nn.AdaptiveMaxPool1d/2d,"
                                  " nn.Upsample (nearest), nn.PixelShuffle.",
           argument=True),
     Param("input_size", "any-size", None, "Input size H×W (L for a 1-D layer, D×H×W for a 3-D one); default: 5 (8, 4),"
           " or what the kernel needs.",
           ("--i", "--input-size"), show_default=False),
     Param("all_channels", "flag", False, f"Draw every channel of the layer: by default at most {MOST_DRAWN[0]} input and"
           f" {MOST_DRAWN[1]} output channels, those PyTorch numbers first.", render_only=True),
     Param("view", "choice", "gather", "gather, or another view the layer's operation has: " + ", ".join(_ALL_VIEWS) + ".",
           choices=tuple(_ALL_VIEWS), render_only=True)),
    (), rank=21, title="a PyTorch layer", caption=lambda spec: _drawn_by(spec).caption(spec),
    describe=lambda spec, bottleneck=None: _drawn_by(spec).describe(spec, bottleneck), info_text=stages_text,
    views=_ALL_VIEWS, drawn=channels_drawn, dims=lambda params: layer_named(parse_layer(params["layer"])[0]).dims,
)
