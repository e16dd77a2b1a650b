"""Writers at the edge: frames stream in one at a time and reach the disk atomically.

A GIF is written frame by frame against one palette, storing only the rectangle that
changed, its LZW codes from Pillow's GIF encoder; a PNG sequence is written with imageio.
Everything goes to temporary files beside the target first and is renamed into place at the
end, so an error or Ctrl-C never leaves a half-written animation behind.
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import struct
import tempfile
from dataclasses import dataclass
from pathlib import Path
from contextlib import contextmanager
from typing import BinaryIO, Callable, Iterable, Iterator, List, Optional, Tuple, Union

import numpy as np
from PIL import Image
from PIL.PngImagePlugin import PngInfo

FORMATS = {".gif": "gif", ".png": "png", ".webp": "webp", ".apng": "apng", ".mp4": "mp4", ".svg": "svg", ".pdf": "pdf"}
SEQUENCES = ("png", "svg")  # one numbered file per frame
VECTOR = ("svg", "pdf")  # drawn from the figure, not from pixels
MARK = "convanim"  # the "Software"/"Creator" of every file convanim writes, without a version
Box = Tuple[int, int, int, int]
"""(x0, y0, x1, y1) in pixels from the top-left, ends excluded."""


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
        p = Path(text)
        if text.endswith(("/", os.sep)) or not p.suffix or (p.is_dir() and p.suffix.lower() not in FORMATS):
            check_writable(p, folder=True)
            return cls(p, "png", folder=True)
        fmt = FORMATS.get(p.suffix.lower())
        if fmt is None:
            raise OutputError(
                f"unknown extension {p.suffix!r}: use {', '.join(FORMATS)} or a folder for a PNG sequence"
            )
        check_writable(p)
        return cls(p, fmt)

    def frame_paths(self, count: int) -> List[Path]:
        """The files of a sequence: ``DIR/frame_000.png`` or ``name_000.png`` beside ``name.png``
        (``.svg`` likewise); a single frame named ``name.png`` is just that file."""
        if count == 1 and not self.folder:
            return [self.path]
        folder, stem = self._sequence_base()
        digits = max(3, len(str(count - 1)))
        return [folder / f"{stem}_{i:0{digits}d}.{self.format}" for i in range(count)]

    def _sequence_base(self):
        return (self.path, "frame") if self.folder else (self.path.parent, self.path.stem)


def check_writable(path: Path, folder: bool = False) -> None:
    """Fail early, before drawing, on a path that cannot be written: a file where a folder must be."""
    if path.exists() and path.is_dir() != folder:
        raise OutputError(f"{path} is a {'file' if folder else 'folder'}, not a {'folder' if folder else 'file'}")
    for parent in path.parents:
        if parent.exists():
            if not parent.is_dir():
                raise OutputError(f"{parent} is a file, not a folder")
            break


Frames = Iterable[Union[np.ndarray, Tuple[np.ndarray, Optional[Box]]]]


def _with_boxes(frames: Frames) -> Iterator[Tuple[np.ndarray, Optional[Box]]]:
    for item in frames:
        yield item if isinstance(item, tuple) else (item, None)


def write_animation(
    frames: Frames,
    target: Target,
    delay_ms: int,
    count: int,
    palette: np.ndarray,
    force: bool = False,
    transparent: bool = False,
) -> List[Path]:
    """Stream ``count`` RGB(A) frames into ``target``; returns the files written.

    ``transparent`` keeps the frames' alpha (a GIF gets a transparent background colour).

    A frame may come as ``(pixels, changed_box)``; frames are used before the next is asked for.

    A PNG sequence replaces only files convanim wrote (their PNG text says so) unless ``force``.
    """
    channels = 4 if transparent else 3
    if target.format == "gif":
        return [_write_gif(frames, target.path, delay_ms, palette, transparent)]
    pixels = ((frame[:, :, :channels], box) for frame, box in _with_boxes(frames))
    if target.format == "png":
        return _write_png_sequence(pixels, target, count, force)
    if target.format in ("webp", "apng"):
        return [_write_pillow_animation(pixels, target, delay_ms)]
    if target.format == "mp4":
        return [_write_mp4(frames, target.path, delay_ms)]
    raise OutputError(f"{target.format} frames are not pixels: draw them with write_vector")


def _write_pillow_animation(frames: Frames, target: Target, delay_ms: int) -> Path:
    """Animated WebP or APNG, lossless, by Pillow (which holds the frames until it writes)."""
    images = [Image.fromarray(np.ascontiguousarray(frame)) for frame, _ in _with_boxes(frames)]
    if not images:
        raise ValueError("an animation needs at least one frame")
    options = {"save_all": True, "append_images": images[1:], "duration": delay_ms, "loop": 0}
    if target.format == "webp":
        options.update(format="WEBP", lossless=True, quality=100, method=4)
    else:
        options.update(format="PNG", default_image=False, pnginfo=_png_mark())
    with _replacing(target.path) as fp:
        images[0].save(fp, **options)
    return target.path


def _png_mark() -> PngInfo:
    info = PngInfo()
    info.add_text("Software", MARK)
    return info


def _write_mp4(frames: Frames, path: Path, delay_ms: int) -> Path:
    """H.264 MP4 through imageio-ffmpeg (the ``video`` extra), frames streamed to ffmpeg."""
    try:
        import imageio_ffmpeg  # noqa: F401
    except ImportError:
        raise OutputError("writing .mp4 needs the video extra: pip install 'convanim[video]'") from None
    import imageio.v2 as imageio_v2

    with _replacing(path, suffix=".part.mp4") as fp:
        fp.close()
        writer = imageio_v2.get_writer(
            fp.name, format="FFMPEG", mode="I", fps=1000.0 / delay_ms, codec="libx264", pixelformat="yuv420p",
            macro_block_size=2, ffmpeg_log_level="error",
            output_params=["-threads", "1", "-fflags", "+bitexact", "-map_metadata", "-1", "-flags:v", "+bitexact"],
        )
        try:
            for frame, _ in _with_boxes(frames):
                rgb = frame[:, :, :3]
                h, w = rgb.shape[:2]  # H.264 in yuv420p wants even sides: repeat the last row/column
                writer.append_data(np.pad(rgb, ((0, h % 2), (0, w % 2), (0, 0)), mode="edge"))
        finally:
            writer.close()
    return path


STORYBOARD_FORMATS = (".png", ".pdf")


def write_storyboard(frames: Iterable[np.ndarray], count: int, path: Path, background, max_size: int = 4096,
                     columns: Optional[int] = None) -> Path:
    """Every frame on one page, in a grid read like text: for documents that cannot animate.
    Frames shrink (never grow) so that the page stays within ``max_size`` pixels on a side."""
    path = Path(path)
    if path.suffix.lower() not in STORYBOARD_FORMATS:
        raise OutputError(f"a storyboard is a .png or a .pdf, not {path.suffix or path.name!r}")
    columns = columns or math.ceil(math.sqrt(count))
    rows = math.ceil(count / columns)
    grid = None
    for n, frame in enumerate(frames):
        rgb = np.ascontiguousarray(frame[:, :, :3])
        if grid is None:
            gap = max(4, rgb.shape[1] // 40)
            room_w = (max_size - gap * (columns + 1)) / columns  # what a frame may take, gaps kept
            room_h = (max_size - gap * (rows + 1)) / rows
            scale = min(1.0, room_w / rgb.shape[1], room_h / rgb.shape[0])
            h, w = max(1, int(rgb.shape[0] * scale)), max(1, int(rgb.shape[1] * scale))
            grid = np.empty((rows * (h + gap) + gap, columns * (w + gap) + gap, 3), np.uint8)
            grid[...] = background
        if scale < 1:
            rgb = np.asarray(Image.fromarray(rgb).resize((w, h), Image.Resampling.LANCZOS))
        r, c = divmod(n, columns)
        grid[gap + r * (h + gap) : gap + r * (h + gap) + h, gap + c * (w + gap) : gap + c * (w + gap) + w] = rgb
    if grid is None:
        raise ValueError("a storyboard needs at least one frame")
    with _replacing(path) as fp:
        if path.suffix.lower() == ".png":
            Image.fromarray(grid).save(fp, format="PNG", pnginfo=_png_mark())
        else:
            from matplotlib.backends.backend_pdf import PdfPages
            from matplotlib.figure import Figure

            figure = Figure(figsize=(grid.shape[1] / 100, grid.shape[0] / 100), dpi=100)
            figure.figimage(grid, 0, 0)
            with PdfPages(fp, metadata=PDF_METADATA) as pdf:
                pdf.savefig(figure, dpi=100)
    return path


PDF_METADATA = {"Creator": MARK, "Producer": MARK, "CreationDate": None, "ModDate": None}
SVG_METADATA = {"Creator": MARK, "Date": None, "Format": None, "Type": None}


def write_vector(figure, states: Iterable, target: Target, count: int, force: bool = False) -> List[Path]:
    """Vector frames: ``states`` are context managers that each put ``figure`` in one frame's
    state. PDF: one page a frame (LaTeX's animate package plays it); SVG: one file a frame."""
    import matplotlib
    from matplotlib.backends.backend_pdf import PdfPages

    transparent = figure.get_facecolor()[3] == 0
    with matplotlib.rc_context({"svg.hashsalt": MARK}):  # the same ids every run
        if target.format == "pdf":
            with _replacing(target.path) as fp:
                with PdfPages(fp, metadata=PDF_METADATA) as pdf:
                    for state in states:
                        with state:
                            pdf.savefig(figure, transparent=transparent)
            return [target.path]

        def pages():
            for state in states:
                def page(path, state=state):
                    with state:
                        figure.savefig(path, format="svg", metadata=SVG_METADATA, transparent=transparent)
                yield page

        return write_sequence(pages(), target, count, force)


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
        for d in made:  # innermost first; stops at the first that is not empty
            try:
                d.rmdir()
            except OSError:
                break
        raise


@contextmanager
def _replacing(path: Path, suffix: str = ".part") -> Iterator[BinaryIO]:
    """A temporary file beside ``path``, renamed onto it if the block succeeds, removed if not."""
    with _folder(path.parent):
        tmp = _atomic_file(path, suffix)
        try:
            with tmp:
                yield tmp
            os.replace(tmp.name, path)
        except BaseException:
            Path(tmp.name).unlink(missing_ok=True)
            raise


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


def write_json(path: str | os.PathLike, data: object) -> Path:
    """Write ``data`` as JSON, atomically: keys in the order given, no NaN, a final newline."""
    path = Path(path)
    text = _json_text(data) + "\n"
    with _replacing(path) as fp:
        fp.write(text.encode("utf-8"))
    return path


def _json_text(value: object, indent: str = "") -> str:
    """JSON that reads well: objects and lists of rows one entry a line, rows and numbers inline."""
    inner = indent + "  "
    if isinstance(value, dict) and value and not _is_flat(value):
        items = [f"{inner}{json.dumps(k)}: {_json_text(v, inner)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + indent + "}"
    if isinstance(value, list) and value and isinstance(value[0], (dict, list)) and not _is_row(value):
        return "[\n" + ",\n".join(inner + _json_text(v, inner) for v in value) + "\n" + indent + "]"
    return json.dumps(value, allow_nan=False, ensure_ascii=False, separators=(", ", ": "))


def _is_flat(value: dict) -> bool:
    """An object of numbers, strings and short rows, like one frame, stays on one line."""
    return all(
        not isinstance(v, (dict, list)) or isinstance(v, list) and (not v or not isinstance(v[0], (dict, list)) or _is_row(v))
        for v in value.values()
    )


def _is_row(value: list) -> bool:
    """A short list of short lists, like a frame's taps, stays on one line."""
    return all(isinstance(v, list) and len(v) <= 2 and not any(isinstance(x, list) for x in v) for v in value) and len(value) <= 64


def _write_gif(frames: Frames, path: Path, delay_ms: int, palette: np.ndarray, transparent: bool = False) -> Path:
    with _replacing(path) as fp:
        stream = GifStream(fp, delay_ms, palette, transparent)
        for frame, changed in _with_boxes(frames):
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
        if frame.shape[:2] != (height, width):
            raise ValueError(f"frame size changed from {width}x{height} to {frame.shape[1]}x{frame.shape[0]}")
        box = changed if changed is not None else (0, 0, width, height)
        bx, by = box[0], box[1]
        indices = self._index(colour_keys(frame, box))
        found = _changed_box(indices, self._shown, box)
        if found is None:
            self._pending[3] += self.delay_ms
            return
        x0, y0, x1, y1 = found
        region = indices[y0 - by : y1 - by, x0 - bx : x1 - bx]
        shown = self._shown[y0:y1, x0:x1]
        clear = _unchanged_runs(region, region != shown)
        self._hold(region, clear, (x0, y0), 1)
        shown[...] = region

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
        if has_clear:
            np.copyto(indices, np.uint8(transparent), where=clear)
        bits = max(2, (transparent if has_clear else transparent - 1).bit_length())
        height, width = indices.shape
        centiseconds = min((duration + 5) // 10, 0xFFFF)  # merged frames may add up past a GIF's longest
        # A frame cleared before the next (disposal 2) clears to transparent only if it has a
        # transparent index, even with no transparent pixel of its own.
        flags = disposal << 2 | (has_clear or disposal == 2)
        control = struct.pack("<3sBHBB", b"!\xf9\x04", flags, centiseconds, transparent, 0)
        descriptor = struct.pack("<sHHHHBB", b",", x, y, width, height, 0, bits)
        data = Image.fromarray(np.ascontiguousarray(indices), "P").tobytes("gif", "P", bits, 0)
        self.fp.writelines([control, descriptor, data, b"\0"])

    def close(self) -> None:
        if self._shown is None:
            raise ValueError("an animation needs at least one frame")
        self._flush()
        self.fp.write(b";")


def _changed_box(new: np.ndarray, old: np.ndarray, box: Box) -> Optional[Box]:
    """The smallest box (x0, y0, x1, y1) within ``box`` where ``new`` (the region ``box`` of a
    frame) differs from the whole-frame ``old``, or None."""
    x0, y0, x1, y1 = box
    differs = new != old[y0:y1, x0:x1]
    rows = np.flatnonzero(differs.any(axis=1))
    if rows.size == 0:
        return None
    cols = np.flatnonzero(differs[rows[0] : rows[-1] + 1].any(axis=0))
    return (int(x0 + cols[0]), int(y0 + rows[0]), int(x0 + cols[-1] + 1), int(y0 + rows[-1] + 1))


def _unchanged_runs(indices: np.ndarray, changed: np.ndarray) -> np.ndarray:
    """Which pixels of a frame to leave transparent: the unchanged ones, except those in a run
    (along a row) of one colour that holds a changed pixel, where their own colour makes one
    run out of three. Either shows the same picture; fewer runs are fewer LZW codes.
    """
    height, width = indices.shape
    flat = indices.ravel()
    starts = np.empty(flat.size, dtype=bool)
    starts[0] = True
    np.not_equal(flat[1:], flat[:-1], out=starts[1:])
    starts[::width] = True
    first = np.flatnonzero(starts)
    changed_run = np.logical_or.reduceat(changed.ravel(), first)
    return ~np.repeat(changed_run, np.diff(first, append=flat.size)).reshape(height, width)


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


_FRAME_NAME = re.compile(r"_(\d+)\.(png|svg)$")


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


def _write_png_sequence(frames: Frames, target: Target, count: int, force: bool) -> List[Path]:
    import imageio.v3 as iio  # here, not at import: a GIF needs none of it

    info = PngInfo()
    info.add_text("Software", MARK)

    def pages():
        for frame, _ in _with_boxes(frames):
            yield lambda path, frame=frame: iio.imwrite(path, np.ascontiguousarray(frame), extension=".png", pnginfo=info)

    return write_sequence(pages(), target, count, force)


def write_sequence(pages: Iterable[Callable[[Path], None]], target: Target, count: int, force: bool) -> List[Path]:
    """Write a numbered sequence, each page a function that writes its file; staged, then renamed
    into place. Replaces only files convanim wrote, unless ``force``."""
    paths = target.frame_paths(count)
    folder = paths[0].parent
    for path in paths:
        if path.is_dir() or (path.exists() and not force and not written_by_convanim(path)):
            raise OutputError(f"{path} exists and was not written by convanim; use --force to replace it")
    with _folder(folder):
        try:
            staging = Path(tempfile.mkdtemp(dir=folder, prefix=".convanim-", suffix=".part"))
        except OSError as e:
            raise OSError(e.errno, e.strerror, str(folder)) from None
        try:
            written = 0
            for page, path in zip(pages, paths):
                page(staging / path.name)
                written += 1
            if written != count:
                raise ValueError(f"expected {count} frames, got {written}")
            for path in paths:
                os.replace(staging / path.name, path)
            if _FRAME_NAME.search(paths[0].name):
                _remove_stale_frames(paths)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return paths


def _remove_stale_frames(paths: List[Path]) -> None:
    """Drop frames of this same sequence left by an earlier, longer run: convanim's, and nothing else."""
    keep = {p.name for p in paths}
    found = _FRAME_NAME.search(paths[0].name)
    stem = paths[0].name[: found.start()]
    pattern = re.compile(re.escape(stem) + r"_(\d+)\." + found.group(2) + "$")
    for candidate in paths[0].parent.iterdir():
        if candidate.name not in keep and pattern.fullmatch(candidate.name) and written_by_convanim(candidate):
            candidate.unlink()
