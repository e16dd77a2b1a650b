"""A long GIF encoded in a second process while this one draws the next frames.

Drawing (matplotlib) and encoding (NumPy and Pillow's LZW) both hold the GIL for most of their
time, so threads would take turns; a forked worker encodes frame n while frame n + 1 is drawn.
The worker runs the same :class:`~convanim.io.gif.GifStream` on the same pixels, so the file is
byte for byte the one that one process writes. Each frame's changed box travels through shared
memory, its coordinates through a pipe; the worker writes into the temporary file this process
opened, and this process renames it into place or removes it as before. The worker ignores
Ctrl-C and the ending signals, which this process handles as it always has: whatever ends the
drawing kills the worker, an error in the worker is raised here, and a worker whose parent is
gone (killed outright) reads the end of its pipe and stops.
"""

from __future__ import annotations

import errno
import mmap
import os
import pickle
import signal
import struct
import sys
import threading
from pathlib import Path
from typing import BinaryIO, List, Optional

import numpy as np

from .files import replacing
from .gif import Box, Frames, GifStream, check_frame_size, with_boxes

MIN_FRAMES = 200  # fewer frames than this: starting a worker costs about what it saves
SHARED_BYTES = 1 << 26  # at most this much memory shared; a frame larger than a fourth of it is encoded here
_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
_FRAME = struct.Struct("<5i")  # slot, x0, y0, x1, y1 (x0 -1: the whole frame); slot -1: the end
_REPLY = struct.Struct("<2i")  # kind, value
_FREE, _DONE, _FAILED = 0, 1, 2  # a slot is free again; the file is complete; an exception (value: its pickle's length)


def worth_a_worker(count: int) -> bool:
    """Whether ``count`` frames are encoded faster beside the drawing: long enough; Linux (where a
    fork without exec is safe with these libraries, not with macOS's frameworks); no other thread
    in this process (which a fork would leave behind); and a second CPU that is likely free: the
    last minute's load under the CPUs this process may use plus one. Measured on 2 CPUs shared
    with others, a worker saved a third of the time at a load of 2 to 3 and cost a tenth at 4 to
    6, where both processes wait for a CPU and only its overhead remains."""
    if count < MIN_FRAMES or not sys.platform.startswith("linux") or threading.active_count() != 1:
        return False
    cpus = len(os.sched_getaffinity(0))
    return cpus >= 2 and os.getloadavg()[0] < cpus + 1


def write_gif_beside(frames: Frames, path: Path, delay_ms: int, palette: np.ndarray, transparent: bool = False) -> Path:
    """:func:`~convanim.io.gif.write_gif`, the encoding done in a worker process: the same bytes."""
    items = with_boxes(frames)
    with replacing(path) as fp:
        first = next(items, None)
        if first is None:
            GifStream(fp, delay_ms, palette, transparent).close()  # says that there is no frame
        worker = Worker.start(fp, first[0], delay_ms, palette, transparent)
        if worker is None:  # no memory or process to spare: here, as a short animation is
            stream = GifStream(fp, delay_ms, palette, transparent)
            stream.add(*first)
            for frame, changed in items:
                stream.add(frame, changed)
            stream.close()
            return path
        try:
            worker.send(first[0], None)
            for frame, changed in items:
                worker.send(frame, changed)
            worker.finish()
        finally:
            worker.stop()
    return path


