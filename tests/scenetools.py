"""Build scenes in-process for tests: real construct, animations skipped, nothing encoded."""

from __future__ import annotations

import importlib
import os
import re
import tempfile
from pathlib import Path
from contextlib import contextmanager
from functools import lru_cache
from typing import Any, Callable, Iterator, Optional

import cairo
import numpy as np
import yaml
from manim import DL, UR, Scene, tempconfig
from manim import config as manim_config
from manim.renderer.cairo_renderer import CairoRenderer

from attention_explainer.production.scene_input import CONFIG_ENV, scene_input

# ------------------------------------------------- last-frame regression (test_frames, test_components)
# Manim's frames_comparison skips itself when Cairo is older than its MIN_CAIRO_VERSION (1.18, for
# Manim's own control data); Debian 12 has 1.16 and our control data are made with it.
_fc = importlib.import_module("manim.utils.testing.frames_comparison")  # the module, not the function
_fc.MIN_CAIRO_VERSION = min(_fc.MIN_CAIRO_VERSION, cairo.cairo_version())
frames_comparison = _fc.frames_comparison

# LaTeX and Pango output cached across the session (files named by content hashes, so sharing is
# safe): conftest.py makes one folder per pytest process. frames_comparison and build_scene would
# otherwise use a fresh folder per test and run LaTeX again every time.
_CACHE = Path(os.environ.get("ATTENTION_EXPLAINER_TEST_TEX_CACHE")
              or tempfile.mkdtemp(prefix="attention-explainer-tex-"))  # (imported outside pytest)
CACHES: dict[str, Any] = {"tex_dir": str(_CACHE / "Tex"), "text_dir": str(_CACHE / "texts")}
# Outside any tempconfig too: Manim's default (./media under the working folder) is shared by the
# xdist workers, and one could read a formula's SVG while the other is still writing it.
for _key, _folder in CACHES.items():
    setattr(manim_config, _key, _folder)
manim_config.media_dir = str(_CACHE / "media")


def use_config(tmp_path: Path, config: Optional[dict[str, Any]]) -> None:
    """Point scene_input() at a YAML written from `config` (None: the packaged default)."""
    if config is None:
        os.environ.pop(CONFIG_ENV, None)
    else:
        path = tmp_path / "config.yaml"
        path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
        os.environ[CONFIG_ENV] = str(path)
    scene_input.cache_clear()


def recording(scene_cls: type[Scene]) -> type[Scene]:
    """A subclass of scene_cls that records every mobject it adds to the screen (by `add`, which
    play uses for what an animation brings in, and `replace`), in order: what the viewer saw at some point; and
    what is on screen at the end of each beat."""

    class Recorded(scene_cls):  # type: ignore[valid-type, misc]
        def add(self, *mobjects: Any) -> Any:
            _RECORDED.setdefault(id(self), []).extend(mobjects)
            return super().add(*mobjects)

        def replace(self, old: Any, new: Any) -> Any:  # ReplacementTransform's target
            _RECORDED.setdefault(id(self), []).append(new)
            return super().replace(old, new)

        @contextmanager
        def beat(self, *args: Any, **kwargs: Any) -> Iterator[Any]:
            with super().beat(*args, **kwargs) as line:
                yield line
            _AT_BEAT.setdefault(id(self), {})[self.beats[-1].id] = list(self.mobjects)

    Recorded.__name__ = Recorded.__qualname__ = scene_cls.__name__
    return Recorded


def probing(scene_cls: type[Scene], probe: Callable[[Scene], Any]) -> type[Scene]:
    """A subclass of scene_cls that calls probe(scene) after every play and at every beat's end,
    for what changes while the scene runs (a node lit, a part's opacity, where things were): the
    recorder keeps mobjects, which show only their last state. Read back with `probed`. Make it
    once per module (build_once caches builds by class)."""

    class Probed(scene_cls):  # type: ignore[valid-type, misc]
        def play(self, *args: Any, **kwargs: Any) -> None:
            super().play(*args, **kwargs)
            line = self.narrator.line
            _PROBED.setdefault(id(self), []).append((line.id if line is not None else "", "play", probe(self)))

        @contextmanager
        def beat(self, *args: Any, **kwargs: Any) -> Iterator[Any]:
            with super().beat(*args, **kwargs) as line:
                yield line
            _PROBED.setdefault(id(self), []).append((self.beats[-1].id, "end", probe(self)))

    Probed.__name__ = Probed.__qualname__ = scene_cls.__name__
    return Probed


def probed(scene: Scene, at: str = "end") -> list[tuple[str, Any]]:
    """What `probing`'s probe returned, in order, as (beat id, value): at each beat's end (`at`
    "end") or after each play ("play"; the id of the beat under way, "" between beats)."""
    return [(beat, value) for beat, when, value in _PROBED.get(id(scene), []) if when == at]


