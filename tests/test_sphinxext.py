"""The Sphinx directive: a small project built with the html and latex builders (Sphinx is the
optional extra ``docs``; without it these tests skip)."""

import re
from pathlib import Path

import pytest

sphinx_build = pytest.importorskip("sphinx.cmd.build", reason="Sphinx is not installed (pip install '.[docs]')")

INDEX = """Figures
=======

.. convanim:: conv --i 4 --k 3 --s 1
   :caption: A 3x3 kernel over a 4x4 input.
   :alt: The kernel sweeping the input.
   :width: 60%

.. convanim:: pool --i 4 --k 2 --s 2 --mode max --numbers
   :format: png
   :poster: 2
"""


def _project(tmp_path: Path, index: str = INDEX) -> Path:
    src = tmp_path / "src"
    src.mkdir()
    (src / "conf.py").write_text('extensions = ["convanim.sphinxext"]\nproject = "t"\n')
    (src / "index.rst").write_text(index)
    return src


def _build(src: Path, builder: str, out: Path, capsys=None) -> int:
    return sphinx_build.build_main(["-q", "-N", "-b", builder, "-d", str(out.parent / "doctrees"), str(src), str(out)])


def test_html_gets_the_animation_and_latex_a_still(tmp_path):
    src = _project(tmp_path)
    assert _build(src, "html", tmp_path / "html") == 0
    page = (tmp_path / "html" / "index.html").read_text()
    images = re.findall(r'<figure class="convanim align-center"><img src="(_images/convanim-[0-9a-f]+\.(gif|png))"', page)
    assert [kind for _, kind in images] == ["gif", "png"]
    assert all((tmp_path / "html" / path).is_file() for path, _ in images)
    assert 'alt="The kernel sweeping the input." style="width: 60%"' in page
    assert "<figcaption><p>A 3x3 kernel over a 4x4 input.</p></figcaption>" in page
    assert _build(src, "latex", tmp_path / "latex") == 0  # the same doctrees: the still is drawn at write time
    tex = next((tmp_path / "latex").glob("*.tex")).read_text()
    stills = re.findall(r"\\includegraphics\[width=([^\]]+)\]\{(convanim-[0-9a-f]+\.pdf)\}", tex)
    assert [width for width, _ in stills] == ["0.6\\linewidth", "\\linewidth"]
    assert all((tmp_path / "latex" / name).read_bytes().startswith(b"%PDF") for _, name in stills)
    assert "\\caption{A 3x3 kernel over a 4x4 input.}" in tex


def test_an_unchanged_page_rebuilds_without_drawing(tmp_path, monkeypatch):
    import convanim.sphinxext as ext

    src = _project(tmp_path)
    assert _build(src, "html", tmp_path / "html") == 0
    drawn = []
    real = ext.cli.main
    monkeypatch.setattr(ext.cli, "main", lambda *a, **k: drawn.append(a) or real(*a, **k))
    (src / "index.rst").write_text(INDEX + "\nA new paragraph.\n")  # the page is written again: its figures are not
    assert _build(src, "html", tmp_path / "html") == 0
    assert drawn == []


def test_a_bad_command_line_fails_the_build_with_the_clis_error(tmp_path, capsys):
    src = _project(tmp_path, "T\n=\n\nText.\n\n.. convanim:: conv --k 9\n")
    message = (f"{src / 'index.rst'}:6: ERROR: convanim conv --k 9: Error: --k/--kernel-size, --i/--input-size,"
               " --p/--padding: the kernel spans 9x9 cells but the padded input is only 5x5")
    for _ in range(2):  # and again, unchanged: until it is mended
        assert _build(src, "html", tmp_path / "html") == 1
        assert message in capsys.readouterr().err.splitlines()
    assert not list((tmp_path / "html").glob("_images/convanim-*"))


def test_the_readme_directive_builds(tmp_path):
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    block = re.search(r"```rst\n(.*?)```", readme, re.S).group(1)
    src = _project(tmp_path, "Docs\n====\n\n" + block)
    assert _build(src, "html", tmp_path / "html") == 0
    assert "A 3x3 kernel, stride 2, over a padded 5x5 input." in (tmp_path / "html" / "index.html").read_text()


def test_html_can_embed_the_interactive_player(tmp_path):
    src = _project(tmp_path, "Figures\n=======\n\n.. convanim:: conv --i 4 --k 3 --numbers\n   :format: html\n"
                             "   :caption: Hover a cell.\n\n.. convanim:: pool --i 4 --k 2 --s 2\n   :format: html\n")
    assert _build(src, "html", tmp_path / "html") == 0
    page = (tmp_path / "html" / "index.html").read_text()
    assert page.count("<figure class=\"convanim\" data-convanim tabindex=\"0\"") == 2  # two players, neither the page's own
    assert "data-convanim data-standalone" not in page and '<p class="caption">Hover a cell.</p>' in page
    assert page.count('<script type="application/json">') == 2


@pytest.mark.parametrize("option", ["--dump ../x.json", "--dump ~/x.json", "--storyboard ../s.png", "--dump=../x.json"])
def test_an_option_that_writes_a_side_file_is_refused_at_its_line(tmp_path, capsys, option):
    src = _project(tmp_path, f"T\n=\n\nText.\n\n.. convanim:: conv --i 3 --numbers {option}\n")
    assert _build(src, "html", tmp_path / "html") == 1
    name = option.split("=")[0].split()[0]
    assert (f"{src / 'index.rst'}:6: ERROR: convanim conv --i 3 --numbers {option}: Error: {name}: a directive draws only"
            f" its figure, into the build's folder; write the {name[2:]} with the command line"
            in capsys.readouterr().err.splitlines())
    assert not (tmp_path / "x.json").exists() and not (tmp_path / "s.png").exists()
    assert not list((tmp_path / "html").glob("_images/convanim-*"))


def test_a_figure_that_cannot_be_drawn_fails_the_build(tmp_path, capsys):
    src = _project(tmp_path, "T\n=\n\nText.\n\n.. convanim:: conv --i 3\n")
    (tmp_path / "html").mkdir()
    (tmp_path / "html" / "_images").write_text("a file where the image folder goes")
    assert _build(src, "html", tmp_path / "html") == 1
    err = capsys.readouterr().err
    assert f"{src / 'index.rst'}:6: ERROR: convanim conv --i 3: " in err and "Traceback" not in err
