"""One loudness for every narration clip, no clicks at its ends, one sample format.

Target: -20 LUFS integrated (ITU-R BS.1770-4 as measured by pyloudnorm), a common level for
spoken word, with sample peaks at or below -1 dBFS. The neural voice peaks high for its
loudness (peak-to-loudness ~21-22 dB), so a plain gain would leave lines between -20 and
-23 LUFS; a look-ahead peak limiter (10 ms window: gain = the window's minimum, averaged over
the window, which never lets a peak through) takes the 1-3 dB off the peaks, and a second pass
restores the loudness. Every clip gets 5 ms fades in and out, so a clip starting or ending
mid-wave does not click where it meets silence. Clips are 48 kHz mono 16-bit.

Generated voices start their speech after LEAD_IN of silence (`lead_in`): a clip whose first
sound is on its first sample (Piper's lines starting with "s") lost that sound to the fade and
to listeners (Whisper heard "oftmax"); one whose model adds ~0.4 s of silence (Kokoro) is trimmed.
"""

from __future__ import annotations

import os
import threading
import wave
from fractions import Fraction
from pathlib import Path

import numpy as np

SAMPLE_RATE = 48_000
TARGET_LUFS = -20.0
PEAK_DBFS = -1.0
FADE_SECONDS = 0.005
MIN_MEASURABLE = 0.4  # seconds: BS.1770 gating blocks are 400 ms
LIMIT_SECONDS = 0.010  # the limiter's look-ahead window
LEAD_IN = 0.12  # seconds of silence before a generated clip's first sound
ONSET = 0.02  # a sample above this fraction of the clip's peak is its first sound
LEVEL_ID = (f"level {TARGET_LUFS:g} LUFS peak {PEAK_DBFS:g} dBFS limiter {LIMIT_SECONDS * 1000:g} ms "
            f"fade {FADE_SECONDS * 1000:g} ms lead {LEAD_IN:g} s")


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


def limit(audio: np.ndarray, rate: int = SAMPLE_RATE, ceiling_db: float = PEAK_DBFS) -> np.ndarray:
    """Look-ahead peak limiter: no sample above the ceiling, gain changes spread over 10 ms."""
    from scipy.ndimage import minimum_filter1d, uniform_filter1d

    ceiling = 10 ** (ceiling_db / 20)
    size = max(1, int(LIMIT_SECONDS * rate)) | 1  # odd: centred windows
    with np.errstate(divide="ignore"):
        gain = np.minimum(1.0, ceiling / np.maximum(np.abs(audio), 1e-12))
    if gain.min() >= 1.0:
        return audio
    smooth = uniform_filter1d(minimum_filter1d(gain, size, mode="nearest"), size, mode="nearest")
    return np.clip(audio * np.minimum(smooth, gain), -ceiling, ceiling)


def _gain_to_target(audio: np.ndarray, rate: int) -> float:
    measured = loudness(audio, rate)
    if np.isfinite(measured):
        return float(10 ** ((TARGET_LUFS - measured) / 20))
    rms = float(np.sqrt(np.mean(audio ** 2))) if audio.size else 0.0  # too short to measure
    return float(10 ** ((TARGET_LUFS + 3) / 20) / rms) if rms > 1e-6 else 1.0


def level(audio: np.ndarray, rate: int = SAMPLE_RATE) -> np.ndarray:
    """The clip at the target loudness, peaks limited to the ceiling, short fades at both ends."""
    audio = audio.astype(np.float64)
    for _ in range(2):  # limiting lowers the loudness a little: measure and limit once more
        audio = limit(audio * _gain_to_target(audio, rate), rate)
    n = min(int(FADE_SECONDS * rate), audio.size // 2)
    if n > 0:
        ramp = np.linspace(0.0, 1.0, n, endpoint=False)
        audio[:n] *= ramp
        audio[-n:] *= ramp[::-1]
    return audio.astype(np.float32)


def lead_in(audio: np.ndarray, rate: int = SAMPLE_RATE, lead: float = LEAD_IN) -> tuple[np.ndarray, float]:
    """The clip with exactly `lead` seconds before its first sound (silence added or trimmed), and
    how far everything moved (seconds, + later): add it to the clip's word times."""
    peak = float(np.max(np.abs(audio))) if audio.size else 0.0
    if peak <= 0.0:
        return audio, 0.0
    onset = int(np.argmax(np.abs(audio) > ONSET * peak))
    shift = int(round(lead * rate)) - onset
    if shift >= 0:
        return np.concatenate([np.zeros(shift, dtype=audio.dtype), audio]), shift / rate
    return audio[-shift:], shift / rate


def to_int16(audio: np.ndarray) -> np.ndarray:
    return np.clip(np.round(audio * 32767.0), -32768, 32767).astype(np.int16)


def write_wav(path: Path, audio: np.ndarray, rate: int = SAMPLE_RATE) -> float:
    """Write float mono audio as 16-bit WAV, atomically; returns its length in seconds."""
    samples = to_int16(audio)
    tmp = path.with_name(f".{path.name}.{threading.get_ident()}.{os.getpid()}.tmp")  # threads of one server too
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
