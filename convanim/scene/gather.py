"""The paper's arrangement of any operation: its stages (sweeps) between volumes (stacks of
channel planes), the volumes laid out as planes and every stage's steps turned into frames.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import replace
from functools import lru_cache
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np

from ..core.formats import figure_format
from ..core.geometry import shown_channels, sweep_frames
from ..core.spec import Read
from ..core.sweep import Cell, Grid, Sweep
from ..core.values import Numbers, StagedNumbers
from .model import Equation, Label, Link, Plane, Scene, Step, Sweeping, Term

SUBSCRIPT = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
COPIES_NOTE = "; outlined: the input cells the padding under the kernel copies"  # what the gather view's marks mean


def strings(values: np.ndarray, fmt: Callable[[float], str]) -> np.ndarray:
    flat = [fmt(v) for v in np.asarray(values, dtype=float).ravel()]
    return np.array(flat, dtype=object).reshape(np.shape(values))


def _hue(channel: int, channels: int, groups: int) -> int:
    """The hue of an input channel: its own, or its group's when groups gather several."""
    return channel if groups in (1, channels) else channel // (channels // groups)


def build_scene(
    volumes: Sequence[str],
    stages: Sequence[Sweeping],
    precision: int = 1,
    show_kernel: bool = False,
    caption: str = "",
    order: Optional[Sequence] = None,
    level: Optional[Dict[int, int]] = None,
) -> Scene:
    """Lay the volumes out as planes and the stages' steps out as frames.

    A stage's frames run output channel by output channel (the shown ones), each over the
    sweep's cells: the footprint lights up on every input channel that output channel reads,
    the output cell on its plane. With numbers, input values fill their cells, and each result
    appears as it is computed and stays; every step writes its equation out.

    A single sweep of one channel is the paper's figure: output above input, the weights small
    in the footprint's corners. Channels and chains are drawn as columns, volume after volume
    (``order`` says which first): each input channel in its own hue (or its group's), the
    kernel's slices in a column of their own beside the channels they multiply, and the
    output filling in as it is computed.
    """
    columns = len(stages) > 1 or any(st.in_channels > 1 or st.out_channels > 1 for st in stages)
    order = list(order) if order is not None else list(range(len(volumes)))
    level = dict(level or {})  # volume -> the volume whose planes it sits level with
    channels: Dict[int, int] = {}
    grids: Dict[int, Grid] = {}
    written = {st.target for st in stages}
    for st in stages:  # a written volume is drawn as its writer fills it...
        channels.setdefault(st.source, st.in_channels)
        channels.setdefault(st.target, st.out_channels)
        grids[st.target] = st.sweep.target
    for st in stages:  # ...an input as its reader pads it
        if st.source not in written:
            grids.setdefault(st.source, st.sweep.source)
        elif grids[st.source].shape != st.sweep.source.shape:
            raise ValueError(f"stage {st.name!r} reads a padded copy of a volume an earlier stage wrote")

    numbered = [st.numbers for st in stages if st.numbers is not None]
    fmt = figure_format(
        [a for n in numbered for a in (n.drawn_inputs, n.values, n.kernel) if a is not None], precision
    )
    kernel_stage = [columns and (st.in_channels > 1 or st.out_channels > 1) for st in stages]

    planes: List[Plane] = []
    plane_of: Dict[Tuple[int, int], int] = {}
    slot_of: Dict[Tuple[int, int], int] = {}  # (stage, input channel) -> its kernel slice's plane
    tint_of: Dict[Tuple[int, int], int] = {}
    for st in stages:  # hues flow from the input channels to what reads only them
        if st.source not in written and (st.in_channels > 1 or st.out_channels > 1):
            for c in range(st.in_channels):
                tint_of.setdefault((st.source, c), _hue(c, st.in_channels, st.groups))
        for o in range(st.out_channels):
            hues = {tint_of.get((st.source, read.channel), -1) for read in st.reads(o)}
            tint_of[(st.target, o)] = hues.pop() if len(hues) == 1 else -1
    column = 0
    for group in order:  # a column: one volume, or several stacked (a tuple)
        group = tuple(v for v in (group if isinstance(group, tuple) else (group,)) if v in grids)
        if not group:
            continue
        for j, st in enumerate(stages):  # a stage's kernel slices in a column before the volume it writes
            if st.target not in group or not kernel_stage[j]:
                continue
            for (v, c), k in list(plane_of.items()):
                if v != st.source:
                    continue
                slot_of[(j, c)] = len(planes)
                grid = Grid.dense(st.sweep.kernel_size, Cell.WEIGHT)
                name = "kernel" if not any(key[0] == j for key in slot_of if key != (j, c)) else ""
                planes.append(Plane(name, grid, volume=column, tint=planes[k].tint, align=k))
            column += 1
        for volume in group:
            count = channels[volume]
            static = None
            if volume not in written:  # an input: its values stand from the first frame
                reader = next((st for st in stages if st.source == volume and st.numbers is not None), None)
                static = _outside_blank(strings(reader.numbers.drawn_inputs, fmt), grids[volume]) if reader else None
            readers = [st for st in stages if st.source == volume]
            needed = [st.reads(o)[0].channel for st in readers for o, _ in shown_channels(st.out_channels)]
            grid = grids[volume]
            if columns and volume in written:
                grid = Grid(grid.shape, grid.rows, grid.cols, Cell.PENDING)
            carries = any(st.source == volume and not kernel_stage[j] and st.numbers is not None
                          and st.numbers.kernel is not None for j, st in enumerate(stages))
            for channel, elided in shown_channels(count, also=needed):
                plane_of[(volume, channel)] = len(planes)
                text = static[channel] if static is not None else None
                align = plane_of.get((level[volume], channel), -1) if volume in level else -1
                planes.append(Plane(name_of(volumes[volume], channel, count), grid, text,
                                    volume=column if columns else volume, elided=elided,
                                    tint=tint_of.get((volume, channel), -1), weights=carries, align=align))
        column += 1

    if all(p.grid.shape[0] == 1 for p in planes if not p.beside):  # strips: each output over the window it reads
        for st in stages:
            shift = _strip_shift(st.sweep)
            planes = [replace(p, shift=shift) if p.volume == _column_of(planes, plane_of, st.target) and shift else p
                      for p in planes]

    only = stages[0] if len(stages) == 1 else None
    if show_kernel and only and only.numbers is not None and only.numbers.kernel is not None and not columns:
        kernel = only.numbers.kernel.reshape(only.numbers.spec.kernel_size)
        planes.append(Plane("kernel", Grid.dense(kernel.shape, Cell.WEIGHT), strings(kernel, fmt), beside=True))
        if only.sweep.flipped and caption:
            caption += "; the sweep uses the kernel rotated 180°"

    shown_out = [[c for c, _ in shown_channels(st.out_channels)] for st in stages]
    starts = np.cumsum([0] + [sweep_frames(st.sweep.output_size, st.out_channels) for st in stages])
    headings: List[str] = []
    heading_of: Dict[Tuple[int, int], int] = {}
    for j, st in enumerate(stages):
        for out in shown_out[j]:
            text = _heading(st, out, len(stages) > 1, kernel_stage[j], volumes[st.target], volumes[st.source])
            if text not in headings:
                headings.append(text)
            heading_of[(j, out)] = headings.index(text)

    @lru_cache(maxsize=None)
    def texts(j: int):
        """Strings for stage j: input values (C, H, W), weights (O, C/g, k·k), results (O, steps)."""
        numbers = stages[j].numbers
        weights = None
        if numbers.drawn_kernels is not None:
            k = numbers.drawn_kernels
            weights = strings(k.reshape(k.shape[0], k.shape[1], -1), fmt)
        return _outside_blank(strings(numbers.drawn_inputs, fmt), stages[j].sweep.source), weights, strings(numbers.values, fmt)

    empty = np.empty((0, 2), dtype=int)

    def make_step(index: int) -> Step:
        j = bisect_right(starts, index) - 1
        st = stages[j]
        shown, spatial = divmod(index - starts[j], len(st.sweep))
        out = shown_out[j][shown]
        taps = st.sweep.taps(spatial)
        r, c = st.sweep.out_cell(spatial)
        reads = [read for read in st.reads(out) if (st.source, read.channel) in plane_of]
        target = plane_of[(st.target, out)]
        highlights = [empty] * len(planes)
        for read in reads:
            highlights[plane_of[(st.source, read.channel)]] = taps
        highlights[target] = np.array([[r, c]])
        footprint, cell = st.sweep.footprint(spatial), (r, c, r + 1, c + 1)
        if kernel_stage[j]:
            kh, kw = st.sweep.kernel_size
            whole = np.argwhere(np.ones((kh, kw), dtype=bool))
            links: List[Link] = []
            for read in reads:
                source, slot = plane_of[(st.source, read.channel)], slot_of[(j, read.channel)]
                highlights[slot] = whole
                tint = planes[source].tint
                links += [Link(source, footprint, slot, (0, 0, kh, kw), tint, wire=True),
                          Link(slot, (0, 0, kh, kw), target, cell, tint, wire=True)]
        elif columns:
            links = [Link(plane_of[(st.source, read.channel)], footprint, target, cell, planes[target].tint, wire=True)
                     for read in reads]
        else:
            links = [Link(plane_of[(st.source, reads[-1].channel)], footprint, target, cell)] if reads else []
        reveals: List[Label] = [Label(target, (r, c), "", "fill")] if columns else []
        phase = heading_of[(j, out)]
        copied = _copied(st.sweep, taps)
        if copied is not None and reads:  # where the padding under the kernel copies its values from
            read_planes = {plane_of[(st.source, read.channel)] for read in reads}
            marks_of = tuple(copied if k in read_planes else empty for k in range(len(planes)))
        else:
            marks_of = ()
        if st.numbers is None:
            return Step(index, tuple(highlights), tuple(links), reveals=tuple(reveals), marks=marks_of, phase=phase)
        inputs, weights, results = texts(j)
        cells = [(int(y), int(x)) for y, x in taps]
        labels = []
        for read in reads:
            plane, ci = plane_of[(st.source, read.channel)], read.channel
            labels += [Label(plane, cell, inputs[ci][cell]) for cell in cells if inputs[ci][cell]]
            if weights is None:
                continue
            local = weights[out, read.slice]
            if kernel_stage[j]:
                kw = st.sweep.kernel_size[1]
                labels += [Label(slot_of[(j, ci)], divmod(t, kw), w) for t, w in enumerate(local)]
            else:
                labels += [Label(plane, cell, w, "weight") for cell, w in zip(cells, local)]
        marks: Tuple[np.ndarray, ...] = marks_of
        if st.numbers.winners is not None and reads:
            marks = tuple(
                taps[st.numbers.winners[spatial]][None, :] if k == plane_of[(st.source, reads[0].channel)] else empty
                for k in range(len(planes))
            )
        reveals.append(Label(target, (r, c), results[out, spatial]))
        symbol = "o" if volumes[st.target] == "output" else volumes[st.target][0]
        every = st.reads(out)  # the sum runs over every channel read, drawn or left out
        equation = _equation(st, out, spatial, every, fmt, [tint_of.get((st.source, read.channel), -1) for read in every],
                             out if st.out_channels > 1 else None, symbol)
        return Step(index, tuple(highlights), tuple(links), tuple(labels), tuple(reveals), marks, phase, equation)

    largest = None
    if numbered:
        values, weights = [], []
        for j, st in enumerate(stages):
            if st.numbers is None:
                continue
            inputs, kernels, results = texts(j)
            values += [*inputs.ravel(), *results.ravel()]
            if kernels is not None:
                (values if kernel_stage[j] else weights).extend(kernels.ravel())
        if show_kernel and planes[-1].beside:
            values += list(planes[-1].text.ravel())
        largest = (widest(values), widest(weights))
    return Scene(tuple(planes), int(starts[-1]), make_step, caption, tuple(headings) if len(headings) > 1 else (),
                 equations=bool(numbered), columns=columns, widest=largest)


