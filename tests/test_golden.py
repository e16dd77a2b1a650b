"""Frames compared with stored ones, so that speed work never changes the pictures.

The stored frames were checked by eye against the paper's GIFs. Regenerate them (after a
deliberate change of look, and a look at the new ones) with CONVANIM_UPDATE_GOLDEN=1.
"""

import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from convanim.gallery import GALLERY

GOLDEN = Path(__file__).parent / "golden"
FRAMES = [("padding_strides", 1), ("padding_strides_odd_transposed", 8), ("dilation", 4),
          ("numerical_padding_strides", 4), ("numerical_max_pooling", 5)]


@pytest.mark.parametrize("crisp", [False, True], ids=["antialiased", "crisp"])
@pytest.mark.parametrize("name, index", FRAMES)
def test_frames_match_the_stored_ones(name, index, crisp):
    frame = GALLERY[name].animation().renderer(crisp).frame(index)  # crisp: the --crisp look
    path = GOLDEN / f"{name}_{index:02d}{'_crisp' if crisp else ''}.png"
    if os.environ.get("CONVANIM_UPDATE_GOLDEN"):
        Image.fromarray(frame).save(path, optimize=True)
    stored = np.asarray(Image.open(path).convert("RGB"))
    assert frame.shape == stored.shape
    diff = np.abs(frame.astype(int) - stored.astype(int)).max(axis=-1)
    # Identical in practice; a little room for another FreeType or Agg build's antialiasing.
    assert diff.mean() < 0.5
    assert (diff > 40).mean() < 0.002
