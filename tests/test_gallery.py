import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageSequence

from convanim.gallery import ARITHMETIC, GALLERY, NUMERICAL
from convanim import Conv2d, ConvTranspose2d, Pool2d

# The paper's GIFs: a clone of https://github.com/vdumoulin/conv_arithmetic (MIT licence; its
# gif/ and numerical/ folders), named by CONVANIM_REFERENCE, by default beside the checkout
# (repo/../shared/reference/conv_arithmetic). CI always runs these tests (they fail there if the
# GIFs are missing); elsewhere they skip without them, saying how to get them.
REPO = Path(__file__).resolve().parents[1]
REFERENCE = Path(os.environ.get("CONVANIM_REFERENCE", REPO.parent / "shared" / "reference" / "conv_arithmetic"))
SKIP_REASON = (f"the paper's GIFs are not at {REFERENCE}: git clone https://github.com/vdumoulin/conv_arithmetic"
               " and set CONVANIM_REFERENCE to the clone (the folder holding gif/)")
needs_reference = pytest.mark.skipif(not REFERENCE.is_dir() and not os.environ.get("CI"), reason=SKIP_REASON)

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


def test_gallery_has_the_papers_names_in_order():
    assert list(ARITHMETIC) == [*PAPER, *(f"{n}_transposed" for n in PAPER), "dilation"]
    assert list(NUMERICAL) == [
        "numerical_no_padding_no_strides", "numerical_padding_strides", "numerical_average_pooling", "numerical_max_pooling",
    ]
    assert list(GALLERY) == [*ARITHMETIC, *NUMERICAL]


@pytest.mark.parametrize("name", PAPER)
def test_parameters_and_frame_counts_match_the_paper(name):
    (i, k, s, p, d), direct_frames, transposed_frames = PAPER[name]
    figure = GALLERY[name]
    assert figure.spec == Conv2d(i, k, s, p, d)
    assert len(figure.animation()) == direct_frames
    transposed = GALLERY[f"{name}_transposed"].spec
    assert isinstance(transposed, ConvTranspose2d)
    assert transposed.output_size == (i, i)
    assert len(GALLERY[f"{name}_transposed"].animation()) == transposed_frames


def test_arithmetic_figures_are_the_bare_paper_look():
    for figure in ARITHMETIC.values():
        anim = figure.animation()
        assert (anim.style, anim.numbers, anim.labels) == ("paper", None, False)
    assert GALLERY["dilation"].spec == Conv2d(7, 3, 1, 0, 2)


def test_numerical_figures_have_the_papers_numbers_and_pytorchs_results():
    conv = GALLERY["numerical_no_padding_no_strides"].animation()
    assert (conv.style, conv.labels) == ("flat", False)
    assert conv.numbers.input.tolist()[0] == [3, 3, 2, 1, 0]
    assert conv.numbers.kernel.tolist() == [[0, 1, 2], [2, 2, 0], [0, 1, 2]]
    assert conv.numbers.output.tolist() == [[12, 12, 17], [10, 17, 19], [9, 6, 14]]
    strided = GALLERY["numerical_padding_strides"].animation().numbers
    assert strided.output.tolist() == [[6, 17, 3], [8, 17, 13], [6, 4, 4]]
    avg = GALLERY["numerical_average_pooling"].animation().numbers
    assert avg.spec == Pool2d(5, 3, mode="avg")
    np.testing.assert_allclose(avg.output[0], [15 / 9, 15 / 9, 15 / 9])
    top = GALLERY["numerical_max_pooling"].animation().numbers
    assert top.output.tolist() == [[3, 3, 3], [3, 3, 3], [3, 2, 3]]


@needs_reference
def test_names_and_frame_counts_equal_the_reference_gifs():
    files = sorted([*REFERENCE.glob("gif/*.gif"), *REFERENCE.glob("numerical/*.gif")])
    assert files, f"no GIFs in {REFERENCE}"
    assert sorted(p.stem for p in files) == sorted(GALLERY)
    for path in files:
        with Image.open(path) as im:
            assert len(GALLERY[path.stem].animation()) == im.n_frames, path.stem


def _decoded(path):
    with Image.open(path) as im:
        return [np.asarray(frame.convert("RGB"), dtype=np.int16) for frame in ImageSequence.Iterator(im)]


@needs_reference
def test_the_default_gallery_looks_like_the_papers_gifs(tmp_path):
    """Every frame of the 15 arithmetic GIFs, as written by default, against the paper's, as pictures:
    the mean absolute RGB difference per channel, the two cropped to their common size (ours are
    never smaller, at most a pixel larger).

    Measured (all 322 frames): the antialiased default 3.82 on average, 5.58 at worst (the rest
    is the layout's subpixel offsets and the paper's softer edges); the crisp default it replaced
    5.74 on average, 7.53 at worst (--crisp now, with the lines' colour for links: 5.58 and 7.36).
    The thresholds sit between the two looks.
    """
    distances = {}
    for name, figure in ARITHMETIC.items():
        [path] = figure.animation().save(tmp_path / f"{name}.gif")
        ours, theirs = _decoded(path), _decoded(REFERENCE / "gif" / f"{name}.gif")
        assert len(ours) == len(theirs), name
        for i, (a, b) in enumerate(zip(ours, theirs)):
            h, w = min(a.shape[0], b.shape[0]), min(a.shape[1], b.shape[1])
            assert a.shape[0] >= b.shape[0] and a.shape[1] >= b.shape[1], name  # no fewer pixels
            distances[name, i] = float(np.abs(a[:h, :w] - b[:h, :w]).mean())
    worst = max(distances, key=distances.get)
    assert np.mean(list(distances.values())) < 4.6
    assert distances[worst] < 6.5, worst


def test_the_skip_says_where_the_papers_gifs_come_from_and_how_to_point_at_them():
    assert "https://github.com/vdumoulin/conv_arithmetic" in SKIP_REASON
    assert "CONVANIM_REFERENCE" in SKIP_REASON
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "CONVANIM_REFERENCE" in readme and "MIT licence" in readme
