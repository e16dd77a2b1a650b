"""The views that explain: scatter, checkerboard, receptive field."""

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from convanim import Animation
from convanim.cli import cli
from convanim.draw.render import Renderer
from convanim import Checkerboard, ConvTranspose2d, DilatedStack, SpecError
from convanim.core.values import Numbers, ScatterNumbers, overlap_counts, receptive_field_sizes
from convanim.scene.views import scatter_scene
from strategies import transposed_specs


@given(transposed_specs(), st.integers(0, 2**32 - 1))
def test_scatter_and_gather_give_the_same_output(spec, seed):
    rng = np.random.default_rng(seed)
    n = Numbers.of(spec, rng.integers(-3, 4, spec.input_size), rng.integers(-2, 3, spec.kernel_size))
    np.testing.assert_array_equal(ScatterNumbers(n).output, n.output)


def test_scatter_steps_stamp_the_kernel_and_keep_running_sums():
    spec = ConvTranspose2d(2, 2, stride=2)
    n = Numbers.of(spec, np.array([[1, 2], [3, 4]]), np.array([[1, 0], [0, 2]]))
    scene = scatter_scene(spec, n)
    assert len(scene) == 4
    step = scene.step(1)  # input cell (0, 1) stamps at rows 0..1, cols 2..3
    assert step.highlights[0].tolist() == [[0, 1]]
    assert step.highlights[1].tolist() == [[0, 2], [0, 3], [1, 2], [1, 3]]
    sums = [l for l in step.reveals if l.kind != "fill"]
    assert [(l.cell, l.text) for l in sums] == [((0, 2), "2"), ((0, 3), "0"), ((1, 2), "0"), ((1, 3), "4")]
    assert all(l.replace for l in sums)


def test_overlapping_stamps_accumulate():
    spec = ConvTranspose2d(2, 3, stride=2)  # neighbours overlap on one column/row
    n = Numbers.of(spec, np.ones((2, 2)), np.ones((3, 3)))
    sums = ScatterNumbers(n).sums
    assert sums[1].reshape(3, 3)[:, 0].tolist() == [2, 2, 2]  # column 2 stamped twice by now
    assert ScatterNumbers(n).canvas[2, 2] == 4


def test_scatter_frames_with_running_sums_draw_like_a_fresh_renderer():
    spec = ConvTranspose2d(3, 3, 2, 1, output_padding=1)
    scene = scatter_scene(spec, Numbers.of(spec))
    streamed = Renderer(scene, "flat", antialias=False)  # crisp, as --crisp GIFs are drawn
    for step in [0, 1, 2, 5, 8, 3]:
        np.testing.assert_array_equal(streamed.frame(step), Renderer(scene, "flat", antialias=False).frame(step))


def test_antialiased_refills_draw_like_a_fresh_renderer():
    """A cell filled again is repainted from the pristine background, not over its old fill."""
    spec = ConvTranspose2d(3, 3, 2, 1, output_padding=1)
    scene = scatter_scene(spec, Numbers.of(spec))
    streamed = Renderer(scene, "flat")
    for step in [0, 1, 2, 5, 8, 3]:
        np.testing.assert_array_equal(streamed.frame(step), Renderer(scene, "flat").frame(step))


def _shown_counts(scene, upto):
    """The stamp counts the output's colours say after frame ``upto``: each cell's latest fill
    level, times the legend's highest count."""
    legend = scene.planes[2]
    most = int(legend.text[0, -1])
    counts = np.zeros(scene.planes[1].grid.shape)
    for step in range(upto + 1):
        for label in scene.step(step).reveals:
            if label.kind == "fill":
                counts[label.cell] = label.level * most
    return np.round(counts).astype(int)


@pytest.mark.parametrize("spec", [ConvTranspose2d(3, 3, 2), ConvTranspose2d(3, 3, 2, 1, output_padding=1),
                                  ConvTranspose2d((2, 3), (4, 3), (2, 1), (1, 0)), ConvTranspose2d(3, 2, 2, dilation=2)],
                         ids=lambda s: s.slug)
