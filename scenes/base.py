"""ExplainerScene: the Scene every segment derives from.

It reads the config and trace (never YAML or maths of its own), applies the theme, and runs the
scene as beats: `with self.beat("line"): self.play(...)` shows the line as a caption, plays the
animations, and holds until the line has been read (or spoken).
"""

from __future__ import annotations

import inspect
import math
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, Optional

from manim import Camera, Scene, Mobject, config as manim_config
from manim.constants import RendererType
from manim.renderer.cairo_renderer import CairoRenderer

from attention_explainer.core.attention import AttentionTrace
from attention_explainer.narration.beats import Beat
from attention_explainer.narration.voice import make_voice
from attention_explainer.production.records import BeatsFile
from attention_explainer.narration.script import Line, script_for
from attention_explainer.config import Config
from attention_explainer.production.scene_input import run_record, scene_input, write_sources
from attention_explainer.scenes.components import THEMES, Caption, Theme, slim, tex_template, title
from attention_explainer.scenes.checking import inspector_from_env
from attention_explainer.scenes.encoding import held_frame_writer
from attention_explainer.scenes.narrated import NarratedLines


class ExplainerScene(NarratedLines):
    """Base of the five segments. Subclasses set `scene_id` and write `construct`."""

    scene_id: str = ""

    def __init__(self, renderer: Optional[CairoRenderer] = None, **kwargs) -> None:  # type: ignore[no-untyped-def]
        if renderer is None and manim_config.renderer == RendererType.CAIRO:
            # Manim's own renderer, with a file writer that encodes held frames ~3x cheaper.
            renderer = CairoRenderer(file_writer_class=held_frame_writer(),
                                     camera_class=kwargs.get("camera_class", Camera),
                                     skip_animations=kwargs.get("skip_animations", False))
        super().__init__(renderer, **kwargs)

    def setup(self) -> None:
        self.cfg: Config
        self.trace: AttentionTrace
        self.input = scene_input()  # everything this scene draws, computed by the core
        self.cfg, self.trace = self.input.config, self.input.trace
        self.theme: Theme = THEMES[self.cfg.display.theme]
        self.camera.background_color = self.theme.background
        manim_config.tex_template = tex_template()
        self.beats: list[Beat] = []
        self.beat_plays: dict[str, list[int]] = {}
        self.script = script_for(self.cfg.video.narration, self.cfg.video.language)  # the lines, with the config's own
        self.narration = self.input.context  # what the lines are filled from
        self._caption: Optional[Caption] = None
        self._voice = _voice_from_run()
        self._beat_id: Optional[str] = None
        self._caption_cleared: Optional[float] = None  # when the beat's caption left early
        self._checker = inspector_from_env(self)  # only under `attention-explainer check`

    # -- beats ----------------------------------------------------------------------------------
    @contextmanager
    def beat(self, text: Optional[str | Line] = None, key: Optional[str] = None, line: Optional[str] = None,
             caption: bool = True, **fields: Any) -> Iterator[None]:
        """One narration line and the animations played inside the `with` block.

        `key` names the beat (id `<scene_id>-<key>`, e.g. math-softmax-sum); recordings for
        `--voice wav-dir` are looked up by it. The line is the narration script's
        `<scene_id>-<line or key>` (narration/script.yaml with the config's video.narration),
        filled from the config, the trace and `fields`: what only the scene decides, as the
        script declares for that line (`self.beat(key="softmax-sum", total=total)`). `text` is a
        line filled already (a script Line), or literal text for scenes outside the script (test
        fixtures, your own scene files). `caption=False`: no burned-in caption for this beat, when
        the line itself is on screen (the outro's closing line); SRT/VTT still carry it."""
        beat_id = f"{self.scene_id}-{key or f'{len(self.beats) + 1:02d}'}"
        if text is None:
            said = self.script.line(f"{self.scene_id}-{line or key}", self.narration, beat_id=beat_id, **fields)
        else:
            said = text if isinstance(text, Line) else Line(beat_id, text)
        text = said.text  # captions and SRT/VTT show the written line; the voice says said.voice
        start, first_play = self.renderer.time, self.renderer.num_plays
        # speaks the line (voice on), shows its first caption chunk; see scenes/narrated.py
        self._beat_caption = caption  # read by _show_chunk (narrated.py)
        hold = self._start_line(beat_id, text, said.spoken)
        self._beat_id, self._caption_cleared = beat_id, None
        yield
        remaining = hold - (self.renderer.time - start)
        if remaining > 0.01:
            self.wait(_whole_frames(remaining))
        self.beats.append(Beat(beat_id, text, round(start, 4), round(self.renderer.time, 4), said.spoken,
                               cues=self._finish_line(), audio=self._line_audio,
                               words=self._word_times()))
        self.beat_plays[beat_id] = [first_play, self.renderer.num_plays]  # its animations (Manim's -n), for previews
        if self._checker is not None:
            shown = None if not (self.cfg.display.captions and caption) else (
                (self._caption_cleared if self._caption_cleared is not None else self.renderer.time) - start)
            self._checker.beat_end(beat_id, text, start, self.renderer.time, hold, shown)

    def clear_caption(self) -> None:
        if self._caption is not None:
            self.remove(self._caption)
            self._caption = None
            if self._caption_cleared is None:
                self._caption_cleared = self.renderer.time

    def play(self, *animations, **kwargs) -> None:  # type: ignore[no-untyped-def, override]
        """Scene.play, with each animated mobject slimmed first (much cheaper copies)."""
        for a in animations:
            if getattr(a, "mobject", None) is not None:
                slim(a.mobject)
        if self._checker is not None:
            self._checker.before_play(animations)
        super().play(*animations, **kwargs)
        if self._checker is not None:
            self._checker.after_play(animations)

    # -- helpers every scene uses ---------------------------------------------------------------
    def title(self, text: str) -> Mobject:
        return title(text, self.theme)

    def clear(self) -> None:
        """Remove everything but the caption (instant; scenes fade what they want to fade)."""
        keep = [self._caption] if self._caption is not None else []
        self.remove(*[m for m in self.mobjects if m not in keep])

    def tear_down(self) -> None:
        if self._checker is not None:
            self._checker.finish()
        if self._voice is not None:
            self._pad_audio()
        run = run_record()
        if run is not None and run.beats:
            BeatsFile(scene=self.scene_id, duration=self.renderer.time, beats=self.beats,
                      plays=self.beat_plays).to_file(run.beats)
        write_sources(inspect.getsourcefile(type(self)))

    def _add_speech(self, path: str) -> None:
        """Scene.add_sound drops the sound when the animation before it came from Manim's cache
        (ManimCommunity/manim#4751: skip_animations stays set until the next play). Add it to the
        file writer directly unless the whole render really skips (-s, tests)."""
        renderer = self.renderer
        writer = getattr(renderer, "file_writer", None)
        if writer is None or not hasattr(renderer, "_original_skipping_status"):
            self.add_sound(path)
        elif not renderer._original_skipping_status:
            writer.add_sound(path, renderer.time)

    def _pad_audio(self) -> None:
        """With a voice on, the audio track spans the whole scene (silence where nobody speaks),
        so every segment has audio of one format and the segments join without gaps."""
        from manim.scene.scene_file_writer import AudioSegment  # manim's import, warning silenced

        from attention_explainer.narration.voice import SAMPLE_RATE

        writer = getattr(self.renderer, "file_writer", None)
        millis = int(round(self.renderer.time * 1000))
        if writer is not None and millis > 0:
            writer.add_audio_segment(AudioSegment.silent(duration=millis, frame_rate=SAMPLE_RATE), time=0)


def _whole_frames(seconds: float) -> float:
    """A wait that lasts at least `seconds` once Manim cuts it to whole frames (it truncates
    duration / frame time, so a 2.0 s wait at 15 fps gave 29 frames and clipped the speech)."""
    fps = float(manim_config.frame_rate)
    frames = math.ceil(seconds * fps - 1e-6)
    return (frames + 1e-3) / fps


def _voice_from_run():  # type: ignore[no-untyped-def]
    """The narration voice the run record names (attention_explainer.narration.voice), or None."""
    run = run_record()
    if run is None or not run.voice or run.voice == "none":
        return None
    voice = make_voice(run.voice, Path(run.voice_cache or "media/attention-explainer/voice"))
    for served in (voice, getattr(voice, "fallback", None)):  # (recordings + a voice for the other lines)
        if run.voice_server and served is not None and hasattr(served, "server"):
            served.server = run.voice_server  # the render's voice server: one model for all scenes
    return voice
