"""Where planes go on screen: one affine map per plane, from cell coordinates to the figure.

Plane coordinates are (x, y) = (column, row) with the origin at the top-left corner of the
plane and rows growing downwards; screen coordinates have y growing upwards, in cell units.
Pure NumPy: the renderer asks this module where things are and draws them there.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import List, Optional, Sequence, Tuple

import numpy as np

from ..scene.model import Plane
from ..core.errors import Pair
from ..core.sweep import Box

STYLES = ("paper", "flat")

# The paper's TikZ scopes use yslant=0.5, xslant=-0.7: a column goes right and up,
# a row goes right and down, on screen.
PAPER_SHEAR = np.array([[1.0, -0.7], [0.5, 0.65]])
# TikZ's 5 pt xshift of the output scope, in cell units at the paper's scale.
PAPER_OUTPUT_NUDGE = -0.176


@dataclass(frozen=True, eq=False)
class Placement:
    """screen = matrix @ (x, y) + offset, for plane points (x, y) = (column, row).

    ``level`` is the plane's height in a stack (cell units): what lies below it, it hides.
    """

    matrix: np.ndarray
    offset: np.ndarray
    shape: Pair
    level: float = 0.0

    def to_screen(self, xy: np.ndarray) -> np.ndarray:
        return np.asarray(xy, dtype=float) @ self.matrix.T + self.offset

    def to_plane(self, screen: np.ndarray) -> np.ndarray:
        return (np.asarray(screen, dtype=float) - self.offset) @ self._inverse_t

    @cached_property
    def _inverse_t(self) -> np.ndarray:
        return np.linalg.inv(self.matrix).T

    def corners(self) -> np.ndarray:
        """The plane's four corners on screen: top-left, top-right, bottom-right, bottom-left."""
        return self._corners

    @cached_property
    def _corners(self) -> np.ndarray:  # asked for by every wire of every frame: worked out once, read-only
        corners = self.to_screen(box_corners((0, 0, *self.shape)))
        corners.setflags(write=False)
        return corners

    def cells(self, cells: np.ndarray) -> np.ndarray:
        """Screen polygons (n, 4, 2) of the cells given as (n, 2) rows of (row, col)."""
        cells = np.asarray(cells).reshape(-1, 2)
        xy = cells[:, None, ::-1] + _UNIT_SQUARE[None, :, :]
        return self.to_screen(xy)


_UNIT_SQUARE = np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]])


def box_corners(box: Box) -> np.ndarray:
    """Corners (x, y) of a box (row0, col0, row1, col1): top-left, top-right, bottom-right, bottom-left."""
    r0, c0, r1, c1 = box
    return np.array([[c0, r0], [c1, r0], [c1, r1], [c0, r1]], dtype=float)


