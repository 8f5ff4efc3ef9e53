"""A grading worker: grades one submission at a time with real nbgrader, in a throwaway course copy.

`course grade` starts a few of these (``python -m autograder.grade_worker SETTINGS``) and sends them
:class:`~autograder.protocol.GradeJob` lines on stdin; each answer is one
:class:`~autograder.protocol.GradeResult` line on the original stdout (anything else written to
stdout, by nbgrader or a kernel, goes to stderr, which is a log file).

For each job the worker

1. builds a course copy holding only nbgrader's files for this one student: the instructor notebook
   (``source/``), a copy of a fresh gradebook with the assignment, and the submission;
2. reads the student's notebook and repairs its nbgrader structure (:mod:`autograder.repair`);
3. runs nbgrader's autograde in this process, with the kernel confined by :mod:`autograder.sandbox`
   and a watchdog that kills the kernel at the per-notebook wall limit;
4. reads scores and messages back, renders the feedback HTML with hidden tests removed, and checks
   that no hidden-test line the student may not see made it into the page.

The worker is a subreaper: whatever a student's kernel forked is killed after each notebook.
"""
from __future__ import annotations

import faulthandler
import functools
import os
import re
import shutil
import signal
import sys
import threading
import time
import traceback
from pathlib import Path
from typing import NamedTuple

import nbformat

from . import cells, nbgrader_ext, repair, sandbox, trusted
from .kernels import Kernels
from .nbgrader_settings import nbgrader_config
from .paths import tool_env
from .protocol import FAILED, GRADED, NEEDS_MANUAL, CellResult, GradeJob, GradeResult, WorkerSettings


class JobFailed(Exception):
    """This submission cannot be graded; the message says why, for the student's row."""


class Watchdog:
    """Kills everything below this process after ``seconds`` (the per-notebook wall limit)."""

    def __init__(self, seconds: float):
        self.fired = False
        self._timer = threading.Timer(seconds, self._fire)
        self._timer.daemon = True

    def _fire(self):
        self.fired = True
        sandbox.kill_descendants()

    def __enter__(self):
        self._timer.start()
        return self

    def __exit__(self, *exc):
        self._timer.cancel()


# --------------------------------------------------------------------------------------------------
# what the student may see (cached per assignment template)

class Assignment(NamedTuple):
    release: nbformat.NotebookNode     # what students got
    tests: dict[str, str]              # grade_id -> test source, hidden tests included
    names: list[str]                   # the functions and classes the answer cells define


@functools.lru_cache(maxsize=8)
def _assignment(template: str, assignment: str) -> Assignment:
    folder = Path(template)
    release = nbformat.read(folder / "release" / assignment / f"{assignment}.ipynb", as_version=4)
    instructor = nbformat.read(folder / "source" / assignment / f"{assignment}.ipynb", as_version=4)
    names = trusted.exercise_names([cells.source_text(c) for c in cells.of_kind(instructor, "answer")])
    return Assignment(release, nbgrader_ext.test_sources(instructor), names)


def secrets_for(job: GradeJob, submission: nbformat.NotebookNode) -> list[str]:
    """Hidden-test lines this student may not see (not in the release, not in their own cells)."""
    spec = _assignment(job.template, job.assignment)
    return nbgrader_ext.secret_lines(spec.tests, nbgrader_ext.visible_text(spec.release, submission))


# --------------------------------------------------------------------------------------------------
# the steps of one job

def _course_copy(job: GradeJob) -> Path:
    work = Path(job.workdir)
    if work.exists():
        shutil.rmtree(work)
    course, a = work / "course", job.assignment
    (course / "source").mkdir(parents=True)
    shutil.copytree(Path(job.template) / "source" / a, course / "source" / a)
    shutil.copy2(Path(job.template) / "gradebook.db", course / "gradebook.db")
    return course


def _copy_files(files: dict[str, str], skip: str | None, dest: Path) -> None:
    """The student's other files (data, modules) into ``dest``, never outside it."""
    dest = dest.resolve()
    for rel, src in files.items():
        if rel == skip or rel.endswith(".ipynb"):
            continue
        target = (dest / rel).resolve()
        if dest in target.parents:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, target)


