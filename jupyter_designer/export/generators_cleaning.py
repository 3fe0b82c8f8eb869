"""Code generators of the Python export for Clean Missing Data and Split Data, every mode."""

from __future__ import annotations
