import os

import matplotlib
import nbformat
import pytest

matplotlib.use("Agg")
os.environ.setdefault("MPLBACKEND", "Agg")

# Rows of the mutation-suite table, filled by test_selfcheck.py, printed at the end of the run.
MUTATION_TABLE: dict = {}


def pytest_terminal_summary(terminalreporter):
    if MUTATION_TABLE:
        terminalreporter.section("mutation suite (graded by course grade: real nbgrader, sandboxed)")
        for name in sorted(MUTATION_TABLE):
            terminalreporter.write_line(MUTATION_TABLE[name])


@pytest.fixture(scope="session")
def gc_notebooks(tmp_path_factory):
    """(reference answers, untouched release, points per test cell) of gradient_checking, as the
    texts a student would submit: tiny classes for tests of `course grade` itself."""
    from autograder import course_folder, paths, selfcheck, source
    a = "gradient_checking"
    template, _ = course_folder.build_template(paths.ROOT, a, tmp_path_factory.mktemp("gc-template"))
    release = nbformat.read(template / "release" / a / f"{a}.ipynb", as_version=4)
    instructor = source.instructor_notebook(paths.ROOT, a)
    correct = selfcheck.reference_submission(instructor, release)
    return nbformat.writes(correct), nbformat.writes(release), source.points_by_cell(instructor)
