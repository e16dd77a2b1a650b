"""What a new user meets in the first hour: file names that TAB completes, help that says what
the commands do, typo suggestions that point at the right option."""

import pytest
from click.shell_completion import ShellComplete

from convanim.cli import cli


def _completions(args, incomplete):
    complete = ShellComplete(cli, {}, "convanim", "_CONVANIM_COMPLETE")
    return [(item.type, item.value) for item in complete.get_completions(args, incomplete)]


@pytest.mark.parametrize("args", [
    ["conv", "-o"], ["conv", "--output"], ["conv", "--input-values"], ["conv", "--kernel-values"],
    ["conv", "--theme-file"], ["conv", "--dump"], ["conv", "--storyboard"], ["gallery", "--theme-file"],
    ["pool", "--input-values"], ["batch"],
])
def test_tab_completes_file_names_after_every_path_option(args):
    assert _completions(args, "fig") == [("file", "fig")]


def test_tab_still_completes_choices_and_options():
    assert _completions(["conv", "--style"], "fl") == [("plain", "flat")]
    assert ("plain", "--theme-file") in _completions(["conv"], "--theme-")
