"""`course grade` end to end on the demo class (`course demo`): real nbgrader, sandboxed kernels,
two workers. Every sample gets its expected score and status; feedback has no hidden tests; the
CSV, the gradebook and the terminal table agree; the submissions and the repository are untouched;
running again grades nothing twice; --student regrades one student.

The sandbox is the one this machine offers (bubblewrap, or limits only where there is none, as on
a fresh CI machine); where bubblewrap works, the limits-only fallback runs here too
(COURSE_SANDBOX=none), so both paths are tested wherever bubblewrap is installed.
"""
import csv
import hashlib
import json
import os
from pathlib import Path

import nbformat
import pytest

from autograder import demo, grade, grade_worker, nbgrader_ext, paths, sandbox

ASSIGNMENT = "gradient_checking"
pytestmark = pytest.mark.skipif(ASSIGNMENT not in paths.assignments(), reason=f"needs {ASSIGNMENT}")


def _tree_digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _repo_state():
    db = paths.ROOT / "gradebook.db"
    return (db.exists() and db.stat().st_mtime, sorted(p.name for p in paths.ROOT.iterdir()))


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    # a deep folder, as an instructor's may be: kernel sockets must not inherit its length
    out = tmp_path_factory.mktemp("demo") / "a-rather-long-folder-name-for-a-course" / "fall-term-grading-run"
    repo_before = _repo_state()
    samples, box = demo.build(paths.ROOT, ASSIGNMENT, out)
    class_before = _tree_digest(out / "class")
    rows, report = demo.grade_class(paths.ROOT, ASSIGNMENT, out, samples, box, workers=2, quiet=True, progress=False)
    return {"out": out, "samples": samples, "box": box, "rows": rows, "report": report,
            "class_before": class_before, "repo_before": repo_before}


def _ids(rows):
    return [r[0].student for r in rows]


def test_demo_class_covers_the_issue(demo_run):
    names = {s.student for s in demo_run["samples"]}
    for needed in ("correct", "blank", "partial", "mistakes-1", "variant", "warning", "edited-tests", "misnamed",
                   "missing", "corrupt", "infinite-loop", "ignores-interrupt", "os-exit", "kills-kernel",
                   "memory-bomb", "output-flood", "reads-files"):
        assert needed in names
    if demo_run["box"].mode == "bwrap":
        assert "wipes-gradebook" in names


def test_every_sample_gets_its_expected_score_and_status(demo_run):
    table = demo.format_rows(demo_run["rows"])
    bad = [f"{s.student}: {why}" for s, got, ok, why in demo_run["rows"] if not ok]
    assert not bad, "\n" + table


def test_failures_are_stated_never_silent_zeros(demo_run):
    out = demo_run["out"] / "grading"
    with open(out / f"grades_{ASSIGNMENT}.csv") as fh:
        rows = {r["student_id"]: r for r in csv.DictReader(fh)}
    assert set(rows) == {s.student for s in demo_run["samples"]}
    for s in demo_run["samples"]:
        row = rows[s.student]
        if s.status == "failed":
            assert row["status"].startswith("failed to grade: ") and len(row["status"]) > 30, row
            assert row["score"] == "", row  # no number that could pass for a zero
        else:
            assert row["status"] == s.status
            assert float(row["autograded_score"]) == s.score
            assert float(row["max_score"]) >= float(row["autograded_max"])


