"""The lesson page without a browser: its data and HTML from a manifest, its words in every
language, the transcript and chapter files, and one `error:` line for every bad input."""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from attention_explainer.cli import main
from attention_explainer.config.loader import load_config
from attention_explainer.core.attention import compute_trace
from attention_explainer.narration.beats import Beat
from attention_explainer.narration.chapters import Chapter
from attention_explainer.production.assemble import beat_words
from attention_explainer.production.page import write_page
from attention_explainer.production.page_text import UI_STRINGS, chapters_vtt, transcript_text, ui_strings
from attention_explainer.production.records import Manifest, ManifestBeat, ManifestConfig, ManifestScene
from attention_explainer.scenes.components.text import fmt

CONFIG = 'sentence: "The cat sat down"\nvideo:\n  focus: "sat"\n'


def lesson(tmp_path: Path, language: str | None = None, theme: str = "light") -> Path:
    """A video file with a manifest and captions beside it, as `render` leaves them (no real video:
    the page never reads the video's bytes)."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    config = tmp_path / "effective.yaml"
    config.write_text(CONFIG, encoding="utf-8")
    video = tmp_path / "out" / "talk.mp4"
    video.parent.mkdir()
    video.write_bytes(b"\x00\x00\x00\x18ftypmp42")
    words = [(0.0, 0.4), (0.4, 0.9), (0.9, 1.5)]
    beats = [ManifestBeat(id="heatmap-a", text="Rows are queries.", start=0.0, end=2.0, words=words),
             ManifestBeat(id="heatmap-b", text="Let's read “sat” now, please", start=2.0, end=5.0)]
    scene = ManifestScene(id="heatmap", title="Attention Heatmap", start=0.0, duration=5.0, segment="s.mp4",
                          cache_key="k", reused=False, render_seconds=1.0, beats=beats)
    Manifest(video=str(video), format="mp4", duration=5.0, resolution="854x480", fps=15.0, audio=True,
             config=ManifestConfig(name="x", effective=str(config), sha256="0"), language=language, theme=theme,
             captions={"srt": "talk.srt", "vtt": "talk.vtt"}, chapters="talk.chapters.txt", scenes=[scene],
             tools={}, created="2026-12-05T00:00:00+00:00").to_file(video.with_name("talk.manifest.json"))
    video.with_name("talk.vtt").write_text("WEBVTT\n\nheatmap-a\n00:00:00.000 --> 00:00:02.000\nRows are queries.\n")
    return video


def data_of(page: Path) -> dict[str, Any]:
    html = page.read_text(encoding="utf-8")
    m = re.search(r'<script type="application/json" id="lesson-data">(.*?)</script>', html, re.S)
    assert m
    return json.loads(m.group(1).replace("<\\/", "</"))


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    with pytest.raises(SystemExit) as e:
        main(args)
    return int(e.value.code or 0), capsys.readouterr().err


def test_the_page_holds_the_videos_numbers_beats_and_words(tmp_path: Path) -> None:
    video = lesson(tmp_path)
    page = write_page(video)
    assert page == video.with_suffix(".html")
    data = data_of(page)
    trace = compute_trace(load_config(tmp_path / "effective.yaml").attention_spec())
    assert data["matrices"]["weights"]["shown"] == [[fmt(float(w), 2) for w in row] for row in trace.weights]
    assert data["matrices"]["Q"]["shown"][1] == [fmt(float(v), 2 * trace.precision) for v in trace.Q[1]]
    assert data["focus"] == 2
    for i, row in enumerate(data["softmax"]):  # the worked rows check by hand, as the video works them
        s = [float(v.replace("\u2212", "-")) for v in row["scaled"]]
        assert s == [round(float(v), 2) for v in trace.scaled[i]]
        e = [float(v) for v in row["exp"]]
        assert e == [round(math.exp(v), 2) for v in s] or row["shift"], (i, row)
        assert float(row["sum"]) == pytest.approx(sum(e)) and row["sum_sign"] == "="
        assert [float(w) for w in row["weights"]] == [round(v / float(row["sum"]) + 1e-12, 2) for v in e]
    assert [w["start"] for w in data["beats"][0]["words"]] == [0.0, 0.4, 0.9]
    second = data["beats"][1]["words"]  # no word times in the manifest: paced over the beat
    assert [w["w"] for w in second] == "Let's read “sat” now, please".split()
    assert second[0]["start"] == 2.0 and second[-1]["end"] == pytest.approx(5.0)
    assert data["row_seek"][2] == 2.0  # the beat that names "sat" explains its row
    assert data["video"] == "talk.mp4" and data["theme"] == "light" and data["present"] is False
    assert data["chapters"] == [{"title": "Attention Heatmap", "start": 0.0, "end": 5.0, "id": "heatmap"}]


def test_the_page_fetches_nothing_from_outside(tmp_path: Path) -> None:
    html = write_page(lesson(tmp_path)).read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)\s*=\s*["'](?!#|talk\.mp4)""", html)
    assert "http://" not in html and "https://" not in html and "@import" not in html and "url(" not in html
    assert "connect-src 'none'" in html


