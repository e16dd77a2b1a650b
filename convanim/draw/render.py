"""Draws any scene with matplotlib's Agg backend.

The figure and the static planes are drawn once per animation; each frame restores that
background and draws only what moves (highlights, marks, connector lines, the numbers on top
of them), so the cost of a frame does not grow with the grid. Values that stay once written
(the output filling in) are baked into the background as the animation advances.

Text is drawn as glyph outlines mapped through each plane's affine map, so numbers lie in
the plane in the isometric style, and every extent is known before anything is drawn.
"""

from __future__ import annotations

import math
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable, Iterator, List, Optional, Sequence, Tuple

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection, PathCollection, PolyCollection
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.path import Path
from matplotlib.textpath import TextPath
from matplotlib.transforms import Affine2D, IdentityTransform

from .layout import Layout, Placement, _uncovered, layout
from ..scene.model import Label, Plane, Scene, Step
from ..core.sweep import Cell
from .theme import PAPER, RGB, Theme

PAPER_CELL_PX = 29.6  # the paper's cells: 0.5 cm at the resolution of its GIFs
MARGIN_PX = 21.0  # the standalone class's 10 pt border at that resolution
_DPI = 100.0

# Text sizes. Names and captions in cell units; numbers in cells by their digits' height in
# pixels, never under VALUE_PX and WEIGHT_PX however small the cells (cells grow to fit them).
NAME_EM, CAPTION_EM = 0.55, 0.5
VALUE_PX, WEIGHT_PX = 11.0, 9.0
VALUE_SHARE, WEIGHT_SHARE = 0.38, 0.22  # ...or these shares of a larger cell
WEIGHT_AT = (0.72, 0.74)  # a weight's centre in its cell (column, row fractions)...
VALUE_BY_WEIGHT_AT = (0.4, 0.4)  # ...and a value's on a plane that carries weights (else the middle)
TEXT_GAP_PX = 1.5  # between the digits of two numbers in a cell
LINK_GAP_PX = 3.0  # around digits: no connector line comes closer
EDGE_GAP_PX = 4.0  # from the middle of a cell's outline to the digits in it
WEIGHT_PAD_PX = 1.5  # a weight sits on a chip of the kernel's colour, this much larger than its digits
EQUATION_ROOM = 20.0  # cells: a figure narrower than this widens to write its equation whole
MIN_TEXT_PX = 11.0  # names and captions stay legible however small the cells
FIT_WIDTH_PX = 1000.0  # a large grid shrinks its cells to stay about this wide...
FIT_SIDE_PX = 1000.0  # ...and a tall stack of planes about this high...
MIN_CELL_PX = 4.0  # ...down to this
ZERO_TINT = 0.25  # inserted zeros, where told apart from padding: this far from the background to the input colour
ZERO_DOTS = (1.0, 2.0)  # ...and dotted: dot and gap, in line widths


def _chip(vertices: np.ndarray, pad: float) -> np.ndarray:
    """The rectangle under a weight's digits: their box, ``pad`` larger on every side."""
    (x0, y0), (x1, y1) = vertices.min(axis=0) - pad, vertices.max(axis=0) + pad
    return np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]])


def _cut(segments: np.ndarray, boxes: np.ndarray) -> List[np.ndarray]:
    """The parts of each segment (n, 2, 2) outside every box (m, 4: x0, y0, x1, y1)."""
    out = []
    for a, b in np.asarray(segments).reshape(-1, 2, 2):
        if not len(boxes):
            out.append(np.stack([a, b]))
            continue
        d = b - a
        with np.errstate(divide="ignore", invalid="ignore"):
            t = np.stack([(boxes[:, 0] - a[0]) / d[0], (boxes[:, 2] - a[0]) / d[0]], axis=1)
            u = np.stack([(boxes[:, 1] - a[1]) / d[1], (boxes[:, 3] - a[1]) / d[1]], axis=1)
        tx0, tx1 = np.nanmin(t, axis=1), np.nanmax(t, axis=1)
        ty0, ty1 = np.nanmin(u, axis=1), np.nanmax(u, axis=1)
        if abs(d[0]) < 1e-12:  # vertical: inside the x-slab or never
            inside = (boxes[:, 0] <= a[0]) & (a[0] <= boxes[:, 2])
            tx0, tx1 = np.where(inside, -np.inf, np.inf), np.where(inside, np.inf, -np.inf)
        if abs(d[1]) < 1e-12:
            inside = (boxes[:, 1] <= a[1]) & (a[1] <= boxes[:, 3])
            ty0, ty1 = np.where(inside, -np.inf, np.inf), np.where(inside, np.inf, -np.inf)
        t0, t1 = np.maximum(np.maximum(tx0, ty0), 0.0), np.minimum(np.minimum(tx1, ty1), 1.0)
        hit = t0 < t1
        out += [np.stack([a + s0 * d, a + s1 * d]) for s0, s1 in _uncovered(list(zip(t0[hit], t1[hit])))]
    return out


def _union(a, b):
    if a is None or b is None:
        return a or b
    return (min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3]))


def _rgba(colour: RGB, alpha: float = 1.0) -> tuple:
    return (colour[0] / 255, colour[1] / 255, colour[2] / 255, alpha)


@lru_cache(maxsize=4096)
def _glyphs(text: str, font: str, bold: bool = False) -> Tuple[np.ndarray, np.ndarray, Tuple[float, float, float, float]]:
    """Outline of ``text`` at 1 em, baseline at y=0, y up: (vertices, codes, (x0, y0, x1, y1))."""
    if not text.strip():
        return np.zeros((1, 2)), np.array([Path.MOVETO], dtype=np.uint8), (0.0, 0.0, 0.0, 0.0)
    path = TextPath((0, 0), text, size=1.0, prop=FontProperties(family=font, weight="bold" if bold else "normal"))
    vertices = np.asarray(path.vertices, dtype=float)
    extents = path.get_extents()
    return vertices, np.asarray(path.codes), (extents.x0, extents.y0, extents.x1, extents.y1)


def _digit_height(font: str) -> float:
    return _glyphs("0", font)[2][3]


def _digits_px(cell_px: float) -> Tuple[float, float]:
    """The height of a value's digits and of a weight's, in pixels, for cells of ``cell_px``."""
    return max(VALUE_PX, VALUE_SHARE * cell_px), max(WEIGHT_PX, WEIGHT_SHARE * cell_px)


