"""The library's front door: a spec plus how to show it, rendered and saved on demand."""

from __future__ import annotations

import math
import multiprocessing
import os
import signal
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field, fields, replace
from functools import cached_property
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator, List, Optional, Sequence, Tuple, Union

import numpy as np

from .core.errors import Interrupted, SaveIncomplete, SpecError, raise_interrupted
from .core.limits import (MAX_CELLS, MAX_DELAY_MS, MAX_FRAMES, MAX_PIXELS, MAX_SIZE_PX, MAX_VALUES, MIN_DELAY_MS,
                          cells_refusal, out_of_memory, pixels_refusal, values_refusal)
from .core.values import Numbers, StagedNumbers
from .draw.layout import STYLES
from .draw.fit import MIN_CELL_PX, Geometry
from .draw.theme import PAPER, Theme
from .io.data import write_text
from .io.files import Target, alone, apart, check_writable
from .io.formats import FORMATS, STILLS, listed
from .io.notebook import mimebundle, notebook_html, png_bytes, still_html
from .ops import Operation, check_view, operation_for
from .scene.model import Scene

if TYPE_CHECKING:
    from .draw.paint import Drawing
    from .draw.render import Renderer


@dataclass(frozen=True)
class Animation:
    """One animation: ``len(anim)`` frames, one per step of the spec's sweep.

    ``numbers`` (True, or see :meth:`convanim.values.Numbers.of`) prints the values in the cells;
    ``labels`` names the planes and adds a caption with the parameters and the output size;
    with both, the kernel is shown as a plane of its own too.
    """

    spec: Any  # any operation's spec: Conv2d(5, 3), ConvTranspose2d(2, 3), …
    style: str = "paper"
    delay_ms: int = 1000
    numbers: Union[None, bool, Numbers, StagedNumbers] = field(default=None, repr=False)
    labels: bool = False
    precision: int = 1
    theme: Theme = field(default=PAPER, repr=False)
    cell_px: Optional[float] = None  # None: the paper's, smaller for large grids
    crisp: Optional[bool] = None  # shapes without antialiasing; None: antialiased (see `crisp_for`)
    view: str = "gather"  # or "scatter", for a transposed convolution
    transparent: bool = False  # no background: for slides
    width: Optional[int] = None  # the image's width in pixels, instead of cell_px
    max_frames: int = MAX_FRAMES
    max_size: int = MAX_SIZE_PX
    max_values: int = MAX_VALUES  # what the figure holds (see :func:`convanim.core.limits.values_held`)
    max_cells: int = MAX_CELLS  # cells drawn in one frame
    max_pixels: int = MAX_PIXELS  # an image's or a storyboard page's, whatever this machine's memory

    def __post_init__(self) -> None:
        if self.style not in STYLES:
            raise SpecError("style", f"unknown style {self.style!r}: use one of {', '.join(STYLES)}")
        if not MIN_DELAY_MS <= self.delay_ms <= MAX_DELAY_MS:
            raise SpecError("delay", f"must be between {MIN_DELAY_MS} and {MAX_DELAY_MS} ms, got {self.delay_ms}")
        if not 0 <= self.precision <= 6:
            raise SpecError("precision", f"must be between 0 and 6 decimals, got {self.precision}")
        check_view(self.spec, self.view)
        if self.numbers is True:  # the values are made here: not past the limit
            refuse("max_values", values_refusal(self.spec, True, self.max_values))
        backward = self.operation.views[self.view].backward
        if isinstance(self.numbers, bool):  # numbers=True: the paper's seeded integers
            object.__setattr__(self, "numbers", Numbers.of(self.spec, grad=backward or None) if self.numbers else None)
        if backward and self.numbers is not None and self.numbers.grad is None:
            raise SpecError("grad_values", f"the {self.view} view draws the backward pass: its numbers need ∂L/∂y"
                            " (Numbers.of(spec, x, w, grad=dy), or grad=True for random ones)")
        if self.numbers is not None and self.numbers.spec != self.spec:
            raise SpecError("numbers", "were computed for another spec")
        if self.view != "gather" and getattr(self.numbers, "bias", None) is not None:
            raise SpecError("bias_values", f"the {self.view} view draws the products alone: draw a bias in the gather view")
        if self.cell_px is not None and not 0 < self.cell_px <= 1000:
            raise SpecError("cell_px", f"must be between 0 and 1000 px, got {self.cell_px}")
        if self.crisp is not None and not isinstance(self.crisp, bool):
            raise SpecError("crisp", f"must be true, false or None (antialiased), got {self.crisp!r}")
        if self.width is not None and not 16 <= self.width <= 100_000:
            raise SpecError("width", f"must be between 16 and 100,000 px, got {self.width}")
        unreadable = self.theme.unreadable()  # a theme of the user's: every text still reads at 4.5:1
        if unreadable:
            raise SpecError("theme", unreadable[0])

    def check_limits(self, numbers: Optional[bool] = None, laid_out: bool = True) -> None:
        """Refuse, before anything is drawn, an animation with too many frames, values or cells, or
        too large an image; ``numbers``: count the values as if it had them (before they are made);
        ``laid_out=False``: only what arithmetic decides, without laying out its text."""
        check_limits(self, numbers, laid_out)

    def check_storyboard(self, columns: Optional[int] = None) -> Geometry:
        """Refuse, before a frame is drawn, a storyboard page of more pixels than ``max_pixels``;
        the geometry of its frames."""
        return storyboard_geometry(self, columns)

    def save_storyboard(self, path: str | os.PathLike, columns: Optional[int] = None,
                        on_frame: Optional[Callable[[int], None]] = None) -> Path:
        """Every frame in a grid on one ``.png`` or ``.pdf`` page, for documents that cannot animate."""
        return save_storyboard(self, Path(path), columns, on_frame)

    @property
    def description(self) -> str:
        """The spec in the paper's letters, ``i=5, k=3, s=2, p=1 → o=3`` (whether labels draw it or not)."""
        caption = self.operation.caption
        return caption(self.spec) if caption is not None else self.spec.slug

    @property
    def title(self) -> str:
        view = f", {self.view} view" if self.view != "gather" else ""
        return f"convanim {self.spec.op}{view}: {self.description}"

    def page(self, still: str = "") -> str:
        """The interactive player as an HTML fragment (what a notebook shows); ``still``, HTML
        that stands where the figure goes until the script draws it."""
        from .draw.page import page_data
        from .io.page import figure_html

        data = page_data(self.drawing(), self.delay_ms, self.title, "" if self.scene.caption else self.description)
        return figure_html(data, still=still)

    def poster_png(self) -> bytes:
        """The poster frame (the last, as ``save_poster``'s default) as PNG bytes."""
        return png_bytes(self.renderer().frame(len(self) - 1))

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        png = self.poster_png()
        return mimebundle(self._repr_html_(png), png, self.title)

    def _repr_html_(self, png: Optional[bytes] = None) -> str:
        png = self.poster_png() if png is None else png
        player = self.page(still_html(png, self.title, self.geometry.width, self.geometry.height))
        return notebook_html(player, lambda: _gif_bytes(self), f"{self.spec.op} animation")

    def __getstate__(self) -> dict:  # only the fields: caches (figures, closures) stay behind
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def __setstate__(self, state: dict) -> None:
        for name, value in state.items():
            object.__setattr__(self, name, value)

    @cached_property
    def geometry(self) -> Geometry:
        return Geometry.of(
            self.scene, self.style, self.theme, self.cell_px, self.labels, max_size=self.max_size, width=self.width
        )

    @cached_property
    def operation(self) -> Operation:
        """What the spec is: its views, its frames, its caption (:mod:`convanim.ops`)."""
        return operation_for(self.spec)

    @cached_property
    def scene(self) -> Scene:
        return self.operation.scene(self.spec, self.numbers, self.precision, self.labels, self.view)

    def __len__(self) -> int:
        return len(self.scene)

    def crisp_for(self, format: str) -> bool:
        """Whether shapes are drawn without antialiasing for ``format``: only if asked.

        Every pixel format is antialiased by default, as the paper's figures are (a GIF with a
        palette that blends each pair of colours in two steps, about half the paper's bytes);
        crisp shapes (text stays smooth) take about half that again. Vector formats have no
        pixels to be crisp.
        """
        if FORMATS[format].kind != "pixels":
            return False
        return bool(self.crisp)

    def palette(self, crisp: bool = False) -> np.ndarray:
        """The theme's palette for this animation's indexed frames (see :func:`scene_palette`)."""
        from .draw.render import scene_palette

        return scene_palette(self.scene, self.theme, self.geometry, self.numbers is not None, crisp)

    def renderer(self, crisp: Optional[bool] = None) -> "Renderer":
        """A renderer of this animation, crisp as ``crisp`` says (default: as ``self.crisp``, else not)."""
        from .draw.render import Renderer

        self.check_limits()
        crisp = bool(self.crisp) if crisp is None else crisp
        return Renderer(self.scene, self.style, self.theme, geometry=self.geometry, antialias=not crisp,
                        transparent=self.transparent)

    def drawing(self) -> "Drawing":
        """This animation as the paint model has it, drawn by no backend: what the page is made of."""
        from .draw.paint import Drawing

        self.check_limits()
        return Drawing(self.scene, self.theme, self.geometry, self.transparent)

    def frames(self, rgba: bool = False) -> Iterator[np.ndarray]:
        """Every frame, in order, as (H, W, 3) uint8 arrays (or RGBA), drawn one at a time."""
        return self.renderer().frames(rgba)

    def frame(self, index: int = 0) -> np.ndarray:
        """One frame, (H, W, 3) uint8; repeated calls share one renderer."""
        return self._shared_renderer.frame(index)

    @cached_property
    def _shared_renderer(self) -> "Renderer":
        return self.renderer()

    def save(
        self, path: str | os.PathLike, on_frame: Optional[Callable[[int], None]] = None, force: bool = False
    ) -> List[Path]:
        """Write the animation (``.gif``, ``name.png`` or a folder of PNGs); returns the files written.

        Frames stream from the renderer to the file one at a time. ``force`` lets a PNG sequence
        replace files that convanim did not write.
        """
        target = path if isinstance(path, Target) else Target.parse(path)
        return self._write(target, range(len(self)), on_frame, force)

    def _write(self, target: Target, frames: range, on_frame: Optional[Callable[[int], None]], force: bool
               ) -> List[Path]:
        """Frames ``frames`` into ``target``; memory that runs out (limits lifted) is said as the image's size."""
        try:
            return self._draw_into(target, frames, on_frame, force)
        except MemoryError:
            raise SpecError("max_pixels", out_of_memory(self.geometry.width, self.geometry.height)) from None

    def _draw_into(self, target: Target, frames: range, on_frame: Optional[Callable[[int], None]], force: bool
                   ) -> List[Path]:
        """Frames ``frames`` into ``target``, drawn as its format's kind asks: pixels, vector states or the page."""
        kind = FORMATS[target.format].kind
        if kind == "page":
            from .draw.page import page_data
            from .io.page import write_page

            page = page_data(self.drawing(), self.delay_ms, self.title, "" if self.scene.caption else self.description)
            if on_frame is not None:
                on_frame(len(self) - 1)
            return [write_page(page, target.path)]
        crisp = self.crisp_for(target.format)
        renderer = self.renderer(crisp)
        drawn: Iterator = islice(renderer.vector_states() if kind == "vector" else renderer.stream(), frames.stop)
        if on_frame is not None:  # every frame drawn counts, those before a poster's too
            drawn = _report(drawn, on_frame)
        drawn = islice(drawn, frames.start, None)
        from .io.writers import write_animation, write_vector

        if kind == "vector":
            return write_vector(renderer.figure, drawn, target, len(frames), force)
        palette = self.palette(crisp)
        return write_animation(drawn, target, self.delay_ms, len(frames), palette, force, self.transparent)

    def frame_index(self, frame: Union[int, str]) -> int:
        """A frame named as users name it, 1 to ``len(self)`` or ``"last"``, as an index."""
        if frame == "last":
            return len(self) - 1
        if isinstance(frame, bool) or not isinstance(frame, int) or not 1 <= frame <= len(self):
            raise SpecError("poster", f"frames are numbered 1 to {len(self):,} (or last), got {frame!r}")
        return frame - 1

    def save_poster(self, path: str | os.PathLike, frame: Union[int, str] = "last", force: bool = False,
                    on_frame: Optional[Callable[[int], None]] = None) -> List[Path]:
        """One frame (1-based, or ``"last"``) as a still: ``.png``, ``.svg`` or ``.pdf``, for print,
        for a GIF's fallback image, for a slide's static version."""
        target = check_still(path if isinstance(path, Target) else Target.parse(path))
        index = self.frame_index(frame)
        return self._write(target, range(index, index + 1), on_frame, force)

    def save_beamer(self, path: str | os.PathLike, force: bool = False,
                    on_frame: Optional[Callable[[int], None]] = None) -> List[Path]:
        """The PDF, one page a frame, and beside it a ``.tex`` snippet that plays it in a Beamer
        frame with the ``animate`` package: ``\\input{fig.tex}``."""
        target = check_beamer(path if isinstance(path, Target) else Target.parse(path))
        written = self.save(target, on_frame=on_frame, force=force)
        stem = target.path.with_suffix("")
        fps = 1000 / self.delay_ms
        snippet = (f"% convanim: {self.scene.caption or self.spec.slug}; needs \\usepackage{{animate}}\n"
                   f"\\animategraphics[loop,controls,width=\\linewidth]{{{fps:g}}}{{{stem.as_posix()}}}{{}}{{}}\n")
        return written + [write_text(target.path.with_suffix(".tex"), snippet)]


