"""The full-video render with tiny fixture scenes at 480p15: stitching, chapters, captions, cache.

One render of two tiny scenes (about 10 s on a busy 2-core box) is shared by the module; the
other tests reuse its cache, so each costs about one small scene at most.
tests/fixtures/tiny_scene.py appends a line to $TINY_SCENE_MARKERS/<scene_id>.runs whenever its
construct runs: that is how a test tells a rendered scene from a reused one.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import av
import numpy as np
import pytest


from fixtures.tiny_catalog import TINY_CONFIG, cli_lookup, tiny_scenes

from attention_explainer.production.assemble import probe  # noqa: E402
from attention_explainer.config.catalog import SceneInfo  # noqa: E402
from attention_explainer.narration.chapters import read_chapters  # noqa: E402
from attention_explainer.cli import cli, main  # noqa: E402
from attention_explainer.config import load_config  # noqa: E402
from attention_explainer.production.render import RenderSettings, render_scene, render_segments, render_storyboard, render_video  # noqa: E402

FRAME = 1 / 15


@dataclass
class Rendered:
    root: Path
    scenes: tuple[SceneInfo, SceneInfo]
    settings: RenderSettings
    config_path: Path
    markers: Path
    video: Path
    manifest: dict

    def runs(self) -> dict[str, int]:
        return {p.stem: len(p.read_text().splitlines()) for p in self.markers.glob("*.runs")}


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rendered]:
    root = tmp_path_factory.mktemp("render")
    scenes = tiny_scenes(root / "scenes")
    config_path = root / "tiny.yaml"
    config_path.write_text(TINY_CONFIG)
    markers = root / "markers"
    markers.mkdir()
    settings = RenderSettings(load_config(config_path), name="tiny", media_dir=root / "media", jobs=2, quiet=True)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TINY_SCENE_MARKERS", str(markers))
        result = render_video(scenes, settings)
        manifest = json.loads(result.video.with_name("tiny_480p15.manifest.json").read_text())
        yield Rendered(root, scenes, settings, config_path, markers, result.video, manifest)


def test_video_is_written_under_media_named_after_config_and_quality(rendered: Rendered) -> None:
    assert rendered.video == rendered.root / "media" / "attention-explainer" / "tiny_480p15.mp4"
    names = {p.name for p in rendered.video.parent.iterdir() if p.is_file()}
    assert names == {"tiny_480p15.mp4", "tiny_480p15.srt", "tiny_480p15.vtt", "tiny_480p15.chapters.txt",
                     "tiny_480p15.transcript.txt", "tiny_480p15.chapters.vtt", "tiny_480p15.manifest.json"}


def test_stitched_in_order_and_as_long_as_the_scenes(rendered: Rendered) -> None:
    scenes = rendered.manifest["scenes"]
    assert [s["id"] for s in scenes] == ["why-attention", "math"]
    segment_durations = [probe(Path(s["segment"])).duration for s in scenes]
    total = probe(rendered.video).duration
    assert abs(total - sum(segment_durations)) <= FRAME
    assert rendered.manifest["duration"] == pytest.approx(total, abs=FRAME)
    # each scene is as long as its beats say (what the scene process measured)
    for s, d in zip(scenes, segment_durations):
        assert s["duration"] == pytest.approx(d, abs=1e-3)
        assert s["beats"][-1]["end"] - s["start"] == pytest.approx(d, abs=FRAME)
    # the frames are the segments' frames, in order: 1 s into scene 2 shows scene 2's frame
    t = scenes[1]["start"] + 1.0
    joined = _frame_at(rendered.video, t)
    changed = [(np.abs(joined - _frame_at(Path(s["segment"]), 1.0)).max(axis=2) > 40).mean() for s in scenes]
    assert changed[1] < 0.001 < changed[0], changed  # share of pixels that differ clearly


def _frame_at(path: Path, t: float) -> np.ndarray:
    with av.open(str(path)) as c:
        last = None
        for f in c.decode(video=0):
            if f.time is not None and f.time > t + 1e-6:
                break
            last = f.to_ndarray(format="rgb24").astype(float)
    assert last is not None
    return last


def test_chapters_match_the_manifest(rendered: Rendered) -> None:
    scenes = rendered.manifest["scenes"]
    embedded = read_chapters(str(rendered.video))
    assert [c.title for c in embedded] == ["The First Tiny Scene", "The Second Tiny Scene"]
    for chapter, s in zip(embedded, scenes):
        assert chapter.start == pytest.approx(s["start"], abs=0.002)
        assert chapter.end == pytest.approx(s["start"] + s["duration"], abs=0.002)
    text = rendered.video.with_name("tiny_480p15.chapters.txt").read_text().splitlines()
    assert text == [f"0:00 {scenes[0]['title']}", f"0:0{int(scenes[1]['start'])} {scenes[1]['title']}"]


def test_captions_follow_the_beats_inside_their_scene(rendered: Rendered) -> None:
    srt = rendered.video.with_name("tiny_480p15.srt").read_text()
    vtt = rendered.video.with_name("tiny_480p15.vtt").read_text()
    stamp = r"(\d\d):(\d\d):(\d\d)[,.](\d\d\d)"
    seconds = [int(h) * 3600 + int(m) * 60 + int(s) + int(ms) / 1000 for h, m, s, ms in re.findall(stamp, srt)]
    cues = list(zip(seconds[::2], seconds[1::2]))
    beats = [(s, b) for s in rendered.manifest["scenes"] for b in s["beats"]]
    assert len(cues) == len(beats) == 4
    for (start, end), (scene, beat) in zip(cues, beats):
        assert scene["start"] - 1e-3 <= start < end <= scene["start"] + scene["duration"] + 1e-3
        assert (start, end) == pytest.approx((beat["start"], beat["end"]), abs=1e-3)
        assert beat["text"] in " ".join(srt.split()) and beat["id"] in vtt  # (long lines wrap in the file)
    assert beats[2][1]["id"] == "tiny-two-circle" and beats[2][1]["start"] == pytest.approx(beats[2][0]["start"])


def test_unchanged_rerender_reuses_every_scene_in_seconds(rendered: Rendered, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TINY_SCENE_MARKERS", str(rendered.markers))
    before = rendered.runs()
    t0 = time.monotonic()
    result = render_video(rendered.scenes, rendered.settings)
    elapsed = time.monotonic() - t0
    assert rendered.runs() == before, "construct did not run again"
    assert all(s.reused for s in result.segments)
    assert elapsed < 3.0
    assert probe(result.video).duration == pytest.approx(rendered.manifest["duration"], abs=FRAME)


def test_editing_one_narration_line_rerenders_that_scene_alone(rendered: Rendered,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TINY_SCENE_MARKERS", str(rendered.markers))
    source = Path(rendered.scenes[1].path)
    original = source.read_text()
    try:
        source.write_text(original.replace("This is the second scene.", "This second scene now says more words."))
        before = rendered.runs()
        result = render_video(rendered.scenes, rendered.settings, output=rendered.root / "edited.mp4")
        after = rendered.runs()
        assert after["tiny-two"] == before["tiny-two"] + 1
        assert after["tiny-one"] == before["tiny-one"]
        assert [s.reused for s in result.segments] == [True, False]
        assert "This second scene now says more words." in result.video.with_suffix(".srt").read_text()
    finally:
        source.write_text(original)
    # back to the original text: its segment is still in the cache
    again = render_video(rendered.scenes, rendered.settings, output=rendered.root / "again.mp4")
    assert all(s.reused for s in again.segments)


def test_an_edit_to_shared_scene_code_is_a_change(rendered: Rendered) -> None:
    # the meta of every segment lists the project files the scene process imported
    meta = json.loads(next((rendered.root / "media/attention-explainer/cache/math/480p15").glob("*.json")).read_text())
    names = {Path(p).name for p in meta["sources"]}
    assert {"two.py", "base.py", "text.py", "matrix.py", "attention.py", "models.py", "loader.py"} <= names  # text, matrix: components


@pytest.mark.slow
def test_burn_captions_override_reaches_the_scene(rendered: Rendered) -> None:
    on = RenderSettings(rendered.settings.config, name="tiny", media_dir=rendered.settings.media_dir, quiet=True)
    off = RenderSettings(rendered.settings.config, name="tiny", media_dir=rendered.settings.media_dir, quiet=True,
                         captions=False)
    with_captions, _ = render_segments(rendered.scenes, on, still=True)  # both: the storyboard reuses them
    [without] = render_segments(rendered.scenes[:1], off, still=True)
    band = [np.asarray(av.open(str(p)).decode(video=0).__next__().to_ndarray(format="rgb24"))[-60:, :, :].std()
            for p in (with_captions.video, without.video)]
    assert band[0] > 10 > band[1], "caption text in the bottom band only when burned in"


def test_cli_render_says_where_it_wrote(rendered: Rendered, monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("TINY_SCENE_MARKERS", str(rendered.markers))
    monkeypatch.setitem(cli.context_settings, "obj", {"scene_lookup": cli_lookup(rendered.scenes)})
    before = rendered.runs()
    main(["render", "-c", str(rendered.config_path), "--media-dir", str(rendered.settings.media_dir), "--quiet",
          "--voice", "none"])  # silent, like the library render it reuses (the CLI's default is neural)
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert lines[0].startswith(f"wrote {rendered.video} (0:") and "2 unchanged" in lines[0]
    assert [ln.split()[1] for ln in lines[1:]] == [
        str(rendered.video.with_name(f"tiny_480p15{s}")) for s in (".srt", ".vtt", ".chapters.txt", ".transcript.txt",
                                                                   ".chapters.vtt", ".manifest.json")]
    assert err == "" and rendered.runs() == before


def test_one_scene_as_gif_reuses_its_segment(rendered: Rendered, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TINY_SCENE_MARKERS", str(rendered.markers))
    before = rendered.runs()
    out = render_scene(rendered.scenes[1], rendered.settings, fmt="gif")
    assert out == rendered.root / "media/attention-explainer/tiny_math_480p15.gif"
    assert rendered.runs() == before
    with av.open(str(out)) as c:
        assert c.streams.video[0].codec_context.name == "gif"


def test_storyboard_is_one_png_with_every_scene(rendered: Rendered) -> None:
    out = render_storyboard(rendered.scenes, rendered.settings)  # stills from the captions test, if run
    assert out == rendered.root / "media/attention-explainer/tiny_480p15_storyboard.png"
    from PIL import Image

    with Image.open(out) as im:
        assert im.width > 2 * 640 and im.height < 640  # two thumbnails side by side, one row
