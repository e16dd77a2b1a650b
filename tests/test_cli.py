import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image

from convanim.cli import cli
from convanim.gallery import GALLERY


@pytest.fixture
def run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)

    def invoke(*args):
        return CliRunner().invoke(cli, list(args), catch_exceptions=False)

    return invoke


def _frames(path):
    with Image.open(path) as im:
        return im.n_frames


def _files(root):
    return sorted(p.relative_to(root).as_posix() for p in Path(root).rglob("*") if p.is_file())


def test_dilated_defaults_write_the_papers_dilation_figure(run, tmp_path):
    result = run("dilated", "--k", "3", "--d", "2")
    assert result.exit_code == 0
    assert result.stdout == "output/dilated_i7_k3_s1_p0_d2.gif\n"
    assert result.stderr == ""
    assert _frames(tmp_path / "output/dilated_i7_k3_s1_p0_d2.gif") == 9


def test_conv_to_a_named_gif(run, tmp_path):
    result = run("conv", "--i", "5", "--k", "3", "--s", "2", "--p", "1", "-o", "padding_strides.gif")
    assert (result.exit_code, result.stdout) == (0, "padding_strides.gif\n")
    assert _frames(tmp_path / "padding_strides.gif") == 9


def test_long_aliases(run, tmp_path):
    result = run("conv", "--input-size", "5", "--kernel-size", "3", "--stride", "2", "--padding", "1",
                 "--dilation", "1", "--output", "a.gif")
    assert (result.exit_code, result.stdout) == (0, "a.gif\n")


def test_transposed_with_output_padding(run, tmp_path):
    result = run("transposed", "--i", "3", "--k", "3", "--s", "2", "--p", "1", "--a", "1", "-o", "odd.gif")
    assert (result.exit_code, result.stdout) == (0, "odd.gif\n")
    assert _frames(tmp_path / "odd.gif") == 36


def test_non_square_spec_to_a_png_folder(run, tmp_path):
    result = run("conv", "--i", "6x5", "--k", "3x2", "--s", "2x1", "--p", "1,0,2,1", "-o", "frames/")
    assert result.exit_code == 0
    expected = [f"frames/frame_{i:03d}.png" for i in range(21)]
    assert result.stdout.splitlines() == expected
    assert _files(tmp_path) == expected


def test_png_name_gives_a_numbered_sequence_beside_it(run, tmp_path):
    result = run("conv", "--i", "4", "-o", "seq/a.png")
    assert result.stdout.splitlines() == [f"seq/a_{i:03d}.png" for i in range(4)]


def test_style_flat_and_timing(run, tmp_path):
    assert run("conv", "--style", "flat", "--delay", "500", "-o", "a.gif").exit_code == 0
    with Image.open(tmp_path / "a.gif") as im:
        assert im.info["duration"] == 500
    assert run("conv", "--fps", "4", "-o", "b.gif").exit_code == 0
    with Image.open(tmp_path / "b.gif") as im:
        assert im.info["duration"] == 250


@pytest.mark.parametrize(
    "args, message",
    [
        (["conv", "--s", "0"], "Error: --s/--stride: must be at least 1, got 0"),
        (["conv", "--i", "3", "--k", "5"],
         "Error: --k/--kernel-size, --i/--input-size, --p/--padding: the kernel spans 5x5 cells but the padded input is only 3x3"),
        (["conv", "--i", "-4"], "Error: Invalid value for '--i' / '--input-size': '-4' is not a size: use N or HxW, e.g. 5 or 6x5"),
        (["conv", "--k", "3y3"], "Error: Invalid value for '--k' / '--kernel-size': '3y3' is not a size: use N or HxW, e.g. 5 or 6x5"),
        (["conv", "--p", "half"],
         "Error: Invalid value for '--p' / '--padding': 'half' is not a padding: use N, H,W, top,bottom,left,right or one of valid, same, full"),
        (["conv", "--s", "2", "--p", "same"], "Error: --p/--padding, --s/--stride: 'same' padding needs stride 1 (as in PyTorch)"),
        (["conv", "-o", "a.jpg"],
         "Error: Invalid value for '-o' / '--output': unknown extension '.jpg': use .gif, .png, .webp, .apng, .mp4, .svg, .pdf, .html or a folder for a PNG sequence"),
        (["transposed", "--s", "2", "--a", "2"],
         "Error: --a/--output-padding: must be smaller than the stride or the dilation (PyTorch's rule), got 2 with stride 2 and dilation 1"),
        (["transposed", "--p", "1,1,1,1"],
         "Error: Invalid value for '--p' / '--padding': '1,1,1,1' is not a transposed padding: use N or H,W (as in PyTorch)"),
        (["transposed", "--i", "1", "--k", "1", "--p", "1"],
         "Error: --p/--padding, --i/--input-size, --k/--kernel-size: the padding leaves no output (output size -1x-1)"),
        (["conv", "--delay", "5"], "Error: Invalid value for '--delay': 5 is not in the range 10<=x<=655350."),
        (["conv", "--delay", "100", "--fps", "2"], "Error: --delay and --fps: give one or the other"),
        (["conv", "--style", "cubist"], "Error: Invalid value for '--style': 'cubist' is not one of 'paper', 'flat'."),
        (["conv", "--wat"], "Error: No such option '--wat'. Did you mean '--width'?"),
        (["gallery", "--only", "nope"],
         f"Error: Invalid value for --only: unknown figure 'nope'; choose from: {', '.join(GALLERY)}"),
    ],
)
def test_bad_input_is_one_error_line_exit_2_and_no_file(run, tmp_path, args, message):
    result = run(*args)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == message + "\n"
    assert _files(tmp_path) == []


