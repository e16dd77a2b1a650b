"""Draws any scene with matplotlib's Agg backend.

The figure and the static planes are drawn once per animation; each frame restores that
background and draws only what moves (highlights, marks, connector lines, the numbers on top
of them), so the cost of a frame does not grow with the grid. Values that stay once written
(the output filling in) are baked into the background as the animation advances.

Text is drawn as glyph outlines (:mod:`.text`) placed upright in each plane's cells, so every
extent is known before anything is drawn; the figure's size comes from :mod:`.fit`.
"""

from __future__ import annotations

import math
from contextlib import contextmanager
from typing import Iterable, Iterator, List, Optional, Sequence, Tuple

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection, PathCollection, PolyCollection
from matplotlib.figure import Figure
from matplotlib.path import Path
from matplotlib.transforms import Affine2D, IdentityTransform

from ..core.sweep import Cell
from ..scene.model import Label, Plane, Scene, Step
from .fit import MARGIN_PX, PAPER_CELL_PX, Geometry
from .layout import Placement
from .text import (CAPTION_EM, LINK_GAP_PX, VALUE_BY_WEIGHT_AT, WEIGHT_AT, WEIGHT_PAD_PX, _chip, _cut, _digit_height,
                   _equation_runs, _glyphs)
from .theme import PAPER, RGB, Theme

_DPI = 100.0

ZERO_TINT = 0.25  # inserted zeros, where told apart from padding: this far from the background to the input colour
ZERO_DOTS = (1.0, 2.0)  # ...and dotted: dot and gap, in line widths


def _union(a, b):
    if a is None or b is None:
        return a or b
    return (min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3]))


def _rgba(colour: RGB, alpha: float = 1.0) -> tuple:
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
        blank = np.argwhere((kinds == Cell.PADDING) | (kinds == Cell.ZERO) | (kinds == Cell.OUTSIDE))
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
        collection.set_snap(False)  # Agg snaps rectilinear paths to whole pixels: a "+" would lose its bar
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
        segments, colours = [], []
        for _, pieces, colour in self.link_pieces(step, texts, outlines):
            segments += pieces
            colours += [colour] * len(pieces)
        return segments, colours

    def link_pieces(self, step: Step, texts: Sequence[Label] = (), outlines: Optional[Sequence] = None,
                    baked: Optional[np.ndarray] = None) -> List[Tuple[object, List[np.ndarray], tuple]]:
        """Each of the step's links with its drawn pieces and colour (``baked``: the boxes of the
        values revealed so far, if not the renderer's own)."""
        if not step.links or not self.layout.draws_links:
            return []
        baked = self._baked_boxes if baked is None else baked
        boxes = np.concatenate([self._static_boxes, baked, self._text_boxes(texts, outlines)])
        out = []
        for link in step.links:
            pieces = self.layout.link_segments(link.source, link.source_box, link.target, link.target_box, link.wire)
            out.append((link, _cut(pieces, boxes), _rgba(self.theme.tinted_link(link.tint))))
        return out

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
