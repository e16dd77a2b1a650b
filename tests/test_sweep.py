import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import naive
from convanim import Conv2d, ConvTranspose2d
from convanim.core.sweep import Cell, Grid, Sweep
from strategies import conv_specs, transposed_specs

try:
    import torch
except ImportError:  # torch is optional: the naive loops stand in for it
    torch = None


def _values(rng, shape):
    return rng.integers(-3, 4, size=shape).astype(float)


@given(conv_specs(), st.integers(0, 2**32 - 1))
def test_conv_sweep_computes_conv2d(spec, seed):
    rng = np.random.default_rng(seed)
    x, w = _values(rng, spec.input_size), _values(rng, spec.kernel_size)
    sweep = spec.sweep()
    assert sweep.output_size == spec.output_size
    expected = naive.conv2d(x, w, spec.stride, spec.padding, spec.dilation)
    np.testing.assert_array_equal(naive.gather(sweep, x, w), expected)


@given(transposed_specs(), st.integers(0, 2**32 - 1))
def test_transposed_sweep_computes_conv_transpose2d(spec, seed):
    """The paper's picture (zeros inserted, padded, kernel rotated, stride 1) is the real thing."""
    rng = np.random.default_rng(seed)
    x, w = _values(rng, spec.input_size), _values(rng, spec.kernel_size)
    sweep = spec.sweep()
    assert sweep.stride == (1, 1) and sweep.flipped
    assert sweep.output_size == spec.output_size
    expected = naive.conv_transpose2d(x, w, spec.stride, spec.padding, spec.dilation, spec.output_padding)
    np.testing.assert_array_equal(naive.gather(sweep, x, w), expected)


@pytest.mark.skipif(torch is None, reason="torch not installed")
@given(conv_specs(), transposed_specs(), st.integers(0, 2**32 - 1))
def test_naive_loops_agree_with_torch(conv, tconv, seed):
    F = torch.nn.functional
    rng = np.random.default_rng(seed)
    x, w = _values(rng, conv.input_size), _values(rng, conv.kernel_size)
    t, b, l, r = conv.padding
    padded = F.pad(torch.tensor(x)[None, None], (l, r, t, b))
    got = F.conv2d(padded, torch.tensor(w)[None, None], stride=conv.stride, dilation=conv.dilation)[0, 0].numpy()
    np.testing.assert_allclose(got, naive.conv2d(x, w, conv.stride, conv.padding, conv.dilation))
    x, w = _values(rng, tconv.input_size), _values(rng, tconv.kernel_size)
    got = F.conv_transpose2d(
        torch.tensor(x)[None, None], torch.tensor(w)[None, None], stride=tconv.stride, padding=tconv.padding,
        output_padding=tconv.output_padding, dilation=tconv.dilation,
    )[0, 0].numpy()
    np.testing.assert_allclose(
        got, naive.conv_transpose2d(x, w, tconv.stride, tconv.padding, tconv.dilation, tconv.output_padding)
    )


def _obvious_footprints(spec_sweep):
    (kh, kw), (sh, sw), (dh, dw) = spec_sweep.kernel_size, spec_sweep.stride, spec_sweep.dilation
    oh, ow = spec_sweep.output_size
    for r in range(oh):
        for c in range(ow):
            yield (r, c), [(r * sh + a * dh, c * sw + b * dw) for a in range(kh) for b in range(kw)]


@given(st.one_of(conv_specs(), transposed_specs()))
def test_steps_are_row_major_and_footprints_match_an_obvious_loop(spec):
    sweep = spec.sweep()
    expected = list(_obvious_footprints(sweep))
    assert len(sweep) == len(expected) == spec.output_size[0] * spec.output_size[1]
    all_taps = sweep.all_taps()
    h, w = sweep.source.shape
    for step, (out, taps) in enumerate(expected):
        assert sweep.out_cell(step) == out
        assert sweep.taps(step).tolist() == [list(t) for t in taps]
        assert all_taps[step].tolist() == [list(t) for t in taps]
        r0, c0, r1, c1 = sweep.footprint(step)
        assert (r0, c0) == taps[0] and (r1 - 1, c1 - 1) == taps[-1]
        assert 0 <= r0 and r1 <= h and 0 <= c0 and c1 <= w


