"""The interactive page: one self-contained HTML file (the data, the player script and its style
inline; nothing fetched, not even a font), or the same figure as a fragment for a notebook."""

from __future__ import annotations

import html
import json
import os
from functools import lru_cache
from pathlib import Path

from .files import replacing

HERE = Path(__file__).parent


@lru_cache(maxsize=None)
def asset(name: str) -> str:
    return (HERE / name).read_text(encoding="utf-8")


def script_json(data: dict) -> str:
    """JSON that cannot end the <script> element it sits in."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return text.replace("<", "\\u003c").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def figure_html(data: dict, standalone: bool = False, still: str = "") -> str:
    """The player for one animation: its data, the script that draws it, the style it needs.

    ``standalone``: the page's only figure, which takes the keyboard at once and reads and
    writes ``#frame=N``; in a notebook, several players share a page and keep to themselves.
    ``still``: HTML shown where the figure goes until the script replaces it (a notebook's
    poster frame, for viewers that run no scripts).
    """
    title = html.escape(data["title"])
    caption = f"<figcaption>{html.escape(data['caption'])}</figcaption>" if data.get("caption") else ""
    mode = " data-standalone" if standalone else ""
    return (
        f'<figure class="convanim" data-convanim{mode} tabindex="0" aria-label="{title}">'
        f'<style>{asset("player.css")}</style>'
        f'<div class="convanim-figure">{still}</div>{caption}'
        f'<noscript>This interactive figure needs JavaScript.</noscript>'
        f'<script type="application/json">{script_json(data)}</script>'
        f"<script>{asset('player.js')}</script></figure>"
    )


def page_html(data: dict) -> str:
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta name="generator" content="convanim"><title>{html.escape(data["title"])}</title>'
        f'<style>body{{margin:1em;background:{"transparent" if data.get("transparent") else data["theme"]["background"]}}}</style></head>\n'
        f"<body>{figure_html(data, standalone=True)}</body></html>\n"
    )


def write_page(data: dict, path: str | os.PathLike) -> Path:
    """Write the page, atomically."""
    path = Path(path)
    with replacing(path) as fp:
        fp.write(page_html(data).encode("utf-8"))
    return path
