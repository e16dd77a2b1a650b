"""A PyTorch layer as users copy it, read without evaluating anything.

Accepted: the call as a model's source writes it (``nn.Conv2d(3, 64, 7, stride=2)``), with the
``(conv1): `` prefix and the unquoted words (``padding=same``, ``padding_mode=reflect``) of
``print(model)``, as an assignment (``self.conv1 = nn.Conv2d(…)``), or with the trailing comma of
an ``nn.Sequential(…)`` listing. The text is parsed with :mod:`ast`, its depth bounded before any
recursive walk, and only literal arguments are read.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from typing import Any, Dict, Optional, Tuple

from ..core.errors import SpecError

MAX_TEXT = 2000  # one layer's text
MAX_DEPTH = 24  # "self.conv1 = torch.nn.Conv2d(3, 8, kernel_size=(-3, 3))" is 8 deep
MAX_NUMBER = 1_000_000  # no layer has a size, stride or padding near this, and no figure could draw it
EXAMPLE = "nn.Conv2d(1, 8, 3)"
_PREFIX = re.compile(r"\s*\(([\w-]+)\)\s*:\s*(?:\d+ x )?")  # print(model)'s "(conv1): ", "(0): ", "(0-1): 2 x "


@dataclass(frozen=True)
class LayerCall:
    """A layer call read from text: the layer's name (``Conv2d``), the name the model gives it
    (``conv1``, if the text said), its positional and keyword argument nodes."""

    layer: str
    name: Optional[str]
    args: Tuple[ast.expr, ...]
    keywords: Tuple[ast.keyword, ...]


def shown(text: str, most: int = 60) -> str:
    """The text as a message quotes it: cut to ``most`` characters."""
    text = " ".join(text.split())
    return repr(text if len(text) <= most else text[: most - 1] + "…")


def read_call(text: str) -> LayerCall:
    """The layer call a text holds; a SpecError naming what it is instead."""
    if not isinstance(text, str) or not text.strip():
        raise SpecError("layer", "give a layer, e.g. \"nn.Conv2d(16, 32, kernel_size=3, stride=2, padding=1)\"")
    if len(text) > MAX_TEXT:
        raise SpecError("layer", f"the layer text is {len(text):,} characters, more than {MAX_TEXT:,}")
    prefix = _PREFIX.match(text)
    name = prefix.group(1) if prefix else None
    source = text[prefix.end():] if prefix else text
    not_a_call = SpecError("layer", f"{shown(text.strip())} is not a layer call like {EXAMPLE}")
    try:
        tree = ast.parse(source.strip(), mode="exec")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        raise not_a_call from None
    if _depth(tree) > MAX_DEPTH:
        raise SpecError("layer", f"{shown(text.strip())} is not a literal layer call: it nests more than {MAX_DEPTH}"
                        " levels deep")
    node = _value(tree)
    if not isinstance(node, ast.Call):
        raise not_a_call
    if isinstance(node.func, ast.Call):
        raise SpecError("layer", f"{shown(text.strip())} calls a layer on something: paste the layer alone,"
                        f" {ast.unparse(node.func)}")
    dotted = _dotted(node.func)
    parts = dotted.split(".") if dotted else []
    if not parts or parts[:-1] not in ([], ["nn"], ["torch", "nn"]):
        raise SpecError("layer", f"{shown(ast.unparse(node.func))} is not a layer: write nn.Conv2d(…), torch.nn.Conv2d(…)"
                        " or Conv2d(…)")
    return LayerCall(parts[-1], name, tuple(node.args), tuple(node.keywords))


def _depth(tree: ast.AST) -> int:
    """How deep the tree nests, up to MAX_DEPTH + 1, walked without recursion."""
    deepest, todo = 0, [(tree, 1)]
    while todo:
        node, depth = todo.pop()
        deepest = max(deepest, depth)
        if depth <= MAX_DEPTH:  # deeper is refused anyway: no need to walk on
            todo.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return deepest


def _value(tree: ast.Module) -> Optional[ast.expr]:
    """The one expression a text stands for: itself, an assignment's value, or a 1-tuple's item."""
    if len(tree.body) != 1:
        return None
    statement = tree.body[0]
    if isinstance(statement, ast.Expr):
        node = statement.value
    elif isinstance(statement, ast.Assign) and len(statement.targets) == 1:
        node = statement.value
    elif isinstance(statement, ast.AnnAssign) and statement.value is not None:
        node = statement.value
    else:
        return None
    if isinstance(node, ast.Tuple) and len(node.elts) == 1:  # "nn.Conv2d(…)," from a listing
        node = node.elts[0]
    return node


def _dotted(node: ast.AST) -> str:
    """``torch.nn.Conv2d`` from its attribute chain ("" if it is not names and dots)."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return ""
    return ".".join([node.id, *reversed(parts)])


