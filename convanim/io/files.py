"""Where files go, and how they get there: output targets, atomic writes, numbered sequences.

Everything goes to a temporary file beside its target first and is renamed into place at the
end, so an error or Ctrl-C never leaves a half-written file behind.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import stat
import tempfile
import threading
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Callable, Iterable, Iterator, List, Optional

from PIL import Image

from .formats import EXTENSIONS, FOLDER, FORMATS, SEQUENCES, format_of

MARK = "convanim"  # the "Software"/"Creator" of every file convanim writes, without a version


class OutputError(ValueError):
    """An output path that cannot be used, with the reason."""


@dataclass(frozen=True)
class Target:
    """Where an animation goes: a ``.gif`` file, or a PNG sequence (``name.png`` or a folder)."""

    path: Path
    format: str
    folder: bool = False  # a PNG sequence named frame_NNN.png inside ``path``

    @classmethod
    def parse(cls, path: str | os.PathLike) -> "Target":
        text = os.fspath(path)
        if not text.strip():
            raise OutputError("the output path is empty")
        _short_enough(Path(text))
        p = Path(text)
        if text.endswith(("/", os.sep)) or not p.suffix or (p.is_dir() and format_of(p.suffix) is None):
            check_writable(p, folder=True)
            return cls(p, FOLDER, folder=True)
        fmt = format_of(p.suffix)
        if fmt is None:
            raise OutputError(
                f"unknown extension {p.suffix!r}: use {', '.join(EXTENSIONS)} or a folder for a PNG sequence"
            )
        check_writable(p)
        return cls(p, fmt.name)

    def frame_paths(self, count: int) -> List[Path]:
        """The files of a sequence: ``DIR/frame_000.png`` or ``name_000.png`` beside ``name.png``
        (``.svg`` likewise); a single frame named ``name.png`` is just that file."""
        if count == 1 and not self.folder:
            return [self.path]
        folder, stem = self._sequence_base()
        digits = max(3, len(str(count - 1)))
        return [folder / f"{stem}_{i:0{digits}d}.{self.format}" for i in range(count)]

    def files(self, count: int) -> List[Path]:
        """Every file an animation of ``count`` frames writes here: one, or a numbered sequence."""
        return self.frame_paths(count) if FORMATS[self.format].sequence else [self.path]

    def _sequence_base(self):
        return (self.path, "frame") if self.folder else (self.path.parent, self.path.stem)


def _short_enough(path: Path) -> None:
    text, depth = os.fspath(path), len(path.parts)
    if len(text) > MAX_PATH_CHARS or depth > MAX_PATH_DEPTH:
        raise OutputError(f"the path is {len(text):,} characters, {depth:,} folders deep: at most"
                          f" {MAX_PATH_CHARS:,} and {MAX_PATH_DEPTH}")


_SPECIAL = ((stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISCHR, "a character device"),
            (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


def _special(path: Path) -> str:
    """What ``path`` is if it is neither a regular file nor a folder ("" if it is one, or is not
    there): a write renames a new file onto it, which would replace a pipe or a device."""
    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError):
        return ""
    return next((name for test, name in _SPECIAL if test(mode)), "")


def check_writable(path: Path, folder: bool = False) -> None:
    """Fail early, before drawing, on a path that cannot be written: a file where a folder must
    be, a folder where a file must, a pipe or a device anywhere."""
    _short_enough(Path(path))
    special = _special(path)
    if special:
        raise OutputError(f"{path} is {special}, not a regular file or a folder")
    if path.exists() and path.is_dir() != folder:
        raise OutputError(f"{path} is a {'file' if folder else 'folder'}, not a {'folder' if folder else 'file'}")
    for parent in path.parents:
        if parent.exists():
            if not parent.is_dir():
                raise OutputError(f"{parent} is {_special(parent) or 'a file'}, not a folder")
            break


MAX_TOML_BYTES = 4 * 2**20  # a theme or batch file
MAX_PATH_CHARS, MAX_PATH_DEPTH = 4096, 256  # an output path (Linux's PATH_MAX; a sane depth)


class Unreadable(ValueError):
    """An input file refused before it is parsed: what it is, or how large, or how it is broken."""


@contextmanager
def open_regular(path: Path, limit: int) -> Iterator[BinaryIO]:
    """A file to read, if it is a regular file of at most ``limit`` bytes: never a FIFO (it would
    hang), a device (``/dev/zero`` never ends) or a folder. ValueError says why not."""
    try:
        mode = os.stat(path).st_mode
    except OSError as e:
        raise Unreadable(f"cannot read it: {e.strerror or e}") from None
    if not stat.S_ISREG(mode):
        raise Unreadable("not a regular file" + (" (a folder)" if stat.S_ISDIR(mode) else ""))
    with open(path, "rb") as fp:
        size = os.fstat(fp.fileno()).st_size
        if size > limit:
            raise Unreadable(f"{size:,} bytes, more than the {limit:,} read at most")
        yield fp


def read_text(path: Path, limit: int) -> str:
    """A bounded regular text file (UTF-8), whole."""
    with open_regular(path, limit) as fp:
        data = fp.read(limit + 1)
    if len(data) > limit:
        raise Unreadable(f"more than the {limit:,} bytes read at most")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise Unreadable("not a text file") from None


@dataclass
class _Staged:
    """The writes of a :func:`together` block: what to do at its end, and what to undo if it fails."""

    commits: List[Callable[[], None]] = field(default_factory=list)
    undos: List[Callable[[], None]] = field(default_factory=list)


_STAGED: ContextVar[Optional[_Staged]] = ContextVar("staged", default=None)


@contextmanager
def together() -> Iterator[None]:
    """All the files written in the block (an animation, its dump, its storyboard) replace their
    targets together at its end, or, if anything in it fails, none does and nothing is left."""
    staged = _Staged()
    token = _STAGED.set(staged)
    try:
        yield
    except BaseException:
        for undo in reversed(staged.undos):
            undo()
        raise
    finally:
        _STAGED.reset(token)
    with _shielded():  # renames only, all of them: a signal waits until they are done
        for commit in staged.commits:
            commit()


def alone() -> None:
    """In a worker process forked inside a :func:`together` block: its files are its own, renamed
    into place as each is written (the parent's block cannot commit what a child staged)."""
    _STAGED.set(None)


@contextmanager
def apart() -> Iterator[None]:
    """Inside a :func:`together` block, files that are each complete on their own (a batch's
    animations: a batch keeps those it finished)."""
    token = _STAGED.set(None)
    try:
        yield
    finally:
        _STAGED.reset(token)


def _finally(commit: Callable[[], None], undo: Callable[[], None]) -> None:
    """Commit now, or at the end of the :func:`together` block the write is in (undo if it fails)."""
    staged = _STAGED.get()
    if staged is None:
        commit()
    else:
        staged.commits.append(commit)
        staged.undos.append(undo)


def _remove_folders(made: List[Path]) -> None:
    for d in made:  # innermost first; stops at the first that is not empty
        try:
            d.rmdir()
        except OSError:
            break


@contextmanager
def _folder(path: Path) -> Iterator[None]:
    """Make ``path`` and its missing parents for a write; if the write fails, remove what was made."""
    made, p = [], path
    while not p.exists() and p != p.parent:
        made.append(p)
        p = p.parent
    path.mkdir(parents=True, exist_ok=True)
    try:
        yield
    except BaseException:
        _remove_folders(made)
        raise
    staged = _STAGED.get()
    if staged is not None and made:
        staged.undos.insert(0, lambda: _remove_folders(made))  # undone last, once emptied


_ENDING = {getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)}


