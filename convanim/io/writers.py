"""Writers at the edge: frames stream in one at a time and reach the disk atomically.

A GIF is written frame by frame against one palette (:mod:`convanim.io.gif`); WebP and APNG by
Pillow, MP4 by ffmpeg, a PNG or SVG sequence one file a frame, vectors from the figure itself.
"""

from __future__ import annotations

import errno
import math
import os
import subprocess
import tempfile
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Callable, Dict, Iterable, List, Optional, Tuple

import numpy as np
from PIL import Image, ImageDraw, ImageFont
from PIL.PngImagePlugin import PngInfo

from ..core.errors import SpecError
from ..core.limits import out_of_memory, pixels_refusal
from .files import MARK, OutputError, Target, replacing, write_sequence
from .formats import FORMATS, STORYBOARDS
from .gif import Frames, with_boxes, write_gif
from .pipeline import worth_a_worker, write_gif_beside


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
    writer = PIXEL_WRITERS.get(target.format)
    if writer is None:
        raise OutputError(f"{target.format} frames are not pixels: draw them with write_vector")
    return writer(frames, target, Encoding(delay_ms, count, palette, force, transparent))


@dataclass(frozen=True)
class Encoding:
    """What a pixel writer may need besides the frames; each takes what its format uses."""

    delay_ms: int
    count: int
    palette: np.ndarray
    force: bool
    transparent: bool

    def pixels(self, frames: Frames) -> Frames:
        """The frames as RGB, or RGBA if the background is transparent, each with its changed box."""
        channels = 4 if self.transparent else 3
        return ((frame[:, :, :channels], box) for frame, box in with_boxes(frames))


def _gif(frames: Frames, target: Target, how: Encoding) -> List[Path]:
    write = write_gif_beside if worth_a_worker(how.count) else write_gif
    return [write(frames, target.path, how.delay_ms, how.palette, how.transparent)]


def _png(frames: Frames, target: Target, how: Encoding) -> List[Path]:
    return _write_png_sequence(how.pixels(frames), target, how.count, how.force)


def _pillow(frames: Frames, target: Target, how: Encoding) -> List[Path]:
    return [_write_pillow_animation(how.pixels(frames), target, how.delay_ms)]


def _mp4(frames: Frames, target: Target, how: Encoding) -> List[Path]:
    return [_write_mp4(frames, target.path, how.delay_ms)]


PIXEL_WRITERS: Dict[str, Callable[[Frames, Target, Encoding], List[Path]]] = {
    "gif": _gif, "png": _png, "webp": _pillow, "apng": _pillow, "mp4": _mp4,
}  # one for each format of kind "pixels"


def _write_pillow_animation(frames: Frames, target: Target, delay_ms: int) -> Path:
    """Animated WebP or APNG, lossless, by Pillow (which holds the frames until it writes)."""
    images = [Image.fromarray(np.ascontiguousarray(frame)) for frame, _ in with_boxes(frames)]
    if not images:
        raise ValueError("an animation needs at least one frame")
    options = {"save_all": True, "append_images": images[1:], "duration": delay_ms, "loop": 0}
    if target.format == "webp":
        options.update(format="WEBP", lossless=True, quality=100, method=4)
    else:
        options.update(format="PNG", default_image=False, pnginfo=_png_mark())
    with replacing(target.path) as fp:
        images[0].save(fp, **options)
    return target.path


def _png_mark() -> PngInfo:
    info = PngInfo()
    info.add_text("Software", MARK)
    return info


