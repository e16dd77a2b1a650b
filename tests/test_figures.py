"""Figure defects a student would see (issue 25): each checked on what is drawn, the scene and
its paint model."""

import re

import numpy as np
import pytest

from convanim import Animation, Conv2d, ConvTranspose2d, Pool2d, SpatialSeparableConv2d
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


def _ink(vertices, codes):
    """The box of a text's ink (a path's vertices also hold its pen's returns)."""
    from matplotlib.path import Path

    e = Path(vertices, codes).get_extents()
    return np.array([[e.x0, e.y0], [e.x1, e.y0], [e.x1, e.y1], [e.x0, e.y1]])


def _clearance_px(renderer, label) -> float:
    """How far the ink of a cell's number stays inside its cell's outline (from the line's middle), px."""
    from convanim.draw.fit import _cross

    ink = _ink(*renderer.painter.label_outline(label))
    cell = renderer.layout.placements[label.plane].cells(np.array([label.cell]))[0]
    edges = np.roll(cell, -1, axis=0) - cell
    orient = np.sign(_cross(edges[0], edges[1]))
    return min((orient * _cross(e, ink - p) / np.linalg.norm(e)).min() for p, e in zip(cell, edges)) * renderer.cell_px


NUMBERED = {
    "avg_ceil": (Pool2d(5, 2, 2, mode="avg", ceil_mode=True), "gather"),
    "avg": (Pool2d(5, 3, mode="avg"), "gather"),
    "conv_numbers": (Conv2d(5, 3, 2, 1), "gather"),
    "transposed": (ConvTranspose2d(3, 3, 2, 1), "gather"),
}


@pytest.mark.parametrize("style", ["paper", "flat"])
@pytest.mark.parametrize("name", sorted(NUMBERED))
def test_every_number_keeps_clear_of_its_cells_outline(name, style):
    """Cells are fitted to the widest ink among the numbers they hold (a "0.0" is wider than the
    "1.5" a count of characters picks), so no digit comes within EDGE_GAP_PX of a grid line."""
    from convanim.draw.text import EDGE_GAP_PX

    spec, view = NUMBERED[name]
    renderer = Animation(spec, style=style, numbers=True, labels=True, view=view).renderer()
    scene = renderer.scene
    labels = list(renderer.painter.static_labels)
    for step in scene:
        labels += [label for label in (*step.labels, *step.reveals) if label.kind == "value" and label.text]
    seen = {}
    for label in labels:
        seen[(label.plane, label.cell, label.text)] = label
    worst = min(_clearance_px(renderer, label) for label in seen.values())
    assert worst >= EDGE_GAP_PX - 0.05, worst


MATRICES = {
    "transposed_matrix": (ConvTranspose2d(2, 3), "matrix"),
    "im2col": (Conv2d(5, 3, 2, 1), "im2col"),
}


@pytest.mark.parametrize("name", sorted(MATRICES))
def test_a_blank_boxed_in_by_filled_cells_keeps_its_dashed_outline(name):
    """Each side of each blank cell of a matrix is dashed, drawn over the solid outlines of the
    filled cells around it (which would otherwise make it a white cell of a solid grid)."""
    from matplotlib.collections import LineCollection, PolyCollection

    spec, view = MATRICES[name]
    renderer = Animation(spec, numbers=True, labels=True, view=view).renderer()
    k = next(i for i, p in enumerate(renderer.scene.planes) if p.role == "matrix")
    kinds = renderer.scene.planes[k].grid.kinds
    placement = renderer.layout.placements[k]
    blank = (kinds == Cell.PADDING) | (kinds == Cell.ZERO) | (kinds == Cell.OUTSIDE)
    filled = np.pad(~blank, 1)
    boxed = [(r, c) for r, c in np.argwhere(blank) if filled[r, c + 1] and filled[r + 2, c + 1] and filled[r + 1, c]
             and filled[r + 1, c + 2]]
    assert boxed  # the figure has blanks with filled cells all round
    first_filled = placement.cells(np.argwhere(~blank)[:1])[0]
    artists = renderer.axes.collections
    solid = max(i for i, a in enumerate(artists) if isinstance(a, PolyCollection) and len(a.get_paths())
                and np.allclose(a.get_paths()[0].vertices[:4], first_filled))
    dashed = [a for a in artists[solid + 1:] if isinstance(a, LineCollection) and a.get_linestyle()[0][1] is not None]
    assert dashed, "no dashed lines over the filled cells"
    drawn = {tuple(np.round(seg, 6).ravel()) for a in dashed for seg in a.get_segments()}
    for r, c in np.argwhere(blank):
        for side in ([[c, r], [c + 1, r]], [[c, r + 1], [c + 1, r + 1]], [[c, r], [c, r + 1]], [[c + 1, r], [c + 1, r + 1]]):
            assert tuple(np.round(placement.to_screen(np.array(side, dtype=float)), 6).ravel()) in drawn, (r, c, side)
    # the page draws the same edges
    from convanim.draw.page import page_data
    from convanim.draw.paint import blank_edges

    plane = page_data(renderer, 1000, "", "")["planes"][k]
    edges = np.array(plane["blankEdges"]).reshape(-1, 2, 2)
    assert {tuple(np.round(e, 2).ravel()) for e in edges} == {tuple(np.round(e, 2).ravel()) for e in blank_edges(kinds)}