def test_scatter_colours_count_the_stamps_received_so_far(spec):
    scene = scatter_scene(spec)
    legend = scene.planes[2]
    assert legend.name == "stamps" and legend.beside
    high = int(overlap_counts(Checkerboard(*_params(spec))).max())
    assert legend.text[0].tolist() == [str(n) for n in range(high + 1)]  # 0 .. the most any output cell gets
    np.testing.assert_allclose(legend.levels[0], np.arange(high + 1) / high)
    (ph, pw), (oh, ow) = spec.padding, spec.output_size
    h, w = spec.input_size
    for step in range(len(scene)):  # after each stamp: the output of the stamps so far, unit input and kernel
        upto = np.zeros(h * w)
        upto[: step + 1] = 1
        want = Numbers.of(spec, upto.reshape(h, w), np.ones(spec.kernel_size)).output
        np.testing.assert_array_equal(_shown_counts(scene, step)[ph : ph + oh, pw : pw + ow], want)
    final = _shown_counts(scene, len(scene) - 1)[ph : ph + oh, pw : pw + ow]
    np.testing.assert_array_equal(final, overlap_counts(Checkerboard(*_params(spec))))
    unit = ScatterNumbers(Numbers.of(spec, np.ones(spec.input_size), np.ones(spec.kernel_size)))
    np.testing.assert_array_equal(final, unit.output)


def _params(spec):
    return spec.input_size, spec.kernel_size, spec.stride, spec.padding, spec.dilation, spec.output_padding


@pytest.mark.parametrize("style", ["flat", "paper"])
def test_scatter_cells_are_drawn_in_the_heat_of_their_count(style):
    from test_render import _close, _colour_at
    from convanim.draw.theme import PAPER

    spec = ConvTranspose2d(3, 3, 2)
    scene = scatter_scene(spec)
    r = Renderer(scene, style)
    last = len(scene) - 1
    frame = r.frame(last)
    counts = _shown_counts(scene, last)
    stamped = {tuple(c) for c in scene.step(last).highlights[1]}
    for cell in np.ndindex(*counts.shape):
        want = PAPER.heat(counts[cell] / 4)
        want = PAPER.over(want) if cell in stamped else want
        assert _close(_colour_at(frame, r, 1, cell), want), cell
    for n in range(5):  # the legend: the count n in the heat of n
        assert _close(_colour_at(frame, r, 2, (0, n)), PAPER.heat(n / 4))


def test_scatter_writes_the_sums_each_stamp_updates():
    spec = ConvTranspose2d(2, 3, stride=2)
    n = Numbers.of(spec, np.array([[3, 2], [1, 1]]), np.array([[1, 0, 1], [0, 1, 0], [1, 0, 1]]))
    scene = scatter_scene(spec, n)
    assert scene.equations
    first, second = scene.step(0).equation, scene.step(1).equation
    assert first.head == "stamping x[0,0] = 3:" and first.joiner == "; "
    assert [t.text for t in first.terms[:3]] == ["o[0,0] = 3·1 = 3", "o[0,1] = 3·0 = 0", "o[0,2] = 3·1 = 3"]
    assert not any(t.strong for t in first.terms)
    assert second.head == "stamping x[0,1] = 2:"
    assert second.terms[0].text == "o[0,2] = 3 + 2·1 = 5" and second.terms[0].strong  # its second stamp
    assert [t.strong for t in second.terms] == [True, False, False] * 3
    cropped = ConvTranspose2d(2, 3, stride=2, padding=1)
    eq = scatter_scene(cropped, Numbers.of(cropped, np.ones((2, 2)), np.ones((3, 3)))).step(0).equation
    assert [t.text for t in eq.terms] == ["o[0,0] = 1·1 = 1", "o[0,1] = 1·1 = 1", "o[1,0] = 1·1 = 1", "o[1,1] = 1·1 = 1"]


