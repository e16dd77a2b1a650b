"""The paper's arrangement of any operation: its stages (sweeps) between volumes (stacks of
channel planes), the volumes laid out as planes and every stage's steps turned into frames.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, replace
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np

from ..core.formats import Formats
from ..core.geometry import shown_channels, sweep_frames
from ..core.spec import Read
from ..core.sweep import Cell, Grid, Sweep
from ..core.values import Numbers
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
    kernels: Sequence[str] = (),
    symbols: Optional[Dict[int, str]] = None,
) -> Scene:
    """Lay the volumes out as planes (:class:`PlanePlanner`) and the stages' steps out as frames
    (:class:`StepBuilder`).

    A stage's frames run output channel by output channel (the shown ones), each over the
    sweep's cells: the footprint lights up on every input channel that output channel reads,
    the output cell on its plane. With numbers, input values fill their cells, and each result
    appears as it is computed and stays; every step writes its equation out.

    A single sweep of one channel is the paper's figure: output above input, the weights small
    in the footprint's corners. Channels and chains are drawn as columns, volume after volume
    (``order`` says which first): each input channel in its own hue (or its group's), the
    kernel's slices in a column of their own beside the channels they multiply, and the
    output filling in as it is computed. ``kernels`` names each stage's kernel, which then has
    a column of its own even for one channel (a chain whose kernels are the point); ``symbols``
    what the equations call a volume (default: o for the output, else its name's initial), then
    written after its name.
    """
    numbered = [st.numbers for st in stages if st.numbers is not None]
    fmt = _formats(stages, precision)
    plan = PlanePlanner(volumes, stages, fmt, order, level, kernels, symbols).plan()
    beside = _kernel_beside(stages, fmt) if show_kernel and not plan.columns else None
    planes = plan.planes + ((beside,) if beside is not None else ())
    if beside is not None and stages[0].sweep.flipped and caption:
        caption += "; the sweep uses the kernel rotated 180°"
    steps = StepBuilder(volumes, stages, plan, planes, fmt, symbols)
    return Scene(planes, len(steps), steps.step, caption, steps.phases if len(steps.phases) > 1 else (),
                 equations=bool(numbered), columns=plan.columns, widest=steps.widest(beside) if numbered else None)


def _channelled(stage: Sweeping) -> bool:
    return stage.in_planes > 1 or stage.out_planes > 1


@dataclass(frozen=True, eq=False)
class Plan:
    """A figure's planes, and which plane shows what: ``plane_of`` each (volume, channel) drawn,
    ``slot_of`` each (stage, input channel)'s kernel slice, ``tint_of`` each (volume, channel)'s hue."""

    planes: Tuple[Plane, ...]
    plane_of: Dict[Tuple[int, int], int]
    slot_of: Dict[Tuple[int, int], int]
    tint_of: Dict[Tuple[int, int], int]
    kernel_stage: Tuple[bool, ...]  # per stage: whether its kernel slices have a column of their own
    columns: bool  # volumes in columns, channels stacked (channels or a chain), not the paper's one sweep


class PlanePlanner:
    """Lays volumes out as planes: column after column in ``order`` (a tuple stacks several
    volumes in one column), a stage's kernel slices in a column before the volume it writes;
    ``level`` sets a volume's planes level with another's. A strip's output is shifted over
    the window it reads."""

    def __init__(self, volumes: Sequence[str], stages: Sequence[Sweeping], fmt: Formats,
                 order: Optional[Sequence] = None, level: Optional[Dict[int, int]] = None,
                 kernels: Sequence[str] = (), symbols: Optional[Dict[int, str]] = None):
        self.volumes, self.stages, self.fmt = volumes, stages, fmt
        numbered = any(st.numbers is not None for st in stages)
        self.symbols = dict(symbols or {}) if numbered else {}  # named only where equations use them
        self.columns = len(stages) > 1 or any(_channelled(st) for st in stages)
        self.kernel_names = tuple(kernels)
        self.kernel_stage = tuple(self.columns and ((_channelled(st) and st.weighted) or bool(kernels)) for st in stages)
        self.order = list(order) if order is not None else list(range(len(volumes)))
        self.level = dict(level or {})  # volume -> the volume whose planes it sits level with
        self.written = {st.target for st in stages}
        self.channels, self.grids = _volume_grids(stages, self.written)
        self.depths = {v: d for st in stages for v, d in zip((st.source, st.target), st.depths)}
        self.tint_of = _tints(stages, self.written)
        self.planes: List[Plane] = []
        self.plane_of: Dict[Tuple[int, int], int] = {}
        self.slot_of: Dict[Tuple[int, int], int] = {}

    def plan(self) -> Plan:
        column = 0
        for group in self.order:
            group = tuple(v for v in (group if isinstance(group, tuple) else (group,)) if v in self.grids)
            if not group:
                continue
            kernels = [j for j, st in enumerate(self.stages) if st.target in group and self.kernel_stage[j]]
            for j in kernels:
                self._kernel_slices(j, column)
                column += 0 if self.kernel_names else 1
            column += 1 if kernels and self.kernel_names else 0
            for volume in group:
                self._volume(volume, column)
            column += 1
        self._kernels_level_with_outputs()
        return Plan(tuple(self._strips_shifted()), self.plane_of, self.slot_of, self.tint_of, self.kernel_stage,
                    self.columns)

    def _kernels_level_with_outputs(self) -> None:
        """Named kernels of one channel share their group's column, each level with the plane it
        writes: a chain's lanes read left to right (input, kernel, what it makes)."""
        if not self.kernel_names:
            return
        for j, st in enumerate(self.stages):
            if (j, 0) in self.slot_of and not _channelled(st):
                k = self.slot_of[(j, 0)]
                kernel = st.numbers.drawn_kernels if st.numbers is not None else None  # one channel: one set of weights
                text = None if kernel is None else strings(kernel.reshape(st.sweep.kernel_size), self.fmt["weight"])
                self.planes[k] = replace(self.planes[k], align=self.plane_of[(st.target, 0)], text=text)

    def _kernel_slices(self, j: int, column: int) -> None:
        """Stage j's kernel slices, one beside each input channel drawn, in its hue; a 3-D
        kernel's, its own depth slices for each input channel, in a column of their own."""
        st = self.stages[j]
        if st.sliced:
            return self._kernel_volume(j, column)
        for (v, c), k in list(self.plane_of.items()):
            if v != st.source:
                continue
            self.slot_of[(j, c)] = len(self.planes)
            grid = Grid.dense(st.sweep.kernel_size, Cell.WEIGHT)
            first = not any(key[0] == j for key in self.slot_of if key != (j, c))
            name = "" if not first else self.kernel_names[j] if j < len(self.kernel_names) else "kernel"
            self.planes.append(Plane(name, grid, volume=column, tint=self.planes[k].tint, align=k))

    def _kernel_volume(self, j: int, column: int) -> None:
        st, depth, slices = self.stages[j], self.depths[self.stages[j].source], self.stages[j].kernel_depth
        channels = sorted({c // depth for v, c in self.plane_of if v == st.source})
        for c in channels:
            tint = _plane_hue(st, c * depth) if st.in_channels > 1 else -1
            for n in range(slices):
                self.slot_of[(j, c * slices + n)] = len(self.planes)
                name = f"kernel slice {n}" + ("" if len(channels) == 1 else f" ({self.volumes[st.source]} {c})")
                self.planes.append(Plane(name, Grid.dense(st.sweep.kernel_size, Cell.WEIGHT), volume=column, tint=tint))

    def _volume(self, volume: int, column: int) -> None:
        """A volume's shown channels, as planes: those its readers need first, the rest elided."""
        count, static = self.channels[volume], self._standing_values(volume)
        needed = [read.channel for st in self.stages if st.source == volume
                  for o, _ in shown_channels(st.out_planes) for read in st.reads(o)[:1]]
        grid = self.grids[volume]
        if self.columns and volume in self.written:
            grid = Grid(grid.shape, grid.rows, grid.cols, Cell.PENDING)
        carries = any(st.source == volume and not self.kernel_stage[j] and st.numbers is not None
                      and st.numbers.kernel is not None for j, st in enumerate(self.stages))
        for channel, elided in shown_channels(count, also=needed):
            self.plane_of[(volume, channel)] = len(self.planes)
            text = static[channel] if static is not None else None
            align = self.plane_of.get((self.level[volume], channel), -1) if volume in self.level else -1
            name = plane_name(self.volumes[volume], channel, count, self.depths[volume])
            self.planes.append(Plane(f"{name} {self.symbols[volume]}" if volume in self.symbols else name, grid, text,
                                     volume=column if self.columns else volume, elided=elided,
                                     tint=self.tint_of.get((volume, channel), -1), weights=carries, align=align))

    def _standing_values(self, volume: int) -> Optional[np.ndarray]:
        """An input's values, which stand from the first frame: (C, H, W) strings, or None."""
        if volume in self.written:
            return None
        reader = next((st for st in self.stages if st.source == volume and st.numbers is not None), None)
        return _outside_blank(strings(reader.numbers.drawn_inputs, self.fmt[volume]), self.grids[volume]) if reader else None

    def _strips_shifted(self) -> List[Plane]:
        """In a figure of strips, each output over the window it reads."""
        planes = self.planes
        if all(p.grid.shape[0] == 1 for p in planes if not p.beside):
            for st in self.stages:
                shift = _strip_shift(st.sweep)
                planes = [replace(p, shift=shift) if p.volume == _column_of(planes, self.plane_of, st.target) and shift
                          else p for p in planes]
        return planes


def _volume_grids(stages: Sequence[Sweeping], written: set) -> Tuple[Dict[int, int], Dict[int, Grid]]:
    """Each volume's channel count and grid: a written volume as its writer fills it, an input
    as its reader pads it."""
    channels: Dict[int, int] = {}
    grids: Dict[int, Grid] = {}
    for st in stages:
        channels.setdefault(st.source, st.in_planes)
        channels.setdefault(st.target, st.out_planes)
        grids[st.target] = st.sweep.target
    for st in stages:
        if st.source not in written:
            grids.setdefault(st.source, st.sweep.source)
        elif grids[st.source].shape != st.sweep.source.shape:
            raise ValueError(f"stage {st.name!r} reads a padded copy of a volume an earlier stage wrote")
    return channels, grids


def _plane_hue(st: Sweeping, plane: int) -> int:
    """An input plane's hue: its channel's (or group's); a 3-D input of one channel, each of
    its depth slices its own, as channels have theirs."""
    depth = st.depths[0]
    if depth > 1 and st.in_channels == 1:
        return plane
    return _hue(plane // depth, st.in_channels, st.groups)


def _tints(stages: Sequence[Sweeping], written: set) -> Dict[Tuple[int, int], int]:
    """Hues flow from the input channels (each its own, or its group's) to what reads only them."""
    tint_of: Dict[Tuple[int, int], int] = {}
    for st in stages:
        if st.source not in written and _channelled(st):
            for c in range(st.in_planes):
                tint_of.setdefault((st.source, c), _plane_hue(st, c))
        for o in range(st.out_planes):
            hues = {tint_of.get((st.source, read.channel), -1) for read in st.reads(o)}
            tint_of[(st.target, o)] = hues.pop() if len(hues) == 1 else -1
    return tint_of


def _formats(stages: Sequence[Sweeping], precision: int) -> Formats:
    """Each volume's numbers in one format (what a stage writes is what the next one reads), and
    every weight in another."""
    kinds: Dict[object, list] = {"weight": []}
    for st in stages:
        if st.numbers is not None:
            kinds.setdefault(st.source, []).append(st.numbers.drawn_inputs)
            kinds.setdefault(st.target, []).append(st.numbers.values)
            if st.numbers.kernel is not None:
                kinds["weight"].append(st.numbers.kernel)
    return Formats(kinds, precision)


def _kernel_beside(stages: Sequence[Sweeping], fmt: Formats) -> Optional[Plane]:
    """The kernel as PyTorch stores it, beside the paper's figure of one sweep with numbers."""
    only = stages[0] if len(stages) == 1 else None
    if only is None or only.numbers is None or only.numbers.kernel is None:
        return None
    kernel = only.numbers.kernel.reshape(-1, *only.numbers.spec.kernel_size)
    name, read = "kernel", 0
    if len(kernel) > 1:  # a 3-D kernel over one input slice: the one slice of it that reads that slice
        slices = sorted({r.slice % len(kernel) for r in only.reads(0)})
        if not slices:
            return None  # every kernel slice on padding
        read = slices[0]
        name = f"kernel slice {read}"
    return Plane(name, Grid.dense(kernel[read].shape, Cell.WEIGHT), strings(kernel[read], fmt["weight"]), beside=True)


def _headings(volumes: Sequence[str], stages: Sequence[Sweeping], kernel_stage: Sequence[bool]
              ) -> Tuple[Tuple[str, ...], Dict[Tuple[int, int], int]]:
    """The distinct headings of the frames, and which one each (stage, output channel) shows."""
    headings: List[str] = []
    heading_of: Dict[Tuple[int, int], int] = {}
    for j, st in enumerate(stages):
        for out, _ in shown_channels(st.out_planes):
            text = st.heading(out) or _heading(st, out, len(stages) > 1, kernel_stage[j] and _channelled(st),
                                               volumes[st.target], volumes[st.source])
            if text not in headings:
                headings.append(text)
            heading_of[(j, out)] = headings.index(text)
    return tuple(headings), heading_of


class StepBuilder:
    """A frame's step from its index: the stage and output channel it belongs to, and, for every
    (input channel, kernel slice) the step reads, the footprint lit, the wires, the values and
    weights written, the marks and the equation."""

    EMPTY = np.empty((0, 2), dtype=int)

    def __init__(self, volumes: Sequence[str], stages: Sequence[Sweeping], plan: Plan, planes: Tuple[Plane, ...],
                 fmt: Formats, symbols: Optional[Dict[int, str]] = None):
        self.volumes, self.stages, self.plan, self.planes, self.fmt = volumes, stages, plan, planes, fmt
        self.symbols = dict(symbols or {})
        self.shown_out = [[c for c, _ in shown_channels(st.out_planes)] for st in stages]
        self.starts = np.cumsum([0] + [sweep_frames(st.sweep.output_size, st.out_planes) for st in stages])
        self.phases, self.heading_of = _headings(volumes, stages, plan.kernel_stage)
        self._texts: Dict[int, tuple] = {}

    def __len__(self) -> int:
        return int(self.starts[-1])

    def texts(self, j: int) -> tuple:
        """Strings for stage j: input values (C, H, W), weights (O, C/g, k·k), results (O, steps)."""
        if j not in self._texts:
            numbers, weights = self.stages[j].numbers, None
            if numbers.drawn_kernels is not None:
                k = numbers.drawn_kernels
                weights = strings(k.reshape(k.shape[0], k.shape[1], -1), self.fmt["weight"])
            inputs = _outside_blank(strings(numbers.drawn_inputs, self.fmt[self.stages[j].source]), self.stages[j].sweep.source)
            self._texts[j] = (inputs, weights, strings(numbers.values, self.fmt[self.stages[j].target]))
        return self._texts[j]

    def step(self, index: int) -> Step:
        j = bisect_right(self.starts, index) - 1
        st, plan = self.stages[j], self.plan
        shown, spatial = divmod(index - self.starts[j], len(st.sweep))
        out = self.shown_out[j][shown]
        reads = [read for read in st.reads(out) if (st.source, read.channel) in plan.plane_of]
        taps = st.sweep.taps(spatial)
        r, c = st.sweep.out_cell(spatial)
        target = plan.plane_of[(st.target, out)]
        highlights = self._highlights(j, reads, taps, target, (r, c))
        links = self._links(j, reads, st.sweep.footprint(spatial), target, (r, c, r + 1, c + 1))
        reveals = [Label(target, (r, c), "", "fill")] if plan.columns else []
        phase = self.heading_of[(j, out)]
        marks = self._copied_marks(st, reads, taps)
        if st.numbers is None:
            return Step(index, highlights, links, reveals=tuple(reveals), marks=marks, phase=phase)
        if st.numbers.winners is not None and reads:
            which, tap = divmod(int(st.numbers.winners[out, spatial]), st.numbers.gathered.shape[2])
            kept = plan.plane_of.get((st.source, st.reads(out)[which].channel), -1)
            marks = tuple(taps[tap][None, :] if k == kept else self.EMPTY for k in range(len(self.planes)))
        reveals.append(Label(target, (r, c), self.texts(j)[2][out, spatial]))
        symbol = self.symbols.get(st.target) or symbol_of(self.volumes[st.target])
        every = st.reads(out)  # the sum runs over every channel read, drawn or left out
        tints = [plan.tint_of.get((st.source, read.channel), -1) for read in every]
        channel = out // st.depths[1] if st.out_channels > 1 else None
        equation = _equation(st, out, spatial, every, self.fmt, tints, channel, symbol)
        return Step(index, highlights, links, tuple(self._labels(j, out, reads, taps)), tuple(reveals), marks, phase,
                    equation)

    def _highlights(self, j: int, reads: Sequence[Read], taps: np.ndarray, target: int, cell: Tuple[int, int]
                    ) -> Tuple[np.ndarray, ...]:
        """The taps on every plane read, the whole slice on each kernel slice, the output cell."""
        st, plan = self.stages[j], self.plan
        highlights = [self.EMPTY] * len(self.planes)
        for read in reads:
            highlights[plan.plane_of[(st.source, read.channel)]] = taps
        highlights[target] = np.array([cell])
        if plan.kernel_stage[j]:
            whole = np.argwhere(np.ones(st.sweep.kernel_size, dtype=bool))
            for read in reads:
                highlights[plan.slot_of[(j, _slot_key(st, read))]] = whole
        return tuple(highlights)

    def _links(self, j: int, reads: Sequence[Read], footprint: tuple, target: int, cell: tuple) -> Tuple[Link, ...]:
        """Wires from each plane read, through its kernel slice where slices have a column, to the
        output cell; in the paper's figure, the frustum from the footprint to the cell."""
        st, plan = self.stages[j], self.plan
        sources = [plan.plane_of[(st.source, read.channel)] for read in reads]
        if plan.kernel_stage[j]:
            kh, kw = st.sweep.kernel_size
            links: List[Link] = []
            for read, source in zip(reads, sources):
                slot, tint = plan.slot_of[(j, _slot_key(st, read))], self.planes[source].tint
                links += [Link(source, footprint, slot, (0, 0, kh, kw), tint, wire=True),
                          Link(slot, (0, 0, kh, kw), target, cell, tint, wire=True)]
            return tuple(links)
        if plan.columns:
            return tuple(Link(source, footprint, target, cell, self.planes[target].tint, wire=True) for source in sources)
        return (Link(sources[-1], footprint, target, cell),) if sources else ()

    def _copied_marks(self, st: Sweeping, reads: Sequence[Read], taps: np.ndarray) -> Tuple[np.ndarray, ...]:
        """On each plane read, the input cells the padding under the kernel copies (none: zeros)."""
        copied = _copied(st.sweep, taps)
        if copied is None or not reads:
            return ()
        read_planes = {self.plan.plane_of[(st.source, read.channel)] for read in reads}
        return tuple(copied if k in read_planes else self.EMPTY for k in range(len(self.planes)))

    def _labels(self, j: int, out: int, reads: Sequence[Read], taps: np.ndarray) -> List[Label]:
        """The values under the taps of each plane read, and the weights of its kernel slice:
        small beside them, or in the slice's own plane."""
        st, plan = self.stages[j], self.plan
        inputs, weights, _ = self.texts(j)
        cells = [(int(y), int(x)) for y, x in taps]
        labels: List[Label] = []
        for read in reads:
            plane, ci = plan.plane_of[(st.source, read.channel)], read.channel
            labels += [Label(plane, cell, inputs[ci][cell]) for cell in cells if inputs[ci][cell]]
            if weights is None:
                continue
            local = weights[out, read.slice]
            if plan.kernel_stage[j]:
                kw, slot = st.sweep.kernel_size[1], plan.slot_of[(j, _slot_key(st, read))]
                if self.planes[slot].text is None:  # else its weights stand written
                    labels += [Label(slot, divmod(t, kw), w) for t, w in enumerate(local)]
            else:
                labels += [Label(plane, cell, w, "weight") for cell, w in zip(cells, local)]
        return labels

    def widest(self, beside: Optional[Plane]) -> Tuple[str, str]:
        """The widest value and weight written in any cell of the figure."""
        values: List[str] = []
        weights: List[str] = []
        for j, st in enumerate(self.stages):
            if st.numbers is None:
                continue
            inputs, kernels, results = self.texts(j)
            values += [*inputs.ravel(), *results.ravel()]
            if kernels is not None:
                (values if self.plan.kernel_stage[j] else weights).extend(kernels.ravel())
        if beside is not None:
            values += list(beside.text.ravel())
        return (widest(values), widest(weights))


def _slot_key(st: Sweeping, read: Read) -> int:
    """The kernel slice a read goes through: its input channel's (2-D), or its input channel's
    slice at that depth (3-D)."""
    slices = st.kernel_depth
    return read.channel // st.depths[0] * slices + read.slice % slices if st.sliced else read.channel


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


def widest(texts: Sequence[str]) -> Tuple[str, ...]:
    """The texts that may be the widest drawn: every distinct one of the longest length or one
    less (a font decides among them: "0.0" is wider than "1.5", "−1" may be wider than "10")."""
    longest = max((len(t) for t in texts), default=0)
    return tuple(sorted({t for t in texts if t and len(t) >= longest - 1})) or ("",)


def index_text(spec, row: int, col: int, depth: int = 0) -> str:
    """A cell's index as the operation's arrays are indexed: ``1,2``, ``2`` along a strip, or
    ``0,1,2`` in a volume (its slice first)."""
    return str(col) if spec.dims == 1 else f"{depth},{row},{col}" if spec.dims == 3 else f"{row},{col}"


def symbol_of(volume: str) -> str:
    """A volume's name in an equation: ``o`` for the output, a gradient (``∂L/∂w``) whole, else its initial."""
    return "o" if volume == "output" else volume if volume.startswith("∂") else volume[0]


def name_of(volume: str, channel: int, count: int) -> str:
    return volume if count == 1 else f"{volume} {channel}"


def plane_name(volume: str, plane: int, count: int, depth: int = 1) -> str:
    """A plane's name: its volume's, its channel's (``input 2``), or a 3-D volume's depth slice's
    (``input slice 1``, ``input 2, slice 1`` with channels)."""
    if depth == 1:
        return name_of(volume, plane, count)
    channel, d = divmod(plane, depth)
    return f"{volume} slice {d}" if count == depth else f"{volume} {channel}, slice {d}"


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


def _equation(st: Sweeping, out: int, spatial: int, reads: Sequence[Read], formats: Formats,
              tints: Sequence[int], channel: Optional[int], symbol: str = "o") -> Equation:
    """The step's arithmetic with its numbers: products and their sum, the max, or the mean."""
    numbers = st.numbers
    fmt, weight, result_fmt = formats[st.source], formats["weight"], formats[st.target]
    r, c = st.sweep.out_cell(spatial)
    name = symbol if channel is None else f"{symbol}{str(channel).translate(SUBSCRIPT)}"
    head = f"{name}[{index_text(numbers.spec, r, c, out % st.depths[1])}] ="
    result = f"= {result_fmt(numbers.values[out, spatial])}"
    gathered = numbers.gathered[:, spatial]  # (C, taps)
    reducer = numbers.reducer
    if not reducer.weighted:  # max(…) with the winner emphasised, or (… + …)/n
        return _pooled_equation(numbers, out, spatial, len(reads), head, result, fmt)
    kernels = numbers.drawn_kernels.reshape(numbers.spec.out_planes, -1, gathered.shape[1])
    bias = () if numbers.bias is None else (Term(f"bias {result_fmt(float(numbers.bias[out // st.depths[1]]))}"),)  # last, as it is added
    if len(reads) > 1 and gathered.shape[1] == 1:  # 1×1: one product per channel
        terms = [Term(product(fmt(gathered[r.channel, 0]), weight(kernels[out, r.slice, 0])), t) for r, t in zip(reads, tints)]
        return Equation(head, (*terms, *bias), result)
    if len(reads) > 1:  # the sum over input channels, each channel's share in its hue
        shares = [float(np.dot(gathered[r.channel], kernels[out, r.slice])) for r in reads]
        return Equation(head, (*(Term(result_fmt(v), tint) for v, tint in zip(shares, tints)), *bias), result)
    if not reads:  # every tap on padding (a 3-D window over padding slices only)
        return Equation(head, (Term("0"), *bias), result)
    ci, piece = reads[0].channel, reads[0].slice
    kinds = numbers.sweep.source.kinds
    taps = numbers.sweep.taps(spatial)
    keep = [k for k, (y, x) in enumerate(taps) if not (numbers.sweep.flipped and kinds[y, x] != Cell.DATA)]
    terms = tuple(Term(product(fmt(gathered[ci, k]), weight(kernels[out, piece, k])), tints[0]) for k in keep)
    return Equation(head, (*(terms or (Term("0"),)), *bias), result)


def _pooled_equation(numbers: Numbers, out: int, spatial: int, count: int, head: str, result: str,
                     fmt: Callable[[float], str]) -> Equation:
    """``max(…)`` with the kept value emphasised, or ``(… + …)/n``: every plane read, tap by tap,
    without the cells past the padded input (not part of the window)."""
    reducer = numbers.reducer
    taps = numbers.sweep.taps(spatial)
    if reducer.copies:
        (y, x), = taps
        return Equation(head, (Term(f"x[{index_text(numbers.spec, int(y), int(x))}]"),), result)
    winner = int(numbers.winners[out, spatial]) if numbers.winners is not None else -1
    kinds = numbers.sweep.source.kinds
    row = numbers.pooled[out, spatial]
    width = numbers.gathered.shape[2]  # a plane's taps, a short window's filled up to the largest
    inside = [k < len(taps) and kinds[taps[k][0], taps[k][1]] != Cell.OUTSIDE for k in range(width)] * count
    terms = tuple(Term(fmt(v), strong=k == winner) for k, v in enumerate(row[: len(inside)]) if inside[k])
    divisor = reducer.divisor(out * len(numbers.sweep) + spatial, len(terms))
    return Equation(head, terms, result, reducer.joiner, reducer.open, reducer.close.format(n=divisor))


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
                 order: Optional[Sequence] = None, level: Optional[Dict[int, int]] = None,
                 kernels: Sequence[str] = (), symbols: Optional[Dict[int, str]] = None) -> Scene:
    """Any operation as its stages declare it (``spec.stages()``, ``spec.volumes``), the paper's way."""
    stages = spec.stages()
    values = numbers.stages if numbers is not None and len(stages) > 1 else (numbers,) * len(stages)  # a chain's: one a stage
    sweepings = [
        Sweeping(st.name, st.spec.sweep(), st.source, st.target, n, st.spec)
        for st, n in zip(stages, values)
    ]
    return build_scene(spec.volumes, sweepings, precision, show_kernel=labels, caption=caption, order=order, level=level,
                       kernels=kernels, symbols=symbols)