def _outside_blank(strings: np.ndarray, grid: Grid) -> np.ndarray:
    """No value where a cell lies past the padded input (a ceil-mode window's overhang)."""
    outside = grid.kinds == Cell.OUTSIDE
    if outside.any():
        strings = strings.copy()
        strings[..., outside] = ""
    return strings


def _strip_shift(sweep: Sweep) -> float:
    """Where a strip's output starts, over its input: the first output cell over the middle of the
    window it reads, or, where the padding is causal (all on the left), over its last tap, the present."""
    extent = sweep.dilation[1] * (sweep.kernel_size[1] - 1) + 1
    cols, width = sweep.source.cols, sweep.source.shape[1]
    causal = len(cols) and int(cols.min()) == extent - 1 and int(cols.max()) == width - 1 and extent > 1
    return float(extent - 1) if causal else (extent - 1) / 2


def _column_of(planes, plane_of, volume: int) -> int:
    """The layout volume (column) of a scene volume's planes."""
    return next(planes[k].volume for (v, _), k in plane_of.items() if v == volume)


def _copied(sweep: Sweep, taps: np.ndarray) -> Optional[np.ndarray]:
    """The input cells (drawn grid coordinates) that the padding cells under the taps copy, (n, 2);
    None where the padding holds zeros."""
    grid = sweep.source
    if grid.copies is None:
        return None
    on_padding = grid.kinds[taps[:, 0], taps[:, 1]] == Cell.PADDING
    sources = grid.copies[taps[on_padding, 0], taps[on_padding, 1]]
    cells = np.stack([grid.rows[sources[:, 0]], grid.cols[sources[:, 1]]], axis=1) if len(sources) else np.empty((0, 2), int)
    return np.unique(cells, axis=0)


