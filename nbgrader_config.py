"""nbgrader configuration for running nbgrader (formgrader, the lab extensions) from the repo root.

The instructor source is solutions/, the student release notebooks/. The `course` command uses the
same settings (autograder/nbgrader_settings.py) in a throwaway copy of the course instead.
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from autograder.nbgrader_settings import CONFIG  # noqa: E402

exec(CONFIG)  # noqa: S102  (sets c.*: course id, stubs, ignored files)
c = get_config()  # noqa: F821
c.CourseDirectory.root = str(Path(__file__).resolve().parent)
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "notebooks"
c.Execute.timeout = 60