def _gif_bytes(anim: Animation) -> bytes:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        [path] = anim.save(Path(folder) / "animation.gif")
        return path.read_bytes()


def check_limits(anim: "Animation", numbers: Optional[bool] = None, laid_out: bool = True) -> None:
    """Refuse, before anything is drawn, an animation with too many frames, values, cells or pixels, or
    too large an image: from arithmetic and the figure's layout, nothing drawn, nothing allocated."""
    frames = anim.operation.frame_count(anim.spec, anim.view)
    if frames > anim.max_frames:
        raise SpecError(
            "max_frames", f"the spec makes {frames:,} frames, more than the limit of {anim.max_frames:,};"
            f" raise the limit to {frames:,} to draw them"
        )
    refuse("max_values", values_refusal(anim.spec, anim.numbers is not None if numbers is None else numbers,
                                        anim.max_values))
    shapes = anim.operation.drawn_shapes(anim.spec, anim.view)
    rows, cols = max(shape[0] for shape in shapes), max(shape[1] for shape in shapes)
    if anim.width is not None and anim.width > anim.max_size:
        raise SpecError("max_size", f"a {anim.width:,} px wide image is more than {anim.max_size:,} px on a side;"
                                    f" raise the limit to {anim.width:,} to draw it")
    smallest = max(anim.cell_px or MIN_CELL_PX, MIN_CELL_PX)  # px a cell, however far it shrinks
    if max(rows, cols) * smallest > anim.max_size:
        raise SpecError(
            "max_size",
            f"the drawn grid is {rows:,}x{cols:,} cells, too large for {anim.max_size:,} px on a side"
            f" at {smallest:g} px a cell; raise the limit to {math.ceil(max(rows, cols) * smallest):,} to draw it",
        )
    refuse("max_cells", cells_refusal(anim.scene.planes, anim.max_cells))
    if not laid_out:
        return
    size = anim.geometry  # the layout: text measured, nothing drawn
    if max(size.width, size.height) > anim.max_size:
        raise SpecError(
            "max_size",
            f"the image would be {size.width:,}x{size.height:,} px, more than {anim.max_size:,} px on a side;"
            f" raise the limit to {max(size.width, size.height):,}, or draw it smaller (width, dpi)",
        )
    refuse("max_pixels", pixels_refusal(size.width, size.height, anim.max_pixels))


