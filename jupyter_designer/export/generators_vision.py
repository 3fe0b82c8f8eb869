"""Code generators of the Python export for Computer Vision."""

from __future__ import annotations
