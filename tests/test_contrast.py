"""Every text reads at 4.5:1 on what it sits on, in every built-in theme: each cell's value on its
fill (after the translucent highlight), each weight on its chip, and the names, captions, headings
and equations on the background. The texts and their grounds come from the paint model, and a
drawn frame confirms that the ground it names is what lies around each text."""

import functools

import click
import numpy as np
import pytest

from convanim.cli import cli
from convanim.cli.commands import prepare
from convanim.draw.paint import written
from convanim.draw.theme import MIN_CONTRAST, THEMES, Theme, contrast, luminance
from convanim.ops import BY_NAME

# Every kind of figure, with numbers wherever the command takes them.
FIGURES = {
    "conv": "conv --i 5 --k 3 --s 2 --p 1 --numbers",
    "conv_flat": "conv --i 5 --k 3 --s 2 --p 1 --numbers --style flat",
    "channels": "conv --i 6 --k 3 --in-channels 3 --out-channels 2 --numbers --style flat",
    "channels_paper": "conv --i 5 --k 3 --in-channels 3 --out-channels 2 --numbers",
    "separable": "separable --i 5 --k 3 --in-channels 3 --out-channels 2 --numbers",
    "depthwise": "depthwise --i 5 --k 3 --in-channels 3 --numbers --style flat",
    "grouped": "conv --i 5 --k 3 --in-channels 4 --out-channels 4 --groups 2 --numbers --style flat",
    "pointwise": "pointwise --i 4 --in-channels 4 --out-channels 2 --numbers --style flat",
    "max": "pool --mode max --i 5 --k 3 --numbers",
    "avg": "pool --mode avg --i 5 --k 3 --numbers --style flat",
    "transposed": "transposed --i 3 --k 3 --s 2 --p 1 --a 1 --numbers",
    "scatter": "transposed --i 3 --k 3 --s 2 --view scatter --numbers --style flat",
    "matrix": "transposed --i 2 --k 3 --view matrix --numbers",
    "im2col": "conv --i 4 --k 3 --view im2col --numbers",
    "conv1d": "conv1d --i 8 --k 3 --numbers",
    "causal": "conv1d --i 8 --k 3 --p causal --numbers",
    "sobel": "spatial-separable --i 6 --numbers --style flat",
    "checkerboard": "checkerboard --k 3,4 --s 2",
    "dilated": "dilated --numbers",
    "receptive": "receptive-field",
    "grad_input": "conv1d --i 8 --s 2 --seed 3 --view grad-input --numbers",
    "grad_weight": "conv1d --i 8 --s 2 --seed 3 --view grad-weight --numbers",
    "grad_conv": "conv --i 5 --k 3 --s 2 --view grad-input --numbers",
    "grad_pool": "pool --mode max --i 5 --k 3 --view grad-input --numbers",
    "conv3d": "conv3d --i 3x4x4 --k 2x3x3 --numbers",
    "conv3d_channels": "conv3d --i 3x4x4 --k 2x3x3 --in-channels 2 --out-channels 2 --numbers --style flat",
    "pool3d": "pool3d --mode max --i 4x4x4 --k 2 --numbers",
    "grad_weight3d": "conv3d --i 3x4x4 --k 2x3x3 --view grad-weight --numbers",
    "grad_pool3d": "pool3d --mode avg --i 3x4x4 --k 2 --s 1x2x2 --view grad-input --numbers --style flat",
}


def _animation(argv: str, theme: str):
    command, *args = argv.split()
    sub = cli.commands[command]
    with click.Context(cli) as parent:
        ctx = sub.make_context(command, [*args, "--theme", theme, "-o", "unused.gif"], parent=parent)
        return prepare(BY_NAME[command], dict(ctx.params), ctx).anim


@functools.lru_cache(maxsize=None)
def _renderer(name: str, theme: str):
    return _animation(FIGURES[name], theme).renderer()


def _revealed(scene, index):
    """The labels revealed before step ``index``, a cell keeping its last, in order."""
    latest = {}
    for i in range(index):
        for label in scene.step(i).reveals:
            latest.pop((label.plane, label.cell, label.kind), None)
            latest[(label.plane, label.cell, label.kind)] = label
    return list(latest.values())


