import numpy as np
import pytest

from convanim.draw.layout import box_corners, layout
from convanim.scene.gather import gather_scene
from convanim import Conv2d
from convanim.ops import scene_for


def _planes(spec):
    return gather_scene(spec.sweep()).planes


def test_paper_axes_follow_the_tikz_slant():
    """A column goes right and up (2:1), a row goes right and down, as in the paper's GIFs."""
    inp = layout(_planes(Conv2d(4, 3)), "paper").placements[0]
    origin = inp.to_screen([0, 0])
    column = inp.to_screen([1, 0]) - origin
    row = inp.to_screen([0, 1]) - origin
    np.testing.assert_allclose(column, [1.0, 0.5])
    np.testing.assert_allclose(row, [0.7, -0.65])


def test_paper_output_floats_padded_height_plus_one_above_the_input():
    spec = Conv2d(5, 3, 2, 1)  # padded 7x7
    inp, out = layout(_planes(spec), "paper").placements
    bottom_left_in = inp.to_screen([0, 7])
    bottom_left_out = out.to_screen([0, 3])
    np.testing.assert_allclose(bottom_left_out - bottom_left_in, [-0.176, 8.0])


def test_flat_places_output_right_of_input_vertically_centred():
    inp, out = layout(_planes(Conv2d(5, 3, 2, 1)), "flat").placements
    np.testing.assert_allclose(inp.to_screen([0, 0]), [0, 0])
    np.testing.assert_allclose(out.to_screen([0, 0]), [8, -2])
    np.testing.assert_allclose(out.to_screen([3, 3]), [11, -5])


def test_to_plane_inverts_to_screen():
    for style in ("paper", "flat"):
        for p in layout(_planes(Conv2d(5, 3, 2, 1)), style).placements:
            pts = np.array([[0.0, 0.0], [2.5, 1.0], [3.0, 3.0]])
            np.testing.assert_allclose(p.to_plane(p.to_screen(pts)), pts)


def test_cells_are_unit_squares_on_the_plane():
    p = layout(_planes(Conv2d(4, 3)), "paper").placements[0]
    poly = p.cells(np.array([[1, 2]]))[0]
    np.testing.assert_allclose(p.to_plane(poly), [[2, 1], [3, 1], [3, 2], [2, 2]])


def test_links_start_at_the_footprint_and_stop_at_the_output_plane():
    spec = Conv2d(5, 3, 2, 1)
    planes = _planes(spec)
    lay = layout(planes, "paper")
    inp, out = lay.placements
    sweep = spec.sweep()
    for step in range(len(sweep)):
        r, c = sweep.out_cell(step)
        segs = lay.link_segments(0, sweep.footprint(step), 1, (r, c, r + 1, c + 1))
        r0, c0, r1, c1 = sweep.footprint(step)
        np.testing.assert_allclose(segs[:, 0], inp.to_screen([[c0, r0], [c1, r0], [c1, r1], [c0, r1]]))
        ends = out.to_plane(segs[:, 1])
        h, w = out.shape
        for x, y in ends:  # every visible end lies on the plane's rim or on the cell's corner
            on_rim = np.isclose(x, 0) or np.isclose(x, w) or np.isclose(y, 0) or np.isclose(y, h)
            corner = any(np.allclose([x, y], q) for q in [[c, r], [c + 1, r], [c + 1, r + 1], [c, r + 1]])
            assert on_rim or corner
            assert -1e-9 <= x <= w + 1e-9 and -1e-9 <= y <= h + 1e-9


def _inside(placement, point, margin=1e-6) -> bool:
    x, y = placement.to_plane(point)
    h, w = placement.shape
    return margin < x < w - margin and margin < y < h - margin


def _on_segment(point, p, q) -> bool:
    (dx, dy), (ex, ey) = q - p, point - p
    return abs(dx * ey - dy * ex) < 1e-9 and -1e-9 <= dx * ex + dy * ey <= dx * dx + dy * dy + 1e-9


def test_links_are_hidden_below_every_higher_plane_they_pass():
    """Planes stacked at three levels: a link from the bottom plane to the top one passes the
    middle plane's level, and is seen over the middle plane only above that level."""
    from convanim.scene.model import Plane
    from convanim.core.sweep import Grid

    planes = [Plane(name, Grid.dense((5, 5)), volume=v) for name, v in (("input", 0), ("middle", 1), ("top", 1))]
    lay = layout(planes, "paper")
    source, middle, target = 0, 1, 2
    levels = [lay.placements[k].level for k in (source, middle, target)]
    assert levels[0] < levels[1] < levels[2]
    t_middle = (levels[1] - levels[0]) / (levels[2] - levels[0])
    source_box, target_box = (2, 2, 5, 5), (0, 0, 1, 1)
    pieces = lay.link_segments(source, source_box, target, target_box)
    starts = lay.placements[source].to_screen(box_corners(source_box))
    ends = lay.placements[target].to_screen(box_corners(target_box))
    hidden_somewhere = False
    for a, b in zip(starts, ends):
        for t in np.linspace(0, 1, 201)[1:-1]:
            point = a + t * (b - a)
            seen = any(_on_segment(point, p, q) for p, q in pieces)
            behind = _inside(lay.placements[target], point) or (_inside(lay.placements[middle], point) and t < t_middle)
            assert seen != behind, (t, point)
            hidden_somewhere |= behind and _inside(lay.placements[middle], point)
    assert hidden_somewhere  # the case is a real one


def test_unknown_style():
    with pytest.raises(ValueError, match="unknown style 'cubist'"):
        layout(_planes(Conv2d(4, 3)), "cubist")


def test_planes_are_sheared_as_the_papers():
    """The paper's TikZ (xslant=-0.7, yslant=0.5): on screen, the next column of a drawn plane is
    a cell right and half a cell up, the next row 0.7 right and 0.65 down; in flat, square cells."""
    for style, column, row in (("paper", [1.0, 0.5], [0.7, -0.65]), ("flat", [1.0, 0.0], [0.0, -1.0])):
        for placement in layout(_planes(Conv2d(5, 3, 2, 1)), style).placements:
            origin, right, down = placement.cells(np.array([[1, 1], [1, 2], [2, 1]]))[:, 0]
            np.testing.assert_allclose(right - origin, column)
            np.testing.assert_allclose(down - origin, row)
