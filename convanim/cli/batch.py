"""`convanim batch`: the named entries of a TOML file, each a command and its options, redrawn
like make redraws targets: only those older than the file or convanim."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, List, Optional, Tuple, TypeVar

import click

from ..core.errors import SaveIncomplete, SpecError
from ..gallery import GALLERY
from ..io.files import MAX_TOML_BYTES, Target, Unreadable, check_writable, read_text, together
from ..job import Job, files_for
from ..ops import BY_NAME, Operation, check_view
from .app import bad_spec, cli, say_path
from .commands import JOBS, Progress, gallery_items, gallery_names, incomplete, prepare, sized_by_values
from .options import QUIET

PATH_KEYS = ("dump", "storyboard")  # files of an entry, beside its output
T = TypeVar("T")


def _installed_mtime() -> float:
    """When the installed convanim last changed: a batch redraws what is older."""
    return max(p.stat().st_mtime for p in Path(__file__).resolve().parents[1].rglob("*.py"))


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


def _values(command: click.Command, entry: dict) -> dict:
    """An entry's keys as the values of ``command``'s parameters: a key is an option's long name
    (``i = 5`` is ``--i 5``, ``input_size = 5`` too), ``numbers = true`` a flag, ``labels = false``
    ``--no-labels``, a list is the option's comma-separated text."""
    options = {}
    for param in command.params:
        if isinstance(param, click.Option):
            options.update({opt: (param, True) for opt in param.opts})
            options.update({opt: (param, False) for opt in param.secondary_opts})
        elif isinstance(param, click.Argument):  # by its name: ``layer = "nn.Conv2d(…)"``
            options["--" + param.name.replace("_", "-")] = (param, True)
    values = {}
    for key, value in entry.items():
        flag = "-o" if key == "o" else f"--{key.replace('_', '-')}"
        if flag not in options:
            close = difflib.get_close_matches(flag, [o for o in options if o.startswith("--")], n=1)
            raise click.NoSuchOption(flag, possibilities=close)
        param, primary = options[flag]
        if isinstance(value, bool):
            if getattr(param, "is_flag", False):
                values[param.name] = value if primary else not value
            elif value:
                raise click.UsageError(f"{key} = true: {flag} takes a value ({key} = …), not true or false")
        elif isinstance(value, list):
            values[param.name] = ",".join(str(v) for v in value)
        elif isinstance(value, (int, float, str)):
            values[param.name] = str(value)
        else:
            raise click.UsageError(f"{key} = {value!r}: use a number, text, true/false or a list")
    return values


def _inside(folder: Path, key: str, value: object, empty: bool = False) -> Path:
    """``folder / value``, if it stays inside ``folder``: a batch file writes only where it is told."""
    text = str(value)
    if not text and not empty:
        raise click.UsageError(f"{key} = '': name a file")
    path = folder / text
    if not path.resolve().is_relative_to(folder.resolve()):
        raise click.UsageError(f"{key} = {text!r} is outside {folder}: a batch writes only inside its folder")
    return path


@dataclass(frozen=True)
class Entry:
    """One entry of a batch file, read and checked but not prepared: the files it writes, known
    without laying out or drawing anything, and its jobs, made only if it must be drawn."""

    name: str
    files: List[Path]
    jobs: Callable[[], List[Job]]


def _gallery_entry(name: str, entry: dict, folder: Path) -> Entry:
    """A ``command = "gallery"`` entry: its keys are the gallery command's options, as any
    command's are (``only`` a name or a list of names, ``output`` a folder inside the batch's)."""
    only = entry.pop("only", list(GALLERY))
    if not isinstance(only, (str, list)):
        shown = str(only).lower() if isinstance(only, bool) else repr(only)  # as TOML writes it
        raise click.UsageError(f"only = {shown}: use a figure's name or a list of names")
    names = gallery_names([only] if isinstance(only, str) else [",".join(map(str, only))])
    sub = _inside(folder, "output", entry.pop("output", ""), empty=True)
    crisp = _crisp_key(entry)
    for key in ("jobs", "j", "quiet", "q"):
        if key in entry:
            raise click.UsageError(f"{key} = …: a batch's own --{'jobs' if key[0] == 'j' else 'quiet'} says that")
    command = cli.commands["gallery"]
    values = _values(command, entry)
    if crisp is not None:
        values["crisp"] = crisp
    settings = command.make_context("gallery", [], parent=click.get_current_context(), default_map=values).params
    settings = {key: value for key, value in settings.items() if key not in ("folder", "only", "jobs", "quiet")}
    return Entry(name, [sub / f"{n}.gif" for n in names], lambda: [
        Job(anim, Target(path, "gif")) for anim, path in gallery_items(names, sub, settings)])


def _planned_files(op: Operation, params: dict, ctx: click.Context) -> List[Path]:
    """The files a command's parameters write, from its spec and frame count alone: what deciding
    whether it is up to date costs (no numbers, no layout, no drawing)."""
    params = sized_by_values(op, params, ctx, params.pop("input_values", None), params.pop("kernel_values", None))
    spec = op.make(**{p.name: params[p.name] for p in op.params if p.name != "view"})  # drawn channels too
    view = params.get("view", "gather")
    frames = check_view(spec, view).frame_count(spec, view)
    return files_for(params["output"], frames, params.get("poster"), params.get("beamer", False),
                     params.get("storyboard"), params.get("dump"))


