"""The commands, made from the operation registry: one to draw each operation, one to describe it
(`convanim info NAME`), and the paper's gallery. Each parses, calls the library and reports."""

from __future__ import annotations

import json
import os
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

import click
import numpy as np
from click.core import ParameterSource

from ..core.errors import SaveIncomplete, SpecError
from ..core.values import Numbers
from ..gallery import GALLERY
from ..io.data import write_text
from ..io.files import Target, Unreadable, check_writable, read_text
from ..job import Job, default_name
from ..ops import OPERATIONS, Operation
from ..ops.base import Param
from ..settings import BY_SETTING, into, sizes_from_values, take
from .app import OUT_OF_MEMORY, Command, Incomplete, Stopped, bad_spec, cli, flags_of, info, say_path
from .options import (LOOK, OUTPUT, QUIET, apply, delay_ms, delay_option, drawn_as, fps_option, labels_option,
                      numbers_options, setting_option)
from .types import param_type


def _option(param: Param) -> Callable:
    if param.argument:
        return click.argument(param.name, type=param_type(param), metavar=param.name.upper())
    if param.kind == "flag":
        flag = param.flags[0]
        return click.option(f"{flag}/--no-{flag[2:]}", param.name, default=param.default, show_default=True, help=param.help)
    return click.option(*param.flags, param.name, type=param_type(param), default=param.default,
                        show_default=param.show_default, help=param.help)


def sized_by_values(op: Operation, params: dict, ctx: click.Context, input_values: Optional[np.ndarray],
                    kernel_values: Optional[np.ndarray]) -> dict:
    """The spec's parameters with the sizes --input-values and --kernel-values have: an array of the
    wrong shape is a bad value of its option, a size that contradicts it a usage error naming both."""
    given = {name for name in params if ctx.get_parameter_source(name) not in (ParameterSource.DEFAULT, None)}
    try:
        return sizes_from_values(op, params, input_values, kernel_values, given)
    except SpecError as e:
        if e.params in (("input_values",), ("kernel_values",)):
            raise click.BadParameter(e.reason, param_hint=flags_of(ctx.command, e.params)) from None
        raise


def prepare(op: Operation, params: dict, ctx: click.Context) -> Job:
    """Build the spec, its numbers and the animation from a command's parameters; check limits."""
    settings = take(params)
    view = params.pop("view", "gather")
    input_values, kernel_values = settings.get("input_values"), settings.get("kernel_values")
    params.pop("quiet", None)  # how the command reports, not what it draws
    params = sized_by_values(op, params, ctx, input_values, kernel_values)
    bias_values, grad_values = settings.get("bias_values"), settings.get("grad_values")
    show = settings.get("numbers", False) or any(v is not None for v in (input_values, kernel_values, bias_values,
                                                                        grad_values))
    delay = delay_ms(settings["delay"], settings["fps"])
    look = drawn_as(settings)
    from ..animation import Animation  # here: --help and info draw nothing

    if any(v is not None for v in (input_values, kernel_values, bias_values)) and "all_channels" in params:
        params["all_channels"] = True  # the user's values are the whole layer's
    spec = op.make(**params)
    channels = op.drawn(**params) if op.drawn is not None else {}
    anim = Animation(spec, delay_ms=delay, view=view, **look, **into(settings, "animation"))
    # Before the numbers are made; laid out here only if no numbers will grow its cells.
    anim.check_limits(numbers=bool(show or settings.get("dump")), laid_out=not show)
    values = None
    if show or settings.get("dump"):
        backward = op.views[view].backward if view in op.views else False
        grad = grad_values if grad_values is not None else (True if backward else None)
        values = Numbers.of(spec, input_values, kernel_values, settings.get("seed"), bias_values, grad)
    if show:
        anim = replace(anim, numbers=values)
        anim.check_limits()  # numbers grow the cells that must hold them
    if settings.get("storyboard") is not None:
        anim.check_storyboard()  # its page, before the animation is drawn
    target = _target(op, anim, settings)
    report = "\n".join(line for line in (channels_note(anim, channels), op.report(spec) if op.report else "") if line)
    return Job(anim, target, values=values, report=report or None, channels=channels or None, **into(settings, "job"))


def channels_note(anim, channels: dict) -> str:
    """What a figure of some of a layer's channels says on stderr: which, and how to draw all."""
    if not channels:
        return ""
    whole = channels["of"]
    listed = lambda numbers: ", ".join(map(str, numbers))  # noqa: E731
    left = [f"{n} {side}" for n, side in ((whole["in_channels"] - len(channels["input"]), "input"),
                                          (whole["out_channels"] - len(channels["output"]), "output")) if n]
    return (f"drawn: input channels {listed(channels['input'])} of {whole['in_channels']} and output channels"
            f" {listed(channels['output'])} of {whole['out_channels']} (PyTorch's numbering), {len(anim):,} frames;"
            f" {' and '.join(left)} channels not drawn: --all-channels draws them all")


