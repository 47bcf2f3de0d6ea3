"""Narration in the rendered video: espeak-ng and recorded WAVs stretch beats and add an audio track."""

from __future__ import annotations

import shutil
import sys
import wave
from pathlib import Path

import av
import numpy as np
import pytest


from fixtures.tiny_catalog import TINY_CONFIG, tiny_scenes

from attention_explainer.narration.beats import reading_time  # noqa: E402
from attention_explainer.config import validate_config, parse_yaml  # noqa: E402
from attention_explainer.production.progress import Lines  # noqa: E402
from attention_explainer.production.render import RenderSettings, render_segments, render_video  # noqa: E402
from attention_explainer.narration.voice import make_voice  # noqa: E402
from attention_explainer.scenes.narrated import MIN_VOICED_HOLD, SPEECH_PAUSE  # noqa: E402

FRAME = 1 / 15
CONFIG = validate_config(parse_yaml(TINY_CONFIG))


def audio_levels(path: Path, spans: list[tuple[float, float]]) -> list[float]:
    """Mean absolute sample value of the video's audio inside each (start, end) span."""
    with av.open(str(path)) as c:
        frames = [(float(f.time), f.to_ndarray()[0]) for f in c.decode(audio=0)]
    rate = 48_000
    samples = np.concatenate([x for _, x in frames])
    t0 = frames[0][0]
    return [float(np.abs(samples[int((a - t0) * rate):int((b - t0) * rate)]).mean()) for a, b in spans]


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")
def test_espeak_narration_stretches_beats_and_the_video_has_sound(tmp_path: Path) -> None:
    settings = RenderSettings(CONFIG, name="voice", media_dir=tmp_path / "media", quiet=True, voice="espeak")
    result = render_video(tiny_scenes(tmp_path / "scenes"), settings)
    with av.open(str(result.video)) as c:
        assert c.streams.audio and c.streams.audio[0].codec_context.name == "aac"
        audio_seconds = float(c.streams.audio[0].duration * c.streams.audio[0].time_base)
    assert audio_seconds == pytest.approx(result.assembly.duration, abs=0.1)

    voice = make_voice("espeak", settings.app_dir / "voice")
    assert voice is not None
    beats = [(start, b) for start, s in zip(result.assembly.starts, result.segments) for b in s.beats]
    for _, beat in beats:
        speech = voice.speak(beat.id, beat.text)  # the clip the scene used (kept by text)
        assert speech is not None
        assert beat.end - beat.start >= max(MIN_VOICED_HOLD, speech.duration + SPEECH_PAUSE) - FRAME
    long_beat = beats[1][1]
    assert long_beat.text.startswith("Antidisestablishmentarianism")
    assert long_beat.end - long_beat.start > reading_time(long_beat.text) + 1.0  # stretched by the speech
    # sound at the start of every beat (each one is spoken), in both scenes
    levels = audio_levels(result.video, [(start + b.start + 0.1, start + b.start + 0.6) for start, b in beats])
    assert all(level > 0.005 for level in levels), levels


def test_recorded_wav_for_a_beat_id_is_used(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    recordings = tmp_path / "recordings"
    recordings.mkdir()
    with wave.open(str(recordings / "tiny-one-square.wav"), "wb") as w:  # 3 s at 22.05 kHz, stereo
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(22_050)
        tone = (5000 * np.sin(2 * np.pi * 220 * np.arange(3 * 22_050) / 22_050)).astype(np.int16)
        w.writeframes(np.repeat(tone, 2).tobytes())
    settings = RenderSettings(CONFIG, name="rec", media_dir=tmp_path / "media", voice=f"wav-dir:{recordings}")
    one = tiny_scenes(tmp_path / "scenes")[0]
    [segment] = render_segments([one], settings, progress=Lines(sys.stderr))
    square, long_words = segment.beats
    assert square.id == "tiny-one-square"
    assert square.end - square.start == pytest.approx(3.0 + SPEECH_PAUSE, abs=FRAME)  # the recording + pause
    assert long_words.end - long_words.start == pytest.approx(reading_time(long_words.text), abs=FRAME)
    err = capsys.readouterr().err
    assert f"voice: 1 beat(s) have no recording in {recordings} (silent, captions only): tiny-one-02" in err
    with av.open(str(segment.video)) as c:
        assert c.streams.audio, "a recorded beat gives the segment an audio track"
    levels = audio_levels(segment.video, [(0.5, 2.5), (3.5, 4.5)])
    assert levels[0] > 0.02 and levels[1] < 0.001
