"""The class report (`course grade` writes ``report_<assignment>.html``): its numbers from a small
class built by hand, its HTML (every student string escaped), and one real grading run that writes
and prints it (real nbgrader, a correct and a blank notebook of gradient_checking).
"""
import re

import numpy as np
import pytest

from autograder import grade, paths, report, sandbox
from autograder.outputs import GradebookRow
from autograder.protocol import FAILED, GRADED, NEEDS_MANUAL, CellResult, GradeResult
from cs231n_utils.testing import HintError, check_array, check_scalar

POINTS = {"test_forward": 4.0, "test_backward": 6.0}
HOSTILE = "<script>alert(1)</script>"
HALF = "dividing by 2h instead of h"
SIGN = "the sign flipped: -grad"


def _hint(check, *args, **kw) -> str:
    """The message a failing test cell shows, made by the real hint helper."""
    with pytest.raises(HintError) as info:
        check(*args, **kw)
    return f"HintError: {info.value}"


def _half_message(value=0.5) -> str:
    return _hint(check_scalar, "grad", value, 1.0, mistakes={HALF: 0.5, "ignoring h": 3.0})


def _sign_message() -> str:
    x = np.arange(1.0, 4.0)
    return _hint(check_array, "dx", -x, x, mistakes={SIGN: -x})


def _result(student, forward=4.0, backward=6.0, *, status=GRADED, fwd_msg="", bwd_msg="", seconds=1.0,
            **kw) -> GradeResult:
    cells = [CellResult("test_forward", "tests", forward, 4.0, message=fwd_msg),
             CellResult("test_backward", "tests", backward, 6.0, message=bwd_msg),
             CellResult("explain", "manual", None, 2.0, needs_manual_grade=status == NEEDS_MANUAL)]
    return GradeResult("toy", student, status, cells=cells, seconds=seconds, **kw)


def _row(score, needs_manual=(), any_manual=False, late=0.0) -> GradebookRow:
    return GradebookRow(score, 12.0, list(needs_manual), any_manual, {}, late)


@pytest.fixture
def class_():
    """(results, rows): six students, one of each kind."""
    results = {
        "ann": _result("ann", seconds=3.0),                                             # everything right
        "bo": _result("bo", backward=0.0, bwd_msg=_half_message(), seconds=9.5),        # a known mistake
        "cy": _result("cy", 0.0, 0.0, fwd_msg=_sign_message(), bwd_msg=_half_message(), seconds=2.0,
                      disagreements=["test_backward"]),                                   # two, and tampering
        HOSTILE: _result(HOSTILE, backward=0.0, status=NEEDS_MANUAL, seconds=7.0,
                         bwd_msg=f"ValueError: {HOSTILE}\nmore"),                         # waiting for a person
        "dee": GradeResult("toy", "dee", FAILED, "time limit: <cell 3> ran past 20 s", seconds=30.0),
        "eve": GradeResult("toy", "eve", FAILED, "no notebook", seconds=0.5),            # graded by hand since
    }
    rows = {"ann": _row(12.0), "bo": _row(8.0, late=1.0), "cy": _row(2.0), HOSTILE: _row(4.0, ["explain"]),
            "eve": _row(5.0, any_manual=True)}
    return results, rows


# -- the numbers -----------------------------------------------------------------------------------

def test_header_counts_and_scores_as_the_csv_has_them(class_):
    s = report.summarize("toy", *class_, POINTS)
    assert (s.students, s.graded, s.needs_manual, s.failed) == (6, 4, 1, 1)
    assert s.max_score == 12.0
    assert s.scores == {"ann": 12.0, "bo": 7.0, "cy": 2.0, HOSTILE: 4.0, "eve": 5.0}   # late penalty, manual
    assert s.mean == pytest.approx(6.0) and s.median == 5.0


def test_histogram_bins_cover_zero_to_max():
    bins = report.histogram([0.0, 1.1, 5.0, 12.0, 12.0, -1.0, 13.0], 12.0, bins=4)
    assert [(b.low, b.high) for b in bins] == [(0, 3), (3, 6), (6, 9), (9, 12)]
    assert [b.count for b in bins] == [3, 1, 0, 3]                # the max in the last bin; outliers clamped
    assert report.histogram([], 0.0) == [] and report.histogram([1.0], 0.0)[0].count == 1


def test_histogram_of_the_class(class_):
    s = report.summarize("toy", *class_, POINTS)
    assert sum(b.count for b in s.histogram) == 5 and len(s.histogram) == report.BINS
    assert s.histogram[-1].count == 1 and s.histogram[1].count == 1   # ann 12; cy 2 in 1.2..2.4


