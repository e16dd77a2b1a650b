"""Views: the scenes an operation can be shown as. Each is a new arrangement of planes and a
new sequence of steps over the same primitives; none draws anything itself.

- the paper's gather view of any convolution, pooling or chain (:func:`convanim.scene.gather.build_scene`);
  labelled, a transposed convolution's says what its grid is (:func:`transposed_scene`)
- a transposed convolution as scatter: each input cell stamps the kernel onto the output,
  whose cells are coloured by the stamps they have received so far
- the checkerboard: how many stamps each output cell of a transposed convolution receives,
  one map per setting, side by side, one legend
- the receptive field of stacked (dilated, strided) convolutions growing on the input, a layer a frame
"""

from __future__ import annotations

from dataclasses import replace
from typing import Optional, Tuple

import numpy as np

from ..core.formats import figure_format, format_value
from ..core.geometry import size_text as _pair, shape_text as _size, transposed_lead
from ..core.sweep import Cell, Grid
from ..core.values import Numbers, ScatterNumbers, dependency_tree, full_canvas, interior_overlaps, legend_counts, overlap_counts, \
    receptive_field_masks, receptive_field_sizes, stamp_counts, stamps
from .gather import gather_scene, index_text, product, widest
from .model import Equation, Label, Link, Plane, Scene, Step, Term


def transposed_scene(spec, numbers: Optional[Numbers] = None, precision: int = 1,
                     caption: str = "") -> Scene:
    """The paper's (gather) view of a transposed convolution, labelled so that it says what it
    draws: the input grid named as spread out and padded, its inserted zeros drawn unlike its
    padding, a heading with how many of each, and with numbers the kernel twice, as stored and
    rotated 180° as it slides (the footprint's weights are the rotated ones)."""
    sweep = spec.sweep()
    scene = gather_scene(sweep, numbers, precision, show_kernel=numbers is not None, caption=caption)
    planes = list(scene.planes)
    planes[0] = replace(planes[0], name=_spread_name(spec, sweep), distinct_zeros=True)
    extra = 0
    if len(planes) > 2 and planes[-1].beside:  # the kernel as PyTorch stores it, and as the sweep uses it
        stored = planes[-1]
        rotated = np.rot90(stored.text, 2)
        planes[-1] = replace(stored, name="kernel (stored)")
        planes.append(Plane("rotated 180°, as it slides", stored.grid, rotated, beside=True))
        extra = 1
    empty = np.empty((0, 2), dtype=int)

    def make_step(index: int) -> Step:
        step = scene.make_step(index)
        return replace(step, highlights=step.highlights + (empty,) * extra)

    return replace(scene, planes=tuple(planes), make_step=make_step, caption=caption, phases=(_spread_heading(spec),))


def _spread_name(spec, sweep) -> str:
    """The drawn grid's name: the input, and what was done to it (the grid is larger than the input)."""
    kinds = sweep.source.kinds
    lead = transposed_lead(spec.kernel_size, spec.dilation, spec.padding)
    done = []
    if (kinds == Cell.ZERO).any():
        done.append("spread out")
    if (kinds == Cell.PADDING).any():
        done.append("padded")
    if min(lead) < 0:
        done.append("cropped")
    name = f"input {_size(spec.input_size)}"
    return f"{name}, {', '.join(done[:-1]) + ' and ' if len(done) > 1 else ''}{done[-1]}" if done else name


def _spread_heading(spec) -> str:
    """How the drawn grid is made from the input: the zeros between its cells, the padding around."""
    s = tuple(v - 1 for v in spec.stride)
    lead = transposed_lead(spec.kernel_size, spec.dilation, spec.padding)
    reach = "d(k−1)" if spec.dilation != (1, 1) else "k−1"
    parts = [f"s−1 = {_pair(s)} zero{'' if s == (1, 1) else 's'} between input cells" if max(s) > 0 else "no zeros between input cells (s=1)"]
    cells = lambda v: f"{_pair(v)} cell{'' if v == (1, 1) else 's'}"  # noqa: E731
    if min(lead) >= 0:
        parts.append(f"{reach}−p = {cells(lead)} of padding around" if max(lead) > 0 else f"no padding ({reach}−p = 0)")
    elif max(lead) <= 0:
        parts.append(f"cropped by p−{'(k−1)' if reach == 'k−1' else reach} = {cells(tuple(-v for v in lead))}")
    else:
        parts.append(f"{reach}−p = {_pair(lead)} cells of padding (cropped where negative)")
    if max(spec.output_padding) > 0:
        parts.append(f"a = {_pair(spec.output_padding)} more at the bottom and right")
    return "; ".join(parts)


