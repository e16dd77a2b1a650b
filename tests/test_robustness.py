"""Hostile input, interrupted runs, reproducible output, resource guards, safe file handling."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

import convanim.animation
import convanim.draw.render
from convanim.cli import cli

COMMANDS = ["conv", "dilated", "transposed", "pool", "pointwise", "depthwise", "separable", "spatial-separable",
            "checkerboard", "receptive-field", "gallery", "info"]
INFO_OPS = ["conv", "transposed", "separable", "spatial-separable", "pool", "checkerboard", "receptive-field", "nope"]
SIZE_VALUES = ["0", "1", "2", "3", "5", "-1", "-3", "3x2", "2x3", "x", "", " ", "1e3", "10x", "٣", "3×2", "99999999999",
               "nan", "2x-1", "0x0"]
PADDING_VALUES = ["0", "1", "2", "1,2", "1,0,2,1", "same", "full", "valid", "half", "-1", "1,2,3", "", "9999999"]
NUMBER_VALUES = ["0", "1", "10", "-5", "abc", "", "1.5", "1e9", "99999999999999999999", "inf", "nan", "∞"]
PATHS = ["a.gif", "sub/dir/a.gif", "frames/", "seq.png", "x.jpg", "", "adir", "adir.gif", "afile/x.gif", "v1.0",
         "ü.gif", "a b.gif", "/dev/null/x.gif", "afile", "a.svg", "a.pdf", "a.webp", "a.apng", "a.mp4"]
VALUE_FILES = ["x.npy", "w.npy", "nan.csv", "v1.npy", "v3.npy", "bad.txt", "empty.csv", "missing.npy", "adir", "afile"]
OPTIONS = {
    **{f: st.sampled_from(SIZE_VALUES) for f in ["--i", "--k", "--s", "--d", "--a", "--input-size", "--stride"]},
    "--p": st.sampled_from(PADDING_VALUES),
    **{f: st.sampled_from(NUMBER_VALUES) for f in ["--delay", "--fps", "--precision", "--seed", "--max-frames",
                                                   "--max-size"]},
    "--style": st.sampled_from(["paper", "flat", "cubist", ""]),
    "--mode": st.sampled_from(["max", "avg", "min"]),
    "-o": st.sampled_from(PATHS),
    "--input-values": st.sampled_from(VALUE_FILES),
    "--kernel-values": st.sampled_from(VALUE_FILES),
    "--dump": st.sampled_from(["d.json", "d.txt", "sub/d.json", "afile/d.json", "adir"]),
    "--only": st.sampled_from(["dilation", "nope", "", "no_padding_no_strides,nope", "numerical_max_pooling"]),
    **{f: st.sampled_from(["1", "2", "3", "4", "0", "-1", "5000", "x", ""]) for f in
       ["--in-channels", "--out-channels", "--groups", "--depth-multiplier", "--bottleneck", "--jobs", "--width", "--dpi"]},
    **{f: st.sampled_from(["1,2,1", "1,0,-1", "1", "", "1,,2", "x", "1e400", "nan", "-1,0,1", "1,2"]) for f in
       ["--column", "--row"]},
    **{f: st.sampled_from(["1,2,4", "1", "", "0", "1,-1", "2,2", "1,2,4,8,16,32,64,128,256,512,1024,2048,4096,1,1,1,1"])
       for f in ["--dilations", "--strides"]},
    "--view": st.sampled_from(["gather", "scatter", "x"]),
    "--theme": st.sampled_from(["paper", "dark", "colorblind", "neon"]),
    "--theme-file": st.sampled_from(["bad.txt", "missing.toml", "theme.toml", "adir"]),
    "--storyboard": st.sampled_from(["b.png", "b.pdf", "b.gif", "afile/b.png", "adir"]),
    "--layers": st.sampled_from(["1", "2", "0", "9", "-1", "x"]),
}
FLAGS = ["--numbers", "--labels", "--no-labels", "--force", "--help", "--crisp", "--antialias", "--json", "--transparent"]


def _make_files(root: Path) -> None:
    np.save(root / "x.npy", np.arange(9).reshape(3, 3))
    np.save(root / "w.npy", np.ones((2, 2)))
    np.save(root / "v1.npy", np.arange(3))
    np.save(root / "v3.npy", np.zeros((2, 2, 2)))
    (root / "nan.csv").write_text("1,nan\n2,3\n")
    (root / "bad.txt").write_text("a b\nc d\n")
    (root / "empty.csv").write_text("")
    (root / "afile").write_text("a file where a folder is wanted")
    (root / "adir").mkdir()
    (root / "adir.gif").mkdir()
    (root / "theme.toml").write_text('base = "dark"\ninput = "#ff0000"\n')


def _snapshot(root: Path) -> dict:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


@st.composite
def argument_lists(draw):
    command = draw(st.sampled_from(COMMANDS))
    args = [command] + ([draw(st.sampled_from(INFO_OPS))] if command == "info" else [])
    for _ in range(draw(st.integers(0, 6))):
        kind = draw(st.integers(0, 9))
        if kind < 7:
            flag = draw(st.sampled_from(sorted(OPTIONS)))
            args += [flag, draw(OPTIONS[flag])]
        elif kind < 9:
            args.append(draw(st.sampled_from(FLAGS)))
        else:
            args.append(draw(st.text(max_size=4)))
    if command == "gallery":
        if "--only" not in args:
            args += ["--only", "no_padding_no_strides"]
    elif command != "info":  # keep the runs that succeed small
        args += ["--max-frames", "30", "--max-size", "400"]
    return args


@settings(max_examples=int(os.environ.get("FUZZ_EXAMPLES", 60)), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(args=argument_lists())
def test_hostile_arguments_end_cleanly(tmp_path_factory, args):
    root = tmp_path_factory.mktemp("fuzz")
    _make_files(root)
    before = _snapshot(root)
    cwd = os.getcwd()
    os.chdir(root)
    try:
        result = CliRunner().invoke(cli, args)
    finally:
        os.chdir(cwd)
    assert result.exception is None or isinstance(result.exception, SystemExit), (args, result.exception)
    assert result.exit_code in (0, 1, 2), (args, result.exit_code, result.stderr)
    assert "Traceback" not in result.stdout + result.stderr
    assert "internal error" not in result.stderr, (args, result.stderr)
    stray = [p for p in root.rglob("*") if p.name.endswith(".part") or p.name.startswith(".convanim-")]
    assert stray == [], args
    after = _snapshot(root)
    if result.exit_code == 0:
        for line in result.stdout.splitlines():
            if "--help" not in args and args[0] != "info":
                assert (root / line).is_file() or Path(line).is_file(), (args, line)
        return
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error: ")]
    assert len(errors) == 1 and result.stderr.rstrip("\n").splitlines()[-1] == errors[0], (args, result.stderr)
    assert result.stdout == "" or args[0] == "gallery", args
    if args[0] != "gallery":
        assert after == before, args
    for name in set(after) - set(before):  # a gallery keeps what it finished, and only whole files
        with Image.open(root / name) as im:
            im.seek(im.n_frames - 1)


# ---- interrupted runs ----------------------------------------------------------------


def _interrupt_after(monkeypatch, frames: int):
    real = convanim.draw.render.Renderer.stream

    def frames_then_interrupt(self, *args, **kwargs):
        for i, frame in enumerate(real(self, *args, **kwargs)):
            if i == frames:
                raise KeyboardInterrupt
            yield frame

    monkeypatch.setattr(convanim.draw.render.Renderer, "stream", frames_then_interrupt)


@pytest.mark.parametrize("output", ["a.gif", "seq/", "seq.png"])
def test_ctrl_c_leaves_no_partial_output_and_keeps_the_previous_file(tmp_path, monkeypatch, output):
    monkeypatch.chdir(tmp_path)
    assert CliRunner().invoke(cli, ["conv", "-o", output]).exit_code == 0
    before = _snapshot(tmp_path)
    _interrupt_after(monkeypatch, 4)
    result = CliRunner().invoke(cli, ["conv", "--i", "6", "-o", output])
    assert result.exit_code == 130
    assert result.stderr.strip() == "Error: interrupted"
    assert _snapshot(tmp_path) == before
    assert [p for p in tmp_path.rglob("*") if ".part" in p.name or p.name.startswith(".")] == []


def test_ctrl_c_on_a_new_folder_leaves_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _interrupt_after(monkeypatch, 2)
    result = CliRunner().invoke(cli, ["conv", "-o", "new/deeper/a.gif"])
    assert result.exit_code == 130
    assert list(tmp_path.iterdir()) == []


def _signal_when_drawing(tmp_path, args, signum, started=lambda folder: any(p.name.endswith(".part") for p in folder.rglob("*"))):
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "convanim", *args], cwd=tmp_path, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)
    deadline = time.time() + 60
    while not started(tmp_path):
        assert proc.poll() is None and time.time() < deadline, "the run ended before it could be stopped"
        time.sleep(0.01)
    proc.send_signal(signum)
    out, err = proc.communicate(timeout=60)
    return proc, out, err


def test_a_real_sigterm_mid_animation_leaves_the_previous_file(tmp_path):
    """From outside, as make or CI cancel a job (the other signals, in-process below)."""
    (tmp_path / "out.gif").write_bytes(b"the previous version")
    proc, out, err = _signal_when_drawing(tmp_path, ["conv", "--i", "44", "--k", "3", "-o", "out.gif"], signal.SIGTERM)
    assert (proc.returncode, err) == (143, "Error: terminated\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.gif"]
    assert (tmp_path / "out.gif").read_bytes() == b"the previous version"


@pytest.fixture
def ctrl_c_raises():
    """Python's own SIGINT handler (KeyboardInterrupt), which Python does not install when it
    starts with SIGINT ignored, as a shell's ``&`` starts it: a test that sends SIGINT sets it."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


