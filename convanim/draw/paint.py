"""What a frame shows, as shapes and colours, before any backend draws it: the paint model.

A :class:`Painter` turns a scene's steps into :class:`Paint`: highlight and mark polygons,
connector lines already hidden below planes and cut around every digit they would cross, the
cells that values fill or replace, the chips under weights, and text as glyph outlines with their
inks. The raster renderer and the interactive page both draw from it, so they cannot disagree.

Shapes are in the figure's screen units (cells, y up); :meth:`Painter.pixels` maps them to pixels
from the top-left, the page's frame.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import List, Optional, Sequence, Tuple

import numpy as np
from matplotlib.transforms import Affine2D

from ..core.sweep import Cell
from ..scene.model import Label, Link, Plane, Scene, Step
from .fit import MARGIN_PX, PAPER_CELL_PX, Geometry
from .text import (CAPTION_EM, LINK_GAP_PX, VALUE_BY_WEIGHT_AT, WEIGHT_AT, WEIGHT_PAD_PX, chip, cut_segments,
                   digit_height, equation_runs, glyphs)
from .theme import RGB, Theme, contrast

ARROW_PX, ARROW_ANGLE = 8.0, np.radians(25)  # an arrowhead's strokes: their length, and their angle off the wire
ZERO_TINT = 0.25  # inserted zeros, where told apart from padding: this far from the background to the input colour

Outline = Tuple[np.ndarray, np.ndarray]  # (vertices, codes) of a text, in screen units
Shapes = Tuple[List[np.ndarray], List[tuple]]  # polygons and their colours


def rgba(colour: RGB, alpha: float = 1.0) -> tuple:
    """A 0–255 colour as matplotlib's 0–1 RGBA."""
    return (colour[0] / 255, colour[1] / 255, colour[2] / 255, alpha)


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


def blank_edges(kinds: np.ndarray) -> np.ndarray:
    """Every cell side (n, 2, 2) that touches a blank cell (padding, an inserted zero, a cell
    outside), once each and from its lower end, in plane coordinates (column, row): where a
    matrix draws its blanks dashed over the solid outlines of the filled cells that box them in."""
    blank = np.pad((kinds == Cell.PADDING) | (kinds == Cell.ZERO) | (kinds == Cell.OUTSIDE), 1)
    across = np.argwhere(blank[:-1, 1:-1] | blank[1:, 1:-1])  # (r, c): the line at row r, under column c
    down = np.argwhere(blank[1:-1, :-1] | blank[1:-1, 1:])  # (r, c): the line at column c, beside row r
    edges = [[[c, r], [c + 1, r]] for r, c in across] + [[[c, r], [c, r + 1]] for r, c in down]
    return np.array(edges, dtype=float).reshape(-1, 2, 2)


@dataclass(frozen=True)
class Written:
    """A text as a frame shows it: its outline, its ink, and the colour it sits on (after any
    translucent highlight); ``label`` is the cell label it writes, if any."""

    outline: Outline
    ink: RGB
    ground: RGB
    label: Optional[Label] = None

    @property
    def contrast(self) -> float:
        return contrast(self.ink, self.ground)


@dataclass
class Paint:
    """One frame's moving parts. ``highlights`` and ``marks`` hold one (n, 4, 2) array of cell
    polygons per plane; ``links`` each link with its drawn pieces and colour; ``texts`` the
    outlines of the step's numbers (and of the values standing in its highlighted cells, drawn
    again above the highlight over ``erasers`` that clear them), its phase and its equation, each
    with its ink in ``inks`` and the colour under it in ``grounds``."""

    highlights: List[np.ndarray]
    marks: List[np.ndarray]
    links: List[Tuple[Link, List[np.ndarray], tuple]]
    erasers: Shapes
    fills: Shapes
    chips: List[np.ndarray]
    texts: List[Outline]
    inks: List[tuple] = field(default_factory=list)
    grounds: List[RGB] = field(default_factory=list)

    @property
    def segments(self) -> Tuple[List[np.ndarray], List[tuple]]:
        """Every drawn piece of every link, (2, 2) each, and its colour."""
        segments, colours = [], []
        for _, pieces, colour in self.links:
            segments += pieces
            colours += [colour] * len(pieces)
        return segments, colours


