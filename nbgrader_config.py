"""nbgrader configuration for running nbgrader (formgrader, the lab extensions) from the repo root.

The instructor source is solutions/, the student release notebooks/. The settings are the ones
every nbgrader run of the course uses (autograder.nbgrader_settings.nbgrader_config); the `course`
command applies them in a throwaway copy of the course instead.
"""
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))
from autograder.nbgrader_settings import nbgrader_config, tools_on_path  # noqa: E402

tools_on_path()  # nbgrader runs `alembic` by name, also in a `jupyter lab` whose venv is not activated
c = get_config()  # noqa: F821
c.merge(nbgrader_config(ROOT))
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "notebooks"
c.Execute.timeout = 60
