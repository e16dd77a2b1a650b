"""3-D convolution, transposed convolution and pooling: values against the real torch (skipped
without it), the depth slices each step reads, the drawn slices, the command line and the limits."""

import json

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from convanim import Animation, Conv3d, ConvTranspose3d, Pool3d, SpecError, describe, from_torch
from convanim.cli import cli
from convanim.core.limits import values_held
from convanim.core.matrix import unrolled
from convanim.core.values import Numbers
from convanim.ops import operation
from convanim.ops.base import stage_frames
from convanim.scene.model import Link

try:
    import torch
    import torch.nn.functional as F
except ImportError:  # pragma: no cover
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not installed (pip install torch==2.14.1)")

small = st.integers(1, 2)
triples = st.tuples(small, small, small)


def _tensor(array):
    return torch.tensor(np.asarray(array, dtype=float))


@st.composite
def conv3d_specs(draw):
    groups = draw(st.sampled_from([1, 1, 2]))
    cin, cout = groups * draw(st.integers(1, 2)), groups * draw(st.integers(1, 2))
    kernel, stride, dilation = draw(triples), draw(triples), draw(triples)
    size = tuple(draw(st.integers(1, 5)) for _ in range(3))
    mode = draw(st.sampled_from(["zeros", "zeros", "reflect", "replicate", "circular"]))
    padding = draw(st.one_of(st.tuples(*(st.integers(0, 2),) * 3), st.sampled_from(["valid", "same"])))
    try:
        return Conv3d(size, kernel, stride, padding, dilation, cin, cout, groups, padding_mode=mode)
    except SpecError:
        assume(False)