@pytest.mark.parametrize("signum, code, word", [(signal.SIGINT, 130, "interrupted"), (signal.SIGTERM, 143, "terminated"),
                                               (signal.SIGHUP, 129, "hung up")])
@pytest.mark.parametrize("output", ["a.gif", "seq/", "a.pdf"])
def test_every_ending_signal_leaves_the_previous_files(tmp_path, monkeypatch, ctrl_c_raises, signum, code, word, output):
    monkeypatch.chdir(tmp_path)
    assert CliRunner().invoke(cli, ["conv", "--i", "3", "-o", output, "--numbers", "--dump", "d.json"]).exit_code == 0
    before = _snapshot(tmp_path)
    real = convanim.draw.render.Renderer.stream if output != "a.pdf" else convanim.draw.render.Renderer.vector_states
    name = "stream" if output != "a.pdf" else "vector_states"

    def signalled(self, *args, **kwargs):
        for i, item in enumerate(real(self, *args, **kwargs)):
            if i == 2:
                os.kill(os.getpid(), signum)  # the real signal, to this process: its handler does the rest
            yield item

    monkeypatch.setattr(convanim.draw.render.Renderer, name, signalled)
    result = CliRunner().invoke(cli, ["conv", "--i", "4", "-o", output, "--numbers", "--dump", "d.json"])
    assert (result.exit_code, result.stdout, result.stderr) == (code, "", f"Error: {word}\n")
    assert _snapshot(tmp_path) == before
    assert [p for p in tmp_path.rglob("*") if ".part" in p.name or p.name.startswith(".")] == []


