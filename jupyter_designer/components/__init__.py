"""The built-in component library, one module per palette category.

Importing this package registers every built-in component in
:data:`jupyter_designer.engine.component.REGISTRY`.
"""

from importlib import import_module

_MODULES = (
    "data_input_output",
    "data_transformation",
    "feature_selection",
    "statistical_functions",
    "ml_algorithms",
    "model_training",
    "model_tuning",
    "scoring_evaluation",
    "python_language",
    "r_language",
    "text_analytics",
    "recommendation",
    "computer_vision",
    "automl",
    "web_service",
)

for _m in _MODULES:
    try:
        import_module(f"{__name__}.{_m}")
    except ModuleNotFoundError as exc:  # a category still being written
        if exc.name != f"{__name__}.{_m}":
            raise
