"""Channels: volumes, groups, depthwise, pointwise, separable and spatially separable."""

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import assume, given
from hypothesis import strategies as st

import naive
from convanim import Animation
from convanim.cli import cli
from convanim import describe
from convanim.core.geometry import shown_channels
from convanim import Conv2d, SeparableConv2d, SpatialSeparableConv2d, SpecError
from convanim.core.values import Numbers, StagedNumbers
from convanim.io.data import record

try:
    import torch
except ImportError:
    torch = None


@st.composite
def grouped_specs(draw):
    groups = draw(st.integers(1, 3))
    c_in = groups * draw(st.integers(1, 3))
    c_out = groups * draw(st.integers(1, 3))
    try:
        return Conv2d((draw(st.integers(2, 7)), draw(st.integers(2, 7))), (draw(st.integers(1, 3)), draw(st.integers(1, 3))),
                      draw(st.integers(1, 2)), draw(st.integers(0, 2)), draw(st.integers(1, 2)), c_in, c_out, groups)
    except SpecError:
        assume(False)


@given(grouped_specs(), st.integers(0, 2**32 - 1))
def test_grouped_values_equal_the_obvious_loop(spec, seed):
    rng = np.random.default_rng(seed)
    x = rng.integers(-3, 4, size=(spec.in_channels, *spec.input_size)).astype(float)
    w = rng.integers(-2, 3, size=(spec.out_channels, spec.in_channels // spec.groups, *spec.kernel_size)).astype(float)
    n = Numbers.of(spec, x, w)
    expected = naive.grouped_conv2d(x, w, spec.stride, spec.padding, spec.dilation, spec.groups)
    np.testing.assert_array_equal(n.output.reshape(expected.shape), expected)


@pytest.mark.skipif(torch is None, reason="torch not installed")
@given(grouped_specs(), st.integers(0, 2**32 - 1))
def test_grouped_loop_agrees_with_torch(spec, seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(spec.in_channels, *spec.input_size))
    w = rng.normal(size=(spec.out_channels, spec.in_channels // spec.groups, *spec.kernel_size))
    t, b, l, r = spec.padding
    padded = torch.nn.functional.pad(torch.tensor(x)[None], (l, r, t, b))
    got = torch.nn.functional.conv2d(padded, torch.tensor(w), stride=spec.stride, dilation=spec.dilation, groups=spec.groups)
    np.testing.assert_allclose(got[0].numpy(), naive.grouped_conv2d(x, w, spec.stride, spec.padding, spec.dilation, spec.groups))


def test_separable_is_depthwise_then_pointwise():
    spec = SeparableConv2d(6, 3, in_channels=3, out_channels=4, depth_multiplier=2)
    values = StagedNumbers.of(spec)
    depthwise, pointwise = values.stages
    assert depthwise.spec == Conv2d(6, 3, in_channels=3, out_channels=6, groups=3)
    assert pointwise.spec == Conv2d(4, 1, in_channels=6, out_channels=4)
    x, dw, pw = depthwise.input, depthwise.kernel, pointwise.kernel
    mid = naive.grouped_conv2d(x, dw, (1, 1), (0, 0, 0, 0), (1, 1), 3)
    np.testing.assert_array_equal(depthwise.output, mid)
    np.testing.assert_array_equal(values.output, naive.grouped_conv2d(mid, pw, (1, 1), (0, 0, 0, 0), (1, 1), 1))
    assert values.output.shape == (4, 4, 4)


def test_spatially_separable_passes_equal_the_full_kernel():
    spec = SpatialSeparableConv2d(6, [1, 2, 1], [1, 0, -1])  # Sobel
    column, row, full = StagedNumbers.of(spec, seed=5).stages
    assert full.kernel.tolist() == [[1, 0, -1], [2, 0, -2], [1, 0, -1]]
    np.testing.assert_array_equal(row.output, full.output)
    np.testing.assert_array_equal(full.output, naive.conv2d(full.input, full.kernel, (1, 1), (0, 0, 0, 0), (1, 1)))
    assert column.output.shape == (4, 6)


@pytest.mark.parametrize(
    "make, params, reason",
    [
        (lambda: Conv2d(5, 3, in_channels=3, groups=2), ("in_channels", "groups"), "3 channels do not split into 2 groups"),
        (lambda: Conv2d(5, 3, in_channels=4, out_channels=3, groups=2), ("out_channels", "groups"), "3 channels do not split into 2 groups"),
        (lambda: Conv2d(5, 3, in_channels=0), ("in_channels",), "must be between 1 and 4,096, got 0"),
        (lambda: SpatialSeparableConv2d(6, [1, 2], [1, 0, -1]), ("column", "row"), "need the same length, got 2 and 3"),
        (lambda: SpatialSeparableConv2d(6, [], []), ("column",), "expected a list of numbers, got []"),
        (lambda: SpatialSeparableConv2d(2, [1, 2, 1], [1, 0, -1]), ("input_size", "column"),
         "the input (2x2) is smaller than the 3x3 kernel"),
        (lambda: SeparableConv2d(6, 3, in_channels=2, depth_multiplier=0), ("depth_multiplier",), "must be between 1 and 4,096, got 0"),
    ],
)
def test_bad_channel_specs(make, params, reason):
    with pytest.raises(SpecError) as info:
        make()
    assert (info.value.params, info.value.reason) == (params, reason)


def test_shown_channels_elide_the_middle_of_big_volumes():
    assert shown_channels(3) == [(0, 0), (1, 0), (2, 0)]
    assert shown_channels(8) == [(c, 0) for c in range(8)]
    assert shown_channels(256) == [(0, 0), (1, 0), (2, 0), (255, 252)]


def _names(scene):
    return [p.name for p in scene.planes if p.grid.kinds[0, 0] != 4]  # without the kernel slices


def test_a_volume_scene_lights_every_channel_the_output_reads():
    spec = Conv2d(5, 3, in_channels=4, out_channels=4, groups=2)
    anim = Animation(spec, numbers=Numbers.of(spec), labels=True)
    scene = anim.scene
    assert _names(scene) == [f"input {c}" for c in range(4)] + [f"output {c}" for c in range(4)]
    inputs, slices, outputs = [0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]
    assert [scene.planes[k].align for k in slices] == inputs  # each slice beside the channel it multiplies
    assert [scene.planes[k].tint for k in inputs] == [0, 0, 1, 1]  # a hue per group
    assert [scene.planes[k].tint for k in outputs] == [0, 0, 1, 1]  # an output reads one group's hue
    assert len(scene) == 4 * 9
    for index, reads in [(0, [0, 1]), (9 + 4, [0, 1]), (2 * 9, [2, 3]), (3 * 9 + 8, [2, 3])]:
        step = scene.step(index)
        lit = [k for k, cells in enumerate(step.highlights) if len(cells)]
        out = 8 + index // 9
        assert lit == reads + [4 + c for c in reads] + [out]
        # every channel read is linked to its slice, every slice to the output cell
        assert sorted((link.source, link.target) for link in step.links) == sorted(
            [(c, 4 + c) for c in reads] + [(4 + c, out) for c in reads])
        assert {label.plane for label in step.labels} == set(reads) | {4 + c for c in reads}
        assert [(label.plane, label.kind) for label in step.reveals] == [(out, "fill"), (out, "value")]
        assert step.equation.head == f"o{'₀₁₂₃'[out - 8]}[{(index % 9) // 3},{index % 3}] ="
        shares = [float(t.text) for t in step.equation.terms]
        assert [t.tint for t in step.equation.terms] == [scene.planes[c].tint for c in reads]
        assert sum(shares) == float(step.equation.result.split("= ")[1]) == anim.numbers.steps[index]


def test_an_equation_sums_every_channel_read_also_those_not_drawn():
    spec = Conv2d(4, 3, in_channels=16, out_channels=2)
    anim = Animation(spec, numbers=True)
    for index in (0, 5):
        equation = anim.scene.step(index).equation
        assert len(equation.terms) == 16
        assert sum(float(t.text) for t in equation.terms) == anim.numbers.steps[index]


def test_big_volumes_draw_a_few_planes_and_step_through_the_shown_outputs():
    spec = Conv2d(4, 3, in_channels=16, out_channels=12)
    scene = Animation(spec).scene
    names = _names(scene)
    assert names == ["input 0", "input 1", "input 2", "input 15", "output 0", "output 1", "output 2", "output 11"]
    assert [p.elided for p in scene.planes if p.grid.kinds[0, 0] != 4] == [0, 0, 0, 12, 0, 0, 0, 8]
    assert len(scene) == 4 * 4


def test_separable_scene_runs_in_two_named_phases():
    spec = SeparableConv2d(5, 3, in_channels=2, out_channels=3)
    anim = Animation(spec, numbers=StagedNumbers.of(spec))
    scene = anim.scene
    assert scene.phases == (
        "phase 1: depthwise 3x3: depthwise 0 = input 0 ∗ kernel 0",
        "phase 1: depthwise 3x3: depthwise 1 = input 1 ∗ kernel 1",
        "phase 2: pointwise 1x1: output 0 = Σ over depthwise 0–1: depthwise c ∗ slice c of kernel 0",
        "phase 2: pointwise 1x1: output 1 = Σ over depthwise 0–1: depthwise c ∗ slice c of kernel 1",
        "phase 2: pointwise 1x1: output 2 = Σ over depthwise 0–1: depthwise c ∗ slice c of kernel 2",
    )
    assert len(scene) == 2 * 9 + 3 * 9
    assert [scene.step(i).phase for i in (0, 9, 2 * 9, 3 * 9, 4 * 9)] == [0, 1, 2, 3, 4]
    depthwise = [k for k, p in enumerate(scene.planes) if p.name.startswith("depthwise")]
    assert [scene.planes[k].tint for k in depthwise] == [0, 1]  # each keeps its input channel's hue
    assert scene.step(9).equation.terms[0].tint == 1
    pointwise = scene.step(2 * 9).equation  # 1×1: one product per channel, each in its hue
    assert [t.tint for t in pointwise.terms] == [0, 1] and all("·" in t.text for t in pointwise.terms)
    assert len(anim.frame(2 * 9)) > 0  # draws


def test_dump_of_channels_and_chains(tmp_path):
    spec = Conv2d(4, 3, in_channels=2, out_channels=2)
    data = record(Numbers.of(spec))
    assert data["spec"]["in_channels"] == 2 and len(data["input"]) == 2 and len(data["kernel"]) == 2
    assert data["frames"][0]["channel"] == 0 and data["frames"][0]["reads"] == [0, 2]
    assert len(data["frames"]) == 2 * 4
    chain = record(StagedNumbers.of(SpatialSeparableConv2d(5, [1, 2, 1], [1, 0, -1])))
    assert [s["name"] for s in chain["stages"]] == ["pass 1: column 3x1", "pass 2: row 1x3", "the full 3x3 kernel: the same result"]
    assert chain["stages"][1]["output"] == chain["stages"][2]["output"] == chain["output"]


# ---- the seeds' worked numbers, through `convanim info` ------------------------------------------


def _info(*args):
    result = CliRunner().invoke(cli, ["info", *args, "--json"])
    assert result.exit_code == 0, result.stderr
    import json

    return json.loads(result.stdout)


def test_info_reproduces_the_seeds_numbers():
    assert _info("conv", "--k", "3", "--in-channels", "16", "--out-channels", "32")["weights"] == 4608
    assert _info("separable", "--k", "3", "--in-channels", "16", "--out-channels", "32")["weights"] == 656
    big = _info("conv", "--i", "128", "--k", "3", "--in-channels", "256", "--out-channels", "512", "--bottleneck", "64")
    assert big["weights"] == 1_179_648
    assert big["bottleneck"]["weights"] == 311_296
    assert big["bottleneck"]["pointwise_weights"] == 16_384 and big["bottleneck"]["conv_weights"] == 294_912
    depthwise = _info("depthwise", "--i", "6", "--k", "3", "--in-channels", "16")
    assert (depthwise["input_shape"], depthwise["output_shape"]) == ([16, 6, 6], [16, 4, 4])
    sobel = _info("spatial-separable", "--column", "1,2,1", "--row", "1,0,-1")
    assert (sobel["weights"], sobel["full_kernel_weights"]) == (6, 9)
    assert _info("dilated", "--k", "3", "--d", "2")["receptive_field"] == [5, 5]
    seed = _info("conv", "--i", "12", "--k", "5", "--in-channels", "3")
    assert seed["output_shape"] == [1, 8, 8]  # a 12×12×3 image under a 5×5×3 kernel
    assert _info("conv", "--i", "12", "--k", "5", "--in-channels", "3", "--out-channels", "256")["output_shape"] == [256, 8, 8]


def test_info_text_shows_the_arithmetic():
    result = CliRunner().invoke(cli, ["info", "conv", "--i", "5", "--k", "3", "--s", "2", "--p", "1"])
    assert result.exit_code == 0
    assert "height: o = floor((i + p_before + p_after - d*(k-1) - 1) / s) + 1 = floor((5 + 1 + 1 - 1*(3-1) - 1) / 2) + 1 = 3" in result.stdout
    assert "weights:          9\n" in result.stdout
    assert describe(Conv2d(5, 3, 2, 1))["multiply_adds"] == 81


@pytest.mark.parametrize(
    "args, message",
    [
        (["conv", "--in-channels", "3", "--groups", "2"], "Error: --in-channels, --groups: 3 channels do not split into 2 groups"),
        (["pointwise", "--k", "3"], "Error: --k/--kernel-size: a pointwise convolution is 1x1, got 3x3"),
        (["spatial-separable", "--column", "1,2", "--row", "1,0,-1"], "Error: --column, --row: need the same length, got 2 and 3"),
        (["spatial-separable", "--column", "1,x"], "Error: Invalid value for '--column': '1,x' is not a list of numbers: use e.g. 1,2,1"),
        (["depthwise", "--in-channels", "0"], "Error: Invalid value for '--in-channels': 0 is not in the range 1<=x<=4096."),
        (["info", "conv", "--in-channels", "3", "--groups", "3", "--out-channels", "3", "--bottleneck", "2"],
         "Error: --bottleneck: applies to a plain convolution with channels"),
    ],
)
def test_bad_channel_flags_are_one_line_exit_2_and_nothing_written(tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, args)
    assert (result.exit_code, result.stdout, result.stderr) == (2, "", message + "\n")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "args, frames",
    [
        # with numbers and a dump; the README's channel commands (test_readme) draw the rest
        (["conv", "--i", "4", "--k", "3", "--in-channels", "3", "--out-channels", "2"], 2 * 4),
        (["separable", "--i", "3", "--k", "3", "--in-channels", "2", "--out-channels", "2"], 2 + 2),
        (["spatial-separable", "--column", "1,2,1", "--row", "1,0,-1", "--i", "3"], 3 + 1 + 1),
    ],
)
def test_the_channel_commands(tmp_path, monkeypatch, args, frames):
    from PIL import Image

    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, [*args, "--numbers", "-o", "a.gif", "--dump", "a.json"])
    assert (result.exit_code, result.stdout) == (0, "a.gif\na.json\n"), result.stderr
    with Image.open(tmp_path / "a.gif") as im:
        assert im.n_frames == frames


def test_channel_values_from_files(tmp_path, monkeypatch):
    import json

    monkeypatch.chdir(tmp_path)
    x = np.arange(2 * 4 * 4).reshape(2, 4, 4)
    w = np.ones((3, 2, 3, 3))
    np.save("x.npy", x)
    np.save("w.npy", w)
    result = CliRunner().invoke(cli, ["conv", "--input-values", "x.npy", "--kernel-values", "w.npy", "-o", "a.gif", "--dump", "d.json"])
    assert result.exit_code == 0, result.stderr
    data = json.loads((tmp_path / "d.json").read_text())
    assert data["spec"]["in_channels"] == 2 and data["spec"]["out_channels"] == 3
    np.testing.assert_array_equal(data["output"], naive.grouped_conv2d(x.astype(float), w, (1, 1), (0, 0, 0, 0), (1, 1), 1))
    result = CliRunner().invoke(cli, ["conv", "--in-channels", "3", "--input-values", "x.npy", "-o", "b.gif"])
    assert result.stderr == "Error: --in-channels, --input-values: the size says 3 but the values are 2\n"


def test_every_frame_of_a_big_grouped_conv_lights_what_it_reads():
    spec = Conv2d(3, 1, in_channels=12, out_channels=4, groups=4)
    scene = Animation(spec).scene
    names = _names(scene)
    assert names[:7] == ["input 0", "input 1", "input 2", "input 3", "input 6", "input 9", "input 11"]
    for index in range(len(scene)):
        step = scene.step(index)
        assert sum(len(cells) > 0 for cells in step.highlights[:7]) >= 1


def test_info_odds_and_ends():
    assert _info("transposed", "--k", "3", "--s", "2")["receptive_field"] == [2, 2]
    assert _info("pool", "--i", "5", "--k", "3")["stages"][0]["operations"] == 81
    result = CliRunner().invoke(cli, ["info", "conv", "--bottleneck", "64"])
    assert result.stderr == "Error: --bottleneck, --in-channels: a bottleneck narrows: 64 is not fewer than 1 channels\n"
    result = CliRunner().invoke(cli, ["depthwise", "--in-channels", "4096", "--depth-multiplier", "4096"])
    assert result.stderr == "Error: --in-channels, --depth-multiplier: 4096 x 4096 output channels, more than 4,096\n"
