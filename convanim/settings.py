"""An animation's options as users give them, declared once: ``--width 300`` on the command line,
``width = 300`` in a batch file, the same in a Sphinx directive's command line.

An operation declares its own parameters (:class:`convanim.ops.base.Param`); these are the
options every drawing command shares: how it looks, its limits, its numbers, where its files
go. The command line's options are made from them, and a command's parameters are sorted by
them into the spec's, the :class:`~convanim.animation.Animation`'s and the files'. The spec's
sizes may come from the values given (``--input-values``): :func:`spec_from_values`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Collection, Dict, Mapping, Optional, Tuple, Union

import numpy as np

from .core.errors import SpecError
from .core.geometry import shape_text
from .core.limits import MAX_CELLS, MAX_DELAY_MS, MAX_FRAMES, MAX_PIXELS, MAX_SIZE_PX, MAX_VALUES, MIN_DELAY_MS
from .core.values import PAPER_SEED
from .draw.layout import STYLES
from .draw.theme import THEMES
from .io.formats import FORMATS, STILLS, STORYBOARDS, listed
from .ops import Operation, operation

SETTING_KINDS = ("int", "number", "flag", "switch", "choice", "theme-file", "values", "output", "storyboard", "poster",
                 "json")
GROUPS = ("numbers", "output", "look", "limits", "timing")
TARGETS = ("animation", "job", "")


@dataclass(frozen=True)
class Setting:
    """One option. ``kind`` says how its text reads (``int``/``number`` within ``bounds``, ``flag``
    on or off, ``switch`` one of two named flags, ``choice``, or a file of some kind); ``into`` says
    where its value goes as it is: a field of the animation, of the job that writes its files,
    or neither (``""``: it is combined with others, as ``--delay`` with ``--fps``)."""

    name: str
    kind: str
    help: str
    group: str
    flags: Tuple[str, ...] = ()  # as click declares them, e.g. ("-o", "--output") or ("--crisp/--antialias",)
    default: Any = None
    show_default: Union[bool, str] = False
    bounds: Tuple[Optional[float], Optional[float]] = (None, None)
    choices: Tuple[str, ...] = ()
    into: str = ""

    def __post_init__(self) -> None:
        for value, allowed in ((self.kind, SETTING_KINDS), (self.group, GROUPS), (self.into, TARGETS)):
            if value not in allowed:
                raise ValueError(f"{self.name}: {value!r} is not one of {', '.join(map(repr, allowed))}")
        if not self.flags:
            object.__setattr__(self, "flags", ("--" + self.name.replace("_", "-"),))


_OUTPUT_FORMATS = " ".join(f.extension + (f" ({f.note})" if f.note else "") for f in FORMATS.values())

SETTINGS: Tuple[Setting, ...] = (
    Setting("numbers", "flag", "Print the values in the cells (seeded random integers).", "numbers"),
    Setting("seed", "int", f"Seed for the random values.  [default: {PAPER_SEED}, the paper's]", "numbers",
            bounds=(0, 2**32 - 1)),
    Setting("input_values", "values", "The input's values (.npy, .csv or .txt); the input size comes from it.",
            "numbers"),
    Setting("kernel_values", "values", "The kernel's weights (.npy, .csv or .txt); the kernel size comes from it.",
            "numbers"),
    Setting("bias_values", "values", "A bias per output channel (.npy, .csv or .txt), added to each output.",
            "numbers"),
    Setting("grad_values", "values", "∂L/∂y, the output's gradient (.npy, .csv or .txt), for the backward pass"
            " (--view grad-input, grad-weight).  [default: random integers −2..2 by --seed]", "numbers"),
    Setting("precision", "int", "Decimals for values that are not whole numbers.", "numbers", default=1,
            show_default=True, bounds=(0, 6), into="animation"),
    Setting("labels", "switch", "Name the planes and caption the parameters and output size.", "numbers",
            ("--labels/--no-labels",), default=True, show_default=True, into="animation"),
    Setting("dump", "json", "Also write the computation, step by step, as JSON.", "numbers", into="job"),
    Setting("output", "output", f"The file: {_OUTPUT_FORMATS}, or a folder of PNGs.  [default: output/NAME.gif;"
            " .png for one frame]",
            "output", ("-o", "--output")),
    Setting("storyboard", "storyboard",
            f"Also (or, without -o, only) every frame in a grid on one {listed(STORYBOARDS)} page.", "output", into="job"),
    Setting("poster", "poster", f"Write only this frame (N from 1, or last), as a still: -o NAME{listed(STILLS)}.",
            "output", into="job"),
    Setting("beamer", "flag", "With -o NAME.pdf: also NAME.tex, which plays it in a Beamer frame.", "output",
            into="job"),
    Setting("width", "int", "Image width in pixels.  [default: the paper's scale, at most about 1000]", "look",
            bounds=(16, 100_000), into="animation"),
    Setting("dpi", "int", "Pixels per inch, the paper's cells being 0.5 cm (its GIFs are at about 150).", "look",
            bounds=(10, 2400)),
    Setting("crisp", "switch", "Shapes in flat colours (a GIF about 40% smaller), or with smooth edges.  "
            "[default: antialiased, as the paper; SVG/PDF are vectors]", "look", ("--crisp/--antialias",),
            into="animation"),
    Setting("transparent", "flag", "No background (for slides).", "look", into="animation"),
    Setting("theme", "choice", "The colours: the paper's, dark, or told apart with any colour vision.", "look",
            default="paper", show_default=True, choices=tuple(THEMES)),
    Setting("theme_file", "theme-file", "Colours and strokes from a TOML file (base = \"dark\", input = \"#268bd2\", …).",
            "look"),
    Setting("max_frames", "int", "Refuse animations with more frames than this.", "limits", default=MAX_FRAMES,
            show_default=True, bounds=(1, None), into="animation"),
    Setting("max_size", "int", "Refuse images larger than this many pixels on a side.", "limits", default=MAX_SIZE_PX,
            show_default=True, bounds=(16, None), into="animation"),
    Setting("max_pixels", "int", "Refuse an image or a storyboard page of more pixels than this (16 bytes of memory"
            " each).", "limits", default=MAX_PIXELS, show_default=True, bounds=(1, None), into="animation"),
    Setting("max_values", "int", "Refuse figures that hold more values than this (weights; with --numbers, every value"
            " computed).", "limits", default=MAX_VALUES, show_default=True, bounds=(1, None), into="animation"),
    Setting("max_cells", "int", "Refuse frames that draw more cells than this.", "limits", default=MAX_CELLS,
            show_default=True, bounds=(1, None), into="animation"),
    Setting("force", "flag", "Let a PNG sequence replace files convanim did not write.", "limits", into="job"),
    Setting("style", "choice", "paper: isometric, output above input; flat: side by side.", "timing",
            default="paper", show_default=True, choices=STYLES, into="animation"),
    Setting("delay", "int", "Milliseconds per frame.  [default: 1000]", "timing", bounds=(MIN_DELAY_MS, MAX_DELAY_MS)),
    Setting("fps", "number", "Frames per second (instead of --delay).", "timing", bounds=(0, None)),
)

BY_SETTING: Dict[str, Setting] = {s.name: s for s in SETTINGS}


def group(name: str) -> Tuple[Setting, ...]:
    """The settings of a group, in the order the help lists them."""
    return tuple(s for s in SETTINGS if s.group == name)


def take(params: Dict[str, Any]) -> Dict[str, Any]:
    """The settings among a command's parameters, taken out of ``params``: what is left is the spec's."""
    return {s.name: params.pop(s.name) for s in SETTINGS if s.name in params}


def into(settings: Mapping[str, Any], target: str) -> Dict[str, Any]:
    """The settings that go as they are into ``target`` (``animation`` or ``job``), by field name."""
    return {name: value for name, value in settings.items() if BY_SETTING[name].into == target}


def sizes_from_values(op: Union[Operation, str], params: Mapping[str, Any], input_values: Optional[np.ndarray] = None,
                      kernel_values: Optional[np.ndarray] = None, given: Optional[Collection[str]] = None
                      ) -> Dict[str, Any]:
    """``params`` with the sizes, and channels, that the arrays have: input H×W or C×H×W, weight
    kh×kw or O×(C/groups)×kh×kw (PyTorch's layouts; a 1-D operation's L or C×L, k or O×(C/groups)×k).
    A size in ``given`` (default: every one in ``params``) that the arrays contradict is a SpecError."""
    op = operation(op) if isinstance(op, str) else op
    sized = dict(params)
    given = set(params) if given is None else set(given)
    takes = {p.name for p in op.params}
    n = op.dims(sized) if callable(op.dims) else op.dims
    size = (lambda shape: shape[-1]) if n == 1 else (lambda shape: tuple(shape[-n:]))  # noqa: E731
    channels = bool({"in_channels", "out_channels", "layer"} & takes)  # an operation that has them, or a layer that may
    if n == 1 and isinstance(sized.get("input_size"), tuple) and len(set(sized["input_size"])) == 1:
        sized["input_size"] = sized["input_size"][0]  # a pasted 1-D layer's --i 20 reads as a length

    def take(name: str, value: Any, source: str) -> None:
        said = _like(sized.get(name), value)
        if name in given and said != value:
            shown = lambda v: shape_text(v) if isinstance(v, tuple) else str(v)  # noqa: E731
            raise SpecError((name, source), f"the size says {shown(said)} but the values are {shown(value)}")
        sized[name] = value

    if input_values is not None:
        shape, space = input_values.shape, {1: "L", 2: "H×W", 3: "D×H×W"}[n]
        if len(shape) == n - 1 or len(shape) > n + 1 or (len(shape) == n + 1 and not channels and shape[0] != 1):
            raise SpecError("input_values", f"expected {space}{f' or C×{space}' if channels else ''} values, "
                                            f"got shape {shape_text(shape)}")
        take("input_size", size(shape), "input_values")
        if len(shape) == n + 1 and "in_channels" in takes:
            take("in_channels", shape[0], "input_values")
    if kernel_values is not None:
        shape, space = kernel_values.shape, {1: "k", 2: "kh×kw", 3: "kd×kh×kw"}[n]
        if len(shape) not in (n, n + 2) or (len(shape) == n + 2 and not channels):
            raise SpecError("kernel_values", f"expected {space} or O×C/groups×{space} weights, got shape {shape_text(shape)}")
        if "kernel_size" in takes:
            take("kernel_size", size(shape), "kernel_values")
        if len(shape) == n + 2 and "out_channels" in takes:
            if op.weight_layout == "in,out":  # PyTorch's transposed weight: in × out/groups × kernel
                take("in_channels", shape[0], "kernel_values")
                take("out_channels", shape[1] * sized.get("groups", 1), "kernel_values")
            else:
                take("out_channels", shape[0], "kernel_values")
    return sized


def _like(given: Any, value: Any) -> Any:
    """A size as given (``5``, ``[5, 5]``) in the form of the size the values have, ``(5, 5)``."""
    if isinstance(value, tuple) and isinstance(given, int) and not isinstance(given, bool):
        return (given,) * len(value)
    return tuple(given) if isinstance(value, tuple) and isinstance(given, list) else given


def spec_from_values(op: Union[Operation, str], input_values: Optional[np.ndarray] = None,
                     kernel_values: Optional[np.ndarray] = None, **params: Any) -> Any:
    """The spec of ``op`` (an operation or its name: ``"conv"``) whose sizes are those of the
    arrays: ``spec_from_values("conv", x, w, stride=2)``. Draw it with ``numbers=Numbers.of(spec, x, w)``."""
    op = operation(op) if isinstance(op, str) else op
    return op.make(**sizes_from_values(op, params, input_values, kernel_values))
