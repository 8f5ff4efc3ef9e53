"""The main process's hold on the gradebook: every write and read of a grading run goes through
:class:`GradebookKeeper`.

When the database fails (a submission graded without bubblewrap truncated ``gradebook.db``, a
disk hiccup, an instructor's stray edit), the keeper does not let the run crash: it sets the
damaged file aside (kept, as ``gradebook.db.damaged-<time>``: it may hold grades made by hand),
starts a fresh gradebook with the assignments of this folder, records every stored result again
from ``results/`` (the commit point of each student) and retries once.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from . import course_folder, merge, outputs
from .protocol import GradeResult


def _damage_errors() -> tuple[type[BaseException], ...]:
    """What a damaged gradebook raises: sqlite and SQLAlchemy errors, nbgrader's missing entries."""
    import sqlite3

    from nbgrader.api import InvalidEntry, MissingEntry
    from sqlalchemy.exc import SQLAlchemyError
    return sqlite3.DatabaseError, SQLAlchemyError, MissingEntry, InvalidEntry, course_folder.GradebookError


class GradebookLost(RuntimeError):
    """The gradebook failed again right after it was rebuilt."""


@dataclass
class GradebookKeeper:
    out: Path
    assignment: str
    template: Path
    digest: str
    db_option: str | None            # --db, or None for DIR/gradebook.db
    limits: object
    say: Callable[[str], None] = print
    db_url: str = ""
    rebuilt: list[str] = field(default_factory=list)   # why, each time it was rebuilt

    def open(self) -> GradebookKeeper:
        self.db_url = self._guard(lambda: self._prepare(), "preparing the gradebook")
        return self

    def _prepare(self) -> str:
        return course_folder.prepare(self.out, self.assignment, self.template, self.digest, self.db_option,
                                     self.limits)

    def record(self, result: GradeResult) -> None:
        self._guard(lambda: merge.record_in_gradebook(self.db_url, result), f"recording {result.student}")

    def rows(self, students: list[str]) -> dict[str, outputs.GradebookRow]:
        return self._guard(lambda: outputs.gradebook_rows(self.db_url, self.assignment, students),
                           "reading the grades")

    def _guard(self, action: Callable, what: str):
        try:
            return action()
        except _damage_errors() as exc:
            why = f"the gradebook failed while {what} ({type(exc).__name__}: {str(exc).splitlines()[0][:160]})"
            self.rebuild(why)
        try:
            return action()
        except _damage_errors() as exc:
            raise GradebookLost(f"the gradebook failed again after it was rebuilt, while {what}: {exc}") from exc

    def rebuild(self, why: str) -> None:
        """A fresh gradebook holding every result stored in ``results/``."""
        url = course_folder.db_url_of(self.out, self.db_option)
        aside = course_folder.set_aside_damaged(self.out, url)
        self.db_url = self._prepare()
        others = [p.name for p in (self.out / "results").iterdir()
                  if p.is_dir() and p.name != self.assignment and (self.out / "source" / p.name).is_dir()] \
            if (self.out / "results").is_dir() else []
        for other in others:
            course_folder.generate_assignment(self.out, other, self.db_url)
        n = merge.rebuild_gradebook(self.out, self.db_url, [self.assignment, *others])
        kept = f"; the damaged file is kept as {aside}" if aside else ""
        self.rebuilt.append(why)
        self.say(f"{why}: rebuilt it from {n} stored results{kept}")
