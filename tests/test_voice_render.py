"""The neural voice in a real render at -q l: each segment's sound is as long as its picture, the
stitched video's sound is sample-aligned with every beat, a bookmark starts an animation on its
word, and an unchanged re-render synthesises nothing."""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pytest


from fixtures.tiny_catalog import TINY_CONFIG, tiny_scenes

from attention_explainer.config import parse_yaml, validate_config  # noqa: E402
from attention_explainer.narration.loudness import SAMPLE_RATE, read_wav  # noqa: E402
from attention_explainer.production.assemble import probe  # noqa: E402
from attention_explainer.production.render import RenderSettings, render_video, scene_from_file  # noqa: E402
from attention_explainer.production.soundtrack import FRAME as AAC_FRAME, decode_audio  # noqa: E402
from attention_explainer.scenes.narrated import SPEECH_PAUSE  # noqa: E402

CONFIG = validate_config(parse_yaml(TINY_CONFIG))
FPS = 15

BOOKMARK_SCENE = '''
import json, os
from manim import FadeIn, Square
from attention_explainer.scenes.base import ExplainerScene


class Bookmark(ExplainerScene):
    scene_id = "bookmark"

    def construct(self):
        with self.beat("One, two, three, four, five, six, seven.", key="count") as line:
            line.wait_until("five")
            at = self.renderer.time
            self.play(FadeIn(Square()), run_time=0.2)
        with open(os.environ["BOOKMARK_OUT"], "w") as f:
            json.dump({"five": at}, f)
'''


SWITCH_SCENE = '''
from manim import UP, FadeIn, Square
from attention_explainer.scenes.base import ExplainerScene


class Switch(ExplainerScene):
    scene_id = "switch"

    def construct(self):
        with self.beat("The first sentence is right here and it is long enough to stand alone. "
                       "The second sentence follows it closely, in a caption of its own.", key="two"):
            self.play(FadeIn(Square().shift(UP * 2)), run_time=8.0)
'''


def _frame_at(path: Path, seconds: float) -> np.ndarray:
    import av

    with av.open(str(path)) as c:
        for frame in c.decode(video=0):
            if float(frame.pts * frame.time_base) >= seconds:
                return frame.to_ndarray(format="rgb24").astype(np.int16)
    raise AssertionError(f"no frame at {seconds} s")


def _lag(track: np.ndarray, clip: np.ndarray, at: int, search: int = 2400) -> int:
    """Where `clip` sits in `track` relative to sample `at` (cross-correlation, +-search samples)."""
    n = min(clip.size, SAMPLE_RATE)
    lo = max(0, at - search)
    window = track[lo:at + n + search]
    scores = np.correlate(window, clip[:n], mode="valid")
    return int(np.argmax(scores)) + lo - at


