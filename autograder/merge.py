"""Recording results in the grading folder (main process only).

For each student, in this order: the gradebook, the files (submitted copy, autograded notebook,
feedback page), then ``results/<assignment>/<student>.json`` written atomically: the commit point.
A result on disk is therefore fully recorded, and the gradebook can always be rebuilt from
``results/`` (:func:`rebuild_gradebook`), e.g. after a submission damaged it.
"""
from __future__ import annotations

import shutil
import urllib.parse
import warnings
from pathlib import Path

from . import collect
from .course_folder import STATE, replace_tree, write_atomic
from .paths import COURSE_ID
from .protocol import FORMAT, GradeResult


def results_dir(out: Path, assignment: str) -> Path:
    return out / "results" / assignment


def student_file(student: str) -> str:
    return urllib.parse.quote(student, safe="") + ".json"


def load_results(out: Path, assignment: str) -> dict[str, GradeResult]:
    """student -> stored result, for every student of ``assignment`` graded into ``out``."""
    folder = results_dir(out, assignment)
    found = {}
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        try:
            result = GradeResult.from_json(path.read_text())
        except (OSError, ValueError, KeyError, TypeError):
            continue
        found[result.student] = result
    return found


def _timestamp(result: GradeResult):
    from nbgrader.utils import parse_utc
    if not result.timestamp:
        return None
    try:
        return parse_utc(result.timestamp)
    except (ValueError, OverflowError):
        note = f"timestamp {result.timestamp!r} not understood; ignored"
        if note not in result.notes:
            result.notes.append(note)
        return None


def record_in_gradebook(db_url: str, result: GradeResult, gb=None) -> None:
    """The result's scores and comments in the gradebook; a failed one is flagged for manual grading
    so formgrader lists it. Manual grades already given are kept. ``gb``: an open nbgrader Gradebook
    of ``db_url`` to use (opening one costs more than the write itself on a database server)."""
    from nbgrader.api import Gradebook
    if gb is None:
        with Gradebook(db_url, COURSE_ID) as gb:
            return record_in_gradebook(db_url, result, gb)
    a, s = result.assignment, result.student
    timestamp = _timestamp(result)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SQLAlchemy's autoflush notes from nbgrader's own queries
        gb.update_or_create_student(s)
        gb.update_or_create_submission(a, s, **({"timestamp": timestamp} if timestamp is not None else {}))
        snb = gb.find_submission_notebook(a, a, s)
        for grade in snb.grades:
            cell = None if result.failed else result.cell(grade.name)
            if cell is None:
                grade.auto_score = None
                grade.needs_manual_grade = True  # formgrader lists it: a person has to look
            else:
                grade.auto_score = cell.auto_score
                grade.needs_manual_grade = grade.manual_score is not None or cell.auto_score is None
        for comment in snb.comments:
            cell = result.cell(comment.name)
            comment.auto_comment = None if cell is None else cell.auto_comment
        gb.db.commit()


def _copy_submission(out: Path, sub: collect.Submission, assignment: str) -> None:
    dest = out / "submitted" / sub.student / assignment
    if dest.exists() and sub.files and all(Path(p).resolve().is_relative_to(dest.resolve())
                                           for p in sub.files.values()):
        return  # graded from this very folder
    tmp = out / STATE / "stage" / student_file(sub.student)
    shutil.rmtree(tmp, ignore_errors=True)
    for rel, src in sub.files.items():
        (tmp / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, tmp / rel)
    if sub.timestamp:
        (tmp / "timestamp.txt").write_text(sub.timestamp)
    tmp.mkdir(parents=True, exist_ok=True)
    replace_tree(tmp, dest)
    shutil.rmtree(tmp, ignore_errors=True)


def _keep_files(out: Path, result: GradeResult) -> None:
    """The worker's autograded notebook and feedback page into ``out``; paths made relative."""
    a, s = result.assignment, result.student
    if result.autograded:
        replace_tree(Path(result.autograded), out / "autograded" / s / a)
        result.autograded = str((out / "autograded" / s / a).relative_to(out))
    else:
        shutil.rmtree(out / "autograded" / s / a, ignore_errors=True)
    page = out / "feedback" / s / a / f"{a}.html"
    if result.feedback:
        write_atomic(page, Path(result.feedback).read_bytes())
        result.feedback = str(page.relative_to(out))
    elif page.exists():
        page.unlink()


def commit(out: Path, result: GradeResult, sub: collect.Submission | None) -> GradeResult:
    """Files, then the result JSON: from here on the student counts as graded."""
    if sub is not None:
        _copy_submission(out, sub, result.assignment)
    _keep_files(out, result)
    result.format = FORMAT
    write_atomic(results_dir(out, result.assignment) / student_file(result.student), result.to_json())
    return result


def rebuild_gradebook(out: Path, db_url: str, assignments: list[str]) -> int:
    """Record every stored result of ``assignments`` again (the gradebook already holds the
    assignments themselves); returns how many."""
    n = 0
    for a in assignments:
        for result in load_results(out, a).values():
            record_in_gradebook(db_url, result)
            n += 1
    return n
