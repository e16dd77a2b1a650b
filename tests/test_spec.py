from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import naive
from convanim import Checkerboard, Conv1d, Conv2d, ConvTranspose1d, ConvTranspose2d, Pool1d, Pool2d, SeparableConv2d, \
    SpecError
from convanim.cli.types import parse_padding, parse_size
from convanim.core.matrix import unrolled
from convanim.core.spec import Read, Window, group_reads, parameters
from convanim.core.sweep import Cell
from convanim.core.values import Numbers
from convanim.ops.receptive_field import DilatedStack
from convanim.ops.spatial_separable import SpatialSeparableConv2d
from convanim.scene.gather import stages_scene
from strategies import conv_specs, transposed_specs


def test_pairs_and_padding_are_normalised():
    spec = Conv2d(5, 3, 2, 1)
    assert spec.input_size == (5, 5)
    assert spec.kernel_size == (3, 3)
    assert spec.stride == (2, 2)
    assert spec.padding == (1, 1, 1, 1)
    assert spec.dilation == (1, 1)
    assert Conv2d((6, 5), (3, 2), padding=(1, 2)).padding == (1, 1, 2, 2)
    assert Conv2d(6, 3, padding=(1, 0, 2, 1)).padding == (1, 0, 2, 1)


@pytest.mark.parametrize(
    "kernel, dilation, word, expected",
    [
        (3, 1, "valid", (0, 0, 0, 0)),
        (3, 1, "same", (1, 1, 1, 1)),
        (4, 1, "same", (1, 2, 1, 2)),  # PyTorch: the odd cell goes bottom/right
        (3, 2, "same", (2, 2, 2, 2)),
        (3, 1, "full", (2, 2, 2, 2)),
        (3, 2, "full", (4, 4, 4, 4)),
    ],
)
def test_padding_words(kernel, dilation, word, expected):
    spec = Conv2d(5, kernel, padding=word, dilation=dilation)
    assert spec.padding == expected
    if word == "same":
        assert spec.output_size == (5, 5)


@pytest.mark.parametrize(
    "spec, expected",
    [
        (Conv2d(4, 3), (2, 2)),
        (Conv2d(5, 4, padding=2), (6, 6)),
        (Conv2d(5, 3, padding=2), (7, 7)),
        (Conv2d(5, 3, stride=2), (2, 2)),
        (Conv2d(5, 3, stride=2, padding=1), (3, 3)),
        (Conv2d(6, 3, stride=2, padding=1), (3, 3)),
        (Conv2d(7, 3, dilation=2), (3, 3)),
        (Conv2d((6, 5), (3, 2), (2, 1), (1, 0, 2, 1)), (3, 7)),
        (ConvTranspose2d(3, 3, 2, 1, output_padding=1), (6, 6)),
        (ConvTranspose2d(2, 3), (4, 4)),
    ],
)
def test_output_sizes_of_the_paper(spec, expected):
    assert spec.output_size == expected


@given(conv_specs())
def test_conv_output_size_is_pytorchs(spec):
    t, b, l, r = spec.padding
    for axis, (before, after) in enumerate([(t, b), (l, r)]):
        i, k, s, d = spec.input_size[axis], spec.kernel_size[axis], spec.stride[axis], spec.dilation[axis]
        assert spec.output_size[axis] == (i + before + after - d * (k - 1) - 1) // s + 1 >= 1


@given(transposed_specs())
def test_transposed_output_size_is_pytorchs(spec):
    for axis in range(2):
        i, k, s = spec.input_size[axis], spec.kernel_size[axis], spec.stride[axis]
        p, d, a = spec.padding[axis], spec.dilation[axis], spec.output_padding[axis]
        assert spec.output_size[axis] == (i - 1) * s - 2 * p + d * (k - 1) + a + 1 >= 1


@given(conv_specs())
def test_transposed_of_a_conv_maps_its_output_back_to_its_input(conv):
    t, b, l, r = conv.padding
    if (t, l) != (b, r):
        with pytest.raises(SpecError):
            ConvTranspose2d.of(conv)
        return
    assert ConvTranspose2d.of(conv).output_size == conv.input_size


