"""What a new user meets in the first hour: file names that TAB completes, help that says what
the commands do, typo suggestions that point at the right option."""

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
