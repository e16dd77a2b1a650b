"""What each frame shows: planes of cells, and per step what is highlighted, written and linked.

Still pure: a scene knows grids, cell indices and strings, not colours or coordinates.
:mod:`.model` holds the primitives, :mod:`.gather` lays any operation's stages out as the paper
does, :mod:`.views` the other arrangements (scatter, checkerboard, receptive field).
"""
