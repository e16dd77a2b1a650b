"""A GIF encoder that streams: one palette, frames as they come, only what changed stored."""

from __future__ import annotations

import struct
from pathlib import Path
from typing import BinaryIO, Iterable, Iterator, Optional, Tuple, Union

import numpy as np
from PIL import Image

from .files import replacing

Box = Tuple[int, int, int, int]
"""(x0, y0, x1, y1) in pixels from the top-left, ends excluded."""
Frames = Iterable[Union[np.ndarray, Tuple[np.ndarray, Optional[Box]]]]


def with_boxes(frames: Frames) -> Iterator[Tuple[np.ndarray, Optional[Box]]]:
    """Each frame with the box that changed since the last (None where the source does not say)."""
    for item in frames:
        yield item if isinstance(item, tuple) else (item, None)


def write_gif(frames: Frames, path: Path, delay_ms: int, palette: np.ndarray, transparent: bool = False) -> Path:
    """Stream ``frames`` into a GIF at ``path``, written whole or not at all."""
    with replacing(path) as fp:
        stream = GifStream(fp, delay_ms, palette, transparent)
        for frame, changed in with_boxes(frames):
            stream.add(frame, changed)
        stream.close()
    return path


def colour_keys(frame: np.ndarray, box: Optional[Box] = None) -> np.ndarray:
    """Each pixel's colour as one integer, R | G << 8 | B << 16, for RGB or RGBA uint8 frames.

    ``box`` (x0, y0, x1, y1) limits it to a region.
    """
    frame = np.asarray(frame)
    x0, y0, x1, y1 = box if box is not None else (0, 0, frame.shape[1], frame.shape[0])
    if frame.dtype == np.uint8 and frame.ndim == 3 and frame.shape[2] == 4 and frame.flags.c_contiguous:
        return frame.view("<u4")[y0:y1, x0:x1, 0] & 0xFFFFFF  # RGBA in memory is this integer plus alpha
    rgb = frame[y0:y1, x0:x1, :3].astype(np.uint32)
    return rgb[:, :, 0] | (rgb[:, :, 1] << 8) | (rgb[:, :, 2] << 16)


def check_frame_size(frame: np.ndarray, width: int, height: int) -> None:
    """A GIF's frames are all the size of its first: a ValueError saying so otherwise."""
    if frame.shape[:2] != (height, width):
        raise ValueError(f"frame size changed from {width}x{height} to {frame.shape[1]}x{frame.shape[0]}")


