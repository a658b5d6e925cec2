"""Trusted torch implementations of every exercise (instructor-only)."""
TOPICS = ("activations", "preprocessing", "initialization", "dropout", "augmentation")
