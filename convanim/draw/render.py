"""Draws any scene with matplotlib's Agg backend, from the paint model (:mod:`.paint`).

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
from typing import Callable, Iterable, Iterator, List, Optional, Sequence, Tuple

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection, PathCollection, PolyCollection
from matplotlib.figure import Figure
from matplotlib.path import Path
from matplotlib.transforms import IdentityTransform

from ..core.sweep import Cell
from ..scene.model import Label, Plane, Scene, Step
from .fit import PAPER_CELL_PX, Geometry
from .layout import Placement
from .paint import ZERO_TINT, Outline, Paint, Painter, blank_edges, kind_colours, plane_pixels, rgba, solid_colours
from .theme import PAPER, RGB, Theme

__all__ = ["Renderer", "ZERO_TINT", "solid_colours"]

_DPI = 100.0

ZERO_DOTS = (1.0, 2.0)  # inserted zeros' outlines, dotted: dot and gap, in line widths

Box = Tuple[int, int, int, int]


def _union(a, b):
    if a is None or b is None:
        return a or b
    return (min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3]))


class _Sheet:
    """What the renderer needs of an Axes, without an Axes' ticks, spines and limits (which take
    longer to make than a frame to draw): collections on the figure itself, drawn through one
    map from cell units to pixels."""

    def __init__(self, figure: Figure, transform):
        self.figure = figure
        self.transData = transform
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


# ---- the static planes ----------------------------------------------------------------------

def draw_plane(ax: _Sheet, plane: Plane, placement: Placement, theme: Theme, stroke: Callable[[float], float]) -> None:
    """Add the collections that draw ``plane``'s cells, as they stand before any step, to ``ax``."""
    kinds, levels = plane.grid.kinds, plane.levels
    h, w = kinds.shape
    if levels is not None:  # a heatmap: every cell the colour of its level
        cells = np.argwhere(np.ones_like(kinds, dtype=bool))
        ax.add_collection(PolyCollection(
            placement.cells(cells), facecolors=[rgba(theme.heat(levels[r, c])) for r, c in cells],
            edgecolors=[rgba(theme.line)], linewidths=stroke(theme.line_px), joinstyle="miter",
        ))
        return
    blank = np.argwhere((kinds == Cell.PADDING) | (kinds == Cell.ZERO) | (kinds == Cell.OUTSIDE))
    if plane.distinct_zeros and (kinds == Cell.ZERO).any():
        _draw_zeros_apart(ax, kinds, placement, theme, stroke)
    elif len(blank):  # the paper's look: padding and inserted zeros alike, blank and dashed
        ax.add_collection(PolyCollection(placement.cells(blank), facecolors=[rgba(theme.padding)], linewidths=0))
        lw = stroke(theme.line_px)
        dash = stroke(theme.dash_px) / lw  # matplotlib scales dashes by the line width
        grid = [((0, r), (w, r)) for r in range(h + 1)] + [((c, 0), (c, h)) for c in range(w + 1)]
        ax.add_collection(
            LineCollection(
                [placement.to_screen(np.array(seg, dtype=float)) for seg in grid],
                colors=[rgba(theme.line)],
                linewidths=lw,
                linestyles=[(0, (dash, dash))],
                capstyle="butt",
            )
        )
    colours = kind_colours(theme, plane)
    for kind in (Cell.DATA, Cell.RESULT, Cell.WEIGHT, Cell.PENDING):
        colour = colours[kind]
        cells = np.argwhere(kinds == kind)
        if len(cells):
            ax.add_collection(
                PolyCollection(
                    placement.cells(cells),
                    facecolors=[rgba(colour)],
                    edgecolors=[rgba(theme.line)],
                    linewidths=stroke(theme.line_px),
                    joinstyle="miter",
                )
            )
    if plane.role == "matrix" and len(blank):
        _dash_blanks(ax, kinds, placement, theme, stroke)


def _dash_blanks(ax: _Sheet, kinds: np.ndarray, placement: Placement, theme: Theme,
                 stroke: Callable[[float], float]) -> None:
    """A matrix's blanks (structural zeros, padding) boxed in by filled cells keep their dashed
    outline: the solid edges they share are wiped in the blank's colour and dashed again."""
    edges = [placement.to_screen(edge) for edge in blank_edges(kinds)]
    lw = stroke(theme.line_px)
    dash = stroke(theme.dash_px) / lw
    ax.add_collection(LineCollection(edges, colors=[rgba(theme.padding)], linewidths=lw, capstyle="butt"))
    ax.add_collection(LineCollection(edges, colors=[rgba(theme.line)], linewidths=lw, linestyles=[(0, (dash, dash))],
                                     capstyle="butt"))