@contextmanager
def _shielded() -> Iterator[None]:
    """Signals held back while a temporary file comes into being and is taken in charge, so that
    Ctrl-C or SIGTERM cannot land between its creation and the code that removes it: their
    handlers (which always run in the main thread) only take note, and the first noted signal
    is handled when the section ends."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    noted: List[int] = []
    previous = {signum: signal.signal(signum, lambda signum, frame: noted.append(signum)) for signum in _ENDING}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        if noted:
            handler = previous[noted[0]]
            if callable(handler):
                handler(noted[0], None)  # raises here: KeyboardInterrupt, or Interrupted
            elif handler == signal.SIG_DFL:
                os.kill(os.getpid(), noted[0])


@contextmanager
def replacing(path: Path, suffix: str = ".part") -> Iterator[BinaryIO]:
    """A temporary file beside ``path``, renamed onto it if the block succeeds, removed if not."""
    with _folder(path.parent):
        tmp = None
        try:
            with _shielded():
                tmp = _atomic_file(path, suffix)
            with _naming(path), tmp:
                yield tmp
        except BaseException:
            if tmp is not None:
                Path(tmp.name).unlink(missing_ok=True)
            raise
        _finally(lambda: _rename(tmp.name, path), lambda: Path(tmp.name).unlink(missing_ok=True))


@contextmanager
def _naming(path: Path) -> Iterator[None]:
    """An OSError while ``path`` is written (a full disk) names ``path``, not a temporary file or nothing."""
    try:
        yield
    except OSError as e:
        if e.errno is None or e.filename == str(path):
            raise
        raise OSError(e.errno, e.strerror, str(path)) from None


def _rename(tmp: str, path: Path) -> None:
    with _naming(path):
        os.replace(tmp, path)


def _atomic_file(path: Path, suffix: str = ".part"):
    try:
        tmp = tempfile.NamedTemporaryFile(dir=path.parent, prefix=f".{path.name}.", suffix=suffix, delete=False)
    except OSError as e:  # name the file the user asked for, not the temporary one
        raise OSError(e.errno, e.strerror, str(path)) from None
    os.chmod(tmp.name, 0o666 & ~_umask())  # as a plain open() would have made it
    return tmp


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_FRAME_NAME = re.compile(rf"_(\d+)\.({'|'.join(SEQUENCES)})$")


def written_by_convanim(path: Path) -> bool:
    """Whether a file carries convanim's mark: a PNG's Software text, an SVG's creator."""
    try:
        if path.suffix.lower() == ".svg":
            with open(path, "rb") as fp:
                return f"<dc:title>{MARK}</dc:title>".encode() in fp.read(4096)
        with Image.open(path) as image:
            return image.format == "PNG" and image.info.get("Software") == MARK
    except (OSError, ValueError):
        return False


