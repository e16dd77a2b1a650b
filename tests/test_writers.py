import os

import imageio.v3 as iio
import numpy as np
import pytest
from PIL import Image, ImageSequence

from convanim.animation import Animation
from convanim import Conv2d, ConvTranspose2d, Pool2d, SpecError
from convanim.draw.theme import PAPER
from convanim.core.values import Numbers
from convanim.io.gif import GifStream, PaletteMapper, colour_keys
from convanim.io.files import OutputError, Target
from convanim.io.writers import write_animation
from pixels import colours as pixel_colours


def _read_gif(path):
    with Image.open(path) as im:
        frames = [np.asarray(f.convert("RGB")) for f in ImageSequence.Iterator(im)]
        durations = []
        for i in range(im.n_frames):
            im.seek(i)
            durations.append(im.info["duration"])
        return frames, durations, im.info.get("loop"), im.size


@pytest.mark.parametrize(
    "text, fmt",
    [("a.gif", "gif"), ("A.GIF", "gif"), ("a.png", "png"), ("frames/", "png"), ("frames", "png"), ("d/e/f.gif", "gif"), ("fig.html", "html")],
)
def test_target_format_by_extension(text, fmt):
    assert Target.parse(text).format == fmt


@pytest.mark.parametrize("text", ["a.jpg", "a.gif.bak", "movie.avi"])
def test_unknown_extension(text):
    with pytest.raises(OutputError, match=r"unknown extension '\.\w+': use \.gif, \.png, \.webp, \.apng, \.mp4, \.svg, \.pdf, \.html or a folder"):
        Target.parse(text)


def test_existing_folder_with_a_dot_is_a_folder(tmp_path):
    (tmp_path / "v1.0").mkdir()
    assert Target.parse(tmp_path / "v1.0") == Target(tmp_path / "v1.0", "png", folder=True)
    assert Target.parse("x.png/").frame_paths(1)[0].as_posix() == "x.png/frame_000.png"


def test_frame_paths():
    assert [p.as_posix() for p in Target.parse("out/").frame_paths(2)] == ["out/frame_000.png", "out/frame_001.png"]
    assert Target.parse("x/a.png").frame_paths(1001)[-1].as_posix() == "x/a_1000.png"


def test_gif_reads_back_with_frames_timing_and_loop(tmp_path):
    anim = Animation(Conv2d(5, 3, 2, 1), delay_ms=250)
    expected = list(anim.renderer().frames())  # a GIF is antialiased by default
    [path] = anim.save(tmp_path / "sub" / "a.gif")
    frames, durations, loop, size = _read_gif(path)
    assert len(frames) == len(anim) == 9
    assert durations == [250] * 9
    assert loop == 0
    assert size == (expected[0].shape[1], expected[0].shape[0])
    for got, want in zip(frames, expected):
        diff = np.abs(got.astype(int) - want.astype(int))
        # the palette blends two colours in thirds: an edge pixel is off by at most a sixth of the
        # two colours' distance (measured: 99.9 % of pixels within 16 levels)
        assert diff.mean() < 1.0 and np.percentile(diff, 99.9) <= 24


def test_gif_solid_colours_survive_exactly(tmp_path):
    [path] = Animation(Conv2d(5, 3, 2, 1)).save(tmp_path / "a.gif")
    frames, *_ = _read_gif(path)
    colours = pixel_colours(frames[0])
    for solid in [PAPER.input, PAPER.output, PAPER.line, PAPER.over(PAPER.input), PAPER.over(PAPER.padding)]:
        assert solid in colours


def test_identical_consecutive_frames_merge(tmp_path):
    a = np.full((20, 30, 3), PAPER.input, np.uint8)
    b = a.copy()
    b[5:8, 10:12] = PAPER.output
    with open(tmp_path / "m.gif", "wb") as fp:
        stream = GifStream(fp, 100, PAPER.palette())
        for frame in (a, a, b, b, b, a):
            stream.add(frame)
        stream.close()
    frames, durations, _, _ = _read_gif(tmp_path / "m.gif")
    assert durations == [200, 300, 100]
    np.testing.assert_array_equal(frames[1], b)
    np.testing.assert_array_equal(frames[2], a)


