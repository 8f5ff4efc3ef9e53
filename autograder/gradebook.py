"""The main process's hold on the gradebook: every write and read of a grading run goes through
:class:`GradebookKeeper`.

The gradebook is a sqlite file (``DIR/gradebook.db``) or a database server that several runs share
(``--db postgresql://...``: shards of one class, or runs on other assignments, at the same time).
Writes to a server are serialized across all runs by a PostgreSQL advisory lock
(:func:`writer_lock`): nbgrader creates students and tables with read-then-insert, which two
writers at once would race on.

When the database fails (a submission graded without bubblewrap truncated ``gradebook.db``, a
disk hiccup, an instructor's stray edit), the keeper does not let the run crash: it sets a damaged
sqlite file aside (kept, as ``gradebook.db.damaged-<time>``: it may hold grades made by hand; a
server database has no file to set aside and is repaired in place), generates the assignments of
this folder again, records every stored result again from ``results/`` (the commit point of each
student) and retries once. A server that cannot be reached is not damage: after a short wait it is
an error naming the URL (password masked).
"""
from __future__ import annotations

import re
from contextlib import contextmanager, nullcontext
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


def _is_damage(exc: Exception) -> bool:
    # Asked only of an Exception: `except _damage_errors()` would import nbgrader and SQLAlchemy while
    # a KeyboardInterrupt goes by, and a Ctrl-C that cut such an import short left them half
    # imported, so the import raised AttributeError and the interrupt became a traceback.
    return isinstance(exc, _damage_errors())


class GradebookLost(RuntimeError):
    """The gradebook failed again right after it was rebuilt."""


class GradebookUnreachable(GradebookLost):
    """The gradebook's database server cannot be reached (or refuses us)."""


class BadDatabaseURL(ValueError):
    """``--db`` is not a database URL we can use."""


# pg_advisory_lock key of "the gradebook's writer" (any fixed 64-bit number; all runs must agree)
WRITER_LOCK_KEY = 0x636F75727365  # "course"
REACH_SECONDS = 10


def mask(url: str) -> str:
    """``url`` with its password replaced by ***, for messages and logs."""
    from sqlalchemy.engine import make_url
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - not a URL at all: mask whatever looks like user:password@
        return re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", url)


def normalize_url(url: str) -> str:
    """The SQLAlchemy URL nbgrader is given: ``postgresql://`` gets psycopg (3) as its driver, since
    SQLAlchemy's default PostgreSQL driver (psycopg2) is not what the ``postgres`` extra installs."""
    from sqlalchemy.engine import make_url
    try:
        parsed = make_url(url)
        if parsed.drivername in ("postgresql", "postgres"):
            parsed = parsed.set(drivername="postgresql+psycopg")
        parsed.get_dialect().import_dbapi()  # the driver must be importable here
        _ = parsed.port
        if parsed.drivername.startswith("sqlite"):
            return url  # as given: rendering would percent-encode the file's path
    except ModuleNotFoundError as exc:
        raise BadDatabaseURL(f"--db {mask(url)}: the database driver is not installed ({exc.name}); "
                             "for PostgreSQL: pip install -e '.[postgres]'") from None
    except Exception as exc:  # noqa: BLE001 - ArgumentError, NoSuchModuleError, a bad port...
        raise BadDatabaseURL(f"--db {mask(url)}: not a database URL nbgrader can use ({exc}); e.g. "
                             "sqlite:////path/gradebook.db or postgresql://user@host:5432/gradebook") from None
    return parsed.render_as_string(hide_password=False)


def is_server(url: str) -> bool:
    return not url.startswith("sqlite")


_ENGINES: dict[str, object] = {}


def _server_engine(url: str):
    """One engine per server URL in this process: the writer lock's connection is reused."""
    from sqlalchemy import create_engine
    if url not in _ENGINES:
        _ENGINES[url] = create_engine(url, pool_size=1, pool_pre_ping=True,
                                      connect_args={"connect_timeout": REACH_SECONDS})
    return _ENGINES[url]


