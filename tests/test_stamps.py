"""The scatter view shows the kernel it stamps and where each stamp lands; a checkerboard is a
flat map."""

import re

import numpy as np
import pytest

from convanim import Animation, Checkerboard, ConvTranspose1d, ConvTranspose2d
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
