"""Every output format, read back; themes; storyboards; batch files; notebooks."""

import base64
import io
import os
import re
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image, ImageSequence

from convanim import Animation, Conv2d
from convanim.cli import cli
from convanim.draw.theme import COLORBLIND, DARK, PAPER, theme_from_toml
from pixels import colours as pixel_colours


def _invoke(*args):
    return CliRunner().invoke(cli, list(args))


@pytest.fixture
def here(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


ANIM = Animation(Conv2d(5, 3, 2, 1), delay_ms=400)


@pytest.mark.parametrize("name, fmt", [("a.webp", "WEBP"), ("a.apng", "PNG")])
def test_animated_lossless_formats(tmp_path, name, fmt):
    [path] = ANIM.save(tmp_path / name)
    expected = list(ANIM.frames())
    with Image.open(path) as im:
        assert im.format == fmt and im.n_frames == 9 and im.size == (expected[0].shape[1], expected[0].shape[0])
        for i, frame in enumerate(ImageSequence.Iterator(im)):
            frame.load()
            assert frame.info.get("duration") == 400
            np.testing.assert_array_equal(np.asarray(frame.convert("RGB")), expected[i])  # lossless


def test_mp4(tmp_path):
    pytest.importorskip("imageio_ffmpeg")
    import imageio.v3 as iio

    [path] = ANIM.save(tmp_path / "a.mp4")
    frames = iio.imread(path, plugin="FFMPEG", index=None)
    h, w, _ = ANIM.frame(0).shape
    assert frames.shape[0] == 9
    assert frames.shape[1:3] == (h + h % 2, w + w % 2)
    import imageio.v2 as v2

    reader = v2.get_reader(path, format="FFMPEG")
    assert reader.get_meta_data()["fps"] == pytest.approx(2.5)
    reader.close()
    assert np.abs(frames[4].astype(int)[:h, :w] - ANIM.frame(4).astype(int)).mean() < 6  # lossy, but the picture


def test_mp4_without_the_extra_says_which_to_install(here, monkeypatch):
    monkeypatch.setitem(sys.modules, "imageio_ffmpeg", None)
    result = _invoke("conv", "-o", "a.mp4")
    assert (result.exit_code, result.stderr) == (1, "Error: -o/--output: writing .mp4 needs imageio-ffmpeg, the video extra: pip install 'convanim[video]'"
                                                 " (from a checkout: pip install '.[video]')\n")
    assert list(here.iterdir()) == []


def test_svg_sequence(tmp_path):
    paths = ANIM.save(tmp_path / "s.svg")
    assert [p.name for p in paths] == [f"s_{i:03d}.svg" for i in range(9)]
    texts = [p.read_text() for p in paths]
    assert all(t.startswith("<?xml") and "<dc:title>convanim</dc:title>" in t for t in texts)
    assert len(set(texts)) == 9  # every frame differs
    assert "Date" not in texts[0] and "Matplotlib v" not in texts[0]
    assert ANIM.save(tmp_path / "s.svg") == paths  # its own files: replaced without --force


def test_pdf_one_page_per_frame(tmp_path):
    [path] = ANIM.save(tmp_path / "a.pdf")
    data = path.read_bytes()
    assert data.startswith(b"%PDF")
    assert len(re.findall(rb"/Type /Page\b", data)) == 9
    assert b"CreationDate" not in data and b"Matplotlib" not in data


@pytest.mark.parametrize("suffix", [".svg", ".pdf", ".webp", ".apng", ".mp4"])
def test_every_format_is_reproducible(tmp_path, suffix):
    if suffix == ".mp4":
        pytest.importorskip("imageio_ffmpeg")
    anim = Animation(Conv2d(4, 3), delay_ms=400)
    [first] = anim.save(tmp_path / f"one{suffix}")[:1]
    [second] = anim.save(tmp_path / f"two{suffix}")[:1]
    assert first.read_bytes() == second.read_bytes()


def test_vector_frames_hold_the_revealed_numbers(tmp_path):
    from convanim.core.values import Numbers

    from matplotlib.collections import PathCollection

    spec = Conv2d(4, 3)
    anim = Animation(spec, numbers=Numbers.of(spec))
    renderer = anim.renderer()
    revealed = []
    for state in renderer.vector_states():
        with state:
            texts = [c for c in renderer.axes.collections if isinstance(c, PathCollection) and c.get_zorder() == 2.5]
            revealed.append(sum(len(c.get_paths()) for c in texts))
    assert revealed == [0, 1, 2, 3]  # each frame holds the outputs computed before it
    paths = anim.save(tmp_path / "n.svg")
    assert len(paths) == 4 and all(p.read_text().startswith("<?xml") for p in paths)


def test_storyboard_png_and_pdf(here):
    result = _invoke("conv", "--i", "5", "--s", "2", "--p", "1", "--storyboard", "board.png")
    assert (result.exit_code, result.stdout) == (0, "board.png\n")  # without -o: only the storyboard
    frame = ANIM.frame(0)
    with Image.open(here / "board.png") as im:
        assert im.size[0] > 3 * frame.shape[1] and im.size[1] > 3 * frame.shape[0]
    result = _invoke("conv", "-o", "a.gif", "--storyboard", "board.pdf")
    assert (result.exit_code, result.stdout) == (0, "a.gif\nboard.pdf\n")
    assert (here / "board.pdf").read_bytes().startswith(b"%PDF")
    assert _invoke("conv", "--storyboard", "board.jpg").stderr == (
        "Error: Invalid value for '--storyboard': 'board.jpg' is not a .png or a .pdf file\n")


def test_big_storyboards_shrink_to_the_size_limit(tmp_path):
    anim = Animation(Conv2d(8, 1), max_size=800)  # 64 frames: 8 a row would be about 2,000 px wide
    path = anim.save_storyboard(tmp_path / "b.png")
    assert 600 < max(Image.open(path).size) <= 800


def test_transparent_frames(tmp_path):
    anim = Animation(Conv2d(4, 3), transparent=True)
    [gif] = anim.save(tmp_path / "a.gif")
    png = anim.save(tmp_path / "a.png")
    with Image.open(png[0]) as im:
        assert im.mode == "RGBA"
        alpha = np.asarray(im)[:, :, 3]
        assert alpha[0, 0] == 0 and alpha.max() == 255
    with Image.open(gif) as im:
        for frame in ImageSequence.Iterator(im):
            rgba = np.asarray(frame.convert("RGBA"))
            assert rgba[0, 0, 3] == 0 and (rgba[:, :, 3] == 255).mean() > 0.1


@pytest.mark.parametrize("theme", [PAPER, DARK, COLORBLIND])
def test_themes_colour_the_cells(theme):
    anim = Animation(Conv2d(4, 3), theme=theme)
    frame = anim.frame(0)
    colours = pixel_colours(frame)
    assert theme.input in colours and theme.output in colours and tuple(theme.background) == tuple(frame[0, 0])


def test_theme_files(here):
    (here / "t.toml").write_text('base = "dark"\ninput = "#ff0000"\noutput = [0, 255, 0]\nline_px = 2\n')
    result = _invoke("conv", "--i", "4", "--theme-file", "t.toml", "-o", "a.png")
    assert result.exit_code == 0
    colours = pixel_colours(np.asarray(Image.open(here / "a_000.png").convert("RGB")))
    assert (255, 0, 0) in colours and (0, 255, 0) in colours and DARK.background in colours
    for text, message in [
        ("colour = 1", "unknown key 'colour'"),
        ("input = \"red\"", "input = 'red' is not a colour"),
        ("base = \"neon\"", "base = 'neon': use one of paper, dark, colorblind"),
        ("base = [\"dark\"]", "base = ['dark']: use one of paper, dark, colorblind"),
        ("base = { a = 1 }", "base = {'a': 1}: use one of paper, dark, colorblind"),
        ("font = \"No Such Font\"", "font = 'No Such Font': no installed font family has that name"),
        ("line_px = -1", "line_px = -1 is out of range"),
        ("[[", "not TOML"),
        ('text = "#999999"', 'text #999999 reads at 2.8:1 on the background #ffffff, under the 4.5:1 names, captions and'
                             ' equations need; text = "#000000" reads at 21.0:1'),
        ('base = "dark"\nalt_text = "#777777"', "neither text #fffcf2 nor alt_text #777777 reads at 4.5:1 on"),
    ]:
        (here / "bad.toml").write_text(text)
        result = _invoke("conv", "--theme-file", "bad.toml")
        assert result.exit_code == 2 and result.stderr.startswith("Error: Invalid value for '--theme-file': bad.toml: ")
        assert message in result.stderr and result.stderr.count("\n") == 1
    assert theme_from_toml("") == PAPER


def _colours(path) -> set:
    with Image.open(path) as im:
        return pixel_colours(*(np.asarray(frame.convert("RGB")) for frame in ImageSequence.Iterator(im)))


@pytest.mark.parametrize(
    "args, name, crisp",
    [
        ([], "a.gif", False),
        (["--crisp"], "a.gif", True),
        (["--antialias"], "a.gif", False),
        ([], "a.png", False),
        (["--crisp"], "a.png", True),
    ],
    ids=["gif", "gif-crisp", "gif-antialias", "png", "png-crisp"],
)
def test_every_format_is_antialiased_unless_asked_crisp(here, args, name, crisp):
    result = _invoke("conv", "--i", "5", "--s", "2", "--no-labels", *args, "-o", name)
    assert result.exit_code == 0, result.stderr
    path = here / name if name.endswith(".gif") else here / "a_000.png"
    blends = _colours(path) - {*PAPER.solid_colours, PAPER.over(PAPER.line)}
    assert (len(blends) <= 8) == crisp  # Agg's compositing rounds a few; antialiasing makes dozens


@pytest.mark.parametrize(
    "keys, crisp",
    [("", False), ("crisp = true", True), ("crisp = false", False), ("antialias = true", False), ("antialias = false", True)],
)
def test_batch_entries_choose_crisp_or_antialias(here, keys, crisp):
    (here / "figs.toml").write_text(f'[g]\ncommand = "gallery"\nonly = "no_padding_no_strides"\n{keys}\n'
                                    f'[c]\ncommand = "conv"\ni = 4\nlabels = false\noutput = "c.gif"\n{keys}\n')
    assert _invoke("batch", "figs.toml").exit_code == 0
    for name in ("no_padding_no_strides.gif", "c.gif"):
        blends = _colours(here / name) - {*PAPER.solid_colours, PAPER.over(PAPER.line)}
        assert (len(blends) <= 8) == crisp


def test_notebooks_show_a_large_animation_as_an_inline_gif(monkeypatch):
    import convanim.io.notebook as module

    monkeypatch.setattr(module, "NOTEBOOK_MAX_BYTES", 0)  # past the player's cap (tests/test_page.py: under it)
    html = Animation(Conv2d(4, 3))._repr_html_()
    data = base64.b64decode(re.search(r'base64,([^"]+)"', html).group(1))
    with Image.open(io.BytesIO(data)) as im:
        assert im.format == "GIF" and im.n_frames == 4


# ---- batch ----------------------------------------------------------------------------


BATCH = """
[padding_strides]
command = "conv"
i = 5
s = 2
p = 1
labels = false

[numbers]
command = "pool"
numbers = true
style = "flat"
output = "sub/pool.gif"
dump = "sub/pool.json"

[paper]
command = "gallery"
only = ["dilation"]
output = "gallery"
"""


def test_batch_renders_every_entry_and_skips_what_is_up_to_date(here):
    (here / "figs.toml").write_text(BATCH)
    result = _invoke("batch", "figs.toml", "--jobs", "2")
    assert result.exit_code == 0, result.stderr
    assert sorted(result.stdout.splitlines()) == sorted(
        ["padding_strides.gif", "sub/pool.gif", "sub/pool.json", "gallery/dilation.gif"])
    with Image.open(here / "padding_strides.gif") as im:
        assert im.n_frames == 9
    result = _invoke("batch", "figs.toml")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "up to date: numbers, padding_strides, paper\n")
    old = time.time() - 3600
    os.utime(here / "padding_strides.gif", (old, old))
    result = _invoke("batch", "figs.toml")
    assert result.stdout == "padding_strides.gif\n"
    assert _invoke("batch", "figs.toml", "-B").stdout.count("\n") == 4


