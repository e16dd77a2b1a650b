"""convanim on real models that nobody here wrote: torchvision's. Every convolution, pooling and
upsampling layer that runs gets the input and output shapes the model really gives it, its
weight count and the multiply-adds of the standard formula; receptive fields equal the ones a
gradient measures. Skipped without torchvision (CI installs it)."""

import math

import pytest

torch = pytest.importorskip("torch", reason="PyTorch is not installed (pip install torch==2.14.1 torchvision==0.29.1)")
torchvision = pytest.importorskip("torchvision", reason="torchvision is not installed"
                                  " (pip install torch==2.14.1 torchvision==0.29.1)")

from torch import nn  # noqa: E402
from torchvision.ops import SqueezeExcitation  # noqa: E402

from convanim import SpecError, from_torch, layers  # noqa: E402
from torch_models import ResNet18, ResNet50, gradient_geometry  # noqa: E402

DRAWN = (nn.Conv1d, nn.Conv2d, nn.ConvTranspose1d, nn.ConvTranspose2d, nn.MaxPool1d, nn.MaxPool2d, nn.AvgPool1d,
         nn.AvgPool2d, nn.Upsample, nn.PixelShuffle)
MODELS = {  # the model, and the input it is checked on (small, but what it needs)
    "alexnet": 64, "vgg16": 64, "resnet18": 64, "resnet50": 64, "resnext50_32x4d": 64, "squeezenet1_0": 64,
    "densenet121": 64, "googlenet": 64, "inception_v3": 75, "mobilenet_v2": 64, "mobilenet_v3_small": 64,
    "mnasnet0_5": 64, "shufflenet_v2_x0_5": 64, "efficientnet_b0": 64, "regnet_y_400mf": 64,
}


def _model(name: str) -> nn.Module:
    extra = {"aux_logits": False, "init_weights": False} if name in ("googlenet", "inception_v3") else {}
    return getattr(torchvision.models, name)(weights=None, **extra).eval()


def _ran(model: nn.Module, size: int) -> dict:
    """Each drawn kind of module that runs: (its input shape, its output shape), no batch axis."""
    seen = {}

    def hook(module, inputs, output, name):
        seen[name] = (list(inputs[0].shape[1:]), list(output.shape[1:]))

    hooks = [m.register_forward_hook(lambda m, i, o, n=n: hook(m, i, o, n))
             for n, m in model.named_modules() if isinstance(m, DRAWN)]
    with torch.no_grad():
        model(torch.zeros(1, 3, size, size))
    for h in hooks:
        h.remove()
    return seen


def _multiply_adds(module: nn.Module, shape_in, shape_out) -> int:
    """The textbook count: every output of a convolution is (C/groups)·k products; a transposed
    one's every input is multiplied into (O/groups)·k outputs; pooling multiplies nothing."""
    if isinstance(module, (nn.Conv1d, nn.Conv2d)):
        return math.prod(shape_out) * module.in_channels // module.groups * math.prod(module.kernel_size)
    if isinstance(module, (nn.ConvTranspose1d, nn.ConvTranspose2d)):
        return math.prod(shape_in) * module.out_channels // module.groups * math.prod(module.kernel_size)
    return 0


def _inside_squeeze_excitation(model: nn.Module, name: str) -> bool:
    modules = dict(model.named_modules())
    parts = name.split(".")
    return any(isinstance(modules.get(".".join(parts[:k])), SqueezeExcitation) for k in range(1, len(parts)))


@pytest.mark.parametrize("name", sorted(MODELS))
def test_every_layer_of_a_torchvision_model_gets_its_shapes_weights_and_multiply_adds(name):
    model, size = _model(name), MODELS[name]
    rows = layers(model, (3, size, size))
    ran = _ran(model, size)
    modules = dict(model.named_modules())
    listed = {row["name"]: row for row in rows}
    # every drawn layer that ran is listed, but squeeze-excitation's 1×1 convolutions of a globally
    # pooled vector (a gate, not a sweep over cells)
    assert [n for n in ran if n not in listed and not _inside_squeeze_excitation(model, n)] == []
    checked = 0
    for row in rows:
        if row["name"] not in modules:  # a functional pooling: its shapes are the traced run's own
            assert row["layer"] in ("MaxPool2d", "AvgPool2d") and name == "inception_v3"
            continue
        module = modules[row["name"]]
        shape_in, shape_out = ran[row["name"]]
        assert (row["input_shape"], row["output_shape"]) == (shape_in, shape_out), row["name"]
        assert row["weights"] == (module.weight.numel() if isinstance(module, nn.modules.conv._ConvNd) else 0)
        assert row["multiply_adds"] == _multiply_adds(module, shape_in, shape_out), row["name"]
        pasted = from_torch(row["text"], tuple(shape_in[1:])).costs()  # the row's text, as a user pastes it
        assert pasted["weights"] + pasted["biases"] == sum(p.numel() for p in module.parameters()), row["name"]
        assert pasted["multiply_adds"] == row["multiply_adds"]
        checked += 1
    assert checked >= 8


