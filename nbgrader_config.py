"""nbgrader reads the repository itself: the source is solutions/, the release course/.

Instructors keep their gradebook here too (gradebook.db, git-ignored: it stores the
hidden tests).  For PostgreSQL, set c.CourseDirectory.db_url to its URL.
"""
import os

c = get_config()  # noqa: F821 - provided by nbgrader when it loads this file

c.CourseDirectory.root = os.path.dirname(os.path.abspath(__file__))
c.CourseDirectory.course_id = "training-neural-networks-1"
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "course"
# Only notebooks belong in a release: reference code must never sit in solutions/.
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", "*.py", "*.db"]
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"
# A cell may run a short experiment; a whole notebook grades in seconds (experiments
# shrink when NBGRADER_EXECUTION=autograde).
c.Execute.timeout = 120
c.Execute.allow_errors = True
# ipykernel 7 warns on every start that its local TCP sockets are unencrypted; the
# kernel only listens on loopback here, and the warning would drown the grade table.
c.Execute.extra_arguments = ["--IPKernelApp.log_level=ERROR"]