def _draw_zeros_apart(ax: _Sheet, kinds: np.ndarray, placement: Placement, theme: Theme,
                      stroke: Callable[[float], float]) -> None:
    """Padding as the paper draws it, blank with dashed outlines; the zeros a stride inserts
    between input cells in a light tint of the input colour, with dotted outlines. An edge
    is dashed if it borders padding, dotted if it borders only zeros (and data, whose solid
    outline is drawn over it); each run of like edges along a grid line is one stroke."""
    h, w = kinds.shape
    for kind, colour in ((Cell.PADDING, theme.padding), (Cell.ZERO, theme.heat(ZERO_TINT))):
        cells = np.argwhere(kinds == kind)
        if len(cells):
            ax.add_collection(PolyCollection(placement.cells(cells), facecolors=[rgba(colour)], linewidths=0))
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
    lw = stroke(theme.line_px)
    dash = stroke(theme.dash_px) / lw  # matplotlib scales dashes by the line width
    for kind, pattern in ((1, (0, (dash, dash))), (2, (0, ZERO_DOTS))):
        if runs[kind]:
            ax.add_collection(LineCollection(runs[kind], colors=[rgba(theme.line)], linewidths=lw,
                                             linestyles=[pattern], capstyle="butt"))



def text_collection(outlines: Iterable[Outline], theme: Theme, transform, animated: bool = False,
                    inks: Optional[Sequence[tuple]] = None) -> PathCollection:
    """Glyph outlines in their ``inks`` (default: the text colour), drawn through ``transform``
    (screen units to pixels)."""
    paths = [Path(v, c) for v, c in outlines]
    collection = PathCollection(paths, facecolors=list(inks or []) or [rgba(theme.text)], linewidths=0, animated=animated)
    collection.set_antialiased(True)
    collection.set_snap(False)  # Agg snaps rectilinear paths to whole pixels: a "+" would lose its bar
    collection.set_transform(transform)
    collection.set_offset_transform(IdentityTransform())
    return collection


def fill_collection(polygons, colours, theme: Theme, stroke: Callable[[float], float], crisp: bool,
                    animated: bool = False) -> PolyCollection:
    """Cells filled in their colours and outlined as a plane's cells are."""
    return PolyCollection(
        polygons, facecolors=colours or [(0, 0, 0, 0)], edgecolors=[rgba(theme.line)],
        linewidths=stroke(theme.line_px), joinstyle="miter", animated=animated,
        antialiaseds=[not crisp] * 2,
    )


