"""Which of our files a scene process depended on: the render cache re-runs a scene when one changes.

The scene process (scene_input.write_sources, at tear-down) records the scene's own file, the
shared scene code it imported (scenes/base.py, scenes/components/, any helper module), this
package's modules (config, attention maths, voice...) and data files it read (a real model's
weights). Installed libraries are covered by their versions in the cache key instead.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path
from typing import Iterable, Optional

PACKAGE = "attention_explainer"
SCENES_PACKAGE = "attention_explainer.scenes"
BIG_FILE = 16 << 20  # larger files (model weights) are known by size and mtime, not read again


def project_roots(scene_file: Optional[str | Path] = None) -> list[Path]:
    """Folders whose Python files count as the scene's sources: this package, the scenes package
    (when the process imported it) and the scene file's folder."""
    roots = [Path(__file__).resolve().parents[1]]
    scenes = sys.modules.get(SCENES_PACKAGE)  # imported by the scene itself; production never imports it
    if scenes is not None and getattr(scenes, "__file__", None):
        roots.append(Path(scenes.__file__).resolve().parent)  # type: ignore[arg-type]
    if scene_file is not None:
        roots.append(Path(scene_file).resolve().parent)
    return roots


def loaded_sources(roots: Iterable[Path], extra: Iterable[str | Path] = ()) -> list[str]:
    """The .py files of imported modules that live under one of the roots, and `extra` (sorted, absolute)."""
    roots = [Path(r) for r in roots]
    found = {str(Path(p).resolve()) for p in extra}
    for module in list(sys.modules.values()):
        file = getattr(module, "__file__", None)
        if not file or not file.endswith(".py"):
            continue
        path = Path(file).resolve()
        if any(path.is_relative_to(root) for root in roots):
            found.add(str(path))
    return sorted(found)


def file_digest(path: str | Path) -> Optional[str]:
    """sha256 of a file's bytes (of its size and mtime when larger than BIG_FILE), None when gone."""
    try:
        path = Path(path)
        stat = path.stat()
        if stat.st_size > BIG_FILE:
            return f"stat:{stat.st_size}:{stat.st_mtime_ns}"
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def digests(files: Iterable[str | Path]) -> dict[str, Optional[str]]:
    return {str(f): file_digest(f) for f in files}
