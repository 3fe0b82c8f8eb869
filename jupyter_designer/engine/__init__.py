"""The designer's engine: parameters, ports, components, pipeline drafts, the runner.

Pure Python + pandas + scikit-learn: nothing here imports widgets, IPython or tornado.
"""
