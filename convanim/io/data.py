"""Arrays in and computations out: values read from .npy/.csv/.txt, the ``--dump`` JSON."""

from __future__ import annotations

import json
import math
import os
import re
import warnings
from pathlib import Path
from typing import Union

import numpy as np

from ..core.backward import Gradients
from ..core.matrix import MAX_MATRIX_ENTRIES, matrix_shape, unrolled
from ..core.spec import parameters
from ..core.sweep import Cell
from ..core.values import Numbers, StagedNumbers
from .files import Unreadable, replacing, open_regular, read_text

CHANNEL_FIELDS = ("in_channels", "out_channels", "groups")  # written only for a spec with channels


MAX_VALUES = 4096 * 4096  # more than any figure within the size guard draws
MAX_VALUE_BYTES = 256 * 2**20  # a values file, read whole
EXACT = 2**53  # integers beyond this lose their last digits in the sums


def _npy(p: Path) -> np.ndarray:
    """A .npy file, its header read and checked before anything is allocated."""
    with open_regular(p, MAX_VALUE_BYTES) as fp:
        head = fp.read(6)
        if head[:4] == b"PK\x03\x04":
            raise Unreadable("a .npz archive (zip), not a .npy file: np.save one array")
        if head != b"\x93NUMPY":
            raise Unreadable("empty" if not head else "not a .npy file")
        fp.seek(0)
        version = np.lib.format.read_magic(fp)
        read_header = getattr(np.lib.format, f"read_array_header_{version[0]}_{version[1]}", None)
        if read_header is None:
            raise Unreadable(f".npy format version {version[0]}.{version[1]}: save it with a NumPy of 2024 or later")
        shape, fortran, dtype = read_header(fp)
        count = int(np.prod(shape, dtype=object))
        if count > MAX_VALUES:
            raise Unreadable(f"{'x'.join(map(str, shape))} values, more than {MAX_VALUES:,} (4096x4096)")
        if dtype.hasobject:
            raise Unreadable("holds Python objects, not numbers")
        missing = count * dtype.itemsize - (os.fstat(fp.fileno()).st_size - fp.tell())
        if missing > 0:
            raise Unreadable(f"truncated: {'x'.join(map(str, shape))} values need {missing:,} bytes more")
        fp.seek(0)
        return np.load(fp, allow_pickle=False)


def load_values(path: str | os.PathLike) -> np.ndarray:
    """An array of finite numbers (1-D to 4-D) from ``.npy``, ``.csv`` or ``.txt``; ValueError says what is wrong."""
    p = Path(path)
    suffix = p.suffix.lower()
    try:
        if suffix == ".npy":
            array = _npy(p)
        elif suffix in (".csv", ".txt"):
            text = read_text(p, MAX_VALUE_BYTES)
            delimiter = "," if suffix == ".csv" or "," in text else None
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # an empty file: reported below, once
                array = np.loadtxt(text.splitlines(), delimiter=delimiter, ndmin=2, dtype=float)
        else:
            raise ValueError(f"unknown extension {p.suffix!r}: use .npy, .csv or .txt")
    except OSError as e:
        raise ValueError(f"cannot read it: {e.strerror or e}") from None
    except UnicodeDecodeError:
        raise ValueError("not a text file") from None
    except ValueError as e:
        message = str(e).splitlines()[0] if str(e) else "malformed"
        if message.startswith("unknown extension") or isinstance(e, Unreadable):
            raise
        ragged = re.search(r"number of columns changed from (\d+) to (\d+) at row (\d+)", message)
        if ragged:
            before, now, row = ragged.groups()
            raise ValueError(f"rows of different lengths: row {row} has {now} values, the rows above it {before}") from None
        raise ValueError(f"not a table of numbers ({message})") from None
    array = np.asarray(array)
    if array.dtype.kind == "f":
        array = array.astype(np.float64)
    if array.dtype.kind not in "iufb":
        raise ValueError(f"expected numbers, got dtype {array.dtype}")
    if not 1 <= array.ndim <= 5:
        raise ValueError(f"expected a 1-D to 5-D array (L, H×W, C×H×W, O×C×kh×kw, O×C×kd×kh×kw), got {array.ndim}-D"
                         f" with shape {array.shape}")
    if array.size == 0:
        raise ValueError("the array is empty")
    if array.dtype.kind == "f":
        bad = np.argwhere(~np.isfinite(array))
        if len(bad):
            at = tuple(int(i) for i in bad[0])
            if len(at) == 1:  # a strip's or a bias's values
                where = f"index {at[0]}"
            else:
                where = f"row {at[-2]}, column {at[-1]}" + (f" of channel {', '.join(map(str, at[:-2]))}" if len(at) > 2 else "")
            raise ValueError(f"{array[at]} at {where}: values must be finite")
        if np.all(array == np.round(array)) and np.abs(array).max() < 2**53:
            array = array.astype(np.int64)
    if array.dtype.kind in "iu" and array.size and np.abs(array.astype(object)).max() > EXACT:
        raise ValueError(f"whole numbers beyond ±2^53 ({EXACT:,}) would lose digits: use floats or smaller values")
    return array.astype(np.int64) if array.dtype.kind == "b" else array


def write_text(path: str | os.PathLike, text: str) -> Path:
    """Write ``text`` (UTF-8), atomically."""
    path = Path(path)
    with replacing(path) as fp:
        fp.write(text.encode("utf-8"))
    return path


def write_json(path: str | os.PathLike, data: object) -> Path:
    """Write ``data`` as JSON, atomically: keys in the order given, no NaN, a final newline."""
    path = Path(path)
    text = _json_text(data) + "\n"
    with replacing(path) as fp:
        fp.write(text.encode("utf-8"))
    return path


