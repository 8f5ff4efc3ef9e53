"""`course grade`: grade a whole class with real nbgrader, each submission confined, in parallel.

    course grade ASSIGNMENT SUBMISSIONS [--out DIR] [--workers N] [--student ID ...] [--force]
                 [--db URL] [--cell-timeout S] [--notebook-timeout S] [--memory MB]
                 [--sandbox auto|bwrap|none] [--regexp RE] [--run-experiments]

SUBMISSIONS is a folder with one subfolder per student, nbgrader's ``submitted/`` layout (or a
course folder holding it), or an LMS download (a zip, or a folder of files named after the
student; see :mod:`autograder.collect`). It is only read.

DIR (default ``./grading``) becomes an nbgrader course folder the instructor can open with
formgrader::

    DIR/gradebook.db                       one gradebook (or --db, any database URL nbgrader accepts)
    DIR/grades_<assignment>.csv            a row per student: status, score, max, per-test scores
    DIR/feedback/<student>/<a>/<a>.html    per-student feedback: score and message per test, no hidden tests
    DIR/autograded/<student>/<a>/          nbgrader's autograded notebooks (formgrader reads them)
    DIR/submitted/<student>/<a>/           a copy of what was graded
    DIR/source/<a>/, DIR/release/<a>/      the assignment, as nbgrader generated it
    DIR/results/<a>/<student>.json         the outcome per student, written last (the commit point)
    DIR/nbgrader_config.py                 so `nbgrader formgrader` / `generate_feedback` work in DIR

Each submission is graded by a worker process (see :mod:`autograder.grade_worker`) in its own course
copy and kernel; the kernel runs in a sandbox (:mod:`autograder.sandbox`) with a per-cell time limit,
a per-notebook wall limit and a memory limit. The trusted main process merges each result into the
gradebook, copies the files and then writes the result JSON atomically, so a run killed at any point
is finished by running the same command again: students already graded (same files, same
assignment, same settings) are skipped, nothing is duplicated. ``--student`` regrades those
students; ``--force`` regrades everyone.

Status per student: ``graded``; ``needs manual grading`` (written answers to grade in formgrader);
``failed to grade: <why>`` (no notebook, corrupt notebook, kernel killed, time limit, ...), never a
silent zero: a failed submission has no score in the CSV, and its cells are flagged for manual
grading in the gradebook so formgrader lists it.
"""
from __future__ import annotations

import csv
import fcntl
import hashlib
import io
import json
import os
import queue
import select
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path

from . import collect, sandbox, source
from .nbgrader_settings import CONFIG
from .paths import COURSE_ID, ROOT, tool_env

STATE = ".course-grade"      # scratch and caches inside the output folder
FORMAT = 1                   # bump when results change meaning


@dataclass
class Options:
    assignment: str
    submissions: Path
    out: Path = Path("grading")
    workers: int = 0                       # 0: number of cores
    students: list[str] = field(default_factory=list)
    force: bool = False
    db_url: str | None = None
    limits: sandbox.Limits = field(default_factory=sandbox.Limits)
    sandbox: str | None = None             # auto | bwrap | none; default $COURSE_SANDBOX or auto
    regexp: str | None = None
    run_experiments: bool = False
    root: Path = ROOT
    progress: bool = True
    quiet: bool = False


@dataclass
class Report:
    results: dict[str, dict]               # student -> result (all students of the assignment in DIR)
    graded_now: list[str]
    skipped: list[str]
    csv_path: Path
    seconds: float
    sandbox: sandbox.Sandbox
    layout: str


class GradeError(RuntimeError):
    pass


def _say(opts: Options, *args, err: bool = False) -> None:
    if not opts.quiet or err:
        print(*args, file=sys.stderr if err else sys.stdout, flush=True)


# --------------------------------------------------------------------------------------------------
# the course folder and the assignment template

def _nbgrader_config(config_text: str, **values):
    from traitlets.config import Config
    c = Config()
    exec(config_text, {"get_config": lambda: c})  # noqa: S102 - our own settings text
    for dotted, value in values.items():
        section, name = dotted.split(".")
        setattr(getattr(c, section), name, value)
    return c


