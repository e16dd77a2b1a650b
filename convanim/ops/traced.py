"""A real ``nn.Module`` as a :class:`~.graph.Graph`: traced with ``torch.fx`` (so additions,
concatenations and functional calls are seen as the model wires them), its shapes found by one
run on zeros. PyTorch is imported here only, and only when a model is given."""

from __future__ import annotations

import contextlib
import io
import sys
from typing import Any, Dict, List, Optional, Tuple

from ..core.errors import SpecError
from .graph import Graph, Node
from .pytorch import HEAD, LAYERS, SHAPE_KEEPING, followed, module_args, spec_from_args, with_channels

# functional calls that act as a layer: (the layer, its arguments after the input, in order)
FUNCTIONAL = {
    "max_pool1d": ("MaxPool1d", ("kernel_size", "stride", "padding", "dilation", "ceil_mode", "return_indices")),
    "max_pool2d": ("MaxPool2d", ("kernel_size", "stride", "padding", "dilation", "ceil_mode", "return_indices")),
    "avg_pool1d": ("AvgPool1d", ("kernel_size", "stride", "padding", "ceil_mode", "count_include_pad")),
    "avg_pool2d": ("AvgPool2d", ("kernel_size", "stride", "padding", "ceil_mode", "count_include_pad", "divisor_override")),
    "interpolate": ("Upsample", ("size", "scale_factor", "mode", "align_corners", "recompute_scale_factor")),
    "upsample": ("Upsample", ("size", "scale_factor", "mode", "align_corners")),
    "pixel_shuffle": ("PixelShuffle", ("upscale_factor",)),
}
ADAPTIVE = ("adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_max_pool1d", "adaptive_max_pool2d")
# calls that regroup channels (ShuffleNet's shuffle, a split into branches) and keep every cell where it is
CHANNEL_MOVES = ("view", "reshape", "contiguous", "transpose", "permute", "flatten", "unflatten", "chunk", "split",
                 "getitem", "squeeze", "unsqueeze")
MIXING = ("roll", "flip", "fliplr", "flipud", "rot90", "conv1d", "conv2d", "conv_transpose1d", "conv_transpose2d",
          "unfold", "fold", "grid_sample", "affine_grid")  # move cells about but keep the shape: not followed


def _callee(node) -> str:
    target = node.target
    return target if isinstance(target, str) else getattr(target, "__name__", str(target))


