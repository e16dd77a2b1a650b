"""A GIF encoded in a worker process is the GIF one process writes, and the worker never
outlives the write, however it ends."""

import os
import signal
import subprocess
import sys

import numpy as np
import pytest

import convanim.io.gif
import convanim.io.pipeline as pipeline
from convanim import THEMES, Animation, Conv2d, ConvTranspose2d
from convanim.draw.theme import PAPER
from convanim.io.gif import write_gif
from convanim.io.pipeline import worth_a_worker, write_gif_beside

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="the worker is forked")


def _both(tmp_path, frames, palette, delay_ms=100, transparent=False):
    """The bytes of one process's GIF and of the worker's, from the same frames."""
    frames = list(frames)
    one = write_gif(iter(frames), tmp_path / "one.gif", delay_ms, palette, transparent).read_bytes()
    beside = write_gif_beside(iter(frames), tmp_path / "beside.gif", delay_ms, palette, transparent).read_bytes()
    return one, beside


@pytest.fixture
def workers(monkeypatch):
    """Every worker this test starts, by process id."""
    started = []
    real = pipeline.Worker.start.__func__

    def start(cls, *args, **kwargs):
        worker = real(cls, *args, **kwargs)
        if worker is not None:
            started.append(worker.pid)
        return worker

    monkeypatch.setattr(pipeline.Worker, "start", classmethod(start))
    return started


def _gone(pid):
    """The worker has ended and been reaped: no such process any more."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


@pytest.mark.parametrize("anim", [
    Animation(Conv2d(7, 3, 2, 1), numbers=True),
    Animation(ConvTranspose2d(3, 3, 2, 1, output_padding=1), theme=THEMES["dark"]),
    Animation(Conv2d(6, 3), style="flat", labels=True),
], ids=["numbers", "transposed-dark", "flat"])
@pytest.mark.parametrize("crisp", [False, True])
def test_the_worker_writes_the_same_bytes_as_one_process(tmp_path, workers, anim, crisp):
    renderer = anim.renderer(crisp)
    # each frame copied with its box: the list holds frames that the renderer has overwritten since
    frames = [(frame.copy(), box) for frame, box in renderer.stream()]
    one, beside = _both(tmp_path, frames, anim.palette(crisp), anim.delay_ms)
    assert one == beside and len(workers) == 1 and _gone(workers[0])


def test_frames_that_a_renderer_overwrites_are_copied_before_the_next_is_drawn(tmp_path, workers):
    anim = Animation(Conv2d(8, 3), numbers=True)
    one = write_gif(anim.renderer().stream(), tmp_path / "one.gif", anim.delay_ms, anim.palette()).read_bytes()
    beside = write_gif_beside(anim.renderer().stream(), tmp_path / "b.gif", anim.delay_ms, anim.palette()).read_bytes()
    assert one == beside and len(workers) == 1


def test_transparent_frames_without_boxes_and_repeated_frames(tmp_path, workers):
    rng = np.random.default_rng(5)
    base = np.dstack([np.full((30, 40, 3), PAPER.input, np.uint8), np.full((30, 40, 1), 255, np.uint8)])
    frames = []
    for i in range(12):
        frame = base.copy()
        frame[rng.integers(0, 30), :, :3] = PAPER.output
        frame[:, rng.integers(0, 40), 3] = 0
        frames += [(frame, None)] * (1 + i % 2)
    one, beside = _both(tmp_path, frames, PAPER.palette(), 50, transparent=True)
    assert one == beside
    opaque = [(frame[:, :, :3], None) for frame, _ in frames]  # RGB, every frame whole
    one, beside = _both(tmp_path, opaque, PAPER.palette(), 50)
    assert one == beside and len(workers) == 2


def test_no_frame_is_refused_as_one_process_refuses_it(tmp_path):
    with pytest.raises(ValueError, match="an animation needs at least one frame"):
        write_gif_beside(iter([]), tmp_path / "none.gif", 100, PAPER.palette())
    assert list(tmp_path.iterdir()) == []


def test_a_frame_of_another_size_is_refused_in_the_same_words(tmp_path, workers):
    frames = [np.zeros((4, 5, 3), np.uint8), np.zeros((4, 6, 3), np.uint8)]
    with pytest.raises(ValueError, match="frame size changed from 5x4 to 6x4"):
        write_gif_beside(iter(frames), tmp_path / "a.gif", 100, PAPER.palette())
    assert list(tmp_path.iterdir()) == [] and _gone(workers[0])


@pytest.mark.parametrize("error", [KeyboardInterrupt, MemoryError, RuntimeError])
def test_a_frame_that_fails_ends_the_worker_and_leaves_no_file(tmp_path, workers, error):
    anim = Animation(Conv2d(6, 3))

    def frames():
        for i, item in enumerate(anim.renderer().stream()):
            if i == 5:
                raise error("drawing failed")
            yield item

    (tmp_path / "a.gif").write_bytes(b"the previous version")
    with pytest.raises(error, match="drawing failed"):
        write_gif_beside(frames(), tmp_path / "a.gif", 100, anim.palette())
    assert os.listdir(tmp_path) == ["a.gif"] and (tmp_path / "a.gif").read_bytes() == b"the previous version"
    assert _gone(workers[0])


def test_an_error_in_the_worker_is_raised_here_as_it_was_raised_there(tmp_path, workers, monkeypatch):
    real = convanim.io.gif.GifStream.add
    seen = []

    def add(self, frame, changed=None):
        seen.append(1)
        if len(seen) == 4:
            raise OSError(28, "No space left on device")  # as a full disk says it, in the worker
        real(self, frame, changed)

    monkeypatch.setattr(convanim.io.gif.GifStream, "add", add)
    anim = Animation(Conv2d(6, 3))
    with pytest.raises(OSError, match="No space left on device") as raised:
        write_gif_beside(anim.renderer().stream(), tmp_path / "a.gif", 100, anim.palette())
    assert raised.value.errno == 28 and seen == []  # it happened in the worker, not here
    assert list(tmp_path.iterdir()) == [] and _gone(workers[0])


def test_a_worker_killed_from_outside_is_an_error_not_a_hang(tmp_path, workers):
    anim = Animation(Conv2d(6, 3))

    def frames():
        for i, item in enumerate(anim.renderer().stream()):
            if i == 3:
                os.kill(workers[0], signal.SIGKILL)
            yield item

    with pytest.raises(OSError, match="the GIF encoder process ended before the file was written"):
        write_gif_beside(frames(), tmp_path / "a.gif", 100, anim.palette())
    assert list(tmp_path.iterdir()) == [] and _gone(workers[0])


def test_only_long_animations_with_a_cpu_to_spare_get_a_worker(monkeypatch):
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1})
    monkeypatch.setattr(os, "getloadavg", lambda: (1.5, 1.0, 1.0))
    assert worth_a_worker(pipeline.MIN_FRAMES) and not worth_a_worker(pipeline.MIN_FRAMES - 1)
    monkeypatch.setattr(os, "getloadavg", lambda: (3.0, 1.0, 1.0))  # both CPUs busy with others
    assert not worth_a_worker(10_000)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0})
    monkeypatch.setattr(os, "getloadavg", lambda: (0.0, 0.0, 0.0))
    assert not worth_a_worker(10_000)


_CLI = """
import sys
import convanim.io.pipeline as pipeline
pipeline.MIN_FRAMES = int(sys.argv[1])
pipeline.os.getloadavg = lambda: (0.0, 0.0, 0.0)  # as on an idle machine: the suite itself loads this one
started = []
real = pipeline.Worker.start.__func__
pipeline.Worker.start = classmethod(lambda cls, *a: started.append(1) or real(cls, *a))
from convanim.cli import main
try:
    main(sys.argv[2:])