def _write_mp4(frames: Frames, path: Path, delay_ms: int) -> Path:
    """H.264 MP4 by ffmpeg (imageio-ffmpeg's, the ``video`` extra), frames streamed to it; an
    ffmpeg that fails (a full disk as it writes the trailer) fails the write, naming the file."""
    try:
        import imageio_ffmpeg
    except ImportError:
        raise OutputError("writing .mp4 needs imageio-ffmpeg, the video extra: pip install 'convanim[video]'"
                          " (from a checkout: pip install '.[video]')") from None

    with replacing(path, suffix=".part.mp4") as fp:
        fp.close()
        ffmpeg = None
        with tempfile.TemporaryFile() as log:
            try:
                for frame, _ in with_boxes(frames):
                    rgb = frame[:, :, :3]
                    h, w = rgb.shape[:2]  # H.264 in yuv420p wants even sides: repeat the last row/column
                    if ffmpeg is None:
                        ffmpeg = subprocess.Popen(_ffmpeg_command(imageio_ffmpeg.get_ffmpeg_exe(), w + w % 2, h + h % 2,
                                                                  delay_ms, fp.name),
                                                  stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=log)
                    ffmpeg.stdin.write(np.ascontiguousarray(np.pad(rgb, ((0, h % 2), (0, w % 2), (0, 0)), mode="edge")))
            except BrokenPipeError:  # ffmpeg stopped: its exit status and words say why
                pass
            except BaseException:
                if ffmpeg is not None:
                    ffmpeg.kill()
                    ffmpeg.wait()
                raise
            if ffmpeg is None:
                raise ValueError("an animation needs at least one frame")
            _ffmpeg_done(ffmpeg, log)
    return path


def _ffmpeg_command(exe: str, width: int, height: int, delay_ms: int, path: str) -> List[str]:
    """What imageio-ffmpeg's writer runs, with the options that make the file the same every run."""
    fps = str(Fraction(1000, delay_ms))
    return [exe, "-y", "-f", "rawvideo", "-vcodec", "rawvideo", "-s", f"{width}x{height}", "-pix_fmt", "rgb24",
            "-r", fps, "-i", "-", "-an", "-vcodec", "libx264", "-pix_fmt", "yuv420p", "-v", "error",
            "-threads", "1", "-fflags", "+bitexact", "-map_metadata", "-1", "-flags:v", "+bitexact", path]


def _ffmpeg_done(ffmpeg: subprocess.Popen, log) -> None:
    """ffmpeg's end: nothing if it wrote the file, else an OSError with its reason (ENOSPC for a full disk)."""
    try:
        ffmpeg.stdin.close()
    except BrokenPipeError:
        pass
    if ffmpeg.wait() == 0:
        return
    log.seek(0)
    said = [line.strip() for line in log.read().decode("utf-8", "replace").splitlines() if line.strip()]
    full = any(os.strerror(errno.ENOSPC) in line for line in said)
    if full:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    reason = said[-1] if said else f"exit status {ffmpeg.returncode}"
    raise OSError(errno.EIO, f"ffmpeg failed: {reason}")


STORYBOARD_FORMATS = tuple(FORMATS[name].extension for name in STORYBOARDS)


def storyboard_formats() -> str:
    """What a storyboard can be, in words: ``a .png or a .pdf``."""
    return " or ".join(f"a {extension}" for extension in STORYBOARD_FORMATS)


