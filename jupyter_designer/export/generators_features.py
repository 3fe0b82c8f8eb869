"""Code generators of the Python export for Normalize Data and Filter Based Feature Selection,
every method."""

from __future__ import annotations
