"""Listening back: Whisper base hears a short clip with a known text; scoring by word (or character)."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from attention_explainer.narration.listen import edits, score, units
from attention_explainer.narration.loudness import SAMPLE_RATE, read_wav, write_wav

needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")


def test_edits_count_substitutions_insertions_and_deletions() -> None:
    assert edits("a b c d".split(), "a x c d".split()) == 1
    assert edits("a b c d".split(), "a b d".split()) == 1
    assert edits("a b".split(), "a b c e".split()) == 2
    assert edits([], "a b".split()) == 2


def test_words_are_compared_as_said() -> None:
    # what the voice says and what Whisper writes for it agree once both are in words
    h = score("math-x", "Softmax of QKᵀ over √d_k, times 0.35.", "Softmax of QK transposed over root DK, times 0.35.", "en")
    assert (h.errors, h.units) == (0, len(units("softmax of q k transposed over root d k times zero point three five", "en")))
    assert score("math-v", "times V.", "times B.", "en").errors == 1
    zh = score("zh-1", "注意力机制。", "注意力基制", "zh")  # characters for Chinese
    assert (zh.errors, zh.units) == (1, 5)


@pytest.mark.slow
@needs_espeak
def test_listen_hears_a_short_clip_with_a_known_text(tmp_path: Path) -> None:
    from attention_explainer.cli.app import cli
    from attention_explainer.cli import main  # noqa: F401 - registers the commands
    from attention_explainer.narration.voice import make_voice

    lines = [("intro-01", "Every word looks at every other word in the sentence."),
             ("math-02", "The weights in each row add up to one.")]
    voice = make_voice("kokoro:af_heart", tmp_path / "cache")
    assert voice is not None
    audio, beats, t = [], [], 0.0
    for line_id, text in lines:
        speech = voice.speak(line_id, text)
        assert speech is not None
        clip, rate = read_wav(speech.path)
        assert rate == SAMPLE_RATE
        audio += [clip, np.zeros(SAMPLE_RATE // 2, np.float32)]
        beats.append({"id": line_id, "text": text, "start": t, "end": t + clip.size / rate})
        t += clip.size / rate + 0.5
    video = tmp_path / "lesson.wav"
    write_wav(video, np.concatenate(audio))
    manifest = {"scenes": [{"beats": beats}], "language": "en"}
    (tmp_path / "lesson.manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    result = CliRunner().invoke(cli, ["listen", str(video)])
    assert result.exit_code == 0, result.output
    assert "lesson.wav: WER " in result.output and "language en" in result.output
    figures = [line.split()[0] for line in result.output.splitlines() if line.strip().endswith(("intro-01", "math-02"))]
    assert all(float(f.rstrip("%")) <= 10.0 for f in figures) and len(figures) == 2
    # a line that says something else is found, shown with what was heard, and fails the run
    beats[1]["text"] = "Queries and keys are compared by a dot product."
    (tmp_path / "lesson.manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    result = CliRunner().invoke(cli, ["listen", str(video)])
    assert result.exit_code == 1
    assert "heard '" in result.output and "add up to one" in result.output.lower()
    assert "above 50% WER: math-02" in result.output


def test_listen_without_whisper_says_how_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    from attention_explainer.cli import main

    monkeypatch.setitem(sys.modules, "faster_whisper", None)  # as if not installed
    video = tmp_path / "v.mp4"
    video.write_bytes(b"")
    (tmp_path / "v.manifest.json").write_text(json.dumps({"scenes": []}), encoding="utf-8")
    with pytest.raises(SystemExit) as e:
        main(["listen", str(video)])
    assert e.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error:") and "bash scripts/bootstrap.sh listen" in err[0]
