import numpy as np
import pytest

from convanim import Animation, Conv2d, ConvTranspose2d, SpecError


def test_animation_is_a_frozen_value_with_a_length():
    anim = Animation(Conv2d(5, 3, 2, 1))
    assert len(anim) == 9
    assert anim == Animation(Conv2d(5, 3, 2, 1))
    with pytest.raises(AttributeError):
        anim.style = "flat"


def test_frames_stream_one_at_a_time():
    frames = Animation(Conv2d(4, 3)).frames()
    first = next(frames)
    assert first.ndim == 3 and first.shape[2] == 3
    assert len(list(frames)) == 3


def test_frame_by_index_equals_the_streamed_frame():
    anim = Animation(ConvTranspose2d(2, 3))
    np.testing.assert_array_equal(anim.frame(5), list(anim.frames())[5])


@pytest.mark.parametrize(
    "kwargs, params", [({"style": "cubist"}, ("style",)), ({"delay_ms": 5}, ("delay",)), ({"delay_ms": 10**6}, ("delay",))]
)
def test_bad_options(kwargs, params):
    with pytest.raises(SpecError) as info:
        Animation(Conv2d(4, 3), **kwargs)
    assert info.value.params == params


def test_save_reports_progress(tmp_path):
    seen = []
    Animation(Conv2d(4, 3)).save(tmp_path / "a.gif", on_frame=seen.append)
    assert seen == [0, 1, 2, 3]


def test_numbers_on_by_a_flag_for_any_spec():
    from convanim import Checkerboard, SeparableConv2d, SpecError
    from convanim.core.values import Numbers, StagedNumbers

    conv = Animation(Conv2d(5, 3), numbers=True)
    assert isinstance(conv.numbers, Numbers) and conv.numbers.output.tolist()[0] == [12, 12, 17]  # the paper's
    assert Animation(Conv2d(5, 3), numbers=False).numbers is None
    chain = SeparableConv2d(5, 3, in_channels=2, out_channels=3)
    assert isinstance(Animation(chain, numbers=True).numbers, StagedNumbers)
    assert isinstance(Numbers.of(chain), StagedNumbers)
    with pytest.raises(SpecError) as info:
        Animation(Checkerboard(5, 3, 2), numbers=True)
    assert (info.value.params, info.value.reason) == (("numbers",), "a Checkerboard has no numbers to show")


def test_the_signature_reads_short():
    import inspect

    from convanim.draw.theme import Theme

    assert "theme: 'Theme' = THEMES['paper']" in str(inspect.signature(Animation))
    assert repr(Theme(input=(1, 2, 3))) == "Theme(input=(1, 2, 3))"
