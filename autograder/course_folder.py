"""The grading folder as an nbgrader course: the assignment template, the folder itself, its
gradebook (and how it is rebuilt when a submission damaged it), files replaced atomically.

    DIR/nbgrader_config.py        rendered from the grading Config (formgrader, generate_feedback)
    DIR/source/<a>/, DIR/release/<a>/
    DIR/gradebook.db              or any database URL nbgrader accepts
    DIR/.course-grade/            scratch, caches, logs, the template per assignment version

With ``COURSE_GRADE_CACHE=CACHE`` set, the assignment templates and matplotlib's font cache are kept
in the folder CACHE instead, shared by every grading folder and by concurrent runs (each built once,
atomically, and only read afterwards): ``CACHE/template-<a>-<hash>-nbgrader<version>-<settings>/`` (keyed by the
instructor notebook's hash and the nbgrader settings, so an edited notebook gets a new template) and
``CACHE/matplotlib-<version>/``.
"""
from __future__ import annotations

import hashlib
import importlib.metadata
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

from . import source
from .nbgrader_settings import nbgrader_config, render
from .paths import tool_env

STATE = ".course-grade"      # scratch and caches inside the output folder
CACHE_ENV = "COURSE_GRADE_CACHE"  # a folder for templates and the font cache shared by grading folders

CONFIG_DOC = """nbgrader settings of this grading folder (written by `course grade` on each run, from the
settings it graded with).

Grade with `course grade`, which runs student code in a sandbox; `nbgrader formgrader` here lets you
grade the written answers, and `nbgrader generate_feedback` regenerates feedback with hidden tests
removed."""


class GradebookError(RuntimeError):
    pass