def test_checkerboard_counts_uneven_and_even():
    one_d = overlap_counts(Checkerboard((1, 9), (1, 3), (1, 2)))[0]
    interior = one_d[2:-2]
    assert set(interior.tolist()) == {1, 2}
    assert all(a != b for a, b in zip(interior, interior[1:]))  # 1 and 2 alternate
    two_d = overlap_counts(Checkerboard(9, 3, 2))
    assert set(two_d[2:-2, 2:-2].ravel().tolist()) == {1, 2, 4}
    even = overlap_counts(Checkerboard(9, 4, 2))
    assert set(even[2:-2, 2:-2].ravel().tolist()) == {4}
    assert set(overlap_counts(Checkerboard((1, 9), (1, 4), (1, 2)))[0][2:-2].tolist()) == {2}


def test_dilated_stamps_with_gaps_are_not_called_even():
    from convanim.core.values import interior_overlaps

    assert interior_overlaps(Checkerboard(6, 2, 2, dilation=2)) == (0, 4)  # cells no stamp reaches
    assert interior_overlaps(Checkerboard(6, 4, 2)) == (4,)
    assert interior_overlaps(Checkerboard(1, 3, 2)) is None


def test_stacked_checkerboards_compound():
    counts = overlap_counts(Checkerboard(5, 3, 2, layers=2))
    assert counts.shape == (23, 23)
    assert counts.max() > overlap_counts(Checkerboard(5, 3, 2)).max()


def test_a_stacked_even_overlap_is_even_inside_its_wider_border():
    from convanim.core.values import interior_overlaps

    # two layers of k=4, s=2: 16 inside, but the first layer's uneven edge spreads 9 cells in
    assert interior_overlaps(Checkerboard(5, 4, 2, layers=2)) == (16,)
    assert interior_overlaps(Checkerboard(5, 3, 2, layers=2)) == (1, 2, 3, 4, 6, 9)
    assert interior_overlaps(Checkerboard(5, 4, 2, output_padding=1)) == (4,)  # the last row gets no stamp


def test_checkerboards_side_by_side_share_one_legend():
    from convanim import Checkerboards
    from convanim.ops import scene_for

    boards = Checkerboards((Checkerboard(5, 3, 2), Checkerboard(5, 4, 2)))
    scene = scene_for(boards, labels=True)
    assert [p.name for p in scene.planes] == ["k=3, s=2: uneven", "k=4, s=2: even", "stamps"]
    assert [p.beside for p in scene.planes] == [False, True, True]
    assert scene.caption == "i=5: how many kernel stamps each output cell receives"
    legend = scene.planes[-1]
    assert legend.text.tolist() == [["1", "2", "3", "4"]]
    np.testing.assert_allclose(legend.levels, [[0.25, 0.5, 0.75, 1.0]])  # a level is count / the most: 0 is blank
    for plane, board in zip(scene.planes, boards.boards):
        counts = overlap_counts(board)
        assert plane.text.tolist() == [[str(v) for v in row] for row in counts.astype(int)]
        np.testing.assert_allclose(plane.levels, counts / 4)
    assert len(scene) == 1 and len(scene.step(0).highlights) == 3


def test_one_checkerboard_is_named_by_its_setting_and_has_a_legend():
    from convanim.ops import scene_for

    scene = scene_for(Checkerboard(5, 3, 2, dilation=2, layers=2), labels=True)
    assert [p.name for p in scene.planes] == ["k=3, s=2, d=2: uneven", "stamps"]
    assert scene.caption.startswith("i=5, 2 layers: how many kernel stamps each output cell receives, 0 to ")
    assert scene.planes[1].text[0, 0] == "0"  # dilated stamps leave cells no stamp reaches


def test_checkerboards_draw_each_cell_in_the_heat_of_its_count():
    from test_render import _close, _colour_at
    from convanim import Checkerboards
    from convanim.draw.theme import PAPER
    from convanim.ops import scene_for

    boards = Checkerboards((Checkerboard(3, 3, 2), Checkerboard(3, 4, 2)))
    r = Renderer(scene_for(boards, labels=True), "flat")
    frame = r.frame(0)
    for k, board in enumerate(boards.boards):
        counts = overlap_counts(board)
        for cell in np.ndindex(*counts.shape):
            assert _close(_colour_at(frame, r, k, cell), PAPER.heat(counts[cell] / 4)), (k, cell)
    for n in range(4):
        assert _close(_colour_at(frame, r, 2, (0, n)), PAPER.heat((n + 1) / 4))


