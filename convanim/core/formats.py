"""Numbers as a figure writes them: integers as integers, one count of decimals for each kind of
number a figure holds (inputs, weights, outputs), ±∞."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Context, Decimal
from typing import Callable, Hashable, Mapping, Sequence

import numpy as np


def format_value(value: float, precision: int = 1) -> str:
    """Integers as integers, anything else with ``precision`` decimals; ±∞ (a pooling's padding) as a symbol."""
    if np.isinf(value):
        return "−∞" if value < 0 else "∞"
    if float(value).is_integer():
        return f"{int(value)}".replace("-", "−")
    return _decimals(value, precision)


def _decimals(value: float, precision: int) -> str:
    """``value`` rounded half up to ``precision`` decimals (4.125 → 4.13, as written by hand),
    with room for every digit: a value of 1e27 has more than the 28 a Decimal keeps by default."""
    exact = Decimal(repr(float(value)))
    room = Context(prec=max(28, exact.adjusted() + precision + 2))
    rounded = exact.quantize(Decimal(1).scaleb(-precision), rounding=ROUND_HALF_UP, context=room)
    return f"{rounded:f}".replace("-", "−")


def figure_format(arrays, precision: int = 1):
    """One number format for a whole figure: integers if every value is whole, else every value
    with ``precision`` decimals (``1.0`` beside ``1.7``, never ``1``)."""
    finite = [np.asarray(a, dtype=float) for a in arrays]
    whole = all(np.all(np.isinf(a) | (a == np.round(a))) for a in finite)

    def fmt(value: float) -> str:
        if np.isinf(value) or whole:
            return format_value(value, precision)
        return _decimals(value, precision)

    return fmt


def exact_precision(arrays, precision: int = 1, most: int = 3) -> int:
    """``precision``, or more where that writes every value exactly and ``precision`` does not
    (an average's shares, 1/8 = 0.125: written 0.1, two of them would add up to 0.3)."""
    values = np.concatenate([np.asarray(a, dtype=float).ravel() for a in arrays])
    values = values[np.isfinite(values)]
    for decimals in range(precision, most + 1):
        scaled = values * 10**decimals
        if np.allclose(scaled, np.round(scaled), rtol=0, atol=1e-6):
            return decimals
    return precision


class Formats:
    """A figure's number formats, one for each kind of number it holds (``by_kind``: a key, such
    as a volume or "weight", to the arrays of that kind): integer inputs stay integers beside
    averaged outputs ("3" in the cells, "1.7" as their mean), as the paper writes them. A kind
    not named falls back to the format of every number together."""

    def __init__(self, by_kind: Mapping[Hashable, Sequence[np.ndarray]], precision: int = 1):
        self._of = {kind: figure_format(arrays, precision) for kind, arrays in by_kind.items()}
        self._any = figure_format([a for arrays in by_kind.values() for a in arrays], precision)

    def __getitem__(self, kind: Hashable) -> Callable[[float], str]:
        return self._of.get(kind, self._any)
