"""Deployments of a real-time endpoint, their traffic split and mirror, and the routing table.

A real-time endpoint holds one or more *deployments* (say ``blue`` and ``green``), each a
version of its inference pipeline. Its record says how requests are shared between them::

    "deployments": {"blue": {"version": 1, ...}, "green": {"version": 2, ...}},
    "traffic": {"blue": 90, "green": 10},          # percent, adding up to 100
    "mirror": {"deployment": "green", "percent": 100} | null

A mirror (shadow) deployment scores a copy of the requests; its answers are recorded, never
returned. A record without ``deployments`` (an endpoint deployed before deployments existed,
or never split) has one deployment, :data:`DEFAULT`, at its current ``version``.

A serving process answers through a :class:`Routing`: an immutable table built once every
pipeline it names is compiled and swapped in whole, so a change of the split or a promotion
never fails a request, and a request in flight finishes on the deployment it started on.
Requests are shared by a weighted round robin over 100 slots (exactly the split, in every
window of 100 requests of a process), never by chance.
"""

from __future__ import annotations

import itertools
import re

from .errors import ServingError

DEFAULT = "default"
DEPLOYMENT_RE = re.compile(r"^[a-z][a-z0-9-]{0,30}$")


def check_deployment_name(name) -> str:
    if not isinstance(name, str) or not DEPLOYMENT_RE.match(name):
        raise ServingError(f"A deployment name must be 1 to 31 characters: lowercase letters, "
                           f"digits and hyphens, starting with a letter (e.g. 'blue'). Got "
                           f"{name!r} instead.")
    return name


def deployments(record: dict) -> dict[str, dict]:
    """``{name: {"version": N, ...}}`` of an endpoint record (old records: one, ``default``)."""
    deps = record.get("deployments")
    if deps:
        return deps
    return {DEFAULT: {"version": record["version"]}}


def traffic(record: dict) -> dict[str, int]:
    """``{deployment: percent}``; deployments left out get none."""
    if not record.get("deployments"):
        return {DEFAULT: 100}
    return {k: int(v) for k, v in (record.get("traffic") or {}).items()}


def mirror(record: dict) -> dict | None:
    """``{"deployment": name, "percent": p}`` or None."""
    m = record.get("mirror")
    return dict(m) if m else None


def live_deployment(record: dict) -> str:
    """The deployment taking the largest share (the first by name on a tie)."""
    split = {k: v for k, v in traffic(record).items() if k in deployments(record)}
    if not split:   # a foreign edit left no share
        return sorted(deployments(record))[0]
    return max(sorted(split), key=lambda k: split[k])


def check_split(split, names) -> dict[str, int]:
    """A traffic split ``{deployment: percent}``: whole percents of known deployments that
    add up to 100."""
    if not isinstance(split, dict) or not split:
        raise ServingError('A traffic split must be an object of percents, e.g. {"blue": 90, '
                           f'"green": 10}}. Got {split!r} instead.')
    out = {}
    for name, pct in split.items():
        if name not in names:
            raise ServingError(f"There is no deployment {name!r} to send traffic to. "
                               f"Deployments: {', '.join(sorted(names))}.")
        if isinstance(pct, bool) or not isinstance(pct, (int, float)) or pct != int(pct) \
                or not 0 <= pct <= 100:
            raise ServingError(f"The share of deployment {name!r} must be a whole percent from "
                               f"0 to 100. Got {pct!r} instead.")
        out[name] = int(pct)
    total = sum(out.values())
    if total != 100:
        raise ServingError(f"The traffic split must add up to 100 percent; "
                           f"{' + '.join(str(v) for v in out.values())} = {total}.")
    return {k: v for k, v in out.items() if v}


