import pytest
from hypothesis import given

from convanim import Conv2d, ConvTranspose2d, SpecError
from convanim.cli.types import parse_padding, parse_size
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