def scatter_scene(spec, numbers: Optional[Numbers] = None, precision: int = 1, caption: str = "",
                  names: Tuple[str, str] = ("x", "o")) -> Scene:
    """One frame per input cell: it stamps the kernel, scaled by its value, onto the output.

    The output is drawn whole, before the padding crops it (the cropped border dashed); each of
    its cells is coloured by how many stamps it has received so far, as the legend beside the
    input ("stamps") reads. With numbers, the stamped cells keep running sums, and each frame
    writes out the sums it updates: ``stamping x[0,1] = 2: o[0,2] = 3 + 2·1 = 5; …``. ``names``
    calls the input and the output otherwise (the backward pass stamps ∂L/∂y onto ∂L/∂x).
    """
    canvas = full_canvas(spec)
    (ph, pw), (oh, ow) = spec.padding, spec.output_size
    output = Grid(canvas, ph + np.arange(oh), pw + np.arange(ow), Cell.PENDING)  # blank until stamped
    kept = np.zeros(canvas, dtype=bool)
    kept[ph : ph + oh, pw : pw + ow] = True
    counts = stamp_counts(spec)  # unit input, unit kernel: the running sums are stamp counts
    most = max(int(counts.canvas[kept].max()), 1)
    shown = legend_counts(0, most)
    legend = Plane("stamps", Grid.dense((1, len(shown))), np.array([[str(c) for c in shown]], dtype=object),
                   beside=True, levels=np.array([shown], dtype=float) / most)
    source = Grid.dense(spec.input_size, Cell.DATA)
    scatter = ScatterNumbers(numbers) if numbers is not None else None
    fmt = inputs = weights = None
    if numbers is not None:
        x, w = numbers.input.astype(float).reshape(spec.input_size), numbers.kernel.astype(float)
        fmt = figure_format([x, w, scatter.sums], precision)
        inputs = np.array([[fmt(v) for v in row] for row in x], dtype=object)
        weights = [fmt(v) for v in w.ravel()]
    kh, kw = spec.kernel_size
    kernel = Plane("kernel", Grid.dense((kh, kw), Cell.WEIGHT),
                   None if weights is None else np.array(weights, dtype=object).reshape(kh, kw), beside=True)
    planes = (Plane("input" if names[0] == "x" else names[0], source, inputs),
              Plane("output" if names[1] == "o" else names[1], output, volume=1, weights=True), legend, kernel)
    width = spec.input_size[1]
    empty = np.empty((0, 2), dtype=int)
    values = None if numbers is None else numbers.input.astype(float).reshape(spec.input_size)
    phases = tuple(_landing(spec, *divmod(n, width), None if values is None else values[divmod(n, width)], names)
                   for n in range(spec.input_size[0] * width))

    def make_step(index: int) -> Step:
        r, c = divmod(index, width)
        at = stamps(spec, r, c)
        box = (int(at[:, 0].min()), int(at[:, 1].min()), int(at[:, 0].max()) + 1, int(at[:, 1].max()) + 1)
        link = Link(0, (r, c, r + 1, c + 1), 1, box, arrow=True)  # from the input cell to its stamp
        highlights = (np.array([[r, c]]), at, empty, empty)
        cells = [(int(y), int(x)) for y, x in at]
        fills = tuple(Label(1, cell, "", "fill", level=n / most)
                      for cell, n in zip(cells, counts.sums[index]) if kept[cell])
        if scatter is None:
            return Step(index, highlights, (link,), reveals=fills, phase=index)
        labels = [Label(0, (r, c), inputs[r, c])] + [Label(1, cell, w, "weight") for cell, w in zip(cells, weights)]
        sums = tuple(Label(1, cell, fmt(v), replace=True) for cell, v in zip(cells, scatter.sums[index]))
        return Step(index, highlights, (link,), tuple(labels), fills + sums, phase=index, equation=equation(index, r, c, cells))

    def equation(index: int, r: int, c: int, cells) -> Equation:
        """The sums this stamp updates, in kernel order (the cells stamped before come first, as
        stamps run row by row); a sum that already held a stamp is emphasised."""
        value = float(numbers.input.reshape(spec.input_size)[r, c])
        terms = []
        for t, cell in enumerate(cells):
            if not kept[cell]:
                continue  # cropped: not a cell of o
            name = f"{names[1]}[{index_text(spec, cell[0] - ph, cell[1] - pw)}]"
            times = product(inputs[r, c], weights[t])
            new = scatter.sums[index][t]
            if counts.sums[index][t] > 1:
                old = new - value * float(numbers.kernel.ravel()[t])
                terms.append(Term(f"{name} = {fmt(old)} + {times} = {fmt(new)}", strong=True))
            else:
                terms.append(Term(f"{name} = {times} = {fmt(new)}"))
        return Equation(f"stamping {names[0]}[{index_text(spec, r, c)}] = {inputs[r, c]}:", tuple(terms) or (Term("every cell it reaches is cropped"),),
                        joiner="; ")

    largest = None
    if numbers is not None:
        values = [*inputs.ravel(), *(fmt(v) for v in scatter.sums.ravel()), *legend.text.ravel()]
        largest = (widest(values), widest(weights))
    return Scene(planes, spec.input_size[0] * spec.input_size[1], make_step, caption, phases,
                 equations=numbers is not None, widest=largest)


