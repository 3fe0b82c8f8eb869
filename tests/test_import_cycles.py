"""No import circle between the package's modules, and no module too long to hold in mind.

The import graph is built from the source with ``ast``. Every ``import`` counts, at module
level and inside functions alike: a function-level import hides a circle from the
interpreter, not from a reader, and the circle still ties the two modules together. Imports
under ``if TYPE_CHECKING:`` do not count (they never run). Importing ``a.b.c`` also runs the
``__init__`` of ``a.b`` and ``a`` unless the importer is inside them, so those packages are
edges too. One exception: the root package ``jupyter_designer`` loads its public attributes
lazily, inside functions, from every part of the package; only its module-level imports
count, or every ``from jupyter_designer import __version__`` would close a circle.

A cycle fails the test, printed as ``a -> b -> a``. Cycles that another change is ending
are listed in :data:`KNOWN_CYCLES` until they are gone (a listed cycle that no longer exists
fails too, so the list only shrinks).

A module over :data:`MAX_LINES` lines needs a reason written in its docstring, on a line
starting "Longer than 700 lines because"; modules being split are listed in
:data:`AWAITING_SPLIT_OR_REASON` until they are split or say why.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[1] / "jupyter_designer"
MAX_LINES = 700
REASON = "Longer than 700 lines because"

#: import cycles other work is ending; empty this as they go (each entry: the modules of one
#: strongly connected group, sorted)
KNOWN_CYCLES: list[tuple[str, ...]] = []

#: modules over MAX_LINES waiting for a split or a written reason; empty this as they go
AWAITING_SPLIT_OR_REASON: set[str] = {
    "jupyter_designer.components.data_transformation.sampling",
    "jupyter_designer.components.ml",
    "jupyter_designer.components.ml_algorithms",
}


# -- the import graph ---------------------------------------------------------------------------
def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _type_checking_nodes(tree) -> set:
    """Import nodes under ``if TYPE_CHECKING:`` (or ``typing.TYPE_CHECKING``)."""
    skip = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If):
            test = node.test
            name = test.id if isinstance(test, ast.Name) else getattr(test, "attr", None)
            if name == "TYPE_CHECKING":
                for stmt in node.body:
                    skip.update(id(n) for n in ast.walk(stmt))
    return skip


def import_graph(root: Path) -> dict[str, set[str]]:
    """``{module: {modules it imports}}`` for the package at ``root`` (a folder); the root
    package's function-level imports are left out (see the module docstring)."""
    files = {module_name(p, root): p for p in sorted(root.rglob("*.py"))}
    known = set(files)
    graph: dict[str, set[str]] = {m: set() for m in files}

    def resolve(name: str) -> str | None:
        while name and name not in known:
            name = name.rpartition(".")[0]
        return name or None

    for mod, path in files.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        skip = _type_checking_nodes(tree)
        is_pkg = path.name == "__init__.py"
        targets = []
        nodes = ast.walk(tree) if mod != root.name else iter(tree.body)
        for node in nodes:
            if id(node) in skip:
                continue
            if isinstance(node, ast.Import):
                targets += [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = mod.split(".")
                    drop = node.level - 1 if is_pkg else node.level
                    base = base[:len(base) - drop] if drop else base
                    prefix = ".".join(base + ([node.module] if node.module else []))
                else:
                    prefix = node.module or ""
                for a in node.names:
                    sub = f"{prefix}.{a.name}"
                    targets.append(sub if sub in known else prefix)
        for t in targets:
            target = resolve(t)
            if target is None or target == mod:
                continue
            graph[mod].add(target)
            # the packages above the target run first, unless the importer is inside them
            parts = target.split(".")
            for i in range(1, len(parts)):
                pkg = ".".join(parts[:i])
                if pkg in known and not (mod == pkg or mod.startswith(pkg + ".")):
                    graph[mod].add(pkg)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle through each strongly connected group of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set = set()
    groups: list[set] = []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = set()
            while True:
                w = stack.pop()
                on.discard(w)
                group.add(w)
                if w == v:
                    break
            if len(group) > 1:
                groups.append(group)

    import sys
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 10_000))
    try:
        for v in sorted(graph):
            if v not in index:
                visit(v)
    finally:
        sys.setrecursionlimit(limit)
    return [_path_through(graph, g) for g in groups]


def _path_through(graph, group: set) -> list[str]:
    """A shortest cycle inside ``group``, starting at its first module by name."""
    start = min(group)
    prev = {start: None}
    queue = [start]
    while queue:
        cur = queue.pop(0)
        for nxt in sorted(graph[cur] & group):
            if nxt == start:
                path = [cur]
                while prev[path[-1]] is not None:
                    path.append(prev[path[-1]])
                return list(reversed(path)) + [start]
            if nxt not in prev:
                prev[nxt] = cur
                queue.append(nxt)
    return sorted(group)  # pragma: no cover - a strongly connected group always has one


