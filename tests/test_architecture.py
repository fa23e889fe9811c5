"""The layout the README's "Code map" describes, kept by reading every module's imports (AST, no import executed).

- No two apps import each other, directly or round a longer circle, at module level or inside a function.
- A cross-app import inside a function is the exception: fewer than 40 in all, each with a comment saying why.

The project package `hibachi` counts as two nodes: its wiring (URLs, ASGI, routing, the Celery app, the launcher, chaos),
which sits above every app (the package's `__init__` loads the Celery app), and its foundation (settings, the backend loader, retries, embedded services), which sits
below every app and imports none.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = ("agents", "bookings", "conversations", "knowledge", "learning", "messaging", "monitoring", "nlu", "staff")
HIBACHI_WIRING = {"__init__", "urls", "asgi", "routing", "celery", "launcher", "bench_asgi", "bench_all", "chaos",
                  "wsgi"}
MAX_INNER_IMPORTS = 40


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    path: str
    line: int
    inner: bool
    commented: bool


def _node(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] in APPS:
        return parts[0]
    if parts[0] == "hibachi":
        return "hibachi.wiring" if len(parts) > 1 and parts[1] in HIBACHI_WIRING else "hibachi.foundation"
    return None


def _module_of(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts)


def _skipped(path: Path) -> bool:
    parts = path.relative_to(ROOT).parts
    return "tests" in parts or "migrations" in parts


def _imports(path: Path):
    source = path.read_text()
    lines = source.splitlines()
    tree = ast.parse(source)
    inside = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            inside.update(id(sub) for sub in ast.walk(node) if isinstance(sub, (ast.Import, ast.ImportFrom)))
    package = _module_of(path).rsplit(".", 1)[0] if path.name != "__init__.py" else _module_of(path.parent)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            names = [f"{module}.{alias.name}" for alias in node.names]
        else:
            continue
        above = lines[node.lineno - 2] if node.lineno >= 2 else ""
        commented = "#" in lines[node.lineno - 1] or above.strip().startswith("#")
        for name in names:
            yield name, node.lineno, id(node) in inside, commented


def import_edges() -> list[Edge]:
    edges = []
    for top in (*APPS, "hibachi"):
        for path in sorted((ROOT / top).rglob("*.py")):
            if _skipped(path):
                continue
            source = _node(_module_of(path))
            for name, line, inner, commented in _imports(path):
                target = _node(name)
                if target and target != source:
                    edges.append(Edge(source, target, str(path.relative_to(ROOT)), line, inner, commented))
    return edges


def _cycles(edges: list[Edge]) -> list[list[str]]:
    graph = defaultdict(set)
    for edge in edges:
        graph[edge.source].add(edge.target)
    found, state = [], {}

    def visit(node, trail):
        state[node] = "open"
        for target in sorted(graph[node]):
            if state.get(target) == "open":
                found.append(trail[trail.index(target):] + [target])
            elif target not in state:
                visit(target, trail + [target])
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    return found


def _where(edges: list[Edge], cycle: list[str]) -> str:
    hops = []
    for source, target in zip(cycle, cycle[1:]):
        first = next(e for e in edges if e.source == source and e.target == target)
        hops.append(f"{source} -> {target} ({first.path}:{first.line})")
    return "; ".join(hops)


def test_no_import_cycle_between_apps():
    edges = import_edges()
    cycles = _cycles(edges)
    assert not cycles, "import cycles between apps: " + " | ".join(_where(edges, cycle) for cycle in cycles)


def test_the_foundation_imports_no_app():
    upward = [e for e in import_edges() if e.source == "hibachi.foundation"]
    assert not upward, [f"{e.path}:{e.line} imports {e.target}" for e in upward]


def test_few_cross_app_imports_inside_functions_and_each_says_why():
    inner = {(e.path, e.line): e for e in import_edges() if e.inner}   # one per import statement
    assert len(inner) < MAX_INNER_IMPORTS, f"{len(inner)} cross-app imports inside functions: {sorted(inner)}"
    silent = [f"{e.path}:{e.line}" for e in inner.values() if not e.commented]
    assert not silent, f"cross-app imports inside functions without a comment saying why: {silent}"


def test_the_checker_sees_a_cycle_when_there_is_one():
    edges = [Edge("a", "b", "a.py", 1, False, False), Edge("b", "c", "b.py", 1, True, True),
             Edge("c", "a", "c.py", 1, False, False)]
    assert _cycles(edges) == [["a", "b", "c", "a"]]
