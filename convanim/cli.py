"""The command line: parse, call the library, report. Errors are one ``Error: …`` line."""

from __future__ import annotations

import json
import math
import os
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, List, Optional, Sequence, Tuple

import click
import numpy as np
from click.core import ParameterSource
from click.exceptions import NoArgsIsHelpError

from . import __version__
from .animation import MAX_DELAY_MS, MAX_FRAMES, MAX_SIZE_PX, MIN_DELAY_MS, Animation, SaveIncomplete, save_many
from .gallery import GALLERY
from .layout import STYLES
from .info import describe
from .info import text as info_text
from .spec import (
    MAX_CHANNELS,
    Checkerboard,
    Checkerboards,
    DilatedStack,
    POOL_MODES,
    Conv2d,
    ConvTranspose2d,
    Pool2d,
    SeparableConv2d,
    SpatialSeparableConv2d,
    SpecError,
    parse_padding,
    parse_size,
)
from .values import PAPER_SEED, Numbers, StagedNumbers, load_values, receptive_field_sizes, record
from .views import VIEWS
from .theme import THEMES, Theme, theme_from_toml
from .writers import STORYBOARD_FORMATS, OutputError, Target, check_writable, write_json

FLAGS = {
    "input_size": "--i/--input-size",
    "kernel_size": "--k/--kernel-size",
    "stride": "--s/--stride",
    "padding": "--p/--padding",
    "dilation": "--d/--dilation",
    "output_padding": "--a/--output-padding",
    "style": "--style",
    "delay": "--delay",
    "mode": "--mode",
    "input_values": "--input-values",
    "kernel_values": "--kernel-values",
    "precision": "--precision",
    "max_frames": "--max-frames",
    "max_size": "--max-size",
    "width": "--width",
    "in_channels": "--in-channels",
    "out_channels": "--out-channels",
    "groups": "--groups",
    "depth_multiplier": "--depth-multiplier",
    "column": "--column",
    "row": "--row",
    "bottleneck": "--bottleneck",
    "view": "--view",
    "layers": "--layers",
    "dilations": "--dilations",
    "strides": "--strides",
}


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


class OutputType(click.ParamType):
    name = "path"

    def convert(self, value, param, ctx):
        if isinstance(value, Target):
            return value
        try:
            return Target.parse(value)
        except OutputError as e:
            self.fail(str(e), param, ctx)


def _say_error(message: str) -> None:
    """One line on stderr, whatever the message holds: control characters are escaped."""
    line = "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in message)
    click.echo(f"Error: {line}", err=True)


class Incomplete(click.ClickException):
    """A batch that stopped part-way: what failed, and what was not written."""

    def __init__(self, message: str, exit_code: int):
        super().__init__(message)
        self.exit_code = exit_code


class ConvanimGroup(click.Group):
    """Turns every failure into one ``Error: …`` line and an exit status, never a traceback."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        try:
            code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
            code = code if isinstance(code, int) else 0
        except NoArgsIsHelpError as e:  # plain `convanim`: the help, as --help shows it
            click.echo(e.ctx.get_help())
            code = 0
        except click.ClickException as e:
            _say_error(e.format_message())
            code = e.exit_code
        except SpecError as e:
            flags = ", ".join(FLAGS.get(p, p) for p in e.params)
            _say_error(f"{flags}: {e.reason}")
            code = 2
        except OutputError as e:
            _say_error(f"-o/--output: {e}")
            code = 1
        except click.Abort:
            _say_error("interrupted")
            code = 130
        except OSError as e:
            where = f" {e.filename}" if e.filename else ""
            _say_error(f"cannot write{where}: {e.strerror or e}")
            code = 1
        except Exception as e:  # a bug: still one line, and a status that says so
            _say_error(f"internal error, please report it: {type(e).__name__}: {e}")
            code = 70
        if standalone_mode:
            sys.exit(code)
        return code


@click.group(cls=ConvanimGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="convanim")
def cli() -> None:
    """Animations of convolution arithmetic, in the style of Dumoulin & Visin's guide."""