@pytest.mark.parametrize(
    "make, params, reason",
    [
        (lambda: Conv2d(5, 3, stride=0), ("stride",), "must be at least 1, got 0"),
        (lambda: Conv2d(-1, 3), ("input_size",), "must be at least 1, got -1"),
        (lambda: Conv2d(5, 0), ("kernel_size",), "must be at least 1, got 0"),
        (lambda: Conv2d(5, 3, dilation=0), ("dilation",), "must be at least 1, got 0"),
        (lambda: Conv2d(5, 3, padding=-1), ("padding",), "must not be negative, got -1"),
        (lambda: Conv2d(5, 3, padding="half"), ("padding",), "unknown padding 'half': use a number or one of valid, same, full"),
        (lambda: Conv2d(5, 3, stride=2, padding="same"), ("padding", "stride"), "'same' padding needs stride 1 (as in PyTorch)"),
        (lambda: Conv2d(3, 4), ("kernel_size", "input_size", "padding"), "the kernel spans 4x4 cells but the padded input is only 3x3"),
        (lambda: Conv2d(4, 3, dilation=2), ("kernel_size", "input_size", "padding"), "the kernel spans 5x5 cells (dilated) but the padded input is only 4x4"),
        (lambda: Conv2d(2.5, 3), ("input_size",), "expected a whole number, got 2.5"),
        (lambda: Conv2d(True, 3), ("input_size",), "expected a whole number, got True"),
        (lambda: Conv2d((1, 2, 3), 3), ("input_size",), "expected 1 or 2 values, got 3"),
        (lambda: ConvTranspose2d(3, 3, stride=2, output_padding=2), ("output_padding",),
         "must be smaller than the stride or the dilation (PyTorch's rule), got 2 with stride 2 and dilation 1"),
        (lambda: ConvTranspose2d(1, 1, padding=1), ("padding", "input_size", "kernel_size"), "the padding leaves no output (output size -1x-1)"),
    ],
)
def test_bad_specs_name_the_parameter_and_the_reason(make, params, reason):
    with pytest.raises(SpecError) as info:
        make()
    assert info.value.params == params
    assert info.value.reason == reason


def test_output_padding_may_reach_the_stride_when_dilation_is_larger():
    assert ConvTranspose2d(3, 3, stride=1, dilation=2, output_padding=1).output_size == (8, 8)


def test_specs_are_frozen_values():
    spec = Conv2d(5, 3)
    with pytest.raises(AttributeError):
        spec.stride = (2, 2)
    assert spec == Conv2d((5, 5), (3, 3), 1, (0, 0, 0, 0))
    assert hash(spec) == hash(Conv2d(5, 3))


@pytest.mark.parametrize("text, expected", [("5", (5, 5)), ("6x5", (6, 5)), ("6X5", (6, 5)), (" 6 x 5 ", (6, 5)), ("3×2", (3, 2))])
def test_parse_size(text, expected):
    assert parse_size(text) == expected


@pytest.mark.parametrize("text", ["", "x", "5x", "-1", "1.5", "2x3x4", "five"])
def test_parse_size_rejects(text):
    with pytest.raises(ValueError, match="is not a size: use N or HxW"):
        parse_size(text)


@pytest.mark.parametrize(
    "text, expected", [("1", 1), ("1,2", (1, 2)), ("1,0,2,1", (1, 0, 2, 1)), ("SAME", "same"), ("full", "full")]
)
def test_parse_padding(text, expected):
    assert parse_padding(text) == expected


@pytest.mark.parametrize("text", ["", "1,2,3", "-1", "a,b", "half"])
def test_parse_padding_rejects(text):
    with pytest.raises(ValueError, match="is not a padding"):
        parse_padding(text)


def test_slugs_are_file_name_safe():
    assert Conv2d(7, 3, dilation=2).slug == "i7_k3_s1_p0_d2"
    assert Conv2d((6, 5), (3, 2), (2, 1), (1, 0, 2, 1)).slug == "i6x5_k3x2_s2x1_p1-0-2-1_d1"
    assert Conv2d(5, 3, padding=(1, 2)).slug == "i5_k3_s1_p1x2_d1"
    assert ConvTranspose2d(3, 3, 2, 1, output_padding=1).slug == "i3_k3_s2_p1_d1_a1"


# ---- the protocol of core/spec.py: reads, the window, every operation's spec ----------------------


