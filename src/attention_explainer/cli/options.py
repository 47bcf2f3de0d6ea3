"""Options and helpers shared by the commands."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import click

from attention_explainer.config import Config
from attention_explainer.config.languages import LANGUAGES, language_codes
from attention_explainer.config.quality import QUALITIES, QUALITY_HELP
from attention_explainer.errors import did_you_mean
from attention_explainer.narration.config_check import load_checked_config
from attention_explainer.config.catalog import scene_by_id, scene_ids
from attention_explainer.production.formats import DEFAULT_X264_PRESET, FORMATS, X264_PRESETS


config_option = click.option(
    "--config",
    "-c",
    "config_path",
    type=click.Path(dir_okay=True, path_type=Path),
    default=None,
    help="YAML config (default: the packaged configs/default.yaml).",
)
quality_option = click.option(
    "-q",
    "--quality",
    type=click.Choice(QUALITIES),
    default=None,
    help=f"{QUALITY_HELP} (default: the config's video.quality).",
)


class SceneIdType(click.ParamType):
    """A scene id of the catalog; a typo gets a did-you-mean (`heatmp` -> `heatmap`)."""

    name = "scene_id"

    def convert(self, value: Any, param: Optional[click.Parameter], ctx: Optional[click.Context]) -> str:
        known = scene_ids()
        if value in known:
            return str(value)
        self.fail(f"unknown scene '{value}'{did_you_mean(str(value), known)} "
                  "(`attention-explainer scenes` lists them)", param, ctx)

    def shell_complete(self, ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
        from click.shell_completion import CompletionItem

        return [CompletionItem(s) for s in scene_ids() if s.startswith(incomplete)]


def load(config_path: Optional[Path], language: Optional[str] = None) -> Config:
    """The config every command works from: validated, its narration checked (one-line errors),
    in `language` when given (the --language option; else video.language)."""
    return with_language(load_checked_config(config_path), language)


class LanguageType(click.ParamType):
    """A lesson language code; an unknown one is one line listing the choices."""

    name = "language"

    def convert(self, value: Any, param: Optional[click.Parameter], ctx: Optional[click.Context]) -> str:
        if value in LANGUAGES:
            return str(value)
        self.fail(f"unknown language '{value}'; choose one of: {', '.join(language_codes())}", param, ctx)


language_option = click.option(
    "--language", "language", type=LanguageType(), default=None, metavar="|".join(language_codes()),
    help="Language of the narration, captions and on-screen words (default: the config's video.language, en). "
         "de is spoken by espeak-ng (no neural German voice exists).")


def with_language(config: Config, language: Optional[str]) -> Config:
    """The config with video.language set (None: unchanged)."""
    if language is None or language == config.video.language:
        return config
    return config.model_copy(update={"video": config.video.model_copy(update={"language": language})})


def _media_folder(ctx: click.Context, param: click.Parameter, value: str) -> Path:
    from attention_explainer.production.settings import cache_folder

    return cache_folder(value)


media_dir_option = click.option(
    "--media-dir", "--cache-dir", "media_dir", default="media", show_default=True, metavar="FOLDER|file://URL",
    callback=_media_folder,
    help="Where outputs, the render cache and logs go (under <media-dir>/attention-explainer/): a folder or a "
         "file:// URL. With --scheduler, a folder every worker mounts at the same path.")
jobs_option = click.option(
    "-j", "--jobs", type=click.IntRange(min=1), default=None,
    help="Scenes rendered at once, each in its own process (default: one per CPU core).")
quiet_option = click.option("--quiet", is_flag=True, help="No progress output; only say where the files went.")
captions_option = click.option(
    "--burn-captions/--no-burn-captions", "burn_captions", default=None,
    help="Draw the narration into the frames (default: the config's display.captions). "
         "Caption files (.srt, .vtt) are written beside the video either way.")
scene_captions_option = click.option(
    "--burn-captions/--no-burn-captions", "burn_captions", default=None,
    help="Draw the narration into the frames (default: the config's display.captions). "
         "`scene` writes no caption files; `render` writes .srt and .vtt.")
voice_option = click.option(
    "--voice", default=None, metavar="neural|kokoro[:NAME]|espeak[:VOICE]|wav-dir:PATH[+VOICE]|cmd:TEMPLATE|none",
    help="Narration (default: the config's video.voice, neural): the offline neural voice, Kokoro-82M "
         "(any language; NAME e.g. af_heart, ef_dora), espeak-ng, your recordings named by the ids `narration` "
         "prints (+VOICE says the others), any TTS command, e.g. 'cmd:pico2wave -w {out} {text}', or none "
         "(captions only). See docs/voices.md.")
preset_option = click.option(
    "--x264-preset", type=click.Choice(X264_PRESETS),
    default=DEFAULT_X264_PRESET, show_default=True,
    help="x264 speed of the scene videos; the quality is set by x264's crf either way. From veryfast on, a "
         "held frame is encoded a few times and then repeated (docs/speed.md); ultrafast and superfast encode "
         "every frame, so here they are not faster (heatmap at 1080p60: x264 14 CPU-s instead of 10) and "
         "their files are 1.4-2.9x larger; medium (Manim's own) spends more per drawn frame.")
format_option = click.option("--format", "fmt", type=click.Choice(FORMATS), default=None,
                             help="Video format: mp4 (default) joins the scenes without re-encoding; webm and gif "
                                  "re-encode the whole video (slower). Without it, an -o file ending in .webm or "
                                  ".gif chooses; -o must end in the format written.")
scene_format_option = click.option("--format", "fmt", type=click.Choice(FORMATS), default=None,
                                   help="Format of the scene video: mp4 (default), webm or gif (re-encoded, slower). "
                                        "Without it, an -o file ending in .webm or .gif chooses; -o must end in "
                                        "the format written. Not with --still (a PNG).")


def render_settings(config: Config, config_path: Optional[Path], quality: Optional[str], media_dir: Path,
                     jobs: Optional[int] = None, quiet: bool = False, burn_captions: Optional[bool] = None,
                     voice: Optional[str] = None, x264_preset: str = DEFAULT_X264_PRESET,
                     check_voice: bool = False) -> Any:
    """The render's settings; voice None: the config's video.voice. check_voice: fail now, in one
    line, if that voice cannot speak (not installed, unknown espeak voice...), before any work."""
    from attention_explainer.production.render import RenderSettings

    from attention_explainer.narration.locale import use_language
    from attention_explainer.narration.voice_spec import resolve_voice, voice_note

    use_language(config.video.language)  # chapter titles and notes of this process

    voice = resolve_voice(config.video.voice if voice is None else voice, config.video.language)
    note = voice_note(voice, config.video.language)
    if note and not quiet:
        click.echo(f"note: {note}", err=True)
    if check_voice:
        from attention_explainer.narration.voice import make_voice

        make_voice(voice, media_dir / "attention-explainer" / "voice")
    from attention_explainer.production.scene_input import check_real_model

    check_real_model(config)  # a missing model or bad real_model.path: one line, before any work

    return RenderSettings(config=config, name=Path(config_path).stem if config_path else "default",
                          quality=quality, media_dir=media_dir, jobs=jobs or 0, captions=burn_captions,
                          voice=voice, quiet=quiet, x264_preset=x264_preset)


def scene_lookup(ctx: click.Context) -> Any:
    """id -> SceneInfo: the catalog's, unless the caller injected one (tests: main(obj={...}))."""
    obj = ctx.find_root().obj or {}
    return obj.get("scene_lookup") or scene_by_id


scheduler_option = click.option(
    "--scheduler", default=None, metavar="tcp://HOST:PORT",
    help="Run on this Dask scheduler's workers (each with attention-explainer installed and --media-dir/"
         "--cache-dir and the outputs on storage they all mount at the same path); default "
         "$ATTENTION_EXPLAINER_SCHEDULER, else this machine. See docs/course.md.")
