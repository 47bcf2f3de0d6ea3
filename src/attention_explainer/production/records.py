"""What the pipeline writes and reads back, as typed records: a mistyped or missing key fails
loudly (pydantic ValidationError) instead of turning into a silent None.

    RunRecord     <work>/<scene>.run.json     what a child process is asked to do ($ATTENTION_EXPLAINER_RUN)
    BeatsFile     <work>/<scene>.beats.json   a scene process's beats (written by ExplainerScene)
    LoadedSources <work>/<scene>.sources.json the project files the scene process imported
    SegmentMeta   cache/<scene>/<variant>/<key>.json   a cached segment: its file, sources, beats
    Manifest      <video>.manifest.json       the finished video: scenes, beats, tools

Each has `to_file(path, files=None)` (through an AtomicFiles when given) and `from_file(path)`.
The JSON field names are the ones the files always had (tests and users read them).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from attention_explainer.narration.beats import Beat
from attention_explainer.production.atomic import AtomicFiles

R = TypeVar("R", bound="Record")
RUN_ENV = "ATTENTION_EXPLAINER_RUN"  # the path of a child process's RunRecord (its only variable of ours)


class Record(BaseModel):
    """A JSON file of the pipeline: unknown keys are an error, like missing ones."""

    model_config = ConfigDict(extra="forbid")

    def to_json(self, indent: int = 2) -> str:
        return json.dumps(self.model_dump(mode="json"), indent=indent, ensure_ascii=False) + "\n"

    def to_file(self, path: str | Path, files: Optional[AtomicFiles] = None, indent: int = 2) -> None:
        """Write the record as JSON (atomically, as part of `files`, when given)."""
        if files is not None:
            files.write_text(Path(path), self.to_json(indent))
        else:
            Path(path).write_text(self.to_json(indent), encoding="utf-8")

    @classmethod
    def from_file(cls: type[R], path: str | Path) -> R:
        """Read a record (OSError when unreadable, pydantic.ValidationError when malformed)."""
        return cls.model_validate_json(Path(path).read_text(encoding="utf-8"))


# ------------------------------------------------------------------------------- run record
class RunRecord(Record):
    """What one child process of production is asked to do, read by the scene (scene_input.run_record).

    A path left None means: do not write that file. Issue 19's chunks add their beat range here."""

    scene: str  # the scene id
    config: str  # the effective config (YAML) the scene draws
    beats: Optional[str] = None  # where to write its BeatsFile
    sources: Optional[str] = None  # where to write its LoadedSources (files and config keys read)
    check: Optional[str] = None  # where the layout check writes its findings (check runs only)
    voice: Optional[str] = None  # the voice spec ('neural', 'espeak:en-us', ...); None: silent
    voice_cache: Optional[str] = None  # where spoken clips are kept
    voice_server: Optional[str] = None  # the Unix socket of the render's voice server, if any
    # a chunk (issue 19): draw from the first beat at or after `beats_from` in `beat_order` (the
    # beats before it skipped, as Manim's -n skips), end at the first at or after `beats_until`
    beat_order: list[str] = Field(default_factory=list)
    beats_from: Optional[str] = None
    beats_until: Optional[str] = None


# ------------------------------------------------------------------------------ check finding
VISIBLE_KINDS = ("off-screen", "overlap", "caption")  # what would show: `render` stops on these


@dataclass(frozen=True)
class Finding:
    """One thing the layout check found (scenes/checking.py writes them, production/check.py reads)."""

    scene: str
    beat: str
    kind: str
    what: str
    where: str

    def line(self) -> str:
        return f"{self.scene} {self.beat}: {self.kind}: {self.what} ({self.where})"

    @property
    def visible(self) -> bool:
        return self.kind in VISIBLE_KINDS


# ------------------------------------------------------------------------------------ beats
class BeatsFile(Record):
    """A scene's beats as its process wrote them: the scene id, its length, its beats."""

    scene: str
    duration: float
    beats: list[Beat]
    plays: dict[str, list[int]] = Field(default_factory=dict)  # beat id -> [first, end) of its animations


# --------------------------------------------------------------------------- loaded sources
class LoadedSources(Record):
    """What a scene process depended on: the project source files it imported and the config
    keys it read (dotted paths, e.g. 'video.intro_sentence'; None: not recorded, i.e. all)."""

    files: list[str]
    config_keys: Optional[list[str]] = None


# ------------------------------------------------------------------------------ segment meta
class SegmentMeta(Record):
    """A cached segment (video, or PNG for a still) and what it was made from."""

    key: str  # the scene_key of its inputs
    file: str = ""  # the cached media file (set when stored)
    sources: dict[str, Optional[str]] = Field(default_factory=dict)  # source file -> sha256 when rendered
    config: Optional[dict[str, str]] = None  # config key read -> hash of its value (None: whole config in key)
    scene: str = ""
    title: str = ""
    still: bool = False
    quality: str = ""
    animations: Optional[int] = None  # Scene.play calls: the progress bar's length next time
    render_seconds: float = 0.0  # to start the slowest scenes first next time
    log: str = ""
    created: float = 0.0
    duration: Optional[float] = None  # seconds (videos only)
    beats: list[Beat] = Field(default_factory=list)
    plays: dict[str, list[int]] = Field(default_factory=dict)  # beat id -> [first, end) of its animations


# ---------------------------------------------------------------------------------- manifest
class ManifestBeat(Record):
    id: str
    text: str
    start: float  # seconds in the video
    end: float
    spoken: Optional[str] = None  # what the voice says when it differs from the text (listen compares it)
    words: list[tuple[float, float]] = Field(default_factory=list)  # (start, end) of each word of text.split()


class ManifestScene(Record):
    id: str
    title: str
    start: float
    duration: float
    segment: str
    cache_key: str
    reused: bool
    render_seconds: float
    beats: list[ManifestBeat]


class ManifestConfig(Record):
    name: str
    effective: str  # the effective config file
    sha256: str


class Manifest(Record):
    """The finished video and how it was made."""

    video: str
    format: str
    duration: float
    resolution: str  # "854x480"
    fps: float
    audio: bool
    quality: Optional[str] = None
    config: Optional[ManifestConfig] = None
    burned_captions: Optional[bool] = None
    voice: Optional[str] = None
    line_sources: Optional[dict[str, str]] = None  # wav-dir: beat id -> its recording's file name, or the voice
    language: Optional[str] = None  # the lesson's language code (the page's UI strings); None: en
    theme: Optional[str] = None  # dark or light (the page's colours)
    transcript: Optional[str] = None  # <name>.transcript.txt: each line with its start time
    chapters_vtt: Optional[str] = None  # <name>.chapters.vtt: the chapters as WebVTT
    captions: dict[str, str]  # {"srt": path, "vtt": path}
    chapters: str
    scenes: list[ManifestScene]
    tools: dict[str, str]
    created: str  # ISO 8601, UTC

    def to_json(self, indent: int = 2) -> str:
        """As before the records: the render's own keys (quality, config, ...) only when set."""
        keep = {"quality", "config", "burned_captions", "voice", "line_sources", "language", "theme", "transcript",
                "chapters_vtt"}
        data = {k: v for k, v in self.model_dump(mode="json").items() if k not in keep or v is not None}
        return json.dumps(data, indent=indent, ensure_ascii=False) + "\n"

    def as_dict(self) -> dict[str, Any]:
        return json.loads(self.to_json())
