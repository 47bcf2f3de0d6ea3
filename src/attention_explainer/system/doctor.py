"""System checks for `attention-explainer doctor`: every part a render needs, and its fix."""

from __future__ import annotations

import importlib
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from attention_explainer.narration.neural import INSTALL_HINT, VOICE_PACKAGE, NeuralEngine, check_runtime
from attention_explainer.system.tex import TEX_DOCUMENTCLASS, TEX_PACKAGES, TEX_PREAMBLE

APT = "apt-get install -y"


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    fix: str
    optional: bool = False  # recommended only: a render works without it (doctor still exits 0)


def _python_packages() -> list[Check]:
    wanted = {  # import name -> (what, fix)
        "numpy": "pip install numpy",
        "yaml": "pip install pyyaml",
        "click": "pip install click",
        "pydantic": "pip install pydantic",
        "cairo": f"{APT} libcairo2-dev pkg-config python3-dev, then pip install pycairo",
        "manimpango": f"{APT} libpango1.0-dev pkg-config, then pip install manimpango",
        "av": "pip install av",
        "manim": "pip install manim==0.22.0",
    }
    checks = []
    for mod, fix in wanted.items():
        try:
            m = importlib.import_module(mod)
            version = getattr(m, "__version__", getattr(m, "version", ""))
            checks.append(Check(f"python: {mod}", True, str(version) or "importable", fix))
        except Exception as e:  # noqa: BLE001 - any import failure is the finding
            checks.append(Check(f"python: {mod}", False, f"cannot import ({type(e).__name__}: {e})", fix))
    return checks


def _binary(name: str, package: str) -> Check:
    path = shutil.which(name)
    return Check(name, path is not None, path or "not on PATH", f"{APT} {package}")


def _latex_packages() -> Check:
    fix = f"{APT} texlive-latex-base texlive-base"
    kpse = shutil.which("kpsewhich")
    if kpse is None:
        return Check("LaTeX packages", False, "kpsewhich not found", fix)
    files = ["article.cls"] + [f"{p}.sty" for p in TEX_PACKAGES]
    missing = [f for f in files if subprocess.run([kpse, f], capture_output=True, text=True).returncode != 0]
    detail = ", ".join(files) if not missing else f"missing {', '.join(missing)}"
    return Check("LaTeX packages", not missing, detail, fix)


def _latex_compile() -> Check:
    """Compile a formula the way Manim does (latex -> dvi -> dvisvgm -> svg)."""
    fix = f"{APT} texlive-latex-base dvisvgm"
    if not (shutil.which("latex") and shutil.which("dvisvgm")):
        return Check("formula rendering", False, "latex or dvisvgm missing", fix)
    doc = f"{TEX_DOCUMENTCLASS}\n{TEX_PREAMBLE}\n\\begin{{document}}\n$\\mathrm{{softmax}}\\left(\\frac{{QK^\\top}}{{\\sqrt{{d_k}}}}\\right)V$\n\\end{{document}}\n"
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "f.tex").write_text(doc)
        r = subprocess.run(["latex", "-interaction=batchmode", "-halt-on-error", "f.tex"], cwd=tmp,
                           capture_output=True, text=True, timeout=120)
        if r.returncode != 0:
            return Check("formula rendering", False, "latex failed on a test formula", fix)
        r = subprocess.run(["dvisvgm", "-n", "f.dvi", "-o", "f.svg"], cwd=tmp, capture_output=True, text=True, timeout=120)
        ok = r.returncode == 0 and (Path(tmp) / "f.svg").exists()
    return Check("formula rendering", ok, "latex + dvisvgm made an SVG" if ok else "dvisvgm failed", fix)


def _encoder() -> Check:
    fix = "pip install --force-reinstall av (its wheels bundle libx264)"
    try:
        import av

        av.codec.Codec("libx264", "w")
        return Check("video encoder", True, f"PyAV {av.__version__} with libx264", fix)
    except Exception as e:  # noqa: BLE001
        return Check("video encoder", False, f"libx264 unavailable ({e})", fix)


def _fonts() -> Check:
    fix = f"{APT} fontconfig fonts-dejavu-core"
    fc = shutil.which("fc-list")
    if fc is None:
        return Check("fonts", False, "fontconfig (fc-list) not found", fix)
    out = subprocess.run([fc, ":family=DejaVu Sans", "family"], capture_output=True, text=True).stdout
    ok = "DejaVu Sans" in out
    return Check("fonts", ok, "DejaVu Sans" if ok else "DejaVu Sans not installed", fix)


