"""Receptive fields through the real dataflow: the graph (pure), a chain of texts (no PyTorch), and
traced models checked against a gradient-measured oracle (tests/torch_models.py)."""

import subprocess
import sys
from fractions import Fraction

import pytest

from convanim import SpecError, from_torch, layers
from convanim.ops.graph import Graph, Node

try:
    import torch
except ImportError:  # pragma: no cover
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not installed (pip install torch==2.14.1)")


def test_a_field_is_the_largest_over_all_paths_with_its_jump_and_centre():
    conv = lambda text, size: from_torch(text, size)  # noqa: E731
    nodes = [Node("x", (), (32, 32)),
             Node("a", ("x",), (16, 16), conv("nn.Conv2d(1, 1, 3, stride=2, padding=1)", 32)),
             Node("b", ("x",), (16, 16), conv("nn.Conv2d(1, 1, 7, stride=2, padding=3)", 32)),
             Node("sum", ("a", "b"), (16, 16)),
             Node("c", ("sum",), (16, 16), conv("nn.Conv2d(1, 1, 3, padding=1)", 16))]
    graph = Graph(nodes)
    assert graph.field("a").size == (3, 3) and graph.field("b").size == (7, 7)
    field = graph.field("c")
    assert field.size == (11, 11)  # through b: 7 + 2·2
    assert field.jump == (Fraction(2), Fraction(2)) and field.centre == (0.0, 0.0)
    with pytest.raises(SpecError, match="node a reads y, which does not come before it"):
        Graph([nodes[0], Node("a", ("y",), (3, 3))])


