"""What a reader sees: numbers upright and large enough, apart from each other, never struck
through by a line; links only between the planes a step involves; one number format a figure;
the equation strip."""

import functools
import re

import numpy as np
import pytest

from convanim import Animation
from convanim.draw.text import VALUE_PX, WEIGHT_PX, equation_runs, glyphs
from convanim import Conv2d, ConvTranspose2d, Pool2d, SeparableConv2d, SpatialSeparableConv2d
from convanim.core.values import Numbers
from convanim.scene.gather import gather_scene


def _numbers(spec):
    return Numbers.of(spec)  # a chain gets its StagedNumbers


SPECS = {
    "conv": Conv2d(5, 3, 2, 1),
    "avg": Pool2d(5, 3, mode="avg"),
    "max": Pool2d(5, 3, mode="max"),
    "transposed": ConvTranspose2d(3, 3, 2, 1, output_padding=1),
    "channels": Conv2d(6, 3, in_channels=3, out_channels=2),
    "grouped": Conv2d(5, 3, in_channels=4, out_channels=4, groups=2),
    "depthwise": Conv2d(5, 3, in_channels=3, out_channels=3, groups=3),
    "pointwise": Conv2d(4, 1, in_channels=4, out_channels=2),
    "separable": SeparableConv2d(6, 3, in_channels=3, out_channels=2),
    "sobel": SpatialSeparableConv2d(6, [1, 2, 1], [1, 0, -1]),
    "scatter": ConvTranspose2d(3, 3, 2),
}
VIEWS = {"scatter": "scatter"}
# Every figure in the paper's style; in flat, those whose flat layout differs in kind (a kernel
# plane beside, channel columns, two stages, a legend).
STYLED = [(name, "paper") for name in SPECS] + [(name, "flat") for name in ("conv", "max", "channels", "separable", "scatter")]


def _fresh_renderer(name, style, labels=True):
    spec = SPECS[name]
    return Animation(spec, style, numbers=_numbers(spec), labels=labels, view=VIEWS.get(name, "gather")).renderer()


_renderer = functools.lru_cache(maxsize=None)(_fresh_renderer)  # for the tests that only read it


def _steps(scene, most=8):
    picks = np.unique(np.linspace(0, len(scene) - 1, min(most, len(scene))).astype(int))
    return [scene.step(int(i)) for i in picks]


def _static_labels(scene):
    from convanim.scene.model import Label

    return [Label(k, cell, p.text[cell]) for k, p in enumerate(scene.planes) if p.text is not None
            for cell in np.ndindex(*p.text.shape) if p.text[cell]]


def _texts(step):
    return [label for label in (*step.labels, *step.reveals) if label.kind != "fill"]


@pytest.mark.parametrize("name, style", STYLED)
def test_numbers_are_upright_and_legible(name, style):
    renderer = _renderer(name, style)
    font = renderer.theme.font
    for step in _steps(renderer.scene):
        for label in [*_static_labels(renderer.scene), *_texts(step)]:
            outline, _ = renderer.painter.label_outline(label)
            shape = glyphs(label.text, font)[0]
            # upright: the outline is the glyph outline scaled and moved, neither sheared nor turned
            scale = (outline[:, 0].max() - outline[:, 0].min()) / (shape[:, 0].max() - shape[:, 0].min())
            np.testing.assert_allclose(outline - outline[0], (shape - shape[0]) * scale, atol=1e-9)
            if re.fullmatch(r"−?[0-9.]+", label.text):
                height = glyphs("0", font)[2][3] * scale * renderer.cell_px  # the digits' height
                assert height >= (WEIGHT_PX if label.kind == "weight" else VALUE_PX) - 0.05, (label, height)


def _cell_polygon(renderer, label):
    return renderer.layout.placements[label.plane].cells(np.array([label.cell]))[0]


def _inside(point, polygon):
    edges = np.roll(polygon, -1, axis=0) - polygon
    cross = edges[:, 0] * (point[1] - polygon[:, 1]) - edges[:, 1] * (point[0] - polygon[:, 0])
    return bool(np.all(cross > 0) or np.all(cross < 0))