def _generate_assignment(course: Path, assignment: str, db_url: str) -> None:
    from nbgrader.apps import NbGraderAPI
    c = _nbgrader_config(CONFIG, **{"CourseDirectory.root": str(course), "CourseDirectory.db_url": db_url})
    c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", ".*"]
    res = NbGraderAPI(config=c).generate_assignment(assignment, force=True, create=True)
    if not res.get("success"):
        raise GradeError(f"nbgrader generate_assignment {assignment} failed:\n{res.get('log', '')}\n{res.get('error', '')}")


def assignment_digest(root: Path, assignment: str) -> str:
    text = source.notebook_text(source.build_notebook(source.source_path(root, assignment)))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def build_template(root: Path, assignment: str, state: Path) -> tuple[Path, str]:
    """A minimal nbgrader course with the assignment generated and a fresh sqlite gradebook.

    Cached in ``state`` by the hash of the instructor notebook; returns (folder, hash)."""
    text = source.notebook_text(source.build_notebook(source.source_path(root, assignment)))
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    folder = state / f"template-{assignment}-{digest}"
    if (folder / "ready").exists():
        return folder, digest
    tmp = state / f"tmp-template-{assignment}-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    (tmp / "source" / assignment).mkdir(parents=True)
    (tmp / "source" / assignment / f"{assignment}.ipynb").write_text(text)
    (tmp / "nbgrader_config.py").write_text(CONFIG)
    _generate_assignment(tmp, assignment, f"sqlite:///{tmp / 'gradebook.db'}")
    (tmp / "ready").write_text(digest)
    shutil.rmtree(folder, ignore_errors=True)
    os.replace(tmp, folder)
    return folder, digest


def _out_config_text(db_url: str | None) -> str:
    lines = [
        '"""nbgrader settings for this grading folder (written by `course grade`; rewritten on each run).',
        "",
        "Grade with `course grade`, which runs student code in a sandbox; `nbgrader formgrader` here",
        "lets you grade the written answers, and `nbgrader generate_feedback` regenerates feedback",
        'with hidden tests removed."""',
        "import sys",
        f"sys.path.insert(0, {str(ROOT)!r})",
        "from autograder.nbgrader_settings import CONFIG  # noqa: E402",
        "",
        "exec(CONFIG)  # noqa: S102",
        "c = get_config()  # noqa: F821",
        "c.GenerateFeedback.preprocessors = ['nbgrader.preprocessors.GetGrades',",
        "                                    'autograder.nbgrader_ext.HideHiddenTests',",
        "                                    'nbconvert.preprocessors.CSSHTMLHeaderPreprocessor']",
        "c.Autograde.autograde_preprocessors = ['autograder.nbgrader_ext.LimitedExecute',",
        "    'autograder.nbgrader_ext.StderrIsNotAnError', 'nbconvert.preprocessors.ClearMetadataPreprocessor',",
        "    'nbgrader.preprocessors.LimitOutput', 'nbgrader.preprocessors.SaveAutoGrades',",
        "    'nbgrader.preprocessors.AssignLatePenalties', 'nbgrader.preprocessors.CheckCellMetadata']",
    ]
    if db_url:
        lines.append(f"c.CourseDirectory.db_url = {db_url!r}")
    return "\n".join(lines) + "\n"


def _replace_tree(src: Path, dest: Path) -> None:
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