def test_a_file_where_a_folder_must_be_is_caught_before_drawing(run, tmp_path):
    (tmp_path / "blocker").write_text("a file where a folder should be")
    result = run("conv", "-o", "blocker/a.gif")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == "Error: Invalid value for '-o' / '--output': blocker is a file, not a folder\n"
    assert _files(tmp_path) == ["blocker"]


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="needs /proc")
def test_unwritable_output_is_a_runtime_error(run, tmp_path):
    result = run("conv", "-o", "/proc/convanim-test.gif")
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == "Error: cannot write /proc/convanim-test.gif: No such file or directory\n"


def test_gallery_only_writes_the_named_figures(run, tmp_path):
    result = run("gallery", "--only", "dilation,no_padding_no_strides", "-o", "figs")
    assert result.exit_code == 0
    assert result.stdout.splitlines() == ["figs/dilation.gif", "figs/no_padding_no_strides.gif"]
    assert _frames(tmp_path / "figs/dilation.gif") == 9
    assert _frames(tmp_path / "figs/no_padding_no_strides.gif") == 4


def test_help_and_version(run):
    result = run("--help")
    assert result.exit_code == 0
    for command in ("conv", "dilated", "transposed", "gallery"):
        assert command in result.stdout
    assert run("--version").stdout == "convanim, version 0.1.0\n"
    assert "--i, --input-size SIZE" in run("conv", "--help").stdout


def test_python_dash_m(tmp_path):
    result = subprocess.run([sys.executable, "-m", "convanim", "conv", "--s", "0"], capture_output=True, text=True,
                            cwd=tmp_path)
    assert (result.returncode, result.stdout, result.stderr) == (2, "", "Error: --s/--stride: must be at least 1, got 0\n")


import json  # noqa: E402

import numpy as np  # noqa: E402


def test_numbers_with_seed_and_dump(run, tmp_path):
    result = run("conv", "--i", "5", "--k", "3", "--s", "2", "--p", "1", "--numbers", "--seed", "7",
                 "--dump", "steps.json", "-o", "n.gif")
    assert (result.exit_code, result.stdout) == (0, "n.gif\nsteps.json\n")
    data = json.loads((tmp_path / "steps.json").read_text())
    assert data["op"] == "conv" and data["output_size"] == [3, 3] and len(data["frames"]) == 9
    x, w = np.array(data["input"]), np.array(data["kernel"])
    import naive

    np.testing.assert_array_equal(data["output"], naive.conv2d(x, w, (2, 2), (1, 1, 1, 1), (1, 1)))
    assert _frames(tmp_path / "n.gif") == 9


def test_pool_default_name(run, tmp_path):
    result = run("pool", "--mode", "max", "--i", "5", "--k", "3")
    assert (result.exit_code, result.stdout) == (0, "output/pool_max_i5_k3_s1_p0_d1.gif\n")
    result = run("pool", "--mode", "avg", "--numbers", "--no-labels", "-o", "avg.gif")
    assert (result.exit_code, result.stdout) == (0, "avg.gif\n")


def test_values_files_set_the_sizes(run, tmp_path):
    np.save(tmp_path / "x.npy", np.arange(12).reshape(3, 4))
    (tmp_path / "w.csv").write_text("1,0\n0,-1\n")
    result = run("conv", "--input-values", "x.npy", "--kernel-values", "w.csv", "--dump", "d.json", "-o", "v.gif")
    assert (result.exit_code, result.stdout) == (0, "v.gif\nd.json\n")
    data = json.loads((tmp_path / "d.json").read_text())
    assert data["spec"]["input_size"] == [3, 4] and data["spec"]["kernel_size"] == [2, 2]
    assert data["output"] == [[-5, -5, -5], [-5, -5, -5]]
    assert _frames(tmp_path / "v.gif") == 6


