"""`attention-explainer narration`: the effective script as YAML that works as an override file;
bad overrides are one line and exit 2; an overridden line reaches a rendered video's captions."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from attention_explainer.cli import cli
from attention_explainer.narration.config_check import load_checked_config
from attention_explainer.narration.script import default_script, scene_of, script_for
from attention_explainer.config.catalog import DEFAULT_SCENE_IDS


def narration(*args: str) -> str:
    result = CliRunner().invoke(cli, ["narration", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_prints_every_line_of_the_default_scenes_in_video_order() -> None:
    data = yaml.safe_load(narration())
    ids = list(data)
    assert ids == [i for s in DEFAULT_SCENE_IDS for i in default_script().ids(s)]
    assert [scene_of(i) for i in ids] == sorted((scene_of(i) for i in ids), key=list(DEFAULT_SCENE_IDS).index)
    assert data["math-softmax-sum"] == {"text": "Add them all up. The sum is {total}."}
    assert data["pipeline-formula"]["spoken"].endswith("over root d k, times V, the values.")
    assert data["math-tokens"]["variants"] == {"one_token": "First the sentence is split into tokens: here there is 1 token."}
    assert set(yaml.safe_load(narration("--all"))) == set(default_script().entries)


def test_the_printed_script_round_trips_as_an_override(tmp_path: Path) -> None:
    (tmp_path / "mine.yaml").write_text(narration("--all"), encoding="utf-8")
    (tmp_path / "config.yaml").write_text("video:\n  narration: mine.yaml\n", encoding="utf-8")
    cfg = load_checked_config(tmp_path / "config.yaml")
    assert script_for(cfg.video.narration).entries == default_script().entries


def test_an_override_shows_in_the_effective_script(tmp_path: Path) -> None:
    (tmp_path / "mine.yaml").write_text('heatmap-summary: "Row by row, {n} of them."\n', encoding="utf-8")
    (tmp_path / "config.yaml").write_text(
        "sentence: a b\nvideo:\n  scenes: [heatmap, causal-mask]\n  narration: mine.yaml\n", encoding="utf-8")
    data = yaml.safe_load(narration("--config", str(tmp_path / "config.yaml")))
    assert data["heatmap-summary"] == {"text": "Row by row, {n} of them."}
    assert {scene_of(i) for i in data} == {"heatmap", "causal-mask"}


@pytest.mark.parametrize("lines, message", [
    ('math-sofmax-sum: "x"\n', "unknown narration line 'math-sofmax-sum'; did you mean 'math-softmax-sum'?"),
    ('math-softmax-sum: "{sum}"\n', "narration line 'math-softmax-sum': unknown placeholder {sum}"),
    ('math-softmax-sum: ""\n', "narration line 'math-softmax-sum' is empty"),
    (f'math-intro: "{"long " * 70}"\n', "narration line 'math-intro' is 350 characters; the limit is 300"),
])
def test_a_bad_line_is_one_error_line_and_exit_2(tmp_path: Path, lines: str, message: str) -> None:
    (tmp_path / "mine.yaml").write_text(lines, encoding="utf-8")
    (tmp_path / "config.yaml").write_text("video:\n  narration: mine.yaml\n", encoding="utf-8")
    for command in (["narration"], ["render", "-q", "l", "--media-dir", str(tmp_path / "media")]):
        proc = subprocess.run([sys.executable, "-m", "attention_explainer", *command, "-c", str(tmp_path / "config.yaml")],
                              capture_output=True, text=True, timeout=120)
        assert proc.returncode == 2, proc.stderr
        assert proc.stderr.count("\n") == 1 and proc.stderr.startswith("error: "), proc.stderr
        assert message in proc.stderr and "Traceback" not in proc.stderr
        assert not (tmp_path / "media").exists()  # refused before anything rendered


@pytest.mark.slow
def test_an_overridden_line_reaches_the_rendered_captions(tmp_path: Path) -> None:
    """The outro at 480p15: the overridden line in the SRT, every other line as shipped."""
    mine = "Only head one is ours; the others, {heads} in all, would find their own patterns."
    (tmp_path / "mine.yaml").write_text(yaml.safe_dump({"outro-first-head": mine}), encoding="utf-8")
    (tmp_path / "config.yaml").write_text(
        "video:\n  scenes: [outro]\n  quality: l\n  narration: mine.yaml\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["render", "-c", str(tmp_path / "config.yaml"), "--media-dir",
                                      str(tmp_path / "media"), "--quiet", "--no-check"])  # the layout check is tested elsewhere
    assert result.exit_code == 0, result.output
    srt = next((tmp_path / "media").rglob("*.srt")).read_text(encoding="utf-8")
    # cue after cue, the caption text (a long line is cut into several cues)
    said = " ".join(" ".join(block.split("\n")[2:]) for block in srt.strip().split("\n\n"))
    assert mine.replace("{heads}", "2") in said  # model.heads defaults to 2
    shipped = default_script()
    for key in ("recap-inputs", "recap-attention", "formula", "heads"):
        assert shipped.entries[f"outro-{key}"].form.text in said
    assert "Only the first head is this video's." not in srt
    assert re.search(r"Attention is all you need", srt)  # the closing line, from the config


@pytest.mark.slow
def test_overriding_one_line_rerenders_the_scene_that_says_it_alone(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Two tiny scenes saying script lines, rendered for real at 480p15: overriding the second
    scene's line re-renders that scene alone, and the new line is in the video's SRT."""
    from attention_explainer.production.render import RenderSettings, render_video, scene_from_file

    fixture = Path(__file__).parent / "fixtures" / "tiny_script_scene.py"
    scenes = (scene_from_file(fixture, "TinyWhy", "why-attention", "Tiny Why"),
              scene_from_file(fixture, "TinyMath", "math", "Tiny Math"))
    markers = tmp_path / "markers"
    markers.mkdir()
    monkeypatch.setenv("TINY_SCENE_MARKERS", str(markers))

    beats = {}

    def render(lines: str) -> tuple[list[bool], str]:
        (tmp_path / "mine.yaml").write_text(lines, encoding="utf-8")
        (tmp_path / "config.yaml").write_text(
            "video:\n  scenes: [why-attention, math]\n  quality: l\n  narration: mine.yaml\n", encoding="utf-8")
        settings = RenderSettings(load_checked_config(tmp_path / "config.yaml"), name="tiny", media_dir=tmp_path / "media",
                                  jobs=2, quiet=True)
        result = render_video(scenes, settings)
        beats.update({b.id: b for s in result.segments for b in s.beats})
        return [s.reused for s in result.segments], result.video.with_suffix(".srt").read_text(encoding="utf-8")

    def runs() -> dict[str, int]:
        return {p.stem: len(p.read_text().splitlines()) for p in markers.glob("*.runs")}

    shipped = default_script()
    reused, srt = render("{}\n")
    first = runs()  # one run per scene, or per chunk where the first render is cut
    assert reused == [False, False] and first["why-attention"] >= 1 and first["math"] >= 1
    assert shipped.entries["math-intro"].form.text.split(",")[0] in srt

    reused, srt = render('math-intro: "A new first line for the maths."\n')
    edited = runs()
    assert reused == [True, False] and edited["why-attention"] == first["why-attention"]
    assert edited["math"] > first["math"]
    assert "A new first line for the maths." in srt
    assert "Why do we need self-attention at all?" in srt  # the other scene's line, as shipped

    # an override of a line neither scene says changes nothing
    reused, _ = render('math-intro: "A new first line for the maths."\nheatmap-summary: "Rows."\n')
    assert reused == [True, True] and runs() == edited

    # a spoken form: the beat record carries it for the voice, the captions keep the written line
    reused, srt = render('math-intro: {text: "QKᵀ/√d_k, by hand.", spoken: "Q K transposed over root d k."}\n')
    assert reused == [True, False]
    assert (beats["math-intro"].text, beats["math-intro"].spoken) == ("QKᵀ/√d_k, by hand.", "Q K transposed over root d k.")
    assert beats["why-attention-sentence"].spoken is None
    assert "QKᵀ/√d_k, by hand." in srt and "transposed" not in srt
