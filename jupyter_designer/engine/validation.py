"""Validating a pipeline draft: every problem that keeps it from running, each naming the
node, the port or parameter, and what to do.

Checked: components exist, pipeline parameter values, connections (datasets feed only
components, port types match), no cycle, required inputs connected, parameter bindings,
parameter values, column pickers against design-time schemas, and each component's own
``design_check``.
"""

from __future__ import annotations

from .errors import DesignerError, ParameterError, PipelineError, ValidationIssue
from .nodes import DesignSource
from .params import PIPELINE_PARAMETER, Columns, is_binding
from .ports import PortType, check_compatible


def _title(port_type: str) -> str:
    return PortType.TITLES.get(port_type, port_type)


def validate(pipeline, parameters: dict | None = None) -> list[ValidationIssue]:
    """Every problem that keeps the draft from running (empty list: valid)."""
    issues: list[ValidationIssue] = []
    if not pipeline.nodes:
        return [ValidationIssue("The pipeline is empty. Add a dataset and components.")]
    for nid, node in pipeline.nodes.items():
        if node.kind == "component":
            try:
                node.spec
            except DesignerError as exc:
                issues.append(ValidationIssue(str(exc), node_id=nid, node_title=node.title))
    pvalues = {k: p.default for k, p in pipeline.parameters.items()}
    for k, v in (parameters or {}).items():
        if k not in pipeline.parameters:
            issues.append(ValidationIssue(f"Unknown pipeline parameter {k!r}. Defined: "
                                          f"{', '.join(pipeline.parameters) or '(none)'}.", parameter=k))
        else:
            try:
                pvalues[k] = pipeline.parameters[k].coerce(v)
            except DesignerError as exc:
                issues.append(ValidationIssue(str(exc), parameter=k))
    for e in pipeline.edges.values():
        src, dst = pipeline.nodes.get(e.source), pipeline.nodes.get(e.target)
        if src is None or dst is None:
            issues.append(ValidationIssue(f"Connection {e.id} refers to a missing node."))
            continue
        if dst.kind != "component":
            issues.append(ValidationIssue("Datasets connect only to components; nothing connects "
                                          "into a dataset.", node_id=dst.id, node_title=dst.title))
            continue
        try:
            check_compatible(src.title, src.output(e.source_port), dst.title, dst.input(e.target_port))
        except DesignerError as exc:
            issues.append(ValidationIssue(str(exc), node_id=dst.id, node_title=dst.title, port=e.target_port))
    try:
        pipeline.topological_order()
    except PipelineError as exc:
        issues.append(ValidationIssue(str(exc)))
        return issues
    schemas = pipeline.schemas()
    for nid, node in pipeline.nodes.items():
        if node.kind == "dataset":
            data = node.data or {}
            if data.get("parameter") and data["parameter"] not in pipeline.parameters:
                issues.append(ValidationIssue(f"Bound to undefined pipeline parameter {data['parameter']!r}.",
                                              node_id=nid, node_title=node.title))
            continue
        try:
            spec = node.spec
        except DesignerError:
            continue
        connected = {e.target_port: e for e in pipeline.edges.values() if e.target == nid}
        if spec.missing_requirements():
            issues.append(ValidationIssue(
                f"{spec.name} needs {', '.join(spec.missing_requirements())}, which is not "
                f"installed. Install it with `{spec.install_hint()}` and restart the kernel.",
                node_id=nid, node_title=node.title))
        for port in spec.inputs:
            if not port.optional and port.key not in connected:
                issues.append(ValidationIssue(
                    f"Required input port '{port.label}' is not connected. Connect a "
                    f"{_title(port.type)} to it.", node_id=nid, node_title=node.title, port=port.key))
        for k, v in node.params.items():
            if is_binding(v) and v[PIPELINE_PARAMETER] not in pipeline.parameters:
                issues.append(ValidationIssue(
                    f"Parameter {k!r} is bound to undefined pipeline parameter "
                    f"{v[PIPELINE_PARAMETER]!r}.", node_id=nid, node_title=node.title, parameter=k))
        try:
            params = spec.resolve_params(node.params, pvalues)
        except ParameterError as exc:
            issues.append(ValidationIssue(str(exc), node_id=nid, node_title=node.title,
                                          parameter=exc.parameter))
            continue
        # column pickers checked against design-time schemas
        for p in spec.params:
            if not isinstance(p, Columns) or params.get(p.key) is None or not p.is_visible(params):
                continue
            port = p.port or (spec.inputs[0].key if spec.inputs else None)
            edge = connected.get(port)
            schema = schemas.get((edge.source, edge.source_port)) if edge else None
            if schema is None:
                continue
            try:
                p.resolve(params[p.key], schema, spec.name)
            except DesignerError as exc:
                issues.append(ValidationIssue(str(exc), node_id=nid, node_title=node.title, parameter=p.key))
        issues += _design_checks(pipeline, node, spec, params, connected, schemas, pvalues)
    return issues

def _design_checks(pipeline, node, spec, params, connected, schemas, pvalues) -> list:
    """What a component's ``design_check`` finds from its input schemas and the
    components feeding it, as issues naming the node and parameter."""
    check = spec.extra.get("design_check")
    if check is None:
        return []
    inputs = {p.key: schemas.get((connected[p.key].source, connected[p.key].source_port))
              if p.key in connected else None for p in spec.inputs}
    upstream = {}
    for port, e in connected.items():
        src = pipeline.nodes.get(e.source)
        if src is None or src.kind != "component":
            continue
        try:
            upstream[port] = DesignSource(src.id, src.title, src.spec,
                                          src.spec.resolve_params(src.params, pvalues))
        except DesignerError:
            continue
    out = []
    try:
        found = list(check(inputs, params, upstream) or ())
    except Exception:  # a check never keeps a draft from validating; the run reports
        return []
    for parameter, message in found:
        out.append(ValidationIssue(message, node_id=node.id, node_title=node.title,
                                   parameter=parameter))
    return out
