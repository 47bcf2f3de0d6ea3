"""The render's voice: which lines to make ahead, and one voice server for all scene processes.

A voice whose clips are made (neural, kokoro, espeak...) is served by one server process with the
model loaded once for every scene of the render (narration.voice_server, a pure voice server);
production hands it the spoken lines it can work out before any scene runs (`lines_ahead`: the
script's lines filled from the config and trace alone), to make in idle CPU time. Each scene's
run record names the server's socket.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any, Optional, Sequence

from attention_explainer.core.attention import AttentionTrace
from attention_explainer.narration import voice_server
from attention_explainer.narration.script import GLOBAL_FIELDS, context_for, script_for
from attention_explainer.narration.spoken import to_spoken
from attention_explainer.config.catalog import SceneInfo, scene_by_id


def lines_ahead(cfg: Any, trace: AttentionTrace, scenes: Sequence[SceneInfo]) -> list[str]:
    """The spoken forms of the scenes' script lines that the config and trace alone fill (the
    others need values only their scene computes), in the order they are needed: the scenes'
    first lines first (round robin in render order), each scene's in its own order. Scenes that
    are not the project's own (a test's, a copy under another class) have no script lines."""
    ctx = context_for(cfg, trace)  # (makes the config's language the one in use)
    script = script_for(cfg.video.narration, getattr(cfg.video, "language", None))
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


def voice_server_for(voice: Any, lines: Sequence[str]) -> "AbstractContextManager[Optional[str]]":
    """While the block renders, one voice server for `voice` (if it makes its clips) that makes
    `lines` ahead; yields its socket path (for the run records), or None."""
    return voice_server.voice_server(voice, lines)