def _target(op: Operation, anim, settings: dict) -> Optional[Target]:
    """Where the animation (or its poster, or its Beamer PDF) goes, checked before anything is drawn;
    None if only its storyboard is asked for."""
    from ..animation import check_beamer, check_still

    output, poster, beamer = settings["output"], settings["poster"], settings["beamer"]
    target = None
    if output is not None or settings["storyboard"] is None or poster is not None or beamer:
        name = default_name(op.name, anim, settings.get("seed"), settings.get("input_values"),
                            settings.get("kernel_values"), settings["dpi"], settings.get("grad_values"))
        if poster is not None:
            name = f"{name[:-len('.gif')]}_frame{poster}.png"
        elif anim.operation.frame_count(anim.spec, anim.view) == 1:  # one frame is a still: a PNG
            name = f"{name[:-len('.gif')]}.png"
        target = output or Target(Path("output") / name, "png" if name.endswith(".png") else "gif")
    if poster is not None and beamer:
        raise click.UsageError("--poster and --beamer: give one or the other")
    if poster is not None:
        anim.frame_index(poster)
        check_still(target)
    if beamer:
        check_beamer(target)
    return target


def _render(op: Operation) -> Callable:
    @click.pass_context
    def render(ctx: click.Context, **params) -> None:
        quiet = params.pop("quiet")
        try:
            job = prepare(op, params, ctx)
        except SpecError as e:
            raise bad_spec(ctx.command, e) from None
        try:
            with Progress(job.frames(), op.name, after=PROGRESS_AFTER_S, quiet=quiet, writing=job.writing()) as bar:
                written = job.write(on_frame=bar.drawn)
        except SpecError as e:
            raise bad_spec(ctx.command, e) from None
        for path in written:
            say_path(path)
        if job.report is not None:  # stdout lists files only, for scripts; the rest goes to stderr
            click.echo(job.report, err=True)

    return render


def _describe(op: Operation) -> Callable:
    @click.pass_context
    def describe(ctx: click.Context, as_json: bool, bottleneck: Optional[int] = None, **params) -> None:
        try:
            details = op.describe(op.make(**params), bottleneck)
            if op.specs:  # `info dilated` of a Conv2d; an operation that makes others' specs lets them say
                details["op"] = op.name
        except SpecError as e:
            raise bad_spec(ctx.command, e) from None
        click.echo(json.dumps(details, indent=2) if as_json else op.info_text(details))

    return describe


def _register(op: Operation) -> None:
    own = [_option(p) for p in op.params if not p.render_only]
    views = [_option(p) for p in op.params if p.render_only]
    shown = numbers_options(kernel=op.kernel_values) if op.numbers else [
        labels_option("Name the planes and caption the parameters.")]
    render = apply([*own, *views, *shown, *OUTPUT])(_render(op))
    cli.add_command(click.command(op.name, cls=Command, help=op.help)(render))
    extra = [click.option("--json", "as_json", is_flag=True, help="Print JSON."), *(_option(p) for p in op.info_params)]
    info.add_command(click.command(op.name, cls=Command, help=op.info_help)(apply([*own, *extra])(_describe(op))))


for _op in OPERATIONS:
    _register(_op)


def complete_names(incomplete: str) -> List[str]:
    """The figure names that complete the last of a comma list: ``dil`` → ``dilation``."""
    head, _, last = incomplete.rpartition(",")
    return [f"{head},{name}" if head else name for name in GALLERY if name.startswith(last)]


def gallery_names(values) -> List[str]:
    if not values:
        return list(GALLERY)
    names = [n.strip() for v in values for n in v.split(",") if n.strip()]
    unknown = [n for n in names if n not in GALLERY]
    if unknown or not names:
        raise click.BadParameter(
            f"unknown figure {(unknown or [''])[0]!r}; choose from: {', '.join(GALLERY)}", param_hint="--only"
        )
    return list(dict.fromkeys(names))


JOBS = click.option("--jobs", "-j", type=click.IntRange(1, 256), default=os.cpu_count() or 1, show_default="all cores",
                    help="Animations rendered in parallel processes.")