def _running(marker: str) -> list:
    """Processes whose command line holds ``marker``."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if marker.encode() in cmdline.read_bytes():
                found.append(cmdline.parent.name)
        except OSError:
            pass
    return found


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="needs /proc")
def test_sigterm_stops_a_parallel_gallery_and_its_workers(tmp_path):
    marker = f"gallery-{os.getpid()}-{time.time_ns()}"
    proc, out, err = _signal_when_drawing(tmp_path, ["gallery", "-j", "2", "-o", marker], signal.SIGTERM)
    assert proc.returncode == 143
    assert err.startswith("Error: terminated; not written: ") and err.count("\n") == 1
    time.sleep(0.2)
    assert _running(marker) == []  # no worker outlives it
    assert [p.name for p in tmp_path.rglob("*") if p.name.endswith(".part") or p.name.startswith(".")] == []
    assert sorted(out.split()) == sorted(f"{marker}/{p.name}" for p in (tmp_path / marker).glob("*.gif"))


def test_gallery_keeps_what_it_finished_and_says_what_it_did_not(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    real = convanim.animation.Animation.save
    calls = []

    def save(self, path, *args, **kwargs):
        calls.append(path)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real(self, path, *args, **kwargs)

    monkeypatch.setattr(convanim.animation.Animation, "save", save)
    result = CliRunner().invoke(
        cli, ["gallery", "--jobs", "1", "--only", "dilation,no_padding_no_strides,padding_strides,no_padding_strides"]
    )
    assert result.exit_code == 130
    assert result.stdout.splitlines() == ["output/dilation.gif", "output/no_padding_no_strides.gif"]
    assert result.stderr.splitlines()[-1] == "Error: interrupted; not written: padding_strides, no_padding_strides"
    assert sorted(p.name for p in (tmp_path / "output").iterdir()) == ["dilation.gif", "no_padding_no_strides.gif"]


def test_parallel_gallery_reports_a_failed_figure_and_keeps_the_rest(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    real = convanim.animation.Animation.save

    def save(self, path, *args, **kwargs):
        if Path(path).name == "padding_strides.gif":
            raise OSError(28, "No space left on device", str(path))
        return real(self, path, *args, **kwargs)

    monkeypatch.setattr(convanim.animation.Animation, "save", save)
    result = CliRunner().invoke(cli, ["gallery", "--jobs", "2", "--only", "dilation,padding_strides"])
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == (
        "Error: cannot write output/padding_strides.gif: No space left on device; not written: padding_strides"
    )
    assert result.stdout == "output/dilation.gif\n"  # both started at once; the other one finished
    assert (tmp_path / "output" / "dilation.gif").is_file()
    assert not (tmp_path / "output" / "padding_strides.gif").exists()


def test_parallel_and_serial_galleries_are_identical(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    figures = "no_padding_strides,dilation,numerical_average_pooling"
    assert CliRunner().invoke(cli, ["gallery", "-j", "1", "--only", figures, "-o", "one"]).exit_code == 0
    assert CliRunner().invoke(cli, ["gallery", "-j", "3", "--only", figures, "-o", "three"]).exit_code == 0
    one, three = _snapshot(tmp_path / "one"), _snapshot(tmp_path / "three")
    assert one == three and len(one) == 3


# ---- reproducible ------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["conv", "--i", "5", "--s", "2", "--p", "1", "-o", "out.gif"],
        ["transposed", "--i", "1", "--s", "2", "--a", "1", "--numbers", "--style", "flat", "-o", "out.gif"],
        ["conv", "--numbers", "--seed", "3", "-o", "frames/", "--dump", "steps.json"],
        ["pool", "--mode", "avg", "--numbers", "-o", "p.png", "--dump", "p.json"],
        ["gallery", "--only", "numerical_max_pooling,dilation", "-o", "g"],
    ],
)
def test_the_same_command_twice_gives_byte_identical_files(tmp_path, monkeypatch, args):
    outputs = []
    for run in ("first", "second"):
        folder = tmp_path / run
        folder.mkdir()
        monkeypatch.chdir(folder)
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 0, result.stderr
        outputs.append(_snapshot(folder))
    assert outputs[0] == outputs[1]
    assert len(outputs[0]) >= 1


# ---- resource guards ---------------------------------------------------------------


@pytest.mark.parametrize(
    "args, message",
    [
        (["conv", "--i", "100"], "Error: --max-frames: the spec makes 9,604 frames, more than the limit of 2,000;"
                                 " raise the limit to 9,604 to draw them"),
        (["conv", "--i", "100000", "--numbers"],
         "Error: --max-frames: the spec makes 9,999,600,004 frames, more than the limit of 2,000;"
         " raise the limit to 9,999,600,004 to draw them"),
        (["conv", "--i", "12", "--max-frames", "50"],
         "Error: --max-frames: the spec makes 100 frames, more than the limit of 50; raise the limit to 100 to draw them"),
        (["conv", "--i", "1200", "--k", "1200"],
         "Error: --max-size: the drawn grid is 1,200x1,200 cells, too large for 4,096 px on a side at 4 px a cell;"
         " raise the limit to 4,800 to draw it"),
        (["conv", "--i", "700", "--k", "700", "--max-cells", "490001"],  # cells, counted first, lifted
         "Error: --max-size: the image would be 4,821x3,254 px, more than 4,096 px on a side;"
         " raise the limit to 4,821, or draw it smaller (width, dpi)"),
    ],
)
def test_guards_stop_before_drawing(tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    start = time.perf_counter()
    result = CliRunner().invoke(cli, args)
    assert (result.exit_code, result.stderr) == (2, message + "\n")
    assert time.perf_counter() - start < 20  # it did not try to draw (a generous bound, not a benchmark)
    assert list(tmp_path.iterdir()) == []


def test_raising_the_frame_limit_draws_it(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["conv", "--i", "12", "--k", "1", "--max-frames", "144", "-o", "a.gif"])
    assert result.exit_code == 0
    with Image.open(tmp_path / "a.gif") as im:
        assert im.n_frames == 144


def test_large_grids_shrink_their_cells_to_a_sensible_width(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert CliRunner().invoke(cli, ["conv", "--i", "30", "--k", "28", "-o", "a.gif"]).exit_code == 0
    with Image.open(tmp_path / "a.gif") as im:
        assert 900 <= im.size[0] <= 1000


# ---- safe file handling ------------------------------------------------------------


def test_a_png_sequence_leaves_other_files_alone(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "frames"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine")
    (folder / "frame.png").write_bytes(b"mine too")
    assert CliRunner().invoke(cli, ["conv", "-o", "frames/"]).exit_code == 0
    assert CliRunner().invoke(cli, ["conv", "--i", "4", "-o", "frames/"]).exit_code == 0  # its own: no --force
    names = sorted(p.name for p in folder.iterdir())
    assert names == ["frame.png", "frame_000.png", "frame_001.png", "frame_002.png", "frame_003.png", "notes.txt"]
    assert (folder / "notes.txt").read_text() == "mine"


def test_someone_elses_frames_are_not_clobbered_without_force(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "frames"
    folder.mkdir()
    Image.new("RGB", (4, 4)).save(folder / "frame_002.png")
    result = CliRunner().invoke(cli, ["conv", "-o", "frames/"])
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: -o/--output: frames/frame_002.png exists and was not written by convanim; use --force to replace it\n"
    )
    assert sorted(p.name for p in folder.iterdir()) == ["frame_002.png"]
    result = CliRunner().invoke(cli, ["conv", "-o", "frames/", "--force"])
    assert result.exit_code == 0
    assert len(list(folder.iterdir())) == 9


def test_a_folder_where_a_file_is_wanted(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.gif").mkdir()
    result = CliRunner().invoke(cli, ["conv", "-o", "a.gif"])
    assert (result.exit_code, result.stderr) == (2, "Error: Invalid value for '-o' / '--output': a.gif is a folder, not a file\n")
    assert list((tmp_path / "a.gif").iterdir()) == []


def test_ctrl_c_during_batch_says_what_was_not_written(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    real = convanim.animation.Animation.save
    calls = []

    def save(self, path, *args, **kwargs):
        calls.append(path)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(self, path, *args, **kwargs)

    monkeypatch.setattr(convanim.animation.Animation, "save", save)
    (tmp_path / "b.toml").write_text('[a]\ncommand = "conv"\ni = 4\n[b]\ncommand = "conv"\ni = 3\n')
    result = CliRunner().invoke(cli, ["batch", "b.toml", "-j", "1"])
    assert (result.exit_code, result.stdout, result.stderr) == (130, "a.gif\n", "Error: interrupted; not written: b.gif\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.gif", "b.toml"]  # kept; nothing half-written


@pytest.mark.parametrize("late", ["dump", "storyboard"])
def test_a_command_writes_all_its_files_or_none(tmp_path, monkeypatch, late):
    """A secondary output that fails after the animation was drawn leaves no file changed."""
    import errno

    import convanim.job as job

    monkeypatch.chdir(tmp_path)
    (tmp_path / "out.gif").write_bytes(b"the previous version")

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", f"ro/a.{'json' if late == 'dump' else 'png'}")

    if late == "dump":
        monkeypatch.setattr(job, "write_json", full)
    else:
        monkeypatch.setattr(convanim.animation.Animation, "save_storyboard", full)
    args = ["conv", "--i", "4", "-o", "out.gif", "--dump", "ro/a.json", "--storyboard", "ro/a.png", "--numbers"]
    result = CliRunner().invoke(cli, args)
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr.startswith("Error: cannot write ro/a.") and result.stderr.count("\n") == 1
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["out.gif"]
    assert (tmp_path / "out.gif").read_bytes() == b"the previous version"
    args[4] = "newdir/x.gif"  # a folder the command would make: not made either
    assert CliRunner().invoke(cli, args).exit_code == 1 and not (tmp_path / "newdir").exists()


# ---- input is checked before it is trusted ----------------------------------------------------


def _npy_header_only(path, shape):
    with open(path, "wb") as fp:
        np.lib.format.write_array_header_1_0(fp, {"descr": "<f8", "fortran_order": False, "shape": shape})


@pytest.mark.parametrize("name, make, message", [
    ("nan3.npy", lambda p: np.save(p, np.array([[[1, np.nan], [2, 3]]])), "nan at row 0, column 1 of channel 0: values must be finite"),
    ("empty.npy", lambda p: p.write_bytes(b""), "empty"),
    ("zipped.npy", lambda p: p.write_bytes(b"PK\x03\x04 an npz"), "a .npz archive (zip), not a .npy file: np.save one array"),
    ("extreme.npy", lambda p: np.save(p, np.full((3, 3), 2**62, dtype=np.int64)),
     "whole numbers beyond ±2^53 (9,007,199,254,740,992) would lose digits: use floats or smaller values"),
    ("truncated.npy", lambda p: p.write_bytes(_saved(np.ones((3, 3)))[:-20]), "truncated: 3x3 values need 20 bytes more"),
    ("claims.npy", lambda p: _npy_header_only(p, (10**8, 10**8)), "100000000x100000000 values, more than 16,777,216 (4096x4096)"),
    ("fifo.csv", lambda p: os.mkfifo(p), "not a regular file"),
])
def test_value_files_are_checked_before_they_are_read(tmp_path, monkeypatch, name, make, message):
    monkeypatch.chdir(tmp_path)
    make(tmp_path / name)
    result = CliRunner().invoke(cli, ["conv", "--input-values", name])
    assert (result.exit_code, result.stderr) == (2, f"Error: Invalid value for '--input-values': {name}: {message}\n")


def _saved(array) -> bytes:
    import io

    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


@pytest.mark.parametrize("args, message", [
    (["conv", "--input-values", "/dev/zero"], "Error: Invalid value for '--input-values': /dev/zero: unknown extension '': use .npy, .csv or .txt"),
    (["conv", "--theme-file", "/dev/zero"], "Error: Invalid value for '--theme-file': /dev/zero: not a regular file"),
    (["batch", "/dev/zero"], "Error: Invalid value for FILE: /dev/zero: not a regular file"),
    (["conv", "-o", "/".join(["a"] * 2000) + "/x.gif"],
     "Error: Invalid value for '-o' / '--output': the path is 4,005 characters, 2,001 folders deep: at most 4,096 and 256"),
    (["conv", "--fps", "inf"], "Error: Invalid value for --fps: inf fps: frames last 10 ms to 655,350 ms, so use 0.0016 to 100 fps"),
    (["conv", "--fps", "0.001", "-o", "a.mp4"],
     "Error: Invalid value for --fps: 0.001 fps: frames last 10 ms to 655,350 ms, so use 0.0016 to 100 fps"),
])
def test_hostile_files_and_values_are_refused_in_one_line(tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, args)
    assert (result.exit_code, result.stderr) == (2, message + "\n")
    assert list(tmp_path.iterdir()) == []


def test_lifted_guards_still_refuse_past_the_pixel_limit(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["conv", "--max-size", "200000", "--width", "100000"])
    assert result.exit_code == 2 and result.stderr.startswith("Error: --max-pixels: the image would be 100,000x")
    result = CliRunner().invoke(cli, ["conv", "--i", "12", "--k", "1", "--max-size", "100000", "--storyboard", "s.png"])
    assert result.exit_code == 2 and result.stderr.startswith("Error: --max-pixels: the storyboard would be ")
    assert list(tmp_path.iterdir()) == []


def test_names_are_printed_one_a_line_and_a_closed_stdout_is_said(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["conv", "--i", "3", "-o", "new\nline.gif"])
    assert (result.exit_code, result.stdout) == (0, "new\\nline.gif\n")
    run = subprocess.run(["bash", "-c", f"'{sys.executable}' -m convanim conv --i 3 -o a.gif 2>err | true; echo ${{PIPESTATUS[0]}}"],
                         cwd=tmp_path, capture_output=True, text=True)
    assert run.stdout == "1\n" and (tmp_path / "a.gif").is_file()
    assert (tmp_path / "err").read_text() == (
        "Error: standard output was closed: the files were written, but not all their names printed\n")


def test_a_batch_entry_whose_animation_fails_leaves_none_of_its_files(tmp_path, monkeypatch):
    import errno

    monkeypatch.chdir(tmp_path)
    real = convanim.animation.Animation.save

    def save(self, path, *args, **kwargs):
        name = str(getattr(path, "path", path))
        if name == "b.gif":
            raise OSError(errno.ENOSPC, "No space left on device", name)
        return real(self, path, *args, **kwargs)

    monkeypatch.setattr(convanim.animation.Animation, "save", save)
    (tmp_path / "b.toml").write_text('[a]\ncommand = "conv"\ni = 3\n'
                                     '[b]\ncommand = "conv"\ni = 4\nnumbers = true\ndump = "b.json"\nstoryboard = "b.png"\n')
    result = CliRunner().invoke(cli, ["batch", "b.toml", "-j", "1"])
    assert (result.exit_code, result.stdout) == (1, "a.gif\n")
    assert result.stderr == "Error: cannot write b.gif: No space left on device; not written: b.gif\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.gif", "b.toml"]
