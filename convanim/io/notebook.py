"""A figure in a notebook: the interactive player with the poster frame inside it until its
script runs, and the poster as a PNG beside it, so that a viewer that runs no scripts (GitHub,
an untrusted notebook) still shows the figure."""

from __future__ import annotations

import base64
import html
import io
from typing import Callable

import numpy as np

NOTEBOOK_MAX_BYTES = 2 * 2**20  # a notebook's interactive player up to this size; past it, the GIF


def png_bytes(frame: np.ndarray) -> bytes:
    """One frame as PNG bytes."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(frame).save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def still_html(png: bytes, title: str, width: int, height: int) -> str:
    """The poster frame as an inline image, standing where the figure goes until the script draws."""
    return (f'<img src="data:image/png;base64,{base64.b64encode(png).decode("ascii")}" '
            f'alt="{html.escape(title)}" width="{width}" height="{height}"/>')


def notebook_html(player: str, gif: Callable[[], bytes], alt: str) -> str:
    """The player, or past ``NOTEBOOK_MAX_BYTES`` the animation as an inline GIF (made only then)."""
    if len(player.encode("utf-8")) <= NOTEBOOK_MAX_BYTES:
        return player
    data = base64.b64encode(gif()).decode("ascii")
    return f'<img src="data:image/gif;base64,{data}" alt="{alt}"/>'


def mimebundle(html_text: str, png: bytes, title: str) -> dict:
    """What Jupyter's rich display shows: the HTML, the PNG as its fallback, and a title as text."""
    return {"text/html": html_text, "image/png": base64.b64encode(png).decode("ascii"), "text/plain": title}
