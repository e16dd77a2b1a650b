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
