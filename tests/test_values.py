import json

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import naive
from convanim import Conv2d, ConvTranspose2d, Pool2d, SpecError
from convanim.core.values import Numbers
from convanim.core.formats import exact_precision, figure_format, format_value
from convanim.io.data import load_values, record
from strategies import conv_specs, pairs, transposed_specs

try:
    import torch
except ImportError:
    torch = None


def _random(seed, shape):
    return np.random.default_rng(seed).normal(size=shape).round(2)


@given(conv_specs(), st.integers(0, 2**32 - 1))
def test_conv_values_equal_the_obvious_loop(spec, seed):
    x, w = _random(seed, spec.input_size), _random(seed + 1, spec.kernel_size)
    n = Numbers.of(spec, x, w)
    np.testing.assert_allclose(n.output, naive.conv2d(x, w, spec.stride, spec.padding, spec.dilation), atol=1e-9)


@given(transposed_specs(), st.integers(0, 2**32 - 1))
def test_transposed_values_equal_the_obvious_scatter_loop(spec, seed):
    x, w = _random(seed, spec.input_size), _random(seed + 1, spec.kernel_size)
    n = Numbers.of(spec, x, w)
    expected = naive.conv_transpose2d(x, w, spec.stride, spec.padding, spec.dilation, spec.output_padding)
    np.testing.assert_allclose(n.output, expected, atol=1e-9)
    np.testing.assert_array_equal(n.drawn_kernel, np.rot90(w, 2))


@st.composite
def pool_specs(draw):
    mode = draw(st.sampled_from(["max", "avg"]))
    dilation = draw(pairs(1, 2)) if mode == "max" else (1, 1)
    try:
        return Pool2d(draw(pairs(1, 8)), draw(pairs(1, 4)), draw(pairs(1, 3)), draw(st.integers(0, 2)), dilation, mode)
    except SpecError:
        assume(False)


@given(pool_specs(), st.integers(0, 2**32 - 1))
def test_pool_values_equal_the_obvious_loop(spec, seed):
    x = _random(seed, spec.input_size)
    n = Numbers.of(spec, x)
    expected = naive.pool2d(x, spec.kernel_size, spec.stride, spec.padding, spec.dilation, spec.mode)
    np.testing.assert_allclose(n.output, expected, atol=1e-9)
    if spec.mode == "max":
        taps = n.sweep.all_taps()
        won = n.drawn_input[taps[np.arange(len(taps)), n.winners[0], 0], taps[np.arange(len(taps)), n.winners[0], 1]]
        np.testing.assert_array_equal(won, n.steps)


@pytest.mark.skipif(torch is None, reason="torch not installed")
@given(pool_specs(), st.integers(0, 2**32 - 1))
def test_pool_loop_agrees_with_torch(spec, seed):
    t, b, l, r = spec.padding
    assume((t, l) == (b, r))
    x = _random(seed, spec.input_size)
    F = torch.nn.functional
    xt = torch.tensor(x)[None, None]
    if spec.mode == "max":
        got = F.max_pool2d(xt, spec.kernel_size, spec.stride, (t, l), spec.dilation)
    else:
        got = F.avg_pool2d(xt, spec.kernel_size, spec.stride, (t, l), count_include_pad=True)
    np.testing.assert_allclose(got[0, 0].numpy(), Numbers.of(spec, x).output, atol=1e-9)


def test_default_numbers_are_the_papers():
    n = Numbers.of(Conv2d(5, 3))
    assert n.input.tolist() == [[3, 3, 2, 1, 0], [0, 0, 1, 3, 1], [3, 1, 2, 2, 3], [2, 0, 0, 2, 2], [2, 0, 0, 0, 1]]
    assert n.kernel.tolist() == [[0, 1, 2], [2, 2, 0], [0, 1, 2]]
    other = Numbers.of(Conv2d(5, 3), seed=7)
    assert other.input.tolist() != n.input.tolist()
    assert other.input.min() >= 0 and other.input.max() <= 3 and other.kernel.max() <= 2


def test_max_pooling_pads_with_minus_infinity():
    n = Numbers.of(Pool2d(2, 2, 1, 1), np.array([[-5, -6], [-7, -8]]))
    assert n.drawn_input[0, 0] == -np.inf
    assert n.output.tolist() == [[-5, -5, -6], [-5, -5, -6], [-7, -7, -8]]


