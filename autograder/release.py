"""Generate the student release of an assignment with nbgrader's generate_assignment.

nbgrader runs in a throwaway course folder holding only the instructor notebook (the assignment's
template, :func:`autograder.course_folder.build_template`), so neither the jupytext source nor the
repository's gradebook is touched; the result is copied to notebooks/<name>/<name>.ipynb.
"""
from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

from . import course_folder


class ReleaseError(RuntimeError):
    pass


def generate(root: Path, name: str) -> str:
    """Return the text of the student notebook nbgrader generates from solutions/<name>: the release
    of the assignment's template (:func:`course_folder.build_template`, which `course grade` grades
    with), built in a throwaway folder or found in $COURSE_GRADE_CACHE."""
    with tempfile.TemporaryDirectory(prefix="course-release-") as tmp:
        try:
            template, _ = course_folder.build_template(root, name, Path(tmp))
        except course_folder.GradebookError as exc:
            raise ReleaseError(str(exc)) from None
        released = template / "release" / name / f"{name}.ipynb"
        if not released.exists():
            raise ReleaseError(f"nbgrader generate_assignment {name} wrote no {released.name}")
        return released.read_text()


def release_path(root: Path, name: str) -> Path:
    return root / "notebooks" / name / f"{name}.ipynb"


def backup_folder(root: Path, name: str) -> Path:
    return root / "notebooks" / ".backup" / name


def release(root: Path, name: str, check: bool = False) -> tuple[Path, bool, Path | None]:
    """Write notebooks/<name>/<name>.ipynb; with ``check`` only report whether it would change.

    A release notebook that differs from the new one is first copied to notebooks/.backup/<name>/
    (a student may have worked in it), so nothing is lost; not inside notebooks/<name>/, which
    formgrader's Generate deletes and recreates.
    Returns (path, changed, backup path or None).
    """
    text = generate(root, name)
    target = release_path(root, name)
    changed = not target.exists() or target.read_text() != text
    backup = None
    if changed and not check:
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            backup = backup_folder(root, name) / f"{name}-{time.strftime('%Y%m%d-%H%M%S')}.ipynb"
            backup.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(target, backup)
        target.write_text(text)
    return target, changed, backup
