"""Colours and strokes. The default is the paper's Solarized palette, measured on its GIFs."""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass
from itertools import combinations
from typing import Optional, Sequence, Tuple

import numpy as np

RGB = Tuple[int, int, int]


@dataclass(frozen=True)
class Theme:
    background: RGB = (255, 255, 255)
    input: RGB = (38, 139, 210)  # Solarized blue
    output: RGB = (42, 161, 152)  # Solarized cyan
    padding: RGB = (255, 255, 255)  # padding and inserted zeros
    line: RGB = (0, 43, 54)  # base03
    highlight: RGB = (7, 54, 66)  # base02, laid over the footprint and the current output cell
    highlight_alpha: float = 0.4
    link: RGB = (0, 43, 54)  # the connector lines, in the lines' colour
    text: RGB = (0, 0, 0)  # the ink of names, captions and equations, on the background
    alt_text: RGB = (255, 255, 255)  # the other ink, for a value on a fill ``text`` reads poorly on
    mark: RGB = (203, 75, 22)  # Solarized orange: the cell a max pooling keeps
    # Channel figures: input channel c (or group c) takes hue c, the first being ``input``.
    hues: Tuple[RGB, ...] = ((211, 54, 130), (181, 137, 0), (108, 113, 196), (133, 153, 0), (220, 50, 47))
    kernel: Optional[RGB] = None  # a kernel drawn on its own, and the chips under weights (None: the footprint's shade)
    font: str = "DejaVu Serif"
    # Strokes in pixels at the paper's scale (TikZ "thick" and default lines at 0.5 cm per cell);
    # link_px as measured on the paper's GIFs: 0.93 px of ink across a connector line.
    line_px: float = 1.4
    link_px: float = 0.93
    dash_px: float = 6.2
    mark_px: float = 2.5

    def __repr__(self) -> str:
        """A named theme by its name; another by what it changes: ``Theme(input=(38, 139, 210))``."""
        name = next((n for n, t in THEMES.items() if t == self), None)
        if name is not None:
            return f"THEMES[{name!r}]"
        changed = [f"{f.name}={getattr(self, f.name)!r}" for f in dataclasses.fields(self)
                   if getattr(self, f.name) != f.default]
        return f"Theme({', '.join(changed)})"

    def heat(self, level: float) -> RGB:
        """A heatmap's colour: from the background (0) to the input colour (1)."""
        level = min(max(float(level), 0.0), 1.0)
        return tuple(int(round(b + (i - b) * level)) for b, i in zip(self.background, self.input))  # type: ignore[return-value]

    def hue(self, tint: int) -> RGB:
        """Channel hue ``tint`` (0 is the input colour), cycling; -1 means none: the input colour."""
        cycle = (self.input, *self.hues)
        return cycle[max(tint, 0) % len(cycle)]

    def tinted_link(self, tint: int) -> RGB:
        """A link in a channel's hue, deepened towards the line colour so that it shows on its own plane."""
        return self.link if tint < 0 else _mix(self.hue(tint), self.line, 0.45)

    def tinted_kernel(self, tint: int) -> RGB:
        """A kernel slice in the hue of the channel it multiplies, lightened so its weights read."""
        return self.kernel_fill if tint < 0 else _mix(self.hue(tint), self.background, 0.4)

    @property
    def kernel_fill(self) -> RGB:
        """A kernel drawn on its own has the footprint's shade over a blank cell, as in the paper
        (unless the theme says otherwise: on a dark ground that shade is darker than padding)."""
        return self.over(self.padding) if self.kernel is None else self.kernel

    def ink_on(self, ground: RGB) -> RGB:
        """The ink a text takes on ``ground``: ``text`` or ``alt_text``, whichever contrasts more."""
        return max((self.text, self.alt_text), key=lambda ink: contrast(ink, ground))

    def legible(self, colour: RGB, ground: Optional[RGB] = None) -> RGB:
        """``colour`` as a text's ink on ``ground`` (the background): itself where it reads at
        ``MIN_CONTRAST``, else moved towards the ink that reads best until it does, keeping its hue."""
        ground = self.background if ground is None else ground
        target = self.ink_on(ground)
        for t in np.linspace(0.0, 1.0, 21):
            ink = _mix(colour, target, float(t))
            if contrast(ink, ground) >= MIN_CONTRAST:
                return ink
        return target

    def _short(self) -> list:
        return [(name, fill) for name, fill in self.fills() if contrast(self.ink_on(fill), fill) < MIN_CONTRAST]

    def fills(self) -> Tuple[Tuple[str, RGB], ...]:
        """Every fill a value can be written on, named: the background, padding, input, output, a
        kernel, each channel's hue and kernel slice, a heatmap's levels; each also under the highlight."""
        named = [("background", self.background), ("padding", self.padding), ("input", self.input),
                 ("output", self.output), ("kernel", self.kernel_fill)]
        named += [(f"hue {k}", self.hue(k)) for k in range(1, len(self.hues) + 1)]
        named += [(f"hue {k}'s kernel slice", self.tinted_kernel(k)) for k in range(len(self.hues) + 1)]
        named += [(f"heatmap level {level:g}", self.heat(level)) for level in np.linspace(0, 1, 33)]
        return tuple(dict.fromkeys([*named, *((f"{name} under the highlight", self.over(c)) for name, c in named)]))

    @functools.lru_cache(maxsize=64)  # asked by every animation; a theme is a frozen value
    def unreadable(self) -> Tuple[str, ...]:
        """Where a text of this theme would read at under ``MIN_CONTRAST`` (WCAG AA), each said
        with its ratio and what would mend it; empty for a theme every text reads in."""
        out = []
        if contrast(self.text, self.background) < MIN_CONTRAST:
            best = max(((0, 0, 0), (255, 255, 255)), key=lambda ink: contrast(ink, self.background))
            out.append(f"text {_hex(self.text)} reads at {contrast(self.text, self.background):.1f}:1 on the background"
                       f" {_hex(self.background)}, under the {MIN_CONTRAST}:1 names, captions and equations need;"
                       f" text = \"{_hex(best)}\" reads at {contrast(best, self.background):.1f}:1")
        short = self._short()
        if short:
            name, fill = min(short, key=lambda named: contrast(self.ink_on(named[1]), named[1]))
            hint = "; give the fills more contrast with the inks"
            for field in ("alt_text", "text"):  # one ink changed to black or white, the other kept
                mend = next((ink for ink in ((0, 0, 0), (255, 255, 255))
                             if not dataclasses.replace(self, **{field: ink})._short()), None)
                if mend is not None:
                    hint = f"; {field} = \"{_hex(mend)}\" mends them"
                    break
            more = f" (and {len(short) - 1} more fill{'s' if len(short) > 2 else ''})" if len(short) > 1 else ""
            out.append(f"neither text {_hex(self.text)} nor alt_text {_hex(self.alt_text)} reads at {MIN_CONTRAST}:1 on"
                       f" {name} {_hex(fill)}: at best {contrast(self.ink_on(fill), fill):.1f}:1{more}{hint}")
        return tuple(out)

    def over(self, base: RGB) -> RGB:
        """The highlight composited over ``base``."""
        a = self.highlight_alpha
        return tuple(int(round((1 - a) * b + a * h)) for b, h in zip(base, self.highlight))  # type: ignore[return-value]

    @property
    def solid_colours(self) -> Tuple[RGB, ...]:
        """Every flat colour a frame can contain, before antialiasing."""
        bases = (self.background, self.input, self.output, self.padding)
        colours = [*bases, self.line, self.link, self.text, self.mark, *(self.over(b) for b in bases)]
        return tuple(dict.fromkeys(colours))

    def palette(self, size: int = 255, crisp: bool = False, text: bool = True, heat: bool = True,
                solids: Optional[Sequence[RGB]] = None, alt_ink: bool = False) -> np.ndarray:
        """A fixed palette (n, 3) for indexed formats, the solid colours first; one palette serves
        every frame of an animation in this theme (a GIF orders it by use, see GifStream).

        Antialiased edges blend two colours, so ramps between each pair of solid colours cover
        them, in ``SHAPE_STEPS`` blends (an edge in a third and two thirds: most of a GIF's bytes
        are the moving edges, and each level more costs about 2 % of the paper's bytes). With
        ``text``, ``TEXT_STEPS`` blends join the text's ink (plain, and under the highlight) to
        each colour, for small glyphs; with ``heat``, a heatmap's ramp. Leave out what an
        animation never draws: every colour more is a level more between two others.

        A ``crisp`` drawing blends only its text: its palette holds the solid colours, the grid
        lines under the highlight, a heatmap's ramp, and ramps from the ink to each solid colour.

        ``alt_ink``: the text also takes ``alt_text`` (values on fills ``text`` reads poorly on).

        ``solids``: the flat colours to blend, if not the theme's ``solid_colours``. Where there
        are too many for ``size`` entries, text and then shapes get fewer blends.
        """
        solids = [np.array(c, dtype=float) for c in (self.solid_colours if solids is None else solids)]
        lines_under_highlight = [np.array(self.over(self.line), dtype=float)]
        heats = [np.array(self.heat(t), dtype=float) for t in np.linspace(0, 1, HEAT_STEPS)] if heat else []
        inks = [np.array(self.text, dtype=float), np.array(self.over(self.text), dtype=float)]
        if text and alt_ink:
            inks.append(np.array(self.alt_text, dtype=float))
        if crisp:
            pairs = [(ink, solid) for ink in inks for solid in solids if not np.array_equal(ink, solid)]
            return _with_ramps(solids + lines_under_highlight + heats + inks, pairs, size)
        drawn = {tuple(c) for c in (self.background, self.input, self.output, self.padding, self.line, self.link, self.mark)}
        plain = [c for c in solids
                 if not any(np.array_equal(c, ink) for ink in inks) or tuple(c) in drawn]
        plain = list({tuple(c): c for c in plain}.values())
        shapes = list(combinations(plain, 2))
        pairs = [(ink, other) for k, ink in enumerate(inks) for other in plain + inks[k + 1:]
                 if not np.array_equal(ink, other)] if text else []
        # Many colours: fewer text blends, then fewer shape blends, until the palette fits.
        fits = [(SHAPE_STEPS, t) for t in range(TEXT_STEPS, -1, -1)] + [(s, 0) for s in range(SHAPE_STEPS - 1, -1, -1)]
        for shape_steps, text_steps in fits:
            colours = np.vstack([*plain, *(inks if text else []), *heats, *_ramps(shapes, shape_steps),
                                 *_ramps(pairs, text_steps)])
            colours = list(dict.fromkeys(map(tuple, np.round(colours).astype(np.uint8))))
            if len(colours) <= size:
                break
        return np.array(colours[:size], dtype=np.uint8)


