"""Code generators of the Python export for Edit Metadata, Apply Math Operation, Clip Values, Convert to Indicator Values, Group Data into Bins, Summarize Data, Extract Date Parts, Select Columns Transform and Apply Transformation."""

from __future__ import annotations
