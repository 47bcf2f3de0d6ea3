"""Spoken lines in a scene: speech, caption chunks shown as their words are said, word bookmarks.

`NarratedLines` is mixed into ExplainerScene. For each beat it speaks the line (when a voice is
on), times its written words (alignment.py), cuts it into caption chunks (captions.py) and
switches the burned-in caption from chunk to chunk at the times the SRT/VTT cues use:

- during a wait, the wait is cut at each switch (every piece stays a cheap held frame);
- during an animation, the caption is moved on top of the moving mobjects for that one play and
  switches from an updater, so only plays that cross a switch redraw it per frame.

`self.wait_until_word("sat")` holds until that word of the current line is said, so an
animation started after it lands on the word (the next match after the previous bookmark).
"""

from __future__ import annotations

from typing import Any, Optional

import numpy as np
from manim import Scene, VGroup, Wait, config as manim_config

from attention_explainer.narration.alignment import Span, written_times
from attention_explainer.narration.beats import reading_time
from attention_explainer.narration.captions import beat_cues
from attention_explainer.narration.spoken import EDGE
from attention_explainer.narration.units import units
from attention_explainer.scenes.components import Caption

OFF_SCREEN = np.array([0.0, 100.0, 0.0])  # where chunks wait during a play
SPEECH_PAUSE = 0.5  # seconds a beat holds after its speech ends
MIN_VOICED_HOLD = 1.5  # a spoken beat lasts at least this long


def _norm(word: str) -> str:
    return word.strip(EDGE).casefold()