def _json_text(value: object, indent: str = "") -> str:
    """JSON that reads well: objects and lists of rows one entry a line, rows and numbers inline."""
    inner = indent + "  "
    if isinstance(value, dict) and value and not _is_flat(value):
        items = [f"{inner}{json.dumps(k)}: {_json_text(v, inner)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + indent + "}"
    if isinstance(value, list) and value and isinstance(value[0], (dict, list)) and not _is_row(value):
        return "[\n" + ",\n".join(inner + _json_text(v, inner) for v in value) + "\n" + indent + "]"
    return json.dumps(value, allow_nan=False, ensure_ascii=False, separators=(", ", ": "))


def _is_flat(value: dict) -> bool:
    """An object of numbers, strings and short rows, like one frame, stays on one line."""
    return all(
        not isinstance(v, (dict, list)) or isinstance(v, list) and (not v or not isinstance(v[0], (dict, list)) or _is_row(v))
        for v in value.values()
    )


def _is_row(value: list) -> bool:
    """A short list of short lists, like a frame's taps, stays on one line."""
    return all(isinstance(v, list) and len(v) <= 2 and not any(isinstance(x, list) for x in v) for v in value) and len(value) <= 64
def _json_number(value: float):
    if not np.isfinite(value):
        return None  # −∞ (max pooling's padding) has no JSON form
    return int(value) if float(value).is_integer() else float(value)


def _json_array(values: np.ndarray) -> list:
    values = np.asarray(values, dtype=float)
    if values.ndim == 1:
        return [_json_number(v) for v in values]
    return [_json_array(v) for v in values]


def _frame(numbers: Numbers, index: int, value: float) -> dict:
    """One step of the dump: the output cell, the planes read, the taps, the value (and max's winner).

    A 3-D operation's ``out`` is [slice, row, col] and ``reads`` lists each plane read as
    [channel, slice, kernel slice]; a channel figure's ``reads`` is the planes' range."""
    spec, sweep = numbers.spec, numbers.sweep
    plane, spatial = divmod(index, len(sweep))
    taps = sweep.taps(spatial)
    out, reads = list(sweep.out_cell(spatial)), numbers.reads(plane)
    frame: dict = {"index": index}
    if spec.dims == 3:
        channel, depth = divmod(plane, spec.depths[1])
        depth_in, slices = spec.depths[0], spec.kernel_volume[0]
        if spec.has_channels:
            frame["channel"] = channel
        frame["reads"] = [[r.channel // depth_in, r.depth, r.slice % slices] for r in reads]
        out = [depth, *out]
    elif spec.has_channels:
        planes = [read.channel for read in reads]
        frame.update(channel=plane, reads=[min(planes), max(planes) + 1])
    frame.update(out=out, taps=taps.tolist(), value=_json_number(value))
    if numbers.winners is not None and reads:  # a window on padding only keeps none
        which, tap = divmod(int(numbers.winners[plane, spatial]), numbers.gathered.shape[2])
        frame["winner"] = ([reads[which].depth] if spec.dims == 3 else []) + taps[tap].tolist()
    return frame


def record(numbers: Union[Numbers, StagedNumbers]) -> dict:
    """The whole computation as plain data, in animation order (the ``--dump`` JSON)."""
    if isinstance(numbers, StagedNumbers):
        spec = numbers.spec
        given = {k: (list(v) if isinstance(v, tuple) else v) for k, v in parameters(spec).items()}
        stages = [{"name": st.name, "reads": spec.volumes[st.source], "writes": spec.volumes[st.target], **record(n)}
                  for st, n in zip(spec.stages(), numbers.stages)]
        return {"op": spec.op, "spec": given, "output": _json_array(numbers.output), "stages": stages}
    spec, sweep = numbers.spec, numbers.sweep
    params = {name: value for name, value in parameters(spec).items()
              if spec.has_channels or name not in CHANNEL_FIELDS}  # a spec's parameters, in its order
    frames = [_frame(numbers, index, value) for index, value in enumerate(numbers.steps)]
    whole = spec.has_channels or spec.dims == 3  # every plane, not the only one
    return {
        "op": spec.op,
        "spec": {k: list(v) if isinstance(v, tuple) else v for k, v in params.items()},
        "output_size": list(spec.output_size) if spec.dims < 3 else list(spec.output_shape[-3:]),
        "input": _json_array(numbers.input),
        "kernel": _json_array(numbers.kernel) if numbers.kernel is not None else None,
        **({"bias": _json_array(numbers.bias)} if numbers.bias is not None else {}),
        "grid": {
            "shape": list(sweep.source.shape),
            "kinds": [[Cell(k).name.lower() for k in row] for row in sweep.source.kinds],
            "values": _json_array(numbers.drawn_inputs if whole else numbers.drawn_input),
            "kernel": None if numbers.drawn_kernels is None else _json_array(
                numbers.drawn_kernels if whole else numbers.drawn_kernel
            ),
        },
        "output": _json_array(numbers.output),
        "matrix_shape": list(matrix_shape(spec)),
        "matrix": _json_array(unrolled(numbers)) if math.prod(matrix_shape(spec)) <= MAX_MATRIX_ENTRIES else None,
        "frames": frames,
        **(_gradients(numbers) if numbers.grad is not None else {}),
    }


def _gradients(numbers: Numbers) -> dict:
    """The backward pass: ∂L/∂y as given, and what it gives the input, the weights and the bias."""
    grads = Gradients(numbers)
    return {
        "grad_output": _json_array(numbers.grad),
        "grad_input": _json_array(grads.input),
        "grad_weight": None if grads.weight is None else _json_array(grads.weight),
        **({"grad_bias": _json_array(grads.bias)} if grads.bias is not None else {}),
    }


