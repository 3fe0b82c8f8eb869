"""The column-rules editor of the properties panel: which columns a column parameter selects,
by names (picked from the input's columns when they are known at design time), or by rules
(column names, column type or column indices; include or exclude), with a preview of what
the rules select and, when the columns are not known, why not and what to do."""

from __future__ import annotations

from typing import Callable

import ipywidgets as W

from .charts import esc


def _html(text: str, cls: str | None = None) -> W.HTML:
    h = W.HTML(text)
    if cls:
        h.add_class(cls)
    return h


# -- column picker ---------------------------------------------------------------------------
RULE_BY = (("column names", "names"), ("column type", "type"), ("column indices", "indices"))
#: how many selected names the preview lists before "..."
PREVIEW_NAMES = 12


def schema_unknown_reason(pipeline, node_id: str, port_key: str | None = None, *, _depth: int = 0) -> str:
    """Why the columns arriving at an input port are not known at design time, said so that
    the user knows what to do (connect the port, set the upstream node's selection, ...)."""
    from jupyter_designer.engine.errors import DesignerError

    node = pipeline.nodes[node_id]
    port = node.input(port_key) if port_key else (node.inputs[0] if node.inputs else None)
    if port is None:
        return f"{node.title} has no input port to pick columns from."
    edge = next((e for e in pipeline.edges.values()
                 if e.target == node_id and e.target_port == port.key), None)
    if edge is None:
        return f"Connect the input port '{port.label}' to pick from its columns."
    src = pipeline.nodes.get(edge.source)
    if src is None:
        return f"The node connected to '{port.label}' is missing: connect the port again."
    if src.kind != "component":
        data = src.data or {}
        what = data.get("type", "dataset")
        if getattr(pipeline, "workspace", None) is None:
            return (f"The columns of the {what} '{data.get('name', src.title)}' are not known: "
                    "this draft has no workspace to read it from (give the designer one, e.g. "
                    "Designer(workspace=jd.workspace())), or type the column names.")
        return (f"The columns of the {what} '{data.get('name', src.title)}' connected to "
                f"'{port.label}' are not known: it cannot be read from this workspace (check its "
                "name and version, or register it), or type the column names.")
    try:
        spec = src.spec
    except DesignerError as exc:
        return f"The upstream node '{src.title}' cannot be used: {exc}"
    defaults = {k: pp.default for k, pp in pipeline.parameters.items()}
    try:
        params = spec.resolve_params(src.params, defaults)
    except DesignerError as exc:
        unset = [q for q in spec.params
                 if q.required and src.params.get(q.key, q.default) in (None, "", [], {})]
        if unset:
            q = unset[0]
            if q.kind == "columns":
                return (f"The upstream node '{src.title}' has no column selection yet: set its "
                        f"'{q.label}' to see columns here.")
            return (f"The upstream node '{src.title}' has no value for '{q.label}' yet: set it "
                    "to see columns here.")
        return f"The upstream node '{src.title}' has a parameter that is not valid ({exc}): fix it to see columns here."
    for sp in spec.inputs:
        if sp.optional:
            continue
        if not any(e.target == src.id and e.target_port == sp.key for e in pipeline.edges.values()):
            return (f"The upstream node '{src.title}' has nothing connected to its input "
                    f"'{sp.label}': connect it to see columns here.")
    schemas = pipeline.schemas()
    for e in pipeline.edges.values():
        if e.target == src.id and schemas.get((e.source, e.source_port)) is None and _depth < 20:
            inner = schema_unknown_reason(pipeline, src.id, e.target_port, _depth=_depth + 1)
            return f"The upstream node '{src.title}' gets no known columns. {inner}"
    for q in spec.params:
        if q.kind != "columns":
            continue
        value = params.get(q.key)
        sch = pipeline.input_schema(src.id, getattr(q, "port", None)) if value is not None else None
        if sch is None:
            continue
        try:
            q.resolve(value, sch, src.title)
        except Exception as exc:
            return f"The upstream node '{src.title}' cannot work out its columns: {exc}"
    return (f"The upstream node '{src.title}' decides its output columns only when it runs, so "
            "they are not known before a run: type the column names.")