def _text_box(text: str, font: str, em: float, centre) -> np.ndarray:
    """(x0, y0, x1, y1) of upright ``text`` of ``em``, its middle (digit height) at ``centre``."""
    x0, y0, x1, y1 = _glyphs(text, font)[2]
    cx, cy = centre
    mid = _digit_height(font) / 2
    return np.array([cx + (x0 - (x0 + x1) / 2) * em, cy + (y0 - mid) * em, cx + (x1 - (x0 + x1) / 2) * em, cy + (y1 - mid) * em])


def _cross(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The z of the cross product of 2-D vectors (broadcast)."""
    return a[..., 0] * b[..., 1] - a[..., 1] * b[..., 0]


def _inside(box: np.ndarray, polygon: np.ndarray, margin: float) -> bool:
    """Whether every corner of ``box`` is at least ``margin`` inside the convex ``polygon``."""
    corners = np.array([[box[0], box[1]], [box[2], box[1]], [box[2], box[3]], [box[0], box[3]]])
    edges = np.roll(polygon, -1, axis=0) - polygon
    orientation = np.sign(_cross(edges[0], edges[1]))
    for p, e in zip(polygon, edges):
        distance = orientation * _cross(e, corners - p) / np.linalg.norm(e)
        if distance.min() < margin:
            return False
    return True


def numbers_fit(matrix: np.ndarray, cell_px: float, value: str, weight: str, font: str,
                value_px: float = VALUE_PX, weight_px: float = WEIGHT_PX) -> bool:
    """Whether the widest ``value`` (centred) and ``weight`` (in the corner) fit one cell drawn
    through ``matrix`` at ``cell_px``, their digits so many pixels high, apart and clear of its edges."""
    square = np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]])
    polygon = square @ matrix.T
    digit = _digit_height(font)
    margin = EDGE_GAP_PX / cell_px
    boxes = []
    if value:
        at = VALUE_BY_WEIGHT_AT if weight else (0.5, 0.5)
        boxes.append(_text_box(value, font, value_px / digit / cell_px, matrix @ np.array(at)))
    if weight:
        pad = WEIGHT_PAD_PX / cell_px
        boxes.append(_text_box(weight, font, weight_px / digit / cell_px, matrix @ np.array(WEIGHT_AT)) + [-pad, -pad, pad, pad])
    if not all(_inside(b, polygon, margin) for b in boxes):
        return False
    if len(boxes) == 2:
        a, b = boxes
        gap = TEXT_GAP_PX / cell_px
        if not (a[2] + gap <= b[0] or b[2] + gap <= a[0] or a[3] + gap <= b[1] or b[3] + gap <= a[1]):
            return False
    return True


def _widest(scene: Scene, font: str) -> Tuple[str, str]:
    """The widest value and weight the scene writes in its cells."""
    if scene.widest is not None:
        return scene.widest
    texts = [t for p in scene.planes if p.text is not None for t in p.text.ravel() if t]
    wide = max(texts, key=lambda t: _glyphs(t, font)[2][2] - _glyphs(t, font)[2][0], default="")
    return wide, ""


@dataclass(frozen=True, eq=False)
class Geometry:
    """Where everything goes and how big the image is, known before anything is drawn."""

    layout: Layout
    annotations: Tuple[Tuple[np.ndarray, np.ndarray], ...]  # names, caption, ellipses: screen outlines
    phases: Tuple[Tuple[np.ndarray, np.ndarray], ...]  # each heading, shown with its frames
    bounds: Tuple[float, float, float, float]  # in cell units, annotations included
    cell_px: float
    width: int
    height: int
    value_px: float = VALUE_PX  # the height of the digits of values and of weights in cells
    weight_px: float = WEIGHT_PX
    equation_line: Optional[float] = None  # where an equation's middle goes (screen y, cell units)
    text_scale: float = 1.0

    @classmethod
    def of(
        cls, scene: Scene, style: str = "paper", theme: Theme = PAPER, cell_px: Optional[float] = None,
        labels: bool = False, fit_width: float = FIT_WIDTH_PX, max_size: float = math.inf,
        width: Optional[float] = None,
    ) -> "Geometry":
        """``cell_px`` None: the paper's cell size, shrunk so that a large grid stays about ``fit_width``
        wide and within ``max_size`` on a side; or the size that makes the image ``width`` px wide.

        Names, captions and notes never shrink below ``MIN_TEXT_PX``: where the cells are small,
        they are laid out larger in cell units, and the cells fitted again. Cells with numbers
        grow until their widest value and weight fit at a legible size.
        """
        text_scale = 1.0
        value, weight = _widest(scene, theme.font)
        matrix = _cell_matrix(style)
        forced = width is not None or cell_px is not None
        for _ in range(6):
            lay, annotations, phases, (xmin, ymin, xmax, ymax), line = _arrangement(scene, style, theme, labels, text_scale)
            margins = 2 * MARGIN_PX / PAPER_CELL_PX  # margins scale with the cells, in cell units
            if width is not None:
                size = max(MIN_CELL_PX, width / (xmax - xmin + margins))
            elif cell_px is None:
                w, h = xmax - xmin + margins, ymax - ymin + margins
                fits = min(PAPER_CELL_PX, fit_width / w, FIT_SIDE_PX / h, max_size / w, max_size / h)
                size = max(MIN_CELL_PX, math.floor(fits * 1000) / 1000)
            elif not cell_px > 0:
                raise ValueError(f"cell_px must be positive, got {cell_px!r}")
            else:
                size = cell_px
            if (value or weight) and not forced:
                size = _legible_cell(matrix, size, value, weight, theme.font)
            needed = MIN_TEXT_PX / (CAPTION_EM * size)
            if needed <= text_scale * 1.01:
                break
            text_scale = needed * 1.02  # a little over, as the larger text shrinks the cells a little
        value_px, weight_px = _digits_px(size)  # as large as the cell allows; no smaller than legible...
        if (value or weight) and not numbers_fit(matrix, size, value, weight, theme.font, value_px, weight_px):
            floors = (0.0, 0.0) if forced else (VALUE_PX, WEIGHT_PX)  # ...unless the size was forced

            def sized(t: float) -> Tuple[float, float]:
                return max(floors[0], t * value_px), max(floors[1], t * weight_px)

            low, high = 0.0, 1.0
            for _ in range(14):
                mid = (low + high) / 2
                low, high = (mid, high) if numbers_fit(matrix, size, value, weight, theme.font, *sized(mid)) else (low, mid)
            value_px, weight_px = sized(max(low, 0.05))
        pixels_wide = int(math.ceil((xmax - xmin + margins) * size - 1e-6))
        pixels_high = int(math.ceil((ymax - ymin + margins) * size - 1e-6))
        return cls(lay, tuple(annotations), tuple(phases), (xmin, ymin, xmax, ymax), float(size), pixels_wide,
                   pixels_high, value_px, weight_px, line, text_scale)


def _cell_matrix(style: str) -> np.ndarray:
    """A cell's (column, row) → screen map (y up), without its offset."""
    from .layout import PAPER_SHEAR

    flip = np.diag([1.0, -1.0])
    return PAPER_SHEAR @ flip if style == "paper" else flip


def _legible_cell(matrix: np.ndarray, size: float, value: str, weight: str, font: str) -> float:
    """The smallest cell size from ``size`` up at which the numbers fit at their legible size."""
    if numbers_fit(matrix, size, value, weight, font):
        return size
    low, high = size, size * 2
    while not numbers_fit(matrix, high, value, weight, font) and high < 2000:
        low, high = high, high * 2
    for _ in range(20):
        mid = (low + high) / 2
        low, high = (low, mid) if numbers_fit(matrix, mid, value, weight, font) else (mid, high)
    return math.ceil(high * 100) / 100


def _arrangement(scene: Scene, style: str, theme: Theme, labels: bool, text_scale: float):
    """The layout, its texts at ``text_scale`` times their size, the bounds of it all (cell units),
    and the line an equation is written on (None without equations)."""
    widths = [_text_width(p.name, NAME_EM * text_scale, theme) for p in scene.planes] if labels else []
    room = (NAME_EM + 0.45) * text_scale if labels and scene.columns else 0.0
    lay = layout(scene.planes, style, widths, text_scale, scene.columns, room)
    annotations, phases, line = _annotations(scene, lay, style, theme, labels, text_scale)
    xmin, ymin, xmax, ymax = lay.bounds
    for vertices, _ in (*annotations, *phases):
        xmin, ymin = min(xmin, vertices[:, 0].min()), min(ymin, vertices[:, 1].min())
        xmax, ymax = max(xmax, vertices[:, 0].max()), max(ymax, vertices[:, 1].max())
    if line is not None:
        em = CAPTION_EM * text_scale
        ymin = min(ymin, line - _digit_height(theme.font) * em)
        if len(scene):  # room for the first step's equation: whole if a little widening does it, else cut
            equation = scene.step(0).equation
            room = max(xmax - xmin, EQUATION_ROOM)
            runs = _equation_runs(equation, room, em, theme) or [("", 0.0, 0.0, -1, False)]
            half = runs[-1][2] / 2
            middle = (xmin + xmax) / 2
            xmin, xmax = min(xmin, middle - half), max(xmax, middle + half)
    return lay, annotations, phases, (xmin, ymin, xmax, ymax), line


def _text_width(text: str, em: float, theme: Theme) -> float:
    x0, _, x1, _ = _glyphs(text, theme.font)[2]
    return (x1 - x0) * em


def _screen_text(text: str, em: float, anchor, theme: Theme, ha: str, va: str = "middle") -> Tuple[np.ndarray, np.ndarray]:
    """Upright text on screen, its (ha, va) point at ``anchor``: ha left/center/right, va top/middle/bottom."""
    vertices, codes, (gx0, gy0, gx1, gy1) = _glyphs(text, theme.font)
    dx = {"left": -gx0, "center": -(gx0 + gx1) / 2, "right": -gx1}[ha]
    dy = {"top": -gy1, "middle": -_digit_height(theme.font) / 2, "bottom": -gy0}[va]
    return np.asarray(anchor, dtype=float) + (vertices + [dx, dy]) * em, codes


def _annotations(scene: Scene, lay: Layout, style: str, theme: Theme, labels: bool, scale: float = 1.0):
    """Static texts (plane names and caption if ``labels``; ellipses always), the headings, and
    the line for equations, ``scale`` times their size, placed where they touch nothing."""
    name_em, caption_em = NAME_EM * scale, CAPTION_EM * scale
    above = style == "flat" or scene.columns  # names above their planes, notes in the gaps
    out = []
    for k, (plane, placement) in enumerate(zip(scene.planes, lay.placements)):
        corners = placement.corners()
        if plane.elided:  # the channels left out, between this plane and the one before
            text = f"… {plane.elided} more …"
            before = lay.placements[k - 1].corners()
            if above:  # in the gap between the two
                middle = (before.mean(axis=0) + corners.mean(axis=0)) / 2
                if scene.columns:
                    middle[1] = (before[:, 1].min() + corners[:, 1].max() + name_em + 0.45 * scale) / 2
                out.append(_screen_text(text, caption_em, middle, theme, "center"))
            else:  # in the names' column, between the two names
                left = (before[before[:, 0].argmin()] + corners[corners[:, 0].argmin()]) / 2
                out.append(_screen_text(text, caption_em, left - [0.35 * scale, 0], theme, "right"))
        if not labels or not plane.name:
            continue
        if above:
            top = [corners[:, 0].mean(), corners[:, 1].max() + 0.3 * scale]
            out.append(_screen_text(plane.name, name_em, top, theme, "center", "bottom"))
        elif plane.beside:  # above it: a long name to its right would widen the figure
            top = [corners[:, 0].mean(), corners[:, 1].max() + 0.3 * scale]
            out.append(_screen_text(plane.name, name_em, top, theme, "center", "bottom"))
        else:
            left = corners[corners[:, 0].argmin()]
            out.append(_screen_text(plane.name, name_em, left - [0.35 * scale, 0], theme, "right"))
    xmin, ymin, xmax, _ = lay.bounds
    line = ymin - 0.45 * scale
    phases = []
    if scene.phases:
        phases = [_screen_text(name, caption_em, [(xmin + xmax) / 2, line], theme, "center", "top") for name in scene.phases]
        line -= 0.8 * scale
    equation_line = None
    if scene.equations:
        equation_line = line - _digit_height(theme.font) * caption_em / 2
        line -= 0.8 * scale
    if labels and scene.caption:
        out.append(_screen_text(scene.caption, caption_em, [(xmin + xmax) / 2, line], theme, "center", "top"))
    return out, phases, equation_line


def _equation_runs(equation, width: float, em: float, theme: Theme):
    """The equation as runs (text, x0, x1, tint, strong) from x = 0, its middle terms replaced by
    "…" until it is at most ``width`` wide (or as short as it can be)."""
    if equation is None:
        return []
    terms = list(equation.terms)

    def runs(keep_first: int, keep_last: int):
        shown = list(enumerate(terms))
        if keep_first + keep_last < len(terms):
            shown = shown[:keep_first] + [(-1, None)] + shown[len(terms) - keep_last:]
        pieces = [(f"{equation.head} {equation.open}", -1, False)]
        for n, (k, term) in enumerate(shown):
            if n:
                pieces.append((equation.joiner, -1, False))
            pieces.append(("…", -1, False) if term is None else (term.text, term.tint, term.strong))
        pieces.append((f"{equation.close} {equation.result}", -1, False))
        out, x = [], 0.0
        for text, tint, strong in pieces:
            if not text:
                continue
            advance = _advance(text, theme.font, strong) * em
            out.append((text, x, x + advance, tint, strong))
            x += advance
        return out

    full = runs(len(terms), 0)
    if full[-1][2] <= width:
        return full
    for keep in range(len(terms) - 1, 1, -1):  # the first terms and the last, as many as fit
        first, last = (keep + 1) // 2, keep // 2
        attempt = runs(first, last)
        if attempt[-1][2] <= width:
            return attempt
    return runs(1, 1)


@lru_cache(maxsize=4096)
def _advance(text: str, font: str, bold: bool = False) -> float:
    """How far ``text`` moves the pen, in em (spaces included)."""
    from matplotlib.textpath import TextToPath

    width, _, _ = TextToPath().get_text_width_height_descent(
        text, FontProperties(family=font, weight="bold" if bold else "normal", size=TextToPath.FONT_SCALE), ismath=False)
    return width / TextToPath.FONT_SCALE


def kind_colours(theme: Theme, plane: Plane) -> dict:
    """The colour of each kind of cell on ``plane``: its channel's hue where it has one."""
    tint = plane.tint
    data = theme.hue(tint) if tint >= 0 else theme.input
    result = theme.hue(tint) if tint >= 0 else theme.output
    return {Cell.DATA: data, Cell.RESULT: result, Cell.WEIGHT: theme.tinted_kernel(tint), Cell.PENDING: theme.padding}


def solid_colours(scene: Scene, theme: Theme) -> Tuple[RGB, ...]:
    """Every flat colour the scene's frames can contain before antialiasing: what an indexed
    format's palette must hold (channel hues included, only where a plane takes one)."""
    bases = [theme.background, theme.padding]
    for plane in scene.planes:
        colours = kind_colours(theme, plane)
        kinds = {Cell(v) for v in np.unique(plane.grid.kinds)}
        if Cell.PENDING in kinds:
            kinds.add(Cell.RESULT)  # it fills in
        bases += [colours[kind] for kind in kinds if kind in colours]
        if plane.levels is not None:
            bases += [theme.heat(level) for level in np.unique(plane.levels)]
        if plane.distinct_zeros and Cell.ZERO in kinds:
            bases.append(theme.heat(ZERO_TINT))
    links = [theme.tinted_link(plane.tint) for plane in scene.planes] + [theme.link]
    chips = [theme.kernel_fill]  # under the weights, above any highlight
    colours = [*bases, theme.line, *links, theme.text, theme.mark, *(theme.over(b) for b in bases), *chips]
    return tuple(dict.fromkeys(tuple(int(v) for v in c) for c in colours))


class _Sheet:
    """What the renderer needs of an Axes, without an Axes' ticks, spines and limits (which take
    longer to make than a frame to draw): collections on the figure itself, drawn through one
    map from cell units to pixels."""

    def __init__(self, figure: Figure, x0: float, y0: float, cell_px: float):
        self.figure = figure
        self.transData = Affine2D().translate(-x0, -y0).scale(cell_px)
        self.collections: List[object] = []

    def add_collection(self, artist, autolim: bool = False):
        artist.set_transform(self.transData)
        self.figure.add_artist(artist)
        self.collections.append(artist)

        def remove(a) -> None:
            self.figure.artists.remove(a)
            self.collections.remove(a)

        artist._remove_method = remove
        return artist

    def draw_artist(self, artist) -> None:
        self.figure.draw_artist(artist)


class Renderer:
    """Renders the frames of one scene; build it once, then ask for frames in any order."""

    def __init__(
        self,
        scene: Scene,
        style: str = "paper",
        theme: Theme = PAPER,
        cell_px: Optional[float] = None,
        labels: bool = False,
        geometry: Optional[Geometry] = None,
        antialias: bool = True,
        transparent: bool = False,
    ):
        self.scene = scene
        self.theme = theme
        self.style = style
        geometry = geometry or Geometry.of(scene, style, theme, cell_px, labels)
        self.geometry = geometry
        self.layout = geometry.layout
        self.width, self.height, self.cell_px = geometry.width, geometry.height, geometry.cell_px
        self._px = geometry.cell_px / PAPER_CELL_PX  # stroke scale relative to the paper
        self._crisp = not antialias
        self._pt = 72.0 / _DPI  # points per pixel

        self.transparent = transparent
        face = _rgba(theme.background, 0.0 if transparent else 1.0)
        self.figure = Figure(figsize=(self.width / _DPI, self.height / _DPI), dpi=_DPI, facecolor=face)
        self.canvas = FigureCanvasAgg(self.figure)
        xmin, ymin, _, _ = geometry.bounds
        margin = MARGIN_PX / PAPER_CELL_PX
        self.axes = _Sheet(self.figure, xmin - margin, ymin - margin, self.cell_px)

        for k, placement in enumerate(self.layout.placements):
            self._draw_plane(k, placement)
        static = []
        for k, plane in enumerate(scene.planes):
            if plane.text is not None:
                cells = [(r, c) for r, c in np.ndindex(*plane.text.shape) if plane.text[r, c]]
                static += [Label(k, cell, plane.text[cell]) for cell in cells]
        self._add_text(static)
        self._static_boxes = self._text_boxes(static)  # no link crosses a digit
        self._baked_boxes = np.empty((0, 4))
        self._revealed: dict = {}
        if geometry.annotations:
            self.axes.add_collection(self._text_collection(geometry.annotations), autolim=False)
        self._painted: dict = {}
        self._moving = self._moving_artists()
        for artist in self.axes.collections:  # crisp shapes: flat colours, a GIF about 40 % smaller
            if not isinstance(artist, PathCollection):  # text (glyph paths) keeps smooth edges
                # Twice: a one-entry setting lets a one-path collection (a one-cell highlight)
                # take matplotlib's draw_markers shortcut, which antialiases regardless, snaps
                # the shape to whole pixels and, here, draws at half the speed.
                artist.set_antialiased([antialias, antialias])
        self.canvas.draw()
        self._pristine = self.canvas.copy_from_bbox(self.figure.bbox)
        self._background = self._pristine
        self._baked = 0  # the reveals of steps before this one are in the background
        self._last: Optional[Step] = None
        self._last_box: Optional[Tuple[int, int, int, int]] = None
        self.changed: Optional[Tuple[int, int, int, int]] = None

    # ---- static ---------------------------------------------------------------------

    def _stroke(self, px: float) -> float:
        """A stroke width in points. Without antialiasing, Agg fills every pixel a stroke touches,
        so a stroke under a pixel wide is drawn as thin as Agg draws (one or two pixels a row),
        and a wider one a whole number of pixels."""
        width = px * self._px
        if self._crisp:
            width = 0.45 if width < 1.0 else math.floor(width + 0.25)
        return width * self._pt

    def _kind_colours(self, plane: int) -> dict:
        return kind_colours(self.theme, self.scene.planes[plane])

    def _cell_colours(self, plane: int, cells: Sequence[Tuple[int, int]]) -> List[tuple]:
        """The colour each cell is drawn in, before any highlight."""
        p = self.scene.planes[plane]
        if p.levels is not None:
            return [_rgba(self.theme.heat(p.levels[cell])) for cell in cells]
        by_kind = self._kind_colours(plane)
        return [_rgba(by_kind.get(Cell(p.grid.kinds[cell]), self.theme.padding)) for cell in cells]

    @property
    def solid_colours(self) -> Tuple[RGB, ...]:
        return solid_colours(self.scene, self.theme)

    def _filled(self, label: Label) -> tuple:
        """The colour a ``fill`` reveal paints its cell: a heatmap level, or the plane's result colour."""
        if label.level is not None:
            return _rgba(self.theme.heat(label.level))
        return _rgba(self._kind_colours(label.plane)[Cell.RESULT])

    def _draw_plane(self, plane: int, placement: Placement) -> None:
        kinds, levels = self.scene.planes[plane].grid.kinds, self.scene.planes[plane].levels
        theme, ax = self.theme, self.axes
        h, w = kinds.shape
        if levels is not None:  # a heatmap: every cell the colour of its level
            cells = np.argwhere(np.ones_like(kinds, dtype=bool))
            ax.add_collection(PolyCollection(
                placement.cells(cells), facecolors=[_rgba(theme.heat(levels[r, c])) for r, c in cells],
                edgecolors=[_rgba(theme.line)], linewidths=self._stroke(theme.line_px), joinstyle="miter",
            ))
            return
        blank = np.argwhere((kinds == Cell.PADDING) | (kinds == Cell.ZERO))
        if self.scene.planes[plane].distinct_zeros and (kinds == Cell.ZERO).any():
            self._draw_zeros_apart(kinds, placement)
        elif len(blank):  # the paper's look: padding and inserted zeros alike, blank and dashed
            ax.add_collection(PolyCollection(placement.cells(blank), facecolors=[_rgba(theme.padding)], linewidths=0))
            lw = self._stroke(theme.line_px)
            dash = self._stroke(theme.dash_px) / lw  # matplotlib scales dashes by the line width
            grid = [((0, r), (w, r)) for r in range(h + 1)] + [((c, 0), (c, h)) for c in range(w + 1)]
            ax.add_collection(
                LineCollection(
                    [placement.to_screen(np.array(seg, dtype=float)) for seg in grid],
                    colors=[_rgba(theme.line)],
                    linewidths=lw,
                    linestyles=[(0, (dash, dash))],
                    capstyle="butt",
                )
            )
        colours = self._kind_colours(plane)
        for kind in (Cell.DATA, Cell.RESULT, Cell.WEIGHT, Cell.PENDING):
            colour = colours[kind]
            cells = np.argwhere(kinds == kind)
            if len(cells):
                ax.add_collection(
                    PolyCollection(
                        placement.cells(cells),
                        facecolors=[_rgba(colour)],
                        edgecolors=[_rgba(theme.line)],
                        linewidths=self._stroke(theme.line_px),
                        joinstyle="miter",
                    )
                )

    def _draw_zeros_apart(self, kinds: np.ndarray, placement: Placement) -> None:
        """Padding as the paper draws it, blank with dashed outlines; the zeros a stride inserts
        between input cells in a light tint of the input colour, with dotted outlines. An edge
        is dashed if it borders padding, dotted if it borders only zeros (and data, whose solid
        outline is drawn over it); each run of like edges along a grid line is one stroke."""
        theme, ax = self.theme, self.axes
        h, w = kinds.shape
        for kind, colour in ((Cell.PADDING, theme.padding), (Cell.ZERO, theme.heat(ZERO_TINT))):
            cells = np.argwhere(kinds == kind)
            if len(cells):
                ax.add_collection(PolyCollection(placement.cells(cells), facecolors=[_rgba(colour)], linewidths=0))
        padding, zero = np.pad(kinds == Cell.PADDING, 1), np.pad(kinds == Cell.ZERO, 1)  # a border of neither

        def style(a, b) -> np.ndarray:  # per edge between cells a and b: 1 dashed, 2 dotted, 0 neither
            return np.where(padding[a] | padding[b], 1, np.where(zero[a] | zero[b], 2, 0))

        runs: dict = {1: [], 2: []}
        lines = [(style((r, slice(1, -1)), (r + 1, slice(1, -1))), lambda a, b, r=r: ((a, r), (b, r))) for r in range(h + 1)]
        lines += [(style((slice(1, -1), c), (slice(1, -1), c + 1)), lambda a, b, c=c: ((c, a), (c, b))) for c in range(w + 1)]
        for kinds_along, segment in lines:
            start = 0
            for n in range(1, len(kinds_along) + 1):
                if n == len(kinds_along) or kinds_along[n] != kinds_along[start]:
                    if kinds_along[start]:
                        runs[int(kinds_along[start])].append(placement.to_screen(np.array(segment(start, n), dtype=float)))
                    start = n
        lw = self._stroke(theme.line_px)
        dash = self._stroke(theme.dash_px) / lw  # matplotlib scales dashes by the line width
        for kind, pattern in ((1, (0, (dash, dash))), (2, (0, ZERO_DOTS))):
            if runs[kind]:
                ax.add_collection(LineCollection(runs[kind], colors=[_rgba(theme.line)], linewidths=lw,
                                                 linestyles=[pattern], capstyle="butt"))

    # ---- text -----------------------------------------------------------------------

    def _label_outline(self, label: Label) -> Tuple[np.ndarray, np.ndarray]:
        """Screen-space outline of a cell label, upright: a value centred, a weight in the
        bottom-right corner, each as large as ``Geometry`` made room for."""
        font = self.theme.font
        vertices, codes, (gx0, _, gx1, _) = _glyphs(label.text, font)
        r, c = label.cell
        weight = label.kind == "weight"
        px = self.geometry.weight_px if weight else self.geometry.value_px
        em = px / _digit_height(font) / self.cell_px
        ax, ay = WEIGHT_AT if weight else VALUE_BY_WEIGHT_AT if self.scene.planes[label.plane].weights else (0.5, 0.5)
        anchor = self.layout.placements[label.plane].to_screen(np.array([c + ax, r + ay]))
        offset = np.array([(gx0 + gx1) / 2, _digit_height(font) / 2])
        return anchor + (vertices - offset) * em, codes

    def _text_boxes(self, labels: Sequence[Label], outlines: Optional[Sequence] = None) -> np.ndarray:
        """(n, 4) screen boxes (x0, y0, x1, y1) around the labels' digits, with a gap for lines
        (``outlines``: the labels' outlines, if already made)."""
        labels = [label for label in labels if label.kind != "fill"]
        if not labels:
            return np.empty((0, 4))
        if outlines is None:
            outlines = [self._label_outline(label) for label in labels]
        boxes = []
        for label, (vertices, _) in zip(labels, outlines):
            gap = (LINK_GAP_PX + (WEIGHT_PAD_PX if label.kind == "weight" else 0.0)) / self.cell_px
            boxes.append([*(vertices.min(axis=0) - gap), *(vertices.max(axis=0) + gap)])
        return np.array(boxes).reshape(-1, 4)

    def _text_collection(self, outlines: Iterable[Tuple[np.ndarray, np.ndarray]], animated: bool = False) -> PathCollection:
        paths = [Path(v, c) for v, c in outlines]
        collection = PathCollection(paths, facecolors=[_rgba(self.theme.text)], linewidths=0, animated=animated)
        collection.set_antialiased(True)
        collection.set_transform(self.axes.transData)
        collection.set_offset_transform(IdentityTransform())
        return collection

    def _add_text(self, labels: Sequence[Label]) -> None:
        labels = [label for label in labels if label.kind != "fill"]
        if labels:
            self.axes.add_collection(self._text_collection(map(self._label_outline, labels)), autolim=False)

    # ---- moving ---------------------------------------------------------------------

    def _moving_artists(self) -> List[object]:
        theme = self.theme
        n = len(self.scene.planes)
        self._highlights = [
            PolyCollection(
                [],
                facecolors=[_rgba(theme.highlight, theme.highlight_alpha)],
                edgecolors=[_rgba(theme.line)],
                linewidths=self._stroke(theme.line_px),
                joinstyle="miter",
                animated=True,
            )
            for _ in range(n)
        ]
        self._marks = [
            PolyCollection(
                [], facecolors="none", edgecolors=[_rgba(theme.mark)], linewidths=self._stroke(theme.mark_px),
                joinstyle="miter", animated=True,
            )
            for _ in range(n)
        ]
        self._links = LineCollection(
            [], colors=[_rgba(theme.link)], linewidths=self._stroke(theme.link_px), animated=True
        )
        self._labels = self._text_collection([], animated=True)
        self._erasers = PolyCollection([], linewidths=0, animated=True)
        self._fills = self._fill_collection([], [], animated=True)
        self._chips = PolyCollection([], facecolors=[_rgba(theme.kernel_fill)], linewidths=0, animated=True)
        for artist in (self._erasers, self._fills, *self._highlights, *self._marks, self._links, self._chips):
            self.axes.add_collection(artist, autolim=False)
        self.axes.add_collection(self._labels, autolim=False)
        # Erasers clear the cells whose values change and fills paint the cells computed; links
        # run above their source plane and below every later one; text goes on top. (The
        # z-order says the same to a vector backend.)
        moving = [self._erasers, self._fills, self._highlights[0], self._links, *self._highlights[1:], *self._marks,
                  self._chips, self._labels]
        for n, artist in enumerate(moving):
            artist.set_zorder(3 + n / 100)
        return moving

    def _fill_collection(self, polygons, colours, animated: bool = False) -> PolyCollection:
        return PolyCollection(
            polygons, facecolors=colours or [(0, 0, 0, 0)], edgecolors=[_rgba(self.theme.line)],
            linewidths=self._stroke(self.theme.line_px), joinstyle="miter", animated=animated,
            antialiaseds=[not self._crisp] * 2,
        )

    def _fill_shapes(self, labels: Sequence[Label]) -> Tuple[List[np.ndarray], List[tuple]]:
        """The cells that ``fill`` reveals paint, and their colours."""
        fills = [label for label in labels if label.kind == "fill"]
        polygons = [self.layout.placements[label.plane].cells(np.array([label.cell]))[0] for label in fills]
        return polygons, [self._filled(label) for label in fills]

    def _eraser_shapes(self, labels: Sequence[Label]) -> Tuple[List[np.ndarray], List[tuple]]:
        """Cell interiors, in the cells' own colours, under the values that replace earlier ones."""
        replaced = [label for label in labels if label.replace]
        if not replaced:
            return [], []
        inset = (self.theme.line_px * self._px / 2 + 1.0) / self.cell_px
        polygons = []
        for label in replaced:
            r, c = label.cell
            square = np.array([[c + inset, r + inset], [c + 1 - inset, r + inset], [c + 1 - inset, r + 1 - inset], [c + inset, r + 1 - inset]])
            polygons.append(self.layout.placements[label.plane].to_screen(square))
        colours = [colour for label in replaced for colour in self._cell_colours(label.plane, [label.cell])]
        return polygons, colours

    def _update(self, step: Step) -> np.ndarray:
        """Point the moving artists at ``step``; returns every screen point they cover, (n, 2)."""
        points = []

        def show(artist, shapes, setter):
            artist.set_visible(len(shapes) > 0)  # an invisible artist costs nothing to draw
            setter(shapes)
            points.extend(np.asarray(shape).reshape(-1, 2) for shape in shapes)

        for artist, cells, placement in zip(self._highlights, step.highlights, self.layout.placements):
            show(artist, placement.cells(cells), artist.set_verts)
        for k, artist in enumerate(self._marks):
            cells = step.marks[k] if k < len(step.marks) else np.empty((0, 2))
            polygons = self.layout.placements[k].cells(cells)
            if len(polygons):  # an inset square, inside the cell's outline
                centre = polygons.mean(axis=1, keepdims=True)
                polygons = centre + (polygons - centre) * 0.72
            show(artist, polygons, artist.set_verts)
        texts = [label for label in (*step.labels, *step.reveals) if label.kind != "fill"]
        outlines = [self._label_outline(label) for label in texts]  # once: for the cuts and for the ink
        segments, colours = self.link_segments(step, texts, outlines)
        self._paint(self._links, "set_colors", colours or [_rgba(self.theme.link)])
        show(self._links, segments, self._links.set_segments)
        erase, colours = self._eraser_shapes(step.reveals)
        self._paint(self._erasers, "set_facecolors", colours or [(0, 0, 0, 0)])
        show(self._erasers, erase, self._erasers.set_verts)
        fills, colours = self._fill_shapes(step.reveals)
        self._paint(self._fills, "set_facecolors", colours or [(0, 0, 0, 0)])
        show(self._fills, fills, self._fills.set_verts)
        chips = [_chip(v, WEIGHT_PAD_PX / self.cell_px) for (v, _), label in zip(outlines, texts) if label.kind == "weight"]
        show(self._chips, chips, self._chips.set_verts)
        inks = [_rgba(self.theme.text)] * len(outlines)
        if self.geometry.phases:
            outlines.append(self.geometry.phases[step.phase])
            inks.append(_rgba(self.theme.text))
        for vertices, codes, ink in self._equation_outlines(step.equation):
            outlines.append((vertices, codes))
            inks.append(ink)
        self._paint(self._labels, "set_facecolors", inks or [_rgba(self.theme.text)])
        show(self._labels, [v for v, _ in outlines], lambda _: self._labels.set_paths([Path(v, c) for v, c in outlines]))
        return np.concatenate(points) if points else np.empty((0, 2))

    def _paint(self, artist, setter: str, colours: List[tuple]) -> None:
        """Set an artist's colours, only when they change (matplotlib parses them every time)."""
        key = (id(artist), setter)
        if self._painted.get(key) != colours:
            getattr(artist, setter)(colours)
            self._painted[key] = colours

    def link_segments(self, step: Step, texts: Sequence[Label] = (), outlines: Optional[Sequence] = None,
                      ) -> Tuple[List[np.ndarray], List[tuple]]:
        """The step's connector lines as drawn, (2, 2) screen segments and their colours: hidden
        where they pass below a plane, and cut where they would cross a number (``texts``, the
        step's own, with their ``outlines`` if already made)."""
        if not step.links or not self.layout.draws_links:
            return [], []
        boxes = np.concatenate([self._static_boxes, self._baked_boxes, self._text_boxes(texts, outlines)])
        segments, colours = [], []
        for link in step.links:
            colour = _rgba(self.theme.tinted_link(link.tint))
            pieces = self.layout.link_segments(link.source, link.source_box, link.target, link.target_box, link.wire)
            for piece in _cut(pieces, boxes):
                segments.append(piece)
                colours.append(colour)
        return segments, colours

    def _equation_outlines(self, equation) -> List[Tuple[np.ndarray, np.ndarray, tuple]]:
        """The equation's glyphs on its line, centred, middle terms elided to fit the image; each
        run in its ink (a channel's hue, the mark colour for the emphasised term)."""
        if equation is None or self.geometry.equation_line is None:
            return []
        xmin, _, xmax, _ = self.geometry.bounds
        em = CAPTION_EM * self.geometry.text_scale
        runs = _equation_runs(equation, xmax - xmin, em, self.theme)
        if not runs:
            return []
        left = (xmin + xmax) / 2 - runs[-1][2] / 2
        middle = _digit_height(self.theme.font) / 2
        out = []
        for text, x0, _, tint, strong in runs:
            vertices, codes, _ = _glyphs(text, self.theme.font, strong)
            ink = self.theme.mark if strong else self.theme.tinted_link(tint) if tint >= 0 else self.theme.text
            origin = np.array([left + x0, self.geometry.equation_line - middle * em])
            out.append((origin + vertices * em, codes, _rgba(ink)))
        return out

    def _pixel_box(self, points: np.ndarray) -> Optional[Tuple[int, int, int, int]]:
        """(x0, y0, x1, y1) pixels from the top-left covering ``points`` and their strokes, or None."""
        if not len(points):
            return None
        display = self.axes.transData.transform(points)
        pad = 3 + math.ceil(max(self.theme.line_px, self.theme.mark_px) * self._px)
        x0, x1 = display[:, 0].min() - pad, display[:, 0].max() + pad
        y0, y1 = self.height - display[:, 1].max() - pad, self.height - display[:, 1].min() + pad
        x0, y0 = max(0, math.floor(x0)), max(0, math.floor(y0))
        x1, y1 = min(self.width, math.ceil(x1)), min(self.height, math.ceil(y1))
        return (x0, y0, x1, y1) if x1 > x0 and y1 > y0 else None

    def _bake_until(self, index: int) -> bool:
        """Make the background hold the reveals of every step before ``index``.

        True if it changed outside the region of the last frame (a jump, not the next step).
        """
        if index == self._baked:
            return False
        jumped = index != self._baked + 1 or self._last is None or self._last.index != self._baked
        if index < self._baked:
            self._background, self._baked = self._pristine, 0
            self._revealed = {}
        last = self._last
        steps = (last if last is not None and last.index == i else self.scene.step(i) for i in range(self._baked, index))
        latest = {}  # when several steps are baked at once, a cell keeps its last value only
        for step in steps:
            for label in step.reveals:
                latest.pop((label.plane, label.cell, label.kind), None)
                latest[(label.plane, label.cell, label.kind)] = label
        if latest:
            repaint = any(key in self._revealed for key in latest)
            for key, label in latest.items():
                self._revealed.pop(key, None)
                self._revealed[key] = label
            if repaint:  # a cell drawn again: from the pristine background, as a fresh renderer would
                self._background = self._pristine
                latest = dict(self._revealed)
                jumped = True  # the whole background was drawn anew
            self.canvas.restore_region(self._background)
            reveals = list(latest.values())
            erase, colours = self._eraser_shapes(reveals)
            texts = [label for label in reveals if label.kind != "fill"]
            artists = [self._text_collection(map(self._label_outline, texts), animated=True)]
            fills, fill_colours = self._fill_shapes(reveals)
            if fills:
                artists.insert(0, self._fill_collection(fills, fill_colours, animated=True))
            if erase:
                fill = PolyCollection(erase, facecolors=colours, linewidths=0, antialiaseds=[not self._crisp] * 2, animated=True)
                artists.insert(0, fill)
            self._baked_boxes = self._text_boxes([label for label in self._revealed.values() if label.kind != "fill"])
            for artist in artists:
                self.axes.add_collection(artist, autolim=False)
                self.axes.draw_artist(artist)
                artist.remove()
            self._background = self.canvas.copy_from_bbox(self.figure.bbox)
        self._baked = index
        return jumped

    def pixels(self, plane: int, xy: np.ndarray) -> np.ndarray:
        """Where plane points (x, y) = (column, row) land in a frame, as (x, y) pixels from the top-left."""
        screen = self.layout.placements[plane].to_screen(np.asarray(xy, dtype=float))
        display = self.axes.transData.transform(screen.reshape(-1, 2))
        return np.column_stack([display[:, 0], self.height - display[:, 1]]).reshape(np.shape(screen))

    def _draw(self, step: Optional[Step | int]) -> np.ndarray:
        """Draw a frame; returns a view of the canvas's RGBA buffer, valid until the next draw.

        Only the region that moved since the last frame is restored and redrawn; ``self.changed``
        is that region (x0, y0, x1, y1) in pixels from the top-left, or None if nothing moved.
        """
        if not isinstance(step, Step):
            step = self.scene.step(int(step or 0))
        rebaked = self._bake_until(step.index)
        box = self._pixel_box(self._update(step))
        if self._last is None or rebaked:
            changed = (0, 0, self.width, self.height)
        else:
            changed = _union(box, self._last_box)
        if changed is not None:
            x0, y0, x1, y1 = changed
            # Agg takes this box from the top-left, both ends included, placed at the saved origin.
            self.canvas.restore_region(self._background, bbox=(x0, y0, x1 - 1, y1 - 1), xy=(0, 0))
            for artist in self._moving:
                if artist.get_visible():  # most frames move only a few of them
                    self.axes.draw_artist(artist)
        self._last, self._last_box, self.changed = step, box, changed
        return np.asarray(self.canvas.buffer_rgba())

    def frame(self, step: Optional[Step | int] = 0) -> np.ndarray:
        """One frame as an (H, W, 3) uint8 RGB array."""
        return self._draw(step)[:, :, :3].copy()

    def vector_states(self) -> Iterator:
        """For each frame, a context manager in which the figure shows that frame with every
        artist a vector backend draws: the moving ones, and the values revealed so far."""
        latest: dict = {}
        for step in self.scene:
            yield self._vector_state(step, list(latest.values()))
            for label in step.reveals:
                latest.pop((label.plane, label.cell, label.kind), None)
                latest[(label.plane, label.cell, label.kind)] = label

    @contextmanager
    def _vector_state(self, step: Step, revealed: List[Label]) -> Iterator[None]:
        texts = [label for label in revealed if label.kind != "fill"]
        self._baked_boxes = self._text_boxes(texts)
        self._update(step)
        extra = []
        erase, colours = self._eraser_shapes(revealed)
        if erase:
            extra.append(PolyCollection(erase, facecolors=colours, linewidths=0, zorder=2))
        fills, fill_colours = self._fill_shapes(revealed)
        if fills:
            collection = self._fill_collection(fills, fill_colours)
            collection.set_zorder(2.2)
            extra.append(collection)
        if texts:
            text = self._text_collection(map(self._label_outline, texts))
            text.set_zorder(2.5)
            extra.append(text)
        for artist in extra:
            self.axes.add_collection(artist, autolim=False)
        for artist in self._moving:
            artist.set_animated(False)
        try:
            yield
        finally:
            for artist in self._moving:
                artist.set_animated(True)
            for artist in extra:
                artist.remove()

    def stream(self) -> Iterator[Tuple[np.ndarray, Optional[Tuple[int, int, int, int]]]]:
        """Every frame in order as (RGBA view, changed box): the view is overwritten by the next frame."""
        for step in self.scene:
            buffer = self._draw(step)
            yield buffer, self.changed

    def frames(self, rgba: bool = False) -> Iterator[np.ndarray]:
        """Every frame in order: (H, W, 3) RGB arrays, or (H, W, 4) RGBA ones (cheaper to copy)."""
        for step in self.scene:
            buffer = self._draw(step)
            yield buffer.copy() if rgba else buffer[:, :, :3].copy()
