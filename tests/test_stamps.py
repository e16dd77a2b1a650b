"""The scatter view shows the kernel it stamps and where each stamp lands; a checkerboard is a
flat map."""

import re

import numpy as np
import pytest

from hypothesis import given, settings
from hypothesis import strategies as st

from convanim import Animation, Checkerboard, ConvTranspose1d, ConvTranspose2d, SpecError
from convanim.core.values import Numbers, ScatterNumbers
from convanim.scene.views import scatter_scene


@pytest.mark.parametrize("spec", [ConvTranspose2d(3, 3, 2), ConvTranspose2d(3, 3, 2, 1), ConvTranspose2d((2, 3), (2, 3), (1, 2), (0, 1)),
                                  ConvTranspose1d(4, 3, 2)])
def test_each_stamp_says_where_the_kernel_lands_and_lands_there(spec):
    numbers = Numbers.of(spec)
    scene = scatter_scene(spec, numbers)
    names = [p.name for p in scene.planes]
    kernel = scene.planes[names.index("kernel")]
    # the kernel as a plane of its own, its weights in their places
    kh, kw = spec.kernel_size
    assert kernel.grid.shape == (kh, kw)
    np.testing.assert_allclose(kernel.text.astype(float), numbers.kernel.reshape(kh, kw))
    width = spec.input_size[1]
    (ph, pw) = spec.padding
    for step in scene:
        r, c = divmod(step.index, width)
        heading = scene.phases[step.phase]
        assert step.phase == step.index
        at = re.search(r"stamps the kernel at o\[([−\-\d,]+)\]", heading).group(1).replace("−", "-")
        stamped = step.highlights[names.index("output")]
        first = stamped.min(axis=0) - (ph, pw)  # the stamp's first weight, in the output's indices
        assert [int(v) for v in at.split(",")] == ([int(first[1])] if spec.dims == 1 else [int(first[0]), int(first[1])])
        assert f"x[{c if spec.dims == 1 else f'{r},{c}'}]" in heading


def test_a_zero_input_says_that_no_sum_changes_and_none_does():
    spec = ConvTranspose2d(3, 3, 2)
    x = np.arange(9.0).reshape(3, 3) + 1
    x[1, 1] = 0
    numbers = Numbers.of(spec, x, np.arange(9.0).reshape(3, 3) + 1)
    scene = scatter_scene(spec, numbers)
    sums = ScatterNumbers(numbers)
    for step in scene:
        stays = "every sum stays" in scene.phases[step.phase]
        assert stays == (step.index == 4)
    # the stamp of x[1,1] = 0 leaves each sum as the stamps before it made it
    output = [p.name for p in scene.planes].index("output")
    before = {}
    for step in scene:
        for label in step.reveals:
            if label.plane == output and label.kind == "value":
                if step.index == 4:
                    assert label.text == before.get(label.cell, "0")  # a cell not stamped before held 0
                before[label.cell] = label.text
    assert (sums.sums[4] > 0).any()  # it does reach sums that earlier stamps made


def test_a_checkerboard_is_a_flat_map_in_either_style():
    for style in ("paper", "flat"):
        geometry = Animation(Checkerboard(5, 3, 2, layers=2), style=style, labels=True).geometry
        for placement in geometry.layout.placements:
            np.testing.assert_allclose(placement.matrix, np.diag([1.0, -1.0]))  # upright, not sheared
    assert Animation(Checkerboard(5, 3, 2, layers=2), labels=True).geometry.width <= 1000


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 5), st.integers(1, 4), st.integers(1, 3), st.integers(1, 2))
def test_a_resize_convolution_sums_k_squared_products_everywhere_inside(k, s, i, d):
    from convanim.core.values import interior_overlaps, overlap_counts

    board = Checkerboard(i, k, s, dilation=d, resize=True)
    counts = overlap_counts(board)
    n = i * s
    extent = d * (k - 1) + 1
    before = (extent - 1) // 2  # PyTorch's 'same': the odd cell after
    naive = np.zeros((n, n), dtype=int)
    for y in range(n):
        for x in range(n):
            rows = sum(0 <= y - before + d * t < n for t in range(k))
            cols = sum(0 <= x - before + d * t < n for t in range(k))
            naive[y, x] = rows * cols
    np.testing.assert_array_equal(counts, naive)
    inside = interior_overlaps(board)
    assert inside is None or inside == (k * k,)


def test_both_ways_to_upsample_side_by_side():
    from convanim.ops.checkerboard import checkerboards

    both = checkerboards(5, [3], [2], 0, 1, 0, 1, "both")
    assert [b.resize for b in both.boards] == [False, True]
    scene = Animation(both, labels=True).scene
    assert [p.name for p in scene.planes] == ["k=3, s=2: uneven", "nearest ×2, then k=3: even", "products"]
    assert "products each output cell sums" in scene.caption
    with pytest.raises(SpecError, match="padding: a resize-convolution pads to keep its size"):
        Checkerboard(5, 3, 2, padding=1, resize=True)
