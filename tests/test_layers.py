"""The architecture, checked: no import cycles between modules, and imports that point one
way (DESIGN.md): `sim` <- `net`, `bots` <- `server`, `client`; only game.client imports
pygame; the simulation does no I/O.

Imports are read with `ast` (nothing is imported), anywhere in a file except under
`if TYPE_CHECKING:`.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("game", "server")


def _modules() -> dict[str, Path]:
    mods: dict[str, Path] = {}
    for pkg in PACKAGES:
        for f in (ROOT / pkg).rglob("*.py"):
            name = ".".join(f.relative_to(ROOT).with_suffix("").parts)
            mods[name.removesuffix(".__init__")] = f
    return mods


def _imported(tree: ast.AST, name: str, is_pkg: bool) -> set[str]:
    """Every dotted name a module imports at run time (TYPE_CHECKING blocks aside)."""
    out: set[str] = set()

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _type_checking(child):
                for e in child.orelse:
                    visit_one(e)
                continue
            visit_one(child)

    def visit_one(node: ast.AST) -> None:
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = name.split(".")
                if not is_pkg:
                    parts = parts[:-1]
                parts = parts[: len(parts) - (node.level - 1)]
                base = ".".join([*parts, base] if base else parts)
            out.add(base)
            out.update(f"{base}.{a.name}" for a in node.names)
        visit(node)

    visit(tree)
    return out


def _type_checking(node: ast.If) -> bool:
    t = node.test
    return (isinstance(t, ast.Name) and t.id == "TYPE_CHECKING") or (
        isinstance(t, ast.Attribute) and t.attr == "TYPE_CHECKING")


def _graph() -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """(module -> project modules it imports, module -> every name it imports)."""
    mods = _modules()
    inner: dict[str, set[str]] = {}
    raw: dict[str, set[str]] = {}
    for m, f in mods.items():
        names = _imported(ast.parse(f.read_text(encoding="utf-8")), m, f.name == "__init__.py")
        raw[m] = names
        deps = set()
        for n in names:
            while n and n not in mods:
                n = n.rpartition(".")[0]
            # a package's own __init__ re-exports do not count as a dependency of its parts
            if n and n != m and not m.startswith(n + "."):
                deps.add(n)
        inner[m] = deps
    return inner, raw


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on.add(root)
        while work:
            v, it = work[-1]
            w = next(it, None)
            if w is not None:
                if w not in index:
                    index[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on.add(w)
                    work.append((w, iter(sorted(graph[w]))))
                elif w in on:
                    low[v] = min(low[v], index[w])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                comp = []
                while True:
                    x = stack.pop()
                    on.discard(x)
                    comp.append(x)
                    if x == v:
                        break
                if len(comp) > 1:
                    found.append(sorted(comp))
    return found


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycles_between_modules() -> None:
    graph, _ = _graph()
    assert _cycles(graph) == []


FORBIDDEN = {
    "game.sim": ("pygame", "asyncio", "websockets", "msgpack", "game.net", "game.bots",
                 "game.client", "server", "socket", "threading", "time"),
    "game.net": ("pygame", "asyncio", "websockets", "socket", "game.bots", "game.client",
                 "server"),
    "game.bots": ("pygame", "asyncio", "websockets", "game.client", "server"),
    "server": ("pygame", "game.client"),
}


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_imports_point_one_way(layer: str) -> None:
    _, raw = _graph()
    wrong = []
    for m, names in raw.items():
        if m != layer and not m.startswith(layer + "."):
            continue
        for n in names:
            for bad in FORBIDDEN[layer]:
                if n == bad or n.startswith(bad + "."):
                    wrong.append(f"{m} imports {n}")
    assert wrong == []


def test_only_the_client_imports_pygame() -> None:
    _, raw = _graph()
    wrong = [m for m, names in raw.items()
             if any(n == "pygame" or n.startswith("pygame.") for n in names)
             and not m.startswith("game.client.") and m not in ("game.bench.client",)]
    assert wrong == []
