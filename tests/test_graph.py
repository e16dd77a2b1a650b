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
@pytest.mark.parametrize("name, shape", [("Branching", (1, 64, 64)), ("UNet", (1, 64, 48)), ("Shuffled", (1, 32, 32))])
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
