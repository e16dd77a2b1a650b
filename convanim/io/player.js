/* convanim's player: draws the frames Python computed (convanim.draw.page) as SVG and plays them.
   Nothing here computes the convolution: every cell, line, number and equation comes from the
   page's data; hovering a cell looks up the steps whose highlights hold it. */
(function () {
  "use strict";
  var NS = "http://www.w3.org/2000/svg";

  function el(name, attrs, parent) {
    var node = document.createElementNS(NS, name);
    for (var key in attrs) if (attrs[key] !== undefined && attrs[key] !== null) node.setAttribute(key, attrs[key]);
    if (parent) parent.appendChild(node);
    return node;
  }

  function html(name, attrs, parent, text) {
    var node = document.createElement(name);
    for (var key in attrs) node.setAttribute(key, attrs[key]);
    if (text !== undefined) node.textContent = text;
    if (parent) parent.appendChild(node);
    return node;
  }

  function mount(root) {
    var data = JSON.parse(root.querySelector("script[type='application/json']").textContent);
    root.setAttribute("data-mounted", "");
    var colours = data.colours, theme = data.theme, strokes = data.strokes, planes = data.planes, steps = data.steps;
    var count = steps.length, standalone = root.hasAttribute("data-standalone");
    root.style.setProperty("--convanim-bg", theme.background);
    root.style.setProperty("--convanim-ink", theme.text);
    root.style.setProperty("--convanim-line", theme.line);
    root.style.setProperty("--convanim-mark", theme.mark);

    var holder = root.querySelector(".convanim-figure");
    holder.textContent = "";  // the still that stood in for viewers without scripts
    var svg = el("svg", {xmlns: NS, viewBox: "0 0 " + data.width + " " + data.height, width: data.width,
                         height: data.height, role: "img", "aria-label": data.title, "font-family": data.font + ", serif"}, holder);
    if (!data.transparent) el("rect", {width: data.width, height: data.height, fill: theme.background}, svg);
    else root.style.setProperty("--convanim-bg", "transparent");
    var layer = {};
    // every text above the highlight, in the ink the paint model chose for what lies under it
    ["planes", "fills", "first", "links", "rest", "marks", "statics", "revealed", "chips", "labels", "texts",
     "inspect"].forEach(function (name) {  // the cells take the pointer; what lies over them lets it through
      layer[name] = el("g", {"class": "convanim-" + name, "pointer-events": name === "planes" ? null : "none"}, svg);
    });

    function point(p, col, row) {
      var m = planes[p].at;
      return [m[0] * col + m[2] * row + m[4], m[1] * col + m[3] * row + m[5]];
    }
    function square(p, cell, inset) {
      var w = planes[p].shape[1], r = Math.floor(cell / w), c = cell % w, a = inset || 0, b = 1 - a;
      return [point(p, c + a, r + a), point(p, c + b, r + a), point(p, c + b, r + b), point(p, c + a, r + b)]
        .map(function (q) { return q[0].toFixed(2) + "," + q[1].toFixed(2); }).join(" ");
    }
    function text(parent, string, x, y, size, fill, anchor, bold) {
      var node = el("text", {x: x, y: y, "font-size": size, fill: fill || theme.text, "text-anchor": anchor || "start",
                             "font-weight": bold ? "bold" : null}, parent);
      node.textContent = string;
      return node;
    }
    var lit = {};  // the cells under the highlight drawn now, by "plane:cell"
    function cellText(parent, p, cell, string, kind, inks) {
      var w = planes[p].shape[1], r = Math.floor(cell / w), c = cell % w, t = data.text;
      var at = kind === "weight" ? t.weightAt : planes[p].weights ? t.valueAt : [0.5, 0.5];
      var size = kind === "weight" ? t.weight : t.value, q = point(p, c + at[0], r + at[1]);
      var node = text(parent, string, q[0].toFixed(2), (q[1] + size * t.digit / 2).toFixed(2), size.toFixed(2),
                      colours[inks[0]], "middle");
      node.setAttribute("data-cell", p + ":" + cell);
      node.setAttribute("data-ink", inks.join(","));
      return node;
    }
    function ink() {  // each cell's text in its ink as it stands, or under the highlight: both chosen by Python
      [layer.statics, layer.revealed, layer.labels].forEach(function (g) {
        for (var node = g.firstChild; node; node = node.nextSibling) {
          var inks = node.getAttribute("data-ink").split(",");
          node.setAttribute("fill", colours[inks[lit[node.getAttribute("data-cell")] ? 1 : 0]]);
        }
      });
    }

    // the static figure: each plane's cells, dashed where blank, and the values that stand
    planes.forEach(function (plane, p) {
      var g = el("g", {"data-plane": p}, layer.planes), h = plane.shape[0], w = plane.shape[1];
      function cell(k) {
        var solid = !plane.blank[k], dotted = plane.dotted && plane.dotted[k];
        el("polygon", {points: square(p, k), fill: colours[plane.fill[k]], "data-p": p, "data-c": k,
                       stroke: solid || dotted ? theme.line : "none", "stroke-width": strokes.line,
                       "stroke-dasharray": dotted ? strokes.line + " " + 2 * strokes.line : null,
                       "stroke-linejoin": "miter"}, g);
      }
      var k;
      for (k = 0; k < h * w; k++) if (plane.blank[k]) cell(k);  // blank cells, then the dashed grid over them,
      if (plane.blank.indexOf(1) >= 0) {                         // then the solid cells over it
        var lines = [];
        for (var r = 0; r <= h; r++) lines.push("M" + point(p, 0, r).join(",") + "L" + point(p, w, r).join(","));
        for (var c = 0; c <= w; c++) lines.push("M" + point(p, c, 0).join(",") + "L" + point(p, c, h).join(","));
        el("path", {d: lines.join(""), fill: "none", stroke: theme.line, "stroke-width": strokes.line,
                    "stroke-dasharray": strokes.dash + " " + strokes.dash, "pointer-events": "none"}, g);
      }
      for (k = 0; k < h * w; k++) if (!plane.blank[k]) cell(k);
      if (plane.blankEdges) {  // a matrix's blanks boxed in by filled cells: their shared edges wiped and dashed again
        var e = plane.blankEdges, edges = "";
        for (var i = 0; i < e.length; i += 4) edges += "M" + point(p, e[i], e[i + 1]).join(",") + "L" + point(p, e[i + 2], e[i + 3]).join(",");
        var wipe = colours[plane.fill[plane.blank.indexOf(1)]];
        el("path", {d: edges, fill: "none", stroke: wipe, "stroke-width": strokes.line, "pointer-events": "none"}, g);
        el("path", {d: edges, fill: "none", stroke: theme.line, "stroke-width": strokes.line,
                    "stroke-dasharray": strokes.dash + " " + strokes.dash, "pointer-events": "none"}, g);
      }
      if (plane.text) plane.text.forEach(function (s, k) { if (s) cellText(layer.statics, p, k, s, "value", plane.ink[k]); });
    });
    data.annotations.forEach(function (a) { text(layer.texts, a[0], a[1], a[2], a[3]); });
    var phase = el("g", {"class": "convanim-heading"}, layer.texts);
    var equation = el("g", {"class": "convanim-equation"}, layer.texts);

    // the controls
    var bar = html("div", {"class": "convanim-controls"}, root);
    var ICONS = {first: "M3 2h2v12H3zM14 2v12L6 8z", back: "M12 2v12L4 8z", play: "M4 2v12l10-6z",
                 pause: "M3 2h4v12H3zM9 2h4v12H9z", forward: "M4 2v12l8-6z", last: "M11 2h2v12h-2zM2 2v12l8-6z"};
    function icon(b, name) {
      while (b.firstChild) b.removeChild(b.firstChild);
      var s = el("svg", {viewBox: "0 0 16 16", width: 14, height: 14, "aria-hidden": "true"}, b);
      el("path", {d: ICONS[name], fill: "currentColor"}, s);
    }
    function button(label, name, action) {
      var b = html("button", {type: "button", "aria-label": label, title: label}, bar);
      icon(b, name);
      b.addEventListener("click", action);
      return b;
    }
    button("First frame (Home)", "first", function () { stop(); show(0); });
    button("Step back (←)", "back", function () { stop(); show(frame - 1); });
    var play = button("Play (space)", "play", function () { playing ? stop() : start(); });
    button("Step forward (→)", "forward", function () { stop(); show(frame + 1); });
    button("Last frame (End)", "last", function () { stop(); show(count - 1); });
    var slider = html("input", {type: "range", min: 1, max: count, value: 1, step: 1, "aria-label": "Frame"}, bar);
    var counter = html("output", {"class": "convanim-counter", "aria-live": "polite"}, bar);
    var speed = html("select", {"aria-label": "Speed"}, bar);
    [0.25, 0.5, 1, 2, 4].forEach(function (s) {
      var o = html("option", {value: s}, speed, s + "×");
      if (s === 1) o.selected = true;
    });
    var loopLabel = html("label", {}, bar);
    var loop = html("input", {type: "checkbox"}, loopLabel);
    loop.checked = true;
    loopLabel.appendChild(document.createTextNode(" loop"));
    var status = html("p", {"class": "convanim-status", "aria-live": "polite"}, root, " ");
    if (count < 2) bar.hidden = true;

    // a frame: what the steps before it revealed, and its own moving parts
    var frame = 0, playing = false, timer = null, pinned = null;
    function revealedUntil(index) {
      var state = {}, order = [];
      for (var i = 0; i <= index; i++) steps[i].reveals.forEach(function (r) {
        var key = r[0] + ":" + r[1] + ":" + r[3];
        if (!(key in state)) order.push(key);
        state[key] = r;
      });
      return order.map(function (key) { return state[key]; });
    }
    function clear(g) { while (g.firstChild) g.removeChild(g.firstChild); }
    function drawCells(g, list, fill, stroke, width, inset) {
      list.forEach(function (entry) {
        entry[1].forEach(function (cell) {
          el("polygon", {points: square(entry[0], cell, inset), fill: fill, stroke: stroke, "stroke-width": width,
                         "stroke-linejoin": "miter"}, g);
        });
      });
    }
    function drawLabels(g, labels) {
      labels.forEach(function (l) {
        if (l[3] === "fill") return;
        var node = cellText(g, l[0], l[1], l[2], l[3], l[4]);
        if (l[3] === "weight") {
          var box = node.getBBox(), pad = data.text.chipPad, size = data.text.weight * data.text.digit;
          var chip = el("rect", {x: (box.x - pad).toFixed(2), y: (parseFloat(node.getAttribute("y")) - size - pad).toFixed(2),
                                 width: (box.width + 2 * pad).toFixed(2), height: (size + 2 * pad).toFixed(2),
                                 fill: theme.chip}, layer.chips);
          chip.setAttribute("data-for", l[0] + ":" + l[1]);
        }
      });
    }
    function drawStep(step, highlights) {
      highlights.forEach(function (h) { h[1].forEach(function (c) { lit[h[0] + ":" + c] = true; }); });
      var first = highlights.filter(function (h) { return h[0] === 0; });
      var rest = highlights.filter(function (h) { return h[0] !== 0; });
      drawCells(layer.first, first, theme.highlight, theme.line, strokes.line);
      drawCells(layer.rest, rest, theme.highlight, theme.line, strokes.line);
      drawCells(layer.marks, step.marks, "none", theme.mark, strokes.mark, 0.14);
      step.links.forEach(function (s) {
        el("line", {x1: s[0], y1: s[1], x2: s[2], y2: s[3], stroke: colours[s[4]], "stroke-width": strokes.link}, layer.links);
      });
      drawLabels(layer.labels, step.labels);
      clear(equation);
      step.equation.forEach(function (run) {
        text(equation, run[0], run[1], run[2], data.equationSize, colours[run[3]], "start", run[4]);
      });
    }
    function render(index, inspected) {
      // a hovered cell made in one frame shows that frame whole, and the counter says it is a preview
      var preview = inspected && inspected.frame !== undefined && inspected.frame !== index;
      if (inspected && inspected.frame !== undefined) index = inspected.frame;
      counter.textContent = (preview ? "preview: frame " + (index + 1) : "frame " + (frame + 1)) + " / " + count;
      root.classList.toggle("convanim-preview", !!preview);
      ["fills", "revealed", "first", "links", "rest", "marks", "chips", "labels", "inspect"].forEach(function (n) { clear(layer[n]); });
      lit = {};
      var revealed = revealedUntil(index);
      revealed.forEach(function (r) {
        if (r[3] === "fill") el("polygon", {points: square(r[0], r[1]), fill: colours[r[4]], stroke: theme.line,
                                            "stroke-width": strokes.line}, layer.fills);
      });
      drawLabels(layer.revealed, revealed.filter(function (r) { return r[3] !== "fill"; }));
      var step = steps[index], p = data.phases[step.phase];
      clear(phase);
      (p || []).forEach(function (line) { text(phase, line[0], line[1], line[2], line[3]); });
      if (!inspected) drawStep(step, step.highlights);
      else inspected.draw();
      ink();
    }
    function show(index) {
      var next = Math.max(0, Math.min(count - 1, index));
      if (pinned && next !== frame) { pinned = null; status.textContent = hovered ? hovered.note : " "; }
      frame = next;
      slider.value = frame + 1;
      render(frame, pinned || hovered);
      if (!playing && history.replaceState && standalone) {
        history.replaceState(null, "", "#frame=" + (frame + 1));
      }
    }

    // hover: the steps a cell takes part in, and what they read or write
    var involved = null;
    function stepsOf(p, cell) {
      if (!involved) {
        involved = {};
        steps.forEach(function (s, i) {
          s.highlights.forEach(function (h) {
            h[1].forEach(function (c) { (involved[h[0] + ":" + c] = involved[h[0] + ":" + c] || []).push(i); });
          });
        });
      }
      return involved[p + ":" + cell] || [];
    }
    function where(p, cell) {  // a cell as the operation's arrays index it
      var plane = planes[p], w = plane.shape[1], r = Math.floor(cell / w), c = cell % w;
      var name = plane.name || "plane " + p;
      if (plane.role === "row" || plane.role === "column") return name + "[" + (plane.role === "row" ? c : r) + "]";
      if (plane.rowOf) {
        r = plane.rowOf[r]; c = plane.colOf[c];
        if (plane.outside && plane.outside[cell]) return name + ", past the padded input (it holds nothing)";
        if (r < 0 || c < 0) return name + " padding" + (plane.dotted && plane.dotted[cell] ? " (an inserted zero)" : "");
      }
      return name + " [" + (plane.shape[0] === 1 ? c : r + "," + c) + "]";
    }
    function counted(list, keep) {
      return list.filter(function (h) { return keep(planes[h[0]]); }).reduce(function (n, h) { return n + h[1].length; }, 0);
    }
    function source(plane) { return !plane.written && !plane.role && !plane.beside && plane.volume === planes[0].volume; }
    function result(plane) { return plane.written && !plane.role; }
    function inspection(p, cell) {
      var mine = stepsOf(p, cell), plane = planes[p];
      var note, draw;
      if (mine.length === 1) {
        var s = steps[mine[0]], sources = counted(s.highlights, source);
        note = where(p, cell) + (plane.written ? ": written in frame " + (mine[0] + 1) + ", from " + sources + " cell" +
                                 (sources === 1 ? "" : "s") : ": read in frame " + (mine[0] + 1) + " only");
        draw = function () { drawStep(s, s.highlights); outline(); };
      } else if (mine.length === 0) {
        note = where(p, cell) + (plane.weight ? ": a weight every frame uses" : plane.beside ? "" :
                                 ": no step " + (plane.written ? "writes" : "reads") + " it");
        draw = function () { drawStep({marks: [], links: [], labels: [], equation: []}, []); outline(); };
      } else {
        var lit = {}, links = [];
        mine.forEach(function (i) {
          steps[i].highlights.forEach(function (h) {
            if (planes[h[0]].written === plane.written) return;
            lit[h[0]] = lit[h[0]] || {};
            h[1].forEach(function (c) { lit[h[0]][c] = true; });
          });
          links = links.concat(steps[i].links);
        });
        // the links that leave this plane, and those that go on from where they arrive
        links = links.filter(function (s) { return s[7]; });  // a channel figure's wires; not each frame's footprint
        var from = links.filter(function (s) { return s[5] === p; });
        var onward = {};
        from.forEach(function (s) { onward[s[6]] = true; });
        links = plane.written ? [] : from.concat(links.filter(function (s) { return onward[s[5]] && s[6] !== p; }));
        var seen = {};
        links = links.filter(function (s) { var key = s.slice(0, 4).join(); return seen[key] ? false : (seen[key] = true); });
        var cells = Object.keys(lit).map(function (k) { return [+k, Object.keys(lit[k]).map(Number)]; });
        var total = counted(cells, plane.written ? source : result);
        note = where(p, cell) + ": " + (plane.written ? "made from " : "feeds ") + total + " cell" + (total === 1 ? "" : "s") +
               " in " + mine.length + " frames";
        draw = function () {
          drawStep({marks: [], links: links, labels: [], equation: []}, cells);
          outline();
        };
      }
      function outline() {
        el("polygon", {points: square(p, cell), fill: "none", stroke: theme.mark, "stroke-width": strokes.mark}, layer.inspect);
      }
      return {p: p, cell: cell, note: note, draw: draw, frame: mine.length === 1 ? mine[0] : undefined};
    }
    var hovered = null;
    function target(event) {
      var node = event.target;
      if (!node || !node.hasAttribute || !node.hasAttribute("data-c")) return null;
      return [+node.getAttribute("data-p"), +node.getAttribute("data-c")];
    }
    svg.addEventListener("mouseover", function (event) {
      var t = target(event);
      if (pinned) return;
      hovered = t ? inspection(t[0], t[1]) : null;
      status.textContent = hovered ? hovered.note : " ";
      render(frame, hovered);
    });
    svg.addEventListener("mouseleave", function () {
      hovered = null;
      if (!pinned) { status.textContent = " "; render(frame, null); }
    });
    svg.addEventListener("click", function (event) {
      var t = target(event);
      if (pinned && (!t || (pinned.p === t[0] && pinned.cell === t[1]))) pinned = null;
      else if (t) pinned = inspection(t[0], t[1]);
      status.textContent = pinned ? pinned.note + " (pinned: click again or Esc)" : " ";
      render(frame, pinned || hovered);
    });

    // playing
    function start() {
      if (count < 2) return;
      playing = true;
      icon(play, "pause");
      play.setAttribute("aria-label", "Pause (space)");
      play.title = "Pause (space)";
      if (frame === count - 1) show(0);
      tick();
    }
    function tick() {
      timer = setTimeout(function () {
        if (frame === count - 1) {
          if (!loop.checked) { stop(); return; }
          show(0);
        } else show(frame + 1);
        tick();
      }, data.delay / parseFloat(speed.value));
    }
    function stop() {
      playing = false;
      clearTimeout(timer);
      icon(play, "play");
      play.setAttribute("aria-label", "Play (space)");
      play.title = "Play (space)";
    }
    slider.addEventListener("input", function () { stop(); show(parseInt(slider.value, 10) - 1); });
    // keys: on the figure when it has the focus; on the whole page when it is the page's figure
    (standalone ? document : root).addEventListener("keydown", function (event) {
      var from = event.target, tag = from && from.tagName;
      if (event.altKey || event.ctrlKey || event.metaKey) return;
      if (tag === "INPUT" || tag === "SELECT" || tag === "TEXTAREA") return;  // their own keys
      if (tag === "BUTTON" && event.key === " ") return;  // the button's own click
      if (!standalone && from !== root && !(tag === "BUTTON" && root.contains(from))) return;
      var keys = {" ": function () { playing ? stop() : start(); }, ArrowLeft: function () { stop(); show(frame - 1); },
                  ArrowRight: function () { stop(); show(frame + 1); }, Home: function () { stop(); show(0); },
                  End: function () { stop(); show(count - 1); },
                  Escape: function () { pinned = null; status.textContent = hovered ? hovered.note : " "; render(frame, hovered); }};
      if (keys[event.key]) { event.preventDefault(); keys[event.key](); }
    });

    function fromHash() {
      var match = /frame=(\d+)/.exec(location.hash);
      return match ? parseInt(match[1], 10) - 1 : null;
    }
    var opened = standalone ? fromHash() : null;
    window.addEventListener("hashchange", function () {
      var n = fromHash();
      if (n !== null && standalone) { stop(); show(n); }
    });
    var still = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    show(opened === null ? 0 : opened);
    if (opened === null && !still) start();
    root.convanim = {show: show, stop: stop, start: start, frame: function () { return frame; }};
  }

  var roots = document.querySelectorAll("[data-convanim]:not([data-mounted])");
  for (var i = 0; i < roots.length; i++) mount(roots[i]);
})();
