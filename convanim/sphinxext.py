"""Sphinx: a convanim command line as a figure, drawn when the page is built.

    extensions = ["convanim.sphinxext"]

    .. convanim:: conv --i 5 --k 3 --s 2 --p 1
       :caption: A 3x3 kernel, stride 2, over a padded 5x5 input.
       :alt: The kernel sweeping the input.
       :width: 60%

HTML gets the animation (``:format:`` gif, webp or png: a PNG is the ``:poster:`` frame), LaTeX
and PDF a vector still of the ``:poster:`` frame (the last by default). Figures are named by a
digest of their command line, options and convanim's version, so a rebuild draws only what
changed. A bad command line fails the build with the CLI's own one-line error, at its line.
"""

from __future__ import annotations

import hashlib
import io
import shlex
from contextlib import redirect_stderr, redirect_stdout
from html import escape
from pathlib import Path
from typing import List

from docutils import nodes
from docutils.parsers.rst import Directive, directives
from sphinx.util import logging
from sphinx.util.osutil import relative_uri

from . import __version__
from .cli import cli
from .io.formats import STILLS

FORMATS = ("gif", "webp", "png", "html")  # what an HTML page shows (a PNG: the poster frame)


logger = logging.getLogger(__name__)


def _poster(value: str) -> str:
    text = directives.unchanged_required(value).strip().lower()
    if text != "last" and not (text.isdigit() and int(text) >= 1):
        raise ValueError(f"{value!r} is not a frame: use a number from 1, or last")
    return text


def check(args: List[str]) -> str:
    """What the CLI would say of ``convanim ARGS`` before drawing: "" if it would draw, else its
    one-line error."""
    import click

    from .cli.app import bad_spec
    from .cli.commands import prepare
    from .core.errors import SpecError
    from .ops import BY_NAME

    if not args or args[0] not in BY_NAME:
        return f"Error: {args[0] if args else 'nothing'!r} is not a command that draws: use one of {', '.join(BY_NAME)}"
    command = cli.commands[args[0]]
    try:
        with click.Context(cli) as parent:
            ctx = command.make_context(args[0], [*args[1:], "-o", "check.gif"], parent=parent)
            try:
                prepare(BY_NAME[args[0]], dict(ctx.params), ctx)
            except SpecError as e:
                raise bad_spec(command, e) from None
    except click.ClickException as e:
        return f"Error: {e.format_message()}"
    return ""


def draw(args: List[str], path: Path) -> None:
    """Run ``convanim ARGS -o PATH`` in this process; a failure is its one-line error."""
    if path.exists():
        return  # drawn by an earlier build: the name is the digest of everything that draws it
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = cli.main(args=[*args, "-o", str(path)], prog_name="convanim", standalone_mode=False)
    if code:
        raise ValueError(err.getvalue().strip().splitlines()[-1] if err.getvalue().strip() else f"exit status {code}")


SIDE_FILES = ("--dump", "--storyboard")  # files beside the figure: a build writes only its figures, in its own folder


def _writes_elsewhere(args: List[str]) -> str:
    """The refusal of an option that writes a file of its own ("" if none does)."""
    for arg in args:
        option = arg.split("=", 1)[0]
        if option in SIDE_FILES:
            return (f"Error: {option}: a directive draws only its figure, into the build's folder;"
                    f" write the {option[2:]} with the command line")
    return ""


class convanim_figure(nodes.General, nodes.Element):
    """A figure to draw when the page is written, in the writer's format."""


class ConvanimDirective(Directive):
    """``.. convanim:: COMMAND [OPTIONS]``: the figure that command line draws."""

    required_arguments = 1
    final_argument_whitespace = True
    has_content = False
    option_spec = {
        "alt": directives.unchanged,
        "caption": directives.unchanged,
        "format": lambda value: directives.choice(value, FORMATS),
        "poster": _poster,
        "align": lambda value: directives.choice(value, ("left", "center", "right")),
        "width": directives.length_or_percentage_or_unitless,
    }

    def run(self) -> List[nodes.Node]:
        env = self.state.document.settings.env
        args = shlex.split(self.arguments[0])
        if args and args[0] == "convanim":
            args = args[1:]
        problem = _writes_elsewhere(args) or check(args)
        if problem:
            logger.error(f"convanim {self.arguments[0]}: {problem}", location=(env.docname, self.lineno))
            env.note_reread()  # until it is mended, every build says so
            env.convanim_failed = True
            return []
        node = convanim_figure()
        node["args"] = args
        node["command"] = self.arguments[0]
        node["where"] = f"{env.doc2path(env.docname)}:{self.lineno}"
        node["docname"] = env.docname
        caption = self.options.get("caption", "")
        for key, value in dict(caption=caption, alt=self.options.get("alt", caption or f"convanim {self.arguments[0]}"),
                               format=self.options.get("format", "gif"), poster=self.options.get("poster", "last"),
                               align=self.options.get("align", "center"), width=self.options.get("width", "")).items():
            node[key] = value
        return [node]


