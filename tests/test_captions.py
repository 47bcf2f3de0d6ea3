"""Caption files and chapter lists from beats (pure functions, no rendering)."""

from __future__ import annotations

import re

import pytest

from attention_explainer.narration.beats import Beat
from attention_explainer.narration.captions import Cue, cues_for, timestamp, to_srt, to_vtt, wrap
from attention_explainer.narration.chapters import Chapter, av_chapters, clock, youtube_text, youtube_warnings

ONE = (Beat("a-01", "First line.", 0.0, 2.0), Beat("a-02", "Second line, a bit longer.", 2.0, 4.5))
TWO = (Beat("b-intro", "Another scene <with> & specials.", 0.0, 3.25),)


def test_cues_are_shifted_by_their_scene_start() -> None:
    cues = cues_for([(0.0, 4.5, ONE), (4.5, 3.25, TWO)])
    assert [(c.id, c.start, c.end) for c in cues] == [
        ("a-01", 0.0, 2.0), ("a-02", 2.0, 4.5), ("b-intro", 4.5, 7.75)]


def test_cues_never_leave_their_scene() -> None:
    # a beat that claims to run past the scene's video (rounding) is cut at the scene's end
    cues = cues_for([(10.0, 3.0, (Beat("x-01", "Late.", 2.0, 3.4), Beat("x-02", "Gone.", 3.5, 4.0)))])
    assert [(c.start, c.end) for c in cues] == [(12.0, 13.0)]


@pytest.mark.parametrize(("seconds", "srt", "vtt"), [
    (0, "00:00:00,000", "00:00:00.000"),
    (61.2345, "00:01:01,234", "00:01:01.234"),
    (3723.5, "01:02:03,500", "01:02:03.500"),
])
def test_timestamps(seconds: float, srt: str, vtt: str) -> None:
    assert timestamp(seconds, ",") == srt
    assert timestamp(seconds, ".") == vtt


def test_srt_blocks() -> None:
    text = to_srt(cues_for([(0.0, 4.5, ONE), (4.5, 3.25, TWO)]))
    blocks = text.strip().split("\n\n")
    assert len(blocks) == 3
    assert blocks[0].splitlines() == ["1", "00:00:00,000 --> 00:00:02,000", "First line."]
    assert blocks[2].splitlines()[1] == "00:00:04,500 --> 00:00:07,750"
    assert text.endswith("\n")


def test_vtt_escapes_markup_and_names_cues_by_beat_id() -> None:
    text = to_vtt(cues_for([(0.0, 3.25, TWO)]))
    assert text.startswith("WEBVTT\n\n")
    assert "b-intro\n00:00:00.000 --> 00:00:03.250\nAnother scene &lt;with&gt; &amp; specials." in text


def test_long_lines_wrap_at_42_characters() -> None:
    line = "Every query row is compared with every key column, and the scores are scaled by root d k."
    lines = wrap(line)
    assert len(lines) >= 2 and all(len(x) <= 42 for x in lines)
    assert " ".join(lines) == line
    assert to_srt([Cue("x", 0, 1, line)]).count("\n") >= 4


@pytest.mark.parametrize(("seconds", "text"), [(0, "0:00"), (59.99, "0:59"), (61, "1:01"), (3725, "1:02:05")])
def test_clock(seconds: float, text: str) -> None:
    assert clock(seconds) == text


def test_youtube_chapters_start_at_zero_and_use_titles() -> None:
    chapters = [Chapter("Why Self-Attention", 0.0, 40.2), Chapter("The Math", 40.2, 95.0),
                Chapter("Outro", 95.0, 110.0)]
    text = youtube_text(chapters)
    assert text.splitlines() == ["0:00 Why Self-Attention", "0:40 The Math", "1:35 Outro"]
    assert youtube_warnings(chapters) == []
    assert re.search("at least 3", youtube_warnings(chapters[:2])[0])
    assert "Outro" in youtube_warnings([*chapters[:2], Chapter("Outro", 95.0, 99.0)])[0]


def test_av_chapters_in_milliseconds() -> None:
    out = av_chapters([Chapter("A", 0.0, 1.5), Chapter("B", 1.5, 3.0)])
    assert [(c["start"], c["end"], c["metadata"]["title"]) for c in out] == [(0, 1500, "A"), (1500, 3000, "B")]
