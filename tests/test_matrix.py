"""The operation as a matrix: the linear map itself, the transpose relation, and the figures."""

import json

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import assume, given
from hypothesis import strategies as st

from convanim import Animation, Conv2d, ConvTranspose2d, Pool2d, SpecError
from convanim.cli import cli
from convanim.core.matrix import matrix_shape, unrolled
from convanim.core.sweep import Cell
from convanim.core.values import Numbers
from convanim.ops import scene_for
from strategies import conv_specs, pairs, transposed_specs


def _applied_to_units(spec, kernel=None) -> np.ndarray:
    """The matrix of the map, column by column: the operation applied to each unit input."""
    rows, cols = matrix_shape(spec)
    out = np.zeros((rows, cols))
    for j in range(cols):
        unit = np.zeros(cols)
        unit[j] = 1
        out[:, j] = Numbers.of(spec, unit.reshape(spec.input_shape), kernel).output.ravel()
    return out


@given(conv_specs(), st.integers(0, 2**32 - 1))
def test_a_convolution_matrix_is_the_linear_map(spec, seed):
    assume(np.prod(matrix_shape(spec)) <= 4000)
    kernel = np.random.default_rng(seed).integers(-3, 4, spec.weight_shape)
    numbers = Numbers.of(spec, kernel=kernel, seed=seed % 1000)
    matrix = unrolled(numbers)
    np.testing.assert_array_equal(matrix, _applied_to_units(spec, kernel))
    np.testing.assert_array_equal(matrix @ numbers.input.ravel(), numbers.output.ravel())


@given(st.integers(1, 3), st.integers(1, 3), st.sampled_from([1, 2]), pairs(2, 5), st.integers(0, 2**32 - 1))
def test_a_matrix_with_channels_and_groups_flattens_as_torch(groups, per_group, multiple, size, seed):
    spec = Conv2d(size, 2, padding=1, in_channels=groups * per_group, out_channels=groups * multiple, groups=groups)
    kernel = np.random.default_rng(seed).integers(-3, 4, spec.weight_shape)
    numbers = Numbers.of(spec, kernel=kernel)
    np.testing.assert_array_equal(unrolled(numbers), _applied_to_units(spec, kernel))


@given(transposed_specs(), st.integers(0, 2**32 - 1))
def test_a_transposed_matrix_is_the_linear_map(spec, seed):
    assume(np.prod(matrix_shape(spec)) <= 4000)
    kernel = np.random.default_rng(seed).integers(-3, 4, spec.kernel_size)
    np.testing.assert_array_equal(unrolled(Numbers.of(spec, kernel=kernel)), _applied_to_units(spec, kernel))


@given(conv_specs(), st.integers(0, 2**32 - 1))
def test_the_transposed_convolution_multiplies_by_the_transpose(conv, seed):
    assume(np.prod(matrix_shape(conv)) <= 4000)
    try:
        transposed = ConvTranspose2d.of(conv)
    except SpecError:  # an asymmetric padding: PyTorch has no transposed convolution for it
        assume(False)
    kernel = np.random.default_rng(seed).integers(-3, 4, conv.kernel_size)
    direct = unrolled(Numbers.of(conv, kernel=kernel))
    np.testing.assert_array_equal(unrolled(Numbers.of(transposed, kernel=kernel)), direct.T)


def test_the_papers_matrix():
    """Section 4.1: i=4, k=3 unrolls to a 4×16 matrix whose rows are the kernel's rows, spaced by the input's width."""
    w = np.arange(1, 10).reshape(3, 3)
    matrix = unrolled(Numbers.of(Conv2d(4, 3), kernel=w))
    first = [1, 2, 3, 0, 4, 5, 6, 0, 7, 8, 9, 0, 0, 0, 0, 0]
    assert matrix.shape == (4, 16)
    assert matrix[0].tolist() == first
    assert matrix[1].tolist() == [0] + first[:-1]
    assert matrix[2].tolist() == [0] * 4 + first[:-4]
    assert matrix[3].tolist() == [0] * 5 + first[:-5]


