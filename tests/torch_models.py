"""Architectures written with torch.nn for the tests that run without torchvision: resnet18 as
torchvision builds it, a branching toy model, a small U-Net; and the gradient-measured receptive
field that test_graph and test_torchvision hold layers() to."""

import torch
import torch.nn.functional as F
from torch import nn


class BasicBlock(nn.Module):
    def __init__(self, cin: int, cout: int, stride: int = 1):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):  # in torchvision's order: the shortcut's convolution after the block's
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        identity = x if self.downsample is None else self.downsample(x)
        return self.relu(out + identity)


class ResNet18(nn.Module):
    """torchvision's resnet18 (widths 64..512 at width=64), its layers named as torchvision names them."""

    def __init__(self, width: int = 64, classes: int = 1000):
        super().__init__()
        w = [width, 2 * width, 4 * width, 8 * width]
        self.conv1 = nn.Conv2d(3, w[0], 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(w[0])
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        self.layer1 = nn.Sequential(BasicBlock(w[0], w[0]), BasicBlock(w[0], w[0]))
        self.layer2 = nn.Sequential(BasicBlock(w[0], w[1], 2), BasicBlock(w[1], w[1]))
        self.layer3 = nn.Sequential(BasicBlock(w[1], w[2], 2), BasicBlock(w[2], w[2]))
        self.layer4 = nn.Sequential(BasicBlock(w[2], w[3], 2), BasicBlock(w[3], w[3]))
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(w[3], classes)

    def body(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        return self.layer4(self.layer3(self.layer2(self.layer1(x))))

    def forward(self, x):
        return self.fc(torch.flatten(self.avgpool(self.body(x)), 1))


class Branching(nn.Module):
    """Two paths of different reach added, a functional pooling and a concatenation."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(1, 4, 3, padding=1)
        self.wide = nn.Conv2d(4, 4, 5, stride=2, padding=2, dilation=1)
        self.deep1 = nn.Conv2d(4, 4, 3, stride=2, padding=1)
        self.deep2 = nn.Conv2d(4, 4, 3, padding=2, dilation=2)
        self.side = nn.Conv2d(4, 4, 1, stride=2)
        self.last = nn.Conv2d(12, 2, 3)

    def forward(self, x):
        x = torch.relu(self.stem(x))
        a = self.wide(x) + self.deep2(self.deep1(x))
        b = F.avg_pool2d(x, 3, stride=2, padding=1)
        return self.last(torch.cat([a, b, self.side(x)], dim=1))


class Shuffled(nn.Module):
    """ShuffleNet's unit: split the channels in two, convolve one half, join, and shuffle the
    channels (view, transpose, view); the cells stay where they are."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(1, 4, 3, stride=2, padding=1)
        self.branch = nn.Sequential(nn.Conv2d(2, 2, 1), nn.Conv2d(2, 2, 3, padding=1, groups=2), nn.Conv2d(2, 2, 1))
        self.last = nn.Conv2d(4, 4, 3, stride=2, padding=1)

    def forward(self, x):
        x = self.stem(x)
        kept, changed = x.chunk(2, dim=1)
        x = torch.cat((kept, self.branch(changed)), dim=1)
        n, c, h, w = x.shape
        x = x.view(n, 2, c // 2, h, w).transpose(1, 2).contiguous().view(n, c, h, w)
        return self.last(x)


class UNet(nn.Module):
    """Two levels down (max pool), up by a transposed convolution and by nearest upsampling, each
    joined to its skip by concatenation."""

    def __init__(self, c: int = 4):
        super().__init__()
        self.enc1 = nn.Sequential(nn.Conv2d(1, c, 3, padding=1), nn.ReLU(), nn.Conv2d(c, c, 3, padding=1), nn.ReLU())
        self.pool1 = nn.MaxPool2d(2)
        self.enc2 = nn.Sequential(nn.Conv2d(c, 2 * c, 3, padding=1), nn.ReLU())
        self.pool2 = nn.MaxPool2d(2)
        self.bottom = nn.Sequential(nn.Conv2d(2 * c, 4 * c, 3, padding=1), nn.ReLU())
        self.up2 = nn.ConvTranspose2d(4 * c, 2 * c, 2, stride=2)
        self.dec2 = nn.Sequential(nn.Conv2d(4 * c, 2 * c, 3, padding=1), nn.ReLU())
        self.up1 = nn.Upsample(scale_factor=2, mode="nearest")
        self.dec1 = nn.Conv2d(3 * c, 1, 3, padding=1)

    def forward(self, x):
        e1 = self.enc1(x)
        e2 = self.enc2(self.pool1(e1))
        b = self.bottom(self.pool2(e2))
        d2 = self.dec2(torch.cat([self.up2(b), e2], dim=1))
        return self.dec1(torch.cat([self.up1(d2), e1], dim=1))


class Resized(nn.Module):
    """A decoder's way of meeting its skip: nearest interpolation to the size the skip has (a size
    computed from a tensor's shape, as torchvision's segmentation heads write it), odd sizes so that
    the factor is not whole."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(1, 2, 3, padding=1)
        self.down = nn.Conv2d(2, 2, 3, stride=2)
        self.last = nn.Conv2d(4, 1, 3, padding=1)

    def forward(self, x):
        skip = self.stem(x)
        up = F.interpolate(self.down(skip), size=skip.shape[-2:], mode="nearest")
        return self.last(torch.cat([up, skip], dim=1))


def _positive(model: nn.Module) -> nn.Module:
    """A copy whose every gradient is positive: weights 1/fan-in, biases 0, max pooling read as
    average pooling of the same windows (a max passes the gradient to one cell only), activations
    that saturate read as identities (flat past a bound, they would pass no gradient there)."""
    import copy

    model = copy.deepcopy(model).double().eval()
    saturating = (nn.ReLU6, nn.Hardtanh, nn.Hardswish, nn.Hardsigmoid, nn.Sigmoid, nn.SiLU)
    for module in list(model.modules()):
        for child_name, child in list(module.named_children()):
            if isinstance(child, nn.MaxPool2d):
                setattr(module, child_name, nn.AvgPool2d(child.kernel_size, child.stride, child.padding,
                                                         child.ceil_mode, count_include_pad=False))
            elif isinstance(child, saturating):
                setattr(module, child_name, nn.Identity())
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d)):
                module.weight.fill_(1.0 / module.weight[0].numel())
                if module.bias is not None:
                    module.bias.zero_()
    return model


class _Reached(Exception):
    """Every named layer has run: the rest of the model is not needed."""


def _outputs(model: nn.Module, shape, names):
    """The named layers' outputs on a ones input (which needs the gradient), the run stopped once
    they have all been seen."""
    modules = dict(model.named_modules())
    wanted = {n for n in names if n in modules}
    outputs = {}

    def keep(name, output):
        outputs[name] = output
        if set(outputs) >= wanted:
            raise _Reached

    hooks = [modules[n].register_forward_hook(lambda m, i, o, n=n: keep(n, o)) for n in wanted]
    x = torch.ones((1, *shape), dtype=torch.float64, requires_grad=True)
    try:
        model(x) if not hasattr(model, "body") else model.body(x)
    except _Reached:
        pass
    finally:
        for hook in hooks:
            hook.remove()
    return x, outputs


def _extent(x, out, cell):
    """The first and last input row and column whose gradient from output ``cell`` is not zero."""
    (grad,) = torch.autograd.grad(out[0, :, cell[0], cell[1]].sum(), x, retain_graph=True)
    rows, cols = torch.nonzero(grad[0].abs().sum(0), as_tuple=True)
    return (int(rows.min()), int(cols.min())), (int(rows.max()), int(cols.max()))


def gradient_fields(model: nn.Module, shape, names):
    """The oracle: each named layer's receptive field, as a gradient measures it. Backpropagate
    from the central cell of the layer's output (every gradient positive, a ones input) and take
    the extent of the cells whose gradient is not zero."""
    x, outputs = _outputs(_positive(model), shape, names)
    fields = {}
    for n, out in outputs.items():
        first, last = _extent(x, out, (out.shape[2] // 2, out.shape[3] // 2))
        fields[n] = [last[0] - first[0] + 1, last[1] - first[1] + 1]
    return fields


def gradient_geometry(model: nn.Module, shape, names):
    """The oracle of a field's place too: the field of the central output cell and of its neighbour
    one row down and one column right; the jump is how far the field moved (a whole number where
    no layer upsamples), the centre of cell 0's field is the central cell's less its index times
    the jump. The input must hold both fields whole (not reaching the border)."""
    x, outputs = _outputs(_positive(model), shape, names)
    found = {}
    for n, out in outputs.items():
        cell = (out.shape[2] // 2, out.shape[3] // 2)
        first, last = _extent(x, out, cell)
        moved, _ = _extent(x, out, (cell[0] + 1, cell[1] + 1))
        jump = [moved[a] - first[a] for a in (0, 1)]
        centre = [(first[a] + last[a]) / 2 - cell[a] * jump[a] for a in (0, 1)]
        found[n] = {"receptive_field": [last[a] - first[a] + 1 for a in (0, 1)], "jump": jump,
                    "centre": [int(c) if c == int(c) else c for c in centre]}
    return found


class Bottleneck(nn.Module):
    def __init__(self, cin: int, width: int, stride: int = 1):
        super().__init__()
        cout = 4 * width
        self.conv1 = nn.Conv2d(cin, width, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.conv2 = nn.Conv2d(width, width, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(width)
        self.conv3 = nn.Conv2d(width, cout, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(cout)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):  # in torchvision's order, as BasicBlock
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        identity = x if self.downsample is None else self.downsample(x)
        return self.relu(out + identity)


class ResNet50(nn.Module):
    """torchvision's resnet50: 53 convolutions and a max pool before the head."""

    def __init__(self, width: int = 64, classes: int = 1000):
        super().__init__()
        self.conv1 = nn.Conv2d(3, width, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        cin, stages = width, []
        for n, (blocks, stride) in enumerate(((3, 1), (4, 2), (6, 2), (3, 2))):
            layer = []
            for b in range(blocks):
                layer.append(Bottleneck(cin, width * 2 ** n, stride if b == 0 else 1))
                cin = 4 * width * 2 ** n
            stages.append(nn.Sequential(*layer))
        self.layer1, self.layer2, self.layer3, self.layer4 = stages
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(cin, classes)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(torch.flatten(self.avgpool(x), 1))
