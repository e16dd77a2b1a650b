"""PyTorch's layers: the text parsed (never evaluated), 1-D strips, and the values, shapes and
refusals of the real torch (installed by .ci/run; without it those tests skip)."""

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from convanim import Animation, Conv1d, Conv2d, ConvTranspose1d, Pool1d, Pool2d, SpecError, from_torch
from convanim.cli import cli
from convanim.core.sweep import Cell
from convanim.core.values import Numbers
from convanim.ops.pytorch import parse_layer
from strategies import layer_args

try:
    import torch
except ImportError:  # pragma: no cover
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not installed (pip install torch==2.14.1)")


@pytest.mark.parametrize("text, layer, args", [
    ("nn.Conv2d(16, 32, kernel_size=3, stride=2, padding=1)", "Conv2d",
     {"in_channels": 16, "out_channels": 32, "kernel_size": 3, "stride": 2, "padding": 1}),
    ("torch.nn.Conv1d(2, 4, (3,), dilation=2, padding='same', bias=False)", "Conv1d",
     {"in_channels": 2, "out_channels": 4, "kernel_size": (3,), "dilation": 2, "padding": "same", "bias": False}),
    ("MaxPool2d(2)", "MaxPool2d", {"kernel_size": 2}),
    ("  nn.AvgPool1d(kernel_size=3, stride=1, padding=1)  ", "AvgPool1d", {"kernel_size": 3, "stride": 1, "padding": 1}),
])
def test_layer_text_reads_as_pytorchs_signature(text, layer, args):
    assert parse_layer(text) == (layer, args)


def test_a_layer_becomes_the_spec_it_draws():
    assert from_torch("nn.Conv2d(16, 32, kernel_size=3, stride=2, padding=1)", 7) == Conv2d(
        7, 3, 2, 1, in_channels=16, out_channels=32)
    assert from_torch("nn.Conv2d(1, 1, (3, 2), padding=(1, 0))", (6, 5)) == Conv2d((6, 5), (3, 2), padding=(1, 1, 0, 0))
    assert from_torch("nn.MaxPool2d(2)", 6) == Pool2d(6, 2, 2)  # a pooling's stride is its kernel
    assert from_torch("nn.AvgPool1d(3, 1, 1)", 8) == Pool1d(8, 3, 1, 1, mode="avg")
    assert from_torch("nn.ConvTranspose1d(1, 1, 4, 2, 1)", 5) == ConvTranspose1d(5, 4, 2, 1)
    assert from_torch("nn.Conv1d(1, 1, 3, dilation=4)").input_size == (1, 10)  # room for the kernel, and a step


def test_a_pasted_layer_without_a_size_gets_room_for_steps_on_each_axis():
    """Inception's 1×7 kernel was refused (5×5 is too narrow for it), and a Conv3d striding its
    planes drew 1×1 ones: each axis now has room for its own kernel and a step."""
    assert from_torch("nn.Conv2d(1, 1, (1, 7))") == Conv2d((5, 8), (1, 7))
    assert from_torch("nn.Conv3d(1, 1, (1, 3, 3), stride=(1, 2, 2))").output_volume == (4, 2, 2)
    assert from_torch("nn.AvgPool2d((3, 1), stride=(2, 1))").output_size == (2, 5)
    assert from_torch("nn.ConvTranspose2d(1, 1, (1, 3), stride=(1, 2))").output_size == (4, 5)  # 4 a side, or more
    assert from_torch("nn.Conv2d(1, 1, 3)").input_size == (5, 5)  # a square kernel: as before


@pytest.mark.parametrize("text, message", [
    ("__import__('os').system('ls')", "layer: \"__import__('os').system\" is not a layer"),
    ("nn.Conv2d(1, 1, 3) + 1", "layer: 'nn.Conv2d(1, 1, 3) + 1' is not a layer call like nn.Conv2d(1, 8, 3)"),
    ("nn.Conv2d(1, 1, k)", "layer: nn.Conv2d: kernel_size=k is not a literal (a number, string or tuple)"),
    ("nn.Conv2d(1, 1, *sizes)", "layer: nn.Conv2d: *sizes is not a literal argument"),
    ("nn.Linear(3, 4)", "layer: convanim does not draw nn.Linear: the layers it draws are Conv1d, Conv2d,"),
    ("nn.Conv2d(3, 8, kernel=3)", "layer: nn.Conv2d has no argument 'kernel'"),
    ("nn.Conv2d(3, 8, 3, kernel_size=3)", "layer: nn.Conv2d: kernel_size given twice"),
    ("nn.Conv2d(3, 8)", "layer: nn.Conv2d needs kernel_size"),
    ("nn.Conv2d(3, 8, 3, groups=2)", "layer: nn.Conv2d: groups=2 does not divide in_channels=3 and out_channels=8"),
    ("nn.Conv2d(1, 1, (3, 3, 3))", "layer: nn.Conv2d: kernel_size takes 2 values, got 3"),
    ("nn.Conv1d(1, 1, 3, padding='causal')", "layer: nn.Conv1d: padding='causal' is not PyTorch's: use 'same', 'valid'"),
    ("nn.Conv2d(1, 1, 3, padding_mode='mirror')", "padding_mode: unknown padding mode 'mirror': use one of zeros,"),
    ("nn.ConvTranspose2d(1, 1, 3, padding_mode='reflect')", "layer: nn.ConvTranspose2d: padding_mode='reflect': PyTorch"
                                                            " pads a transposed convolution with zeros only"),
    ("nn.ConvTranspose2d(4, 6, 3, groups=4)", "layer: nn.ConvTranspose2d: groups=4 does not divide in_channels=4 and"
                                              " out_channels=6"),
])
def test_bad_layers_are_one_error_line_exit_2_and_no_file(tmp_path, text, message):
    result = CliRunner().invoke(cli, ["torch", text, "-o", str(tmp_path / "x.gif")])
    assert result.exit_code == 2 and result.output.startswith(f"Error: {message}") and result.output.count("\n") == 1
    assert not list(tmp_path.iterdir())


