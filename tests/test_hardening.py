"""Hostile inputs that once ended in a traceback, an ``internal error``, a hang or a write in the
wrong place: batch tables, closed streams, pipes and devices as targets, full disks, signals at
the last moment, oversized work, unknown fonts."""

import errno
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import convanim.animation
from convanim.cli import cli
from convanim.core.errors import SaveIncomplete


@pytest.mark.parametrize("value, shown", [('["conv"]', "['conv']"), ("{x = 1}", "{'x': 1}"), ("3", "3"),
                                          ('"Conv"', "'Conv'")])
def test_a_batch_command_that_is_not_a_name_is_refused(tmp_path, monkeypatch, value, shown):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "b.toml").write_text(f"[a]\ncommand = {value}\n")
    result = CliRunner().invoke(cli, ["batch", "b.toml"])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"Error: b.toml [a]: command = {shown}: use one of conv, ")
    assert result.stderr.endswith(", gallery\n") and result.stderr.count("\n") == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.toml"]


def _run(tmp_path: Path, shell: str) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", "-c", shell.replace("CONVANIM", f"'{sys.executable}' -m convanim")], cwd=tmp_path,
                          capture_output=True, text=True)


def test_a_closed_stdout_writes_the_files_and_says_their_names_were_not_printed(tmp_path):
    run = _run(tmp_path, "CONVANIM conv --i 3 -o a.gif >&-")
    assert (run.returncode, run.stderr) == (1, "Error: standard output is closed: its lines were not printed\n")
    assert (tmp_path / "a.gif").is_file()
    run = _run(tmp_path, "CONVANIM conv --k 9 >&-")  # a refusal is said as ever
    assert run.returncode == 2 and run.stderr.startswith("Error: --k/--kernel-size")


def test_closed_standard_streams_never_become_an_output_file(tmp_path):
    run = _run(tmp_path, "CONVANIM conv --i 3 --numbers -o a.gif --dump a.json >&- 2>&- <&-; echo $?")
    assert run.stdout == "1\n"
    assert (tmp_path / "a.json").read_text().startswith("{")  # nothing else landed in it
    assert (tmp_path / "a.gif").read_bytes().startswith(b"GIF89a")


@pytest.mark.parametrize("args, what", [
    (["-o", "f.gif"], "'-o' / '--output': f.gif is a named pipe (FIFO)"),
    (["--numbers", "-o", "a.gif", "--dump", "f.json"], "'--dump': f.json is a named pipe (FIFO)"),
    (["-o", "a.gif", "--storyboard", "f.png"], "'--storyboard': f.png is a named pipe (FIFO)"),
    (["-o", "/dev/null"], "'-o' / '--output': /dev/null is a character device"),
    (["-o", "/dev/full"], "'-o' / '--output': /dev/full is a character device"),
])
def test_a_pipe_or_a_device_as_a_target_is_refused_and_left_alone(tmp_path, monkeypatch, args, what):
    monkeypatch.chdir(tmp_path)
    for name in ("f.gif", "f.json", "f.png"):
        os.mkfifo(name)
    result = CliRunner().invoke(cli, ["conv", "--i", "3", *args])
    assert (result.exit_code, result.stderr) == (2, f"Error: Invalid value for {what}, not a regular file or a folder\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f.gif", "f.json", "f.png"]
    assert all(Path(name).is_fifo() for name in ("f.gif", "f.json", "f.png"))


def test_a_pipe_where_a_folder_is_wanted_is_named(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    os.mkfifo("p")
    result = CliRunner().invoke(cli, ["conv", "--i", "3", "-o", "p/a.gif"])
    assert (result.exit_code, result.stderr) == (
        2, "Error: Invalid value for '-o' / '--output': p is a named pipe (FIFO), not a folder\n")


@pytest.fixture
def full_disk(tmp_path):
    """A 16 kB file system, where the machine lets us mount one (root on Linux); else a skip."""
    folder = tmp_path / "full"
    folder.mkdir()
    if sys.platform != "linux" or os.geteuid() != 0 or subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=16k", "tmpfs", str(folder)], capture_output=True).returncode:
        pytest.skip("cannot mount a small file system here")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True)


