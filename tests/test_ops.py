"""The operation registry: one module per operation, and everything per-operation read from it."""

import contextlib
import io

import click
import pytest

import convanim
from convanim import Animation, Checkerboard, Checkerboards, Conv2d, ConvTranspose2d, Pool2d, SpecError
from convanim.cli import cli
from convanim.cli.app import flags_of
from convanim.ops import BY_NAME, OPERATIONS, VIEWS, check_view, describe, operation, operation_for
from convanim.ops.base import Param

NAMES = ["conv", "dilated", "transposed", "pool", "pointwise", "depthwise", "separable", "spatial-separable",
         "checkerboard", "receptive-field", "conv1d", "transposed1d", "pool1d", "causal-stack", "adaptive-pool", "adaptive-pool1d", "upsample",
         "pixel-shuffle", "conv3d", "transposed3d", "pool3d", "torch"]


def test_the_registry_holds_every_operation_once_in_order():
    assert [op.name for op in OPERATIONS] == NAMES
    assert VIEWS == ("gather", "matrix", "im2col", "grad-input", "grad-input-scatter", "grad-weight", "scatter")


def test_every_operation_is_a_command_and_an_info_command_with_its_declared_options():
    info = cli.commands["info"]
    for op in OPERATIONS:
        declared = [p.flags for p in op.params if not p.argument]  # arguments come by position
        drawn = [tuple(p.opts) for p in cli.commands[op.name].params if isinstance(p, click.Option)]
        described = [tuple(p.opts) for p in info.commands[op.name].params if isinstance(p, click.Option)]
        assert drawn[: len(declared)] == declared, op.name  # its own parameters first, in order
        assert described == [p.flags for p in op.params if not p.render_only and not p.argument] + [("--json",)] + [
            p.flags for p in op.info_params]
        assert cli.commands[op.name].help == op.help


def test_errors_name_the_flags_the_registry_declares():
    conv = cli.commands["conv"]
    assert flags_of(conv, ["kernel_size", "input_size", "padding"]) == "--k/--kernel-size, --i/--input-size, --p/--padding"
    assert flags_of(cli.commands["depthwise"], ["depth_multiplier"]) == "--depth-multiplier"
    assert flags_of(conv, ["max_frames", "cell_px"]) == "--max-frames, cell_px"  # not an option: its own name


@pytest.mark.parametrize("spec, name", [
    (Conv2d(5, 3), "conv"), (Conv2d(5, 3, in_channels=3, out_channels=3, groups=3), "conv"),
    (Pool2d(5, 3), "pool"), (ConvTranspose2d(2, 3), "transposed"),
    (Checkerboard(5, 3, 2), "checkerboard"), (Checkerboards([Checkerboard(5, 3, 2), Checkerboard(5, 4, 2)]), "checkerboard"),
])
def test_a_spec_finds_the_operation_that_draws_it(spec, name):
    assert operation_for(spec).name == name


def test_an_unknown_spec_or_name_is_a_spec_error():
    with pytest.raises(SpecError, match="not an operation convanim knows: int"):
        operation_for(3)
    with pytest.raises(SpecError, match="unknown operation 'nope': use one of conv, dilated"):
        operation("nope")


def test_views_are_checked_against_the_operations_that_have_them():
    assert check_view(ConvTranspose2d(2, 3), "scatter") is BY_NAME["transposed"]
    with pytest.raises(SpecError) as e:
        Animation(Conv2d(5, 3), view="scatter")
    assert e.value.reason == "the scatter view is for transposed convolutions"
    with pytest.raises(SpecError, match="unknown view 'sideways': use one of gather, matrix, im2col, grad-input, grad-input-scatter, grad-weight, scatter"):
        Animation(Conv2d(5, 3), view="sideways")


