"""`course grade`: grade a whole class with real nbgrader, each submission confined, in parallel.

    course grade ASSIGNMENT SUBMISSIONS [--out DIR] [--workers N] [--student ID ...] [--force]
                 [--db URL] [--cluster tcp://HOST:8786] [--shard I/N]
                 [--cell-timeout S] [--notebook-timeout S] [--memory MB]
                 [--sandbox auto|bwrap|none] [--regexp RE] [--run-experiments]

SUBMISSIONS is a folder with one subfolder per student, nbgrader's ``submitted/`` layout (or a
course folder holding it), or an LMS download (a zip, or a folder of files named after the
student; see :mod:`autograder.collect`). It is only read.

DIR (default ``./grading``) becomes an nbgrader course folder the instructor can open with
formgrader::

    DIR/gradebook.db                       one gradebook (or --db, any database URL nbgrader accepts)
    DIR/grades_<assignment>.csv            a row per student: status, score, max, per-test scores, tampering
    DIR/report_<assignment>.html           the class report: score histogram, pass share per test cell,
                                           known mistakes the hints recognised, failures, tampering, slowest
    DIR/feedback/<student>/<a>/<a>.html    per-student feedback: score and message per test, no hidden tests
    DIR/autograded/<student>/<a>/          nbgrader's autograded notebooks (formgrader reads them)
    DIR/submitted/<student>/<a>/           a copy of what was graded
    DIR/source/<a>/, DIR/release/<a>/      the assignment, as nbgrader generated it
    DIR/results/<a>/<student>.json         the outcome per student, written last (the commit point)
    DIR/nbgrader_config.py                 so `nbgrader formgrader` / `generate_feedback` work in DIR

Each submission is graded by a worker process (:mod:`autograder.grade_worker`, fed by
:mod:`autograder.pool`) in its own course copy and kernel; the kernel runs in a sandbox
(:mod:`autograder.sandbox`) with a per-cell time limit, a per-notebook wall limit and a memory
limit. The trusted main process records each result in the gradebook (:mod:`autograder.gradebook`,
which rebuilds a damaged one), copies the files and then writes the result JSON atomically
(:mod:`autograder.merge`), so a run killed at any point is finished by running the same command
again: students already graded (same files, same assignment, same settings) are skipped, nothing is
duplicated. ``--student`` regrades those students; ``--force`` regrades everyone. The CSV and the
summary come from :mod:`autograder.outputs`; the folder itself from :mod:`autograder.course_folder`.

Past one machine (docs/grading-at-scale.md): ``--db postgresql://...`` shares one gradebook between
runs (PostgreSQL through nbgrader's own ``db_url``); ``--cluster`` grades on a Dask cluster
(:mod:`autograder.cluster`: the same worker process and sandbox there, the files sent back, this
process still the only writer); ``--shard I/N`` grades the I-th of N stable slices of the class (by a
hash of the student id) for batch systems: a Slurm array or a Kubernetes indexed Job.

This module is the orchestration: the one path every grading in the course takes (`course grade`,
`course selfcheck`, `course demo`, the benchmarks).

Status per student: ``graded``; ``needs manual grading`` (written answers to grade in formgrader);
``failed to grade: <why>`` (no notebook, corrupt notebook, kernel killed, time limit, ...), never a
silent zero: a failed submission has no score in the CSV, and its cells are flagged for manual
grading in the gradebook so formgrader lists it.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import queue
import shutil
import sys
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

from . import collect, course_folder, gradebook, merge, outputs, paths, sandbox, source
from . import report as class_report
from .course_folder import STATE
from .gradebook import GradebookKeeper, GradebookLost, GradebookUnreachable  # noqa: F401 - callers catch them here
from .paths import ROOT, tool_env
from .pool import Pool
from .protocol import FORMAT, GradeJob, GradeResult, WorkerSettings


@dataclass
class Options:
    assignment: str
    submissions: Path
    out: Path = Path("grading")
    workers: int = 0                       # 0: number of cores
    students: list[str] = field(default_factory=list)
    force: bool = False
    db_url: str | None = None
    cluster: str | None = None             # a Dask scheduler address: grade there, not in a local pool
    shard: tuple[int, int] | None = None   # (i, n): only the students of slice i of n
    limits: sandbox.Limits = field(default_factory=sandbox.Limits)
    sandbox: str | None = None             # auto | bwrap | none; default $COURSE_SANDBOX or auto
    regexp: str | None = None
    run_experiments: bool = False
    root: Path = ROOT
    progress: bool = True
    quiet: bool = False


@dataclass
class Report:
    results: dict[str, GradeResult]       # student -> result (all students of the assignment in DIR)
    graded_now: list[str]
    skipped: list[str]
    csv_path: Path
    seconds: float
    sandbox: sandbox.Sandbox
    layout: str
    db_url: str = ""
    gradebook_rebuilt: list[str] = field(default_factory=list)   # why, each time
    report_path: Path | None = None      # the class report (DIR/report_<assignment>.html)


class GradeError(RuntimeError):
    pass


def _say(opts: Options, *args, err: bool = False) -> None:
    if not opts.quiet or err:
        print(*args, file=sys.stderr if err else sys.stdout, flush=True)


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


def parse_shard(text: str) -> tuple[int, int]:
    """``"i/n"`` -> (i, n), 0 <= i < n: the slice a Slurm array task or an indexed Job grades."""
    try:
        i, n = (int(part) for part in text.split("/"))
    except ValueError:
        raise GradeError(f"--shard {text}: expected I/N, e.g. 0/4 (slice 0 of 4)") from None
    if n < 1 or not 0 <= i < n:
        raise GradeError(f"--shard {text}: I must be between 0 and N-1 (slices 0/{max(n, 1)} to "
                         f"{max(n, 1) - 1}/{max(n, 1)})")
    return i, n


def shard_of(student: str, n: int) -> int:
    """The slice of ``student`` among ``n``: stable across runs, machines and Python versions."""
    return int.from_bytes(hashlib.sha256(student.encode()).digest()[:8], "big") % n


def _check_paths(opts: Options) -> None:
    out, subs, root = opts.out.resolve(), opts.submissions.resolve(), opts.root.resolve()
    if out == root or root.is_relative_to(out) or any(out.is_relative_to(root / d)
                                                      for d in ("solutions", "notebooks", "cs231n_utils")):
        raise GradeError(f"--out {out} would write into the course repository; choose another folder")
    if subs == out or (out.is_relative_to(subs) and subs.is_dir()):
        raise GradeError(f"--out {out} is inside the submissions folder {subs}; choose another folder")


def grade(opts: Options) -> Report:
    """Grade every submission of ``opts.assignment`` in ``opts.submissions`` into ``opts.out``."""
    start = time.monotonic()
    try:
        paths.require_assignment(opts.assignment, opts.root)
    except paths.UnknownAssignment as exc:
        raise GradeError(str(exc)) from None
    opts.out = opts.out.resolve()
    opts.submissions = Path(opts.submissions).resolve()
    _check_paths(opts)
    if opts.shard is not None:
        opts.shard = parse_shard("%s/%s" % tuple(opts.shard))
    if opts.db_url:
        try:
            opts.db_url = gradebook.normalize_url(opts.db_url)
        except gradebook.BadDatabaseURL as exc:
            raise GradeError(str(exc)) from None
        gradebook.check_reachable(opts.db_url)   # before any worker starts
    lock = _lock(opts.out / STATE)
    try:
        return _grade_locked(opts, start)
    finally:
        lock.close()


# --------------------------------------------------------------------------------------------------
# the steps

def _choose_sandbox(opts: Options) -> sandbox.Sandbox:
    box = sandbox.choose(opts.sandbox)
    if box.mode == "none":
        bar = "!" * 78
        _say(opts, f"{bar}\nWARNING: {box.describe()}\n{bar}", err=True)
    else:
        _say(opts, box.describe())
    return box


def _collect(opts: Options, state: Path) -> tuple[list[collect.Submission], str]:
    subs, layout = collect.collect(opts.assignment, opts.submissions, state / "collect", opts.regexp)
    if opts.students:
        unknown = sorted(set(opts.students) - {s.student for s in subs})
        if unknown:
            raise GradeError(f"no submission from {', '.join(unknown)} in {opts.submissions}")
        subs = [s for s in subs if s.student in set(opts.students)]
    if opts.shard is not None:
        i, n = opts.shard
        elsewhere = sorted(s for s in opts.students if shard_of(s, n) != i)
        if elsewhere:
            raise GradeError(f"--student {', '.join(elsewhere)}: not in --shard {i}/{n} "
                             f"(in {', '.join(f'{shard_of(s, n)}/{n}' for s in elsewhere)})")
        subs = [s for s in subs if shard_of(s.student, n) == i]
    return subs, layout


def _plan(opts: Options, subs: list[collect.Submission], box: sandbox.Sandbox,
          digest: str) -> tuple[list[collect.Submission], list[str], dict[str, str]]:
    """(to grade, already graded with the same files and settings, fingerprints)."""
    previous = merge.load_results(opts.out, opts.assignment)
    todo, skipped, prints = [], [], {}
    for sub in subs:
        prints[sub.student] = fp = fingerprint(sub, digest, opts, box)
        old = previous.get(sub.student)
        if not opts.force and not opts.students and old and old.fingerprint == fp and old.format == FORMAT:
            skipped.append(sub.student)
        else:
            todo.append(sub)
    return todo, skipped, prints


def _worker_settings(opts: Options, state: Path, box: sandbox.Sandbox) -> WorkerSettings:
    return WorkerSettings(box, opts.limits, str(course_folder.mpl_cache(state)), str(state / "kernels"))


def _start_pool(opts: Options, state: Path, settings: WorkerSettings, jobs: int) -> Pool:
    deadline = opts.limits.notebook_timeout + 2 * opts.limits.cell_timeout + 180
    if opts.cluster:
        from . import cluster
        try:
            return cluster.ClusterPool(opts.cluster, opts.out, deadline)
        except cluster.ClusterError as exc:
            raise GradeError(str(exc)) from None
    n = max(1, min(opts.workers or os.cpu_count() or 1, jobs))
    return Pool(n, state / "logs", deadline, settings, opts.out)


def _job(opts: Options, sub: collect.Submission, fp: str, template: Path, workdir: Path,
         settings: WorkerSettings) -> GradeJob:
    return GradeJob(opts.assignment, sub.student, sub.files, sub.notebook, fp, str(template), str(workdir),
                    settings, problem=sub.problem, timestamp=sub.timestamp, notes=list(sub.notes),
                    run_experiments=opts.run_experiments)


def _next_result(results: queue.Queue):
    """The next result, waited for in short steps: a Ctrl-C that the kernel delivers to one of the
    pool's threads only marks the signal for the main thread, and a wait without a timeout would
    never wake up to see it (the run hung after Ctrl-C)."""
    while True:
        try:
            return results.get(timeout=0.5)
        except queue.Empty:
            continue


def _grade_all(opts: Options, pool: Pool, jobs: list[GradeJob], book: GradebookKeeper,
               subs: dict[str, collect.Submission]) -> list[str]:
    """Send every job, record each result as it comes back; the students graded, in that order."""
    for job in jobs:
        pool.submit(job)
    bar = outputs.Progress(opts.progress and not opts.quiet, len(jobs))
    done, workdirs = [], {j.student: j.workdir for j in jobs}
    for _ in jobs:
        result = _next_result(pool.results)
        if isinstance(result, Exception):  # the cluster is gone: stop; what is committed stays
            raise GradeError(str(result))
        book.record(result)
        merge.commit(opts.out, result, subs.get(result.student))
        shutil.rmtree(workdirs[result.student], ignore_errors=True)
        done.append(result.student)
        bar.update(1, result)
    bar.close()
    return done


@contextmanager
def _stopping(pool_box: list):
    """Whatever happens, no worker (nor its kernels) outlives the run."""
    try:
        yield
    except BaseException:
        for pool in pool_box:
            pool.shutdown(kill=True)
        raise
    for pool in pool_box:
        pool.shutdown()


def _grade_locked(opts: Options, start: float) -> Report:
    a, state = opts.assignment, opts.out / STATE
    os.environ.update(tool_env())  # nbgrader runs `alembic` by name
    box = _choose_sandbox(opts)
    for leftover in ("jobs", "stage", "kernels"):
        shutil.rmtree(state / leftover, ignore_errors=True)
    subs, layout = _collect(opts, state)
    digest = course_folder.assignment_digest(opts.root, a)
    todo, skipped, prints = _plan(opts, subs, box, digest)
    where = f", shard {opts.shard[0]}/{opts.shard[1]}" if opts.shard else ""
    _say(opts, f"{a}: {len(subs)} submissions ({layout}{where}); {len(todo)} to grade, {len(skipped)} already graded")
    settings = _worker_settings(opts, state, box)
    pools: list[Pool] = []
    graded_now: list[str] = []
    with _stopping(pools):
        if todo:  # start the workers first: their start-up overlaps the preparation below
            pools.append(_start_pool(opts, state, settings, len(todo)))
        template, digest = course_folder.build_template(opts.root, a, state)
        book = GradebookKeeper(opts.out, a, template, digest, opts.db_url, opts.limits,
                               say=lambda text: _say(opts, text, err=True)).open()
        missing = set(skipped) - set(book.rows(skipped))  # results without a gradebook entry: again
        if missing:
            _say(opts, f"{len(missing)} graded before but not in the gradebook: grading them again")
            todo += [sub for sub in subs if sub.student in missing]
            skipped = [s for s in skipped if s not in missing]
        if todo:
            pools[:] = pools or [_start_pool(opts, state, settings, len(todo))]
            jobs = [_job(opts, sub, prints[sub.student], template, state / "jobs" / f"{i:05d}", settings)
                    for i, sub in enumerate(todo)]
            graded_now = _grade_all(opts, pools[0], jobs, book, {s.student: s for s in todo})
    for leftover in ("jobs", "kernels"):
        shutil.rmtree(state / leftover, ignore_errors=True)
    return _finish(opts, book, graded_now, skipped, box, layout, start)


def _finish(opts: Options, book: GradebookKeeper, graded_now: list[str], skipped: list[str],
            box: sandbox.Sandbox, layout: str, start: float) -> Report:
    """The CSV and the summary, from every stored result of the assignment and the gradebook."""
    a = opts.assignment
    results = merge.load_results(opts.out, a)
    rows = book.rows(sorted(results))
    csv_path, report_path = opts.out / f"grades_{a}.csv", opts.out / f"report_{a}.html"
    points = source.points_by_cell(source.instructor_notebook(opts.root, a))
    book.close()
    outputs.write_csv(csv_path, results, rows, points)
    class_report.write(report_path, a, results, rows, points)
    seconds = time.monotonic() - start
    if not opts.quiet:
        print(outputs.summary_table(results, rows))
        print(f"grades: {csv_path}\nreport: {report_path}\ngradebook: {book.db_url}\n"
              f"feedback: {opts.out / 'feedback'}/<student>/{a}/{a}.html")
        if graded_now:
            print(f"graded {len(graded_now)} submissions in {seconds:.1f} s "
                  f"({seconds / len(graded_now):.2f} s per submission)")
    return Report(results, graded_now, skipped, csv_path, seconds, box, layout, book.db_url, list(book.rebuilt),
                  report_path)
