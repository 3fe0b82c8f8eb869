"""Every designer route refuses a request without credentials: the REST API wants Jupyter's
token or cookie (403), the scoring routes an endpoint key (401)."""

import json
import re

from tornado.web import RequestHandler

from jupyter_designer.server.handlers import DesignerHandler
from jupyter_designer.server.scoring import ScoringHandler, UnknownRouteHandler

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
_SUBST = [
    (r"(?:/versions/(?P<version>[^/]+))?", "/versions/1"),
    (r"(?P<what>live|ready)", "live"),
    (r"(?P<what>ready|infer|config)", "infer"),
    (r"(?:ping|health)", "ping"),
    (r"(?:swagger|openapi)\.json", "swagger.json"),
]


def concrete(pattern: str) -> str:
    path = pattern.lstrip("^").rstrip("$")
    for regex, text in _SUBST:
        path = path.replace(regex, text)
    path = re.sub(r"\(\?P<\w+>\[\^/\]\+\)", "autos", path)
    path = path.replace("([^/]+)", "autos").replace("/?", "").replace(r"\.", ".")
    assert not re.search(r"[()\[\]?*+\\]", path), path
    assert re.fullmatch(pattern.rstrip("$"), path), (pattern, path)
    return path


def designer_rules(app):
    out = []
    for router in (app.wildcard_router, app.default_router):
        for rule in router.rules:
            target = rule.target
            if hasattr(target, "rules"):  # a nested router
                for r in target.rules:
                    out.append(r)
            else:
                out.append(rule)
    # the JSON 404 of unknown paths under designer/endpoints/ names no endpoint: no key asked
    return [r for r in out if isinstance(r.target, type) and r.target is not UnknownRouteHandler
            and issubclass(r.target, (DesignerHandler, ScoringHandler))]


def implemented(cls):
    return [m for m in METHODS if getattr(cls, m.lower()) is not getattr(RequestHandler, m.lower())]


async def test_every_designer_route_refuses_without_credentials(jp_serverapp, jp_fetch, run_id, state):
    # an endpoint that exists, so scoring routes get as far as checking the key
    state.host.install  # noqa: B018 - the extension is loaded
    info, compiled = state.realtime.deploy("autos", run_id=run_id)
    state.host.install("autos", info["version"], compiled)
    rules = designer_rules(jp_serverapp.web_app)
    assert len(rules) >= 30
    checked = []
    base = jp_serverapp.base_url
    for rule in rules:
        path = concrete(rule.matcher.regex.pattern)
        assert path.startswith(base)
        rel = path[len(base):]
        for method in implemented(rule.target):
            body = json.dumps({}) if method in ("POST", "PUT", "PATCH") else None
            r = await jp_fetch(rel, method=method, body=body, raise_error=False,
                               headers={"Authorization": ""})
            expected = 401 if issubclass(rule.target, ScoringHandler) else 403
            assert r.code == expected, (method, path, r.code, r.body[:200])
            checked.append((method, rel))
    assert len(checked) >= 40
    scoring = [c for c in checked if "/designer/endpoints/" in "/" + c[1]]
    assert len(scoring) >= 8


async def test_a_wrong_jupyter_token_is_refused(jp_fetch):
    r = await jp_fetch("designer", "api", "endpoints", raise_error=False,
                       headers={"Authorization": "token wrong"})
    assert r.code == 403