def _write_atomic(path: Path, data: str | bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    with open(tmp, "wb") as fh:
        fh.write(data.encode() if isinstance(data, str) else data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def prepare_course(out: Path, assignment: str, template: Path, digest: str, db_url: str | None) -> str:
    """Make ``out`` an nbgrader course with the assignment in its gradebook; return the db URL."""
    out.mkdir(parents=True, exist_ok=True)
    _write_atomic(out / "nbgrader_config.py", _out_config_text(db_url))
    _replace_tree(template / "source" / assignment, out / "source" / assignment)
    _replace_tree(template / "release" / assignment, out / "release" / assignment)
    url = db_url or f"sqlite:///{out / 'gradebook.db'}"
    marker = out / STATE / f"{assignment}.assignment"
    if db_url is None and not (out / "gradebook.db").exists():
        shutil.copy2(template / "gradebook.db", out / "gradebook.db")
    elif not marker.exists() or marker.read_text() != f"{url}\n{digest}":
        _generate_assignment(out, assignment, url)
    _write_atomic(marker, f"{url}\n{digest}")
    return url


def _mpl_cache(state: Path) -> Path:
    """matplotlib's font cache, built once, copied into each kernel's home (saves ~0.5 s a kernel)."""
    folder = state / "matplotlib"
    if not any(folder.glob("fontlist-*.json")):
        folder.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-c", "import matplotlib.font_manager"], env=tool_env(MPLCONFIGDIR=str(folder)),
                       capture_output=True, timeout=300)
    return folder


# --------------------------------------------------------------------------------------------------
# workers

class WorkerDied(RuntimeError):
    pass


class Worker:
    """A ``python -m autograder.grade_worker`` process in its own session, talking JSON lines."""

    def __init__(self, log: Path, settings: dict | None = None):
        log.parent.mkdir(parents=True, exist_ok=True)
        self._log = open(log, "ab")
        args = [json.dumps(settings)] if settings else []
        self.proc = subprocess.Popen([sys.executable, "-m", "autograder.grade_worker", *args], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=self._log, env=tool_env(),
                                     cwd=str(log.parent), start_new_session=True)
        self._buf = b""
        self.ready = False

    def _line(self, timeout: float) -> dict | None:
        deadline = time.monotonic() + timeout
        fd = self.proc.stdout.fileno()
        while b"\n" not in self._buf:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            readable, _, _ = select.select([fd], [], [], min(left, 1.0))
            if readable:
                chunk = os.read(fd, 1 << 16)
                if not chunk:
                    code = self.proc.wait()
                    how = f"signal {-code}" if code < 0 else f"exit code {code}"
                    raise WorkerDied(f"the grading process ended ({how})")
                self._buf += chunk
        line, self._buf = self._buf.split(b"\n", 1)
        return json.loads(line)

    def wait_ready(self, timeout: float = 300) -> None:
        if not self.ready:
            if self._line(timeout) is None:
                raise WorkerDied("the grading process did not start")
            self.ready = True

    def run(self, job: dict, timeout: float) -> dict | None:
        """The result, or None if the worker did not answer in ``timeout`` seconds."""
        self.wait_ready()
        try:
            self.proc.stdin.write((json.dumps(job) + "\n").encode())
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError) as exc:
            raise WorkerDied(f"the grading process is gone ({exc})") from None
        return self._line(timeout)

    def dump_stack(self) -> None:
        """Ask a hung worker to write its Python stack to its log, for whoever reads the log."""
        try:
            os.kill(self.proc.pid, signal.SIGUSR1)
            time.sleep(0.5)
        except OSError:
            pass

    def kill(self) -> None:
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
        self._log.close()

    def close(self) -> None:
        try:
            self.proc.stdin.close()
            self.proc.wait(timeout=15)
        except (OSError, subprocess.TimeoutExpired):
            pass
        self.kill()


def _failed(job: dict, reason: str) -> dict:
    return {"student": job["student"], "assignment": job["assignment"], "fingerprint": job["fingerprint"],
            "timestamp": job.get("timestamp"), "status": "failed", "reason": reason, "cells": [],
            "notes": list(job.get("notes", [])), "autograded": None, "feedback": None}