def _submit(job: GradeJob, course: Path, result: GradeResult) -> nbformat.NotebookNode:
    """Read, repair and place the submission in ``course/submitted``; the repaired notebook."""
    if job.problem:
        raise JobFailed(job.problem)
    nb, problem = repair.read_submission(job.files[job.notebook])
    if problem:
        raise JobFailed(problem)
    nb, notes = repair.normalize(nb, _assignment(job.template, job.assignment).release, job.run_experiments)
    result.notes += notes
    folder = course / "submitted" / job.student / job.assignment
    folder.mkdir(parents=True)
    _copy_files(job.files, job.notebook, folder)
    try:
        nbformat.write(nb, folder / f"{job.assignment}.ipynb")
    except Exception as exc:  # noqa: BLE001
        raise JobFailed(f"the notebook's structure is invalid: {str(exc).splitlines()[0][:200]}") from None
    if job.timestamp:
        (folder / "timestamp.txt").write_text(job.timestamp)
    return nb


def _run_app(app_class, config, job: GradeJob) -> dict:
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.utils import capture_log
    coursedir = CourseDirectory(config=config)
    coursedir.assignment_id, coursedir.student_id = job.assignment, job.student
    app = app_class(coursedir=coursedir, config=config)
    app.force = True
    if hasattr(app, "create_student"):
        app.create_student = True
    return capture_log(app)


def _autograde(job: GradeJob, course: Path, nb, kernels: Kernels):
    """nbgrader autograde in a confined kernel started ahead of time, then the trusted run of every
    test cell against that kernel's functions; returns (the job's Config, the trusted outcomes)."""
    from nbgrader.converters import Autograde
    limits = job.settings.limits
    config = nbgrader_config(course, f"sqlite:///{course / 'gradebook.db'}", limits)
    config.HideHiddenTests.release_notebook = str(Path(job.template) / "release" / job.assignment
                                                  / f"{job.assignment}.ipynb")
    kernel = kernels.take(job.settings)
    _copy_files(job.files, job.notebook, kernel.scratch)
    progress, spec = nbgrader_ext.CellProgress(), _assignment(job.template, job.assignment)
    run = trusted.TrustedRun(str(kernel.function_socket), spec.tests, spec.names, float(limits.cell_timeout))
    config.Autograde.autograde_preprocessors = [nbgrader_ext.LimitedExecute.for_job(kernel.km, progress, run),
                                                *config.Autograde.autograde_preprocessors[1:]]
    try:
        with Watchdog(float(limits.notebook_timeout)) as dog:
            res = _run_app(Autograde, config, job)
            outcomes = run.finish() if res.get("success") and not dog.fired else {}
    finally:
        run.close()
        kernel.close()
        sandbox.kill_descendants()  # anything the kernel left behind
    if not res.get("success") or not (course / "autograded" / job.student / job.assignment).is_dir():
        raise JobFailed(failure_reason(res, dog.fired, limits, nb, progress.index))
    return config, outcomes


def _trusted_outputs(outcome: trusted.CellOutcome) -> list:
    outputs = [nbformat.v4.new_output("stream", name="stdout", text=outcome.printed)] if outcome.printed else []
    if not outcome.passed:
        outputs.append(nbformat.v4.new_output("error", ename=outcome.ename, evalue=outcome.evalue, traceback=[
            "Traceback (the grader's own run of this test cell):", *outcome.traceback,
            f"{outcome.ename}: {outcome.evalue}"]))
    return outputs


def _disagreement_note(disagree: list[str]) -> str:
    return ("**Note from the grader.** The tests that ran in your notebook and the grader's own run of the same "
            "tests (outside your notebook, where nothing your code does can change them) disagree on: "
            + "; ".join(disagree) + ". The grader's run counts.")


