"""`render --scheduler` (issue 19): the one video as the course's tasks on a Dask LocalCluster
(2 single-thread worker processes on 127.0.0.1) matches a local render of the same config; an
unreachable scheduler is one error line that touches nothing; -j does not go to a cluster."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import av
import pytest

from fixtures.tiny_catalog import TINY_CONFIG

from attention_explainer.cli import main
from attention_explainer.production.assemble import probe
from attention_explainer.production.executor import SCHEDULER_ENV

RUN_CLI = Path(__file__).parent / "fixtures" / "run_cli.py"
FRAME = 1 / 15
SIDECARS = (".srt", ".vtt", ".chapters.txt", ".manifest.json")


def _frames(path: Path) -> int:
    with av.open(str(path)) as c:
        return sum(1 for _ in c.decode(c.streams.video[0]))


def _render(tmp_path: Path, media: str, video: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    config = tmp_path / "tiny.yaml"
    config.write_text(TINY_CONFIG + "  voice: none\n")  # a neural voice's clips differ in length per synthesis
    return subprocess.run([sys.executable, str(RUN_CLI), "render", "-c", str(config), "--media-dir", media,
                           "-o", str(video), *extra], capture_output=True, text=True, timeout=900)


@pytest.mark.slow
def test_render_on_a_local_cluster_matches_a_local_render(tmp_path: Path, cluster) -> None:  # type: ignore[no-untyped-def]
    c, client, markers = cluster
    local = _render(tmp_path, str(tmp_path / "local-media"), tmp_path / "local" / "v.mp4", "--quiet")
    assert local.returncode == 0, local.stderr
    shared = tmp_path / "shared"  # the cache and the output on "shared storage": a file:// URL
    run = _render(tmp_path, f"file://{shared / 'media'}", shared / "out" / "v.mp4", "--scheduler",
                  c.scheduler_address, "--page")
    assert run.returncode == 0, run.stderr
    assert "render: 3 task(s) on dask (2 worker(s))" in run.stderr
    assert "2 scenes: 2 rendered, 0 unchanged" in run.stdout
    a, b = tmp_path / "local" / "v.mp4", shared / "out" / "v.mp4"
    assert abs(probe(a).duration - probe(b).duration) <= FRAME + 1e-6
    assert abs(_frames(a) - _frames(b)) <= 1
    for suffix in SIDECARS:  # the same files beside the video, listed as a local render lists them
        assert b.with_name("v" + suffix).is_file() and f"wrote {b.with_name('v' + suffix)}" in run.stdout
    assert b.with_suffix(".html").is_file() and f"wrote {b.with_suffix('.html')}" in run.stdout
    manifest = json.loads(b.with_name("v.manifest.json").read_text())
    assert [s["segment"].startswith(str(shared / "media")) for s in manifest["scenes"]] == [True, True]
    runs = sum(len((markers / f).read_text().splitlines()) for f in ("tiny-one.runs", "tiny-two.runs"))
    # an unchanged render on the cluster: every task reuses, nothing renders again
    again = _render(tmp_path, f"file://{shared / 'media'}", shared / "out" / "v.mp4", "--scheduler",
                    c.scheduler_address, "--page")
    assert again.returncode == 0, again.stderr
    assert "0 rendered, 2 unchanged" in again.stdout and again.stderr.count(": reused") == 2
    assert sum(len((markers / f).read_text().splitlines()) for f in ("tiny-one.runs", "tiny-two.runs")) == runs


@pytest.mark.parametrize("by_variable", [False, True])
def test_an_unreachable_scheduler_is_one_line_and_touches_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                  capsys: pytest.CaptureFixture[str],
                                                                  by_variable: bool) -> None:
    pytest.importorskip("distributed")
    config = tmp_path / "tiny.yaml"
    config.write_text(TINY_CONFIG + "  voice: none\n")
    video = tmp_path / "v.mp4"
    video.write_bytes(b"the previous video")
    address = "tcp://127.0.0.1:9"  # the discard port: nothing listens there
    monkeypatch.setenv(SCHEDULER_ENV, address) if by_variable else monkeypatch.delenv(SCHEDULER_ENV, raising=False)
    with pytest.raises(SystemExit) as e:
        main(["render", "-c", str(config), "--media-dir", str(tmp_path / "media"), "-o", str(video),
              *([] if by_variable else ["--scheduler", address])])
    out, err = capsys.readouterr()
    assert e.value.code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith(f"error: --scheduler {address}: cannot reach the Dask scheduler")
    assert "Traceback" not in err
    assert video.read_bytes() == b"the previous video"
    assert {p.name for p in tmp_path.iterdir()} <= {"media", "tiny.yaml", "v.mp4"}
    assert [p for p in tmp_path.rglob("*") if p.is_file() and p not in (config, video)] == []


def test_jobs_do_not_go_to_a_cluster(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("distributed")
    config = tmp_path / "tiny.yaml"
    config.write_text(TINY_CONFIG + "  voice: none\n")
    with pytest.raises(SystemExit) as e:
        main(["render", "-c", str(config), "--media-dir", str(tmp_path / "media"), "-j", "2",
              "--scheduler", "tcp://127.0.0.1:9"])
    err = capsys.readouterr().err
    assert e.value.code == 2 and err.count("\n") == 1
    assert err.startswith("error: -j/--jobs sets this machine's pool") and "tcp://127.0.0.1:9" in err


def test_cache_dir_is_the_media_dir_on_render_and_course(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for args in (["render", "--cache-dir", "s3://bucket/cache"], ["render", "--media-dir", "gcs://b/c"],
                 ["course", str(tmp_path / "c.yaml"), "--media-dir", "s3://bucket/cache"]):
        (tmp_path / "c.yaml").write_text("lessons:\n  - name: a\n")
        with pytest.raises(SystemExit) as e:
            main(args)
        err = capsys.readouterr().err
        assert e.value.code == 2 and "only a local folder or a file:// URL" in err, args