def _output_options() -> Callable:
    def decorate(f: Callable) -> Callable:
        f = click.option(
            "--fps", type=click.FloatRange(min=0, min_open=True), help="Frames per second (instead of --delay)."
        )(f)
        f = click.option(
            "--delay",
            type=click.IntRange(MIN_DELAY_MS, MAX_DELAY_MS),
            help="Milliseconds per frame.  [default: 1000]",
        )(f)
        f = click.option(
            "--style", type=click.Choice(STYLES), default="paper", show_default=True,
            help="paper: isometric, output above input; flat: side by side.",
        )(f)
        f = _limit_options(f)
        f = _look_options(f)
        f = click.option("--storyboard", type=StoryboardPath(),
                         help="Also (or, without -o, only) every frame in a grid on one .png or .pdf page.")(f)
        f = click.option(
            "-o", "--output", type=OutputType(),
            help="The file: .gif .png .webp .apng .mp4 .svg .pdf, or a folder of PNGs.  [default: output/NAME.gif]",
        )(f)
        return f

    return decorate


class ThemeFile(click.ParamType):
    """A TOML file of theme fields."""

    name = "file.toml"

    def convert(self, value, param, ctx):
        if isinstance(value, Theme):
            return value
        try:
            return theme_from_toml(Path(value).read_text(encoding="utf-8"))
        except OSError as e:
            self.fail(f"{value}: cannot read it: {e.strerror or e}", param, ctx)
        except UnicodeDecodeError:
            self.fail(f"{value}: not a text file", param, ctx)
        except ValueError as e:
            self.fail(f"{value}: {e}", param, ctx)


def _look_options(f: Callable) -> Callable:
    f = click.option("--theme-file", "theme_file", type=ThemeFile(),
                     help="Colours and strokes from a TOML file (base = \"dark\", input = \"#268bd2\", …).")(f)
    f = click.option("--theme", type=click.Choice(list(THEMES)), default="paper", show_default=True,
                     help="The colours: the paper's, dark, or told apart with any colour vision.")(f)
    f = click.option("--transparent", is_flag=True, help="No background (for slides).")(f)
    f = click.option("--crisp/--antialias", default=None,
                     help="Shapes in flat colours (a GIF about 40% smaller), or with smooth edges.  "
                          "[default: antialiased, as the paper; SVG/PDF are vectors]")(f)
    f = click.option("--dpi", type=click.IntRange(10, 2400),
                     help="Pixels per inch, the paper's cells being 0.5 cm (its GIFs are at about 150).")(f)
    f = click.option("--width", type=click.IntRange(16, 100_000),
                     help="Image width in pixels.  [default: the paper's scale, at most about 1000]")(f)
    return f


def _cell_px(dpi: Optional[int], params: dict) -> Optional[float]:
    """--dpi as a cell size: the paper's cells are 0.5 cm."""
    if dpi is None:
        return None
    if params.get("width") is not None:
        raise click.UsageError("--width and --dpi: give one or the other")
    return dpi * 0.5 / 2.54


def _limit_options(f: Callable) -> Callable:
    f = click.option("--force", is_flag=True, help="Let a PNG sequence replace files convanim did not write.")(f)
    f = click.option("--max-size", type=click.IntRange(min=16), default=MAX_SIZE_PX, show_default=True,
                     help="Refuse images larger than this many pixels on a side.")(f)
    f = click.option("--max-frames", type=click.IntRange(min=1), default=MAX_FRAMES, show_default=True,
                     help="Refuse animations with more frames than this.")(f)
    return f


def _delay(delay: Optional[int], fps: Optional[float]) -> int:
    if delay is not None and fps is not None:
        raise click.UsageError("--delay and --fps: give one or the other")
    if fps is not None:
        ms = 1000 / fps if math.isfinite(fps) else math.nan
        if not MIN_DELAY_MS <= ms <= MAX_DELAY_MS:
            raise click.BadParameter(
                f"{fps:g} fps is {ms:g} ms per frame; a GIF holds {MIN_DELAY_MS}..{MAX_DELAY_MS} ms", param_hint="--fps"
            )
        return round(ms)
    return 1000 if delay is None else delay


class ValuesFile(click.ParamType):
    """A .npy, .csv or .txt file holding a 2-D array of finite numbers."""

    name = "file"

    def convert(self, value, param, ctx):
        if isinstance(value, np.ndarray):
            return value
        try:
            return load_values(value)
        except ValueError as e:
            self.fail(f"{value}: {e}", param, ctx)


class StoryboardPath(click.ParamType):
    name = "file.png|pdf"

    def convert(self, value, param, ctx):
        if Path(value).suffix.lower() not in STORYBOARD_FORMATS:
            self.fail(f"{value!r} is not a .png or a .pdf file", param, ctx)
        try:
            check_writable(Path(value))
        except OutputError as e:
            self.fail(str(e), param, ctx)
        return Path(value)


