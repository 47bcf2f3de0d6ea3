"""A storyboard: every scene's last frame on one PNG contact sheet, labelled with its title (Pillow)."""

from __future__ import annotations

import math
import shutil
import subprocess
from functools import lru_cache
from pathlib import Path
from typing import Any, Optional, Sequence

from PIL import Image, ImageDraw, ImageFont

COLUMNS = 3
THUMB_WIDTH = 640  # pixels of each frame on the sheet
GAP = 24
LABEL_HEIGHT = 44
COLOURS = {"dark": ("#111318", "#E6E9EF", "#3A3F4B"), "light": ("#F4F4F0", "#20242C", "#C4C6CC")}  # sheet, text, frame


@lru_cache(maxsize=4)
def _font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    """A bold sans font from fontconfig, else Pillow's built-in one."""
    if shutil.which("fc-match"):
        found = subprocess.run(["fc-match", "-f", "%{file}", "sans:bold"], capture_output=True, text=True,
                               check=False).stdout.strip()
        if found and Path(found).is_file():
            try:
                return ImageFont.truetype(found, size)
            except OSError:
                pass
    return ImageFont.load_default(size=size)


def _fit(draw: ImageDraw.ImageDraw, text: str, width: int, font: ImageFont.ImageFont | ImageFont.FreeTypeFont) -> str:
    if draw.textlength(text, font=font) <= width:
        return text
    while text and draw.textlength(text + "…", font=font) > width:
        text = text[:-1]
    return text + "…"


def contact_sheet(frames: Sequence[tuple[str, Path]], out: Path, theme: str = "dark",
                  columns: int = COLUMNS, thumb_width: int = THUMB_WIDTH) -> None:
    """Write a PNG grid of the frames, each with its label underneath."""
    if not frames:
        raise ValueError("no frames for the storyboard")
    background, ink, edge = COLOURS.get(theme, COLOURS["dark"])
    thumbs = []
    for label, path in frames:
        with Image.open(path) as im:
            im = im.convert("RGB")
            height = round(im.height * thumb_width / im.width)
            thumbs.append((label, im.resize((thumb_width, height), Image.Resampling.LANCZOS)))
    cols = min(columns, len(thumbs))
    rows = math.ceil(len(thumbs) / cols)
    cell_h = max(t.height for _, t in thumbs) + LABEL_HEIGHT
    sheet = Image.new("RGB", (GAP + cols * (thumb_width + GAP), GAP + rows * (cell_h + GAP)), background)
    draw = ImageDraw.Draw(sheet)
    font = _font(22)
    for i, (label, thumb) in enumerate(thumbs):
        x = GAP + (i % cols) * (thumb_width + GAP)
        y = GAP + (i // cols) * (cell_h + GAP)
        sheet.paste(thumb, (x, y))
        draw.rectangle([x - 1, y - 1, x + thumb.width, y + thumb.height], outline=edge, width=1)
        draw.text((x, y + thumb.height + 10), _fit(draw, label, thumb_width, font), fill=ink, font=font)
    sheet.save(out, format="PNG")


# ------------------------------------------------------------------------ one sheet per scene
BEAT_COLUMNS = 4
BEAT_THUMB_WIDTH = 480


def frames_at(video: Path, times: Sequence[float], out_dir: Path) -> list[Path]:
    """PNG files of the frames of `video` shown at each of `times` (seconds, ascending): for each
    time, the last frame that starts at or before it. Decodes the video once (PyAV)."""
    import av

    out_dir.mkdir(parents=True, exist_ok=True)
    wanted = sorted(range(len(times)), key=lambda i: times[i])
    paths: list[Optional[Path]] = [None] * len(times)
    k = 0
    last = None
    with av.open(str(video)) as container:
        for frame in container.decode(video=0):
            t = float(frame.time or 0.0)
            while k < len(wanted) and t > times[wanted[k]] + 1e-6:
                paths[wanted[k]] = _save(last, out_dir, wanted[k])
                k += 1
            last = frame
            if k == len(wanted):
                break
    while k < len(wanted):  # times at or past the last frame
        paths[wanted[k]] = _save(last, out_dir, wanted[k])
        k += 1
    return [p for p in paths if p is not None]


def _save(frame: Any, out_dir: Path, index: int) -> Optional[Path]:
    if frame is None:
        return None
    path = out_dir / f"beat-{index:03d}.png"
    frame.to_image().save(path)
    return path


def beat_sheet(video: Path, beats: Sequence[Any], fps: float, out: Path, work: Path, theme: str = "dark") -> None:
    """A contact sheet of `video` with one thumbnail at the end of each beat (its last frame),
    labelled with the beat's number and id."""
    times = [max(0.0, b.end - 1.0 / fps) for b in beats]
    frames = frames_at(video, times, work)
    labels = [f"{i}. {b.id}  ({b.end - b.start:.1f} s)" for i, b in enumerate(beats, start=1)]
    contact_sheet(list(zip(labels, frames)), out, theme=theme, columns=BEAT_COLUMNS,
                  thumb_width=BEAT_THUMB_WIDTH)