class Pool:
    """``n`` slots, each feeding jobs to its own worker; a hung or dead worker is replaced."""

    def __init__(self, n: int, logs: Path, deadline: float, settings: dict | None = None):
        self.settings = settings
        self.jobs: queue.Queue = queue.Queue()
        self.results: queue.Queue = queue.Queue()
        self.deadline = deadline
        self.workers: dict[int, Worker] = {}
        self._logs = logs
        self._lock = threading.Lock()
        self.threads = [threading.Thread(target=self._slot, args=(i,), daemon=True) for i in range(n)]
        for i in range(n):  # start the processes now: their imports overlap the preparation
            self.workers[i] = Worker(logs / f"worker-{i}.log", settings)
        for t in self.threads:
            t.start()

    def _slot(self, i: int) -> None:
        while True:
            job = self.jobs.get()
            if job is None:
                break
            worker = self.workers.get(i)
            if worker is None:
                worker = self.workers[i] = Worker(self._logs / f"worker-{i}.log", self.settings)
            try:
                result = worker.run(job, self.deadline)
                if result is None:
                    worker.dump_stack()
                    worker.kill()
                    self.workers.pop(i, None)
                    result = _failed(job, f"the grader stopped responding on this submission and was killed after "
                                          f"{self.deadline:.0f} s")
            except WorkerDied as exc:
                worker.kill()
                self.workers.pop(i, None)
                result = _failed(job, f"{exc} while grading this submission (the submission may have killed it)")
            except Exception as exc:  # noqa: BLE001
                worker.kill()
                self.workers.pop(i, None)
                result = _failed(job, f"internal error in the grader: {exc}")
            self.results.put(result)
        worker = self.workers.pop(i, None)
        if worker is not None:
            worker.close()

    def submit(self, job: dict) -> None:
        self.jobs.put(job)

    def shutdown(self, kill: bool = False) -> None:
        if kill:
            for w in list(self.workers.values()):
                w.kill()
        for _ in self.threads:
            self.jobs.put(None)
        if not kill:
            for t in self.threads:
                t.join()


# --------------------------------------------------------------------------------------------------
# merging a result into the course folder (main process only)

def _student_file(student: str) -> str:
    return urllib.parse.quote(student, safe="") + ".json"


def results_dir(out: Path, assignment: str) -> Path:
    return out / "results" / assignment


def load_results(out: Path, assignment: str) -> dict[str, dict]:
    folder = results_dir(out, assignment)
    found = {}
    if folder.is_dir():
        for path in sorted(folder.glob("*.json")):
            try:
                data = json.loads(path.read_text())
                found[data["student"]] = data
            except (OSError, ValueError, KeyError):
                continue
    return found


def merge(out: Path, db_url: str, result: dict, sub: collect.Submission | None) -> dict:
    """Record one student's result: gradebook, files, then the result JSON (the commit point)."""
    from nbgrader.api import Gradebook
    from nbgrader.utils import parse_utc
    a, s = result["assignment"], result["student"]
    timestamp = None
    if result.get("timestamp"):
        try:
            timestamp = parse_utc(result["timestamp"])
        except (ValueError, OverflowError):
            result.setdefault("notes", []).append(f"timestamp {result['timestamp']!r} not understood; ignored")
    with warnings.catch_warnings(), Gradebook(db_url, COURSE_ID) as gb:
        warnings.simplefilter("ignore")  # SQLAlchemy's autoflush notes from nbgrader's own queries
        gb.update_or_create_student(s)
        if timestamp is not None:
            gb.update_or_create_submission(a, s, timestamp=timestamp)
        else:
            gb.update_or_create_submission(a, s)
        snb = gb.find_submission_notebook(a, a, s)
        cells = {c["grade_id"]: c for c in result.get("cells", [])}
        failed = result["status"] == "failed"
        for grade in snb.grades:
            cell = cells.get(grade.name)
            if failed or cell is None:
                grade.auto_score = None
                grade.needs_manual_grade = True  # formgrader lists it: a person has to look
            else:
                grade.auto_score = cell["auto_score"]
                grade.needs_manual_grade = grade.manual_score is not None or cell["auto_score"] is None
        for comment in snb.comments:
            cell = cells.get(comment.name)
            comment.auto_comment = None if cell is None else cell.get("auto_comment")
        gb.db.commit()

    if sub is not None:
        dest = out / "submitted" / s / a
        if not (dest.exists() and sub.files and all(Path(p).resolve().is_relative_to(dest.resolve())
                                                     for p in sub.files.values())):
            tmp = out / STATE / "stage" / _student_file(s)
            shutil.rmtree(tmp, ignore_errors=True)
            for rel, src in sub.files.items():
                target = tmp / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(src, target)
            if sub.timestamp:
                (tmp / "timestamp.txt").write_text(sub.timestamp)
            tmp.mkdir(parents=True, exist_ok=True)
            _replace_tree(tmp, dest)
            shutil.rmtree(tmp, ignore_errors=True)
    if result.get("autograded"):
        _replace_tree(Path(result["autograded"]), out / "autograded" / s / a)
        result["autograded"] = str((out / "autograded" / s / a).relative_to(out))
    else:
        shutil.rmtree(out / "autograded" / s / a, ignore_errors=True)
    page = out / "feedback" / s / a / f"{a}.html"
    if result.get("feedback"):
        _write_atomic(page, Path(result["feedback"]).read_bytes())
        result["feedback"] = str(page.relative_to(out))
    elif page.exists():
        page.unlink()
    result["format"] = FORMAT
    _write_atomic(results_dir(out, a) / _student_file(s), json.dumps(result, indent=1))
    return result