class NarratedLines(Scene):
    """Speech, timed caption chunks and word bookmarks for ExplainerScene.beat."""

    _caption: Optional[VGroup]

    def _start_line(self, beat_id: str, text: str, spoken: Optional[str] = None) -> float:
        """Speak and show a line starting now; returns how long its beat holds at least."""
        self._line_start = float(self.renderer.time)
        self._line_audio: Optional[str] = None
        speech = None
        voice = getattr(self, "_voice", None)
        if voice is not None:
            speech = voice.speak(beat_id, text) if spoken is None else voice.speak(beat_id, text, spoken)
        if speech is not None:
            self._add_speech(str(speech.path))  # type: ignore[attr-defined]
            self._line_audio = str(speech.path)
            hold = max(MIN_VOICED_HOLD, speech.duration + SPEECH_PAUSE)
            words = getattr(speech, "words", ())
            spans: Optional[list[Span]] = [(w.start, w.end) for w in words] if words else None
            self._line_times = written_times(text, spans, spoken, speech.duration)
        else:
            hold = reading_time(text)
            self._line_times = written_times(text, None)
        self._line_tokens = units(text)
        self._line_cues = beat_cues(text, self._line_times) if self._line_tokens else [(0.0, hold, text)]
        self._word_cursor = 0
        self._chunk = -1
        self._show_chunk(0, text)
        return hold

    def _word_times(self) -> tuple[tuple[float, float], ...]:
        """(start, end) of each written word of the current line, from its start (the page's transcript)."""
        return tuple((round(a, 3), round(b, 3)) for a, b in self._line_times)

    def _finish_line(self) -> tuple[tuple[float, float, str], ...]:
        """The line's caption chunks, the last one lasting to the end of the beat."""
        end = float(self.renderer.time) - self._line_start
        cues = [(min(a, end), min(b, end), t) for a, b, t in self._line_cues]
        if cues:
            cues[-1] = (cues[-1][0], round(end, 4), cues[-1][2])
        return tuple(c for c in cues if c[1] > c[0])

    # -- caption chunks ----------------------------------------------------------------------
    def _show_chunk(self, index: int, fallback: str = "") -> None:
        text = self._line_cues[index][2] if index < len(self._line_cues) else fallback
        self._chunk = index
        self.clear_caption()  # type: ignore[attr-defined]
        if self.cfg.display.captions and getattr(self, "_beat_caption", True):  # type: ignore[attr-defined]
            # First in the scene's list (so it stays in the static frame and is not redrawn on
            # every animated frame, as a foreground mobject would be) but drawn on top (z-index).
            self._caption = VGroup(Caption(text, self.theme).set_z_index(100))  # type: ignore[attr-defined]
            self.add(self._caption)
            self.bring_to_back(self._caption)

    def _switch_to(self, index: int) -> None:
        """Replace the shown chunk in place (the caption keeps its place in the scene's list)."""
        if self._caption is None or index == self._chunk or index >= len(self._line_cues):
            return
        self._chunk = index
        self._caption.submobjects = [Caption(self._line_cues[index][2], self.theme).set_z_index(100)]  # type: ignore[attr-defined]

    def _switches(self) -> list[tuple[float, int]]:
        """(scene time, chunk) of the switches still to come in this line."""
        if self._caption is None or not hasattr(self, "_line_cues"):
            return []
        return [(self._line_start + c[0], i) for i, c in enumerate(self._line_cues) if i > self._chunk]

    def play(self, *animations: Any, **kwargs: Any) -> None:  # type: ignore[override]
        pending = self._switches()
        fps = float(manim_config.frame_rate)
        now = float(self.renderer.time)
        if (len(animations) == 1 and isinstance(animations[0], Wait) and not kwargs and pending
                and getattr(animations[0], "stop_condition", None) is None):
            return self._split_wait(animations[0], pending, fps)
        run_time = kwargs.get("run_time") or max(
            [getattr(a, "run_time", None) or getattr(a, "anim_args", {}).get("run_time", 1.0) for a in animations],
            default=1.0)
        inside = [p for p in pending if p[0] < now + float(run_time) - 0.5 / fps]
        if not inside or self._caption is None:
            super().play(*animations, **kwargs)
            return
        caption = self._caption
        clock = {"t": now}
        # Manim fixes the moving mobjects (families included) when a play starts, so every chunk
        # this play will show is in the caption from the start; those not shown wait off-screen.
        shown = caption.submobjects[0]
        waiting = {i: Caption(self._line_cues[i][2], self.theme).set_z_index(100).shift(OFF_SCREEN)  # type: ignore[attr-defined]
                   for _, i in inside}
        caption.add(*waiting.values())

        def follow(_: Any, dt: float) -> None:
            nonlocal shown
            clock["t"] += dt
            while inside and inside[0][0] <= clock["t"] + 1e-6:
                index = inside.pop(0)[1]
                shown.shift(OFF_SCREEN)
                shown = waiting[index].shift(-OFF_SCREEN)
                self._chunk = index

        self.mobjects.remove(caption)
        self.mobjects.append(caption)  # on top of the moving mobjects, for this play only
        caption.add_updater(follow)
        try:
            super().play(*animations, **kwargs)
        finally:
            caption.remove_updater(follow)
            caption.submobjects = [shown]
            for t, i in self._switches():
                if t <= float(self.renderer.time) + 1e-6:
                    self._switch_to(i)
            if caption in self.mobjects:
                self.bring_to_back(caption)

    def _split_wait(self, wait: Wait, pending: list[tuple[float, int]], fps: float) -> None:
        """A wait cut at each caption switch: the pieces add up to the same frames."""
        end = float(self.renderer.time) + float(wait.run_time)
        frozen = getattr(wait, "is_static_wait", None)
        for t, index in pending:
            if t >= end - 0.5 / fps:
                break
            frames = round((t - float(self.renderer.time)) * fps)
            if frames > 0:
                super().play(Wait(run_time=(frames + 1e-3) / fps, frozen_frame=frozen))
            self._switch_to(index)
        frames = round((end - float(self.renderer.time)) * fps)
        if frames > 0:
            super().play(Wait(run_time=(frames + 1e-3) / fps, frozen_frame=frozen))

    # -- word bookmarks -----------------------------------------------------------------------
    def word_time(self, word: str) -> Optional[float]:
        """Scene time at which the next `word` of the current line is said (None if absent)."""
        want = _norm(word)
        tokens = getattr(self, "_line_tokens", [])
        for i in range(self._word_cursor, len(tokens)):
            if _norm(tokens[i]) == want:
                self._word_cursor = i + 1
                return self._line_start + self._line_times[i][0]
        return None

    def wait_until_word(self, word: str) -> None:
        """Hold until `word` of the current line is said (no wait if it already was, or is not
        in the line: a user's script may have reworded it)."""
        at = self.word_time(word)
        if at is not None and at - float(self.renderer.time) >= 0.5 / float(manim_config.frame_rate):
            self.wait(at - float(self.renderer.time))