def test_the_page_speaks_the_lessons_language(tmp_path: Path) -> None:
    page = write_page(lesson(tmp_path, language="es"), tmp_path / "x.html", present=True)
    html = page.read_text(encoding="utf-8")
    assert '<html lang="es" data-theme="light">' in html
    data = data_of(page)
    assert data["strings"]["rows_cols"] == "filas = consultas, columnas = claves" and data["present"] is True
    assert data["video"] == "out/talk.mp4"  # linked from the page's folder


def test_every_language_has_every_word() -> None:
    assert {"en", "es", "fr", "de", "it", "pt-BR", "hi", "zh", "ja"} <= set(UI_STRINGS)
    for code, words in UI_STRINGS.items():
        assert words.keys() == UI_STRINGS["en"].keys() and all(v.strip() for v in words.values()), code
    assert len({w["rows_cols"] for w in UI_STRINGS.values()}) == len(UI_STRINGS)  # each translated
    assert ui_strings("pt") == UI_STRINGS["en"] and ui_strings("de-CH") == UI_STRINGS["de"]


def test_transcript_and_chapters_vtt() -> None:
    assert transcript_text([(0.0, "First  line."), (65.4, "Second\nline.")]) == "0:00  First line.\n1:05  Second line.\n"
    assert chapters_vtt([Chapter("Why <it>", 0.0, 12.5), Chapter("Math", 12.5, 70.0)]) == (
        "WEBVTT\n\nchapter-1\n00:00:00.000 --> 00:00:12.500\nWhy &lt;it&gt;\n\n"
        "chapter-2\n00:00:12.500 --> 00:01:10.000\nMath\n")


def test_beat_words_are_the_voices_or_paced() -> None:
    voiced = Beat("a", "one two", 1.0, 3.0, words=((0.0, 0.5), (0.6, 2.5)))
    assert beat_words(voiced, 10.0) == [(11.0, 11.5), (11.6, 13.0)]  # clipped to the beat's end
    paced = beat_words(Beat("b", "a bb ccc", 0.0, 3.0), 0.0)
    assert [a for a, _ in paced] == [0.0, 0.667, 1.667] and paced[-1][1] == 3.0  # by length + 1: 2, 3, 4 of 9


def test_bad_videos_are_one_error_line_each(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    video = lesson(tmp_path)
    page = write_page(video)
    before = page.read_text(encoding="utf-8")
    notes = tmp_path / "notes.txt"
    notes.write_text("hello")
    bare = tmp_path / "bare.mp4"
    bare.write_bytes(b"\x00")
    cases = {str(notes): "not a rendered video", str(bare): "manifest bare.manifest.json is missing",
             str(tmp_path / "gone.mp4"): "no such video file"}
    for path, said in cases.items():
        code, err = run(["page", path], capsys)
        assert code == 2 and err.count("\n") == 1 and err.startswith("error: ") and said in err, err
    video.with_name("talk.manifest.json").write_text('{"video": "talk.mp4", "format": ', encoding="utf-8")
    code, err = run(["page", str(video)], capsys)
    assert code == 2 and err.count("\n") == 1 and "the manifest is damaged" in err, err
    assert page.read_text(encoding="utf-8") == before  # the earlier page is intact
    video2 = lesson(tmp_path / "b")
    (tmp_path / "b" / "effective.yaml").unlink()
    code, err = run(["page", str(video2)], capsys)
    assert code == 2 and "effective config is gone" in err and err.count("\n") == 1
    code, err = run(["page", str(lesson(tmp_path / "c")), "-o", str(tmp_path / "p.txt")], capsys)
    assert code == 2 and "name it *.html" in err


@pytest.mark.slow
def test_the_real_models_heads_come_with_its_segment(tmp_path: Path) -> None:
    video = lesson(tmp_path)
    assert data_of(write_page(video))["real"] is None  # no real-model segment: no heads
    m = Manifest.from_file(video.with_name("talk.manifest.json"))
    real = m.scenes[0].model_copy(update={"id": "real-model", "start": 5.0, "beats": []})
    m.model_copy(update={"scenes": [*m.scenes, real], "duration": 10.0}).to_file(video.with_name("talk.manifest.json"))
    data = data_of(write_page(video))["real"]
    export = json.loads(subprocess.run([sys.executable, "-m", "attention_explainer", "export", "--real-model", "--config",
                                        str(tmp_path / "effective.yaml")], capture_output=True, text=True,
                                       check=True).stdout)
    assert data["pieces"] == export["pieces"] and len(data["heads"]) == len(export["picked_heads"]) >= 1
    for head, pick in zip(data["heads"], export["picked_heads"]):
        matrix = export["attention"][pick["layer"]][pick["head"]]
        assert head["shown"] == [[fmt(v, 2) for v in row] for row in matrix]


def test_render_refuses_a_page_or_clips_its_format_cannot_have(tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    for args, said in ((["--page", "--format", "gif"], "--page plays the video in a browser"),
                       (["--chapter-clips", "--format", "webm"], "--chapter-clips cuts MP4 clips")):
        code, err = run(["render", "--media-dir", str(tmp_path), *args], capsys)
        assert code == 2 and err.count("\n") == 1 and said in err, err
    assert not any(tmp_path.iterdir())  # refused before any work