def _record_trusted(job: GradeJob, course: Path, config, outcomes: dict, result: GradeResult) -> None:
    """The trusted outcomes replace the in-kernel ones: scores in the gradebook, outputs of the test
    cells in the autograded notebook; where they differ, a note on the result and the notebook."""
    from nbgrader.api import Gradebook
    a, s = job.assignment, job.student
    path = course / "autograded" / s / a / f"{a}.ipynb"
    graded = nbformat.read(path, as_version=4)
    disagree = []
    with Gradebook(config.CourseDirectory.db_url) as gb:
        for grade in gb.find_submission_notebook(a, a, s).grades:
            outcome = outcomes.get(grade.name)
            if outcome is None:
                continue
            score = float(grade.max_score) if outcome.passed else 0.0
            if float(grade.auto_score or 0.0) != score:
                disagree.append(f"{grade.name} (your notebook {float(grade.auto_score or 0):g}/{grade.max_score:g}, "
                                f"grader {score:g}/{grade.max_score:g})")
                result.disagreements.append(grade.name)
            grade.auto_score = score
        gb.db.commit()
    for cell in graded.cells:
        if cells.is_tests(cell) and cells.grade_id(cell) in outcomes:
            cell.outputs = _trusted_outputs(outcomes[cells.grade_id(cell)])
    if disagree:
        result.notes.append("tampering suspected: " + _disagreement_note(disagree).split("disagree on: ")[1])
        graded.cells.insert(0, nbformat.v4.new_markdown_cell(_disagreement_note(disagree)))
    nbformat.write(graded, path)


def _read_grades(job: GradeJob, course: Path, config, result: GradeResult) -> nbformat.NotebookNode:
    """Scores, comments and each test cell's message into ``result``; the autograded notebook."""
    from nbgrader.api import Gradebook, MissingEntry
    a, s = job.assignment, job.student
    graded = nbformat.read(course / "autograded" / s / a / f"{a}.ipynb", as_version=4)
    secrets = secrets_for(job, graded)
    messages = {cells.grade_id(c): nbgrader_ext.cell_message(c, secrets) for c in graded.cells if cells.is_tests(c)}
    kinds = cells.graded_kinds(_assignment(job.template, a).release)
    try:
        with Gradebook(config.CourseDirectory.db_url) as gb:
            snb = gb.find_submission_notebook(a, a, s)
            comments = {c.name: c.auto_comment for c in snb.comments}
            result.cells = [CellResult(g.name, kinds.get(g.name, "tests"),
                                       None if g.auto_score is None else float(g.auto_score), float(g.max_score),
                                       bool(g.needs_manual_grade), messages.get(g.name, ""), comments.get(g.name))
                            for g in snb.grades]
            result.late_penalty = float(snb.late_submission_penalty or 0)
    except MissingEntry as exc:
        raise JobFailed(f"nbgrader recorded no grades: {exc}") from None
    order = {gid: i for i, gid in enumerate(kinds)}
    result.cells.sort(key=lambda c: order.get(c.grade_id, 1e9))
    result.autograded = str(course / "autograded" / s / a)
    return graded


def _feedback(job: GradeJob, course: Path, config, graded, result: GradeResult) -> None:
    """The feedback page, hidden tests removed; withheld (with a note) if a secret line shows."""
    from nbgrader.converters import GenerateFeedback
    fb = _run_app(GenerateFeedback, config, job)
    page = course / "feedback" / job.student / job.assignment / f"{job.assignment}.html"
    if not (fb.get("success") and page.exists()):
        result.notes.append("feedback could not be generated: " + (fb.get("error") or "")[-200:])
        return
    leaks = nbgrader_ext.html_leaks(page.read_text(errors="replace"), secrets_for(job, graded))
    if leaks:
        page.unlink()
        result.notes.append(f"feedback withheld: {len(leaks)} hidden-test lines would have shown")
    else:
        result.feedback = str(page)


