"""Executing nodes, shared by the runner, every compute target and the serving layer.

:mod:`.inputs` loads a node's inputs (data nodes, column projection, references a worker
reads itself); :mod:`.task` runs one node. Neither knows about scheduling (the runner) or
about where a node runs (:mod:`jupyter_designer.engine.compute`).
"""