_PROBED: dict[int, list[tuple[str, str, Any]]] = {}  # id(scene) -> (beat id, "play"/"end", probe value)
_RECORDED: dict[int, list[Any]] = {}  # id(scene) -> what it added (a build's scene lives for the module)
_AT_BEAT: dict[int, dict[str, list[Any]]] = {}  # id(scene) -> beat id -> scene.mobjects at its end
_MADE: dict[int, list[Any]] = {}  # id(scene) -> the components it made (shown or not), in order


def _component_classes() -> list[type]:
    """The Mobject classes of the scenes' component modules (Heatmap, MatrixView, TokenRow, ...)."""
    import inspect

    from manim import Mobject

    from attention_explainer.scenes import components, real_model_parts

    return [c for mod in (components, real_model_parts) for _, c in inspect.getmembers(mod, inspect.isclass)
            if issubclass(c, Mobject) and c.__module__.startswith("attention_explainer.")]


@contextmanager
def _making(made: list[Any]) -> Iterator[None]:
    """Collect every component made (built, or copied from one) while the block runs. A scene
    often shows a component's parts one by one and never the component itself (a heatmap's
    cells, then its labels): `seen` finds it through its parts."""
    classes = _component_classes()
    saved = [(c, c.__dict__.get("__init__"), c.__dict__.get("copy")) for c in classes]
    for c in classes:
        def init(self: Any, *args: Any, __init: Any = c.__init__, **kwargs: Any) -> None:
            __init(self, *args, **kwargs)
            made.append(self)

        def copy(self: Any, *args: Any, __copy: Any = c.copy, **kwargs: Any) -> Any:
            out = __copy(self, *args, **kwargs)
            made.append(out)
            return out

        c.__init__, c.copy = init, copy  # type: ignore[method-assign]
    try:
        yield
    finally:
        for c, init, copy in saved:
            for name, old in (("__init__", init), ("copy", copy)):
                if old is None:
                    delattr(c, name)
                else:
                    setattr(c, name, old)


def build_scene(scene_cls: type[Scene], tmp_path: Path, config: Optional[dict[str, Any]] = None) -> Scene:
    """Run the scene's construct with every animation skipped (fast); returns the scene. What it
    shows is recorded (`seen`, `texts`)."""
    use_config(tmp_path, config)
    try:
        with tempconfig({"dry_run": True, "disable_caching": True,
                         "media_dir": str(tmp_path / "media"), "quality": "low_quality",
                         "progress_bar": "none", "verbosity": "WARNING", **CACHES}):
            made: list[Any] = []
            with _making(made):
                scene = recording(scene_cls)(renderer=CairoRenderer(skip_animations=True))
                _MADE[id(scene)] = made  # (filled as the scene runs: `seen` works in a probe too)
                scene.render()
    finally:
        os.environ.pop(CONFIG_ENV, None)
        scene_input.cache_clear()
    return scene


def build_checked(scene_cls: type[Scene], tmp_path: Path, config: Optional[dict[str, Any]] = None,
                  ) -> tuple[Scene, list[Any]]:
    """build_scene under the frame check's own inspector, as `attention-explainer check` builds a
    scene (a RunRecord naming the config and where to write the findings): returns the scene and
    the inspector's findings. Layout tests assert on these instead of bounds of their own."""
    from attention_explainer.config.catalog import SCENES
    from attention_explainer.production.records import RUN_ENV, RunRecord
    from attention_explainer.production.scene_input import run_record
    from attention_explainer.scenes.checking import read_findings

    names = {c.__name__ for c in scene_cls.__mro__}
    scene_id = next((s.id for s in SCENES if s.cls in names), scene_cls.__name__)
    config_file, out = tmp_path / "checked-config.yaml", tmp_path / f"findings-{scene_id}-{os.getpid()}.json"
    config_file.write_text(yaml.safe_dump(config or {}, allow_unicode=True), encoding="utf-8")
    record = tmp_path / f"run-{scene_id}-{os.getpid()}.json"
    RunRecord(scene=scene_id, config=str(config_file), check=str(out)).to_file(record)
    os.environ[RUN_ENV] = str(record)
    run_record.cache_clear()
    try:
        scene = build_scene(scene_cls, tmp_path, config)
    finally:
        os.environ.pop(RUN_ENV, None)
        run_record.cache_clear()
        scene_input.cache_clear()
    findings = read_findings(out)
    for path in (out, record, config_file):
        path.unlink()
    return scene, findings