def _drawn(builder, node, fmt: str, folder: Path) -> str:
    """Draw the node's figure in ``fmt`` into ``folder`` (unless drawn before); its file name. If it
    cannot be drawn, the error is logged at its line and the node skipped."""
    still = fmt in STILLS
    args = [*node["args"], *(["--poster", node["poster"]] if still else [])]
    digest = hashlib.sha256(repr((__version__, args, fmt)).encode()).hexdigest()[:16]
    name = f"convanim-{digest}.{fmt}"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        draw(args, folder / name)
    except (ValueError, OSError) as e:
        logger.error(f"convanim {node['command']}: {e}", location=node["where"])
        builder.env.convanim_failed = True  # a figure that could not be drawn fails the build
        raise nodes.SkipNode from None  # the page goes on without it; the error says why
    return name


def visit_html(self, node) -> None:
    name = _drawn(self.builder, node, node["format"], Path(self.builder.outdir) / "_images")
    style = f' style="width: {escape(node["width"])}"' if node["width"] else ""
    if node["format"] == "html":  # the interactive player itself, in the page (it is self-contained)
        page = (Path(self.builder.outdir) / "_images" / name).read_text(encoding="utf-8")
        player = page[page.index('<figure class="convanim"'):page.rindex("</figure>") + len("</figure>")]
        self.body.append(f'<div class="convanim-embed align-{node["align"]}"{style}>'
                         + player.replace(" data-standalone", "", 1)
                         + (f"<p class=\"caption\">{escape(node['caption'])}</p>" if node["caption"] else "")
                         + "</div>\n")
        raise nodes.SkipNode
    src = relative_uri(self.builder.get_target_uri(node["docname"]), f"_images/{name}")
    self.body.append(f'<figure class="convanim align-{node["align"]}"><img src="{escape(src)}" alt="{escape(node["alt"])}"{style}/>'
                     + (f"<figcaption><p>{escape(node['caption'])}</p></figcaption>" if node["caption"] else "")
                     + "</figure>\n")
    raise nodes.SkipNode


def visit_latex(self, node) -> None:
    name = _drawn(self.builder, node, "pdf", Path(self.builder.outdir))
    size = f"[width={_latex_width(node['width'])}]" if node["width"] else "[width=\\linewidth]"
    self.body.append(f"\n\\begin{{figure}}[htbp]\n\\centering\n\\includegraphics{size}{{{name}}}\n"
                     + (f"\\caption{{{_latex_escape(node['caption'])}}}\n" if node["caption"] else "")
                     + "\\end{figure}\n")
    raise nodes.SkipNode


def visit_text(self, node) -> None:
    self.add_text(f"[{node['alt']}]")
    raise nodes.SkipNode


def skip(self, node) -> None:
    raise nodes.SkipNode


def _latex_width(width: str) -> str:
    return f"{float(width[:-1]) / 100:g}\\linewidth" if width.endswith("%") else width


def _latex_escape(text: str) -> str:
    for char, escaped in (("\\", "\\textbackslash{}"), ("&", "\\&"), ("%", "\\%"), ("$", "\\$"), ("#", "\\#"),
                          ("_", "\\_"), ("{", "\\{"), ("}", "\\}"), ("~", "\\textasciitilde{}"), ("^", "\\^{}")):
        text = text.replace(char, escaped)
    return text


def _reading(app, env, docnames) -> None:
    env.convanim_failed = False  # the pages that failed are read again, and say so again


def _failed(app, exception) -> None:
    if getattr(app.env, "convanim_failed", False) and exception is None:
        app.statuscode = 1  # a figure that cannot be drawn fails the build


def setup(app) -> dict:
    app.connect("env-before-read-docs", _reading)
    app.connect("build-finished", _failed)
    app.add_node(convanim_figure, html=(visit_html, None), latex=(visit_latex, None), text=(visit_text, None),
                 man=(skip, None), texinfo=(skip, None))
    app.add_directive("convanim", ConvanimDirective)
    return {"version": __version__, "parallel_read_safe": True, "parallel_write_safe": True}
