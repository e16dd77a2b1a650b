"""The command group: every failure becomes one ``Error: …`` line and an exit status."""

from __future__ import annotations

import difflib
import os
import signal
import sys
import threading
from contextlib import contextmanager
from typing import Iterator, List, Optional, Sequence

import click
from click.exceptions import NoArgsIsHelpError

from .. import __version__
from ..core.errors import Interrupted, SpecError, raise_interrupted
from ..io.files import OutputError


def _one_line(text: str) -> str:
    """``text`` on one line, whatever it holds: control characters (a newline) are escaped."""
    return "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in text)


def say_error(message: str) -> None:
    """One line on stderr."""
    click.echo(f"Error: {_one_line(message)}", err=True)


def say_path(path) -> None:
    """A file written, one line on stdout (what scripts read): a newline in its name is escaped."""
    click.echo(_one_line(str(path)))


class Incomplete(click.ClickException):
    """A command that stopped part-way (a batch, a gallery): what failed, what was not written."""

    def __init__(self, message: str, exit_code: int):
        super().__init__(message)
        self.exit_code = exit_code


def flags_of(command: click.Command, names: Sequence[str]) -> str:
    """The options of ``command`` that set parameters ``names``, as users type them: ``--i/--input-size``."""
    opts = {p.name: "/".join(p.opts) for p in command.params if isinstance(p, click.Option)}
    return ", ".join(opts.get(name, name) for name in names)


def bad_spec(command: click.Command, error: SpecError, where: str = "") -> click.UsageError:
    """A SpecError in the words of ``command``'s options (exit status 2)."""
    return click.UsageError(f"{where}{flags_of(command, error.params)}: {error.reason}")


def _own_opts(command: click.Command) -> set:
    return {opt for p in command.params for opt in (*getattr(p, "opts", ()), *getattr(p, "secondary_opts", ()))}


def _short_forms(command: click.Command, param: click.Parameter) -> List[str]:
    """``-i`` for ``--i``: the single-dash forms :class:`Command` also reads for this option."""
    own = _own_opts(command)
    return [opt[1:] for opt in getattr(param, "opts", ()) if len(opt) == 3 and opt[:2] == "--" and opt[1:] not in own]


def unknown_option(ctx: click.Context, error: click.NoSuchOption) -> click.NoSuchOption:
    """An option this command does not have: the closest of its own, if one is close, or, if it is
    exactly another command's, which commands take it (``conv --mode``: pool and pool1d)."""
    name = error.option_name
    siblings = ctx.parent.command.commands if ctx.parent is not None and isinstance(ctx.parent.command, click.Group) else {}
    others = [other for other_name, other in siblings.items()
              if other is not ctx.command and name in _own_opts(other)]
    if others:
        takers = ", ".join(other.name for other in others)
        return click.NoSuchOption(name, f"No such option {name!r} for {ctx.command.name}: it is an option of {takers}.",
                                  ctx=ctx)
    own = sorted(opt for opt in _own_opts(ctx.command) if opt.startswith("--"))
    return click.NoSuchOption(name, possibilities=difflib.get_close_matches(name, own, n=1), ctx=ctx)


class Command(click.Command):
    """A command that also takes ``-i 5`` for ``--i 5`` (the short forms people type first), as
    long as the single-dash form is not an option of its own; its help shows those forms, and a
    mistyped option is answered with the closest one, not a list."""

    def parse_args(self, ctx: click.Context, args: List[str]) -> List[str]:
        own = _own_opts(self)
        valued = {opt for p in self.params if isinstance(p, click.Option) and not p.is_flag for opt in p.opts}
        spelled: List[str] = []
        for n, arg in enumerate(args):
            if arg == "--":
                spelled += args[n:]
                break
            value = bool(spelled) and spelled[-1] in valued  # the value of the option before: as it is
            if not value and len(arg) >= 2 and arg[0] == "-" and arg[1].isalpha() and arg[:2] not in own \
                    and f"-{arg[:2]}" in own:
                spelled += [f"-{arg[:2]}"] + ([arg[2:]] if len(arg) > 2 else [])
            else:
                spelled.append(arg)
        try:
            return super().parse_args(ctx, spelled)
        except click.NoSuchOption as e:
            raise unknown_option(ctx, e) from None

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        records = []
        for param in self.get_params(ctx):
            record = param.get_help_record(ctx)
            if record is not None:
                records.append((", ".join([*_short_forms(self, param), record[0]]), record[1]))
        if records:
            with formatter.section("Options"):
                formatter.write_dl(records)


