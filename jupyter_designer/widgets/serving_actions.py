"""From a training run to production, in the designer: the toolbar's "Create inference
pipeline", "Publish" and "Deploy" actions, their small forms under the toolbar and what they
do (through the application layer, :mod:`jupyter_designer.app`)."""

from __future__ import annotations

import ipywidgets as W

from jupyter_designer import app

from .charts import esc
from .endpoints import EndpointPanel, _button, _message, endpoint_name_from, pipeline_endpoint_name_from


# -- the toolbar actions ---------------------------------------------------------------------
class ServingActions:
    """The designer's "Create inference pipeline", "Publish" and "Deploy" actions: their
    buttons' state, their small forms (under the toolbar) and what they do."""

    def __init__(self, designer):
        self.designer = designer
        self.form = W.HBox(layout=W.Layout(display="none", flex_flow="row wrap", align_items="center",
                                           margin="2px 0"))
        self.form.add_class("jd-serving-form")
        self.fields: dict[str, W.Widget] = {}
        self.opened: str | None = None
        self.submit_button: W.Button | None = None
        self.panel = EndpointPanel(lambda: designer.workspace, on_status=designer.set_status)

    # -- state ---------------------------------------------------------------------------------
    def completed_run(self) -> str | None:
        """The run the designer shows, when it completed."""
        d = self.designer
        if not d.run_id or d.running or d.run_state.get("status") != "completed":
            return None
        return d.run_id

    def is_realtime(self) -> bool:
        from jupyter_designer.engine.inference import is_realtime

        return is_realtime(self.designer.pipeline)

    def update_buttons(self) -> None:
        d = self.designer
        b = d.buttons
        running = d.running
        realtime = self.is_realtime()
        run = self.completed_run()
        b["create-inference"].disabled = running or realtime or run is None
        b["create-inference"].tooltip = (
            f"Create a real-time or batch inference pipeline from run {run}" if not b["create-inference"].disabled
            else "Submit the training pipeline; once its run completes, create its inference pipeline here")
        has_components = any(n.kind == "component" for n in d.pipeline.nodes.values())
        b["publish"].disabled = running or not has_components
        b["publish"].tooltip = ("Publish this pipeline as a new version of a pipeline endpoint"
                                if has_components else "Add components to the pipeline to publish it")
        b["deploy"].disabled = running or not realtime
        b["deploy"].tooltip = (
            "Deploy this real-time inference pipeline as a real-time endpoint" if realtime else
            "Deploy needs a real-time inference pipeline: create one from a completed training run")

    # -- forms ----------------------------------------------------------------------------------
    def open(self, action: str) -> None:
        """Show the form of a toolbar action under the toolbar (the same action closes it)."""
        if self.opened == action:
            return self.close()
        if self.designer.buttons[action].disabled:
            self.designer.set_status(self.designer.buttons[action].tooltip + ".", error=True)
            return None
        build = {"create-inference": self._inference_form, "publish": self._publish_form,
                 "deploy": self._deploy_form}[action]
        self.fields = {}
        self.submit_button = None
        kids = build()
        close = _button("", "times", "jd-form-close", self.close, tooltip="Close")
        close.layout.width = "36px"
        self.form.children = [*kids, close]
        self.form.layout.display = None
        self.opened = action
        for a in ("create-inference", "publish", "deploy"):
            self.form.remove_class(f"jd-form-{a}")
        self.form.add_class(f"jd-form-{action}")
        return None

    def close(self) -> None:
        self.form.children = []
        self.form.layout.display = "none"
        self.opened = None

    def _text(self, key: str, label: str, value: str = "", *, options=None, width: str = "300px",
              placeholder: str = "") -> W.Widget:
        kw = dict(value=value, description=label, placeholder=placeholder, continuous_update=True,
                  layout=W.Layout(width=width), style={"description_width": "initial"})
        w = W.Combobox(options=list(options), ensure_option=False, **kw) if options is not None else W.Text(**kw)
        w.add_class(f"jd-field-{key}")
        self.fields[key] = w
        return w

    def _submit(self, label: str, icon: str, action: str, callback) -> W.Button:
        self.submit_button = _button(label, icon, f"jd-form-{action}-submit", callback, style="primary")
        return self.submit_button

    def _inference_form(self) -> list:
        run = self.completed_run()
        return [W.HTML(f"From run <b>{esc(run)}</b>:&nbsp;"),
                _button("Real-time inference pipeline", "bolt", "jd-create-realtime",
                        lambda: self.create_inference("realtime"),
                        tooltip="Web Service Input and Output: answers scoring requests once deployed"),
                _button("Batch inference pipeline", "database", "jd-create-batch",
                        lambda: self.create_inference("batch"),
                        tooltip="Scores a whole dataset, given as the pipeline parameter input_data")]

    def _existing(self, kind: str) -> list[str]:
        """The names of the workspace's pipeline (``"pipeline"``) or real-time endpoints."""
        from jupyter_designer import serving

        lister = serving.list_pipeline_endpoints if kind == "pipeline" else serving.list_endpoints
        try:
            return [e["name"] for e in lister(self.designer.workspace)]
        except Exception:  # an unreadable endpoint folder must not keep the form from opening
            return []

    def _publish_form(self) -> list:
        d = self.designer
        existing = self._existing("pipeline")
        what = f"run {d.run_id}" if self._publishes_run() else "this draft"
        return [W.HTML(f"Publish {esc(what)} to&nbsp;"),
                self._text("endpoint", "Pipeline endpoint", pipeline_endpoint_name_from(d.pipeline.name),
                           options=existing, placeholder="new or existing endpoint"),
                self._text("description", "Description", "", width="260px"),
                self._check("set_default", "Set as default version"),
                self._submit("Publish", "upload", "publish", self._publish_clicked)]

    def _check(self, key: str, label: str) -> W.Checkbox:
        w = W.Checkbox(value=False, description=label, indent=False, layout=W.Layout(width="auto"))
        w.add_class(f"jd-field-{key}")
        self.fields[key] = w
        return w

    def _deploy_form(self) -> list:
        d = self.designer
        existing = self._existing("realtime")
        return [self._text("name", "Endpoint name", endpoint_name_from(d.pipeline.name), options=existing,
                           width="320px", placeholder="lowercase letters, digits and hyphens"),
                self._text("description", "Description", "", width="260px"),
                self._check("replace", "Replace it with a new version if it exists"),
                self._text("deployment", "As deployment", "", width="260px",
                           placeholder="optional, e.g. green (no traffic yet)"),
                self._submit("Deploy", "cloud-upload", "deploy", self._deploy_clicked)]

    def _publish_clicked(self) -> None:
        f = self.fields
        self.publish(f["endpoint"].value.strip(), description=f["description"].value,
                     set_default=f["set_default"].value)

    def _deploy_clicked(self) -> None:
        f = self.fields
        self.deploy(f["name"].value.strip(), description=f["description"].value or None,
                    replace=f["replace"].value,
                    deployment=f["deployment"].value.strip() or None)

    # -- what the actions do -----------------------------------------------------------------------
    def create_inference(self, kind: str = "realtime"):
        """Create a real-time or batch inference pipeline from the designer's completed run and
        open it as the designer's draft; returns it (``None`` and a message when it cannot)."""
        from jupyter_designer.engine.inference import create_batch_inference, create_realtime_inference

        d = self.designer
        run = self.completed_run()
        if run is None:
            what = "still running" if d.running else (d.run_state.get("status") or "not run yet")
            d.set_status(f"No completed training run to create an inference pipeline from (this "
                         f"pipeline is {what}): submit it and wait for the run to complete.", error=True)
            return None
        if self.is_realtime():
            d.set_status(f"{d.pipeline.name!r} is a real-time inference pipeline already: deploy it, "
                         "or open a training run to create another one.", error=True)
            return None
        make = {"realtime": create_realtime_inference, "batch": create_batch_inference}.get(kind)
        if make is None:
            d.set_status(f"The kind of inference pipeline must be 'realtime' or 'batch'. Got {kind!r} "
                         "instead.", error=True)
            return None
        try:
            new = make(d.workspace, run)
        except Exception as exc:
            d.set_status(f"No inference pipeline created: {_message(exc)}", error=True)
            return None
        self.close()
        then = ("check it, then Deploy it (or submit it first to test it)" if kind == "realtime"
                else "submit it to score its input_data, or Publish it to a pipeline endpoint")
        d.open_draft(new, f"Created {new.name!r} from run {run}: {then}.")
        return new

    def _publishes_run(self) -> bool:
        d = self.designer
        return bool(d.readonly and d.run_id)

    def publish(self, endpoint: str, *, description: str = "", set_default: bool = False) -> dict | None:
        """Publish the draft (or the run a run view shows) as a new version of pipeline endpoint
        ``endpoint`` (created when missing); returns the version's record."""
        from jupyter_designer import serving

        d = self.designer
        if not endpoint:
            d.set_status("Name the pipeline endpoint to publish to.", error=True)
            return None
        if not self._publishes_run():
            issues = d.validate()  # marks the nodes with problems on the canvas
            if issues:
                more = f" (and {len(issues) - 3} more)" if len(issues) > 3 else ""
                d.set_status("Not published: fix the pipeline first: "
                             + "; ".join(str(i) for i in issues[:3]) + more, error=True)
                return None
        source = d.run_id if self._publishes_run() else d.pipeline
        try:
            version = app.publish(d.workspace, endpoint, source, description=description,
                                  set_default=bool(set_default))
            rec = serving.PipelineEndpoints(d.workspace).get(endpoint)
        except Exception as exc:
            d.set_status(f"Not published: {_message(exc)}", error=True)
            return None
        self.close()
        default = rec.get("default_version")
        is_default = "the default" if default == version["version"] else f"default: version {default}"
        d.set_status(f"Published {version['pipeline_name']!r} as version {version['version']} of "
                     f"pipeline endpoint {endpoint!r} ({is_default}).")
        self.last_published = version
        return version

    def deploy(self, name: str, *, description: str | None = None, replace: bool = False,
               deployment: str | None = None) -> dict | None:
        """Deploy the real-time inference pipeline (the draft, or the run a run view shows) as
        real-time endpoint ``name`` and show it in the Endpoints tab; returns its record.

        With ``deployment`` (e.g. ``green``) the new version goes to that deployment of the
        endpoint: a new deployment takes no traffic until the panel's split or promotion."""
        from jupyter_designer import serving

        d = self.designer
        if not self.is_realtime():
            d.set_status(f"{d.pipeline.name!r} is not a real-time inference pipeline (it has no Web "
                         "Service Input and Output): create one from a completed training run with "
                         "'Create inference pipeline', then deploy that.", error=True)
            return None
        if not name:
            d.set_status("Name the endpoint to deploy.", error=True)
            return None
        source = {"run_id": d.run_id} if self._publishes_run() else {"pipeline": d.pipeline}
        try:
            if not replace and not deployment and serving.RealtimeEndpoints(d.workspace).exists(name):
                d.set_status(f"A real-time endpoint {name!r} exists already: choose another name, or "
                             "tick 'Replace it with a new version' to deploy a new version of it.",
                             error=True)
                return None
            info = app.deploy(d.workspace, name, description=description, replace=replace,
                              deployment=deployment, **source)
        except Exception as exc:
            d.set_status(f"Not deployed: {_message(exc)}", error=True)
            return None
        self.close()
        self.panel.refresh()
        self.panel.show(name)
        d.outputs.select("Endpoints")
        if deployment:
            d.set_status(f"Deployed version {info['versions'][-1]['version']} of {name!r} as "
                         f"deployment {deployment!r}: share the traffic in the Endpoints tab.")
            return info
        d.set_status(f"Deployed real-time endpoint {name!r} version {info['version']}: test it in the "
                     "Endpoints tab.")
        return info


__all__ = ["ServingActions"]