class GifStream:
    """Writes GIF frames as they come: one palette, loop forever, and per frame only the
    rectangle that changed, with its unchanged pixels transparent so that they compress to nothing.

    Pixels are compared by palette index, so a colour change the palette cannot show costs
    nothing. The palette is ``palette`` reordered by use in the first frame (the static picture):
    the colours used most get the smallest indices, and each frame's LZW codes are as narrow as
    its largest index allows. One frame is held back so that identical consecutive frames merge
    into one longer frame.
    """

    def __init__(self, fp: BinaryIO, delay_ms: int, palette: np.ndarray, transparent: bool = False):
        self.fp = fp
        self.delay_ms = int(delay_ms)
        # A transparent background: every frame whole, cleared before the next, the clear pixels
        # (alpha under a half) transparent.
        self.transparent = transparent
        self._mapper = PaletteMapper.for_palette(palette)
        self._order: Optional[np.ndarray] = None  # the mapper's index + 1 -> this file's index
        self._shown: Optional[np.ndarray] = None  # this file's indices of the picture a viewer shows now
        self._clear: Optional[np.ndarray] = None  # with a transparent background: where it shows through
        self._pending: Optional[list] = None  # [indices, clear, offset, duration, disposal]

    def _index(self, keys: np.ndarray) -> np.ndarray:
        return np.take(self._order, self._mapper.index_plus_one(keys))

    def add(self, frame: np.ndarray, changed: Optional[Box] = None) -> None:
        """Append an (H, W, 3) RGB or (H, W, 4) RGBA uint8 frame.

        ``changed`` (x0, y0, x1, y1), if given, promises that nothing outside it differs from
        the previous frame, so only that region is compared.
        """
        if self._shown is None or self.transparent:
            keys = colour_keys(frame)
            if self._shown is None:
                self._start(keys)
            clear = np.asarray(frame)[:, :, 3] < 128 if self.transparent else np.zeros(keys.shape, bool)
            indices = np.where(clear, 0, self._index(keys)).astype(np.uint8)
            if self._pending is not None and np.array_equal(indices, self._shown) and np.array_equal(clear, self._clear):
                self._pending[3] += self.delay_ms
                return
            self._hold(indices, clear, (0, 0), 2 if self.transparent else 1)
            self._shown, self._clear = indices.copy(), clear
            return
        height, width = self._shown.shape
        check_frame_size(frame, width, height)
        bx, by, bx1, by1 = changed if changed is not None else (0, 0, width, height)
        indices = self._index(colour_keys(frame, (bx, by, bx1, by1)))
        differs = indices != self._shown[by:by1, bx:bx1]
        found = _changed_box(differs)
        if found is None:
            self._pending[3] += self.delay_ms
            return
        x0, y0, x1, y1 = found
        region = indices[y0:y1, x0:x1]
        clear = _unchanged_runs(region, differs[y0:y1, x0:x1])
        self._hold(region, clear, (bx + x0, by + y0), 1)
        self._shown[by + y0 : by + y1, bx + x0 : bx + x1] = region

    def _start(self, keys: np.ndarray) -> None:
        """Order the palette by use in the first frame (ties and unused colours in palette order),
        and write the header with it."""
        colours = self._mapper.colours
        counts = np.bincount(self._mapper.index(keys).ravel(), minlength=len(colours))
        by_use = np.argsort(-counts, kind="stable")
        self._order = np.zeros(256, np.uint8)
        self._order[by_use + 1] = np.arange(len(colours), dtype=np.uint8)
        palette = colours[by_use]
        size = max(2, len(colours).bit_length())  # room for a transparent index after the colours
        table = np.zeros((1 << size, 3), np.uint8)
        table[: len(palette)] = palette
        height, width = keys.shape
        self.fp.writelines([
            b"GIF89a", struct.pack("<HHBBB", width, height, 0x80 | (size - 1), 0, 0), table.tobytes(),
            b"!\xff\x0bNETSCAPE2.0\x03\x01\x00\x00\x00",  # loop forever
        ])

    def _hold(self, indices: np.ndarray, clear: np.ndarray, offset: Tuple[int, int], disposal: int) -> None:
        self._flush()
        self._pending = [indices, clear, offset, self.delay_ms, disposal]

    def _flush(self) -> None:
        if self._pending is None:
            return
        indices, clear, (x, y), duration, disposal = self._pending
        self._pending = None
        has_clear = bool(clear.any())
        transparent = int(indices.max()) + 1  # never drawn: the palette holds at most 255 colours
        indices = np.where(clear, np.uint8(transparent), indices) if has_clear else np.ascontiguousarray(indices)
        bits = max(2, (transparent if has_clear else transparent - 1).bit_length())
        height, width = indices.shape
        centiseconds = min((duration + 5) // 10, 0xFFFF)  # merged frames may add up past a GIF's longest
        # A frame cleared before the next (disposal 2) clears to transparent only if it has a
        # transparent index, even with no transparent pixel of its own.
        flags = disposal << 2 | (has_clear or disposal == 2)
        control = struct.pack("<3sBHBB", b"!\xf9\x04", flags, centiseconds, transparent, 0)
        descriptor = struct.pack("<sHHHHBB", b",", x, y, width, height, 0, bits)
        data = Image.fromarray(indices, "P").tobytes("gif", "P", bits, 0)
        self.fp.writelines([control, descriptor, data, b"\0"])

    def close(self) -> None:
        if self._shown is None:
            raise ValueError("an animation needs at least one frame")
        self._flush()
        self.fp.write(b";")


def _changed_box(differs: np.ndarray) -> Optional[Box]:
    """The smallest box (x0, y0, x1, y1) that holds every True of ``differs``, or None."""
    rows = np.flatnonzero(differs.any(axis=1))
    if rows.size == 0:
        return None
    cols = np.flatnonzero(differs[rows[0] : rows[-1] + 1].any(axis=0))
    return (int(cols[0]), int(rows[0]), int(cols[-1] + 1), int(rows[-1] + 1))


def _unchanged_runs(indices: np.ndarray, changed: np.ndarray) -> np.ndarray:
    """Which pixels of a frame to leave transparent: the unchanged ones, except those in a run
    (along a row) of one colour that holds a changed pixel, where their own colour makes one
    run out of three. Either shows the same picture; fewer runs are fewer LZW codes.
    """
    height, width = indices.shape
    starts = np.empty((height, width), dtype=bool)
    starts[:, 0] = True
    np.not_equal(indices[:, 1:], indices[:, :-1], out=starts[:, 1:])
    run = np.cumsum(starts.ravel(), dtype=np.int32)  # each pixel's run, numbered from 1
    unchanged = np.ones(int(run[-1]) + 1, dtype=bool)
    unchanged[run[changed.ravel()]] = False
    return unchanged.take(run).reshape(height, width)


class PaletteMapper:
    """Exact nearest-colour indexing against a fixed palette of at most 255 colours.

    A lookup table over all 2^24 colours is filled lazily, so after the first frames of an
    animation every pixel is one table read; colours in the palette map to themselves exactly.
    The table holds index + 1, 0 for a colour not looked up yet: zeroed memory costs nothing
    until a colour's page is touched.
    """

    _cache: "dict[bytes, PaletteMapper]" = {}

    def __init__(self, palette: np.ndarray):
        colours = np.asarray(palette, dtype=np.uint8).reshape(-1, 3)
        if not 1 <= len(colours) <= 255:
            raise ValueError(f"a palette needs 1 to 255 colours, got {len(colours)}")
        self.colours = colours
        self._table = np.zeros(1 << 24, dtype=np.uint8)

    @classmethod
    def for_palette(cls, palette: np.ndarray) -> "PaletteMapper":
        key = np.asarray(palette, dtype=np.uint8).tobytes()
        if key not in cls._cache:
            cls._cache[key] = cls(palette)
        return cls._cache[key]

    def index(self, keys: np.ndarray) -> np.ndarray:
        """Palette indices (uint8) of colour keys (see :func:`colour_keys`)."""
        return self.index_plus_one(keys) - np.uint8(1)

    def index_plus_one(self, keys: np.ndarray) -> np.ndarray:
        """Palette indices + 1 (uint8, 1 to 255) of colour keys: one subtraction less."""
        codes = np.take(self._table, keys)
        if not codes.all():
            unknown = codes == 0
            new = np.unique(keys[unknown])
            rgb = np.stack([new & 255, (new >> 8) & 255, (new >> 16) & 255], axis=1).astype(np.int32)
            distance = ((rgb[:, None, :] - self.colours[None, :, :].astype(np.int32)) ** 2).sum(axis=-1)
            self._table[new] = distance.argmin(axis=1).astype(np.uint8) + 1
            codes = np.take(self._table, keys)
        return codes