def test_pooling_matrices():
    x = np.array([[1, 5, 2, 0], [3, 4, 9, 1], [0, 2, 1, 1], [7, 1, 3, 8]])
    avg = unrolled(Numbers.of(Pool2d(4, 2, 2, mode="avg"), x))
    assert set(np.unique(avg)) == {0, 0.25} and (avg > 0).sum(axis=1).tolist() == [4] * 4
    chosen = unrolled(Numbers.of(Pool2d(4, 2, 2), x))  # max: a 1 at each window's largest value
    assert chosen.sum(axis=1).tolist() == [1] * 4
    assert [int(np.flatnonzero(row)[0]) for row in chosen] == [1, 6, 12, 15]
    padded = Numbers.of(Pool2d(4, 3, 2, 1, mode="avg"), x)  # padding counts in the mean, but reads no cell
    np.testing.assert_allclose(unrolled(padded) @ x.ravel(), padded.output.ravel())
    assert np.allclose(unrolled(padded)[0][unrolled(padded)[0] > 0], 1 / 9)


# ---- the figures ----------------------------------------------------------------------------


def test_the_matrix_scene_lights_one_row_and_the_cells_it_reads():
    spec = Conv2d(4, 3)
    numbers = Numbers.of(spec, kernel=np.arange(1, 10).reshape(3, 3))
    scene = scene_for(spec, numbers, view="matrix")
    grid, matrix, x, y, output = scene.planes
    assert [p.grid.shape for p in scene.planes] == [(4, 4), (4, 16), (1, 16), (4, 1), (2, 2)]
    assert [p.role for p in scene.planes] == ["", "matrix", "row", "column", ""]
    assert scene.phases == ("C: 4×16, y = C·x",) and scene.flat and len(scene) == 4
    reached = matrix.grid.kinds == Cell.WEIGHT
    np.testing.assert_array_equal(reached, unrolled(numbers) != 0)
    step = scene.step(1)
    read = np.flatnonzero(reached[1])
    assert sorted(map(tuple, step.highlights[0].tolist())) == sorted(divmod(int(j), 4) for j in read)
    assert step.highlights[1].tolist() == [[1, int(c)] for c in read]  # the row's entries, not its zeros
    assert step.highlights[2][:, 1].tolist() == read.tolist()
    assert step.highlights[3].tolist() == [[1, 0]] and step.highlights[4].tolist() == [[0, 1]]
    x_values = numbers.input.ravel()
    assert step.equation.head == "y[1] ="
    assert [t.text for t in step.equation.terms] == [f"{int(unrolled(numbers)[1, j])}·{x_values[j]}" for j in read]
    assert step.equation.result == f"= {int(numbers.output.ravel()[1])}"
    assert matrix.text[1, 1] == "1" and matrix.text[1, 0] == ""  # weights where the kernel reaches, blank zeros


def test_a_transposed_matrix_is_named_and_shaped_as_the_transpose():
    scene = scene_for(ConvTranspose2d(2, 3), view="matrix")
    assert scene.phases == ("Cᵀ: 16×4, y = Cᵀ·x, the transpose of the direct convolution's C (4×16)",)
    assert scene.planes[1].name == "Cᵀ" and scene.planes[1].grid.shape == (16, 4) and len(scene) == 16


def test_a_max_pooling_matrix_marks_the_cell_each_row_picks():
    x = np.array([[1, 5, 2, 0], [3, 4, 9, 1], [0, 2, 1, 1], [7, 1, 3, 8]])
    spec = Pool2d(4, 2, 2)
    scene = scene_for(spec, Numbers.of(spec, x), view="matrix")
    step = scene.step(1)
    assert step.marks[0].tolist() == [[1, 2]] and step.marks[1].tolist() == [[1, 6]]
    assert [(t.text, t.strong) for t in step.equation.terms] == [("2", False), ("0", False), ("9", True), ("1", False)]
    assert step.equation.head == "y[1] = 1·9 =" and step.equation.open == "max("
    assert sorted(map(tuple, step.highlights[0].tolist())) == [(0, 2), (0, 3), (1, 2), (1, 3)]  # the whole window
    unnumbered = scene_for(spec, view="matrix")  # the windows: where a row's 1 may go
    assert (unnumbered.planes[1].grid.kinds == Cell.WEIGHT).sum(axis=1).tolist() == [4] * 4
    assert "--numbers shows which" in unnumbered.phases[0]


