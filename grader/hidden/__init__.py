"""Hidden checks (instructor-only): randomized inputs, compared with the reference.

``TOPICS`` lists the notebooks that have hidden checks; the integrity snapshot
imports them before any student cell runs when grading.
"""
TOPICS = ("activations", "preprocessing", "initialization", "dropout", "augmentation")