def grade_job(job: GradeJob, kernels: Kernels) -> GradeResult:
    start = time.monotonic()
    result = GradeResult(job.assignment, job.student, FAILED, "", job.fingerprint, job.timestamp,
                         notes=list(job.notes), sandbox=job.settings.sandbox.mode)
    try:
        course = _course_copy(job)
        nb = _submit(job, course, result)
        result.timings["prepare"] = round(time.monotonic() - start, 2)
        config, outcomes = _autograde(job, course, nb, kernels)
        _record_trusted(job, course, config, outcomes, result)
        result.timings["autograde"] = round(time.monotonic() - start - result.timings["prepare"], 2)
        graded = _read_grades(job, course, config, result)
        before_feedback = time.monotonic()
        _feedback(job, course, config, graded, result)
        result.timings["feedback"] = round(time.monotonic() - before_feedback, 2)
        result.status = NEEDS_MANUAL if any(c.needs_manual_grade for c in result.cells) else GRADED
    except JobFailed as exc:
        result.status, result.reason, result.cells = FAILED, str(exc), []
    result.seconds = round(time.monotonic() - start, 2)
    return result


# --------------------------------------------------------------------------------------------------
# diagnostics

def _cell_label(nb, index) -> str:
    if index is None or nb is None or index >= len(nb.cells):
        return "a cell"
    cell = nb.cells[index]
    gid = cells.grade_id(cell)
    if cells.is_tests(cell):
        return f"test cell {gid}"
    if cells.kind(cell) in ("answer", "manual"):
        return f"answer cell {gid}"
    return f"cell {index + 1}" + (f" ({gid})" if gid else "")


def failure_reason(res: dict, watchdog_fired: bool, limits, nb, where) -> str:
    text = (res.get("log") or "") + "\n" + (res.get("error") or "")
    label = _cell_label(nb, where)
    if watchdog_fired:
        return (f"the notebook ran longer than the {limits.notebook_timeout} s limit and was stopped "
                f"(in {label})")
    if "Timeout waiting for IOPub output" in text or ("CellTimeoutError" in text and "interrupt" not in text.lower()):
        return (f"{label} ran past the {limits.cell_timeout} s time limit and did not stop when "
                "interrupted (it ignores or catches the interrupt)")
    if "DeadKernelError" in text or "Kernel died" in text:
        return (f"the kernel died while running {label} (the code ended or killed its own process, e.g. "
                "os._exit or os.kill, or it crashed)")
    if "Kernel didn't respond" in text or "kernel_info" in text:
        return "the kernel did not start (see the worker log)"
    lines = [l for l in (res.get("error") or res.get("log") or "").strip().splitlines() if l.strip()]
    errors = [l for l in lines if re.match(r"^[A-Za-z_.]+(Error|Exception)\b", l.strip())]
    last = (errors or lines or ["unknown error"])[-1].strip()
    return f"nbgrader could not autograde it: {last[:300]}"


# --------------------------------------------------------------------------------------------------
# the loop

def _answer(job: GradeJob, kernels: Kernels) -> GradeResult:
    try:
        return grade_job(job, kernels)
    except Exception:  # noqa: BLE001 - a bug here must not take the worker down
        traceback.print_exc()
        return GradeResult.failure(job, "internal error in the grader: "
                                   + traceback.format_exc().strip().splitlines()[-1])


def serve(argv: list[str] | None = None) -> None:
    """``python -m autograder.grade_worker SETTINGS_JSON``: the settings (sandbox, limits, caches)
    let the worker start a kernel before the first job arrives."""
    argv = sys.argv[1:] if argv is None else argv
    settings = WorkerSettings.from_json(argv[0])
    channel = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)  # stray prints (nbgrader, kernels) go to the log, not the channel
    sys.stdout = sys.stderr
    faulthandler.register(signal.SIGUSR1, all_threads=True)  # the grader asks where a hung worker is
    sandbox.die_with_parent()
    sandbox.become_subreaper()
    os.environ.update(tool_env())
    Path(settings.kernels).mkdir(parents=True, exist_ok=True)
    kernels = Kernels(settings)
    kernels.prewarm()
    import nbgrader.api  # noqa: F401 - import once, before the first job
    import nbgrader.converters  # noqa: F401
    channel.write('{"ready": %d}\n' % os.getpid())
    try:
        for line in sys.stdin:
            if line.strip():
                result = _answer(GradeJob.from_json(line), kernels)
                sandbox.kill_descendants()
                channel.write(result.to_json() + "\n")
                kernels.prewarm()
    finally:
        kernels.close()
        sandbox.kill_descendants()


if __name__ == "__main__":
    serve()
