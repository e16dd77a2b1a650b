"""The interactive page: its data is the scene's, it is one offline file, and in a real browser
(Debian's chromium, driven by Playwright) it plays, steps, opens #frame=N and explains a hovered cell."""

import json
import os
import re
import shutil

import numpy as np
import pytest
from click.testing import CliRunner

from convanim import Animation, Conv2d, ConvTranspose2d, SpecError
from convanim.cli import cli
from convanim.draw.page import page_data
from convanim.io.page import figure_html, page_html

CHROMIUM = os.environ.get("CONVANIM_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
BROWSER_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _data(animation):
    return page_data(animation.renderer(), animation.delay_ms, animation.title, animation.description)


def _equation_text(equation) -> str:
    terms = equation.joiner.join(t.text for t in equation.terms)
    return f"{equation.head} {equation.open}{terms}{equation.close} {equation.result}"


# ---- the data --------------------------------------------------------------------------------


def test_the_page_data_is_the_scenes_steps():
    animation = Animation(Conv2d(5, 3, 2, 1), numbers=True, labels=True)
    data = _data(animation)
    scene = animation.scene
    assert len(data["steps"]) == len(scene) == 9
    assert [p["shape"] for p in data["planes"]] == [list(p.grid.shape) for p in scene.planes]
    for step, page in zip(scene, data["steps"]):
        lit = {k: sorted(cells) for k, cells in page["highlights"]}
        for k, cells in enumerate(step.highlights):
            width = scene.planes[k].grid.shape[1]
            assert lit.get(k, []) == sorted(int(r) * width + int(c) for r, c in cells)
        runs = "".join(run[0] for run in page["equation"]).replace("\u00a0", " ")
        assert runs == _equation_text(step.equation)
        assert len(page["links"]) >= 4 and {tuple(s[5:]) for s in page["links"]} == {(0, 1, 0)}  # cut around digits
    assert data["planes"][0]["text"][8] == scene.planes[0].text[1, 1]
    assert data["width"] == animation.geometry.width and data["height"] == animation.geometry.height


def test_the_page_is_one_small_offline_file(tmp_path):
    out = tmp_path / "fig.html"
    result = CliRunner().invoke(cli, ["conv", "--i", "5", "--k", "3", "--s", "2", "--p", "1", "-o", str(out)])
    assert (result.exit_code, result.output) == (0, f"{out}\n")
    text = out.read_text(encoding="utf-8")
    assert len(text.encode("utf-8")) <= 150_000
    assert text.startswith("<!DOCTYPE html>") and "<script>" in text
    assert not re.search(r"(src|href)\s*=|@import|url\(|https?://(?!www\.w3\.org/2000/svg)", text)
    assert [p.name for p in tmp_path.iterdir()] == ["fig.html"]  # written whole, no temporary left


def test_a_page_grows_with_the_data_not_with_frames_times_pixels(tmp_path):
    small = Animation(Conv2d(5, 3, 2, 1))
    large = Animation(Conv2d(12, 3, 1, 1))  # 16 times the frames, 4 times the cells
    sizes = [len(page_html(_data(a))) for a in (small, large)]
    assert sizes[1] < 12 * sizes[0]


def test_the_data_cannot_end_its_script():
    data = _data(Animation(Conv2d(3, 2)))
    data["title"] = data["caption"] = "</script><script>alert(1)</script>"
    text = figure_html(data)
    assert text.count("</script>") == 2  # the data's and the player's own
    assert "&lt;/script&gt;" in text
    payload = re.search(r'<script type="application/json">(.*?)</script>', text, re.S).group(1)
    assert json.loads(payload)["title"] == data["title"]


def test_a_huge_or_hostile_spec_is_refused_as_for_other_formats(tmp_path):
    runner = CliRunner()
    for fmt in ("gif", "html"):
        result = runner.invoke(cli, ["conv", "--i", "3000", "-o", str(tmp_path / f"x.{fmt}")])
        assert result.exit_code == 2 and result.output.startswith("Error: ")
    assert not list(tmp_path.iterdir())
    with pytest.raises(SpecError):
        Animation(Conv2d(5, 3), view="scatter").save(tmp_path / "x.html")


def test_a_notebook_shows_the_player_and_falls_back_to_the_gif_when_large(monkeypatch):
    animation = Animation(Conv2d(4, 3))
    shown = animation._repr_html_()
    assert shown.startswith('<figure class="convanim" data-convanim tabindex="0"')  # not the page's only figure
    import convanim.io.notebook as module

    monkeypatch.setattr(module, "NOTEBOOK_MAX_BYTES", 1000)
    assert animation._repr_html_().startswith('<img src="data:image/gif;base64,')


# ---- in a browser ----------------------------------------------------------------------------


def test_a_notebook_output_holds_the_poster_beside_the_player():
    """Viewers that run no scripts (GitHub, an untrusted notebook) show the PNG, or the poster
    frame that stands inside the player until its script draws."""
    import base64
    import io

    from PIL import Image

    animation = Animation(Conv2d(4, 3), numbers=True)
    bundle = animation._repr_mimebundle_()
    assert set(bundle) == {"text/html", "image/png", "text/plain"}
    poster = np.asarray(Image.open(io.BytesIO(base64.b64decode(bundle["image/png"]))).convert("RGB"))
    np.testing.assert_array_equal(poster, animation.renderer().frame(len(animation) - 1))
    html_text = bundle["text/html"]
    figure = re.search(r'<div class="convanim-figure">(.*?)</div>', html_text).group(1)
    assert figure.startswith('<img src="data:image/png;base64,') and bundle["image/png"] in figure


def _missing(reason: str):
    """In CI (which installs both) a missing browser is a failure; elsewhere the tests skip."""
    (pytest.fail if os.environ.get("CI") else pytest.skip)(reason)


@pytest.fixture(scope="module")
def browser():
    try:
        from playwright import sync_api
    except ImportError:
        _missing("Playwright is not installed: pip install '.[browser]'")
    if not CHROMIUM:
        _missing("no chromium on this machine (Debian: apt-get install chromium; or set CONVANIM_CHROMIUM)")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def open_page(browser, tmp_path):
    """Open an animation's page (after ``hash``) and fail on any console error or network request."""
    pages = []

    def opener(animation, hash="", reduced_motion=False):
        path = tmp_path / f"page{len(pages)}.html"
        animation.save(path)
        context = browser.new_context(reduced_motion="reduce" if reduced_motion else "no-preference",
                                      viewport={"width": 1200, "height": 900})
        page = context.new_page()
        errors, requests = [], []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("request", lambda r: requests.append(r.url) if not r.url.startswith("file://") else None)
        page.goto(path.as_uri() + hash)
        page.wait_for_selector(".convanim-counter")
        pages.append((page, errors, requests))
        return page

    yield opener
    for page, errors, requests in pages:
        assert errors == [] and requests == []
        page.context.close()


def _lit(page) -> list:
    """The cells the frame highlights, as (plane, cell) from the cell polygons they cover."""
    return page.evaluate("""() => {
        const base = {};
        document.querySelectorAll('.convanim-planes polygon[data-c]').forEach(p => {
            base[p.getAttribute('points')] = [+p.dataset.p, +p.dataset.c]; });
        return [...document.querySelectorAll('.convanim-first polygon, .convanim-rest polygon')]
            .map(p => base[p.getAttribute('points')]);
    }""")


def _runs(animation, index) -> str:
    """The equation as the GIF writes it (elided to the figure's width)."""
    return "".join(run[0] for run in _data(animation)["steps"][index]["equation"]).replace("\u00a0", " ")


def _expected(scene, index) -> list:
    out = []
    for k, cells in enumerate(scene.step(index).highlights):
        width = scene.planes[k].grid.shape[1]
        out += [[k, int(r) * width + int(c)] for r, c in np.asarray(cells).reshape(-1, 2)]
    return sorted(out)


def test_the_arrow_key_steps_and_the_frame_shows_its_highlights(open_page):
    animation = Animation(Conv2d(5, 3, 2, 1), numbers=True, delay_ms=400)
    page = open_page(animation, reduced_motion=True)  # starts paused
    assert page.text_content(".convanim-counter") == "frame 1 / 9"
    assert sorted(_lit(page)) == _expected(animation.scene, 0)
    page.keyboard.press("ArrowRight")
    assert page.text_content(".convanim-counter") == "frame 2 / 9"
    assert sorted(_lit(page)) == _expected(animation.scene, 1)
    equation = page.text_content(".convanim-equation").replace("\u00a0", " ")
    assert equation == _runs(animation, 1) == "o[0,1] = 0·0 + 0·1 + 0·2 + 3·2 + … + 0·0 + 1·1 + 3·2 = 17"
    page.keyboard.press("End")
    assert page.text_content(".convanim-counter") == "frame 9 / 9"
    page.keyboard.press("Home")
    assert page.input_value("input[type=range]") == "1"


def test_hovering_an_output_cell_shows_what_it_reads_and_its_equation(open_page):
    animation = Animation(Conv2d(5, 3, 2, 1), numbers=True)
    page = open_page(animation, "#frame=9")
    output = 1  # the second plane: output cell (1, 1) is step 4
    page.hover(f".convanim-planes [data-p='{output}'][data-c='4']")
    assert page.text_content(".convanim-status") == "output [1,1]: written in frame 5, from 9 cells"
    assert sorted(_lit(page)) == _expected(animation.scene, 4)
    equation = page.text_content(".convanim-equation").replace("\u00a0", " ")
    assert equation == _runs(animation, 4) and equation.startswith("o[1,1] = ") and equation.endswith("= 17")
    assert page.text_content(".convanim-counter") == "preview: frame 5 / 9"  # the frame shown says it is a preview...
    assert page.input_value("input[type=range]") == "9"  # ...and hovering moves no frame
    assert len(page.query_selector_all(".convanim-revealed text")) == 5  # the outputs written by frame 5, not by 9
    page.mouse.move(1, 1)
    assert page.text_content(".convanim-counter") == "frame 9 / 9"


def test_hovering_an_input_cell_shows_every_output_cell_it_feeds(open_page):
    animation = Animation(ConvTranspose2d(2, 3, stride=2))  # the drawn grid: spread out and padded
    page = open_page(animation, "#frame=1")
    scene = animation.scene
    width = scene.planes[0].grid.shape[1]
    cell = (2, 2)  # input (0, 0) of the transposed convolution, on the drawn grid
    assert scene.planes[0].grid.kinds[cell] == 0
    page.hover(f".convanim-planes [data-p='0'][data-c='{cell[0] * width + cell[1]}']")
    fed = sorted({int(r) * scene.planes[1].grid.shape[1] + int(c) for step in scene
                  if any((step.highlights[0] == cell).all(axis=1)) for r, c in step.highlights[1]})
    assert sorted(c for p, c in _lit(page) if p == 1) == fed
    assert len(fed) == 9  # the cells it stamps: the whole kernel
    page.mouse.move(1, 1)
    assert sorted(_lit(page)) == _expected(scene, 0)


def test_click_pins_the_highlight_and_escape_lets_go(open_page):
    animation = Animation(Conv2d(4, 3), view="matrix", numbers=True)
    page = open_page(animation, "#frame=1")
    page.click(".convanim-planes [data-p='1'][data-c='17']")  # row 1 of C, an entry (column 4 is a zero)
    assert sorted(_lit(page)) == _expected(animation.scene, 1)
    assert page.text_content(".convanim-status").endswith("(pinned: click again or Esc)")
    assert page.text_content(".convanim-counter") == "preview: frame 2 / 4"
    page.mouse.move(1, 1)
    assert sorted(_lit(page)) == _expected(animation.scene, 1)
    page.keyboard.press("Escape")
    assert sorted(_lit(page)) == _expected(animation.scene, 0)


def test_a_hash_opens_that_frame_paused_and_plays_from_the_button(open_page):
    animation = Animation(Conv2d(5, 3, 2, 1), delay_ms=50)
    page = open_page(animation, "#frame=5")
    assert page.text_content(".convanim-counter") == "frame 5 / 9"
    page.wait_for_timeout(300)
    assert page.text_content(".convanim-counter") == "frame 5 / 9"
    page.click("button[aria-label^='Play']")
    page.wait_for_function("document.querySelector('.convanim-counter').textContent !== 'frame 5 / 9'")


def test_it_plays_unless_the_reader_asks_for_less_motion(open_page):
    animation = Animation(Conv2d(5, 3, 2, 1), delay_ms=50)
    moving = open_page(animation)
    moving.wait_for_function("document.querySelector('.convanim-counter').textContent !== 'frame 1 / 9'")
    still = open_page(animation, reduced_motion=True)
    still.wait_for_timeout(300)
    assert still.text_content(".convanim-counter") == "frame 1 / 9"
    assert still.get_attribute("button[aria-label^='Play']", "aria-label") == "Play (space)"


def test_the_page_follows_the_theme(open_page):
    from convanim.draw.theme import THEMES

    page = open_page(Animation(Conv2d(4, 3), theme=THEMES["dark"]), reduced_motion=True)
    background = page.evaluate("getComputedStyle(document.querySelector('.convanim')).backgroundColor")
    assert background == "rgb({}, {}, {})".format(*THEMES["dark"].background)


def test_the_page_names_cells_as_the_arrays_index_them(open_page):
    from convanim import Conv1d

    page = open_page(Animation(Conv2d(4, 3), view="matrix", numbers=True), "#frame=1")
    page.hover(".convanim-planes [data-p='3'][data-c='1']")  # y[1]
    assert page.text_content(".convanim-status") == "y[1]: written in frame 2, from 9 cells"
    page.hover(".convanim-planes [data-p='2'][data-c='5']")  # x[5] = input (1, 1): read by all four rows
    assert page.text_content(".convanim-status") == "x[5]: feeds 4 cells in 4 frames"
    strip = open_page(Animation(Conv1d(8, 3, padding="causal", dilation=2), numbers=True), "#frame=1")
    strip.hover(".convanim-planes [data-p='0'][data-c='0']")
    assert strip.text_content(".convanim-status") == "input padding: read in frame 1 only"
    strip.hover(".convanim-planes [data-p='0'][data-c='9']")
    assert strip.text_content(".convanim-status") == "input [5]: feeds 2 cells in 2 frames"  # o[5] and o[7]


@pytest.mark.parametrize("scripts", [True, False], ids=["scripts", "no-scripts"])
def test_a_notebook_output_shows_a_figure_with_or_without_scripts(browser, tmp_path, scripts):
    animation = Animation(Conv2d(4, 3))
    path = tmp_path / "notebook.html"
    path.write_text(f"<!DOCTYPE html><html><body>{animation._repr_mimebundle_()['text/html']}</body></html>", encoding="utf-8")
    context = browser.new_context(java_script_enabled=scripts)
    page = context.new_page()
    page.goto(path.as_uri())
    if scripts:  # the player replaces the still
        page.wait_for_selector(".convanim-counter")
        assert page.locator(".convanim-figure img").count() == 0 and page.locator(".convanim-figure svg").count() == 1
    else:
        image = page.locator(".convanim-figure img")
        assert image.count() == 1 and image.evaluate("i => i.complete && i.naturalWidth") == animation.geometry.width
    context.close()


def _texts_and_grounds(page) -> list:
    """Every cell's text as the page draws it: [text, its fill, the cell's fill, whether a highlight
    covers the cell, its font size]."""
    return page.evaluate("""() => {
        const base = {}, filled = {}, lit = new Set();
        document.querySelectorAll('.convanim-planes polygon[data-c]').forEach(p => {
            base[p.dataset.p + ':' + p.dataset.c] = [p.getAttribute('points'), p.getAttribute('fill')]; });
        document.querySelectorAll('.convanim-fills polygon').forEach(p => { filled[p.getAttribute('points')] = p.getAttribute('fill'); });
        document.querySelectorAll('.convanim-first polygon, .convanim-rest polygon').forEach(p => lit.add(p.getAttribute('points')));
        return [...document.querySelectorAll('text[data-cell]')].map(t => {
            const [points, fill] = base[t.dataset.cell];
            return [t.textContent, t.getAttribute('fill'), filled[points] || fill, lit.has(points), +t.getAttribute('font-size')];
        });
    }""")


def _rgb(css: str) -> tuple:
    return tuple(int(css[i:i + 2], 16) for i in (1, 3, 5))


def _check_inks(page, theme):
    """Each cell's text reads at 4.5:1 on what the page draws under it: its cell's fill, under the
    highlight where one covers the cell; a weight (the smaller text) on its chip."""
    from convanim.draw.theme import MIN_CONTRAST, contrast

    texts = _texts_and_grounds(page)
    value_size = max(size for *_, size in texts)
    for text, fill, under, lit, size in texts:
        ground = theme.kernel_fill if size < value_size else theme.over(_rgb(under)) if lit else _rgb(under)
        assert contrast(_rgb(fill), ground) >= MIN_CONTRAST, (text, fill, under, lit)
    assert texts


@pytest.mark.parametrize("theme", ["paper", "dark"])
def test_every_cell_text_takes_the_ink_of_what_lies_under_it_in_frames_and_previews(open_page, theme):
    """The page draws each text above the highlight, in the ink the paint model chose for the
    cell's fill as drawn (under the highlight or not): in a frame, and in a hover's preview."""
    from convanim.draw.theme import THEMES

    animation = Animation(Conv2d(6, 3, in_channels=3, out_channels=2), style="flat", numbers=True, labels=True,
                          theme=THEMES[theme])
    page = open_page(animation, "#frame=6")
    _check_inks(page, animation.theme)
    page.hover(".convanim-planes [data-p='0'][data-c='14']")  # an input cell read by several frames
    assert "frames" in page.text_content(".convanim-status")
    _check_inks(page, animation.theme)
    output = next(k for k, p in enumerate(animation.scene.planes) if p.name.startswith("output"))
    page.hover(f".convanim-planes [data-p='{output}'][data-c='10']")  # another frame's output cell: its preview
    assert "preview" in page.text_content(".convanim-counter")
    _check_inks(page, animation.theme)


def test_a_wrapped_heading_is_written_line_by_line_where_the_gif_draws_it(open_page):
    """At 320 px a separable convolution's headings break into two lines: the page writes each
    line at the place the GIF draws it, and swaps them as the phase changes."""
    from convanim import SeparableConv2d

    animation = Animation(SeparableConv2d(5, 3, in_channels=3, out_channels=1), labels=True, width=320)
    page = open_page(animation, hash="#frame=5")
    lines = page.eval_on_selector_all(".convanim-heading text", "ts => ts.map(t => [t.textContent, +t.getAttribute('y')])")
    drawn = animation.geometry.phases[animation.scene.step(4).phase].lines
    assert [text for text, _ in lines] == [line.text for line in drawn] == ["phase 1: depthwise 3x3:",
                                                                              "depthwise 0 = input 0 ∗ kernel 0"]
    assert lines[0][1] < lines[1][1]  # one under the other
    page.keyboard.press("End")
    last = page.eval_on_selector_all(".convanim-heading text", "ts => ts.map(t => t.textContent)")
    assert last == [line.text for line in animation.geometry.phases[animation.scene.step(len(animation) - 1).phase].lines]


def test_the_example_pages_carry_the_player_and_its_style_as_they_are():
    """A page holds its player: one in examples/ written before the player changed plays the
    old one (cc4de22 changed how headings are written and left conv.html behind)."""
    from pathlib import Path

    import convanim

    package = Path(convanim.__file__).parent / "io"
    pages = sorted((Path(__file__).resolve().parents[1] / "examples").rglob("*.html"))
    assert pages
    for page in pages:
        text = page.read_text(encoding="utf-8")
        for asset in ("player.js", "player.css"):
            assert (package / asset).read_text(encoding="utf-8").strip() in text, (page.name, asset)