def test_share_passed_per_test_cell_and_common_failures(class_):
    s = report.summarize("toy", *class_, POINTS)
    forward, backward = s.cells
    assert (forward.grade_id, forward.points, forward.passed, forward.attempted) == ("test_forward", 4.0, 3, 4)
    assert (backward.passed, backward.attempted) == (1, 4)
    assert backward.share_passed == 0.25
    assert backward.failures[0].count == 2 and backward.failures[0].line.startswith("HintError: `grad` is 0.5")
    assert backward.failures[1].line == f"ValueError: {HOSTILE}"


def test_failures_that_differ_only_in_numbers_are_one_kind():
    got = report.common_failures(["E: x is 0.5, expected 1", "E: x is 0.25, expected 1\nmore", "", "other"])
    assert [(f.line, f.count) for f in got] == [("E: x is 0.5, expected 1", 2), ("no message", 1), ("other", 1)]


def test_known_mistakes_counted_once_per_student_most_common_first(class_):
    results, rows = class_
    results["bo"].cells[0] = CellResult("test_forward", "tests", 0.0, 4.0, message=_half_message())
    s = report.summarize("toy", results, rows, POINTS)
    assert [(m.cause, m.count) for m in s.mistakes] == [(HALF, 2), (SIGN, 1)]
    assert s.mistakes[0].students == ["bo", "cy"]
    assert s.mistakes[0].cells == ["test_forward", "test_backward"]   # in the order met
    assert s.mistakes[1].cells == ["test_forward"]


def test_mistake_causes_read_the_hint_wording():
    text = _hint(check_scalar, "r", 0.1, 0.05, mistakes={"max(|a|, |b|) only. Then 1/(1 - p)": 0.1},
                 hint="see the lesson")
    assert report.mistake_causes(text) == ["max(|a|, |b|) only. Then 1/(1 - p)"]
    assert report.mistake_causes("x\nIt matches a known mistake: dividing by p ins ...") == []
    assert report.mistake_causes("It matches a known mistake: not at line start") == ["not at line start"]
    assert report.mistake_causes("print: It matches a known mistake: quoted") == []


def test_failed_tampering_and_slowest(class_):
    s = report.summarize("toy", *class_, POINTS)
    assert s.failed_to_grade == {"dee": "time limit: <cell 3> ran past 20 s"}
    assert s.tampering == {"cy": ["test_backward"]}
    assert [x.student for x in s.slowest] == ["dee", "bo", HOSTILE, "ann", "cy"]
    assert s.slowest[0].status.startswith("failed to grade")


def test_empty_class():
    s = report.summarize("toy", {}, {}, POINTS)
    assert (s.students, s.mean, s.median, s.mistakes, s.slowest) == (0, None, None, [], [])
    assert all(c.share_passed is None for c in s.cells)
    assert "No scores yet" in report.render(s)


# -- the page --------------------------------------------------------------------------------------

def test_page_shows_the_numbers_and_escapes_student_strings(class_, tmp_path):
    path = tmp_path / "report_toy.html"
    report.write(path, "toy", *class_, POINTS)
    page = path.read_text()
    assert "<script" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;cell 3&gt;" in page and "<cell 3>" not in page
    assert not re.search(r"(src|href)=", page)                       # nothing fetched
    for text in ("6 students", "4 graded", "1 need manual grading", "1 failed to grade", "mean 6 / 12",
                 "median 5 / 12", "<svg", "test_forward", "test_backward", "25%", "(1/4)", "75%",
                 HALF, SIGN, "30.0 s", "9.5 s", "Tampering flagged"):
        assert text in page, text
    assert page.index(HALF) < page.index(SIGN)                         # most common first
    assert page.index("dee") < page.index("bo</td><td class=\"num\">9.5 s")


# -- a real run ------------------------------------------------------------------------------------

A = "gradient_checking"
FAST = sandbox.Limits(cell_timeout=20, notebook_timeout=120, memory_mb=2048)


@pytest.fixture(scope="module")
def notebooks(gc_notebooks):
    return gc_notebooks


@pytest.mark.skipif(A not in paths.assignments(), reason=f"needs {A}")
def test_course_grade_writes_and_prints_the_report(tmp_path, notebooks, capsys):
    correct, blank, points = notebooks
    for student, text in (("ann", correct), ("bo", blank)):
        (tmp_path / "subs" / student).mkdir(parents=True)
        (tmp_path / "subs" / student / f"{A}.ipynb").write_text(text)
    out = tmp_path / "out"
    result = grade.grade(grade.Options(A, tmp_path / "subs", out=out, workers=2, progress=False, limits=FAST))
    path = out / f"report_{A}.html"
    assert result.report_path == path and path.is_file()
    assert f"report: {path}" in capsys.readouterr().out.splitlines()
    page = path.read_text()
    assert "2 students" in page and points
    for grade_id in points:
        assert f"<code>{grade_id}</code>" in page, grade_id
    assert "(1/2)" in page                                           # ann passes each test cell, bo none