# Sentences in other scripts: a sample letter of each, and the Debian package with glyphs for it.
# Chosen for Manim, which draws text as outlines: fonts-symbola has outline emoji (Noto Color
# Emoji is colour bitmaps, which come out blank), fonts-wqy-microhei covers Chinese, Japanese
# and Korean in 5 MB (fonts-noto-cjk: 91 MB). DejaVu Sans already has Latin, Greek, Cyrillic,
# Arabic and Hebrew.
SCRIPT_FONTS = {  # script -> (sample character, package)
    "Chinese/Japanese": ("\u65e5", "fonts-wqy-microhei"),
    "Korean": ("\ud55c", "fonts-wqy-microhei"),
    "Arabic": ("\u0645", "fonts-noto-core"),
    "Devanagari": ("\u0939", "fonts-noto-core"),
    "Thai": ("\u0e44", "fonts-noto-core"),
    "emoji": ("\U0001f408", "fonts-symbola"),
}


def _script_fonts() -> Check:
    """Optional: glyphs for sentences beyond Latin/Greek/Cyrillic (else they show as boxes)."""
    fc = shutil.which("fc-list")
    packages = sorted({pkg for _, pkg in SCRIPT_FONTS.values()})
    fix = f"{APT} {' '.join(packages)}"
    if fc is None:
        return Check("fonts for other scripts", False, "fontconfig (fc-list) not found", fix, optional=True)
    missing: dict[str, str] = {}
    for script, (char, package) in SCRIPT_FONTS.items():
        out = subprocess.run([fc, f":charset={ord(char):x}", "family"], capture_output=True, text=True).stdout
        if not out.strip():
            missing[script] = package
    if not missing:
        return Check("fonts for other scripts", True, ", ".join(SCRIPT_FONTS), fix, optional=True)
    detail = f"no glyphs for {', '.join(missing)} (shown as boxes)"
    return Check("fonts for other scripts", False, detail, f"{APT} {' '.join(sorted(set(missing.values())))}",
                 optional=True)


def _neural_voice() -> Check:
    """The default narration voice: installed, and it speaks a word (loads the model, ~3 s)."""
    fix = f"{INSTALL_HINT}; its phonemes need {APT} espeak-ng"
    try:
        versions = check_runtime()
        rendered = NeuralEngine().render("Ready.")
        seconds = rendered.audio.size / rendered.sample_rate
        ok = seconds > 0.2 and len(rendered.words) == 1
        detail = f"{VOICE_PACKAGE} ({versions}): said 'Ready.' in {seconds:.2f} s"
        return Check("neural voice", ok, detail if ok else f"{VOICE_PACKAGE} made no speech", fix)
    except Exception as e:  # noqa: BLE001 - any failure is the finding
        return Check("neural voice", False, str(e).splitlines()[0] if str(e) else type(e).__name__, fix)


def _kokoro_voice() -> Check:
    """Kokoro-82M: model parts, vocabulary, voices, and an English word said (loads the model, ~3 s)."""
    from attention_explainer.narration import kokoro
    from attention_explainer.narration.kokoro_g2p import sentences

    fix = "bash scripts/bootstrap.sh setup (Kokoro's model, vocabulary and phonemisers)"
    try:
        kokoro.check_installed()
        said = kokoro.KokoroEngine().speak(sentences("Ready.", "a"), "af_heart")
        seconds = said.audio.size / kokoro.SAMPLE_RATE
        ok = seconds > 0.2 and said.timed == said.audio.size
        detail = f"{kokoro.MODEL_ID}, {len(kokoro.voice_names())} voices: said 'Ready.' in {seconds:.2f} s"
        return Check("Kokoro voice", ok, detail if ok else "Kokoro made no speech", fix)
    except Exception as e:  # noqa: BLE001 - any failure is the finding
        return Check("Kokoro voice", False, str(e).splitlines()[0] if str(e) else type(e).__name__, fix)


def _optional_module(name: str, module: str, what: str, task: str) -> Check:
    """An optional part: importable (not loaded)."""
    from importlib.util import find_spec

    found = find_spec(module) is not None
    return Check(name, found, what if found else f"not installed ({what})", f"bash scripts/bootstrap.sh {task}",
                 optional=True)


def run_checks() -> list[Check]:
    """All checks, in the order a user would fix them."""
    return [
        *_python_packages(),
        _binary("latex", "texlive-latex-base"),
        _binary("dvisvgm", "dvisvgm"),
        _latex_packages(),
        _latex_compile(),
        _encoder(),
        _fonts(),
        _script_fonts(),
        _binary("espeak-ng", "espeak-ng"),
        _neural_voice(),
        _kokoro_voice(),
        _optional_module("Japanese phonemes", "pyopenjtalk", "pyopenjtalk-plus, for Kokoro in Japanese", "ja"),
        _optional_module("listening back", "faster_whisper", "faster-whisper + Whisper base, for `listen`", "listen"),
    ]
