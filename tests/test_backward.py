"""The backward pass: gradients read off the forward sweep, and the layers the gradient views draw,
each equal to torch.autograd on the same layer."""

import json

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from convanim import Animation, Conv1d, Conv2d, ConvTranspose2d, Pool2d, SpecError, from_torch
from convanim.cli import cli
from convanim.core.backward import Gradients, untouched
from convanim.core.values import Numbers
from convanim.ops import check_view, operation
from convanim.ops.gradient import gradient_of, weight_gradient
from strategies import layer_args

try:
    import torch
except ImportError:
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not installed (pip install torch==2.14.1)")


def _autograd(layer, args, x, w, g):
    """∂L/∂x, ∂L/∂w and ∂L/∂b of L = Σ y·g, by torch.autograd (None where the layer has no such thing)."""
    module = getattr(torch.nn, layer)(**args).double()
    if w is not None:
        with torch.no_grad():
            module.weight.copy_(torch.tensor(w))
    xt = torch.tensor(x, requires_grad=True)
    module(xt).backward(torch.tensor(g).reshape(module(xt).shape))
    weight = module.weight.grad.numpy() if w is not None else None
    bias = module.bias.grad.numpy() if getattr(module, "bias", None) is not None else None
    return xt.grad.numpy()[0], weight, bias


def _drawable(spec, view):
    try:
        check_view(spec, view)
        return True
    except SpecError:
        return False


@needs_torch
@pytest.mark.filterwarnings("ignore:Using padding='same'")
@settings(max_examples=200, deadline=None)
@given(layer_args(dims=(1, 2, 3)), st.integers(0, 2**32 - 1))
def test_every_gradient_and_every_gradient_view_equals_autograd(case, seed):
    layer, args, size = case
    text = f"nn.{layer}(" + ", ".join(f"{k}={v!r}" for k, v in args.items()) + ")"
    try:
        spec = from_torch(text, size)
    except SpecError:
        return  # what torch refuses too (test_pytorch holds it)
    rng = np.random.default_rng(seed)
    space = tuple(spec.input_shape[-spec.dims:])
    x = rng.integers(-3, 4, spec.input_shape).astype(float)
    if "Max" in layer:  # distinct values: which of two equal maxima wins is PyTorch's to choose
        x = rng.permutation(np.arange(x.size, dtype=float)).reshape(x.shape)
    w = rng.integers(-2, 3, spec.weight_shape).astype(float) if spec.reducer.weighted else None
    g = rng.integers(-2, 3, spec.output_shape).astype(float)
    numbers = Numbers.of(spec, x, w, grad=g)
    if "Max" in layer and not np.isfinite(numbers.output).all():
        return  # a window over padding only: torch's forward gives −inf, and its backward writes out of bounds
    grads = Gradients(numbers)
    torch_w = None if w is None else w.reshape(_torch_weight_shape(spec))
    dx, dw, db = _autograd(layer, args, x.reshape(1, spec.in_channels, *space), torch_w, g)
    np.testing.assert_allclose(grads.input, dx.reshape(spec.input_shape), atol=1e-9)
    if w is not None:
        np.testing.assert_allclose(grads.weight, dw.reshape(spec.weight_shape), atol=1e-9)
        np.testing.assert_allclose(grads.bias, db, atol=1e-9)
        drawn = weight_gradient(spec)
        a, b = (numbers.input, g) if drawn.volumes[0] == "x" else (g, numbers.input)
        np.testing.assert_allclose(Numbers.of(drawn, a, b).output, dw.reshape(spec.weight_shape), atol=1e-9)
    if spec.reducer.weighted and _drawable(spec, "grad-input"):
        back = gradient_of(spec).layer(spec)
        np.testing.assert_allclose(Numbers.of(back, g, w).output.reshape(spec.input_shape), dx.reshape(spec.input_shape),
                                   atol=1e-9)
    np.testing.assert_array_equal(dx.reshape(spec.input_shape)[untouched(spec)], 0)


def _torch_weight_shape(spec):
    shape = tuple(spec.weight_shape)
    k = shape[-spec.dims:]
    return shape if len(shape) > spec.dims else (1, 1, *k)


@st.composite
def symmetric_layers(draw):
    """Layers whose input gradient is drawn: zero padding, the same on both sides."""
    groups = draw(st.integers(1, 2))
    channels = dict(in_channels=groups * draw(st.integers(1, 2)), out_channels=groups * draw(st.integers(1, 2)),
                    groups=groups)
    k, s, p, d = draw(st.integers(1, 4)), draw(st.integers(1, 3)), draw(st.integers(0, 2)), draw(st.integers(1, 2))
    try:
        kind = draw(st.sampled_from(["conv", "conv1d", "transposed"]))
        if kind == "conv":
            return Conv2d((draw(st.integers(1, 8)), draw(st.integers(1, 8))), k, s, p, d, **channels)
        if kind == "conv1d":
            return Conv1d(draw(st.integers(1, 9)), k, s, p, d, **channels)
        return ConvTranspose2d(draw(st.integers(1, 5)), k, s, p, d, draw(st.integers(0, s - 1)), **channels)
    except SpecError:
        from hypothesis import assume
        assume(False)