def write_sequence(pages: Iterable[Callable[[Path], None]], target: Target, count: int, force: bool) -> List[Path]:
    """Write a numbered sequence, each page a function that writes its file; staged, then renamed
    into place. Replaces only files convanim wrote, unless ``force``."""
    paths = target.frame_paths(count)
    folder = paths[0].parent
    for path in paths:
        if path.is_dir() or (path.exists() and not force and not written_by_convanim(path)):
            raise OutputError(f"{path} exists and was not written by convanim; use --force to replace it")
    with _folder(folder):
        staging = None
        try:
            with _shielded():
                try:
                    staging = Path(tempfile.mkdtemp(dir=folder, prefix=".convanim-", suffix=".part"))
                except OSError as e:
                    raise OSError(e.errno, e.strerror, str(folder)) from None
            written = 0
            for page, path in zip(pages, paths):
                with _naming(path):
                    page(staging / path.name)
                written += 1
            if written != count:
                raise ValueError(f"expected {count} frames, got {written}")
        except BaseException:
            if staging is not None:
                shutil.rmtree(staging, ignore_errors=True)
            raise

        def commit() -> None:
            try:
                for path in paths:
                    _rename(staging / path.name, path)
                if _FRAME_NAME.search(paths[0].name):
                    _remove_stale_frames(paths)
            finally:
                shutil.rmtree(staging, ignore_errors=True)

        _finally(commit, lambda: shutil.rmtree(staging, ignore_errors=True))
    return list(paths)  # the caller's to extend: the commit keeps its own


def _remove_stale_frames(paths: List[Path]) -> None:
    """Drop frames of this same sequence left by an earlier, longer run: convanim's, and nothing else."""
    keep = {p.name for p in paths}
    found = _FRAME_NAME.search(paths[0].name)
    stem = paths[0].name[: found.start()]
    pattern = re.compile(re.escape(stem) + r"_(\d+)\." + found.group(2) + "$")
    for candidate in paths[0].parent.iterdir():
        if candidate.name not in keep and pattern.fullmatch(candidate.name) and written_by_convanim(candidate):
            candidate.unlink()
