"""The guards every animation is held to, before anything is drawn (raise them to draw more)."""

from typing import Sequence

MIN_DELAY_MS, MAX_DELAY_MS = 10, 655_350  # what a GIF frame's delay can hold: the bounds for every format
MAX_FRAMES = 2000
MAX_SIZE_PX = 4096
MAX_VALUES = 1_000_000  # what one figure holds: seconds and about 200 MB with numbers
MAX_CELLS = 100_000  # cells drawn in one frame, every plane's: about 2 s a frame

MAX_PIXELS = 8192 * 8192  # an image's or a storyboard page's pixels: about 1 GB of memory
BYTES_PER_PIXEL = 4 * 4  # RGBA, held about four times over: the canvas, its background, a frame, the encoder's


def pixels_refusal(width: int, height: int, limit: int, what: str = "the image") -> str:
    """Why an image of this size is not drawn ("" if it is): its pixels, known before any is
    allocated, against a fixed limit (the same on every machine, whatever its free memory)."""
    pixels = width * height
    if pixels <= limit:
        return ""
    return (f"{what} would be {width:,}x{height:,} px, {pixels:,} pixels (about {_memory(pixels * BYTES_PER_PIXEL)}"
            f" of memory), more than the limit of {limit:,}; raise the limit to {pixels:,} to draw it, or draw it"
            " smaller")


def _memory(size: int) -> str:
    return f"{size / 2**30:,.1f} GB" if size >= 2**30 else f"{max(1, round(size / 2**20)):,} MB"


def out_of_memory(width: int, height: int, what: str = "the image") -> str:
    """What a refusal says when the pixels were within the limit but this machine could not hold them."""
    return (f"{what} would be {width:,}x{height:,} px, more than this machine's memory holds now;"
            " draw it smaller")


def _count(shape) -> int:
    count = 1
    for n in shape:
        count *= int(n)
    return count


def values_held(spec, numbers: bool) -> int:
    """What a figure of ``spec`` holds, stage by stage, known from its shapes before any is made.

    With numbers: the input, the weights, every step's reads (each input channel under each
    tap) and the output. Without: the kernel slices the drawing connects, one per output and
    input channel it reads (what grows when thousands of channels are elided to a few planes).
    """
    total = 0
    for stage in spec.stages():
        layer = stage.spec
        in_planes, out_planes = layer.in_planes, layer.out_planes
        slices = _count(layer.weight_shape) // _count(layer.kernel_size)  # kernel slices: out × in/groups (× depth)
        if not numbers:
            total += slices * layer.depths[1]
            continue
        steps = _count(layer.output_size)
        taps = _count(layer.kernel_size)
        weights = _count(layer.weight_shape) * layer.depths[1] if layer.reducer.weighted else 0
        total += (_count(layer.input_shape) + in_planes * _count(layer.sweep().source.shape) + weights
                  + in_planes * steps * taps + out_planes * steps)
    return total


def values_refusal(spec, numbers: bool, limit: int) -> str:
    """Why a figure of ``spec`` would hold too many values to draw ("" if it would not)."""
    held = values_held(spec, numbers)
    if held <= limit:
        return ""
    what = ("values with its numbers (input, weights, every step's reads, output)" if numbers
            else "kernel slices (one per output and input channel it connects)")
    return f"the figure holds {held:,} {what}, more than the limit of {limit:,}; raise the limit to {held:,} to draw it"


def cells_refusal(planes: Sequence, limit: int) -> str:
    """Why frames of these planes draw too many cells ("" if they do not): each frame draws them all."""
    cells = sum(plane.grid.shape[0] * plane.grid.shape[1] for plane in planes)
    if cells <= limit:
        return ""
    return f"a frame draws {cells:,} cells, more than the limit of {limit:,}; raise the limit to {cells:,} to draw it"
