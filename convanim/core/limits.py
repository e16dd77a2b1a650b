"""The guards every animation is held to, before anything is drawn (raise them to draw more)."""

MIN_DELAY_MS, MAX_DELAY_MS = 10, 655_350  # what a GIF frame's delay can hold: the bounds for every format
MAX_FRAMES = 2000
MAX_SIZE_PX = 4096
