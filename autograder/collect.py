"""Find the submissions of one assignment in what an instructor downloaded. Nothing is modified.

Accepted inputs (``course grade ASSIGNMENT INPUT``):

- **one folder per student**: ``INPUT/<student>/<files>`` (the notebook anywhere inside, or in
  ``INPUT/<student>/<assignment>/``);
- **nbgrader's layout**: ``INPUT/submitted/<student>/<assignment>/<assignment>.ipynb`` (a course
  folder) or ``INPUT/<student>/<assignment>/...`` (its ``submitted/`` folder), with nbgrader's
  ``timestamp.txt`` when present;
- **an LMS download**: a zip (or a folder of files and zips) with files named after the student,
  collected by nbgrader's own ``zip_collect`` in a scratch course. The file-name pattern is
  nbgrader's ``FileNameCollectorPlugin.named_regexp`` (``--regexp``); by default the first of
  :data:`LMS_PATTERNS` that matches every notebook: Blackboard's
  ``<assignment>_<student>_attempt_<timestamp>_<file>``, Moodle's
  ``<name>_<number>_assignsubmission_file_/<file>``, or ``<student>_<file>``.

Each submission then names the notebook to grade: ``<assignment>.ipynb``, or, when the student
named it differently, the only notebook they submitted (with a note); none found is a failure
stated in the results, never a silent zero.
"""
from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from .paths import tool, tool_env

ARCHIVE_EXT = (".zip", ".gz", ".tgz")
LMS_PATTERNS = {
    "blackboard": r".*/[^/]*_(?P<student_id>[^/_]+)_attempt_(?P<timestamp>[0-9\-]+)_(?P<file_id>[^/]+)$",
    "moodle": r".*/(?P<student_id>[^/]+?)_\d+_assignsubmission_file_/(?P<file_id>[^/]+)$",
    "student_file": r".*/(?P<student_id>[^/_]+)_(?P<file_id>[^/]+)$",
}
MAX_ARCHIVE_BYTES = 2 * 1024 ** 3
MAX_ARCHIVE_FILES = 20000
_BAD_ID = re.compile(r"[/\\\x00]|^\.|^$")


class CollectError(RuntimeError):
    pass


@dataclass
class Submission:
    student: str
    files: dict[str, str]                 # path inside the submission -> absolute path of the file
    timestamp: str | None = None
    notebook: str | None = None           # the key of ``files`` to grade as <assignment>.ipynb
    notes: list[str] = field(default_factory=list)
    problem: str = ""                     # why it cannot be graded (no notebook, ...)

    def digest(self) -> str:
        h = hashlib.sha256()
        for rel in sorted(self.files):
            h.update(rel.encode() + b"\0")
            with open(self.files[rel], "rb") as fh:
                for block in iter(lambda: fh.read(1 << 20), b""):
                    h.update(block)
            h.update(b"\0")
        h.update(f"{self.timestamp}|{self.notebook}".encode())
        return h.hexdigest()


def _files_under(folder: Path) -> dict[str, str]:
    out = {}
    for base, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if d not in (".ipynb_checkpoints", "__pycache__", "__MACOSX"))
        for name in sorted(files):
            path = Path(base) / name
            if path.is_file() and not path.is_symlink():
                out[path.relative_to(folder).as_posix()] = str(path)
    return out


def _choose_notebook(sub: Submission, assignment: str) -> None:
    wanted = f"{assignment}.ipynb"
    if wanted in sub.files:
        sub.notebook = wanted
        return
    notebooks = [r for r in sub.files if r.endswith(".ipynb")]
    top = [r for r in notebooks if os.path.basename(r) == wanted]
    if len(top) == 1:
        sub.notebook = top[0]
        sub.notes.append(f"notebook found at {top[0]}")
        return
    if len(notebooks) > 1:
        key = re.sub(r"[^a-z0-9]", "", assignment.lower())
        named = [r for r in notebooks if key in re.sub(r"[^a-z0-9]", "", os.path.basename(r).lower())]
        if len(named) == 1:
            notebooks = named
    if len(notebooks) == 1:
        sub.notebook = notebooks[0]
        sub.notes.append(f"notebook was named {notebooks[0]!r}; graded as {wanted}")
    elif not notebooks:
        listed = ", ".join(sorted(sub.files)[:5]) or "nothing"
        sub.problem = f"no notebook in the submission ({wanted} expected; found: {listed})"
    else:
        sub.problem = f"{len(notebooks)} notebooks and none named {wanted}: {', '.join(sorted(notebooks))}"


def _read_timestamp(files: dict[str, str]) -> str | None:
    path = files.pop("timestamp.txt", None)
    if path:
        text = Path(path).read_text(errors="replace").strip()
        return text or None
    return None


def _visible_children(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if not p.name.startswith(".") and p.name != "__MACOSX")


def detect_layout(path: Path, assignment: str) -> str:
    if path.is_file():
        if path.name.endswith(ARCHIVE_EXT):
            return "lms"
        raise CollectError(f"{path}: expected a folder or a zip archive")
    if not path.is_dir():
        raise CollectError(f"{path}: no such file or folder")
    if (path / "submitted").is_dir():
        return "nbgrader-course"
    children = _visible_children(path)
    dirs = [c for c in children if c.is_dir()]
    loose = [c for c in children if c.is_file() and c.name.endswith((".ipynb",) + ARCHIVE_EXT)]
    if loose:
        return "lms"
    if dirs and all((d / assignment).is_dir() or not any(d.iterdir()) for d in dirs) and \
            any((d / assignment).is_dir() for d in dirs):
        return "nbgrader-submitted"
    if dirs:
        return "student-folders"
    raise CollectError(f"{path}: no submissions found (expected one folder per student, nbgrader's "
                       "submitted/ layout, or an LMS zip)")