def _landing(spec, r: int, c: int, value: Optional[float], names: Tuple[str, str] = ("x", "o")) -> str:
    """Where input cell (r, c) puts the kernel: its first weight on o[s·(r, c) − p]; and, for a
    zero, that the stamp changes no sum (only the count of stamps)."""
    (sh, sw), (ph, pw) = spec.stride, spec.padding
    part = lambda s, i, p: f"{s}·{i}" + (f" − {p}" if p else "")  # noqa: E731
    parts = part(sw, c, pw) if spec.dims == 1 else f"{part(sh, r, ph)}, {part(sw, c, pw)}"
    at = index_text(spec, sh * r - ph, sw * c - pw).replace("-", "−")
    text = f"{names[0]}[{index_text(spec, r, c)}] stamps the kernel at {names[1]}[{at}] = s·i − p = ({parts})"
    if value == 0:
        text += f"; {names[0]} = 0: every sum stays"
    return text


def checkerboard_scene(spec, labels: bool = True) -> Scene:
    """One frame: for each setting, the output of ``layers`` transposed convolutions (all-ones
    kernels), each cell as dark as the number of kernel stamps it received, and the number in
    it; the maps side by side, each named by its setting, and one legend ("stamps") for the
    counts they share. A level is count / the highest count, so no stamp is blank."""
    boards = spec.boards
    counts = [overlap_counts(b) for b in boards]
    low, high = int(min(c.min() for c in counts)), int(max(c.max() for c in counts))
    top = max(high, 1)
    planes = []
    for n, (board, c) in enumerate(zip(boards, counts)):
        text = np.array([[format_value(v) for v in row] for row in c], dtype=object)
        planes.append(Plane(_setting(board), Grid.dense(c.shape), text, beside=n > 0, levels=c / top))
    shown = legend_counts(low, high)
    legend = "products" if any(b.resize for b in boards) else "stamps"
    planes.append(Plane(legend, Grid.dense((1, len(shown))), np.array([[str(v) for v in shown]], dtype=object),
                        beside=True, levels=np.array([shown], dtype=float) / top))
    note = ""
    if labels:
        t = boards[0].transposed
        layers = f", {boards[0].layers} layers" if boards[0].layers > 1 else ""
        note = f"i={_pair(t.input_size)}{layers}: how many kernel stamps each output cell receives"
        if any(b.resize for b in boards):  # a resize-convolution's cells receive no stamps: they sum products
            note = (f"i={_pair(t.input_size)}{layers}: how many weight×input products each output cell sums"
                    " (a transposed convolution's stamps)")
        if len(boards) == 1:
            note += f", {low} to {high}"
    empty = np.empty((0, 2), dtype=int)
    return Scene(tuple(planes), 1, lambda index: Step(index, (empty,) * len(planes)), note, flat=True)  # a map reads flat


def _overlap(board) -> str:
    inside = interior_overlaps(board)
    return "too small to tell" if inside is None else "even" if len(inside) == 1 else "uneven"


def _setting(board) -> str:
    """A map's name: its kernel and stride (and any other parameter off its default), and the overlap."""
    t = board.transposed
    parts = [f"k={_pair(t.kernel_size)}", f"s={_pair(t.stride)}"]
    parts += [f"{name}={_pair(v)}" for name, v, default in
              (("p", t.padding, (0, 0)), ("d", t.dilation, (1, 1)), ("a", t.output_padding, (0, 0))) if v != default]
    if board.resize:
        return f"nearest ×{_pair(t.stride)}, then k={_pair(t.kernel_size)}: {_overlap(board)}"
    return f"{', '.join(parts)}: {_overlap(board)}"


