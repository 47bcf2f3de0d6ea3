"""A storyboard: every scene's last frame on one PNG contact sheet, labelled with its title (Pillow)."""

from __future__ import annotations

import math
import shutil
import subprocess
from functools import lru_cache
from pathlib import Path
from typing import Sequence

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
                  columns: int = COLUMNS) -> None:
    """Write a PNG grid of the frames, each with its label underneath."""
    if not frames:
        raise ValueError("no frames for the storyboard")
    background, ink, edge = COLOURS.get(theme, COLOURS["dark"])
    thumbs = []
    for label, path in frames:
        with Image.open(path) as im:
            im = im.convert("RGB")
            height = round(im.height * THUMB_WIDTH / im.width)
            thumbs.append((label, im.resize((THUMB_WIDTH, height), Image.Resampling.LANCZOS)))
    cols = min(columns, len(thumbs))
    rows = math.ceil(len(thumbs) / cols)
    cell_h = max(t.height for _, t in thumbs) + LABEL_HEIGHT
    sheet = Image.new("RGB", (GAP + cols * (THUMB_WIDTH + GAP), GAP + rows * (cell_h + GAP)), background)
    draw = ImageDraw.Draw(sheet)
    font = _font(22)
    for i, (label, thumb) in enumerate(thumbs):
        x = GAP + (i % cols) * (THUMB_WIDTH + GAP)
        y = GAP + (i // cols) * (cell_h + GAP)
        sheet.paste(thumb, (x, y))
        draw.rectangle([x - 1, y - 1, x + thumb.width, y + thumb.height], outline=edge, width=1)
        draw.text((x, y + thumb.height + 10), _fit(draw, label, THUMB_WIDTH, font), fill=ink, font=font)
    sheet.save(out, format="PNG")