class JsonPath(click.ParamType):
    name = "file.json"

    def convert(self, value, param, ctx):
        if not str(value).lower().endswith(".json"):
            self.fail(f"{value!r} is not a .json file", param, ctx)
        try:
            check_writable(Path(value))
        except OutputError as e:
            self.fail(str(e), param, ctx)
        return Path(value)


def _numbers_options(kernel: bool) -> Callable:
    def decorate(f: Callable) -> Callable:
        options = [
            click.option("--numbers", is_flag=True, help="Print the values in the cells (seeded random integers)."),
            click.option("--seed", type=click.IntRange(0, 2**32 - 1), help=f"Seed for the random values.  [default: {PAPER_SEED}, the paper's]"),
            click.option("--input-values", "input_values", type=ValuesFile(),
                         help="The input's values (.npy, .csv or .txt); the input size comes from it."),
        ]
        if kernel:
            options.append(click.option("--kernel-values", "kernel_values", type=ValuesFile(),
                                        help="The kernel's weights (.npy, .csv or .txt); the kernel size comes from it."))
        options += [
            click.option("--precision", type=click.IntRange(0, 6), default=1, show_default=True,
                         help="Decimals for values that are not whole numbers."),
            click.option("--labels/--no-labels", default=True, show_default=True,
                         help="Name the planes and caption the parameters and output size."),
            click.option("--dump", type=JsonPath(), help="Also write the computation, step by step, as JSON."),
        ]
        for option in reversed(options):
            f = option(f)
        return f

    return decorate


def _take(params: dict, name: str, value, values_param: str) -> None:
    """Set a size from an array, unless the user gave a different one explicitly."""
    ctx = click.get_current_context()
    given = ctx.get_parameter_source(name) not in (ParameterSource.DEFAULT, None)
    if given and params[name] != value:
        shown = lambda v: "x".join(map(str, v)) if isinstance(v, tuple) else str(v)  # noqa: E731
        raise click.UsageError(
            f"{FLAGS[name]}, --{values_param.replace('_', '-')}: the size says {shown(params[name])}"
            f" but the values are {shown(value)}"
        )
    params[name] = value


def _sizes_from_values(params: dict, input_values: Optional[np.ndarray], kernel_values: Optional[np.ndarray]) -> None:
    """Input H×W or C×H×W and weight kh×kw or O×(C/g)×kh×kw set the sizes (and channels)."""
    if input_values is not None:
        shape = input_values.shape
        if len(shape) > 3 or (len(shape) == 3 and "in_channels" not in params and shape[0] != 1):
            raise click.BadParameter(f"expected H×W{' or C×H×W' if 'in_channels' in params else ''} values, "
                                     f"got shape {'x'.join(map(str, shape))}", param_hint="--input-values")
        _take(params, "input_size", tuple(shape[-2:]), "input_values")
        if len(shape) == 3 and "in_channels" in params:
            _take(params, "in_channels", shape[0], "input_values")
    if kernel_values is not None:
        shape = kernel_values.shape
        if len(shape) not in (2, 4) or (len(shape) == 4 and "out_channels" not in params and "in_channels" not in params):
            raise click.BadParameter(f"expected kh×kw or O×C/groups×kh×kw weights, got shape {'x'.join(map(str, shape))}",
                                     param_hint="--kernel-values")
        if "kernel_size" in params:
            _take(params, "kernel_size", tuple(shape[-2:]), "kernel_values")
        if len(shape) == 4 and "out_channels" in params:
            _take(params, "out_channels", shape[0], "kernel_values")


@dataclass(frozen=True)
class Job:
    """One command's work, checked and ready: the animation and where its files go."""

    anim: Animation
    target: Optional[Target]
    force: bool = False
    storyboard: Optional[Path] = None
    dump: Optional[Path] = None
    values: object = None
    report: Optional[str] = None

    def finish(self) -> List[Path]:
        """What comes after the animation is saved: the storyboard and the dump."""
        written = []
        if self.storyboard is not None:
            written.append(self.anim.save_storyboard(self.storyboard))
        if self.dump is not None:
            written.append(write_json(self.dump, record(self.values)))
        return written


