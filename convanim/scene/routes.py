"""Pooling's backward pass as a view: each output gradient routed back onto the input, a frame
each. Max pooling sends all of it to the cell its window kept; an average spreads it over its
divisor. The input's cells keep running sums, as the scatter view's do."""

from __future__ import annotations

import math
from typing import List, Optional, Tuple

import numpy as np

from ..core.backward import Gradients
from ..core.formats import exact_precision, figure_format
from ..core.sweep import Cell, Grid
from ..core.values import Numbers
from .gather import index_text, widest
from .model import Equation, Label, Link, Plane, Scene, Step, Term


def route_scene(spec, numbers: Optional[Numbers] = None, precision: int = 1, caption: str = "",
                names=("∂L/∂y", "∂L/∂x")) -> Scene:
    """One frame per output cell of a pooling: its gradient (``names[0]``) goes back to its
    window on the padded input (``names[1]``): to the cell kept (max, marked) or a share to
    every cell (average); padding takes its share and gives it to nothing. For max pooling the
    window's input values are written small in its cells, so that the kept one can be seen. A
    volume's output and input are its depth slices, in two columns: a step's window lights on
    every input slice its output slice reads."""
    routes = _Routes(spec, numbers, precision, names)
    largest = None if numbers is None else (widest([*routes.grads.ravel(), *routes.sums_text()]), "")
    return Scene(routes.planes(), spec.depths[1] * len(routes.sweep), routes.step, caption, (routes.phase(),),
                 equations=numbers is not None, columns=routes.sliced, widest=largest)


