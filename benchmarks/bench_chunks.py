"""Benchmark chunks and courses (issue 19), side by side in one run, at 480p15 (-q l):

    .venv/bin/python benchmarks/bench_chunks.py [--work DIR] [--lessons 4] [--course-scenes heatmap]

(a) the math scene cold (silent, `render --no-check`), cut into chunks by the layout check's
    animations; then once more after deleting its segment (chunks reused);
(b) the same config with one math line edited: wall time from command to new video, and the
    chunks the log says it rendered;
(c) unchanged re-render;
(d) the last chunk's cost per second of video against the first's: what skipping ahead costs;
(e) a course of N lessons (different sentences, `--course-scenes` only) on a local Dask cluster
    of 2 single-thread worker processes, against the same N configs rendered one after another
    with `render`.
Each line gives wall seconds, CPU seconds of the children, and the load average at the start.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

EXE = [sys.executable, "-m", "attention_explainer"]
SENTENCES = ["The cat sat", "A dog ran far", "Birds sing at dawn", "We read old books", "Rain fell all night",
             "She wrote a song"]


def timed(cmd: list[str], cwd: Path) -> tuple[float, float, str]:
    """(wall s, CPU s of the command and its children, output)."""
    before = os.times()
    t0 = time.monotonic()
    run = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    wall = time.monotonic() - t0
    after = os.times()
    if run.returncode != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{run.stderr[-2000:]}")
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    return wall, cpu, run.stdout + run.stderr


def say(what: str, wall: float, cpu: float) -> None:
    print(f"{what}: {wall:.1f} s wall, {cpu:.1f} CPU s (load {os.getloadavg()[0]:.1f})", flush=True)


def config(folder: Path, name: str, sentence: str, scenes: list[str], narration: dict | None = None) -> Path:
    video: dict = {"scenes": scenes, "quality": "l", "voice": "none"}
    if narration:
        video["narration"] = narration
    path = folder / f"{name}.yaml"
    path.write_text(json.dumps({"sentence": sentence, "video": video}), encoding="utf-8")
    return path


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", type=Path, default=None)
    ap.add_argument("--lessons", type=int, default=4)
    ap.add_argument("--course-scenes", default="heatmap")
    ap.add_argument("--skip-course", action="store_true")
    args = ap.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="bench-chunks-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"work folder {work}; {os.cpu_count()} cores; load {os.getloadavg()}", flush=True)
    media = work / "media"
    base = config(work, "math", "The cat sat", ["math"])
    render = [*EXE, "render", "-q", "l", "--voice", "none", "--media-dir", str(media)]
    wall, cpu, _ = timed([*render, "-c", str(base)], work)  # with the check: its animations cut the scene
    say("(a) math scene cold, with its check", wall, cpu)
    edited = config(work, "math", "The cat sat", ["math"],
                    {"math-scores-fill": "Every other cell fills the same way, one row after another."})
    wall, cpu, out = timed([*render, "--no-check", "-c", str(edited)], work)
    say("(b) one math line edited (--no-check)", wall, cpu)
    print("    " + "\n    ".join(ln for ln in out.splitlines() if "chunks;" in ln), flush=True)
    wall, cpu, _ = timed([*render, "-c", str(edited)], work)
    say("(b') the edited config again, now with the layout check (the check of the edited scene runs)", wall, cpu)
    wall, cpu, _ = timed([*render, "-c", str(edited)], work)
    say("(c) unchanged re-render", wall, cpu)
    metas = [json.loads(p.read_text()) for p in (media / "attention-explainer" / "cache" / "math" / "480p15-chunks")
             .glob("*.json")]
    metas.sort(key=lambda m: m["created"])
    if metas:
        per = [(m["beats"][0]["id"], m["render_seconds"] / max(m["duration"], 1e-6)) for m in metas]
        print("(d) render s per video s, by chunk (first beat): "
              + ", ".join(f"{b} {r:.2f}" for b, r in per), flush=True)
    plan = json.loads(next((media / "attention-explainer" / "cache" / "math" / "480p15-plans").glob("*.json"))
                      .read_text())
    scene = Path(__file__).resolve().parents[1] / "scenes" / "attention_math.py"
    last = max(end for _, end in plan["plays"].values()) - 1
    for n in sorted({0, *(plan["plays"][s][0] for s in plan["starts"]), last}):  # skip n animations, draw one
        wall, cpu, _ = timed([sys.executable, "-m", "manim", "render", str(scene), "AttentionMath", "-ql",
                              "--media_dir", str(work / "skip"), "-n", f"{n},{n}", "--disable_caching",
                              "--progress_bar", "none", "-v", "WARNING"], work)
        say(f"(d') math: skip {n} animations and draw one (TeX cache warm after the first)", wall, cpu)
    if args.skip_course:
        return
    scenes = args.course_scenes.split(",")
    lessons = [(f"l{n}", SENTENCES[n % len(SENTENCES)]) for n in range(args.lessons)]
    seq_media = work / "seq"
    t0, cpu = time.monotonic(), 0.0
    for name, sentence in lessons:
        _, c, _ = timed([*EXE, "render", "-q", "l", "--voice", "none", "--no-check", "--media-dir", str(seq_media),
                         "-j", "1", "-c", str(config(work, name, sentence, scenes))], work)
        cpu += c
    say(f"(e1) {len(lessons)} lessons one after another with render -j 1", time.monotonic() - t0, cpu)
    course = work / "course.yaml"
    course.write_text(json.dumps({"defaults": {"quality": "l", "voice": "none", "scenes": scenes},
                                  "lessons": [{"name": n, "sentence": s} for n, s in lessons]}))
    from distributed import LocalCluster

    before = os.times()
    t0 = time.monotonic()
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster:
        up = time.monotonic() - t0
        wall, cpu, out = timed([*EXE, "course", str(course), "-o", str(work / "course-out"), "--cache-dir",
                                str(work / "course-cache"), "--scheduler", cluster.scheduler_address], work)
    after = os.times()
    workers_cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system) - cpu
    say(f"(e2) the same {len(lessons)} lessons as a course on a local Dask cluster (2 x 1 thread; cluster start "
        f"{up:.1f} s not counted; workers' CPU {workers_cpu:.1f} s)", wall, cpu + workers_cpu)


if __name__ == "__main__":
    main()
