"""ExplainerScene: the Scene every segment derives from.

It reads the config and trace (never YAML or maths of its own), applies the theme, and runs the
scene as beats: `with self.beat(key="softmax-sum", total=t) as line: self.play(...)` shows the
line as a caption (spoken when a voice is on), plays the animations, and holds until the line has
been read or said. `line` is the beat's LineTrack (scenes/narrated.py): `line.wait_until("sum")`.
"""

from __future__ import annotations

import inspect
import math
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, Optional

from manim import Camera, FadeIn, Scene, Mobject, config as manim_config
from manim.constants import RendererType
from manim.renderer.cairo_renderer import CairoRenderer

from attention_explainer.core.attention import AttentionTrace
from attention_explainer.narration.beats import Beat
from attention_explainer.narration.voice import Voice, make_voice
from attention_explainer.production.records import BeatsFile
from attention_explainer.narration.script import Line, script_for
from attention_explainer.config import Config
from attention_explainer.production.scene_input import chunk_gate, run_record, scene_input, write_sources
from attention_explainer.scenes.components import THEMES, Theme, slim, tex_template, title
from attention_explainer.scenes.checking import inspector_from_env
from attention_explainer.scenes.encoding import held_frame_writer
from attention_explainer.scenes.layout import COVER_TOP, cover
from attention_explainer.scenes.narrated import LineTrack, Narrator


class ExplainerScene(Scene):
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
        # speech, captions and cue words of every beat (scenes/narrated.py)
        self.narrator = Narrator(self, self.theme, self.cfg.video.language, self.cfg.display.captions,
                                 _voice_from_run(), run=super().play)
        self._checker = inspector_from_env(self)  # only under `attention-explainer check`

    # -- beats ----------------------------------------------------------------------------------
    @contextmanager
    def beat(self, text: Optional[str | Line] = None, key: Optional[str] = None, line: Optional[str] = None,
             caption: bool = True, **fields: Any) -> Iterator[LineTrack]:
        """One narration line and the animations played inside the `with` block, which gets the
        line's LineTrack: `with self.beat(key="softmax-sum", total=t) as line: line.wait_until("sum")`.

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
        chunk_gate(self.renderer, beat_id)  # a chunk's child draws its own beats only (issue 19)
        first_play = self.renderer.num_plays
        # captions and SRT/VTT show the written line (said.text); the voice says said.voice
        track = self.narrator.start(beat_id, said.text, said.spoken, caption)
        yield track
        start = track.start
        remaining = track.hold - (self.renderer.time - start)
        if remaining > 0.01:
            self.wait(_whole_frames(remaining))
        end = float(self.renderer.time)
        self.beats.append(track.record(end))
        self.beat_plays[beat_id] = [first_play, self.renderer.num_plays]  # its animations (Manim's -n), for previews
        if self._checker is not None:
            shown = None if not (self.cfg.display.captions and track.captioned) else (
                (track.caption_cleared if track.caption_cleared is not None else end) - start)
            self._checker.beat_end(beat_id, track.text, start, end, track.hold, shown)

    def clear_caption(self) -> None:
        """Take the beat's caption off screen early (the line stays in SRT/VTT)."""
        self.narrator.clear_caption()

    def play(self, *animations, **kwargs) -> None:  # type: ignore[no-untyped-def, override]
        """Scene.play, with each animated mobject slimmed first (much cheaper copies)."""
        for a in animations:
            if getattr(a, "mobject", None) is not None:
                slim(a.mobject)
        if self._checker is not None:
            self._checker.before_play(animations)
        self.narrator.play(animations, kwargs)  # Scene.play, with the caption switching on time
        if self._checker is not None:
            self._checker.after_play(animations)

    # -- helpers every scene uses ---------------------------------------------------------------
    def title(self, text: str) -> Mobject:
        return title(text, self.theme)

    def change(self, *keep: Mobject, run_time: float = 0.4) -> None:
        """Scene change: a background-coloured cover (layout.cover) fades over everything below
        the title line, then the content under it is removed; `keep`, the titles above the line
        and the caption stay."""
        band = cover(self.theme.background)
        self.play(FadeIn(band), run_time=run_time)
        stay = {id(m) for m in keep}
        self.remove(*[m for m in self.mobjects if m is not self.narrator.caption and id(m) not in stay
                      and m.get_bottom()[1] < COVER_TOP])
        self.remove(band)

    def clear(self) -> None:
        """Remove everything but the caption (instant; scenes fade what they want to fade)."""
        caption = self.narrator.caption
        keep = [caption] if caption is not None else []
        self.remove(*[m for m in self.mobjects if m not in keep])

    def tear_down(self) -> None:
        if self._checker is not None:
            self._checker.finish()
        self.narrator.pad_audio()
        run = run_record()
        if run is not None and run.beats:
            BeatsFile(scene=self.scene_id, duration=self.renderer.time, beats=self.beats,
                      plays=self.beat_plays).to_file(run.beats)
        write_sources(inspect.getsourcefile(type(self)))


def _whole_frames(seconds: float) -> float:
    """A wait that lasts at least `seconds` once Manim cuts it to whole frames (it truncates
    duration / frame time, so a 2.0 s wait at 15 fps gave 29 frames and clipped the speech)."""
    fps = float(manim_config.frame_rate)
    frames = math.ceil(seconds * fps - 1e-6)
    return (frames + 1e-3) / fps


def _voice_from_run() -> Optional[Voice]:
    """The narration voice the run record names (attention_explainer.narration.voice), or None."""
    run = run_record()
    if run is None or not run.voice or run.voice == "none":
        return None
    voice = make_voice(run.voice, Path(run.voice_cache or "media/attention-explainer/voice"))
    for served in (voice, getattr(voice, "fallback", None)):  # (recordings + a voice for the other lines)
        if run.voice_server and served is not None and hasattr(served, "server"):
            served.server = run.voice_server  # the render's voice server: one model for all scenes
    return voice