HOSTILE = {  # texts under the length cap that nest deep enough to exhaust a recursive walk
    "unary minus": "nn.Conv2d(3,8," + "-" * 400 + "3)",
    "a sum": "nn.Conv2d(3,8," + "+".join(["1"] * 400) + ")",
    "a dotted name": "a." * 400 + "Conv2d(3,8,3)",
    "a dotted keyword": "nn.Conv2d(3,8,**" + "a." * 400 + "b)",
    "subscripts": "nn.Conv2d(3,8,x" + "[0]" * 400 + ")",
    "parentheses": "nn.Conv2d(3,8," + "(" * 250 + "3" + ")" * 250 + ")",  # 150 would be the literal 3
    "a huge number": "nn.Conv2d(3,8,99999999999999999999999999999)",
    "a null byte": "nn.Conv2d(3,8,3)\x00",
}


@pytest.mark.parametrize("text", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_layer_texts_are_refused_as_layers_in_one_line(tmp_path, text):
    result = CliRunner().invoke(cli, ["torch", text, "-o", str(tmp_path / "x.gif")])
    assert result.exit_code == 2 and result.output.startswith("Error: layer: ") and result.output.count("\n") == 1
    assert len(result.output) < 300 and not list(tmp_path.iterdir())
    if "999" in text:
        assert "out of range: a layer's numbers are at most 1,000,000" in result.output


def test_the_torch_command_draws_the_layer_with_pytorchs_shapes(tmp_path):
    x = np.arange(2 * 8).reshape(2, 8) % 4
    np.save(tmp_path / "x.npy", x)
    result = CliRunner().invoke(cli, ["torch", "nn.Conv1d(2, 3, 3, padding='same')", "--input-values",
                                      str(tmp_path / "x.npy"), "--dump", str(tmp_path / "d.json"), "-o", str(tmp_path / "a.gif")])
    assert result.exit_code == 0, result.output
    info = CliRunner().invoke(cli, ["info", "torch", "nn.Conv2d(16, 32, 3, stride=2, padding=1)", "--i", "7"])
    assert info.output.splitlines()[:3] == ["operation:        conv", "input shape:      16x7x7", "output shape:     32x4x4"]


# ---- 1-D ------------------------------------------------------------------------------------


def _naive_conv1d(x, w, stride, left, right, dilation):
    """PyTorch's conv1d (cross-correlation) on C×L with weight O×C×k, written out."""
    x = np.pad(x, ((0, 0), (left, right)))
    o, _, k = w.shape
    length = (x.shape[1] - dilation * (k - 1) - 1) // stride + 1
    out = np.zeros((o, length))
    for j in range(length):
        taps = x[:, j * stride : j * stride + dilation * (k - 1) + 1 : dilation]
        out[:, j] = np.einsum("ck,ock->o", taps, w)
    return out


@given(st.integers(1, 12), st.integers(1, 4), st.integers(1, 3), st.integers(1, 3), st.integers(0, 2**32 - 1),
       st.sampled_from(["causal", 0, 1, (2, 0)]), st.integers(1, 3))
def test_conv1d_values_are_the_written_out_loop(length, k, stride, dilation, seed, padding, channels):
    try:
        spec = Conv1d(length, k, stride, padding, dilation, in_channels=channels, out_channels=2)
    except SpecError:
        return
    rng = np.random.default_rng(seed)
    x, w = rng.integers(-3, 4, (channels, length)), rng.integers(-2, 3, (2, channels, k))
    numbers = Numbers.of(spec, x, w)
    _, _, left, right = spec.padding
    np.testing.assert_array_equal(numbers.output, _naive_conv1d(x, w, stride, left, right, dilation))
    assert numbers.output.shape == spec.output_shape == (2, spec.output_size[1])


def test_padding_that_copies_holds_the_input_cells_pytorch_copies():
    from convanim.core.geometry import padding_copies

    copies = padding_copies((1, 4), (0, 0, 2, 2), "reflect")[0, :, 1].tolist()
    assert copies == [2, 1, 0, 1, 2, 3, 2, 1]
    assert padding_copies((1, 4), (0, 0, 2, 1), "circular")[0, :, 1].tolist() == [2, 3, 0, 1, 2, 3, 0]
    assert padding_copies((1, 4), (0, 0, 1, 2), "replicate")[0, :, 1].tolist() == [0, 0, 1, 2, 3, 3, 3]
    with pytest.raises(SpecError, match="reflect padding must be smaller than the input's width"):
        Conv1d(3, 3, padding=3, padding_mode="reflect")
    spec = Conv2d(4, 3, padding=1, padding_mode="reflect")
    scene = Animation(spec).scene
    # the first step reads the top-left padding: its outlines are the input cells it copies
    assert sorted(map(tuple, scene.step(0).marks[0].tolist())) == [(1, 2), (2, 1), (2, 2)]
    from convanim.core.matrix import unrolled

    kernel = np.arange(9).reshape(3, 3)
    numbers = Numbers.of(spec, np.arange(16).reshape(4, 4), kernel)
    np.testing.assert_array_equal(unrolled(numbers) @ numbers.input.ravel(), numbers.output.ravel())


def test_ceil_mode_adds_the_last_partial_window_and_averages_only_what_it_covers():
    spec = Pool2d(5, 2, 2, mode="avg", ceil_mode=True)
    assert spec.output_size == (3, 3) and spec.drawn_size == (6, 6) and spec.overhang == (1, 1)
    x = np.arange(25).reshape(5, 5)
    numbers = Numbers.of(spec, x)
    assert numbers.output[2, 2] == 24 and numbers.output[0, 2] == (4 + 9) / 2
    assert spec.divisors()[-1] == 1
    scene = Animation(spec, numbers=numbers).scene
    assert scene.step(8).equation.close == ")/1" and [t.text for t in scene.step(8).equation.terms] == ["24"]
    assert scene.planes[0].text[5, 5] == "" and spec.sweep().source.kinds[5, 5] == Cell.OUTSIDE  # holds nothing
    excluded = Numbers.of(Pool2d(4, 3, 1, 1, mode="avg", count_include_pad=False), np.ones((4, 4)))
    assert (excluded.output == 1).all()  # the padding is not counted: every mean of ones is one
    assert Numbers.of(Pool2d(4, 2, 2, mode="avg", divisor_override=2), np.ones((4, 4))).output.tolist() == [[2, 2], [2, 2]]
    with pytest.raises(SpecError, match="count_include_pad: is average pooling's"):
        Pool2d(4, 2, count_include_pad=False)


def test_causal_padding_lets_an_output_read_only_the_present_and_the_past():
    spec = Conv1d(8, 3, padding="causal", dilation=2)
    assert spec.padding == (0, 0, 4, 0) and spec.output_size == (1, 8)
    x = np.zeros(8)
    x[5] = 1  # an impulse at time 5 reaches outputs 5, 7 (and 9, beyond the end), never earlier ones
    out = Numbers.of(spec, x, np.ones(3)).output
    assert np.flatnonzero(out).tolist() == [5, 7]


def test_a_strip_is_drawn_with_its_output_over_its_input():
    scene = Animation(Conv1d(8, 3, padding="causal", dilation=2), numbers=True).scene
    assert [p.grid.shape for p in scene.planes[:2]] == [(1, 12), (1, 8)]
    assert scene.step(3).equation.head == "o[3] ="  # strips are indexed as PyTorch indexes them
    renderer = Animation(Conv1d(8, 3, padding="causal", dilation=2)).renderer()
    first_data = renderer.pixels(0, [[4.5, 0.5]])[0]
    first_out = renderer.pixels(1, [[0.5, 0.5]])[0]
    assert abs(first_data[0] - first_out[0]) < 1 and first_out[1] < first_data[1]  # right above it


# ---- against the real torch -------------------------------------------------------------------


def _torch_layer(layer, args):
    kwargs = {k: v for k, v in args.items()}
    return getattr(torch.nn, layer)(**kwargs)


@needs_torch
@pytest.mark.filterwarnings("ignore:Using padding='same'")
@settings(max_examples=250, deadline=None)
@given(layer_args(dims=(1, 2, 3)), st.integers(0, 2**32 - 1))
def test_every_layer_agrees_with_torch_in_values_shapes_and_refusals(case, seed):
    layer, args, size = case
    text = f"nn.{layer}(" + ", ".join(f"{k}={v!r}" for k, v in args.items()) + ")"
    rng = np.random.default_rng(seed)
    try:
        module = _torch_layer(layer, args)
        channels = args.get("in_channels", 1)
        x = rng.integers(-3, 4, (1, channels, *((size,) if isinstance(size, int) else size))).astype(np.float64)
        with torch.no_grad():
            if hasattr(module, "weight"):
                module.weight.copy_(torch.tensor(rng.integers(-2, 3, tuple(module.weight.shape)), dtype=torch.float32))
                module.bias.zero_()
            expected = module.double()(torch.tensor(x)).numpy()[0]
        torch_error = None
    except (RuntimeError, ValueError) as e:
        torch_error = e
    try:
        spec = from_torch(text, size)
    except SpecError as e:
        assert torch_error is not None, f"{text} on {size}: convanim refuses ({e}) what torch computes"
        return
    assert torch_error is None, f"{text} on {size}: convanim draws what torch refuses ({torch_error})"
    assert spec == from_torch(module, size)  # the module reads as its text
    weight = module.weight.detach().double().numpy() if hasattr(module, "weight") else None
    numbers = Numbers.of(spec, x[0], weight)
    squeezed = expected.reshape(spec.output_shape)
    np.testing.assert_allclose(numbers.output, squeezed, rtol=1e-9, atol=1e-9)


@needs_torch
def test_layers_lists_a_models_convolutions_with_shapes_and_receptive_fields():
    from convanim import layers

    model = torch.nn.Sequential(
        torch.nn.Conv2d(3, 16, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(16, 32, 3, stride=2, padding=1, dilation=1), torch.nn.Flatten(),
    )
    rows = layers(model, (3, 32, 32))
    assert [r["name"] for r in rows] == ["0", "2", "3"]
    assert [r["input_shape"] for r in rows] == [[3, 32, 32], [16, 32, 32], [16, 16, 16]]
    assert [r["output_shape"] for r in rows] == [[16, 32, 32], [16, 16, 16], [32, 8, 8]]
    assert [r["weights"] for r in rows] == [432, 0, 4608]
    assert [r["receptive_field"] for r in rows] == [[3, 3], [4, 4], [8, 8]]
    texts = ["nn.Conv2d(3, 16, 3, padding=1)", "nn.MaxPool2d(2)", "nn.Conv2d(16, 32, 3, stride=2, padding=1)"]
    stacked = layers(texts, (3, 32, 32))  # the same network as text: no torch needed, the same answer
    same = lambda row: {k: row[k] for k in row if k not in ("name", "layer", "text")}  # noqa: E731 - text: as given
    assert [same(r) for r in stacked] == [same(r) for r in rows]
    assert rows[2]["text"].startswith("Conv2d(in_channels=16, out_channels=32, kernel_size=(3, 3), stride=(2, 2)")
    assert stacked[2]["text"] == "Conv2d(in_channels=16, out_channels=32, kernel_size=3, stride=2, padding=1)"


def test_a_stack_of_layer_texts_is_checked_layer_by_layer():
    from convanim import layers

    rows = layers(["nn.Conv1d(1, 4, 3, padding=2)", "nn.Conv1d(4, 4, 2, dilation=2)"], (1, 16))
    assert [r["output_shape"] for r in rows] == [[4, 18], [4, 16]] and rows[-1]["receptive_field"] == [5]
    with pytest.raises(SpecError, match="layer 1: nn.Conv2d expects 8 channels, gets 16"):
        layers(["nn.Conv2d(3, 16, 3)", "nn.Conv2d(8, 8, 3)"], (3, 9, 9))


def test_a_causal_stack_lights_one_outputs_dependency_tree_down_to_its_receptive_field():
    from convanim.ops.causal_stack import CausalStack

    spec = CausalStack(2, (1, 2, 4, 8))
    assert spec.receptive_field() == (16,) and spec.input_size == 20
    scene = Animation(spec, labels=True).scene
    assert len(scene) == 5 and [p.name for p in scene.planes][-1] == "output (d=8)"
    last = scene.step(4)
    assert [len(h) for h in last.highlights] == [16, 8, 4, 2, 1]  # halving up the stack
    assert last.highlights[0][:, 1].tolist() == list(range(4, 20))  # the last 16 time steps, never the future
    assert len(last.links) == 2 + 4 + 8 + 16 and len(scene.step(0).links) == 0
    assert scene.phases[-1] == "input: 16 cells, the receptive field (t−15 to t)"
    # the tree is read off the same sweeps: each edge is a tap of a causal layer
    for link in last.links:
        assert link.source_box[1] <= link.target_box[1]  # an output reads the present and the past
    result = CliRunner().invoke(cli, ["info", "causal-stack", "--dilations", "1,2,4"])
    assert result.output.splitlines()[-2] == "layer 3: dilation 4, receptive field 8, 2 weights"


def test_pooling_captions_and_info_say_what_sets_the_divisor():
    from convanim.ops.pool import caption

    assert caption(Pool2d(5, 2, 2, mode="avg", ceil_mode=True)).endswith(
        "; ceil mode: a last window may hang past the input, averaging what it covers")
    assert caption(Pool2d(5, 3, 2, 1, mode="avg", count_include_pad=False)).endswith("; padding not counted")
    assert caption(Pool2d(5, 2, 2, mode="avg", divisor_override=3)).endswith("; every sum ÷ 3")
    lines = Pool2d(5, 2, 2, 1, ceil_mode=True).size_formula()
    assert lines[0] == ("height: o = ceil((i + p_before + p_after - d*(k-1) - 1) / s) + 1 = ceil((5 + 1 + 1 - 1*(2-1) - 1)"
                        " / 2) + 1 = 4, less 1: that window would start at 6, at or past i + p_before = 6, so o = 3")


def test_strips_put_each_output_over_the_window_it_reads():
    def shift(spec):
        return Animation(spec).scene.planes[1].shift

    assert shift(Conv1d(8, 3)) == 1.0  # the middle of x[0..2]
    assert shift(Conv1d(8, 3, padding="causal", dilation=2)) == 4.0  # over the present, x[t]
    assert shift(Conv1d(8, 4, padding="full")) == 1.5
    assert Animation(ConvTranspose1d(4, 3, 2)).scene.planes[1].shift == 1.0


def test_a_random_kernel_is_never_all_zeros():
    numbers = Numbers.of(ConvTranspose1d(4, 3, 2))  # the paper's seed draws [0, 0, 0] for this one first
    assert numbers.kernel.any()


def test_a_batch_entry_pastes_a_layer_by_its_argument_name(tmp_path):
    (tmp_path / "b.toml").write_text('[stem]\ncommand = "torch"\nlayer = "nn.Conv2d(3, 8, 3, stride=2, padding=1)"\n'
                                     'i = 7\noutput = "stem.gif"\n')
    result = CliRunner().invoke(cli, ["batch", str(tmp_path / "b.toml")])
    assert (result.exit_code, result.stdout) == (0, f"{tmp_path / 'stem.gif'}\n")


# ---- a user's own network: real weights, texts as copied, printed models ---------------------------


WEIGHTED = [  # (layer text, input shape): every weighted layer, with and without channels and groups
    ("nn.Conv2d(1, 1, 3, stride=2, padding=1)", (1, 5, 5)),
    ("nn.Conv2d(4, 6, (3, 2), stride=(2, 1), padding=(1, 0), dilation=(1, 2), groups=2)", (4, 6, 7)),
    ("nn.Conv1d(1, 4, 10, stride=5)", (1, 20)),
    ("nn.Conv1d(2, 3, 3, padding='same', padding_mode='reflect')", (2, 8)),
    ("nn.ConvTranspose2d(1, 1, 3, stride=2, padding=1, output_padding=1)", (1, 3, 3)),
    ("nn.ConvTranspose2d(4, 6, 4, stride=2, padding=1, groups=2)", (4, 3, 2)),
    ("nn.ConvTranspose1d(1, 1, 4, stride=2)", (1, 4)),
    ("nn.ConvTranspose1d(2, 4, 3, stride=2, padding=1, groups=2)", (2, 5)),
]


@needs_torch
@pytest.mark.filterwarnings("ignore:Using padding='same'")
@pytest.mark.parametrize("text, shape", WEIGHTED)
def test_weights_and_bias_as_the_layer_holds_them_give_its_forward(tmp_path, text, shape):
    import json

    torch.manual_seed(0)
    module = eval("torch." + text)  # the test's own trusted text; convanim parses it
    x = torch.randn(1, *shape)
    np.save(tmp_path / "x.npy", x[0].numpy() if shape[0] > 1 else x[0].numpy().reshape(shape[1:]) if len(shape) == 3
            else x[0].numpy())  # a 1×L strip as a user saves it
    np.save(tmp_path / "w.npy", module.weight.detach().numpy())
    np.save(tmp_path / "b.npy", module.bias.detach().numpy())
    with torch.no_grad():
        expected = module(x)[0].numpy()
    size = [] if len(shape) == 3 else ["--i", str(shape[-1])]  # a strip's --i with its values: the same length
    result = CliRunner().invoke(cli, ["torch", text, *size, "--input-values", str(tmp_path / "x.npy"), "--kernel-values",
                                      str(tmp_path / "w.npy"), "--bias-values", str(tmp_path / "b.npy"),
                                      "--dump", str(tmp_path / "d.json"), "--poster", "1", "-o", str(tmp_path / "a.png")])
    assert result.exit_code == 0, result.output
    dump = json.loads((tmp_path / "d.json").read_text())
    np.testing.assert_allclose(np.array(dump["output"]).reshape(expected.shape), expected, rtol=1e-5, atol=1e-5)
    assert np.array(dump["bias"]).tolist() == pytest.approx(module.bias.detach().numpy().tolist())
    spec = from_torch(text, shape[1] if len(shape) == 2 else shape[1:])
    numbers = Numbers.of(spec, x[0].double().numpy(), module.weight.detach().double().numpy(),
                         bias=module.bias.detach().double().numpy())
    np.testing.assert_allclose(numbers.output, expected.reshape(spec.output_shape), rtol=1e-5, atol=1e-5)


def test_a_bias_is_written_as_the_last_term_and_checked_against_the_layer():
    spec = from_torch("nn.Conv2d(1, 2, 2)", 3)
    numbers = Numbers.of(spec, np.ones((3, 3)), np.ones((2, 1, 2, 2)), bias=np.array([0.5, -1]))
    assert numbers.output[:, 0, 0].tolist() == [4.5, 3]
    equation = Animation(spec, numbers=numbers).scene.step(4).equation
    assert (equation.terms[-1].text, equation.result) == ("bias −1.0", "= 3.0")
    with pytest.raises(SpecError, match="bias_values: expected shape 2, got 3"):
        Numbers.of(spec, bias=np.zeros(3))
    with pytest.raises(SpecError, match="bias_values: the layer has bias=False"):
        Numbers.of(from_torch("nn.Conv2d(1, 2, 2, bias=False)", 3), bias=np.zeros(2))
    with pytest.raises(SpecError, match="bias_values: pooling has no bias"):
        Numbers.of(from_torch("nn.MaxPool2d(2)", 4), bias=np.zeros(1))
    one = from_torch("nn.Conv2d(1, 1, 2)", 3)
    with pytest.raises(SpecError, match="bias_values: the matrix view draws the products alone"):
        Animation(one, numbers=Numbers.of(one, bias=np.ones(1)), view="matrix").scene


def test_a_layer_without_bias_has_no_biases_in_its_costs():
    text = "Conv2d(3, 64, kernel_size=(7, 7), stride=(2, 2), padding=(3, 3), bias=False)"
    assert from_torch(text, 224).costs() == {"weights": 9408, "biases": 0, "multiply_adds": 118013952}
    assert from_torch(text.replace("False", "True"), 224).costs()["biases"] == 64
    assert from_torch("nn.ConvTranspose1d(4, 2, 3, bias=False)", 5).costs()["biases"] == 0
    result = CliRunner().invoke(cli, ["info", "torch", text, "--i", "224"])
    assert "weights:          9,408\nwith bias:        9,408\n" in result.output


COPIED = [  # what users paste, and the call it stands for
    ("(conv1): Conv2d(64, 64, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1), bias=False)",
     "nn.Conv2d(64, 64, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1), bias=False)"),
    ("(0-1): 2 x Conv2d(8, 8, kernel_size=(3, 3), stride=(1, 1))", "nn.Conv2d(8, 8, kernel_size=(3, 3), stride=(1, 1))"),
    ("Conv2d(8, 8, kernel_size=(3, 3), stride=(1, 1), padding=same)", "nn.Conv2d(8, 8, 3, padding='same')"),
    ("Conv2d(8, 8, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1), padding_mode=reflect)",
     "nn.Conv2d(8, 8, 3, padding=1, padding_mode='reflect')"),
    ("Conv1d(8, 8, kernel_size=(3,), stride=(1,), padding=valid)", "nn.Conv1d(8, 8, 3)"),
    ("self.conv1 = nn.Conv2d(3, 64, kernel_size=7, stride=2, padding=3, bias=False)",
     "nn.Conv2d(3, 64, 7, 2, 3, bias=False)"),
    ("conv: nn.Module = nn.Conv2d(3, 8, 3)", "nn.Conv2d(3, 8, 3)"),
    ("    nn.Conv2d(3, 8, 3, padding=1),", "nn.Conv2d(3, 8, 3, padding=1)"),
    ("nn.Conv2d(3, 8, 3, dtype=torch.float32, device=torch.device('cuda:0'))", "nn.Conv2d(3, 8, 3)"),
    ("(pool): MaxPool2d(kernel_size=3, stride=2, padding=1, dilation=1, ceil_mode=False)", "nn.MaxPool2d(3, 2, 1)"),
]


@pytest.mark.parametrize("text, meaning", COPIED)
def test_layer_texts_read_as_users_copy_them(text, meaning):
    assert from_torch(text, 9) == from_torch(meaning, 9)


@pytest.mark.parametrize("text, message", [
    ("Conv2d(8, 8, 3, padding=middle)", "layer: nn.Conv2d: padding=middle is not a literal"),
    ("Conv2d(8, 8, 3, padding_mode=same)", "layer: nn.Conv2d: padding_mode=same is not a literal"),
    ("a = b = nn.Conv2d(8, 8, 3)", "is not a layer call like"),
    ("nn.Conv2d(8, 8, 3), nn.ReLU()", "is not a layer call like"),
])
def test_only_the_forms_pytorch_writes_are_read(text, message):
    with pytest.raises(SpecError, match=message):
        from_torch(text)


@needs_torch
def test_every_layer_printed_by_pytorch_reads_back_as_itself():
    layers_ = [torch.nn.Conv2d(3, 8, 3, padding="same", padding_mode="reflect", bias=False),
               torch.nn.Conv1d(2, 4, 5, stride=2, padding="valid", dilation=2, groups=2),
               torch.nn.ConvTranspose2d(16, 8, 4, stride=2, padding=1, output_padding=1),
               torch.nn.MaxPool2d(3, 2, 1, ceil_mode=True), torch.nn.AvgPool2d(2, 1, 1),  # (its print omits count_include_pad)
               torch.nn.AvgPool1d(3, 2, 1)]
    for module in layers_:
        size = 9 if isinstance(module, (torch.nn.Conv1d, torch.nn.AvgPool1d)) else (9, 9)
        assert from_torch(f"(layer): {module!r}", size) == from_torch(module, size), repr(module)


def test_values_of_a_strip_from_a_file_set_its_length(tmp_path):
    np.save(tmp_path / "x.npy", np.arange(20.0).reshape(1, 20))
    np.save(tmp_path / "l.npy", np.arange(8.0))
    out = str(tmp_path / "a.png")
    result = CliRunner().invoke(cli, ["torch", "nn.Conv1d(1, 4, 10, stride=5)", "--i", "20", "--input-values",
                                      str(tmp_path / "x.npy"), "-o", out])
    assert result.exit_code == 0, result.output
    result = CliRunner().invoke(cli, ["conv1d", "--input-values", str(tmp_path / "l.npy"), "--dump",
                                      str(tmp_path / "d.json"), "-o", out])
    assert result.exit_code == 0, result.output
    result = CliRunner().invoke(cli, ["torch", "nn.Conv1d(1, 4, 10, stride=5)", "--i", "21", "--input-values",
                                      str(tmp_path / "x.npy"), "-o", out])
    assert result.exit_code == 2 and "the size says 21 but the values are 20" in result.output


PRINTED = """ResNetish(
  (conv1): Conv2d(3, 8, kernel_size=(7, 7), stride=(2, 2), padding=(3, 3), bias=False)
  (bn1): BatchNorm2d(8, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)
  (relu): ReLU(inplace=True)
  (maxpool): MaxPool2d(kernel_size=3, stride=2, padding=1, dilation=1, ceil_mode=False)
  (layer1): Sequential(
    (0-1): 2 x Block(
      (conv): Conv2d(8, 8, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1), bias=False)
      (drop): Dropout(p=0.5, inplace=False)
    )
  )
  (avgpool): AdaptiveAvgPool2d(output_size=(1, 1))
  (fc): Linear(in_features=8, out_features=10, bias=True)
)"""


def test_a_printed_model_reads_as_its_layers_and_a_list_passes_shape_keeping_layers_through():
    from convanim import layers
    from convanim.ops.network import read_model

    assert [name for name, _ in read_model(PRINTED)][:6] == ["conv1", "bn1", "relu", "maxpool", "layer1.0.conv",
                                                            "layer1.0.drop"]
    rows = layers(PRINTED, (3, 32, 32))
    assert [r["name"] for r in rows] == ["conv1", "maxpool", "layer1.0.conv", "layer1.1.conv"]
    assert [r["output_shape"] for r in rows] == [[8, 16, 16], [8, 8, 8], [8, 8, 8], [8, 8, 8]]
    assert [r["receptive_field"] for r in rows] == [[7, 7], [11, 11], [19, 19], [27, 27]]
    assert rows[0]["weights"] == 3 * 8 * 49
    listed = layers(["nn.Conv2d(3, 8, 3)", "nn.BatchNorm2d(8)", "nn.ReLU()", "nn.Dropout(0.1)", "nn.MaxPool2d(2)",
                     "nn.Flatten()", "nn.Linear(8, 2)"], (3, 10, 10))
    assert [r["layer"] for r in listed] == ["Conv2d", "MaxPool2d"]
    big = PRINTED.replace("(fc)", "(fc0): Identity()\n  (fc)") + "\n" * 200 + " " * 4000  # well past one layer's 2,000
    assert len(layers(big, (3, 32, 32))) == 4
    with pytest.raises(SpecError, match="model: layer maxpool|layer1.0.conv: nn.Conv2d expects 8 channels, gets 3"):
        layers(PRINTED.replace("(3, 8, kernel_size=(7", "(3, 3, kernel_size=(7"), (3, 32, 32))
    with pytest.raises(SpecError, match="layer: convanim does not draw nn.Unfold: the layers it draws are .*PixelShuffle"):
        layers(["nn.Conv2d(3, 8, 3)", "nn.Unfold(2)"], (3, 10, 10))


# ---- a pasted layer with many channels: the channels a student needs, and how to draw all ------------

BIG_TRANSPOSED = "ConvTranspose2d(16, 8, kernel_size=(4, 4), stride=(2, 2), padding=(1, 1))"


def test_a_pasted_layer_with_many_channels_draws_three_inputs_and_two_outputs_and_says_so(tmp_path):
    import json

    out = tmp_path / "t.gif"
    result = CliRunner().invoke(cli, ["torch", BIG_TRANSPOSED, "--numbers", "--dump", str(tmp_path / "d.json"),
                                      "-o", str(out)])
    assert result.exit_code == 0, result.output
    drawn = from_torch(BIG_TRANSPOSED, all_channels=False)
    assert (drawn.in_channels, drawn.out_channels, drawn.input_size, drawn.output_size) == (3, 2, (2, 2), (4, 4))
    frames = len(Animation(drawn))
    assert frames == 2 * 4 * 4 and frames < 45  # plays in 32 s at a second a frame
    assert result.stderr == (f"drawn: input channels 0, 1, 2 of 16 and output channels 0, 1 of 8 (PyTorch's numbering),"
                             f" {frames} frames; 13 input and 6 output channels not drawn: --all-channels draws them all\n")
    few = CliRunner().invoke(cli, ["torch", "nn.Conv2d(2, 4, 3)", "-o", str(tmp_path / "f.gif")])
    assert few.stderr.endswith("; 2 output channels not drawn: --all-channels draws them all\n")  # none left of the inputs
    from PIL import Image

    with Image.open(out) as gif:
        assert gif.n_frames == frames
    dump = json.loads((tmp_path / "d.json").read_text())
    assert dump["channels"] == {"input": [0, 1, 2], "output": [0, 1], "groups": 1,
                                "of": {"in_channels": 16, "out_channels": 8, "groups": 1}}
    assert (dump["spec"]["in_channels"], dump["spec"]["out_channels"]) == (3, 2)
    whole = from_torch(BIG_TRANSPOSED, all_channels=True)
    assert (whole.in_channels, whole.out_channels) == (16, 8) and len(Animation(whole)) == 8 * 4 * 4


@needs_torch
def test_the_drawn_channels_compute_exactly_what_pytorch_does_for_them(tmp_path):
    """The figure's layer is the pasted one cut to the drawn channels: its output is PyTorch's for them."""
    import json

    result = CliRunner().invoke(cli, ["torch", BIG_TRANSPOSED, "--dump", str(tmp_path / "d.json"), "-o",
                                      str(tmp_path / "a.png"), "--poster", "1"])
    assert result.exit_code == 0, result.output
    dump = json.loads((tmp_path / "d.json").read_text())
    layer = torch.nn.ConvTranspose2d(3, 2, 4, stride=2, padding=1, bias=False)
    with torch.no_grad():
        layer.weight.copy_(torch.tensor(dump["kernel"], dtype=torch.float64).float())
        expected = layer(torch.tensor([dump["input"]], dtype=torch.float32))[0].numpy()
    np.testing.assert_allclose(np.array(dump["output"]), expected, rtol=1e-5)


@pytest.mark.parametrize("text, ins, outs, groups", [
    ("nn.Conv2d(3, 8, 3)", [0, 1, 2], [0, 1], 1),
    ("nn.Conv2d(16, 32, 3, groups=4)", [0, 1, 2], [0, 1], 1),  # 8 outputs a group: two of the first group's
    ("nn.Conv2d(8, 8, 3, groups=8)", [0, 1], [0, 1], 2),  # depthwise: two groups of one
    ("nn.Conv1d(8, 2, 3, groups=2)", [0, 1, 2, 4, 5, 6], [0, 1], 2),  # one output a group, the first three inputs of each
])
def test_the_channels_drawn_are_a_layer_of_their_own(text, ins, outs, groups):
    from convanim.ops.pytorch import channels_drawn

    drawn = channels_drawn(text)
    assert (drawn["input"], drawn["output"], drawn["groups"]) == (ins, outs, groups)
    spec = from_torch(text, all_channels=False)
    assert (spec.in_channels, spec.out_channels, spec.groups) == (len(ins), len(outs), groups)


def test_a_small_layer_or_values_given_draw_every_channel(tmp_path):
    from convanim.ops.pytorch import channels_drawn

    assert channels_drawn("nn.Conv2d(3, 2, 3)") == {} and channels_drawn("nn.MaxPool2d(2)") == {}
    assert channels_drawn("nn.Conv2d(16, 8, 3)", all_channels=True) == {}
    np.save(tmp_path / "w.npy", np.ones((4, 5, 1, 1)))
    result = CliRunner().invoke(cli, ["torch", "nn.Conv2d(5, 4, 1)", "--i", "2", "--kernel-values",
                                      str(tmp_path / "w.npy"), "-o", str(tmp_path / "a.gif")])
    assert (result.exit_code, result.stderr) == (0, "")  # the user's weights are the whole layer's: all drawn
    from PIL import Image

    with Image.open(tmp_path / "a.gif") as gif:
        assert gif.n_frames == len(Animation(from_torch("nn.Conv2d(5, 4, 1)", 2)))
