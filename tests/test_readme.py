"""The README, executed: every command of its ``sh`` blocks, in order, in a fresh folder, doing
what its comment says (the file it prints, the frames it makes, what it reports); every
``console`` session's exact output; the Python example; the ``info`` table's numbers; the
Makefile snippet with the batch file beside it."""

import hashlib
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from convanim.cli import cli

README = Path(__file__).resolve().parents[1] / "README.md"
TEXT = README.read_text(encoding="utf-8")
NOT_HERE = ("pip ", "python -m pytest", "python -m venv", ". .venv", "python -m convanim …")  # setup, or not a command


def _blocks(kind):
    return re.findall(rf"```{kind}\n(.*?)```", TEXT, re.S)


def _commands(block):
    """(command, comment) for each line of an sh block that runs convanim."""
    for line in block.splitlines():
        command, _, comment = line.partition("#")
        command = command.strip()
        if command and not command.startswith(NOT_HERE):
            assert command.startswith("convanim "), line
            yield command, comment.strip()


@pytest.fixture
def here(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    np.save("x.npy", np.arange(25).reshape(5, 5) % 4)  # the files the README's commands read
    np.save("w.npy", np.ones((3, 3), dtype=int))
    return tmp_path


def _frames(path: Path) -> int:
    if path.is_dir():
        return len(list(path.glob("*.png")))
    with Image.open(path) as im:
        return getattr(im, "n_frames", 1)


def _check_claims(command, comment, result, here):
    """What the comment beside a command says, checked."""
    written = [here / line for line in result.stdout.splitlines()]
    assert written and all(p.exists() for p in written), (command, result.stdout)
    path = re.search(r"(output/\S+\.gif)", comment)
    if path:
        assert result.stdout == path.group(1) + "\n", command
    frames = re.search(r"((?:\d+ \+ )*\d+) frames", comment)
    if frames:
        assert _frames(written[0]) == sum(int(n) for n in frames.group(1).split(" + ")), command
    if "19 animations" in comment:
        from convanim.gallery import GALLERY

        assert result.stdout.splitlines() == [f"output/{name}.gif" for name in GALLERY]
        assert result.stderr == ""  # not a terminal: no progress bar
    if "(on stderr" in comment:
        assert comment.split(" (on stderr")[0] in result.stderr, command
    if "PNG sequence" in comment:
        assert written[0].parent.name == "frames" and len(written) > 1


def test_every_sh_command_runs_as_written_in_order(here):
    """In one folder, as a reader would run them: each does what it says, and none replaces a
    file an earlier one wrote with something else."""
    writer = {}
    for command, comment in (c for block in _blocks("sh") for c in _commands(block)):
        result = CliRunner().invoke(cli, shlex.split(command)[1:], catch_exceptions=False)
        assert result.exit_code == 0, (command, result.stderr)
        assert "Error" not in result.stderr, command
        if command.startswith("convanim info"):
            continue
        _check_claims(command, comment, result, here)
        for path in result.stdout.splitlines():
            content = hashlib.sha256((here / path).read_bytes()).hexdigest() if (here / path).is_file() else path
            earlier, was = writer.setdefault(path, (command, content))
            assert was == content, (path, "written by", earlier, "replaced by", command)


def test_every_console_session_prints_what_it_shows(here):
    for block in _blocks("console"):
        for session in re.split(r"^\$ ", block, flags=re.M)[1:]:
            command, *expected = session.rstrip("\n").split("\n")
            command = command.split("  #")[0].strip()
            if not command.startswith("convanim "):
                subprocess.run(command, shell=True, check=True, cwd=here)
                continue
            result = CliRunner().invoke(cli, shlex.split(command)[1:])
            assert (result.stdout + result.stderr).splitlines() == expected, command
            assert result.exit_code != 0 or not expected[0].startswith("Error"), command


def test_the_info_table_holds(here):
    rows = [row for row in re.findall(r"^\| `(info [^`…]+)` \| (.+) \|$", TEXT, re.M)]
    assert len(rows) == 7
    for command, claim in rows:
        result = CliRunner().invoke(cli, shlex.split(command), catch_exceptions=False)
        assert result.exit_code == 0
        printed = result.stdout.replace(",", "")
        for number in re.findall(r"\d[\d,]*", claim):
            assert re.search(rf"(?<![\d]){number.replace(',', '')}(?![\d])", printed), (command, number)


def test_the_python_example_runs(here):
    (here / "slides").mkdir()
    (here / "paper").mkdir()
    code = re.search(r"## Python\n.*?```python\n(.*?)```", TEXT, re.S).group(1)
    exec(compile(code.replace("for frame in anim.frames(): ...", "for frame in anim.frames(): pass"), "README", "exec"), {})
    cli_made = CliRunner().invoke(cli, ["conv", "--i", "5", "--k", "3", "--s", "2", "--p", "1", "-o", "cli.gif"])
    assert cli_made.exit_code == 0 and (here / "cli.gif").read_bytes() == (here / "padding_strides.gif").read_bytes()
    for name in ("padding_strides.gif", "numbers.gif", "avg.gif", "separable.gif", "scatter.gif", "k3_k4.png", "rf.gif",
                 "slides/conv.pdf", "paper/conv.png"):
        assert (here / name).is_file(), name


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_the_makefile_snippet_builds_every_target(here):
    """Plain ``make`` runs every target (make itself is read with --dry-run: what it would run)."""
    makefile = re.search(r"```make\n(.*?)```", TEXT, re.S).group(1)
    (here / "Makefile").write_text(makefile)
    (here / "figures.toml").write_text(_blocks("toml")[0])
    planned = subprocess.run(["make", "--dry-run"], cwd=here, capture_output=True, text=True)
    assert planned.returncode == 0, planned.stderr
    assert planned.stdout.splitlines() == ["convanim conv --i 5 --k 3 --s 2 --p 1 -o figures/padding_strides.gif",
                                           "convanim batch figures.toml        # -B redraws everything, --jobs N in parallel"]
    (here / "figures").mkdir()
    (here / "figures" / "padding_strides.gif").write_bytes(b"made")
    again = subprocess.run(["make", "--dry-run"], cwd=here, capture_output=True, text=True)
    assert again.stdout.splitlines() == planned.stdout.splitlines()[1:]  # a made file is not made again; the batch decides


def test_what_the_development_section_makes_is_ignored_by_git():
    ignored = (README.parent / ".gitignore").read_text().split()
    assert ".venv/" in ignored and "output/*" in ignored


def test_the_theme_file_it_shows_is_one_convanim_takes():
    """The theme shown is the one readers copy: it loads, and every text in it reads at 4.5:1."""
    from convanim.draw.theme import theme_from_toml

    blocks = [b for b in re.findall(r"```toml\n(.*?)```", TEXT, re.S) if "highlight_alpha" in b]
    assert len(blocks) == 1
    assert theme_from_toml(blocks[0]).unreadable() == ()
