"""Which of our source files a scene process loaded: the render cache re-runs a scene when one changes.

The scene process (scenes/base.py, at tear-down) writes the list to $ATTENTION_EXPLAINER_SOURCES:
the scene's own file, the shared scene code it imported (scenes/base.py, scenes/components.py,
any helper module) and this package's modules (config, attention maths, voice...). Installed
libraries are covered by their versions in the cache key instead.
"""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path
from typing import Iterable, Optional

SOURCES_ENV = "ATTENTION_EXPLAINER_SOURCES"


def project_roots(scene_file: Optional[str | Path] = None) -> list[Path]:
    """Folders whose Python files count as the scene's sources."""
    import attention_explainer
    import attention_explainer.scenes

    roots = [Path(attention_explainer.__file__).resolve().parent,
             Path(attention_explainer.scenes.__file__).resolve().parent]
    if scene_file is not None:
        roots.append(Path(scene_file).resolve().parent)
    return roots


def loaded_sources(roots: Iterable[Path], extra: Iterable[str | Path] = ()) -> list[str]:
    """The .py files of imported modules that live under one of the roots (sorted, absolute)."""
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


def write_loaded_sources(path: str | Path, scene_file: Optional[str | Path]) -> None:
    """Called in the scene process: record the sources for the render cache."""
    files = loaded_sources(project_roots(scene_file), [scene_file] if scene_file else [])
    from attention_explainer.production.records import LoadedSources

    tmp = Path(f"{path}.{os.getpid()}.tmp")
    LoadedSources(files=files).to_file(tmp, indent=1)
    os.replace(tmp, path)


def file_digest(path: str | Path) -> Optional[str]:
    """sha256 of a file's bytes, or None when it is gone."""
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return None


def digests(files: Iterable[str | Path]) -> dict[str, Optional[str]]:
    return {str(f): file_digest(f) for f in files}
