"""The guards every animation is held to, before anything is drawn (raise them to draw more)."""

MIN_DELAY_MS, MAX_DELAY_MS = 10, 655_350  # what a GIF frame's delay can hold: the bounds for every format
MAX_FRAMES = 2000
MAX_SIZE_PX = 4096

BYTES_PER_PIXEL = 4 * 4  # RGBA, held about four times over: the canvas, its background, a frame, the encoder's


def free_memory() -> int:
    """Bytes this machine could give now: Linux's MemAvailable, else its physical memory."""
    try:
        with open("/proc/meminfo") as fp:
            for line in fp:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        import os

        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return 2**62


def memory_refusal(width: int, height: int, what: str = "the image") -> str:
    """Why an image of this size cannot be drawn here ("" if it can)."""
    need = width * height * BYTES_PER_PIXEL
    free = free_memory()
    if need <= free:
        return ""
    return (f"{what} would be {width:,}x{height:,} px, needing about {need / 2**30:,.1f} GB of memory"
            f" and {free / 2**30:,.1f} GB is free; draw it smaller")