def _frames(scene):
    return sorted({0, len(scene) // 2, len(scene) - 1})


def test_contrast_is_wcags():
    assert contrast((0, 0, 0), (255, 255, 255)) == pytest.approx(21.0)
    assert contrast((255, 255, 255), (255, 255, 255)) == pytest.approx(1.0)
    assert luminance((38, 139, 210)) == pytest.approx(0.2353, abs=1e-3)
    # the pairs: black on the paper's magenta under the highlight, the dark theme's padding
    assert contrast((0, 0, 0), (129, 54, 104)) == pytest.approx(2.66, abs=0.01)
    assert contrast((4, 37, 45), (7, 54, 66)) == pytest.approx(1.24, abs=0.01)


@pytest.mark.parametrize("theme", sorted(THEMES))
def test_either_ink_reads_on_every_fill_a_theme_can_paint(theme):
    """Whatever a theme fills a cell with (a hue, a kernel slice, a heatmap level, each plain or
    under the highlight), one of its two inks reads on it at 4.5:1."""
    t = THEMES[theme]
    fills = [t.background, t.padding, t.input, t.output, t.kernel_fill]
    fills += [c for k in range(len(t.hues) + 1) for c in (t.hue(k), t.tinted_kernel(k))]
    fills += [t.heat(level) for level in np.linspace(0, 1, 33)]
    assert {fill for _, fill in t.fills()} == set(fills + [t.over(f) for f in fills])
    for fill in fills + [t.over(f) for f in fills]:
        assert contrast(t.ink_on(fill), fill) >= MIN_CONTRAST, (theme, fill, t.ink_on(fill))
    assert t.unreadable() == ()
    for tint in range(-1, len(t.hues) + 1):  # an equation's runs, each in its channel's hue
        ink = t.legible(t.tinted_link(tint) if tint >= 0 else t.text)
        assert contrast(ink, t.background) >= MIN_CONTRAST, (theme, tint, ink)
    assert contrast(t.legible(t.mark), t.background) >= MIN_CONTRAST


@pytest.mark.parametrize("theme", sorted(THEMES))
def test_meaningful_fills_are_told_apart(theme):
    """Padding, input, footprint over each, output and the current output cell, a kernel (or a
    matrix's weights) and its lit cells: neighbours differ by 1.5:1 (the paper's palette keeps its
    own: padding is told from the background by its dashed outline, as in the paper)."""
    t = THEMES[theme]
    pairs = [(t.padding, t.over(t.padding)), (t.input, t.over(t.input)), (t.output, t.over(t.output)),
             (t.input, t.padding), (t.output, t.padding), (t.over(t.padding), t.over(t.input)),
             (t.kernel_fill, t.over(t.kernel_fill)), (t.kernel_fill, t.background), (t.kernel_fill, t.padding)]
    for a, b in pairs:
        assert contrast(a, b) >= 1.5, (theme, a, b, contrast(a, b))


@pytest.mark.parametrize("theme", sorted(THEMES))
@pytest.mark.parametrize("name", sorted(FIGURES))
def test_every_text_reads_on_its_ground(name, theme):
    renderer = _renderer(name, theme)
    scene, painter = renderer.scene, renderer.painter
    seen = 0
    for index in _frames(scene):
        step = scene.step(index)
        for text in written(painter, step, _revealed(scene, index)):
            seen += 1
            assert text.contrast >= MIN_CONTRAST, (name, theme, index, text.label, text.ink, text.ground)
    assert seen


@pytest.mark.parametrize("theme", sorted(THEMES))
@pytest.mark.parametrize("name", ["conv", "channels", "separable", "scatter", "max", "matrix", "checkerboard", "sobel"])
def test_the_drawn_frame_has_the_ground_and_ink_the_paint_model_names(name, theme):
    """What the paint model says lies under a text is what the frame shows around it, and the
    text's ink is drawn: the test above is about the real picture."""
    renderer = _renderer(name, theme)
    scene, painter = renderer.scene, renderer.painter
    for index in _frames(scene):
        frame = renderer.frame(index)
        for text in written(painter, scene.step(index), _revealed(scene, index)):
            if len(text.outline[0]) < 3:
                continue  # a space: nothing drawn
            pixels = painter.pixels(text.outline[0])
            x0, y0 = np.floor(pixels.min(axis=0)).astype(int)
            x1, y1 = np.ceil(pixels.max(axis=0)).astype(int)
            inside = frame[y0:y1, x0:x1].reshape(-1, 3).astype(int)
            colours, counts = np.unique(inside, axis=0, return_counts=True)
            commonest = colours[counts.argmax()]  # between a glyph's strokes: what it sits on
            assert np.abs(commonest - text.ground).max() <= 3, (name, theme, index, text.label, commonest, text.ground)
            around = frame[max(y0 - 1, 0):y1 + 1, max(x0 - 1, 0):x1 + 1].reshape(-1, 3).astype(int)  # a dot is under a pixel
            nearest = np.abs(around - text.ink).max(axis=1).min()
            assert nearest <= 48, (name, theme, index, text.label, text.ink)


def test_a_custom_theme_gets_its_inks_from_its_fields():
    light = Theme(text=(20, 20, 20), alt_text=(250, 250, 250), input=(30, 30, 120))
    assert light.ink_on(light.input) == (250, 250, 250)
    assert light.ink_on(light.output) == (20, 20, 20)


def test_a_theme_a_text_would_not_read_in_is_refused_with_what_mends_it():
    """A theme of the user's is held to the built-in ones' rule: where neither ink reads at 4.5:1
    on a fill it can paint, or its text on its background, the animation is refused, saying which
    fill, the ratio, and the ink that would read."""
    from convanim import Animation, Conv2d, SpecError

    grey = Theme(text=(136, 136, 136))
    with pytest.raises(SpecError) as e:
        Animation(Conv2d(5, 3), theme=grey)
    assert e.value.params == ("theme",)
    assert str(e.value).startswith("theme: text #888888 reads at 3.5:1 on the background #ffffff, under the 4.5:1")
    murky = Theme(alt_text=(100, 100, 100))
    assert murky.unreadable() == ("neither text #000000 nor alt_text #646464 reads at 4.5:1 on hue 5 under the highlight"
                                  " #873437: at best 2.6:1 (and 17 more fills); alt_text = \"#ffffff\" mends them",)
    assert Theme(alt_text=(255, 255, 255)).unreadable() == ()
    near = Theme(text=(20, 20, 20), alt_text=(250, 250, 250))  # near black and white: 9 of the paper's fills fall short
    assert near.unreadable()[0].endswith('at best 4.2:1 (and 8 more fills); text = "#000000" mends them')
