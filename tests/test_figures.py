"""Figure defects a student would see (issue 25): each checked on what is drawn, the scene and
its paint model."""

import re

import numpy as np
import pytest

from convanim import Animation, SpatialSeparableConv2d
from convanim.core.sweep import Cell
from convanim.draw.layout import _crossing

SOBEL = SpatialSeparableConv2d(6, (1, 2, 1), (1, 0, -1))


def _kernels(scene):
    return {k for k, p in enumerate(scene.planes) if (p.grid.kinds == Cell.WEIGHT).all()}


def _path(segments):
    return [segments[0][0]] + [q for _, q in segments]


@pytest.mark.parametrize("style", ["flat", "paper"])
def test_sobel_draws_its_kernels_as_planes_the_full_one_as_column_times_row(style):
    scene = Animation(SOBEL, style=style, numbers=True, labels=True).scene
    kernels = {scene.planes[k].name: scene.planes[k] for k in _kernels(scene)}
    assert set(kernels) == {"column", "row", "column ⊗ row"}
    column, row = np.array(SOBEL.column), np.array(SOBEL.row)
    for name, expected in (("column", column[:, None]), ("row", row[None, :]), ("column ⊗ row", np.outer(column, row))):
        plane = kernels[name]
        assert plane.grid.shape == expected.shape
        written = np.vectorize(lambda t: float(t.replace("−", "-")))(plane.text)
        np.testing.assert_array_equal(written, expected)
    # each kernel level with what it makes: its middle at the height of its output plane's
    lay = Animation(SOBEL, style=style, numbers=True, labels=True).geometry.layout
    for k in _kernels(scene):
        a, b = lay.placements[k].corners(), lay.placements[scene.planes[k].align].corners()
        assert abs(a[:, 1].mean() - b[:, 1].mean()) < 1e-9


@pytest.mark.parametrize("style", ["flat", "paper"])
def test_sobel_wires_run_input_kernel_output_over_nothing_else(style):
    renderer = Animation(SOBEL, style=style, numbers=True, labels=True).renderer()
    scene, lay = renderer.scene, renderer.layout
    kernels = _kernels(scene)
    for step in scene:
        assert len(step.links) == 2
        into, out = step.links
        assert into.target in kernels and out.source == into.target and out.target == scene.planes[into.target].align
        for link in step.links:
            path = _path(lay.link_segments(link.source, link.source_box, link.target, link.target_box, wire=True))
            others = [p for k, p in enumerate(lay.placements) if k not in (link.source, link.target)] + list(lay.names)
            for p, q in zip(path, path[1:]):
                assert not any(_crossing(o, p, q) for o in others), (step.index, link)
        # the cell the wire ends in is the one the equation names
        r, c = out.target_box[:2]
        head = step.equation.head
        assert head.endswith(f"[{r},{c}] =")


def test_every_symbol_an_equation_uses_is_written_on_its_plane():
    scene = Animation(SOBEL, style="flat", numbers=True, labels=True).scene
    for step in scene:
        symbol = re.match(r"(\w+)\[", step.equation.head).group(1)
        out = step.links[-1].target
        assert scene.planes[out].name.endswith(f" {symbol}"), (step.index, scene.planes[out].name, symbol)
    caption = Animation(SOBEL, style="flat", numbers=True, labels=True).scene.caption
    assert "f:" not in caption  # no legend far from the plane it explains
    bare = Animation(SOBEL, style="flat", labels=True).scene  # no equations: no symbols to explain
    assert {p.name for p in bare.planes} >= {"column pass", "output", "full kernel's output"}
