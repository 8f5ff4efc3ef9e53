"""The class report: one self-contained HTML page per assignment, ``DIR/report_<assignment>.html``.

`course grade` writes it after the CSV, from the same inputs: the stored results (statuses,
messages, timings) and the gradebook rows (final scores, manual grades included). An instructor
sees in one page what to re-teach:

- the class at a glance: how many graded, waiting for manual grading, failed; mean and median;
- the score distribution (an inline SVG histogram over 0..max);
- per test cell, its points, the share of students who passed it and the most common failures;
- the known mistakes the hints recognised ("It matches a known mistake: <cause>."), most common first;
- who failed to grade and why; who was flagged for tampering; the slowest submissions.

:func:`summarize` computes a typed :class:`ClassSummary`; :func:`render` turns it into HTML (no
network, no scripts; every string is escaped, since student ids, messages and reasons come from
submissions); :func:`write` does both.
"""
from __future__ import annotations

import re
import statistics
from collections import Counter
from dataclasses import dataclass, field
from html import escape
from pathlib import Path

from .course_folder import write_atomic
from .outputs import GradebookRow, status_text
from .protocol import GRADED, NEEDS_MANUAL, GradeResult

KNOWN_MISTAKE = re.compile(r"^It matches a known mistake: (.+)$", re.MULTILINE)  # cs231n_utils.testing
TRUNCATED = " ..."          # what nbgrader_ext.cell_message appends to a message it cut
BINS = 10
SLOWEST = 5
FAILURES_SHOWN = 3
LINE_CHARS = 160


# --------------------------------------------------------------------------------------------------
# the summary

@dataclass
class Bin:
    low: float
    high: float
    count: int


@dataclass
class Failure:
    """One way a test cell failed: the first line of its message (an example) and how many students."""
    line: str
    count: int


@dataclass
class CellSummary:
    grade_id: str
    points: float
    attempted: int                      # students whose submission was graded automatically
    passed: int
    failures: list[Failure] = field(default_factory=list)   # most common first

    @property
    def share_passed(self) -> float | None:
        return self.passed / self.attempted if self.attempted else None


@dataclass
class Mistake:
    """A classic mistake a hint recognised, and the students whose answer reproduces it."""
    cause: str
    students: list[str]
    cells: list[str]                    # the test cells where it was recognised

    @property
    def count(self) -> int:
        return len(self.students)


@dataclass
class Slow:
    student: str
    seconds: float
    status: str


@dataclass
class ClassSummary:
    assignment: str
    students: int
    graded: int
    needs_manual: int
    failed: int
    max_score: float
    scores: dict[str, float]            # student -> final score (those with one, as in the CSV)
    histogram: list[Bin]
    cells: list[CellSummary]
    mistakes: list[Mistake]             # most common first
    failed_to_grade: dict[str, str]     # student -> why
    tampering: dict[str, list[str]]     # student -> test cells the kernel and the trusted run judged differently
    slowest: list[Slow]                 # slowest first

    @property
    def mean(self) -> float | None:
        return statistics.fmean(self.scores.values()) if self.scores else None

    @property
    def median(self) -> float | None:
        return statistics.median(self.scores.values()) if self.scores else None


def summarize(assignment: str, results: dict[str, GradeResult], rows: dict[str, GradebookRow],
              points: dict[str, float]) -> ClassSummary:
    """The report's numbers from the stored results, the gradebook rows and each test cell's points."""
    statuses = {s: status_text(r, rows.get(s)) for s, r in results.items()}
    scores = final_scores(results, rows, statuses)
    top = max_score(rows, points)
    failed = {s: results[s].reason or "unknown" for s, text in sorted(statuses.items()) if _is_failed(text)}
    return ClassSummary(
        assignment, len(results), sum(t == GRADED for t in statuses.values()),
        sum(t == NEEDS_MANUAL for t in statuses.values()), len(failed), top, scores,
        histogram(list(scores.values()), top), cell_summaries(results, points), known_mistakes(results),
        failed, {s: list(r.disagreements) for s, r in sorted(results.items()) if r.disagreements},
        slowest(results, statuses))


def _is_failed(status: str) -> bool:
    return status.startswith("failed")


def final_scores(results: dict[str, GradeResult], rows: dict[str, GradebookRow],
                 statuses: dict[str, str]) -> dict[str, float]:
    """student -> score as the CSV gives it: the gradebook's (manual grades, late penalty), else autograded."""
    scores = {}
    for s in sorted(results):
        if _is_failed(statuses[s]):
            continue
        row = rows.get(s)
        scores[s] = row.final_score if row else (results[s].score or 0.0)
    return scores


def max_score(rows: dict[str, GradebookRow], points: dict[str, float]) -> float:
    """The assignment's maximum: the gradebook's (manual cells included), else the test cells' points."""
    return max((row.max_score for row in rows.values()), default=0.0) or float(sum(points.values()))


