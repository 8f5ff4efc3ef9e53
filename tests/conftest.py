import os

import matplotlib
import nbformat
import pytest

matplotlib.use("Agg")
os.environ.setdefault("MPLBACKEND", "Agg")

# Rows of the mutation-suite table: test_selfcheck.py records one per assignment as a property of
# its test report (which crosses from pytest-xdist's workers), printed at the end of the run.
MUTATION_ROW = "mutation_suite_row"
MUTATION_TABLE: dict = {}


def pytest_runtest_logreport(report):
    for key, value in report.user_properties:
        if key == MUTATION_ROW:
            MUTATION_TABLE[report.nodeid] = value


def pytest_collection_modifyitems(config, items):
    """With pytest-xdist's ``--dist loadgroup``, the tests of one module share a worker, and so do
    its module-scoped fixtures (a database server); the tests of one assignment's demo class
    (test_demo_all, test_selfcheck, test_grade: graded once per session) share one too."""
    for item in items:
        module = item.module.__name__
        param = getattr(getattr(item, "callspec", None), "id", None)
        if module in ("test_demo_all", "test_selfcheck") and param:
            group = f"demo-class[{param}]"    # one graded class per assignment (test_demo_all.graded_demo)
        elif module == "test_grade":
            group = "demo-class[gradient_checking]"
        else:
            group = module
        item.add_marker(pytest.mark.xdist_group(group))


def pytest_terminal_summary(terminalreporter):
    if MUTATION_TABLE:
        terminalreporter.section("mutation suite (graded by course grade: real nbgrader, sandboxed)")
        for name in sorted(MUTATION_TABLE):
            terminalreporter.write_line(MUTATION_TABLE[name])


@pytest.fixture(scope="session", autouse=True)
def shared_grading_cache(tmp_path_factory):
    """One $COURSE_GRADE_CACHE for the run (unless one is set): the ~70 grading runs and releases of
    the suite build each assignment's template once, not once per grading folder (tests of the
    cache itself set and unset it)."""
    from autograder.course_folder import CACHE_ENV
    if os.environ.get(CACHE_ENV, "").strip():
        yield
        return
    os.environ[CACHE_ENV] = str(tmp_path_factory.mktemp("grading-cache"))
    yield
    os.environ.pop(CACHE_ENV, None)


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
