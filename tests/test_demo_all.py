"""`course demo` for every assignment, graded through `course grade` (two workers, the sandbox this
machine offers): every sample gets its expected score and status, the ordinary ones, the whole
mutation suite (every classic mistake and correct variant of mutations.toml, judged again by
tests/test_selfcheck.py from this same run) and the hostile samples of autograder/hostile.toml given
to it; where an attack fooled the tests in the student's kernel, the grader's own run disagrees and
says so (notes, the CSV's tampering column, the note on the feedback page), and nowhere else; every
graded sample gets a feedback page showing each test cell's score and message and no hidden-test
line, a failed one none; the CSV and the gradebook agree; the class and the repository are
untouched; no process is left behind.

Each assignment's class is graded once per test session (:func:`graded_demo`, shared with
tests/test_grade.py and tests/test_selfcheck.py). gradient_checking's is checked by
tests/test_grade.py, with these same checks and deeper ones (rerun, --student, the limits-only
fallback); this module checks the other assignments.

The hostile corpus: gradient_checking gets all of it. The attacks on the tests in the kernel and on
the answers depend on what an assignment's tests do: each runs on SPREAD other assignments as well
(:func:`corpus`), so every class has hostile neighbours. Runaway code, bombs and file snooping are
stopped by the sandbox and the limits, whatever the assignment: gradient_checking's class (with
and without bubblewrap) runs them. COURSE_TEST_CORPUS=full: every assignment all of it.
"""
from __future__ import annotations

import collections
import csv
import hashlib
import html
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest

from autograder import demo, grade, nbgrader_ext, paths, sandbox
from autograder.protocol import GradeResult

pytestmark = pytest.mark.slow  # a demo class per assignment, graded like a real class

DEEP = "gradient_checking"   # checked, with these checks and more, by tests/test_grade.py
OTHERS = [a for a in paths.assignments() if a != DEEP]
SPREAD = 1                   # how many of OTHERS each attack on the tests runs on (besides DEEP)
# what stops these is the sandbox and the limits, the same for every assignment: DEEP's class (and
# its limits-only fallback, tests/test_grade.py) runs them
LIMITS_ATTACKS = {"times-out-once", "infinite-loop", "ignores-interrupt", "os-exit", "kills-kernel", "memory-bomb",
                  "output-flood", "fork-bomb", "reads-files", "runs-solutions", "wipes-gradebook"}


def corpus(assignment: str) -> list[demo.Attack]:
    """The attacks of hostile.toml this assignment's demo class gets here: DEEP all of them; the
    others, in turn, the attacks on the tests in the kernel and on the answers (what the
    assignment's own tests meet), each on SPREAD neighbouring assignments."""
    attacks = demo.load_attacks()
    if assignment not in OTHERS or os.environ.get("COURSE_TEST_CORPUS") == "full":
        return attacks
    shared = [a for a in attacks if not a.assignments and a.name not in LIMITS_ATTACKS]
    here = OTHERS.index(assignment)
    return [a for k, a in enumerate(shared) if any((k * SPREAD + j) % len(OTHERS) == here for j in range(SPREAD))]


def _tree_digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


TEST_ARTEFACTS = {"test-output", ".pytest_cache"}   # what other tests of the run may create meanwhile


def _repo_state():
    db = paths.ROOT / "gradebook.db"
    return (db.exists() and db.stat().st_mtime,
            sorted(p.name for p in paths.ROOT.iterdir() if p.name not in TEST_ARTEFACTS))


@dataclass
class DemoRun:
    assignment: str
    out: Path
    samples: list[demo.Sample]
    attacks: list[demo.Attack]
    box: sandbox.Sandbox
    rows: list
    report: grade.Report
    class_before: dict[str, str]
    repo_before: tuple
    seconds: float

    @property
    def grading(self) -> Path:
        return self.out / "grading"

    def result(self, student: str) -> GradeResult:
        return self.report.results[student]


_GRADED: dict[str, DemoRun] = {}


def graded_demo(assignment: str, tmp_path_factory) -> DemoRun:
    """The assignment's demo class, with the whole mutation suite and its share of the hostile
    corpus, graded with two workers: once per test session (pytest-xdist keeps the tests of one
    assignment's class on one worker: conftest.py)."""
    if assignment not in _GRADED:
        _GRADED[assignment] = _grade_demo(assignment, tmp_path_factory)
    return _GRADED[assignment]