def bind(call: LayerCall, names: Tuple[str, ...], words: Dict[str, Tuple[str, ...]], ignored: Tuple[str, ...]
         ) -> Dict[str, Any]:
    """The call's arguments by PyTorch's names (``names`` in its order): literals, or for an
    argument in ``words`` one of those words unquoted, as ``print(model)`` writes them; arguments
    in ``ignored`` (``device``, ``dtype``) are skipped unread."""
    layer = call.layer
    if len(call.args) > len(names):
        raise SpecError("layer", f"nn.{layer} takes at most {len(names)} arguments, got {len(call.args)}")
    given = []
    for position, node in enumerate(call.args):
        if isinstance(node, ast.Starred):
            raise SpecError("layer", f"nn.{layer}: *{shown(ast.unparse(node.value))[1:-1]} is not a literal argument")
        given.append((names[position], node))
    for keyword in call.keywords:
        if keyword.arg is None:
            raise SpecError("layer", f"nn.{layer}: **{shown(ast.unparse(keyword.value))[1:-1]} is not a literal argument")
        if keyword.arg not in names:
            raise SpecError("layer", f"nn.{layer} has no argument {keyword.arg!r}: its arguments are {', '.join(names)}")
        if keyword.arg in dict(given):
            raise SpecError("layer", f"nn.{layer}: {keyword.arg} given twice")
        given.append((keyword.arg, keyword.value))
    args: Dict[str, Any] = {}
    for name, node in given:
        if name in ignored:
            continue
        if isinstance(node, ast.Name) and node.id in words.get(name, ()):
            args[name] = node.id
        else:
            args[name] = literal(layer, name, node)
    return args


def literal(layer: str, name: str, node: ast.AST) -> Any:
    """A literal argument: a number, string, True/False/None, or a tuple of whole numbers."""
    text = f"{name}={shown(ast.unparse(node))[1:-1]}"
    try:
        value = ast.literal_eval(node)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        raise SpecError("layer", f"nn.{layer}: {text} is not a literal (a number, string or tuple)") from None
    if isinstance(value, (list, tuple)):
        value = tuple(value)
        kinds = (int, float) if name == "scale_factor" else int  # an upsampling's factors may be fractions
        kept = name == "output_size" and layer.startswith("Adaptive")  # None keeps that axis, as PyTorch reads it
        if not all((isinstance(v, kinds) and not isinstance(v, bool)) or (kept and v is None) for v in value):
            raise SpecError("layer", f"nn.{layer}: {text} must hold {'numbers' if kinds != int else 'whole numbers'}")
    elif not (value is None or isinstance(value, (int, float, str, bool))):
        raise SpecError("layer", f"nn.{layer}: {text} is not a number, string or tuple")
    numbers = value if isinstance(value, tuple) else (value,)
    if any(isinstance(v, (int, float)) and not isinstance(v, bool) and abs(v) > MAX_NUMBER for v in numbers):
        raise SpecError("layer", f"nn.{layer}: {text} is out of range: a layer's numbers are at most {MAX_NUMBER:,}")
    return value
