"""The operations, one module each, and the registry they make up.

A module declares its spec class and the :class:`~.base.Operation` (or several) that make it;
:data:`OPERATIONS` collects every Operation found in this package, in ``rank`` order. Everything
per-operation elsewhere (the commands, batch keys, `info`, which view draws what, how many
frames) is read from here.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Dict, Tuple

from ..core.errors import SpecError
from .base import Operation


def _discover() -> Tuple[Operation, ...]:
    found: Dict[str, Operation] = {}
    for module in pkgutil.iter_modules(__path__):
        if module.name == "base":
            continue
        for value in vars(importlib.import_module(f"{__name__}.{module.name}")).values():
            if isinstance(value, Operation):
                if found.setdefault(value.name, value) is not value:
                    raise RuntimeError(f"two operations are named {value.name!r}")
    return tuple(sorted(found.values(), key=lambda op: (op.rank, op.name)))


OPERATIONS: Tuple[Operation, ...] = _discover()
BY_NAME: Dict[str, Operation] = {op.name: op for op in OPERATIONS}
VIEWS: Tuple[str, ...] = tuple(dict.fromkeys(view for op in OPERATIONS for view in op.views))


def operation(name: str) -> Operation:
    """The operation of a command name: ``operation("dilated")``."""
    try:
        return BY_NAME[name]
    except KeyError:
        raise SpecError("op", f"unknown operation {name!r}: use one of {', '.join(BY_NAME)}") from None


def operation_for(spec) -> Operation:
    """The operation that describes and draws ``spec``: the first that makes its class."""
    for op in OPERATIONS:
        if type(spec) in op.specs:
            return op
    raise SpecError("spec", f"not an operation convanim knows: {type(spec).__name__}")


def check_view(spec, view: str) -> Operation:
    """The operation of ``spec``, if it has ``view``; else a SpecError naming who has it."""
    if view not in VIEWS:
        raise SpecError("view", f"unknown view {view!r}: use one of {', '.join(VIEWS)}")
    op = operation_for(spec)
    if view not in op.views:
        having = list(dict.fromkeys(o.noun for o in OPERATIONS if view in o.views and o.specs))
        listed = " and ".join(having) if len(having) < 3 else f"{', '.join(having[:-1])} and {having[-1]}"
        raise SpecError("view", f"the {view} view is for {listed}")
    if op.views[view].check is not None:
        op.views[view].check(spec)
    return op


def describe(spec, bottleneck=None) -> dict:
    """Shapes, output-size arithmetic, weights, multiply-adds and receptive field, as plain data
    (what `convanim info` prints)."""
    op = operation_for(spec)
    if bottleneck is not None and not any(p.name == "bottleneck" for p in op.info_params):
        raise SpecError("bottleneck", "applies to a plain convolution with channels")
    return op.describe(spec, bottleneck)


def scene_for(spec, numbers=None, precision: int = 1, labels: bool = False, view: str = "gather"):
    """The scene of ``spec`` in ``view``, with its numbers, labelled or not."""
    return check_view(spec, view).scene(spec, numbers, precision, labels, view)