def test_merged_frames_hold_at_most_a_gifs_longest_delay(tmp_path):
    a = np.full((4, 4, 3), PAPER.input, np.uint8)
    with open(tmp_path / "m.gif", "wb") as fp:
        stream = GifStream(fp, 400_000, PAPER.palette())
        for frame in (a, a, a):
            stream.add(frame)
        stream.close()
    assert _read_gif(tmp_path / "m.gif")[1] == [655_350]


def test_transparent_frames_clear_to_transparent_even_when_wholly_opaque(tmp_path):
    opaque = np.dstack([np.full((1, 2, 3), PAPER.input, np.uint8), np.full((1, 2, 1), 255, np.uint8)])
    hole = opaque.copy()
    hole[0, 0, 3] = 0
    with open(tmp_path / "t.gif", "wb") as fp:
        stream = GifStream(fp, 100, PAPER.palette(), transparent=True)
        for frame in (opaque, hole):
            stream.add(frame)
        stream.close()
    with Image.open(tmp_path / "t.gif") as im:
        im.seek(1)
        assert im.convert("RGBA").getpixel((0, 0))[3] == 0 and im.convert("RGBA").getpixel((1, 0))[3] == 255


@pytest.mark.parametrize("delay, expected", [(15, 20), (25, 30), (14, 10), (1000, 1000)])
def test_delays_round_half_up_to_centiseconds(tmp_path, delay, expected):
    with open(tmp_path / "d.gif", "wb") as fp:
        stream = GifStream(fp, delay, PAPER.palette())
        stream.add(np.zeros((2, 2, 3), np.uint8))
        stream.close()
    assert _read_gif(tmp_path / "d.gif")[1] == [expected]


def test_png_sequence_is_lossless(tmp_path):
    anim = Animation(Conv2d(4, 3))
    paths = anim.save(tmp_path / "seq")
    assert [p.name for p in paths] == ["frame_000.png", "frame_001.png", "frame_002.png", "frame_003.png"]
    for path, want in zip(paths, anim.frames()):
        np.testing.assert_array_equal(np.asarray(Image.open(path).convert("RGB")), want)


def test_png_sequence_removes_its_own_stale_frames_and_nothing_else(tmp_path):
    Animation(Conv2d(5, 3)).save(tmp_path / "a.png")  # 9 frames
    (tmp_path / "notes.txt").write_text("mine")
    (tmp_path / "b_000.png").write_bytes(b"someone else's")
    paths = Animation(Conv2d(4, 3)).save(tmp_path / "a.png")  # 4 frames
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["a_000.png", "a_001.png", "a_002.png", "a_003.png", "b_000.png", "notes.txt"]
    assert [p.name for p in paths] == names[:4]


class Boom(Exception):
    pass


def _failing(frames, after):
    for i, frame in enumerate(frames):
        if i == after:
            raise Boom()
        yield frame


@pytest.mark.parametrize("name", ["a.gif", "a.png", "folder"])
def test_a_failure_mid_animation_leaves_nothing_behind(tmp_path, name):
    anim = Animation(Conv2d(5, 3))
    target = Target.parse(tmp_path / name)
    if target.format == "gif":
        target.path.write_bytes(b"previous version")
    with pytest.raises(Boom):
        write_animation(_failing(anim.frames(), 4), target, 1000, len(anim), PAPER.palette())
    left = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*"))
    if target.format == "gif":
        assert left == ["a.gif"] and target.path.read_bytes() == b"previous version"
    else:
        assert left in ([], ["folder"])