class Painter:
    """Paints the steps of one scene laid out by ``geometry``; knows nothing of any backend."""

    def __init__(self, scene: Scene, theme: Theme, geometry: Geometry):
        self.scene, self.theme, self.geometry = scene, theme, geometry
        self.layout = geometry.layout
        self.cell_px = geometry.cell_px
        self.stroke_scale = geometry.cell_px / PAPER_CELL_PX  # strokes relative to the paper's
        xmin, ymin, _, _ = geometry.bounds
        margin = MARGIN_PX / PAPER_CELL_PX
        self.to_display = Affine2D().translate(-(xmin - margin), -(ymin - margin)).scale(self.cell_px)
        self.static_labels = self._static_labels()
        self.static_boxes = self.text_boxes(self.static_labels)  # no link crosses a digit

    def _static_labels(self) -> List[Label]:
        labels = []
        for k, plane in enumerate(self.scene.planes):
            if plane.text is not None:
                cells = [(r, c) for r, c in np.ndindex(*plane.text.shape) if plane.text[r, c]]
                labels += [Label(k, cell, plane.text[cell]) for cell in cells]
        return labels

    def pixels(self, points) -> np.ndarray:
        """Screen points (n, 2) as pixels (x, y) from the image's top-left."""
        display = self.to_display.transform(np.asarray(points, dtype=float).reshape(-1, 2))
        return np.column_stack([display[:, 0], self.geometry.height - display[:, 1]])

    # ---- colours ----------------------------------------------------------------------

    def cell_colour(self, plane: int, cell: Tuple[int, int]) -> RGB:
        """The colour a cell is drawn in, before any highlight or fill."""
        p = self.scene.planes[plane]
        if p.levels is not None:
            return self.theme.heat(p.levels[cell])
        kind = Cell(p.grid.kinds[cell])
        if kind == Cell.ZERO and p.distinct_zeros:
            return self.theme.heat(ZERO_TINT)
        return kind_colours(self.theme, p).get(kind, self.theme.padding)

    def cell_colours(self, plane: int, cells: Sequence[Tuple[int, int]]) -> List[tuple]:
        """The colour each cell is drawn in, before any highlight."""
        return [rgba(self.cell_colour(plane, tuple(cell))) for cell in cells]

    def fill_rgb(self, label: Label) -> RGB:
        """The colour a ``fill`` reveal paints its cell: a heatmap level, or the plane's result colour."""
        if label.level is not None:
            return self.theme.heat(label.level)
        return kind_colours(self.theme, self.scene.planes[label.plane])[Cell.RESULT]

    def fill_colour(self, label: Label) -> tuple:
        """:meth:`fill_rgb` as matplotlib's RGBA."""
        return rgba(self.fill_rgb(label))

    def grounds(self, labels: Sequence[Label], filled: Optional[dict] = None, lit: frozenset = frozenset()) -> List[RGB]:
        """The colour under each label: a weight's chip, else its cell's colour (or the fill a
        reveal gave it, ``filled`` by (plane, cell)), under the highlight where (plane, cell) is ``lit``."""
        filled = filled or {}
        out = []
        for label in labels:
            key = (label.plane, tuple(label.cell))
            if label.kind == "weight":
                out.append(self.theme.kernel_fill)
                continue
            colour = filled.get(key) or self.cell_colour(label.plane, key[1])
            out.append(self.theme.over(colour) if key in lit else colour)
        return out

    def filled(self, labels: Sequence[Label]) -> dict:
        """The fill each cell has after ``labels`` (reveals, in order), by (plane, cell)."""
        return {(label.plane, tuple(label.cell)): self.fill_rgb(label) for label in labels if label.kind == "fill"}

    def inks(self, grounds: Sequence[RGB]) -> List[tuple]:
        """The ink for a text on each ground, as matplotlib's RGBA."""
        return [rgba(self.theme.ink_on(ground)) for ground in grounds]

    # ---- text -------------------------------------------------------------------------

    def label_outline(self, label: Label) -> Outline:
        """Screen-space outline of a cell label, upright: a value centred, a weight in the
        bottom-right corner, each as large as ``Geometry`` made room for."""
        font = self.theme.font
        vertices, codes, (gx0, _, gx1, _) = glyphs(label.text, font)
        r, c = label.cell
        weight = label.kind == "weight"
        px = self.geometry.weight_px if weight else self.geometry.value_px
        em = px / digit_height(font) / self.cell_px
        ax, ay = WEIGHT_AT if weight else VALUE_BY_WEIGHT_AT if self.scene.planes[label.plane].weights else (0.5, 0.5)
        anchor = self.layout.placements[label.plane].to_screen(np.array([c + ax, r + ay]))
        offset = np.array([(gx0 + gx1) / 2, digit_height(font) / 2])
        return anchor + (vertices - offset) * em, codes

    def text_boxes(self, labels: Sequence[Label], outlines: Optional[Sequence[Outline]] = None) -> np.ndarray:
        """(n, 4) screen boxes (x0, y0, x1, y1) around the labels' digits, with a gap for lines
        (``outlines``: the labels' outlines, if already made)."""
        labels = [label for label in labels if label.kind != "fill"]
        if not labels:
            return np.empty((0, 4))
        if outlines is None:
            outlines = [self.label_outline(label) for label in labels]
        boxes = []
        for label, (vertices, _) in zip(labels, outlines):
            gap = (LINK_GAP_PX + (WEIGHT_PAD_PX if label.kind == "weight" else 0.0)) / self.cell_px
            boxes.append([*(vertices.min(axis=0) - gap), *(vertices.max(axis=0) + gap)])
        return np.array(boxes).reshape(-1, 4)

    def equation_outlines(self, equation) -> List[Tuple[np.ndarray, np.ndarray, tuple]]:
        """The equation's glyphs on its line, centred, middle terms elided to fit the image; each
        run in its ink (a channel's hue, the mark colour for the emphasised term)."""
        return [(origin + vertices * em, codes, ink) for _, vertices, codes, origin, em, ink, _ in self.equation(equation)]

    def equation(self, equation) -> list:
        """The equation's runs as placed: (text, vertices at 1 em, codes, pen origin, em, ink, strong)."""
        if equation is None or self.geometry.equation_line is None:
            return []
        xmin, _, xmax, _ = self.geometry.bounds
        em = CAPTION_EM * self.geometry.text_scale
        runs = equation_runs(equation, xmax - xmin, em, self.theme)
        if not runs:
            return []
        left = (xmin + xmax) / 2 - runs[-1][2] / 2
        middle = digit_height(self.theme.font) / 2
        out = []
        for text, x0, _, tint, strong in runs:
            vertices, codes, _ = glyphs(text, self.theme.font, strong)
            ink = self.theme.legible(self.theme.mark if strong else self.theme.tinted_link(tint) if tint >= 0 else self.theme.text)
            origin = np.array([left + x0, self.geometry.equation_line - middle * em])
            out.append((text, vertices, codes, origin, em, rgba(ink), strong))
        return out

    # ---- the moving parts ---------------------------------------------------------------

    def link_pieces(self, step: Step, texts: Sequence[Label] = (), outlines: Optional[Sequence[Outline]] = None,
                    baked: Optional[np.ndarray] = None) -> List[Tuple[Link, List[np.ndarray], tuple]]:
        """Each of the step's links with its drawn pieces and colour: hidden where they pass below a
        plane, and cut where they would cross a number (the static ones, ``baked``: the boxes of
        the values revealed so far, and ``texts``: the step's own, with their ``outlines``)."""
        links = [link for link in step.links if self.layout.draws_links or link.arrow]
        if not links:
            return []
        baked = np.empty((0, 4)) if baked is None else baked
        boxes = np.concatenate([self.static_boxes, baked, self.text_boxes(texts, outlines)])
        out = []
        for link in links:
            wire = link.wire or not self.layout.draws_links
            pieces = self.layout.link_segments(link.source, link.source_box, link.target, link.target_box, wire,
                                               corner=link.arrow and wire)
            head = self.arrowhead(pieces[-1]) if wire and link.arrow and len(pieces) else []
            out.append((link, cut_segments(pieces, boxes) + head, rgba(self.theme.tinted_link(link.tint))))
        return out

    def arrowhead(self, last: np.ndarray) -> List[np.ndarray]:
        """Two strokes back from the end of a wire's last run, ARROW_PX long, ARROW_ANGLE off it."""
        a, b = last
        back = (a - b) / max(float(np.hypot(*(a - b))), 1e-12) * ARROW_PX / self.cell_px
        turn = lambda t: np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])  # noqa: E731
        return [np.stack([b, b + turn(angle) @ back]) for angle in (ARROW_ANGLE, -ARROW_ANGLE)]

    def fill_shapes(self, labels: Sequence[Label]) -> Shapes:
        """The cells that ``fill`` reveals paint, and their colours."""
        fills = [label for label in labels if label.kind == "fill"]
        polygons = [self.layout.placements[label.plane].cells(np.array([label.cell]))[0] for label in fills]
        return polygons, [self.fill_colour(label) for label in fills]

    def eraser_shapes(self, labels: Sequence[Label], colours: Optional[Sequence[RGB]] = None) -> Shapes:
        """Cell interiors, in the cells' own colours (or ``colours``), under the values that
        replace earlier ones."""
        replaced = [label for label in labels if label.replace] if colours is None else list(labels)
        if not replaced:
            return [], []
        inset = (self.theme.line_px * self.stroke_scale / 2 + 1.0) / self.cell_px
        polygons = []
        for label in replaced:
            r, c = label.cell
            square = np.array([[c + inset, r + inset], [c + 1 - inset, r + inset], [c + 1 - inset, r + 1 - inset], [c + inset, r + 1 - inset]])
            polygons.append(self.layout.placements[label.plane].to_screen(square))
        if colours is None:
            return polygons, [colour for label in replaced for colour in self.cell_colours(label.plane, [label.cell])]
        return polygons, [rgba(colour) for colour in colours]

    def standing(self, step: Step, revealed: Sequence[Label] = ()) -> Tuple[List[Label], List[Label]]:
        """The values standing in the frame of ``step`` (on the planes, or revealed before it),
        split into those resting in the background and those under the step's highlight, which
        the step draws again above it (a text always sits above a translucent highlight)."""
        lit = lit_cells(step)
        own = {(label.plane, tuple(label.cell), label.kind) for label in (*step.labels, *step.reveals)}
        resting, raised = [], []
        for label in (*self.static_labels, *(label for label in revealed if label.kind != "fill")):
            if (label.plane, tuple(label.cell), label.kind) in own:
                continue
            (raised if label.kind == "value" and (label.plane, tuple(label.cell)) in lit else resting).append(label)
        return resting, raised

    def marks(self, step: Step) -> List[np.ndarray]:
        """Per plane, the step's marked cells as inset squares, inside the cells' outlines."""
        out = []
        for k, placement in enumerate(self.layout.placements):
            cells = step.marks[k] if k < len(step.marks) else np.empty((0, 2))
            polygons = placement.cells(cells)
            if len(polygons):
                centre = polygons.mean(axis=1, keepdims=True)
                polygons = centre + (polygons - centre) * 0.72
            out.append(polygons)
        return out

    def paint(self, step: Step, baked: Optional[np.ndarray] = None, revealed: Sequence[Label] = ()) -> Paint:
        """The step's moving parts (``baked``: the boxes of the values revealed before it, if not
        those of ``revealed``, the labels revealed before it, in order)."""
        if baked is None and revealed:
            baked = self.text_boxes([label for label in revealed if label.kind != "fill"])
        _, raised = self.standing(step, revealed)
        texts = paint_labels(step, raised)
        own = len(texts) - len(raised)
        outlines = [self.label_outline(label) for label in texts]  # once: for the cuts and for the ink
        links = self.link_pieces(step, texts[:own], outlines[:own], baked)
        chips = [chip(v, WEIGHT_PAD_PX / self.cell_px) for (v, _), label in zip(outlines, texts) if label.kind == "weight"]
        filled = self.filled((*revealed, *step.reveals))
        grounds = self.grounds(texts, filled, lit_cells(step))
        inks = self.inks(grounds)
        if self.geometry.phases:
            outlines.append(self.geometry.phases[step.phase])
            inks.append(rgba(self.theme.text))
            grounds.append(self.theme.background)
        for vertices, codes, colour in self.equation_outlines(step.equation):
            outlines.append((vertices, codes))
            inks.append(colour)
            grounds.append(self.theme.background)
        erasers = self.eraser_shapes(step.reveals)
        cleared = self.eraser_shapes(raised, self.grounds(raised, self.filled(revealed)))
        highlights = [placement.cells(cells) for cells, placement in zip(step.highlights, self.layout.placements)]
        return Paint(highlights, self.marks(step), links, (erasers[0] + cleared[0], erasers[1] + cleared[1]),
                     self.fill_shapes(step.reveals), chips, outlines, inks, grounds)


