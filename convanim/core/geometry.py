"""The arithmetic of sizes, in one place: padding, output sizes, where a kernel's taps land,
the grids the paper draws, which channels are shown and how many frames a sweep makes.

Sizes are (height, width) pairs; a direct convolution's padding is (top, bottom, left, right).
The formulas are PyTorch's (``nn.Conv2d``, ``nn.ConvTranspose2d``), so a spec PyTorch accepts
gets the same output size here.
"""

from __future__ import annotations

from typing import List, Sequence, Tuple, Union

import numpy as np

from .errors import Pair, SpecError, whole

Quad = Tuple[int, int, int, int]
PaddingLike = Union[int, str, Sequence[int]]

PADDING_WORDS = ("valid", "same", "full")
MAX_SHOWN_CHANNELS = 8  # a volume with more channels shows a few planes and an ellipsis


def extent(kernel: Pair, dilation: Pair) -> Pair:
    """Cells a dilated kernel spans on each axis: d·(k−1) + 1."""
    return (dilation[0] * (kernel[0] - 1) + 1, dilation[1] * (kernel[1] - 1) + 1)


def resolve_padding(value: PaddingLike, kernel: Pair, dilation: Pair, stride: Pair) -> Quad:
    """Padding as (top, bottom, left, right), with PyTorch's meaning of the words."""
    if isinstance(value, str):
        word = value.strip().lower()
        reach = tuple(d * (k - 1) for k, d in zip(kernel, dilation))
        if word == "valid":
            return (0, 0, 0, 0)
        if word == "full":
            return (reach[0], reach[0], reach[1], reach[1])
        if word == "same":
            if stride != (1, 1):
                raise SpecError(("padding", "stride"), "'same' padding needs stride 1 (as in PyTorch)")
            # PyTorch puts the odd cell of an even kernel at the bottom and right.
            top, left = reach[0] // 2, reach[1] // 2
            return (top, reach[0] - top, left, reach[1] - left)
        raise SpecError("padding", f"unknown padding {value!r}: use a number or one of {', '.join(PADDING_WORDS)}")
    if isinstance(value, Sequence):
        values = tuple(whole("padding", v) for v in value)
        if len(values) == 2:
            values = (values[0], values[0], values[1], values[1])
        elif len(values) != 4:
            raise SpecError("padding", f"expected 1, 2 or 4 values (top, bottom, left, right), got {len(values)}")
    else:
        p = whole("padding", value)
        values = (p, p, p, p)
    if min(values) < 0:
        raise SpecError("padding", f"must not be negative, got {min(values)}")
    return values  # type: ignore[return-value]


PADDING_MODES = ("zeros", "reflect", "replicate", "circular")
_NUMPY_MODES = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}


def padding_copies(size: Pair, padding: Quad, mode: str = "zeros"):
    """For a padding that copies the input (PyTorch's ``padding_mode``), the input cell (row, col)
    every cell of the padded grid holds, (H+p, W+p, 2); None for zero padding."""
    if mode not in PADDING_MODES:
        raise SpecError("padding_mode", f"unknown padding mode {mode!r}: use one of {', '.join(PADDING_MODES)}")
    if mode == "zeros":
        return None
    t, b, l, r = padding
    for pad, n, axis in ((t, size[0], "height"), (b, size[0], "height"), (l, size[1], "width"), (r, size[1], "width")):
        if mode == "reflect" and pad >= n:
            raise SpecError(("padding", "padding_mode"), f"reflect padding must be smaller than the input's {axis}"
                            f" (PyTorch's rule): {pad} >= {n}")
        if mode == "circular" and pad > n:
            raise SpecError(("padding", "padding_mode"), f"circular padding can wrap at most the input's {axis}"
                            f" once: {pad} > {n}")
    how = _NUMPY_MODES[mode]
    rows = np.pad(np.arange(size[0]), (t, b), mode=how)
    cols = np.pad(np.arange(size[1]), (l, r), mode=how)
    return np.stack(np.meshgrid(rows, cols, indexing="ij"), axis=-1)


def padded_size(size: Pair, padding: Quad) -> Pair:
    t, b, l, r = padding
    return (size[0] + t + b, size[1] + l + r)


def sweep_size(size: Pair, kernel: Pair, stride: Pair, dilation: Pair) -> Pair:
    """The steps of a kernel over a (padded) grid on each axis: ⌊(n − d·(k−1) − 1) / s⌋ + 1."""
    return tuple(  # type: ignore[return-value]
        (n - e) // s + 1 for n, e, s in zip(size, extent(kernel, dilation), stride)
    )