def storyboard_geometry(anim: Animation, columns: Optional[int] = None) -> Geometry:
    """A storyboard's frames' geometry, its page refused first if past ``max_pixels`` (nothing drawn)."""
    from .io.writers import check_storyboard

    anim.check_limits()
    scene = replace(anim.scene, caption="")  # the caption goes under the grid, once
    geometry = Geometry.of(scene, anim.style, anim.theme, anim.cell_px, anim.labels, max_size=anim.max_size,
                           width=anim.width)
    check_storyboard((geometry.height, geometry.width), len(anim), anim.max_size, anim.max_pixels, columns,
                     bool(anim.scene.caption))
    return geometry


def save_storyboard(anim: Animation, path: Path, columns: Optional[int] = None,
                    on_frame: Optional[Callable[[int], None]] = None) -> Path:
    """:meth:`Animation.save_storyboard`; memory that runs out is said as the page's size."""
    from .draw.render import Renderer
    from .io.writers import storyboard_page, write_storyboard

    check_writable(path)
    geometry = storyboard_geometry(anim, columns)
    renderer = Renderer(replace(anim.scene, caption=""), anim.style, anim.theme, geometry=geometry,
                        antialias=not anim.crisp, transparent=anim.transparent)
    frames = _rgb(renderer.stream())
    try:
        return write_storyboard(frames if on_frame is None else _report(frames, on_frame), len(anim), path,
                                anim.theme.background, anim.max_size, columns, anim.scene.caption, anim.theme.text,
                                anim.theme.font)
    except MemoryError:
        page_w, page_h, _ = storyboard_page((geometry.height, geometry.width), len(anim), anim.max_size, columns,
                                            bool(anim.scene.caption))
        raise SpecError("storyboard", out_of_memory(page_w, page_h, "the storyboard")) from None