@dataclass(frozen=True, eq=False)
class Layout:
    placements: Tuple[Placement, ...]
    draws_links: bool
    strips: bool = False  # upright strips stacked: a link joins a footprint's top edge to a cell's bottom edge
    names: Tuple[Placement, ...] = ()  # in a column layout, the screen boxes the planes' names take (obstacles for wires)
    _wires: dict = field(default_factory=dict, repr=False)  # routed wires by (source, box, target, box, corner)

    @property
    def bounds(self) -> Tuple[float, float, float, float]:
        """(xmin, ymin, xmax, ymax) of all planes on screen."""
        pts = np.concatenate([p.corners() for p in self.placements])
        return (*pts.min(axis=0), *pts.max(axis=0))  # type: ignore[return-value]

    @cached_property
    def _spans(self) -> List[Tuple[float, float]]:
        """Each plane's and then each name's extent across x on screen: a column's names are part
        of it, so that a wire's knees stay clear of them."""
        return [(c[:, 0].min(), c[:, 0].max()) for c in (p.corners() for p in (*self.placements, *self.names))]

    def _column_edge(self, k: int, right: bool) -> float:
        """The right (or left) edge on screen of the column plane ``k`` stands in: every plane
        (and name) whose screen extent overlaps its own across x."""
        lo, hi = self._spans[k]
        column = [s for s in self._spans if s[0] < hi - 1e-9 and s[1] > lo + 1e-9]
        return max(s[1] for s in column) if right else min(s[0] for s in column)

    def link_segments(self, source: int, source_box: Box, target: int, target_box: Box, wire: bool = False,
                      corner: bool = False) -> np.ndarray:
        """Segments (n, 2, 2) joining the boxes' matching corners, as far as they are seen; or with
        ``wire`` one line from the source plane to the target plane across the gap between columns
        (with ``corner``, from the source box's middle to the target box's first corner: an arrow to
        where a stamp starts).

        A link rises from the source plane's level to the target's. Where it is still below a
        higher plane's level (the target's, one stacked in between, or one above), and that
        plane covers it on screen, it is hidden.
        """
        start = self.placements[source].to_screen(box_corners(source_box))
        end = self.placements[target].to_screen(box_corners(target_box))
        if self.strips and not wire and source_box[3] - source_box[1] == 1 and target_box[3] - target_box[1] == 1:
            a, b = start[np.argsort(-start[:, 1])[:2]].mean(axis=0), end[np.argsort(end[:, 1])[:2]].mean(axis=0)
            return np.array([[a, b]])  # cell to cell: one line, from the top of one to the bottom of the other
        if self.strips and not wire:  # the two sides of the footprint's trapezoid, over nothing
            top = start[np.argsort(-start[:, 1])[:2]]
            bottom = end[np.argsort(end[:, 1])[:2]]
            top, bottom = top[np.argsort(top[:, 0])], bottom[np.argsort(bottom[:, 0])]
            return np.stack([np.stack([top[0], bottom[0]]), np.stack([top[1], bottom[1]])])
        if wire:  # the same wire comes back in many frames (and in the page): routed once
            key = (source, tuple(source_box), target, tuple(target_box), corner)
            if key not in self._wires:
                self._wires[key] = self._wire(source, source_box, target, target_box, corner)
            return self._wires[key].copy()
        low, high = self.placements[source].level, self.placements[target].level
        rise = high - low if abs(high - low) > 1e-9 else 1.0
        hiders = [p for k, p in enumerate(self.placements) if k != source and p.level > low + 1e-9]
        below_until = np.array([1.0 if p is self.placements[target] else (p.level - low) / rise for p in hiders])
        t_in, t_out, crossed = _Obstacles(hiders).intervals(start, end)  # (hiders, lines)
        until = np.minimum(t_out, below_until[:, None])
        covered = crossed & (t_in < until)
        pieces = []
        for n, (a, b) in enumerate(zip(start, end)):
            hidden = [(t_in[k, n], until[k, n]) for k in np.flatnonzero(covered[:, n])]
            pieces += [np.stack([a + t0 * (b - a), a + t1 * (b - a)]) for t0, t1 in uncovered(hidden)]
        return np.array(pieces).reshape(-1, 2, 2)


    def _wire(self, source: int, source_box: Box, target: int, target_box: Box, corner: bool = False) -> np.ndarray:
        """A wire from the source box's right side to the target box: to its left side (a kernel
        slice), or into a single cell's middle, the last run coming in from below-left over the
        cells not computed yet (the wires of a sum meet where it enters the plane). Straight where
        that passes over no other plane and no name, else bent just outside the columns it leaves
        and enters, or under the plane it enters."""
        src, dst = self.placements[source], self.placements[target]
        # one cell of a bigger plane (not a kernel slice, whose wire comes to its side)
        cell = target_box[2] - target_box[0] == 1 and target_box[3] - target_box[1] == 1 and tuple(dst.shape) != (1, 1)
        cell = cell and not corner
        b = (dst.to_screen(box_corners(target_box)[0]) if corner else dst.to_screen(box_corners(target_box)).mean(axis=0)
             if cell else _side(dst, target_box, right=False))
        entry = _entry(dst, target_box) if cell else b
        a = src.to_screen(box_corners(source_box)).mean(axis=0) if corner else _side(src, source_box, right=True, toward=entry[1])
        out_x = self._column_edge(source, right=True) + WIRE_CLEARANCE
        into_x = min(self._column_edge(target, right=False) - WIRE_CLEARANCE, entry[0])
        knee_a = _knee(a, entry, max(out_x, a[0]), src)
        knee_b = _knee(a, entry, into_x, dst)
        corners = dst.corners()
        under = corners[corners[:, 1].argmin()] - [0.0, WIRE_CLEARANCE]
        beside = np.array([min(into_x, under[0]), under[1]])
        left = corners[np.lexsort((corners[:, 1], corners[:, 0]))[0]] - [WIRE_CLEARANCE, 0.0]  # by its leftmost corner
        others = [p for k, p in enumerate(self.placements) if k not in (source, target)] + list(self.names)
        blocked = others + ([dst] if cell else [])  # only the last run, into the cell, may cross its plane
        floor = min(p.corners()[:, 1].min() for p in (src, *others)) - WIRE_CLEARANCE  # under every plane it passes
        low = [a, np.array([a[0], floor]), np.array([min(into_x, under[0]), floor]), entry]
        routes = ([a, entry], [a, knee_b, entry], [a, knee_a, entry], [a, knee_a, knee_b, entry],
                  [a, left, entry], [a, knee_a, left, entry], [a, beside, under, entry], [a, knee_a, beside, under, entry],
                  low)
        counted = _Obstacles(blocked)
        best = min(routes, key=lambda route: (counted.hits(route), len(route)))
        path = best + [b] if cell else best
        return np.array([[p, q] for p, q in zip(path, path[1:]) if np.hypot(*(q - p)) > 1e-9])