class Stopped(click.ClickException):
    """The run ended by a signal: Ctrl-C (130), SIGTERM (143), SIGHUP (129)."""

    def __init__(self, stop: KeyboardInterrupt):
        signum = stop.signum if isinstance(stop, Interrupted) else signal.SIGINT
        super().__init__(Interrupted.NAMES.get(signum, str(stop)))
        self.exit_code = 128 + signum


@contextmanager
def ending_signals() -> Iterator[None]:
    """SIGTERM and SIGHUP (what make, CI and a closed terminal send) end the run as Ctrl-C does:
    by an exception where the program is, so that no temporary file or worker is left behind."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {signum: signal.signal(signum, raise_interrupted) for signum in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _closed_stdout() -> click.ClickException:
    """Standard output closed by its reader (``| true``): said once, on stderr, exit status 1."""
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second failure at exit
    except (OSError, ValueError):
        pass
    error = click.ClickException("standard output was closed: the files were written, but not all their names printed")
    error.exit_code = 1
    return error


def _flushed(code: int) -> int:
    """Standard output written out now, while a closed one can still be reported."""
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        say_error(_closed_stdout().message)
        return code or 1
    except (OSError, ValueError):
        pass
    return code


class _Discarding:
    """Standard output when the command started with it closed (``>&-``): what is written goes
    nowhere, and is noted, so that the end can say the names were not printed."""

    def __init__(self) -> None:
        self.written = False

    def write(self, text: str) -> int:
        self.written = self.written or bool(text)
        return len(text)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False

    def fileno(self) -> int:
        return 1  # /dev/null's now


def _reserve_closed_streams() -> Optional[_Discarding]:
    """/dev/null in place of a closed standard stream (``>&-``), so that no file convanim opens
    becomes descriptor 0, 1 or 2 (where a stray write would land in it); for a closed standard
    output, the stand-in that notes what was lost."""
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            try:
                null = os.open(os.devnull, os.O_RDWR)
                if null != fd:
                    os.dup2(null, fd)
                    os.close(null)
            except OSError:
                pass
    if sys.stdout is not None:
        return None
    sys.stdout = _Discarding()
    return sys.stdout


OUT_OF_MEMORY = "out of memory: this machine cannot hold what was asked; draw it smaller or with fewer channels"


class ConvanimGroup(click.Group):
    """Turns every failure into one ``Error: …`` line and an exit status, never a traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt as stop:  # before click makes it an Abort (and prints a blank line)
            raise Stopped(stop) from None
        except BrokenPipeError:  # before click exits 1 without a word
            raise _closed_stdout() from None

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        closed = _reserve_closed_streams()
        try:
            with ending_signals():
                code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
            code = code if isinstance(code, int) else 0
        except NoArgsIsHelpError as e:  # plain `convanim`: the help, as --help shows it
            click.echo(e.ctx.get_help())
            code = 0
        except click.ClickException as e:
            say_error(e.format_message())
            code = e.exit_code
        except SpecError as e:  # raised outside a command's own parameters
            say_error(str(e))
            code = 2
        except OutputError as e:
            say_error(f"-o/--output: {e}")
            code = 1
        except click.Abort:
            say_error("interrupted")
            code = 130
        except MemoryError:  # where no limit saw it coming: still one line, and what to do
            say_error(OUT_OF_MEMORY)
            code = 1
        except OSError as e:
            where = f" {e.filename}" if e.filename else ""
            say_error(f"cannot write{where}: {e.strerror or e}")
            code = 1
        except Exception as e:  # a bug: still one line, and a status that says so
            say_error(f"internal error, please report it: {type(e).__name__}: {e}")
            code = 70
        code = _flushed(code)
        if closed is not None and closed.written and code == 0:
            say_error("standard output is closed: its lines were not printed")
            code = 1
        if standalone_mode:
            sys.exit(code)
        return code


@click.group(cls=ConvanimGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="convanim")
def cli() -> None:
    """Animations of convolution arithmetic, in the style of Dumoulin & Visin's guide."""


@cli.group(cls=click.Group)
def info() -> None:
    """Shapes, output-size arithmetic, weights, multiply-adds and receptive field of an operation."""


def main(argv: Optional[Sequence[str]] = None) -> None:
    cli.main(args=list(argv) if argv is not None else None, prog_name="convanim")