def test_transposed_numbers_use_pytorchs_weight(run, tmp_path):
    (tmp_path / "x.txt").write_text("1 2\n3 4\n")
    (tmp_path / "w.txt").write_text("1 0\n0 2\n")
    result = run("transposed", "--s", "2", "--input-values", "x.txt", "--kernel-values", "w.txt", "--dump", "t.json",
                 "-o", "t.gif")
    assert result.exit_code == 0
    data = json.loads((tmp_path / "t.json").read_text())
    assert data["output"] == [[1, 0, 2, 0], [0, 2, 0, 4], [3, 0, 4, 0], [0, 6, 0, 8]]


@pytest.mark.parametrize(
    "files, args, message",
    [
        ({"x.npy": np.ones((5, 5))}, ["conv", "--i", "4", "--input-values", "x.npy"],
         "Error: --i/--input-size, --input-values: the size says 4x4 but the values are 5x5"),
        ({"w.npy": np.ones((2, 2))}, ["conv", "--k", "3", "--kernel-values", "w.npy"],
         "Error: --k/--kernel-size, --kernel-values: the size says 3x3 but the values are 2x2"),
        ({"x.csv": "1,2\n3,nan\n"}, ["conv", "--k", "1", "--input-values", "x.csv"],
         "Error: Invalid value for '--input-values': x.csv: nan at row 1, column 1: values must be finite"),
        ({"x.csv": "1,a\n"}, ["conv", "--input-values", "x.csv"],
         "Error: Invalid value for '--input-values': x.csv: not a table of numbers (could not convert string 'a' to float64 at row 0, column 2.)"),
        ({}, ["conv", "--input-values", "nope.npy"],
         "Error: Invalid value for '--input-values': nope.npy: cannot read it: No such file or directory"),
        ({"x.npy": np.ones((3, 3))}, ["conv", "--input-values", "x.npy", "--k", "5"],
         "Error: --k/--kernel-size, --i/--input-size, --p/--padding: the kernel spans 5x5 cells but the padded input is only 3x3"),
        ({}, ["conv", "--dump", "steps.txt"], "Error: Invalid value for '--dump': 'steps.txt' is not a .json file"),
        ({}, ["pool", "--kernel-values", "w.npy"], "Error: No such option '--kernel-values' for pool: it is an option of conv, dilated,"
         " transposed, pointwise, depthwise, conv1d, transposed1d, conv3d, transposed3d, torch."),
        ({}, ["pool", "--mode", "avg", "--d", "2"], "Error: --d/--dilation: average pooling has no dilation (as in PyTorch's avg_pool2d)"),
        ({}, ["pool", "--p", "2"], "Error: --p/--padding: pooling pads at most half the kernel (PyTorch's rule): 2 > 3/2"),
        ({}, ["conv", "--precision", "9"], "Error: Invalid value for '--precision': 9 is not in the range 0<=x<=6."),
    ],
)
def test_bad_numbers_are_one_error_line_and_no_output(run, tmp_path, files, args, message):
    for name, content in files.items():
        if isinstance(content, str):
            (tmp_path / name).write_text(content)
        else:
            np.save(tmp_path / name, content)
    before = _files(tmp_path)
    result = run(*args)
    assert (result.exit_code, result.stdout, result.stderr) == (2, "", message + "\n")
    assert _files(tmp_path) == before


# ---- the first hour: what a newcomer types ---------------------------------------------------


def test_default_names_tell_apart_what_draws_differently(run, tmp_path):
    np.save(tmp_path / "x.npy", np.arange(25).reshape(5, 5))
    np.save(tmp_path / "w.npy", np.ones((3, 3)))
    names = {}
    for args in (["conv", "--i", "3", "--k", "3"], ["conv", "--i", "3", "--k", "3", "--numbers"],
                 ["conv", "--input-values", "x.npy", "--kernel-values", "w.npy", "--s", "2"],
                 ["conv", "--i", "3", "--numbers", "--seed", "7", "--style", "flat", "--theme", "dark", "--fps", "4", "--no-labels"],
                 ["transposed", "--i", "1", "--k", "3", "--s", "2", "--view", "scatter", "--numbers"],
                 ["transposed", "--i", "1", "--k", "3", "--s", "2"], ["conv", "--i", "3", "--crisp", "--transparent", "--width", "300"]):
        result = run(*args)
        assert result.exit_code == 0, result.stderr
        names[" ".join(args)] = result.stdout.strip()
    assert list(names.values()) == [
        "output/conv_i3_k3_s1_p0_d1.png",  # one frame: a still
        "output/conv_i3_k3_s1_p0_d1_numbers.png",
        "output/conv_i5_k3_s2_p0_d1_numbers-x0167cd-wbe3173.gif",
        "output/conv_i3_k3_s1_p0_d1_numbers-seed7_nolabels_flat_dark_250ms.png",
        "output/transposed_i1_k3_s2_p0_d1_a0_scatter_numbers.png",
        "output/transposed_i1_k3_s2_p0_d1_a0.gif",
        "output/conv_i3_k3_s1_p0_d1_crisp_transparent_300px.png",
    ]
    assert len({p.name for p in (tmp_path / "output").iterdir()}) == len(names)


