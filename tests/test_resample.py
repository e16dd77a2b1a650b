"""Adaptive pooling, nearest upsampling and pixel shuffle: windows as PyTorch takes them, values
equal to torch's (skipped, with the reason, without torch), figures that light those windows."""

import json

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from convanim import Animation, SpecError, from_torch
from convanim.cli import cli
from convanim.core.matrix import unrolled
from convanim.core.values import Numbers
from convanim.ops.pixel_shuffle import PixelShuffle2d
from convanim.ops.resample import AdaptivePool1d, AdaptivePool2d, Upsample2d, adaptive_ranges

try:
    import torch
    import torch.nn.functional as F
except ImportError:  # pragma: no cover
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not installed (pip install torch==2.14.1)")


@given(st.integers(1, 40), st.integers(1, 40))
def test_adaptive_windows_cover_the_input_by_the_floor_and_ceiling_rule(size, out):
    if out > size:
        return
    windows = adaptive_ranges(size, out)
    assert len(windows) == out and windows[0][0] == 0 and windows[-1][1] == size
    for i, (start, end) in enumerate(windows):
        assert start == (i * size) // out and end == -(-(i + 1) * size // out)
        assert start < end
    assert all(b[0] <= a[1] for a, b in zip(windows, windows[1:]))  # they touch or overlap, never skip a cell


def test_adaptive_windows_vary_in_size_and_the_figure_lights_each_whole():
    spec = AdaptivePool2d(5, 3)
    assert spec.window_sizes() == ((2, 3, 2), (2, 3, 2))
    assert spec.kernel_size == (3, 3)
    scene = Animation(spec, numbers=True).scene
    for index, (r, c) in enumerate([(0, 0), (0, 1), (1, 1)]):
        step = scene.step([0, 1, 4][index])
        (r0, r1), (c0, c1) = spec.ranges()[0][r], spec.ranges()[1][c]
        lit = {tuple(cell) for cell in step.highlights[0]}
        assert lit == {(y, x) for y in range(r0, r1) for x in range(c0, c1)}
    equation = scene.step(4).equation
    assert len(equation.terms) == 9 and equation.close == ")/9"  # the middle window: 3×3
    assert len(scene.step(0).equation.terms) == 4 and scene.step(0).equation.close == ")/4"


def _torch_adaptive(mode, x, out):
    f = {2: {"avg": F.adaptive_avg_pool2d, "max": F.adaptive_max_pool2d},
         1: {"avg": F.adaptive_avg_pool1d, "max": F.adaptive_max_pool1d}}[x.ndim][mode]
    return f(torch.tensor(x)[None, None], out)[0, 0].numpy()


@needs_torch
@settings(max_examples=80, deadline=None)
@given(st.sampled_from(["avg", "max"]), st.integers(1, 9), st.integers(1, 9), st.integers(1, 9), st.integers(1, 9),
       st.integers(0, 2**32 - 1))
def test_adaptive_pooling_equals_torch_with_its_matrix(mode, h, w, oh, ow, seed):
    if oh > h or ow > w:
        with pytest.raises(SpecError, match="output_size"):
            AdaptivePool2d((h, w), (oh, ow), mode)
        return
    x = np.random.default_rng(seed).integers(-3, 4, (h, w)).astype(float)
    spec = AdaptivePool2d((h, w), (oh, ow), mode)
    numbers = Numbers.of(spec, x)
    np.testing.assert_allclose(numbers.output, _torch_adaptive(mode, x, (oh, ow)), atol=1e-12)
    np.testing.assert_allclose(unrolled(numbers) @ x.ravel(), numbers.output.ravel(), atol=1e-12)
    strip = AdaptivePool1d(w, ow, mode)
    np.testing.assert_allclose(Numbers.of(strip, x[0]).output, _torch_adaptive(mode, x[0], ow), atol=1e-12)


@needs_torch
@settings(max_examples=80, deadline=None)
@given(st.integers(1, 8), st.integers(1, 8), st.sampled_from([1, 2, 3, 0.5, 1.5, 2.5, 0.7, 1.75, 3.3]),
       st.sampled_from([1, 2, 1.25, 2.6]), st.sampled_from(["nearest", "nearest-exact"]), st.booleans())
def test_nearest_upsampling_picks_the_cells_torch_picks(h, w, fh, fw, mode, by_size):
    x = np.arange(h * w, dtype=float).reshape(h, w)
    if by_size:
        size = (max(1, int(h * fh)), max(1, int(w * fw)))
        spec, expected = Upsample2d((h, w), None, size, mode), F.interpolate(torch.tensor(x)[None, None], size, mode=mode)
    else:
        if int(h * fh) < 1 or int(w * fw) < 1:  # an empty output: refused by both
            with pytest.raises(RuntimeError, match="greater than 0"):
                F.interpolate(torch.tensor(x)[None, None], scale_factor=(fh, fw), mode=mode)
            with pytest.raises(SpecError, match="the output would be empty"):
                Upsample2d((h, w), (fh, fw), mode=mode)
            return
        spec = Upsample2d((h, w), (fh, fw), mode=mode)
        expected = F.interpolate(torch.tensor(x)[None, None], scale_factor=(fh, fw), mode=mode)
    np.testing.assert_array_equal(Numbers.of(spec, x).output, expected[0, 0].numpy())