ENTRY = np.array([-1.0, 0.5])  # (column, row) on the plane: the last run of a wire into a cell, backwards


def _entry(placement: Placement, box: Box) -> np.ndarray:
    """Where a wire into a cell comes onto its plane, on screen: just outside the plane, down
    the ray from the cell's middle towards lower columns and higher rows (``ENTRY``). That ray
    crosses only the bottom quarter of the cell to the left, and then rows below: cells that a
    sweep row by row has not filled yet, so it runs over no number."""
    r, c = box[0] + 0.5, box[1] + 0.5
    h, _ = placement.shape
    t = min(c / -ENTRY[0], (h - r) / ENTRY[1])
    reach = t + WIRE_CLEARANCE / np.hypot(*ENTRY)
    return placement.to_screen(np.array([c, r]) + reach * ENTRY)


def _side(placement: Placement, box: Box, right: bool, toward: Optional[float] = None) -> np.ndarray:
    """Where a wire leaves (``right``) or enters a box on screen: the middle of its rightmost
    (leftmost) edge if that edge is upright, else its corner there. Where that middle would be
    halfway up a row of numbers (an odd number of rows), and the wire heads ``toward`` a
    height, the corner of that edge nearer to it: a wire leaves on a grid line, not along a row."""
    corners = placement.to_screen(box_corners(box))
    x = corners[:, 0].max() if right else corners[:, 0].min()
    side = corners[np.abs(corners[:, 0] - x) < 1e-9]
    if len(side) == 1 or toward is None or (box[2] - box[0]) % 2 == 0:
        return side.mean(axis=0)
    return side[np.argmin(np.abs(side[:, 1] - toward))]


def _knee(a: np.ndarray, b: np.ndarray, x: float, placement: Placement) -> np.ndarray:
    """The point at ``x`` of the line a→b, moved up or down into the band of heights that
    ``placement``'s plane takes on screen."""
    t = 0.0 if abs(b[0] - a[0]) < 1e-12 else (x - a[0]) / (b[0] - a[0])
    ys = placement.corners()[:, 1]
    return np.array([x, np.clip(a[1] + t * (b[1] - a[1]), ys.min(), ys.max())])