def parse_split(text: str) -> dict[str, int]:
    """``"blue=90,green=10"`` (the command line's form) as a split."""
    out = {}
    for part in str(text).split(","):
        name, eq, pct = part.strip().partition("=")
        if not eq:
            raise ServingError(f"Give the split as deployment=percent pairs, e.g. "
                               f"'blue=90,green=10'. Got {text!r} instead.")
        try:
            out[name.strip()] = int(pct)
        except ValueError:
            raise ServingError(f"{pct.strip()!r} (deployment {name.strip()!r}) is not a whole "
                               "percent.") from None
    return out


class Plan:
    """What a record asks a serving process for: ``entries`` ``((deployment, version,
    percent), ...)``, ``mirror`` ``(deployment, version, percent)`` or None."""

    __slots__ = ("entries", "mirror", "versions")

    def __init__(self, record: dict):
        deps = deployments(record)
        split = traffic(record)
        self.entries = tuple((name, int(deps[name]["version"]), pct)
                             for name, pct in sorted(split.items()) if pct > 0 and name in deps)
        if not self.entries:   # a foreign edit left no share: the record's version answers
            name = next((k for k, d in sorted(deps.items())
                         if int(d["version"]) == int(record["version"])), DEFAULT)
            self.entries = ((name, int(record["version"]), 100),)
        m = mirror(record)
        self.mirror = None
        if m and m.get("deployment") in deps and int(m.get("percent", 100)) > 0:
            self.mirror = (m["deployment"], int(deps[m["deployment"]]["version"]),
                           int(m.get("percent", 100)))
        self.versions = {v for _, v, _ in self.entries}
        if self.mirror:
            self.versions.add(self.mirror[1])

    def __eq__(self, other):
        return isinstance(other, Plan) and (self.entries, self.mirror) == (other.entries, other.mirror)

    def __hash__(self):  # pragma: no cover - not used as a key
        return hash((self.entries, self.mirror))


def _slots(entries) -> list[int]:
    """100 slots of entry indexes, spread by smooth weighted round robin (90/10: a 1 in every
    10 slots rather than ten in a row)."""
    weights = [pct for _, _, pct in entries]
    total = sum(weights)
    current = [0] * len(weights)
    out = []
    for _ in range(100):
        for i, w in enumerate(weights):
            current[i] += w
        best = max(range(len(weights)), key=lambda i: current[i])
        current[best] -= total
        out.append(best)
    return out


class Routing:
    """An immutable routing table: which deployment (and compiled pipeline) answers the
    next request, and whether the mirror gets a copy of it."""

    __slots__ = ("plan", "routes", "slots", "primary", "primary_version", "primary_name",
                 "mirror", "_next", "_next_mirror", "_single")

    def __init__(self, plan: Plan, pipelines: dict):
        self.plan = plan
        #: ((deployment, version, compiled), ...)
        self.routes = tuple((name, v, pipelines[v]) for name, v, _ in plan.entries)
        self.slots = tuple(self.routes[i] for i in _slots(plan.entries))
        best = max(range(len(plan.entries)), key=lambda i: plan.entries[i][2])
        self.primary_name, self.primary_version, self.primary = self.routes[best]
        self.mirror = None
        if plan.mirror:
            name, v, pct = plan.mirror
            self.mirror = (name, v, pipelines[v], pct)
        self._single = self.routes[0] if len(self.routes) == 1 else None
        self._next = itertools.count().__next__       # atomic under the GIL
        self._next_mirror = itertools.count().__next__

    def pick(self):
        """``(deployment, version, compiled)`` for the next request."""
        single = self._single
        if single is not None:
            return single
        return self.slots[self._next() % 100]

    def mirror_pick(self):
        """``(deployment, version, compiled)`` of the mirror for this request, or None."""
        m = self.mirror
        if m is None or (m[3] < 100 and self._next_mirror() % 100 >= m[3]):
            return None
        return m[:3]


