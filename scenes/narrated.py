"""The narration of a scene: each beat's line spoken, captioned chunk by chunk, and its cue words.

`Narrator` is owned by ExplainerScene (`self.narrator`). For each beat it speaks the line (when a
voice is on), times its written words (alignment.py), cuts it into caption chunks (captions.py)
and switches the burned-in caption from chunk to chunk at the times the SRT/VTT cues use:

- during a wait, the wait is cut at each switch (every piece stays a cheap held frame);
- during an animation, the caption is moved on top of the moving mobjects for that one play and
  switches from an updater, so only plays that cross a switch redraw it per frame.

`LineTrack` is one beat's line, what `with self.beat(...) as line:` yields: `line.wait_until("sum")`
holds until the cue is said (in the video's language, narration/cues.py), so an animation started
after it lands on the word; `line.time_left` is what is left of the line to say or read.
"""

from __future__ import annotations

from typing import Any, Callable, Optional

import numpy as np
from manim import Scene, VGroup, Wait, config as manim_config

from attention_explainer.narration.alignment import Span, written_times
from attention_explainer.narration.beats import Beat, reading_time
from attention_explainer.narration.captions import beat_cues
from attention_explainer.narration.clips import Speech, Voice
from attention_explainer.narration.cues import cue_unit
from attention_explainer.narration.units import units
from attention_explainer.scenes.components import Caption, Theme

OFF_SCREEN = np.array([0.0, 100.0, 0.0])  # where chunks wait during a play
SPEECH_PAUSE = 0.5  # seconds a beat holds after its speech ends
MIN_VOICED_HOLD = 1.5  # a spoken beat lasts at least this long
Chunk = tuple[float, float, str]  # (start, end, text) of a caption chunk, seconds from the line's start


class LineTrack:
    """One beat's line as it plays: its speech, its caption chunks and its cue words. Times are
    seconds from the line's start unless named scene times."""

    def __init__(self, scene: Scene, beat_id: str, text: str, spoken: Optional[str], language: str,
                 speech: Optional[Speech], caption: bool) -> None:
        self.scene = scene
        self.id, self.text, self.spoken, self.language = beat_id, text, spoken, language
        self.captioned = caption  # a burned-in caption for this beat (SRT/VTT carry the line either way)
        self.start = float(scene.renderer.time)  # scene time
        self.audio: Optional[str] = None if speech is None else str(speech.path)
        if speech is not None:
            words = getattr(speech, "words", ())
            spans: Optional[list[Span]] = [(w.start, w.end) for w in words] if words else None
            self.length = speech.duration
            self.hold = max(MIN_VOICED_HOLD, speech.duration + SPEECH_PAUSE)
            self.times = written_times(text, spans, spoken, speech.duration)
        else:
            self.length = self.hold = reading_time(text)
            self.times = written_times(text, None)
        self.units = units(text)
        self.chunks: list[Chunk] = beat_cues(text, self.times) if self.units else [(0.0, self.hold, text)]
        self.caption_cleared: Optional[float] = None  # scene time the caption left early, if it did
        self._cursor = 0  # the next cue is looked for from this unit on

    @property
    def time_left(self) -> float:
        """Seconds of the line still to be said (or read, without a voice)."""
        return max(0.0, self.start + self.length - float(self.scene.renderer.time))

    def wait_until(self, cue: str) -> None:
        """Hold until the English `cue` word is said in this line, in the video's language (the
        next one after the previous cue). No wait if it was said already or the line does not
        say it: a user's script may have reworded the line."""
        at = self._cue_time(cue)
        now = float(self.scene.renderer.time)
        if at is not None and at - now >= 0.5 / float(manim_config.frame_rate):
            self.scene.wait(at - now)

    def _cue_time(self, cue: str) -> Optional[float]:
        """Scene time at which the next `cue` of the line is said; moves the cursor past it."""
        found = cue_unit(self.units, cue, self.language, self._cursor)
        if found is None:
            return None
        self._cursor = found + 1
        return self.start + self.times[found][0]

    def record(self, end: float) -> Beat:
        """The beat as the scene writes it (BeatsFile), ending at scene time `end`; the last
        caption chunk lasts to the end."""
        until = end - self.start
        chunks = [(min(a, until), min(b, until), t) for a, b, t in self.chunks]
        if chunks:
            chunks[-1] = (chunks[-1][0], round(until, 4), chunks[-1][2])
        return Beat(self.id, self.text, round(self.start, 4), round(end, 4), self.spoken,
                    cues=tuple(c for c in chunks if c[1] > c[0]), audio=self.audio,
                    words=tuple((round(a, 3), round(b, 3)) for a, b in self.times))


