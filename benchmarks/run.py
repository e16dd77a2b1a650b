"""convanim's benchmark: prints a Markdown table of the numbers the project is held to.

    python benchmarks/run.py            # everything, about half a minute
    python benchmarks/run.py --quick    # without the slow per-frame-figure baseline

Measured, never asserted: timings belong here, not in the tests.
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Optional

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = Path(os.environ.get("CONVANIM_REFERENCE", ROOT.parent / "shared" / "reference" / "conv_arithmetic"))


def _run(args, cwd) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "convanim", *args], cwd=cwd, check=True, capture_output=True)
    return time.perf_counter() - start


def cold_gallery(tmp: Path, jobs: int) -> float:
    """A fresh interpreter, imports included: what `convanim gallery` costs from a shell."""
    return min(_run(["gallery", "-o", str(tmp / f"cold{jobs}"), "--jobs", str(jobs)], tmp) for _ in range(3))


def warm_gallery(tmp: Path) -> tuple:
    """In-process, imports done: every gallery animation saved, one after another."""
    from convanim.gallery import GALLERY

    next(iter(GALLERY.values())).animation().save(tmp / "warmup.gif")  # warm-up: imports, fonts, palette tables
    start = time.perf_counter()
    frames = 0
    for name, fig in GALLERY.items():
        anim = fig.animation()
        frames += len(anim)
        anim.save(tmp / "warm" / f"{name}.gif")
    return time.perf_counter() - start, frames


def per_frame(tmp: Path) -> tuple:
    """Milliseconds per frame after the first, split into drawing and GIF encoding."""
    from convanim.gallery import GALLERY
    from convanim.io.gif import GifStream

    draw = encode = 0.0
    count = 0
    for fig in GALLERY.values():
        anim = fig.animation()
        crisp = anim.crisp_for("gif")
        renderer = anim.renderer(crisp)
        stream = GifStream(io.BytesIO(), anim.delay_ms, anim.palette(crisp))
        frames = renderer.stream()
        for i in range(len(anim)):
            t0 = time.perf_counter()
            frame, changed = next(frames)
            t1 = time.perf_counter()
            stream.add(frame, changed)
            t2 = time.perf_counter()
            if i:
                draw, encode, count = draw + t1 - t0, encode + t2 - t1, count + 1
        stream.close()
    return 1e3 * draw / count, 1e3 * encode / count


def gif_bytes(tmp: Path, crisp: Optional[bool] = None) -> tuple:
    """The 15 arithmetic GIFs against the paper's (gifsicle -O3) files, and their pixels;
    ``crisp`` None is the default (antialiased), True is ``--crisp``."""
    from PIL import Image

    from convanim.gallery import ARITHMETIC

    ours = theirs = 0
    fewer = []
    for name, fig in ARITHMETIC.items():
        anim = replace(fig.animation(), crisp=crisp)
        [path] = anim.save(tmp / f"bytes-{crisp}" / f"{name}.gif")
        ours += path.stat().st_size
        ref = REFERENCE / "gif" / f"{name}.gif"
        if ref.is_file():
            theirs += ref.stat().st_size
            with Image.open(ref) as a, Image.open(path) as b:
                if b.size[0] * b.size[1] < a.size[0] * a.size[1]:
                    fewer.append(name)
    return ours, theirs, fewer


def scale_40(tmp: Path) -> tuple:
    """A 40x40-input convolution (1,444 frames) from a shell: wall time, peak memory, the GIF's
    bytes, and the load that decided whether a worker process encoded it beside the drawing."""
    from convanim.io.pipeline import worth_a_worker

    load, beside = os.getloadavg()[0], worth_a_worker(1444)
    code = (
        "import resource, subprocess, sys, time; t = time.perf_counter();"
        f"subprocess.run([sys.executable, '-m', 'convanim', 'conv', '--i', '40', '--k', '3', '--no-labels',"
        f" '-o', {str(tmp / 'scale.gif')!r}], check=True, capture_output=True);"
        "print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout.split()
    return float(out[0]), int(out[1]) / 1024, (tmp / "scale.gif").stat().st_size, load, beside


def noop_batch(tmp: Path, runs: int = 3) -> tuple:
    """`convanim batch examples/figures.toml` with every figure up to date, from a shell: what
    make-like skipping costs (reading the file, stating the targets). Drawn once first, into a
    copy beside the copied batch file; the best of ``runs`` no-op runs, and how many entries."""
    batch = tmp / "noop" / "figures.toml"
    batch.parent.mkdir()
    batch.write_bytes((ROOT / "examples" / "figures.toml").read_bytes())
    _run(["batch", str(batch)], tmp)
    import tomllib

    entries = len(tomllib.loads(batch.read_text()))
    return min(_run(["batch", str(batch)], tmp) for _ in range(runs)), entries


def baseline(tmp: Path) -> tuple:
    """The obvious way: a new matplotlib figure per frame, savefig, imageio. Same pictures."""
    import imageio.v2 as imageio
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Polygon

    from convanim.gallery import ARITHMETIC
    from convanim.draw.layout import layout
    from convanim.core.sweep import Cell

    colours = {Cell.DATA: "#268bd2", Cell.PADDING: "white", Cell.ZERO: "white", Cell.RESULT: "#2aa198"}
    start = time.perf_counter()
    frames = 0
    for name, fig_spec in ARITHMETIC.items():
        scene = fig_spec.animation().scene
        lay = layout(scene.planes, "paper")
        images = []
        for step in scene:
            fig, ax = plt.subplots(figsize=(4, 4), dpi=100)
            ax.set_aspect("equal")
            ax.axis("off")
            for k, (plane, place) in enumerate(zip(scene.planes, lay.placements)):
                kinds = plane.grid.kinds
                for r, c in np.ndindex(*kinds.shape):
                    ax.add_patch(Polygon(place.cells(np.array([[r, c]]))[0], facecolor=colours[Cell(kinds[r, c])],
                                         edgecolor="#002b36", linestyle="-" if kinds[r, c] in (0, 3) else "--"))
                for cell in step.highlights[k]:
                    ax.add_patch(Polygon(place.cells(np.array([cell]))[0], facecolor="#073642", alpha=0.4))
            for link in step.links:
                for a, b in lay.link_segments(link.source, link.source_box, link.target, link.target_box):
                    ax.plot(*zip(a, b), color="#002b36", linewidth=0.67)
            ax.autoscale_view()
            buf = io.BytesIO()
            fig.savefig(buf, format="png")
            plt.close(fig)
            images.append(imageio.imread(buf.getvalue()))
            frames += 1
        imageio.mimsave(tmp / f"baseline_{name}.gif", images, duration=1000, loop=0)
    return time.perf_counter() - start, frames


def start_up(tmp: Path, runs: int = 5) -> tuple:
    """The best of ``runs`` wall times of `convanim --help`, `convanim info conv` and, to compare,
    `python -c "import matplotlib.pyplot"` (held to: at most half of it)."""
    def best(args):
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            subprocess.run(args, cwd=tmp, check=True, capture_output=True)
            times.append(time.perf_counter() - start)
        return min(times)

    convanim = [sys.executable, "-m", "convanim"]
    return best([*convanim, "--help"]), best([*convanim, "info", "conv"]), best([sys.executable, "-c", "import matplotlib.pyplot"])


REFUSALS = {  # oversized work under the default limits: each is refused, from a shell, in under a second
    "conv --i 60 --k 60 --numbers": ["conv", "--i", "60", "--k", "60", "--numbers"],
    "conv 4096→4096 channels --numbers": ["conv", "--in-channels", "4096", "--out-channels", "4096", "--numbers",
                                          "--i", "2", "--k", "1"],
    "separable 4096→4096 channels --numbers": ["separable", "--in-channels", "4096", "--out-channels", "4096",
                                               "--numbers"],
    "storyboard of 1,444 frames, --max-size 100000": ["conv", "--storyboard", "sb.png", "--i", "40", "--max-size",
                                                      "100000"],
    "conv --i 5000": ["conv", "--i", "5000"],
    "conv --i 500 --k 500": ["conv", "--i", "500", "--k", "500"],
}


def refusals(tmp: Path, runs: int = 3) -> list:
    """The best of ``runs`` wall times of each refusal in :data:`REFUSALS` (exit status 2, nothing drawn)."""
    out = []
    for what, args in REFUSALS.items():
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            done = subprocess.run([sys.executable, "-m", "convanim", *args], cwd=tmp, capture_output=True)
            times.append(time.perf_counter() - start)
            assert done.returncode == 2, (what, done.stderr)
        out.append((what, min(times)))
    return out


def versions() -> str:
    """The libraries that draw and encode: bytes and memory move with them, not only timings."""
    from importlib.metadata import version

    return ", ".join(f"{name} {version(name)}" for name in ("numpy", "matplotlib", "pillow", "imageio"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip the per-frame-figure baseline")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        jobs = os.cpu_count() or 1
        cold = cold_gallery(tmp, jobs)
        cold1 = cold_gallery(tmp, 1)
        warm, frames = warm_gallery(tmp)
        draw, encode = per_frame(tmp)
        ours, theirs, fewer = gif_bytes(tmp)
        crisp, _, _ = gif_bytes(tmp, crisp=True)
        wall40, rss40, bytes40, load40, beside40 = scale_40(tmp)
        help_s, info_s, pyplot_s = start_up(tmp)
        noop, entries = noop_batch(tmp)
        refused = refusals(tmp)
        rows += [
            ("gallery, cold (19 animations, fresh interpreter)", f"{cold:.2f} s with --jobs {jobs}; {cold1:.2f} s with --jobs 1"),
            ("gallery, warm (in-process, one by one)", f"{warm:.2f} s for {frames} frames = {frames / warm:.0f} frames/s"),
            ("per frame after the first", f"{draw + encode:.2f} ms = draw {draw:.2f} + GIF encode {encode:.2f}"),
        ]
        if theirs:
            rows.append(("15 arithmetic GIFs, bytes (antialiased, the default)",
                         f"{ours / 1e6:.2f} MB = {ours / theirs:.1%} of the paper's {theirs / 1e6:.2f} MB"
                         + (f" (fewer pixels: {', '.join(fewer)})" if fewer else ", no fewer pixels")))
            rows.append(("the same with --crisp", f"{crisp / 1e6:.2f} MB = {crisp / theirs:.1%} of the paper's"))
        else:
            rows.append(("15 arithmetic GIFs, bytes", f"{ours / 1e6:.2f} MB (reference GIFs not found at {REFERENCE})"))
        rows.append(("40x40 input, 1,444 frames (from a shell)", f"{wall40:.2f} s, peak memory {rss40:.0f} MB, {bytes40 / 1e6:.2f} MB GIF;"
                     f" load {load40:.1f}, {'encoded by a worker beside the drawing' if beside40 else 'drawn and encoded in one process'}"))
        rows.append(("start-up: `--help`, `info conv` / `import matplotlib.pyplot` (held to at most half)",
                     f"{help_s:.2f} s, {info_s:.2f} s / {pyplot_s:.2f} s = {max(help_s, info_s) / pyplot_s:.2f}"))
        rows.append(("`batch examples/figures.toml`, everything up to date (held to under 0.6 s)",
                     f"{noop:.2f} s for {entries} entries"))
        rows.append(("refusals of oversized work, from a shell (held to under 1 s each)",
                     "; ".join(f"{what}: {seconds:.2f} s" for what, seconds in refused)))
        if not args.quick:
            base, base_frames = baseline(tmp)
            rows.append(("baseline: a figure per frame + savefig + imageio (15 animations)",
                         f"{base:.1f} s for {base_frames} frames; convanim's cold gallery is {base / cold:.0f}x faster"))
            rows.append(("cold gallery / baseline (held to at most 0.06)", f"{cold:.2f} s / {base:.1f} s = {cold / base:.3f}"))
    print(f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()};"
          f" {versions()}\n")
    print("| measure | result |\n| --- | --- |")
    for what, result in rows:
        print(f"| {what} | {result} |")


if __name__ == "__main__":
    main()