@pytest.mark.parametrize("name, style", STYLED)
def test_values_and_weights_keep_apart_and_inside_their_cells(name, style):
    renderer = _renderer(name, style)
    for step in _steps(renderer.scene):
        by_cell = {}
        for label in _texts(step):
            by_cell.setdefault((label.plane, label.cell), []).append(label)
        for labels in by_cell.values():
            boxes = []
            for label in labels:
                outline, _ = renderer.painter.label_outline(label)
                box = (*outline.min(axis=0), *outline.max(axis=0))
                polygon = _cell_polygon(renderer, label)
                for corner in [(box[0], box[1]), (box[2], box[1]), (box[2], box[3]), (box[0], box[3])]:
                    assert _inside(np.array(corner), polygon), (label, "leaves its cell")
                boxes.append(box)
            for i, a in enumerate(boxes):
                for b in boxes[i + 1:]:
                    assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1], (labels, "collide")


def _points(segments, samples):
    """``samples`` points along each segment, ends excluded as far as ``margin``: (n·samples, 2)."""
    if not len(segments):
        return np.empty((0, 2))
    segments = np.asarray(segments, dtype=float)
    t = np.linspace(0, 1, samples)[None, :, None]
    return (segments[:, None, 0] + t * (segments[:, None, 1] - segments[:, None, 0])).reshape(-1, 2)


def _inside_boxes(points, boxes):
    """For each box (x0, y0, x1, y1), whether any point lies strictly inside it."""
    boxes = np.asarray(boxes, dtype=float).reshape(-1, 4)
    x, y = points[:, 0:1], points[:, 1:2]
    return ((x > boxes[:, 0]) & (x < boxes[:, 2]) & (y > boxes[:, 1]) & (y < boxes[:, 3])).any(axis=0)


def _inside_polygon(points, polygon):
    """Whether each point lies strictly inside a convex polygon."""
    edges = np.roll(polygon, -1, axis=0) - polygon
    cross = edges[:, 0] * (points[:, 1:2] - polygon[:, 1]) - edges[:, 1] * (points[:, 0:1] - polygon[:, 0])
    return np.all(cross > 0, axis=1) | np.all(cross < 0, axis=1)


@pytest.mark.parametrize("name, style", [(n, "paper") for n in SPECS] + [("channels", "flat")])
def test_no_line_is_drawn_over_a_digit(name, style):
    renderer = _fresh_renderer(name, style)  # its revealed numbers are set below
    scene = renderer.scene
    revealed, baked = [], None
    for index in range(len(scene)):
        step = scene.step(index)
        texts = _texts(step)
        segments, _ = renderer.painter.paint(step, baked).segments
        assert segments or not step.links
        boxes = []
        for label in [*_static_labels(scene), *revealed, *texts]:
            outline, _ = renderer.painter.label_outline(label)
            boxes.append((*outline.min(axis=0), *outline.max(axis=0)))
        assert not _inside_boxes(_points(segments, 60), boxes).any(), (index, "a link strikes through a number")
        revealed += [label for label in step.reveals if label.kind != "fill"]
        baked = renderer.painter.text_boxes(list({(l.plane, l.cell, l.kind): l for l in revealed}.values()))


CHANNELS = ["channels", "grouped", "depthwise", "pointwise", "separable", "sobel"]
LABELLED = ["conv", "transposed", "scatter", "max"]  # with their kernel planes and legends beside


@pytest.mark.parametrize("name, style, labels", [(n, s, False) for n in CHANNELS for s in ("paper", "flat")]
                         + [(n, "paper", True) for n in LABELLED])
def test_links_join_every_plane_a_step_involves_and_cross_no_other(name, style, labels):
    """Involved: the planes the step lights (what it reads, the kernel slices, what it writes)."""
    renderer = _renderer(name, style, labels=labels)
    scene = renderer.scene
    polygons = [p.corners() for p in renderer.layout.placements]
    for index in range(len(scene)):
        step = scene.step(index)
        involved = {k for k, cells in enumerate(step.highlights) if len(cells)}
        linked = {link.source for link in step.links} | {link.target for link in step.links}
        assert linked == involved, (index, "every plane the step lights is linked, and no other")
        segments, _ = renderer.painter.paint(step).segments
        points = _points([(a + 0.02 * (b - a), a + 0.98 * (b - a)) for a, b in segments], 40)
        for k, polygon in enumerate(polygons):
            if k not in involved:
                assert not _inside_polygon(points, polygon).any(), (index, f"a link crosses idle plane {scene.planes[k].name!r}")


