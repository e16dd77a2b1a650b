"""How the command line reads its values: sizes, paddings, lists, files. Each fails with a hint."""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import List, Tuple, Union

import click
import numpy as np
from click.shell_completion import CompletionItem

from ..core.geometry import PADDING_WORDS
from ..draw.theme import Theme, theme_from_toml
from ..io.data import load_values
from ..io.files import MAX_TOML_BYTES, OutputError, Target, check_writable, read_text
from ..io.formats import STORYBOARDS
from ..io.writers import STORYBOARD_FORMATS, storyboard_formats
from ..ops.base import MAX_CHANNELS, Param

_SIZE_RE = re.compile(r"^\s*([0-9]+)\s*(?:[x×]\s*([0-9]+)\s*)?$", re.IGNORECASE)


def parse_size(text: str) -> Tuple[int, int]:
    """``"5"`` → (5, 5); ``"6x5"`` → (6, 5). Raises ValueError with a hint."""
    match = _SIZE_RE.match(text)
    if not match:
        raise ValueError(f"{text!r} is not a size: use N or HxW, e.g. 5 or 6x5")
    h = int(match.group(1))
    w = int(match.group(2)) if match.group(2) is not None else h
    return (h, w)


def parse_padding(text: str) -> Union[str, int, Tuple[int, ...]]:
    """``"1"``, ``"1,2"``, ``"1,0,2,1"`` (top, bottom, left, right) or a padding word."""
    word = text.strip().lower()
    if word in PADDING_WORDS:
        return word
    parts = [p.strip() for p in word.split(",")]
    if len(parts) not in (1, 2, 4) or not all(p.isascii() and p.isdigit() for p in parts):
        raise ValueError(
            f"{text!r} is not a padding: use N, H,W, top,bottom,left,right or one of {', '.join(PADDING_WORDS)}"
        )
    values = tuple(int(p) for p in parts)
    return values[0] if len(values) == 1 else values


class SizeType(click.ParamType):
    """``N`` or ``HxW``."""

    name = "size"

    def convert(self, value, param, ctx):
        if isinstance(value, tuple):
            return value
        try:
            return parse_size(str(value))
        except ValueError as e:
            self.fail(str(e), param, ctx)


class PaddingType(click.ParamType):
    """``N``, ``H,W``, ``top,bottom,left,right`` or a word; ``pairs_only`` for transposed padding."""

    name = "padding"

    def __init__(self, pairs_only: bool = False):
        self.pairs_only = pairs_only

    def convert(self, value, param, ctx):
        if not isinstance(value, str):
            return value
        try:
            padding = parse_padding(value)
        except ValueError as e:
            self.fail(str(e), param, ctx)
        if self.pairs_only and (isinstance(padding, str) or (isinstance(padding, tuple) and len(padding) == 4)):
            self.fail(f"{value!r} is not a transposed padding: use N or H,W (as in PyTorch)", param, ctx)
        return padding


class Padding1dType(click.ParamType):
    """``N``, ``left,right`` or a word (valid, same, full, causal)."""

    name = "padding"

    def convert(self, value, param, ctx):
        if not isinstance(value, str):
            return value
        word = value.strip().lower()
        if word in (*PADDING_WORDS, "causal"):
            return word
        parts = [p.strip() for p in word.split(",")]
        if len(parts) not in (1, 2) or not all(p.isascii() and p.isdigit() for p in parts):
            self.fail(f"{value!r} is not a 1-D padding: use N, left,right or one of {', '.join(PADDING_WORDS)}, causal",
                      param, ctx)
        values = tuple(int(p) for p in parts)
        return values[0] if len(values) == 1 else values


_SIZE3_RE = re.compile(r"^\s*([0-9]+)\s*(?:[x×]\s*([0-9]+)\s*[x×]\s*([0-9]+)\s*)?$", re.IGNORECASE)


class Size3Type(click.ParamType):
    """``N`` or ``DxHxW``."""

    name = "size"

    def convert(self, value, param, ctx):
        if isinstance(value, tuple) or value is None:
            return value
        match = _SIZE3_RE.match(str(value))
        if not match:
            self.fail(f"{value!r} is not a 3-D size: use N or DxHxW, e.g. 3 or 4x5x5", param, ctx)
        first = int(match.group(1))
        return (first,) * 3 if match.group(2) is None else (first, int(match.group(2)), int(match.group(3)))


class AnySizeType(click.ParamType):
    """``N``, ``HxW`` or ``DxHxW``: a pasted layer's input, whatever its dimensions."""

    name = "size"

    def convert(self, value, param, ctx):
        if isinstance(value, tuple) or value is None:
            return value
        if _SIZE3_RE.match(str(value)) and re.search(r"[x×].*[x×]", str(value), re.IGNORECASE):
            return Size3Type().convert(value, param, ctx)
        try:
            return parse_size(str(value))
        except ValueError:
            self.fail(f"{value!r} is not a size: use N, HxW or DxHxW, e.g. 5, 6x5 or 4x5x5", param, ctx)


