"""Text as geometry: glyph outlines (known before anything is drawn), their sizes and boxes, the
equation strip's runs, and connector lines cut around the digits they would strike through."""

from __future__ import annotations

from functools import lru_cache
from typing import List, Sequence, Tuple

import numpy as np

from .layout import uncovered
from .theme import Theme


# Text sizes. Names and captions in cell units; numbers in cells by their digits' height in
# pixels, never under VALUE_PX and WEIGHT_PX however small the cells (cells grow to fit them).
NAME_EM, CAPTION_EM = 0.55, 0.5


VALUE_PX, WEIGHT_PX = 11.0, 9.0


SHEARED_WEIGHT_PX = 11.0  # a weight in an isometric (sheared) cell: no smaller than a value, or it reads as a speck


VALUE_SHARE, WEIGHT_SHARE = 0.38, 0.22  # ...or these shares of a larger cell


MOVETO = 1  # matplotlib's Path.MOVETO: a path's first code
WEIGHT_AT = (0.72, 0.74)  # a weight's centre in its cell (column, row fractions)...


VALUE_BY_WEIGHT_AT = (0.4, 0.4)  # ...and a value's on a plane that carries weights (else the middle)


TEXT_GAP_PX = 1.5  # between the digits of two numbers in a cell


LINK_GAP_PX = 3.0  # around digits: no connector line comes closer


EDGE_GAP_PX = 4.0  # from the middle of a cell's outline to the digits in it


WEIGHT_PAD_PX = 1.5  # a weight sits on a chip of the kernel's colour, this much larger than its digits


def chip(vertices: np.ndarray, pad: float) -> np.ndarray:
    """The rectangle under a weight's digits: their box, ``pad`` larger on every side."""
    (x0, y0), (x1, y1) = vertices.min(axis=0) - pad, vertices.max(axis=0) + pad
    return np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]])


def cut_segments(segments: np.ndarray, boxes: np.ndarray) -> List[np.ndarray]:
    """The parts of each segment (n, 2, 2) outside every box (m, 4: x0, y0, x1, y1)."""
    out = []
    for a, b in np.asarray(segments).reshape(-1, 2, 2):
        if not len(boxes):
            out.append(np.stack([a, b]))
            continue
        d = b - a
        with np.errstate(divide="ignore", invalid="ignore"):
            t = np.stack([(boxes[:, 0] - a[0]) / d[0], (boxes[:, 2] - a[0]) / d[0]], axis=1)
            u = np.stack([(boxes[:, 1] - a[1]) / d[1], (boxes[:, 3] - a[1]) / d[1]], axis=1)
        tx0, tx1 = np.nanmin(t, axis=1), np.nanmax(t, axis=1)
        ty0, ty1 = np.nanmin(u, axis=1), np.nanmax(u, axis=1)
        if abs(d[0]) < 1e-12:  # vertical: inside the x-slab or never
            inside = (boxes[:, 0] <= a[0]) & (a[0] <= boxes[:, 2])
            tx0, tx1 = np.where(inside, -np.inf, np.inf), np.where(inside, np.inf, -np.inf)
        if abs(d[1]) < 1e-12:
            inside = (boxes[:, 1] <= a[1]) & (a[1] <= boxes[:, 3])
            ty0, ty1 = np.where(inside, -np.inf, np.inf), np.where(inside, np.inf, -np.inf)
        t0, t1 = np.maximum(np.maximum(tx0, ty0), 0.0), np.minimum(np.minimum(tx1, ty1), 1.0)
        hit = t0 < t1
        out += [np.stack([a + s0 * d, a + s1 * d]) for s0, s1 in uncovered(list(zip(t0[hit], t1[hit])))]
    return out