def storyboard_page(frame: Tuple[int, int], count: int, max_size: int, columns: Optional[int] = None,
                    caption: bool = False) -> Tuple[int, int, tuple]:
    """The storyboard of ``count`` frames of ``frame`` (height, width) px: the page's width and
    height, and how it is laid out (columns, a frame's width and height, the gap, the numbers'
    size, a row's pitch, the frames' scale); known before a frame is drawn."""
    columns = columns or math.ceil(math.sqrt(count))
    rows = math.ceil(count / columns)
    gap = max(4, frame[1] // 40)
    text_px = max(11, min(frame) // 18)  # a frame's number, and the caption
    band = text_px + gap  # above each row: the numbers
    foot = 2 * text_px + gap if caption else 0
    room_w = (max_size - gap * (columns + 1)) / columns  # what a frame may take, gaps kept
    room_h = (max_size - foot - (gap + band) * rows - gap) / rows
    scale = min(1.0, room_w / frame[1], room_h / frame[0])
    h, w = max(1, int(frame[0] * scale)), max(1, int(frame[1] * scale))
    text_px = max(8, min(text_px, int(text_px * scale) if scale < 1 else text_px))
    pitch = h + gap + text_px + gap
    page_h, page_w = rows * pitch + gap + (2 * text_px + gap if caption else 0), columns * (w + gap) + gap
    return page_w, page_h, (columns, w, h, gap, text_px, pitch, scale)


def check_storyboard(frame: Tuple[int, int], count: int, max_size: int, max_pixels: int, columns: Optional[int] = None,
                     caption: bool = False) -> None:
    """Refuse, before a frame is drawn, a storyboard page of more pixels than ``max_pixels``."""
    page_w, page_h, _ = storyboard_page(frame, count, max_size, columns, caption)
    refusal = pixels_refusal(page_w, page_h, max_pixels, "the storyboard")
    if refusal:
        raise SpecError("max_pixels", refusal)


def _blank_page(width: int, height: int, background) -> np.ndarray:
    """The storyboard's page, or a SpecError naming its size if this machine cannot hold it."""
    try:
        grid = np.empty((height, width, 3), np.uint8)
        grid[...] = background
    except MemoryError:
        raise SpecError("storyboard", out_of_memory(width, height, "the storyboard")) from None
    return grid


def write_storyboard(frames: Iterable[np.ndarray], count: int, path: Path, background, max_size: int = 4096,
                     columns: Optional[int] = None, caption: str = "", ink=(0, 0, 0), font: str = "DejaVu Serif") -> Path:
    """Every frame on one page, in a grid read like text: for documents that cannot animate.
    Each frame is numbered above its top-left corner, ``caption`` written once under the grid.
    Frames shrink (never grow) so that the page stays within ``max_size`` pixels on a side."""
    path = Path(path)
    if path.suffix.lower() not in STORYBOARD_FORMATS:
        raise OutputError(f"a storyboard is {storyboard_formats()}, not {path.suffix or path.name!r}")
    grid = None
    for n, frame in enumerate(frames):
        rgb = np.ascontiguousarray(frame[:, :, :3])
        if grid is None:
            page_w, page_h, layout = storyboard_page(rgb.shape[:2], count, max_size, columns, bool(caption))
            columns, w, h, gap, text_px, pitch, scale = layout
            band = text_px + gap
            grid = _blank_page(page_w, page_h, background)
            page = Image.fromarray(grid)
            pen = ImageDraw.Draw(page)
            face = _font(font, text_px)
        if scale < 1:
            rgb = np.asarray(Image.fromarray(rgb).resize((w, h), Image.Resampling.LANCZOS))
        r, c = divmod(n, columns)
        x, y = gap + c * (w + gap), gap + r * pitch + band
        page.paste(Image.fromarray(rgb), (x, y))
        pen.text((x, y - gap // 2), str(n + 1), fill=tuple(ink), font=face, anchor="ld")
    if grid is None:
        raise ValueError("a storyboard needs at least one frame")
    if caption:
        pen.text((page.width // 2, page.height - gap - text_px // 2), caption, fill=tuple(ink), font=face, anchor="mm")
    grid = np.asarray(page)
    with replacing(path) as fp:
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


def _font(family: str, px: int) -> ImageFont.FreeTypeFont:
    """The theme's font at ``px`` pixels, as matplotlib finds it (it ships DejaVu)."""
    from matplotlib.font_manager import FontProperties, findfont

    return ImageFont.truetype(findfont(FontProperties(family=family)), px)


PDF_METADATA = {"Creator": MARK, "Producer": MARK, "CreationDate": None, "ModDate": None}
SVG_METADATA = {"Creator": MARK, "Date": None, "Format": None, "Type": None}


def write_vector(figure, states: Iterable, target: Target, count: int, force: bool = False) -> List[Path]:
    """Vector frames: ``states`` are context managers that each put ``figure`` in one frame's
    state. PDF: one page a frame (LaTeX's animate package plays it); SVG: one file a frame."""
    import matplotlib
    from matplotlib.backends.backend_pdf import PdfPages

    transparent = figure.get_facecolor()[3] == 0
    with matplotlib.rc_context({"svg.hashsalt": MARK}):  # the same ids every run
        if not FORMATS[target.format].sequence:  # one document, a page a frame
            with replacing(target.path) as fp:
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


def _write_png_sequence(frames: Frames, target: Target, count: int, force: bool) -> List[Path]:
    import imageio.v3 as iio  # here, not at import: a GIF needs none of it

    info = PngInfo()
    info.add_text("Software", MARK)

    def pages():
        for frame, _ in with_boxes(frames):
            yield lambda path, frame=frame: iio.imwrite(path, np.ascontiguousarray(frame), extension=".png", pnginfo=info)

    return write_sequence(pages(), target, count, force)
