"""A network's convolution and pooling layers: from layer texts (no PyTorch needed), from a model
as ``print(model)`` writes it, or from a real ``nn.Module`` run once on zeros.

Layers that keep the shape (activations, normalisation, dropout) pass through; the listing ends
at the head (the first ``Flatten``, ``Linear`` or adaptive pooling), past which nothing is spatial.
"""

from __future__ import annotations

import re
from typing import Any, List, Sequence, Tuple

from ..core.errors import SpecError
from .layer_text import MAX_TEXT, read_call, shown
from .pytorch import LAYERS, module_args, read_layer, spec_from_args

MAX_MODEL_TEXT = 200_000  # a printed model: resnet18's is 4,871 characters, resnet152's about 33,000
SHAPE_KEEPING = frozenset((
    "ReLU", "ReLU6", "LeakyReLU", "PReLU", "ELU", "SELU", "CELU", "GELU", "SiLU", "Mish", "Sigmoid", "Tanh", "Hardtanh",
    "Hardswish", "Hardsigmoid", "Softplus", "Identity", "Dropout", "Dropout1d", "Dropout2d", "AlphaDropout",
    "BatchNorm1d", "BatchNorm2d", "GroupNorm", "InstanceNorm1d", "InstanceNorm2d", "LocalResponseNorm", "LayerNorm",
))
HEAD = frozenset(("Flatten", "Linear", "AdaptiveAvgPool1d", "AdaptiveAvgPool2d", "AdaptiveMaxPool1d", "AdaptiveMaxPool2d",
                  "Softmax", "LogSoftmax"))
_LINE = re.compile(r"\((?P<name>[\w-]+)\):\s*(?:(?P<times>\d+) x )?(?P<call>.*)$")


def read_model(text: str) -> List[Tuple[str, str]]:
    """``print(model)`` read as its leaf layers, in the order printed: (dotted name, layer text).
    Containers (``Sequential(``, ``BasicBlock(`` …) name their layers; ``(0-2): 3 x Block(`` repeats."""
    if not isinstance(text, str) or not text.strip():
        raise SpecError("model", "give a model as print(model) writes it")
    if len(text) > MAX_MODEL_TEXT:
        raise SpecError("model", f"the model's text is {len(text):,} characters, more than {MAX_MODEL_TEXT:,}")
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if len(lines) > 1 and lines[0].endswith("(") and lines[-1] == ")":
        lines = lines[1:-1]  # the model's own "ResNet(" … ")"
    found, _ = _block(lines, 0, "")
    return found


def _block(lines: Sequence[str], at: int, prefix: str) -> Tuple[List[Tuple[str, str]], int]:
    """The layers from line ``at`` to the ``)`` that closes this block, and the line after it."""
    found: List[Tuple[str, str]] = []
    while at < len(lines) and lines[at] != ")":
        line = lines[at]
        match = _LINE.match(line)
        if match is None:
            raise SpecError("model", f"line {shown(line)} is not a line of print(model): (name): Layer(…)")
        first, _, last = match["name"].partition("-")
        times = int(match["times"] or 1)
        names = [str(int(first) + n) for n in range(times)] if last else [match["name"]]
        if len(line) > MAX_TEXT:
            raise SpecError("model", f"a line of {len(line):,} characters, more than {MAX_TEXT:,}")
        if match["call"].endswith("("):  # a container: its layers follow, up to its ")"
            inner, at = _block(lines, at + 1, "")
            if at >= len(lines):
                raise SpecError("model", f"{shown(line)} is never closed")
            found += [(f"{prefix}{name}.{sub}", layer) for name in names for sub, layer in inner]
        else:
            found += [(f"{prefix}{name}", match["call"]) for name in names]
        at += 1
    return found, at


def layers(model: Any, input_size: Sequence[int]) -> List[dict]:
    """A network's convolution and pooling layers in the order they run on an input of
    ``input_size`` (C×H×W or C×L, no batch axis): each one's name, the layer, its input and output
    shapes, weights, and the receptive field of the network up to it. ``model`` is a sequence of
    layer texts (or modules), or a printed model (one string), run one after another, which needs
    no PyTorch; or a real ``nn.Module``, run once on zeros to see the order and shapes. No weight is read."""
    if isinstance(model, str):
        seen = _stacked(read_model(model), tuple(input_size))
    elif isinstance(model, (list, tuple)):
        seen = _stacked([(str(n), item) for n, item in enumerate(model)], tuple(input_size))
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


def _read(item: Any) -> Tuple[str, Any]:
    """A listed layer's name and its arguments (None for a layer that keeps the shape or ends the body)."""
    if not isinstance(item, str):
        kind = type(item).__name__
        return (kind, None) if kind in SHAPE_KEEPING | HEAD else module_args(item)
    call = read_call(item)
    if call.layer in SHAPE_KEEPING | HEAD:
        return call.layer, None
    return read_layer(call)


def _stacked(items: Sequence[Tuple[str, Any]], shape: Tuple[int, ...]) -> List[tuple]:
    """Layers one after another, their shapes computed here: (name, layer, spec, in, out)."""
    seen = []
    for name, item in items:
        layer, args = _read(item)
        if layer in HEAD:
            break
        if args is None:
            continue
        spatial, dims = shape[1:], LAYERS[layer].dims
        if len(spatial) != dims:
            raise SpecError("model", f"layer {name}: nn.{layer} takes a {dims}-D input, got {len(spatial)}-D")
        if LAYERS[layer].weighted and args.get("in_channels") != shape[0]:
            raise SpecError("model", f"layer {name}: nn.{layer} expects {args.get('in_channels')} channels, gets {shape[0]}"
                            " (a list of layers runs one after another: a branching model needs the nn.Module)")
        spec = spec_from_args(layer, args, spatial[0] if len(spatial) == 1 else spatial)
        size = spec.output_size[-len(spatial):]
        out = (args["out_channels"] if LAYERS[layer].weighted else shape[0], *size)
        seen.append((name, layer, spec, shape, out))
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
        layer, args = module_args(module)
        seen.append((name, layer, spec_from_args(layer, args, spatial[0] if len(spatial) == 1 else tuple(spatial)),
                     shape_in, shape_out))
    return seen