@pytest.mark.parametrize(
    "make, params, reason",
    [
        (lambda: _boards([]), ("boards",), "expected a list of Checkerboard settings, got ()"),
        (lambda: _boards([Checkerboard(5, 3, 2), ConvTranspose2d(5, 3, 2)]), ("boards",), "every entry must be a Checkerboard"),
        (lambda: _boards([Checkerboard(5, 3, 2)] * 2), ("kernel_size", "stride"), "the same setting twice"),
        (lambda: _boards([Checkerboard(5, k, 2) for k in range(1, 8)]), ("kernel_size", "stride"),
         "at most 6 maps side by side, got 7"),
    ],
)
def test_bad_checkerboards(make, params, reason):
    with pytest.raises(SpecError) as info:
        make()
    assert (info.value.params, info.value.reason) == (params, reason)


def _boards(boards):
    from convanim import Checkerboards

    return Checkerboards(tuple(boards))


@pytest.mark.parametrize(
    "dilations, strides, sizes",
    [
        ((1, 2, 4), None, [3, 7, 15]),  # Yu & Koltun: exponential growth, linear weights
        ((1, 1, 1), None, [3, 5, 7]),
        ((1, 1), (2, 1), [3, 7]),
        ((1, 1, 1), (2, 2, 1), [3, 7, 15]),
        ((2,), None, [5]),
    ],
)
def test_receptive_fields_from_the_sweeps(dilations, strides, sizes):
    stack = DilatedStack(3, dilations, strides)
    assert [h for h, w in receptive_field_sizes(stack)] == sizes == list(stack.receptive_fields())


def test_receptive_field_scene_grows_the_field_on_the_input_one_layer_a_frame():
    scene = Animation(DilatedStack(3, [1, 2, 4]), labels=True).scene
    assert [p.name for p in scene.planes] == ["input", "layer 1", "layer 2", "layer 3"]
    assert [p.grid.shape for p in scene.planes] == [(17, 17), (15, 15), (11, 11), (3, 3)]  # valid: fields stay inside
    assert scene.caption == "k=3, dilations 1,2,4: receptive fields 3, 7, 15; 9 weights a layer"
    assert scene.phases == ("1 layer: 3x3 on the input", "2 layers: 7x7 on the input", "3 layers: 15x15 on the input")
    lit = [[len(cells) for cells in scene.step(i).highlights] for i in range(len(scene))]
    assert lit == [[9, 1, 0, 0], [49, 9, 1, 0], [225, 49, 9, 1]]  # one cell of layer j, and all it depends on below
    assert [len(scene.step(i).links) for i in range(3)] == [1, 2, 3]  # a link down to each layer below
    centres = [scene.step(i).highlights[0].mean(axis=0).tolist() for i in range(3)]
    assert centres == [[8, 8]] * 3  # the fields grow around one centre


def _drawn_fields(scene):
    """The height and width of the box the input's highlighted cells span, frame by frame."""
    out = []
    for step in scene:
        cells = step.highlights[0]
        out.append(tuple(int(v) for v in cells.max(axis=0) - cells.min(axis=0) + 1))
    return out


@pytest.mark.parametrize(
    "k, dilations, strides",
    [(3, (1, 2, 4), None), (3, (1, 1, 1), (2, 2, 1)), (2, (1, 2), None), (3, (2,), None), (5, (1, 3), (2, 1))],
)
def test_the_field_drawn_on_the_input_is_the_captioned_one(k, dilations, strides):
    stack = DilatedStack(k, dilations, strides)
    scene = Animation(stack, labels=True).scene
    sizes = receptive_field_sizes(stack)
    assert _drawn_fields(scene) == list(sizes) == [(f, f) for f in stack.receptive_fields()]
    assert scene.caption.split("receptive fields ")[1].split(";")[0] == ", ".join(str(h) for h, _ in sizes)
    assert [p.split(" on the input")[0].split(": ")[1] for p in scene.phases] == [f"{h}x{w}" for h, w in sizes]
    for j, step in enumerate(scene, start=1):  # frame j: one cell of layer j, and nothing above it
        assert len(step.highlights[j]) == 1
        assert all(len(h) == 0 for h in step.highlights[j + 1 :])


