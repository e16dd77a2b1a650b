"""The two matrices a convolution is computed as, one frame per row.

- the paper's sparse matrix C (section 4.1): the input and output unrolled into vectors,
  ``y = C·x``; a row is the kernel placed at one output position, the zeros are the cells it
  does not reach. A transposed convolution multiplies by Cᵀ.
- im2col's patches matrix P: a row per output position, a column per kernel tap, each row the
  input cells under the kernel there (padding included); ``y = P·w`` with the kernel flattened.

Both are laid out as the product is written: the matrix, the vector it multiplies over its
columns, the result beside its rows, with the grids they unroll on either side.
"""

from __future__ import annotations

from typing import List, Optional

import numpy as np

from ..core.errors import SpecError
from ..core.formats import Formats
from ..core.geometry import shape_text
from ..core.matrix import columns, matrix_shape, reached, unrolled
from ..core.sweep import Cell, Grid
from ..core.values import Numbers
from .gather import COPIES_NOTE, product, strings, widest
from .model import Equation, Label, Pattern, Plane, Scene, Step, Term

BLANK = (Cell.PADDING, Cell.ZERO, Cell.OUTSIDE)  # kinds drawn blank: none of the input's cells
MAX_MATRIX_SIDE = 400  # rows or columns a matrix figure draws (its cells shrink down to a few pixels)


def check_matrix(spec, rows: int, cols: int, what: str = "matrix") -> None:
    """Refuse, before anything is built, what the matrix figures cannot draw."""
    if spec.has_channels:
        raise SpecError("view", f"the {what} view draws one channel (this one has"
                        f" {spec.in_channels}→{spec.out_channels}); --dump writes the whole matrix")
    if max(rows, cols) > MAX_MATRIX_SIDE:
        raise SpecError("view", f"the {what} would be {rows}x{cols}, over {MAX_MATRIX_SIDE} cells on a side:"
                        f" draw a smaller input (--dump writes the whole matrix)")


def _flat_cells(flat: np.ndarray, width: int) -> np.ndarray:
    return np.stack(np.divmod(np.asarray(flat, dtype=int), width), axis=1).reshape(-1, 2)


