"""Shapes, sizes and costs of an operation, with the arithmetic written out: `convanim info`."""

from __future__ import annotations

from typing import Dict, List, Optional, Union

from .values import interior_overlaps, overlap_counts, receptive_field_sizes

from .spec import (
    Chain,
    Checkerboard,
    Checkerboards,
    DilatedStack,
    Conv2d,
    ConvTranspose2d,
    Pool2d,
    SeparableConv2d,
    SpatialSeparableConv2d,
    Spec,
    SpecError,
    extent,
    stages_of,
)


def _shape(shape) -> str:
    return "x".join(str(n) for n in shape)


def _formula(spec: Spec) -> List[str]:
    """The output size on each axis, as the formula and with the numbers put in."""
    lines = []
    for axis, name in ((0, "height"), (1, "width")):
        i, k, s, d = spec.input_size[axis], spec.kernel_size[axis], spec.stride[axis], spec.dilation[axis]
        o = spec.output_size[axis]
        if isinstance(spec, ConvTranspose2d):
            p, a = spec.padding[axis], spec.output_padding[axis]
            lines.append(f"{name}: o = (i-1)*s - 2p + d*(k-1) + a + 1 = ({i}-1)*{s} - 2*{p} + {d}*({k}-1) + {a} + 1 = {o}")
        else:
            before, after = spec.padding[2 * axis], spec.padding[2 * axis + 1]
            lines.append(
                f"{name}: o = floor((i + p_before + p_after - d*(k-1) - 1) / s) + 1"
                f" = floor(({i} + {before} + {after} - {d}*({k}-1) - 1) / {s}) + 1 = {o}"
            )
    return lines


