"""The one exception for a spec that cannot be drawn, and the checks every spec's constructor makes."""

from __future__ import annotations

import math
import numbers
from pathlib import Path
from typing import List, Sequence, Tuple, Union

Pair = Tuple[int, int]
PairLike = Union[int, Sequence[int]]


class SpecError(ValueError):
    """A spec that cannot be drawn, naming the parameters at fault and why."""

    def __init__(self, params: str | Sequence[str], reason: str):
        self.params: tuple[str, ...] = (params,) if isinstance(params, str) else tuple(params)
        self.reason = reason
        super().__init__(f"{', '.join(self.params)}: {reason}")


def whole(name: str, value: object) -> int:
    """``value`` as an int, if it is a whole number (not a bool, not a float)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise SpecError(name, f"expected a whole number, got {value!r}")
    return int(value)


def whole_in(name: str, value: object, low: int, high: int) -> int:
    n = whole(name, value)
    if not low <= n <= high:
        raise SpecError(name, f"must be between {low} and {high:,}, got {n}")
    return n


def as_pair(name: str, value: PairLike, minimum: int) -> Pair:
    """An int or an (h, w) sequence as a pair, each entry at least ``minimum``."""
    if isinstance(value, (str, bytes)):
        raise SpecError(name, f"expected a number or a pair of numbers, got {value!r}")
    if isinstance(value, Sequence):
        if len(value) != 2:
            raise SpecError(name, f"expected 1 or 2 values, got {len(value)}")
        pair = (whole(name, value[0]), whole(name, value[1]))
    else:
        n = whole(name, value)
        pair = (n, n)
    for n in pair:
        if n < minimum:
            raise SpecError(name, f"must be at least {minimum}, got {n}")
    return pair


def positive_list(name: str, values: Sequence[int], most: int = 16) -> Tuple[int, ...]:
    """A non-empty list of at most ``most`` whole numbers, each at least 1 (one per layer)."""
    if isinstance(values, (str, bytes)) or not isinstance(values, Sequence) or not values:
        raise SpecError(name, f"expected a list of whole numbers, got {values!r}")
    out = tuple(whole(name, v) for v in values)
    if min(out) < 1:
        raise SpecError(name, f"entries must be at least 1, got {min(out)}")
    if len(out) > most:
        raise SpecError(name, f"at most {most} layers, got {len(out)}")
    return out


def finite_list(name: str, values: Sequence[float]) -> Tuple[float, ...]:
    """A non-empty list of finite numbers of at most 1e100, whole ones as ints."""
    if isinstance(values, (str, bytes)) or not isinstance(values, Sequence) or not values:
        raise SpecError(name, f"expected a list of numbers, got {values!r}")
    out = []
    for v in values:
        if isinstance(v, bool) or not isinstance(v, numbers.Real) or not math.isfinite(v) or abs(v) > 1e100:
            raise SpecError(name, f"expected finite numbers of at most 1e100, got {v!r}")
        out.append(int(v) if float(v).is_integer() else float(v))
    return tuple(out)


class SaveIncomplete(Exception):
    """Some animations of a batch were saved and some were not: why, and which."""

    def __init__(self, cause: BaseException, written: List[Path], missing: List[int]):
        super().__init__(str(cause))
        self.cause, self.written, self.missing = cause, written, missing


class Interrupted(KeyboardInterrupt):
    """A signal that ends the run, raised where the program is, as Ctrl-C raises
    KeyboardInterrupt: on the way out every temporary file is removed and every worker stopped."""

    NAMES = {1: "hung up", 2: "interrupted", 15: "terminated"}  # SIGHUP, SIGINT, SIGTERM

    def __init__(self, signum: int):
        super().__init__(self.NAMES.get(signum, f"signal {signum}"))
        self.signum = signum

    @property
    def exit_code(self) -> int:
        return 128 + self.signum


def raise_interrupted(signum: int, frame=None) -> None:
    """A signal handler: SIGTERM or SIGHUP becomes :class:`Interrupted` where the program is."""
    raise Interrupted(signum)

