"""Benchmark the full-video render: wall time ÷ video duration, four ways, side by side.

    .venv/bin/python benchmarks/bench_render.py -q l            # 480p15 (a few minutes)
    .venv/bin/python benchmarks/bench_render.py -q h --jobs 2   # 1080p60 (long)

(a) `attention-explainer render` with parallel jobs, nothing cached (a fresh media dir);
(b) the same scenes one after another with plain `manim render`, then joined (PyAV remux);
(c) (a) again, unchanged: every scene reused from the cache;
(d) after editing one narration line of one scene: that scene alone is rendered again;
(e) (a) silent (`--voice none`), in a media dir of its own: the neural voice's cost is (a) ÷ (e).

    .venv/bin/python benchmarks/bench_render.py -q h --scenes math,heatmap \
        --matrix en:neural,en:kokoro:af_heart,es:kokoro:ef_dora

runs only the voice matrix: per language, a silent cold render, then a cold render per voice
(each in a fresh media dir, clips synthesised), back to back; narrated ÷ silent in wall time and
in CPU time (the render and all its processes, the voice server's included).

(a), (c) and (d) speak with the default voice (neural, `--voice`); clips are made alongside the
scenes by the render's voice server, and (d) synthesises the edited line alone.

Nothing in the repository is modified: the scene files are copied to a temp dir and rendered
from there (the copies import the repository's scenes/base.py and components.py as usual), and
(d) edits the copy. Targets on 2 cores: (a) ≤ 1.5× the video's duration at 1080p60,
(c) ≤ 3 s, (d) re-renders one scene, (a) ≤ 1.2× (e).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import resource
import time
from pathlib import Path
from typing import Optional

import yaml

REPO = Path(__file__).resolve().parent.parent


def _scene_copies(folder: Path, scene_ids: list[str]) -> list:
    """SceneInfos of the configured scenes, pointing at copies of their files in folder."""
    from attention_explainer.config.catalog import scene_by_id
    from attention_explainer.production.render import scene_from_file

    folder.mkdir(parents=True, exist_ok=True)
    infos = []
    for sid in scene_ids:
        info = scene_by_id(sid)
        copy = folder / Path(info.path).name
        if not copy.exists():
            shutil.copyfile(info.path, copy)
        infos.append(scene_from_file(copy, info.cls, info.id, info.title))
    return infos


def run_cli_with_copies(argv: list[str]) -> None:
    """`--run-cli DIR args...`: the real CLI, rendering the scene copies in DIR."""
    folder, args = Path(argv[0]), argv[1:]
    from attention_explainer.cli import cli, main
    from attention_explainer.config import load_config

    config = load_config(args[args.index("-c") + 1])
    lookup = {s.id: s for s in _scene_copies(folder, list(config.video.scenes))}
    cli.context_settings["obj"] = {"scene_lookup": lookup.__getitem__}
    main(args)


def edit_narration(path: Path) -> str:
    """Change the first narration line of a scene file (in place); returns the new line's start."""
    text = path.read_text(encoding="utf-8")
    pattern = re.compile(r"""(self\.beat\(\s*[rfu]?["'])""")
    if not pattern.search(text):
        raise SystemExit(f"{path}: no `self.beat(\"...\")` line to edit")
    path.write_text(pattern.sub(r"\1Once more: ", text, count=1), encoding="utf-8")
    return "Once more: "


def edit_script_line(config_path: Path, scene_id: str) -> str:
    """Override the scene's first narration-script line in the config (video.narration), as a
    user editing one line would; returns the line id."""
    from attention_explainer.narration.script import default_script

    script = default_script()
    line_id = script.ids(scene_id)[0]
    data = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    entry = script.entries[line_id]
    data["video"]["narration"] = {line_id: {"text": "Once more: " + entry.form.text,
                                            **({"spoken": "Once more: " + entry.form.spoken} if entry.form.spoken else {})}}
    config_path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return line_id


def load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


LOADS: list[str] = []  # "before → after" of each timed case, in order
STARTS: list[float] = []  # wall clock (time.time) at the start of each timed case
CPUS: list[float] = []  # CPU seconds (user + system) of each timed case and all its processes


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(cmd: list[str], env: Optional[dict[str, str]] = None) -> float:
    before, cpu0 = load(), children_cpu()
    STARTS.append(time.time())
    t0 = time.monotonic()
    result = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    elapsed = time.monotonic() - t0
    if result.returncode != 0:
        print(result.stdout[-3000:], file=sys.stderr)
        raise SystemExit(f"failed: {' '.join(cmd)}")
    LOADS.append(f"{before} → {load()}")
    CPUS.append(children_cpu() - cpu0)
    return elapsed


