"""How large a figure is drawn: cells at the paper's scale, grown until their numbers fit and are
legible, shrunk to fit a page; room for the names, the caption and the equation strip."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Optional, Sequence, Tuple

import numpy as np

from ..core.errors import SpecError
from ..scene.model import Scene
from .layout import Layout, layout
from .text import (CAPTION_EM, EDGE_GAP_PX, NAME_EM, SHEARED_WEIGHT_PX, TEXT_GAP_PX, VALUE_BY_WEIGHT_AT, VALUE_PX,
                   WEIGHT_AT, WEIGHT_PAD_PX, WEIGHT_PX, Outline, digit_height, digits_px, equation_runs, glyphs,
                   screen_lines, screen_text, text_box, text_width, wrapped)
from .theme import PAPER, Theme


PAPER_CELL_PX = 29.6  # the paper's cells: 0.5 cm at the resolution of its GIFs


MARGIN_PX = 21.0  # the standalone class's 10 pt border at that resolution


EQUATION_ROOM = 20.0  # cells: a figure narrower than this widens to write its equation whole
LINE_PITCH = 1.3  # ems from a wrapped line's baseline to the next's


MIN_TEXT_PX = 11.0  # names and captions stay legible however small the cells...


TEXT_SHARE = 0.013  # ...and no smaller than this share of the image's longer side (13 px at 1000), up to the paper's size


FIT_WIDTH_PX = 1000.0  # a large grid shrinks its cells to stay about this wide...


FIT_SIDE_PX = 1000.0  # ...and a tall stack of planes about this high...


MIN_CELL_PX = 4.0  # ...down to this


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


def legible_px(matrix: np.ndarray) -> Tuple[float, float]:
    """The smallest digits of a value and of a weight in a cell drawn through ``matrix``: in an
    isometric (sheared) cell, a weight as large as a value."""
    sheared = not np.allclose(matrix, np.diag([1.0, -1.0]))
    return VALUE_PX, SHEARED_WEIGHT_PX if sheared else WEIGHT_PX


def numbers_fit(matrix: np.ndarray, cell_px: float, value: str, weight: str, font: str,
                value_px: Optional[float] = None, weight_px: Optional[float] = None) -> bool:
    """Whether the widest ``value`` (centred) and ``weight`` (in the corner) fit one cell drawn
    through ``matrix`` at ``cell_px``, their digits so many pixels high (default: legible),
    apart and clear of its edges."""
    floors = legible_px(matrix)
    value_px = floors[0] if value_px is None else value_px
    weight_px = floors[1] if weight_px is None else weight_px
    square = np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]])
    polygon = square @ matrix.T
    digit = digit_height(font)
    margin = EDGE_GAP_PX / cell_px
    boxes = []
    if value:
        at = VALUE_BY_WEIGHT_AT if weight else (0.5, 0.5)
        boxes.append(text_box(value, font, value_px / digit / cell_px, matrix @ np.array(at)))
    if weight:
        pad = WEIGHT_PAD_PX / cell_px
        boxes.append(text_box(weight, font, weight_px / digit / cell_px, matrix @ np.array(WEIGHT_AT)) + [-pad, -pad, pad, pad])
    if not all(_inside(b, polygon, margin) for b in boxes):
        return False
    if len(boxes) == 2:
        a, b = boxes
        gap = TEXT_GAP_PX / cell_px
        if not (a[2] + gap <= b[0] or b[2] + gap <= a[0] or a[3] + gap <= b[1] or b[3] + gap <= a[1]):
            return False
    return True


def _drawn_widest(texts: Sequence[str], font: str) -> str:
    """Of ``texts``, the one whose ink is widest in ``font``."""
    return max(texts, key=lambda t: glyphs(t, font)[2][2] - glyphs(t, font)[2][0], default="")


def _widest(scene: Scene, font: str) -> Tuple[str, str]:
    """The widest value and weight the scene writes in its cells (of the candidates it names)."""
    if scene.widest is not None:
        value, weight = ((t,) if isinstance(t, str) else t for t in scene.widest)
        return _drawn_widest(value, font), _drawn_widest(weight, font)
    texts = [t for p in scene.planes if p.text is not None for t in p.text.ravel() if t]
    return _drawn_widest(texts, font), ""


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
        width: Optional[float] = None, crowding: bool = True, wrap: bool = False,
    ) -> "Geometry":
        """``cell_px`` None: the paper's cell size, shrunk so that a large grid stays about ``fit_width``
        wide and within ``max_size`` on a side; or the size that makes the image ``width`` px wide.

        Names, captions and notes never shrink below ``MIN_TEXT_PX``: where the cells are small,
        they are laid out larger in cell units, and the cells fitted again. Cells with numbers
        grow until their widest value and weight fit at a legible size. A ``width`` too narrow for
        the names (``crowding``: checked) is refused with the width that holds them.
        """
        text_scale = 1.0
        style = "flat" if scene.flat else style
        value, weight = _widest(scene, theme.font)
        matrix = _cell_matrix(style)
        forced = width is not None or cell_px is not None
        for _ in range(6):
            lay, annotations, phases, (xmin, ymin, xmax, ymax), line = _arrangement(scene, style, theme, labels, text_scale,
                                                                                     wrap)
            matrix = lay.placements[0].matrix  # as the cells are drawn: strips stand upright in either style
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
            side = max(xmax - xmin + margins, ymax - ymin + margins) * size  # the image's longer side, px
            needed = max(MIN_TEXT_PX, min(TEXT_SHARE * side, CAPTION_EM * PAPER_CELL_PX)) / (CAPTION_EM * size)
            if needed <= text_scale * 1.01:
                break
            text_scale = needed * 1.02  # a little over, as the larger text shrinks the cells a little
        if (value or weight) and width is not None and not numbers_fit(matrix, size, value, weight, theme.font):
            legible = _legible_cell(matrix, size, value, weight, theme.font)  # the width that is: at this cell size
            fitting = cls.of(scene, style, theme, legible, labels)
            _refuse_width(width, size, (fitting.width, fitting.height), bool(weight), max_size)
        value_px, weight_px = (float(v) for v in np.maximum(digits_px(size), legible_px(matrix)))  # as large as the cell allows...
        if (value or weight) and not numbers_fit(matrix, size, value, weight, theme.font, value_px, weight_px):
            floors = (0.0, 0.0) if forced else legible_px(matrix)  # ...no smaller than legible, unless the size was forced

            def sized(t: float) -> Tuple[float, float]:
                return max(floors[0], t * value_px), max(floors[1], t * weight_px)

            low, high = 0.0, 1.0
            for _ in range(14):
                mid = (low + high) / 2
                low, high = (mid, high) if numbers_fit(matrix, size, value, weight, theme.font, *sized(mid)) else (low, mid)
            value_px, weight_px = sized(max(low, 0.05))
        pixels_wide = int(math.ceil((xmax - xmin + margins) * size - 1e-6))
        pixels_high = int(math.ceil((ymax - ymin + margins) * size - 1e-6))
        geometry = cls(lay, tuple(annotations), tuple(phases), (xmin, ymin, xmax, ymax), float(size), pixels_wide,
                       pixels_high, value_px, weight_px, line, text_scale)
        if width is None or not crowding or not (geometry.crowded or pixels_wide > math.ceil(width) + 1):
            return geometry

        def at(w: float, wrap: bool = True) -> "Geometry":
            return cls.of(scene, style, theme, None, labels, fit_width, max_size, w, False, wrap)

        wrapped = at(width)  # headings and caption in lines as wide as the planes, before a refusal
        if not wrapped.crowded and wrapped.width <= math.ceil(width) + 1:
            return wrapped
        if geometry.crowded:
            _refuse_crowded(width, at, max_size)
        _refuse_overflow(width, at, max_size)
        return geometry

    @property
    def crowded(self) -> bool:
        """Whether a name or caption overlaps another, or a plane it does not label: names never
        shrink below a legible size, so a narrow figure can run out of room for them."""
        boxes = [_outline_box(outline) for outline in (*self.annotations, *self.phases)]
        fixed = len(self.annotations)
        for i, a in enumerate(boxes[:fixed]):
            if any(_boxes_meet(a, b) for b in boxes[i + 1:]):
                return True
        planes = [placement.corners() for placement in self.layout.placements]
        return any(_polygon_meets_box(plane, box) for plane in planes for box in boxes)


def _outline_box(outline) -> np.ndarray:
    vertices = outline[0]
    return np.array([*vertices.min(axis=0), *vertices.max(axis=0)])


def _boxes_meet(a: np.ndarray, b: np.ndarray) -> bool:
    return bool(a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3])


def _polygon_meets_box(polygon: np.ndarray, box: np.ndarray) -> bool:
    """Whether a convex polygon and an axis-aligned box overlap (separating axes)."""
    rect = np.array([[box[0], box[1]], [box[2], box[1]], [box[2], box[3]], [box[0], box[3]]])
    for shape in (polygon, rect):
        for edge in np.roll(shape, -1, axis=0) - shape:
            normal = np.array([-edge[1], edge[0]])
            p, q = polygon @ normal, rect @ normal
            if p.max() <= q.min() + 1e-9 or q.max() <= p.min() + 1e-9:
                return False
    return True


def _refuse_narrow(width: float, holds: Callable[[float], bool], max_size: float, what: str, why: str) -> None:
    """Refuse a ``width`` too narrow for ``what`` (``why``: how it fails), naming the smallest
    width (to a few px) that ``holds`` them."""
    low, high = float(width), float(width)
    while not holds(high):
        low, high = high, high * 1.25
        if high > max_size:
            raise SpecError("width", f"{width:,.0f} px is too narrow for {what}, and no width up to "
                                     f"--max-size {max_size:,.0f} holds them")
    while high - low > 4:
        mid = (low + high) / 2
        low, high = (low, mid) if holds(mid) else (mid, high)
    raise SpecError("width", f"{width:,.0f} px is too narrow for {what}{why}; use --width {math.ceil(high)} or more")


def _refuse_crowded(width: float, at: Callable[[float], "Geometry"], max_size: float) -> None:
    """Refuse a ``width`` at which names overlap; ``at(w)`` is the figure fitted to ``w`` px."""
    _refuse_narrow(width, lambda w: not at(w).crowded, max_size, "the names of the planes", " (they would overlap)")


def _refuse_overflow(width: float, at: Callable[[float], "Geometry"], max_size: float) -> None:
    """Refuse a ``width`` narrower than the figure's texts at a legible size (a long caption over
    cells shrunk to their smallest), which would otherwise make a wider image than asked."""
    _refuse_narrow(width, lambda w: at(w).width <= math.ceil(w) + 1, max_size, "the figure's texts", " at a legible size")


def _refuse_width(width: float, size: float, needed: Tuple[int, int], weights: bool, max_size: float) -> None:
    """Refuse a ``width`` whose cells (``size`` px) are too small for the numbers at a legible
    size, naming the width at which they would be (``needed``): a figure never quietly drops
    or shrinks out of sight what was asked for."""
    what = "the values and weights in the cells" if weights else "the values in the cells"
    if max(needed) > max_size:
        raise SpecError("width", f"{width:,.0f} px is too narrow for {what} (cells of {size:.0f} px), and an image "
                                 f"wide enough would be {needed[0]:,}x{needed[1]:,} px, more than --max-size "
                                 f"{max_size:,.0f}; raise the limit or draw without --numbers")
    raise SpecError("width", f"{width:,.0f} px is too narrow for {what} (cells of {size:.0f} px); "
                             f"use --width {needed[0]} or more, or draw without --numbers")


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


def _arrangement(scene: Scene, style: str, theme: Theme, labels: bool, text_scale: float, wrap: bool = False):
    """The layout, its texts at ``text_scale`` times their size, the bounds of it all (cell units),
    and the line an equation is written on (None without equations)."""
    widths = [text_width(p.name, NAME_EM * text_scale, theme) for p in scene.planes] if labels else []
    room = (NAME_EM + 0.45) * text_scale if labels and scene.columns else 0.0
    lay = layout(scene.planes, style, widths, text_scale, scene.columns, room)
    annotations, phases, line = _annotations(scene, lay, style, theme, labels, text_scale, wrap)
    xmin, ymin, xmax, ymax = lay.bounds
    for vertices, _ in (*annotations, *phases):
        xmin, ymin = min(xmin, vertices[:, 0].min()), min(ymin, vertices[:, 1].min())
        xmax, ymax = max(xmax, vertices[:, 0].max()), max(ymax, vertices[:, 1].max())
    if line is not None:
        em = CAPTION_EM * text_scale
        ymin = min(ymin, line - digit_height(theme.font) * em)
        if len(scene):  # room for the first step's equation: whole if a little widening does it, else cut
            equation = scene.step(0).equation
            room = max(xmax - xmin, EQUATION_ROOM)
            runs = equation_runs(equation, room, em, theme) or [("", 0.0, 0.0, -1, False)]
            half = runs[-1][2] / 2
            middle = (xmin + xmax) / 2
            xmin, xmax = min(xmin, middle - half), max(xmax, middle + half)
    return lay, annotations, phases, (xmin, ymin, xmax, ymax), line


def _annotations(scene: Scene, lay: Layout, style: str, theme: Theme, labels: bool, scale: float = 1.0,
                 wrap: bool = False):
    """Static texts (plane names and caption if ``labels``; ellipses always), the headings, and
    the line for equations, ``scale`` times their size, placed where they touch nothing; with
    ``wrap``, headings and caption in lines no wider than the planes and their names."""
    name_em, caption_em = NAME_EM * scale, CAPTION_EM * scale
    # names above their planes, notes in the gaps; a strip's names to its left (its links rise through the gap above it)
    above = (style == "flat" and not lay.strips) or scene.columns
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
                out.append(screen_text(text, caption_em, middle, theme, "center"))
            else:  # in the names' column, between the two names
                left = (before[before[:, 0].argmin()] + corners[corners[:, 0].argmin()]) / 2
                out.append(screen_text(text, caption_em, left - [0.35 * scale, 0], theme, "right"))
        if not labels or not plane.name:
            continue
        if plane.role in ("matrix", "row"):  # left of it: above is the vector, or the caption
            middle = corners.mean(axis=0)
            left = [corners[:, 0].min() - 0.35 * scale, middle[1]]
            out.append(screen_text(plane.name, name_em, left, theme, "right"))
        elif above:
            top = [corners[:, 0].mean(), corners[:, 1].max() + 0.3 * scale]
            out.append(screen_text(plane.name, name_em, top, theme, "center", "bottom"))
        elif plane.beside and lay.strips:  # above it: a long name to its right would widen the figure
            top = [corners[:, 0].mean(), corners[:, 1].max() + 0.3 * scale]
            out.append(screen_text(plane.name, name_em, top, theme, "center", "bottom"))
        elif plane.beside:  # under it: the links rise from the input past the top of a plane
            # beside it; a long name to its right would widen the figure
            bottom = [corners[:, 0].mean(), corners[:, 1].min() - 0.3 * scale]
            out.append(screen_text(plane.name, name_em, bottom, theme, "center", "top"))
        else:
            left = corners[corners[:, 0].argmin()]
            out.append(screen_text(plane.name, name_em, left - [0.35 * scale, 0], theme, "right"))
    xmin, ymin, xmax, _ = lay.bounds
    line = ymin - 0.45 * scale
    for vertices, _ in out:  # headings, equation and caption share one middle: the figure's, names and all
        xmin, xmax = min(xmin, vertices[:, 0].min()), max(xmax, vertices[:, 0].max())
    middle, pitch = (xmin + xmax) / 2, LINE_PITCH * caption_em

    def lines(text: str) -> List[str]:
        return wrapped(text, caption_em, theme, xmax - xmin) if wrap else [text]

    phases = []
    if scene.phases:
        broken = [lines(name) for name in scene.phases]
        phases = [Outline.joined(screen_lines(texts, caption_em, [middle, line], theme, pitch)) for texts in broken]
        line -= 0.8 * scale + (max(map(len, broken)) - 1) * pitch
    equation_line = None
    if scene.equations:
        equation_line = line - digit_height(theme.font) * caption_em / 2
        line -= 0.8 * scale
    if labels and scene.caption:
        out += screen_lines(lines(scene.caption), caption_em, [middle, line], theme, pitch)
    return out, phases, equation_line