def sweep_leftover(size: Pair, kernel: Pair, stride: Pair, dilation: Pair) -> Pair:
    """The rows and columns of a grid that the last step leaves unread: (n − d·(k−1) − 1) mod s."""
    return tuple((n - e) % s for n, e, s in zip(size, extent(kernel, dilation), stride))  # type: ignore[return-value]


def transposed_size(size: Pair, kernel: Pair, stride: Pair, padding: Pair, dilation: Pair, output_padding: Pair) -> Pair:
    """A transposed convolution's output: (i − 1)·s − 2p + d·(k − 1) + a + 1."""
    return tuple(  # type: ignore[return-value]
        (i - 1) * s - 2 * p + e + a
        for i, s, p, e, a in zip(size, stride, padding, extent(kernel, dilation), output_padding)
    )


def scatter_canvas(size: Pair, kernel: Pair, stride: Pair, dilation: Pair, output_padding: Pair) -> Pair:
    """A transposed convolution's full output before the padding crops it: (i−1)·s + d·(k−1) + 1 + a."""
    return tuple(  # type: ignore[return-value]
        (i - 1) * s + e + a for i, s, e, a in zip(size, stride, extent(kernel, dilation), output_padding)
    )


def transposed_lead(kernel: Pair, dilation: Pair, padding: Pair) -> Pair:
    """The padding of the paper's equivalent direct convolution: d·(k−1) − p (negative: cropped)."""
    return tuple(d * (k - 1) - p for k, d, p in zip(kernel, dilation, padding))  # type: ignore[return-value]


def transposed_grid(size: Pair, kernel: Pair, stride: Pair, padding: Pair, dilation: Pair, output_padding: Pair
                    ) -> Tuple[Pair, np.ndarray, np.ndarray]:
    """The grid the paper draws for a transposed convolution, and where the input's rows and
    columns sit on it: spread out by the stride, padded by d·(k−1) − p, ``output_padding`` more."""
    lead = transposed_lead(kernel, dilation, padding)
    shape = tuple((i - 1) * s + 1 + 2 * b + a for i, s, b, a in zip(size, stride, lead, output_padding))
    rows = lead[0] + stride[0] * np.arange(size[0])
    cols = lead[1] + stride[1] * np.arange(size[1])
    return shape, rows, cols  # type: ignore[return-value]


def taps(cells: np.ndarray, kernel: Pair, stride: Pair, dilation: Pair) -> np.ndarray:
    """Where a kernel anchored at each of ``cells`` (n, 2) reads, or writes: (n, kh·kw, 2), kernel order.

    A direct convolution's output cell (r, c) reads from (r·s, c·s); a transposed convolution's
    input cell stamps its kernel from the same place on the full canvas.
    """
    cells = np.asarray(cells, dtype=int).reshape(-1, 2)
    (kh, kw), (sh, sw), (dh, dw) = kernel, stride, dilation
    rows = (cells[:, 0:1] * sh + dh * np.arange(kh))[:, :, None]
    cols = (cells[:, 1:2] * sw + dw * np.arange(kw))[:, None, :]
    rows, cols = np.broadcast_arrays(rows, cols)
    return np.stack([rows, cols], axis=-1).reshape(len(cells), kh * kw, 2)


def every_cell(size: Pair) -> np.ndarray:
    """The cells of a grid, row-major: (h·w, 2)."""
    return np.stack(np.meshgrid(np.arange(size[0]), np.arange(size[1]), indexing="ij"), axis=-1).reshape(-1, 2)


def shown_channels(n: int, limit: int = MAX_SHOWN_CHANNELS, also: Sequence[int] = ()) -> List[Tuple[int, int]]:
    """(channel, channels elided just before it) for the planes drawn of an n-channel volume:
    all of them up to ``limit``, else the first three, the last, and those in ``also``."""
    keep = range(n) if n <= limit else sorted({0, 1, 2, n - 1, *also})
    shown, previous = [], -1
    for c in keep:
        shown.append((c, c - previous - 1))
        previous = c
    return shown


def sweep_frames(output_size: Pair, out_channels: int) -> int:
    """The frames of one sweep: a step per output cell of every output channel drawn."""
    return len(shown_channels(out_channels)) * output_size[0] * output_size[1]


def size_text(pair: Sequence[int]) -> str:
    """``5`` for a square size, ``6x5`` otherwise."""
    return str(pair[0]) if pair[0] == pair[1] else f"{pair[0]}x{pair[1]}"


def shape_text(shape: Sequence[int]) -> str:
    """Every axis: ``3x5x5``."""
    return "x".join(str(n) for n in shape)