class Worker:
    """The encoding process, seen from the drawing one: frames in through slots of shared memory."""

    def __init__(self, pid: int, shared: mmap.mmap, slots: np.ndarray, to_worker: int, from_worker: int,
                 whole: bool, per_message: int):
        self.pid, self._shared, self._slots = pid, shared, slots
        self._to, self._from = to_worker, from_worker
        self._free: List[int] = list(range(len(slots)))
        self._whole = whole  # a transparent GIF's stream reads every pixel of every frame
        self._per_message, self._announce = per_message, bytearray()

    @classmethod
    def start(cls, fp: BinaryIO, first: np.ndarray, delay_ms: int, palette: np.ndarray,
              transparent: bool) -> Optional["Worker"]:
        """Fork the worker for frames shaped as ``first``; None if the memory or the process cannot be had."""
        if first.dtype != np.uint8 or first.ndim != 3 or first.nbytes > SHARED_BYTES // 4:
            return None
        per_message = max(1, min(4, SHARED_BYTES // 4 // first.nbytes))  # frames announced at once: fewer wake-ups
        count = 2 * per_message + 1  # one batch encoded, one drawn, one frame more
        try:
            shared = mmap.mmap(-1, count * first.nbytes)
            to_r, to_w = os.pipe()
        except (OSError, ValueError):  # out of memory or of file descriptors
            return None
        try:
            from_r, from_w = os.pipe()
        except OSError:
            os.close(to_r)
            os.close(to_w)
            return None
        slots = np.frombuffer(shared, np.uint8).reshape(count, *first.shape)
        held = signal.pthread_sigmask(signal.SIG_BLOCK, _SIGNALS)  # none lands in the child before it ignores them
        try:
            pid = os.fork()
        except OSError:
            pid = None
        if pid == 0:
            os.close(to_w)
            os.close(from_r)
            _serve(fp, slots, to_r, from_w, held, (delay_ms, palette, transparent))
        signal.pthread_sigmask(signal.SIG_SETMASK, held)
        os.close(to_r)
        os.close(from_w)
        worker = cls(pid, shared, slots, to_w, from_r, transparent, per_message)
        if pid is None:
            worker.stop()
            return None
        return worker

    def send(self, frame: np.ndarray, changed: Optional[Box]) -> None:
        """Hand ``frame`` (only ``changed``, if given, differs from the last) to the worker."""
        slots = self._slots
        check_frame_size(frame, slots.shape[2], slots.shape[1])
        if frame.shape != slots.shape[1:]:
            raise ValueError(f"frames of {frame.shape[2]} channels after frames of {slots.shape[3]}")
        if not self._free:
            self._flush()
            while not self._free:
                self._reply()
        slot = self._free.pop(0)
        if changed is None or self._whole:
            slots[slot] = frame
            box = (-1, 0, 0, 0) if changed is None else changed
        else:
            x0, y0, x1, y1 = box = changed
            slots[slot, y0:y1, x0:x1] = frame[y0:y1, x0:x1]
        self._announce += _FRAME.pack(slot, *box)
        if len(self._announce) >= self._per_message * _FRAME.size:
            self._flush()

    def _flush(self) -> None:
        try:
            _write_all(self._to, bytes(self._announce))
        except BrokenPipeError:  # the worker has ended: its last words say why
            while True:
                self._reply()
        self._announce.clear()

    def finish(self) -> None:
        """Every frame sent: wait until the worker has written the whole file."""
        self._announce += _FRAME.pack(-1, 0, 0, 0, 0)
        self._flush()
        while self._reply() != _DONE:
            pass

    def _reply(self) -> int:
        try:
            kind, value = _REPLY.unpack(_read_all(self._from, _REPLY.size))
        except EOFError:  # killed from outside (out of memory): the file cannot be finished
            raise OSError(errno.EIO, "the GIF encoder process ended before the file was written") from None
        if kind == _FREE:
            self._free.append(value)
        elif kind == _FAILED:
            raise pickle.loads(_read_all(self._from, value))
        return kind

    def stop(self) -> None:
        """The worker ended (killed if it has not finished) and its pipes and memory let go."""
        if self._to < 0:
            return
        if self.pid is not None:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            os.waitpid(self.pid, 0)
            self.pid = None
        for fd in (self._to, self._from):
            os.close(fd)
        self._to = self._from = -1
        self._slots = self._shared = None  # unmapped when no view is left (a traceback may hold one a while)


def _serve(fp: BinaryIO, slots: np.ndarray, announced: int, replies: int, held, how: tuple) -> None:
    """The worker: encode each frame as its slot is announced, say when the slot is free again;
    never returns (its exit status: 0 once the file is whole)."""
    status = 1
    try:
        for signum in _SIGNALS:
            signal.signal(signum, signal.SIG_IGN)
        signal.pthread_sigmask(signal.SIG_SETMASK, held)
        stream = GifStream(fp, *how)
        pending = b""
        while True:
            pending += _read_some(announced)
            records = len(pending) // _FRAME.size
            done = False
            for slot, x0, y0, x1, y1 in _FRAME.iter_unpack(pending[: records * _FRAME.size]):
                if slot < 0:
                    done = True
                    break
                stream.add(slots[slot], None if x0 < 0 else (x0, y0, x1, y1))
                _write_all(replies, _REPLY.pack(_FREE, slot))
            if done:
                break
            pending = pending[records * _FRAME.size :]
        stream.close()
        fp.flush()
        _write_all(replies, _REPLY.pack(_DONE, 0))
        status = 0
    except EOFError:  # the drawing process is gone
        pass
    except BaseException as e:  # said to the drawing process, which raises it
        _send_exception(replies, e)
    finally:
        os._exit(status)


def _send_exception(replies: int, e: BaseException) -> None:
    try:
        data = pickle.dumps(e)
        pickle.loads(data)
    except Exception:
        data = pickle.dumps(OSError(errno.EIO, f"the GIF encoder failed: {e!r}"))
    try:
        _write_all(replies, _REPLY.pack(_FAILED, len(data)) + data)
    except OSError:
        pass


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _read_some(fd: int) -> bytes:
    """What a pipe holds now (waiting for something); EOFError if its writer has gone."""
    data = os.read(fd, 1 << 12)
    if not data:
        raise EOFError("the other process ended")
    return data


def _read_all(fd: int, size: int) -> bytes:
    """``size`` bytes from a pipe; EOFError if its writer has gone (the other process ended)."""
    parts, left = [], size
    while left:
        part = os.read(fd, left)
        if not part:
            raise EOFError("the other process ended")
        parts.append(part)
        left -= len(part)
    return b"".join(parts)
