"""An animation's options, declared once (convanim.settings), and the spec sized by its values
(spec_from_values): what the command line is made of and calls."""

import numpy as np
import pytest
from click.testing import CliRunner

from convanim import Conv2d, ConvTranspose2d, SpecError
from convanim.cli import cli
from convanim.settings import SETTINGS, Setting, sizes_from_values, spec_from_values, take


def test_a_spec_takes_its_sizes_from_its_values():
    x, w = np.ones((6, 5)), np.ones((3, 2))
    assert spec_from_values("conv", x, w, stride=2) == Conv2d((6, 5), (3, 2), stride=2)
    assert spec_from_values("conv", x, w, input_size=(6, 5)) == Conv2d((6, 5), (3, 2))
    assert spec_from_values("conv", np.ones((5, 5)), input_size=5, kernel_size=3) == Conv2d(5, 3)  # 5 is 5x5


def test_channels_come_from_the_arrays_in_pytorchs_layouts():
    x = np.ones((4, 5, 5))
    assert spec_from_values("conv", x, np.ones((6, 2, 3, 3)), groups=2) == Conv2d(5, 3, in_channels=4, out_channels=6,
                                                                                 groups=2)
    transposed = spec_from_values("transposed", np.ones((4, 3, 3)), np.ones((4, 3, 3, 3)))  # in × out × k × k
    assert transposed == ConvTranspose2d(3, 3, in_channels=4, out_channels=3)


@pytest.mark.parametrize("call, params, reason", [
    (lambda: spec_from_values("conv", np.ones((5, 5)), input_size=4), ("input_size", "input_values"),
     "the size says 4x4 but the values are 5x5"),
    (lambda: spec_from_values("conv", np.ones((2, 3, 4, 5))), ("input_values",),
     "expected H×W or C×H×W values, got shape 2x3x4x5"),
    (lambda: spec_from_values("pool", None, np.ones((3, 3, 3))), ("kernel_values",),
     "expected kh×kw or O×C/groups×kh×kw weights, got shape 3x3x3"),
])
def test_values_that_do_not_fit_name_the_parameters(call, params, reason):
    with pytest.raises(SpecError) as e:
        call()
    assert (e.value.params, e.value.reason) == (params, reason)


def test_only_the_sizes_given_are_held_against_the_values():
    sized = sizes_from_values("conv", {"input_size": (4, 4)}, np.ones((5, 5)), given=())  # a default: replaced
    assert sized == {"input_size": (5, 5)}


def test_every_setting_is_an_option_of_a_drawing_command():
    conv = cli.commands["conv"]
    options = {p.name: p for p in conv.params}
    for setting in SETTINGS:
        assert setting.name in options
        assert "/".join(setting.flags) == "/".join(options[setting.name].opts + options[setting.name].secondary_opts)\
            or setting.flags == tuple(f"{a}/{b}" for a, b in zip(options[setting.name].opts,
                                                                  options[setting.name].secondary_opts))
        assert options[setting.name].help == setting.help


def test_taking_the_settings_leaves_the_specs_parameters():
    conv = cli.commands["conv"]
    ctx = conv.make_context("conv", ["--k", "2", "--width", "300"])
    params = dict(ctx.params)
    settings = take(params)
    assert settings["width"] == 300 and set(params) == {"input_size", "kernel_size", "stride", "padding", "dilation",
                                                         "padding_mode", "in_channels", "out_channels", "groups", "view",
                                                         "quiet"}  # how the command reports


def test_a_setting_declares_a_kind_it_knows():
    with pytest.raises(ValueError, match="'colour' is not one of"):
        Setting("tint", "colour", "A tint.", "look")


def test_the_gallery_takes_the_look_settings():
    result = CliRunner().invoke(cli, ["gallery", "--help"])
    for flag in ("--width", "--dpi", "--crisp / --antialias", "--transparent", "--theme", "--theme-file", "--delay",
                 "--fps", "--style"):
        assert flag in result.output