@lru_cache(maxsize=4096)
def glyphs(text: str, font: str, bold: bool = False) -> Tuple[np.ndarray, np.ndarray, Tuple[float, float, float, float]]:
    """Outline of ``text`` at 1 em, baseline at y=0, y up: (vertices, codes, (x0, y0, x1, y1))."""
    if not text.strip():
        return np.zeros((1, 2)), np.array([MOVETO], dtype=np.uint8), (0.0, 0.0, 0.0, 0.0)
    from matplotlib.font_manager import FontProperties  # here: limits are checked before text is laid out
    from matplotlib.textpath import TextPath

    path = TextPath((0, 0), text, size=1.0, prop=FontProperties(family=font, weight="bold" if bold else "normal"))
    vertices = np.asarray(path.vertices, dtype=float)
    extents = path.get_extents()
    return vertices, np.asarray(path.codes), (extents.x0, extents.y0, extents.x1, extents.y1)


def digit_height(font: str) -> float:
    return glyphs("0", font)[2][3]


def digits_px(cell_px: float) -> Tuple[float, float]:
    """The height of a value's digits and of a weight's, in pixels, for cells of ``cell_px``."""
    return max(VALUE_PX, VALUE_SHARE * cell_px), max(WEIGHT_PX, WEIGHT_SHARE * cell_px)


def text_box(text: str, font: str, em: float, centre) -> np.ndarray:
    """(x0, y0, x1, y1) of upright ``text`` of ``em``, its middle (digit height) at ``centre``."""
    x0, y0, x1, y1 = glyphs(text, font)[2]
    cx, cy = centre
    mid = digit_height(font) / 2
    return np.array([cx + (x0 - (x0 + x1) / 2) * em, cy + (y0 - mid) * em, cx + (x1 - (x0 + x1) / 2) * em, cy + (y1 - mid) * em])


def text_width(text: str, em: float, theme: Theme) -> float:
    x0, _, x1, _ = glyphs(text, theme.font)[2]
    return (x1 - x0) * em


class Outline(tuple):
    """A text's outline on screen, ``(vertices, codes)``, that also says what it reads, its size
    (``em``, cell units) and where its pen starts on the baseline (``origin``, screen): what a
    page needs to write it as text."""

    def __new__(cls, vertices: np.ndarray, codes: np.ndarray, text: str, em: float, origin: np.ndarray) -> "Outline":
        outline = super().__new__(cls, (vertices, codes))
        outline.text, outline.em, outline.origin = text, em, origin
        outline.lines = (outline,)
        return outline

    @classmethod
    def joined(cls, lines: Sequence["Outline"]) -> "Outline":
        """Lines drawn as one outline (a heading shown in one place, one at a time); a page
        writes each of ``lines``."""
        if len(lines) == 1:
            return lines[0]
        outline = cls(np.concatenate([line[0] for line in lines]), np.concatenate([line[1] for line in lines]),
                      "\n".join(line.text for line in lines), lines[0].em, lines[0].origin)
        outline.lines = tuple(lines)
        return outline


def screen_text(text: str, em: float, anchor, theme: Theme, ha: str, va: str = "middle") -> Outline:
    """Upright text on screen, its (ha, va) point at ``anchor``: ha left/center/right, va top/middle/bottom."""
    vertices, codes, (gx0, gy0, gx1, gy1) = glyphs(text, theme.font)
    dx = {"left": -gx0, "center": -(gx0 + gx1) / 2, "right": -gx1}[ha]
    dy = {"top": -gy1, "middle": -digit_height(theme.font) / 2, "bottom": -gy0}[va]
    origin = np.asarray(anchor, dtype=float) + np.array([dx, dy]) * em
    return Outline(origin + vertices * em, codes, text, em, origin)