def _prepare(name: str, make_spec: Callable, params: dict, report: Optional[Callable] = None,
             folder: Optional[Path] = None) -> Job:
    """Build the spec, its numbers and the animation from a command's parameters; check limits."""
    input_values = params.pop("input_values", None)
    kernel_values = params.pop("kernel_values", None)
    _sizes_from_values(params, input_values, kernel_values)
    show = params.pop("numbers", False) or input_values is not None or kernel_values is not None
    seed, dump, labels = params.pop("seed", None), params.pop("dump", None), params.pop("labels")
    precision, output = params.pop("precision", 1), params.pop("output")
    view = params.pop("view", "gather")
    style, delay = params.pop("style"), _delay(params.pop("delay"), params.pop("fps"))
    limits = {"max_frames": params.pop("max_frames"), "max_size": params.pop("max_size")}
    theme = params.pop("theme_file") or THEMES[params.pop("theme")]
    params.pop("theme", None)
    width = params.pop("width")
    look = {"crisp": params.pop("crisp"), "width": width, "transparent": params.pop("transparent"),
            "theme": theme, "cell_px": _cell_px(params.pop("dpi"), {"width": width})}
    force, storyboard = params.pop("force"), params.pop("storyboard")
    spec = make_spec(**params)
    anim = Animation(spec, style, delay, labels=labels, precision=precision, view=view, **limits, **look)
    anim.check_limits()  # before the numbers, which grow with the spec too
    values = None
    if show or dump:
        if hasattr(spec, "stages"):
            values = StagedNumbers.of(spec, input_values, seed)
        else:
            values = Numbers.of(spec, input_values, kernel_values, seed)
    if show:
        anim = replace(anim, numbers=values)
    target = None
    if output is not None or storyboard is None:
        target = output or Target((folder or Path("output")) / f"{name}_{spec.slug}.gif", "gif")
    return Job(anim, target, force, storyboard, dump, values, report(spec) if report else None)


def _run(name: str, make_spec: Callable, params: dict, report: Optional[Callable] = None) -> None:
    """Prepare, save, finish; print the files written (and the report, on stderr)."""
    job = _prepare(name, make_spec, params, report)
    if job.target is not None:
        for path in job.anim.save(job.target, force=job.force):
            click.echo(str(path))
    for path in job.finish():
        click.echo(str(path))
    if job.report is not None:  # stdout lists files only, for scripts; the rest goes to stderr
        click.echo(job.report, err=True)


def _geometry_options(i: str, k: str, d: Optional[str]) -> Callable:
    """--i, --k, --s, --p and (unless ``d`` is None) --d, with these defaults."""

    def decorate(f: Callable) -> Callable:
        for option in reversed(
            [
                click.option("--i", "--input-size", "input_size", type=SizeType(), default=i, show_default=True,
                             help="Input size, N or HxW."),
                click.option("--k", "--kernel-size", "kernel_size", type=SizeType(), default=k, show_default=True,
                             help="Kernel size, N or HxW."),
                click.option("--s", "--stride", "stride", type=SizeType(), default="1", show_default=True,
                             help="Stride, N or HxW."),
                click.option("--p", "--padding", "padding", type=PaddingType(), default="0", show_default=True,
                             help="Zero padding: N, H,W, top,bottom,left,right, valid, same or full."),
                click.option("--d", "--dilation", "dilation", type=SizeType(), default=d, show_default=True,
                             help="Dilation, N or HxW."),
            ][: 5 if d is not None else 4]
        ):
            f = option(f)
        return f

    return decorate


def _channel_options(out: bool = True, groups: bool = True, multiplier: bool = False, in_default: str = "1") -> Callable:
    def decorate(f: Callable) -> Callable:
        options = [click.option("--in-channels", "in_channels", type=click.IntRange(1, MAX_CHANNELS), default=int(in_default),
                                show_default=True, help="Input channels C (input C×H×W).")]
        if out:
            options.append(click.option("--out-channels", "out_channels", type=click.IntRange(1, MAX_CHANNELS), default=1,
                                        show_default=True, help="Output channels O (weight O×C/groups×kh×kw)."))
        if groups:
            options.append(click.option("--groups", type=click.IntRange(1, MAX_CHANNELS), default=1, show_default=True,
                                        help="Groups: each output channel reads C/groups input channels."))
        if multiplier:
            options.append(click.option("--depth-multiplier", "depth_multiplier", type=click.IntRange(1, MAX_CHANNELS),
                                        default=1, show_default=True, help="Kernels per input channel."))
        for option in reversed(options):
            f = option(f)
        return f

    return decorate


_labels_option = click.option("--labels/--no-labels", default=True, show_default=True,
                              help="Name the planes and caption the parameters.")


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


