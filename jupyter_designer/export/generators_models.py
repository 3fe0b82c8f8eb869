"""Code generators of the Python export for Train Clustering Model, Assign Data to Clusters, Train Anomaly Detection Model, Permutation Feature Importance, Feature Hashing, Latent Dirichlet Allocation, Convert Word to Vector, Web Service Input and Web Service Output."""

from __future__ import annotations
