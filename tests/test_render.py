import numpy as np
import pytest

from convanim.draw.fit import PAPER_CELL_PX
from convanim.draw.paint import lit_cells
from convanim.draw.render import Renderer
from convanim.scene.gather import gather_scene
from convanim import Conv2d, ConvTranspose2d
from convanim.core.sweep import Cell
from convanim.draw.theme import PAPER


def _renderer(spec, style="paper", **kw):
    return Renderer(gather_scene(spec.sweep()), style, **kw)


def _colour_at(frame, renderer, plane, cell):
    """The commonest colour at five points inside a cell (a thin connector line may cross one)."""
    r, c = cell
    points = renderer.pixels(plane, [[c + dx, r + dy] for dx, dy in [(0.5, 0.5), (0.3, 0.3), (0.7, 0.3), (0.3, 0.7), (0.7, 0.7)]])
    samples = [tuple(int(v) for v in frame[int(round(y)), int(round(x))]) for x, y in points]
    return max(set(samples), key=samples.count)


def _close(a, b, tol=3):
    return all(abs(int(p) - int(q)) <= tol for p, q in zip(a, b))


SPECS = [
    Conv2d(5, 3, 2, 1),
    Conv2d(7, 3, dilation=2),
    Conv2d((6, 5), (3, 2), (2, 1), (1, 0, 2, 1)),
    ConvTranspose2d.of(Conv2d(6, 3, 2, 1)),
    ConvTranspose2d(3, 2, 2, 1, dilation=2),
]


