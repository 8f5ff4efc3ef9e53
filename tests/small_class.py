"""Small classes for the grading-at-scale tests (PostgreSQL, Dask, shards), and what a gradebook
holds, cell by cell, to compare two runs.

A class is the reference answers, the blank release, and partial submissions (the reference with
one answer cell left blank, each a different one): every student a different score.
"""
from __future__ import annotations

import csv
from pathlib import Path

import nbformat

from autograder import cells, course_folder, grade, paths, sandbox, selfcheck, source

FIELDS_SKIPPED = ("seconds",)    # wall-clock figures differ between any two runs
FAST = sandbox.Limits(cell_timeout=20, notebook_timeout=120, memory_mb=2048)
_BASELINES: dict[str, tuple[Path, grade.Report]] = {}


def notebooks(assignment: str, state: Path, partials: int = 2) -> dict[str, nbformat.NotebookNode]:
    """student -> notebook: correct, blank, and partial-<cell> for the first ``partials`` answer
    cells (four students: enough for four different scores, small enough to grade often)."""
    template, _ = course_folder.build_template(paths.ROOT, assignment, state)
    release = nbformat.read(template / "release" / assignment / f"{assignment}.ipynb", as_version=4)
    correct = selfcheck.reference_submission(source.instructor_notebook(paths.ROOT, assignment), release)
    blank = {cells.grade_id(c): c.source for c in release.cells if cells.kind(c) == "answer"}
    class_ = {"correct": correct, "blank": release}
    for gid in list(blank)[:partials]:
        nb = nbformat.from_dict(correct)
        for c in nb.cells:
            if cells.grade_id(c) == gid:
                c.source = blank[gid]
        class_[f"partial-{gid}"] = nb
    return class_


def write(folder: Path, class_: dict[str, nbformat.NotebookNode], assignment: str) -> Path:
    for student, nb in class_.items():
        (folder / student).mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, folder / student / f"{assignment}.ipynb")
    return folder


def sqlite_baseline(assignment: str, tmp_path_factory) -> tuple[Path, grade.Report]:
    """The small class of ``assignment`` (its folder of submissions) and its run into sqlite, two
    workers, FAST limits: graded once per test session, the run the PostgreSQL and shard runs are
    compared with. Both are only read: a test that changes a class or a run makes its own."""
    if assignment not in _BASELINES:
        folder = tmp_path_factory.mktemp(f"baseline-{assignment}")
        subs = write(folder / "subs", notebooks(assignment, folder / "state"), assignment)
        report = grade.grade(grade.Options(assignment, subs, out=folder / "sqlite", workers=2, quiet=True,
                                           progress=False, limits=FAST))
        _BASELINES[assignment] = subs, report
    return _BASELINES[assignment]


def gradebook_table(db_url: str, assignment: str) -> dict[tuple[str, str], tuple]:
    """(student, cell) -> (auto score, manual score, max score, needs manual grade, auto comment) of
    every graded cell and comment of ``assignment`` in the gradebook at ``db_url``."""
    from nbgrader.api import Gradebook
    table = {}
    with Gradebook(db_url, paths.COURSE_ID) as gb:
        for sub in gb.find_assignment(assignment).submissions:
            for snb in sub.notebooks:
                for g in snb.grades:
                    table[(sub.student.id, g.name)] = (g.auto_score, g.manual_score, g.max_score,
                                                       g.needs_manual_grade)
                for c in snb.comments:
                    table[(sub.student.id, "comment:" + c.name)] = (c.auto_comment,)
    return table


def csv_rows(path: Path) -> dict[str, dict]:
    with open(path) as fh:
        return {r["student_id"]: r for r in csv.DictReader(fh)}
