"""What each frame shows: planes of cells, and per step what is highlighted, written and linked.

Still pure: a scene knows grids, cell indices and strings, not colours or coordinates. An
operation is a list of stages (sweeps) between volumes (stacks of channel planes); a scene
lays the volumes out as planes and turns every stage's steps into frames. The renderer draws
any scene.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable, Dict, Iterator, List, Optional, Sequence, Tuple

import numpy as np

from .spec import group_reads
from .sweep import Box, Cell, Grid, Sweep
from .values import Numbers, format_value

MAX_SHOWN_CHANNELS = 8  # a volume with more channels shows a few planes and an ellipsis


@dataclass(frozen=True, eq=False)
class Plane:
    name: str
    grid: Grid
    text: Optional[np.ndarray] = None  # (H, W) strings drawn in the cells for the whole animation
    beside: bool = False  # an operand shown next to the first plane (a kernel), not stacked above it
    volume: int = 0  # planes of one volume are the channels of one tensor
    elided: int = 0  # channels of the volume not drawn, just before this plane
    levels: Optional[np.ndarray] = None  # (H, W) in [0, 1]: a heatmap, coloured by level instead of by kind


@dataclass(frozen=True)
class Link:
    """Connector lines from the corners of a box on one plane to the corners of a box on another."""

    source: int
    source_box: Box
    target: int
    target_box: Box


@dataclass(frozen=True)
class Label:
    """A string in a cell: a ``value`` fills the cell, a ``weight`` sits small in its bottom-right corner."""

    plane: int
    cell: Tuple[int, int]
    text: str
    kind: str = "value"
    replace: bool = False  # a reveal that overwrites the cell's earlier value (a running sum)


@dataclass(frozen=True, eq=False)
class Step:
    index: int
    highlights: Tuple[np.ndarray, ...]  # per plane, (n, 2) cells as (row, col)
    link: Optional[Link] = None
    labels: Tuple[Label, ...] = ()  # drawn on top in this frame only
    reveals: Tuple[Label, ...] = ()  # drawn from this frame on
    marks: Tuple[np.ndarray, ...] = ()  # per plane, cells singled out (the max of a max pooling)
    phase: int = 0  # which stage of a chained operation; its name is Scene.phases[phase]


@dataclass(frozen=True, eq=False)
class Scene:
    planes: Tuple[Plane, ...]
    length: int
    make_step: Callable[[int], Step]
    caption: str = ""
    phases: Tuple[str, ...] = ()  # names of the stages, shown with each frame when there are several

    def __len__(self) -> int:
        return self.length

    def step(self, index: int) -> Step:
        if not 0 <= index < self.length:
            raise IndexError(f"step {index} out of range for a scene of {self.length} steps")
        return self.make_step(index)

    def __iter__(self) -> Iterator[Step]:
        return (self.make_step(i) for i in range(self.length))


@dataclass(frozen=True, eq=False)
class Sweeping:
    """One stage: ``sweep`` from volume ``source`` to volume ``target``, with its channel structure."""

    name: str
    sweep: Sweep
    source: int
    target: int
    numbers: Optional[Numbers] = None
    in_channels: int = 1
    out_channels: int = 1
    groups: int = 1

    def reads(self, out_channel: int) -> range:
        return group_reads(self.in_channels, self.out_channels, self.groups, out_channel)


def shown_channels(n: int, limit: int = MAX_SHOWN_CHANNELS, also: Sequence[int] = ()) -> List[Tuple[int, int]]:
    """(channel, channels elided just before it) for the planes drawn of an n-channel volume:
    all of them up to ``limit``, else the first three, the last, and those in ``also``."""
    keep = range(n) if n <= limit else sorted({0, 1, 2, n - 1, *also})
    shown, previous = [], -1
    for c in keep:
        shown.append((c, c - previous - 1))
        previous = c
    return shown


def _strings(values: np.ndarray, precision: int) -> np.ndarray:
    flat = [format_value(v, precision) for v in np.asarray(values, dtype=float).ravel()]
    return np.array(flat, dtype=object).reshape(np.shape(values))


def build_scene(
    volumes: Sequence[str],
    stages: Sequence[Sweeping],
    precision: int = 1,
    show_kernel: bool = False,
    caption: str = "",
) -> Scene:
    """Lay the volumes out as planes and the stages' steps out as frames.

    A stage's frames run output channel by output channel (the shown ones), each over the
    sweep's cells: the footprint lights up on every input channel that output channel reads,
    the output cell on its plane. With numbers, input values fill their cells, the weights sit
    in the footprint's corners, and each result appears as it is computed and stays.
    """
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

    planes: List[Plane] = []
    plane_of: Dict[Tuple[int, int], int] = {}
    for volume, name in enumerate(volumes):
        if volume not in grids:
            continue
        count = channels[volume]
        static = None
        if volume not in written:  # an input: its values stand from the first frame
            reader = next((st for st in stages if st.source == volume and st.numbers is not None), None)
            static = _strings(reader.numbers.drawn_inputs, precision) if reader else None
        readers = [st for st in stages if st.source == volume]
        needed = [st.reads(o).start for st in readers for o, _ in shown_channels(st.out_channels)]
        for channel, elided in shown_channels(count, also=needed):
            plane_of[(volume, channel)] = len(planes)
            label = name if count == 1 else f"{name} {channel}"
            text = static[channel] if static is not None else None
            planes.append(Plane(label, grids[volume], text, volume=volume, elided=elided))

    only = stages[0] if len(stages) == 1 else None
    if show_kernel and only and only.numbers is not None and only.numbers.kernel is not None and only.in_channels == 1 == only.out_channels:
        kernel = only.numbers.kernel.reshape(only.numbers.spec.kernel_size)
        planes.append(Plane("kernel", Grid.dense(kernel.shape, Cell.WEIGHT), _strings(kernel, precision), beside=True))
        if only.sweep.flipped and caption:
            caption += "; the sweep uses the kernel rotated 180°"

    shown_out = [[c for c, _ in shown_channels(st.out_channels)] for st in stages]
    starts = np.cumsum([0] + [len(s) * len(st.sweep) for s, st in zip(shown_out, stages)])

    @lru_cache(maxsize=None)
    def texts(j: int):
        """Strings for stage j: input values (C, H, W), weights (O, C/g, k·k), results (O, steps)."""
        numbers = stages[j].numbers
        weights = None
        if numbers.drawn_kernels is not None:
            k = numbers.drawn_kernels
            weights = _strings(k.reshape(k.shape[0], k.shape[1], -1), precision)
        return _strings(numbers.drawn_inputs, precision), weights, _strings(numbers.values, precision)

    empty = np.empty((0, 2), dtype=int)

    def make_step(index: int) -> Step:
        j = bisect_right(starts, index) - 1
        st = stages[j]
        shown, spatial = divmod(index - starts[j], len(st.sweep))
        out = shown_out[j][shown]
        taps = st.sweep.taps(spatial)
        r, c = st.sweep.out_cell(spatial)
        reads = [ci for ci in st.reads(out) if (st.source, ci) in plane_of]
        target = plane_of[(st.target, out)]
        highlights = [empty] * len(planes)
        for ci in reads:
            highlights[plane_of[(st.source, ci)]] = taps
        highlights[target] = np.array([[r, c]])
        link = Link(plane_of[(st.source, reads[-1])], st.sweep.footprint(spatial), target, (r, c, r + 1, c + 1)) if reads else None
        if st.numbers is None:
            return Step(index, tuple(highlights), link, phase=j)
        inputs, weights, results = texts(j)
        cells = [(int(y), int(x)) for y, x in taps]
        labels = []
        for ci in reads:
            plane = plane_of[(st.source, ci)]
            labels += [Label(plane, cell, inputs[ci][cell]) for cell in cells]
            if weights is not None:
                local = ci - st.reads(out).start
                labels += [Label(plane, cell, w, "weight") for cell, w in zip(cells, weights[out, local])]
        marks: Tuple[np.ndarray, ...] = ()
        if st.numbers.winners is not None and reads:
            marks = tuple(
                taps[st.numbers.winners[spatial]][None, :] if k == plane_of[(st.source, reads[0])] else empty
                for k in range(len(planes))
            )
        reveal = (Label(target, (r, c), results[out, spatial]),)
        return Step(index, tuple(highlights), link, tuple(labels), reveal, marks, j)

    phases = tuple(st.name for st in stages) if len(stages) > 1 else ()
    return Scene(tuple(planes), int(starts[-1]), make_step, caption, phases)


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
    spec = numbers.spec if numbers is not None else None
    stage = Sweeping(
        "", sweep, 0, 1, numbers,
        getattr(spec, "in_channels", 1), getattr(spec, "out_channels", 1), getattr(spec, "groups", 1),
    )
    return build_scene(("input", "output"), [stage], precision, show_kernel, caption)
