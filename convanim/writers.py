"""Writers at the edge: frames stream in one at a time and reach the disk atomically.

A GIF is written frame by frame with Pillow's GIF encoder (``getheader``/``getdata``) against a
fixed palette, storing only the rectangle that changed; a PNG sequence is written with imageio.
Everything goes to temporary files beside the target first and is renamed into place at the
end, so an error or Ctrl-C never leaves a half-written animation behind.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Iterable, List, Optional

import imageio.v3 as iio
import numpy as np
from PIL import GifImagePlugin, Image

FORMATS = {".gif": "gif", ".png": "png"}


class OutputError(ValueError):
    """An output path that cannot be used, with the reason."""


@dataclass(frozen=True)
class Target:
    """Where an animation goes: a ``.gif`` file, or a PNG sequence (``name.png`` or a folder)."""

    path: Path
    format: str

    @classmethod
    def parse(cls, path: str | os.PathLike) -> "Target":
        text = os.fspath(path)
        if not text.strip():
            raise OutputError("the output path is empty")
        p = Path(text)
        if text.endswith(("/", os.sep)) or p.is_dir() or not p.suffix:
            return cls(p, "png")
        fmt = FORMATS.get(p.suffix.lower())
        if fmt is None:
            raise OutputError(
                f"unknown extension {p.suffix!r}: use {', '.join(FORMATS)} or a folder for a PNG sequence"
            )
        return cls(p, fmt)

    def frame_paths(self, count: int) -> List[Path]:
        """The files of a PNG sequence: ``DIR/frame_000.png`` or ``name_000.png`` beside ``name.png``."""
        folder, stem = self._sequence_base()
        digits = max(3, len(str(count - 1)))
        return [folder / f"{stem}_{i:0{digits}d}.png" for i in range(count)]

    def _sequence_base(self):
        if self.path.suffix.lower() == ".png" and not self.path.is_dir():
            return self.path.parent, self.path.stem
        return self.path, "frame"


def write_animation(
    frames: Iterable[np.ndarray],
    target: Target,
    delay_ms: int,
    count: int,
    palette: Optional[np.ndarray] = None,
) -> List[Path]:
    """Stream ``count`` RGB frames into ``target``; returns the files written."""
    if target.format == "gif":
        return [_write_gif(frames, target.path, delay_ms, palette)]
    return _write_png_sequence(frames, target, count)


def _atomic_file(path: Path):
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = tempfile.NamedTemporaryFile(dir=path.parent, prefix=f".{path.name}.", suffix=".part", delete=False)
    os.chmod(tmp.name, 0o666 & ~_umask())  # as a plain open() would have made it
    return tmp


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _write_gif(frames: Iterable[np.ndarray], path: Path, delay_ms: int, palette: Optional[np.ndarray]) -> Path:
    tmp = _atomic_file(path)
    try:
        with tmp:
            stream = GifStream(tmp, delay_ms, palette)
            for frame in frames:
                stream.add(frame)
            stream.close()
        os.replace(tmp.name, path)
    except BaseException:
        Path(tmp.name).unlink(missing_ok=True)
        raise
    return path


class GifStream:
    """Writes GIF frames as they come: a global fixed palette, loop forever, changed rectangles only.

    One frame is held back so that identical consecutive frames merge into one longer frame.
    """

    def __init__(self, fp: BinaryIO, delay_ms: int, palette: Optional[np.ndarray] = None):
        self.fp = fp
        self.delay_ms = int(delay_ms)
        self._palette_image = _palette_image(palette) if palette is not None else None
        self._previous: Optional[np.ndarray] = None
        self._pending: Optional[tuple] = None  # (image, offset, duration)

    def _index(self, rgb: np.ndarray) -> Image.Image:
        image = Image.fromarray(np.ascontiguousarray(rgb[:, :, :3]), "RGB")
        if self._palette_image is None:
            self._palette_image = image.quantize(256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
        return image.quantize(palette=self._palette_image, dither=Image.Dither.NONE)

    def add(self, rgb: np.ndarray) -> None:
        image = self._index(rgb)
        indices = np.asarray(image)
        if self._previous is None:
            header, _ = GifImagePlugin.getheader(image, None, {"loop": 0, "duration": self.delay_ms, "optimize": False})
            self.fp.writelines(header)
            self._pending = (image, (0, 0), self.delay_ms)
        else:
            changed = np.nonzero(indices != self._previous)
            if changed[0].size == 0:
                image0, offset0, duration0 = self._pending
                self._pending = (image0, offset0, duration0 + self.delay_ms)
                return
            self._flush()
            y0, y1 = changed[0].min(), changed[0].max() + 1
            x0, x1 = changed[1].min(), changed[1].max() + 1
            self._pending = (image.crop((x0, y0, x1, y1)), (int(x0), int(y0)), self.delay_ms)
        self._previous = indices

    def _flush(self) -> None:
        if self._pending is not None:
            image, offset, duration = self._pending
            self.fp.writelines(GifImagePlugin.getdata(image, offset, duration=duration))
            self._pending = None

    def close(self) -> None:
        if self._previous is None:
            raise ValueError("an animation needs at least one frame")
        self._flush()
        self.fp.write(b";")


def _palette_image(palette: np.ndarray) -> Image.Image:
    colours = np.asarray(palette, dtype=np.uint8).reshape(-1, 3)[:256]
    # Pad with a repeat of the first colour: no stray black entry that dark pixels could snap to.
    padded = np.vstack([colours, np.repeat(colours[:1], 256 - len(colours), axis=0)])
    image = Image.new("P", (1, 1))
    image.putpalette(padded.tobytes())
    return image


_FRAME_NAME = re.compile(r"_(\d+)\.png$")


def _write_png_sequence(frames: Iterable[np.ndarray], target: Target, count: int) -> List[Path]:
    paths = target.frame_paths(count)
    folder = paths[0].parent
    folder.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=folder, prefix=".convanim-", suffix=".part"))
    try:
        written = 0
        for frame, path in zip(frames, paths):
            iio.imwrite(staging / path.name, np.ascontiguousarray(frame), extension=".png")
            written += 1
        if written != count:
            raise ValueError(f"expected {count} frames, got {written}")
        for path in paths:
            os.replace(staging / path.name, path)
        _remove_stale_frames(paths)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return paths


def _remove_stale_frames(paths: List[Path]) -> None:
    """Drop frames of this same sequence left by an earlier, longer run (and nothing else)."""
    keep = {p.name for p in paths}
    stem = paths[0].name[: _FRAME_NAME.search(paths[0].name).start()]
    pattern = re.compile(re.escape(stem) + r"_(\d+)\.png$")
    for candidate in paths[0].parent.iterdir():
        if candidate.name not in keep and pattern.fullmatch(candidate.name) and candidate.is_file():
            candidate.unlink()
