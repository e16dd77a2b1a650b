"""One figure's files, written as one: the animation (or one still of it, or its PDF for Beamer),
its storyboard and its dump, each checked before anything is drawn, renamed into place
together. What the command line, batch files and the Sphinx directive all hand over."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable, List, Optional, Union

import numpy as np

from .draw.theme import THEMES
from .io.data import record, write_json
from .io.files import Target, together

if TYPE_CHECKING:
    from .animation import Animation


@dataclass(frozen=True)
class Job:
    """One command's work, checked and ready: the animation and where its files go."""

    anim: "Animation"
    target: Optional[Target]
    force: bool = False
    storyboard: Optional[Path] = None
    dump: Optional[Path] = None
    values: object = None
    report: Optional[str] = None
    poster: Union[None, int, str] = None  # one frame as a still, instead of the animation
    beamer: bool = False  # a .tex snippet beside the PDF
    channels: Optional[dict] = None  # which of a layer's channels are drawn, if not all: said in the dump

    @property
    def plain(self) -> bool:
        """Whether the main file is the animation as it is (what parallel workers save)."""
        return self.poster is None and not self.beamer

    def files(self) -> List[Path]:
        """Every file the job writes."""
        frames = len(self.anim) if self.target is not None else 0
        return files_for(self.target, frames, self.poster, self.beamer, self.storyboard, self.dump)

    def frames(self) -> int:
        """Frames the job draws, what its progress counts: the animation's (up to its poster), then
        the storyboard's."""
        main = 0
        if self.target is not None:
            main = self.anim.frame_index(self.poster) + 1 if self.poster is not None else len(self.anim)
        return main + (len(self.anim) if self.storyboard is not None else 0)

    def frames_beside(self) -> int:
        """Of :meth:`frames`, those not drawn by saving the animation as it is (a poster's, a Beamer
        PDF's, a storyboard's): what a batch draws itself, beside the animations its workers save."""
        return self.frames() - (len(self.anim) if self.target is not None and self.plain else 0)

    def writing(self) -> str:
        """The files the job writes, as its progress names them at the end (a folder of frames as the folder)."""
        return ", ".join(str(p) for p in (getattr(self.target, "path", None), self.storyboard, self.dump) if p is not None)

    def save(self, on_frame: Optional[Callable[[int], None]] = None) -> List[Path]:
        """The main file: the animation, its poster, or the animation and its Beamer snippet;
        ``on_frame(i)`` as each frame of the animation is drawn."""
        if self.target is None:
            return []
        if self.poster is not None:
            return self.anim.save_poster(self.target, self.poster, force=self.force, on_frame=on_frame)
        if self.beamer:
            return self.anim.save_beamer(self.target, force=self.force, on_frame=on_frame)
        return [*self.anim.save(self.target, on_frame=on_frame, force=self.force)]

    def write(self, on_frame: Optional[Callable[[int], None]] = None) -> List[Path]:
        """Every file, renamed into place together once all are written: or, if one fails, none;
        ``on_frame(i)`` as the job's frame i of :meth:`frames` is drawn."""
        main = self.frames() - (len(self.anim) if self.storyboard is not None else 0)
        later = None if on_frame is None else (lambda i: on_frame(main + i))
        with together():
            return self.save(on_frame) + self.finish(later)

    def finish(self, on_frame: Optional[Callable[[int], None]] = None) -> List[Path]:
        """What comes after the animation is saved: the storyboard and the dump."""
        written = []
        if self.storyboard is not None:
            written.append(self.anim.save_storyboard(self.storyboard, on_frame=on_frame))
        if self.dump is not None:
            data = record(self.values)
            written.append(write_json(self.dump, {**data, "channels": self.channels} if self.channels else data))
        return written


def files_for(target: Optional[Target], frames: int, poster: Union[None, int, str] = None, beamer: bool = False,
              storyboard: Optional[Path] = None, dump: Optional[Path] = None) -> List[Path]:
    """Every file a job writes, from what it was asked and its frame count: known before anything
    is computed or drawn, so that a batch decides what is up to date at the cost of a stat."""
    main: List[Path] = []
    if target is not None:
        main = [target.path] if poster is not None else target.files(frames)
        if beamer:
            main.append(target.path.with_suffix(".tex"))
    return main + [p for p in (storyboard, dump) if p is not None]


def _digest(*arrays: np.ndarray) -> str:
    """Six hex digits that tell arrays apart: their shape, type and bytes."""
    h = hashlib.sha256()
    for a in arrays:
        a = np.ascontiguousarray(a)
        h.update(f"{a.shape}{a.dtype}".encode() + a.tobytes())
    return h.hexdigest()[:6]


def default_name(command: str, anim: Animation, seed: Optional[int], input_values: Optional[np.ndarray],
                 kernel_values: Optional[np.ndarray], dpi: Optional[int], grad_values: Optional[np.ndarray] = None) -> str:
    """The file a command writes without -o: the operation and its spec, then whatever else the
    picture depends on (only what differs from the defaults), so that commands that draw different
    things never overwrite each other: ``conv_i5_k3_s1_p0_d1_numbers-seed7_flat.gif``."""
    parts = [command, anim.spec.slug]
    if anim.view != "gather":
        parts.append(anim.view)
    if anim.numbers is not None:
        numbers = "numbers"
        if input_values is not None:
            numbers += f"-x{_digest(input_values)}"
        if kernel_values is not None:
            numbers += f"-w{_digest(kernel_values)}"
        bias = getattr(anim.numbers, "bias", None)  # a chain's numbers have none
        if bias is not None:
            numbers += f"-b{_digest(bias)}"
        if grad_values is not None:
            numbers += f"-g{_digest(grad_values)}"
        if seed is not None:
            numbers += f"-seed{seed}"
        parts.append(numbers)
        if anim.precision != 1:
            parts.append(f"precision{anim.precision}")
    if not anim.labels:
        parts.append("nolabels")
    if anim.style != "paper":
        parts.append(anim.style)
    theme = next((name for name, t in THEMES.items() if t == anim.theme), None)
    if theme != "paper":
        parts.append(theme or f"theme-{hashlib.sha256(repr(anim.theme).encode()).hexdigest()[:6]}")
    if anim.crisp:
        parts.append("crisp")
    if anim.transparent:
        parts.append("transparent")
    if anim.width is not None:
        parts.append(f"{anim.width}px")
    if dpi is not None:
        parts.append(f"{dpi}dpi")
    if anim.delay_ms != 1000:
        parts.append(f"{anim.delay_ms}ms")
    return "_".join(parts) + ".gif"