def gallery_items(names: List[str], folder: Path, settings: Dict[str, Any]) -> List[Tuple[Any, Path]]:
    """The named gallery figures as (animation, file) pairs, drawn as the gallery command's
    look, limit and timing options say (a batch entry's keys are the same options)."""
    settings = dict(settings)
    ms = delay_ms(settings.pop("delay"), settings.pop("fps"))
    style = settings.pop("style")
    look = {**into(settings, "animation"), **drawn_as(settings)}
    return [(replace(GALLERY[name].animation(style, ms), **look), folder / f"{name}.gif") for name in names]


@cli.command()
@apply([
    click.option("-o", "--output", "folder", type=click.Path(file_okay=False), default="output", show_default=True,
                 help="Folder for the GIFs."),
    click.option("--only", multiple=True, metavar="NAME[,NAME…]", help="Only these figures (repeatable).",
                 shell_complete=lambda ctx, param, incomplete: complete_names(incomplete)),
    setting_option(replace(BY_SETTING["style"], help="Draw every figure in this style.  [default: the paper's]",
                           default=None, show_default=False)),
    delay_option(),
    fps_option(),
    JOBS,
    *LOOK,
    QUIET,
])
def gallery(folder, only, jobs, quiet, **settings):
    """The paper's 15 arithmetic and 4 numerical animations, named as its GIF files."""
    names = gallery_names(only)
    items = gallery_items(names, Path(folder), settings)
    total = sum(len(anim) for anim, _ in items)
    check_writable(Path(folder), folder=True)
    from ..animation import save_many

    with Progress(total, "gallery", quiet=quiet) as bar:
        try:
            written = save_many(items, jobs, **bar.callbacks(items, jobs))
        except SaveIncomplete as e:
            for path in e.written:
                say_path(path)
            raise incomplete(e, [names[i] for i in e.missing]) from None
    for path in written:
        say_path(path)


def _shape(text: str) -> tuple:
    parts = text.lower().split("x")
    if not 2 <= len(parts) <= 3 or not all(p.strip().isascii() and p.strip().isdigit() for p in parts):
        raise click.BadParameter(f"{text!r} is not an input shape: use CxHxW (3x224x224) or CxL", param_hint="--input")
    return tuple(int(p) for p in parts)


def _model_text(source: str) -> str:
    """A printed model from a file, or from standard input (``-``), bounded as the parser bounds it."""
    from ..ops.network import MAX_MODEL_TEXT

    if source == "-":
        text = sys.stdin.read(MAX_MODEL_TEXT + 1)
    else:
        try:
            text = read_text(Path(source), 4 * MAX_MODEL_TEXT)
        except (OSError, Unreadable) as e:
            raise click.BadParameter(f"{source}: {getattr(e, 'strerror', None) or e}", param_hint="MODEL") from None
    return text


def layers_text(rows: List[dict]) -> str:
    """The layers as a table: name, layer, shapes, weights, receptive field, jump and centre."""
    cell = lambda values, by="x": by.join(f"{v:g}" if isinstance(v, float) else str(v) for v in values)  # noqa: E731
    table = [("name", "layer", "input", "output", "weights", "field", "jump", "centre")]
    table += [(r["name"], r["layer"], cell(r["input_shape"]), cell(r["output_shape"]), f"{r['weights']:,}",
               cell(r["receptive_field"]), cell(r["jump"]), cell(r["centre"], ",")) for r in rows]
    widths = [max(len(row[n]) for row in table) for n in range(len(table[0]))]
    right = (False, False, True, True, True, True, True, True)
    return "\n".join("  ".join(v.rjust(w) if r else v.ljust(w) for v, w, r in zip(row, widths, right)).rstrip()
                     for row in table)


