"""The house rules, read from the source with `ast` (nothing is imported, so this is fast).

Imports run one way: errors < core < config < narration < production < cli. system may use
errors, core, config and narration; scenes may use core, config, narration, system and only
production.scene_input / production.records (their input). Every import counts, those inside
functions too. No circle between modules, and no module over 450 lines.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "attention_explainer"
SOURCE_DIRS = {PACKAGE: ROOT / "src" / PACKAGE, f"{PACKAGE}.scenes": ROOT / "scenes"}
MAX_LINES = 450

# The order of the rooms; a module may import from its own room and from any lower one.
RANK = {"errors": 0, "core": 1, "config": 2, "narration": 3, "system": 3.5, "production": 4,
        "cli": 5}
# Rooms that may not be reached by rank alone.
ALLOWED = {
    "system": {"errors", "core", "config", "narration"},
    "scenes": {"errors", "core", "config", "narration", "system",
               "production.scene_input", "production.records"},
}


@dataclass(frozen=True, order=True)
class Import:
    """One import of one of our modules, as written at file:line."""

    file: str  # path relative to the repository root
    line: int
    source: str  # importing module, e.g. attention_explainer.core.attention
    target: str  # imported module (the submodule for `from package import submodule`)


def module_files() -> dict[str, Path]:
    """Every module of ours by dotted name (a package by its __init__.py)."""
    modules: dict[str, Path] = {}
    for prefix, folder in SOURCE_DIRS.items():
        for path in sorted(folder.rglob("*.py")):
            parts = list(path.relative_to(folder).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            modules[".".join([prefix, *parts])] = path
    return modules


MODULES = module_files()


def _rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def _ours(name: str, modules: dict[str, Path]) -> str | None:
    """The longest module of ours that `name` is or lies in (None for other packages)."""
    while name:
        if name in modules:
            return name
        name = name.rpartition(".")[0]
    return None


def imports_in(source: str, module: str, file: str, is_package: bool,
               modules: dict[str, Path]) -> set[Import]:
    """Every import of our modules in one file's text, at any depth (functions, branches,
    classes, `if TYPE_CHECKING`), relative ones resolved."""
    tree = ast.parse(source, filename=file)
    package = module if is_package else module.rpartition(".")[0]
    found: set[Import] = set()

    def add(name: str, line: int) -> None:
        target = _ours(name, modules)
        if target is not None and target != module:
            found.add(Import(file, line, module, target))

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                add(alias.name, node.lineno)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                origin = ".".join(base + ([node.module] if node.module else []))
            else:
                origin = node.module or ""
            for alias in node.names:
                sub = f"{origin}.{alias.name}"
                add(sub if sub in modules else origin, node.lineno)
    return found


def all_imports() -> list[Import]:
    found: set[Import] = set()
    for module, path in MODULES.items():
        found |= imports_in(path.read_text(encoding="utf-8"), module, _rel(path),
                            path.name == "__init__.py", MODULES)
    return sorted(found)


ALL_IMPORTS = all_imports()
CHECKED = ALL_IMPORTS


def room(module: str) -> str:
    """errors, core, config, narration, system, production, cli or scenes."""
    parts = module.split(".")
    if len(parts) == 1:
        return "errors"  # the package root holds only __version__
    if parts[1] == "__main__":
        return "cli"
    return parts[1]


def allowed(source: str, target: str) -> bool:
    """May `source` import `target` by the order of the rooms?"""
    here, there = room(source), room(target)
    if here == there:
        return True
    if here in ALLOWED:
        return there in ALLOWED[here] or ".".join(target.split(".")[1:3]) in ALLOWED[here]
    if there == "scenes":
        return False
    return RANK[there] <= RANK[here]


def wrong_steps(imports: list[Import]) -> list[str]:
    return [f"{imp.file}:{imp.line}: {imp.source} imports {imp.target}: "
            f"{room(imp.source)} -> {room(imp.target)} is against the order"
            for imp in imports if not allowed(imp.source, imp.target)]


def circles(imports: list[Import]) -> list[list[str]]:
    """Groups of modules that import each other round a circle (Tarjan's strongly connected
    components of more than one module), each sorted."""
    graph: dict[str, set[str]] = {}
    for imp in imports:
        graph.setdefault(imp.source, set()).add(imp.target)
        graph.setdefault(imp.target, set())
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                group.append(top)
                if top == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return groups


def describe(group: list[str], imports: list[Import]) -> str:
    members = set(group)
    steps = [f"{imp.file}:{imp.line}: {imp.source} -> {imp.target}"
             for imp in imports if imp.source in members and imp.target in members]
    return "circle of " + ", ".join(group) + ":\n    " + "\n    ".join(steps)


# ----------------------------------------------------------------------------------- the rules
def test_imports_follow_the_order_of_the_rooms() -> None:
    wrong = wrong_steps(CHECKED)
    assert not wrong, "imports against the order:\n" + "\n".join(wrong)


def test_no_circle_between_modules() -> None:
    found = circles(CHECKED)
    assert not found, "\n".join(describe(g, CHECKED) for g in found)


def test_no_module_over_the_line_limit() -> None:
    long = []
    for path in MODULES.values():
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > MAX_LINES:
            long.append(f"{_rel(path)}: {lines} lines (limit {MAX_LINES})")
    assert not long, "\n".join(long)


# ----------------------------------------------------------------- the walker, on known input
FAKE = {name: Path(f"{name}.py") for name in (
    "attention_explainer", "attention_explainer.errors", "attention_explainer.core",
    "attention_explainer.core.attention", "attention_explainer.core.spec", "attention_explainer.config",
    "attention_explainer.config.models", "attention_explainer.production",
    "attention_explainer.production.render", "attention_explainer.scenes",
    "attention_explainer.scenes.base")}


def test_the_walker_finds_imports_in_functions_and_relative_ones() -> None:
    source = (
        "import numpy\n"
        "from . import spec\n"
        "from .spec import AttentionSpec\n"
        "def later():\n"
        "    from ..config import models\n"
        "    if True:\n"
        "        import attention_explainer.production.render as r\n"
        "class Box:\n"
        "    from attention_explainer import errors\n"
    )
    found = imports_in(source, "attention_explainer.core.attention", "core/attention.py", False, FAKE)
    assert {(i.line, i.target) for i in found} == {
        (2, "attention_explainer.core.spec"), (3, "attention_explainer.core.spec"),
        (5, "attention_explainer.config.models"), (7, "attention_explainer.production.render"),
        (9, "attention_explainer.errors")}
    wrong = wrong_steps(sorted(found))
    assert wrong == [
        "core/attention.py:5: attention_explainer.core.attention imports attention_explainer.config.models: "
        "core -> config is against the order",
        "core/attention.py:7: attention_explainer.core.attention imports attention_explainer.production.render: "
        "core -> production is against the order"]


def test_the_order_of_the_rooms() -> None:
    assert allowed("attention_explainer.config.models", "attention_explainer.core.spec")
    assert allowed("attention_explainer.cli.render", "attention_explainer.production.render")
    assert allowed("attention_explainer.system.doctor", "attention_explainer.narration.neural")
    assert not allowed("attention_explainer.system.doctor", "attention_explainer.production.render")
    assert allowed("attention_explainer.production.check", "attention_explainer.system.preflight")
    assert not allowed("attention_explainer.narration.script", "attention_explainer.system.preflight")
    assert allowed("attention_explainer.scenes.heatmap", "attention_explainer.production.records")
    assert allowed("attention_explainer.scenes.heatmap", "attention_explainer.production.scene_input")
    assert not allowed("attention_explainer.scenes.heatmap", "attention_explainer.production.check")
    assert not allowed("attention_explainer.scenes.heatmap", "attention_explainer.cli.render")
    assert not allowed("attention_explainer.production.render", "attention_explainer.scenes.base")
    assert not allowed("attention_explainer.errors", "attention_explainer.core.attention")


def test_a_circle_is_found_with_its_steps() -> None:
    steps = [Import("a.py", 3, "m.a", "m.b"), Import("b.py", 9, "m.b", "m.c"), Import("c.py", 1, "m.c", "m.a"),
             Import("c.py", 2, "m.c", "m.d")]
    assert circles(steps) == [["m.a", "m.b", "m.c"]]
    assert "b.py:9: m.b -> m.c" in describe(["m.a", "m.b", "m.c"], steps)
    assert circles(steps[:2] + steps[3:]) == []


def test_the_walk_covers_the_package_and_the_scenes() -> None:
    assert {"attention_explainer.core.attention", "attention_explainer.cli",
            "attention_explainer.scenes.base", "attention_explainer.scenes.components.heat"} <= set(MODULES)
    assert len(ALL_IMPORTS) > 300
