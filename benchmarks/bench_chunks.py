"""Benchmark chunks and courses (issue 19), side by side in one run, at 480p15 (-q l):

    .venv/bin/python benchmarks/bench_chunks.py [--work DIR] [--lessons 4] [--course-scenes heatmap]
    .venv/bin/python benchmarks/bench_chunks.py --skip-skip-ahead --skip-course   # (2) and (3) alone

(a) the math scene cold (silent, `render`, with its layout check), as a user's first render
    (cut into chunks when that ends it sooner: chunk bounds are beats);
(b1) one math line edited in the config's override file (`video.narration: FILE`, as a teacher
    corrects a line), `render --no-check`: wall time from command to new video, and the chunks
    the log says it rendered. The first edit after a one-piece render cuts the scene anew, so
    every chunk renders;
(b2) another line of the same scene edited: the cut is kept, one chunk renders (the steady state);
(b3) a third line edited, now with the layout check (`render`, the default command);
(c) unchanged re-render;
(d) the last chunk's cost per second of video against the first's: what skipping ahead costs;
    (d') manim -n N,N at each chunk start (--skip-skip-ahead: not);
(e) a course of N lessons (different sentences, `--course-scenes` only) on a local Dask cluster
    of 2 single-thread worker processes, against the same N configs rendered one after another
    with `render`.
(f) --cold-only: the math scene alone, cold (fresh media dirs, TeX included), 2 jobs, rendered
    (f1) in one piece and (f2) as a first render is now (cut at beats), back to back, twice in
    alternation with --rounds 2; `--cold-voice neural` for the narrated scene.
Each line gives wall seconds, CPU seconds of the children, and the load average (1/5/15 min)
before and after.
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


def load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


_BEFORE = [load()]


def say(what: str, wall: float, cpu: float) -> None:
    """One case's line; the load before is the one the previous line (or the start) left."""
    after = load()
    print(f"{what}: {wall:.1f} s wall, {cpu:.1f} CPU s (load {_BEFORE[0]} → {after})", flush=True)
    _BEFORE[0] = after


def chunk_lines(out: str) -> str:
    return "    " + "\n    ".join(ln.strip() for ln in out.splitlines() if "chunks;" in ln)


def config(folder: Path, name: str, sentence: str, scenes: list[str], narration: dict | str | None = None) -> Path:
    video: dict = {"scenes": scenes, "quality": "l", "voice": "none"}
    if narration:
        video["narration"] = narration
    path = folder / f"{name}.yaml"
    path.write_text(json.dumps({"sentence": sentence, "video": video}), encoding="utf-8")
    return path


COLD = """import json, sys
from pathlib import Path
from attention_explainer.config import parse_yaml, validate_config
from attention_explainer.config.catalog import scene_by_id
from attention_explainer.production.render import RenderSettings, render_segments
media, voice, whole = Path(sys.argv[1]), sys.argv[2], sys.argv[3] == "whole"
config = validate_config(parse_yaml(json.dumps({"video": {"scenes": ["math"], "quality": "l"}})))
settings = RenderSettings(config=config, name="cold", media_dir=media, jobs=2, voice=voice, quiet=True)
print(render_segments([scene_by_id("math")], settings, whole=frozenset({"math"} if whole else ()))[0].video)
"""


def cold_cases(work: Path, args: argparse.Namespace) -> None:
    """(f1) one piece against (f2) cut, each in a fresh media dir; the chunks (f2) rendered."""
    for n in range(args.rounds):
        for case, how in (("f1", "whole"), ("f2", "cut")):
            media = work / f"cold-{how}-{n}"
            _BEFORE[0] = load()
            wall, cpu, out = timed([sys.executable, "-c", COLD, str(media), args.cold_voice, how], work)
            drawn = [json.loads(p.read_text()) for p in
                     (media / "attention-explainer" / "cache" / "math" / "480p15-chunks").glob("*.json")]
            logs = sorted((media / "attention-explainer" / "logs").glob("*math*"))
            say(f"({case}) math alone, cold, {'one piece' if how == 'whole' else 'first render as cut now'}"
                f" ({len(logs)} Manim process(es); {len(drawn)} chunks left for edits)", wall, cpu)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", type=Path, default=None)
    ap.add_argument("--lessons", type=int, default=4)
    ap.add_argument("--course-scenes", default="heatmap")
    ap.add_argument("--skip-course", action="store_true")
    ap.add_argument("--course-only", action="store_true", help="only (e), the course against render one by one")
    ap.add_argument("--skip-skip-ahead", action="store_true", help="skip (d'), the manim -n N,N runs")
    ap.add_argument("--cold-only", action="store_true", help="only (f), the math scene cold: one piece against cut")
    ap.add_argument("--cold-voice", default="none", help="the voice of (f) (default: none)")
    ap.add_argument("--rounds", type=int, default=1, help="rounds of (f), alternating its two cases")
    args = ap.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="bench-chunks-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"work folder {work}; {os.cpu_count()} cores; load {load()}", flush=True)
    if args.cold_only:
        return cold_cases(work, args)
    if not args.course_only:
        chunk_cases(work, args)
    if not args.skip_course:
        course_case(work, args)