def test_a_dilated_field_with_gaps_says_how_many_cells_it_reads():
    scene = Animation(DilatedStack(3, [2])).scene
    assert scene.phases == ("1 layer: 5x5 on the input, 9 of the 25 cells read",)


@pytest.mark.parametrize(
    "make, params, reason",
    [
        (lambda: DilatedStack(3, []), ("dilations",), "expected a list of whole numbers, got []"),
        (lambda: DilatedStack(3, [1, 0]), ("dilations",), "entries must be at least 1, got 0"),
        (lambda: DilatedStack(3, [1, 2], [1]), ("strides", "dilations"), "need one stride per layer: 1 for 2 layers"),
        (lambda: Checkerboard(5, 3, 2, layers=0), ("layers",), "must be between 1 and 8, got 0"),
    ],
)
def test_bad_view_specs(make, params, reason):
    with pytest.raises(SpecError) as info:
        make()
    assert (info.value.params, info.value.reason) == (params, reason)


@pytest.mark.parametrize(
    "args, message",
    [
        (["receptive-field", "--dilations", ""], "Error: Invalid value for '--dilations': '' is not a list of whole numbers: use e.g. 1,2,4"),
        (["receptive-field", "--dilations", "1,-2"], "Error: --dilations: entries must be at least 1, got -2"),
        (["receptive-field", "--dilations", "1,0,4"], "Error: --dilations: entries must be at least 1, got 0"),
        (["receptive-field", "--strides", "1,1"], "Error: --strides, --dilations: need one stride per layer: 2 for 3 layers"),
        (["checkerboard", "--layers", "0"], "Error: --layers: must be between 1 and 8, got 0"),
        (["checkerboard", "--k", "3,3"], "Error: --k/--kernel-size, --s/--stride: the same setting twice"),
        (["checkerboard", "--k", "1,2,3,4", "--s", "1,2"],
         "Error: --k/--kernel-size, --s/--stride: at most 6 maps side by side, got 8"),
        (["checkerboard", "--k", "3,"], "Error: Invalid value for '--k' / '--kernel-size': '' is not a size: use N or HxW,"
                                        " e.g. 5 or 6x5; a list is N,N…, e.g. 3,4"),
        (["conv", "--view", "scatter"], "Error: Invalid value for '--view': 'scatter' is not one of 'gather', 'matrix', 'im2col', 'grad-input', 'grad-input-scatter', 'grad-weight'."),
    ],
)
def test_bad_view_flags(tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, args)
    assert (result.exit_code, result.stdout, result.stderr) == (2, "", message + "\n")
    assert list(tmp_path.iterdir()) == []


