"""`listen`: hear a rendered video's narration with Whisper base and say how well each line came through."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Optional

import click

from attention_explainer.cli.app import cli
from attention_explainer.narration.listen import SOUND_MEASURE, THRESHOLD, listen, total


def report(video: Path, threshold: float = THRESHOLD, worst: int = 5, quiet: bool = False,
           json_path: Optional[Path] = None) -> bool:
    """Listen to `video`, print the error per line and overall and the worst lines; True when no
    line is above `threshold`."""
    from attention_explainer.config.languages import LANGUAGES

    live = not quiet and sys.stderr.isatty()
    step = (lambda k, n: click.echo(f"\rlistening: line {k}/{n}", nl=False, err=True)) if live else None
    language, lines = listen(Path(video), progress=step)
    if step is not None:
        click.echo("", err=True)
    metric = LANGUAGES[language].metric.upper()
    if json_path is not None:
        data = [{"id": h.id, "said": h.said, "heard": h.heard, "errors": h.errors, "units": h.units,
                 **({"sound_errors": h.sound_errors, "sound_units": h.sound_units} if h.sound_units else {})}
                for h in lines]
        Path(json_path).write_text(json.dumps({"video": str(video), "language": language, "lines": data},
                                              ensure_ascii=False, indent=1), encoding="utf-8")
    if not quiet:
        for h in lines:
            click.echo(f"  {h.rate:6.1%}  {h.id}")
    errors, units = sum(h.errors for h in lines), sum(h.units for h in lines)
    kind = "characters" if metric == "CER" else "words"
    click.echo(f"{video}: {metric} {total(lines):.1%} ({errors} errors in {units} {kind}, {len(lines)} lines, "
               f"language {language}, Whisper base)")
    sound = sum(h.sound_units for h in lines)
    if sound:  # a second figure where one sound has many spellings (narration/listen.py SOUND_MEASURE)
        click.echo(f"  by sound ({SOUND_MEASURE[language]}): {total(lines, by_sound=True):.1%} "
                   f"({sum(h.sound_errors for h in lines)} errors in {sound})")
    ranked = sorted((h for h in lines if h.errors), key=lambda h: (-h.rate, h.id))[:worst]
    for h in ranked:
        click.echo(f"  {h.id} ({h.rate:.0%}): said '{h.said}'")
        click.echo(f"  {' ' * len(h.id)}        heard '{h.heard}'")
    above = [h for h in lines if h.rate > threshold]
    if above:
        click.echo(f"{len(above)} line(s) above {threshold:.0%} {metric}: {', '.join(h.id for h in above)}", err=True)
    return not above


@cli.command("listen")
@click.argument("video", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--threshold", type=click.FloatRange(0, 10), default=THRESHOLD, show_default=True,
              help="Exit 1 when a line's error rate (WER; CER for zh, ja) is above this.")
@click.option("--worst", type=click.IntRange(min=0), default=5, show_default=True, help="How many worst lines to show.")
@click.option("--quiet", is_flag=True, help="Only the overall figure, the worst lines and lines above the threshold.")
@click.option("--json", "json_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write every line (id, said, heard, errors, units) to this JSON file.")
def listen_cmd(video: Path, threshold: float, worst: int, quiet: bool, json_path: Optional[Path]) -> None:
    """Transcribe VIDEO's narration line by line (Whisper base, the video's language from its
    manifest) and print the word error rate per line and overall, with what was heard (zh, ja, hi:
    also a figure by sound: pinyin, kana reading, romanised letters)."""
    if not report(video, threshold, worst, quiet, json_path):
        sys.exit(1)