def test_single_dash_forms_are_the_double_dash_ones(run, tmp_path):
    assert run("conv", "-i", "5", "-k", "3", "-s2", "-p", "1", "-o", "a.gif").stdout == "a.gif\n"
    assert run("conv", "--i", "5", "--k", "3", "--s", "2", "--p", "1", "-o", "b.gif").stdout == "b.gif\n"
    assert (tmp_path / "a.gif").read_bytes() == (tmp_path / "b.gif").read_bytes()
    assert run("info", "transposed", "-i", "3", "-a", "1", "-s", "2").stdout.splitlines()[2] == "output shape:     8x8"
    result = CliRunner().invoke(cli, ["conv", "-z", "5"])
    assert (result.exit_code, result.stderr) == (2, "Error: No such option '-z'.\n")


def test_info_help_lists_only_what_info_takes(run):
    for name in cli.commands["info"].commands:
        text = run("info", name, "--help").stdout
        assert "--view" not in text and "scatter" not in text and "--numbers" not in text and "-o," not in text, name
    assert "of a transposed convolution." in " ".join(run("info", "transposed", "--help").stdout.split())


def test_version_short_and_long(run):
    assert run("-V").stdout == run("--version").stdout == "convanim, version 0.1.0\n"


def test_progress_shows_on_a_terminal_only(run, monkeypatch):
    import convanim.cli.commands as commands

    assert run("gallery", "--only", "dilation", "-j", "1").stderr == ""
    monkeypatch.setattr(commands, "on_terminal", lambda: True)
    assert "gallery" in run("gallery", "--only", "dilation", "-j", "1").stderr
    Path("b.toml").write_text('[a]\ncommand = "conv"\n')
    assert "batch" in run("batch", "b.toml").stderr


def test_gallery_names_complete_in_the_shell():
    from convanim.cli.commands import complete_names

    assert complete_names("dil") == ["dilation"]
    assert complete_names("dilation,numerical_m") == ["dilation,numerical_max_pooling"]