def test_average_pooling_counts_the_padding():
    n = Numbers.of(Pool2d(2, 2, 1, 1, mode="avg"), np.array([[4, 8], [12, 16]]))
    assert n.output.tolist() == [[1, 3, 2], [4, 10, 6], [3, 7, 4]]


@pytest.mark.parametrize(
    "make, params, reason",
    [
        (lambda: Numbers.of(Conv2d(5, 3), np.ones((4, 4))), ("input_values",), "expected shape 5x5, got 4x4"),
        (lambda: Numbers.of(Conv2d(5, 3), None, np.ones((3, 3, 1))), ("kernel_values",), "expected shape 3x3, got 3x3x1"),
        (lambda: Numbers.of(Conv2d(2, 1), np.array([[1, np.nan], [0, 0]])), ("input_values",), "values must be finite numbers"),
        (lambda: Numbers.of(Pool2d(5, 3), None, np.ones((3, 3))), ("kernel_values",), "pooling has no kernel weights"),
        (lambda: Pool2d(5, 3, padding=2), ("padding",), "pooling pads at most half the kernel (PyTorch's rule): 2 > 3/2"),
        (lambda: Pool2d(5, 3, dilation=2, mode="avg"), ("dilation",), "average pooling has no dilation (as in PyTorch's avg_pool2d)"),
        (lambda: Pool2d(5, 3, mode="min"), ("mode",), "unknown pooling mode 'min': use one of max, avg"),
    ],
)
def test_bad_numbers(make, params, reason):
    with pytest.raises(SpecError) as info:
        make()
    assert (info.value.params, info.value.reason) == (params, reason)


@pytest.mark.parametrize(
    "value, precision, text",
    [(3.0, 1, "3"), (-2.0, 1, "−2"), (1.888, 1, "1.9"), (1.888, 3, "1.888"), (0.25, 0, "0"), (-np.inf, 1, "−∞"),
     (np.int64(7), 1, "7")],
)
def test_format_value(value, precision, text):
    assert format_value(value, precision) == text


@pytest.mark.parametrize("values, precision, decimals", [
    ([0.125, 0.25, -1.0], 1, 3),  # an average's shares over 8 cells: written as they are, they add up
    ([0.5, 1.5], 1, 1), ([1 / 9, 2 / 9], 1, 1),  # no few decimals write ninths: as asked
    ([0.125, np.inf], 2, 3), ([0.0625], 1, 1),  # at most three decimals
])
def test_exact_precision_writes_the_shares_as_they_are_where_a_few_decimals_can(values, precision, decimals):
    assert exact_precision([np.array(values)], precision) == decimals


def test_load_values_from_npy_csv_and_txt(tmp_path):
    np.save(tmp_path / "a.npy", np.arange(6).reshape(2, 3))
    (tmp_path / "b.csv").write_text("1,2.5\n3,4\n")
    (tmp_path / "c.txt").write_text("1 2\n3 4\n")
    (tmp_path / "d.txt").write_text("7")
    assert load_values(tmp_path / "a.npy").tolist() == [[0, 1, 2], [3, 4, 5]]
    assert load_values(tmp_path / "b.csv").tolist() == [[1, 2.5], [3, 4]]
    c = load_values(tmp_path / "c.txt")
    assert c.tolist() == [[1, 2], [3, 4]] and c.dtype.kind == "i"
    assert load_values(tmp_path / "d.txt").tolist() == [[7]]


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("missing.npy", None, "cannot read it: No such file or directory"),
        ("a.csv", "1,x\n2,3\n", "not a table of numbers"),
        ("b.csv", "1,2\n3\n", "rows of different lengths: row 2 has 1 values, the rows above it 2"),
        ("c.csv", "1,nan\n2,3\n", "nan at row 0, column 1: values must be finite"),
        ("d.csv", "1,inf\n2,3\n", "inf at row 0, column 1: values must be finite"),
        ("e.npy", b"not an npy file", "not a .npy file"),
        ("f.xlsx", "", "unknown extension '.xlsx': use .npy, .csv or .txt"),
        ("g.csv", b"\xff\xfe\x00garbage", "not a text file"),
        ("h.csv", "", "the array is empty"),
    ],
)
def test_load_values_errors(tmp_path, name, content, message):
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content)
    with pytest.raises(ValueError) as info:
        load_values(path)
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_a_1d_array_that_is_not_finite_says_at_which_index(tmp_path, monkeypatch):
    """A 1-D .npy (a strip, a bias) with a NaN was an internal error (IndexError) instead of this."""
    np.save(tmp_path / "x.npy", np.array([1.0, np.nan, 2.0]))
    with pytest.raises(ValueError, match=r"^nan at index 1: values must be finite$"):
        load_values(tmp_path / "x.npy")
    monkeypatch.chdir(tmp_path)
    from click.testing import CliRunner
    from convanim.cli import cli
    result = CliRunner().invoke(cli, ["conv1d", "--i", "3", "--k", "1", "--input-values", "x.npy"])
    assert (result.exit_code, result.stderr) == (2, "Error: Invalid value for '--input-values': x.npy: nan at index 1:"
                                                    " values must be finite\n")