@needs_torch
@settings(max_examples=30, deadline=None)
@given(st.integers(1, 3), st.integers(1, 3), st.integers(1, 4), st.integers(1, 4))
def test_pixel_shuffle_is_a_transposed_convolution_with_one_hot_kernels(r, c, h, w):
    spec = PixelShuffle2d((h, w), r, c)
    x = np.random.default_rng(r * 100 + c).integers(-3, 4, spec.input_shape).astype(float)
    expected = F.pixel_shuffle(torch.tensor(x)[None], r)[0].numpy()
    np.testing.assert_array_equal(Numbers.of(spec, x).output.reshape(expected.shape), expected)
    assert spec.costs() == {"weights": 0, "biases": 0, "multiply_adds": 0}
    with pytest.raises(SpecError, match="kernel_values: a pixel-shuffle fixes its own weights"):
        Numbers.of(spec, x, np.ones(spec.weight_shape))


@needs_torch
@pytest.mark.parametrize("text, size", [
    ("nn.AdaptiveAvgPool2d((3, 2))", (7, 5)), ("(avgpool): AdaptiveAvgPool2d(output_size=(1, 1))", (4, 4)),
    ("nn.AdaptiveAvgPool2d((None, 3))", (5, 7)), ("nn.AdaptiveMaxPool2d(output_size=(2, None))", (5, 4)),
    ("nn.AdaptiveMaxPool2d(3)", (8, 8)), ("nn.AdaptiveAvgPool1d(3)", 8), ("nn.AdaptiveMaxPool1d(output_size=2)", 5),
    ("(up): Upsample(scale_factor=2.0, mode='nearest')", (3, 4)), ("nn.Upsample(size=(5, 7))", (3, 3)),
    ("nn.Upsample(scale_factor=(2.0, 1.5), mode='nearest-exact')", (3, 3)), ("nn.UpsamplingNearest2d(scale_factor=3)", 2),
    ("nn.PixelShuffle(2)", (2, 3)), ("PixelShuffle(upscale_factor=3)", 2),
])
def test_pasted_layers_give_torchs_shapes_and_values(text, size):
    spec = from_torch(text, size)
    module = eval(text.split(": ", 1)[-1] if text.startswith("(") else text, {"nn": torch.nn, **vars(torch.nn)})  # noqa: S307 - the test's own texts
    assert from_torch(module, size) == spec
    x = np.random.default_rng(0).integers(-3, 4, spec.input_shape).astype(float)
    batch = torch.tensor(x)[None] if len(spec.input_shape) == 3 else torch.tensor(x)[None, None]
    expected = module(batch).numpy()
    np.testing.assert_allclose(Numbers.of(spec, x).output, expected.reshape(spec.output_shape), atol=1e-12)


def test_a_scale_that_leaves_no_output_is_refused_as_pytorch_does():
    """floor(3·0.01) = 0: PyTorch refuses the empty output; convanim drew a 1x1 one and wrote
    'o = floor(3*0.01) = 1' in info."""
    with pytest.raises(SpecError) as info:
        Upsample2d(3, 0.01)
    assert info.value.params == ("scale_factor", "input_size")
    assert info.value.reason == "the output would be empty: floor(3*0.01) = 0 (PyTorch refuses it); use a scale factor of at least 1/3"
    result = CliRunner().invoke(cli, ["info", "upsample", "--i", "3x5", "--scale", "1,0.1"])
    assert result.exit_code == 2
    assert result.stderr == ("Error: --scale/--scale-factor, --i/--input-size: the output would be empty: floor(5*0.1) = 0"
                             " (PyTorch refuses it); use a scale factor of at least 1/5\n")
    assert Upsample2d(3, 1 / 3).output_size == (1, 1) and Upsample2d(3, (0.34, 2)).output_size == (1, 6)


def test_refused_layers_say_which_are_drawn():
    with pytest.raises(SpecError, match="mode='bilinear' is not drawn: convanim draws nearest"):
        from_torch("nn.Upsample(scale_factor=2, mode='bilinear')")
    with pytest.raises(SpecError, match="does not draw nn.Bilinear: the layers it draws are .*AdaptiveAvgPool2d.*"
                                        "Upsample.*PixelShuffle"):
        from_torch("nn.Bilinear(2, 3, 4)")
    with pytest.raises(SpecError, match="either size or scale_factor"):
        from_torch("nn.Upsample()")


def test_the_commands_draw_count_and_dump_the_windows(tmp_path):
    runner = CliRunner()
    dump = tmp_path / "d.json"
    result = runner.invoke(cli, ["adaptive-pool", "--i", "5", "--output-size", "3", "--numbers", "--dump", str(dump),
                                 "-o", str(tmp_path / "a.gif")])
    assert result.exit_code == 0, result.output
    data = json.loads(dump.read_text())
    assert [len(f["taps"]) for f in data["frames"]] == [4, 6, 4, 6, 9, 6, 4, 6, 4]
    x = np.array(data["input"])
    assert data["frames"][4]["value"] == pytest.approx(x[1:4, 1:4].mean())
    np.testing.assert_allclose(np.array(data["matrix"]) @ x.ravel(), np.ravel(data["output"]))
    info = runner.invoke(cli, ["info", "torch", "nn.Upsample(scale_factor=1.5)", "--i", "3"])
    assert "output shape:     4x4" in info.output and "copies input cell min(floor(j/1.5), 2)" in info.output
    shuffle = runner.invoke(cli, ["info", "pixel-shuffle", "--i", "2", "--r", "2", "--out-channels", "3"])
    assert "input shape:      12x2x2" in shuffle.output and "output shape:     3x4x4" in shuffle.output
    assert "weights:          0" in shuffle.output
    result = runner.invoke(cli, ["upsample", "--i", "3", "--size", "5", "-o", str(tmp_path / "u.gif")])
    assert result.exit_code == 0, result.output