def test_files_get_ordinary_permissions(tmp_path):
    [path] = Animation(Conv2d(4, 3)).save(tmp_path / "a.gif")
    mask = os.umask(0)
    os.umask(mask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~mask




@pytest.mark.parametrize(
    "anim",
    [
        Animation(Conv2d(5, 3, 2, 1)),
        Animation(ConvTranspose2d((2, 1), 3, 2, 1, output_padding=1), numbers=Numbers.of(ConvTranspose2d((2, 1), 3, 2, 1, output_padding=1)), labels=True),
        Animation(Pool2d(4, 2), "flat", numbers=Numbers.of(Pool2d(4, 2))),
        Animation(Conv2d(6, 3, 2), crisp=True),
        Animation(Conv2d(6, 3, 2), numbers=Numbers.of(Conv2d(6, 3, 2)), crisp=False),
        Animation(Conv2d(4, 3, in_channels=3, out_channels=2), labels=True),
    ],
    ids=["conv", "transposed-numbers", "maxpool-flat", "crisp", "antialiased", "channels"],
)
def test_every_decoded_gif_frame_is_the_rendered_frame_in_the_palette(tmp_path, anim):
    [path] = anim.save(tmp_path / "a.gif")
    decoded, durations, _, _ = _read_gif(path)
    crisp = anim.crisp_for("gif")
    renderer = anim.renderer(crisp)
    mapper = PaletteMapper.for_palette(anim.palette(crisp))  # the palette save() uses
    expected = [mapper.colours[mapper.index(colour_keys(f))] for f in renderer.frames()]
    assert len(decoded) == len(expected)
    for got, want in zip(decoded, expected):
        np.testing.assert_array_equal(got, want)


def _unique_colours(frames):
    """The distinct colours (n, 3) of RGB frames and how many pixels have each (as integer keys:
    np.unique over rows is ten times slower)."""
    keys, counts = np.unique(np.concatenate([colour_keys(f).ravel() for f in frames]), return_counts=True)
    return np.stack([keys & 255, (keys >> 8) & 255, keys >> 16], axis=1).astype(np.uint8), counts


@pytest.mark.parametrize("crisp", [False, True], ids=["antialiased", "crisp"])
def test_ffmpeg_decodes_the_same_gif_pixels_as_pillow(tmp_path, crisp):
    imageio_ffmpeg = pytest.importorskip("imageio_ffmpeg")
    import subprocess

    anim = Animation(ConvTranspose2d(3, 3, 2, 1, output_padding=1), crisp=crisp)
    [path] = anim.save(tmp_path / "a.gif")
    ours, _, _, (w, h) = _read_gif(path)
    # every frame lasts as long, so ffmpeg neither drops nor repeats one
    raw = subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-i", str(path), "-f", "rawvideo",
                          "-pix_fmt", "rgb24", "-"], capture_output=True, check=True).stdout
    theirs = np.frombuffer(raw, np.uint8).reshape(-1, h, w, 3)
    assert len(theirs) == len(ours) == len(anim)
    for a, b in zip(ours, theirs):
        np.testing.assert_array_equal(a, b)


def _distance_to_solids(frames) -> np.ndarray:
    """For each colour in ``frames``, how far (largest channel difference) the nearest solid colour is."""
    colours = _unique_colours(frames)[0].astype(int)
    solids = np.array([*PAPER.solid_colours, PAPER.over(PAPER.line)])  # and the grid lines under the highlight
    return np.abs(colours[:, None, :] - solids[None]).max(axis=-1).min(axis=1)


@pytest.mark.parametrize("spec", [Conv2d(5, 3, 2, 1), ConvTranspose2d(3, 3, 2, 1, output_padding=1), Pool2d(4, 2)],
                         ids=["conv", "transposed", "pool"])
def test_crisp_frames_are_drawn_in_solid_colours(spec):
    anim = Animation(spec)  # each has one-cell highlights: one-path collections
    assert _distance_to_solids(anim.renderer(crisp=True).frames()).max() <= 1  # Agg's compositing rounds
    assert (_distance_to_solids(anim.frames()) > 1).sum() > 1000  # antialiased edges


def test_crisp_gifs_hold_only_the_solid_colours_in_narrow_codes(tmp_path):
    anim = Animation(Conv2d(5, 3, 2, 1), crisp=True)
    [path] = anim.save(tmp_path / "a.gif")
    colours = pixel_colours(*_read_gif(path)[0])
    assert colours <= {*PAPER.solid_colours, PAPER.over(PAPER.line)}
    assert max(_code_sizes(path)) <= 4  # the solid colours are the palette's first 16


def test_antialiased_gifs_order_the_palette_by_use_for_narrow_codes(tmp_path):
    anim = Animation(Conv2d(5, 3, 2, 1), crisp=False)
    [path] = anim.save(tmp_path / "a.gif")
    # 8 solid colours and 2 blends of each pair, 64: 7-bit indices; the colours a frame uses come first
    assert len(anim.palette()) == 64 and max(_code_sizes(path)) <= 6


