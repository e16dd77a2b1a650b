"""Nothing on top of anything: a name or caption never overlaps another text, a plane or a line;
and numbers asked for are drawn at a legible size or refused, never quietly dropped."""

import re

import numpy as np
import pytest
from click.testing import CliRunner

from convanim import (Animation, Conv1d, Conv2d, Conv3d, Pool3d, ConvTranspose1d, ConvTranspose2d, SeparableConv2d,
                      SpatialSeparableConv2d, SpecError)
from convanim.cli import cli
from convanim.draw.fit import numbers_fit
from convanim.draw.text import VALUE_PX, WEIGHT_PX

FIGURES = {
    "transposed_numbers": (ConvTranspose2d(3, 3, 2, 1), "paper", True),
    "transposed_odd": (ConvTranspose2d(3, 3, 2, 1, output_padding=1), "paper", True),
    "conv_numbers": (Conv2d(5, 3, 2, 1), "paper", True),
    "channels": (Conv2d(6, 3, in_channels=3, out_channels=2), "flat", True),
    "channels_paper": (Conv2d(5, 3, in_channels=3, out_channels=2), "paper", False),
    "separable": (SeparableConv2d(5, 3, in_channels=2, out_channels=3), "paper", False),
    "torch": (Conv2d(5, 3, 2, 1, in_channels=3, out_channels=8), "paper", False),
    "sobel": (SpatialSeparableConv2d(6, (1, 2, 1), (1, 0, -1)), "flat", True),
    "sobel_paper": (SpatialSeparableConv2d(6, (1, 2, 1), (1, 0, -1)), "paper", True),
    "scatter": (ConvTranspose2d(3, 3, 2), "flat", True, "scatter"),
    "scatter_paper": (ConvTranspose2d(3, 3, 2, 1), "paper", True, "scatter"),
    "scatter1d_flat": (ConvTranspose1d(4, 3), "flat", True, "scatter"),  # a strip's links rise past the name above it
    "conv1d_flat": (Conv1d(8, 3, 1, 2), "flat", True),
    "conv3d": (Conv3d((3, 4, 4), (2, 3, 3)), "paper", True),
    "conv3d_channels": (Conv3d((3, 4, 4), (2, 3, 3), in_channels=2, out_channels=2), "flat", False),
    "pool3d": (Pool3d((4, 4, 4), 2), "paper", True),
    "grad_weight3d": (Conv3d((3, 4, 4), (2, 3, 3), in_channels=2, out_channels=2), "paper", False, "grad-weight"),
    "grad_input3d": (Conv3d((3, 4, 4), (2, 3, 3), stride=(1, 2, 2)), "paper", True, "grad-input"),
}


def _box(vertices):
    return np.array([*vertices.min(axis=0), *vertices.max(axis=0)])


def _overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _polygon_meets_box(polygon, box) -> bool:
    """Whether a convex polygon and an axis-aligned box overlap (separating axes)."""
    rect = np.array([[box[0], box[1]], [box[2], box[1]], [box[2], box[3]], [box[0], box[3]]])
    for shape in (polygon, rect):
        edges = np.roll(shape, -1, axis=0) - shape
        for e in edges:
            n = np.array([-e[1], e[0]])
            p, q = polygon @ n, rect @ n
            if p.max() <= q.min() + 1e-9 or q.max() <= p.min() + 1e-9:
                return False
    return True


def _segment_meets_box(p, q, box) -> bool:
    t0, t1 = 0.0, 1.0
    d = q - p
    for lo, hi, a, da in ((box[0], box[2], p[0], d[0]), (box[1], box[3], p[1], d[1])):
        if abs(da) < 1e-12:
            if not lo < a < hi:
                return False
            continue
        s0, s1 = sorted(((lo - a) / da, (hi - a) / da))
        t0, t1 = max(t0, s0), min(t1, s1)
    return t0 < t1 - 1e-9