def _checkerboards(input_size, kernel_size, stride, padding, dilation, output_padding, layers):
    """One checkerboard, or one per combination of the --k and --s lists, side by side."""
    boards = [Checkerboard(input_size, k, s, padding, dilation, output_padding, layers)
              for k in kernel_size for s in stride]
    return boards[0] if len(boards) == 1 else Checkerboards(boards)


def _pointwise(input_size, kernel_size, stride, padding, in_channels, out_channels, groups):
    if kernel_size != (1, 1):
        raise SpecError("kernel_size", f"a pointwise convolution is 1x1, got {kernel_size[0]}x{kernel_size[1]}")
    return Conv2d(input_size, 1, stride, padding, 1, in_channels, out_channels, groups)


def _depthwise(input_size, kernel_size, stride, padding, dilation, in_channels, depth_multiplier):
    if in_channels * depth_multiplier > MAX_CHANNELS:
        raise SpecError(("in_channels", "depth_multiplier"),
                        f"{in_channels} x {depth_multiplier} output channels, more than {MAX_CHANNELS:,}")
    return Conv2d(input_size, kernel_size, stride, padding, dilation, in_channels, in_channels * depth_multiplier,
                  groups=in_channels)


_transposed_options = [
    click.option("--i", "--input-size", "input_size", type=SizeType(), default="2", show_default=True,
                 help="Input size of the transposed convolution, N or HxW."),
    click.option("--k", "--kernel-size", "kernel_size", type=SizeType(), default="3", show_default=True,
                 help="Kernel size, N or HxW."),
    click.option("--s", "--stride", "stride", type=SizeType(), default="1", show_default=True, help="Stride, N or HxW."),
    click.option("--p", "--padding", "padding", type=PaddingType(pairs_only=True), default="0", show_default=True,
                 help="PyTorch's padding: N or H,W."),
    click.option("--d", "--dilation", "dilation", type=SizeType(), default="1", show_default=True,
                 help="Dilation, N or HxW."),
    click.option("--a", "--output-padding", "output_padding", type=SizeType(), default="0", show_default=True,
                 help="Extra rows/columns at the bottom and right (PyTorch's output_padding)."),
]


@dataclass(frozen=True)
class Op:
    """A command that animates one kind of operation (and `convanim info` describes it)."""

    name: str
    help: str
    options: Tuple[Callable, ...]
    make: Callable
    kernel_values: bool = True
    numbers: bool = True  # takes --numbers, --input-values, --dump
    render_options: Tuple[Callable, ...] = ()  # options of the animation only, not of `info`
    report: Optional[Callable] = None  # a line printed after the files


def _stack(*decorators: Callable) -> Tuple[Callable, ...]:
    return decorators


