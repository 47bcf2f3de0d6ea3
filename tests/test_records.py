"""The pipeline's JSON files as typed records: they round-trip, keep their field names, and a
mistyped or missing key fails loudly instead of reading as None."""

from __future__ import annotations

import json
from pathlib import Path

import pydantic
import pytest

from attention_explainer.narration.beats import Beat
from attention_explainer.production.atomic import AtomicFiles
from attention_explainer.production.records import BeatsFile, Manifest, ManifestBeat, ManifestScene, SegmentMeta
from attention_explainer.production.segment_cache import SegmentCache

BEAT = Beat("math-softmax-sum", "Add them all up.", 1.0, 3.5, spoken="Add them all up", cues=((0.0, 2.5, "Add"),))


def test_beats_file_round_trips_with_its_field_names(tmp_path: Path) -> None:
    path = tmp_path / "math.beats.json"
    BeatsFile(scene="math", duration=12.5, beats=[BEAT]).to_file(path)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert set(data) == {"scene", "duration", "beats", "plays"}  # plays: each beat's animations (scene --beat)
    assert data["beats"][0]["id"] == "math-softmax-sum" and data["beats"][0]["end"] == 3.5
    back = BeatsFile.from_file(path)
    assert back.scene == "math" and back.duration == 12.5
    assert back.beats[0].id == BEAT.id and back.beats[0].text == BEAT.text and back.beats[0].spoken == BEAT.spoken
    assert isinstance(back.beats[0], Beat)


@pytest.mark.parametrize("broken", [
    {"scene": "math", "duration": 1.0, "beat": []},  # a typo in a key
    {"scene": "math", "beats": []},  # a key missing
    {"scene": "math", "duration": 1.0, "beats": [{"id": "x", "txt": "a", "start": 0, "end": 1}]},  # in a beat
    {"scene": "math", "duration": "long", "beats": []},  # a wrong type
])
def test_a_broken_beats_file_fails_loudly(tmp_path: Path, broken: dict) -> None:
    path = tmp_path / "b.json"
    path.write_text(json.dumps(broken), encoding="utf-8")
    with pytest.raises(pydantic.ValidationError):
        BeatsFile.from_file(path)


def test_segment_meta_through_the_cache(tmp_path: Path) -> None:
    cache = SegmentCache(tmp_path / "cache")
    produced = tmp_path / "out.mp4"
    produced.write_bytes(b"video")
    meta = SegmentMeta(key="k" * 64, scene="math", title="The maths", quality="l", animations=9,
                       render_seconds=12.25, duration=30.0, beats=[BEAT])
    config = {"sentence": "The cat sat", "video": {"intro_sentence": "Hi"}}
    stored = cache.store("math", "480p15", "k" * 64, produced, meta, config, ["sentence"])
    assert Path(stored.file).read_bytes() == b"video"
    hit = cache.lookup("math", "480p15", "k" * 64, config)
    assert hit is not None and hit.beats[0].id == BEAT.id and hit.duration == 30.0
    assert cache.latest("math", "480p15", "render_seconds") == 12.25
    with pytest.raises(KeyError):
        cache.latest("math", "480p15", "render_secs")  # a typo is an error, not "no value"
    # a meta file of another format is a miss (the segment is rendered again), never a crash
    meta_file = next((tmp_path / "cache" / "math" / "480p15").glob("*.json"))
    data = json.loads(meta_file.read_text(encoding="utf-8"))
    data["renderseconds"] = data.pop("render_seconds")
    meta_file.write_text(json.dumps(data), encoding="utf-8")
    assert cache.lookup("math", "480p15", "k" * 64, config) is None


def test_manifest_keeps_its_keys_and_rejects_unknown_ones(tmp_path: Path) -> None:
    scene = ManifestScene(id="math", title="The maths", start=0.0, duration=2.0, segment="s.mp4", cache_key="k",
                          reused=False, render_seconds=1.5, beats=[ManifestBeat(id="math-a", text="A.", start=0, end=2)])
    base = dict(video="v.mp4", format="mp4", duration=2.0, resolution="854x480", fps=15.0, audio=False,
                captions={"srt": "v.srt", "vtt": "v.vtt"}, chapters="v.chapters.txt", scenes=[scene],
                tools={"manim": "0.22"}, created="2026-12-01T00:00:00+00:00")
    path = tmp_path / "v.manifest.json"
    with AtomicFiles() as files:
        Manifest(**base, quality="l", voice="espeak").to_file(path, files)
        files.commit()
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["quality"] == "l" and data["scenes"][0]["beats"][0]["id"] == "math-a"
    assert "config" not in data  # the render's own keys only when set
    assert Manifest.from_file(path).voice == "espeak"
    with pytest.raises(pydantic.ValidationError):
        Manifest(**base, qualty="l")  # a typo in a key the render passes


def test_loaded_sources_as_the_scene_writes_them(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from attention_explainer.production import scene_input
    from attention_explainer.production.records import RUN_ENV, LoadedSources, RunRecord

    import attention_explainer.scenes.base as base

    path = tmp_path / "math.sources.json"
    record = tmp_path / "run.json"
    RunRecord(scene="math", config=str(tmp_path / "none.yaml"), sources=str(path)).to_file(record)
    monkeypatch.setenv(RUN_ENV, str(record))
    scene_input.run_record.cache_clear()
    try:
        scene_input.write_sources(base.__file__)
    finally:
        scene_input.run_record.cache_clear()
    files = LoadedSources.from_file(path).files
    names = {Path(f).name for f in files}
    assert {"base.py", "text.py", "matrix.py", "records.py"} <= names  # the scene base and its imports
    path.write_text(json.dumps(files), encoding="utf-8")  # the old bare-list format
    with pytest.raises(pydantic.ValidationError):
        LoadedSources.from_file(path)


def test_a_segment_depends_on_the_config_keys_its_scene_read(tmp_path: Path) -> None:
    """Issue 21 item 8: a value the scene never read does not invalidate its segment; one it read does."""
    cache = SegmentCache(tmp_path / "cache")
    config = {"sentence": "The cat sat", "model": {"d_k": 4}, "video": {"intro_sentence": "Hi", "narration": {}}}
    produced = tmp_path / "out.mp4"
    produced.write_bytes(b"video")
    cache.store("math", "480p15", "k" * 64, produced, SegmentMeta(key="k" * 64), config, ["sentence", "model.d_k",
                                                                                           "video.narration"])
    other_intro = {**config, "video": {"intro_sentence": "Hello there", "narration": {"x": 1}}}
    assert cache.lookup("math", "480p15", "k" * 64, other_intro) is not None
    assert cache.lookup("math", "480p15", "k" * 64, {**config, "model": {"d_k": 8}}) is None
    assert cache.lookup("math", "480p15", "k" * 64, {**config, "sentence": "A dog"}) is None


def test_the_config_recorder_records_what_is_read() -> None:
    from attention_explainer.config import load_config
    from attention_explainer.core.attention import compute_trace
    from attention_explainer.production.config_reads import Recorder, unwrap

    config = load_config(None)
    seen = Recorder(config)
    assert isinstance(seen, type(config)) and unwrap(seen) is config
    trace = compute_trace(seen.attention_spec())  # the core's input, built from the config through the view
    assert {"sentence", "model.d_k", "model.seed"} <= seen.recorded
    assert not any(k.startswith("video") for k in seen.recorded)
    assert seen.video.intro_sentence == config.video.intro_sentence
    assert "video.intro_sentence" in seen.recorded
    assert trace.d_k == config.model.d_k