def test_view_commands(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # (the README's commands, run by test_readme, draw the views; here, the rest)
    result = CliRunner().invoke(cli, ["checkerboard", "--k", "3", "--s", "2", "--i", "5", "-o", "c.png"])
    assert (result.exit_code, result.stdout) == (0, "c.png\n")
    assert Image.open(tmp_path / "c.png").size[0] > 100
    result = CliRunner().invoke(cli, ["checkerboard", "--k", "4", "--layers", "2", "-o", "c.gif"])
    with Image.open(tmp_path / "c.gif") as im:
        assert im.n_frames == 1
    for args, name in [(["--k", "3"], "one.png"), (["--k", "3,4"], "two.png")]:
        result = CliRunner().invoke(cli, ["checkerboard", *args, "--s", "2", "--style", "flat", "-o", name])
        assert (result.exit_code, result.stdout, result.stderr) == (0, f"{name}\n", "")
    assert Image.open(tmp_path / "two.png").size[0] > 1.5 * Image.open(tmp_path / "one.png").size[0]  # side by side
    result = CliRunner().invoke(cli, ["checkerboard", "--k", "3,4", "--s", "1,2", "--style", "flat"])
    name = "output/checkerboard_" + "_vs_".join(f"i5_k{k}_s{s}_p0_d1_a0_layers1" for k in (3, 4) for s in (1, 2)) + "_flat.png"  # a still
    assert (result.exit_code, result.stdout) == (0, name + "\n")
    result = CliRunner().invoke(cli, ["transposed", "--i", "1x2", "--s", "2", "--p", "1", "--a", "1", "--numbers", "-o", "t.gif"])
    assert (result.exit_code, result.stdout, result.stderr) == (0, "t.gif\n", "")
    with Image.open(tmp_path / "t.gif") as im:
        assert im.n_frames == 2 * 4  # (i − 1)·2 − 2·1 + 3 + 1 on each side: i = 1, 2
    result = CliRunner().invoke(cli, ["receptive-field", "--dilations", "1,1,1", "--strides", "2,2,1", "-o", "rs.gif"])
    assert (result.exit_code, result.stdout, result.stderr) == (0, "rs.gif\n", "receptive fields: 3x3, 7x7, 15x15\n")
    with Image.open(tmp_path / "rs.gif") as im:
        assert im.n_frames == 3


def test_info_of_the_views():
    import json

    result = CliRunner().invoke(cli, ["info", "receptive-field", "--dilations", "1,2,4", "--json"])
    data = json.loads(result.stdout)
    assert [layer["receptive_field"] for layer in data["layers"]] == [[3, 3], [7, 7], [15, 15]]
    assert data["weights"] == 27
    result = CliRunner().invoke(cli, ["info", "checkerboard", "--k", "3", "--s", "2", "--i", "9", "--json"])
    data = json.loads(result.stdout)
    assert (data["interior_stamps"], data["even_overlap"]) == ([1, 2, 4], False)
    result = CliRunner().invoke(cli, ["info", "checkerboard", "--k", "4", "--s", "2", "--i", "9", "--json"])
    assert json.loads(result.stdout)["interior_stamps"] == [4]
    result = CliRunner().invoke(cli, ["info", "checkerboard", "--k", "3,4", "--s", "2", "--i", "9", "--json"])
    data = json.loads(result.stdout)
    assert [(s["kernel_size"], s["interior_stamps"]) for s in data["settings"]] == [([3, 3], [1, 2, 4]), ([4, 4], [4])]
    result = CliRunner().invoke(cli, ["info", "checkerboard", "--k", "3,4", "--i", "9"])
    assert result.exit_code == 0 and result.stdout.startswith("k=3x3, s=2x2:\noperation:        checkerboard\n")
    assert "\n\nk=4x4, s=2x2:\n" in result.stdout


# ---- the transposed gather view, labelled ------------------------------------------------------


def test_a_labelled_transposed_figure_names_the_spread_grid_and_shows_the_kernel_both_ways():
    from convanim.ops import scene_for

    spec = ConvTranspose2d(3, 3, 2, 1, output_padding=1)
    n = Numbers.of(spec)
    scene = scene_for(spec, n, labels=True)
    assert [p.name for p in scene.planes] == ["input 3x3, spread out and padded", "output", "kernel (stored)",
                                              "rotated 180°, as it slides"]
    assert scene.planes[0].grid.shape == (8, 8) and scene.planes[0].distinct_zeros
    stored, rotated = scene.planes[2], scene.planes[3]
    assert stored.beside and rotated.beside
    assert stored.text.tolist() == [[str(v) for v in row] for row in n.kernel]
    assert rotated.text.tolist() == [[str(v) for v in row] for row in np.rot90(n.kernel, 2)]
    assert scene.phases == ("s−1 = 1 zero between input cells; k−1−p = 1 cell of padding around;"
                            " a = 1 more at the bottom and right",)
    assert scene.caption == "transposed: i=3, k=3, s=2, p=1, a=1 → o=6"  # the rotation is drawn, not told
    step = scene.step(7)
    assert len(step.highlights) == len(scene.planes) and step.phase == 0
    footprint = [l.text for l in step.labels if l.kind == "weight"]  # the weights as they slide: the rotated ones
    assert footprint == rotated.text.ravel().tolist()


@pytest.mark.parametrize(
    "spec, name, heading",
    [
        (ConvTranspose2d(3, 3), "input 3x3, padded", "no zeros between input cells (s=1); k−1−p = 2 cells of padding around"),
        (ConvTranspose2d(3, 1, 2), "input 3x3, spread out", "s−1 = 1 zero between input cells; no padding (k−1−p = 0)"),
        (ConvTranspose2d(5, 2, 2, 2), "input 5x5, spread out and cropped",
         "s−1 = 1 zero between input cells; cropped by p−(k−1) = 1 cell"),
        (ConvTranspose2d(2, 3, (2, 1), dilation=2), "input 2x2, spread out and padded",
         "s−1 = 1x0 zeros between input cells; d(k−1)−p = 4 cells of padding around"),
    ],
)
def test_the_spread_grid_is_named_for_what_was_done_to_the_input(spec, name, heading):
    from convanim.ops import scene_for

    scene = scene_for(spec, labels=True)
    assert (scene.planes[0].name, scene.phases) == (name, (heading,))
    assert len(scene.planes) == 2  # without numbers, no kernel planes


def test_unlabelled_transposed_figures_stay_the_papers():
    from convanim.gallery import GALLERY

    scene = GALLERY["padding_strides_transposed"].animation().scene
    assert [p.name for p in scene.planes] == ["input", "output"]
    assert not any(p.distinct_zeros for p in scene.planes) and scene.phases == ()


def _edge_runs(frame, renderer, plane, a, b, background, samples=60):
    """How many separate strokes lie along the plane segment from a to b: runs of pixels closer
    to the line colour than to the ``background`` the line is drawn on."""
    from convanim.draw.theme import PAPER

    points = renderer.pixels(plane, np.linspace(a, b, samples))
    pixels = [frame[int(round(y)), int(round(x))].astype(int) for x, y in points]
    ink = [np.abs(p - PAPER.line).sum() < np.abs(p - np.array(background)).sum() for p in pixels]
    return sum(1 for k, on in enumerate(ink) if on and (k == 0 or not ink[k - 1]))


@pytest.mark.parametrize("style", ["flat", "paper"])
def test_inserted_zeros_and_padding_render_apart_when_labelled(style):
    from test_render import _close, _colour_at
    from convanim.draw.render import ZERO_TINT
    from convanim.core.sweep import Cell
    from convanim.draw.theme import PAPER
    from convanim.ops import scene_for

    spec = ConvTranspose2d(3, 3, 2, 1, output_padding=1)
    kinds = sweep_of_kinds(spec)
    labelled = Renderer(scene_for(spec, labels=True), style)
    bare = Renderer(scene_for(spec, labels=False), style)
    step = len(labelled.scene) - 1  # the footprint in the bottom-right corner, away from the cells below
    taps = {tuple(t) for t in labelled.scene.step(step).highlights[0]}
    lit, plain = labelled.frame(step), bare.frame(step)
    zero, padding = PAPER.heat(ZERO_TINT), PAPER.padding
    assert zero != padding
    for cell in np.ndindex(*kinds.shape):
        if cell in taps or kinds[cell] == Cell.DATA:
            continue
        want = zero if kinds[cell] == Cell.ZERO else padding
        assert _close(_colour_at(lit, labelled, 0, cell), want), cell
        assert _close(_colour_at(plain, bare, 0, cell), padding), cell  # the paper draws both blank
    # the edge between two zeros, (2,2)|(2,3), is dotted; between two padding cells, (0,2)|(0,3), dashed
    dotted = _edge_runs(lit, labelled, 0, [3, 2.1], [3, 2.9], zero)
    dashed = _edge_runs(lit, labelled, 0, [3, 0.1], [3, 0.9], padding)
    assert dotted > dashed >= 1, (dotted, dashed)  # dots come more often than dashes
    assert _edge_runs(plain, bare, 0, [3, 2.1], [3, 2.9], padding) <= dashed  # unlabelled: dashed alike


def sweep_of_kinds(spec):
    
    return spec.sweep().source.kinds
