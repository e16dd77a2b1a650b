"""What a new user meets in the first hour: file names that TAB completes, help that says what
the commands do, typo suggestions that point at the right option."""

import os
import subprocess
import sys

import numpy as np
import pytest
from click.shell_completion import ShellComplete
from click.testing import CliRunner

from convanim.animation import Animation
from convanim.cli import cli
from convanim.core.values import Numbers
from convanim.draw.fit import Geometry
from convanim.draw.render import Renderer


def _completions(args, incomplete):
    complete = ShellComplete(cli, {}, "convanim", "_CONVANIM_COMPLETE")
    return [(item.type, item.value) for item in complete.get_completions(args, incomplete)]


@pytest.mark.parametrize("args", [
    ["conv", "-o"], ["conv", "--output"], ["conv", "--input-values"], ["conv", "--kernel-values"],
    ["conv", "--theme-file"], ["conv", "--dump"], ["conv", "--storyboard"], ["gallery", "--theme-file"],
    ["pool", "--input-values"], ["batch"],
])
def test_tab_completes_file_names_after_every_path_option(args):
    assert _completions(args, "fig") == [("file", "fig")]


def test_tab_still_completes_choices_and_options():
    assert _completions(["conv", "--style"], "fl") == [("plain", "flat")]
    assert ("plain", "--theme-file") in _completions(["conv"], "--theme-")


BATCH = """
[numbers]
command = "conv"
numbers = true
input_values = "x.npy"
output = "numbers.gif"
dump = "numbers.json"
storyboard = "board.png"
[frames]
command = "transposed"
s = 2
output = "frames/"
[still]
command = "pool"
poster = "last"
output = "still.svg"
[slides]
command = "conv"
beamer = true
output = "slides.pdf"
[layer]
command = "torch"
layer = "nn.Conv1d(1, 1, 3)"
view = "matrix"
[board]
command = "checkerboard"
k = [3, 4]
output = "board_k.png"
[paper]
command = "gallery"
only = ["dilation"]
output = "gallery"
"""


def _refuse(*args, **kwargs):
    raise AssertionError("an up-to-date batch computed, laid out or drew something")


def test_an_up_to_date_batch_decides_without_computing_laying_out_or_drawing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    np.save(tmp_path / "x.npy", np.arange(16).reshape(4, 4))
    (tmp_path / "figs.toml").write_text(BATCH)
    first = CliRunner().invoke(cli, ["batch", "figs.toml", "-j", "1"])
    assert first.exit_code == 0, first.stderr
    for cls, name in [(Animation, "__post_init__"), (Geometry, "of"), (Renderer, "__init__"), (Numbers, "of")]:
        monkeypatch.setattr(cls, name, _refuse)
    second = CliRunner().invoke(cli, ["batch", "figs.toml"])
    assert (second.exit_code, second.stdout) == (0, "")
    assert second.stderr == "up to date: board, frames, layer, numbers, paper, slides, still\n"


def test_an_up_to_date_batch_does_not_import_the_renderer(tmp_path):
    (tmp_path / "figs.toml").write_text('[a]\ncommand = "conv"\nnumbers = true\n[g]\ncommand = "gallery"\nonly = "dilation"\n')
    code = ("import sys; from convanim.cli import cli; cli.main(['batch', 'figs.toml'], standalone_mode=False);"
            " print(sorted(m for m in ('matplotlib', 'convanim.animation', 'convanim.draw.render') if m in sys.modules))")
    subprocess.run([sys.executable, "-m", "convanim", "batch", "figs.toml"], cwd=tmp_path, check=True, capture_output=True)
    second = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, check=True, capture_output=True, text=True)
    assert (second.stdout, second.stderr) == ("[]\n", "up to date: a, g\n")


def _run(*args):
    return CliRunner().invoke(cli, list(args))


def _help_of(command, flag):
    """The help text of one option in ``command --help``, on one line."""
    text = _run(command, "--help").stdout
    entry = text[text.index(flag):].split("\n  -")[0]
    return " ".join(entry.split())


