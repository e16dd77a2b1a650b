"""convanim: animations of convolution arithmetic, in the style of Dumoulin & Visin's guide.

Make an operation, make an Animation of it, show it (a notebook displays it) or save it:

    >>> from convanim import Animation, Conv2d
    >>> anim = Animation(Conv2d(5, 3, stride=2, padding=1), numbers=True, labels=True)
    >>> anim.save("padding_strides.gif")  # or .png .webp .apng .mp4 .svg .pdf .html, a folder

Operations, with PyTorch's parameters:
    Conv2d(input_size, kernel_size, stride, padding, dilation, in_channels, out_channels, groups)
    ConvTranspose2d(input_size, kernel_size, stride, padding, dilation, output_padding)
    Pool2d(input_size, kernel_size, stride, padding, dilation, mode="max" | "avg")
    pointwise_conv2d, depthwise_conv2d, SeparableConv2d, SpatialSeparableConv2d(size, column, row)
    DilatedStack(kernel_size, dilations, strides), Checkerboard, Checkerboards
    Conv1d, ConvTranspose1d, Pool1d: the same along a strip (padding="causal" too)
    Conv3d, ConvTranspose3d, Pool3d: the same over a volume D×H×W, drawn as its depth slices
from_torch("nn.Conv2d(16, 32, 3, padding=1)" or a module, input_size); layers(model, input_size)
spec_from_values("conv", x, w, stride=2): the spec whose sizes are the arrays' (`--input-values`)
Animation(spec, style="paper" | "flat", delay_ms, numbers, labels, view="gather" | "scatter", theme, …)
describe(spec): shapes, output-size arithmetic, costs, receptive field (`convanim info`)
THEMES, Theme: colours; GALLERY: the paper's figures; SpecError: a spec that cannot be drawn

Everything else lives in its module: convanim.ops (the registry), .core, .scene, .draw, .io.
"""

__version__ = "0.1.0"

# Each public name is imported when first used, so that `convanim --help`, `info` and shell
# completion start without loading matplotlib.
_PUBLIC = {
    "Animation": "animation",
    "spec_from_values": "settings",
    "SpecError": "core.errors",
    "THEMES": "draw.theme",
    "Theme": "draw.theme",
    "GALLERY": "gallery",
    "describe": "ops",
    "Checkerboard": "ops.checkerboard",
    "Checkerboards": "ops.checkerboard",
    "Conv2d": "ops.conv",
    "depthwise_conv2d": "ops.depthwise",
    "pointwise_conv2d": "ops.pointwise",
    "Pool2d": "ops.pool",
    "DilatedStack": "ops.receptive_field",
    "SeparableConv2d": "ops.separable",
    "SpatialSeparableConv2d": "ops.spatial_separable",
    "ConvTranspose2d": "ops.transposed",
    "Conv1d": "ops.conv1d",
    "ConvTranspose1d": "ops.conv1d",
    "Pool1d": "ops.conv1d",
    "Conv3d": "ops.conv3d",
    "ConvTranspose3d": "ops.conv3d",
    "Pool3d": "ops.conv3d",
    "from_torch": "ops.pytorch",
    "layers": "ops.network",
}


def __getattr__(name: str):
    if name not in _PUBLIC:
        raise AttributeError(f"module 'convanim' has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(f".{_PUBLIC[name]}", __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted([*globals(), *_PUBLIC])
