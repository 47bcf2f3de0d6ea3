"""Shared pytest setup. Keep each section small; add new sections below with their own header."""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Union

import pytest

# ------------------------------------------------------------------------------------ markers


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "system: needs the render toolchain (LaTeX, dvisvgm, Cairo, fonts) installed by "
        "scripts/bootstrap.sh; deselect with -m 'not system'",
    )


# ----------------------------------------------------------------------------- config files

WriteConfig = Callable[..., Path]


@pytest.fixture
def write_config(tmp_path: Path) -> WriteConfig:
    """write_config(text_or_bytes, name="config.yaml") -> path of a new file in tmp_path."""

    def write(content: Union[str, bytes], name: str = "config.yaml") -> Path:
        path = tmp_path / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return path

    return write