def wrapped(text: str, em: float, theme: Theme, room: float) -> List[str]:
    """``text`` broken at spaces into as few lines as keep within ``room`` (a word wider than it
    keeps a line of its own), and those lines as even as they can be: a centred heading reads as
    one block, not a long line over a short one."""
    words = text.split(" ")

    def lines(limit: float) -> List[str]:
        out = [words[0]]
        for word in words[1:]:
            joined = f"{out[-1]} {word}"
            if text_width(joined, em, theme) <= limit:
                out[-1] = joined
            else:
                out.append(word)
        return out

    fewest = len(lines(room))  # a narrower limit never needs fewer lines
    low, high = min(max(text_width(word, em, theme) for word in words), room), room
    for _ in range(12):  # the narrowest limit that needs no more lines
        middle = (low + high) / 2
        low, high = (middle, high) if len(lines(middle)) > fewest else (low, middle)
    return lines(high)


def screen_lines(texts: Sequence[str], em: float, anchor, theme: Theme, pitch: float) -> List[Outline]:
    """Lines centred on ``anchor``'s x, the first's top at its y, each baseline ``pitch`` below the last."""
    first = screen_text(texts[0], em, anchor, theme, "center", "top")
    out = [first]
    for n, text in enumerate(texts[1:], 1):
        vertices, codes, (gx0, _, gx1, _) = glyphs(text, theme.font)
        origin = np.array([anchor[0] - (gx0 + gx1) / 2 * em, first.origin[1] - n * pitch])
        out.append(Outline(origin + vertices * em, codes, text, em, origin))
    return out


def equation_runs(equation, width: float, em: float, theme: Theme):
    """The equation as runs (text, x0, x1, tint, strong) from x = 0, its middle terms replaced by
    "…" until it is at most ``width`` wide (or as short as it can be)."""
    if equation is None:
        return []
    terms = list(equation.terms)

    def runs(keep_first: int, keep_last: int):
        shown = list(enumerate(terms))
        if keep_first + keep_last < len(terms):
            shown = shown[:keep_first] + [(-1, None)] + shown[len(terms) - keep_last:]
        pieces = [(f"{equation.head} {equation.open}", -1, False)]
        for n, (k, term) in enumerate(shown):
            if n:
                pieces.append((equation.joiner, -1, False))
            pieces.append(("…", -1, False) if term is None else (term.text, term.tint, term.strong))
        pieces.append((f"{equation.close} {equation.result}", -1, False))
        out, x = [], 0.0
        for text, tint, strong in pieces:
            if not text:
                continue
            advance = _advance(text, theme.font, strong) * em
            out.append((text, x, x + advance, tint, strong))
            x += advance
        return out

    full = runs(len(terms), 0)
    if full[-1][2] <= width:
        return full
    # The first terms and the last, as many as fit: the widest that fits is found from each
    # piece's width in linear time (a long sum has thousands of terms), then laid out once.
    n = len(terms)
    wide = lambda text, strong=False: _advance(text, theme.font, strong) * em if text else 0.0  # noqa: E731
    term_w = [wide(term.text, term.strong) for term in terms]
    joiner_w = wide(equation.joiner)
    fixed = wide(f"{equation.head} {equation.open}") + wide(f"{equation.close} {equation.result}") + wide("…")
    prefix = [0.0]
    for w in term_w:
        prefix.append(prefix[-1] + w)

    def estimate(keep: int) -> float:
        first, last = (keep + 1) // 2, keep // 2
        return fixed + prefix[first] + prefix[n] - prefix[n - last] + joiner_w * keep

    keep = n - 1
    while keep > 2 and estimate(keep) > width * (1 + 1e-9) + 1e-9:
        keep -= 1
    for keep in range(keep, 1, -1):  # the estimate's rounding aside: as the pieces are laid out
        first, last = (keep + 1) // 2, keep // 2
        attempt = runs(first, last)
        if attempt[-1][2] <= width:
            return attempt
    return runs(1, 1)


@lru_cache(maxsize=4096)
def _advance(text: str, font: str, bold: bool = False) -> float:
    """How far ``text`` moves the pen, in em (spaces included)."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextToPath

    width, _, _ = TextToPath().get_text_width_height_descent(
        text, FontProperties(family=font, weight="bold" if bold else "normal", size=TextToPath.FONT_SCALE), ismath=False)
    return width / TextToPath.FONT_SCALE