def _costs(spec: Spec) -> Dict[str, int]:
    """Weights, biases and multiply-adds of one plain operation."""
    kh, kw = spec.kernel_size
    if isinstance(spec, Pool2d):  # no multiplications: a compare or an add per tap
        oh, ow = spec.output_size
        return {"weights": 0, "biases": 0, "multiply_adds": 0, "operations": oh * ow * kh * kw}
    if isinstance(spec, ConvTranspose2d):
        ih, iw = spec.input_size
        return {"weights": kh * kw, "biases": 1, "multiply_adds": ih * iw * kh * kw}
    oh, ow = spec.output_size
    per_output = (spec.in_channels // spec.groups) * kh * kw
    return {
        "weights": spec.out_channels * per_output,
        "biases": spec.out_channels,
        "multiply_adds": spec.out_channels * oh * ow * per_output,
    }


def _describe_stack(spec: DilatedStack) -> dict:
    fields = receptive_field_sizes(spec)
    layers = [
        {"layer": n + 1, "dilation": d, "stride": s, "output_shape": list(layer.output_size),
         "receptive_field": list(field), "weights": spec.kernel_size ** 2}
        for n, (d, s, layer, field) in enumerate(zip(spec.dilations, spec.strides, spec.layers(), fields))
    ]
    return {"op": spec.op, "input_shape": [spec.input_size, spec.input_size], "kernel_size": spec.kernel_size,
            "weights": spec.kernel_size ** 2 * len(layers), "receptive_field": list(fields[-1]), "layers": layers}


def _describe_checkerboard(spec: Checkerboard) -> dict:
    counts = overlap_counts(spec)
    t = spec.transposed
    inside = interior_overlaps(spec)
    return {"op": spec.op, "input_shape": list(t.input_size), "output_shape": list(counts.shape), "layers": spec.layers,
            "stamps_min": int(counts.min()), "stamps_max": int(counts.max()),
            "interior_stamps": list(inside) if inside is not None else None,
            "even_overlap": None if inside is None else len(inside) == 1}


def describe(spec: Union[Spec, Chain], bottleneck: Optional[int] = None) -> dict:
    """Everything `convanim info` prints, as plain data."""
    if isinstance(spec, DilatedStack):
        return _describe_stack(spec)
    if isinstance(spec, Checkerboard):
        return _describe_checkerboard(spec)
    if isinstance(spec, Checkerboards):  # each setting, as one would be described
        return {"op": spec.op, "settings": [{"kernel_size": list(b.transposed.kernel_size),
                                             "stride": list(b.transposed.stride), **_describe_checkerboard(b)}
                                            for b in spec.boards]}
    stages = stages_of(spec)
    parts = []
    for stage in stages:
        costs = _costs(stage.spec)
        parts.append({
            "stage": stage.name or spec.op,
            "input_shape": list(stage.spec.input_shape),
            "weight_shape": [] if isinstance(stage.spec, Pool2d) else list(stage.spec.weight_shape),
            "output_shape": list(stage.spec.output_shape),
            "output_size": _formula(stage.spec),
            **costs,
        })
    counted = parts[:2] if isinstance(spec, SpatialSeparableConv2d) else parts  # the full kernel is the comparison
    weights = sum(p["weights"] for p in counted)
    biases = sum(p["biases"] for p in counted)
    info = {
        "op": spec.op,
        "input_shape": list(spec.input_shape),
        "output_shape": list(spec.output_shape),
        "weights": weights,
        "parameters_with_bias": weights + biases,
        "multiply_adds": sum(p["multiply_adds"] for p in counted),
        "receptive_field": list(receptive_field(spec)),
        "stages": parts,
    }
    if isinstance(spec, SpatialSeparableConv2d):
        info["full_kernel_weights"] = parts[2]["weights"]
        info["full_kernel_multiply_adds"] = parts[2]["multiply_adds"]
    if isinstance(spec, SeparableConv2d):
        k = spec.kernel_size[0] * spec.kernel_size[1]
        info["standard_conv_weights"] = k * spec.in_channels * spec.out_channels
    if bottleneck is not None:
        info["bottleneck"] = _bottleneck(spec, bottleneck)
    return info


def _bottleneck(spec: Union[Spec, Chain], channels: int) -> dict:
    """The same layer behind a 1×1 convolution down to ``channels``: the seeds' bottleneck."""
    if not isinstance(spec, Conv2d) or isinstance(spec, Pool2d) or spec.groups != 1:
        raise SpecError("bottleneck", "applies to a plain convolution with channels")
    if channels >= spec.in_channels:
        raise SpecError(("bottleneck", "in_channels"), f"a bottleneck narrows: {channels} is not fewer than {spec.in_channels} channels")
    squeeze = Conv2d(spec.input_size, 1, in_channels=spec.in_channels, out_channels=channels)
    layer = Conv2d(spec.input_size, spec.kernel_size, spec.stride, spec.padding, spec.dilation,
                   in_channels=channels, out_channels=spec.out_channels)
    a, b = _costs(squeeze), _costs(layer)
    return {
        "channels": channels,
        "pointwise_weights": a["weights"],
        "conv_weights": b["weights"],
        "weights": a["weights"] + b["weights"],
        "multiply_adds": a["multiply_adds"] + b["multiply_adds"],
    }


def receptive_field(spec: Union[Spec, Chain]) -> tuple:
    """How many input cells (h, w) one output cell can depend on."""
    if isinstance(spec, SpatialSeparableConv2d):
        return spec.kernel_size
    stage = stages_of(spec)[0].spec
    if isinstance(stage, ConvTranspose2d):  # its taps land on every s-th drawn cell: ⌈extent / s⌉ inputs
        return tuple(-(-e // s) for e, s in zip(stage.kernel_extent, stage.stride))
    return extent(stage.kernel_size, stage.dilation)


def text(info: dict) -> str:
    """`convanim info`'s human-readable form."""
    n = lambda v: f"{v:,}"  # noqa: E731
    if info["op"] == "receptive-field":
        lines = [f"operation:        receptive-field, {info['kernel_size']}x{info['kernel_size']} kernels"]
        for layer in info["layers"]:
            lines.append(f"layer {layer['layer']}: dilation {layer['dilation']}, stride {layer['stride']},"
                         f" receptive field {_shape(layer['receptive_field'])}, {layer['weights']} weights")
        lines.append(f"weights:          {n(info['weights'])} (they grow by layer; the receptive field faster)")
        return "\n".join(lines)
    if info["op"] == "checkerboard" and "settings" in info:
        return "\n\n".join(f"k={_shape(b['kernel_size'])}, s={_shape(b['stride'])}:\n" + text(b) for b in info["settings"])
    if info["op"] == "checkerboard":
        return "\n".join([
            "operation:        checkerboard",
            f"input shape:      {_shape(info['input_shape'])}",
            f"output shape:     {_shape(info['output_shape'])} after {info['layers']} layer(s)",
            f"stamps per cell:  {info['stamps_min']} to {info['stamps_max']}",
            "inside:           " + ("too small to have an inside" if info["interior_stamps"] is None else
                                    ", ".join(map(str, info["interior_stamps"]))
                                    + (" (even overlap)" if info["even_overlap"] else " (uneven: a checkerboard)")),
        ])
    lines = [
        f"operation:        {info['op']}",
        f"input shape:      {_shape(info['input_shape'])}",
        f"output shape:     {_shape(info['output_shape'])}",
    ]
    for part in info["stages"]:
        if len(info["stages"]) > 1:
            lines.append(f"{part['stage']}: {_shape(part['input_shape'])} -> {_shape(part['output_shape'])},"
                         f" weights {_shape(part['weight_shape'])} = {n(part['weights'])},"
                         f" multiply-adds {n(part['multiply_adds'])}")
        lines += [f"  {line}" for line in part["output_size"]]
    lines += [
        f"weights:          {n(info['weights'])}",
        f"with bias:        {n(info['parameters_with_bias'])}",
        f"multiply-adds:    {n(info['multiply_adds'])}",
        f"receptive field:  {_shape(info['receptive_field'])}",
    ]
    if "full_kernel_weights" in info:
        lines.append(f"full kernel:      {n(info['full_kernel_weights'])} weights,"
                     f" {n(info['full_kernel_multiply_adds'])} multiply-adds")
    if "standard_conv_weights" in info:
        lines.append(f"standard conv:    {n(info['standard_conv_weights'])} weights")
    if "bottleneck" in info:
        b = info["bottleneck"]
        lines.append(f"with a 1x1 bottleneck to {b['channels']}: {n(b['pointwise_weights'])} + {n(b['conv_weights'])}"
                     f" = {n(b['weights'])} weights, {n(b['multiply_adds'])} multiply-adds")
    return "\n".join(lines)