def _check_id(student: str, where: str) -> None:
    if _BAD_ID.search(student):
        raise CollectError(f"{where}: {student!r} cannot be a student id")


def collect(assignment: str, path: Path, scratch: Path, regexp: str | None = None) -> tuple[list[Submission], str]:
    """Return (submissions sorted by student, layout name). ``scratch`` is ours to write in."""
    path = Path(path).resolve()
    layout = detect_layout(path, assignment)
    subs: list[Submission] = []
    if layout == "nbgrader-course":
        return collect(assignment, path / "submitted", scratch, regexp)[0], layout
    if layout == "lms":
        base = zip_collect(assignment, path, scratch / "zip_collect", regexp)
        subs = collect(assignment, base, scratch, regexp)[0] if base else []
        return subs, layout
    for folder in [c for c in _visible_children(path) if c.is_dir()]:
        _check_id(folder.name, str(path))
        if layout == "nbgrader-submitted":
            if not (folder / assignment).is_dir():
                continue
            root = folder / assignment
        else:
            root = folder / assignment if (folder / assignment).is_dir() else folder
        files = _files_under(root)
        sub = Submission(folder.name, files, timestamp=_read_timestamp(files))
        _choose_notebook(sub, assignment)
        subs.append(sub)
    return sorted(subs, key=lambda s: s.student), layout


# --------------------------------------------------------------------------------------------------
# LMS downloads, through nbgrader zip_collect

def _check_archive(path: Path) -> None:
    if not zipfile.is_zipfile(path):
        return  # tar.gz and friends: nbgrader's extractor checks them
    with zipfile.ZipFile(path) as zf:
        infos = zf.infolist()
        if len(infos) > MAX_ARCHIVE_FILES or sum(i.file_size for i in infos) > MAX_ARCHIVE_BYTES:
            raise CollectError(f"{path}: the archive unpacks to more than {MAX_ARCHIVE_FILES} files or "
                               f"{MAX_ARCHIVE_BYTES >> 30} GB; refusing to extract it")
        for info in infos:
            parts = Path(info.filename).parts
            if info.filename.startswith("/") or ".." in parts:
                raise CollectError(f"{path}: the archive holds an unsafe path {info.filename!r}")


def _choose_regexp(files: list[Path], base: Path) -> str:
    notebooks = [("/" + f.relative_to(base).as_posix()) for f in files if f.name.endswith(".ipynb")]
    for pattern in LMS_PATTERNS.values():
        if notebooks and all(re.match(pattern, n) for n in notebooks):
            return pattern
    return LMS_PATTERNS["student_file"]


def zip_collect(assignment: str, source: Path, course: Path, regexp: str | None = None) -> Path | None:
    """Run ``nbgrader zip_collect`` on a copy of ``source`` in the scratch course ``course``.

    Returns the scratch course's submitted/ folder (None if nothing was collected)."""
    if course.exists():
        shutil.rmtree(course)
    archive = course / "downloaded" / assignment / "archive"
    archive.mkdir(parents=True)
    items = [source] if source.is_file() else [p for p in _visible_children(source)]
    for item in items:
        if item.is_dir():
            shutil.copytree(item, archive / item.name, symlinks=False, ignore_dangling_symlinks=True)
        elif item.is_file():
            if item.name.endswith(ARCHIVE_EXT):
                _check_archive(item)
            shutil.copy2(item, archive / item.name)
    # file names as nbgrader's collector sees them (in extracted/, archives unpacked into folders)
    if regexp is None:
        preview = course / "preview"
        from nbgrader.plugins import ExtractorPlugin
        preview.mkdir()
        ExtractorPlugin().extract(str(archive), str(preview))
        found = [p for p in preview.rglob("*") if p.is_file()]
        regexp = _choose_regexp(found, preview)
        shutil.rmtree(preview)
    # the release notebook lets zip_collect warn about misnamed notebooks; it is not needed
    (course / "nbgrader_config.py").write_text(
        "c = get_config()  # noqa: F821\n"
        f"c.CourseDirectory.course_id = 'zip-collect'\n"
        f"c.FileNameCollectorPlugin.named_regexp = {regexp!r}\n"
        "c.FileNameCollectorPlugin.valid_ext = ['.ipynb', '.py', '.txt', '.csv', '.npy', '.npz', '.json', '.png', '.md']\n"
        "c.ZipCollectApp.strict = False\n")
    result = subprocess.run([tool("nbgrader"), "zip_collect", assignment, "--force", "--log-level=WARN"],
                            cwd=course, env=tool_env(), capture_output=True, text=True, timeout=600)
    if result.returncode != 0:
        raise CollectError("nbgrader zip_collect failed:\n" + (result.stderr or result.stdout)[-2000:])
    submitted = course / "submitted"
    return submitted if submitted.is_dir() and any(submitted.iterdir()) else None