def refuse(param: str, refusal: str) -> None:
    """A limit's refusal ("" for none) as the SpecError of the parameter that lifts it."""
    if refusal:
        raise SpecError(param, refusal)


def check_still(target: Target) -> Target:
    """A target that holds one still, or a SpecError that says what does."""
    if target.folder or not FORMATS[target.format].still:
        raise SpecError("poster", f"a poster is one still: use {listed(STILLS)}, not {target.path.suffix or 'a folder'}")
    return target


def check_beamer(target: Target) -> Target:
    if target.format != "pdf":
        raise SpecError("beamer", f"writes a .pdf and its .tex: use NAME.pdf, not {target.path.suffix or 'a folder'}")
    return target


def _rgb(frames: Iterator) -> Iterator[np.ndarray]:
    for frame, _ in frames:
        yield frame


_SAVING = False  # in a worker: whether it is writing a file (a signal must clean up) or waiting for one


def _save_one(anim: "Animation", path: Path, force: bool) -> List[Path]:
    global _SAVING
    _SAVING = True
    try:
        return anim.save(path, force=force)
    finally:
        _SAVING = False


def _end_worker(signum: int, frame=None) -> None:
    """In a worker, SIGTERM or SIGHUP: mid-file, unwind (removing the temporary file); idle, just go."""
    if _SAVING:
        raise_interrupted(signum, frame)
    os._exit(128 + signum)