def widest(texts: Sequence[str]) -> str:
    """The longest string; among equally long ones, one with a minus sign (the widest glyph)."""
    return max(texts, key=lambda t: (len(t), "−" in t), default="")


def index_text(spec, row: int, col: int) -> str:
    """A cell's index as the operation's arrays are indexed: ``1,2``, or ``2`` along a strip."""
    return str(col) if spec.dims == 1 else f"{row},{col}"


def name_of(volume: str, channel: int, count: int) -> str:
    return volume if count == 1 else f"{volume} {channel}"


def _span(reads: Sequence[Read], source: str = "input") -> str:
    plural = "inputs" if source == "input" else source
    first, last = reads[0].channel, reads[-1].channel
    return f"{source} {first}" if len(reads) == 1 else f"{plural} {first}–{last}"


def _heading(st: Sweeping, out: int, staged: bool, kernel_column: bool, target: str = "output",
             source: str = "input") -> str:
    """What the frames of one output channel of one stage show."""
    if not kernel_column:
        return st.name
    prefix = f"{st.name}: " if staged and st.name else ""
    reads = st.reads(out)
    if len(reads) == 1:
        return f"{prefix}{target} {out} = {_span(reads, source)} ∗ kernel {out}"
    group = f" (group {out // (st.out_channels // st.groups)})" if 1 < st.groups else ""
    slices = "its slice" if 1 < st.groups else "slice c"
    return f"{prefix}{target} {out}{group} = Σ over {_span(reads, source)}: {source} c ∗ {slices} of kernel {out}"


