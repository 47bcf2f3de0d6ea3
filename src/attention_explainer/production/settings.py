"""What a render is asked for and where its files go: RenderSettings, the output names, the
effective config file the child processes read.

Files under <media_dir>/attention-explainer/:
  <name>_<480p15...>.mp4 (+ .srt .vtt .chapters.txt .manifest.json)   final outputs
  cache/<scene>/<480p15|still-480p15>/<key>.mp4|.png + .json        reusable segments
  logs/<name>_<scene>_<480p15>.log                                    the last Manim log
  manim/<scene>[.n]/                                                  Manim's media dirs (TeX cache;
                                                                      one per running process)
  voice/  work/                                                       spoken clips, temp files
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import yaml

from attention_explainer.config import Config
from attention_explainer.config.quality import RESOLUTION
from attention_explainer.errors import UserError
from attention_explainer.production.atomic import AtomicFiles
from attention_explainer.config.catalog import SceneInfo
from attention_explainer.production.chunks import CHUNK_SECONDS
from attention_explainer.production.formats import DEFAULT_X264_PRESET, FORMATS

APP_DIR = "attention-explainer"
RESOLUTION_DIR = RESOLUTION  # Manim's quality letter -> the folder it writes videos into


@dataclass(frozen=True)
class FileScene(SceneInfo):
    """A scene from any file (tests, the benchmark, a working copy of a scene)."""

    file: str = ""
    seconds: Optional[float] = None  # expected render seconds at 1080p60 on one core; None: unknown

    @property
    def path(self) -> Path:  # type: ignore[override]
        return Path(self.file)


def scene_from_file(path: str | Path, cls: str, scene_id: str, title: str,
                    seconds: Optional[float] = None) -> SceneInfo:
    """A scene from `path`; `seconds` (its expected cost at 1080p60) lets its first render be cut."""
    path = Path(path).resolve()
    return FileScene(scene_id, path.stem, cls, title, file=str(path), seconds=seconds)


@dataclass(frozen=True)
class RenderSettings:
    """How to render: the config and the command-line choices that override it."""

    config: Config
    name: str = "default"  # names the outputs: the config file's stem
    quality: Optional[str] = None  # None: the config's video.quality
    media_dir: Path = Path("media")
    jobs: int = 0  # child processes at once; 0: one per CPU core
    captions: Optional[bool] = None  # burn captions into the frames; None: config display.captions
    voice: str = "none"  # see narration/voice.py
    quiet: bool = False
    x264_preset: str = DEFAULT_X264_PRESET  # see DEFAULT_X264_PRESET
    chunk_seconds: float = CHUNK_SECONDS  # the longest chunk of a scene, in expected seconds (chunks.py)

    @property
    def q(self) -> str:
        return self.quality or self.config.video.quality

    @property
    def resolution_dir(self) -> str:
        return RESOLUTION_DIR[self.q]

    @property
    def app_dir(self) -> Path:
        return Path(self.media_dir) / APP_DIR

    @property
    def work_dir(self) -> Path:
        return self.app_dir / "work"

    @property
    def parallel(self) -> int:
        return max(1, self.jobs or os.cpu_count() or 1)

    def effective_config(self) -> Config:
        """The config the scenes see: with this render's quality and captions."""
        cfg = self.config
        display = cfg.display if self.captions is None else cfg.display.model_copy(update={"captions": self.captions})
        video = cfg.video.model_copy(update={"quality": self.q})
        return cfg.model_copy(update={"display": display, "video": video})


def config_file(settings: RenderSettings) -> Path:
    """The effective config as YAML under work/, named by its hash (the child processes read it)."""
    return write_config(settings.effective_config(), settings.work_dir)


