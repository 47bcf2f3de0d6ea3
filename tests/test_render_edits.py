"""The edit loop (issue 21): what a render leaves, what an edit re-does, a beat alone, one
scene's sound, two renders of one scene at once, the check as a counted step."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import av
import numpy as np
import pytest

from fixtures.tiny_catalog import TINY_CONFIG, tiny_scenes

from attention_explainer.config import parse_yaml, validate_config
from attention_explainer.narration.loudness import SAMPLE_RATE, read_wav
from attention_explainer.production.assemble import probe
from attention_explainer.production.check import check_scenes
from attention_explainer.production.child import MediaDir
from attention_explainer.production.housekeeping import remove_stale_work
from attention_explainer.production.progress import Lines
from attention_explainer.production.render import RenderSettings, render_scene, render_segments, render_video
from attention_explainer.production.soundtrack import decode_audio

CONFIG = validate_config(parse_yaml(TINY_CONFIG))
FRAME = 1 / 15
RUN_CLI = Path(__file__).parent / "fixtures" / "run_cli.py"
ESPEAK = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")


def _lag(track: np.ndarray, clip: np.ndarray, at: int, search: int = 2400) -> int:
    """Where `clip` sits in `track` relative to sample `at` (cross-correlation, +-search samples)."""
    n = min(clip.size, SAMPLE_RATE)
    lo = max(0, at - search)
    scores = np.correlate(track[lo:at + n + search], clip[:n], mode="valid")
    return int(np.argmax(scores)) + lo - at


def _last_frame(path: Path) -> np.ndarray:
    with av.open(str(path)) as c:
        frame = None
        for frame in c.decode(video=0):
            pass
        assert frame is not None
        return frame.to_ndarray(format="rgb24").astype(np.int16)


@ESPEAK
@pytest.mark.slow
def test_a_voiced_render_leaves_no_work_files_and_the_next_says_nothing_of_them(tmp_path: Path) -> None:
    """Item 1: Manim's scene WAVs were left beside its output; the next run took them for the
    leftovers of an interrupted render."""
    settings = RenderSettings(CONFIG, name="voice", media_dir=tmp_path / "media", quiet=True, voice="espeak")
    scenes = tiny_scenes(tmp_path / "scenes")
    render_video(scenes, settings)
    app = settings.app_dir
    assert list((app / "manim").rglob("*.wav")) == []
    assert sorted(p.name for p in (app / "work").iterdir() if not p.name.startswith("config-")) == []
    assert remove_stale_work(app, dry_run=True).files == 0
    out = io.StringIO()
    render_segments(scenes, settings, progress=Lines(out))
    assert "removed" not in out.getvalue() and out.getvalue().count("unchanged, reused") == 2


@ESPEAK
@pytest.mark.slow
def test_one_scene_mp4_plays_the_sample_exact_narration(tmp_path: Path) -> None:
    """Item 15: `scene` kept Manim's own AAC, about 21 ms late; now it has the video's soundtrack."""
    settings = RenderSettings(CONFIG, name="one", media_dir=tmp_path / "media", quiet=True, voice="espeak")
    one = tiny_scenes(tmp_path / "scenes")[0]
    out = render_scene(one, settings)
    [segment] = render_segments([one], settings)
    track = decode_audio(out)
    assert track is not None
    assert 0.0 <= track.size / SAMPLE_RATE - probe(out).duration < 1024 / SAMPLE_RATE
    for beat in segment.beats:
        clip, _ = read_wav(Path(str(beat.audio)))
        assert abs(_lag(track, clip, int(round(beat.start * SAMPLE_RATE)))) <= 1, beat.id


@pytest.mark.slow
def test_one_beat_renders_alone_from_the_state_before_it(tmp_path: Path) -> None:
    """Item 13: `scene math --beat ID` renders that beat's animations only, starting from the
    scene as it was before the beat."""
    settings = RenderSettings(CONFIG, name="beat", media_dir=tmp_path / "media", quiet=True)
    two = tiny_scenes(tmp_path / "scenes")[1]
    [whole] = render_segments([two], settings)
    first, second = whole.beats
    out = render_scene(two, settings, beat=second.id)
    assert out.name == f"beat_math_480p15_{second.id}.mp4"
    assert probe(out).duration == pytest.approx(second.end - second.start, abs=FRAME)
    # the square fades in over the circle drawn in the beat before: the last frames match
    assert np.abs(_last_frame(out) - _last_frame(whole.video)).mean() < 1.0
    with pytest.raises(Exception, match="no such beat; its beats: tiny-two-circle, tiny-two-02"):
        render_scene(two, settings, beat="tiny-two-nope")


def test_a_media_dir_is_held_by_one_process_at_a_time(tmp_path: Path) -> None:
    """Item 15: two `scene` renders of one scene wrote into one Manim folder at once."""
    first = MediaDir(tmp_path, "math")
    second = MediaDir(tmp_path, "math")
    assert (first.path.name, second.path.name) == ("math", "math.1")
    first.release()
    third = MediaDir(tmp_path, "math")
    assert third.path.name == "math"  # free again: its TeX cache is reused
    second.release()
    third.release()


@pytest.mark.slow
def test_two_scene_commands_at_once_both_write_their_video(tmp_path: Path) -> None:
    config = tmp_path / "tiny.yaml"
    config.write_text(TINY_CONFIG)
    env = {**os.environ, "TINY_SCENE_DIR": str(tmp_path / "scenes")}
    tiny_scenes(tmp_path / "scenes")
    procs = [subprocess.Popen([sys.executable, str(RUN_CLI), "scene", "math", "-c", str(config), "--media-dir",
                               str(tmp_path / "media"), "-o", str(tmp_path / f"{n}.mp4"), "--quiet",
                               "--burn-captions" if n else "--no-burn-captions"],
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for n in range(2)]
    results = [p.communicate(timeout=240) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], results
    durations = [probe(tmp_path / f"{n}.mp4").duration for n in range(2)]
    assert durations[0] == pytest.approx(durations[1], abs=FRAME) and durations[0] > 3.0
    # each has its own picture: the caption band is empty without captions, written with them
    band = [_last_frame(tmp_path / f"{n}.mp4")[-110:-20] for n in range(2)]
    assert np.abs(band[0] - band[0][0, 0]).max() < 8 and np.abs(band[1] - band[1][0, 0]).max() > 100


@pytest.mark.slow
def test_the_check_builds_only_the_scenes_that_changed(tmp_path: Path) -> None:
    """Item 7: after an edit, only the changed scene is checked again."""
    scenes = tiny_scenes(tmp_path / "scenes")
    media = tmp_path / "media"
    first = check_scenes(scenes, CONFIG, media, jobs=1)
    assert sorted(first.checked) == ["math", "why-attention"] and not first.reused
    again = check_scenes(scenes, CONFIG, media, jobs=1)
    assert again.reused and again.checked == [] and again.findings == first.findings
    path = Path(scenes[0].path)
    path.write_text(path.read_text() + "\n# edited\n")
    edited = check_scenes(scenes, CONFIG, media, jobs=1)
    assert edited.checked == ["why-attention"]
    # each beat: its FadeIn, then the wait that holds it for its reading time (Manim counts both)
    assert edited.plays["why-attention"] == {"tiny-one-square": [0, 2], "tiny-one-02": [2, 4]}


@pytest.mark.slow
def test_render_shows_the_check_as_a_step_and_counts_it(tmp_path: Path) -> None:
    config = tmp_path / "tiny.yaml"
    config.write_text(TINY_CONFIG)
    env = {**os.environ, "TINY_SCENE_DIR": str(tmp_path / "scenes")}
    run = subprocess.run([sys.executable, str(RUN_CLI), "render", "-c", str(config), "--media-dir",
                          str(tmp_path / "media"), "-j", "2"], env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert "checking " in run.stderr and "checked in" in run.stderr
    assert "2 scenes: 2 checked, 2 rendered, 0 unchanged; took" in run.stdout


@pytest.mark.slow
def test_a_new_intro_sentence_leaves_the_math_scene_valid(tmp_path: Path) -> None:
    """Item 8: a scene's cache entry holds only the config keys it read. The math scene never
    reads video.intro_sentence, why-attention does: changing it re-builds why-attention alone."""
    from attention_explainer.config import load_config
    from attention_explainer.config.catalog import scene_by_id
    from attention_explainer.production.records import SegmentMeta

    config = load_config(None)
    scenes = [scene_by_id("why-attention"), scene_by_id("math")]
    media = tmp_path / "media"
    first = check_scenes(scenes, config, media)
    assert sorted(first.checked) == ["math", "why-attention"]
    keys = {s: set(SegmentMeta.from_file(m).config or {})
            for s in ("math", "why-attention")
            for m in (media / "attention-explainer" / "cache" / s / "check").glob("*.json")}
    assert "video.intro_sentence" in keys["why-attention"] and "video.intro_sentence" not in keys["math"]
    assert {"sentence", "model.d_k"} <= keys["math"]
    video = config.video.model_copy(update={"intro_sentence": "The bank raised rates because it feared inflation."})
    second = check_scenes(scenes, config.model_copy(update={"video": video}), media)
    assert second.checked == ["why-attention"]