def product(x: str, w: str) -> str:
    """``x·w``, a negative factor in parentheses: ``11·(−1)``."""
    return "·".join(f"({v})" if v.startswith("−") else v for v in (x, w))


def _equation(st: Sweeping, out: int, spatial: int, reads: Sequence[Read], fmt: Callable[[float], str],
              tints: Sequence[int], channel: Optional[int], symbol: str = "o") -> Equation:
    """The step's arithmetic with its numbers: products and their sum, the max, or the mean."""
    numbers = st.numbers
    r, c = st.sweep.out_cell(spatial)
    name = symbol if channel is None else f"{symbol}{str(channel).translate(SUBSCRIPT)}"
    head = f"{name}[{index_text(numbers.spec, r, c)}] ="
    result = f"= {fmt(numbers.values[out, spatial])}"
    gathered = numbers.gathered[:, spatial]  # (C, taps)
    reducer = numbers.reducer
    if not reducer.weighted:  # max(…) with the winner emphasised, or (… + …)/n
        winner = int(numbers.winners[spatial]) if numbers.winners is not None else -1
        kinds = numbers.sweep.source.kinds
        taps = numbers.sweep.taps(spatial)
        terms = tuple(Term(fmt(v), strong=k == winner) for k, (v, (y, x)) in enumerate(zip(gathered[0], taps))
                      if kinds[y, x] != Cell.OUTSIDE)  # past the padded input: not part of the window's sum
        return Equation(head, terms, result, reducer.joiner, reducer.open, reducer.close.format(n=reducer.divisor(spatial, len(terms))))
    kernels = numbers.drawn_kernels.reshape(numbers.spec.out_channels, -1, gathered.shape[1])
    if len(reads) > 1 and gathered.shape[1] == 1:  # 1×1: one product per channel
        terms = [Term(product(fmt(gathered[r.channel, 0]), fmt(kernels[out, r.slice, 0])), t) for r, t in zip(reads, tints)]
        return Equation(head, tuple(terms), result)
    if len(reads) > 1:  # the sum over input channels, each channel's share in its hue
        shares = [float(np.dot(gathered[r.channel], kernels[out, r.slice])) for r in reads]
        return Equation(head, tuple(Term(fmt(v), tint) for v, tint in zip(shares, tints)), result)
    ci, piece = reads[0].channel, reads[0].slice
    kinds = numbers.sweep.source.kinds
    taps = numbers.sweep.taps(spatial)
    keep = [k for k, (y, x) in enumerate(taps) if not (numbers.sweep.flipped and kinds[y, x] != Cell.DATA)]
    terms = tuple(Term(product(fmt(gathered[ci, k]), fmt(kernels[out, piece, k])), tints[0]) for k in keep)
    return Equation(head, terms or (Term("0"),), result)


def gather_scene(
    sweep: Sweep,
    numbers: Optional[Numbers] = None,
    precision: int = 1,
    show_kernel: bool = False,
    caption: str = "",
) -> Scene:
    """The paper's view of one sweep: the kernel's taps on the input feed one output cell per step.

    ``show_kernel`` adds the kernel as a plane of its own, as PyTorch stores it.
    """
    stage = Sweeping("", sweep, 0, 1, numbers, numbers.spec if numbers is not None else None)
    return build_scene(("input", "output"), [stage], precision, show_kernel, caption)


def stages_scene(spec, numbers=None, precision: int = 1, labels: bool = False, caption: str = "",
                 order: Optional[Sequence] = None, level: Optional[Dict[int, int]] = None) -> Scene:
    """Any operation as its stages declare it (``spec.stages()``, ``spec.volumes``), the paper's way."""
    stages = spec.stages()
    values = numbers.stages if isinstance(numbers, StagedNumbers) else (numbers,) * len(stages)
    sweepings = [
        Sweeping(st.name, st.spec.sweep(), st.source, st.target, n, st.spec)
        for st, n in zip(stages, values)
    ]
    return build_scene(spec.volumes, sweepings, precision, show_kernel=labels, caption=caption, order=order, level=level)