@cli.command("layers")
@click.argument("model", metavar="MODEL")
@click.option("--input", "shape", required=True, metavar="CxHxW", help="The input's shape, no batch: 3x224x224 (CxL for 1-D).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def layers_command(model: str, shape: str, as_json: bool) -> None:
    """A model's convolution, pooling and upsampling layers with their shapes, weights and receptive
    field: MODEL is a file (or - for standard input) holding print(model)'s text, or layer texts one a
    line. The text is parsed, never run; the layers are chained, one reading the one before."""
    from ..ops.network import layers, read_listing

    size = _shape(shape)
    try:
        rows = layers(read_listing(_model_text(model)), size)
    except SpecError as e:
        raise bad_spec(click.get_current_context().command, e) from None
    click.echo(json.dumps(rows, indent=2) if as_json else layers_text(rows))


def _model(source: str):
    """A model as the user names it: ``module:callable`` (imported, only then) unless a file has that
    name; else a file or standard input holding print(model)'s text or layer texts, parsed."""
    from ..ops.network import read_listing
    from ..tour import CALLABLE, load_callable

    if source != "-" and CALLABLE.match(source) and not Path(source).exists():
        return load_callable(source), source.partition(":")[2]
    return read_listing(_model_text(source)), Path(source).stem if source != "-" else "model"


@cli.command("tour")
@click.argument("model", metavar="MODEL")
@click.option("--input", "shape", required=True, metavar="CxHxW", help="The input's shape, no batch: 3x224x224.")
@click.option("-o", "--output", "output", type=click.Path(dir_okay=False), default=None,
              help="The page.  [default: output/tour_NAME.html]")
def tour_command(model: str, shape: str, output: Optional[str]) -> None:
    """One offline page touring a network: a table of its convolution, pooling and upsampling layers
    (shapes, weights, multiply-adds, receptive field, jump), a plot of the field and the feature-map
    size over depth, and each layer's animated figure on a small input. MODEL is a file (or -) holding
    print(model)'s text or layer texts, parsed and never run; or, with PyTorch, module:callable (as
    uvicorn takes an app), imported and called only then."""
    from ..tour import tour_html

    size = _shape(shape)
    try:
        loaded, name = _model(model)
        page = tour_html(loaded, size, name)
        target = Path(output) if output else Path("output") / f"tour_{name}.html"
        check_writable(target)
    except SpecError as e:
        raise bad_spec(click.get_current_context().command, e) from None
    say_path(write_text(target, page))


def on_terminal() -> bool:
    """Whether stderr is a terminal (where a progress bar belongs), not a log, a pipe or closed."""
    try:
        return sys.stderr is not None and sys.stderr.isatty()
    except (OSError, ValueError):  # closed
        return False


PROGRESS_AFTER_S = 2.0  # a command's render shows its progress once it has taken this long


class Progress:
    """Frames drawn so far, on a terminal's stderr as a bar; nothing where stderr is a log or a
    pipe, nor with --quiet. With ``after``, the bar waits that many seconds, so that a quick
    render says nothing; with ``writing``, it ends by naming the file being written."""

    def __init__(self, total: int, label: str, after: float = 0.0, quiet: bool = False, writing: object = None):
        self.total, self.label, self.after, self.writing = total, label, after, writing
        self.wanted = bool(total) and not quiet and on_terminal()
        self.start, self.done = time.monotonic(), 0
        self.bar = None
        if self.wanted and after <= 0:
            self._open()

    def _open(self) -> None:
        self.bar = click.progressbar(length=self.total, label=self.label, file=sys.stderr, show_pos=True)
        self.bar.__enter__()

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.__exit__(*exc)
            self.bar = None

    def drawn(self, index: int) -> None:
        """Frame ``index`` of one animation drawn (``Animation.save``'s ``on_frame``)."""
        if self.bar is None and self.wanted and self.done < self.total and time.monotonic() - self.start >= self.after:
            self._open()
        if self.bar is not None:
            self.bar.update(index + 1 - self.done)
        self.done = index + 1
        if self.done == self.total and self.bar is not None and self.writing is not None:
            self.bar.render_progress()  # the bar redraws at most a few times a second: show the end
            self.__exit__(None, None, None)
            click.echo(f"{self.label}: writing {getattr(self.writing, 'path', self.writing)}", err=True)

    def step(self, _index: int = 0) -> None:
        """One more frame drawn, of whatever is being drawn (a batch's stills and storyboards)."""
        if self.bar is not None:
            self.bar.update(1)

    def callbacks(self, items, jobs: int) -> dict:
        """``save_many``'s: a frame at a time in one process, an animation at a time in several."""
        if self.bar is None:
            return {}
        if jobs > 1 and len(items) > 1:
            return {"on_saved": lambda i: self.bar.update(len(items[i][0]))}
        return {"on_frame": lambda _: self.bar.update(1)}


def incomplete(e: SaveIncomplete, missing: List[str]) -> Incomplete:
    """What a run that stopped part-way says: why, and what it did not write."""
    left = f"; not written: {', '.join(missing)}" if missing else "; every file was written"  # stopped as it ended
    if isinstance(e.cause, KeyboardInterrupt):
        stopped = Stopped(e.cause)
        return Incomplete(f"{stopped.message}{left}", stopped.exit_code)
    if isinstance(e.cause, OSError):
        where = f" {e.cause.filename}" if e.cause.filename else ""
        return Incomplete(f"cannot write{where}: {e.cause.strerror or e.cause}{left}", 1)
    if isinstance(e.cause, MemoryError):
        return Incomplete(f"{OUT_OF_MEMORY}{left}", 1)
    return Incomplete(f"{e.cause}{left}", 1)