def lit_cells(step: Step) -> frozenset:
    """The (plane, (row, col)) pairs under the step's highlight."""
    return frozenset((k, (int(r), int(c))) for k, cells in enumerate(step.highlights)
                     for r, c in np.asarray(cells).reshape(-1, 2))


def written(painter: "Painter", step: Step, revealed: Sequence[Label] = ()) -> List[Written]:
    """Every text of the frame of ``step`` with its ink and the colour under it: the names and
    caption, the values standing in the background, and what the step itself draws
    (``revealed``: the labels revealed before it, in order). What a contrast check reads."""
    theme = painter.theme
    resting, raised = painter.standing(step, revealed)
    grounds = painter.grounds(resting, painter.filled(revealed))
    out = [Written(painter.label_outline(label), theme.ink_on(ground), ground, label)
           for label, ground in zip(resting, grounds)]
    out += [Written(outline, theme.text, theme.background) for outline in painter.geometry.annotations]
    paint = painter.paint(step, revealed=revealed)
    labels = paint_labels(step, raised)
    for k, (outline, ink, ground) in enumerate(zip(paint.texts, paint.inks, paint.grounds)):
        rgb = tuple(int(round(v * 255)) for v in ink[:3])
        out.append(Written(outline, rgb, ground, labels[k] if k < len(labels) else None))  # type: ignore[arg-type]
    return out