def test_feedback_shows_scores_and_messages_but_no_hidden_tests(demo_run):
    out = demo_run["out"] / "grading"
    secrets = grade_worker._secrets_for(next((out / grade.STATE).glob(f"template-{ASSIGNMENT}-*")), ASSIGNMENT)
    assert secrets, "the assignment has hidden tests"
    scrubbed_somewhere = False
    for s in demo_run["samples"]:
        result = demo_run["report"].results[s.student]
        page = out / "feedback" / s.student / ASSIGNMENT / f"{ASSIGNMENT}.html"
        if result["status"] == "failed":
            assert not page.exists()
            continue
        assert page.exists(), f"{s.student}: {result['notes']}"
        text = page.read_text()
        nb = nbformat.read(out / "autograded" / s.student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
        own = nbgrader_ext.without_own_lines(secrets, nb)
        assert grade_worker.html_leaks(text, own) == [], s.student
        assert "BEGIN HIDDEN TESTS" not in text
        assert "hidden tests were run here" in text
        assert "Score:" in text or "score" in text.lower()
        scrubbed_somewhere |= nbgrader_ext.HIDDEN_PLACEHOLDER in text
    # some mistake fails inside the hidden tests: its traceback context had to be scrubbed
    assert scrubbed_somewhere


def test_messages_name_the_failing_test(demo_run):
    r = demo_run["report"].results["blank"]
    assert all("NotImplementedError" in c["message"] for c in r["cells"] if c["kind"] == "tests")
    partial = demo_run["report"].results["partial"]
    assert any(c["auto_score"] == c["max_score"] for c in partial["cells"] if c["kind"] == "tests")


def test_gradebook_holds_every_student_once(demo_run):
    from nbgrader.api import Gradebook
    out = demo_run["out"] / "grading"
    with Gradebook(f"sqlite:///{out / 'gradebook.db'}") as gb:
        students = [s.id for s in gb.students]
        assert sorted(students) == sorted(s.student for s in demo_run["samples"])
        assignment = gb.find_assignment(ASSIGNMENT)
        assert len(assignment.submissions) == len(students)
        correct = gb.find_submission_notebook(ASSIGNMENT, ASSIGNMENT, "correct")
        assert correct.score == sum(c.max_score for c in assignment.notebooks[0].grade_cells if not c.name.startswith("q"))


def test_submissions_and_repository_untouched(demo_run):
    assert _tree_digest(demo_run["out"] / "class") == demo_run["class_before"]
    assert _repo_state() == demo_run["repo_before"]


def test_hostile_code_left_no_process_behind(demo_run):
    assert demo.leftover_processes(demo_run["out"]) == []


def test_rerun_grades_nothing_twice(demo_run):
    out = demo_run["out"]
    csv_before = (out / "grading" / f"grades_{ASSIGNMENT}.csv").read_text()
    rows, report = demo.grade_class(paths.ROOT, ASSIGNMENT, out, demo_run["samples"], demo_run["box"],
                                    workers=2, quiet=True, progress=False)
    assert report.graded_now == []
    assert sorted(report.skipped) == sorted(s.student for s in demo_run["samples"])
    assert (out / "grading" / f"grades_{ASSIGNMENT}.csv").read_text() == csv_before
    assert all(ok for _, _, ok, _ in rows)


def test_student_option_regrades_only_that_student(demo_run):
    out = demo_run["out"]
    before = {s: r["fingerprint"] for s, r in grade.load_results(out / "grading", ASSIGNMENT).items()}
    rows, report = demo.grade_class(paths.ROOT, ASSIGNMENT, out, demo_run["samples"], demo_run["box"],
                                    workers=2, quiet=True, progress=False, students=["partial"])
    assert report.graded_now == ["partial"]
    assert all(ok for _, _, ok, _ in rows)
    after = {s: r["fingerprint"] for s, r in grade.load_results(out / "grading", ASSIGNMENT).items()}
    assert after == before


FALLBACK = ["correct", "blank", "warning", "edited-tests", "corrupt", "infinite-loop", "ignores-interrupt",
            "os-exit", "kills-kernel", "memory-bomb", "output-flood", "fork-bomb", "reads-files"]


def test_limits_only_fallback_grades_hostile_code(demo_run, tmp_path, monkeypatch, capsys):
    """Without bubblewrap the limits still hold, and the command says loudly that files are not confined.

    Where bubblewrap works, the fallback runs here on the hostile samples; where it does not (a fresh CI
    machine), the module's run above was the fallback and its rows are checked again here."""
    monkeypatch.setenv(sandbox.ENV_VAR, "none")
    if demo_run["box"].mode == "bwrap":
        samples, box = demo.build(paths.ROOT, ASSIGNMENT, tmp_path)
        assert box.mode == "none"
        rows, report = demo.grade_class(paths.ROOT, ASSIGNMENT, tmp_path, samples, box, workers=2, quiet=True,
                                        progress=False, students=FALLBACK)
        assert demo.leftover_processes(tmp_path) == []
    else:
        rows = [r for r in demo_run["rows"] if r[0].student in FALLBACK]
        samples, box = demo.build(paths.ROOT, ASSIGNMENT, tmp_path)
        demo.grade_class(paths.ROOT, ASSIGNMENT, tmp_path, samples, box, workers=1, quiet=True,
                         progress=False, students=["corrupt"])
    err = capsys.readouterr().err
    assert "WARNING: sandbox: NONE" in err and "can read and write every file" in err  # said even when quiet
    assert sorted(_ids(rows)) == sorted(FALLBACK)
    bad = [f"{s.student}: {why}" for s, got, ok, why in rows if not ok]
    assert not bad, "\n" + demo.format_rows(rows)
