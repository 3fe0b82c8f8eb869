"""Exports of pipelines and runs to standard formats (:mod:`.models`: a trained model as a
scikit-learn Pipeline in a skops file, an ONNX file or an MLflow model directory)."""
