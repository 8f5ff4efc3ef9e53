"""Real nbgrader in a throwaway course copy: generate, autograde, read the gradebook.

Used by the self-check (mutation suite) and the benchmarks. The copy holds the instructor notebook,
the submissions and its own gradebook; nothing in the repository is read or written by nbgrader.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from . import source
from .nbgrader_settings import CONFIG
from .paths import tool, tool_env


@dataclass
class CellResult:
    grade_id: str
    score: float
    max_score: float
    message: str = ""  # the error text the student sees in the autograded notebook


@dataclass
class SubmissionResult:
    student: str
    cells: dict[str, CellResult] = field(default_factory=dict)
    error: str = ""

    @property
    def score(self) -> float:
        return sum(c.score for c in self.cells.values())


def make_course(course: Path, root: Path, name: str, timeout: int = 60) -> nbformat.NotebookNode:
    """Lay out a course copy in ``course`` with the assignment generated; return the instructor nb."""
    nb = source.build_notebook(source.source_path(root, name))
    (course / "source" / name).mkdir(parents=True, exist_ok=True)
    (course / "nbgrader_config.py").write_text(CONFIG + f"c.Execute.timeout = {int(timeout)}\n")
    (course / "source" / name / f"{name}.ipynb").write_text(source.notebook_text(nb))
    run_nbgrader(course, "generate_assignment", name, "--force")
    return nb


def run_nbgrader(course: Path, *args: str, timeout: int = 1800) -> subprocess.CompletedProcess:
    result = subprocess.run([tool("nbgrader"), *args, "--log-level=WARN"], cwd=course, env=tool_env(),
                            capture_output=True, text=True, timeout=timeout)
    if result.returncode != 0:
        raise RuntimeError(f"nbgrader {' '.join(args)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    return result


def submit(course: Path, name: str, student: str, nb: nbformat.NotebookNode) -> None:
    folder = course / "submitted" / student / name
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, folder / f"{name}.ipynb")
    (folder / "timestamp.txt").write_text("2026-01-01 00:00:00.000000 UTC")


def _cell_messages(autograded: Path) -> dict[str, str]:
    if not autograded.exists():
        return {}
    nb = json.loads(autograded.read_text())
    messages = {}
    for cell in nb["cells"]:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if not grade_id or cell["cell_type"] != "code":
            continue
        parts = []
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                parts.append(f"{out.get('ename')}: {out.get('evalue')}")
            elif out.get("output_type") == "stream":
                parts.append("".join(out.get("text", "")))
        messages[grade_id] = "\n".join(parts)
    return messages


def _split_course(course: Path, students: list[str], parts: int) -> list[tuple[Path, list[str]]]:
    """Copies of ``course`` (gradebook included) sharing out the submissions, one nbgrader each:
    two autogrades on one sqlite gradebook would lock each other out."""
    shares = [students[i::parts] for i in range(parts)]
    out = [(course, shares[0])]
    for i, share in enumerate(shares[1:], 1):
        if not share:
            continue
        copy = course.with_name(f"{course.name}-part{i}")
        shutil.copytree(course, copy, ignore=shutil.ignore_patterns("submitted", "autograded"))
        for student in share:
            (copy / "submitted").mkdir(exist_ok=True)
            shutil.move(course / "submitted" / student, copy / "submitted" / student)
        out.append((copy, share))
    return out


def autograde(course: Path, name: str, students: list[str], parts: int = 2) -> dict[str, SubmissionResult]:
    """Run ``nbgrader autograde`` on every submission, then read scores and messages back.

    The submissions are shared out over ``parts`` course copies graded at once (one per core)."""
    courses = _split_course(course, students, max(1, min(parts, os.cpu_count() or 1, len(students))))
    procs = [subprocess.Popen([tool("nbgrader"), "autograde", name, "--force", "--log-level=WARN"], cwd=c,
                              env=tool_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
             for c, _ in courses]
    outputs = [p.communicate(timeout=1800)[0] for p in procs]
    for p, output in zip(procs, outputs):
        if p.returncode != 0:
            raise RuntimeError(f"nbgrader autograde {name} failed ({p.returncode}):\n{output}")
    results = {}
    for c, share in courses:
        results.update(_read_results(c, name, share))
    return results


def _read_results(course: Path, name: str, students: list[str]) -> dict[str, SubmissionResult]:
    from nbgrader.api import Gradebook

    results = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for student in students:
            res = SubmissionResult(student)
            messages = _cell_messages(course / "autograded" / student / name / f"{name}.ipynb")
            try:
                submission = gb.find_submission_notebook(name, name, student)
            except Exception as exc:  # noqa: BLE001 - no record means it failed to autograde
                res.error = f"no gradebook record: {exc}"
                results[student] = res
                continue
            for grade in submission.grades:
                if grade.max_score and grade.cell.name in messages:
                    res.cells[grade.name] = CellResult(grade.name, float(grade.score or 0.0),
                                                       float(grade.max_score), messages[grade.name])
            results[student] = res
    return results
