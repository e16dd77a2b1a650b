"""Receptive fields through a network's real dataflow: a graph of nodes, each a layer (whose spec
says which input cells an output cell reads, :meth:`field_span`) or a node that keeps positions
(an addition, a concatenation, an activation). Pure Python: a chain of layer texts and a traced
``nn.Module`` (:mod:`.traced`) both become this graph.

The field of a layer is found as a gradient would find it: from one output cell (the central one),
back through every path to the input, the cells each node needs joined into one span per axis,
so that the field is the largest over all paths. Spans are not cut at the edges (padding counts,
as in the published fields), so a field may be larger than the input.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Dict, List, Optional, Sequence, Tuple

from ..core.errors import SpecError

Span = Optional[Tuple[int, int]]


@dataclass(frozen=True)
class Node:
    """A tensor of the network: what makes it (``spec``, a layer; None: positions kept, every input
    read at the same cells), the nodes it reads, and its spatial size."""

    name: str
    inputs: Tuple[str, ...]
    size: Tuple[int, ...]
    spec: Any = None

    def spans(self, needed: Sequence[Span]) -> List[Span]:
        """The cells of its inputs that the ``needed`` cells of this node read, one span per axis."""
        if self.spec is None:
            return list(needed)
        axes = range(2 - len(needed), 2)  # a strip's one axis is its spec's second
        return [None if span is None else self.spec.field_span(axis, *span) for axis, span in zip(axes, needed)]

    def jump(self, axis: int, dims: int) -> Fraction:
        return Fraction(1) if self.spec is None else self.spec.field_jump(2 - dims + axis)


def _join(a: Span, b: Span) -> Span:
    if a is None or b is None:
        return a if b is None else b
    return (min(a[0], b[0]), max(a[1], b[1]))


@dataclass(frozen=True)
class Field:
    """One node's receptive field on the network's input: its size and, for output cell 0, where
    its centre sits (input coordinates, padding negative), per axis; and the jump, the input cells
    between neighbouring output cells' fields (the effective stride)."""

    size: Tuple[int, ...]
    centre: Tuple[float, ...]
    jump: Tuple[Fraction, ...]


class Graph:
    """Nodes in an order where each comes after those it reads; the first is the input."""

    def __init__(self, nodes: Sequence[Node]):
        self.nodes = list(nodes)
        self.index = {node.name: n for n, node in enumerate(self.nodes)}
        for node in self.nodes[1:]:
            for name in node.inputs:
                if self.index.get(name, len(self.nodes)) >= self.index[node.name]:
                    raise SpecError("model", f"node {node.name} reads {name}, which does not come before it")
        self.jumps: Dict[str, Tuple[Fraction, ...]] = {}
        for node in self.nodes:  # forward: the largest jump over a node's inputs, times its own
            dims = len(node.size)
            below = [self.jumps[source] for source in node.inputs] or [(Fraction(1),) * dims]
            self.jumps[node.name] = tuple(max(j[axis] for j in below) * node.jump(axis, dims) for axis in range(dims))

    def needs(self, name: str, cell: Sequence[int]) -> List[Span]:
        """The input cells, per axis, that ``cell`` of node ``name`` depends on through every path."""
        needed: Dict[str, List[Span]] = {name: [(c, c) for c in cell]}
        for node in reversed(self.nodes[1: self.index[name] + 1]):
            if node.name not in needed:
                continue
            spans = node.spans(needed.pop(node.name))
            for source in node.inputs:
                held = needed.get(source)
                needed[source] = spans if held is None else [_join(a, b) for a, b in zip(held, spans)]
        return needed.get(self.nodes[0].name, [None] * len(cell))

    def field(self, name: str) -> Field:
        """The receptive field of node ``name``: of its central cell (as a gradient measures it), and
        where the field of its cell 0 is centred."""
        size = self.nodes[self.index[name]].size
        central = self.needs(name, [n // 2 for n in size])
        first = self.needs(name, [0] * len(size))
        return Field(tuple(0 if s is None else s[1] - s[0] + 1 for s in central),
                     tuple(float("nan") if s is None else (s[0] + s[1]) / 2 for s in first), self.jumps[name])