def selection_preview(names: list, total: int) -> str:
    """'25 of 26 columns selected: symboling, make, ...' (HTML-escaped)."""
    shown = ", ".join(names[:PREVIEW_NAMES]) + (", ..." if len(names) > PREVIEW_NAMES else "")
    return (f"{len(names)} of {total} column{'s' if total != 1 else ''} selected"
            + (f": {esc(shown)}" if names else ""))


class RuleValues(W.VBox):
    """The values of one column rule: a text box (with the input's column names or the column
    types to choose from) and the committed values as removable chips.

    What is typed is committed on Enter, Tab, leaving the box, the Add button, and by
    :meth:`commit` (the picker's Apply calls it first); nothing typed is dropped: a value
    that is not a column of the input (or not a column type) is kept and shown as such.
    """

    def __init__(self, by: str, values, *, names=None, on_change: Callable | None = None,
                 disabled: bool = False):
        super().__init__(layout=W.Layout(width="95%"))
        from jupyter_designer.engine.params import COLUMN_TYPES

        self.add_class("jd-rule-values")
        self.by = by
        self.names = names
        self.on_change = on_change
        self.disabled = disabled
        self.values: list[str] = [str(v) for v in values]
        self._clearing = False
        if by == "indices":
            self.entry = W.Text(value=",".join(self.values), placeholder="1-based indices, e.g. 1-4,6",
                                continuous_update=False, disabled=disabled, layout=W.Layout(width="100%"))
            self.entry.add_class("jd-rule-entry")
            self.entry.observe(self._indices_changed, "value")
            self.chips = W.Box()
            self.add_button = None
            self.children = [self.entry]
            return
        self.known = list(COLUMN_TYPES) if by == "type" else (list(names) if names is not None else None)
        hint = "a column type (e.g. Numeric)" if by == "type" else "a column name"
        self.entry = W.Combobox(value="", options=self.known or [], ensure_option=False,
                                placeholder=f"Type {hint} and press Enter", continuous_update=False,
                                disabled=disabled, layout=W.Layout(flex="1 1 auto", width="auto"))
        self.entry.add_class("jd-rule-entry")
        self.entry.observe(self._typed, "value")
        self.add_button = W.Button(description="Add", icon="plus", disabled=disabled,
                                   tooltip="Add what is typed to this rule (Enter does the same)",
                                   layout=W.Layout(width="70px", flex="0 0 auto"))
        self.add_button.add_class("jd-rule-add-value")
        self.add_button.on_click(lambda _b: self.commit())
        self.chips = W.Box(layout=W.Layout(flex_flow="row wrap", width="100%"))
        self.chips.add_class("jd-rule-chips")
        self.children = [W.HBox([self.entry, self.add_button], layout=W.Layout(width="100%")), self.chips]
        self._render_chips()

    # -- values ---------------------------------------------------------------------------------
    def unknown(self, value: str) -> bool:
        if self.known is None:
            return False
        if self.by == "type":
            return value.lower() not in [k.lower() for k in self.known]
        return value not in self.known

    def _typed(self, ch) -> None:
        if not self._clearing and ch["new"]:
            self.commit()

    def commit(self) -> bool:
        """Turn what is typed into values (comma separated: several); True if any was added."""
        if self.by == "indices":
            return False
        text = self.entry.value or ""
        self._clearing = True
        try:
            self.entry.value = ""
        finally:
            self._clearing = False
        if self.known is not None and text.strip() in self.known:
            typed = [text.strip()]  # a column name may hold a comma
        else:
            typed = [t.strip() for t in text.split(",") if t.strip()]
        added = [t for t in typed if t not in self.values]
        if not added:
            return False
        self.values.extend(dict.fromkeys(added))
        self._render_chips()
        self._changed()
        return True

    def remove(self, value: str) -> None:
        if value in self.values:
            self.values.remove(value)
            self._render_chips()
            self._changed()

    def _indices_changed(self, ch) -> None:
        self.values = [ch["new"].strip()] if ch["new"].strip() else []
        self._changed()

    def _changed(self) -> None:
        if self.on_change is not None:
            self.on_change(list(self.values))

    def _render_chips(self) -> None:
        chips = []
        for v in self.values:
            bad = self.unknown(v)
            note = (" (not a column type)" if self.by == "type" else " (not in the input)") if bad else ""
            chip = W.Button(description=f"{v}{note} \u00d7", disabled=self.disabled,
                            tooltip=f"Remove {v!r} from this rule",
                            button_style="danger" if bad else "",
                            layout=W.Layout(width="auto", max_width="100%", height="26px",
                                            margin="2px 4px 2px 0"))
            chip.add_class("jd-rule-chip")
            if bad:
                chip.add_class("jd-rule-chip-unknown")
            chip.on_click(lambda _b, v=v: self.remove(v))
            chips.append(chip)
        self.chips.children = chips


