"""The options every command shares: where the file goes, how it looks, its limits and numbers."""

from __future__ import annotations

import math
from typing import Callable, List, Optional, Sequence

import click

from ..core.limits import MAX_CELLS, MAX_DELAY_MS, MAX_FRAMES, MAX_SIZE_PX, MAX_VALUES, MIN_DELAY_MS
from ..core.values import PAPER_SEED
from ..draw.layout import STYLES
from ..draw.theme import THEMES
from ..io.formats import FORMATS, STILLS, STORYBOARDS, listed
from .types import OutputType, PosterType, ThemeFile, ValuesFile, json_path, storyboard_path


def apply(options: Sequence[Callable]) -> Callable:
    """Decorate with ``options`` so that --help lists them in this order."""

    def decorate(f: Callable) -> Callable:
        for option in reversed(options):
            f = option(f)
        return f

    return decorate


def delay_option() -> Callable:
    return click.option("--delay", type=click.IntRange(MIN_DELAY_MS, MAX_DELAY_MS),
                        help="Milliseconds per frame.  [default: 1000]")


def fps_option() -> Callable:
    return click.option("--fps", type=click.FloatRange(min=0, min_open=True), help="Frames per second (instead of --delay).")


def labels_option(help: str) -> Callable:
    return click.option("--labels/--no-labels", default=True, show_default=True, help=help)


LOOK = [
    click.option("--width", type=click.IntRange(16, 100_000),
                 help="Image width in pixels.  [default: the paper's scale, at most about 1000]"),
    click.option("--dpi", type=click.IntRange(10, 2400),
                 help="Pixels per inch, the paper's cells being 0.5 cm (its GIFs are at about 150)."),
    click.option("--crisp/--antialias", default=None,
                 help="Shapes in flat colours (a GIF about 40% smaller), or with smooth edges.  "
                      "[default: antialiased, as the paper; SVG/PDF are vectors]"),
    click.option("--transparent", is_flag=True, help="No background (for slides)."),
    click.option("--theme", type=click.Choice(list(THEMES)), default="paper", show_default=True,
                 help="The colours: the paper's, dark, or told apart with any colour vision."),
    click.option("--theme-file", "theme_file", type=ThemeFile(),
                 help="Colours and strokes from a TOML file (base = \"dark\", input = \"#268bd2\", …)."),
]

LIMITS = [
    click.option("--max-frames", type=click.IntRange(min=1), default=MAX_FRAMES, show_default=True,
                 help="Refuse animations with more frames than this."),
    click.option("--max-size", type=click.IntRange(min=16), default=MAX_SIZE_PX, show_default=True,
                 help="Refuse images larger than this many pixels on a side."),
    click.option("--max-values", type=click.IntRange(min=1), default=MAX_VALUES, show_default=True,
                 help="Refuse figures that hold more values than this (weights; with --numbers, every value computed)."),
    click.option("--max-cells", type=click.IntRange(min=1), default=MAX_CELLS, show_default=True,
                 help="Refuse frames that draw more cells than this."),
    click.option("--force", is_flag=True, help="Let a PNG sequence replace files convanim did not write."),
]

QUIET = click.option("--quiet", "-q", is_flag=True, help="No progress bar, even on a terminal.")

OUTPUT_FORMATS = " ".join(f.extension + (f" ({f.note})" if f.note else "") for f in FORMATS.values())

OUTPUT = [
    click.option("-o", "--output", type=OutputType(),
                 help=f"The file: {OUTPUT_FORMATS}, or a folder of PNGs.  [default: output/NAME.gif; .png for one frame]"),
    click.option("--storyboard", type=storyboard_path(),
                 help=f"Also (or, without -o, only) every frame in a grid on one {listed(STORYBOARDS)} page."),
    click.option("--poster", type=PosterType(),
                 help=f"Write only this frame (N from 1, or last), as a still: -o NAME{listed(STILLS)}."),
    click.option("--beamer", is_flag=True, help="With -o NAME.pdf: also NAME.tex, which plays it in a Beamer frame."),
    *LOOK,
    *LIMITS,
    click.option("--style", type=click.Choice(STYLES), default="paper", show_default=True,
                 help="paper: isometric, output above input; flat: side by side."),
    delay_option(),
    fps_option(),
    QUIET,
]


def numbers_options(kernel: bool) -> List[Callable]:
    options = [
        click.option("--numbers", is_flag=True, help="Print the values in the cells (seeded random integers)."),
        click.option("--seed", type=click.IntRange(0, 2**32 - 1), help=f"Seed for the random values.  [default: {PAPER_SEED}, the paper's]"),
        click.option("--input-values", "input_values", type=ValuesFile(),
                     help="The input's values (.npy, .csv or .txt); the input size comes from it."),
    ]
    if kernel:
        options.append(click.option("--kernel-values", "kernel_values", type=ValuesFile(),
                                    help="The kernel's weights (.npy, .csv or .txt); the kernel size comes from it."))
    return options + [
        click.option("--precision", type=click.IntRange(0, 6), default=1, show_default=True,
                     help="Decimals for values that are not whole numbers."),
        labels_option("Name the planes and caption the parameters and output size."),
        click.option("--dump", type=json_path(), help="Also write the computation, step by step, as JSON."),
    ]


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
