"""A network's convolution, pooling and upsampling layers: from layer texts (no PyTorch needed),
from a model as ``print(model)`` writes it (both a chain), or from a real ``nn.Module`` traced
with ``torch.fx`` (its real dataflow).

Layers that keep the shape (activations, normalisation, dropout) pass through; the listing ends
at the head (the first ``Flatten``, ``Linear`` or adaptive pooling), past which nothing is spatial.
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Sequence, Tuple

from ..core.errors import SpecError
from .graph import Graph, Node
from .layer_text import MAX_TEXT, read_call, shown
from .pytorch import HEAD, LAYERS, SHAPE_KEEPING, followed, module_args, read_layer, spec_from_args, with_channels
from .traced import traced_graph

MAX_MODEL_TEXT = 200_000  # a printed model: resnet18's is 4,871 characters, resnet152's about 33,000
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


def read_listing(text: str) -> List[Tuple[str, str]]:
    """A model as a user pastes it: ``print(model)``'s lines, or layer texts one a line (as an
    ``nn.Sequential(…)`` lists them, trailing commas and ``#`` comments allowed), as (name, text)."""
    if not isinstance(text, str) or not text.strip():
        raise SpecError("model", "give a model as print(model) writes it, or its layers one a line")
    if len(text) > MAX_MODEL_TEXT:
        raise SpecError("model", f"the model's text is {len(text):,} characters, more than {MAX_MODEL_TEXT:,}")
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]
    if len(lines) > 1 and lines[0].endswith("(") and lines[-1] == ")":
        lines = lines[1:-1]  # the model's own "ResNet(" … ")", or "nn.Sequential(" … ")"
    if any(_LINE.match(line) for line in lines):
        return read_model(text)
    return [(str(n), line) for n, line in enumerate(lines)]


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
    """A network's convolution, pooling and upsampling layers in the order they run on an input of
    ``input_size`` (C×H×W or C×L, no batch axis): each one's name, the layer, its input and output
    shapes, weights, and the network's receptive field up to it (its size, the jump between
    neighbouring cells' fields, and where output cell 0's field is centred). ``model`` is a
    sequence of layer texts (or modules), or a printed model (one string), run one after another,
    which needs no PyTorch; or a real ``nn.Module``, traced (``torch.fx``) so that the field follows
    its real dataflow, the largest over all paths. No weight is read."""
    return [row for row, _, _ in layer_calls(model, input_size)]


def layer_calls(model: Any, input_size: Sequence[int]) -> List[Tuple[dict, str, Dict[str, Any]]]:
    """:func:`layers`' rows, each with its layer's name and PyTorch arguments (what a figure of it is
    drawn from)."""
    shape = tuple(input_size)
    if isinstance(model, str):
        graph, seen = _chain(read_model(model), shape)
    elif isinstance(model, (list, tuple)):
        named = [item if isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str) else (str(n), item)
                 for n, item in enumerate(model)]  # a listing's (name, text) pairs keep their names
        graph, seen = _chain(named, shape)
    else:
        graph, seen = traced_graph(model, shape)
    out: List[Tuple[dict, str, Dict[str, Any]]] = []
    for node, name, layer, args, spec, shape_in, shape_out in seen:
        field = graph.field(node)
        costs = spec.costs()
        out.append(({"name": name, "layer": layer, "text": call_text(layer, args), "input_shape": list(shape_in),
                     "output_shape": list(shape_out), "weights": costs.get("weights", 0),
                     "multiply_adds": costs.get("multiply_adds", 0),
                     "receptive_field": list(field.size), "jump": [_number(j) for j in field.jump],
                     "centre": [_number(c) for c in field.centre]}, layer, args))
    return out


def call_text(layer: str, args: Dict[str, Any]) -> str:
    """``Conv2d(3, 64, kernel_size=7, stride=2, …)``: a layer as its arguments write it."""
    return f"{layer}(" + ", ".join(f"{k}={v!r}" for k, v in args.items()) + ")"


def _number(value) -> Any:
    """A whole number as an int; else a float (a jump of 1/2 after an upsampling, a centre at 1.5)."""
    return int(value) if value == int(value) else float(value)


def _chain(items: Sequence[Tuple[str, Any]], shape: Tuple[int, ...]) -> Tuple[Graph, List[tuple]]:
    """Layers one after another as a graph, each reading the one before."""
    seen = _stacked(items, shape)
    nodes = [Node("", (), shape[1:])]
    for name, layer, args, spec, shape_in, shape_out in seen:
        nodes.append(Node(name, (nodes[-1].name,), tuple(shape_out[1:]), spec))
    return Graph(nodes), [(entry[0], *entry) for entry in seen]  # (graph node, name, layer, args, spec, in, out)


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
        followed(layer, name)
        spatial, dims = shape[1:], LAYERS[layer].dims
        if len(spatial) != dims:
            raise SpecError("model", f"layer {name}: nn.{layer} takes a {dims}-D input, got {len(spatial)}-D")
        if LAYERS[layer].weighted and args.get("in_channels") != shape[0]:
            raise SpecError("model", f"layer {name}: nn.{layer} expects {args.get('in_channels')} channels, gets {shape[0]}"
                            " (a list of layers runs one after another: a branching model needs the nn.Module)")
        args = with_channels(layer, args, shape[0], name)
        spec = spec_from_args(layer, args, spatial[0] if len(spatial) == 1 else spatial)
        size = spec.output_size[-len(spatial):]
        out = (args.get("out_channels", shape[0]), *size)
        seen.append((name, layer, args, spec, shape, out))
        shape = out
    return seen
