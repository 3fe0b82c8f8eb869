"""The application layer: one function per use case, called by every front end.

The front ends (the Python API and the widgets, the ``%designer`` magics, the REST API of the
Jupyter server extension, the ASGI app of ``jupyter designer serve``, the ``jupyter designer``
CLI) translate their input (arguments, HTTP bodies, command-line flags) into these calls and
their results back into their output. Argument checks and the errors that name what is wrong
live here, once:

- :mod:`.runs`: submit a run (a pipeline object, document, file, draft or sample), a run's
  summary;
- :mod:`.datasets`: register a dataset (a file, CSV text, rows or columns);
- :mod:`.endpoints`: deploy a real-time endpoint, publish to and submit runs of a pipeline
  endpoint.

This package imports the engine, the store, serving and :mod:`jupyter_designer.catalog`, never
a front end.
"""

from __future__ import annotations

from .datasets import register_dataset, register_dataset_request
from .endpoints import (create_pipeline_endpoint_request, deploy, deploy_request, key_to_regenerate,
                        publish, publish_request, submit_to_endpoint, submit_to_endpoint_request,
                        update_pipeline_endpoint_request)
from .runs import pipeline_from_request, run_summary, submit_run, submit_run_request

__all__ = [
    "submit_run", "submit_run_request", "pipeline_from_request", "run_summary",
    "register_dataset", "register_dataset_request",
    "deploy", "deploy_request", "key_to_regenerate", "publish", "publish_request", "submit_to_endpoint",
    "submit_to_endpoint_request", "create_pipeline_endpoint_request",
    "update_pipeline_endpoint_request",
]
