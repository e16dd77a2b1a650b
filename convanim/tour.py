"""A tour of a network: one offline page with a table of its convolution, pooling and upsampling
layers, a plot of the receptive field and the feature-map size over depth, and each layer opening
its own animated figure at its real kernel, stride, padding and dilation on a small input."""

from __future__ import annotations

import html
import importlib
import inspect
import math
import os
import re
import sys
from typing import Any, Dict, List, Sequence, Tuple

from .animation import Animation
from .core.errors import SpecError
from .draw.page import page_data
from .io.page import asset, script_json
from .ops.network import layer_calls
from .ops.pytorch import LAYERS, spec_from_args

SMALLEST, LARGEST = 1, 12  # the small input drawn, cells on a side
CALLABLE = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_][\w.]*$")


def load_callable(name: str):
    """``package.module:factory`` imported and called (as uvicorn and flask take an app): only what is
    named, only when asked. A class or function is called with no arguments; anything else is used as it is."""
    if not CALLABLE.match(name):
        raise SpecError("model", f"{name!r} is not module:callable (e.g. torchvision.models:resnet18)")
    module_name, _, attribute = name.partition(":")
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())  # as uvicorn does: a module of the folder the command runs in
    try:
        target: Any = importlib.import_module(module_name)
    except ImportError as e:
        raise SpecError("model", f"cannot import {module_name}: {e}") from None
    for part in attribute.split("."):
        if not hasattr(target, part):
            raise SpecError("model", f"{module_name} has no {attribute}")
        target = getattr(target, part)
    if inspect.isclass(target) or (callable(target) and not hasattr(target, "forward")):
        try:
            target = target()
        except Exception as e:  # noqa: BLE001 - the user's code: whatever it raises is named, in one line
            raise SpecError("model", f"{name}() failed: {type(e).__name__}: {str(e)[:200]}") from None
    return target


def small_spec(layer: str, args: Dict[str, Any], dims: int):
    """The layer on one channel and the smallest input that gives it three outputs on a side (or the
    largest tried): its kernel, stride, padding and dilation as they are."""
    one = dict(args)
    if LAYERS[layer].weighted:
        one.update(in_channels=1, out_channels=1, groups=1)
    if layer == "PixelShuffle":
        one["out_channels"] = 1
    best = None
    for n in range(SMALLEST, LARGEST + 1):
        try:
            spec = spec_from_args(layer, one, n if dims == 1 else (n, n))
        except SpecError:
            continue
        best = best or spec
        if min(spec.output_size[-dims:]) >= 3:
            return spec
    if best is None:
        raise SpecError("model", f"nn.{layer} fits no input up to {LARGEST} cells")
    return best


def _left_out(row: dict, spec) -> str:
    """What the small figure leaves out of the real layer."""
    real_in, real_out = row["input_shape"], row["output_shape"]
    shown = "x".join(map(str, spec.input_shape))
    return (f"drawn on a {shown} input: the layer reads {'x'.join(map(str, real_in))} and writes"
            f" {'x'.join(map(str, real_out))}; channels and size left out, kernel, stride, padding and dilation kept")


def figures(calls: Sequence[Tuple[dict, str, dict]]) -> List[dict]:
    """Each layer's player data, on its small input."""
    out = []
    for row, layer, args in calls:
        spec = small_spec(layer, args, len(row["input_shape"]) - 1)
        anim = Animation(spec, labels=True, style="flat", delay_ms=700)
        out.append(page_data(anim.drawing(), anim.delay_ms, f"{row['name']}: {anim.description}", _left_out(row, spec)))
    return out


def plot_svg(rows: Sequence[dict], input_size: int) -> str:
    """Receptive field and feature-map size (first spatial axis) over depth, on a log scale."""
    w, h, left, bottom, top = 640, 260, 48, 36, 16
    fields = [r["receptive_field"][0] for r in rows]
    sizes = [r["output_shape"][1] for r in rows]
    high = max([*fields, *sizes, input_size, 2])
    x = lambda n: left + (w - left - 16) * (n / max(len(rows) - 1, 1))  # noqa: E731
    y = lambda v: h - bottom - (h - bottom - top) * math.log(max(v, 1)) / math.log(high)  # noqa: E731
    parts = [f'<svg id="tour-plot" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w}" height="{h}"'
             ' role="img" aria-label="receptive field and feature-map size by layer">']
    ticks = [v for v in (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096) if v <= high]
    for v in ticks:
        parts.append(f'<line x1="{left}" x2="{w - 16}" y1="{y(v):.1f}" y2="{y(v):.1f}" class="grid"/>'
                     f'<text x="{left - 6}" y="{y(v) + 4:.1f}" text-anchor="end">{v}</text>')
    for name, values in (("field", fields), ("size", sizes)):
        points = " ".join(f"{x(n):.1f},{y(v):.1f}" for n, v in enumerate(values))
        parts.append(f'<polyline class="{name}" data-series="{name}" points="{points}"/>')
        parts += [f'<circle class="{name}" cx="{x(n):.1f}" cy="{y(v):.1f}" r="3"><title>{html.escape(rows[n]["name"])}:'
                  f' {v}</title></circle>' for n, v in enumerate(values)]
    parts.append(f'<text x="{left}" y="{h - 8}">layer 1 … {len(rows)}</text>'
                 f'<text x="{w - 16}" y="{h - 8}" text-anchor="end"><tspan class="field">■ receptive field</tspan>'
                 ' <tspan class="size">■ feature-map size</tspan> (cells, log scale)</text></svg>')
    return "".join(parts)