# ------------------------------------------------ what a built scene showed (no attributes kept for tests)
def seen(scene: Scene, kind: type = object, final: bool = False, beat: Optional[str] = None) -> list[Any]:
    """Every mobject of type `kind` the scene showed (in the families of what it added, in the
    order it added them, each once, then the components it made that it showed a part of); with
    `final` only what is on screen at its end, with `beat` (an id) what was at that beat's end."""
    if beat is not None:
        tops = _AT_BEAT[id(scene)][beat]
    else:
        tops = scene.mobjects if final else _RECORDED.get(id(scene), [])
    out, ids, shown = [], set(), set()
    for top in tops:
        for m in top.get_family():
            shown.add(id(m))
            if isinstance(m, kind) and id(m) not in ids:
                ids.add(id(m))
                out.append(m)
    for c in _MADE.get(id(scene), []):  # components shown part by part
        if isinstance(c, kind) and id(c) not in ids and any(id(m) in shown for m in c.get_family()[1:]):
            ids.add(id(c))
            out.append(c)
    return out


def views_named(scene: Scene, tex: str, final: bool = False, beat: Optional[str] = None) -> list[Any]:
    """Every MatrixView the scene showed whose name is the TeX `tex` ("X", "W_Q^{(1)}", ...):
    a matrix shown twice (two slices, a copy that moves) is listed twice."""
    from attention_explainer.scenes.components import MatrixView

    return [v for v in seen(scene, MatrixView, final, beat) if v.name is not None and _name(v.name) == tex]


def _name(mob: Any) -> str:
    """A MatrixView's name as TeX: the MathTex's string, or `\\text{words}` for a name in words."""
    from manim import Text

    tex = getattr(mob, "tex_string", None)
    if tex is not None:
        return tex
    return "\\text{" + " ".join(t.original_text for t in mob.get_family() if isinstance(t, Text)) + "}"


def at_beat(scene: Scene, beat: str) -> list[Any]:
    """What was on screen (the scene's top-level mobjects) at the end of beat `beat` (an id)."""
    return list(_AT_BEAT[id(scene)][beat])


def only(items: list[Any]) -> Any:
    """The one item of a list (fails when there are none or several)."""
    assert len(items) == 1, f"{len(items)} found"
    return items[0]


def texts(scene: Scene, final: bool = False, beat: Optional[str] = None) -> list[Any]:
    """The Text mobjects the scene showed (see `seen`)."""
    from manim import Text

    return seen(scene, Text, final, beat)


def text(scene: Scene, words: str, final: bool = False, beat: Optional[str] = None) -> Any:
    """The one Text the scene showed that reads `words` (its original text)."""
    return only([t for t in texts(scene, final, beat) if t.original_text == words])


def right_of(scene: Scene, mob: Any, final: bool = True, beat: Optional[str] = None) -> list[Any]:
    """The Texts on mob's line (their centre within its height), right of it, nearest first."""
    y, h, x = mob.get_y(), mob.height, mob.get_right()[0]
    row = [t for t in texts(scene, final, beat) if abs(t.get_y() - y) < h / 2 and t.get_left()[0] >= x - 1e-6
           and t is not mob]
    return sorted(row, key=lambda t: t.get_left()[0])


def color_of(mob: Any) -> str:
    """A mobject's colour as upper-case hex."""
    return mob.get_color().to_hex().upper()


def boxes_around(scene: Scene, target: Any, color: str, final: bool = True) -> list[Any]:
    """The rectangles drawn in `color` centred on `target` (highlight frames)."""
    from manim import Rectangle

    return [r for r in seen(scene, Rectangle, final) if r.get_stroke_width() > 0
            and r.get_stroke_color().to_hex().upper() == color.upper()
            and np.allclose(r.get_center(), target.get_center(), atol=1e-6)]


# --------------------------------------------------------- checks shared by the scene test files
WORDS = "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen"


def sentence(n: int) -> str:
    """A sentence of n distinct one-word tokens (n ≤ 16)."""
    return " ".join(WORDS.split()[:n])


def optional_config(scene_id: str) -> dict[str, Any]:
    """The default config with an optional segment switched on. Captions off: they change no
    timing (beats hold by reading time either way) and building them is most of a test's time."""
    return {"video": {"scenes": ["math", scene_id]}, "display": {"captions": False}}


KEY = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")  # kebab-case


def beat_keys(scene: Any, scene_id: str) -> list[str]:
    """The beats' keys, after checking each id is `<scene_id>-<kebab-case key, not all digits>`
    (a numbered id means a beat without key=) and that no two are the same."""
    keys = []
    for b in scene.beats:
        assert b.id.startswith(f"{scene_id}-"), b.id
        key = b.id[len(scene_id) + 1:]
        assert KEY.fullmatch(key), f"{b.id}: key is not kebab-case"
        assert not key.replace("-", "").isdigit(), f"{b.id}: numbered id (the beat has no key=)"
        keys.append(key)
    assert len(set(keys)) == len(keys), f"duplicate beat ids: {keys}"
    return keys


