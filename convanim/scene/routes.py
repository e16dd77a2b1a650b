"""Pooling's backward pass as a view: each output gradient routed back onto the input, a frame
each. Max pooling sends all of it to the cell its window kept; an average spreads it over its
divisor. The input's cells keep running sums, as the scatter view's do."""

from __future__ import annotations

from typing import List, Optional

import numpy as np

from ..core.backward import Gradients
from ..core.formats import figure_format
from ..core.spec import Read
from ..core.sweep import Cell, Grid
from ..core.values import Numbers
from .gather import index_text, widest
from .model import Equation, Label, Link, Plane, Scene, Step, Term


def route_scene(spec, numbers: Optional[Numbers] = None, precision: int = 1, caption: str = "",
                names=("∂L/∂y", "∂L/∂x")) -> Scene:
    """One frame per output cell of a pooling: its gradient (``names[0]``) goes back to its
    window on the padded input (``names[1]``): to the cell kept (max, marked) or a share to
    every cell (average); padding takes its share and gives it to nothing. For max pooling the
    window's input values are written small in its cells, so that the kept one can be seen."""
    sweep = spec.sweep()
    source = sweep.source
    kinds = source.kinds
    target = Grid(source.shape, source.rows, source.cols, Cell.PENDING, outside=source.outside)
    width = sweep.output_size[1]
    picks = spec.reducer.pick is not None
    shares = sums = fmt = grads = inputs = None
    if numbers is not None:
        shares = Gradients(numbers).shares(0, 0, Read(0, 0))
        sums = _running(shares, sweep.all_taps(), source.shape)
        g = numbers.grad.astype(float).reshape(sweep.output_size)
        fmt = figure_format([g, sums, shares], precision)
        grads = np.array([[fmt(v) for v in row] for row in g], dtype=object)
        shown = figure_format([numbers.input], precision)
        inputs = np.vectorize(shown, otypes=[object])(numbers.drawn_input)
    planes = (Plane(names[0], Grid.dense(sweep.output_size, Cell.DATA), grads),
              Plane(names[1], target, volume=1, weights=picks))
    empty = np.empty((0, 2), dtype=int)
    how = ("max pooling sends it all to the cell it kept (small: x); the others get 0" if picks
           else "an average spreads it evenly over its window"
           + (" (the padding's share is lost)" if (kinds == Cell.PADDING).any() else ""))
    phases = (f"each {names[0]} cell goes back to its window: {how}",)

    def make_step(index: int) -> Step:
        r, c = divmod(index, width)
        taps = sweep.taps(index)
        box = sweep.footprint(index)
        highlights = (np.array([[r, c]]), taps)
        link = Link(0, (r, c, r + 1, c + 1), 1, box)
        if numbers is None:
            return Step(index, highlights, (link,))
        data = [t for t in range(len(taps)) if kinds[taps[t][0], taps[t][1]] == Cell.DATA]
        kept = [int(numbers.winners[0, index])] if picks else data
        cells = [(int(taps[t][0]), int(taps[t][1])) for t in kept]
        reveals = tuple(Label(1, cell, "", "fill") for cell in cells) + tuple(
            Label(1, cell, fmt(sums[index, t]), replace=True) for cell, t in zip(cells, kept))
        seen = tuple(Label(1, (int(taps[t][0]), int(taps[t][1])), inputs[taps[t][0], taps[t][1]], "weight")
                     for t in data) if picks else ()  # the values the max chose among
        marks = (empty, taps[kept[0]][None, :] if picks else empty)
        terms = _terms(spec, source, names[1], cells, [shares[index, t] for t in kept],
                       [sums[index, t] for t in kept], fmt)
        head = f"{names[0]}[{index_text(spec, r, c)}] = {grads[r, c]}" + ("" if picks else f", /{_divisor(spec, index)}") + ":"
        equation = Equation(head, tuple(terms) or (Term("every cell it reaches is padding"),), joiner="; ")
        return Step(index, highlights, (link,), seen, reveals, marks, equation=equation)

    largest = None if numbers is None else (widest([*grads.ravel(), *(fmt(v) for v in sums.ravel())]), "")
    return Scene(planes, len(sweep), make_step, caption, phases, equations=numbers is not None, widest=largest)


def _running(shares: np.ndarray, taps: np.ndarray, shape) -> np.ndarray:
    """(steps, taps): each tap's cell's running sum right after its step has sent its share."""
    canvas = np.zeros(shape)
    sums = np.zeros(shares.shape)
    for step, (share, at) in enumerate(zip(shares, taps)):
        np.add.at(canvas, (at[:, 0], at[:, 1]), share)
        sums[step] = canvas[at[:, 0], at[:, 1]]
    return sums


def _divisor(spec, index: int) -> int:
    return spec.reducer.divisor(index, spec.kernel_size[0] * spec.kernel_size[1])


def _terms(spec, source: Grid, name: str, cells, shares, sums, fmt) -> List[Term]:
    """``∂L/∂x[1,2] = 0.3 + 0.2 = 0.5`` for each input cell that receives a share, in window order."""
    r0, c0 = int(source.rows[0]), int(source.cols[0])
    terms = []
    for (y, x), share, total in zip(cells, shares, sums):
        before = total - share
        cell = f"{name}[{index_text(spec, y - r0, x - c0)}]"
        added = f"+ {fmt(share)}" if share >= 0 else f"− {fmt(-share)}"
        terms.append(Term(f"{cell} = {fmt(before)} {added} = {fmt(total)}", strong=True) if before
                     else Term(f"{cell} = {fmt(total)}"))
    return terms
