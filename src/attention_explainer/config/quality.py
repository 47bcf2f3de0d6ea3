"""Manim's quality letters, in one place: the config's `video.quality`, the `--quality` flag,
the folder Manim writes each quality to, and the help text that lists them."""

from __future__ import annotations

from typing import Literal, get_args

Quality = Literal["l", "m", "h", "p", "k"]
QUALITIES: tuple[str, ...] = get_args(Quality)  # ("l", "m", "h", "p", "k"), lowest first
RESOLUTION = {"l": "480p15", "m": "720p30", "h": "1080p60", "p": "1440p60", "k": "2160p60"}
QUALITY_HELP = " ".join(f"{q}={RESOLUTION[q]}" for q in QUALITIES)  # "l=480p15 m=720p30 ..."
