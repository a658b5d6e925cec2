"""Helpers for the course "Training Neural Networks I".

Students use ``grader.checks``, ``grader.data``, ``grader.train``, ``grader.plots``
and ``grader.device``.  Instructors also have ``grader.reference`` (trusted torch
implementations) and ``grader.hidden`` (the hidden checks), which the student
bundle leaves out.

Importing ``grader`` has no side effects beyond reading ``NBGRADER_EXECUTION``
and taking the integrity snapshot that the checks use to notice tampering.
"""
import os

__all__ = ["GRADING", "__version__"]
__version__ = "0.1.0"

#: True while nbgrader autogrades a notebook.  Experiments read it and shrink or
#: skip the work that earns no points, so a whole submission grades in seconds.
GRADING: bool = os.environ.get("NBGRADER_EXECUTION") == "autograde"

from grader.checks import integrity as _integrity  # noqa: E402  (snapshot after GRADING)

_integrity.snapshot()