class _Obstacles:
    """Planes and names a wire should not cross, as arrays: a route's crossings counted at once
    (the test of :func:`_crossing`, over every segment and obstacle together)."""

    def __init__(self, obstacles: Sequence[Placement]):
        self.inverse = np.array([o._inverse_t for o in obstacles]).reshape(-1, 2, 2)
        self.offset = np.array([o.offset for o in obstacles], dtype=float).reshape(-1, 1, 2)
        self.size = np.array([o.shape[::-1] for o in obstacles], dtype=float).reshape(-1, 1, 2)  # (w, h)

    def intervals(self, a: np.ndarray, b: np.ndarray, inset: float = 0.0) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(t_in, t_out, crossed), each (obstacles, segments): where each segment a→b is over
        each obstacle (shrunk by ``inset`` on every side), and whether it is at all (:func:`_crossing`'s test)."""
        a, b = np.asarray(a, dtype=float).reshape(-1, 2), np.asarray(b, dtype=float).reshape(-1, 2)
        pa = np.matmul(a[None] - self.offset, self.inverse) - inset  # (obstacles, segments, 2)
        d = np.matmul(b[None] - self.offset, self.inverse) - inset - pa
        size = self.size - 2 * inset
        p = np.stack([-d[..., 0], d[..., 0], -d[..., 1], d[..., 1]], axis=-1)
        q = np.stack([pa[..., 0], size[..., 0] - pa[..., 0], pa[..., 1], size[..., 1] - pa[..., 1]], axis=-1)
        parallel = np.abs(p) < 1e-12
        outside = (parallel & (q < -1e-9)).any(axis=-1)
        with np.errstate(divide="ignore", invalid="ignore"):
            t = q / np.where(parallel, 1.0, p)
        t_in = np.where(~parallel & (p < 0), t, 0.0).max(axis=-1, initial=0.0)
        t_out = np.where(~parallel & (p > 0), t, 1.0).min(axis=-1, initial=1.0)
        return t_in, t_out, ~outside & (t_in < t_out - 1e-9)

    def hits(self, route: Sequence[np.ndarray]) -> int:
        """How many (segment, obstacle) pairs of a route cross: pass inside, not along a rim (a
        wire may run along the foot of a name that sits on its plane)."""
        if not len(self.inverse):
            return 0
        points = np.asarray(route, dtype=float)
        return int(self.intervals(points[:-1], points[1:], inset=1e-6)[2].sum())


WIRE_CLEARANCE = 0.25  # cells between a wire's knees and the columns it joins


def _crossing(plane: Placement, a: np.ndarray, b: np.ndarray):
    """(t_in, t_out): where segment a→b (t from 0 to 1) is over ``plane``'s rectangle on screen,
    or None if it never is (Liang–Barsky)."""
    pa, pb = plane.to_plane(np.stack([a, b]))
    d = pb - pa
    t_in, t_out = 0.0, 1.0
    h, w = plane.shape
    for p, q in ((-d[0], pa[0]), (d[0], w - pa[0]), (-d[1], pa[1]), (d[1], h - pa[1])):
        if abs(p) < 1e-12:
            if q < -1e-9:
                return None  # parallel and outside: never enters
            continue
        t = q / p
        if p < 0:
            t_in = max(t_in, t)
        else:
            t_out = min(t_out, t)
    return (t_in, t_out) if t_in < t_out - 1e-9 else None


def uncovered(hidden: Sequence[Tuple[float, float]]) -> List[Tuple[float, float]]:
    """The parts of [0, 1] outside every interval in ``hidden``, longer than a hair."""
    out, t = [], 0.0
    for t0, t1 in sorted(hidden):
        if t0 > t + 1e-6:
            out.append((t, t0))
        t = max(t, t1)
    if t < 1.0 - 1e-6:
        out.append((t, 1.0))
    return out


CHANNEL_GAP = 0.6  # between the planes of one volume (cells); volumes keep the paper's spacing
ELLIPSIS_GAP = 1.6  # extra room where planes of a volume are left out (in flat, room for "… n more …")
ELLIPSIS_GAP_FLAT = 3.6


def _vertical_extent(matrix: np.ndarray, h: int, w: int) -> float:
    """The longest vertical chord of a plane drawn through ``matrix``: how far apart two copies
    stacked straight up must be not to overlap."""
    corners = np.array([[0, 0], [w, 0], [w, h], [0, h]], dtype=float) @ matrix.T
    edges = list(zip(corners, np.roll(corners, -1, axis=0)))
    longest = 0.0
    for x in corners[:, 0]:
        ys = [a[1] + (b[1] - a[1]) * (x - a[0]) / (b[0] - a[0]) for a, b in edges
              if abs(b[0] - a[0]) > 1e-12 and min(a[0], b[0]) - 1e-9 <= x <= max(a[0], b[0]) + 1e-9]
        if ys:
            longest = max(longest, max(ys) - min(ys))
    return longest


def _boxes_meet(a: Placement, b: Placement, gap: float = 1.0) -> bool:
    """Whether two planes come closer than ``gap`` cells on screen (separating axes: each is a
    parallelogram)."""
    pa, pb = a.corners(), b.corners()
    for shape in (pa, pb):
        for e in np.roll(shape, -1, axis=0) - shape:
            n = np.array([-e[1], e[0]]) / np.hypot(*e)
            sa, sb = pa @ n, pb @ n
            if sa.max() + gap <= sb.min() or sb.max() + gap <= sa.min():
                return False
    return True


BESIDE_NAME_ROOM = 1.3  # cells between a plane beside the first and one stacked above it: its name
BESIDE_DROP = 0.5  # of its own height: how far below the first plane's bottom row a plane beside it sits
COLUMN_GAP = 2.5  # between the columns of a channel figure (cells): room for the links to fan in


def _columns(planes: Sequence[Plane], matrix: np.ndarray, name_room: float, text_scale: float,
             name_widths: Sequence[float] = ()) -> Layout:
    """Volumes in columns, left to right, each volume's channels top to bottom; a kernel slice
    sits level with the channel it multiplies. Columns are centred on one another, so links run
    across the gaps between them and over nothing else."""
    boxes = []
    for plane in planes:  # each plane's screen box with its top-left corner at the origin
        h, w = plane.grid.shape
        corners = box_corners((0, 0, h, w)) @ matrix.T
        boxes.append((corners.min(axis=0), corners.max(axis=0)))
    centres: dict = {}
    cursor: dict = {}  # per column, how far down its channels reach so far
    for k, plane in enumerate(planes):  # stack the channels of each column, names above them
        if plane.align >= 0:
            continue
        height = boxes[k][1][1] - boxes[k][0][1]
        y = cursor.get(plane.volume)
        y = 0.0 if y is None else y - CHANNEL_GAP - (ELLIPSIS_GAP * text_scale if plane.elided else 0.0)
        y -= name_room
        centres[k] = y - height / 2
        cursor[plane.volume] = y - height
    def root(k: int) -> int:  # the plane a chain of alignments ends at, which its column places
        while planes[k].align >= 0:
            k = planes[k].align
        return k

    for k, plane in enumerate(planes):
        if plane.align >= 0:
            centres[k] = centres[root(k)]
    shift = {v: -bottom / 2 for v, bottom in cursor.items()}  # centre each column on y = 0
    for k, plane in enumerate(planes):
        if plane.align >= 0:
            shift.setdefault(plane.volume, shift[planes[root(k)].volume])
    placements: List[Placement] = [None] * len(planes)  # type: ignore[list-item]
    x = 0.0
    for volume in sorted({p.volume for p in planes}):
        members = [k for k, p in enumerate(planes) if p.volume == volume]
        width = max(boxes[k][1][0] - boxes[k][0][0] for k in members)
        # a name wider than its plane reaches past it: the column's room is its names' too
        over = [max(0.0, (name_widths[k] - (boxes[k][1][0] - boxes[k][0][0])) / 2) if k < len(name_widths) else 0.0
                for k in members]
        x += max(over)
        for k in members:
            lo, hi = boxes[k]
            # left-aligned: a wire into any plane of the column passes left of all of them
            offset = np.array([x - lo[0], centres[k] + shift[volume] - (lo[1] + hi[1]) / 2])
            placements[k] = Placement(matrix, offset, planes[k].grid.shape)
        x += width + max(over) + COLUMN_GAP
    return Layout(tuple(placements), draws_links=True, names=_name_boxes(placements, name_widths, name_room))


def _name_boxes(placements: Sequence[Placement], widths: Sequence[float], room: float) -> Tuple[Placement, ...]:
    """The boxes over the planes that their names (``widths`` wide, centred) take, ``room`` high."""
    boxes = []
    for placement, width in zip(placements, widths):
        if width <= 0 or room <= 0:
            continue
        corners = placement.corners()
        middle, top = corners[:, 0].mean(), corners[:, 1].max()
        boxes.append(Placement(np.diag([1.0, -1.0]), np.array([middle - width / 2, top + room]), (room, width)))
    return tuple(boxes)


STRIP_GAP = 2.5  # cells between stacked strips: room for the links to fan in


def _strips(planes: Sequence[Plane], flip: np.ndarray, text_scale: float) -> Layout:
    """1-D operations in the paper's order, upright: the input strip at the bottom, each volume's
    strip above the one before (a volume's channels closer together), ``shift`` cells right of
    the input's left edge (where the scene puts it); operands beside the input."""
    placements = []
    elevation, aside, previous = 0.0, planes[0].grid.shape[1] + 1.0, None
    for plane in planes:
        h, w = plane.grid.shape
        if plane.beside:
            origin = np.array([aside, 0.0])
            aside += w + 1
        else:
            if previous is not None:
                same = plane.volume == previous.volume
                elevation += previous.grid.shape[0] + (CHANNEL_GAP if same else STRIP_GAP)
                elevation += ELLIPSIS_GAP * text_scale if plane.elided else 0.0
            origin = np.array([plane.shift, elevation])
            previous = plane
        placements.append(Placement(flip, origin + [0.0, h], (h, w), 0.0 if plane.beside else elevation))
    return Layout(tuple(placements), draws_links=True, strips=True)


MATRIX_GAP = 1.5  # cells between a matrix figure's grids and its product
VECTOR_GAP = 0.5  # between a matrix and the vectors that go with it


def _matrix(planes: Sequence[Plane], flip: np.ndarray, label_widths: Sequence[float], text_scale: float) -> Layout:
    """A product as it is written: the ``matrix``, the ``row`` vector it multiplies over its
    columns (each entry above the column it meets), the ``column`` vector it makes beside its
    rows; the grids of the first volume to its left, the others to its right, all centred on it.
    The row vector's and the matrix's names go to their left, into a gap made wide enough."""
    role = {p.role: k for k, p in enumerate(planes) if p.role}
    m, v, u = role["matrix"], role["row"], role["column"]
    rows, cols = planes[m].grid.shape
    width = lambda k: label_widths[k] if k < len(label_widths) else 0.0  # noqa: E731
    left = [k for k, p in enumerate(planes) if not p.role and p.volume == planes[0].volume]
    right = [k for k, p in enumerate(planes) if not p.role and k not in left]
    gap = MATRIX_GAP * max(text_scale, 1.0)
    slots: dict = {}
    middle = -rows / 2.0
    x = 0.0
    for k in left:
        h, w = planes[k].grid.shape
        slot = max(w, width(k))
        slots[k] = Placement(flip, np.array([x + (slot - w) / 2.0, middle + h / 2.0]), (h, w))
        x += slot + gap
    x += max(width(m), width(v)) + (0.35 * text_scale if left else 0.0)
    slots[m] = Placement(flip, np.array([x, 0.0]), (rows, cols))
    apart = VECTOR_GAP * max(text_scale, 1.0)  # small cells: as far apart in pixels as at the paper's size
    slots[v] = Placement(flip, np.array([x, 1.0 + apart]), planes[v].grid.shape)
    x += cols + apart
    slots[u] = Placement(flip, np.array([x, 0.0]), planes[u].grid.shape)
    x += 1.0
    for k in right:
        h, w = planes[k].grid.shape
        x += gap
        slot = max(w, width(k))
        slots[k] = Placement(flip, np.array([x + (slot - w) / 2.0, middle + h / 2.0]), (h, w))
        x += slot
    return Layout(tuple(slots[k] for k in range(len(planes))), draws_links=False)


def layout(
    planes: Sequence[Plane], style: str = "paper", label_widths: Sequence[float] = (), text_scale: float = 1.0,
    columns: bool = False, name_room: float = 0.0,
) -> Layout:
    """Place the planes: ``paper`` stacks them isometrically, ``flat`` puts them side by side.

    The channel planes of one volume stack closely (paper) or sit close together (flat);
    volumes are spaced as the paper spaces input and output. Planes marked ``beside`` (a
    kernel) sit next to the first plane instead. In ``flat``, each plane gets a slot as wide
    as its label (``label_widths``, in cells) if that is wider, so that labels never meet.
    Where planes are left out, the gap holds a note in text ``text_scale`` times its usual size.
    ``columns`` lays a channel figure out in columns (see :func:`_columns`), ``name_room`` above
    each plane for its name.
    """
    if style not in STYLES:
        raise ValueError(f"unknown style {style!r}: use one of {', '.join(STYLES)}")
    flip = np.diag([1.0, -1.0])  # rows grow downwards on the plane, upwards on screen
    base_h, base_w = planes[0].grid.shape
    if any(p.role for p in planes):
        return _matrix(planes, flip, label_widths, text_scale)
    strips = all(p.grid.shape[0] == 1 for p in planes if not p.beside)
    if columns:
        return _columns(planes, PAPER_SHEAR @ flip if style == "paper" and not strips else flip, name_room, text_scale,
                        label_widths)
    if strips:  # upright strips in either style: side by side, a strip's links would have nowhere to go
        return _strips(planes, flip, text_scale)
    if style == "paper":
        placements = []
        matrix = PAPER_SHEAR @ flip
        elevation, aside, previous, below = 0.0, base_w + 1.0, None, None
        for plane in planes:
            h, w = plane.grid.shape
            if plane.beside and below is not None:  # a second operand (the kernel as the sweep uses
                # it) above the first, clear of its name: right of the output, if nothing is there
                low, top = below
                above = Placement(matrix, np.array([low.offset[0], top + BESIDE_NAME_ROOM * text_scale + 0.65 * h]), (h, w))
                if not any(_boxes_meet(above, p) for p in placements):
                    placements.append(above)
                    below = (above, above.corners()[:, 1].max())
                    continue
            if plane.beside:  # on the floor, right of the first plane and low: out of the way of the
                # links, which rise from the first plane towards the planes above
                origin = PAPER_SHEAR @ np.array([aside, -BESIDE_DROP * h])
                aside += w + 1
            else:
                if previous is not None and plane.volume == previous.volume:
                    elevation += _vertical_extent(PAPER_SHEAR, *previous.grid.shape) + CHANNEL_GAP
                    elevation += ELLIPSIS_GAP * text_scale if plane.elided else 0.0
                elif previous is not None:
                    elevation += previous.grid.shape[0] + 1  # the paper: padded height plus one cell
                nudge = PAPER_OUTPUT_NUDGE if plane.volume != planes[0].volume else 0.0
                origin = np.array([nudge, elevation])
                previous = plane
            level = 0.0 if plane.beside else elevation
            placements.append(Placement(matrix, PAPER_SHEAR @ np.array([0.0, h]) + origin, (h, w), level))
            if plane.beside:
                below = (placements[-1], placements[-1].corners()[:, 1].max())
        return Layout(tuple(placements), draws_links=True)
    # flat: left to right, operands (the first volume, then planes beside it) before results,
    # all centred on the first plane's middle row
    first = planes[0].volume
    order = sorted(range(len(planes)), key=lambda k: (planes[k].volume != first and not planes[k].beside, k))
    slots, x, previous = {}, 0.0, None
    for k in order:
        plane = planes[k]
        h, w = plane.grid.shape
        if previous is not None:
            same = plane.volume == previous.volume and not plane.beside and not previous.beside
            x += (CHANNEL_GAP + (ELLIPSIS_GAP_FLAT * text_scale if plane.elided else 0.0)) if same else 1.0
        slot = max(w, label_widths[k] if k < len(label_widths) else 0.0)
        slots[k] = Placement(flip, np.array([x + (slot - w) / 2.0, -(base_h - h) / 2.0]), (h, w))
        x += slot
        previous = plane
    return Layout(tuple(slots[k] for k in range(len(planes))), draws_links=False)