@pytest.mark.parametrize("style", ["paper", "flat"])
@pytest.mark.parametrize("spec", SPECS, ids=lambda s: f"{s.op}_{s.slug}")
def test_every_cell_has_the_colour_of_its_kind_and_the_highlight(spec, style):
    r = _renderer(spec, style)
    sweep = spec.sweep()
    kinds = sweep.source.kinds
    theme = PAPER
    base = {Cell.DATA: theme.input, Cell.PADDING: theme.padding, Cell.ZERO: theme.padding}
    for step in sorted({0, 1, len(sweep) // 2, len(sweep) - 1}):
        frame = r.frame(step)
        assert frame.shape == (r.height, r.width, 3) and frame.dtype == np.uint8
        taps = {tuple(t) for t in sweep.taps(step)}
        for cell in np.ndindex(*kinds.shape):
            colour = base[Cell(kinds[cell])]
            want = theme.over(colour) if cell in taps else colour
            assert _close(_colour_at(frame, r, 0, cell), want), (step, cell)
        out = sweep.out_cell(step)
        for cell in np.ndindex(*sweep.output_size):
            want = theme.over(theme.output) if cell == out else theme.output
            assert _close(_colour_at(frame, r, 1, cell), want), (step, cell)


def test_frames_do_not_accumulate_and_repeat_exactly():
    r = _renderer(Conv2d(5, 3, 2, 1))
    first = r.frame(0)
    for i in range(len(r.scene)):
        r.frame(i)
    np.testing.assert_array_equal(r.frame(0), first)


def test_only_the_moving_parts_change_between_frames():
    r = _renderer(Conv2d(7, 3, dilation=2))
    a, b = r.frame(0), r.frame(8)
    changed = np.argwhere((a != b).any(axis=-1))
    # Nothing changes in the margins: the static scene is drawn once.
    assert changed[:, 0].min() > 10 and changed[:, 1].min() > 10
    assert 0.02 < len(changed) / (r.width * r.height) < 0.5


def test_paper_scale_sizes_are_close_to_the_papers_gifs():
    # measured on the reference GIFs: 244x259 and 395x381 (width x height)
    for spec, (w, h) in [(Conv2d(4, 3), (244, 259)), (Conv2d(5, 3, 2, 1), (395, 381))]:
        r = _renderer(spec)
        assert abs(r.width - w) <= 8 and abs(r.height - h) <= 8


def test_cell_px_scales_the_image():
    small, big = _renderer(Conv2d(4, 3)), _renderer(Conv2d(4, 3), cell_px=2 * PAPER_CELL_PX)
    assert abs(big.width - 2 * small.width) <= 2 and abs(big.height - 2 * small.height) <= 2
    with pytest.raises(ValueError):
        _renderer(Conv2d(4, 3), cell_px=0)


def test_flat_frames_have_no_connector_lines():
    r = _renderer(Conv2d(5, 3), "flat")
    frame = r.frame(0)
    # between the planes, the background is untouched
    x_in_right = r.pixels(0, [5, 2.5])[0]
    x_out_left = r.pixels(1, [0, 1.5])[0]
    gap = frame[:, int(x_in_right) + 3 : int(x_out_left) - 3]
    assert (gap == 255).all()


from convanim import Pool2d  # noqa: E402
from convanim.core.values import Numbers  # noqa: E402


def _ink(frame, renderer, plane, cell, colour=(0, 0, 0), tol=150, inset=0.2):
    """How many pixels near ``colour`` lie well inside a cell (its text, or a mark)."""
    r, c = cell
    a, b = inset, 1 - inset
    corners = renderer.pixels(plane, [[c + a, r + a], [c + b, r + a], [c + b, r + b], [c + a, r + b]])
    x0, y0 = np.floor(corners.min(axis=0)).astype(int)
    x1, y1 = np.ceil(corners.max(axis=0)).astype(int)
    patch = frame[y0:y1, x0:x1].astype(int)
    from matplotlib.path import Path as MplPath

    yy, xx = np.mgrid[y0:y1, x0:x1]
    inside = MplPath(corners).contains_points(np.column_stack([xx.ravel() + 0.5, yy.ravel() + 0.5])).reshape(xx.shape)
    near = np.abs(patch - np.array(colour)).sum(axis=-1) < tol
    return int((near & inside).sum())


@pytest.mark.parametrize("style", ["paper", "flat"])
def test_output_values_fill_in_as_the_kernel_reaches_them(style):
    spec = Conv2d(5, 3, 2, 1)
    scene = gather_scene(spec.sweep(), Numbers.of(spec))
    r = Renderer(scene, style)
    for step in (0, 4, 8, 3):  # out of order too: the background is rebuilt
        frame = r.frame(step)
        lit = lit_cells(scene.step(step))

        def ink(plane, cell, fill):  # the ink for the cell's fill, under the highlight where it lies
            return r.theme.ink_on(r.theme.over(fill) if (plane, cell) in lit else fill)

        for k, cell in enumerate(np.ndindex(3, 3)):
            written = _ink(frame, r, 1, cell, ink(1, cell, r.theme.output)) > 3
            assert written == (k <= step), (step, cell)
        for cell in np.ndindex(7, 7):
            assert _ink(frame, r, 0, cell, ink(0, cell, r.painter.cell_colour(0, cell))) > 3, (step, cell)


def test_frames_with_numbers_repeat_exactly_in_any_order():
    spec = Conv2d(5, 3)
    r = Renderer(gather_scene(spec.sweep(), Numbers.of(spec)), "flat")
    frames = [r.frame(i) for i in range(9)]
    np.testing.assert_array_equal(r.frame(5), frames[5])
    np.testing.assert_array_equal(r.frame(8), frames[8])


def test_max_pooling_marks_the_winning_cell():
    spec = Pool2d(3, 2)
    x = np.array([[1, 9, 2], [3, 4, 5], [8, 6, 7]])
    r = Renderer(gather_scene(spec.sweep(), Numbers.of(spec, x)), "flat")
    winners = [(0, 1), (0, 1), (2, 0), (2, 2)]
    for step, winner in enumerate(winners):
        frame = r.frame(step)
        for cell in np.ndindex(3, 3):
            marked = _ink(frame, r, 0, cell, r.theme.mark, tol=40, inset=0.08) > 5
            assert marked == (cell == winner), (step, cell)


def test_labels_and_kernel_plane_grow_the_image():
    spec = Conv2d(5, 3)
    bare = Renderer(gather_scene(spec.sweep(), Numbers.of(spec)))
    labelled = Renderer(gather_scene(spec.sweep(), Numbers.of(spec), show_kernel=True, caption="i=5"), labels=True)
    assert len(labelled.scene.planes) == 3
    # (both are at least as wide as the equation strip under them)
    assert labelled.width >= bare.width and labelled.height > bare.height
    kernel, input_ = labelled.layout.placements[2].corners(), labelled.layout.placements[0].corners()
    assert kernel[:, 0].mean() > input_[:, 0].max() - 1  # the kernel beside the input, to its right


@pytest.mark.parametrize(
    "spec, style, with_numbers",
    [
        (Conv2d(5, 3, 2, 1), "paper", False),
        (Conv2d(7, 3, dilation=2), "paper", True),
        (ConvTranspose2d((2, 1), 3, 2, 1, output_padding=1), "paper", True),
        (Pool2d(5, 3), "flat", True),
        (Conv2d((6, 5), (3, 2), (2, 1), (1, 0, 2, 1)), "flat", True),
    ],
    ids=lambda v: getattr(v, "slug", str(v)),
)
def test_redrawing_only_what_moved_gives_exactly_the_full_frames(spec, style, with_numbers):
    """Frames streamed with partial redraws equal each frame drawn from scratch, pixel for pixel:
    the same frames drawn in the opposite order (each after a different predecessor, so that
    anything a redraw leaves behind shows), and the first, middle and last by fresh renderers."""
    numbers = Numbers.of(spec) if with_numbers else None
    scene = gather_scene(spec.sweep(), numbers, show_kernel=with_numbers, caption="c" if with_numbers else "")
    streamed = Renderer(scene, style, labels=with_numbers)
    backwards = Renderer(scene, style, labels=with_numbers)
    reversed_frames = {step: backwards.frame(step).copy() for step in reversed(range(len(scene)))}
    previous = None
    for step in range(len(scene)):
        frame = streamed.frame(step)
        np.testing.assert_array_equal(frame, reversed_frames[step])
        if step in (0, len(scene) // 2, len(scene) - 1):
            np.testing.assert_array_equal(frame, Renderer(scene, style, labels=with_numbers).frame(step))
        if previous is not None:  # and everything that changed lies in the region it reports
            x0, y0, x1, y1 = streamed.changed
            outside = (frame != previous).any(axis=-1)
            outside[y0:y1, x0:x1] = False
            assert not outside.any()
        previous = frame


def _text_px_height(geometry, outline) -> float:
    vertices, _ = outline
    return (vertices[:, 1].max() - vertices[:, 1].min()) * geometry.cell_px


@pytest.mark.parametrize("style", ["paper", "flat"])
def test_names_and_captions_stay_legible_when_cells_shrink(style):
    from convanim.draw.fit import MIN_TEXT_PX, Geometry
    from convanim.ops import scene_for

    small = Geometry.of(scene_for(Conv2d(5, 3), labels=True), style, labels=True)
    large = Geometry.of(scene_for(Conv2d(40, 3), labels=True), style, labels=True)
    assert large.cell_px < 20 < small.cell_px == PAPER_CELL_PX
    caption_small, caption_large = small.annotations[-1], large.annotations[-1]  # the same digits and letters
    assert _text_px_height(small, caption_small) > _text_px_height(large, caption_large) >= 0.7 * MIN_TEXT_PX
    # the small grid's text keeps the paper's proportions: about a third of a cell for capitals
    assert _text_px_height(small, caption_small) < 0.5 * PAPER_CELL_PX


@pytest.mark.parametrize("style", ["paper", "flat"])
def test_the_note_for_left_out_channels_touches_no_plane(style):
    from matplotlib.path import Path as MplPath

    from convanim.draw.fit import Geometry
    from convanim.ops import scene_for

    for size in (5, 30):
        scene = scene_for(Conv2d(size, 3, in_channels=12, out_channels=2))
        geometry = Geometry.of(scene, style)
        [note] = geometry.annotations  # no labels: the note alone
        (x0, y0), (x1, y1) = note[0].min(axis=0), note[0].max(axis=0)
        box = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]])
        for placement in geometry.layout.placements:
            plane = placement.corners()
            assert not MplPath(plane).contains_points(_along_edges(box)).any()
            assert not MplPath(box).contains_points(_along_edges(plane)).any()


def _along_edges(polygon: np.ndarray, n: int = 50) -> np.ndarray:
    t = np.linspace(0, 1, n, endpoint=False)[:, None]
    return np.concatenate([a + t * (b - a) for a, b in zip(polygon, np.roll(polygon, -1, axis=0))])