# --------------------------------------------------------------------------------------------------
# grades table

def score_of(result: dict) -> float | None:
    if result["status"] == "failed":
        return None
    return sum((c["auto_score"] or 0.0) for c in result["cells"])


def gradebook_rows(db_url: str, assignment: str, students: list[str]) -> dict[str, dict]:
    """Scores as the gradebook has them now (manual grades from formgrader included)."""
    from nbgrader.api import Gradebook, MissingEntry
    rows = {}
    with Gradebook(db_url, COURSE_ID) as gb:
        for s in students:
            try:
                snb = gb.find_submission_notebook(assignment, assignment, s)
            except MissingEntry:
                continue
            grades = {g.name: g for g in snb.grades}
            rows[s] = {
                "score": float(snb.score), "max_score": float(snb.max_score),
                "needs_manual": [n for n, g in grades.items() if g.needs_manual_grade],
                "any_manual": any(g.manual_score is not None for g in grades.values()),
                "cells": {n: float(g.score) for n, g in grades.items()},
                "late_penalty": float(snb.late_submission_penalty or 0.0),
            }
    return rows


def status_text(result: dict, row: dict | None) -> str:
    if result["status"] == "failed":
        if row and not row["needs_manual"] and row["any_manual"]:
            return "graded"  # an instructor graded it by hand in formgrader
        return f"failed to grade: {result['reason']}"
    if row is not None:
        return "needs manual grading" if row["needs_manual"] else "graded"
    return result["status"]


def write_csv(path: Path, results: dict[str, dict], rows: dict[str, dict], points: dict[str, float]) -> None:
    tests = list(points)
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["student_id", "status", "score", "max_score", "autograded_score", "autograded_max",
                *[f"{t} ({points[t]:g})" for t in tests], "failed_tests", "notes"])
    for s in sorted(results):
        r, row = results[s], rows.get(s)
        status = status_text(r, row)
        auto_max = sum(points.values())
        cells = {c["grade_id"]: c for c in r.get("cells", [])}
        failed_text = "; ".join(f"{g}: {(c['message'] or 'no message').splitlines()[0][:160]}"
                                for g, c in cells.items()
                                if c["kind"] == "tests" and (c["auto_score"] or 0) < c["max_score"])
        graded = not status.startswith("failed")
        score = "" if not graded else f"{(row['score'] - row['late_penalty']) if row else score_of(r):g}"
        max_score = f"{row['max_score']:g}" if row else ""
        auto = "" if r["status"] == "failed" else f"{score_of(r):g}"
        per_test = [("" if not graded else f"{(row['cells'].get(t, 0) if row else (cells.get(t, {}).get('auto_score') or 0)):g}")
                    for t in tests]
        w.writerow([s, status, score, max_score, auto, f"{auto_max:g}", *per_test, failed_text,
                    "; ".join(r.get("notes", []))])
    _write_atomic(path, buf.getvalue())


def summary_table(results: dict[str, dict], rows: dict[str, dict], width: int = 100) -> str:
    lines = [f"{'student':<24} {'score':>11}  status"]
    for s in sorted(results):
        r, row = results[s], rows.get(s)
        status = status_text(r, row)
        if status.startswith("failed"):
            score = "-"
        else:
            score = f"{row['score'] - row['late_penalty']:g}/{row['max_score']:g}" if row else f"{score_of(r):g}"
        text = status
        if r.get("notes") and not status.startswith("failed"):
            text += f" ({r['notes'][0]})"
        lines.append(f"{s[:24]:<24} {score:>11}  {text[:width - 38]}")
    statuses = [status_text(results[s], rows.get(s)) for s in results]
    lines.append(f"{len(results)} students: {statuses.count('graded')} graded, "
                 f"{statuses.count('needs manual grading')} need manual grading, "
                 f"{sum(x.startswith('failed') for x in statuses)} failed to grade")
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------------
# the command