def write_config(config: Config, folder: Path) -> Path:
    """`config` as YAML in `folder`, named config-<hash>.yaml (kept while in use)."""
    text = yaml.safe_dump(config.model_dump(mode="json"), allow_unicode=True, sort_keys=False)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
    path = Path(folder) / f"config-{digest}.yaml"
    if path.exists():
        os.utime(path)  # in use: housekeeping removes only configs unused for a day
    else:
        with AtomicFiles() as files:
            files.write_text(path, text)
            files.commit()
    return path


# --------------------------------------------------------------------------------- outputs


def voice_spec(settings: RenderSettings) -> str:
    """The voice this render speaks with: the settings' effective voice (the command line, else
    the config's video.voice), 'none' when silent."""
    spec = getattr(settings, "effective_voice", None) or settings.voice
    if spec is None:
        spec = getattr(settings.config.video, "voice", None)
    return str(spec or "none")


def voice_tag(spec: str) -> str:
    """The voice's part of a default file name: '' when silent, else its kind (neural, espeak,
    wav, cmd), so a narrated and a silent render of one config never replace each other."""
    kind = spec.split(":", 1)[0].strip().lower()
    if kind in ("", "none"):
        return ""
    return {"wav-dir": "wav"}.get(kind, re.sub(r"[^a-z0-9]+", "-", kind).strip("-") or "voice")


def default_output(settings: RenderSettings, fmt: str = "mp4", scene_id: Optional[str] = None,
                   still: bool = False) -> Path:
    """media/attention-explainer/<config>_<480p15>[_<voice>].mp4 (a scene: <config>_<scene>_<480p15>
    [_<voice>].mp4; a still has no voice part). E.g. default_1080p60.mp4 silent and
    default_1080p60_neural.mp4 narrated."""
    tag = "" if still else voice_tag(voice_spec(settings))
    parts = [settings.name] + ([scene_id] if scene_id else []) + [settings.resolution_dir] + ([tag] if tag else [])
    return settings.app_dir / (("_".join(parts)) + (".png" if still else f".{fmt}"))


def resolve_format(output: Optional[Path], fmt: Optional[str], still: bool = False) -> str:
    """What will be written: 'png' for a still, else --format, else the -o file's suffix (.mp4 .webm
    .gif), else mp4. An -o file whose suffix is not what is written is an error (a PNG named .mp4,
    an MP4 named .mov), and so is --format with --still."""
    suffix = Path(output).suffix.lower().lstrip(".") if output is not None else ""
    if still:
        if fmt is not None:
            raise UserError(f"--still writes one PNG frame; --format {fmt} does not apply (leave it out)")
        if output is not None and suffix != "png":
            raise UserError(f"--still writes a PNG but the output file {output} "
                            f"{'ends in .' + suffix if suffix else 'has no extension'}; name it *.png")
        return "png"
    if fmt is not None and fmt not in FORMATS:
        raise UserError(f"unknown format '{fmt}'; choose one of {', '.join(FORMATS)}")
    if fmt is not None and suffix in FORMATS and suffix != fmt:
        raise UserError(f"--format {fmt} but the output file {output} ends in .{suffix}")
    chosen = fmt or (suffix if suffix in FORMATS else "mp4")
    if output is not None and suffix != chosen:
        said = f"ends in .{suffix}" if suffix else "has no extension"
        raise UserError(f"the output file {output} {said} but {chosen.upper()} is written; name it *.{chosen}"
                        f"{'' if fmt else ' (or choose with --format ' + '|'.join(FORMATS) + ')'}")
    return chosen


def cache_folder(url: str) -> Path:
    """--media-dir / --cache-dir: a local folder or a file:// URL. On a cluster it must be a folder
    every worker mounts at the same path; other fsspec protocols (s3://, gcs://...) are not
    supported, since Manim and ffmpeg write plain files."""
    url = str(url)
    if url.startswith("file://"):
        return Path(url[len("file://"):])
    if "://" in url:
        raise UserError(f"--cache-dir {url}: only a local folder or a file:// URL is supported "
                        "(mount shared storage and give its path)")
    return Path(url)
