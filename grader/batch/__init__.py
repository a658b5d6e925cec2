"""Batch autograding for instructors: nbgrader's autograde, run in parallel, sandboxed, resumable.

``grader.batch.shell`` runs one notebook's cells the way a kernel would; ``worker`` is the
warm process that forks a fresh child per notebook and enforces the limits; ``sandbox``
builds the bubblewrap command; ``pool`` keeps the workers; ``grading`` plugs them into
nbgrader's own Autograde converter; ``journal`` records every outcome; ``batch`` is the
command ``grader autograde``.
"""