def _literal(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(value)
    return value


def _moves_channels_only(node, shape_in: Tuple[int, ...], out: Tuple[int, ...], spatial: int) -> bool:
    """Whether a reshaping call leaves the last ``spatial`` axes as they were: it regroups the
    channels (or splits them into pieces) and moves no cell, so a field passes through it."""
    if _callee(node) not in CHANNEL_MOVES or out[-spatial:] != shape_in[-spatial:] or len(out) <= spatial:
        return False
    rank = len(shape_in) + 1  # with the batch axis, as the call sees it
    moved: Tuple[Any, ...] = ()
    if _callee(node) == "transpose":
        moved = tuple(node.args[1:3])
    elif _callee(node) == "permute":
        dims = node.args[1:] if len(node.args) > 2 or not isinstance(node.args[1], (tuple, list)) else node.args[1]
        moved = tuple(d for k, d in enumerate(dims) if (d % rank) != k)
    return all(isinstance(d, int) and d % rank < rank - spatial for d in moved)


def _functional_layer(node, spatial: Tuple[int, ...], out: Tuple[int, ...]) -> Optional[Tuple[str, dict, Any]]:
    """A functional pooling, interpolation or pixel shuffle as the layer it acts as (its spec);
    ``out`` is its output's spatial size, as the traced run found it."""
    name = _callee(node)
    if name not in FUNCTIONAL:
        return None
    layer, names = FUNCTIONAL[name]
    args = {n: _literal(v) for n, v in zip(names, node.args[1:])}
    args.update({n: _literal(v) for n, v in node.kwargs.items() if n in names})
    args = {n: v for n, v in args.items() if v is not None and n not in ("return_indices",)}
    if layer == "Upsample" and (hasattr(args.get("size"), "op") or hasattr(args.get("scale_factor"), "op")):
        args.pop("scale_factor", None)  # computed from another tensor's shape: the traced run gave the size
        args["size"] = out[0] if len(out) == 1 else tuple(out)
    if any(hasattr(v, "op") for v in args.values()):
        raise SpecError("model", f"{node.name}: {name} takes arguments computed in the model; convanim reads literals")
    try:
        return layer, args, spec_from_args(layer, args, spatial[0] if len(spatial) == 1 else spatial)
    except SpecError as error:  # which call of the model it is
        raise SpecError("model", f"{node.name}: {error.reason}") from None


def _shapes(model, shape: Tuple[int, ...]):
    """The traced graph module, every node's output shape found on zeros (the model left as it was)."""
    import torch
    import torch.fx
    from torch.fx.passes.shape_prop import ShapeProp

    try:
        traced = torch.fx.symbolic_trace(model)
    except Exception as error:  # noqa: BLE001 - fx raises many kinds; the message names the cause
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise SpecError("model", f"torch.fx cannot trace {type(model).__name__}: {first[:200]}") from None
    was = model.training
    model.eval()  # one zero input through batch norm in training mode would be refused
    printed = io.StringIO()  # ShapeProp prints a failing node's traceback itself: the error below says it
    try:
        with torch.no_grad(), contextlib.redirect_stderr(printed):
            ShapeProp(traced).propagate(torch.zeros((1, *shape)))
        sys.stderr.write(printed.getvalue())  # the model's own warnings, when it ran
    except Exception as error:  # noqa: BLE001 - the model's own error (an input too small), wrapped by fx
        cause = error.__cause__ or error
        first = (str(cause).strip().splitlines() or [type(cause).__name__])[0]
        raise SpecError("input_size", f"{type(model).__name__} cannot run on an input of {_shape(shape)}: {first[:200]}"
                        " (a larger input?)") from None
    finally:
        model.train(was)
    return traced


def traced_graph(model, shape: Tuple[int, ...]) -> Tuple[Graph, List[tuple]]:
    """The model's dataflow as a graph, and its layers as ``layers()`` lists them: (graph node,
    name, layer, spec, input shape, output shape), in the order they run, up to the head."""
    try:
        from torch.fx.passes.shape_prop import TensorMetadata
    except ImportError:  # pragma: no cover - the message is the point
        raise SpecError("model", "layers() traces the model: install PyTorch (pip install 'convanim[torch]')") from None

    traced = _shapes(model, shape)
    modules = dict(traced.named_modules())
    nodes: List[Node] = []
    listed: List[tuple] = []
    shapes: Dict[str, Tuple[int, ...]] = {}
    lost: Dict[str, str] = {}  # nodes that come of a call changing the rank: the call
    axes = len(shape) - 1  # the input's spatial axes
    for node in traced.graph.nodes:
        meta = node.meta.get("tensor_meta")
        if isinstance(meta, (tuple, list)) and meta and all(isinstance(m, TensorMetadata) for m in meta):
            meta = meta[0]  # a split into pieces: kept only if the pieces keep the cells (below)
        if not isinstance(meta, TensorMetadata) or node.op == "output":
            continue
        out = tuple(meta.shape[1:])
        if node.op == "placeholder":
            if not nodes:
                nodes.append(Node(node.name, (), out[1:]))
                shapes[node.name] = out
            continue
        inputs = tuple(n.name for n in node.all_input_nodes if n.name in shapes)
        if not inputs:
            _lost(node, modules, lost)
            continue  # a constant, or past the head: it does not read the input's cells
        shape_in = shapes[inputs[0]]
        kind = type(modules[node.target]).__name__ if node.op == "call_module" else _callee(node)
        if node.op != "call_module" and _moves_channels_only(node, shape_in, out, axes):
            nodes.append(Node(node.name, inputs, out[-axes:]))
            shapes[node.name] = out
            continue
        if kind in HEAD or kind in ADAPTIVE or len(out) < 2:
            continue  # the head: nothing past it is spatial
        if len(out) != len(shape_in):  # not followed; refused if a layer reads what comes of it
            lost[node.name] = f"{kind} ({_shape(shape_in)} -> {_shape(out)})"
            continue
        spec, layer, args = None, kind, {}
        if node.op == "call_module" and kind in LAYERS:
            followed(kind, node.target)
            layer, args = module_args(modules[node.target])
            args = with_channels(layer, args, shape_in[0], node.target)
            spatial = shape_in[1:]
            spec = spec_from_args(layer, args, spatial[0] if len(spatial) == 1 else spatial)
        elif node.op != "call_module" and kind in FUNCTIONAL:
            layer, args, spec = _functional_layer(node, shape_in[1:], out[1:])
        elif kind in MIXING or (node.op == "call_module" and kind not in SHAPE_KEEPING) or out[1:] != shape_in[1:] \
                or any(shapes[i][1:] != out[1:] for i in inputs):
            raise SpecError("model", f"{node.target if node.op == 'call_module' else node.name}: convanim cannot follow"
                            f" {kind} ({_shape(shape_in)} -> {_shape(out)}): it moves cells in a way it does not read")
        nodes.append(Node(node.name, inputs, out[1:], spec))
        shapes[node.name] = out
        if spec is not None:
            name = node.target if node.op == "call_module" else node.name
            listed.append((node.name, name, layer, args, spec, shape_in, out))
    return Graph(nodes), listed


def _lost(node, modules: Dict[str, Any], lost: Dict[str, str]) -> None:
    """Marks a node that reads only what a rank-changing call made (a transformer's tokens), and
    refuses a convolution, pooling or upsampling there: its cells are no longer the input's."""
    came = [lost[n.name] for n in node.all_input_nodes if n.name in lost]
    if not came:
        return
    lost[node.name] = came[0]
    kind = type(modules[node.target]).__name__ if node.op == "call_module" else _callee(node)
    if (node.op == "call_module" and kind in LAYERS) or (node.op != "call_module" and kind in FUNCTIONAL):
        name = node.target if node.op == "call_module" else node.name
        raise SpecError("model", f"{name}: convanim cannot follow {came[0]}, which {kind} reads after: it reshapes"
                        " the cells in a way it does not read")


def _shape(shape: Tuple[int, ...]) -> str:
    return "x".join(map(str, shape))

