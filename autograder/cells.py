"""What kind of cell is this? One answer for the whole autograder, on top of nbgrader's own
predicates (``nbgrader.utils.is_grade``, ``is_solution``, ``is_locked``).

The kinds are those of an assignment's source (:mod:`autograder.source`):

- ``answer``:   student code, solution cleared on release (solution, not graded);
- ``tests``:    an autograded test cell (graded, not a solution, code);
- ``manual``:   a written answer graded by hand (graded and a solution);
- ``readonly``: provided code or text the student cannot edit (locked, neither of the above);
- ``None``:     an ordinary cell without nbgrader metadata.
"""
from __future__ import annotations

from nbformat import NotebookNode
from nbgrader import utils


def grade_id(cell: NotebookNode) -> str | None:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def points(cell: NotebookNode) -> float:
    return float(cell.get("metadata", {}).get("nbgrader", {}).get("points") or 0.0)


def is_tests(cell: NotebookNode) -> bool:
    return cell.get("cell_type") == "code" and bool(utils.is_grade(cell)) and not utils.is_solution(cell)


def is_answer(cell: NotebookNode) -> bool:
    return cell.get("cell_type") == "code" and bool(utils.is_solution(cell)) and not utils.is_grade(cell)


def is_manual(cell: NotebookNode) -> bool:
    return bool(utils.is_grade(cell)) and bool(utils.is_solution(cell))


def is_locked(cell: NotebookNode) -> bool:
    """nbgrader puts its source back on autograding (test cells and read-only cells)."""
    return bool(utils.is_locked(cell))


def is_readonly(cell: NotebookNode) -> bool:
    return bool(utils.is_locked(cell)) and not utils.is_grade(cell) and not utils.is_solution(cell)


def kind(cell: NotebookNode) -> str | None:
    for name, test in (("tests", is_tests), ("answer", is_answer), ("manual", is_manual),
                       ("readonly", is_readonly)):
        if test(cell):
            return name
    return None


def of_kind(nb: NotebookNode, wanted: str) -> list[NotebookNode]:
    return [c for c in nb.cells if kind(c) == wanted]


def source_text(cell: NotebookNode) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def graded_kinds(nb: NotebookNode) -> dict[str, str]:
    """grade_id -> "tests" or "manual", in notebook order, for every graded cell."""
    return {grade_id(c): ("manual" if is_manual(c) else "tests") for c in nb.cells if utils.is_grade(c)}


def test_points(nb: NotebookNode) -> dict[str, float]:
    """grade_id -> points of every autograded test cell, in notebook order."""
    return {grade_id(c): points(c) for c in nb.cells if is_tests(c)}