@pytest.mark.parametrize("name", ["channels", "grouped", "depthwise", "pointwise", "separable", "sobel"])
def test_channel_figures_fit_a_slide(name):
    anim = Animation(SPECS[name], labels=True)
    assert max(anim.geometry.width, anim.geometry.height) <= 1100


def test_each_kind_of_number_has_one_format():
    """Inputs, weights and outputs are each written by what they hold, as the paper does: whole
    inputs as "3" beside their means, which all take one decimal ("1.0" beside "1.7")."""
    renderer = _renderer("avg", "flat")
    inputs = [label.text for label in _static_labels(renderer.scene)]
    terms, outputs = [], []
    for step in renderer.scene:
        outputs += [label.text for label in _texts(step) if label.plane != 0]
        terms += [t.text for t in step.equation.terms]
        outputs.append(step.equation.result.removeprefix("= "))
    assert inputs and all(re.fullmatch(r"[0-9]+", s) for s in inputs + terms), sorted(set(inputs + terms))
    assert all(re.fullmatch(r"−?[0-9]+\.[0-9]", s) for s in outputs), sorted(set(outputs))
    assert "1.0" in outputs and "1.7" in outputs
    conv = Conv2d(4, 2)
    mixed = gather_scene(conv.sweep(), Numbers.of(conv, np.arange(16).reshape(4, 4) % 3, np.array([[0.5, 1], [2, -1.25]])))
    weights = {label.text for step in mixed for label in step.labels if label.kind == "weight"}
    assert weights == {"0.5", "1.0", "2.0", "−1.3"}, weights  # one format for the weights...
    assert {mixed.planes[0].text[0, 1], mixed.planes[0].text[0, 2]} == {"1", "2"}  # ...another for the inputs


def _written(equation):
    return "".join(text for text, *_ in equation_runs(equation, float("inf"), 1.0, _renderer("conv", "paper").theme))


def test_equations_write_out_each_step():
    scene = _renderer("conv", "paper").scene
    assert _written(scene.step(4).equation) == "o[1,1] = 0·0 + 1·1 + 3·2 + 1·2 + 2·2 + 2·0 + 0·0 + 0·1 + 2·2 = 17"
    top = _renderer("max", "flat").scene.step(0).equation
    assert _written(top) == "o[0,0] = max(3, 3, 2, 0, 0, 1, 3, 1, 2) = 3"
    assert [t.strong for t in top.terms].index(True) == 0  # the first maximum is the one kept
    assert _written(_renderer("avg", "flat").scene.step(0).equation) == (
        "o[0,0] = (3 + 3 + 2 + 0 + 0 + 1 + 3 + 1 + 2)/9 = 1.7")
    sobel = _renderer("sobel", "paper").scene
    assert "·(−1)" in _written(sobel.step(30).equation)
    transposed = _renderer("transposed", "paper").scene.step(0).equation
    assert len(transposed.terms) < 9  # only the input's own cells: inserted zeros and padding add nothing


def test_long_equations_elide_their_middle_to_fit():
    spec = Conv2d(9, 7)
    renderer = Animation(spec, numbers=Numbers.of(spec)).renderer()
    equation = renderer.scene.step(0).equation
    xmin, _, xmax, _ = renderer.geometry.bounds
    from convanim.draw.text import CAPTION_EM

    runs = equation_runs(equation, xmax - xmin, CAPTION_EM * renderer.geometry.text_scale, renderer.theme)
    text = "".join(r[0] for r in runs)
    assert "…" in text and runs[-1][2] <= xmax - xmin
    assert text.startswith("o[0,0] = ") and text.endswith(f"= {equation.result[2:]}")
    full = "".join(r[0] for r in equation_runs(equation, float("inf"), 1.0, renderer.theme))
    assert full.count("·") == 49