def voice_matrix(matrix: str, cli_for, work: Path) -> None:
    """Per language: silent, then each voice, cold, back to back; a table of narrated ÷ silent."""
    cases: dict[str, list[str]] = {}
    for item in matrix.split(","):
        language, _, voice = item.strip().partition(":")
        cases.setdefault(language, []).append(voice)
    rows = []
    for language, voices in cases.items():
        silent = None
        for voice in ["none", *voices]:
            media = work / f"media-{language}-{re.sub(r'[^a-z0-9_]+', '-', voice.lower())}"
            shutil.rmtree(media, ignore_errors=True)
            wall = timed(cli_for(media, voice, language))
            manifest = json.loads(next((media / "attention-explainer").glob("*.manifest.json")).read_text())
            row = (language, voice, wall, CPUS[-1], manifest["duration"], LOADS[-1])
            silent = silent or row
            rows.append((*row, wall / silent[2], CPUS[-1] / silent[3]))
            print(f"  {language} {voice}: {wall:.1f} s wall, {CPUS[-1]:.1f} CPU s, {manifest['duration']:.1f} s of "
                  f"video (load {LOADS[-1]})", flush=True)
    print()
    print("| language | voice | wall (s) | CPU (s) | video (s) | ÷ silent (wall) | ÷ silent (CPU) | load 1/5/15 min, before → after |")
    print("|---|---|---:|---:|---:|---:|---:|---|")
    for language, voice, wall, cpu, duration, loads, by_wall, by_cpu in rows:
        print(f"| {language} | {voice} | {wall:.1f} | {cpu:.1f} | {duration:.1f} | {by_wall:.2f} | {by_cpu:.2f} | {loads} |")


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--run-cli":
        run_cli_with_copies(sys.argv[2:])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-q", "--quality", default="l", choices=list("lmhpk"))
    parser.add_argument("-c", "--config", type=Path, default=None, help="config (default: the packaged one)")
    parser.add_argument("-j", "--jobs", type=int, default=None, help="parallel scenes for (a) (default: cores)")
    parser.add_argument("--edit", default=None, help="scene id whose narration (d) edits (default: the middle one)")
    parser.add_argument("--skip-sequential", action="store_true", help="skip (b), the slowest case")
    parser.add_argument("--x264-preset", default=None,
                        help="encoder preset for every case (default: each tool's own: the CLI's "
                             "veryfast, Manim's medium for (b))")
    parser.add_argument("--keep", type=Path, default=None, help="work here and keep the files (default: a temp dir)")
    parser.add_argument("--voice", default="neural", help="voice of (a), (c), (d) (default: neural)")
    parser.add_argument("--skip-silent", action="store_true", help="skip (e), the silent cold render")
    parser.add_argument("--scenes", default=None, help="comma-separated scene ids (default: the config's)")
    parser.add_argument("--matrix", default=None,
                        help="only narrated ÷ silent: LANG:VOICE,... (e.g. en:neural,en:kokoro:af_heart,"
                             "es:kokoro:ef_dora); each language's silent render runs just before its voices")
    parser.add_argument("--check", action="store_true",
                        help="let the CLI run its layout check first (default: --no-check, render time only)")
    opts = parser.parse_args()

    from attention_explainer.production.assemble import stitch
    from attention_explainer.config import load_config
    from attention_explainer.production.formats import DEFAULT_X264_PRESET
    from attention_explainer.production.render import RESOLUTION_DIR, voice_tag

    work = opts.keep or Path(tempfile.mkdtemp(prefix="bench-render-"))
    work.mkdir(parents=True, exist_ok=True)
    config = load_config(opts.config)
    data = config.model_dump(mode="json")
    data["video"]["quality"] = opts.quality
    if opts.scenes:
        data["video"]["scenes"] = opts.scenes.split(",")
    config_path = work / "bench.yaml"
    config_path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    scene_ids = list(data["video"]["scenes"])
    copies = work / "scenes"
    infos = _scene_copies(copies, scene_ids)
    media = work / "media"
    cli = [sys.executable, __file__, "--run-cli", str(copies), "render", "-c", str(config_path),
           "--media-dir", str(media), "--quiet"] + (["--jobs", str(opts.jobs)] if opts.jobs else []) \
        + (["--x264-preset", opts.x264_preset] if opts.x264_preset else []) \
        + ([] if opts.check else ["--no-check"]) + ["--voice", opts.voice]
    preset = ["--encoder-option", f"preset={opts.x264_preset}"] if opts.x264_preset else []
    def manifest_for(folder: Path, voice: str) -> Path:
        tag = voice_tag(voice)
        name = f"bench_{RESOLUTION_DIR[opts.quality]}" + (f"_{tag}" if tag else "")
        return folder / "attention-explainer" / f"{name}.manifest.json"

    manifest_path = manifest_for(media, opts.voice)
    jobs = opts.jobs or os.cpu_count()
    print(f"benchmark: {len(scene_ids)} scenes at {RESOLUTION_DIR[opts.quality]}, {jobs} jobs, "
          f"{os.cpu_count()} cores, x264 preset {opts.x264_preset or f'{DEFAULT_X264_PRESET} (b: medium)'}; load average "
          f"{os.getloadavg()[0]:.1f}; work dir {work}", flush=True)

    if opts.matrix:
        def cli_for(folder: Path, voice: str, language: str) -> list[str]:
            out = list(cli[:cli.index("--voice")]) + ["--voice", voice, "--language", language]
            out[out.index(str(media))] = str(folder)
            return out

        voice_matrix(opts.matrix, cli_for, work)
        if not opts.keep:
            shutil.rmtree(work, ignore_errors=True)
        return

    rows = []

    def record(name: str, seconds: float, manifest_file: Optional[Path] = None) -> None:
        path = manifest_file or manifest_path
        manifest = json.loads(path.read_text())
        rendered = [s["id"] for s in manifest["scenes"] if not s["reused"]]
        if path.stat().st_mtime < STARTS[-1]:  # an unchanged video keeps its manifest: nothing rendered
            rendered = []
        rows.append((name, seconds, manifest["duration"], rendered, LOADS[-1], CPUS[-1]))
        print(f"  {name}: {seconds:.1f} s (load {LOADS[-1]})", flush=True)

    shutil.rmtree(media, ignore_errors=True)
    record(f"(a) CLI, parallel, cold, --voice {opts.voice}", timed(cli))
    cut = sorted(p.name for p in (media / "attention-explainer" / "logs").glob("*of*"))  # chunks' logs: bench_math_1of2_...
    print(f"  (a) cut into chunks at its first render: {', '.join(cut) if cut else 'no scene'}", flush=True)

    if not opts.skip_sequential:
        plain = work / "plain"
        shutil.rmtree(plain, ignore_errors=True)
        env = {**os.environ, "ATTENTION_EXPLAINER_CONFIG": str(config_path)}
        t0, before, cpus = time.monotonic(), load(), len(CPUS)
        outs = []
        for info in infos:
            timed([sys.executable, "-m", "manim", "render", f"-q{opts.quality}", "--media_dir", str(plain),
                   "--progress_bar", "none", "-v", "WARNING", *preset, str(info.path), info.cls], env=env)
            outs.append(plain / "videos" / Path(info.path).stem / RESOLUTION_DIR[opts.quality] / f"{info.cls}.mp4")
        stitch(outs, plain / "joined.mp4")
        seconds = time.monotonic() - t0
        duration = json.loads(manifest_path.read_text())["duration"]
        rows.append(("(b) plain manim, one by one, joined", seconds, duration, scene_ids, f"{before} → {load()}",
                     sum(CPUS[cpus:])))
        print(f"  {rows[-1][0]}: {seconds:.1f} s (load {rows[-1][4]})", flush=True)

    if not opts.skip_silent:
        silent = work / "media-silent"
        shutil.rmtree(silent, ignore_errors=True)
        args = [a for a in cli[:cli.index("--voice")]]
        args[args.index(str(media))] = str(silent)
        record("(e) CLI, parallel, cold, silent (--voice none)", timed(args + ["--voice", "none"]),
               manifest_for(silent, "none"))

    record("(c) CLI, unchanged re-render", timed(cli))

    edit_id = opts.edit or scene_ids[len(scene_ids) // 2]
    target = next(i for i in infos if i.id == edit_id)
    if re.search(r"""self\.beat\(\s*[rfu]?["']""", Path(target.path).read_text(encoding="utf-8")):
        edit_narration(Path(target.path))
    else:  # the scene says script lines: override one in the config
        edit_script_line(config_path, edit_id)
    record(f"(d) CLI, after editing one line of '{edit_id}'", timed(cli))

    print()
    print("| case | wall (s) | CPU (s) | video (s) | wall ÷ video | scenes rendered | load 1/5/15 min, before → after |")
    print("|---|---:|---:|---:|---:|---|---|")
    for name, seconds, duration, rendered, loads, cpu in rows:
        print(f"| {name} | {seconds:.1f} | {cpu:.1f} | {duration:.1f} | {seconds / duration:.2f} | "
              f"{', '.join(rendered) if rendered else 'none'} | {loads} |")
    ours, plain_row = (next((r for r in rows if r[0].startswith(k)), None) for k in ("(a)", "(b)"))
    if ours and plain_row:
        print(f"\n(a) ÷ (b), cold, same run: {ours[1] / plain_row[1]:.2f}× plain Manim's wall time (aim: ≤ 0.4×); "
              f"CPU {ours[5] / plain_row[5]:.2f}×; on an idle machine (b) takes about its CPU time and (a) "
              f"at least its CPU ÷ {jobs} cores: (a) ÷ (b) ≥ {ours[5] / jobs / plain_row[5]:.2f}×")
    cold, quiet = (next((r for r in rows if r[0].startswith(k)), None) for k in ("(a)", "(e)"))
    if cold and quiet:
        print(f"\n{opts.voice} voice ÷ silent, cold: {cold[1] / quiet[1]:.2f}× wall time "
              f"({cold[2]:.1f} s vs {quiet[2]:.1f} s of video)")
    unchanged = next(r for r in rows if r[0].startswith("(c)"))
    print(f"\n(c) unchanged re-render: {unchanged[1]:.1f} s (aim: ≤ 3 s)")
    if unchanged[3]:
        print(f"\nnote: (c) rendered {', '.join(unchanged[3])} again: a file it imports changed while the "
              "benchmark ran (the cache did its job); run it again on a quiet checkout")
    if not opts.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