OPS = [
    Op("conv", "A direct convolution (PyTorch's conv2d), with channels and groups: one frame per output cell.",
       _stack(_geometry_options(i="5", k="3", d="1"), _channel_options()), Conv2d),
    Op("dilated", "A dilated convolution (the paper's dilation figure by default).",
       _stack(_geometry_options(i="7", k="3", d="2"), _channel_options()), Conv2d),
    Op("transposed", "A transposed convolution, drawn as the paper does (the equivalent direct convolution), "
       "or as each input cell stamping the kernel onto the output (--view scatter).",
       tuple(_transposed_options), ConvTranspose2d,
       render_options=(click.option("--view", type=click.Choice(VIEWS), default="gather", show_default=True,
                                    help="gather: the paper's sweep; scatter: input cells stamp the kernel."),)),
    Op("pool", "Max or average pooling (stride 1 unless --s says otherwise, as in the paper).",
       _stack(click.option("--mode", type=click.Choice(POOL_MODES), default="max", show_default=True,
                           help="max: pads with -inf; avg: counts the zero padding (PyTorch's defaults)."),
              _geometry_options(i="5", k="3", d="1")), Pool2d, kernel_values=False),
    Op("pointwise", "A 1x1 convolution: mixes channels, cell by cell.",
       _stack(_geometry_options(i="4", k="1", d=None), _channel_options(in_default="3")), _pointwise),
    Op("depthwise", "A depthwise convolution: one kernel per input channel (groups = channels).",
       _stack(_geometry_options(i="6", k="3", d="1"), _channel_options(out=False, groups=False, multiplier=True, in_default="3")),
       _depthwise),
    Op("separable", "A depthwise-separable convolution: depthwise, then pointwise, in two phases.",
       _stack(_geometry_options(i="6", k="3", d="1"), _channel_options(groups=False, multiplier=True, in_default="3")),
       SeparableConv2d, kernel_values=False),
    Op("spatial-separable", "A k×1 pass, then a 1×k pass, and the full k×k kernel giving the same result.",
       _stack(click.option("--i", "--input-size", "input_size", type=SizeType(), default="6", show_default=True,
                           help="Input size, N or HxW."),
              click.option("--column", type=NumbersType(), default="1,2,1", show_default=True,
                           help="The k×1 kernel, top to bottom."),
              click.option("--row", type=NumbersType(), default="1,0,-1", show_default=True,
                           help="The 1×k kernel, left to right.")),
       SpatialSeparableConv2d, kernel_values=False),
    Op("checkerboard", "How many kernel stamps each output cell of a transposed convolution gets: heatmaps, "
                       "one per setting (--k 3,4), side by side with one legend.",
       _stack(click.option("--i", "--input-size", "input_size", type=SizeType(), default="5", show_default=True,
                           help="Input size of the transposed convolution, N or HxW."),
              click.option("--k", "--kernel-size", "kernel_size", type=SizeListType(), default="3",
                           show_default=True, help="Kernel size, N or HxW; a list (3,4) draws a map for each."),
              click.option("--s", "--stride", "stride", type=SizeListType(), default="2", show_default=True,
                           help="Stride, N or HxW; a list draws a map for each (with a --k list: each pair)."),
              *_transposed_options[3:],
              click.option("--layers", type=int, default=1, show_default=True,
                           help="Transposed convolutions stacked (the pattern compounds).")),
       _checkerboards, numbers=False),
    Op("receptive-field", "The receptive field of stacked (dilated, strided) convolutions growing on the input, "
                          "one layer a frame.",
       _stack(click.option("--k", "--kernel-size", "kernel_size", type=int, default=3, show_default=True,
                           help="Kernel size of every layer."),
              click.option("--dilations", type=IntListType(), default="1,2,4", show_default=True,
                           help="One dilation per layer."),
              click.option("--strides", type=IntListType(), help="One stride per layer.  [default: 1 each]"),
              click.option("--i", "--input-size", "input_size", type=int,
                           help="Input size.  [default: the receptive field plus a cell each side]")),
       DilatedStack, numbers=False,
       report=lambda stack: "receptive fields: " + ", ".join(f"{h}x{w}" for h, w in receptive_field_sizes(stack))),
]


def _command(op: Op, callback: Callable, extra: Sequence[Callable]) -> click.Command:
    for decorator in (*reversed(extra), *reversed(op.options)):
        callback = decorator(callback)
    return click.command(op.name, help=op.help)(callback)


@cli.group(cls=click.Group)
def info() -> None:
    """Shapes, output-size arithmetic, weights, multiply-adds and receptive field of an operation."""


def _register(op: Op) -> None:
    def render(**params):
        _run(op.name, op.make, params, op.report)

    def describe_(as_json, bottleneck=None, **params):
        details = {**describe(op.make(**params), bottleneck), "op": op.name}
        click.echo(json.dumps(details, indent=2) if as_json else info_text(details))

    numbers = [_numbers_options(kernel=op.kernel_values)] if op.numbers else [_labels_option]
    cli.add_command(_command(op, render, [*op.render_options, *numbers, _output_options()]))
    extra = [click.option("--json", "as_json", is_flag=True, help="Print JSON.")]
    if op.name == "conv":
        extra.append(click.option("--bottleneck", type=click.IntRange(1, MAX_CHANNELS),
                                  help="Compare with a 1x1 convolution to this many channels first."))
    info.add_command(_command(op, describe_, extra))


for _op in OPS:
    _register(_op)


def _names(values: Sequence[str]) -> List[str]:
    if not values:
        return list(GALLERY)
    names = [n.strip() for v in values for n in v.split(",") if n.strip()]
    unknown = [n for n in names if n not in GALLERY]
    if unknown or not names:
        raise click.BadParameter(
            f"unknown figure {(unknown or [''])[0]!r}; choose from: {', '.join(GALLERY)}", param_hint="--only"
        )
    return list(dict.fromkeys(names))


@cli.command()
@click.option("-o", "--output", "folder", type=click.Path(file_okay=False), default="output", show_default=True,
              help="Folder for the GIFs.")