def test_im2col_lights_a_rows_copies_of_the_input_and_leaves_its_padding_blank():
    scene = Animation(Conv2d(5, 3, 2, 1), numbers=True, labels=True, view="im2col").scene
    k = next(i for i, p in enumerate(scene.planes) if p.role == "matrix")
    kinds = scene.planes[k].grid.kinds
    for step in scene:
        lit = step.highlights[k]
        assert (lit[:, 0] == step.index).all()
        assert {int(c) for c in lit[:, 1]} == {int(c) for c in np.flatnonzero(kinds[step.index] == Cell.DATA)}


ISOMETRIC = {
    "conv_numbers": Conv2d(5, 3, 2, 1),
    "conv": Conv2d(5, 3),
    "transposed": ConvTranspose2d(3, 3, 2, 1),
    "avg_ceil": Pool2d(5, 2, 2, mode="avg", ceil_mode=True),
}


@pytest.mark.parametrize("name", sorted(ISOMETRIC))
def test_every_digit_of_an_isometric_figure_is_at_least_11_px(name):
    """In the paper's sheared cells a weight is written as large as a value's legible minimum
    (it was 9 px, a speck beside the value); the cells grow to hold both."""
    from convanim.draw.text import VALUE_PX, digit_height

    renderer = Animation(ISOMETRIC[name], numbers=True, labels=True).renderer()
    digit = digit_height(renderer.theme.font)
    scene = renderer.scene
    for step in (scene.step(0), scene.step(len(scene) - 1)):
        for label in (*renderer.painter.static_labels, *step.labels, *step.reveals):
            if label.kind == "fill" or not label.text:
                continue
            ink = _ink(*renderer.painter.label_outline(label))
            from convanim.draw.text import glyphs

            _, y0, _, y1 = glyphs(label.text, renderer.theme.font)[2]
            px = (ink[:, 1].max() - ink[:, 1].min()) / (y1 - y0) * digit * renderer.cell_px  # its digits' height
            assert px >= VALUE_PX - 0.05, (label, px)


def test_the_seeded_kernels_show_the_order_of_their_weights():
    """A one-channel kernel drawn at random is never the same turned 180° (the scatter of
    transposed1d --i 4 --k 3 stamped [1,1,1]) nor a lone weight among zeros; the paper's own
    numbers are what they were."""
    from convanim import ConvTranspose1d, Conv1d
    from convanim.core.values import Numbers

    for spec in (ConvTranspose1d(4, 3), ConvTranspose1d(4, 3, 2), ConvTranspose2d(3, 3, 2), Conv1d(8, 3), Conv2d(5, 3)):
        for seed in (None, *range(20)):
            kernel = np.squeeze(Numbers.of(spec, seed=seed).kernel)
            assert not np.array_equal(kernel, np.flip(kernel)), (spec, seed, kernel)
            assert np.count_nonzero(kernel) >= 2, (spec, seed, kernel)
    np.testing.assert_array_equal(Numbers.of(Conv2d(5, 3)).kernel.ravel(), [0, 1, 2, 2, 2, 0, 0, 1, 2])  # the paper's
    scene = Animation(ConvTranspose1d(4, 3), numbers=True, labels=True, view="scatter").scene
    kernel = next(p for p in scene.planes if p.name == "kernel")
    assert len(set(kernel.text.ravel())) > 1


@pytest.mark.parametrize("spec", [ConvTranspose2d(3, 3, 2), ConvTranspose2d(3, 3, 2, 1), ConvTranspose2d((2, 3), (2, 3), (1, 2))],
                         ids=lambda s: s.slug)
def test_a_scatter_draws_an_arrow_from_the_input_cell_to_where_its_stamp_starts(spec):
    """Flat, where planes get no connector lines, each stamp still gets an arrow: from the input
    cell's middle to the first corner of its stamp, at s·i on the output canvas, ending in a
    head, over no plane but the two it joins."""
    renderer = Animation(spec, style="flat", numbers=True, labels=True, view="scatter").renderer()
    scene, lay, painter = renderer.scene, renderer.layout, renderer.painter
    names = [p.name for p in scene.planes]
    source, target = names.index("input"), names.index("output")
    width = spec.input_size[1]
    sh, sw = spec.stride
    for step in scene:
        r, c = divmod(step.index, width)
        [(link, pieces, _)] = painter.paint(step).links
        assert (link.source, link.target) == (source, target)
        route = lay.link_segments(link.source, link.source_box, link.target, link.target_box, wire=True, corner=True)
        start, tip = route[0][0], route[-1][1]
        np.testing.assert_allclose(lay.placements[source].to_plane(start), [c + 0.5, r + 0.5])
        np.testing.assert_allclose(lay.placements[target].to_plane(tip), [sw * c, sh * r], atol=1e-9)  # the stamp's corner
        heads = [p for p in pieces if np.allclose(p[0], tip)]
        assert len(heads) == 2  # two strokes back from the tip
        others = [p for k, p in enumerate(lay.placements) if k not in (source, target)]
        for p, q in route:
            assert not any(_crossing(o, p, q) for o in others), (step.index, p, q)
