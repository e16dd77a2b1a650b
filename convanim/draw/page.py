"""An animation as data for the interactive page: where every cell, line and text of each frame
goes, in pixels, as the raster backend draws them: both read one paint model.

Nothing is computed here that the scene does not say: the cells' colours are the painter's,
the links its segments (hidden below planes, cut around digits), the equations its runs. The
page's script only draws these and switches between frames; hovering a cell looks up the steps
whose highlights hold it.
"""

from __future__ import annotations

from typing import Dict, Sequence

import numpy as np

from ..core.sweep import Cell
from ..scene.model import Label, Step
from .paint import ZERO_TINT, Drawing, blank_edges, rgba
from .text import CAPTION_EM, VALUE_BY_WEIGHT_AT, WEIGHT_AT, WEIGHT_PAD_PX, digit_height
from .theme import RGB


def _hex(colour) -> str:
    """A colour as CSS: ``#268bd2``, or ``rgba(…)`` where it is not opaque."""
    if len(colour) == 4 and all(isinstance(v, float) for v in colour):
        r, g, b, a = (int(round(v * 255)) for v in colour)
        return f"#{r:02x}{g:02x}{b:02x}" if a == 255 else f"rgba({r},{g},{b},{a / 255:.3g})"
    return "#{:02x}{:02x}{:02x}".format(*colour)


def _round(values) -> list:
    return [round(float(v), 2) for v in np.asarray(values, dtype=float).ravel()]


class _Palette:
    """The page's colours, each once: cells and texts refer to them by index."""

    def __init__(self) -> None:
        self.colours: Dict[str, int] = {}

    def __call__(self, colour) -> int:
        return self.colours.setdefault(_hex(colour), len(self.colours))


def page_data(drawing: Drawing, delay_ms: int, title: str, caption: str) -> dict:
    """Everything the page draws, as plain data (JSON): the planes, the static texts, and per
    step its highlights, marks, links, texts, reveals, heading and equation."""
    page = _PageBuilder(drawing)
    planes = [page.plane(k) for k in range(len(drawing.scene.planes))]
    steps = page.steps()
    geometry, theme, digit = drawing.geometry, drawing.theme, page.digit
    scale = drawing.cell_px / 29.6  # strokes relative to the paper's
    palette = sorted(page.colour.colours, key=page.colour.colours.get)
    ink: RGB = theme.text
    return {
        "title": title,
        "caption": caption,
        "width": drawing.width,
        "height": drawing.height,
        "delay": delay_ms,
        "transparent": drawing.transparent,
        "equationSize": round(page.em * drawing.cell_px, 2),
        "font": theme.font,
        "colours": palette,
        "theme": {
            "background": _hex(theme.background), "text": _hex(ink), "line": _hex(theme.line),
            "highlight": _hex(rgba(theme.highlight, theme.highlight_alpha)), "mark": _hex(theme.mark),
            "link": _hex(theme.link), "chip": _hex(theme.kernel_fill),
        },
        "strokes": {"line": round(theme.line_px * scale, 3), "link": round(theme.link_px * scale, 3),
                    "mark": round(theme.mark_px * scale, 3), "dash": round(theme.dash_px * scale, 3)},
        "text": {"value": round(geometry.value_px / digit, 3), "weight": round(geometry.weight_px / digit, 3),
                 "digit": round(digit, 4), "valueAt": list(VALUE_BY_WEIGHT_AT), "weightAt": list(WEIGHT_AT),
                 "chipPad": WEIGHT_PAD_PX},
        "planes": planes,
        "annotations": [page.placed(outline) for outline in geometry.annotations],
        "phases": [[page.placed(line) for line in outline.lines] for outline in geometry.phases],  # a heading: its lines
        "steps": steps,
    }


