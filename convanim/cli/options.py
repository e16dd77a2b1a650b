"""The options every command shares: where the file goes, how it looks, its limits and numbers."""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence

import click

from ..core.limits import MAX_DELAY_MS, MIN_DELAY_MS
from ..draw.theme import THEMES
from ..settings import BY_SETTING, Setting, group
from .types import OutputType, PosterType, ThemeFile, ValuesFile, json_path, storyboard_path


def apply(options: Sequence[Callable]) -> Callable:
    """Decorate with ``options`` so that --help lists them in this order."""

    def decorate(f: Callable) -> Callable:
        for option in reversed(options):
            f = option(f)
        return f

    return decorate


def setting_option(setting: Setting) -> Callable:
    """The click option of one of an animation's settings (:mod:`convanim.settings`)."""
    low, high = setting.bounds
    types = {
        "int": lambda: click.IntRange(low, high), "number": lambda: click.FloatRange(low, high, min_open=True),
        "choice": lambda: click.Choice(setting.choices), "theme-file": ThemeFile, "values": ValuesFile,
        "output": OutputType, "storyboard": storyboard_path, "poster": PosterType, "json": json_path,
    }
    shown = {"show_default": True} if setting.show_default else {}
    if setting.kind == "flag":
        return click.option(*setting.flags, setting.name, is_flag=True, help=setting.help)
    if setting.kind == "switch":
        return click.option(*setting.flags, setting.name, default=setting.default, help=setting.help, **shown)
    return click.option(*setting.flags, setting.name, type=types[setting.kind](), default=setting.default,
                        help=setting.help, **shown)


def options_of(group_name: str) -> List[Callable]:
    return [setting_option(s) for s in group(group_name)]


def delay_option() -> Callable:
    return setting_option(BY_SETTING["delay"])


def fps_option() -> Callable:
    return setting_option(BY_SETTING["fps"])


def labels_option(help: str) -> Callable:
    return setting_option(replace(BY_SETTING["labels"], help=help))


LOOK = options_of("look")
LIMITS = options_of("limits")
QUIET = click.option("--quiet", "-q", is_flag=True, help="No progress bar, even on a terminal.")
OUTPUT = [*options_of("output"), *LOOK, *LIMITS, *options_of("timing"), QUIET]


def numbers_options(kernel: bool) -> List[Callable]:
    """--numbers and its company; --kernel-values and --bias-values only for an operation with weights."""
    return [setting_option(s) for s in group("numbers") if kernel or s.name not in ("kernel_values", "bias_values")]


def delay_ms(delay: Optional[int], fps: Optional[float]) -> int:
    """--delay, or --fps as a delay; 1000 ms if neither."""
    if delay is not None and fps is not None:
        raise click.UsageError("--delay and --fps: give one or the other")
    if fps is not None:
        slowest, fastest = math.ceil(1e4 * 1000 / MAX_DELAY_MS) / 1e4, 1000 / MIN_DELAY_MS
        if not math.isfinite(fps) or not MIN_DELAY_MS <= 1000 / fps <= MAX_DELAY_MS:
            raise click.BadParameter(f"{fps:g} fps: frames last {MIN_DELAY_MS} ms to {MAX_DELAY_MS:,} ms,"
                                     f" so use {slowest:.4f} to {fastest:g} fps", param_hint="--fps")
        return round(1000 / fps)
    return 1000 if delay is None else delay


def cell_px(dpi: Optional[int], width: Optional[int]) -> Optional[float]:
    """--dpi as a cell size: the paper's cells are 0.5 cm."""
    if dpi is None:
        return None
    if width is not None:
        raise click.UsageError("--width and --dpi: give one or the other")
    return dpi * 0.5 / 2.54


def drawn_as(settings: Mapping[str, Any]) -> Dict[str, Any]:
    """The Animation fields that two options make together: the theme (--theme, or --theme-file)
    and the cell size (--dpi, unless --width)."""
    return {"theme": settings["theme_file"] or THEMES[settings["theme"]], "cell_px": cell_px(settings["dpi"], settings["width"])}