class MovingArtists:
    """The artists a frame moves, made once and pointed at each frame's :class:`Paint`."""

    def __init__(self, sheet: _Sheet, theme: Theme, planes: int, stroke: Callable[[float], float], crisp: bool):
        self.theme = theme
        self._painted: dict = {}
        self._highlights = [
            PolyCollection(
                [],
                facecolors=[rgba(theme.highlight, theme.highlight_alpha)],
                edgecolors=[rgba(theme.line)],
                linewidths=stroke(theme.line_px),
                joinstyle="miter",
                animated=True,
            )
            for _ in range(planes)
        ]
        self._marks = [
            PolyCollection(
                [], facecolors="none", edgecolors=[rgba(theme.mark)], linewidths=stroke(theme.mark_px),
                joinstyle="miter", animated=True,
            )
            for _ in range(planes)
        ]
        self._links = LineCollection(
            [], colors=[rgba(theme.link)], linewidths=stroke(theme.link_px), animated=True
        )
        self._labels = text_collection([], theme, sheet.transData, animated=True)
        self._erasers = PolyCollection([], linewidths=0, animated=True)
        self._fills = fill_collection([], [], theme, stroke, crisp, animated=True)
        self._chips = PolyCollection([], facecolors=[rgba(theme.kernel_fill)], linewidths=0, animated=True)
        for artist in (self._erasers, self._fills, *self._highlights, *self._marks, self._links, self._chips):
            sheet.add_collection(artist, autolim=False)
        sheet.add_collection(self._labels, autolim=False)
        # Erasers clear the cells whose values change and fills paint the cells computed; links
        # run above their source plane and below every later one; text goes on top. (The
        # z-order says the same to a vector backend.)
        self.artists = [self._erasers, self._fills, self._highlights[0], self._links, *self._highlights[1:],
                        *self._marks, self._chips, self._labels]
        for n, artist in enumerate(self.artists):
            artist.set_zorder(3 + n / 100)

    def show(self, paint: Paint) -> np.ndarray:
        """Point the artists at ``paint``; returns every screen point they cover, (n, 2)."""
        points = []

        def show(artist, shapes, setter):
            artist.set_visible(len(shapes) > 0)  # an invisible artist costs nothing to draw
            setter(shapes)
            points.extend(np.asarray(shape).reshape(-1, 2) for shape in shapes)

        for artist, polygons in zip(self._highlights, paint.highlights):
            show(artist, polygons, artist.set_verts)
        for artist, polygons in zip(self._marks, paint.marks):
            show(artist, polygons, artist.set_verts)
        segments, colours = paint.segments
        self._recolour(self._links, "set_colors", colours or [rgba(self.theme.link)])
        show(self._links, segments, self._links.set_segments)
        for artist, (shapes, colours) in ((self._erasers, paint.erasers), (self._fills, paint.fills)):
            self._recolour(artist, "set_facecolors", colours or [(0, 0, 0, 0)])
            show(artist, shapes, artist.set_verts)
        show(self._chips, paint.chips, self._chips.set_verts)
        texts = paint.texts
        self._recolour(self._labels, "set_facecolors", paint.inks or [rgba(self.theme.text)])
        show(self._labels, [v for v, _ in texts], lambda _: self._labels.set_paths([Path(v, c) for v, c in texts]))
        return np.concatenate(points) if points else np.empty((0, 2))

    def _recolour(self, artist, setter: str, colours: List[tuple]) -> None:
        """Set an artist's colours, only when they change (matplotlib parses them every time)."""
        key = (id(artist), setter)
        if self._painted.get(key) != colours:
            getattr(artist, setter)(colours)
            self._painted[key] = colours


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
        self.painter = Painter(scene, theme, geometry)
        self.width, self.height, self.cell_px = geometry.width, geometry.height, geometry.cell_px
        self._px = geometry.cell_px / PAPER_CELL_PX  # stroke scale relative to the paper
        self._crisp = not antialias
        self._pt = 72.0 / _DPI  # points per pixel

        self.transparent = transparent
        face = rgba(theme.background, 0.0 if transparent else 1.0)
        self.figure = Figure(figsize=(self.width / _DPI, self.height / _DPI), dpi=_DPI, facecolor=face)
        self.canvas = FigureCanvasAgg(self.figure)
        self.axes = _Sheet(self.figure, self.painter.to_display)

        for plane, placement in zip(scene.planes, self.layout.placements):
            draw_plane(self.axes, plane, placement, theme, self._stroke)
        self._add_text(self.painter.static_labels)
        self._baked_boxes = np.empty((0, 4))
        self._revealed: dict = {}
        if geometry.annotations:
            self.axes.add_collection(text_collection(geometry.annotations, theme, self.axes.transData), autolim=False)
        self._moving = MovingArtists(self.axes, theme, len(scene.planes), self._stroke, self._crisp)
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
        self._last_box: Optional[Box] = None
        self.changed: Optional[Box] = None

    def _stroke(self, px: float) -> float:
        """A stroke width in points. Without antialiasing, Agg fills every pixel a stroke touches,
        so a stroke under a pixel wide is drawn as thin as Agg draws (one or two pixels a row),
        and a wider one a whole number of pixels."""
        width = px * self._px
        if self._crisp:
            width = 0.45 if width < 1.0 else math.floor(width + 0.25)
        return width * self._pt

    @property
    def solid_colours(self) -> Tuple[RGB, ...]:
        return solid_colours(self.scene, self.theme)

    def pixels(self, plane: int, xy: np.ndarray) -> np.ndarray:
        """Where plane points (x, y) = (column, row) land in a frame, as (x, y) pixels from the top-left."""
        return plane_pixels(self.geometry, self.painter, plane, xy)

    def _add_text(self, labels: Sequence[Label]) -> None:
        labels = [label for label in labels if label.kind != "fill"]
        if labels:
            outlines = map(self.painter.label_outline, labels)
            inks = self.painter.inks(self.painter.grounds(labels))
            self.axes.add_collection(text_collection(outlines, self.theme, self.axes.transData, inks=inks), autolim=False)

    def _revealed_artists(self, reveals: Sequence[Label], animated: bool,
                          context: Optional[Sequence[Label]] = None) -> List[object]:
        """What values revealed earlier add to the figure, bottom to top: the erasers under the
        values that replace others, the cells filled in, and the values' text, each in the ink
        for its cell's fill (``context``: every label revealed so far; default, those baked)."""
        artists = []
        erase, colours = self.painter.eraser_shapes(reveals)
        if erase:
            artists.append(PolyCollection(erase, facecolors=colours, linewidths=0, antialiaseds=[not self._crisp] * 2,
                                          animated=animated, zorder=2))
        fills, fill_colours = self.painter.fill_shapes(reveals)
        if fills:
            fill = fill_collection(fills, fill_colours, self.theme, self._stroke, self._crisp, animated=animated)
            fill.set_zorder(2.2)
            artists.append(fill)
        texts = [label for label in reveals if label.kind != "fill"]
        if texts or animated:
            context = list(self._revealed.values()) if context is None else context
            inks = self.painter.inks(self.painter.grounds(texts, self.painter.filled(context)))
            text = text_collection(map(self.painter.label_outline, texts), self.theme, self.axes.transData, animated, inks)
            text.set_zorder(2.5)
            artists.append(text)
        return artists

    # ---- a frame ----

    def _pixel_box(self, points: np.ndarray) -> Optional[Box]:
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
            self._baked_boxes = self.painter.text_boxes([label for label in self._revealed.values() if label.kind != "fill"])
            for artist in self._revealed_artists(list(latest.values()), animated=True):
                self.axes.add_collection(artist, autolim=False)
                self.axes.draw_artist(artist)
                artist.remove()
            self._background = self.canvas.copy_from_bbox(self.figure.bbox)
        self._baked = index
        return jumped

    def _draw(self, step: Optional[Step | int]) -> np.ndarray:
        """Draw a frame; returns a view of the canvas's RGBA buffer, valid until the next draw.

        Only the region that moved since the last frame is restored and redrawn; ``self.changed``
        is that region (x0, y0, x1, y1) in pixels from the top-left, or None if nothing moved.
        """
        if not isinstance(step, Step):
            step = self.scene.step(int(step or 0))
        rebaked = self._bake_until(step.index)
        paint = self.painter.paint(step, self._baked_boxes, list(self._revealed.values()))
        box = self._pixel_box(self._moving.show(paint))
        if self._last is None or rebaked:
            changed = (0, 0, self.width, self.height)
        else:
            changed = _union(box, self._last_box)
        if changed is not None:
            x0, y0, x1, y1 = changed
            # Agg takes this box from the top-left, both ends included, placed at the saved origin.
            self.canvas.restore_region(self._background, bbox=(x0, y0, x1 - 1, y1 - 1), xy=(0, 0))
            for artist in self._moving.artists:
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
        self._baked_boxes = self.painter.text_boxes(revealed)
        self._moving.show(self.painter.paint(step, self._baked_boxes, revealed))
        extra = self._revealed_artists(revealed, animated=False, context=revealed)
        for artist in extra:
            self.axes.add_collection(artist, autolim=False)
        for artist in self._moving.artists:
            artist.set_animated(False)
        try:
            yield
        finally:
            for artist in self._moving.artists:
                artist.set_animated(True)
            for artist in extra:
                artist.remove()

    def stream(self) -> Iterator[Tuple[np.ndarray, Optional[Box]]]:
        """Every frame in order as (RGBA view, changed box): the view is overwritten by the next frame."""
        for step in self.scene:
            buffer = self._draw(step)
            yield buffer, self.changed

    def frames(self, rgba: bool = False) -> Iterator[np.ndarray]:
        """Every frame in order: (H, W, 3) RGB arrays, or (H, W, 4) RGBA ones (cheaper to copy)."""
        for step in self.scene:
            buffer = self._draw(step)
            yield buffer.copy() if rgba else buffer[:, :, :3].copy()


def scene_palette(scene: Scene, theme: Theme, geometry: Geometry, numbers: bool, crisp: bool = False) -> np.ndarray:
    """The theme's palette for a scene's indexed frames: the flat colours the scene can hold (a
    channel's hue included), without the text's or a heatmap's colours where it draws none (each
    colour more is one more level of every edge)."""
    text = numbers or bool(geometry.annotations) or bool(geometry.phases) or any(
        plane.text is not None for plane in scene.planes)
    heat = any(plane.levels is not None for plane in scene.planes)
    cells = numbers or any(plane.text is not None for plane in scene.planes)  # values take either ink
    return theme.palette(crisp=crisp, text=text, heat=heat, solids=solid_colours(scene, theme), alt_ink=cells)