def _grade_demo(assignment: str, tmp_path_factory) -> DemoRun:
    # a deep folder, as an instructor's may be: kernel sockets must not inherit its length
    out = tmp_path_factory.mktemp(f"demo-{assignment}") / "a-rather-long-folder-name-for-a-course" / "fall-term-grading-run"
    repo_before = _repo_state()
    start = time.monotonic()
    attacks = corpus(assignment)
    samples, box = demo.build(paths.ROOT, assignment, out, attacks=attacks, every_mutation=True)
    class_before = _tree_digest(out / "class")
    rows, report = demo.grade_class(paths.ROOT, assignment, out, samples, box, workers=2, quiet=True, progress=False)
    return DemoRun(assignment, out.resolve(), samples, attacks, box, rows, report, class_before, repo_before,
                   time.monotonic() - start)


# --------------------------------------------------------------------------------------------------
# the checks, for any assignment's graded demo

def check_samples(run: DemoRun) -> None:
    """Every sample: its expected score, status, failure reason, notes, disagreements and printed
    lines (demo.check)."""
    assert {s.student for s in run.samples} == set(run.report.results)
    bad = [f"{s.student}: {why}" for s, got, ok, why in run.rows if not ok]
    assert not bad, f"{run.assignment}:\n" + demo.format_rows(run.rows)


def check_corpus(run: DemoRun) -> None:
    """One sample per (attack, base) of the corpus that applies here; with the full corpus, some
    attack fools the kernel, and is caught."""
    expected = {(a.name, base) for a in run.attacks
                if not (a.only == "bwrap" and run.box.mode != "bwrap")
                and not (a.assignments and run.assignment not in a.assignments) for base in a.bases}
    built = {(s.attack, s.base) for s in run.samples if s.attack}
    assert built == expected
    fooled = [s.student for s in run.samples if s.tampering]
    assert fooled or len(run.attacks) < len(demo.load_attacks())
    assert all(run.result(s).disagreements for s in fooled), fooled


