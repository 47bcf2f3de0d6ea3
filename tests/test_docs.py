"""The docs stay current: README is a short page whose links resolve, and docs/architecture.md's
module map names every module of the package and the scenes, and nothing that is gone."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ROOMS = {"core": "src/attention_explainer/core", "core/real_model": "src/attention_explainer/core/real_model",
         "config": "src/attention_explainer/config", "narration": "src/attention_explainer/narration",
         "system": "src/attention_explainer/system", "production": "src/attention_explainer/production",
         "cli": "src/attention_explainer/cli", "scenes": "scenes", "scenes/components": "scenes/components"}


def module_map() -> dict[str, set[str]]:
    """{room: module names} as docs/architecture.md's module map lists them."""
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    section = text.split("## The module map", 1)[1].split("\n## ", 1)[0]
    listed: dict[str, set[str]] = {}
    room = None
    for line in section.splitlines():
        if head := re.fullmatch(r"\*\*`(.+)/`\*\*", line.strip()):
            room = head.group(1)
            listed[room] = set()
        elif room and (row := re.match(r"\| `(\w+)` \| \S", line)):
            listed[room].add(row.group(1))
    return listed


def test_the_module_map_names_every_module_and_no_other() -> None:
    listed = module_map()
    assert set(listed) == set(ROOMS)
    for room, folder in ROOMS.items():
        actual = {p.stem for p in (ROOT / folder).glob("*.py") if p.name != "__init__.py"}
        assert actual - listed[room] == set(), f"{room}: modules missing from the map"
        assert listed[room] - actual == set(), f"{room}: the map lists modules that are gone"


def test_readme_is_short_and_its_links_resolve() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme.splitlines()) <= 200
    for page in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", page.read_text(encoding="utf-8")):
            if "://" in target or target.startswith("mailto:"):
                continue
            assert (page.parent / target).exists(), f"{page.name}: link to {target} does not resolve"