def histogram(scores: list[float], top: float, bins: int = BINS) -> list[Bin]:
    """``bins`` equal bins over 0..top; the last includes ``top``; scores outside go to the nearest end."""
    if top <= 0:
        return [Bin(0.0, 0.0, len(scores))] if scores else []
    width = top / bins
    counts = [0] * bins
    for score in scores:
        counts[min(bins - 1, max(0, int(score // width)))] += 1
    return [Bin(i * width, (i + 1) * width, n) for i, n in enumerate(counts)]


def first_line(message: str) -> str:
    line = next((x.strip() for x in message.splitlines() if x.strip()), "") or "no message"
    return line if len(line) <= LINE_CHARS else line[:LINE_CHARS] + "…"


def _failure_key(line: str) -> str:
    """Lines that differ only in their numbers are one kind of failure."""
    return re.sub(r"[-+]?\d+(\.\d+)?([eE][-+]?\d+)?", "#", line)


def common_failures(messages: list[str], shown: int = FAILURES_SHOWN) -> list[Failure]:
    """The most common first lines of ``messages`` (numbers ignored), with one example each."""
    lines = [first_line(m) for m in messages]
    counts = Counter(_failure_key(x) for x in lines)
    example = {}
    for x in lines:
        example.setdefault(_failure_key(x), x)
    return [Failure(example[k], n) for k, n in counts.most_common(shown)]


def cell_summaries(results: dict[str, GradeResult], points: dict[str, float]) -> list[CellSummary]:
    """Per test cell (in notebook order) how many of the automatically graded students passed it."""
    graded = [r for _, r in sorted(results.items()) if not r.failed]
    summaries = []
    for grade_id, pts in points.items():
        cells = [r.cell(grade_id) for r in graded]
        failing = [c.message if c else "the test cell is missing" for c in cells if not (c and c.passed)]
        summaries.append(CellSummary(grade_id, pts, len(graded), len(graded) - len(failing),
                                     common_failures(failing)))
    return summaries


def mistake_causes(message: str) -> list[str]:
    """The known mistakes a hint names in ``message`` (a cause cut short by the message limit is left out)."""
    causes = []
    for match in KNOWN_MISTAKE.finditer(message):
        line = match.group(1).strip()
        if line.endswith(TRUNCATED) and match.end() == len(message.rstrip()):
            continue
        causes.append(line.removesuffix("."))
    return causes


def known_mistakes(results: dict[str, GradeResult]) -> list[Mistake]:
    """Each cause a hint recognised in a failing test cell, with the students (each once) and cells."""
    students: dict[str, set[str]] = {}
    cells: dict[str, list[str]] = {}
    for s, result in sorted(results.items()):
        for cell in result.failed_tests():
            for cause in mistake_causes(cell.message):
                students.setdefault(cause, set()).add(s)
                if cell.grade_id not in cells.setdefault(cause, []):
                    cells[cause].append(cell.grade_id)
    mistakes = [Mistake(cause, sorted(who), cells[cause]) for cause, who in students.items()]
    return sorted(mistakes, key=lambda m: (-m.count, m.cause))


def slowest(results: dict[str, GradeResult], statuses: dict[str, str], n: int = SLOWEST) -> list[Slow]:
    ranked = sorted(results.values(), key=lambda r: (-r.seconds, r.student))
    return [Slow(r.student, r.seconds, statuses[r.student]) for r in ranked[:n]]


# --------------------------------------------------------------------------------------------------
# the page

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 60em; color: #222; }
h1 { margin-bottom: 0.2em; } h2 { margin-top: 1.6em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; width: 100%; } th, td { text-align: left; padding: 0.3em 0.5em;
vertical-align: top; border-bottom: 1px solid #eee; } th { background: #f4f4f4; }
td.num { text-align: right; white-space: nowrap; } code { font-size: 0.9em; }
.bar { background: #eee; width: 10em; height: 0.9em; display: inline-block; vertical-align: middle; }
.bar span { background: #4a7fb5; height: 100%; display: block; }
.low span { background: #c0504d; } .mid span { background: #e0a030; }
.muted { color: #777; } ul.fails { margin: 0; padding-left: 1.2em; }
.facts span { display: inline-block; margin-right: 1.5em; }
"""


def _n(x: float) -> str:
    return f"{x:.4g}"


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _table(headers: list[str], rows: list[list[str]], empty: str) -> str:
    """An HTML table; headers and cells must already be HTML (escaped)."""
    if not rows:
        return f'<p class="muted">{empty}</p>'
    head = "".join(f"<th>{h}</th>" for h in headers)
    body = "".join("<tr>" + "".join(row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _td(html: str, num: bool = False) -> str:
    return f'<td class="num">{html}</td>' if num else f"<td>{html}</td>"


def render_header(s: ClassSummary) -> str:
    mean = "-" if s.mean is None else f"{_n(s.mean)} / {_n(s.max_score)}"
    median = "-" if s.median is None else f"{_n(s.median)} / {_n(s.max_score)}"
    facts = [f"{s.students} students", f"{s.graded} graded", f"{s.needs_manual} need manual grading",
             f"{s.failed} failed to grade", f"mean {mean}", f"median {median}"]
    return (f"<h1>Class report: {_e(s.assignment)}</h1>\n<p class=\"facts\">"
            + "".join(f"<span>{_e(f)}</span>" for f in facts) + "</p>\n"
            + ('<p class="muted">Scores include manual grades and late penalties as the gradebook has '
               "them now; students still waiting for manual grading count with what they have so far.</p>"))


def render_histogram(s: ClassSummary, width: int = 600, height: int = 180) -> str:
    """An inline SVG bar chart of ``s.histogram``: a bar per bin, its count above, its range below."""
    if not s.scores:
        return '<h2>Score distribution</h2>\n<p class="muted">No scores yet.</p>'
    top = max(b.count for b in s.histogram) or 1
    step, plot = width / len(s.histogram), height - 40
    parts = []
    for i, b in enumerate(s.histogram):
        h = plot * b.count / top
        x, y = i * step + 2, 20 + plot - h
        label = f"{_n(b.low)}–{_n(b.high)}"
        parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{step - 4:.1f}" height="{h:.1f}" fill="#4a7fb5">'
                     f"<title>{_e(label)}: {b.count}</title></rect>"
                     f'<text x="{x + step / 2 - 2:.1f}" y="{y - 4:.1f}" text-anchor="middle" '
                     f'font-size="12">{b.count}</text>'
                     f'<text x="{x + step / 2 - 2:.1f}" y="{height - 6}" text-anchor="middle" '
                     f'font-size="11" fill="#555">{_e(label)}</text>')
    return (f"<h2>Score distribution</h2>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" "
            f"height=\"{height}\" role=\"img\" aria-label=\"score histogram\">{''.join(parts)}</svg>")


def _bar(share: float | None) -> str:
    if share is None:
        return '<span class="muted">no graded submission</span>'
    tone = "low" if share < 0.5 else "mid" if share < 0.8 else ""
    return (f'<span class="bar {tone}"><span style="width:{100 * share:.0f}%"></span></span> '
            f"{100 * share:.0f}%")


def render_cells(s: ClassSummary) -> str:
    rows = []
    for c in s.cells:
        fails = "".join(f"<li>{f.count} × <code>{_e(f.line)}</code></li>" for f in c.failures)
        rows.append([_td(f"<code>{_e(c.grade_id)}</code>"), _td(_e(_n(c.points)), num=True),
                     _td(f"{_bar(c.share_passed)} <span class=\"muted\">({c.passed}/{c.attempted})</span>"),
                     _td(f'<ul class="fails">{fails}</ul>' if fails else "")])
    return "<h2>Test cells</h2>\n" + _table(["test cell", "points", "passed", "most common failures"], rows,
                                            "No test cells.")


def render_mistakes(s: ClassSummary) -> str:
    rows = [[_td(_e(m.cause)), _td(str(m.count), num=True),
             _td(", ".join(f"<code>{_e(c)}</code>" for c in m.cells)),
             _td(_e(", ".join(m.students)))] for m in s.mistakes]
    return ("<h2>Known mistakes recognised</h2>\n"
            + _table(["mistake", "students", "test cells", "who"], rows, "No known mistake was recognised."))


def render_failed(s: ClassSummary) -> str:
    rows = [[_td(_e(student)), _td(_e(why))] for student, why in s.failed_to_grade.items()]
    return "<h2>Failed to grade</h2>\n" + _table(["student", "why"], rows, "Every submission was graded.")


def render_tampering(s: ClassSummary) -> str:
    rows = [[_td(_e(student)), _td(", ".join(f"<code>{_e(c)}</code>" for c in cells))]
            for student, cells in s.tampering.items()]
    return ("<h2>Tampering flagged</h2>\n<p class=\"muted\">Test cells the student's kernel and the trusted "
            "run judged differently: look at these notebooks in formgrader.</p>\n"
            + _table(["student", "test cells"], rows, "No submission was flagged."))


def render_slowest(s: ClassSummary) -> str:
    rows = [[_td(_e(x.student)), _td(f"{x.seconds:.1f} s", num=True), _td(_e(x.status))] for x in s.slowest]
    return "<h2>Slowest submissions</h2>\n" + _table(["student", "time", "status"], rows, "No submission.")


def render(s: ClassSummary) -> str:
    """The whole page: self-contained (inline CSS and SVG, no scripts, nothing fetched)."""
    sections = [render_header(s), render_histogram(s), render_cells(s), render_mistakes(s), render_failed(s),
                render_tampering(s), render_slowest(s)]
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>Class report: {_e(s.assignment)}</title><style>{STYLE}</style></head>\n<body>\n"
            + "\n".join(sections) + "\n</body></html>\n")


def write(path: Path, assignment: str, results: dict[str, GradeResult], rows: dict[str, GradebookRow],
          points: dict[str, float]) -> ClassSummary:
    """Write the class report to ``path`` (atomically); returns its summary."""
    summary = summarize(assignment, results, rows, points)
    write_atomic(path, render(summary))
    return summary
