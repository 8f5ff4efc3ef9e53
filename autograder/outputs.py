"""What a grading run shows and leaves: the grades CSV, the summary table, the progress bar.

Scores come from the gradebook as it is now (manual grades from formgrader included), statuses
and messages from the stored results.
"""
from __future__ import annotations

import csv
import io
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from .course_folder import write_atomic
from .paths import COURSE_ID
from .protocol import GRADED, NEEDS_MANUAL, GradeResult


@dataclass
class GradebookRow:
    """One student's submission as the gradebook has it now (manual grades included)."""
    score: float
    max_score: float
    needs_manual: list[str]        # cells still waiting for a person
    any_manual: bool               # a person has graded some cell
    cells: dict[str, float]        # grade_id -> points
    late_penalty: float = 0.0

    @property
    def final_score(self) -> float:
        return self.score - self.late_penalty


def gradebook_rows(db_url: str, assignment: str, students: list[str]) -> dict[str, GradebookRow]:
    """student -> their row, for those of ``students`` the gradebook has."""
    from nbgrader.api import Gradebook, MissingEntry
    rows = {}
    with Gradebook(db_url, COURSE_ID) as gb:
        for s in students:
            try:
                snb = gb.find_submission_notebook(assignment, assignment, s)
            except MissingEntry:
                continue
            grades = list(snb.grades)
            rows[s] = GradebookRow(float(snb.score), float(snb.max_score),
                                   [g.name for g in grades if g.needs_manual_grade],
                                   any(g.manual_score is not None for g in grades),
                                   {g.name: float(g.score) for g in grades},
                                   float(snb.late_submission_penalty or 0.0))
    return rows


def status_text(result: GradeResult, row: GradebookRow | None) -> str:
    if result.failed:
        if row and not row.needs_manual and row.any_manual:
            return GRADED  # an instructor graded it by hand in formgrader
        return f"failed to grade: {result.reason}"
    if row is not None:
        return NEEDS_MANUAL if row.needs_manual else GRADED
    return result.status


def _csv_row(result: GradeResult, row: GradebookRow | None, points: dict[str, float]) -> list[str]:
    status = status_text(result, row)
    graded = not status.startswith("failed")
    failed_text = "; ".join(f"{c.grade_id}: {(c.message or 'no message').splitlines()[0][:160]}"
                            for c in result.failed_tests())
    score = "" if not graded else f"{(row.final_score) if row else result.score or 0:g}"
    per_test = []
    for t in points:
        cell = result.cell(t)
        got = row.cells.get(t, 0) if row else (cell.auto_score or 0 if cell else 0)
        per_test.append(f"{got:g}" if graded else "")
    return [result.student, status, score, f"{row.max_score:g}" if row else "",
            "" if result.failed else f"{result.score:g}", f"{sum(points.values()):g}", *per_test, failed_text,
            ", ".join(result.disagreements), "; ".join(result.notes)]


def write_csv(path: Path, results: dict[str, GradeResult], rows: dict[str, GradebookRow], points: dict[str, float]) -> None:
    """A row per student: status, score (manual grades and late penalty included), per-test points."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["student_id", "status", "score", "max_score", "autograded_score", "autograded_max",
                *[f"{t} ({points[t]:g})" for t in points], "failed_tests", "tampering", "notes"])
    for s in sorted(results):
        w.writerow(_csv_row(results[s], rows.get(s), points))
    write_atomic(path, buf.getvalue())


def summary_table(results: dict[str, GradeResult], rows: dict[str, GradebookRow], width: int = 100) -> str:
    lines = [f"{'student':<24} {'score':>11}  status"]
    for s in sorted(results):
        r, row = results[s], rows.get(s)
        status = status_text(r, row)
        if status.startswith("failed"):
            score = "-"
        else:
            score = f"{row.final_score:g}/{row.max_score:g}" if row else f"{r.score:g}"
        text = status
        if r.notes and not status.startswith("failed"):
            text += f" ({r.notes[0]})"
        lines.append(f"{s[:24]:<24} {score:>11}  {text[:width - 38]}")
    statuses = [status_text(results[s], rows.get(s)) for s in results]
    lines.append(f"{len(results)} students: {statuses.count('graded')} graded, "
                 f"{statuses.count('needs manual grading')} need manual grading, "
                 f"{sum(x.startswith('failed') for x in statuses)} failed to grade")
    return "\n".join(lines)


class Progress:
    """A progress bar with an ETA (tqdm) on stderr; plain lines when stderr is not a terminal."""

    def __init__(self, enabled: bool, total: int):
        self.bar = None
        self.total, self.done, self.start = total, 0, time.monotonic()
        if enabled:
            from tqdm import tqdm
            self.bar = tqdm(total=total, unit="sub", file=sys.stderr, dynamic_ncols=True,
                            bar_format="{l_bar}{bar}| {n_fmt}/{total_fmt} [{elapsed}<{remaining}, {rate_fmt}]")

    def update(self, n: int, result: GradeResult) -> None:
        self.done += n
        if self.bar is not None:
            self.bar.set_postfix_str(f"{result.student[:16]}: {result.status}", refresh=False)
            self.bar.update(n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
