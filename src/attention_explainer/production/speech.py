"""The render's voice: which lines to make ahead, and one voice server for all scene processes.

With the neural voice, one server process keeps the model loaded for every scene of the render
(narration.voice_server); production hands it the spoken lines it can work out before any scene
runs (`lines_ahead`: the script's lines filled from the config and trace alone), to make in idle
CPU time. Each scene's run record names the server's socket.
"""

from __future__ import annotations

import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, Optional, Sequence

from attention_explainer.core.attention import AttentionTrace
from attention_explainer.narration import voice_server
from attention_explainer.narration.neural_voice import NeuralVoice
from attention_explainer.narration.script import GLOBAL_FIELDS, context_for, script_for
from attention_explainer.narration.spoken import to_spoken
from attention_explainer.config.catalog import SceneInfo, scene_by_id


def lines_ahead(cfg: Any, trace: AttentionTrace, scenes: Sequence[SceneInfo]) -> list[str]:
    """The spoken forms of the scenes' script lines that the config and trace alone fill (the
    others need values only their scene computes), in the order they are needed: the scenes'
    first lines first (round robin in render order), each scene's in its own order. Scenes that
    are not the project's own (a test's, a copy under another class) have no script lines."""
    script = script_for(cfg.video.narration)
    ctx = context_for(cfg, trace)
    per_scene: list[list[str]] = []
    for info in scenes:
        if not _is_catalog_scene(info):
            continue
        said = []
        for line_id in script.ids(info.id):
            if any(k not in GLOBAL_FIELDS for k in script.entries[line_id].fields):
                continue
            line = script.line(line_id, ctx)
            said.append(line.spoken if line.spoken is not None else to_spoken(line.text))
        per_scene.append(said)
    out = [lines[k] for k in range(max(map(len, per_scene), default=0)) for lines in per_scene if k < len(lines)]
    return [s for s in out if s.strip()]


def _is_catalog_scene(info: SceneInfo) -> bool:
    try:
        return scene_by_id(info.id).cls == info.cls
    except KeyError:  # an id outside the catalog
        return False


@contextmanager
def voice_server_for(voice: Any, lines: Sequence[str]) -> Iterator[Optional[str]]:
    """With the neural voice: run one server while the block renders, have it make `lines`
    ahead, and yield its socket path (for the run records); otherwise yield None."""
    if not isinstance(voice, NeuralVoice):
        yield None
        return
    # a short path: Unix socket paths are limited to ~100 bytes
    server = voice_server.Server(Path(tempfile.mkdtemp(prefix="ae-voice-")) / "s", voice.cache_dir)
    socket_path = str(server.socket_path.resolve())
    try:
        if lines:
            threading.Thread(target=voice_server.ahead, args=(socket_path, list(lines)), daemon=True).start()
        yield socket_path
    finally:
        server.stop()