def check_reachable(url: str) -> None:
    """A server database answers (GradebookUnreachable naming the masked URL otherwise)."""
    if not is_server(url):
        return
    from sqlalchemy import text
    from sqlalchemy.exc import SQLAlchemyError
    try:
        with _server_engine(url).connect() as conn:
            conn.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        why = str(getattr(exc, "orig", exc)).strip().splitlines()[0][:300]
        raise GradebookUnreachable(f"cannot reach the gradebook database {mask(url)} (--db; waited up to "
                                   f"{REACH_SECONDS} s): {why}") from None


@contextmanager
def writer_lock(url: str):
    """Only one writer at a time in a server gradebook, across every run and machine; sqlite
    serializes writers itself."""
    if not url.startswith("postgresql"):
        with nullcontext():
            yield
        return
    from sqlalchemy import text
    with _server_engine(url).connect() as conn:
        conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": WRITER_LOCK_KEY})
        conn.commit()
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": WRITER_LOCK_KEY})
            conn.commit()


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
    _book: object = field(default=None, repr=False)     # the nbgrader Gradebook kept open for the writes

    def open(self) -> GradebookKeeper:
        self.db_url = self._guard(lambda: self._prepare(), "preparing the gradebook", write=True)
        return self

    def _prepare(self) -> str:
        return course_folder.prepare(self.out, self.assignment, self.template, self.digest, self.db_option,
                                     self.limits)

    def record(self, result: GradeResult) -> None:
        self._guard(lambda: merge.record_in_gradebook(self.db_url, result, self._gradebook()),
                    f"recording {result.student}", write=True)

    def _gradebook(self):
        """nbgrader's Gradebook, opened once: opening one (engine, table checks) costs more than a write."""
        from nbgrader.api import Gradebook

        from .paths import COURSE_ID
        if self._book is None:
            self._book = Gradebook(self.db_url, COURSE_ID)
        return self._book

    def close(self) -> None:
        if self._book is not None:
            try:
                self._book.close()
            except Exception:  # noqa: BLE001 - a damaged or vanished database: nothing left to close
                pass
            self._book = None

    def rows(self, students: list[str]) -> dict[str, outputs.GradebookRow]:
        return self._guard(lambda: outputs.gradebook_rows(self.db_url, self.assignment, students),
                           "reading the grades")

    def _url(self) -> str:
        return self.db_url or course_folder.db_url_of(self.out, self.db_option)

    def _attempt(self, action: Callable, write: bool):
        with writer_lock(self._url()) if write else nullcontext():
            return action()

    def _guard(self, action: Callable, what: str, write: bool = False):
        try:
            return self._attempt(action, write)
        except Exception as exc:  # not BaseException: a Ctrl-C goes up untouched (see _is_damage)
            if not _is_damage(exc):
                raise
            self.close()  # its session is in a failed transaction, or on a file about to be set aside
            self._unless_unreachable(exc)
            why = f"the gradebook failed while {what} ({type(exc).__name__}: {str(exc).splitlines()[0][:160]})"
            with writer_lock(self._url()):
                self.rebuild(why)
        try:
            return self._attempt(action, write)
        except Exception as exc:
            if not _is_damage(exc):
                raise
            self.close()
            self._unless_unreachable(exc)
            raise GradebookLost(f"the gradebook failed again after it was rebuilt, while {what}: {exc}") from exc

    def _unless_unreachable(self, exc: BaseException) -> None:
        """A server that went away (or refuses us) is not damage to repair: wait for it a little,
        then stop with an error naming it."""
        from sqlalchemy.exc import OperationalError
        if is_server(self._url()) and isinstance(exc, OperationalError):
            check_reachable(self._url())  # raises GradebookUnreachable if it is gone

    def rebuild(self, why: str) -> None:
        """A fresh gradebook holding every result stored in ``results/``."""
        url = course_folder.db_url_of(self.out, self.db_option)
        aside = course_folder.set_aside_damaged(self.out, url)
        course_folder.forget_generated(self.out)  # so that _prepare generates the assignment again
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