@pytest.mark.parametrize("width", [None, 400])
@pytest.mark.parametrize("name", sorted(FIGURES))
def test_no_name_or_caption_overlaps_a_text_a_plane_or_a_line(name, width):
    """At the default size and at ``--width 400`` (without numbers there: they are refused); a
    width too narrow for the names is refused too, and the width it names holds them."""
    spec, style, numbers, *view = FIGURES[name]

    def animation(width):
        return Animation(spec, style=style, numbers=True if numbers and width is None else None, labels=True,
                         view=view[0] if view else "gather", width=width)

    try:
        renderer = animation(width).renderer()
    except SpecError as e:
        assert width is not None and e.params == ("width",)
        renderer = animation(int(re.search(r"use --width (\d+)", str(e)).group(1))).renderer()
    geometry, lay = renderer.geometry, renderer.layout
    static = [_box(outline[0]) for outline in geometry.annotations]
    headings = [_box(outline[0]) for outline in geometry.phases]  # one at a time, in one place
    texts = static + headings
    for i, a in enumerate(static):
        for b in static[i + 1:] + headings:
            assert not _overlap(a, b), (a, b)
        for placement in lay.placements:
            assert not _polygon_meets_box(placement.corners(), a), a
    scene = renderer.scene
    for index in sorted({0, len(scene) // 2, len(scene) - 1}):
        segments, _ = renderer.painter.paint(scene.step(index)).segments
        for p, q in segments:
            for box in texts:
                assert not _segment_meets_box(p, q, box), (index, p, q, box)


def test_the_stored_and_rotated_kernels_stand_apart_and_the_figure_stays_narrow():
    """A transposed convolution's two kernels: the rotated one above the stored one, clear of its
    name, and the figure of a 3x3 input no wider than about 1600 px (it was 1605 with the name on
    the kernel; since, the weights in its isometric cells are written at 11 px, not 9, and the
    cells fitted to their widest ink, a "4")."""
    anim = Animation(ConvTranspose2d(3, 3, 2, 1), numbers=True, labels=True)
    geometry = anim.geometry
    stored, rotated = geometry.layout.placements[-2:]
    assert rotated.corners()[:, 1].min() > stored.corners()[:, 1].max()
    assert geometry.width <= 1600


def test_headings_equation_and_caption_share_one_middle():
    renderer = Animation(ConvTranspose2d(3, 3, 2, 1), numbers=True, labels=True).renderer()
    geometry = renderer.geometry
    caption = _box(geometry.annotations[-1][0])
    heading = _box(geometry.phases[0][0])
    equation = np.concatenate([o[0] for o in renderer.painter.equation_outlines(renderer.scene.step(10).equation)])
    middles = [(caption[0] + caption[2]) / 2, (heading[0] + heading[2]) / 2, (equation[:, 0].min() + equation[:, 0].max()) / 2]
    assert max(middles) - min(middles) < 0.15  # cells: a glyph's side bearing, no more


@pytest.mark.parametrize("size, width", [(8, 300), (8, 400), (40, 2000)])
def test_numbers_too_small_for_the_width_are_refused_with_the_width_that_fits(size, width):
    anim = Animation(Conv2d(size, 3), numbers=True, width=width)
    with pytest.raises(SpecError) as caught:
        anim.geometry
    assert caught.value.params == ("width",)
    message = str(caught.value)
    if size == 40:  # the width that would hold them is over the size limit: say so
        assert "--max-size" in message
        return
    needed = int(re.search(r"use --width (\d+)", message).group(1))
    geometry = Animation(Conv2d(size, 3), numbers=True, width=needed).geometry
    assert geometry.width == needed
    assert geometry.value_px >= VALUE_PX and geometry.weight_px >= WEIGHT_PX
    from convanim.draw.fit import _cell_matrix, _widest
    from convanim.draw.theme import PAPER
    value, weight = _widest(Animation(Conv2d(size, 3), numbers=True).scene, PAPER.font)
    assert numbers_fit(_cell_matrix("paper"), geometry.cell_px, value, weight, PAPER.font)


def test_a_width_that_holds_the_numbers_and_one_without_numbers_are_drawn_as_asked():
    assert Animation(Conv2d(8, 3), width=300).geometry.width == 300
    assert Animation(Conv2d(4, 3), numbers=True, width=1000).geometry.width == 1000


def test_the_command_refuses_and_writes_nothing(tmp_path):
    out = tmp_path / "w.png"
    result = CliRunner().invoke(cli, ["conv", "--i", "8", "--k", "3", "--numbers", "--width", "300", "--poster", "1",
                                      "-o", str(out)])
    assert result.exit_code == 2, result.output
    assert "--width" in result.output and "use --width" in result.output
    assert not out.exists()


@pytest.mark.parametrize("spec", [Conv2d(40, 3), Conv2d(24, 3, in_channels=3), Conv2d(5, 3)], ids=lambda s: s.slug)
def test_names_and_captions_grow_with_the_image(spec):
    """Text shrinks with the cells of a large grid, but never below 1.3 % of the image's longer
    side (13 px on a 1000 px figure), nor below 11 px; a small figure keeps the paper's size."""
    from convanim.draw.fit import MIN_TEXT_PX, PAPER_CELL_PX, TEXT_SHARE
    from convanim.draw.text import CAPTION_EM

    geometry = Animation(spec, labels=True).geometry
    caption_px = CAPTION_EM * geometry.cell_px * geometry.text_scale
    assert caption_px >= max(MIN_TEXT_PX, TEXT_SHARE * max(geometry.width, geometry.height)) * 0.98
    if geometry.cell_px == PAPER_CELL_PX:
        assert geometry.text_scale == 1.0


@pytest.mark.parametrize("args, needed", [(["separable"], 270), (["conv", "--view", "im2col"], 207)])
def test_a_width_too_narrow_for_the_texts_is_refused_not_overstepped(tmp_path, args, needed):
    """A long caption over cells at their smallest made a wider image than --width asked for
    (separable at 400: 521 px); the width is the image's, or the command names one that is, its
    headings and caption wrapped as narrow as the planes."""
    from click.testing import CliRunner
    from PIL import Image

    result = CliRunner().invoke(cli, [*args, "--width", "200", "--poster", "1", "-o", str(tmp_path / "a.png")])
    assert (result.exit_code, result.stderr) == (2, f"Error: --width: 200 px is too narrow for the figure's texts at"
                                                    f" a legible size; use --width {needed} or more\n")
    result = CliRunner().invoke(cli, [*args, "--width", str(needed), "--poster", "1", "-o", str(tmp_path / "b.png")])
    assert result.exit_code == 0 and Image.open(tmp_path / "b.png").width == needed


@pytest.mark.parametrize("args", [["separable"], ["conv3d", "--view", "grad-input"]])  # im2col: the test above
def test_a_narrow_width_wraps_the_headings_and_caption_instead_of_refusing(args):
    """At 320 px these were refused (they needed 404–432): their headings and caption now break
    into lines as wide as the planes, centred one under another, touching nothing, and the image
    is the width asked for."""
    import click

    from convanim.cli.commands import prepare
    from convanim.ops import BY_NAME

    command, *rest = args
    with click.Context(cli) as parent:
        ctx = cli.commands[command].make_context(command, [*rest, "--width", "320", "-o", "a.gif"], parent=parent)
        anim = prepare(BY_NAME[command], dict(ctx.params), ctx).anim
    geometry = anim.geometry
    assert geometry.width <= 321 and not geometry.crowded
    lines = [line for outline in (*geometry.annotations, *geometry.phases) for line in outline.lines]
    assert any(len(outline.lines) > 1 for outline in geometry.phases) or len(geometry.annotations) > len(anim.scene.planes)
    boxes = [_box(line[0]) for line in lines]
    for outline in geometry.phases:  # a heading's lines: one under another, about one middle
        tops = [_box(line[0])[3] for line in outline.lines]
        assert tops == sorted(tops, reverse=True)
        middles = [(_box(line[0])[0] + _box(line[0])[2]) / 2 for line in outline.lines]
        assert max(middles) - min(middles) < 0.2
    static = [_box(o[0]) for o in geometry.annotations]
    for i, a in enumerate(static):
        assert not any(_overlap(a, b) for b in static[i + 1:])
    left, right = geometry.bounds[0], geometry.bounds[2]
    assert all(left - 1e-9 <= box[0] and box[2] <= right + 1e-9 for box in boxes)
