"""The render's voice server: given spoken lines only, it makes clips for any voice that makes
them, ahead of time and on request, in its own process."""

from __future__ import annotations

import shutil
import sys
import time
from pathlib import Path

import pytest

from attention_explainer.narration.voice import make_voice
from attention_explainer.narration.voice_server import request, served, voice_server

sys.path.insert(0, str(Path(__file__).parent))
from test_voice import write_wav  # noqa: E402

needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")


def test_only_voices_that_make_clips_are_served(tmp_path: Path) -> None:
    rec = tmp_path / "rec"
    rec.mkdir()
    write_wav(rec / "intro-01.wav", 0.3)
    assert served(make_voice(f"wav-dir:{rec}", tmp_path)) is None  # recordings alone: nothing to make
    mixed = make_voice(f"wav-dir:{rec}+espeak:en-gb", tmp_path)
    assert served(mixed) is not None and served(mixed).spec == "espeak:en-gb"
    assert served(None) is None
    with voice_server(None, ["a line"]) as socket_path:
        assert socket_path is None


@pytest.mark.slow
@needs_espeak
def test_server_makes_lines_ahead_and_on_request(tmp_path: Path) -> None:
    voice = make_voice("espeak:en-gb", tmp_path / "cache")
    assert voice is not None
    ahead = ["The keys come first.", "Then the values follow."]
    with voice_server(voice, ahead) as socket_path:
        assert socket_path is not None
        deadline = time.monotonic() + 60
        while not all(voice.cached(line) for line in ahead) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert all(voice.cached(line) for line in ahead)  # made by the server, not by this process
        asked = "A line nobody said ahead."
        assert voice.cached(asked) is None
        request(socket_path, asked)
        assert voice.cached(asked) is not None
        voice.server = socket_path
        speech = voice.speak("math-01", "Then the values follow.")
        assert speech is not None and speech.path == voice.cached("Then the values follow.").path
    assert not Path(socket_path).exists()  # stopped and cleaned up