def _cell(values: Sequence[Any], by: str = "x") -> str:
    return by.join(f"{v:g}" if isinstance(v, float) else str(v) for v in values)


def _table(rows: Sequence[dict]) -> str:
    head = ("", "name", "layer", "input", "output", "weights", "multiply-adds", "field", "jump")
    lines = ["<table id='tour-layers'><thead><tr>" + "".join(f"<th>{h}</th>" for h in head) + "</tr></thead><tbody>"]
    for n, r in enumerate(rows):
        cells = (r["name"], r["text"], _cell(r["input_shape"]), _cell(r["output_shape"]), f"{r['weights']:,}",
                 f"{r['multiply_adds']:,}", _cell(r["receptive_field"]), _cell(r["jump"]))
        lines.append(f"<tr class='layer' data-layer='{n}'><td><button type='button' aria-expanded='false'>▸</button></td>"
                     + "".join(f"<td>{html.escape(str(c))}</td>" for c in cells) + "</tr>"
                     f"<tr class='figure' hidden><td colspan='{len(head)}'></td></tr>")
    return "\n".join(lines) + "</tbody></table>"


PAGE_CSS = """body{margin:1.5em;font-family:serif;color:#222}table{border-collapse:collapse;font-size:14px}
th,td{padding:2px 8px;text-align:right;border-bottom:1px solid #ddd}td:nth-child(2),td:nth-child(3),th{text-align:left}
td:nth-child(3){font-family:monospace;font-size:12px}button{border:none;background:none;cursor:pointer;font-size:14px}
#tour-plot text{font-size:12px;fill:#444}#tour-plot .grid{stroke:#e4e4e4}#tour-plot polyline{fill:none;stroke-width:2}
#tour-plot .field{stroke:#268bd2;fill:#268bd2}#tour-plot .size{stroke:#d33682;fill:#d33682}
#tour-plot polyline.field,#tour-plot polyline.size{fill:none}"""

OPEN = """(function () {
  var player = document.getElementById("convanim-player").textContent;
  document.querySelectorAll("tr.layer button").forEach(function (button) {
    button.addEventListener("click", function () {
      var row = button.closest("tr"), n = parseInt(row.getAttribute("data-layer"), 10), below = row.nextElementSibling;
      var open = below.hidden;
      below.hidden = !open;
      button.textContent = open ? "▾" : "▸";
      button.setAttribute("aria-expanded", open ? "true" : "false");
      if (open && !below.querySelector("figure")) {
        var figure = document.createElement("figure"), holder = document.createElement("div"),
            caption = document.createElement("figcaption"), json = document.createElement("script");
        figure.className = "convanim"; figure.setAttribute("tabindex", "0"); holder.className = "convanim-figure";
        json.type = "application/json"; json.textContent = document.getElementById("tour-figure-" + n).textContent;
        caption.textContent = JSON.parse(json.textContent).caption;
        figure.append(holder, caption, json); figure.setAttribute("data-convanim", "");
        below.firstElementChild.appendChild(figure);
        new Function(player)();
      }
    });
  });
})();"""


def tour_html(model: Any, input_size: Sequence[int], title: str = "") -> str:
    """The tour page of ``model`` (a printed model's text, layer texts, or an ``nn.Module``) on an
    input of ``input_size`` (C×H×W or C×L, no batch)."""
    calls = layer_calls(model, input_size)
    if not calls:
        raise SpecError("model", "no convolution, pooling or upsampling layer before the head")
    rows = [row for row, _, _ in calls]
    data = figures(calls)
    title = title or "a network"
    shape = "×".join(map(str, input_size))
    return ("<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
            f"<meta name='generator' content='convanim'><title>convanim tour: {html.escape(title)}</title>"
            f"<style>{PAGE_CSS}{asset('player.css')}</style></head><body>"
            f"<h1>{html.escape(title)}</h1><p>{len(rows)} layers on a {shape} input. A layer's ▸ opens its figure:"
            " its kernel, stride, padding and dilation on a small one-channel input.</p>"
            f"{plot_svg(rows, max(input_size[1:]))}{_table(rows)}"
            + "".join(f"<script type='application/json' id='tour-figure-{n}'>{script_json(d)}</script>"
                      for n, d in enumerate(data)) +
            f"<script type='text/plain' id='convanim-player'>{asset('player.js')}</script>"
            f"<script>{OPEN}</script></body></html>\n")