@click.option("--only", multiple=True, metavar="NAME[,NAME…]", help="Only these figures (repeatable).")
@click.option("--style", type=click.Choice(STYLES), help="Draw every figure in this style.  [default: the paper's]")
@click.option("--delay", type=click.IntRange(MIN_DELAY_MS, MAX_DELAY_MS), help="Milliseconds per frame.  [default: 1000]")
@click.option("--fps", type=click.FloatRange(min=0, min_open=True), help="Frames per second (instead of --delay).")
@click.option("--jobs", "-j", type=click.IntRange(1, 256), default=os.cpu_count() or 1, show_default="all cores",
              help="Animations rendered in parallel processes.")
@_look_options
def gallery(folder, only, style, delay, fps, jobs, crisp, width, dpi, transparent, theme, theme_file):
    """The paper's 15 arithmetic and 4 numerical animations, named as its GIF files."""
    names = _names(only)
    ms = _delay(delay, fps)
    look = {"crisp": crisp, "width": width, "transparent": transparent, "theme": theme_file or THEMES[theme],
            "cell_px": _cell_px(dpi, {"width": width})}
    items = [(replace(GALLERY[name].animation(style, ms), **look), Path(folder) / f"{name}.gif") for name in names]
    total = sum(len(anim) for anim, _ in items)
    check_writable(Path(folder), folder=True)
    with click.progressbar(length=total, label="gallery", file=sys.stderr, show_pos=True) as bar:
        try:
            written = save_many(
                items, jobs,
                on_saved=(lambda i: bar.update(len(items[i][0]))) if jobs > 1 else None,
                on_frame=(lambda _: bar.update(1)) if jobs <= 1 else None,
            )
        except SaveIncomplete as e:
            for path in e.written:
                click.echo(str(path))
            missing = ", ".join(names[i] for i in e.missing)
            if isinstance(e.cause, KeyboardInterrupt):
                raise Incomplete(f"interrupted; not written: {missing}", 130) from None
            if isinstance(e.cause, OSError):
                where = f" {e.cause.filename}" if e.cause.filename else ""
                raise Incomplete(f"cannot write{where}: {e.cause.strerror or e.cause}; not written: {missing}", 1) from None
            raise Incomplete(f"{e.cause}; not written: {missing}", 1) from None
    for path in written:
        click.echo(str(path))


def _installed_mtime() -> float:
    """When the installed convanim last changed: a batch redraws what is older."""
    return max(p.stat().st_mtime for p in Path(__file__).parent.glob("*.py"))


def _crisp_key(entry: dict) -> Optional[bool]:
    """An entry's ``crisp = true/false`` or ``antialias = true/false`` (taken out); None if neither."""
    crisp = entry.pop("crisp", None)
    antialias = entry.pop("antialias", None)
    for key, value in (("crisp", crisp), ("antialias", antialias)):
        if value is not None and not isinstance(value, bool):
            raise click.UsageError(f"{key} = {value!r}: use true or false")
    if crisp is not None and antialias is not None and crisp == antialias:
        raise click.UsageError(f"crisp = {str(crisp).lower()} and antialias = {str(antialias).lower()} contradict")
    return crisp if crisp is not None else (None if antialias is None else not antialias)


def _entry_args(entry: dict) -> List[str]:
    """A batch entry's keys as command-line options: ``i = 5`` is ``--i 5``, ``numbers = true``
    is ``--numbers``, ``labels = false`` is ``--no-labels``, lists are joined with commas."""
    args: List[str] = []
    for key, value in entry.items():
        flag = "-o" if key == "o" else f"--{key.replace('_', '-')}"
        if isinstance(value, bool):
            if value:
                args.append(flag)
            elif key == "labels":
                args.append("--no-labels")
        elif isinstance(value, list):
            args += [flag, ",".join(str(v) for v in value)]
        elif isinstance(value, (int, float, str)):
            args += [flag, str(value)]
        else:
            raise click.UsageError(f"{key} = {value!r}: use a number, text, true/false or a list")
    return args