def test_batch_output_folder(here):
    (here / "figs.toml").write_text(BATCH)
    assert _invoke("batch", "figs.toml", "-o", "out").exit_code == 0
    assert (here / "out" / "sub" / "pool.gif").is_file()


@pytest.mark.parametrize(
    "text, message",
    [
        ('[a]\ncommand = "conv"\nk = 9\n', "Error: figs.toml [a]: --k/--kernel-size, --i/--input-size, --p/--padding: the kernel spans 9x9 cells but the padded input is only 5x5"),
        ('[a]\ncommand = "nope"\n', "Error: figs.toml [a]: command = 'nope': use one of"),
        ('[a]\ncommand = "conv"\nwat = 1\n', "Error: figs.toml [a]: No such option '--wat'."),
        ('[a]\ncommand = "conv"\n[b]\ncommand = "conv"\ns = 0\n', "Error: figs.toml [b]: --s/--stride: must be at least 1, got 0"),
        ("a = 1\n", "Error: figs.toml: a = 1 is not a table"),
        ("[[", "Error: Invalid value for FILE: figs.toml: not TOML"),
        ('[g]\ncommand = "gallery"\ncrisp = "yes"\n', "Error: figs.toml [g]: crisp = 'yes': use true or false"),
        ('[g]\ncommand = "gallery"\ncrisp = true\nantialias = true\n',
         "Error: figs.toml [g]: crisp = true and antialias = true contradict"),
        ('[c]\ncommand = "conv"\ncrisp = false\nantialias = false\n',
         "Error: figs.toml [c]: crisp = false and antialias = false contradict"),
        ('[a]\ncommand = "conv"\noutput = "../../escape/x.gif"\n',
         "Error: figs.toml [a]: output = '../../escape/x.gif' is outside .: a batch writes only inside its folder"),
        ('[a]\ncommand = "conv"\noutput = "/tmp/x.gif"\n',
         "Error: figs.toml [a]: output = '/tmp/x.gif' is outside .: a batch writes only inside its folder"),
        ('["../../escape/n"]\ncommand = "conv"\n',
         "Error: figs.toml [../../escape/n]: output = '../../escape/n.gif' is outside .: a batch writes only inside its folder"),
        ('[a]\ncommand = "conv"\nnumbers = true\ndump = "../d.json"\n',
         "Error: figs.toml [a]: dump = '../d.json' is outside .: a batch writes only inside its folder"),
        ('[a]\ncommand = "conv"\n[b]\ncommand = "pool"\noutput = "a.gif"\n', "Error: figs.toml: [a] and [b] both write a.gif"),
        ('[a]\ncommand = "conv"\nnumbers = true\ndump = "d.json"\n[b]\ncommand = "pool"\nnumbers = true\ndump = "d.json"\n',
         "Error: figs.toml: [a] and [b] both write d.json"),
        ('[a]\ncommand = "conv"\noutput = ""\n', "Error: figs.toml [a]: output = '': name a file"),
        ('[a]\ncommand = "conv"\nhelp = true\n', "Error: figs.toml [a]: No such option '--help'."),
        ('[a]\ncommand = "conv"\ni = true\n', "Error: figs.toml [a]: i = true: --i takes a value (i = …), not true or false"),
        ("a = " + "[" * 5000 + "]" * 5000 + "\n", "Error: Invalid value for FILE: figs.toml: not TOML convanim reads: nested too deeply"),
        ('[g]\ncommand = "gallery"\nonly = 5\n', "Error: figs.toml [g]: only = 5: use a figure's name or a list of names"),
        ('[g]\ncommand = "gallery"\nonly = true\n', "Error: figs.toml [g]: only = true: use a figure's name or a list of names"),
        ('[g]\ncommand = "gallery"\nonly = { a = 1 }\n', "Error: figs.toml [g]: only = {'a': 1}: use a figure's name or a list of names"),
    ],
)
def test_bad_batch_files_write_nothing(here, text, message):
    (here / "figs.toml").write_text(text)
    result = _invoke("batch", "figs.toml")
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.startswith(message) and result.stderr.count("\n") == 1
    assert [p.name for p in here.iterdir()] == ["figs.toml"]


