"""Data Transformation components (the reference palette's largest category)."""

from importlib import import_module

for _m in ("columns", "combining", "conversions", "cleaning", "math_operations", "scaling",
           "sampling", "dates"):
    try:
        import_module(f"{__name__}.{_m}")
    except ModuleNotFoundError as exc:
        if exc.name != f"{__name__}.{_m}":
            raise
