"""Kokoro-82M: the voice spec per language, one real synthesis per language, word times that add
up to the clip (the model's own durations), loudness like the other voices."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import numpy as np
import pytest

from attention_explainer.config.languages import LANGUAGES
from attention_explainer.narration import kokoro
from attention_explainer.narration.kokoro_g2p import sentences
from attention_explainer.narration.loudness import LEAD_IN, ONSET, TARGET_LUFS, loudness, read_wav
from attention_explainer.narration.voice import VoiceError, make_voice
from attention_explainer.narration.voice_spec import resolve_voice, voice_note

needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")

# A short line per language (what a lesson says), and the number of spoken words in it.
LINES = {
    "en": "Each word looks at every other word.",
    "es": "Cada palabra mira a todas las demás.",
    "fr": "Chaque mot regarde tous les autres mots.",
    "it": "Ogni parola guarda tutte le altre.",
    "pt-BR": "Cada palavra olha para todas as outras.",
    "hi": "हर शब्द बाकी सभी शब्दों को देखता है।",
    "zh": "每个词都会看向其他所有的词。",
    "ja": "それぞれの単語がほかの単語を見ます。",
}


def test_resolve_voice_gives_each_language_its_voice() -> None:
    assert resolve_voice(None, "es") == "kokoro:ef_dora@es"
    assert resolve_voice(None, "zh") == "kokoro:zf_xiaobei@zh"
    assert resolve_voice(None, "de") == "espeak:de"
    assert resolve_voice("kokoro", "fr") == "kokoro:ff_siwis@fr"
    assert resolve_voice("kokoro:af_heart", "it") == "kokoro:af_heart@it"  # any voice, the lesson's language
    assert resolve_voice("espeak", "pt-BR") == "espeak:pt-br"
    assert resolve_voice("wav-dir:rec+kokoro", "ja") == "wav-dir:rec+kokoro:jf_alpha@ja"
    assert resolve_voice("none", "hi") == "none"
    assert resolve_voice("neural", "es") == "kokoro:ef_dora@es"  # the language's neural voice
    assert resolve_voice("neural", "de") == "espeak:de"  # German has none
    assert resolve_voice("neural", "en") == "neural"  # Piper joe
    assert resolve_voice("default", "es") == resolve_voice(None, "es")
    assert resolve_voice(None, "en") in ("neural", "kokoro:af_heart@en")
    assert "espeak-ng" in (voice_note(resolve_voice(None, "de"), "de") or "")
    assert voice_note(resolve_voice(None, "es"), "es") is None


@pytest.mark.parametrize(("spec", "language", "says"), [
    ("kokoro", "de", "no Kokoro voice speaks German"),
    ("kokoro", "xx", "unknown language 'xx'"),
])
def test_voice_a_language_cannot_have_is_one_line(spec: str, language: str, says: str) -> None:
    with pytest.raises(VoiceError, match=says) as e:
        resolve_voice(spec, language)
    assert "\n" not in str(e.value)


def test_unknown_kokoro_voice_names_the_known_ones(tmp_path: Path) -> None:
    with pytest.raises(VoiceError) as e:
        make_voice("kokoro:af_nobody", tmp_path)
    message = str(e.value)
    assert "unknown Kokoro voice 'af_nobody'" in message and "af_heart" in message and "jf_alpha" in message
    assert "\n" not in message
    with pytest.raises(VoiceError, match="unknown language 'xx'"):
        make_voice("kokoro:af_heart@xx", tmp_path)


def test_kept_voices_match_their_published_digests() -> None:
    defaults = {lang.kokoro_voice for lang in LANGUAGES.values() if lang.kokoro_voice}
    assert defaults <= set(kokoro.voice_names())
    for name in kokoro.voice_names():
        assert kokoro.load_voice(name).shape == (510, 256)


@pytest.mark.slow
def test_model_parts_join_to_the_published_model() -> None:
    data = kokoro.model_bytes()
    assert len(data) == 92_361_271  # sha256 checked inside: a wrong part raises


@pytest.mark.slow
@needs_espeak
def test_word_times_add_up_to_the_clip() -> None:
    engine = kokoro.shared_engine()
    line = "Softmax turns the scores into weights. Then every value is weighed, and summed."
    said = engine.speak(sentences(line, "a"), "af_heart")
    assert said.timed == said.audio.size  # the model's durations account for every sample
    assert [w for w, _, _ in said.words] == line.split()
    ends = [0.0] + [b for _, _, b in said.words]
    for (_, a, b), before in zip(said.words, ends):
        assert before <= a + 1e-9 and a < b  # in order, each word takes time
    assert said.words[-1][2] <= said.audio.size / kokoro.SAMPLE_RATE
    # the words cover the speech: sound outside them is quiet
    peak = np.abs(said.audio).max()
    first = said.words[0][1] * kokoro.SAMPLE_RATE
    assert np.abs(said.audio[: max(0, int(first) - 1200)]).max(initial=0.0) < 0.1 * peak


@pytest.mark.slow
@needs_espeak
@pytest.mark.parametrize("language", list(LINES))
def test_one_real_line_per_language(tmp_path: Path, language: str) -> None:
    voice = make_voice(resolve_voice("kokoro", language), tmp_path)
    assert voice is not None
    speech = voice.speak(f"{language}-01", LINES[language], LINES[language])
    assert speech is not None
    audio, rate = read_wav(speech.path)
    assert speech.duration == pytest.approx(audio.size / rate)
    assert 0.8 < speech.duration < 8.0
    assert loudness(audio, rate) == pytest.approx(TARGET_LUFS, abs=0.5)
    onset = int(np.argmax(np.abs(audio) > ONSET * np.abs(audio).max()))
    assert onset / rate == pytest.approx(LEAD_IN, abs=0.002)  # the same lead-in as every generated voice
    words = [w.word for w in speech.words]
    if LANGUAGES[language].script == "cjk":  # timed by segmenter word (zh) or sentence (ja)
        assert "".join(words).replace("。", "") == re.sub(r"[。]", "", LINES[language])
    else:
        assert words == LINES[language].split()
    assert all(0 <= w.start <= w.end <= speech.duration for w in speech.words)
    assert speech.words[0].start == pytest.approx(LEAD_IN, abs=0.15)
    again = voice.speak(f"{language}-02", LINES[language], LINES[language])
    assert again is not None and again.path == speech.path  # cached per line


def test_a_long_sentence_is_cut_at_commas_within_the_token_limit() -> None:
    class Ids:  # the engine's phoneme ids, without loading the model
        vocab = kokoro.vocab()

        def ids(self, phonemes: str) -> list[int]:
            return [self.vocab[c] for c in phonemes if c in self.vocab]

    words = [kokoro.PhonemeWord(f"w{i}", "wˈɜɹdz" + ("," if i % 9 == 8 else "")) for i in range(300)]
    pieces = kokoro._pieces(words, Ids())  # type: ignore[arg-type]
    assert [w for p in pieces for w in p] == words  # every word, in order
    sizes = [sum(len(Ids().ids(w.phonemes)) + 1 for w in p) for p in pieces]
    assert len(pieces) >= 3 and max(sizes) <= kokoro.MAX_TOKENS
    assert all(p[-1].phonemes.endswith(",") for p in pieces[:-1])  # cut after a comma