class _PageBuilder:
    """One figure's page data, built from its drawing: the planes, then the steps; colours are
    collected once into a palette that cells and texts refer to by index."""

    def __init__(self, drawing: Drawing) -> None:
        self.drawing = drawing
        self.scene, self.theme, self.painter = drawing.scene, drawing.theme, drawing.painter
        self.colour = _Palette()
        self.digit = digit_height(self.theme.font)
        self.em = CAPTION_EM * drawing.geometry.text_scale

    def plane(self, k: int) -> dict:
        plane, theme, colour = self.scene.planes[k], self.theme, self.colour
        origin, right, down = self.drawing.pixels(k, [[0, 0], [1, 0], [0, 1]])
        kinds = plane.grid.kinds
        h, w = kinds.shape
        cells = np.argwhere(np.ones((h, w), dtype=bool))
        fills = [colour(c) for c in self.painter.cell_colours(k, [tuple(cell) for cell in cells])]
        blank = (kinds == Cell.PADDING) | (kinds == Cell.ZERO) | (kinds == Cell.OUTSIDE)
        if plane.levels is not None:
            blank = np.zeros_like(blank)
        zeros = plane.distinct_zeros and plane.levels is None and bool((kinds == Cell.ZERO).any())
        if zeros:
            fills = [colour(theme.heat(ZERO_TINT)) if kinds[r, c] == Cell.ZERO else f for (r, c), f in zip(cells, fills)]
        row_of, col_of = _drawn_indices(plane.grid, h, w)
        return {
            "name": plane.name,
            "rowOf": row_of, "colOf": col_of,
            "role": plane.role, "volume": plane.volume, "beside": plane.beside,
            "weight": bool((kinds == Cell.WEIGHT).all()) and plane.levels is None,
            "shape": [h, w],
            "at": _round([*(right - origin), *(down - origin), *origin]),
            "fill": fills,
            "blank": [int(v) for v in blank.ravel()],
            "dotted": [int(v) for v in (kinds == Cell.ZERO).ravel()] if zeros else None,
            "outside": [int(v) for v in (kinds == Cell.OUTSIDE).ravel()] if (kinds == Cell.OUTSIDE).any() else None,
            "blankEdges": _round(blank_edges(kinds)) if plane.role == "matrix" and blank.any() else None,
            "text": None if plane.text is None else [str(t) for t in plane.text.ravel()],
            "ink": None if plane.text is None else [self.inks(Label(k, (int(r), int(c)), str(plane.text[r, c])), {})
                                                    for r, c in cells],
            "written": bool(((kinds == Cell.RESULT) | (kinds == Cell.PENDING)).any()) and plane.levels is None,
            "weights": plane.weights,
        }

    def inks(self, label: Label, filled: dict) -> list:
        """The ink of a cell's text as it stands and under the highlight: the paint model's choice
        for each (``filled``: the fill each cell has so far)."""
        painter, cell = self.painter, (label.plane, tuple(label.cell))
        grounds = [*painter.grounds([label], filled), *painter.grounds([label], filled, frozenset([cell]))]
        return [self.colour(ink) for ink in painter.inks(grounds)]

    def placed(self, outline) -> list:
        x, y = self.painter.pixels(outline.origin)[0]
        return [outline.text, round(float(x), 2), round(float(y), 2), round(outline.em * self.drawing.cell_px, 2)]

    def equation(self, step: Step) -> list:
        """The painter's equation runs, each at its pen's origin on the baseline, in its ink."""
        out = []
        for text, _, _, origin, _, ink, strong in self.painter.equation(step.equation):
            x, y = self.painter.pixels(origin)[0]
            text = text.replace(" ", "\u00a0")  # a page collapses the spaces around the joiners
            out.append([text, round(float(x), 2), round(float(y), 2), self.colour(ink), int(strong)])
        return out

    def cells_of(self, highlights: Sequence[np.ndarray]) -> list:
        out = []
        for k, cells in enumerate(highlights):
            cells = np.asarray(cells).reshape(-1, 2)
            if len(cells):
                width = self.scene.planes[k].grid.shape[1]
                out.append([k, [int(r) * width + int(c) for r, c in cells]])
        return out

    def texts(self, labels: Sequence[Label], filled: dict) -> list:
        out = []
        for label in labels:
            width = self.scene.planes[label.plane].grid.shape[1]
            cell = int(label.cell[0]) * width + int(label.cell[1])
            if label.kind == "fill":
                out.append([label.plane, cell, "", "fill", self.colour(self.painter.fill_colour(label))])
            else:
                out.append([label.plane, cell, label.text, label.kind, self.inks(label, filled)])
        return out

    def steps(self) -> list:
        """Each step's data; links are cut around the values written in earlier steps too."""
        painter, colour = self.painter, self.colour
        steps = []
        revealed: Dict[tuple, np.ndarray] = {}
        filled: dict = {}  # the fill each cell has so far
        for step in self.scene:
            filled.update(painter.filled(step.reveals))
            shown = [label for label in (*step.labels, *step.reveals) if label.kind != "fill"]
            baked = np.array(list(revealed.values())).reshape(-1, 4)
            links = [[*_round(painter.pixels(piece)), colour(ink), link.source, link.target, int(link.wire)]
                     for link, pieces, ink in painter.link_pieces(step, shown, baked=baked) for piece in pieces]
            steps.append({
                "highlights": self.cells_of(step.highlights),
                "marks": self.cells_of(step.marks),
                "links": links,
                "labels": self.texts(step.labels, filled),
                "reveals": self.texts(step.reveals, filled),
                "phase": step.phase,
                "equation": self.equation(step),
            })
            written = [label for label in step.reveals if label.kind != "fill"]
            for label, box in zip(written, painter.text_boxes(written)):
                revealed.pop((label.plane, label.cell, label.kind), None)
                revealed[(label.plane, label.cell, label.kind)] = box
        return steps


def _drawn_indices(grid, h: int, w: int):
    """The array index of each drawn row and column, where they differ from the drawn order."""
    if np.array_equal(grid.rows, np.arange(h)) and np.array_equal(grid.cols, np.arange(w)):
        return None, None
    row_of, col_of = [-1] * h, [-1] * w
    for i, r in enumerate(grid.rows):
        if 0 <= r < h:
            row_of[int(r)] = i
    for j, c in enumerate(grid.cols):
        if 0 <= c < w:
            col_of[int(c)] = j
    return row_of, col_of