def fingerprint(sub: collect.Submission, digest: str, opts: Options, box: sandbox.Sandbox) -> str:
    settings = {"format": FORMAT, "assignment": digest, "limits": asdict(opts.limits), "sandbox": box.mode,
                "run_experiments": opts.run_experiments, "problem": sub.problem}
    h = hashlib.sha256(json.dumps(settings, sort_keys=True).encode())
    h.update(sub.digest().encode())
    return h.hexdigest()


def _lock(state: Path):
    state.mkdir(parents=True, exist_ok=True)
    fh = open(state / "lock", "w")
    try:
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        raise GradeError(f"another `course grade` is running on {state.parent}; wait for it to finish") from None
    return fh


def _check_paths(opts: Options) -> None:
    out, subs, root = opts.out.resolve(), opts.submissions.resolve(), opts.root.resolve()
    if out == root or root.is_relative_to(out) or out.is_relative_to(root / "solutions") \
            or out.is_relative_to(root / "notebooks") or out.is_relative_to(root / "cs231n_utils"):
        raise GradeError(f"--out {out} would write into the course repository; choose another folder")
    if subs == out or (out.is_relative_to(subs) and subs.is_dir()):
        raise GradeError(f"--out {out} is inside the submissions folder {subs}; choose another folder")


def grade(opts: Options) -> Report:
    start = time.monotonic()
    a = opts.assignment
    known = [n for n in sorted(p.name for p in (opts.root / "solutions").iterdir()
                               if (p / f"{p.name}.py").is_file())] if (opts.root / "solutions").is_dir() else []
    if a not in known:
        raise GradeError(f"unknown assignment {a!r}; known: {', '.join(known) or 'none'}")
    opts.out = opts.out.resolve()
    opts.submissions = Path(opts.submissions).resolve()
    _check_paths(opts)
    state = opts.out / STATE
    lock = _lock(state)
    try:
        return _grade_locked(opts, state, start)
    finally:
        lock.close()


