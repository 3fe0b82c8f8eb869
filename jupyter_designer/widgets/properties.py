"""The properties panel: controls generated from a component's parameter declarations.

The panel only translates: every change goes to the draft (``pipeline.set_param``, ...),
which validates it; a refused value shows the engine's message under the control. A column
parameter gets the column-rules editor of :mod:`~jupyter_designer.widgets.column_rules`.
"""

from __future__ import annotations

import json

import ipywidgets as W

from .charts import esc, table
from .column_rules import (PREVIEW_NAMES, RULE_BY, ColumnPicker, RuleValues, _html, schema_unknown_reason,
                           selection_preview)

DEFAULT_COMPUTE = ""  # the Dropdown value meaning "use the pipeline's default"


def _binding_name(value):
    from jupyter_designer.engine.params import PIPELINE_PARAMETER, is_binding
    return value[PIPELINE_PARAMETER] if is_binding(value) else None


# -- the panel ------------------------------------------------------------------------------
class PropertiesPanel(W.VBox):
    """Shows and edits the selected node, or the pipeline's settings when none is selected."""

    def __init__(self, designer):
        super().__init__(layout=W.Layout(width="330px", min_width="260px", overflow="auto",
                                         max_height="640px", padding="0 0 0 6px"))
        self.add_class("jd-properties")
        self.designer = designer
        self.node_id: str | None = None
        self.controls: dict[str, W.Widget] = {}
        self.errors: dict[str, W.HTML] = {}
        self._signature = None
        self._syncing = False
        self.show(None)

    @property
    def pipeline(self):
        return self.designer.pipeline

    @property
    def readonly(self) -> bool:
        return bool(self.designer.readonly)

    # -- entry points ---------------------------------------------------------------------
    def show(self, node_id: str | None) -> None:
        self.node_id = node_id if node_id in self.pipeline.nodes else None
        self._signature = None
        self.refresh()

    def refresh(self) -> None:
        """Re-read the node; rebuild the controls only if their set changed."""
        p = self.pipeline
        if self.node_id is not None and self.node_id not in p.nodes:
            self.node_id = None
            self._signature = None
        if self.node_id is None:
            self._build_pipeline_settings()
            self._signature = None
            return
        node = p.nodes[self.node_id]
        sig = self._make_signature(node)
        if sig != self._signature:
            self._signature = sig
            self._build(node)
        else:
            self._sync(node)

    # -- signature: what, if changed, needs new controls -----------------------------------------
    def _values(self, node) -> dict:
        spec = node.spec
        return {q.key: node.params.get(q.key, q.default) for q in spec.params}

    def _visible(self, node) -> list:
        spec = node.spec
        values = self._values(node)
        return [q for q in spec.params if q.is_visible(values)]

    def _column_schema(self, node, param):
        port = getattr(param, "port", None) or (node.inputs[0].key if node.inputs else None)
        if port is None:
            return None
        try:
            return self.pipeline.input_schema(node.id, port)
        except Exception:
            return None

    def _make_signature(self, node):
        if node.kind != "component":
            return ("data", node.id, json.dumps(node.data, sort_keys=True, default=str), self.readonly)
        try:
            vis = self._visible(node)
        except Exception:
            return ("broken", node.id)
        parts = []
        for q in vis:
            v = node.params.get(q.key, q.default)
            extra = None
            if q.kind == "columns":
                sch = self._column_schema(node, q)
                if sch is not None:
                    extra = tuple(sch.names)
                else:  # the hint says why the columns are unknown: rebuild when that changes
                    try:
                        extra = ("unknown", schema_unknown_reason(self.pipeline, node.id,
                                                                  getattr(q, "port", None)))
                    except Exception:
                        extra = None
            if q.kind in ("int", "float"):
                extra = v is None
            parts.append((q.key, _binding_name(v), extra))
        return ("component", node.id, tuple(parts), self.readonly)

    # -- building ---------------------------------------------------------------------------
    def _header(self, node) -> W.HTML:
        if node.kind == "component":
            spec = node.spec
            where = " \u00b7 ".join(x for x in (spec.category, spec.subcategory) if x)
            desc = (spec.description or "").strip().split("\n\n")[0]
            return _html(f'<div class="jd-props-title"><b>{esc(node.title)}</b> '
                         f'<small>[{esc(node.id)}]</small><br><small>{esc(where)}</small>'
                         f'<div class="jd-param-hint">{esc(desc)}</div></div>')
        return _html(f'<div class="jd-props-title"><b>{esc(node.title)}</b> '
                     f'<small>[{esc(node.id)}]</small></div>')

    def _build(self, node) -> None:
        self.controls, self.errors = {}, {}
        kids: list[W.Widget] = [self._header(node)]
        if node.kind == "component":
            try:
                visible = self._visible(node)
            except Exception as exc:  # the component is not registered any more
                self.children = kids + [_html(f'<span class="jd-param-error">{esc(exc)}</span>')]
                return
            if visible:
                kids.append(_html("<b>Parameters</b>", "jd-props-section"))
            for q in visible:
                kids.append(self._param_row(node, q))
            kids.append(_html("<b>Node</b>", "jd-props-section"))
            kids.extend(self._node_settings(node))
        else:
            kids.extend(self._data_info(node))
            kids.extend(self._node_settings(node, data=True))
        self.children = kids

    def _param_row(self, node, q) -> W.Widget:
        value = node.params.get(q.key, q.default)
        bound = _binding_name(value)
        label = _html(f'<span class="jd-param-label" title="{esc(q.description)}">{esc(q.label)}'
                      f'{" *" if q.required else ""}</span>')
        err = _html("", "jd-param-error")
        self.errors[q.key] = err
        hint_text = q.expectation()
        if bound:
            control = W.Text(value=f"pipeline parameter: {bound}", disabled=True, layout=W.Layout(width="95%"))
        else:
            control = self._control(node, q, value)
        control.add_class("jd-param-control")
        control.add_class(f"jd-param-{q.key}")
        self.controls[q.key] = control
        link = W.ToggleButton(value=bool(bound), icon="link", tooltip=(
            f"Bound to pipeline parameter {bound!r}: click to unbind" if bound else
            "Set as pipeline parameter"), layout=W.Layout(width="32px", height="26px"),
            disabled=self.readonly or q.kind == "columns")
        link.add_class("jd-param-bind")
        link.observe(lambda ch, q=q: self._toggle_binding(q, ch["new"]), "value")
        hint = _html(esc(q.description or hint_text) if q.kind not in ("bool",) else "", "jd-param-hint")
        row = W.VBox([W.HBox([label, link], layout=W.Layout(justify_content="space-between", width="95%")),
                      control, hint, err], layout=W.Layout(margin="0 0 6px 0"))
        row.add_class("jd-param")
        row.add_class(f"jd-param-row-{q.key}")
        return row

    def _control(self, node, q, value) -> W.Widget:
        ro = self.readonly
        full = W.Layout(width="95%")
        kind = q.kind
        if kind == "columns":
            schema = self._column_schema(node, q)
            reason = None
            if schema is None:
                try:
                    reason = schema_unknown_reason(self.pipeline, node.id, getattr(q, "port", None))
                except Exception:
                    reason = None
            return ColumnPicker(q, value, schema, lambda v, q=q: self.set_param(q.key, v),
                                disabled=ro, unknown_reason=reason)
        if kind == "bool":
            c = W.Checkbox(value=bool(value), description=q.label, indent=False, disabled=ro)
        elif kind == "enum":
            opts = [(str(ch), ch) for ch in q.choices]
            if value not in q.choices:
                opts = [("(choose)", None)] + opts if value is None else opts + [(str(value), value)]
            c = W.Dropdown(options=opts, value=value, disabled=ro, layout=full)
        elif kind in ("int", "float") and value is not None and not isinstance(value, bool):
            cls = W.IntText if kind == "int" else W.FloatText
            try:
                c = cls(value=value, disabled=ro, layout=full, continuous_update=False)
            except Exception:
                c = W.Text(value=str(value), disabled=ro, layout=full, continuous_update=False)
        elif kind == "script":
            c = W.Textarea(value=value or "", disabled=ro, continuous_update=False,
                           layout=W.Layout(width="98%", height="180px"))
            c.add_class("jd-code")
        elif kind == "string" and getattr(q, "multiline", False):
            c = W.Textarea(value="" if value is None else str(value), disabled=ro,
                           continuous_update=False, layout=W.Layout(width="98%", height="100px"))
        elif kind == "list":
            text = ", ".join(str(v) for v in value) if isinstance(value, (list, tuple)) else \
                ("" if value is None else str(value))
            c = W.Text(value=text, disabled=ro, continuous_update=False, layout=full,
                       placeholder="values, comma separated")
        elif kind in ("int", "float"):
            c = W.Text(value="", placeholder="(not set)", disabled=ro, continuous_update=False, layout=full)
        elif kind == "string":
            c = W.Text(value="" if value is None else str(value), disabled=ro,
                       continuous_update=False, layout=full)
        else:
            c = W.Text(value="" if value is None else json.dumps(value, default=str), disabled=ro,
                       continuous_update=False, layout=full)
            c._jd_json = True

        def changed(ch, q=q, c=c):
            if self._syncing:
                return
            v = ch["new"]
            if q.kind in ("int", "float", "list") and isinstance(v, str):
                v = v.strip() or None
            if getattr(c, "_jd_json", False) and isinstance(v, str) and v.strip():
                try:
                    v = json.loads(v)
                except ValueError:
                    pass
            if q.kind == "string" and v == "" and not q.required:
                v = None if q.default is None else v
            self.set_param(q.key, v)
        c.observe(changed, "value")
        return c

    def _node_settings(self, node, data: bool = False) -> list:
        ro = self.readonly
        kids = []
        comment = W.Textarea(value=node.comment or "", placeholder="Comment shown on the node",
                             continuous_update=False, disabled=ro,
                             layout=W.Layout(width="98%", height="48px"))
        comment.add_class("jd-node-comment")
        comment.observe(lambda ch: None if self._syncing else self._edit(
            lambda: self.pipeline.set_comment(self.node_id, ch["new"])), "value")
        self.controls["$comment"] = comment
        kids += [_html("Comment"), comment]
        if not data:
            opts = [("Use pipeline default", DEFAULT_COMPUTE)] + [(n, n) for n in self.designer.compute_targets()]
            cur = node.compute or DEFAULT_COMPUTE
            if cur not in [o[1] for o in opts]:
                opts.append((cur, cur))
            compute = W.Dropdown(options=opts, value=cur, description="Compute", disabled=ro,
                                 layout=W.Layout(width="95%"))
            compute.add_class("jd-node-compute")
            compute.observe(lambda ch: None if self._syncing else self._edit(
                lambda: self.pipeline.set_compute(self.node_id, ch["new"] or None)), "value")
            regen = W.Checkbox(value=bool(node.regenerate), description="Regenerate output",
                               indent=False, disabled=ro)
            regen.add_class("jd-node-regenerate")
            regen.observe(lambda ch: None if self._syncing else self._edit(
                lambda: self.pipeline.set_regenerate(self.node_id, ch["new"])), "value")
            self.controls["$compute"] = compute
            self.controls["$regenerate"] = regen
            kids += [compute, regen]
        self.node_error = _html("", "jd-param-error")
        kids.append(self.node_error)
        return kids

    def _data_info(self, node) -> list:
        data = node.data or {}
        rows = [["Name", data.get("name", "")], ["Type", data.get("type", "dataset")]]
        if data.get("version") is not None:
            rows.append(["Version", data["version"]])
        else:
            rows.append(["Version", "latest"])
        if data.get("parameter"):
            rows.append(["Pipeline parameter", data["parameter"]])
        kids = [_html(table(rows, cls="jd-table jd-data-info", first_col_header=True))]
        info = None
        ws = self.designer._workspace
        if ws is not None and data.get("type", "dataset") == "dataset":
            try:
                info = ws.dataset_info(data["name"], data.get("version"))
            except Exception:
                info = None
        if info is not None:
            kids.append(_html(f"{info.rows:,} rows \u00d7 {info.columns} columns"))
            kids.append(_html('<details><summary>Columns</summary>' + table(
                [[c["name"], c.get("kind", ""), c.get("role") or ""] for c in info.schema],
                ["Column", "Kind", "Role"], cls="jd-table") + "</details>"))
        if data.get("type", "dataset") == "dataset" and not self.readonly:
            name = W.Text(value=data.get("parameter") or "", placeholder="parameter name",
                          layout=W.Layout(width="150px"), continuous_update=False)
            btn = W.Button(description="Set as pipeline parameter", layout=W.Layout(width="auto"))
            btn.add_class("jd-data-bind")

            def bind(_b):
                n = name.value.strip() or _unique_param_name(self.pipeline, "dataset")
                self._edit(lambda: self.pipeline.bind_parameter(self.node_id, None, n))
            btn.on_click(bind)
            kids.append(W.HBox([name, btn]))
        return kids

    # -- pipeline settings (nothing selected) -----------------------------------------------------
    def _build_pipeline_settings(self) -> None:
        p = self.pipeline
        ro = self.readonly
        self.controls, self.errors = {}, {}
        name = W.Text(value=p.name, description="Name", disabled=ro, continuous_update=False,
                      layout=W.Layout(width="95%"))
        name.add_class("jd-pipeline-name")

        def rename(ch):
            if not self._syncing:
                p.name = ch["new"] or p.name
        name.observe(rename, "value")
        opts = [(n, n) for n in self.designer.compute_targets()]
        if p.default_compute not in [o[1] for o in opts]:
            opts.append((p.default_compute, p.default_compute))
        compute = W.Dropdown(options=opts, value=p.default_compute, description="Compute",
                             disabled=ro, layout=W.Layout(width="95%"))

        def set_compute(ch):
            if not self._syncing:
                p.default_compute = ch["new"]
        compute.observe(set_compute, "value")
        kids = [_html("<b>Pipeline settings</b>", "jd-props-title"), name, compute,
                _html("<b>Pipeline parameters</b>", "jd-props-section")]
        if not p.parameters:
            kids.append(_html('<span class="jd-param-hint">None. Use the link button next to a '
                              'parameter of a node to make it a pipeline parameter.</span>'))
        for pp in p.parameters.values():
            default = W.Text(value="" if pp.default is None else str(pp.default),
                             description=pp.name, disabled=ro, continuous_update=False,
                             layout=W.Layout(width="70%"))
            default.add_class("jd-pipeline-param")
            err = _html("", "jd-param-error")
            rm = W.Button(icon="trash", tooltip=f"Remove {pp.name}", disabled=ro,
                          layout=W.Layout(width="34px"))

            def set_default(ch, pp=pp, err=err):
                try:
                    pp.default = pp.coerce(ch["new"]) if ch["new"] != "" else None
                    err.value = ""
                    self.designer._on_parameters_changed()
                except Exception as exc:
                    err.value = esc(exc)
            default.observe(set_default, "value")
            rm.on_click(lambda _b, n=pp.name: self._edit(lambda: p.remove_parameter(n)))
            kids += [W.HBox([default, _html(f"<small>{esc(pp.type)}</small>"), rm]), err]
        self.node_error = _html("", "jd-param-error")
        kids.append(self.node_error)
        self.children = kids

    # -- syncing values after outside edits ---------------------------------------------------------
    def _sync(self, node) -> None:
        self._syncing = True
        try:
            if node.kind == "component":
                for q in self._visible(node):
                    c = self.controls.get(q.key)
                    v = node.params.get(q.key, q.default)
                    if c is None or _binding_name(v):
                        continue
                    if isinstance(c, ColumnPicker):
                        if c.value != v:
                            c.value = v
                            c._syncing = True
                            try:
                                c._render_single() if q.single else c._render()
                            finally:
                                c._syncing = False
                        continue
                    shown = self._shown_value(q, v, c)
                    if c.value != shown:
                        try:
                            c.value = shown
                        except Exception:
                            pass
                    self.errors.get(q.key, W.HTML()).value = ""
                if "$compute" in self.controls:
                    self.controls["$compute"].value = node.compute or DEFAULT_COMPUTE \
                        if (node.compute or DEFAULT_COMPUTE) in [o[1] for o in self.controls["$compute"].options] \
                        else self.controls["$compute"].value
                    self.controls["$regenerate"].value = bool(node.regenerate)
            if "$comment" in self.controls:
                self.controls["$comment"].value = node.comment or ""
        finally:
            self._syncing = False

    @staticmethod
    def _shown_value(q, v, c):
        if isinstance(c, W.Checkbox):
            return bool(v)
        if isinstance(c, (W.IntText, W.FloatText, W.Dropdown)):
            return v
        if q.kind == "list" and isinstance(v, (list, tuple)):
            return ", ".join(str(x) for x in v)
        if getattr(c, "_jd_json", False):
            return "" if v is None else json.dumps(v, default=str)
        return "" if v is None else str(v)

    # -- edits ----------------------------------------------------------------------------------
    def set_param(self, key: str, value) -> bool:
        """Set a parameter of the shown node; a refused value shows the engine's message."""
        from jupyter_designer.engine.errors import DesignerError

        err = self.errors.get(key)
        try:
            self.pipeline.set_param(self.node_id, key, value)
        except DesignerError as exc:
            if err is not None:
                err.value = esc(str(exc))
            return False
        if err is not None:
            err.value = ""
        return True

    def _edit(self, fn) -> None:
        from jupyter_designer.engine.errors import DesignerError

        try:
            fn()
            if getattr(self, "node_error", None) is not None:
                self.node_error.value = ""
        except DesignerError as exc:
            if getattr(self, "node_error", None) is not None:
                self.node_error.value = esc(str(exc))

    def _toggle_binding(self, q, on: bool) -> None:
        if self._syncing or self.node_id is None:
            return
        node = self.pipeline.nodes[self.node_id]
        cur = node.params.get(q.key, q.default)
        if on and not _binding_name(cur):
            name = _unique_param_name(self.pipeline, q.key)
            self._edit(lambda: self.pipeline.bind_parameter(self.node_id, q.key, name))
        elif not on and _binding_name(cur):
            pp = self.pipeline.parameters.get(_binding_name(cur))
            value = pp.default if pp is not None else q.default
            try:
                value = q.validate(value, node.title) if value is not None else None
            except Exception:
                value = None
            self._edit(lambda: self.pipeline.set_param(self.node_id, q.key, value))


def _unique_param_name(pipeline, base: str) -> str:
    import re
    base = re.sub(r"[^A-Za-z0-9_]+", "_", base).strip("_") or "parameter"
    if not re.match(r"[A-Za-z_]", base):
        base = "p_" + base
    name, i = base, 2
    while name in pipeline.parameters:
        name = f"{base}_{i}"
        i += 1
    return name


__all__ = ["PropertiesPanel", "DEFAULT_COMPUTE", "ColumnPicker", "RuleValues", "schema_unknown_reason",
           "selection_preview", "RULE_BY", "PREVIEW_NAMES"]