def matrix_scene(spec, numbers: Optional[Numbers] = None, precision: int = 1, caption: str = "",
                 symbol: str = "C") -> Scene:
    """y = C·x, a frame per row of C: the row lights up with the input cells it reads (on the
    grid and in x) and the output entry it writes (in y and on the output grid).

    Without numbers, a cell of C is filled where the row's kernel reaches an input cell and blank
    where it holds a structural zero; with numbers, the filled cells hold their weights (1/n for
    an average, max pooling's 1 at each window's largest value) and each frame writes the row's
    product out. A volume's input and output are its depth slices, unrolled one after another.
    """
    rows, cols = matrix_shape(spec)
    check_matrix(spec, rows, cols)
    caption = caption.replace(COPIES_NOTE, "; a padding tap adds its weight to the column of the cell it copies")
    (h, w), (oh, ow) = spec.input_size, spec.output_size
    ins, outs = spec.in_planes, spec.out_planes
    reaches = reached(spec)
    window = reaches  # the cells each row reads (for max pooling, the window its 1 picks from)
    picks = spec.reducer.pick is not None
    fmt = x_text = c_text = None
    if numbers is not None:
        reaches, fmt, x_text, c_text = _numbered(spec, numbers, reaches, precision)
    kinds = np.where(reaches, Cell.WEIGHT, Cell.PADDING).astype(np.uint8)
    named = (lambda v, d: v) if (ins, outs) == (1, 1) else (lambda v, d: f"{v} slice {d}")  # noqa: E731
    planes = (
        *(Plane(named("input", d), Grid.dense((h, w), Cell.DATA), None if x_text is None else x_text[d])
          for d in range(ins)),
        Plane(symbol, Pattern.of(kinds), c_text, role="matrix"),
        Plane("x", Grid.dense((1, cols), Cell.DATA), None if x_text is None else x_text.reshape(1, -1), role="row"),
        Plane("y", Grid.dense((rows, 1), Cell.PENDING), volume=1, role="column"),
        *(Plane(named("output", d), Grid.dense((oh, ow), Cell.PENDING), volume=1) for d in range(outs)),
    )
    C, X, Y = ins, ins + 1, ins + 2  # noqa: N806 - the planes as the product names them
    results = None if numbers is None else strings(numbers.output.ravel(), fmt["output"])
    empty = np.empty((0, 2), dtype=int)

    def on_planes(flat: np.ndarray) -> List[np.ndarray]:
        """Flat input indices as cells of each input plane."""
        return [_flat_cells(flat[(flat >= d * h * w) & (flat < (d + 1) * h * w)] - d * h * w, w) for d in range(ins)]

    def make_step(index: int) -> Step:
        cells = np.flatnonzero(window[index])
        plane, out = divmod(index, oh * ow)
        out = divmod(out, ow)
        target = Y + 1 + plane
        entries = np.flatnonzero(kinds[index] == Cell.WEIGHT)  # the row's structural zeros stay blank
        highlights = [*on_planes(cells), np.stack([np.full(len(entries), index), entries], axis=1),
                      np.stack([np.zeros_like(cells), cells], axis=1), np.array([[index, 0]])]
        highlights += [np.array([out]) if d == plane else empty for d in range(outs)]
        reveals: List[Label] = [Label(Y, (index, 0), "", "fill"), Label(target, out, "", "fill")]
        if numbers is None:
            return Step(index, tuple(highlights), reveals=tuple(reveals))
        reveals += [Label(Y, (index, 0), results[index]), Label(target, out, results[index])]
        flat = x_text.ravel()
        # the numbers under the highlight, written again on top of it (as the gather view does)
        labels = [Label(int(c) // (h * w), tuple(divmod(int(c) % (h * w), w)), flat[c]) for c in cells]
        labels += [Label(X, (0, int(c)), flat[c]) for c in cells]
        labels += [Label(C, (index, int(c)), c_text[index, c]) for c in np.flatnonzero(reaches[index])]
        marks = ()
        if picks:
            chosen = np.flatnonzero(reaches[index])
            terms = tuple(Term(flat[c], strong=c in chosen) for c in cells)
            head = f"y[{index}] = " + " + ".join(product("1", flat[c]) for c in chosen) + " ="
            equation = Equation(head, terms, f"= {results[index]}", ", ", "max(", ")")
            marks = (*on_planes(chosen), np.stack([np.full(len(chosen), index), chosen], axis=1),
                     np.stack([np.zeros_like(chosen), chosen], axis=1), empty, *([empty] * outs))
        else:
            terms = tuple(Term(product(c_text[index, c], flat[c])) for c in cells)
            equation = Equation(f"y[{index}] =", terms or (Term("0"),), f"= {results[index]}")
        return Step(index, tuple(highlights), labels=tuple(labels), reveals=tuple(reveals), marks=marks, equation=equation)

    largest = None
    if numbers is not None:
        largest = (widest([*x_text.ravel(), *results, *(t for t in c_text.ravel() if t)]), "")
    return Scene(planes, rows, make_step, caption, (_heading(spec, symbol, rows, cols, picks, numbers is not None),),
                 equations=numbers is not None, widest=largest, flat=True)


def _numbered(spec, numbers: Numbers, reaches: np.ndarray, precision: int):
    """What a matrix figure with numbers writes: the cells a row really weighs (max pooling's
    selection), the formats, x's values as planes and C's entries (1/n for an average)."""
    reducer, matrix = spec.reducer, unrolled(numbers)
    if reducer.pick is not None:
        reaches = matrix != 0  # the selection these numbers make
    fmt = Formats({"input": [numbers.input], "weight": [matrix if reducer.weighted else np.zeros(1)],
                   "output": [numbers.output]}, precision)
    x_text = strings(numbers.input.reshape(spec.in_planes, *spec.input_size), fmt["input"])
    c_text = np.full(matrix.shape, "", dtype=object)
    taps = columns(spec.sweep(), spec.input_size).shape[1]
    for r, c in np.argwhere(reaches):
        c_text[r, c] = (fmt["weight"](matrix[r, c]) if reducer.weighted else "1" if reducer.pick is not None
                        else f"1/{reducer.divisor(int(r), taps)}")
    return reaches, fmt, x_text, c_text


def _heading(spec, name: str, rows: int, cols: int, picks: bool, numbered: bool) -> str:
    shape = f"{name}: {rows}×{cols}, y = {name}·x"
    if name.endswith("ᵀ"):
        return f"{shape}, the transpose of the direct convolution's {name[:-1]} ({cols}×{rows})"
    if picks:
        return f"{shape}; row r picks the largest x in window r" + ("" if numbered else " (--numbers shows which)")
    return shape


def im2col_scene(spec, numbers: Optional[Numbers] = None, precision: int = 1, caption: str = "") -> Scene:
    """y = P·w, a frame per row of P: the patch under the kernel at one output position,
    copied out of the padded input (its padding as zeros), times the kernel flattened."""
    caption = caption.replace(COPIES_NOTE, "; the padding copies input cells, and P copies the padding")
    sweep = spec.sweep()
    taps_all = sweep.all_taps()  # (rows, taps, 2)
    rows, count = taps_all.shape[:2]
    check_matrix(spec, rows, count, "patches matrix")
    ow = spec.output_size[1]
    source = sweep.source
    kinds = source.kinds[taps_all[..., 0], taps_all[..., 1]]
    fmt = None
    grid_text = p_text = w_text = results = None
    if numbers is not None:
        patches = numbers.gathered[0]  # (rows, taps)
        kernel = numbers.drawn_kernel.ravel()
        fmt = Formats({"input": [numbers.drawn_input], "weight": [kernel], "output": [numbers.output]}, precision)
        grid_text, p_text = strings(numbers.drawn_input, fmt["input"]), strings(patches, fmt["input"])
        w_text, results = strings(kernel, fmt["weight"]).reshape(1, -1), strings(numbers.output.ravel(), fmt["output"])
    planes = (
        Plane("input", source, grid_text),
        Plane("P", Pattern.of(kinds), p_text, role="matrix"),
        Plane("w", Grid.dense((1, count), Cell.WEIGHT), w_text, role="row"),
        Plane("y", Grid.dense((rows, 1), Cell.PENDING), volume=1, role="column"),
        Plane("output", Grid.dense(spec.output_size, Cell.PENDING), volume=1),
    )
    whole_row = np.arange(count)

    def make_step(index: int) -> Step:
        out = divmod(index, ow)
        copied = np.flatnonzero(~np.isin(kinds[index], BLANK))  # the row's padding stays blank: it reads as padding
        highlights = (taps_all[index], np.stack([np.full(len(copied), index), copied], axis=1),
                      np.stack([np.zeros(count, dtype=int), whole_row], axis=1), np.array([[index, 0]]), np.array([out]))
        reveals: List[Label] = [Label(3, (index, 0), "", "fill"), Label(4, out, "", "fill")]
        if numbers is None:
            return Step(index, highlights, reveals=tuple(reveals))
        reveals += [Label(3, (index, 0), results[index]), Label(4, out, results[index])]
        terms = tuple(Term(product(p_text[index, t], w_text[0, t])) for t in range(count))
        taps = taps_all[index]
        labels = [Label(0, (int(r), int(c)), grid_text[r, c]) for r, c in taps]
        labels += [Label(1, (index, t), p_text[index, t]) for t in range(count)]
        labels += [Label(2, (0, t), w_text[0, t]) for t in range(count)]
        return Step(index, highlights, labels=tuple(labels), reveals=tuple(reveals),
                    equation=Equation(f"y[{index}] =", terms, f"= {results[index]}"))

    largest = None
    if numbers is not None:
        largest = (widest([*grid_text.ravel(), *w_text.ravel(), *results]), "")
    heading = (f"P: {rows}×{count} (a row per output cell, a column per kernel tap), y = P·w;"
               f" w: the {shape_text(spec.weight_shape)} kernel, flattened")
    return Scene(planes, rows, make_step, caption, (heading,), equations=numbers is not None, widest=largest, flat=True)