def _code_sizes(path) -> list:
    """Each frame's LZW minimum code size, read from the file's blocks."""
    data, sizes = path.read_bytes(), []
    i = 13 + (3 << (data[10] & 7) + 1 if data[10] & 0x80 else 0)
    while data[i] != 0x3B:
        if data[i] == 0x21:  # an extension: label, then sub-blocks
            i += 2
        else:  # an image: descriptor, optional local table, code size, then sub-blocks
            flags = data[i + 9]
            i += 10 + (3 << (flags & 7) + 1 if flags & 0x80 else 0)
            sizes.append(data[i])
            i += 1
        while data[i]:
            i += data[i] + 1
        i += 1
    return sizes


def _on_ramp(colour, a, b) -> bool:
    """Whether ``colour`` lies between colours ``a`` and ``b`` (to rounding)."""
    c, a, b = (np.array(x, dtype=float) for x in (colour, a, b))
    d = b - a
    t = np.clip((c - a) @ d / (d @ d), 0, 1)
    return bool(np.abs(a + t * d - c).max() <= 1.5)


def _share_of_blends(frames, ends) -> float:
    """The share of pixels in neither a solid colour nor a blend of the text colour with one."""
    colours, counts = _unique_colours(frames)
    solids = set(PAPER.solid_colours)
    other = [tuple(c) not in solids and not any(_on_ramp(c, PAPER.text, e) for e in ends) for c in colours]
    return counts[other].sum() / counts.sum()


def test_crisp_shapes_keep_text_smooth():
    spec = Conv2d(4, 3)
    anim = Animation(spec, numbers=Numbers.of(spec), labels=True)
    ends = set(PAPER.solid_colours) - {PAPER.text}
    crisp = list(anim.renderer(crisp=True).frames())
    text_edges = pixel_colours(*crisp) - set(PAPER.solid_colours)
    assert len(text_edges) >= 20  # the glyphs are smooth...
    # ...the shapes are not (measured: 0.2 %, text under the translucent highlight; antialiased, 1.8 %
    # in cells grown to fit their numbers)
    assert _share_of_blends(crisp, ends) < 0.005
    assert _share_of_blends(list(anim.frames()), ends) > 0.01


def test_other_formats_and_frames_are_antialiased(tmp_path):
    anim = Animation(Conv2d(5, 3, 2, 1))
    assert anim.crisp_for("png") is False and anim.crisp_for("gif") is False
    [first, *_] = anim.save(tmp_path / "seq" / "a.png")
    colours = pixel_colours(iio.imread(first))
    assert len(colours - set(PAPER.solid_colours)) > 20
    np.testing.assert_array_equal(iio.imread(first)[:, :, :3], anim.frame(0))


@pytest.mark.parametrize("crisp", ["yes", 1, 0.0])
def test_crisp_must_be_a_bool_or_none(crisp):
    with pytest.raises(SpecError, match="crisp"):
        Animation(Conv2d(5, 3), crisp=crisp)


def test_vector_formats_are_never_crisp():
    anim = Animation(Conv2d(5, 3), crisp=True)
    assert [anim.crisp_for(f) for f in ("svg", "pdf", "gif", "png")] == [False, False, True, True]
    assert [Animation(Conv2d(5, 3)).crisp_for(f) for f in ("svg", "pdf", "gif", "png")] == [False] * 4


def test_channel_hues_have_their_place_in_a_gif_palette():
    anim = Animation(Conv2d(4, 3, in_channels=3, out_channels=2))
    palette = [tuple(c) for c in anim.palette()]
    for tint in (0, 1, 2):
        assert anim.theme.hue(tint) in palette
        assert anim.theme.over(anim.theme.hue(tint)) in palette  # under the footprint's highlight


def test_every_format_of_the_registry_has_its_writer():
    """A format is declared once (io.formats): pixel formats each have an encoder, vector ones
    are pages of one document or a sequence, and -o's help and errors list them all."""
    from click.testing import CliRunner

    from convanim.cli import cli
    from convanim.io.formats import FORMATS
    from convanim.io.writers import PIXEL_WRITERS

    assert set(PIXEL_WRITERS) == {name for name, f in FORMATS.items() if f.kind == "pixels"}
    for name, f in FORMATS.items():
        assert Target.parse(f"a{f.extension}").format == name
    with pytest.raises(OutputError, match=", ".join(f.extension for f in FORMATS.values())):
        Target.parse("a.txt")
    help_text = " ".join(CliRunner().invoke(cli, ["conv", "--help"]).output.split())
    assert all(f.extension in help_text for f in FORMATS.values())