@settings(max_examples=60, deadline=None)
@given(symmetric_layers(), st.integers(0, 2**32 - 1))
def test_the_drawn_gradient_layers_compute_the_sweeps_backward(spec, seed):
    numbers = Numbers.of(spec, seed=seed % 2**31, grad=True)
    grads = Gradients(numbers)
    back = gradient_of(spec).layer(spec)
    np.testing.assert_allclose(Numbers.of(back, numbers.grad, numbers.kernel).output.reshape(spec.input_shape),
                               grads.input, atol=1e-9)
    drawn = weight_gradient(spec)
    a, b = (numbers.input, numbers.grad) if drawn.volumes[0] == "x" else (numbers.grad, numbers.input)
    np.testing.assert_allclose(Numbers.of(drawn, a, b).output, grads.weight, atol=1e-9)
    anim = Animation(spec, view="grad-input", numbers=numbers, labels=True)
    assert len(anim) == operation("conv").views["grad-input"].frames(spec)


def _phase(scene, index):
    return scene.phases[scene.step(index).phase]


def test_grad_input_is_the_transposed_sweep_and_says_which_cells_no_window_touched():
    spec = Conv2d(5, 1, 2)  # the stride skips every other row and column
    numbers = Numbers.of(spec, grad=np.array([[1, 2, 3], [4, 5, 6], [7, 8, 9]]))
    scene = Animation(spec, view="grad-input", numbers=numbers, labels=True).scene
    assert len(scene) == 25
    assert [p.name for p in scene.planes[:2]] == ["∂L/∂y 3x3, spread out", "∂L/∂x"]
    first, skipped = scene.step(0), scene.step(1)
    assert first.equation.head == "∂L/∂x[0,0] =" and first.equation.result == "= 1"
    assert "no window read this cell" in _phase(scene, 1)
    assert "no window" not in _phase(scene, 0)
    assert skipped.equation.result == "= 0"
    assert [_phase(scene, i).startswith("no window") for i in range(5)] == [False, True, False, True, False]


def test_grad_input_scatter_stamps_each_output_gradient_back_onto_the_input():
    spec = Conv2d(4, 3, 1, 1)
    numbers = Numbers.of(spec, grad=np.arange(16).reshape(4, 4) % 3 - 1)
    scene = Animation(spec, view="grad-input-scatter", numbers=numbers, labels=True).scene
    assert len(scene) == 16  # one frame per ∂L/∂y cell
    assert [p.name for p in scene.planes[:2]] == ["∂L/∂y", "∂L/∂x"]
    step = scene.step(5)
    assert step.equation.head.startswith("stamping ∂L/∂y[1,1]")
    assert len(step.highlights[1]) == 9  # the kernel's nine cells on the padded ∂L/∂x
    final = {label.cell: label.text for n in range(16) for label in scene.step(n).reveals if label.text}
    expected = Gradients(numbers).input
    assert all(final[(r + 1, c + 1)] == f"{expected[r, c]:g}".replace("-", "−") for r in range(4) for c in range(4))


def test_grad_weight_lights_every_input_cell_a_weight_touched():
    spec = Conv2d(6, 2, 2, 0, 2)  # stride 2, dilation 2
    scene = Animation(spec, view="grad-weight", numbers=True, labels=True).scene
    assert len(scene) == 4  # one frame per weight
    taps = spec.sweep().all_taps()  # (steps, weights, 2)
    for weight in range(4):
        lit = {tuple(cell) for cell in scene.step(weight).highlights[0]}
        assert lit == {tuple(cell) for cell in taps[:, weight]}
    assert scene.step(3).equation.head == "∂L/∂w[1,1] ="


def test_the_gradient_of_a_transposed_convolution_is_a_direct_one():
    spec = ConvTranspose2d(3, 3, 2, 1)
    numbers = Numbers.of(spec, grad=True)
    scene = Animation(spec, view="grad-input", numbers=numbers, labels=True).scene
    assert len(scene) == 9 and scene.caption.startswith("∂L/∂x = conv of ∂L/∂y, same weights")
    values = [float(s.equation.result[2:].replace("−", "-")) for s in scene]
    np.testing.assert_allclose(values, Gradients(numbers).input.ravel())


