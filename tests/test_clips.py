"""Chapter clips (`render --chapter-clips`): one MP4 per chapter, cut without re-encoding where the
chapter starts on a keyframe, each with sound and its captions re-timed; they add up to the video."""

from __future__ import annotations

import json
import shutil
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from attention_explainer.narration.captions import Cue, to_vtt
from attention_explainer.production.clips import clips_folder, cut_cues, read_vtt, slug, write_chapter_clips
from attention_explainer.production.records import Manifest


def frames(path: Path) -> tuple[int, Fraction]:
    with av.open(str(path)) as c:
        s = c.streams.video[0]
        return sum(1 for p in c.demux(s) if p.pts is not None), Fraction(s.base_rate)


def loudness(path: Path) -> float:
    with av.open(str(path)) as c:
        samples = np.concatenate([f.to_ndarray().ravel() for f in c.decode(audio=0)])
    return float(np.sqrt(np.mean(samples.astype(np.float64) ** 2)))


def test_vtt_cues_read_back_and_cut_to_a_chapter() -> None:
    cues = [Cue("a-1", 0.0, 2.5, "One & two"), Cue("a-2", 2.5, 6.0, "<three>"), Cue("b", 6.0, 9.0, "four")]
    assert read_vtt(to_vtt(cues)) == cues
    assert cut_cues(cues, 2.0, 7.0) == [Cue("a-1", 0.0, 0.5, "One & two"), Cue("a-2", 0.5, 4.0, "<three>"),
                                        Cue("b", 4.0, 5.0, "four")]
    assert slug("Why Self-Attention?") == "why-self-attention"
    assert slug("注意力 热图") == "注意力-热图"


@pytest.mark.slow
def test_clips_add_up_to_the_video_and_each_has_sound(lesson_video: Path) -> None:
    manifest = json.loads(lesson_video.with_name("lesson.manifest.json").read_text(encoding="utf-8"))
    clips = sorted(clips_folder(lesson_video).glob("*.mp4"))
    assert [c.name for c in clips] == ["01-attention-heatmap.mp4", "02-inside-a-real-model.mp4"]
    total, rate = frames(lesson_video)
    counts = [frames(c)[0] for c in clips]
    assert abs(sum(counts) - total) <= len(clips)  # within one frame per clip
    for clip, scene, n in zip(clips, manifest["scenes"], counts):
        assert abs(n / rate - scene["duration"]) <= 1 / rate
        assert loudness(clip) > 1e-3  # the narration is there
        cues = read_vtt(clip.with_suffix(".vtt").read_text(encoding="utf-8"))
        assert cues[0].start == 0.0 and cues[-1].end <= scene["duration"] + 1e-3
        assert [c.text for c in cues] == [c.text for c in read_vtt(lesson_video.with_suffix(".vtt").read_text())
                                          if scene["start"] - 1e-3 <= c.start < scene["start"] + scene["duration"]]
        assert clip.with_suffix(".srt").read_text().startswith("1\n00:00:00,000 --> ")


@pytest.mark.slow
def test_a_chapter_off_a_keyframe_is_re_encoded_to_the_frame(lesson_video: Path, tmp_path: Path) -> None:
    video = tmp_path / "lesson.mp4"
    shutil.copy(lesson_video, video)
    shutil.copy(lesson_video.with_suffix(".vtt"), video.with_suffix(".vtt"))
    m = Manifest.from_file(lesson_video.with_name("lesson.manifest.json"))
    first = m.scenes[0]
    cut = round(first.duration / 2 * 15 + 0.37) / 15  # mid-scene, on a frame, not on a keyframe
    parts = [first.model_copy(update={"duration": cut}),
             first.model_copy(update={"start": cut, "duration": first.duration - cut, "title": "Second half"}),
             *m.scenes[1:]]
    with av.open(str(video)) as c:
        keys = [float(p.pts * p.time_base) for p in c.demux(c.streams.video[0]) if p.pts is not None and p.is_keyframe]
    assert all(abs(k - cut) > 1e-3 for k in keys)  # so this chapter's video must be re-encoded
    written = write_chapter_clips(video, m.model_copy(update={"scenes": parts}))
    clips = sorted(p for p in written if p.suffix == ".mp4")
    total, rate = frames(video)
    counts = [frames(c)[0] for c in clips]
    assert abs(sum(counts) - total) <= len(clips)
    assert abs(counts[1] / rate - (first.duration - cut)) <= 1 / rate
    assert loudness(clips[1]) > 1e-3