def test_the_examples_batch_file_plans_every_figure_of_the_readme():
    """Every entry of examples/figures.toml makes a valid animation within the limits, and every
    image the README shows from examples/ is one of the files the batch writes."""
    import re

    import click

    from convanim.cli import cli
    from convanim.cli.batch import batch_items

    root = Path(__file__).resolve().parents[1]
    examples = root / "examples" / "figures.toml"
    try:
        import tomllib
    except ImportError:
        import tomli as tomllib
    entries = tomllib.loads(examples.read_text())
    written = set()
    with click.Context(cli):
        for name, entry in entries.items():
            for job, files in batch_items(name, entry, examples.parent):
                job.anim.check_limits()
                written |= {f.resolve().relative_to(root).as_posix() for f in files}
    shown = set(re.findall(r"\]\((examples/[^)]+)\)", (root / "README.md").read_text()))
    assert shown and shown <= written, sorted(shown - written)


def test_dpi_and_width(here):
    assert _invoke("conv", "--dpi", "300", "-o", "a.gif").exit_code == 0
    paper = Animation(Conv2d(5, 3), labels=True).geometry.width
    with Image.open(here / "a.gif") as im:
        assert abs(im.size[0] / paper - 300 / 150.4) < 0.02  # the paper's GIFs are at about 150 dpi
    assert _invoke("conv", "--width", "800", "-o", "b.gif").exit_code == 0
    with Image.open(here / "b.gif") as im:
        assert im.size[0] == 800
    result = _invoke("conv", "--dpi", "300", "--width", "100")
    assert (result.exit_code, result.stderr) == (2, "Error: --width and --dpi: give one or the other\n")