def _plain(page: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", page))


def _sections(plain: str) -> dict[str, str]:
    """grade_id -> the page text from its "Grade cell:" header to the next one."""
    parts = re.split(r"Grade cell: (\S+)", plain)
    return {parts[i]: parts[i + 1] for i in range(1, len(parts) - 1, 2)}


def _message_lines(message: str) -> list[str]:
    lines = [l.strip() for l in message.splitlines() if l.strip()]
    if message.endswith(" ..."):  # cut at the message limit: its last line is not whole
        lines = lines[:-1]
    return lines


def _secrets(run: DemoRun, student: str) -> list[str]:
    """The hidden-test lines this student may not see (what the worker's leak check uses)."""
    a = run.assignment
    instructor = nbformat.read(run.grading / "source" / a / f"{a}.ipynb", as_version=4)
    release = nbformat.read(run.grading / "release" / a / f"{a}.ipynb", as_version=4)
    graded = nbformat.read(run.grading / "autograded" / student / a / f"{a}.ipynb", as_version=4)
    return nbgrader_ext.secret_lines(nbgrader_ext.test_sources(instructor), nbgrader_ext.visible_text(release, graded))


def check_feedback_page(run: DemoRun, student: str) -> str:
    """The student's page shows each test cell's score and message, and no hidden-test line; its text."""
    a, r = run.assignment, run.result(student)
    page = run.grading / "feedback" / student / a / f"{a}.html"
    assert page.is_file(), f"{a} {student}: no feedback page; notes: {r.notes}"
    assert r.feedback == str(page.relative_to(run.grading))
    text = page.read_text()
    sections = _sections(_plain(text))
    for cell in (c for c in r.cells if c.kind == "tests"):
        where = f"{a} {student} {cell.grade_id}"
        assert cell.grade_id in sections, f"{where}: not on the page"
        score = re.search(r"Score: ([\d.]+) / ([\d.]+)", sections[cell.grade_id])
        assert score, f"{where}: no score"
        shown = (float(score[1]), float(score[2]))
        assert shown == pytest.approx((cell.auto_score, cell.max_score), abs=0.05), f"{where}: {shown}"
        missing = [l for l in _message_lines(cell.message) if l not in sections[cell.grade_id]]
        assert not missing, f"{where}: message lines not shown: {missing}"
    assert nbgrader_ext.html_leaks(text, _secrets(run, student)) == [], f"{a} {student}"
    assert nbgrader_ext.BEGIN_HIDDEN not in text
    return text


def check_feedback(run: DemoRun) -> list[str]:
    """A page for every graded sample (see check_feedback_page), none for a failed one; the pages."""
    pages = []
    for s in run.samples:
        if run.result(s.student).failed:
            assert not (run.grading / "feedback" / s.student).exists(), s.student
        else:
            pages.append(check_feedback_page(run, s.student))
    if any("BEGIN HIDDEN TESTS" in src for src in _instructor_tests(run).values()):
        assert all("hidden tests were run here" in p for p in pages)
    return pages


def _instructor_tests(run: DemoRun) -> dict[str, str]:
    a = run.assignment
    return nbgrader_ext.test_sources(nbformat.read(run.grading / "source" / a / f"{a}.ipynb", as_version=4))


def check_csv(run: DemoRun) -> None:
    """A row per student: failures stated (never a silent zero), scores per test as graded."""
    with open(run.grading / f"grades_{run.assignment}.csv") as fh:
        rows = {r["student_id"]: r for r in csv.DictReader(fh)}
    assert set(rows) == {s.student for s in run.samples}
    for s in run.samples:
        row, r = rows[s.student], run.result(s.student)
        assert row["tampering"] == ", ".join(r.disagreements), row
        assert bool(row["tampering"]) == s.tampering, (s.student, row["tampering"])
        if s.status == "failed":
            assert row["status"].startswith("failed to grade: ") and len(row["status"]) > 30, row
            assert row["score"] == "", row  # no number that could pass for a zero
            continue
        assert row["status"] == s.status
        assert float(row["autograded_score"]) == s.score
        assert float(row["max_score"]) >= float(row["autograded_max"])
        for cell in (c for c in r.cells if c.kind == "tests"):
            assert float(row[f"{cell.grade_id} ({cell.max_score:g})"]) == cell.auto_score, (s.student, cell.grade_id)


def check_gradebook(run: DemoRun) -> None:
    """Every student once, with one submission each; the reference scores every test point."""
    from nbgrader.api import Gradebook
    a = run.assignment
    with Gradebook(f"sqlite:///{run.grading / 'gradebook.db'}") as gb:
        students = [s.id for s in gb.students]
        assert sorted(students) == sorted(s.student for s in run.samples)
        assignment = gb.find_assignment(a)
        assert len(assignment.submissions) == len(students)
        correct = gb.find_submission_notebook(a, a, "correct")
        tests = [c for c in assignment.notebooks[0].grade_cells if c.cell_type == "code"]
        assert correct.score == sum(c.max_score for c in tests)


def check_class_report(run: DemoRun) -> None:
    """The class report: every student counted, every test cell with its pass share, the known
    mistakes the hints recognised (the mistake samples make some), the failures and why."""
    a = run.assignment
    page = run.report.report_path
    assert page == run.grading / f"report_{a}.html" and page.exists()
    text = _plain(page.read_text())
    assert f"{len(run.samples)} students" in text, text[:400]
    for gid in _instructor_tests(run):
        graded = [r for r in run.report.results.values() if not r.failed]
        passed = sum(1 for r in graded if (c := r.cell(gid)) is not None and c.passed)
        assert gid in text and f"({passed}/{len(graded)})" in text, gid
    assert "known mistake" in text.lower() or "Known mistakes" in text
    for s in run.samples:
        if s.status == "failed":
            assert s.student in text, f"{s.student} is not among the failures of the report"


def check_untouched(run: DemoRun) -> None:
    assert _tree_digest(run.out / "class") == run.class_before
    assert _repo_state() == run.repo_before


def check_no_leftovers(run: DemoRun) -> None:
    assert demo.leftover_processes(run.out) == []


# --------------------------------------------------------------------------------------------------
# the other assignments

@pytest.fixture(scope="module", params=OTHERS)
def run(request, tmp_path_factory) -> DemoRun:
    return graded_demo(request.param, tmp_path_factory)


def test_every_attack_on_the_tests_meets_several_assignments_and_every_class_some():
    attacks = demo.load_attacks()
    assert LIMITS_ATTACKS <= {a.name for a in attacks}
    shared = {a.name for a in attacks if not a.assignments} - LIMITS_ATTACKS
    counts = collections.Counter(a.name for x in OTHERS for a in corpus(x))
    assert dict(counts) == {n: min(SPREAD, len(OTHERS)) for n in shared}
    assert all(corpus(x) for x in OTHERS)
    assert corpus(DEEP) == attacks


def test_every_sample_gets_its_expected_score_and_status(run):
    check_samples(run)


def test_hostile_corpus_is_built_and_the_kernel_fooled_is_caught(run):
    check_corpus(run)


def test_feedback_shows_each_test_score_and_message_but_no_hidden_tests(run):
    check_feedback(run)


def test_csv_states_failures_and_scores(run):
    check_csv(run)


def test_gradebook_holds_every_student_once(run):
    check_gradebook(run)


def test_class_report_shows_what_to_reteach(run):
    check_class_report(run)


def test_submissions_and_repository_untouched(run):
    check_untouched(run)


def test_hostile_code_left_no_process_behind(run):
    check_no_leftovers(run)