def _worker_start() -> None:
    alone()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C: the parent decides; a worker finishes its file
    for signum in (signal.SIGTERM, signal.SIGHUP):  # the end: a worker removes its temporary file and stops
        signal.signal(signum, _end_worker)


def save_many(
    items: Sequence[Tuple["Animation", Path]],
    jobs: int = 1,
    on_saved: Optional[Callable[[int], None]] = None,
    on_frame: Optional[Callable[[int], None]] = None,
    force: bool = False,
) -> List[Path]:
    """Save several animations, in ``jobs`` parallel processes; returns the files in ``items`` order.

    ``on_saved(i)`` is called as item i completes (``on_frame`` per frame when ``jobs`` is 1).
    If one fails or the run is interrupted, the finished files stay and :class:`SaveIncomplete`
    says which items were not written.
    """
    from .draw import render  # noqa: F401  here, once: workers fork with it imported, not each on its own
    from .io import writers  # noqa: F401

    results: dict = {}
    try:
        if jobs <= 1 or len(items) <= 1:
            for i, (anim, path) in enumerate(items):
                with apart():  # each animation stands on its own: one that is finished stays
                    results[i] = anim.save(path, on_frame=on_frame, force=force)
                if on_saved:
                    on_saved(i)
        else:
            methods = multiprocessing.get_all_start_methods()
            context = multiprocessing.get_context("fork" if "fork" in methods else None)
            order = sorted(range(len(items)), key=lambda i: -len(items[i][0]))  # longest first
            with ProcessPoolExecutor(min(jobs, len(items)), mp_context=context, initializer=_worker_start) as pool:
                futures = {pool.submit(_save_one, items[i][0], items[i][1], force): i for i in order}
                try:
                    for future in as_completed(futures):
                        results[futures[future]] = future.result()
                        if on_saved:
                            on_saved(futures[future])
                except BaseException as stop:
                    if isinstance(stop, Interrupted) and stop.signum != signal.SIGINT:
                        for process in list(getattr(pool, "_processes", {}).values()):
                            process.terminate()  # each removes its temporary file on the way out
                    pool.shutdown(wait=True, cancel_futures=True)
                    for future, i in futures.items():  # what finished while we stopped
                        if future.done() and not future.cancelled() and future.exception() is None:
                            results[i] = future.result()
                    raise
    except (KeyboardInterrupt, OSError, SpecError, MemoryError) as e:
        written = [p for i in sorted(results) for p in results[i]]
        raise SaveIncomplete(e, written, [i for i in range(len(items)) if i not in results]) from e
    return [p for i in range(len(items)) for p in results[i]]


def _report(frames: Iterator, on_frame: Callable[[int], None]) -> Iterator:
    for i, frame in enumerate(frames):
        yield frame
        on_frame(i)
