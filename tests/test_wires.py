"""Channel figures: every step's wires run from the current footprint on each input plane read,
to that plane's kernel slice, and on to the one output cell computed; over nothing else."""

import numpy as np
import pytest

from convanim import Animation, Conv2d, SeparableConv2d, depthwise_conv2d, pointwise_conv2d
from convanim.draw.layout import _crossing

FIGURES = {  # the channel entries of examples/figures.toml, and the torch layer of the issue
    "channels": (Conv2d(6, 3, in_channels=3, out_channels=2), "flat", True),
    "channels_paper": (Conv2d(5, 3, in_channels=3, out_channels=2), "paper", False),
    "pointwise": (pointwise_conv2d(4, in_channels=4, out_channels=2), "flat", False),
    "depthwise": (depthwise_conv2d(6, 3, in_channels=3), "flat", False),
    "separable": (SeparableConv2d(5, 3, in_channels=2, out_channels=3), "paper", False),
    "grouped": (Conv2d(5, 3, in_channels=4, out_channels=4, groups=2), "flat", False),
    "torch": (Conv2d(5, 3, 2, 1, in_channels=3, out_channels=8), "paper", False),
}


def _renderer(name):
    spec, style, numbers = FIGURES[name]
    return Animation(spec, style=style, numbers=True if numbers else None, labels=True).renderer()


def _in_box(placement, box, point, margin=1e-6) -> bool:
    """Whether a screen point lies in (or on the rim of) a box of cells of a plane."""
    x, y = placement.to_plane(point)
    r0, c0, r1, c1 = box
    return c0 - margin <= x <= c1 + margin and r0 - margin <= y <= r1 + margin


def _path(segments):
    """The points of a polyline given as consecutive segments, checking that they join up."""
    for (_, q), (p, _) in zip(segments, segments[1:]):
        np.testing.assert_allclose(q, p)
    return [segments[0][0]] + [q for _, q in segments]


def _footprint(renderer, plane, step):
    cells = step.highlights[plane]
    return (cells[:, 0].min(), cells[:, 1].min(), cells[:, 0].max() + 1, cells[:, 1].max() + 1)


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_every_wire_runs_from_the_footprint_through_its_slice_to_the_output_cell(name):
    renderer = _renderer(name)
    scene, lay = renderer.scene, renderer.layout
    slices = {k for k, p in enumerate(scene.planes) if p.align >= 0}
    seen_paths = set()
    for step in scene:
        out = [k for k, cells in enumerate(step.highlights) if len(cells) == 1 and k not in slices
               and not any(link.source == k for link in step.links)]
        [target] = out
        cell = tuple(step.highlights[target][0])
        read = sorted({link.source for link in step.links if link.source not in slices})
        # a wire from every plane read, and from no plane that takes no part
        assert read == [k for k, c in enumerate(step.highlights) if len(c) and k not in slices and k != target]
        for link in step.links:
            assert link.wire
            path = _path(lay.link_segments(link.source, link.source_box, link.target, link.target_box, wire=True))
            src, dst = lay.placements[link.source], lay.placements[link.target]
            if link.source in slices:  # slice → output cell: leaves the whole slice, ends in the cell
                assert _in_box(src, (0, 0, *src.shape), path[0])
                assert link.target == target
                assert _in_box(dst, (*cell, cell[0] + 1, cell[1] + 1), path[-1], margin=-1e-6)  # inside, not on the rim
                x, y = dst.to_plane(path[-1])
                assert np.allclose([x, y], [cell[1] + 0.5, cell[0] + 0.5])  # its middle
            else:  # footprint → its slice (or straight to the cell)
                assert _in_box(src, _footprint(renderer, link.source, step), path[0])
                assert link.target in slices | {target}
                if link.target in slices:
                    assert scene.planes[link.target].align == link.source  # the slice beside this plane
                    assert _in_box(dst, (0, 0, *dst.shape), path[-1])
            # over no plane but its own two, and over no name
            others = [p for k, p in enumerate(lay.placements) if k not in (link.source, link.target)] + list(lay.names)
            for p, q in zip(path, path[1:]):
                assert not any(_crossing(o, p, q) for o in others), (step.index, link)
            seen_paths.add(tuple(np.round(path[0], 6)))
    assert len(seen_paths) > 1  # the wires move with the window


@pytest.mark.parametrize("name", ["channels", "channels_paper", "torch"])
def test_the_last_run_into_the_cell_crosses_no_number_drawn_yet(name):
    """The run into the output cell comes over cells that the sweep has not filled yet: from the
    plane's rim it crosses only cells after the current one (row by row), and the bottom quarter
    of the cell just left of it."""
    renderer = _renderer(name)
    scene, lay = renderer.scene, renderer.layout
    slices = {k for k, p in enumerate(scene.planes) if p.align >= 0}
    for step in scene:
        for link in step.links:
            if link.source not in slices and scene.planes[link.source].align < 0 and link.target in slices:
                continue
            if link.target in slices:
                continue
            segments = lay.link_segments(link.source, link.source_box, link.target, link.target_box, wire=True)
            p, q = segments[-1]
            dst = lay.placements[link.target]
            r, c = link.target_box[:2]
            for t in np.linspace(0, 1, 101):
                x, y = dst.to_plane(p + t * (q - p))
                h, w = dst.shape
                if not (0 < x < w and 0 < y < h):
                    continue
                row, col = int(y), int(x)
                later = (row, col) >= (r, c)
                assert later or (row == r and col == c - 1 and y - row >= 0.74), (step.index, x, y)


def test_drawn_wires_reach_into_the_output_cell_around_its_number():
    """As drawn (cut around the digits): each wire into the output cell still ends inside it."""
    renderer = _renderer("channels")
    slices = {k for k, p in enumerate(renderer.scene.planes) if p.align >= 0}
    for index in (0, 7, len(renderer.scene) - 1):
        step = renderer.scene.step(index)
        texts = list(step.labels) + list(step.reveals)
        ends = [(link, pieces[-1][1]) for link, pieces, _ in renderer.painter.link_pieces(step, [t for t in texts if t.text])
                if link.source in slices]
        assert ends
        for link, end in ends:
            r, c = link.target_box[:2]
            assert _in_box(renderer.layout.placements[link.target], (r, c, r + 1, c + 1), end, margin=-0.02)