@given(conv_specs())
def test_conv_grid_is_the_padded_input(spec):
    kinds = spec.sweep().source.kinds
    t, b, l, r = spec.padding
    ih, iw = spec.input_size
    assert kinds.shape == spec.padded_size
    assert (kinds[t : t + ih, l : l + iw] == Cell.DATA).all()
    assert (kinds == Cell.DATA).sum() == ih * iw
    assert (kinds == Cell.PADDING).sum() == kinds.size - ih * iw


@given(transposed_specs())
def test_transposed_grid_spreads_pads_and_crops_the_input(spec):
    grid = spec.sweep().source
    lead = [d * (k - 1) - p for k, d, p in zip(spec.kernel_size, spec.dilation, spec.padding)]
    assert grid.shape == tuple(o + d * (k - 1) for o, k, d in zip(spec.output_size, spec.kernel_size, spec.dilation))
    expected = np.zeros(grid.shape, bool)
    for i in range(spec.input_size[0]):
        for j in range(spec.input_size[1]):
            y, x = lead[0] + i * spec.stride[0], lead[1] + j * spec.stride[1]
            if 0 <= y < grid.shape[0] and 0 <= x < grid.shape[1]:
                expected[y, x] = True
    np.testing.assert_array_equal(grid.kinds == Cell.DATA, expected)


def test_paper_transposed_grid_padding_strides():
    # i=5, k=3, s=2, p=1 transposed: 3x3 input, one zero between, one cell of padding, no extra.
    kinds = ConvTranspose2d.of(Conv2d(5, 3, 2, 1)).sweep().source.kinds
    D, Z, P = Cell.DATA, Cell.ZERO, Cell.PADDING
    row_data = [P, D, Z, D, Z, D, P]
    row_zero = [P, Z, Z, Z, Z, Z, P]
    expected = [[P] * 7, row_data, row_zero, row_data, row_zero, row_data, [P] * 7]
    np.testing.assert_array_equal(kinds, expected)


def test_paper_transposed_odd_adds_a_row_and_column_at_bottom_right():
    spec = ConvTranspose2d.of(Conv2d(6, 3, 2, 1))
    assert spec.output_padding == (1, 1)
    kinds = spec.sweep().source.kinds
    assert kinds.shape == (8, 8)
    assert (kinds[0] == Cell.PADDING).all() and (kinds[:, 0] == Cell.PADDING).all()
    assert (kinds[-2:] == Cell.PADDING).all() and (kinds[:, -2:] == Cell.PADDING).all()
    assert (kinds == Cell.DATA).sum() == 9


def test_dilated_taps_skip_the_holes():
    sweep = Conv2d(7, 3, dilation=2).sweep()
    assert sweep.taps(0).tolist() == [[0, 0], [0, 2], [0, 4], [2, 0], [2, 2], [2, 4], [4, 0], [4, 2], [4, 4]]
    assert sweep.footprint(0) == (0, 0, 5, 5)


def test_step_out_of_range():
    sweep = Conv2d(4, 3).sweep()
    with pytest.raises(IndexError):
        sweep.taps(4)
    with pytest.raises(IndexError):
        sweep.out_cell(-1)


def test_place_lays_values_out_on_the_grid():
    grid = Grid((4, 5), np.array([1, 3]), np.array([0, 2, 4]))
    placed = grid.place(np.arange(1, 7).reshape(2, 3))
    assert placed.tolist() == [[0, 0, 0, 0, 0], [1, 0, 2, 0, 3], [0, 0, 0, 0, 0], [4, 0, 5, 0, 6]]


def test_sweep_is_independent_of_its_grid_kinds():
    sweep = Sweep(Grid.dense((3, 4)), (2, 2), (1, 2), (1, 1))
    assert sweep.output_size == (2, 2)
    assert [sweep.out_cell(i) for i in range(4)] == [(0, 0), (0, 1), (1, 0), (1, 1)]
