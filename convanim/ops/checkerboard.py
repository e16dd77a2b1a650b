"""The checkerboard of Odena et al. (2016): how many kernel stamps each output cell of a transposed
convolution receives, one heatmap per setting, side by side with one legend."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence, Tuple

import numpy as np

from ..core.errors import Pair, PairLike, SpecError, whole_in
from ..core.geometry import shape_text
from ..core.values import interior_overlaps, overlap_counts
from ..scene.views import checkerboard_scene
from .base import Figure, Operation, Param, figure_view
from .conv import Conv2d
from .resample import Upsample2d
from .transposed import PARAMS as TRANSPOSED_PARAMS, ConvTranspose2d

MAX_SIDE = 4096  # cells on a side of the last layer's output
MAX_BOARDS = 6  # checkerboards side by side


@dataclass(frozen=True, init=False)
class Checkerboard(Figure):
    """How many kernel stamps each output cell of a transposed convolution receives, after
    ``layers`` of them stacked: uneven counts are the checkerboard of Odena et al. (2016)."""

    transposed: ConvTranspose2d
    layers: int = 1
    resize: bool = False  # nearest upsampling by the stride, then a stride-1 'same' convolution, instead

    op = "checkerboard"

    def __init__(self, input_size: PairLike, kernel_size: PairLike, stride: PairLike = 1, padding: PairLike = 0,
                 dilation: PairLike = 1, output_padding: PairLike = 0, layers: int = 1, resize: bool = False):
        object.__setattr__(self, "transposed", ConvTranspose2d(input_size, kernel_size, stride, padding, dilation, output_padding))
        n = whole_in("layers", layers, 1, 8)
        object.__setattr__(self, "layers", n)
        object.__setattr__(self, "resize", bool(resize))
        if self.resize:
            self._check_resize()
        size = self.transposed.input_size
        for _ in range(n):  # the layers one after another, each checked, each within bounds
            if max(size) > MAX_SIDE:
                raise SpecError(("input_size", "layers"), "the output would grow past 4,096 cells on a side")
            size = ConvTranspose2d(size, *self._rest()).output_size
        if max(size) > MAX_SIDE:
            raise SpecError(("input_size", "layers"), f"the output would be {size[0]}x{size[1]} cells, more than 4,096 on a side")

    def _rest(self) -> tuple:
        t = self.transposed
        return (t.kernel_size, t.stride, t.padding, t.dilation, t.output_padding)

    def _check_resize(self) -> None:
        t = self.transposed
        if t.padding != (0, 0) or t.output_padding != (0, 0):
            raise SpecError("padding" if t.padding != (0, 0) else "output_padding",
                            "a resize-convolution pads to keep its size: give no padding")
        size = t.input_size
        for _ in range(self.layers):
            size = tuple(n * s for n, s in zip(size, t.stride))
            if max(size) > MAX_SIDE:
                raise SpecError(("input_size", "layers"), "the output would grow past 4,096 cells on a side")

    def specs(self) -> tuple:
        """The layers, one after another: transposed convolutions, or for a resize-convolution
        (Odena et al.'s remedy) each nearest upsampling by the stride and a convolution keeping its size."""
        if self.resize:
            out, t, size = [], self.transposed, self.transposed.input_size
            for _ in range(self.layers):
                up = Upsample2d(size, tuple(float(s) for s in t.stride))
                out += [up, Conv2d(up.output_size, t.kernel_size, 1, "same", t.dilation)]
                size = up.output_size
            return tuple(out)
        out = [self.transposed]
        for _ in range(self.layers - 1):
            out.append(ConvTranspose2d(out[-1].output_size, *self._rest()))
        return tuple(out)

    def borders(self) -> Tuple[np.ndarray, np.ndarray]:
        """Rows and columns at the top-left and bottom-right as wide as the uneven edge can reach:
        a kernel's extent less one for a transposed layer (and ``output_padding`` more at the bottom
        and right, cells no stamp reaches), its 'same' padding for a resize-convolution; through
        stacked layers each spreads the edge below by its stride and adds its own. (Cropping by
        ``padding`` would narrow it; leaving it wider is safe.)"""
        low, high = np.zeros(2, dtype=int), np.zeros(2, dtype=int)
        t = self.transposed
        stride, reach = np.array(t.stride), np.array(t.kernel_extent) - 1
        for _ in range(self.layers):
            if self.resize:
                low, high = low * stride + reach // 2, high * stride + reach - reach // 2
            else:
                low, high = low * stride + reach, high * stride + reach + np.array(t.output_padding)
        return low, high

    @property
    def boards(self) -> Tuple["Checkerboard", ...]:
        """The settings drawn: this one."""
        return (self,)

    @property
    def output_size(self) -> Pair:
        return self.specs()[-1].output_size

    @property
    def slug(self) -> str:
        return f"{self.transposed.slug}_layers{self.layers}" + ("_resize" if self.resize else "")

    def info(self) -> dict:
        """What `convanim info` says of it."""
        return _describe_board(self)


@dataclass(frozen=True, init=False)
class Checkerboards(Figure):
    """Several checkerboard settings drawn side by side, with one legend for their shared range
    of counts: ``Checkerboards((Checkerboard(5, 3, 2), Checkerboard(5, 4, 2)))``."""

    boards: Tuple[Checkerboard, ...]

    op = "checkerboard"

    def __init__(self, boards: Sequence[Checkerboard]):
        if isinstance(boards, Checkerboard) or not isinstance(boards, Sequence) or not boards:
            raise SpecError("boards", f"expected a list of Checkerboard settings, got {boards!r}")
        boards = tuple(boards)
        if not all(isinstance(b, Checkerboard) for b in boards):
            raise SpecError("boards", "every entry must be a Checkerboard")
        if len(boards) > MAX_BOARDS:
            raise SpecError(("kernel_size", "stride"), f"at most {MAX_BOARDS} maps side by side, got {len(boards)}")
        if len(set(boards)) < len(boards):
            raise SpecError(("kernel_size", "stride"), "the same setting twice")
        object.__setattr__(self, "boards", boards)

    @property
    def slug(self) -> str:
        return "_vs_".join(b.slug for b in self.boards)

    def info(self) -> dict:
        """What `convanim info` says of them: each setting's counts."""
        return {"op": self.op, "settings": [{"kernel_size": list(b.transposed.kernel_size),
                                             "stride": list(b.transposed.stride), **_describe_board(b)}
                                            for b in self.boards]}


UPSAMPLINGS = {"transposed": (False,), "resize": (True,), "both": (False, True)}


def checkerboards(input_size, kernel_size, stride, padding, dilation, output_padding, layers, upsampling="transposed"):
    """One checkerboard, or one per combination of the --k and --s lists (and of the two ways to
    upsample, with ``both``), side by side."""
    if upsampling not in UPSAMPLINGS:
        raise SpecError("upsampling", f"unknown upsampling {upsampling!r}: use one of {', '.join(UPSAMPLINGS)}")
    boards = [Checkerboard(input_size, k, s, padding, dilation, output_padding, layers, resize)
              for k in kernel_size for s in stride for resize in UPSAMPLINGS[upsampling]]
    return boards[0] if len(boards) == 1 else Checkerboards(boards)


def _describe_board(spec: Checkerboard) -> dict:
    counts = overlap_counts(spec)
    inside = interior_overlaps(spec)
    return {"op": spec.op, "input_shape": list(spec.transposed.input_size), "output_shape": list(counts.shape),
            "layers": spec.layers, **({"upsampling": "resize"} if spec.resize else {}), "stamps_min": int(counts.min()), "stamps_max": int(counts.max()),
            "interior_stamps": list(inside) if inside is not None else None,
            "even_overlap": None if inside is None else len(inside) == 1}


def describe(spec, bottleneck: Optional[int] = None) -> dict:
    return spec.info()


def text(info: dict) -> str:
    if "settings" in info:
        return "\n\n".join(("nearest upsampling, then " if b.get("upsampling") else "")
                           + f"k={shape_text(b['kernel_size'])}, s={shape_text(b['stride'])}:\n" + text(b)
                           for b in info["settings"])
    return "\n".join([
        "operation:        checkerboard",
        f"input shape:      {shape_text(info['input_shape'])}",
        f"output shape:     {shape_text(info['output_shape'])} after {info['layers']} layer(s)",
        f"stamps per cell:  {info['stamps_min']} to {info['stamps_max']}",
        "inside:           " + ("too small to have an inside" if info["interior_stamps"] is None else
                                ", ".join(map(str, info["interior_stamps"]))
                                + (" (even overlap)" if info["even_overlap"] else " (uneven: a checkerboard)")),
    ])


CHECKERBOARD = Operation(
    "checkerboard", "How many kernel stamps each output cell of a transposed convolution gets: heatmaps, "
                    "one per setting (--k 3,4), side by side with one legend.",
    checkerboards,
    (Param("input_size", "size", "5", "Input size of the transposed convolution, N or HxW.", ("--i", "--input-size")),
     Param("kernel_size", "sizes", "3", "Kernel size, N or HxW; a list (3,4) draws a map for each.",
           ("--k", "--kernel-size")),
     Param("stride", "sizes", "2", "Stride, N or HxW; a list draws a map for each (with a --k list: each pair).",
           ("--s", "--stride")),
     *TRANSPOSED_PARAMS[3:],
     Param("layers", "int", 1, "Transposed convolutions stacked (the pattern compounds)."),
     Param("upsampling", "choice", "transposed", "transposed: a transposed convolution's stamps; resize: nearest"
           " upsampling by s, then a k×k convolution keeping the size (products each cell sums); both: side by side.",
           choices=tuple(UPSAMPLINGS))),
    (Checkerboard, Checkerboards), rank=8, title="the checkerboard of transposed convolutions",
    info_help="Shapes and stamp counts of stacked transposed convolutions: whether their overlap is even.",
    describe=describe, info_text=text, numbers=False,
    views={"gather": figure_view(checkerboard_scene, lambda spec: 1,
                                 lambda spec: [b.output_size for b in spec.boards])},
)