def check_beats(scene: Any, scene_id: str) -> None:
    """The scene has beats with keyed, unique ids, each held at least its reading time."""
    from attention_explainer.narration.beats import reading_time

    assert scene.beats
    beat_keys(scene, scene_id)
    for b in scene.beats:
        assert b.end - b.start >= reading_time(b.text) - 1e-3


def check_layout(scene: Any) -> None:
    """Everything but the caption stays inside the frame and above the caption band."""
    assert off_layout(scene) == []


def off_layout(scene: Any) -> list[str]:
    """What is on screen now, but the caption, outside layout.OUTSIDE_CAPTION (the frame above
    the caption band), each as "Type x left..right y bottom..top" (a probe for `probing`)."""
    from attention_explainer.scenes.layout import OUTSIDE_CAPTION as box

    out = []
    for mob in scene.mobjects:
        if mob is scene.narrator.caption or not mob.has_points() and not mob.submobjects:
            continue
        (x0, y0), (x1, y1) = mob.get_corner(DL)[:2], mob.get_corner(UR)[:2]
        if x0 < box.left - 1e-6 or x1 > box.right + 1e-6 or y0 < box.bottom - 1e-6 or y1 > box.top + 1e-6:
            out.append(f"{type(mob).__name__} x {x0:.2f}..{x1:.2f} y {y0:.2f}..{y1:.2f}")
    return out


# ----------------------------------------------- numbers read back from the glyphs on screen
MINUS = "\u2212"
GLYPHS = "0123456789.\u2212-+=×()∞…"  # what a number on screen may be made of ("⋯" is "…" raised: left out)


def shown_number(value: float, decimals: int) -> str:
    """A number as README says it is shown (fixed decimals, U+2212 minus, no "−0.00"), formatted
    here with an f-string, independently of the components' fmt()."""
    text = f"{value:.{decimals}f}"
    if text.startswith("-") and set(text[1:]) <= {"0", "."}:
        text = text[1:]
    return text.replace("-", MINUS)


def _outline(glyph: Any) -> np.ndarray:
    """A glyph's outline points, moved to the origin and scaled by its larger side (so the same
    character at any size and place gives the same array; its proportions are kept)."""
    pts = np.asarray(glyph.points)[:, :2]
    return (pts - pts.min(axis=0)) / max(float(np.ptp(pts, axis=0).max()), 1e-9)


@lru_cache(maxsize=None)
def _reference_glyphs() -> tuple[tuple[str, np.ndarray], ...]:
    """Each character of GLYPHS drawn on its own in the mono font, by Manim's Text."""
    from manim import Text

    from attention_explainer.scenes.components import MONO

    out = []
    for ch in GLYPHS:
        glyphs = [m for m in Text(ch, font=MONO, font_size=48).family_members_with_points()]
        assert len(glyphs) == 1, ch
        out.append((ch, _outline(glyphs[0])))
    return tuple(out)


def glyph_text(mob: Any) -> str:
    """The characters a mobject draws, read from its glyph outlines (left to right): each glyph is
    matched against the mono font's own outline of every character in GLYPHS. Raises if a glyph
    matches none, so a wrong glyph, a hyphen for a minus or a missing digit all show."""
    glyphs = sorted(mob.family_members_with_points(), key=lambda g: g.get_left()[0])
    out = []
    for g in glyphs:
        shape = _outline(g)
        hits = [ch for ch, ref in _reference_glyphs()
                if ref.shape == shape.shape and np.abs(ref - shape).max() < 0.02]
        assert len(hits) == 1, f"glyph {len(out)} of {mob!r} matches {hits or 'nothing'}"
        out.append(hits[0])
    return "".join(out)


def shows(view: Any, values: Any, decimals: int) -> None:
    """Every number a MatrixView draws reads back, glyph by glyph, as values[r, c] formatted
    independently (shown_number), at its own row and column."""
    cells = view.numbers()
    assert cells, "nothing shown"
    for r, c in cells:
        assert glyph_text(view.entry(r, c)) == shown_number(values[r, c], decimals), (r, c)


# ------------------------------------------- the components' per-process caches of measured glyphs
def clear_glyph_caches() -> None:
    """Forget the glyphs and text metrics the components keep for the whole process (MonoNumbers'
    glyphs, vertical_metrics, cap height): a test that replaces Text must not leave its stand-in
    glyphs to every later test of its worker."""
    from attention_explainer.scenes.components.text import vertical_metrics
    from attention_explainer.scenes.components.worked import NUMBERS
    from attention_explainer.scenes.measure import cap_height_per_font_size

    NUMBERS.glyphs.clear()
    NUMBERS.advance.clear()
    vertical_metrics.cache_clear()
    cap_height_per_font_size.cache_clear()