def _batch_items(name: str, entry: dict, folder: Path) -> List[Tuple[Job, List[Path]]]:
    """The jobs of one entry, each with every file it writes."""
    entry = dict(entry)
    command = entry.pop("command", None)
    if command == "gallery":
        only = entry.pop("only", list(GALLERY))
        names = _names([only] if isinstance(only, str) else [",".join(only)])
        sub = folder / str(entry.pop("output", ""))
        look = {"crisp": _crisp_key(entry), "transparent": bool(entry.pop("transparent", False))}
        style = entry.pop("style", None)
        if entry:
            raise click.UsageError(
                f"unknown key {sorted(entry)[0]!r} for gallery: use only, output, style, crisp, antialias, transparent"
            )
        return [(Job(replace(GALLERY[n].animation(style), **look), Target(sub / f"{n}.gif", "gif")), [sub / f"{n}.gif"])
                for n in names]
    op = next((op for op in OPS if op.name == command), None)
    if op is None:
        raise click.UsageError(f"command = {command!r}: use one of {', '.join([o.name for o in OPS] + ['gallery'])}")
    output = entry.pop("output", entry.pop("o", f"{name}.gif"))
    crisp = _crisp_key(entry)
    args = _entry_args(entry) + ["-o", str(folder / str(output))]
    if crisp is not None:
        args.append("--crisp" if crisp else "--antialias")
    for key in ("dump", "storyboard"):
        if key in entry:
            index = args.index(f"--{key}")
            args[index + 1] = str(folder / str(entry[key]))
    ctx = cli.commands[command].make_context(command, args, parent=click.get_current_context())
    job = _prepare(command, op.make, dict(ctx.params), op.report)
    files = job.target.path if job.target.format == "gif" else None
    paths = [files] if files else job.target.frame_paths(len(job.anim))
    return [(job, paths + [p for p in (job.storyboard, job.dump) if p is not None])]


@cli.command()
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("-o", "--output", "folder", type=click.Path(file_okay=False),
              help="Where the entries' files go.  [default: the batch file's folder]")
@click.option("--jobs", "-j", type=click.IntRange(1, 256), default=os.cpu_count() or 1, show_default="all cores",
              help="Animations rendered in parallel processes.")
@click.option("--always", "-B", is_flag=True, help="Redraw every entry, even those whose files are up to date.")
def batch(file, folder, jobs, always):
    """Render the named specs of a TOML file, like make: entries whose files are newer than the
    batch file and convanim are skipped.

    Each table is an entry: command = "conv" (any command, or "gallery"), then its options by
    their long names (i = 5, p = "same", numbers = true, dilations = [1, 2, 4]) and where it
    goes (output = "figures/a.gif"; default NAME.gif).
    """
    try:
        import tomllib
    except ImportError:  # Python < 3.11
        import tomli as tomllib  # type: ignore[no-redef]
    path = Path(file)
    try:
        entries = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise click.BadParameter(f"{file}: cannot read it: {e.strerror or e}", param_hint="FILE") from None
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        raise click.BadParameter(f"{file}: not TOML: {e}", param_hint="FILE") from None
    base = Path(folder) if folder is not None else path.parent
    check_writable(base, folder=True)
    planned: List[Tuple[str, Job, List[Path]]] = []
    for name, entry in entries.items():
        if not isinstance(entry, dict):
            raise click.UsageError(f"{file}: {name} = {entry!r} is not a table: write [{name}] and its options")
        try:
            planned += [(name, job, files) for job, files in _batch_items(name, entry, base)]
        except click.ClickException as e:
            raise click.UsageError(f"{file} [{name}]: {e.format_message()}") from None
        except SpecError as e:
            raise click.UsageError(f"{file} [{name}]: {', '.join(FLAGS.get(p, p) for p in e.params)}: {e.reason}") from None
    newest = max(path.stat().st_mtime, _installed_mtime())
    todo = [(name, job, files) for name, job, files in planned
            if always or not all(f.exists() and f.stat().st_mtime > newest for f in files)]
    skipped = sorted({name for name, _, _ in planned} - {name for name, _, _ in todo})
    if skipped:
        click.echo(f"up to date: {', '.join(skipped)}", err=True)
    items = [(job.anim, job.target) for _, job, _ in todo if job.target is not None]
    try:
        written = save_many(items, jobs, force=any(job.force for _, job, _ in todo))
    except SaveIncomplete as e:
        for p in e.written:
            click.echo(str(p))
        raise Incomplete(f"{e.cause}; not written: {', '.join(str(items[i][1].path) for i in e.missing)}", 1) from None
    for p in written:
        click.echo(str(p))
    for _, job, _ in todo:
        for p in job.finish():
            click.echo(str(p))


def main(argv: Optional[Sequence[str]] = None) -> None:
    cli.main(args=list(argv) if argv is not None else None, prog_name="convanim")
