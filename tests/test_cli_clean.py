"""Stale work files of killed renders go at the next run; `clean` frees cached segments no
manifest uses (`--all`: the whole cache) and says how much."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from attention_explainer.cli import cli, main
from attention_explainer.production.housekeeping import remove_stale_work
from attention_explainer.production.records import Manifest, ManifestScene


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def write(path: Path, size: int) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x" * size)
    return path


def segment(app: Path, scene: str, key: str, size: int) -> Path:
    media = write(app / "cache" / scene / "480p15" / f"{key}.mp4", size)
    (media.with_suffix(".json")).write_text(json.dumps({"key": key, "file": str(media.resolve())}))
    return media


@pytest.fixture
def app(tmp_path: Path) -> Path:
    """A media/attention-explainer/ as renders leave it: one video with its manifest, two cached
    segments it uses, two it does not, and the leftovers of a render killed with SIGKILL."""
    app = tmp_path / "media" / "attention-explainer"
    used = [segment(app, "math", "a" * 32, 1000), segment(app, "outro", "b" * 32, 2000)]
    segment(app, "math", "c" * 32, 30_000)
    segment(app, "heatmap", "d" * 32, 40_000)
    write(app / "default_480p15.mp4", 5000)
    scenes = [ManifestScene(id=s.parent.parent.name, title="", start=0.0, duration=1.0, segment=str(s),
                            cache_key=s.stem, reused=False, render_seconds=1.0, beats=[]) for s in used]
    Manifest(video=str(app / "default_480p15.mp4"), format="mp4", duration=2.0, resolution="854x480", fps=15.0,
             audio=False, captions={}, chapters="", scenes=scenes, tools={}, created="").to_file(
        app / "default_480p15.manifest.json")
    pid = dead_pid()
    write(app / "work" / f"math-0123456789ab-{pid}.beats.json", 100)
    write(app / "work" / f"math-0123456789ab-{pid}.sources.json", 100)
    write(app / "manim" / "math" / "videos" / "attention_math" / "480p15" / f"math-0123456789ab-{pid}.mp4", 700)
    write(app / "work" / f".config-x.tmp-{pid}-abcd1234.yaml", 50)
    return app


def sizes(app: Path) -> dict[str, int]:
    return {str(p.relative_to(app)): p.stat().st_size for p in app.rglob("*") if p.is_file()}


def test_stale_work_files_of_dead_renders_are_removed(app: Path) -> None:
    live = write(app / "work" / f"math-0123456789ab-{os.getpid()}.beats.json", 10)  # a render running now
    config = write(app / "work" / "config-0011223344556677.yaml", 10)
    old_config = write(app / "work" / "config-8899aabbccddeeff.yaml", 10)
    os.utime(old_config, (time.time() - 2 * 86400,) * 2)
    before = sizes(app)
    freed = remove_stale_work(app)
    after = sizes(app)
    removed = set(before) - set(after)
    stale = ("work/math", "manim/", "work/.config", "work/config-88")
    assert removed == {k for k in before if k.startswith(stale) and str(os.getpid()) not in k}
    assert live.exists() and config.exists()
    assert freed.bytes == sum(before[k] for k in removed) == 100 + 100 + 700 + 50 + 10


def test_clean_frees_unused_segments_and_says_how_much(app: Path) -> None:
    before = sizes(app)
    result = CliRunner().invoke(cli, ["clean", "--media-dir", str(app.parent)])
    assert result.exit_code == 0, result.output
    after = sizes(app)
    removed = set(before) - set(after)
    expected = 30_000 + 40_000 + sum(before[k] for k in removed if not k.startswith("cache/"))
    assert {k for k in removed if k.startswith("cache/")} == {
        f"cache/math/480p15/{'c' * 32}.mp4", f"cache/math/480p15/{'c' * 32}.json",
        f"cache/heatmap/480p15/{'d' * 32}.mp4", f"cache/heatmap/480p15/{'d' * 32}.json"}
    expected += before[f"cache/math/480p15/{'c' * 32}.json"] + before[f"cache/heatmap/480p15/{'d' * 32}.json"]
    assert "default_480p15.mp4" in after and "default_480p15.manifest.json" in after
    assert f"cache/outro/480p15/{'b' * 32}.mp4" in after
    assert result.output.startswith(f"freed {expected / 1024:.1f} KB (")
    assert "kept 2 segment(s) the manifests use" in result.output


def test_clean_dry_run_removes_nothing(app: Path) -> None:
    before = sizes(app)
    result = CliRunner().invoke(cli, ["clean", "--all", "--dry-run", "--media-dir", str(app.parent)])
    assert result.exit_code == 0 and result.output.startswith("would free ")
    assert sizes(app) == before


def test_clean_all_keeps_only_the_outputs(app: Path) -> None:
    before = sizes(app)
    result = CliRunner().invoke(cli, ["clean", "--all", "--media-dir", str(app.parent)])
    assert result.exit_code == 0, result.output
    assert sorted(sizes(app)) == ["default_480p15.manifest.json", "default_480p15.mp4"]
    freed = sum(v for k, v in before.items() if "/" in k)
    assert result.output.startswith(f"freed {freed / 1024:.1f} KB (")


def test_clean_refuses_while_a_render_runs(app: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(app / "work" / f"math-0123456789ab-{os.getpid()}.beats.json", 10)
    before = sizes(app)
    with pytest.raises(SystemExit) as info:
        main(["clean", "--all", "--media-dir", str(app.parent)])
    assert info.value.code == 2
    assert f"a render is running (process {os.getpid()})" in capsys.readouterr().err
    assert sizes(app) == before


def test_clean_removes_the_spoken_clips_no_kept_segment_plays(tmp_path: Path) -> None:
    """Issue 21 item 15: `clean` left the voice clip cache as it was."""
    app = tmp_path / "media" / "attention-explainer"
    used = segment(app, "math", "a" * 32, 1000)
    played = write(app / "voice" / "neural" / "aaaa.wav", 3000)
    write(app / "voice" / "neural" / "aaaa.json", 10)
    meta = used.with_suffix(".json")
    meta.write_text(json.dumps({"key": "a" * 32, "file": str(used.resolve()),
                                "beats": [{"id": "math-01", "audio": str(played)}]}))
    write(app / "voice" / "neural" / "bbbb.wav", 5000)  # a line no segment says any more
    write(app / "voice" / "neural" / "bbbb.json", 10)
    write(app / "voice" / "math-02-rec-1234.wav", 7000)
    scene = ManifestScene(id="math", title="", start=0.0, duration=1.0, segment=str(used), cache_key="a",
                          reused=False, render_seconds=1.0, beats=[])
    Manifest(video="v.mp4", format="mp4", duration=1.0, resolution="854x480", fps=15.0, audio=True, captions={},
             chapters="", scenes=[scene], tools={}, created="").to_file(app / "v.manifest.json")
    result = CliRunner().invoke(cli, ["clean", "--media-dir", str(tmp_path / "media")])
    assert result.exit_code == 0, result.output
    assert "3 spoken clips" in result.output
    assert sorted(p.name for p in (app / "voice").rglob("*") if p.is_file()) == ["aaaa.json", "aaaa.wav"]