@pytest.mark.parametrize("args, named", [
    (["-o", "full/a.gif"], "full/a.gif"),
    (["-o", "full/seq/"], "full/seq/frame_000.png"),
    (["--numbers", "-o", "full/n.svg"], "full/n_000.svg"),
    (["-o", "a.gif", "--storyboard", "full/s.png"], "full/s.png"),
    (["-o", "full/a.html"], "full/a.html"),
])
def test_a_full_disk_names_the_file_and_leaves_nothing(full_disk, monkeypatch, args, named):
    monkeypatch.chdir(full_disk.parent)
    result = CliRunner().invoke(cli, ["conv", "--i", "7", *args])
    assert (result.exit_code, result.stderr) == (1, f"Error: cannot write {named}: No space left on device\n")
    assert list(full_disk.iterdir()) == [] and not (full_disk.parent / "a.gif").exists()


def test_a_full_disk_in_a_gallery_names_the_file(full_disk, monkeypatch):
    monkeypatch.chdir(full_disk.parent)
    result = CliRunner().invoke(cli, ["gallery", "-o", "full", "--only", "dilation", "-j", "1"])
    assert (result.exit_code, result.stderr) == (
        1, "Error: cannot write full/dilation.gif: No space left on device; not written: dilation\n")


def test_a_simulated_full_disk_names_the_file(tmp_path, monkeypatch):
    """Where no small file system can be mounted: the write itself fails as a full disk does."""
    import convanim.io.gif

    monkeypatch.chdir(tmp_path)

    def full(self, *args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(convanim.io.gif.GifStream, "close", full)
    result = CliRunner().invoke(cli, ["conv", "--i", "3", "-o", "sub/a.gif"])
    assert (result.exit_code, result.stderr) == (1, "Error: cannot write sub/a.gif: No space left on device\n")
    assert list(tmp_path.iterdir()) == []


def test_an_interrupt_as_the_gallery_finishes_says_every_file_was_written(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    real = convanim.animation.save_many

    def save_many(items, *args, **kwargs):
        written = real(items, *args, **kwargs)
        raise SaveIncomplete(KeyboardInterrupt(), written, [])  # Ctrl-C once the last file is in

    monkeypatch.setattr(convanim.animation, "save_many", save_many)
    result = CliRunner().invoke(cli, ["gallery", "-j", "1", "--only", "dilation,no_padding_no_strides"])
    assert (result.exit_code, result.stdout, result.stderr) == (
        130, "output/dilation.gif\noutput/no_padding_no_strides.gif\n", "Error: interrupted; every file was written\n")


@pytest.mark.parametrize("args, message", [
    (["conv", "--in-channels", "4096", "--out-channels", "4096", "--numbers", "--i", "2", "--k", "1", "-o", "out.gif"],
     "--max-values: the figure holds 16,842,752 values with its numbers (input, weights, every step's reads, output),"
     " more than the limit of 1,000,000; raise the limit to 16,842,752 to draw it"),
    (["separable", "--in-channels", "4096", "--out-channels", "4096", "--numbers"],
     "--max-values: the figure holds 17,534,976 values with its numbers (input, weights, every step's reads, output),"
     " more than the limit of 1,000,000; raise the limit to 17,534,976 to draw it"),
    (["conv", "--in-channels", "4096", "--out-channels", "4096", "--i", "2", "--k", "1"],
     "--max-values: the figure holds 16,777,216 kernel slices (one per output and input channel it connects),"
     " more than the limit of 1,000,000; raise the limit to 16,777,216 to draw it"),
    (["conv", "--i", "2", "--k", "1", "--dump", "d.json", "--in-channels", "2048", "--out-channels", "1024", "-o", "a.gif"],
     "--max-values: the figure holds 2,125,824 values with its numbers (input, weights, every step's reads, output),"
     " more than the limit of 1,000,000; raise the limit to 2,125,824 to draw it"),
    (["conv", "--in-channels", "64", "--out-channels", "64", "--i", "40", "--k", "40", "--numbers", "--max-values", "10000"],
     "--max-values: the figure holds 6,860,864 values with its numbers (input, weights, every step's reads, output),"
     " more than the limit of 10,000; raise the limit to 6,860,864 to draw it"),
    (["conv", "--i", "500", "--k", "500"],
     "--max-cells: a frame draws 250,001 cells, more than the limit of 100,000; raise the limit to 250,001 to draw it"),
    (["conv", "--in-channels", "8", "--out-channels", "8", "--i", "100", "--k", "100"],
     "--max-cells: a frame draws 160,008 cells, more than the limit of 100,000; raise the limit to 160,008 to draw it"),
])
def test_oversized_work_is_refused_before_anything_is_made(tmp_path, monkeypatch, args, message):
    import convanim.core.values as values

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(values.Numbers, "of", lambda *a, **k: pytest.fail("numbers made before the refusal"))
    result = CliRunner().invoke(cli, args)
    assert (result.exit_code, result.stderr) == (2, f"Error: {message}\n")
    assert list(tmp_path.iterdir()) == []


def test_a_long_sum_is_laid_out_in_linear_time(tmp_path, monkeypatch):
    """A 60x60 kernel's sum of 3,600 products: its elision found once, not by laying out every shorter sum."""
    import convanim.draw.text as text

    monkeypatch.chdir(tmp_path)
    real, calls = text._advance, []
    monkeypatch.setattr(text, "_advance", lambda *a, **k: calls.append(a) or real(*a, **k))
    result = CliRunner().invoke(cli, ["conv", "--i", "60", "--k", "60", "--numbers"])
    assert result.exit_code == 2 and result.stderr.startswith("Error: --max-size: the image would be 10,298x")
    assert len(calls) < 100_000  # laid out shorter and shorter: about 13 million


def test_lifted_work_limits_draw_it(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    args = ["conv", "--in-channels", "40", "--out-channels", "30", "--i", "2", "--k", "1", "--numbers", "-o", "a.gif"]
    result = CliRunner().invoke(cli, [*args, "--max-values", "1000"])
    assert result.exit_code == 2 and "raise the limit to 1,800 to draw it" in result.stderr
    assert CliRunner().invoke(cli, [*args, "--max-values", "1800"]).exit_code == 0
    result = CliRunner().invoke(cli, ["conv", "--i", "4", "--k", "4", "--max-cells", "16", "-o", "b.gif"])
    assert result.exit_code == 2 and "a frame draws 17 cells" in result.stderr
    assert CliRunner().invoke(cli, ["conv", "--i", "4", "--k", "4", "--max-cells", "17", "-o", "b.gif"]).exit_code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.gif", "b.gif"]


def test_the_library_refuses_too_many_values_before_making_them(monkeypatch):
    import convanim.core.values as values
    from convanim import Animation
    from convanim.core.errors import SpecError
    from convanim.ops import BY_NAME

    spec = BY_NAME["conv"].make(input_size=2, kernel_size=1, in_channels=4096, out_channels=4096)
    monkeypatch.setattr(values.Numbers, "of", lambda *a, **k: pytest.fail("numbers made before the refusal"))
    with pytest.raises(SpecError, match=r"^max_values: the figure holds 16,842,752 values"):
        Animation(spec, numbers=True)


def test_a_storyboard_page_past_the_pixel_limit_is_refused_before_a_frame_is_drawn(tmp_path, monkeypatch):
    """Decided from the page's size alone, the same on every machine, naming the flag that lifts it."""
    import convanim.core.values as values
    import convanim.draw.render as render

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(render.Renderer, "stream", lambda *a, **k: pytest.fail("a frame was drawn"))
    monkeypatch.setattr(values.Numbers, "of", lambda *a, **k: pytest.fail("numbers made before the refusal"))
    result = CliRunner().invoke(cli, ["conv", "--storyboard", "sb.png", "--i", "40", "--max-frames", "2000",
                                      "--max-size", "100000", "-o", "a.gif"])
    assert result.exit_code == 2
    assert re.fullmatch(r"Error: --max-pixels: the storyboard would be (3\d,\d{3})x41,518 px, ([\d,]+) pixels \(about"
                        r" 2\d\.\d GB of memory\), more than the limit of 67,108,864; raise the limit to \2 to draw it,"
                        r" or draw it smaller\n", result.stderr)
    width = int(re.search(r"be (\S+)x", result.stderr)[1].replace(",", ""))
    assert re.search(r"px, ([\d,]+) pixels", result.stderr)[1] == f"{width * 41_518:,}"
    assert list(tmp_path.iterdir()) == []  # refused before the animation too


def test_a_lifted_pixel_limit_draws_the_storyboard(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    args = ["conv", "--i", "4", "--storyboard", "sb.png"]
    result = CliRunner().invoke(cli, [*args, "--max-pixels", "100000"])  # the animation's 84,942 fit, not the page
    assert result.exit_code == 2 and result.stderr.startswith("Error: --max-pixels: the storyboard would be ")
    assert " MB of memory), more than the limit of 100,000; raise the limit to " in result.stderr
    needed = re.search(r"raise the limit to ([\d,]+)", result.stderr)[1].replace(",", "")
    result = CliRunner().invoke(cli, [*args, "--max-pixels", needed])
    assert (result.exit_code, result.stdout) == (0, "sb.png\n")
    from PIL import Image

    with Image.open(tmp_path / "sb.png") as page:
        assert page.size[0] * page.size[1] == int(needed)


def test_an_image_past_the_pixel_limit_is_refused_whatever_the_free_memory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["conv", "--max-size", "200000", "--width", "100000"])
    assert (result.exit_code, result.stderr) == (
        2, "Error: --max-pixels: the image would be 100,000x100,689 px, 10,068,900,000 pixels (about 150.0 GB of"
           " memory), more than the limit of 67,108,864; raise the limit to 10,068,900,000 to draw it, or draw it"
           " smaller\n")
    assert list(tmp_path.iterdir()) == []


def test_a_storyboard_that_memory_cannot_hold_after_all_is_a_clean_error(tmp_path, monkeypatch):
    import numpy as np

    import convanim.io.writers as writers

    monkeypatch.chdir(tmp_path)
    real = np.empty

    def empty(shape, *args, **kwargs):
        if isinstance(shape, tuple) and len(shape) == 3 and shape[0] * shape[1] > 10**6:
            raise MemoryError
        return real(shape, *args, **kwargs)

    monkeypatch.setattr(writers.np, "empty", empty)
    result = CliRunner().invoke(cli, ["conv", "--i", "12", "--k", "1", "--max-size", "5000", "--storyboard", "s.png"])
    assert result.exit_code == 2
    assert re.fullmatch(r"Error: --storyboard: the storyboard would be [\d,]+x[\d,]+ px, more than this machine's"
                        r" memory holds now; draw it smaller\n", result.stderr)
    assert result.stderr.endswith(" px, more than this machine's memory holds now; draw it smaller\n")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("font, message", [
    ("DejaVu Serif,</script><b>", "no installed font family has that name; use one of DejaVu Serif"),
    ("DejaVu Sans:bold", "no installed font family has that name; use one of DejaVu Sans"),
    ("No Such Font", "no installed font family has that name; use one of "),
])
def test_a_theme_font_must_be_one_installed_family(tmp_path, monkeypatch, font, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "t.toml").write_text(f'font = "{font}"\n')
    result = CliRunner().invoke(cli, ["conv", "--i", "3", "--theme-file", "t.toml", "-o", "a.gif"])
    assert result.exit_code == 2 and result.stderr.count("\n") == 1
    assert result.stderr.startswith(f"Error: Invalid value for '--theme-file': t.toml: font = {font!r}: {message}")
    assert "findfont" not in result.stderr and not (tmp_path / "a.gif").exists()


def test_a_theme_font_is_used_as_installed(tmp_path, monkeypatch):
    from convanim.draw.theme import theme_from_toml

    assert theme_from_toml('font = "dejavu sans"\n').font == "DejaVu Sans"
    monkeypatch.chdir(tmp_path)
    (tmp_path / "t.toml").write_text('font = "dejavu sans"\n')
    result = CliRunner().invoke(cli, ["conv", "--i", "3", "--theme-file", "t.toml", "-o", "a.gif"])
    assert (result.exit_code, result.stderr) == (0, "")


def test_memory_that_runs_out_while_drawing_names_the_image(tmp_path, monkeypatch):
    """Limits lifted past what the machine holds: the image's size, in one line, nothing left behind."""
    import convanim.draw.render as render

    def stream(*args, **kwargs):
        raise MemoryError
        yield

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(render.Renderer, "stream", stream)
    result = CliRunner().invoke(cli, ["conv", "--i", "4", "--width", "300", "-o", "a.gif"])
    assert result.exit_code == 2
    assert re.fullmatch(r"Error: --max-pixels: the image would be 300x\d+ px, more than this machine's memory holds"
                        r" now; draw it smaller\n", result.stderr)
    assert list(tmp_path.iterdir()) == []


def test_memory_that_runs_out_anywhere_else_is_one_line_not_an_internal_error(tmp_path, monkeypatch):
    import convanim.core.values as values

    def of(*args, **kwargs):
        raise MemoryError

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(values.Numbers, "of", of)
    result = CliRunner().invoke(cli, ["conv", "--i", "4", "--numbers", "-o", "a.gif"])
    assert (result.exit_code, result.stderr) == (
        1, "Error: out of memory: this machine cannot hold what was asked; draw it smaller or with fewer channels\n")
    assert list(tmp_path.iterdir()) == []


def test_memory_that_runs_out_in_a_gallery_says_what_was_not_written(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)

    def save(self, *args, **kwargs):
        raise MemoryError

    monkeypatch.setattr(convanim.animation.Animation, "save", save)
    result = CliRunner().invoke(cli, ["gallery", "-j", "1", "--only", "dilation"])
    assert (result.exit_code, result.stderr) == (
        1, "Error: out of memory: this machine cannot hold what was asked; draw it smaller or with fewer channels;"
           " not written: dilation\n")


def _failing_ffmpeg(message: str):
    """What ffmpeg does on a full disk: reads every frame, says why on stderr, exits 1."""
    script = f"import sys; sys.stdin.buffer.read(); sys.stderr.write({message!r}); sys.exit(1)"
    return lambda *args: [sys.executable, "-c", script]


def test_an_mp4_on_a_full_disk_fails_naming_the_file_and_leaves_nothing(tmp_path, monkeypatch):
    """ffmpeg's own failure (it could not write the file's end) is the command's, not exit 0 and a truncated file."""
    pytest.importorskip("imageio_ffmpeg", reason="the mp4 writer is the video extra: pip install imageio-ffmpeg")
    import convanim.io.writers as writers

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(writers, "_ffmpeg_command", _failing_ffmpeg(
        "[out#0/mp4] Error writing trailer: No space left on device\n"))
    result = CliRunner().invoke(cli, ["conv", "--i", "4", "-o", "sub/a.mp4"])
    assert (result.exit_code, result.stderr) == (1, "Error: cannot write sub/a.mp4: No space left on device\n")
    assert list(tmp_path.iterdir()) == []
    monkeypatch.setattr(writers, "_ffmpeg_command", _failing_ffmpeg("Unknown encoder 'libx264'\n"))
    result = CliRunner().invoke(cli, ["conv", "--i", "4", "-o", "a.mp4"])
    assert (result.exit_code, result.stderr) == (1, "Error: cannot write a.mp4: ffmpeg failed: Unknown encoder 'libx264'\n")
    assert list(tmp_path.iterdir()) == []


def test_an_mp4_on_a_real_full_disk_fails_naming_the_file(full_disk, monkeypatch):
    pytest.importorskip("imageio_ffmpeg", reason="the mp4 writer is the video extra: pip install imageio-ffmpeg")
    monkeypatch.chdir(full_disk.parent)
    result = CliRunner().invoke(cli, ["conv", "--i", "7", "-o", "full/a.mp4"])
    assert (result.exit_code, result.stderr) == (1, "Error: cannot write full/a.mp4: No space left on device\n")
    assert list(full_disk.iterdir()) == []
