"""Every glyph keeps its shape at every size: a "+" is never drawn as a "−". (Agg snaps a path
made only of horizontal and vertical segments to whole pixels unless told not to; a "+" is one,
and at some sizes its upright bar vanished.)"""

import numpy as np
import pytest

from convanim import Conv2d
from convanim.core.values import Numbers
from convanim.draw.fit import Geometry
from convanim.draw.render import Renderer
from convanim.draw.text import CAPTION_EM, _advance, digit_height, equation_runs, glyphs
from convanim.scene.gather import gather_scene

SPEC = Conv2d(8, 3)
KERNEL = np.array([[1, -1, 2], [-2, 1, -1], [2, -1, 1]])  # terms such as "3·(−1)" between the "+"s


def _sign_boxes(renderer, equation):
    """Pixel boxes (x0, y0, x1, y1, from the top-left) of every "+" and "−" the equation strip
    writes, found where the strip lays them out: each character's advance, the height of "+"."""
    theme, geometry = renderer.theme, renderer.geometry
    xmin, _, xmax, _ = geometry.bounds
    em = CAPTION_EM * geometry.text_scale
    runs = equation_runs(equation, xmax - xmin, em, theme)
    left = (xmin + xmax) / 2 - runs[-1][2] / 2
    baseline = geometry.equation_line - digit_height(theme.font) / 2 * em
    _, gy0, _, gy1 = glyphs("+", theme.font)[2]
    boxes = {"+": [], "−": []}
    for text, x0, _, _, strong in runs:
        for at, char in enumerate(text):
            if char in boxes:
                a = left + x0 + _advance(text[:at], theme.font, strong) * em
                b = left + x0 + _advance(text[:at + 1], theme.font, strong) * em
                display = renderer.axes.transData.transform([[a, baseline + gy0 * em], [b, baseline + gy1 * em]])
                boxes[char].append((display[0, 0], renderer.height - display[1, 1], display[1, 0], renderer.height - display[0, 1]))
    return boxes


def _ink_extent(frame, box, background):
    """How tall and how wide the ink inside ``box`` is, in pixels: a pixel is ink if it is at
    least a third of the way from the background to black."""
    x0, x1 = int(np.floor(box[0])), int(np.ceil(box[2]))
    y0, y1 = int(np.floor(box[1])) - 2, int(np.ceil(box[3])) + 2
    patch = frame[y0:y1, x0:x1, :3].astype(float)
    ink = (np.asarray(background, float) - patch).mean(axis=2) / np.mean(background) > 1 / 3
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    extent = lambda found: int(found[-1] - found[0] + 1) if len(found) else 0  # noqa: E731
    return extent(rows), extent(cols)


@pytest.mark.parametrize("cell_px", [15, 16, 17, 19.5, 20, 22, 25, 30, 35, 40, 48, 57])
def test_plus_and_minus_are_told_apart_at_every_width(cell_px):
    """Images 300 to 1200 px wide (cells given: --width refuses widths too narrow for numbers in
    the cells, but the glyphs must keep their shape at any size the renderer is asked for)."""
    scene = gather_scene(SPEC.sweep(), Numbers.of(SPEC, np.arange(64).reshape(8, 8) % 4 + 1, KERNEL))
    geometry = Geometry.of(scene, "paper", cell_px=cell_px)
    width = geometry.width
    assert 300 <= width <= 1200
    renderer = Renderer(scene, "paper", geometry=geometry)
    step = scene.step(11)
    frame = renderer.frame(step)
    boxes = _sign_boxes(renderer, step.equation)
    assert len(boxes["+"]) >= 2 and len(boxes["−"]) >= 2, boxes
    background = renderer.theme.background
    for box in boxes["+"]:
        tall, wide = _ink_extent(frame, box, background)
        assert wide >= 3 and tall >= 0.7 * wide, ("+", width, box, tall, wide)  # the bars cross
    for box in boxes["−"]:
        tall, wide = _ink_extent(frame, box, background)
        assert wide >= 3 and tall <= 0.5 * wide, ("−", width, box, tall, wide)  # one bar