# -- changing a record (under the records' lock; see RealtimeEndpoints) ----------------------------
def materialize(record: dict, now: float) -> dict:
    """Give an old-style record its explicit deployments (one, :data:`DEFAULT`)."""
    if not record.get("deployments"):
        record["deployments"] = {DEFAULT: {"version": int(record["version"]), "created": now}}
        record["traffic"] = {DEFAULT: 100}
        record.setdefault("mirror", None)
    return record


def _settle(record: dict) -> dict:
    """Keep ``version`` (what older readers serve) at the live deployment's version."""
    record["version"] = int(record["deployments"][live_deployment(record)]["version"])
    return record


def _known(record: dict, deployment: str) -> dict:
    deps = deployments(record)
    if deployment not in deps:
        raise ServingError(f"Endpoint {record['name']!r} has no deployment {deployment!r}. "
                           f"Deployments: {', '.join(sorted(deps))}.")
    return deps[deployment]


def _versions(record: dict) -> set[int]:
    return {int(v["version"]) for v in record.get("versions", [])}


def put_deployment(record: dict, deployment: str, version: int, now: float,
                   description: str | None = None) -> dict:
    """Point ``deployment`` at ``version`` (a new deployment starts with no traffic, unless
    it is the endpoint's first)."""
    check_deployment_name(deployment)
    if int(version) not in _versions(record):
        raise ServingError(f"Endpoint {record['name']!r} has no version {version}. Versions: "
                           f"{', '.join(str(v) for v in sorted(_versions(record)))}.")
    materialize(record, now)
    entry = record["deployments"].get(deployment) or {"created": now}
    entry = {**entry, "version": int(version), "updated": now}
    if description is not None:
        entry["description"] = description
    record["deployments"][deployment] = entry
    return _settle(record)


def set_split(record: dict, split, now: float) -> dict:
    materialize(record, now)
    record["traffic"] = check_split(split, record["deployments"])
    return _settle(record)


def promote(record: dict, deployment: str, now: float) -> dict:
    """All traffic to ``deployment``; it stops being the mirror if it was."""
    _known(record, deployment)
    materialize(record, now)
    record["traffic"] = {deployment: 100}
    if (record.get("mirror") or {}).get("deployment") == deployment:
        record["mirror"] = None
    return _settle(record)


def set_mirror(record: dict, deployment: str | None, percent, now: float) -> dict:
    """Mirror ``percent`` of the requests to ``deployment`` (None: no mirror)."""
    if deployment is None:
        record["mirror"] = None
        return record
    _known(record, deployment)
    materialize(record, now)
    if isinstance(percent, bool) or not isinstance(percent, int) or not 1 <= percent <= 100:
        raise ServingError(f"The mirrored share must be a whole percent from 1 to 100. Got "
                           f"{percent!r} instead.")
    if record["traffic"].get(deployment):
        raise ServingError(f"Deployment {deployment!r} answers {record['traffic'][deployment]}% "
                           "of the requests: a mirror takes none. Set its share to 0 first.")
    record["mirror"] = {"deployment": deployment, "percent": percent}
    return record


def remove(record: dict, deployment: str, now: float) -> dict:
    _known(record, deployment)
    materialize(record, now)
    if record["traffic"].get(deployment):
        raise ServingError(f"Deployment {deployment!r} answers {record['traffic'][deployment]}% "
                           "of the requests; move its traffic to another deployment (split or "
                           "promote) before removing it.")
    del record["deployments"][deployment]
    if (record.get("mirror") or {}).get("deployment") == deployment:
        record["mirror"] = None
    return _settle(record)


def describe(record: dict) -> list[dict]:
    """The deployments of a record for a user: name, version, percent, mirror."""
    split, m = traffic(record), mirror(record) or {}
    return [{"name": name, "version": int(d["version"]), "percent": split.get(name, 0),
             "mirror": m.get("deployment") == name,
             "mirror_percent": m.get("percent", 0) if m.get("deployment") == name else 0,
             "description": d.get("description", "")}
            for name, d in sorted(deployments(record).items())]