class _Routes:
    """What :func:`route_scene` draws, worked out once: each output slice's shares to each input
    slice it reads (``shares[o][k]``, (steps, taps)) and the running sums they leave."""

    EMPTY = np.empty((0, 2), dtype=int)

    def __init__(self, spec, numbers: Optional[Numbers], precision: int, names):
        self.spec, self.numbers, self.names = spec, numbers, names
        self.sweep = spec.sweep()
        self.source = self.sweep.source
        self.depths = tuple(spec.depths)
        self.sliced = self.depths != (1, 1)
        self.picks = spec.reducer.pick is not None
        self.reads = [spec.reads(o) for o in range(self.depths[1])]
        if numbers is None:
            return
        gradients = Gradients(numbers)
        self.shares = [[gradients.shares(o, k, read) for k, read in enumerate(reads)] for o, reads in enumerate(self.reads)]
        self.sums = self._running()
        sent = [np.zeros(0), *(a.ravel() for row in self.shares for a in row),  # none: every window on padding
                *(a.ravel() for row in self.sums for a in row)]
        self.fmt = figure_format([np.concatenate(sent)], exact_precision(sent, precision))  # shares add up as written
        g = numbers.grad.astype(float).reshape(self.depths[1], *self.sweep.output_size)
        self.grads = np.vectorize(figure_format([g], precision), otypes=[object])(g)  # ∂L/∂y as given
        shown = figure_format([numbers.input], precision)
        self.inputs = np.vectorize(shown, otypes=[object])(numbers.drawn_inputs)

    def _running(self) -> List[List[np.ndarray]]:
        """Each tap's cell's running sum right after its step has sent its share, slice by slice."""
        canvas = np.zeros((self.depths[0], *self.source.shape))
        taps = self.sweep.all_taps()
        sums = [[np.zeros(a.shape) for a in row] for row in self.shares]
        for o, reads in enumerate(self.reads):
            for step, at in enumerate(taps):
                for k, read in enumerate(reads):
                    np.add.at(canvas[read.channel], (at[:, 0], at[:, 1]), self.shares[o][k][step])
                    sums[o][k][step] = canvas[read.channel][at[:, 0], at[:, 1]]
        return sums

    def sums_text(self) -> List[str]:
        return [self.fmt(v) for row in self.sums for a in row for v in a.ravel()]

    def _name(self, which: int, slice_: int) -> str:
        return f"{self.names[which]} slice {slice_}" if self.sliced else self.names[which]

    def planes(self) -> Tuple[Plane, ...]:
        s = self.source
        target = Grid(s.shape, s.rows, s.cols, Cell.PENDING, outside=s.outside)
        grads = [None] * self.depths[1] if self.numbers is None else list(self.grads)
        return (*(Plane(self._name(0, o), Grid.dense(self.sweep.output_size, Cell.DATA), grads[o])
                  for o in range(self.depths[1])),
                *(Plane(self._name(1, d), target, volume=1, weights=self.picks) for d in range(self.depths[0])))

    def phase(self) -> str:
        how = ("max pooling sends it all to the cell it kept (small: x); the others get 0" if self.picks
               else "an average spreads it evenly over its window"
               + (" (the padding's share is lost)" if (self.source.kinds == Cell.PADDING).any() else ""))
        return f"each {self.names[0]} cell goes back to its window: {how}"

    def step(self, index: int) -> Step:
        o, spatial = divmod(index, len(self.sweep))
        r, c = self.sweep.out_cell(spatial)
        taps, box = self.sweep.taps(spatial), self.sweep.footprint(spatial)
        first, reads = self.depths[1], self.reads[o]  # the input slices' planes come after the output's
        highlights = [self.EMPTY] * (first + self.depths[0])
        highlights[o] = np.array([[r, c]])
        for read in reads:
            highlights[first + read.channel] = taps
        links = tuple(Link(o, (r, c, r + 1, c + 1), first + read.channel, box, wire=self.sliced) for read in reads)
        if self.numbers is None:
            return Step(index, tuple(highlights), links)
        data = [t for t in range(len(taps)) if self.source.kinds[taps[t][0], taps[t][1]] == Cell.DATA]
        if self.picks:
            which, tap = divmod(int(self.numbers.winners[o, spatial]), self.numbers.gathered.shape[2])
            kept = [(which, tap)] if reads else []
        else:
            kept = [(k, t) for k in range(len(reads)) for t in data]
        reveals, terms, marks = [], [], [self.EMPTY] * len(highlights)
        for k, t in kept:
            plane, cell = first + reads[k].channel, (int(taps[t][0]), int(taps[t][1]))
            share, total = self.shares[o][k][spatial, t], self.sums[o][k][spatial, t]
            reveals += [Label(plane, cell, "", "fill"), Label(plane, cell, self.fmt(total), replace=True)]
            terms += _terms(self.spec, self.source, self.names[1], [cell], [share], [total], self.fmt, reads[k].depth)
            if self.picks:
                marks[plane] = taps[t][None, :]
        # the values the max chose among, small; the kept one's cell holds its gradient, its value goes in the head
        seen = [Label(first + read.channel, (int(taps[t][0]), int(taps[t][1])),
                      self.inputs[read.channel][taps[t][0], taps[t][1]], "weight")
                for k, read in enumerate(reads) for t in data if (k, t) not in kept] if self.picks else []
        head = f"{self.names[0]}[{index_text(self.spec, r, c, o)}] = {self.grads[o, r, c]}"
        if self.picks and kept:
            (k, t), = kept
            largest = self.inputs[reads[k].channel][taps[t][0], taps[t][1]]
            head += f", to the largest x ({largest})" if self.source.kinds[taps[t][0], taps[t][1]] == Cell.DATA else ""
        elif not self.picks:
            head += f", /{self.spec.reducer.divisor(index, math.prod(self.spec.kernel_size))}"
        head += ":"
        equation = Equation(head, tuple(terms) or (Term("every cell it reaches is padding"),), joiner="; ")
        return Step(index, tuple(highlights), links, tuple(seen), tuple(reveals), tuple(marks), equation=equation)


def _terms(spec, source: Grid, name: str, cells, shares, sums, fmt, depth: int = 0) -> List[Term]:
    """``∂L/∂x[1,2] = 0.3 + 0.2 = 0.5`` for each input cell that receives a share, in window order."""
    r0, c0 = int(source.rows[0]), int(source.cols[0])
    terms = []
    for (y, x), share, total in zip(cells, shares, sums):
        before = total - share
        cell = f"{name}[{index_text(spec, y - r0, x - c0, depth)}]"
        added = f"+ {fmt(share)}" if share >= 0 else f"− {fmt(-share)}"
        terms.append(Term(f"{cell} = {fmt(before)} {added} = {fmt(total)}", strong=True) if before
                     else Term(f"{cell} = {fmt(total)}"))
    return terms