def test_pointwise_help_says_its_kernel_is_1x1():
    assert _help_of("pointwise", "-k, --k") == (
        "-k, --k, --kernel-size SIZE Always 1: a pointwise convolution is 1x1 (any other size is refused). [default: 1]")
    assert _run("pointwise", "--k", "3").stderr == "Error: --k/--kernel-size: a pointwise convolution is 1x1, got 3x3\n"


def test_pool_help_says_what_max_pooling_pads_with():
    assert _help_of("pool", "-p, --p") == (
        "-p, --p, --padding PADDING Padding: N, H,W, top,bottom,left,right, valid, same or full; max pooling pads"
        " with -inf, average pooling with zeros. [default: 0]")
    assert "Zero padding" in _help_of("conv", "-p, --p")


def test_help_shows_the_short_forms_that_work():
    text = _run("conv", "--help").stdout
    for short in ("-i, --i, --input-size SIZE", "-k, --k, --kernel-size", "-s, --s, --stride", "-d, --d, --dilation"):
        assert short in text
    assert "-o, --output PATH" in text and "-o, --o," not in text
    assert "-a, --a, --output-padding SIZE" in _run("transposed", "--help").stdout
    assert "-i, --i, --input-size SIZE" in _run("info", "conv", "--help").stdout
    assert _run("info", "conv", "-i", "4", "-k", "3").stdout.splitlines()[2] == "output shape:     2x2"  # and read


def test_info_pool_says_the_mode_and_no_bias():
    for command in (["info", "pool"], ["info", "pool1d"], ["info", "torch", "nn.MaxPool2d(2)"]):
        result = _run(*command)
        assert result.exit_code == 0, result.stderr
        lines = result.stdout.splitlines()
        assert lines[1] == "mode:             max" and "weights:          0" in lines
        assert not any(line.startswith("with bias") for line in lines)
    assert _run("info", "pool", "--mode", "avg").stdout.splitlines()[1] == "mode:             avg"
    assert any(line.startswith("with bias:") for line in _run("info", "conv").stdout.splitlines())


def test_separable_and_depthwise_default_to_convs_input_size():
    for op in ("conv", "depthwise", "separable"):
        assert _help_of(op, "-i, --i").endswith("[default: 5]")
    assert _run("info", "separable").stdout.splitlines()[1] == "input shape:      3x5x5"


@pytest.mark.parametrize("args, message", [
    (["conv", "--strid", "2"], "Error: No such option '--strid'. Did you mean '--stride'?\n"),
    (["conv", "--mode", "max"], "Error: No such option '--mode' for conv: it is an option of pool, pool1d,"
     " adaptive-pool, adaptive-pool1d, upsample, pool3d.\n"),
    (["info", "conv", "--mode", "max"], "Error: No such option '--mode' for conv: it is an option of pool, pool1d,"
     " adaptive-pool, adaptive-pool1d, upsample, pool3d.\n"),
    (["pool", "--groups", "2"], "Error: No such option '--groups' for pool: it is an option of conv, dilated, transposed,"
                                " pointwise, conv1d, transposed1d, conv3d, transposed3d.\n"),
    (["conv", "--xyzzy"], "Error: No such option '--xyzzy'.\n"),
])
def test_a_mistyped_option_gets_the_closest_or_the_command_that_takes_it(args, message):
    result = _run(*args)
    assert (result.exit_code, result.stdout, result.stderr) == (2, "", message)


