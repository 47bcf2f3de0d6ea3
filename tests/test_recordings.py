"""Your own recordings (issue 21, items 3, 4, 11): files named by the ids `narration` prints, every
recording checked before any work, and `wav-dir:PATH+VOICE` mixing recordings with a voice."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from attention_explainer.narration.recordings import WavDirVoice
from attention_explainer.narration.voice import VoiceError, check_voice_spec, make_voice, wav_duration

sys.path.insert(0, str(Path(__file__).parent))
from test_voice import write_wav  # noqa: E402

needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")


def test_the_ids_narration_prints_are_the_file_names(tmp_path: Path) -> None:
    from attention_explainer.narration.script import script_for

    assert "outro-closing" in script_for(None).ids("outro")  # what `narration` prints; said in pieces

    rec = tmp_path / "rec"
    rec.mkdir()
    write_wav(rec / "outro-closing.wav", 1.5)
    voice = make_voice(f"wav-dir:{rec}", tmp_path / "cache")
    assert isinstance(voice, WavDirVoice)
    first = voice.speak("outro-closing-1", "Attention is a weighted average.")
    assert first is not None and first.duration == pytest.approx(1.5, abs=0.01)
    assert voice.speak("outro-closing-2", "Over every token.") is None  # said with the first piece
    assert voice.unmatched(["outro-closing-1", "outro-closing-2"]) == []


def test_a_recording_matching_no_line_is_named(tmp_path: Path) -> None:
    rec = tmp_path / "rec"
    rec.mkdir()
    write_wav(rec / "math-softmax-sum.wav", 0.5)
    write_wav(rec / "math-sofmax-sum.wav", 0.5)  # a typo
    voice = make_voice(f"wav-dir:{rec}", tmp_path / "cache")
    assert isinstance(voice, WavDirVoice)
    assert voice.unmatched(["math-softmax-sum", "math-intro"]) == ["math-sofmax-sum.wav"]


@pytest.mark.parametrize("content", [b"RIFF\x00\x00\x00\x00WAVEfmt junk", b"", b"not audio at all" * 100])
def test_a_damaged_recording_is_one_error_line_before_any_work(tmp_path: Path, content: bytes) -> None:
    rec = tmp_path / "rec"
    rec.mkdir()
    write_wav(rec / "intro-01.wav", 0.5)
    (rec / "math-softmax-sum.wav").write_bytes(content)
    with pytest.raises(VoiceError) as e:
        make_voice(f"wav-dir:{rec}", tmp_path / "cache")  # what render does before any scene
    message = str(e.value)
    assert "\n" not in message
    assert "math-softmax-sum.wav" in message and message.rstrip().endswith(")")  # complete, not cut off


@needs_espeak
def test_recordings_and_a_voice_for_the_other_lines(tmp_path: Path) -> None:
    rec = tmp_path / "rec"
    rec.mkdir()
    write_wav(rec / "math-intro.wav", 2.0)
    voice = make_voice(f"wav-dir:{rec}+espeak", tmp_path / "cache")
    assert isinstance(voice, WavDirVoice)
    recorded = voice.speak("math-intro", "Here is the maths.")
    spoken = voice.speak("math-scores", "Every query meets every key.")
    assert recorded is not None and recorded.duration == pytest.approx(2.0, abs=0.01)
    assert spoken is not None and spoken.path.parent == tmp_path / "cache"
    assert 1.0 < wav_duration(spoken.path) < 5.0 and spoken.path != recorded.path
    assert voice.source("math-intro") == "math-intro.wav"
    assert voice.source("math-scores") == "espeak:en-us"
    alone = make_voice(f"wav-dir:{rec}", tmp_path / "cache")
    assert alone is not None and alone.speak("math-scores", "Every query meets every key.") is None
    assert voice.fingerprint("math") != alone.fingerprint("math")


@pytest.mark.parametrize(("spec", "says"), [
    ("espeak+wav-dir:x", "wav-dir:PATH+VOICE"),
    ("wav-dir:x+", "wav-dir:PATH+VOICE"),
    ("wav-dir:x+nobody", "unknown voice 'nobody'"),
])
def test_bad_mixed_specs(spec: str, says: str) -> None:
    with pytest.raises(ValueError, match=says.replace("+", r"\+")):
        check_voice_spec(spec)


def test_mixed_spec_is_valid() -> None:
    assert check_voice_spec("wav-dir:rec+kokoro:af_heart") == "wav-dir:rec+kokoro:af_heart"
