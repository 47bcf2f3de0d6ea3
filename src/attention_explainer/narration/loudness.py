"""One loudness for every narration clip, no clicks at its ends, one sample format.

Target: -20 LUFS integrated (ITU-R BS.1770-4 as measured by pyloudnorm), the usual level for
spoken word online, with sample peaks kept at or below -1 dBFS (the gain is lowered if a peak
would pass it). Every clip gets 5 ms fades in and out, so a clip starting or ending mid-wave
does not click where it meets silence. Clips are 48 kHz mono 16-bit.
"""

from __future__ import annotations

import os
import wave
from fractions import Fraction
from pathlib import Path

import numpy as np

SAMPLE_RATE = 48_000
TARGET_LUFS = -20.0
PEAK_DBFS = -1.0
FADE_SECONDS = 0.005
MIN_MEASURABLE = 0.4  # seconds: BS.1770 gating blocks are 400 ms
LEVEL_ID = f"level {TARGET_LUFS:g} LUFS peak {PEAK_DBFS:g} dBFS fade {FADE_SECONDS * 1000:g} ms"


def resample(audio: np.ndarray, rate: int, to: int = SAMPLE_RATE) -> np.ndarray:
    """Polyphase resampling (scipy) of float mono audio."""
    if rate == to or audio.size == 0:
        return audio.astype(np.float32)
    from scipy.signal import resample_poly

    ratio = Fraction(to, rate)
    return resample_poly(audio.astype(np.float64), ratio.numerator, ratio.denominator).astype(np.float32)


def loudness(audio: np.ndarray, rate: int = SAMPLE_RATE) -> float:
    """Integrated loudness in LUFS (-inf for silence or clips under 0.4 s)."""
    import pyloudnorm

    if audio.size < MIN_MEASURABLE * rate:
        return float("-inf")
    return float(pyloudnorm.Meter(rate).integrated_loudness(audio.astype(np.float64)))


def level(audio: np.ndarray, rate: int = SAMPLE_RATE) -> np.ndarray:
    """The clip at the target loudness (peak-limited by gain), with short fades at both ends."""
    audio = audio.astype(np.float64)
    measured = loudness(audio, rate)
    if np.isfinite(measured):
        gain = 10 ** ((TARGET_LUFS - measured) / 20)
    else:  # too short to measure: bring its RMS to roughly the same level
        rms = float(np.sqrt(np.mean(audio ** 2))) if audio.size else 0.0
        gain = 10 ** ((TARGET_LUFS + 3) / 20) / rms if rms > 1e-6 else 1.0
    peak = float(np.max(np.abs(audio))) if audio.size else 0.0
    if peak > 0:
        gain = min(gain, 10 ** (PEAK_DBFS / 20) / peak)
    audio = audio * gain
    n = min(int(FADE_SECONDS * rate), audio.size // 2)
    if n > 0:
        ramp = np.linspace(0.0, 1.0, n, endpoint=False)
        audio[:n] *= ramp
        audio[-n:] *= ramp[::-1]
    return audio.astype(np.float32)


def to_int16(audio: np.ndarray) -> np.ndarray:
    return np.clip(np.round(audio * 32767.0), -32768, 32767).astype(np.int16)


def write_wav(path: Path, audio: np.ndarray, rate: int = SAMPLE_RATE) -> float:
    """Write float mono audio as 16-bit WAV, atomically; returns its length in seconds."""
    samples = to_int16(audio)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with wave.open(str(tmp), "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(rate)
            out.writeframes(samples.tobytes())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return samples.size / rate


def read_wav(path: Path) -> tuple[np.ndarray, int]:
    """16-bit mono WAV -> float audio and its rate."""
    with wave.open(str(path), "rb") as w:
        data = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16)
        if w.getnchannels() > 1:
            data = data.reshape(-1, w.getnchannels()).mean(axis=1)
        return data.astype(np.float32) / 32768.0, w.getframerate()