MIN_CONTRAST = 4.5  # WCAG AA for text: every text on its fill, in every theme


def luminance(colour: RGB) -> float:
    """WCAG's relative luminance of a 0–255 sRGB colour."""
    return _luminance(tuple(int(round(float(v))) for v in colour[:3]))


@functools.lru_cache(maxsize=4096)
def _luminance(colour: RGB) -> float:
    linear = [v / 255 / 12.92 if v / 255 <= 0.04045 else ((v / 255 + 0.055) / 1.055) ** 2.4 for v in colour]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: RGB, b: RGB) -> float:
    """WCAG's contrast ratio of two colours, 1 to 21."""
    low, high = sorted((luminance(a), luminance(b)))
    return (high + 0.05) / (low + 0.05)


def _hex(colour: RGB) -> str:
    return "#" + "".join(f"{int(v):02x}" for v in colour[:3])


def _mix(a: RGB, b: RGB, t: float) -> RGB:
    return tuple(int(round((1 - t) * x + t * y)) for x, y in zip(a, b))  # type: ignore[return-value]


HEAT_STEPS = 17  # a heatmap's colours
SHAPE_STEPS = 2  # blends between two colours of shapes in an antialiased palette
TEXT_STEPS = 5  # blends between the text's ink and any colour


def _ramps(pairs: list, steps: int) -> list:
    """``steps`` evenly spaced blends between each pair, ends excluded."""
    return [a + (b - a) * t for a, b in pairs for t in np.arange(1, steps + 1) / (steps + 1)]


