"""The checkerboard of Odena et al. (2016): how many kernel stamps each output cell of a transposed
convolution receives, one heatmap per setting, side by side with one legend."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence, Tuple

from ..core.errors import Pair, PairLike, SpecError, whole_in
from ..core.geometry import shape_text
from ..core.values import interior_overlaps, overlap_counts
from ..scene.views import checkerboard_scene
from .base import Figure, Operation, Param, figure_view
from .transposed import PARAMS as TRANSPOSED_PARAMS, ConvTranspose2d

MAX_SIDE = 4096  # cells on a side of the last layer's output
MAX_BOARDS = 6  # checkerboards side by side


@dataclass(frozen=True, init=False)
class Checkerboard(Figure):
    """How many kernel stamps each output cell of a transposed convolution receives, after
    ``layers`` of them stacked: uneven counts are the checkerboard of Odena et al. (2016)."""

    transposed: ConvTranspose2d
    layers: int = 1

    op = "checkerboard"

    def __init__(self, input_size: PairLike, kernel_size: PairLike, stride: PairLike = 1, padding: PairLike = 0,
                 dilation: PairLike = 1, output_padding: PairLike = 0, layers: int = 1):
        object.__setattr__(self, "transposed", ConvTranspose2d(input_size, kernel_size, stride, padding, dilation, output_padding))
        n = whole_in("layers", layers, 1, 8)
        object.__setattr__(self, "layers", n)
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

    def specs(self) -> Tuple[ConvTranspose2d, ...]:
        out = [self.transposed]
        for _ in range(self.layers - 1):
            out.append(ConvTranspose2d(out[-1].output_size, *self._rest()))
        return tuple(out)

    @property
    def boards(self) -> Tuple["Checkerboard", ...]:
        """The settings drawn: this one."""
        return (self,)

    @property
    def output_size(self) -> Pair:
        return self.specs()[-1].output_size

    @property
    def slug(self) -> str:
        return f"{self.transposed.slug}_layers{self.layers}"

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


def checkerboards(input_size, kernel_size, stride, padding, dilation, output_padding, layers):
    """One checkerboard, or one per combination of the --k and --s lists, side by side."""
    boards = [Checkerboard(input_size, k, s, padding, dilation, output_padding, layers)
              for k in kernel_size for s in stride]
    return boards[0] if len(boards) == 1 else Checkerboards(boards)


def _describe_board(spec: Checkerboard) -> dict:
    counts = overlap_counts(spec)
    inside = interior_overlaps(spec)
    return {"op": spec.op, "input_shape": list(spec.transposed.input_size), "output_shape": list(counts.shape),
            "layers": spec.layers, "stamps_min": int(counts.min()), "stamps_max": int(counts.max()),
            "interior_stamps": list(inside) if inside is not None else None,
            "even_overlap": None if inside is None else len(inside) == 1}


def describe(spec, bottleneck: Optional[int] = None) -> dict:
    return spec.info()


def text(info: dict) -> str:
    if "settings" in info:
        return "\n\n".join(f"k={shape_text(b['kernel_size'])}, s={shape_text(b['stride'])}:\n" + text(b)
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
     Param("layers", "int", 1, "Transposed convolutions stacked (the pattern compounds).")),
    (Checkerboard, Checkerboards), rank=8, title="the checkerboard of transposed convolutions",
    info_help="Shapes and stamp counts of stacked transposed convolutions: whether their overlap is even.",
    describe=describe, info_text=text, numbers=False,
    views={"gather": figure_view(checkerboard_scene, lambda spec: 1,
                                 lambda spec: [b.output_size for b in spec.boards])},
)