def chunk_cases(work: Path, args: argparse.Namespace) -> None:
    media = work / "media"
    overrides = work / "my-lines.yaml"  # the override file a teacher edits (video.narration: FILE)
    overrides.write_text("{}\n", encoding="utf-8")
    base = config(work, "math", "The cat sat", ["math"], str(overrides))
    render = [*EXE, "render", "-q", "l", "--voice", "none", "--media-dir", str(media)]
    _BEFORE[0] = load()
    wall, cpu, _ = timed([*render, "-c", str(base)], work)
    say("(a) math scene cold, with its check (one piece)", wall, cpu)
    edits = [("b1", "math-scores-fill", "Every other cell fills the same way, one row after another.", True),
             ("b2", "math-w-k-role", "W_K makes the keys: what each token offers the others.", True),
             ("b3", "math-softmax-sum", "Now add them all up. The sum is {total}.", False)]
    lines: dict[str, str] = {}
    for case, line, text, no_check in edits:
        lines[line] = text
        overrides.write_text("".join(f"{k}:\n  text: {json.dumps(v)}\n" for k, v in lines.items()), encoding="utf-8")
        _BEFORE[0] = load()
        wall, cpu, out = timed([*render, *(["--no-check"] if no_check else []), "-c", str(base)], work)
        how = "render --no-check" if no_check else "render (with the check of the edited scene)"
        say(f"({case}) line {line} edited in the override file, {how}", wall, cpu)
        print(chunk_lines(out), flush=True)
    _BEFORE[0] = load()
    wall, cpu, _ = timed([*render, "-c", str(base)], work)
    say("(c) unchanged re-render", wall, cpu)
    metas = [json.loads(p.read_text()) for p in (media / "attention-explainer" / "cache" / "math" / "480p15-chunks")
             .glob("*.json")]
    metas.sort(key=lambda m: m["created"])
    if metas:
        per = [(m["beats"][0]["id"], m["render_seconds"] / max(m["duration"], 1e-6)) for m in metas]
        print("(d) render s per video s, by chunk (first beat): "
              + ", ".join(f"{b} {r:.2f}" for b, r in per), flush=True)
    if not args.skip_skip_ahead:
        from attention_explainer.config.catalog import scene_by_id

        plan = json.loads(next((media / "attention-explainer" / "cache" / "math" / "480p15-plans").glob("*.json"))
                          .read_text())
        scene = Path(scene_by_id("math").path)
        last = max(end for _, end in plan["plays"].values()) - 1
        for n in sorted({0, *(plan["plays"][s][0] for s in plan["starts"]), last}):  # skip n animations, draw one
            wall, cpu, _ = timed([sys.executable, "-m", "manim", "render", str(scene), "AttentionMath", "-ql",
                                  "--media_dir", str(work / "skip"), "-n", f"{n},{n}", "--disable_caching",
                                  "--progress_bar", "none", "-v", "WARNING"], work)
            say(f"(d') math: skip {n} animations and draw one (TeX cache warm after the first)", wall, cpu)


def course_case(work: Path, args: argparse.Namespace) -> None:
    scenes = args.course_scenes.split(",")
    lessons = [(f"l{n}", SENTENCES[n % len(SENTENCES)]) for n in range(args.lessons)]
    seq_media = work / "seq"
    _BEFORE[0] = load()
    t0, cpu = time.monotonic(), 0.0
    for name, sentence in lessons:
        _, c, _ = timed([*EXE, "render", "-q", "l", "--voice", "none", "--no-check", "--media-dir", str(seq_media),
                         "-j", "1", "-c", str(config(work, name, sentence, scenes))], work)
        cpu += c
    sequential = time.monotonic() - t0
    say(f"(e1) {len(lessons)} lessons one after another with render -j 1", sequential, cpu)
    course = work / "course.yaml"
    course.write_text(json.dumps({"defaults": {"quality": "l", "voice": "none", "scenes": scenes},
                                  "lessons": [{"name": n, "sentence": s} for n, s in lessons]}))
    from distributed import LocalCluster

    _BEFORE[0] = load()
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
    print(f"(e2) ÷ (e1): {wall / sequential:.2f}× wall time", flush=True)


if __name__ == "__main__":
    main()