def test_load_values_rejects_wrong_dimensions_and_objects(tmp_path):
    np.save(tmp_path / "v.npy", np.arange(3))
    assert load_values(tmp_path / "v.npy").tolist() == [0, 1, 2]  # a strip's L values, or a bias
    np.save(tmp_path / "v.npy", np.zeros((1, 1, 1, 1, 1, 3)))
    with pytest.raises(ValueError, match=r"expected a 1-D to 5-D array \(L, H×W, C×H×W, O×C×kh×kw, O×C×kd×kh×kw\), got 6-D"):
        load_values(tmp_path / "v.npy")
    np.save(tmp_path / "o.npy", np.array([["a"]]))
    with pytest.raises(ValueError, match="expected numbers"):
        load_values(tmp_path / "o.npy")


def test_record_is_the_documented_schema():
    spec = ConvTranspose2d(2, 2, 2, 0)
    n = Numbers.of(spec, np.array([[1, 2], [3, 4]]), np.array([[1, 0], [0, 2]]))
    data = json.loads(json.dumps(record(n)))
    assert list(data) == ["op", "spec", "output_size", "input", "kernel", "grid", "output", "matrix_shape", "matrix",
                          "frames"]
    assert data["op"] == "transposed"
    assert data["spec"] == {"input_size": [2, 2], "kernel_size": [2, 2], "stride": [2, 2], "padding": [0, 0],
                            "dilation": [1, 1], "output_padding": [0, 0], "bias": True}
    assert data["grid"]["shape"] == [5, 5]
    assert data["grid"]["kernel"] == [[2, 0], [0, 1]]  # rotated by 180°
    assert data["output"] == [[1, 0, 2, 0], [0, 2, 0, 4], [3, 0, 4, 0], [0, 6, 0, 8]]
    assert len(data["frames"]) == 16
    first = data["frames"][0]
    assert first == {"index": 0, "out": [0, 0], "taps": [[0, 0], [0, 1], [1, 0], [1, 1]], "value": 1}
    assert [f["value"] for f in data["frames"]] == sum(data["output"], [])


def test_record_of_max_pooling_names_the_winner_and_nulls_minus_infinity():
    n = Numbers.of(Pool2d(2, 2, 1, 1), np.array([[1, 5], [3, 2]]))
    data = record(n)
    assert data["kernel"] is None and data["grid"]["kernel"] is None
    assert data["grid"]["values"][0] == [None, None, None, None]
    assert data["frames"][4] == {"index": 4, "out": [1, 1], "taps": [[1, 1], [1, 2], [2, 1], [2, 2]], "value": 5,
                                 "winner": [1, 2]}


def test_values_round_half_up_as_by_hand():
    assert format_value(4.125, 2) == "4.13"
    assert format_value(-2.5, 0) == "−3"
    assert format_value(0.05, 1) == "0.1"


def test_a_ragged_table_says_which_row(tmp_path):
    from convanim.io.data import load_values

    (tmp_path / "r.csv").write_text("1,2,3\n4,5\n")
    with pytest.raises(ValueError) as e:
        load_values(tmp_path / "r.csv")
    assert str(e.value) == "rows of different lengths: row 2 has 2 values, the rows above it 3"


def test_values_with_more_digits_than_a_decimal_keeps_are_written_whole():
    """1e27 with one decimal has 29 digits, one more than a Decimal's default context: it was an
    internal error in every figure with such an input (values up to 1e100 are accepted)."""
    fmt = figure_format([np.array([1e30, 0.5])], 1)
    assert fmt(1e30) == "1" + "0" * 30 + ".0"
    assert fmt(-1e99) == "−1" + "0" * 99 + ".0"
    assert fmt(0.5) == "0.5"
    assert figure_format([np.array([1e27, 0.25])], 6)(1e27) == "1" + "0" * 27 + ".000000"
