"""`course grade` end to end on gradient_checking's demo class (`course demo`): real nbgrader,
sandboxed kernels, two workers. The checks every assignment's demo gets (tests/test_demo_all.py:
expected score and status per sample, the hostile corpus of autograder/hostile.toml with the
disagreements it must and must not cause, feedback with each test's score and message and no hidden
tests, the CSV, the gradebook, nothing touched, no process left), and deeper ones: the class covers
the issue, the grader's note in the autograded notebook, scrubbed hidden lines, running again grades
nothing twice, --student regrades one student.

The sandbox is the one this machine offers (bubblewrap, or limits only where there is none, as on
a fresh CI machine); where bubblewrap works, the limits-only fallback runs here too
(COURSE_SANDBOX=none), so both paths are tested wherever bubblewrap is installed.
"""
import nbformat
import pytest
from test_demo_all import (
    check_class_report,
    check_corpus,
    check_csv,
    check_feedback,
    check_gradebook,
    check_no_leftovers,
    check_samples,
    check_untouched,
    graded_demo,
)

from autograder import demo, merge, nbgrader_ext, paths, sandbox

ASSIGNMENT = "gradient_checking"
pytestmark = [pytest.mark.slow,  # grades a demo class with the full hostile corpus
              pytest.mark.skipif(ASSIGNMENT not in paths.assignments(), reason=f"needs {ASSIGNMENT}")]


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    return graded_demo(ASSIGNMENT, tmp_path_factory)


def _ids(rows):
    return [r[0].student for r in rows]


# issue 10's hostile corpus: each attack on the blank release and on the reference (or on one of them)
ATTACKS = {"input-transformer": 2, "patched-helpers": 2, "patched-numpy": 2, "always-equal": 2, "fake-testing-module": 2,
           "swallows-errors": 2, "ast-transformer": 2, "pickle-bomb": 2, "huge-array": 2, "callback-storm": 2,
           "fork-bomb": 1, "memory-bomb": 1, "output-flood": 1, "kills-kernel": 1, "os-exit": 1,
           "infinite-loop": 1, "ignores-interrupt": 1, "reads-files": 1, "times-out-once": 1}
BWRAP_ATTACKS = {"runs-solutions": 1, "wipes-gradebook": 1}


def test_demo_class_covers_the_issue(demo_run):
    names = {s.student for s in demo_run.samples}
    for needed in ("correct", "blank", "partial", "mistakes-1", "variant", "warning", "edited-tests", "misnamed",
                   "missing", "corrupt"):
        assert needed in names
    attacks = {**ATTACKS, **(BWRAP_ATTACKS if demo_run.box.mode == "bwrap" else {})}
    built = {a: len([s for s in demo_run.samples if s.attack == a]) for a in attacks}
    assert built == attacks
    # the attacks on the tests in the kernel that do fool them (hostile.toml records which)
    fooled = {s.attack for s in demo_run.samples if s.tampering}
    assert fooled == {"input-transformer", "patched-helpers", "fake-testing-module", "ast-transformer"}


def test_hostile_corpus_is_built_and_the_kernel_fooled_is_caught(demo_run):
    check_corpus(demo_run)


def test_the_grader_notes_its_disagreement_in_the_autograded_notebook(demo_run):
    for s in demo_run.samples:
        r = demo_run.result(s.student)
        if r.failed:
            continue
        graded = nbformat.read(demo_run.grading / r.autograded / f"{ASSIGNMENT}.ipynb", as_version=4)
        first = graded.cells[0]
        noted = first.cell_type == "markdown" and "Note from the grader" in first.source
        assert noted == bool(r.disagreements), s.student
        if noted:
            assert all(d in first.source for d in r.disagreements)
            assert [n for n in r.notes if n.startswith("tampering suspected: ")], s.student


def test_every_sample_gets_its_expected_score_and_status(demo_run):
    check_samples(demo_run)


def test_failures_are_stated_never_silent_zeros(demo_run):
    check_csv(demo_run)


