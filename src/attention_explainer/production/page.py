"""The lesson page: `<video name>.html` beside the video, one file that works offline from a folder.

The page inlines its script, styles and data (the numbers, the beats with word times, the
captions) and points only at the video beside it, so nothing is fetched from anywhere else. See
docs/page.md for what it shows and its hooks (data-beat/data-start/data-end, data-q/data-k,
window.lesson).

    write_page(video, ...)        the page for a rendered video, from the files beside it
    post_steps(page, chapter_clips)   render's post-steps (--page, --chapter-clips)
"""

from __future__ import annotations

import html
import json
import os
from importlib.resources import files as package_files
from pathlib import Path
from typing import Any, Callable, Optional

from attention_explainer.config.models import Config
from attention_explainer.core.attention import compute_trace
from attention_explainer.production.atomic import AtomicFiles
from attention_explainer.production.clips import write_chapter_clips
from attention_explainer.production.page_data import (
    VIDEO_SUFFIXES,
    PageError,
    find_lesson,
    has_real_model,
    lesson_config,
    lesson_data,
)
from attention_explainer.production.records import Manifest

ASSETS = "page_assets"  # beside this module; shipped as package data (pyproject.toml)


def page_path(video: Path) -> Path:
    """`x.mp4` -> `x.html`."""
    return Path(video).with_suffix(".html")


def _asset(name: str) -> str:
    return (package_files("attention_explainer.production") / ASSETS / name).read_text(encoding="utf-8")


def _script_safe(text: str) -> str:
    """Text that cannot end the <script> element it sits in."""
    return text.replace("</", "<\\/")


def _captions(manifest: Manifest, video: Path) -> str:
    """The WebVTT captions beside the video (inlined: a file:// page may not load a <track> file)."""
    path = video.with_name(video.stem + ".vtt")
    return path.read_text(encoding="utf-8") if path.is_file() else ""


def _real(config: Config, manifest: Manifest) -> Optional[dict[str, Any]]:
    if not has_real_model(manifest):
        return None
    from attention_explainer.core.real_model.trace import compute_real_trace  # loads the model: only when shown

    return compute_real_trace(config.real_model_spec()).to_dict()


def page_html(data: dict[str, Any], captions: str) -> str:
    """The page's HTML from its data (lesson_data) and the captions' WebVTT text."""
    s = data["strings"]
    title = f"{s['title']}: “{data['sentence']}”" if data.get("sentence") else s["title"]
    parts = {
        "LANG": html.escape(data["language"]), "THEME": html.escape(data["theme"]), "TITLE": html.escape(title),
        "VIDEO": html.escape(data["video"]), "SKIP": html.escape(s["transcript"]),
        "TOOLS": html.escape(s["title"]), "VIDEO_LABEL": html.escape(title),
        "CSS": _asset("page.css"), "JS": _script_safe(_asset("page.js")),
        "DATA": _script_safe(json.dumps(data, ensure_ascii=False, separators=(",", ":"))),
        "CAPTIONS": _script_safe(captions),
    }
    text = _asset("page.html")
    for key, value in parts.items():
        text = text.replace("{{" + key + "}}", value)
    return text


def write_page(video: Path, output: Optional[Path] = None, present: bool = False,
               config: Optional[Config] = None) -> Path:
    """Write the lesson page for a rendered video (atomically); returns its path.

    `config`: the render's config when known (render --page), else read back from the manifest."""
    video = Path(video)
    manifest = find_lesson(video)
    if config is None:
        config = lesson_config(manifest, video)
    output = Path(output) if output is not None else page_path(video)
    if output.is_dir():
        raise PageError(f"{output}: is a directory; give a file name for the page")
    if output.suffix.lower() not in (".html", ".htm"):
        raise PageError(f"{output}: the page is HTML; name it *.html")
    trace = compute_trace(config.attention_spec())
    data = lesson_data(manifest, _relative_video(video, output), trace, config.focus_index,
                       _real(config, manifest), present)
    data["theme"] = manifest.theme or config.display.theme
    data["sentence"] = config.sentence
    text = page_html(data, _captions(manifest, video))
    with AtomicFiles() as out:
        out.write_text(output, text)
        out.commit()
    return output


def _relative_video(video: Path, page: Path) -> Path:
    """The video as the page links it: its name when beside the page, else a relative path."""
    return Path(os.path.relpath(video.resolve(), page.resolve().parent))


def check_extras(fmt: str, page: bool, chapter_clips: bool) -> None:
    """Refuse, before anything renders, post-steps the chosen format cannot have."""
    if page and "." + fmt not in VIDEO_SUFFIXES:
        raise PageError(f"--page plays the video in a browser: render with --format mp4 or webm (not {fmt})")
    if chapter_clips and fmt != "mp4":
        raise PageError(f"--chapter-clips cuts MP4 clips; render with --format mp4 (not {fmt})")


def post_steps(page: bool = False, chapter_clips: bool = False) -> list[Callable[[Any], None]]:
    """render's post-steps on the finished video (production.video.PostStep: VideoResult -> notes):
    the chapter clips (--chapter-clips) and the lesson page (--page). Each adds the files it wrote
    to the result's assembly, so `render` lists them with the others."""
    steps: list[Callable[[Any], None]] = []
    if chapter_clips:
        steps.append(lambda result: result.assembly.files.extend(
            write_chapter_clips(result.video, find_lesson(result.video))))
    if page:
        steps.append(lambda result: result.assembly.files.append(write_page(result.video)))
    return steps