def write_atomic(path: Path, data: str | bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    with open(tmp, "wb") as fh:
        fh.write(data.encode() if isinstance(data, str) else data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def replace_tree(src: Path, dest: Path) -> None:
    """Copy ``src`` to ``dest`` so that ``dest`` is the old or the new tree, never a mix."""
    tmp = dest.with_name(f".{dest.name}.new-{os.getpid()}")
    old = dest.with_name(f".{dest.name}.old-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.copytree(src, tmp)
    dest.parent.mkdir(parents=True, exist_ok=True)
    if dest.exists():
        os.replace(dest, old)
    os.replace(tmp, dest)
    shutil.rmtree(old, ignore_errors=True)


def generate_assignment(course: Path, assignment: str, db_url: str) -> None:
    """nbgrader's generate_assignment in ``course``: the release, and the assignment in the gradebook."""
    from nbgrader.apps import NbGraderAPI
    res = NbGraderAPI(config=nbgrader_config(course, db_url)).generate_assignment(assignment, force=True, create=True)
    if "KeyboardInterrupt" in f"{res.get('log', '')}{res.get('error', '')}":
        raise KeyboardInterrupt  # nbgrader's capture_log turned Ctrl-C into a failed result
    if not res.get("success"):
        raise GradebookError(f"nbgrader generate_assignment {assignment} failed:\n{res.get('log', '')}\n"
                             f"{res.get('error', '')}")


def assignment_digest(root: Path, assignment: str) -> str:
    return hashlib.sha256(source.instructor_text(root, assignment).encode()).hexdigest()[:16]


def shared_cache() -> Path | None:
    """The folder named by $COURSE_GRADE_CACHE (created if need be), or None when it is unset or empty.

    A value that cannot be such a folder stops the command with a message naming it."""
    value = os.environ.get(CACHE_ENV, "")
    if not value.strip():
        return None
    folder = Path(value).expanduser()
    if folder.exists() and not folder.is_dir():
        raise SystemExit(f"course: {CACHE_ENV}={value!r} is not a folder (a file is in the way); "
                         f"set it to a folder for the shared grading cache, or unset it")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SystemExit(f"course: {CACHE_ENV}={value!r}: cannot create that folder "
                         f"({exc.strerror or exc}); set it to a writable folder, or unset it") from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise SystemExit(f"course: {CACHE_ENV}={value!r}: that folder is not writable; "
                         f"set it to a writable folder, or unset it")
    return folder.resolve()


def _scratch(folder: Path, kind: str) -> Path:
    """A sibling of ``folder`` private to this process and thread (Dask runs tasks in threads)."""
    return folder.with_name(f"{kind}-{folder.name}-{os.getpid()}-{threading.get_ident()}")


def _publish(tmp: Path, folder: Path, ready) -> None:
    """Move the finished ``tmp`` to ``folder`` in one step. If another process published ``folder``
    first (``ready(folder)``), keep theirs and discard ``tmp``; an unfinished leftover is replaced.
    A published folder is never changed again (a non-empty folder cannot be renamed over)."""
    for _ in range(5):
        try:
            os.replace(tmp, folder)
            return
        except OSError:
            if ready(folder):
                shutil.rmtree(tmp, ignore_errors=True)
                return
            aside = _scratch(folder, "stale")
            try:
                os.replace(folder, aside)
            except FileNotFoundError:
                pass
            shutil.rmtree(aside, ignore_errors=True)
    raise OSError(f"could not move {tmp} to {folder}")


def _settings_digest() -> str:
    """The hash of the nbgrader settings a template is generated with (stub texts, ignore lists):
    changed settings, another template in the shared cache."""
    from . import nbgrader_settings
    return hashlib.sha256(Path(nbgrader_settings.__file__).read_bytes()).hexdigest()[:8]


def build_template(root: Path, assignment: str, state: Path) -> tuple[Path, str]:
    """A minimal nbgrader course with the assignment generated and a fresh sqlite gradebook.

    Cached by the hash of the instructor notebook, in ``state`` or (with $COURSE_GRADE_CACHE) in the
    shared cache, keyed by nbgrader's version too; returns (folder, hash). Callers only read the folder."""
    digest = assignment_digest(root, assignment)
    shared = shared_cache()
    if shared is None:
        folder = state / f"template-{assignment}-{digest}"
    else:  # the gradebook.db schema is nbgrader's: another version, another template
        folder = shared / f"template-{assignment}-{digest}-nbgrader{importlib.metadata.version('nbgrader')}-{_settings_digest()}"
    if (folder / "ready").exists():
        return folder, digest
    tmp = _scratch(folder, "tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        (tmp / "source" / assignment).mkdir(parents=True)
        (tmp / "source" / assignment / f"{assignment}.ipynb").write_text(source.instructor_text(root, assignment))
        generate_assignment(tmp, assignment, f"sqlite:///{tmp / 'gradebook.db'}")
        (tmp / "ready").write_text(digest)
        _publish(tmp, folder, lambda f: (f / "ready").exists())
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return folder, digest


def db_url_of(out: Path, db_url: str | None) -> str:
    return db_url or f"sqlite:///{out / 'gradebook.db'}"


def prepare(out: Path, assignment: str, template: Path, digest: str, db_url: str | None, limits) -> str:
    """Make ``out`` an nbgrader course with the assignment in its gradebook; return the db URL."""
    out.mkdir(parents=True, exist_ok=True)
    url = db_url_of(out, db_url)
    write_atomic(out / "nbgrader_config.py", render(nbgrader_config(out, db_url, limits), CONFIG_DOC))
    replace_tree(template / "source" / assignment, out / "source" / assignment)
    replace_tree(template / "release" / assignment, out / "release" / assignment)
    marker = out / STATE / f"{assignment}.assignment"
    if db_url is None and not (out / "gradebook.db").exists():
        shutil.copy2(template / "gradebook.db", out / "gradebook.db")
    elif not marker.exists() or marker.read_text() != f"{url}\n{digest}":
        generate_assignment(out, assignment, url)
    write_atomic(marker, f"{url}\n{digest}")
    return url


def set_aside_damaged(out: Path, db_url: str) -> Path | None:
    """Move a damaged sqlite gradebook out of the way (kept: it may hold grades made by hand);
    the next :func:`prepare` or :func:`generate_assignment` starts a fresh one. A server database
    (PostgreSQL) has no file: None, it is repaired in place."""
    if not db_url.startswith("sqlite:///"):
        return None
    path = Path(db_url[len("sqlite:///"):])
    if not path.exists():
        return None
    aside = path.with_name(f"{path.name}.damaged-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}")
    os.replace(path, aside)
    forget_generated(out)
    return aside


def forget_generated(out: Path) -> None:
    """The next :func:`prepare` generates its assignment in the gradebook again."""
    for marker in (out / STATE).glob("*.assignment"):
        marker.unlink(missing_ok=True)


def _has_fontlist(folder: Path) -> bool:
    return any(folder.glob("fontlist-*.json"))


def mpl_cache(state: Path) -> Path:
    """matplotlib's font cache, built once, copied into each kernel's home (saves ~0.5 s a kernel).

    In ``state``, or (with $COURSE_GRADE_CACHE) in the shared cache, per matplotlib version."""
    shared = shared_cache()
    if shared is None:
        folder = state / "matplotlib"
        if not _has_fontlist(folder):
            folder.mkdir(parents=True, exist_ok=True)
            _build_fontlist(folder)
        return folder
    folder = shared / f"matplotlib-{importlib.metadata.version('matplotlib')}"
    if _has_fontlist(folder):
        return folder
    tmp = _scratch(folder, "tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        tmp.mkdir(parents=True)
        _build_fontlist(tmp)
        if _has_fontlist(tmp):  # else matplotlib could not build it: nothing to share (kernels go without)
            _publish(tmp, folder, _has_fontlist)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return folder


def _build_fontlist(folder: Path) -> None:
    subprocess.run([sys.executable, "-c", "import matplotlib.font_manager"],
                   env=tool_env(MPLCONFIGDIR=str(folder)), capture_output=True, timeout=300, check=False)