@needs_torch
@settings(max_examples=25, deadline=None)
@given(conv3d_specs(), st.integers(0, 2**16))
def test_conv3d_values_equal_torch(spec, seed):
    n = Numbers.of(spec, seed=seed)
    x = _tensor(n.input).reshape(1, spec.in_channels, *spec.input_volume)
    w = _tensor(n.kernel).reshape(spec.out_channels, spec.in_channels // spec.groups, *spec.kernel_volume)
    padding = [q for pair in reversed(spec.axes.padding) for q in pair]  # F.pad's order: last axis first
    if spec.padding_mode != "zeros":
        x = F.pad(x, padding, mode=spec.padding_mode)
    else:
        x = F.pad(x, padding)
    expected = F.conv3d(x, w, stride=spec.axes.stride, dilation=spec.axes.dilation, groups=spec.groups)
    np.testing.assert_allclose(n.output, expected.reshape(spec.output_shape).numpy(), atol=1e-9)


@needs_torch
@settings(max_examples=25, deadline=None)
@given(triples, triples, triples, st.tuples(*(st.integers(0, 1),) * 3), st.sampled_from([1, 2]), st.integers(1, 2),
       st.tuples(*(st.integers(1, 3),) * 3), st.integers(0, 2**16))
def test_transposed3d_values_equal_torch(kernel, stride, dilation, extra, groups, per, size, seed):
    padding = tuple(min(k - 1, 1) for k in kernel)
    try:
        spec = ConvTranspose3d(size, kernel, stride, padding, dilation, extra, groups * per, groups, groups)
    except SpecError:
        assume(False)
    n = Numbers.of(spec, seed=seed)
    x = _tensor(n.input).reshape(1, spec.in_channels, *size)
    w = _tensor(n.kernel).reshape(spec.in_channels, spec.out_channels // groups, *kernel)
    expected = F.conv_transpose3d(x, w, stride=stride, padding=padding, output_padding=extra, groups=groups,
                                  dilation=dilation)
    np.testing.assert_allclose(n.output, expected.reshape(spec.output_shape).numpy(), atol=1e-9)


@needs_torch
@settings(max_examples=30, deadline=None)
@given(st.sampled_from(["max", "avg"]), st.tuples(*(st.integers(1, 3),) * 3), triples, triples,
       st.tuples(*(st.integers(2, 5),) * 3), st.booleans(), st.booleans(), st.integers(0, 2**16), st.data())
def test_pool3d_values_equal_torch(mode, kernel, stride, dilation, size, ceil, count_pad, seed, data):
    padding = tuple(data.draw(st.integers(0, k // 2)) for k in kernel)
    if mode == "avg":
        dilation = (1, 1, 1)
    try:
        spec = Pool3d(size, kernel, stride, padding, dilation, mode, ceil, count_pad if mode == "avg" else True)
    except SpecError:
        assume(False)
    n = Numbers.of(spec, seed=seed)
    x = _tensor(n.input)[None, None]
    if mode == "max":
        expected = F.max_pool3d(x, kernel, stride, padding, dilation, ceil_mode=ceil)
    else:
        expected = F.avg_pool3d(x, kernel, stride, padding, ceil_mode=ceil, count_include_pad=count_pad)
    np.testing.assert_allclose(n.output, expected[0, 0].numpy(), atol=1e-9)


@needs_torch
def test_avg_pool3d_divisor_override_and_the_layers_forward():
    spec = from_torch("nn.AvgPool3d(2, stride=1, padding=1, divisor_override=3)", (3, 3, 4))
    n = Numbers.of(spec, seed=5)
    layer = torch.nn.AvgPool3d(2, stride=1, padding=1, divisor_override=3)
    np.testing.assert_allclose(n.output, layer(_tensor(n.input)[None, None])[0, 0].numpy(), atol=1e-9)
    conv = torch.nn.Conv3d(2, 4, kernel_size=(3, 3, 3), stride=(1, 2, 2), groups=2).double()
    spec = from_torch(conv, (4, 5, 5))
    n = Numbers.of(spec, seed=1, kernel=conv.weight.detach().numpy(), bias=conv.bias.detach().numpy())
    np.testing.assert_allclose(n.output, conv(_tensor(n.input)[None])[0].detach().numpy(), atol=1e-9)


@settings(max_examples=15, deadline=None)
@given(conv3d_specs(), st.integers(0, 2**16))
def test_the_matrix_of_a_volume_computes_its_output(spec, seed):
    assume(spec.out_planes * spec.in_planes * 25 <= 20_000)
    n = Numbers.of(spec, seed=seed)
    np.testing.assert_allclose(unrolled(n) @ n.input.ravel(), n.output.ravel(), atol=1e-9)


def test_each_output_slice_reads_the_slices_under_its_kernel():
    spec = Conv3d((4, 3, 3), (3, 1, 1), stride=(2, 1, 1), padding=(1, 0, 0))
    assert spec.depths == (4, 2) and spec.in_planes == 4 and spec.out_planes == 2
    assert [(r.depth, r.slice) for r in spec.reads(0)] == [(0, 1), (1, 2)]  # slice −1 is padding
    assert [(r.depth, r.slice) for r in spec.reads(1)] == [(1, 0), (2, 1), (3, 2)]
    assert spec.heading(0) == "output slice 0 = input slices 0–1 ∗ kernel slices 1–2 (kernel slice 0 on padding)"
    reflected = Conv3d((4, 3, 3), (3, 1, 1), padding=(1, 0, 0), padding_mode="reflect")
    assert [(r.depth, r.slice) for r in reflected.reads(0)] == [(1, 0), (0, 1), (1, 2)]  # slice −1 copies slice 1
    transposed = ConvTranspose3d((2, 2, 2), (3, 1, 1), stride=(2, 1, 1))  # slices spread out: P P 0 Z 1 P P
    assert [(r.depth, r.slice) for r in transposed.reads(2)] == [(0, 2), (1, 0)]  # o[2] = x[0]·w[2] + x[1]·w[0]
    channels = Conv3d((2, 3, 3), (2, 1, 1), in_channels=4, out_channels=2, groups=2)
    assert [(r.channel, r.slice) for r in channels.reads(1)] == [(4, 0), (5, 1), (6, 2), (7, 3)]  # output 1: inputs 2–3


def test_the_frames_light_the_slices_read_and_one_cell_of_one_output_slice():
    spec = Conv3d((3, 4, 4), (2, 3, 3))
    scene = Animation(spec, numbers=True, labels=True).scene
    names = [p.name for p in scene.planes]
    assert names == ["input slice 0", "input slice 1", "input slice 2", "kernel slice 0", "kernel slice 1",
                     "output slice 0", "output slice 1"]
    assert len(scene) == stage_frames(spec) == 2 * 2 * 2
    step = scene.step(5)  # output slice 1, cell (0, 1)
    lit = [k for k, h in enumerate(step.highlights) if len(h)]
    assert lit == [1, 2, 3, 4, 6]
    np.testing.assert_array_equal(step.highlights[6], [[0, 1]])
    np.testing.assert_array_equal(step.highlights[1], [[r, c] for r in range(3) for c in range(1, 4)])
    wires = {(link.source, link.target) for link in step.links}
    assert wires == {(1, 3), (3, 6), (2, 4), (4, 6)}  # slice 1 through kernel slice 0, slice 2 through kernel slice 1
    assert all(isinstance(link, Link) and link.wire for link in step.links)
    n = Numbers.of(spec)
    assert step.equation.head == "o[1,0,1] =" and step.equation.result == f"= {int(n.output[1, 0, 1])}"
    shares = [n.drawn_inputs[d, 0:3, 1:4].ravel() @ n.kernel[j].ravel() for d, j in ((1, 0), (2, 1))]
    assert [t.text for t in step.equation.terms] == [str(int(v)) for v in shares]
    assert scene.phases[1] == "output slice 1 = input slices 1–2 ∗ kernel slices 0–1"


def test_max_pooling_marks_the_kept_cell_on_its_slice():
    spec = Pool3d((2, 2, 2), 2)
    x = np.zeros((2, 2, 2), dtype=int)
    x[1, 0, 1] = 5
    scene = Animation(spec, numbers=Numbers.of(spec, x)).scene
    step = scene.step(0)
    assert [len(m) for m in step.marks] == [0, 1, 0]
    np.testing.assert_array_equal(step.marks[1], [[0, 1]])
    assert [t.text for t in step.equation.terms if t.strong] == ["5"]


def test_info_and_the_limits_are_known_before_drawing():
    info = describe(Conv3d((4, 5, 5), 3, in_channels=2, out_channels=4, stride=(1, 2, 2)))
    assert info["input_shape"] == [2, 4, 5, 5] and info["output_shape"] == [4, 2, 2, 2]
    assert info["weights"] == 4 * 2 * 27 and info["multiply_adds"] == 4 * 8 * 2 * 27
    assert info["receptive_field"] == [3, 3, 3]
    assert describe(Pool3d(4, 2))["stages"][0]["operations"] == 8 * 8
    big = Conv3d((6, 40, 40), 3)
    assert operation("conv3d").frame_count(big) == 4 * 38 * 38  # every output slice shown (up to 8)
    with pytest.raises(SpecError, match="the spec makes 5,776 frames, more than the limit of 2,000") as refused:
        Animation(big).check_limits()
    assert refused.value.params == ("max_frames",)
    Animation(big, max_frames=6000).check_limits()
    assert values_held(Conv3d((4, 5, 5), 3), False) == 27 // 9 * 2  # the kernel slices wired: 3 per output slice


def test_refusals_name_the_parameter():
    with pytest.raises(SpecError, match="kernel spans 5 slices .dilated. in depth but the padded input has only 4"):
        Conv3d((4, 5, 5), 3, dilation=(2, 1, 1))
    with pytest.raises(SpecError, match="a 3-D kernel size is N or .d, h, w., got 2 values"):
        Conv3d((4, 5, 5), (3, 3))
    with pytest.raises(SpecError, match="'same' padding needs stride 1"):
        Conv3d((4, 5, 5), 3, stride=(2, 1, 1), padding="same")
    with pytest.raises(SpecError, match="pooling pads at most half the kernel"):
        Pool3d((4, 4, 4), (3, 2, 2), padding=(1, 2, 1))


@pytest.fixture
def run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return lambda *args: CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_the_commands(run, tmp_path):
    result = run("conv3d", "--i", "3x4x4", "--k", "2x3x3", "--numbers", "--dump", "d.json", "-o", "c.gif")
    assert result.exit_code == 0, result.output
    data = json.loads((tmp_path / "d.json").read_text())
    assert data["output_size"] == [2, 2, 2] and data["spec"]["input_size"] == [3, 4, 4]
    assert data["frames"][5]["out"] == [1, 0, 1] and data["frames"][5]["reads"] == [[0, 1, 0], [0, 2, 1]]
    assert np.asarray(data["matrix"]).shape == tuple(data["matrix_shape"]) == (8, 48)
    result = run("info", "torch", "nn.MaxPool3d(2)", "--i", "4x6x6")
    assert result.exit_code == 0 and "output shape:     2x3x3" in result.output
    result = run("transposed3d", "--i", "2", "--k", "2", "--s", "2x1x1", "-o", "t.png", "--poster", "1")
    assert result.exit_code == 0, result.output
    result = run("conv3d", "--i", "4x5", "-o", "x.gif")
    assert result.exit_code == 2 and "is not a 3-D size: use N or DxHxW" in result.output
    result = run("conv3d", "--view", "matrix", "-o", "x.gif")  # 18 rows: a frame each
    assert result.exit_code == 0 and Image.open(tmp_path / "x.gif").n_frames == 18
    result = run("conv3d", "--in-channels", "2", "--view", "matrix", "-o", "x.gif")
    assert result.exit_code == 2 and "the matrix view draws one channel" in result.output
    result = run("torch", "nn.Conv2d(1, 1, 3)", "--i", "4x5x5", "-o", "x.gif")
    assert result.exit_code == 2 and "nn.Conv2d takes N or HxW, got 4x5x5" in result.output


# ---- the backward pass ---------------------------------------------------------------------------


@st.composite
def symmetric_volumes(draw):
    """3-D layers whose input gradient is drawn: zero padding, the same on both sides."""
    groups = draw(st.sampled_from([1, 1, 2]))
    cin, cout = groups * draw(st.integers(1, 2)), groups * draw(st.integers(1, 2))
    kernel, stride, dilation = draw(triples), draw(triples), draw(triples)
    padding = draw(st.tuples(*(st.integers(0, 1),) * 3))
    try:
        if draw(st.booleans()):
            return Conv3d(tuple(draw(st.integers(1, 5)) for _ in range(3)), kernel, stride, padding, dilation, cin, cout,
                          groups)
        extra = tuple(draw(st.integers(0, s - 1)) for s in stride)
        return ConvTranspose3d(tuple(draw(st.integers(1, 3)) for _ in range(3)), kernel, stride, padding, dilation, extra,
                               cin, cout, groups)
    except SpecError:
        assume(False)


@settings(max_examples=40, deadline=None)
@given(symmetric_volumes(), st.integers(0, 2**31 - 1))
def test_the_gradient_views_of_a_volume_compute_its_backward_pass(spec, seed):
    """grad-input draws the layer that maps ∂L/∂y back with the same weights (a transposed 3-D
    convolution, or a direct one), grad-weight the correlation a frame per weight: their values
    are the backward pass read off the forward sweep (itself held to torch.autograd in test_backward)."""
    from convanim.core.backward import Gradients
    from convanim.ops.gradient import gradient_of, weight_gradient

    numbers = Numbers.of(spec, seed=seed, grad=True)
    grads = Gradients(numbers)
    back = gradient_of(spec).layer(spec)
    assert back.dims == 3 and back.weight_shape == spec.weight_shape
    np.testing.assert_allclose(Numbers.of(back, numbers.grad, numbers.kernel).output.reshape(spec.input_shape),
                               grads.input, atol=1e-9)
    drawn = weight_gradient(spec)
    a, b = (numbers.input, numbers.grad) if drawn.volumes[0] == "x" else (numbers.grad, numbers.input)
    np.testing.assert_allclose(Numbers.of(drawn, a, b).output, grads.weight, atol=1e-9)
    for view in ("grad-input", "grad-weight"):
        anim = Animation(spec, view=view, numbers=numbers)
        assert len(anim) == operation(spec.op).views[view].frames(spec)


def test_grad_weight_of_a_volume_reads_each_weights_slices_under_the_gradients():
    spec = Conv3d((3, 4, 4), (2, 3, 3), in_channels=2, out_channels=2)
    anim = Animation(spec, view="grad-weight", numbers=Numbers.of(spec, seed=3, grad=True), labels=True)
    scene = anim.scene
    names = [p.name for p in scene.planes]
    assert names[:3] == ["x 0, slice 0", "x 0, slice 1", "x 0, slice 2"]
    assert "∂L/∂y slice 1 (x 1)" in names and "∂L/∂w[0,1], slice 0" in names
    index = 2 * 9  # weight slice 1 = [0, 1], its first kernel slice, its first weight
    step = scene.make_step(index)
    assert scene.phases[step.phase] == "∂L/∂w[0,1] slice 0 = x 1's slices 0–1 ∗ ∂L/∂y 0's slices 0–1"
    lit = sorted(names[k] for k, cells in enumerate(step.highlights) if len(cells))
    assert lit == ["x 1, slice 0", "x 1, slice 1", "∂L/∂w[0,1], slice 0", "∂L/∂y slice 0 (x 1)", "∂L/∂y slice 1 (x 1)"]
    assert step.equation.head.startswith("∂L/∂w[0,1,0,0,0]")


def test_grad_input_of_a_volume_says_which_cells_no_window_touched():
    spec = Conv3d((3, 5, 5), 1, stride=2)  # slice 1 and every odd row and column are skipped
    anim = Animation(spec, view="grad-input", numbers=Numbers.of(spec, seed=1, grad=True), labels=True)
    scene = anim.scene
    untouched = "no window read this cell: ∂L/∂x = 0 here, as in PyTorch"
    said = [scene.phases[scene.make_step(i).phase] == untouched for i in range(len(scene))]
    expected = [d == 1 or r % 2 or c % 2 for d in range(3) for r in range(5) for c in range(5)]
    assert said == expected


def _crossings(anim):
    """(step, link) pairs whose wire passes over a plane other than its two, or over a name."""
    from convanim.draw.layout import _crossing

    renderer = anim.renderer()
    scene, lay = renderer.scene, renderer.layout
    bad = []
    for step in scene:
        for link in step.links:
            others = [p for k, p in enumerate(lay.placements) if k not in (link.source, link.target)] + list(lay.names)
            for p, q in lay.link_segments(link.source, link.source_box, link.target, link.target_box, wire=True):
                if any(_crossing(o, p, q) for o in others):
                    bad.append((step.index, link.source, link.target))
    return bad


@pytest.mark.parametrize("spec, view", [
    (Conv3d((3, 4, 4), (2, 3, 3), in_channels=2, out_channels=2), "gather"),
    (Conv3d((3, 4, 4), (2, 3, 3), in_channels=2, out_channels=2), "grad-weight"),
    (Conv3d((4, 5, 5), 3, stride=(1, 2, 2), padding=1), "grad-input"),
    (ConvTranspose3d((2, 3, 3), 2, in_channels=2, out_channels=1), "gather"),
    (Pool3d((4, 4, 4), 2), "gather"),
])
def test_the_wires_of_a_volume_cross_no_other_plane_and_no_name(spec, view):
    assert _crossings(Animation(spec, view=view, labels=True)) == []


def test_the_gradient_commands_of_a_volume(run, tmp_path):
    result = run("conv3d", "--i", "3x4x4", "--k", "2x3x3", "--s", "1x2x2", "--view", "grad-input", "--numbers",
                 "--dump", "g.json", "-o", "g.gif")
    assert result.exit_code == 0, result.output
    data = json.loads((tmp_path / "g.json").read_text())
    assert np.asarray(data["grad_output"]).shape == (2, 1, 1) and np.asarray(data["grad_input"]).shape == (3, 4, 4)
    assert np.asarray(data["grad_weight"]).shape == (2, 3, 3) and "grad_bias" in data
    result = run("info", "conv3d", "--i", "4x5x5", "--k", "3")
    assert "backward:         ∂L/∂x 486 + ∂L/∂w 486 = 972 multiply-adds" in result.output
    result = run("conv3d", "--view", "grad-input-scatter", "-o", "x.gif")
    assert result.exit_code == 2
    result = run("transposed3d", "--view", "grad-weight", "--numbers", "-o", "w.png", "--poster", "2")
    assert result.exit_code == 0, result.output
    result = run("conv3d", "--p", "same", "--k", "2", "--view", "grad-input", "-o", "x.gif")
    assert result.exit_code == 2 and "only a symmetric padding has a transposed convolution" in result.output


@pytest.mark.parametrize("mode", ["max", "avg"])
def test_pool3d_routes_each_output_gradient_back_to_the_slices_of_its_window(mode):
    from convanim.core.backward import Gradients

    spec = Pool3d((3, 4, 4), 2, stride=(1, 2, 2), padding=(1, 0, 0), mode=mode)
    x = np.random.default_rng(2).permutation(48).reshape(3, 4, 4).astype(float)
    numbers = Numbers.of(spec, x, grad=np.arange(16).reshape(4, 2, 2) - 7)
    scene = Animation(spec, view="grad-input", numbers=numbers, labels=True).scene
    names = [p.name for p in scene.planes]
    assert len(scene) == 16 == operation("pool3d").views["grad-input"].frames(spec)
    assert names == [f"∂L/∂y slice {d}" for d in range(4)] + [f"∂L/∂x slice {d}" for d in range(3)]
    final = {}
    for step in scene:
        o = step.index // 4
        read = sorted(link.target - 4 for link in step.links)
        assert read == [d for d in (o - 1, o) if 0 <= d < 3]  # the slices its window reads (padding slices: none)
        assert sorted(k for k, cells in enumerate(step.highlights) if len(cells)) == [o] + [4 + d for d in read]
        final.update({(label.plane, label.cell): label.text for label in step.reveals if label.text})
        if mode == "max":
            assert len([label for label in step.reveals if label.text]) <= 1
            assert ", to the largest x (" in step.equation.head
    shown = np.zeros((3, 4, 4))
    for (plane, (r, c)), text in final.items():
        shown[plane - 4, r, c] = float(text.replace("−", "-"))
    np.testing.assert_allclose(shown, Gradients(numbers).input, atol=0.051)
    assert _crossings(Animation(spec, view="grad-input", numbers=numbers, labels=True)) == []


@pytest.mark.parametrize("spec", [Conv3d((2, 3, 3), 2), ConvTranspose3d((2, 2, 2), 2, stride=(2, 1, 1)),
                                  Pool3d((2, 4, 4), 2, mode="max")])
def test_the_matrix_of_a_volume_is_drawn_a_row_a_frame_its_slices_unrolled(spec):
    numbers = Numbers.of(spec, seed=4)
    scene = Animation(spec, view="matrix", numbers=numbers).scene
    names = [p.name for p in scene.planes]
    ins, outs = spec.in_planes, spec.out_planes
    assert names == [f"input slice {d}" for d in range(ins)] + [names[ins], "x", "y"] + \
        [f"output slice {d}" for d in range(outs)]
    matrix = unrolled(numbers)
    h, w = spec.input_size
    for index in range(len(scene)):
        step = scene.make_step(index)
        lit = {(d, int(r), int(c)) for d in range(ins) for r, c in step.highlights[d]}
        window = {divmod(int(c), h * w)[0:1] + divmod(int(c) % (h * w), w) for c in np.flatnonzero(matrix[index])}
        assert window <= lit  # every cell the row weighs is lit on its slice
        plane, cell = divmod(index, spec.output_size[0] * spec.output_size[1])
        assert [len(step.highlights[ins + 3 + d]) for d in range(outs)] == [int(d == plane) for d in range(outs)]
        assert step.equation.result == f"= {numbers.output.ravel()[index]:g}".replace("-", "−")


def test_a_max_pool3d_window_on_padding_slices_only_keeps_nothing(run, tmp_path):
    """Depth 1 under a dilated kernel: an output slice whose window reads only padding slices is
    −∞, as PyTorch's forward gives; its frame and its route name no kept cell, and the dump no winner."""
    spec = Pool3d((2, 3, 3), 2, stride=(1, 2, 2), padding=1, dilation=(2, 1, 1))
    assert [spec.reads(o) for o in range(spec.depths[1])][0] != ()
    lonely = Pool3d((1, 3, 3), 2, stride=(1, 2, 2), padding=1, dilation=(2, 1, 1))
    assert [lonely.reads(o) for o in range(lonely.depths[1])] == [()]
    numbers = Numbers.of(lonely, grad=True)
    assert np.isneginf(numbers.output).all()
    from convanim.core.backward import Gradients
    np.testing.assert_array_equal(Gradients(numbers).input, 0)
    for view in ("gather", "grad-input", "matrix"):
        dump = tmp_path / f"{view}.json"
        result = run("pool3d", "--i", "1x3x3", "--k", "2", "--s", "1x2x2", "--p", "1", "--d", "2x1x1", "--numbers",
                     "--view", view, "-o", f"{view}.gif", "--dump", str(dump))
        assert result.exit_code == 0, result.output
    frames = json.loads((tmp_path / "gather.json").read_text())["frames"]
    assert all("winner" not in frame and frame["reads"] == [] for frame in frames)
    equation = Animation(lonely, numbers=numbers).scene.step(0).equation
    assert (equation.terms, equation.result) == ((), "= −∞")


def test_a_kernel_one_slice_deep_is_drawn_once_not_beside_every_input_slice():
    """k = 1×3×3 reads each input slice under the same kernel slice: one plane, named as the
    heading names it (it was drawn four times, unnamed, beside each input slice)."""
    spec = Conv3d((4, 5, 5), (1, 3, 3), (1, 2, 2))
    scene = Animation(spec, labels=True).scene
    kernels = [p.name for p in scene.planes if p.name.startswith("kernel")]
    assert kernels == ["kernel slice 0"] and len(scene.planes) == 4 + 1 + 4
    step = scene.step(5)  # output slice 1: input slice 1 under kernel slice 0
    assert scene.phases[step.phase] == "output slice 1 = input slice 1 ∗ kernel slice 0"
    lit = [scene.planes[k].name for k, cells in enumerate(step.highlights) if len(cells)]
    assert lit == ["input slice 1", "kernel slice 0", "output slice 1"]
    channels = Animation(Conv3d((3, 4, 4), (1, 3, 3), in_channels=2, out_channels=1), labels=True).scene
    assert [p.name for p in channels.planes if p.name.startswith("kernel")] == ["kernel slice 0 (input 0)",
                                                                                 "kernel slice 0 (input 1)"]


def test_one_input_slice_under_a_deeper_kernel_shows_the_kernel_slice_that_reads_it(run):
    """One input slice, one output slice, a kernel 3 slices deep over the depth's padding: the
    paper's figure, with the one kernel slice that reads the input beside it (was an internal
    error: the 3x3x3 kernel reshaped to 3x3), in the gather and both gradient views."""
    spec = Conv3d((1, 3, 3), 3, padding=1)
    numbers = Numbers.of(spec, seed=5)
    kernel = [p for p in Animation(spec, numbers=numbers, labels=True).scene.planes if p.beside]
    assert [p.name for p in kernel] == ["kernel slice 1"]
    np.testing.assert_array_equal(kernel[0].text, np.vectorize(str)(numbers.kernel.reshape(3, 3, 3)[1]))
    flipped = ConvTranspose3d((1, 2, 2), 2, stride=2, padding=1, output_padding=1)  # reads stored slice 1
    beside = [p for p in Animation(flipped, numbers=Numbers.of(flipped), labels=True).scene.planes if p.beside]
    assert [p.name for p in beside] == ["kernel slice 1"]
    on_padding = Conv3d((1, 3, 3), (2, 3, 3), padding=1, dilation=(2, 1, 1))  # no slice reads the input
    assert not [p for p in Animation(on_padding, numbers=Numbers.of(on_padding), labels=True).scene.planes if p.beside]
    for view in ("gather", "grad-input", "grad-weight"):
        result = run("conv3d", "--i", "1x3x3", "--k", "3", "--p", "1", "--numbers", "--view", view, "-o", f"{view}.html")
        assert result.exit_code == 0, result.output
    result = run("conv3d", "--i", "1", "--k", "1", "--p", "2", "--numbers", "--view", "grad-weight", "--poster", "1",
                 "-o", "w.png")
    assert result.exit_code == 0, result.output