def test_a_chain_of_texts_needs_no_pytorch_and_follows_upsampling():
    code = ("import sys; from convanim import layers; "
            "rows = layers(['nn.Conv2d(1, 4, 3)', 'nn.MaxPool2d(2)', 'nn.Upsample(scale_factor=2)', "
            "'nn.ConvTranspose2d(4, 2, 2, stride=2)', 'nn.Conv2d(2, 2, 3)'], (1, 18, 18)); "
            "print([r['receptive_field'][0] for r in rows], [r['jump'][0] for r in rows]); "
            "print('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split("\n")
    assert out[0] == "[3, 4, 4, 4, 6] [1, 2, 1, 0.5, 0.5]"  # the oracle of test_graph measures the same
    assert out[1] == "False"
    rows = layers(["nn.Conv2d(1, 4, 3)", "nn.MaxPool2d(2)", "nn.Upsample(scale_factor=2)"], (1, 18, 18))
    assert [r["receptive_field"] for r in rows] == [[3, 3], [4, 4], [4, 4]]
    assert [r["jump"] for r in rows] == [[1, 1], [2, 2], [1, 1]]
    assert [r["centre"] for r in rows] == [[1, 1], [1.5, 1.5], [1.5, 1.5]]


@needs_torch
def test_resnet18_gets_torchs_shapes_and_weights_and_the_published_field():
    from torch_models import ResNet18

    model = ResNet18()
    rows = layers(model, (3, 224, 224))
    assert len(rows) == 21 and rows[0]["name"] == "conv1" and rows[-1]["name"] == "layer4.1.conv2"
    assert sum(r["weights"] for r in rows) == 11_166_912  # resnet18's 11,689,512 less fc and batch norm
    assert rows[0]["weights"] == 9_408 and rows[-1]["output_shape"] == [512, 7, 7]
    seen = {}
    hooks = [m.register_forward_hook(lambda m, i, o, n=n: seen.__setitem__(n, list(o.shape[1:])))
             for n, m in model.named_modules() if n in {r["name"] for r in rows}]
    with torch.no_grad():
        model.eval()(torch.zeros(1, 3, 224, 224))
    for hook in hooks:
        hook.remove()
    assert all(seen[r["name"]] == r["output_shape"] for r in rows)
    assert rows[-1]["receptive_field"] == [435, 435] and rows[-1]["jump"] == [32, 32]  # not 1,891 as a chain
    assert rows[-1]["centre"] == [0, 0]


@needs_torch
def test_resnet18s_field_equals_the_gradient_measured_one():
    from torch_models import ResNet18, gradient_fields

    model = ResNet18(width=2)  # the field does not depend on the widths
    rows = {r["name"]: r for r in layers(model, (3, 544, 544))}
    names = ["maxpool", "layer2.0.downsample.0", "layer3.1.conv2", "layer4.1.conv2"]
    measured = gradient_fields(model, (3, 544, 544), names)
    assert {n: rows[n]["receptive_field"] for n in names} == measured
    assert measured["layer4.1.conv2"] == [435, 435]


@needs_torch
@pytest.mark.parametrize("name, shape", [("Branching", (1, 64, 64)), ("UNet", (1, 64, 48)), ("Shuffled", (1, 32, 32)),
                                         ("Resized", (1, 29, 23))])
def test_branching_and_unet_fields_equal_the_gradient_measured_ones(name, shape):
    import torch_models

    model = getattr(torch_models, name)()
    rows = layers(model, shape)
    measured = torch_models.gradient_fields(model, shape, [r["name"] for r in rows])
    for row in rows:
        if row["name"] in measured:  # a functional call has no module to hook
            assert row["receptive_field"] == measured[row["name"]], row["name"]
    assert len(measured) >= len(rows) - 1
    if name == "Shuffled":  # past the split and the channel shuffle, every layer is still followed
        assert [r["name"] for r in rows] == ["stem", "branch.0", "branch.1", "branch.2", "last"]
    if name == "Resized":  # the size computed from the skip's shape is the one the traced run gave
        assert [(r["name"], r["output_shape"]) for r in rows] == [
            ("stem", [2, 29, 23]), ("down", [2, 14, 11]), ("interpolate", [2, 29, 23]), ("last", [1, 29, 23])]


@needs_torch
def test_what_cannot_be_traced_or_followed_is_one_error_naming_it():
    class Branchy(torch.nn.Module):
        def forward(self, x):
            return x if x.sum() > 0 else -x

    with pytest.raises(SpecError, match="torch.fx cannot trace Branchy"):
        layers(Branchy(), (1, 8, 8))

    class Rolled(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = torch.nn.Conv2d(1, 1, 3)

        def forward(self, x):
            return self.conv(torch.roll(x, 1, 2))

    with pytest.raises(SpecError, match="convanim cannot follow roll"):
        layers(Rolled(), (1, 8, 8))


@needs_torch
def test_a_layer_after_a_call_that_changes_the_rank_is_refused_naming_the_call():
    """As MaxViT's window partition: the cells are regrouped into windows and back, which convanim
    does not read; a transformer's tokens with no layer after them end the listing quietly."""

    class Windows(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.stem, self.conv = torch.nn.Conv2d(1, 2, 3, padding=1), torch.nn.Conv2d(2, 2, 3)

        def forward(self, x):
            x = self.stem(x)
            n, c, h, w = x.shape
            windows = x.reshape(n, c, h // 4, 4, w // 4, 4).permute(0, 1, 2, 4, 3, 5)
            return self.conv(windows.reshape(n, c, h, w))

    with pytest.raises(SpecError, match=r"conv: convanim cannot follow reshape \(2x8x8 -> 2x2x4x2x4\), which Conv2d"):
        layers(Windows(), (1, 8, 8))

    class Tokens(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.patches, self.mix = torch.nn.Conv2d(1, 4, 4, stride=4), torch.nn.Linear(4, 4)

        def forward(self, x):
            return self.mix(self.patches(x).flatten(2).transpose(1, 2))

    assert [r["name"] for r in layers(Tokens(), (1, 16, 16))] == ["patches"]


@needs_torch
def test_a_model_that_cannot_run_on_the_input_and_a_volume_are_refused_by_name(capfd):
    model = torch.nn.Sequential(torch.nn.Conv2d(1, 1, 5), torch.nn.MaxPool2d(2))
    with pytest.raises(SpecError, match="input_size: Sequential cannot run on an input of 1x4x4: .*a larger input"):
        layers(model, (1, 4, 4))
    assert capfd.readouterr().err == ""  # not torch.fx's traceback beside the one error
    volume = torch.nn.Sequential(torch.nn.Conv3d(1, 2, 3), torch.nn.BatchNorm3d(2))
    with pytest.raises(SpecError, match=r"layer 0: layers\(\) follows 1-D and 2-D layers; nn.Conv3d is drawn on its own"):
        layers(volume, (1, 8, 8, 8))


def test_a_listing_passes_3d_normalisation_and_refuses_a_volume_by_name():
    assert [r["name"] for r in layers(["(bn): BatchNorm3d(1)", "(drop): Dropout3d(p=0.5)", "nn.Conv2d(1, 1, 3)"],
                                      (1, 8, 8))] == ["2"]
    with pytest.raises(SpecError, match=r"layer 1: layers\(\) follows 1-D and 2-D layers; nn.MaxPool3d"):
        layers(["nn.BatchNorm3d(1)", "nn.MaxPool3d(2)"], (1, 8, 8, 8))