def _with_ramps(first: list, pairs: list, size: int) -> np.ndarray:
    """``first``, then evenly spaced blends between each pair, as many as ``size`` leaves room for;
    each colour once."""
    distinct = len({tuple(np.round(c)) for c in first})
    steps = max(0, (size - distinct) // max(1, len(pairs)))
    ramps = [a + (b - a) * t for a, b in pairs for t in np.arange(1, steps + 1) / (steps + 1)]
    colours = np.round(np.vstack([*first, *ramps])).astype(np.uint8)
    return np.array(list(dict.fromkeys(map(tuple, colours)))[:size], dtype=np.uint8)


PAPER = Theme()


DARK = Theme(
    background=(0, 43, 54),  # Solarized base03
    input=(38, 139, 210),
    output=(42, 161, 152),
    padding=(39, 76, 86),  # base02 two fifths towards base01: padding apart from the background (1.6:1)
    line=(147, 161, 161),  # base1
    highlight=(0, 16, 20),  # darker than base03: it deepens what it covers (1.6:1 over padding, 2.7:1 over input)
    highlight_alpha=0.55,
    link=(147, 161, 161),
    text=(255, 252, 242),  # base3, a shade lighter: with black, one of the two reads at 4.5:1 on any fill
    alt_text=(0, 0, 0),  # on the hues, where the light ink reads at under 4.5:1
    kernel=(88, 110, 117),  # base01: the kernel lighter than padding, and the footprint darker over it (2.2:1)
    mark=(203, 75, 22),
)

COLORBLIND = Theme(  # Okabe & Ito's palette, told apart with any colour vision
    input=(86, 180, 233),  # sky blue
    output=(230, 159, 0),  # orange
    line=(0, 0, 0),
    highlight=(0, 0, 0),
    highlight_alpha=0.35,
    link=(0, 0, 0),
    text=(0, 0, 0),
    mark=(213, 94, 0),  # vermillion
    hues=((204, 121, 167), (240, 228, 66), (0, 114, 178), (0, 158, 115)),  # reddish purple, yellow, blue, green
)

THEMES = {"paper": PAPER, "dark": DARK, "colorblind": COLORBLIND}


def _colour(key: str, value: object) -> RGB:
    if isinstance(value, str):
        text = value.strip().lstrip("#")
        if len(text) == 6 and all(c in "0123456789abcdefABCDEF" for c in text):
            return tuple(int(text[i : i + 2], 16) for i in (0, 2, 4))  # type: ignore[return-value]
    elif isinstance(value, (list, tuple)) and len(value) == 3 and all(
        isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 255 for v in value
    ):
        return tuple(value)  # type: ignore[return-value]
    raise ValueError(f"{key} = {value!r} is not a colour: use \"#rrggbb\" or [r, g, b] with 0..255")


def installed_font(name: str) -> str:
    """The installed font family ``name`` names (case aside), as it is installed: the one that is
    used. A list (``"A,B"``), a pattern or an unknown name is refused with the close ones, where
    matplotlib would fall back to another font with a warning per text."""
    import difflib

    from matplotlib.font_manager import fontManager

    families = sorted({font.name for font in fontManager.ttflist})
    found = next((family for family in families if family.lower() == name.strip().lower()), None)
    if found is None:
        close = difflib.get_close_matches(name, families, n=3, cutoff=0.5)
        raise ValueError(f"font = {name!r}: no installed font family has that name; use one of "
                         + ", ".join(close or families))
    return found


def theme_from_toml(text: str) -> Theme:
    """A theme from TOML: ``base = "dark"`` to start from a built-in one, then any field."""
    try:
        import tomllib
    except ImportError:  # Python < 3.11
        import tomli as tomllib  # type: ignore[no-redef]
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ValueError(f"not TOML: {e}") from None
    except RecursionError:
        raise ValueError("not TOML convanim reads: nested too deeply") from None
    base_name = data.pop("base", "paper")
    if not isinstance(base_name, str) or base_name not in THEMES:  # a list or a table: no theme's name
        raise ValueError(f"base = {base_name!r}: use one of {', '.join(THEMES)}")
    base = THEMES[base_name]
    fields = {f.name: f for f in dataclasses.fields(Theme)}
    changes: dict = {}
    for key, value in data.items():
        if key not in fields:
            raise ValueError(f"unknown key {key!r}: use base or one of {', '.join(fields)}")
        current = getattr(base, key)
        if key == "hues":
            if not isinstance(value, list) or not value:
                raise ValueError(f"hues = {value!r}: use a list of colours")
            changes[key] = tuple(_colour(key, v) for v in value)
        elif isinstance(current, tuple) or key == "kernel":
            changes[key] = _colour(key, value)
        elif isinstance(current, str):
            if not isinstance(value, str):
                raise ValueError(f"{key} = {value!r} is not text")
            changes[key] = installed_font(value)
        else:
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= (1 if key.endswith("alpha") else 50):
                raise ValueError(f"{key} = {value!r} is out of range")
            changes[key] = float(value)
    theme = dataclasses.replace(base, **changes)
    if theme.unreadable():
        raise ValueError(theme.unreadable()[0])
    return theme