def test_the_im2col_scene_copies_each_patch_padding_and_all():
    spec = Conv2d(5, 3, 2, 1)
    numbers = Numbers.of(spec)
    scene = scene_for(spec, numbers, view="im2col")
    assert [p.grid.shape for p in scene.planes] == [(7, 7), (9, 9), (1, 9), (9, 1), (3, 3)]
    patches = scene.planes[1]
    assert (patches.grid.kinds[0] == Cell.PADDING).sum() == 5  # the top-left patch: 5 of its 9 taps on padding
    step = scene.step(4)
    assert len(step.equation.terms) == 9
    np.testing.assert_array_equal(step.highlights[0], spec.sweep().taps(4))
    assert scene.phases[0].startswith("P: 9×9 (a row per output cell, a column per kernel tap), y = P·w")


def test_the_matrix_row_is_drawn_highlighted_entries_only():
    spec = Conv2d(4, 3)
    animation = Animation(spec, view="matrix", labels=False)
    renderer = animation.renderer()
    frame = renderer.frame(2)
    theme = animation.theme
    matrix = renderer.scene.planes[1].grid.kinds

    def colour(plane, cell):
        x, y = renderer.pixels(plane, [[cell[1] + 0.5, cell[0] + 0.5]])[0]
        return tuple(int(v) for v in frame[int(round(y)), int(round(x))][:3])

    def near(a, b):
        return max(abs(p - q) for p, q in zip(a, b)) <= 3

    lit, weight = theme.over(theme.kernel_fill), theme.kernel_fill
    for c in range(16):
        # a structural zero of the lit row stays blank: lit, it would take the weights' grey
        assert near(colour(1, (2, c)), lit if matrix[2, c] == Cell.WEIGHT else theme.padding)
        assert near(colour(1, (0, c)), weight if matrix[0, c] == Cell.WEIGHT else theme.padding)
    # y: written so far, written now (under the highlight), still to come
    assert [near(colour(3, (r, 0)), c) for r, c in ((1, theme.output), (2, theme.over(theme.output)), (3, theme.padding))] == [True] * 3


def test_matrix_figures_refuse_what_they_cannot_draw():
    with pytest.raises(SpecError, match="draws one channel"):
        Animation(Conv2d(4, 3, in_channels=2), view="matrix")
    with pytest.raises(SpecError, match=r"would be 784x900, over 400 cells on a side"):
        Animation(Conv2d(30, 3), view="matrix")
    with pytest.raises(SpecError, match="the im2col view is for conv, dilated and conv1d"):
        Animation(Pool2d(4, 2), view="im2col")


def test_cli_matrix_view_and_dump(tmp_path):
    runner = CliRunner()
    out = tmp_path / "m.gif"
    result = runner.invoke(cli, ["conv", "--i", "4", "--view", "matrix", "--numbers", "-o", str(out),
                                 "--dump", str(tmp_path / "m.json")])
    assert result.exit_code == 0, result.output
    data = json.loads((tmp_path / "m.json").read_text())
    assert data["matrix_shape"] == [4, 16]
    np.testing.assert_array_equal(np.array(data["matrix"]) @ np.array(data["input"]).ravel(), np.ravel(data["output"]))
    result = runner.invoke(cli, ["conv", "--view", "matrix", "--in-channels", "2", "-o", str(tmp_path / "c.gif")])
    assert (result.exit_code, result.output) == (
        2, "Error: --view: the matrix view draws one channel (this one has 2→1); --dump writes the whole matrix\n")
    result = runner.invoke(cli, ["checkerboard", "--view", "matrix"])
    assert result.exit_code == 2 and "No such option '--view'" in result.output


@given(st.integers(1, 2), st.integers(1, 2), st.integers(1, 2), st.integers(1, 3), st.integers(0, 2**32 - 1))
def test_with_channels_the_transposed_convolution_is_the_adjoint_with_the_same_weights(groups, per_in, per_out, stride, seed):
    conv = Conv2d(5, 3, stride, 1, in_channels=groups * per_in, out_channels=groups * per_out, groups=groups)
    transposed = ConvTranspose2d.of(conv)
    assert transposed.weight_shape == conv.weight_shape  # PyTorch stores both as in the direct convolution
    kernel = np.random.default_rng(seed).integers(-3, 4, conv.weight_shape)
    np.testing.assert_array_equal(unrolled(Numbers.of(transposed, kernel=kernel)), unrolled(Numbers.of(conv, kernel=kernel)).T)