@given(st.integers(1, 6), st.integers(1, 4), st.integers(1, 4))
def test_a_group_is_read_whole_each_channel_by_its_own_slice(groups, per_in, per_out):
    readers = {c: 0 for c in range(groups * per_in)}
    for out in range(groups * per_out):
        reads = group_reads(groups * per_in, groups * per_out, groups, out)
        assert [r.slice for r in reads] == list(range(per_in)) and {r.depth for r in reads} == {0}
        assert [r.channel for r in reads] == [out // per_out * per_in + n for n in range(per_in)]
        for r in reads:
            readers[r.channel] += 1
    assert set(readers.values()) == {per_out}  # every input channel feeds each output of its group


@given(conv_specs())
def test_a_window_computes_what_its_convolution_does(spec):
    window = Window.of(spec.kernel_size, spec.stride, spec.padding, spec.dilation)
    assert spec.window == window
    assert window.output_size(spec.input_size) == spec.output_size == spec.sweep().output_size
    assert window.padded(spec.input_size) == spec.sweep().source.shape


def test_parameters_spell_the_window_out_as_the_spec_reports_it():
    assert list(parameters(Conv2d(5, 3, 2, 1))) == ["input_size", "kernel_size", "stride", "padding", "dilation",
                                                   "in_channels", "out_channels", "groups", "padding_mode", "bias"]
    given_ = parameters(ConvTranspose2d(3, 3, 2, (1, 0), output_padding=1))
    assert given_["padding"] == (1, 0) and list(given_)[4:6] == ["dilation", "output_padding"]


LAYERS = [Conv2d(6, 3, in_channels=4, out_channels=6, groups=2), ConvTranspose2d(3, 3, 2, in_channels=4, out_channels=2,
          groups=2), Pool2d(5, 3, mode="avg", ceil_mode=True, stride=2), Conv1d(8, 3, in_channels=2, out_channels=3),
          Pool1d(8, 3), ConvTranspose1d(4, 3, 2), *(st_.spec for st_ in SeparableConv2d(6, 3, in_channels=2,
          out_channels=3).stages()), *(st_.spec for st_ in SpatialSeparableConv2d(6, (1, 2, 1), (1, 0, -1)).stages())]


@pytest.mark.parametrize("layer", LAYERS, ids=lambda spec: spec.op)
def test_every_stage_spec_answers_the_protocol(layer):
    """What core and scene ask: the one stage of a one-sweep spec is itself; reads name input
    channels and kernel slices that exist; the sliding weights are one slice a read."""
    assert layer.stages()[0].spec is layer and layer.dims in (1, 2) and layer.sweep().output_size == layer.output_size
    kh, kw = layer.kernel_size
    for out in range(layer.out_channels):
        reads = layer.reads(out)
        assert all(isinstance(r, Read) and 0 <= r.channel < layer.in_channels for r in reads)
        assert [r.slice for r in reads] == list(range(len(reads)))
    if layer.reducer.weighted:
        weight = np.arange(np.prod(layer.weight_shape)).reshape(layer.weight_shape)
        assert layer.sliding_weights(weight).reshape(layer.out_channels, -1, kh, kw).shape[1] == len(layer.reads(0))


@pytest.mark.parametrize("figure", [Checkerboard(3, 3, 2), DilatedStack(3, (1, 2))])
def test_a_figure_without_values_has_no_stages(figure):
    assert figure.stages() == ()
    with pytest.raises(SpecError, match="has no numbers to show"):
        Numbers.of(figure)


@dataclass(frozen=True, init=False)
class EveryOther(Conv2d):
    """Output channel o reads input channels o, o+2, …: not a contiguous range, as a partial
    connection table (LeNet's C3) reads."""

    def reads(self, out_channel):
        return tuple(Read(c, n) for n, c in enumerate(range(out_channel % 2, self.in_channels, 2)))


def test_reads_alone_decide_what_values_matrix_and_frames_read():
    spec = EveryOther(4, 3, in_channels=4, out_channels=2, groups=2)  # a weight of 2 slices per output channel
    x, w = np.arange(64).reshape(4, 4, 4) % 5, np.arange(36).reshape(2, 2, 3, 3) % 3
    numbers = Numbers.of(spec, x, w)
    expected = [sum(naive.conv2d(x[c], w[o, n], (1, 1), (0, 0, 0, 0), (1, 1)) for n, c in enumerate((o, o + 2)))
                for o in (0, 1)]
    np.testing.assert_array_equal(numbers.output, expected)
    np.testing.assert_array_equal(unrolled(numbers) @ x.ravel(), np.ravel(expected))
    scene = stages_scene(spec, numbers)
    step = scene.step(len(scene) // 2)  # output channel 1's first step: input planes 1 and 3, and their slices
    index = {p.name: k for k, p in enumerate(scene.planes) if p.name}
    inputs = {index["input 1"], index["input 3"]}
    slices = {k for k, p in enumerate(scene.planes) if p.grid.fill == Cell.WEIGHT and p.align in inputs}
    assert len(slices) == 2
    assert {k for k, cells in enumerate(step.highlights) if len(cells)} == inputs | slices | {index["output 1"]}
    assert {link.source for link in step.links} == inputs | slices  # wires: each plane read, through its slice
    assert step.equation.terms and len(step.equation.terms) == 2  # one share per channel read
