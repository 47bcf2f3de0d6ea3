"""Narration voices: espeak-ng, recorded WAVs by beat id, a TTS command, plug-ins (no Manim)."""

from __future__ import annotations

import shutil
import sys
import wave
from pathlib import Path

import numpy as np
import pytest

from attention_explainer.narration.loudness import LEAD_IN
import attention_explainer.narration.voice as voice_module
from attention_explainer.narration.voice import (
    SAMPLE_RATE,
    Speech,
    VoiceError,
    WavDirVoice,
    make_voice,
    register_voice,
    voice_names,
    wav_duration,
)

needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")


def write_wav(path: Path, seconds: float, rate: int = 22_050, channels: int = 2) -> Path:
    n = int(seconds * rate)
    tone = (6000 * np.sin(2 * np.pi * 330 * np.arange(n) / rate)).astype(np.int16)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(np.repeat(tone, channels).tobytes())
    return path


def assert_normalized(speech: Speech) -> None:
    with wave.open(str(speech.path)) as w:
        assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (SAMPLE_RATE, 1, 2)
    assert speech.duration == pytest.approx(wav_duration(speech.path))


@needs_espeak
def test_espeak_speaks_a_line_into_a_wav(tmp_path: Path) -> None:
    voice = make_voice("espeak", tmp_path)
    assert voice is not None
    short = voice.speak("math-01", "Hello.")
    long = voice.speak("math-02", "Every query is compared with every key, and the scores become weights.")
    assert short is not None and long is not None
    assert_normalized(long)
    assert 0.3 < short.duration < long.duration < 10
    again = voice.speak("math-02", "Every query is compared with every key, and the scores become weights.")
    assert again == long  # the clip is reused, not spoken again


@needs_espeak
def test_espeak_line_starting_with_a_dash_is_spoken_not_parsed(tmp_path: Path) -> None:
    voice = make_voice("espeak:en-gb", tmp_path)
    assert voice is not None
    speech = voice.speak("x-01", "-v is not an option here")
    assert speech is not None and speech.duration > 0.5


def test_wav_dir_picks_up_a_recording_by_beat_id(tmp_path: Path) -> None:
    rec = tmp_path / "rec"
    rec.mkdir()
    write_wav(rec / "math-03.wav", 1.25)
    voice = make_voice(f"wav-dir:{rec}", tmp_path / "cache")
    assert isinstance(voice, WavDirVoice)
    speech = voice.speak("math-03", "whatever the text says")
    assert speech is not None
    assert_normalized(speech)
    assert speech.duration == pytest.approx(1.25, abs=0.01)
    assert voice.speak("math-04", "no recording for this one") is None


def test_wav_dir_fingerprint_follows_the_scene_recordings(tmp_path: Path) -> None:
    rec = tmp_path / "rec"
    rec.mkdir()
    voice = make_voice(f"wav-dir:{rec}", tmp_path / "cache")
    assert voice is not None
    before = {s: voice.fingerprint(s) for s in ("math", "heatmap")}
    write_wav(rec / "math-01.wav", 0.5)
    assert voice.fingerprint("math") != before["math"]
    assert voice.fingerprint("heatmap") == before["heatmap"]  # other scenes stay cached
    changed = voice.fingerprint("math")
    write_wav(rec / "math-01.wav", 0.7)
    assert voice.fingerprint("math") != changed


def test_command_voice_runs_any_tts_program(tmp_path: Path) -> None:
    script = tmp_path / "tts.py"
    script.write_text(
        "import sys, wave\n"
        "out, text = sys.argv[1], sys.stdin.read()\n"
        "w = wave.open(out, 'wb'); w.setnchannels(1); w.setsampwidth(2); w.setframerate(16000)\n"
        "w.writeframes(b'\\x00\\x01' * int(16000 * 0.1 * len(text.split()))); w.close()\n")
    voice = make_voice(f"cmd:{sys.executable} {script} {{out}}", tmp_path / "cache")
    assert voice is not None
    speech = voice.speak("outro-01", "four words go here")
    assert speech is not None
    assert speech.duration == pytest.approx(0.4 + LEAD_IN, abs=0.01)  # its sound starts on sample 0
    assert_normalized(speech)


def test_registered_voice_plugs_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # the registry as it was comes back after the test (others, in this process, list the voices)
    monkeypatch.setattr(voice_module, "_FACTORIES", dict(voice_module._FACTORIES))

    class Fixed:
        def __init__(self, arg: str) -> None:
            self.seconds = float(arg)

        def speak(self, beat_id: str, text: str) -> Speech:
            return Speech(write_wav(tmp_path / f"{beat_id}.wav", self.seconds), self.seconds)

        def fingerprint(self, scene_id: str) -> str:
            return f"fixed {self.seconds}"

    register_voice("fixed-test", lambda arg, cache: Fixed(arg))
    assert "fixed-test" in voice_names()
    voice = make_voice("fixed-test:0.5", tmp_path)
    assert voice is not None and voice.speak("a-01", "x").duration == 0.5


@pytest.mark.parametrize(("spec", "message"), [
    ("klingon", "unknown voice 'klingon'; known: none, "),
    ("wav-dir", "needs a folder"),
    ("wav-dir:/no/such/folder", "no such directory"),
    ("cmd:say hello", "must write to {out}"),
])
def test_bad_voice_specs_are_one_line_errors(tmp_path: Path, spec: str, message: str) -> None:
    with pytest.raises(VoiceError, match=message.replace("{", r"\{").replace("}", r"\}")):
        make_voice(spec, tmp_path)


def test_none_means_no_voice(tmp_path: Path) -> None:
    assert make_voice("none", tmp_path) is None
    assert make_voice(None, tmp_path) is None


def test_cmd_template_fills_placeholders_once() -> None:
    """A narration line that itself contains "{out}" is spoken literally, not re-filled."""
    from attention_explainer.narration.voice import _fill

    assert _fill("tts {text} -w {out}", {"text": "say {out} now", "out": "/tmp/a.wav"}) == \
        "tts say {out} now -w /tmp/a.wav"