def test_help_info_and_completion_start_without_matplotlib(tmp_path):
    """Shell completion runs convanim on every TAB: it and --help, --version and info load no drawing."""
    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from convanim.cli import cli\n"
        "for args in (['--help'], ['--version'], ['info', 'conv', '--json'], ['conv', '--help']):\n"
        "    assert CliRunner().invoke(cli, args).exit_code == 0, args\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'matplotlib'))\n"
    )
    code += (
        "import os\n"
        "os.environ.update(_CONVANIM_COMPLETE='bash_complete', COMP_WORDS='convanim gallery --only dil', COMP_CWORD='3')\n"
        "from convanim.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print('matplotlib' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path)
    assert (result.returncode, result.stdout.split(), result.stderr) == (0, ["[]", "plain,dilation", "False"], "")


# ---- stills and slides -----------------------------------------------------------------------


def test_a_poster_is_one_frame_as_a_still(run, tmp_path):
    from convanim import Animation, Conv2d

    assert run("conv", "--i", "4", "--poster", "2").stdout == "output/conv_i4_k3_s1_p0_d1_frame2.png\n"
    still = np.asarray(Image.open(tmp_path / "output/conv_i4_k3_s1_p0_d1_frame2.png").convert("RGB"))
    np.testing.assert_array_equal(still, Animation(Conv2d(4, 3), labels=True).frame(1))
    assert run("conv", "--i", "4", "--poster", "last", "-o", "a.svg").stdout == "a.svg\n"
    assert (tmp_path / "a.svg").read_text().count("<svg") == 1
    assert run("conv", "--i", "4", "--poster", "last", "-o", "a.pdf").stdout == "a.pdf\n"
    assert len(re.findall(rb"/Type /Page\b", (tmp_path / "a.pdf").read_bytes())) == 1


@pytest.mark.parametrize("args, message", [
    (["--poster", "5"], "Error: --poster: frames are numbered 1 to 4 (or last), got 5"),
    (["--poster", "0"], "Error: Invalid value for '--poster': '0' is not a frame: use a number from 1, or last"),
    (["--poster", "2", "-o", "a.gif"], "Error: --poster: a poster is one still: use .png, .svg or .pdf, not .gif"),
    (["--beamer", "-o", "a.gif"], "Error: --beamer: writes a .pdf and its .tex: use NAME.pdf, not .gif"),
    (["--poster", "1", "--beamer", "-o", "a.pdf"], "Error: --poster and --beamer: give one or the other"),
])
def test_poster_and_beamer_refusals(run, tmp_path, args, message):
    result = CliRunner().invoke(cli, ["conv", "--i", "4", *args])
    assert (result.exit_code, result.stderr) == (2, message + "\n")
    assert list(tmp_path.iterdir()) == []


def test_beamer_writes_the_pdf_and_the_snippet_that_plays_it(run, tmp_path):
    assert run("conv", "--i", "4", "--fps", "2", "-o", "slides/conv.pdf", "--beamer").stdout == "slides/conv.pdf\nslides/conv.tex\n"
    assert (tmp_path / "slides/conv.tex").read_text() == (
        "% convanim: i=4, k=3, s=1, p=0 → o=2; needs \\usepackage{animate}\n"
        "\\animategraphics[loop,controls,width=\\linewidth]{2}{slides/conv}{}{}\n")
    assert (tmp_path / "slides/conv.pdf").read_bytes().startswith(b"%PDF")


def test_a_value_that_looks_like_a_short_option_is_left_alone(run, tmp_path):
    np.save(tmp_path / "-i.npy", np.arange(16).reshape(4, 4))
    result = run("conv", "--input-values", "-i.npy", "-k", "3", "-o", "a.gif")
    assert (result.exit_code, result.stdout) == (0, "a.gif\n")


PRINTED_NET = """Net(
  (conv1): Conv2d(3, 8, kernel_size=(7, 7), stride=(2, 2), padding=(3, 3), bias=False)
  (bn1): BatchNorm2d(8, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)
  (relu): ReLU(inplace=True)
  (maxpool): MaxPool2d(kernel_size=3, stride=2, padding=1, dilation=1, ceil_mode=False)
  (up): Upsample(scale_factor=2.0, mode='nearest')
  (avgpool): AdaptiveAvgPool2d(output_size=(1, 1))
  (fc): Linear(in_features=8, out_features=10, bias=True)
)
"""


def test_layers_reads_a_printed_model_from_a_file_or_standard_input(tmp_path):
    import json as json_

    (tmp_path / "net.txt").write_text(PRINTED_NET)
    table = CliRunner().invoke(cli, ["layers", str(tmp_path / "net.txt"), "--input", "3x64x64"])
    assert table.exit_code == 0, table.output
    lines = table.stdout.splitlines()
    assert lines[0].split() == ["name", "layer", "input", "output", "weights", "field", "jump", "centre"]
    assert lines[1].split() == ["conv1", "Conv2d", "3x64x64", "8x32x32", "1,176", "7x7", "2x2", "0,0"]
    assert [line.split()[0] for line in lines[1:]] == ["conv1", "maxpool", "up"]  # to the head
    listing = "nn.Sequential(\n  nn.Conv2d(1, 4, 3),  \n  # pooled\n  nn.MaxPool2d(2),\n)\n"
    piped = CliRunner().invoke(cli, ["layers", "-", "--input", "1x16x16", "--json"], input=listing)
    rows = json_.loads(piped.stdout)
    assert [(r["layer"], r["output_shape"], r["receptive_field"]) for r in rows] == [
        ("Conv2d", [4, 14, 14], [3, 3]), ("MaxPool2d", [4, 7, 7], [4, 4])]
    for args, message in ((["-", "--input", "1x16"], "model: layer 0: nn.Conv2d takes a 2-D input, got 1-D"),
                          ([str(tmp_path / "none.txt"), "--input", "1x8x8"], "none.txt: cannot read it"),
                          (["-", "--input", "big"], "'big' is not an input shape")):
        bad = CliRunner().invoke(cli, ["layers", *args], input=listing)
        assert bad.exit_code == 2 and message in bad.stderr and bad.stderr.count("\n") == 1, bad.stderr
    evil = CliRunner().invoke(cli, ["layers", "-", "--input", "1x8x8"], input="__import__('os').system('echo hi')\n")
    assert evil.exit_code == 2 and "is not a layer" in evil.stderr