class Padding3dType(click.ParamType):
    """``N``, ``D,H,W`` or a word (valid, same, full)."""

    name = "padding"

    def convert(self, value, param, ctx):
        if not isinstance(value, str):
            return value
        word = value.strip().lower()
        if word in PADDING_WORDS:
            return word
        parts = [p.strip() for p in word.split(",")]
        if len(parts) not in (1, 3) or not all(p.isascii() and p.isdigit() for p in parts):
            self.fail(f"{value!r} is not a 3-D padding: use N, D,H,W or one of {', '.join(PADDING_WORDS)}", param, ctx)
        values = tuple(int(p) for p in parts)
        return values[0] if len(values) == 1 else values


class IntListType(click.ParamType):
    """Comma-separated whole numbers, e.g. ``1,2,4``."""

    name = "list"

    def convert(self, value, param, ctx):
        if isinstance(value, tuple):
            return value
        parts = [p.strip() for p in str(value).split(",")]
        if not all(p.isascii() and p.lstrip("-").isdigit() for p in parts):
            self.fail(f"{value!r} is not a list of whole numbers: use e.g. 1,2,4", param, ctx)
        return tuple(int(p) for p in parts)


class NumbersType(click.ParamType):
    """Comma-separated numbers, e.g. ``1,2,1`` or ``1,0,-1``."""

    name = "numbers"

    def convert(self, value, param, ctx):
        if isinstance(value, tuple):
            return value
        try:
            numbers_ = tuple(float(v) for v in str(value).split(","))
        except ValueError:
            self.fail(f"{value!r} is not a list of numbers: use e.g. 1,2,1", param, ctx)
        if not all(math.isfinite(v) for v in numbers_):
            self.fail(f"{value!r} holds a number that is not finite", param, ctx)
        return tuple(int(v) if v.is_integer() else v for v in numbers_)


class SizeListType(click.ParamType):
    """Comma-separated sizes, each ``N`` or ``HxW``: ``3``, ``3,4`` or ``3x2,4``."""

    name = "size[,size…]"

    def convert(self, value, param, ctx):
        if isinstance(value, tuple) and all(isinstance(v, tuple) for v in value):
            return value
        try:
            return tuple(parse_size(part) for part in str(value).split(","))
        except ValueError as e:
            self.fail(f"{e}; a list is N,N…, e.g. 3,4", param, ctx)


def param_type(param: Param) -> click.ParamType:
    """The click type that reads a :class:`~convanim.ops.base.Param` of this kind."""
    kinds = {
        "size": SizeType, "sizes": SizeListType, "ints": IntListType, "numbers": NumbersType,
        "padding": PaddingType, "pair-padding": lambda: PaddingType(pairs_only=True), "padding1d": Padding1dType,
        "size3": Size3Type, "padding3d": Padding3dType, "any-size": AnySizeType,
        "text": lambda: click.STRING, "flag": lambda: click.BOOL,
        "count": lambda: click.IntRange(1, MAX_CHANNELS), "int": lambda: click.INT,
        "choice": lambda: click.Choice(param.choices),
    }
    return kinds[param.kind]()


class PosterType(click.ParamType):
    """A frame: its number from 1, or ``last``."""

    name = "N|last"

    def convert(self, value, param, ctx):
        if value == "last" or isinstance(value, int) and not isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text == "last":
            return "last"
        if not (text.isascii() and text.isdigit()) or int(text) < 1:
            self.fail(f"{value!r} is not a frame: use a number from 1, or last", param, ctx)
        return int(text)


class FileType(click.ParamType):
    """A value that names a file: TAB completes file names (the shell lists them)."""

    def shell_complete(self, ctx: click.Context, param: click.Parameter, incomplete: str) -> List[CompletionItem]:
        return [CompletionItem(incomplete, type="file")]


class OutputType(FileType):
    """-o: a file whose extension says its format, or a folder for a PNG sequence."""

    name = "path"

    def convert(self, value, param, ctx):
        if isinstance(value, Target):
            return value
        try:
            return Target.parse(value)
        except OutputError as e:
            self.fail(str(e), param, ctx)


class ThemeFile(FileType):
    """A TOML file of theme fields."""

    name = "file.toml"

    def convert(self, value, param, ctx):
        if isinstance(value, Theme):
            return value
        try:
            return theme_from_toml(read_text(Path(value), MAX_TOML_BYTES))
        except ValueError as e:
            self.fail(f"{value}: {e}", param, ctx)


class ValuesFile(FileType):
    """A .npy, .csv or .txt file holding an array of finite numbers."""

    name = "file"

    def convert(self, value, param, ctx):
        if isinstance(value, np.ndarray):
            return value
        try:
            return load_values(value)
        except ValueError as e:
            self.fail(f"{value}: {e}", param, ctx)


class WritablePath(FileType):
    """A file to write, with one of ``suffixes``, checked before anything is drawn."""

    def __init__(self, name: str, suffixes: Tuple[str, ...], what: str):
        self.name, self.suffixes, self.what = name, suffixes, what

    def convert(self, value, param, ctx):
        if not str(value).lower().endswith(self.suffixes):
            self.fail(f"{value!r} is not {self.what}", param, ctx)
        try:
            check_writable(Path(value))
        except OutputError as e:
            self.fail(str(e), param, ctx)
        return Path(value)


def storyboard_path() -> WritablePath:
    return WritablePath(f"file.{'|'.join(STORYBOARDS)}", STORYBOARD_FORMATS, f"{storyboard_formats()} file")


def json_path() -> WritablePath:
    return WritablePath("file.json", (".json",), "a .json file")