def paint_labels(step: Step, raised: Sequence[Label]) -> List[Label]:
    """The labels a step's paint writes, in its order: the step's own texts, then the standing
    values it draws again above its highlight."""
    return [label for label in (*step.labels, *step.reveals) if label.kind != "fill"] + list(raised)


@dataclass(frozen=True, eq=False)
class Drawing:
    """A figure as the paint model has it, drawn by no backend: what the page writes as data
    (the raster backend, :class:`~.render.Renderer`, paints the same painter's shapes)."""

    scene: Scene
    theme: Theme
    geometry: Geometry
    transparent: bool = False

    @cached_property
    def painter(self) -> Painter:
        return Painter(self.scene, self.theme, self.geometry)

    @property
    def width(self) -> int:
        return self.geometry.width

    @property
    def height(self) -> int:
        return self.geometry.height

    @property
    def cell_px(self) -> float:
        return self.geometry.cell_px

    def pixels(self, plane: int, xy) -> np.ndarray:
        return plane_pixels(self.geometry, self.painter, plane, xy)


def plane_pixels(geometry: Geometry, painter: Painter, plane: int, xy) -> np.ndarray:
    """Where plane points (x, y) = (column, row) land in a frame, as (x, y) pixels from the top-left."""
    screen = geometry.layout.placements[plane].to_screen(np.asarray(xy, dtype=float))
    return painter.pixels(screen).reshape(np.shape(screen))
