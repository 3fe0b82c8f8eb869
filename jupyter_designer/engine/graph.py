"""Walking a pipeline's graph: the one implementation of ancestors, descendants and layers.

:class:`~jupyter_designer.engine.pipeline.Pipeline` offers these as methods
(``ancestors``, ``descendants``, ``layers``, ``inputs_of``); the inference derivation, which
rewrites pipeline documents, walks its edge lists with the same functions. An edge is any
pair ``(source node id, target node id)``.
"""

from __future__ import annotations

import graphlib
from typing import Iterable


def _neighbours(edges: Iterable[tuple[str, str]], *, upstream: bool) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for source, target in edges:
        if upstream:
            out.setdefault(target, []).append(source)
        else:
            out.setdefault(source, []).append(target)
    return out


def _walk(neighbours: dict[str, list[str]], starts: Iterable[str], stop: Iterable[str]) -> set:
    stop = set(stop)
    seen: set = set()
    stack = list(starts)
    while stack:
        cur = stack.pop()
        if cur in stop:
            continue
        for nxt in neighbours.get(cur, ()):
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return seen


def ancestors(edges: Iterable[tuple[str, str]], targets: Iterable[str], *,
              stop: Iterable[str] = ()) -> set:
    """Every node with a path to one of ``targets`` (not walking past nodes in ``stop``,
    which are included themselves when reached). ``targets`` are not included unless one
    feeds another."""
    return _walk(_neighbours(edges, upstream=True), targets, stop)


def descendants(edges: Iterable[tuple[str, str]], sources: Iterable[str], *,
                stop: Iterable[str] = ()) -> set:
    """Every node reached from one of ``sources`` (the mirror of :func:`ancestors`)."""
    return _walk(_neighbours(edges, upstream=False), sources, stop)


def layers(nodes: Iterable[str], edges: Iterable[tuple[str, str]]) -> list[list[str]]:
    """The nodes in topological layers: each layer's nodes depend only on earlier layers.
    Raises :class:`graphlib.CycleError` on a cycle."""
    ts = graphlib.TopologicalSorter({nid: set() for nid in nodes})
    for source, target in edges:
        ts.add(target, source)
    ts.prepare()
    out = []
    while ts.is_active():
        ready = list(ts.get_ready())
        out.append(ready)
        ts.done(*ready)
    return out