@pytest.fixture(scope="module")
def narrated(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    tmp = tmp_path_factory.mktemp("neural")
    settings = RenderSettings(CONFIG, name="neural", media_dir=tmp / "media", quiet=True, voice="neural")
    return settings, tiny_scenes(tmp / "scenes"), render_video(tiny_scenes(tmp / "scenes"), settings)


@pytest.mark.slow
def test_each_segment_has_sound_as_long_as_its_picture(narrated) -> None:  # type: ignore[no-untyped-def]
    _, _, result = narrated
    for segment in result.segments:
        info = probe(segment.video)
        audio = decode_audio(segment.video)
        assert audio is not None and info.audio is not None and info.audio[0] == "aac"
        # Manim's AAC adds its encoder priming and pads the last frame: at most two AAC frames more
        excess = audio.size / SAMPLE_RATE - info.duration
        assert 0.0 <= excess <= 2 * AAC_FRAME / SAMPLE_RATE, (segment.scene_id, excess)
        for beat in segment.beats:
            assert beat.audio and Path(beat.audio).is_file()
            clip, rate = read_wav(Path(beat.audio))
            # a beat holds until its speech ends plus the pause (to the next whole frame)
            assert beat.end - beat.start == pytest.approx(max(1.5, clip.size / rate + SPEECH_PAUSE), abs=1 / FPS)


@pytest.mark.slow
def test_stitched_sound_is_sample_aligned_with_every_beat(narrated) -> None:  # type: ignore[no-untyped-def]
    _, _, result = narrated
    track = decode_audio(result.video)
    assert track is not None
    # one continuous track: as long as the picture, give or take the last AAC frame's padding
    # (to a nanosecond: 563,200 samples and 176 frames at 15 fps are both 11.7333… s, computed two ways)
    assert -1e-9 <= track.size / SAMPLE_RATE - result.assembly.duration < AAC_FRAME / SAMPLE_RATE
    for start, segment in zip(result.assembly.starts, result.segments):
        for beat in segment.beats:
            clip, _ = read_wav(Path(str(beat.audio)))
            at = int(round((start + beat.start) * SAMPLE_RATE))
            assert abs(_lag(track, clip, at)) <= 1, beat.id  # the offset at the end too: no drift


@pytest.mark.slow
def test_captions_follow_the_spoken_words(narrated) -> None:  # type: ignore[no-untyped-def]
    settings, _, result = narrated
    srt = result.video.with_suffix(".srt").read_text(encoding="utf-8")
    beat = result.segments[0].beats[1]  # "Antidisestablishmentarianism, electroencephalography."
    assert beat.cues and beat.cues[0][0] == 0.0 and beat.cues[-1][1] == pytest.approx(beat.end - beat.start, abs=1e-3)
    assert "Antidisestablishmentarianism" in srt


@pytest.mark.slow
def test_unchanged_rerender_reuses_every_clip_and_segment(narrated) -> None:  # type: ignore[no-untyped-def]
    settings, scenes, first = narrated
    clips = sorted((settings.app_dir / "voice" / "neural").glob("*.wav"))
    stamps = [p.stat().st_mtime_ns for p in clips]
    t0 = time.monotonic()
    again = render_video(scenes, settings)
    assert time.monotonic() - t0 <= 3.0
    assert all(s.reused for s in again.segments)
    assert sorted((settings.app_dir / "voice" / "neural").glob("*.wav")) == clips
    assert [p.stat().st_mtime_ns for p in clips] == stamps


@pytest.mark.slow
def test_an_animation_starts_on_its_word(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    scene_file = tmp_path / "bookmark.py"
    scene_file.write_text(BOOKMARK_SCENE, encoding="utf-8")
    out = tmp_path / "bookmark.json"
    monkeypatch.setenv("BOOKMARK_OUT", str(out))
    settings = RenderSettings(CONFIG, name="bm", media_dir=tmp_path / "media", quiet=True, voice="neural")
    info = scene_from_file(scene_file, "Bookmark", "why-attention", "Bookmark")
    result = render_video([info], settings)
    [beat] = result.segments[0].beats
    meta = json.loads(Path(str(beat.audio)).with_suffix(".json").read_text(encoding="utf-8"))
    five = next(start for word, start, _ in meta["words"] if word.startswith("five"))
    started = json.loads(out.read_text(encoding="utf-8"))["five"]
    assert started - beat.start == pytest.approx(five, abs=1 / FPS)
    assert five > 1.0  # the bookmark really waited


def test_a_caption_chunk_switches_cleanly_during_an_animation(tmp_path: Path) -> None:
    """Silent (chunks timed by reading pace): the second chunk replaces the first mid-animation;
    its band looks the same then as once the animation is over (not drawn over the first)."""
    scene_file = tmp_path / "switch.py"
    scene_file.write_text(SWITCH_SCENE, encoding="utf-8")
    settings = RenderSettings(CONFIG, name="sw", media_dir=tmp_path / "media", quiet=True)
    info = scene_from_file(scene_file, "Switch", "why-attention", "Switch")
    result = render_video([info], settings)
    [beat] = result.segments[0].beats
    assert len(beat.cues) == 2 and beat.cues[1][2].startswith("The second")
    switch = beat.cues[1][0]
    assert 1.0 < switch < 7.0  # inside the 8 s animation
    during, after, before = (_frame_at(result.video, t) for t in (switch + 0.5, 9.0, switch - 0.5))
    band = slice(int(during.shape[0] * 0.82), during.shape[0])
    assert np.abs(during[band] - after[band]).mean() < 1.0
    assert np.abs(before[band] - after[band]).mean() > 3.0  # a different chunk before the switch


@pytest.mark.slow
def test_editing_one_line_synthesises_that_line_alone(tmp_path: Path) -> None:
    settings = RenderSettings(CONFIG, name="edit", media_dir=tmp_path / "media", quiet=True, voice="neural")
    scenes = tiny_scenes(tmp_path / "scenes")
    render_video(scenes, settings)
    folder = settings.app_dir / "voice" / "neural"
    before = {p.name: p.stat().st_mtime_ns for p in folder.glob("*.wav")}
    assert len(before) == 4  # two lines in each of the two tiny scenes
    second = Path(scenes[1].path)
    second.write_text(second.read_text(encoding="utf-8").replace("A circle is drawn.", "A circle is drawn again."),
                      encoding="utf-8")
    result = render_video(scenes, settings)
    assert not result.segments[1].reused  # (the first is reused too, unless shared code changed meanwhile)
    after = {p.name: p.stat().st_mtime_ns for p in folder.glob("*.wav")}
    new = set(after) - set(before)
    assert len(new) == 1 and all(after[name] == stamp for name, stamp in before.items())
    [edited] = [b for b in result.segments[1].beats if b.text == "A circle is drawn again."]
    assert Path(str(edited.audio)).name in new