def test_batch_skips_every_format_once_written(here):
    """Up to date is up to date whatever the format: a second run draws nothing."""
    pytest.importorskip("imageio_ffmpeg")
    entries = "".join(f'[{name}]\ncommand = "conv"\ni = 4\noutput = "{out}"\n'
                      for name, out in [("gif", "a.gif"), ("png", "seq/a.png"), ("folder", "frames/"), ("webp", "a.webp"),
                                        ("apng", "a.apng"), ("mp4", "a.mp4"), ("svg", "a.svg"), ("pdf", "a.pdf")])
    entries += '[extras]\ncommand = "pool"\ni = 4\nnumbers = true\noutput = "p.gif"\nstoryboard = "p.png"\ndump = "p.json"\n'
    (here / "figs.toml").write_text(entries)
    first = _invoke("batch", "figs.toml", "-j", "1")
    assert first.exit_code == 0, first.stderr
    assert len(first.stdout.splitlines()) == 1 + 4 + 4 + 1 + 1 + 1 + 4 + 1 + 3  # gif, png, folder, …, extras
    second = _invoke("batch", "figs.toml", "-j", "1")
    assert (second.exit_code, second.stdout) == (0, "")
    assert second.stderr == "up to date: apng, extras, folder, gif, mp4, pdf, png, svg, webp\n"