def test_a_one_frame_figure_is_written_as_a_png_by_default(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = _run("checkerboard")
    assert (result.exit_code, result.stdout) == (0, "output/checkerboard_i5_k3_s2_p0_d1_a0_layers1.png\n")
    assert (tmp_path / "output/checkerboard_i5_k3_s2_p0_d1_a0_layers1.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert _run("conv", "--i", "4").stdout == "output/conv_i4_k3_s1_p0_d1.gif\n"


def _stderr_of(args, where, tmp_path):
    """``convanim ARGS``' standard error, written to a terminal (a pty) or a pipe, with the
    progress shown from the first frame (no waiting for a slow render)."""
    code = ("import sys; import convanim.cli.commands as c; c.PROGRESS_AFTER_S = 0; from convanim.cli import main;"
            f" main({args!r})")
    if where == "pipe":
        return subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True).stderr
    import pty

    reader, writer = pty.openpty()
    with subprocess.Popen([sys.executable, "-c", code], cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=writer) as child:
        os.close(writer)
        received = b""
        while True:
            try:
                chunk = os.read(reader, 4096)
            except OSError:  # the child has gone: the terminal is closed
                break
            if not chunk:
                break
            received += chunk
    os.close(reader)
    return received.decode("utf-8", "replace")


def test_a_long_render_shows_its_progress_on_a_terminal_and_not_on_a_pipe(tmp_path):
    shown = _stderr_of(["conv", "--i", "5", "--s", "2", "-o", "a.gif"], "terminal", tmp_path)
    assert "conv" in shown and "4/4" in shown
    assert shown.rstrip().endswith("conv: writing a.gif")
    assert _stderr_of(["conv", "--i", "5", "--s", "2", "-o", "b.gif", "--storyboard", "b.pdf"], "pipe", tmp_path) == ""
    assert _stderr_of(["conv", "--i", "5", "--s", "2", "-o", "c.png", "--poster", "3", "--quiet"], "terminal",
                      tmp_path) == ""
    assert _stderr_of(["gallery", "--only", "dilation", "-j", "1", "-q"], "terminal", tmp_path) == ""


def test_a_mistyped_batch_key_gets_the_closest_option(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "figs.toml").write_text('[a]\ncommand = "conv"\nstrid = 2\n')
    result = _run("batch", "figs.toml")
    assert (result.exit_code, result.stderr) == (2, "Error: figs.toml [a]: No such option '--strid'. Did you mean '--stride'?\n")


@pytest.mark.parametrize("args, frames, writing", [
    (["--storyboard", "sb.png"], "4/4", "sb.png"),  # the storyboard alone: its frames
    (["-o", "a.gif", "--storyboard", "sb.pdf"], "8/8", "a.gif, sb.pdf"),  # the animation's, then the storyboard's
    (["-o", "a.pdf", "--beamer"], "4/4", "a.pdf"),
    (["-o", "p.png", "--poster", "3"], "3/3", "p.png"),  # a poster draws the frames before it
])
def test_every_long_path_shows_its_progress_on_a_terminal(tmp_path, args, frames, writing):
    """(A pipe and --quiet show none on any path: the bar is one, started in one place.)"""
    shown = _stderr_of(["conv", "--i", "5", "--s", "2", *args], "terminal", tmp_path)
    assert "conv" in shown and frames in shown
    assert shown.rstrip().endswith(f"conv: writing {writing}")


def test_a_batch_counts_the_frames_of_its_stills_and_storyboards_in_its_progress(tmp_path):
    (tmp_path / "b.toml").write_text('[s]\ncommand = "conv"\ni = 5\ns = 2\nstoryboard = "sb.png"\n'
                                     '[p]\ncommand = "conv"\ni = 5\ns = 2\nposter = 2\noutput = "p.png"\n')
    shown = _stderr_of(["batch", "b.toml", "-j", "1"], "terminal", tmp_path)
    assert "batch" in shown and "10/10" in shown  # s: 4 frames and its storyboard's 4; p: the 2 up to its poster
    (tmp_path / "b.toml").touch()
    assert _stderr_of(["batch", "b.toml", "-j", "1"], "pipe", tmp_path) == ""


def test_a_batch_says_what_each_entry_left_out_as_the_command_does(tmp_path):
    """A pasted layer drawn with some of its channels says so in a batch too, under the entry's name."""
    (tmp_path / "b.toml").write_text('[t]\ncommand = "torch"\nlayer = "nn.Conv2d(16, 32, 3)"\ni = 4\noutput = "t.gif"\n')
    result = CliRunner().invoke(cli, ["batch", str(tmp_path / "b.toml"), "--quiet"])
    assert result.exit_code == 0 and result.stdout == f"{tmp_path / 't.gif'}\n"
    assert result.stderr.startswith("t: drawn: input channels 0, 1, 2 of 16 and output channels 0, 1 of 32")
    assert result.stderr.rstrip().endswith("--all-channels draws them all")