def test_frame_counts_come_from_the_view_without_building_anything():
    for spec, view, frames in [(Conv2d(5, 3), "gather", 9), (ConvTranspose2d(2, 3, 2), "scatter", 4),
                               (ConvTranspose2d(2, 3, 2), "gather", 25), (Checkerboard(5, 3, 2), "gather", 1),
                               (convanim.DilatedStack(3, [1, 2, 4]), "gather", 3),
                               (convanim.SeparableConv2d(4, 3, in_channels=3, out_channels=4), "gather", 12 + 16)]:
        assert operation_for(spec).frame_count(spec, view) == frames == len(Animation(spec, view=view))


def test_param_kinds_are_checked():
    with pytest.raises(ValueError, match="x: unknown kind 'colour'"):
        Param("x", "colour")
    assert Param("in_channels", "count").flags == ("--in-channels",)


def test_a_notebook_user_can_guess_the_api():
    """Make an operation, make an Animation (numbers on by a flag), describe it; help is short."""
    anim = Animation(Conv2d(5, 3), numbers=True)
    assert anim.numbers.output.tolist()[0] == [12, 12, 17]  # the paper's
    depthwise = convanim.depthwise_conv2d(6, 3, in_channels=3, depth_multiplier=2)
    assert (depthwise.out_channels, depthwise.groups) == (6, 3)
    assert convanim.pointwise_conv2d(4, in_channels=3, out_channels=2).kernel_size == (1, 1)
    with pytest.raises(SpecError, match="a pointwise convolution is 1x1, got 3x3"):
        convanim.pointwise_conv2d(4, kernel_size=3)
    assert describe(Conv2d(5, 3))["multiply_adds"] == 81
    text = io.StringIO()
    with contextlib.redirect_stdout(text):
        help(convanim)
    assert len(text.getvalue().splitlines()) < 60
    for name in ("Animation", "Conv2d", "ConvTranspose2d", "Pool2d", "describe", "SpecError", "THEMES"):
        assert name in text.getvalue() and hasattr(convanim, name)
    assert not hasattr(convanim, "Renderer") and not hasattr(convanim, "Sweep")  # internals stay in their modules


def test_a_pooling_mode_added_as_the_readme_says_works_everywhere_or_is_refused(monkeypatch):
    """A mode says how it reduces and whether it averages: a min mode keeps the smallest value of
    every window, ceil mode's overhanging ones included, marks it, and refuses the averages' options."""
    import numpy as np

    from convanim.core.spec import Reducer
    from convanim.core.values import Numbers
    from convanim.ops import pool
    from convanim.scene.gather import gather_scene

    smallest = Reducer("min", np.min, np.inf, np.argmin, "min(", ", ", ")")
    monkeypatch.setitem(pool.MODES, "min", pool.PoolMode(lambda spec: smallest, averages=False))
    x = np.array([[7, 3, 9, 4, 8, 6], [5, 1, 8, 2, 9, 7], [6, 4, 0, 5, 3, 8],
                  [9, 2, 7, 6, 1, 4], [3, 8, 5, 9, 2, 6], [4, 6, 1, 7, 5, 0]])
    spec = Pool2d(6, 3, 2, mode="min", ceil_mode=True)
    assert spec.output_size == (3, 3) and spec.overhang == (1, 1)  # the last windows hang past the input
    numbers = Numbers.of(spec, x)
    expected = [[min(x[r:r + 3, c:c + 3].ravel()) for c in (0, 2, 4)] for r in (0, 2, 4)]
    assert numbers.output.tolist() == expected == [[0, 0, 3], [0, 0, 1], [1, 1, 0]]  # -max_pool2d(-x), not averages
    step = gather_scene(spec.sweep(), numbers).step(8)  # the corner window: x[4:, 4:] and the overhang
    assert step.equation.open == "min(" and [t.text for t in step.equation.terms if t.strong] == ["0"]
    assert step.marks[0].tolist() == [[5, 5]]
    padded = Numbers.of(Pool2d(5, 3, mode="min", padding=1), np.ones((5, 5)))
    assert padded.output.tolist() == np.ones((5, 5)).tolist()  # its padding never wins
    for option in ({"count_include_pad": False}, {"divisor_override": 2}):
        with pytest.raises(SpecError, match="is average pooling's \\(min pooling divides nothing\\)"):
            Pool2d(5, 3, mode="min", **option)
