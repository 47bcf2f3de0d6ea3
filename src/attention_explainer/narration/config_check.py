"""The narration's part of a config, checked by the narration layer (config knows its shape only):

- `video.voice`: a voice spec of a known voice (voice.check_voice_spec; whether it can run is
  make_voice's business, at render time);
- `video.narration`: override lines checked against the script (script.parse_overrides), read
  from a YAML file relative to the config (with the config loader's limits) or given inline.

`load_checked_config(path)` is what every command loads (cli/options.py) and what a scene process
reads (production/scene_input.py): errors are one line each, before any work, as for the config.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

from attention_explainer.config.loader import default_config_path, load_config, parse_yaml, read_text
from attention_explainer.config.models import Config
from attention_explainer.errors import ConfigError, one_line
from attention_explainer.narration.script import parse_overrides
from attention_explainer.narration.voice import check_voice_spec


def load_checked_config(path: Optional[str | Path] = None) -> Config:
    """load_config(path) with its narration checked (None: the packaged default)."""
    p = Path(path) if path is not None else default_config_path()
    return check_narration(load_config(p), p)


def check_narration(config: Config, source: Optional[str | Path] = None) -> Config:
    """The config with video.voice normalised and video.narration as checked lines (a mapping).

    `source` is the config file: errors start with it, and a narration file is read relative to
    its folder (without one: "<config>" and the working directory). One ConfigError line per
    problem, in the fields' order."""
    where = str(source) if source is not None else "<config>"
    folder = Path(source).parent if source is not None else Path(".")
    video, lines, voice, problems = config.video, config.video.narration, config.video.voice, []
    try:
        if isinstance(lines, str):
            lines = load_overrides(folder / lines)
        elif lines is not None:  # inline in the config
            try:
                lines = parse_overrides(lines, source="")
            except ConfigError as e:
                raise ConfigError(one_line(f"{where}: video.narration: {e}")) from None
    except ConfigError as e:
        problems += e.lines
    try:
        voice = check_voice_spec(video.voice)
    except ValueError as e:
        problems.append(one_line(f"{where}: video.voice: {e}"))
    if problems:
        raise ConfigError(lines=problems)
    if voice == video.voice and lines == video.narration:
        return config
    return config.model_copy(update={"video": video.model_copy(update={"voice": voice, "narration": lines})})


def load_overrides(path: Path) -> dict[str, Any]:
    """A user's script file (read with the config loader's limits), checked and normalised."""
    try:
        text = read_text(path)
    except ConfigError as e:
        raise ConfigError(one_line(f"video.narration: {e}")) from None
    return parse_overrides(parse_yaml(text, str(path)), str(path))