def test_feedback_shows_scores_and_messages_but_no_hidden_tests(demo_run):
    pages = check_feedback(demo_run)
    # some mistake fails inside the hidden tests: its traceback context had to be scrubbed
    assert any(nbgrader_ext.HIDDEN_PLACEHOLDER in page for page in pages)


def test_messages_name_the_failing_test(demo_run):
    r = demo_run.result("blank")
    assert all("NotImplementedError" in c.message for c in r.cells if c.kind == "tests")
    partial = demo_run.result("partial")
    assert any(c.passed for c in partial.cells if c.kind == "tests")
    assert any(not c.passed for c in partial.cells if c.kind == "tests")


def test_gradebook_holds_every_student_once(demo_run):
    check_gradebook(demo_run)


def test_class_report_shows_what_to_reteach(demo_run):
    check_class_report(demo_run)


def test_submissions_and_repository_untouched(demo_run):
    check_untouched(demo_run)


def test_hostile_code_left_no_process_behind(demo_run):
    check_no_leftovers(demo_run)


def test_rerun_grades_nothing_twice(demo_run):
    out = demo_run.out
    csv_before = (out / "grading" / f"grades_{ASSIGNMENT}.csv").read_text()
    rows, report = demo.grade_class(paths.ROOT, ASSIGNMENT, out, demo_run.samples, demo_run.box,
                                    workers=2, quiet=True, progress=False)
    assert report.graded_now == []
    assert sorted(report.skipped) == sorted(s.student for s in demo_run.samples)
    assert (out / "grading" / f"grades_{ASSIGNMENT}.csv").read_text() == csv_before
    assert all(ok for _, _, ok, _ in rows), demo.format_rows(rows)


def test_student_option_regrades_only_that_student(demo_run):
    out = demo_run.out
    before = {s: r.fingerprint for s, r in merge.load_results(out / "grading", ASSIGNMENT).items()}
    rows, report = demo.grade_class(paths.ROOT, ASSIGNMENT, out, demo_run.samples, demo_run.box,
                                    workers=2, quiet=True, progress=False, students=["partial"])
    assert report.graded_now == ["partial"]
    assert _ids(rows) == ["partial"]
    assert all(ok for _, _, ok, _ in rows), demo.format_rows(rows)
    after = {s: r.fingerprint for s, r in merge.load_results(out / "grading", ASSIGNMENT).items()}
    assert after == before


# what the limits must stop, and a correct and a corrupt notebook beside them
FALLBACK = ["correct", "corrupt", "infinite-loop", "ignores-interrupt", "os-exit", "kills-kernel", "memory-bomb",
            "output-flood", "fork-bomb", "reads-files", "huge-array-correct"]


def test_limits_only_fallback_grades_hostile_code(demo_run, tmp_path, monkeypatch, capsys):
    """Without bubblewrap the limits still hold, and the command says loudly that files are not confined.

    Where bubblewrap works, the fallback runs here on the hostile samples; where it does not (a fresh CI
    machine), the module's run above was the fallback and its rows are checked again here."""
    monkeypatch.setenv(sandbox.ENV_VAR, "none")
    if demo_run.box.mode == "bwrap":
        samples, box = demo.build(paths.ROOT, ASSIGNMENT, tmp_path)
        assert box.mode == "none"
        rows, _ = demo.grade_class(paths.ROOT, ASSIGNMENT, tmp_path, samples, box, workers=2, quiet=True,
                                   progress=False, students=FALLBACK)
        assert demo.leftover_processes(tmp_path) == []
    else:
        rows = [r for r in demo_run.rows if r[0].student in FALLBACK]
        samples, box = demo.build(paths.ROOT, ASSIGNMENT, tmp_path)
        demo.grade_class(paths.ROOT, ASSIGNMENT, tmp_path, samples, box, workers=1, quiet=True,
                         progress=False, students=["corrupt"])
    err = capsys.readouterr().err
    assert "WARNING: sandbox: NONE" in err and "can read and write every file" in err  # said even when quiet
    assert sorted(_ids(rows)) == sorted(FALLBACK)
    bad = [f"{s.student}: {why}" for s, got, ok, why in rows if not ok]
    assert not bad, "\n" + demo.format_rows(rows)