class ColumnPicker(W.VBox):
    """Pick columns by name, or build the reference product's include/exclude rules.

    ``value`` is what goes to the engine: a column name (single pick), a list of names, or
    the rule form ``{"begin_with": "none"|"all", "rules": [{"action", "by", "values"}]}``.
    ``unknown_reason`` says why the input's columns are not known (when ``schema`` is None).
    """

    def __init__(self, param, value, schema, on_change: Callable, *, disabled: bool = False,
                 unknown_reason: str | None = None):
        super().__init__()
        self.add_class("jd-column-picker")
        self.param = param
        self.schema = schema
        self.names = list(schema.names) if schema is not None else None
        self.on_change = on_change
        self.disabled = disabled
        self.value = value
        self.unknown_reason = unknown_reason or "Connect the input port to pick from its columns."
        self._rules: list[dict] = []
        self._editors: list[RuleValues] = []
        self._syncing = False
        self.summary = _html("", "jd-param-hint")
        self.summary.add_class("jd-column-summary")
        self.mode = W.ToggleButtons(options=["By name", "With rules"], value="By name",
                                    style={"button_width": "90px"}, disabled=disabled)
        self.mode.add_class("jd-column-mode")
        self.mode.observe(lambda ch: self._render(), "value")
        if param.single:
            self._render_single()
            return
        if isinstance(value, dict) and not self._plain_names(value):
            self.mode.value = "With rules"
        self._render()

    @staticmethod
    def _plain_names(value) -> list | None:
        """The names of a selection that is just 'include these names', else None."""
        if isinstance(value, (list, tuple)):
            return list(value)
        if isinstance(value, str):
            return [v.strip() for v in value.split(",") if v.strip()]
        if isinstance(value, dict):
            rules = value.get("rules") or []
            if str(value.get("begin_with", "none")).lower().startswith("n") and \
                    all(r.get("action", "include") == "include" and r.get("by", "names") == "names"
                        for r in rules):
                return [v for r in rules for v in (r.get("values") or [])]
        return None if value is not None else []

    def _unknown_hint(self) -> str:
        return f'<span class="jd-column-unknown">{esc(self.unknown_reason)}</span>'

    # -- single column ------------------------------------------------------------------
    def _render_single(self):
        cur = self.value if isinstance(self.value, str) else (self._plain_names(self.value) or [None])[0]
        if self.names is not None:
            opts = [("(choose a column)", "")] + [(n, n) for n in self.names]
            if cur and cur not in self.names:
                opts.append((f"{cur} (not in the input)", cur))
            self.control = W.Dropdown(options=opts, value=cur or "", disabled=self.disabled,
                                      layout=W.Layout(width="95%"))
            self.summary.value = ""
        else:
            self.control = W.Text(value=cur or "", placeholder="column name",
                                  continuous_update=False, disabled=self.disabled,
                                  layout=W.Layout(width="95%"))
            self.summary.value = self._unknown_hint()
        self.control.observe(self._single_changed, "value")
        self.children = [self.control, self.summary]

    def _single_changed(self, ch):
        if not self._syncing:
            self.on_change(ch["new"] or None)

    # -- multi columns ------------------------------------------------------------------
    def _render(self):
        if self.mode.value == "By name":
            self._render_names()
        else:
            self._render_rules()

    def _render_names(self):
        names = self._plain_names(self.value)
        if names is None:
            names = self._resolved() or []
        if self.names is not None:
            missing = [n for n in names if n not in self.names]
            self.control = W.SelectMultiple(options=self.names + missing,
                                            value=tuple(n for n in names), rows=min(8, max(3, len(self.names))),
                                            disabled=self.disabled, layout=W.Layout(width="95%"))
            self.control.add_class("jd-column-select")
            self.control.observe(self._names_changed, "value")
            self.summary.value = (f"{len(names)} of {len(self.names)} columns selected"
                                  + (f"; not in the input: {esc(', '.join(missing))}" if missing else ""))
        else:
            self.control = W.Text(value=", ".join(names), placeholder="column names, comma separated",
                                  continuous_update=False, disabled=self.disabled,
                                  layout=W.Layout(width="95%"))
            self.control.observe(lambda ch: None if self._syncing else self.on_change(
                [v.strip() for v in ch["new"].split(",") if v.strip()]), "value")
            self.summary.value = self._unknown_hint()
        self.children = [self.mode, self.control, self.summary]

    def _names_changed(self, ch):
        if self._syncing:
            return
        self.on_change(list(ch["new"]))

    def _resolved(self) -> list | None:
        return self._resolve()[0]

    def _resolve(self, value=None) -> tuple[list | None, str | None]:
        """(the selected names, or None; why the selection does not resolve, or None)."""
        value = self.value if value is None else value
        if self.schema is None or value is None:
            return None, None
        try:
            from jupyter_designer.engine.params import resolve_selection
            return resolve_selection(value, self.schema, component="this node",
                                     label=self.param.label), None
        except Exception as exc:
            return None, str(exc)

    # -- rules --------------------------------------------------------------------------
    def _render_rules(self):
        from jupyter_designer.engine.params import normalize_selection

        try:
            sel = normalize_selection(self.value) if self.value is not None else \
                {"begin_with": "none", "rules": []}
        except Exception:
            sel = {"begin_with": "none", "rules": []}
        self._rules = [dict(r) for r in sel["rules"]] or [{"action": "include", "by": "names", "values": []}]
        self.begin = W.Dropdown(options=[("No columns", "none"), ("All columns", "all")],
                                value=sel["begin_with"], description="Begin with",
                                disabled=self.disabled, layout=W.Layout(width="95%"))
        self.begin.add_class("jd-rule-begin")
        self.begin.observe(lambda ch: self._update_preview(), "value")
        self.rule_rows = W.VBox()
        add = W.Button(description="Add rule", icon="plus", disabled=self.disabled,
                       layout=W.Layout(width="110px"))
        add.add_class("jd-rule-add")
        apply = W.Button(description="Apply", button_style="primary", disabled=self.disabled,
                         tooltip="Use these rules (what is typed in a rule's box is added first)",
                         layout=W.Layout(width="80px"))
        apply.add_class("jd-rule-apply")
        self.apply_button = apply

        def add_rule(_b):
            self._rules.append({"action": "include", "by": "names", "values": []})
            self._render_rule_rows()
            self._update_preview()
        add.on_click(add_rule)
        apply.on_click(lambda _b: self.apply_rules())
        self._render_rule_rows()
        self.children = [self.mode, self.begin, self.rule_rows, W.HBox([add, apply]), self.summary]
        self._update_preview()

    def _render_rule_rows(self):
        rows = []
        self._editors = []
        for i, rule in enumerate(self._rules):
            action = W.Dropdown(options=[("Include", "include"), ("Exclude", "exclude")],
                                value=rule["action"], layout=W.Layout(width="90px"), disabled=self.disabled)
            action.add_class("jd-rule-action")
            by = W.Dropdown(options=list(RULE_BY), value=rule["by"], layout=W.Layout(width="130px"),
                            disabled=self.disabled)
            by.add_class("jd-rule-by")
            vals = RuleValues(rule["by"], rule["values"], names=self.names, disabled=self.disabled)
            self._editors.append(vals)
            remove = W.Button(icon="trash", tooltip="Remove this rule", layout=W.Layout(width="34px"),
                              disabled=self.disabled)
            remove.add_class("jd-rule-remove")

            def bind(i=i, action=action, by=by, vals=vals, remove=remove):
                def action_changed(ch):
                    self._rules[i].update(action=ch["new"])
                    self._update_preview()
                action.observe(action_changed, "value")

                def by_changed(ch):
                    self._rules[i].update(by=ch["new"], values=[])
                    self._render_rule_rows()
                    self._update_preview()
                by.observe(by_changed, "value")

                def vals_changed(values):
                    self._rules[i]["values"] = list(values)
                    self._update_preview()
                vals.on_change = vals_changed

                def removed(_b):
                    del self._rules[i]
                    self._render_rule_rows()
                    self._update_preview()
                remove.on_click(removed)
            bind()
            row = W.HBox([action, by, remove])
            row.add_class("jd-rule")
            rows.append(W.VBox([row, vals], layout=W.Layout(margin="0 0 6px 0")))
        self.rule_rows.children = rows

    def rules_value(self) -> dict:
        return {"begin_with": self.begin.value,
                "rules": [{"action": r["action"], "by": r["by"], "values": list(r["values"])}
                          for r in self._rules]}

    def _rule_problem(self) -> str | None:
        """What keeps the rules as shown from being applied, or None."""
        from jupyter_designer.engine.params import normalize_selection

        for i, r in enumerate(self._rules):
            if not r["values"]:
                what = dict((v, k) for k, v in RULE_BY)[r["by"]]
                todo = ("type indices like 1-4,6" if r["by"] == "indices" else
                        "type a value and press Enter")
                return (f"Rule {i + 1} ({r['action'].capitalize()} by {what}) has no values: "
                        f"{todo}, or remove the rule.")
        try:
            normalize_selection(self.rules_value())
        except Exception as exc:
            return f"The rules are not valid: {exc}."
        return None

    def _update_preview(self) -> None:
        """What the rules as shown select, from the design-time schema of the input."""
        if getattr(self, "begin", None) is None:
            return
        pending = self._normalized(self.rules_value()) != self._normalized(self.value)
        note = (' <span class="jd-rule-pending">Not applied yet: press Apply.</span>'
                if pending and not self.disabled else "")
        problem = self._rule_problem()
        if problem:
            self.summary.value = f"<span class='jd-error'>{esc(problem)}</span>{note}"
            return
        if self.names is None:
            self.summary.value = (self._unknown_hint() + "<br>Rules pick columns by name, type or "
                                  "1-based index (e.g. 1-4,6)." + note)
            return
        names, why = self._resolve(self.rules_value())
        if names is None:
            self.summary.value = f"<span class='jd-error'>{esc(why)}</span>{note}"
        else:
            self.summary.value = selection_preview(names, len(self.names)) + note

    @staticmethod
    def _normalized(value):
        from jupyter_designer.engine.params import normalize_selection

        try:
            return normalize_selection(value) if value is not None else None
        except Exception:
            return value

    def apply_rules(self) -> bool:
        """Commit what is typed in every rule, then use the rules; False (and the reason in
        the summary) when a rule is empty or not valid."""
        for editor in self._editors:
            editor.commit()
        problem = self._rule_problem()
        if problem:
            self.summary.value = f"<span class='jd-error'>{esc(problem)}</span>"
            return False
        value, before = self.rules_value(), self.value
        self.value = value  # the panel's sync then leaves these controls (and the focus) alone
        if self.on_change(value) is False:  # refused: the panel shows the engine's message
            self.value = before
            return False
        self._update_preview()
        return True


__all__ = ["ColumnPicker", "RuleValues", "schema_unknown_reason", "selection_preview", "RULE_BY",
           "PREVIEW_NAMES"]
