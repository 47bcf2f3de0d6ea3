"""What a course page needs beside a rendered video (issue 21 item 12): the transcript with each
line's start time, the chapters as WebVTT, and every word's time in the manifest."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from attention_explainer.narration.chapters import clock
from attention_explainer.production.clips import read_vtt

pytestmark = pytest.mark.slow


def test_transcript_chapters_and_word_times_beside_the_video(lesson_video: Path) -> None:
    manifest = json.loads(lesson_video.with_name("lesson.manifest.json").read_text(encoding="utf-8"))
    beats = [b for s in manifest["scenes"] for b in s["beats"]]
    transcript = Path(manifest["transcript"]).read_text(encoding="utf-8").splitlines()
    assert Path(manifest["transcript"]) == lesson_video.with_name("lesson.transcript.txt")
    assert transcript == [f"{clock(b['start'])}  {' '.join(b['text'].split())}" for b in beats]
    chapters = read_vtt(Path(manifest["chapters_vtt"]).read_text(encoding="utf-8"))
    assert [(c.text, c.start) for c in chapters] == [(s["title"], s["start"]) for s in manifest["scenes"]]
    assert chapters[-1].end == pytest.approx(manifest["duration"], abs=1e-3)
    for b in beats:  # the voice's word times: one per word, in order, inside the beat
        starts = [w[0] for w in b["words"]]
        assert len(b["words"]) == len(b["text"].split())
        assert starts == sorted(starts) and b["start"] <= starts[0] and b["words"][-1][1] <= b["end"] + 1e-3
    assert manifest["theme"] == "light"