def _key(cycle: list[str]) -> tuple[str, ...]:
    return tuple(sorted(set(cycle)))


# -- the checks ---------------------------------------------------------------------------------
def test_no_import_cycle_between_modules():
    found = cycles(import_graph(PKG))
    new = [c for c in found if not any(set(_key(c)) <= set(k) for k in KNOWN_CYCLES)]
    assert not new, "Import cycles (module -> module it imports):\n" + "\n".join(
        "  " + " -> ".join(c) for c in new)


def test_known_cycles_still_exist():
    found = [set(_key(c)) for c in cycles(import_graph(PKG))]
    gone = [k for k in KNOWN_CYCLES if not any(set(k) & f for f in found)]
    assert not gone, f"These cycles are gone; remove them from KNOWN_CYCLES: {gone}"


def _long_modules():
    out = {}
    for path in sorted(PKG.rglob("*.py")):
        n = len(path.read_text(encoding="utf-8").splitlines())
        if n > MAX_LINES:
            out[module_name(path, PKG)] = (path, n)
    return out


def test_no_module_over_the_limit_without_a_reason():
    missing = []
    for mod, (path, n) in _long_modules().items():
        doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
        if mod in AWAITING_SPLIT_OR_REASON:
            continue
        if not any(line.strip().startswith(REASON) for line in doc.splitlines()):
            missing.append(f"  {mod} ({n} lines)")
    assert not missing, (f"Modules over {MAX_LINES} lines without a reason: split them, or write "
                         f"a line starting {REASON!r} in the module docstring:\n" + "\n".join(missing))


def test_being_split_lists_only_long_modules():
    long = _long_modules()
    done = sorted(m for m in AWAITING_SPLIT_OR_REASON if m not in long)
    assert not done, f"These modules are short now; remove them from AWAITING_SPLIT_OR_REASON: {done}"


# -- the checker catches what it should ----------------------------------------------------------
def _package(tmp_path, files: dict) -> Path:
    root = tmp_path / "pkg"
    for name, text in {"__init__.py": "", **files}.items():
        p = root / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    return root


def test_a_planted_cycle_is_found_even_through_a_function_level_import(tmp_path):
    root = _package(tmp_path, {
        "a.py": "from . import b\n",
        "b.py": "def f():\n    from .c import thing\n    return thing\n",
        "c.py": "from pkg.a import x\n",
        "d.py": "import pkg.a\n",
    })
    found = cycles(import_graph(root))
    assert found == [["pkg.a", "pkg.b", "pkg.c", "pkg.a"]]


def test_type_checking_imports_and_one_way_imports_are_no_cycle(tmp_path):
    root = _package(tmp_path, {
        "a.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .b import B\n",
        "b.py": "from .a import x\nimport os\n",
    })
    assert cycles(import_graph(root)) == []


def test_the_root_packages_lazy_attributes_close_no_cycle(tmp_path):
    root = _package(tmp_path, {
        "__init__.py": "VERSION = 1\ndef __getattr__(name):\n    from .a import A\n    return A\n",
        "a.py": "from pkg import VERSION\n",
    })
    assert cycles(import_graph(root)) == []
    (root / "__init__.py").write_text("from .a import A\nVERSION = 1\n")
    assert cycles(import_graph(root)) == [["pkg", "pkg.a", "pkg"]]


def test_a_package_init_importing_its_importer_is_a_cycle(tmp_path):
    root = _package(tmp_path, {
        "sub/__init__.py": "from .inner import y\n",
        "sub/inner.py": "",
        "sub/other.py": "from ..top import z\n",
        "top.py": "from .sub.inner import y\n",
    })
    graph = import_graph(root)
    assert "pkg.sub" in graph["pkg.top"]          # importing sub.inner runs sub/__init__
    assert "pkg.sub" not in graph["pkg.sub.other"]  # already running: not an edge
    assert cycles(graph) == []
    (root / "sub" / "__init__.py").write_text("from .inner import y\nfrom . import other\n")
    assert cycles(import_graph(root)) == [["pkg.sub", "pkg.sub.other", "pkg.top", "pkg.sub"]]


@pytest.mark.parametrize("text, ok", [(f'"""Scores.\n\n{REASON} it is one table."""\n', True),
                                      ('"""Scores."""\n', False)])
def test_the_reason_is_read_from_the_docstring(text, ok):
    doc = ast.get_docstring(ast.parse(text + "x = 1\n" * 3))
    assert any(line.startswith(REASON) for line in doc.splitlines()) is ok
