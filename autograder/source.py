"""Notebook sources: readable jupytext files -> nbgrader notebooks.

Each assignment is authored as ``solutions/<name>/<name>.py`` in jupytext's percent format. A cell
header says what nbgrader should make of the cell, in a few words instead of nbgrader's JSON:

    # %% kind="answer" grade_id="sigmoid"                 student code, solution stripped on release
    # %% kind="tests" grade_id="test_sigmoid" points=3    autograded tests (locked), hidden ones inside
    # %% [markdown] kind="manual" grade_id="q1" points=2  a written answer graded by hand
    # %% kind="readonly"                                  provided code or text the student can't edit

``build_notebook`` turns that into the ``solutions/<name>/<name>.ipynb`` nbgrader reads, with no
outputs and stable cell ids so the generated file only changes when the source does.
"""
from __future__ import annotations

import copy
import functools
from pathlib import Path

import jupytext
import nbformat

KINDS = ("answer", "tests", "manual", "readonly", "task")
_NBGRADER_FLAGS = {
    # kind: (solution, grade, locked)
    "answer": (True, False, False),
    "tests": (False, True, True),
    "manual": (True, True, False),
    "readonly": (False, False, True),
}
_JUPYTEXT_KEYS = ("lines_to_next_cell", "cell_marker", "title")


class SourceError(ValueError):
    """A notebook source whose cell headers nbgrader could not use."""


def nbgrader_metadata(kind: str, grade_id: str, points=None) -> dict:
    solution, grade, locked = _NBGRADER_FLAGS[kind]
    meta = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3,
            "solution": solution, "task": False}
    if grade:
        meta["points"] = points
    return meta


def build_notebook(source: Path) -> nbformat.NotebookNode:
    """Read a jupytext percent file and return the nbgrader notebook it describes."""
    nb = jupytext.read(source)
    seen: set[str] = set()
    for index, cell in enumerate(nb.cells):
        meta = cell.metadata
        for key in _JUPYTEXT_KEYS:
            meta.pop(key, None)
        kind = meta.pop("kind", None)
        grade_id = meta.pop("grade_id", None)
        points = meta.pop("points", None)
        where = f"{source.name}, cell {index + 1} ({cell.source[:40]!r}...)"
        if kind is None:
            if grade_id is not None or points is not None:
                raise SourceError(f"{where}: grade_id/points given without a kind")
            cell.id = f"cell-{index:03d}"
            continue
        if kind not in _NBGRADER_FLAGS:
            raise SourceError(f"{where}: kind={kind!r}; use one of {', '.join(_NBGRADER_FLAGS)}")
        grade_id = grade_id or f"{kind}-{index:03d}"
        if grade_id in seen:
            raise SourceError(f"{where}: grade_id {grade_id!r} is used twice")
        seen.add(grade_id)
        needs_points = _NBGRADER_FLAGS[kind][1]
        if needs_points and not (isinstance(points, (int, float)) and points > 0):
            raise SourceError(f"{where}: kind={kind!r} needs points > 0, got {points!r}")
        if not needs_points and points is not None:
            raise SourceError(f"{where}: kind={kind!r} takes no points")
        if kind == "manual" and cell.cell_type != "markdown":
            raise SourceError(f"{where}: a manually graded written answer must be a markdown cell")
        if kind == "answer" and "### BEGIN SOLUTION" not in cell.source:
            raise SourceError(f"{where}: an answer cell needs ### BEGIN SOLUTION / ### END SOLUTION")
        meta["nbgrader"] = nbgrader_metadata(kind, grade_id, points)
        cell.id = grade_id
    nb.metadata.pop("jupytext", None)
    nb.metadata["kernelspec"] = {"display_name": "Python 3 (ipykernel)", "language": "python",
                                 "name": "python3"}
    nb.metadata["language_info"] = {"name": "python"}
    nb.nbformat, nb.nbformat_minor = 4, 5
    nbformat.validate(nb)
    return nb


def notebook_text(nb: nbformat.NotebookNode) -> str:
    return nbformat.writes(nb) + "\n"


@functools.lru_cache(maxsize=32)
def _instructor_text(path: Path, mtime_ns: int, size: int) -> str:
    return notebook_text(build_notebook(path))


def instructor_text(root: Path, name: str) -> str:
    """The instructor notebook of an assignment, as nbgrader reads it (cached until its source changes)."""
    path = source_path(root, name)
    stat = path.stat()
    return _instructor_text(path, stat.st_mtime_ns, stat.st_size)


def instructor_notebook(root: Path, name: str) -> nbformat.NotebookNode:
    """A fresh copy of the instructor notebook of an assignment (see :func:`instructor_text`)."""
    return nbformat.reads(instructor_text(root, name), as_version=4)


def source_path(root: Path, name: str) -> Path:
    return root / "solutions" / name / f"{name}.py"


def instructor_notebook_path(root: Path, name: str) -> Path:
    return root / "solutions" / name / f"{name}.ipynb"


def build(root: Path, name: str, check: bool = False) -> tuple[Path, bool]:
    """Write (or, with ``check``, only compare) solutions/<name>/<name>.ipynb. Returns (path, changed)."""
    text = instructor_text(root, name)
    target = instructor_notebook_path(root, name)
    changed = not target.exists() or target.read_text() != text
    if changed and not check:
        target.write_text(text)
    return target, changed


def points_by_cell(nb: nbformat.NotebookNode) -> dict[str, float]:
    """grade_id -> points of every autograded test cell (see :mod:`autograder.cells`)."""
    from .cells import test_points  # nbgrader is imported only where cells are graded
    return test_points(nb)


def without_outputs(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    return nb
