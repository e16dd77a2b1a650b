from pathlib import Path

import pytest
from PIL import Image

from convanim.animation import Animation
from convanim.gallery import GALLERY
from convanim.spec import Conv2d, ConvTranspose2d

REFERENCE = Path(__file__).resolve().parents[2] / "shared" / "reference" / "conv_arithmetic" / "gif"

# The reference README's table: (i, k, s, p, d) and frames of the direct and the transposed figure.
PAPER = {
    "no_padding_no_strides": ((4, 3, 1, 0, 1), 4, 16),
    "arbitrary_padding_no_strides": ((5, 4, 1, 2, 1), 36, 25),
    "same_padding_no_strides": ((5, 3, 1, 1, 1), 25, 25),
    "full_padding_no_strides": ((5, 3, 1, 2, 1), 49, 25),
    "no_padding_strides": ((5, 3, 2, 0, 1), 4, 25),
    "padding_strides": ((5, 3, 2, 1, 1), 9, 25),
    "padding_strides_odd": ((6, 3, 2, 1, 1), 9, 36),
}


def test_gallery_has_the_papers_fifteen_names_in_order():
    assert list(GALLERY) == [*PAPER, *(f"{n}_transposed" for n in PAPER), "dilation"]


@pytest.mark.parametrize("name", PAPER)
def test_parameters_and_frame_counts_match_the_paper(name):
    (i, k, s, p, d), direct_frames, transposed_frames = PAPER[name]
    assert GALLERY[name] == Conv2d(i, k, s, p, d)
    assert len(Animation(GALLERY[name])) == direct_frames
    transposed = GALLERY[f"{name}_transposed"]
    assert isinstance(transposed, ConvTranspose2d)
    assert transposed.output_size == (i, i)
    assert len(Animation(transposed)) == transposed_frames


def test_dilation():
    assert GALLERY["dilation"] == Conv2d(7, 3, 1, 0, 2)
    assert len(Animation(GALLERY["dilation"])) == 9


@pytest.mark.skipif(not REFERENCE.is_dir(), reason="reference GIFs not beside the checkout")
def test_frame_counts_equal_the_reference_gifs():
    names = sorted(p.stem for p in REFERENCE.glob("*.gif"))
    assert names == sorted(GALLERY)
    for name in names:
        with Image.open(REFERENCE / f"{name}.gif") as im:
            assert len(Animation(GALLERY[name])) == im.n_frames, name
