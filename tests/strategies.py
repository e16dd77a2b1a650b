"""Hypothesis strategies for valid specs, square and not."""

from hypothesis import assume
from hypothesis import strategies as st

from convanim import Conv2d, ConvTranspose2d, SpecError


def pairs(lo, hi):
    return st.one_of(st.integers(lo, hi).map(lambda n: (n, n)), st.tuples(st.integers(lo, hi), st.integers(lo, hi)))


@st.composite
def conv_specs(draw):
    padding = draw(st.one_of(st.integers(0, 3), st.tuples(*[st.integers(0, 3)] * 4)))
    try:
        return Conv2d(draw(pairs(1, 9)), draw(pairs(1, 5)), draw(pairs(1, 3)), padding, draw(pairs(1, 3)))
    except SpecError:
        assume(False)


@st.composite
def transposed_specs(draw):
    try:
        return ConvTranspose2d(
            draw(pairs(1, 6)), draw(pairs(1, 4)), draw(pairs(1, 3)), draw(pairs(0, 4)), draw(pairs(1, 3)), draw(pairs(0, 2))
        )
    except SpecError:
        assume(False)


@st.composite
def layer_args(draw, dims=(1, 2)):
    """(layer name, PyTorch's keyword arguments, input size) of a random 1-D, 2-D (or 3-D) layer."""
    names = ["Conv{}", "ConvTranspose{}", "MaxPool{}", "AvgPool{}"]
    layer = draw(st.sampled_from([n.format(f"{d}d") for d in dims for n in names]))
    dims = int(layer[-2])
    small = dims == 3  # a volume: a few cells a side

    def axis(lo, hi):
        if dims == 1 or draw(st.booleans()):
            return draw(st.integers(lo, hi))
        return draw(st.tuples(*[st.integers(lo, hi)] * dims))

    args = {"kernel_size": axis(1, 3 if small else 4), "stride": axis(1, 2 if small else 3), "padding": axis(0, 2 if small else 3)}
    if "Conv" in layer:
        groups = draw(st.integers(1, 2))
        args.update(in_channels=groups * draw(st.integers(1, 2)), out_channels=groups * draw(st.integers(1, 2)),
                    groups=groups, dilation=axis(1, 2))
        if "Transpose" in layer:
            args["output_padding"] = axis(0, 1)
        else:
            args["padding_mode"] = draw(st.sampled_from(["zeros", "reflect", "replicate", "circular"]))
            if draw(st.booleans()) and args["stride"] in (1, (1,) * dims):
                args["padding"] = draw(st.sampled_from(["same", "valid"]))
    elif "Max" in layer:
        args.update(dilation=axis(1, 2), ceil_mode=draw(st.booleans()))
    else:
        args.update(ceil_mode=draw(st.booleans()), count_include_pad=draw(st.booleans()))
        if layer in ("AvgPool2d", "AvgPool3d") and draw(st.booleans()):
            args["divisor_override"] = draw(st.integers(1, 5))
    size = draw(st.integers(1, 9)) if dims == 1 else draw(st.tuples(*[st.integers(1, 5 if small else 9)] * dims))
    return layer, args, size