def test_storyboards_number_their_frames_and_caption_once(tmp_path):
    anim = Animation(Conv2d(4, 3), labels=True)
    bare = Animation(Conv2d(4, 3), labels=True)
    page = np.asarray(Image.open(anim.save_storyboard(tmp_path / "s.png")).convert("RGB"))
    frames = list(bare.frames())
    # the panels are the frames without their caption: each shorter than the animation's frames
    assert page.shape[0] < 2 * frames[0].shape[0] + 200 and page.shape[1] < 2 * frames[0].shape[1] + 100
    ink = (page != 255).any(axis=2)
    rows = np.nonzero(ink.any(axis=1))[0]
    assert rows[0] < 0.1 * page.shape[0]  # the first frame's number, above it
    bottom = ink[-int(0.08 * page.shape[0]):]
    assert bottom.any() and not bottom[:, : page.shape[1] // 5].any()  # the caption, once, centred under the grid


def test_a_gallery_entry_takes_the_gallery_commands_options(here):
    """Its keys are the gallery command's own options: a look, a timing, a limit, as on the command line."""
    (here / "figs.toml").write_text('[g]\ncommand = "gallery"\nonly = "dilation"\ntheme = "dark"\ndelay = 500\n'
                                    'width = 200\n')
    result = _invoke("batch", "figs.toml")
    assert (result.exit_code, result.stdout) == (0, "dilation.gif\n"), result.stderr
    with Image.open(here / "dilation.gif") as im:
        assert im.width == 200 and im.info["duration"] == 500
        assert DARK.background in pixel_colours(np.asarray(im.convert("RGB")))
    for text, message in [
        ('themes = "dark"', "Error: bad.toml [g]: No such option '--themes'. Did you mean '--theme'?\n"),
        ('jobs = 2', "Error: bad.toml [g]: jobs = …: a batch's own --jobs says that\n"),
        ('theme = "neon"', "Error: bad.toml [g]: Invalid value for '--theme': 'neon' is not one of"),
    ]:
        (here / "bad.toml").write_text(f'[g]\ncommand = "gallery"\nonly = "dilation"\n{text}\n')
        result = _invoke("batch", "bad.toml")
        assert result.exit_code == 2 and result.stderr.startswith(message), result.stderr