@pytest.mark.parametrize("name, size, names", [
    ("resnet18", 480, ["maxpool", "layer2.0.downsample.0", "layer3.1.conv2", "layer4.1.conv2"]),
    ("resnet50", 480, ["layer1.2.conv3", "layer4.2.conv3"]),
    ("googlenet", 480, ["maxpool2", "inception4a.branch3.1.conv", "inception5b.branch4.1.conv"]),
    ("shufflenet_v2_x0_5", 640, ["stage2.0.branch1.0", "stage3.3.branch2.3", "conv5.0"]),  # a channel shuffle
    ("mobilenet_v2", 576, ["features.6.conv.1.0", "features.18.0"]),
])
def test_a_torchvision_models_receptive_fields_equal_the_gradient_measured_ones(name, size, names):
    """Field, jump and the centre of cell 0's field, as the gradients from two neighbouring output
    cells place them; the input is large enough for neither field to reach the border."""
    model = _model(name)
    rows = {row["name"]: row for row in layers(model, (3, size, size))}
    keys = ("receptive_field", "jump", "centre")
    assert {n: {k: rows[n][k] for k in keys} for n in names} == gradient_geometry(model, (3, size, size), names)


@pytest.mark.parametrize("name, written, count, field", [("resnet18", ResNet18, 21, 435), ("resnet50", ResNet50, 54, 427)])
def test_torchvisions_resnet_is_listed_as_the_hand_written_one(name, written, count, field):
    """tests/torch_models.py's resnets, which the tests without torchvision use, are torchvision's:
    every row the same (names, shapes, weights, multiply-adds, field, jump, centre)."""
    rows = layers(_model(name), (3, 224, 224))
    assert rows == layers(written(), (3, 224, 224))
    assert len(rows) == count and rows[-1]["receptive_field"] == [field, field] and rows[-1]["jump"] == [32, 32]


def test_the_published_receptive_fields():
    expected = {"resnet18": 435, "resnet50": 427, "alexnet": 195, "vgg16": 212, "mobilenet_v2": 491}
    assert {n: layers(_model(n), (3, 64, 64))[-1]["receptive_field"] for n in expected} == \
        {n: [v, v] for n, v in expected.items()}


@pytest.mark.parametrize("name, shape, message", [
    ("convnext_tiny", (3, 64, 64), "permute: convanim cannot follow permute"),  # LayerNorm2d moves the channels last
    ("maxvit_t", (3, 224, 224), "conv_a.0: convanim cannot follow reshape (64x56x56 -> 64x8x7x8x7), which Conv2d"),
    ("segmentation.fcn_resnet50", (3, 64, 64), "interpolate: nn.Upsample: mode='bilinear' is not drawn"),
    ("video.r3d_18", (3, 4, 32, 32), "layer stem.0: layers() follows 1-D and 2-D layers; nn.Conv3d"),
    ("video.s3d", (3, 4, 32, 32), "input_size: S3D cannot run on an input of 3x4x32x32: Given input size"),
])
def test_what_cannot_be_followed_is_named(name, shape, message):
    """Models convanim does not list, each refused naming the layer or call and why (not a
    shortened listing, not PyTorch's own error)."""
    family, _, model = name.rpartition(".")
    kind = getattr(torchvision.models, family) if family else torchvision.models
    extra = {"weights_backbone": None, "aux_loss": False} if family == "segmentation" else {}
    with pytest.raises(SpecError) as error:
        layers(getattr(kind, model)(weights=None, **extra).eval(), shape)
    assert message in str(error.value)