finally:
    print(len(started), file=sys.stderr)
"""


def test_the_command_line_writes_a_long_gif_with_a_worker_byte_for_byte(tmp_path):
    """From a shell (one thread, so a worker is worth it): the file is the one written without."""
    args = ["conv", "--i", "17", "--k", "2", "-o"]  # 256 frames
    for name, least in (("beside.gif", pipeline.MIN_FRAMES), ("one.gif", 10_000)):
        done = subprocess.run([sys.executable, "-c", _CLI, str(least), *args, name], cwd=tmp_path, capture_output=True,
                              text=True)
        assert (done.returncode, done.stderr) == (0, "1\n" if name == "beside.gif" else "0\n")
    assert (tmp_path / "beside.gif").read_bytes() == (tmp_path / "one.gif").read_bytes()


def test_without_a_pipe_to_spare_the_gif_is_encoded_here(tmp_path, workers, monkeypatch):
    def no_pipe():
        raise OSError(24, "Too many open files")

    monkeypatch.setattr(pipeline.os, "pipe", no_pipe)
    anim = Animation(Conv2d(5, 3))
    one = write_gif(anim.renderer().stream(), tmp_path / "one.gif", 100, anim.palette()).read_bytes()
    assert write_gif_beside(anim.renderer().stream(), tmp_path / "b.gif", 100, anim.palette()).read_bytes() == one
    assert workers == []