def receptive_field_scene(spec, labels: bool = True) -> Scene:
    """Layer by layer, the receptive field growing on the input: frame j shows one cell of layer
    j and the cells it depends on in every layer below it, down to the input, where they make
    up the receptive field of j layers. The cells are chosen so that the fields share a centre."""
    masks = receptive_field_masks(spec)
    layers = spec.layers()
    n = len(layers)
    sizes = [(masks[0][0].shape[0], masks[0][0].shape[1])] + [layer.output_size for layer in layers]
    planes = tuple(
        Plane("input" if k == 0 else f"layer {k}", Grid.dense(size, Cell.DATA if k == 0 else Cell.RESULT), volume=k)
        for k, size in enumerate(sizes)
    )
    empty = np.empty((0, 2), dtype=int)
    phases = []
    for j, below in enumerate(masks, start=1):
        (r0, c0, r1, c1), count = _box(below[0]), int(below[0].sum())
        gaps = f", {count} of the {(r1 - r0) * (c1 - c0)} cells read" if count < (r1 - r0) * (c1 - c0) else ""
        phases.append(f"{j} layer{'s' if j > 1 else ''}: {r1 - r0}x{c1 - c0} on the input{gaps}")

    def make_step(index: int) -> Step:
        below = masks[index]  # the input and layers 1..index+1
        lit = [np.argwhere(below[k]) if k < len(below) else empty for k in range(n + 1)]
        links = tuple(Link(k, _box(below[k]), k + 1, _box(below[k + 1])) for k in range(len(below) - 1))
        return Step(index, tuple(lit), links, phase=index)

    note = ""
    if labels:
        fields = ", ".join(_pair(s) for s in receptive_field_sizes(spec))
        strides = f", strides {','.join(map(str, spec.strides))}" if any(s > 1 for s in spec.strides) else ""
        note = (f"k={spec.kernel_size}, dilations {','.join(map(str, spec.dilations))}{strides}: receptive fields"
                f" {fields}; {spec.kernel_size ** 2} weights a layer")
    return Scene(planes, n, make_step, note, tuple(phases))


def _box(mask: np.ndarray):
    """The box (row0, col0, row1, col1) around a mask's cells."""
    rows, cols = np.nonzero(mask)
    return (int(rows.min()), int(cols.min()), int(rows.max()) + 1, int(cols.max()) + 1)


def causal_stack_scene(spec, labels: bool = True) -> Scene:
    """WaveNet's dilated causal convolutions: one output (the last) and, a layer a frame, the
    cells it depends on lighting up down the stack to the input, each joined to the cells it
    feeds; frame 0 is the output alone, the last frame the whole tree over its receptive field."""
    layers = spec.layers()
    cells, edges = dependency_tree(layers, (0, spec.input_size - 1))
    n = len(layers)
    planes = tuple(Plane("input" if k == 0 else f"{'output' if k == n else f'layer {k}'} (d={spec.dilations[k - 1]})",
                         Grid.dense((1, spec.input_size), Cell.DATA if k == 0 else Cell.RESULT), volume=k)
                   for k in range(n + 1))
    empty = np.empty((0, 2), dtype=int)
    phases = [f"output [{spec.input_size - 1}]: the last time step"]
    for j in range(1, n + 1):
        layer = n - j
        what = "input" if layer == 0 else f"layer {layer}"
        count = len(cells[layer])
        phases.append(f"{what}: {count} cell{'s' if count != 1 else ''}"
                      + (f", the receptive field (t−{count - 1} to t)" if layer == 0 else ""))

    def make_step(index: int) -> Step:
        shown = range(n - index, n + 1)  # the layers lit so far, from the top down
        lit = tuple(cells[k] if k in shown else empty for k in range(n + 1))
        links = tuple(Link(k, (a[0], a[1], a[0] + 1, a[1] + 1), k + 1, (b[0], b[1], b[0] + 1, b[1] + 1))
                      for k in range(n - index, n) for a, b in edges[k])
        return Step(index, lit, links, phase=index)

    note = ""
    if labels:
        note = (f"k={spec.kernel_size}, dilations {','.join(map(str, spec.dilations))}, causal padding:"
                f" receptive field {spec.receptive_field()[0]}; {spec.kernel_size * n} weights")
    return Scene(planes, n + 1, make_step, note, tuple(phases))