def _grade_locked(opts: Options, state: Path, start: float) -> Report:
    a = opts.assignment
    os.environ.update(tool_env())  # nbgrader runs `alembic` by name
    box = sandbox.choose(opts.sandbox)
    if box.mode == "none":
        bar = "!" * 78
        _say(opts, f"{bar}\nWARNING: {box.describe()}\n{bar}", err=True)
    else:
        _say(opts, box.describe())
    for leftover in (state / "jobs", state / "stage", state / "kernels"):
        shutil.rmtree(leftover, ignore_errors=True)

    subs, layout = collect.collect(a, opts.submissions, state / "collect", opts.regexp)
    if opts.students:
        unknown = sorted(set(opts.students) - {s.student for s in subs})
        if unknown:
            raise GradeError(f"no submission from {', '.join(unknown)} in {opts.submissions}")
        subs = [s for s in subs if s.student in set(opts.students)]
    digest = assignment_digest(opts.root, a)
    previous = load_results(opts.out, a)

    todo, skipped = [], []
    prints = {}
    for sub in subs:
        prints[sub.student] = fp = fingerprint(sub, digest, opts, box)
        old = previous.get(sub.student)
        if not opts.force and not opts.students and old and old.get("fingerprint") == fp and old.get("format") == FORMAT:
            skipped.append(sub.student)
        else:
            todo.append(sub)
    _say(opts, f"{a}: {len(subs)} submissions ({layout}); {len(todo)} to grade, {len(skipped)} already graded")

    graded_now = []
    limits = opts.limits
    box_dict = {"mode": box.mode, "reason": box.reason, "bwrap": box.bwrap,
                "network_isolated": box.network_isolated, "files_isolated": box.files_isolated}
    pool = None

    def start_pool() -> Pool:
        n = max(1, min(opts.workers or os.cpu_count() or 1, len(todo)))
        mpl = _mpl_cache(state)
        deadline = limits.notebook_timeout + 2 * limits.cell_timeout + 180
        return Pool(n, state / "logs", deadline, {"sandbox": box_dict, "limits": asdict(limits), "mpl_cache": str(mpl),
                                                  "kernels": str(state / "kernels")})

    if todo:  # start the workers first: their start-up overlaps the preparation below
        pool = start_pool()
    try:
        template, digest = build_template(opts.root, a, state)
        db_url = prepare_course(opts.out, a, template, digest, opts.db_url)
        # a result without its gradebook entry (a new or replaced database): grade it again
        missing = set(skipped) - set(gradebook_rows(db_url, a, skipped))
        if missing:
            todo += [sub for sub in subs if sub.student in missing]
            skipped = [s for s in skipped if s not in missing]
            _say(opts, f"{len(missing)} graded before but not in the gradebook: grading them again")
            if pool is None:
                pool = start_pool()
    except BaseException:
        if pool is not None:
            pool.shutdown(kill=True)
        raise
    mpl = _mpl_cache(state)

    if todo:
        assert pool is not None
        by_student = {s.student: s for s in todo}
        workdirs = {s.student: state / "jobs" / f"{i:05d}" for i, s in enumerate(todo)}
        try:
            for i, sub in enumerate(todo):
                pool.submit({
                    "assignment": a, "student": sub.student, "files": sub.files, "notebook": sub.notebook,
                    "problem": sub.problem, "timestamp": sub.timestamp, "notes": sub.notes,
                    "fingerprint": prints[sub.student], "template": str(template),
                    "workdir": str(workdirs[sub.student]), "limits": asdict(limits),
                    "sandbox": box_dict,
                    "run_experiments": opts.run_experiments, "mpl_cache": str(mpl)})
            bar = _progress(opts, len(todo))
            for _ in range(len(todo)):
                result = pool.results.get()
                merged = merge(opts.out, db_url, result, by_student.get(result["student"]))
                graded_now.append(merged["student"])
                shutil.rmtree(workdirs[merged["student"]], ignore_errors=True)
                bar.update(1, merged)
            bar.close()
        except BaseException:
            pool.shutdown(kill=True)
            raise
        pool.shutdown()
        shutil.rmtree(state / "jobs", ignore_errors=True)
        shutil.rmtree(state / "kernels", ignore_errors=True)

    results = load_results(opts.out, a)
    points = source.points_by_cell(source.build_notebook(source.source_path(opts.root, a)))
    rows = gradebook_rows(db_url, a, sorted(results))
    csv_path = opts.out / f"grades_{a}.csv"
    write_csv(csv_path, results, rows, points)
    seconds = time.monotonic() - start
    if not opts.quiet:
        print(summary_table(results, rows))
        print(f"grades: {csv_path}\ngradebook: {db_url}\nfeedback: {opts.out / 'feedback'}/<student>/{a}/{a}.html")
        if graded_now:
            print(f"graded {len(graded_now)} submissions in {seconds:.1f} s "
                  f"({seconds / len(graded_now):.2f} s per submission)")
    return Report(results, graded_now, skipped, csv_path, seconds, box, layout)


class _progress:
    """A progress bar with an ETA (tqdm) on stderr; plain lines when stderr is not a terminal."""

    def __init__(self, opts: Options, total: int):
        self.bar = None
        self.total, self.done, self.start = total, 0, time.monotonic()
        self.enabled = opts.progress and not opts.quiet
        if self.enabled:
            from tqdm import tqdm
            self.bar = tqdm(total=total, unit="sub", file=sys.stderr, dynamic_ncols=True,
                            bar_format="{l_bar}{bar}| {n_fmt}/{total_fmt} [{elapsed}<{remaining}, {rate_fmt}]")

    def update(self, n: int, result: dict) -> None:
        self.done += n
        if self.bar is not None:
            status = result["status"] if result["status"] != "failed" else "failed"
            self.bar.set_postfix_str(f"{result['student'][:16]}: {status}", refresh=False)
            self.bar.update(n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
