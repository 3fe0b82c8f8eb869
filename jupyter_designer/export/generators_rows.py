"""Code generators of the Python export for Add Columns, Add Rows, Join Data, Remove Duplicate Rows, Partition and Sample, SMOTE, Apply SQL Transformation, Enter Data Manually, Convert to Dataset, Convert to CSV, Import Data and Export Data."""

from __future__ import annotations