@pytest.mark.parametrize("args, message", [
    (["conv", "--i", "5", "--p", "1", "--padding-mode", "reflect", "--view", "grad-input"],
     "Error: --view, --padding-mode: the grad-input view draws zero padding"),
    (["conv", "--i", "5", "--k", "2", "--p", "same", "--view", "grad-input"], "Error: --p/--padding: only a symmetric"),
    (["pool", "--view", "grad-weight"], "Error: Invalid value for '--view': 'grad-weight' is not one of"),
    (["transposed", "--view", "grad-input-scatter"], "Error: Invalid value for '--view'"),
    (["conv", "--view", "grad-input", "--grad-values", "G"], "Error: --grad-values: expected shape 3x3, got 2x2"),
])
def test_what_the_gradient_views_refuse(tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    np.save(tmp_path / "g.npy", np.ones((2, 2)))
    args = [str(tmp_path / "g.npy") if a == "G" else a for a in args]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2 and result.stderr.startswith(message), result.stderr
    assert list(tmp_path.iterdir()) == [tmp_path / "g.npy"]


def test_grad_values_and_the_dump_give_the_gradients(tmp_path):
    g = np.array([[1.0, -2.0], [0.5, 3.0]])
    np.save(tmp_path / "g.npy", g)
    result = CliRunner().invoke(cli, ["conv", "--i", "5", "--s", "2", "--in-channels", "1", "--view", "grad-weight",
                                      "--grad-values", str(tmp_path / "g.npy"), "--dump", str(tmp_path / "d.json"),
                                      "--poster", "1", "-o", str(tmp_path / "f.png")])
    assert result.exit_code == 0, result.stderr
    dump = json.loads((tmp_path / "d.json").read_text())
    numbers = Numbers.of(Conv2d(5, 3, 2), np.array(dump["input"]), np.array(dump["kernel"]), grad=g)
    assert dump["grad_output"] == g.tolist()
    np.testing.assert_allclose(dump["grad_input"], Gradients(numbers).input)
    np.testing.assert_allclose(dump["grad_weight"], Gradients(numbers).weight)
    assert dump["grad_bias"] == [g.sum()]


def test_info_gives_the_backward_multiply_adds():
    result = CliRunner().invoke(cli, ["info", "conv", "--i", "5", "--in-channels", "2", "--out-channels", "3", "--json"])
    info = json.loads(result.stdout)
    assert info["backward_multiply_adds"] == {"input": info["multiply_adds"], "weight": info["multiply_adds"]}
    pooled = json.loads(CliRunner().invoke(cli, ["info", "pool", "--mode", "avg", "--json"]).stdout)
    assert pooled["backward_multiply_adds"] == {"input": 9 * 9, "weight": 0}


@pytest.mark.parametrize("mode", ["max", "avg"])
def test_pooling_routes_each_output_gradient_back_to_its_window(mode):
    spec = Pool2d(5, 3, 2, 1, mode=mode)
    x = np.random.default_rng(1).permutation(25).reshape(5, 5)
    numbers = Numbers.of(spec, x, grad=np.arange(9).reshape(3, 3) - 4)
    scene = Animation(spec, view="grad-input", numbers=numbers, labels=True).scene
    assert len(scene) == 9 and [p.name for p in scene.planes] == ["∂L/∂y", "∂L/∂x"]
    final = {}
    for step in scene:
        final.update({label.cell: label.text for label in step.reveals if label.text})
        if mode == "max":  # all of it to the one cell kept, marked
            assert len([label for label in step.reveals if label.text]) == 1
            kept = next(label.cell for label in step.reveals if label.text)
            assert step.marks[1].tolist() == [list(kept)]
            # the values the max chose among are written small, but in the kept cell, which holds its
            # gradient: its value is in the equation's head
            assert kept not in [label.cell for label in step.labels]
            assert step.equation.head.endswith(f", to the largest x ({int(x[kept[0] - 1, kept[1] - 1])}):")
    expected = Gradients(numbers).input
    shown = np.array([[float(final.get((r + 1, c + 1), "0").replace("−", "-")) for c in range(5)] for r in range(5)])
    np.testing.assert_allclose(shown, expected, atol=0.051)


def test_a_batch_entry_draws_a_gradient_view_with_its_grad_values(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # a batch reads its values files from where it runs
    np.save(tmp_path / "g.npy", np.array([[1, -1], [2, 0]]))
    (tmp_path / "f.toml").write_text('[w]\ncommand = "conv"\ni = 5\ns = 2\nview = "grad-weight"\n'
                                     'grad-values = "g.npy"\ndump = "w.json"\noutput = "w.gif"\n')
    result = CliRunner().invoke(cli, ["batch", str(tmp_path / "f.toml")])
    assert result.exit_code == 0, result.stderr
    dump = json.loads((tmp_path / "w.json").read_text())
    numbers = Numbers.of(Conv2d(5, 3, 2), np.array(dump["input"]), np.array(dump["kernel"]), grad=np.array(dump["grad_output"]))
    assert dump["grad_output"] == [[1, -1], [2, 0]]
    np.testing.assert_allclose(dump["grad_weight"], Gradients(numbers).weight)
