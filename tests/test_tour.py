"""The tour of a network: one offline page, its table and plot read off layers(), each layer's
figure on a small input, and in a real browser (Debian's chromium, driven by Playwright) every
layer opens and the plot is drawn."""

import os
import re
import shutil
import sys

import pytest
from click.testing import CliRunner

from convanim import SpecError
from convanim.cli import cli
from convanim.tour import load_callable, small_spec, tour_html

CHROMIUM = os.environ.get("CONVANIM_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
BROWSER_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PRINTED = """Net(
  (conv1): Conv2d(3, 8, kernel_size=(7, 7), stride=(2, 2), padding=(3, 3), bias=False)
  (relu): ReLU(inplace=True)
  (pool): MaxPool2d(kernel_size=3, stride=2, padding=1, dilation=1, ceil_mode=False)
  (dil): Conv2d(8, 8, kernel_size=(3, 3), stride=(1, 1), padding=(2, 2), dilation=(2, 2))
  (up): Upsample(scale_factor=2.0, mode='nearest')
  (deconv): ConvTranspose2d(8, 4, kernel_size=(4, 4), stride=(2, 2), padding=(1, 1))
  (fc): Linear(in_features=4, out_features=10, bias=True)
)
"""


def test_a_small_figure_keeps_the_layers_kernel_stride_padding_and_dilation():
    spec = small_spec("Conv2d", {"in_channels": 64, "out_channels": 64, "kernel_size": 7, "stride": 2, "padding": 3,
                                 "bias": False}, 2)
    assert (spec.kernel_size, spec.stride, spec.padding, spec.in_channels) == ((7, 7), (2, 2), (3, 3, 3, 3), 1)
    assert spec.output_size == (3, 3) and spec.input_size == (5, 5)  # the smallest input with 3 outputs a side
    dilated = small_spec("Conv2d", {"in_channels": 8, "out_channels": 8, "kernel_size": 3, "dilation": 2}, 2)
    assert dilated.dilation == (2, 2) and dilated.output_size == (3, 3)


def test_the_page_holds_a_row_a_figure_and_a_plot_point_per_layer(tmp_path):
    page = tour_html(PRINTED, (3, 64, 64), "net")
    names = re.findall(r"<tr class='layer' data-layer='\d+'><td>.*?</td><td>([\w.]+)</td>", page)
    assert names == ["conv1", "pool", "dil", "up", "deconv"]
    assert len(re.findall(r"id='tour-figure-\d+'", page)) == 5
    points = re.findall(r'<polyline class="field" data-series="field" points="([^"]+)"', page)[0].split()
    assert len(points) == 5
    assert "Conv2d(in_channels=3, out_channels=8, kernel_size=(7, 7)" in page
    assert "https://" not in page and "http://" not in page.replace("http://www.w3.org", "")


def test_module_callable_imports_only_what_it_names(tmp_path, monkeypatch):
    (tmp_path / "mynets.py").write_text("import torch\n\ndef tiny():\n"
                                        "    return torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3), torch.nn.MaxPool2d(2))\n\n"
                                        "class Net(torch.nn.Module):\n    def __init__(self):\n"
                                        "        super().__init__()\n        self.conv = torch.nn.Conv2d(1, 1, 5)\n\n"
                                        "    def forward(self, x):\n        return self.conv(x)\n\n"
                                        "def broken():\n    raise ValueError('no weights here')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    pytest.importorskip("torch", reason="PyTorch is not installed (pip install torch==2.14.1)")
    assert "mynets" not in sys.modules
    model = load_callable("mynets:tiny")
    assert type(model).__name__ == "Sequential" and "mynets" in sys.modules
    assert type(load_callable("mynets:Net")).__name__ == "Net"  # a class is instantiated
    for bad, message in (("os.system", "is not module:callable"), ("mynets:broken", "mynets:broken\\(\\) failed: ValueError"), ("nosuchmod:x", "cannot import nosuchmod"),
                         ("mynets:nothing", "mynets has no nothing")):
        with pytest.raises(SpecError, match=message):
            load_callable(bad)
    result = CliRunner().invoke(cli, ["tour", "mynets:tiny", "--input", "1x12x12", "-o", str(tmp_path / "t.html")])
    assert result.exit_code == 0, result.stderr
    assert "<td>0</td><td>Conv2d(" in (tmp_path / "t.html").read_text()


def test_the_command_reads_a_printed_model_and_refuses_in_one_line(tmp_path):
    (tmp_path / "net.txt").write_text(PRINTED)
    result = CliRunner().invoke(cli, ["tour", str(tmp_path / "net.txt"), "--input", "3x64x64", "-o",
                                      str(tmp_path / "net.html")])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip().endswith("net.html")
    bad = CliRunner().invoke(cli, ["tour", "-", "--input", "3x64x64", "-o", str(tmp_path / "x.html")],
                             input="nn.Linear(3, 4)\n")
    assert bad.exit_code == 2 and bad.stderr.count("\n") == 1 and "no convolution, pooling" in bad.stderr
    assert not (tmp_path / "x.html").exists()


@pytest.fixture(scope="module")
def browser():
    try:
        from playwright import sync_api
    except ImportError:
        (pytest.fail if os.environ.get("CI") else pytest.skip)("Playwright is not installed: pip install '.[browser]'")
    if not CHROMIUM:
        (pytest.fail if os.environ.get("CI") else pytest.skip)("no chromium on this machine")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        yield launched
        launched.close()


def test_in_a_browser_every_layer_opens_its_figure_and_the_plot_is_drawn(browser, tmp_path):
    path = tmp_path / "tour.html"
    path.write_text(tour_html(PRINTED, (3, 64, 64), "net"))
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    errors, requests = [], []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: requests.append(r.url) if not r.url.startswith("file://") else None)
    page.goto(path.as_uri())
    box = page.locator("#tour-plot polyline.field").bounding_box()
    assert box is not None and box["width"] > 100
    assert page.locator("#tour-plot circle.size").count() == 5
    assert page.locator("figure.convanim").count() == 0  # nothing drawn until asked
    buttons = page.locator("tr.layer button")
    for n in range(buttons.count()):
        buttons.nth(n).click()
        figure = page.locator(f"tr.layer[data-layer='{n}'] + tr.figure figure[data-mounted]")
        figure.wait_for()
        assert figure.locator(".convanim-planes polygon").count() > 0
        assert figure.locator(".convanim-counter").count() == 1
    buttons.nth(0).click()
    assert page.locator("tr.figure").nth(0).is_hidden()
    assert errors == [] and requests == []
    context.close()