class Narrator:
    """Speaks and captions a scene's lines, one LineTrack per beat. `play` is the scene's play
    with the caption kept switching; the scene's own Scene.play is passed in as `run`."""

    def __init__(self, scene: Scene, theme: Theme, language: str, captions: bool, voice: Optional[Voice],
                 run: Callable[..., None]) -> None:
        self.scene, self.theme, self.language, self.captions, self.voice = scene, theme, language, captions, voice
        self._run = run
        self.line: Optional[LineTrack] = None  # the beat playing, or the last one
        self.caption: Optional[VGroup] = None  # the burned-in caption on screen
        self._chunk = -1  # the chunk of the line the caption shows

    def start(self, beat_id: str, text: str, spoken: Optional[str] = None, caption: bool = True) -> LineTrack:
        """Speak and show a line starting now."""
        speech = None
        if self.voice is not None:
            speech = self.voice.speak(beat_id, text) if spoken is None else self.voice.speak(beat_id, text, spoken)
        if speech is not None:
            self._add_speech(str(speech.path))
        self._drop_caption()
        self.line = LineTrack(self.scene, beat_id, text, spoken, self.language, speech, caption)
        self._chunk = 0
        if self.captions and self.line.captioned:
            # First in the scene's list (so it stays in the static frame and is not redrawn on
            # every animated frame, as a foreground mobject would be) but drawn on top (z-index).
            self.caption = VGroup(self._chunk_text(0))
            self.scene.add(self.caption)
            self.scene.bring_to_back(self.caption)
        return self.line

    def clear_caption(self) -> None:
        """Take the caption off screen (the line goes on; its beat notes when it left)."""
        if self._drop_caption() and self.line is not None and self.line.caption_cleared is None:
            self.line.caption_cleared = float(self.scene.renderer.time)

    def _drop_caption(self) -> bool:
        """Remove the caption; False if none was shown."""
        if self.caption is None:
            return False
        self.scene.remove(self.caption)
        self.caption = None
        return True

    def _chunk_text(self, index: int) -> Caption:
        """Chunk `index` of the line as a caption (the whole line if it has no chunks)."""
        assert self.line is not None
        chunks = self.line.chunks
        return Caption(chunks[index][2] if index < len(chunks) else self.line.text, self.theme).set_z_index(100)

    def _switch_to(self, index: int) -> None:
        """Replace the shown chunk in place (the caption keeps its place in the scene's list)."""
        if self.caption is None or self.line is None or index == self._chunk or index >= len(self.line.chunks):
            return
        self._chunk = index
        self.caption.submobjects = [self._chunk_text(index)]

    def _switches(self) -> list[tuple[float, int]]:
        """(scene time, chunk) of the switches still to come in this line."""
        if self.caption is None or self.line is None:
            return []
        start = self.line.start
        return [(start + c[0], i) for i, c in enumerate(self.line.chunks) if i > self._chunk]

    # -- plays --------------------------------------------------------------------------------
    def play(self, animations: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        """Play the animations; a caption switch that falls inside happens on time."""
        pending = self._switches()
        fps = float(manim_config.frame_rate)
        now = float(self.scene.renderer.time)
        if (len(animations) == 1 and isinstance(animations[0], Wait) and not kwargs and pending
                and getattr(animations[0], "stop_condition", None) is None):
            return self._split_wait(animations[0], pending, fps)
        run_time = kwargs.get("run_time") or max(
            [getattr(a, "run_time", None) or getattr(a, "anim_args", {}).get("run_time", 1.0) for a in animations],
            default=1.0)
        inside = [p for p in pending if p[0] < now + float(run_time) - 0.5 / fps]
        if not inside or self.caption is None:
            self._run(*animations, **kwargs)
            return
        caption, scene = self.caption, self.scene
        clock = {"t": now}
        # Manim fixes the moving mobjects (families included) when a play starts, so every chunk
        # this play will show is in the caption from the start; those not shown wait off-screen.
        shown = caption.submobjects[0]
        waiting = {i: self._chunk_text(i).shift(OFF_SCREEN) for _, i in inside}
        caption.add(*waiting.values())

        def follow(_: Any, dt: float) -> None:
            nonlocal shown
            clock["t"] += dt
            while inside and inside[0][0] <= clock["t"] + 1e-6:
                index = inside.pop(0)[1]
                shown.shift(OFF_SCREEN)
                shown = waiting[index].shift(-OFF_SCREEN)
                self._chunk = index

        scene.mobjects.remove(caption)
        scene.mobjects.append(caption)  # on top of the moving mobjects, for this play only
        caption.add_updater(follow)
        try:
            self._run(*animations, **kwargs)
        finally:
            caption.remove_updater(follow)
            caption.submobjects = [shown]
            for t, i in self._switches():
                if t <= float(scene.renderer.time) + 1e-6:
                    self._switch_to(i)
            if caption in scene.mobjects:
                scene.bring_to_back(caption)

    def _split_wait(self, wait: Wait, pending: list[tuple[float, int]], fps: float) -> None:
        """A wait cut at each caption switch: the pieces add up to the same frames."""
        renderer = self.scene.renderer
        end = float(renderer.time) + float(wait.run_time)
        frozen = getattr(wait, "is_static_wait", None)
        for t, index in pending:
            if t >= end - 0.5 / fps:
                break
            frames = round((t - float(renderer.time)) * fps)
            if frames > 0:
                self._run(Wait(run_time=(frames + 1e-3) / fps, frozen_frame=frozen))
            self._switch_to(index)
        frames = round((end - float(renderer.time)) * fps)
        if frames > 0:
            self._run(Wait(run_time=(frames + 1e-3) / fps, frozen_frame=frozen))

    # -- the sound track ----------------------------------------------------------------------
    def _add_speech(self, path: str) -> None:
        """Scene.add_sound drops the sound when the animation before it came from Manim's cache
        (ManimCommunity/manim#4751: skip_animations stays set until the next play). Add it to the
        file writer directly unless the whole render really skips (-s, tests)."""
        renderer = self.scene.renderer
        writer = getattr(renderer, "file_writer", None)
        if writer is None or not hasattr(renderer, "_original_skipping_status"):
            self.scene.add_sound(path)
        elif not renderer._original_skipping_status:
            writer.add_sound(path, renderer.time)

    def pad_audio(self) -> None:
        """With a voice on, the audio track spans the whole scene (silence where nobody speaks),
        so every segment has audio of one format and the segments join without gaps."""
        if self.voice is None:
            return
        from manim.scene.scene_file_writer import AudioSegment  # manim's import, warning silenced

        from attention_explainer.narration.voice import SAMPLE_RATE

        writer = getattr(self.scene.renderer, "file_writer", None)
        millis = int(round(float(self.scene.renderer.time) * 1000))
        if writer is not None and millis > 0:
            writer.add_audio_segment(AudioSegment.silent(duration=millis, frame_rate=SAMPLE_RATE), time=0)
