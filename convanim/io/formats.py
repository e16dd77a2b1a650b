"""The output formats, one table: what each holds and what the renderer must hand it.

The library saves by it (pixels, vector states or the page), :class:`~convanim.io.files.Target`
reads extensions by it, and the command line's ``-o``, ``--poster`` and ``--storyboard`` help and
errors are written from it, so a format added here is known everywhere at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Optional, Sequence

KINDS = ("pixels", "vector", "page")


@dataclass(frozen=True)
class Format:
    """One output format. ``kind`` says what it is drawn from: ``pixels`` (rendered frames),
    ``vector`` (the figure itself, one state a frame) or ``page`` (the interactive player)."""

    name: str  # the extension without its dot, and the format's name
    kind: str
    still: bool = False  # can hold a single frame: a poster
    sequence: bool = False  # one numbered file a frame
    storyboard: bool = False  # can hold a storyboard page
    note: str = ""  # in the -o help, after the extension: "interactive"

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"{self.name}: unknown kind {self.kind!r}: use one of {', '.join(KINDS)}")

    @property
    def extension(self) -> str:
        return f".{self.name}"


FORMATS: Dict[str, Format] = {f.name: f for f in (
    Format("gif", "pixels"),
    Format("png", "pixels", still=True, sequence=True, storyboard=True),
    Format("webp", "pixels"),
    Format("apng", "pixels"),
    Format("mp4", "pixels"),
    Format("svg", "vector", still=True, sequence=True),
    Format("pdf", "vector", still=True, storyboard=True),
    Format("html", "page", note="interactive"),
)}

FOLDER = "png"  # a folder (or a path without an extension) holds a sequence of these
STILLS = tuple(name for name, f in FORMATS.items() if f.still)
SEQUENCES = tuple(name for name, f in FORMATS.items() if f.sequence)
STORYBOARDS = tuple(name for name, f in FORMATS.items() if f.storyboard)
EXTENSIONS = tuple(f.extension for f in FORMATS.values())


def format_of(suffix: str) -> Optional[Format]:
    """The format of a file extension (``".GIF"`` too), or None."""
    return FORMATS.get(suffix.lower()[1:]) if suffix.startswith(".") else None


def listed(names: Sequence[str], last: str = "or") -> str:
    """Extensions as a sentence lists them: ``.png, .svg or .pdf``."""
    extensions = [FORMATS[name].extension for name in names]
    return extensions[0] if len(extensions) == 1 else f"{', '.join(extensions[:-1])} {last} {extensions[-1]}"