def batch_entry(name: str, entry: dict, folder: Path) -> Entry:
    """One entry of a batch file (a table of keys), its paths inside ``folder``."""
    entry = dict(entry)
    command = entry.pop("command", None)
    if command == "gallery":
        return _gallery_entry(name, entry, folder)
    op = BY_NAME.get(command) if isinstance(command, str) else None  # a list or a table names no command
    if op is None:
        raise click.UsageError(f"command = {command!r}: use one of {', '.join([*BY_NAME, 'gallery'])}")
    output = _inside(folder, "output" if "output" in entry or "o" not in entry else "o",
                     entry.pop("output", entry.pop("o", f"{name}.gif")))
    crisp = _crisp_key(entry)
    for key in PATH_KEYS:
        if key in entry:
            entry[key] = str(_inside(folder, key, entry[key]))
    sub = cli.commands[command]
    values = {**_values(sub, entry), "output": str(output)}
    if crisp is not None:
        values["crisp"] = crisp
    ctx = sub.make_context(command, [], parent=click.get_current_context(), default_map=values)

    def jobs() -> List[Job]:
        try:
            return [prepare(op, dict(ctx.params), ctx)]
        except SpecError as e:
            raise bad_spec(sub, e) from None

    try:
        return Entry(name, _planned_files(op, dict(ctx.params), ctx), jobs)
    except SpecError as e:
        raise bad_spec(sub, e) from None


def batch_items(name: str, entry: dict, folder: Path) -> List[Tuple[Job, List[Path]]]:
    """The jobs of one entry, prepared (numbers computed, limits checked), each with its files."""
    return [(job, job.files()) for job in batch_entry(name, entry, folder).jobs()]


def _in_context(file: str, name: str, make: Callable[[], T]) -> T:
    """``make()``, its usage errors naming the batch file and the entry."""
    try:
        return make()
    except click.ClickException as e:
        raise click.UsageError(f"{file} [{name}]: {e.format_message()}") from None


@cli.command()
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("-o", "--output", "folder", type=click.Path(file_okay=False),
              help="Where the entries' files go.  [default: the batch file's folder]")
@JOBS
@click.option("--always", "-B", is_flag=True, help="Redraw every entry, even those whose files are up to date.")
@QUIET
def batch(file, folder, jobs, always, quiet):
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
        entries = tomllib.loads(read_text(path, MAX_TOML_BYTES))
    except Unreadable as e:
        raise click.BadParameter(f"{file}: {e}", param_hint="FILE") from None
    except tomllib.TOMLDecodeError as e:
        raise click.BadParameter(f"{file}: not TOML: {e}", param_hint="FILE") from None
    except RecursionError:
        raise click.BadParameter(f"{file}: not TOML convanim reads: nested too deeply", param_hint="FILE") from None
    base = Path(folder) if folder is not None else path.parent
    check_writable(base, folder=True)
    planned: List[Entry] = []
    for name, entry in entries.items():
        if not isinstance(entry, dict):
            raise click.UsageError(f"{file}: {name} = {entry!r} is not a table: write [{name}] and its options")
        planned.append(_in_context(file, name, lambda: batch_entry(name, entry, base)))
    owner: dict = {}
    for planned_entry in planned:  # two entries writing one file would race and clobber
        for f in planned_entry.files:
            other = owner.setdefault(f.resolve(), planned_entry.name)
            if other != planned_entry.name:
                raise click.UsageError(f"{file}: [{other}] and [{planned_entry.name}] both write {f}")
    newest = max(path.stat().st_mtime, _installed_mtime())
    stale = [e for e in planned if always or not all(f.exists() and f.stat().st_mtime > newest for f in e.files)]
    skipped = sorted({e.name for e in planned} - {e.name for e in stale})
    if skipped:
        click.echo(f"up to date: {', '.join(skipped)}", err=True)
    if not stale:
        return
    # Every entry to draw is prepared (numbers, limits) before the first is drawn.
    todo = [(e.name, job) for e in stale for job in _in_context(file, e.name, e.jobs)]
    from ..animation import save_many

    items = [(job.anim, job.target) for _, job in todo if job.target is not None and job.plain]
    try:
        # Each entry's other files (stills, dumps, storyboards) are staged first and renamed in
        # only once every animation is written: an entry whose animation fails leaves none.
        total = sum(len(anim) for anim, _ in items) + sum(job.frames_beside() for _, job in todo)
        with together(), Progress(total, "batch", quiet=quiet) as bar:
            extras = [p for _, job in todo for p in ([] if job.plain else job.save(bar.step)) + job.finish(bar.step)]
            written = save_many(items, jobs, force=any(job.force for _, job in todo), **bar.callbacks(items, jobs))
    except SaveIncomplete as e:
        for p in e.written:
            say_path(p)
        raise incomplete(e, [str(items[i][1].path) for i in e.missing]) from None
    for p in written + extras:
        say_path(p)
    for name, job in todo:  # what a command says beside its files (channels not drawn, a field), by entry
        if job.report is not None:
            click.echo("\n".join(f"{name}: {line}" for line in job.report.splitlines()), err=True)
