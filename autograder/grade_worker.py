"""A grading worker: grades one submission at a time with real nbgrader, in a throwaway course copy.

`course grade` starts a few of these (``python -m autograder.grade_worker``) and sends them jobs,
one JSON object per line on stdin; each answer is one JSON line on the original stdout (anything
else written to stdout, by nbgrader or a kernel, goes to stderr, which is a log file).

For each job the worker

1. builds a course copy holding only nbgrader's files for this one student: the instructor notebook
   (``source/``), a copy of a fresh gradebook with the assignment, and the submission;
2. reads the student's notebook and repairs its nbgrader structure against the release (trusted
   code, before any student code runs): cells deleted are put back, nbgrader metadata edited or
   duplicated is reset, cell types restored; nbgrader itself then restores edited test cells;
3. runs nbgrader's autograde in this process, with the kernel confined by :mod:`autograder.sandbox`
   and a watchdog that kills the kernel at the per-notebook wall limit;
4. reads scores and messages back, renders the feedback HTML with hidden tests removed, and checks
   that no hidden-test line made it into the HTML.

The worker is a subreaper: whatever a student's kernel forked is killed after each notebook.
"""
from __future__ import annotations

import copy
import faulthandler
import html
import json
import os
import re
import shutil
import signal
import sys
import tempfile
import threading
import time
import traceback
import uuid
from pathlib import Path

import nbformat

from . import nbgrader_ext, sandbox
from .paths import COURSE_ID, tool_env

MAX_NOTEBOOK_BYTES = 100 * 1024 * 1024
SKIP_TAG = "skip-execution"  # nbclient skips code cells with this tag


def _gid(cell) -> str | None:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def _flags(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


# --------------------------------------------------------------------------------------------------
# repairing a submission's structure (trusted; before nbgrader)

def _retype(cell, cell_type: str):
    if cell_type == "code":
        new = nbformat.v4.new_code_cell(cell.source)
    elif cell_type == "markdown":
        new = nbformat.v4.new_markdown_cell(cell.source)
    else:
        new = nbformat.v4.new_raw_cell(cell.source)
    new.metadata = cell.metadata
    if "id" in cell:
        new.id = cell.id
    return new


def normalize(nb, release, run_experiments: bool = False) -> tuple[nbformat.NotebookNode, list[str]]:
    """The submission with the release's nbgrader structure; notes say what was repaired."""
    nb = copy.deepcopy(nb)
    rel_index = {_gid(c): i for i, c in enumerate(release.cells) if _gid(c)}
    seen: set[str] = set()
    edited, retyped, stripped = [], [], []
    cells = []
    for cell in nb.cells:
        gid = _gid(cell)
        if gid is None:
            cell.get("metadata", {}).pop("nbgrader", None)
        elif gid not in rel_index or gid in seen:
            cell.metadata.pop("nbgrader", None)
            stripped.append(gid)
        else:
            seen.add(gid)
            rc = release.cells[rel_index[gid]]
            if cell.cell_type != rc.cell_type:
                cell = _retype(cell, rc.cell_type)
                retyped.append(gid)
            cell.metadata["nbgrader"] = copy.deepcopy(rc.metadata["nbgrader"])
            if _flags(rc).get("locked") and cell.source != rc.source:
                edited.append(gid)
        cells.append(cell)
    missing = [gid for gid in rel_index if gid not in seen]
    for gid in sorted(missing, key=rel_index.get):
        i = rel_index[gid]
        restored = copy.deepcopy(release.cells[i])
        position = 0
        for j in range(i - 1, -1, -1):
            prev = _gid(release.cells[j])
            where = [k for k, c in enumerate(cells) if prev is not None and _gid(c) == prev]
            if where:
                position = where[0] + 1
                break
        cells.insert(position, restored)
    # unique cell ids (nbformat 4.5)
    ids = set()
    for cell in cells:
        if cell.get("id") in ids or "id" not in cell:
            if nb.nbformat_minor >= 5 or "id" in cell:
                cell["id"] = uuid.uuid4().hex[:12]
        ids.add(cell.get("id"))
    if not run_experiments:
        graded = [k for k, c in enumerate(cells) if c.cell_type == "code"
                  and (_flags(c).get("grade") or _flags(c).get("solution"))]
        last = max(graded) if graded else len(cells)
        for cell in cells[last + 1:]:
            if cell.cell_type == "code":
                tags = cell.metadata.setdefault("tags", [])
                if SKIP_TAG not in tags:
                    tags.append(SKIP_TAG)
    nb.cells = cells
    notes = []
    if missing:
        notes.append(f"restored deleted cells: {', '.join(missing)}")
    if edited:
        notes.append(f"restored edited read-only cells: {', '.join(edited)}")
    if retyped:
        notes.append(f"restored cell types: {', '.join(retyped)}")
    if stripped:
        notes.append(f"ignored unknown or duplicated nbgrader cells: {', '.join(stripped)}")
    return nb, notes


def read_submission(path: str) -> tuple[nbformat.NotebookNode | None, str]:
    """(notebook, '') or (None, why it cannot be read)."""
    size = os.path.getsize(path)
    if size > MAX_NOTEBOOK_BYTES:
        return None, f"the notebook is {size >> 20} MB, more than {MAX_NOTEBOOK_BYTES >> 20} MB"
    if size == 0:
        return None, "the notebook file is empty"
    text = Path(path).read_bytes().decode("utf-8", errors="replace")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return None, f"the notebook is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
    if not isinstance(data, dict) or not isinstance(data.get("cells", None), list):
        return None, "the file is JSON but not a Jupyter notebook (no list of cells)"
    try:
        nb = nbformat.reads(text, as_version=4)
    except Exception as exc:  # noqa: BLE001 - nbformat raises many kinds
        return None, f"nbformat cannot read the notebook: {str(exc).splitlines()[0][:200]}"
    for cell in nb.cells:
        if not isinstance(cell.get("source", ""), str) or cell.get("cell_type") not in ("code", "markdown", "raw"):
            return None, "the notebook has malformed cells"
    return nb, ""


# --------------------------------------------------------------------------------------------------
# nbgrader configuration

def nbgrader_config(course: Path, job: dict):
    from nbconvert.preprocessors import ClearMetadataPreprocessor, CSSHTMLHeaderPreprocessor
    from nbgrader.preprocessors import (AssignLatePenalties, CheckCellMetadata, GetGrades, LimitOutput,
                                        SaveAutoGrades)
    from traitlets.config import Config
    limits = job["limits"]
    c = Config()
    c.CourseDirectory.root = str(course)
    c.CourseDirectory.course_id = COURSE_ID
    c.CourseDirectory.db_url = f"sqlite:///{course / 'gradebook.db'}"
    c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", ".*"]
    c.Execute.timeout = int(limits["cell_timeout"])
    c.Execute.startup_timeout = 120
    c.Execute.interrupt_on_timeout = True
    c.Execute.shutdown_kernel = "immediate"  # the notebook is done: kill, don't wait for a polite exit
    c.LimitedExecute.max_output_mb = 2 * float(limits["output_mb"]) + 1  # behind the kernel's own cap
    c.Autograde.autograde_preprocessors = [
        nbgrader_ext.LimitedExecute, nbgrader_ext.StderrIsNotAnError, ClearMetadataPreprocessor,
        LimitOutput, SaveAutoGrades, AssignLatePenalties, CheckCellMetadata]
    c.GenerateFeedback.preprocessors = [GetGrades, nbgrader_ext.HideHiddenTests, CSSHTMLHeaderPreprocessor]
    return c


def _run_app(app_class, config, assignment: str, student: str) -> dict:
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.utils import capture_log
    coursedir = CourseDirectory(config=config)
    coursedir.assignment_id = assignment
    coursedir.student_id = student
    app = app_class(coursedir=coursedir, config=config)
    app.force = True
    if hasattr(app, "create_student"):
        app.create_student = True
    return capture_log(app)


# --------------------------------------------------------------------------------------------------
# diagnostics

def _cell_label(nb, index) -> str:
    if index is None or nb is None or index >= len(nb.cells):
        return "a cell"
    cell = nb.cells[index]
    gid, flags = _gid(cell), _flags(cell)
    if flags.get("grade") and not flags.get("solution"):
        return f"test cell {gid}"
    if flags.get("solution"):
        return f"answer cell {gid}"
    return f"cell {index + 1}" + (f" ({gid})" if gid else "")


def failure_reason(res: dict, watchdog_fired: bool, limits: dict, nb, where) -> str:
    text = (res.get("log") or "") + "\n" + (res.get("error") or "")
    label = _cell_label(nb, where)
    if watchdog_fired:
        return (f"the notebook ran longer than the {limits['notebook_timeout']} s limit and was stopped "
                f"(in {label})")
    if "Timeout waiting for IOPub output" in text or ("CellTimeoutError" in text and "interrupt" not in text.lower()):
        return (f"{label} ran past the {limits['cell_timeout']} s time limit and did not stop when "
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


def html_leaks(html_text: str, secrets: list[str]) -> list[str]:
    """Hidden-test lines found in an HTML page (tags removed, entities decoded)."""
    plain = html.unescape(re.sub(r"<[^>]+>", "", html_text))
    lines = {l.strip() for l in plain.splitlines()}
    body = "\n".join(lines)
    return [s for s in secrets if s in body]


# --------------------------------------------------------------------------------------------------
# kernels, started ahead of time

# Run by IPython when the kernel starts (a startup file in the kernel's own home): text a cell
# prints beyond the limit is dropped inside the kernel, so a flood never crosses to the grader.
# Code that undoes this only meets the grader's own cap (LimitedExecute), which interrupts the cell.
OUTPUT_GUARD = """\
def _grading_output_guard():
    import ipykernel.iostream as iostream
    limit, state = LIMIT_BYTES, {"n": 0, "cut": False}
    write = iostream.OutStream.write

    def reset(*args, **kwargs):
        state["n"], state["cut"] = 0, False

    def limited_write(self, text):
        if not isinstance(text, str):
            return write(self, text)
        state["n"] += len(text)
        if state["n"] <= limit:
            return write(self, text)
        if not state["cut"]:
            state["cut"] = True
            write(self, "\\n[the grader cut this cell's output here: more than %d MB]\\n" % (limit >> 20))
        return len(text)

    iostream.OutStream.write = limited_write
    get_ipython().events.register("pre_run_cell", reset)


_grading_output_guard()
del _grading_output_guard
"""

class Kernel:
    """A confined kernel for one submission, started before the job arrives (its start-up, about a
    second, then overlaps the previous job's feedback and the next job's preparation).

    Its folders: ``scratch`` (the kernel's working folder; the student's files are copied in when
    the job starts), ``home``, ``spec`` (kernelspec); and ``runtime`` (connection file and IPC
    sockets), a short folder in the system's temp folder: a unix socket path has at most 107 bytes."""

    def __init__(self, root: Path, settings: dict):
        from jupyter_client.kernelspec import KernelSpecManager
        from jupyter_client.manager import AsyncKernelManager
        from jupyter_core.utils import run_sync
        from traitlets.config import Config
        self.key = json.dumps([settings["sandbox"], settings["limits"]], sort_keys=True)
        self.dir = root / f"kernel-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        for d in ("scratch", "home", "spec"):
            (self.dir / d).mkdir(parents=True)
        self.runtime = Path(tempfile.mkdtemp(prefix="course-kernel-", dir="/tmp" if os.path.isdir("/tmp") else None))
        cache = settings.get("mpl_cache")
        if cache and Path(cache).is_dir():
            shutil.copytree(cache, self.dir / "home" / ".matplotlib")
        startup = self.dir / "home" / ".ipython" / "profile_default" / "startup"
        startup.mkdir(parents=True)
        (startup / "00-grading-limits.py").write_text(
            OUTPUT_GUARD.replace("LIMIT_BYTES", str(int(float(settings["limits"]["output_mb"]) * 1024 * 1024))))
        box = sandbox.Sandbox(**settings["sandbox"])
        sandbox.write_kernelspec(self.dir / "spec", box, sandbox.Limits(**settings["limits"]),
                                 scratch=self.dir / "scratch", home=self.dir / "home", runtime=self.runtime)
        c = Config()
        c.KernelManager.transport = "ipc"
        c.KernelManager.connection_file = str(self.runtime / "kernel.json")
        c.KernelManager.shutdown_wait_time = 1.0
        self.km = AsyncKernelManager(kernel_name=sandbox.KERNEL_NAME, config=c,
                                     kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(self.dir / "spec")]))
        try:
            run_sync(self.km.start_kernel)(extra_arguments=["--HistoryManager.hist_file=:memory:"],
                                           cwd=str(self.dir / "scratch"))
        except BaseException:
            self.close()  # a half-started kernel's zmq context would hang the next garbage collection
            raise

    def alive(self) -> bool:
        from jupyter_core.utils import run_sync
        try:
            return bool(run_sync(self.km.is_alive)())
        except Exception:  # noqa: BLE001
            return False

    def add_files(self, files: dict[str, str], skip: str | None) -> None:
        scratch = (self.dir / "scratch").resolve()
        for rel, src in files.items():
            if rel == skip or rel.endswith(".ipynb"):
                continue
            target = (scratch / rel).resolve()
            if scratch in target.parents:
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(src, target)

    def close(self) -> None:
        from jupyter_core.utils import run_sync
        try:
            if run_sync(self.km.is_alive)():
                run_sync(self.km.shutdown_kernel)(now=True)
        except Exception:  # noqa: BLE001 - already dead is fine
            pass
        try:
            run_sync(self.km.cleanup_resources)()
        except Exception:  # noqa: BLE001
            pass
        try:
            self.km.context.destroy(linger=0)  # open sockets must not make Context.term() wait forever
        except Exception:  # noqa: BLE001
            pass
        if self.km.provisioner is not None and getattr(self.km.provisioner, "process", None) is not None:
            try:
                self.km.provisioner.process.kill()
            except OSError:
                pass
        shutil.rmtree(self.dir, ignore_errors=True)
        shutil.rmtree(self.runtime, ignore_errors=True)


class Kernels:
    """At most one kernel waiting for the next job."""

    def __init__(self, root: Path, settings: dict | None):
        self.root, self.settings, self.ready = root, settings, None

    def prewarm(self) -> None:
        if self.settings and self.ready is None:
            try:
                self.ready = Kernel(self.root, self.settings)
            except Exception:  # noqa: BLE001 - the job will start its own and report any problem
                traceback.print_exc()
                self.ready = None

    def take(self, settings: dict) -> Kernel:
        kernel, self.ready = self.ready, None
        key = json.dumps([settings["sandbox"], settings["limits"]], sort_keys=True)
        if kernel is not None and (kernel.key != key or not kernel.alive()):
            kernel.close()
            kernel = None
        return kernel or Kernel(self.root, settings)

    def close(self) -> None:
        if self.ready is not None:
            self.ready.close()
            self.ready = None


KERNELS = Kernels(Path.cwd(), None)


# --------------------------------------------------------------------------------------------------
# one job

_SECRETS: dict[str, list[str]] = {}


def _secrets_for(template: Path, assignment: str) -> list[str]:
    key = str(template)
    if key not in _SECRETS:
        nb = nbformat.read(template / "source" / assignment / f"{assignment}.ipynb", as_version=4)
        tests = {_gid(c): c.source for c in nb.cells if _flags(c).get("grade") and not _flags(c).get("solution")}
        _SECRETS[key] = nbgrader_ext.secret_lines(tests)
    return _SECRETS[key]


class Watchdog:
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


def grade_job(job: dict) -> dict:
    from nbgrader.api import Gradebook, MissingEntry
    from nbgrader.converters import Autograde, GenerateFeedback

    start = time.monotonic()
    a, s = job["assignment"], job["student"]
    limits = job["limits"]
    result = {"student": s, "assignment": a, "fingerprint": job.get("fingerprint"),
              "timestamp": job.get("timestamp"), "notes": list(job.get("notes", [])), "cells": [],
              "status": "failed", "reason": "", "autograded": None, "feedback": None, "sandbox": job["sandbox"]["mode"]}

    def done(status: str, reason: str = "") -> dict:
        result["status"], result["reason"] = status, reason
        result["seconds"] = round(time.monotonic() - start, 2)
        return result

    work = Path(job["workdir"])
    if work.exists():
        shutil.rmtree(work)
    template = Path(job["template"])
    course = work / "course"
    (course / "source").mkdir(parents=True)
    shutil.copytree(template / "source" / a, course / "source" / a)
    shutil.copy2(template / "gradebook.db", course / "gradebook.db")
    release = nbformat.read(template / "release" / a / f"{a}.ipynb", as_version=4)

    if job.get("problem"):
        return done("failed", job["problem"])
    nb, problem = read_submission(job["files"][job["notebook"]])
    if problem:
        return done("failed", problem)
    nb, notes = normalize(nb, release, job.get("run_experiments", False))
    result["notes"] += notes
    sub_dir = course / "submitted" / s / a
    sub_dir.mkdir(parents=True)
    for rel, src in job["files"].items():
        if rel == job["notebook"] or rel.endswith(".ipynb"):
            continue
        target = (sub_dir / rel).resolve()
        if sub_dir.resolve() not in target.parents:
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, target)
    try:
        nbformat.write(nb, sub_dir / f"{a}.ipynb")
    except Exception as exc:  # noqa: BLE001
        return done("failed", f"the notebook's structure is invalid: {str(exc).splitlines()[0][:200]}")
    if job.get("timestamp"):
        (sub_dir / "timestamp.txt").write_text(job["timestamp"])

    # the kernel, confined, with the student's other files in its working folder
    kernel = KERNELS.take({"sandbox": job["sandbox"], "limits": limits, "mpl_cache": job.get("mpl_cache")})
    kernel.add_files(job["files"], job["notebook"])
    nbgrader_ext.KERNEL["km"] = kernel.km
    config = nbgrader_config(course, job)

    nbgrader_ext.CURRENT.update(index=None, grade_id=None)
    timings = result["timings"] = {"prepare": round(time.monotonic() - start, 2)}
    try:
        with Watchdog(float(limits["notebook_timeout"])) as dog:
            res = _run_app(Autograde, config, a, s)
    finally:
        nbgrader_ext.KERNEL["km"] = None
        kernel.close()
        sandbox.kill_descendants()  # anything the kernel left behind
    timings["autograde"] = round(time.monotonic() - start - timings["prepare"], 2)
    autograded = course / "autograded" / s / a / f"{a}.ipynb"
    if not res.get("success") or not autograded.exists():
        return done("failed", failure_reason(res, dog.fired, limits, nb, nbgrader_ext.CURRENT["index"]))

    # scores and messages
    secrets = _secrets_for(template, a)
    graded_nb = nbformat.read(autograded, as_version=4)
    messages = {_gid(c): nbgrader_ext.cell_message(c, secrets) for c in graded_nb.cells
                if nbgrader_ext.is_test_cell(c)}
    kinds = {_gid(c): ("tests" if not _flags(c).get("solution") else "manual")
             for c in release.cells if _flags(c).get("grade")}
    try:
        with Gradebook(config.CourseDirectory.db_url) as gb:
            snb = gb.find_submission_notebook(a, a, s)
            comments = {c.name: c.auto_comment for c in snb.comments}
            for g in snb.grades:
                result["cells"].append({
                    "grade_id": g.name, "kind": kinds.get(g.name, "tests"),
                    "auto_score": None if g.auto_score is None else float(g.auto_score),
                    "max_score": float(g.max_score), "needs_manual_grade": bool(g.needs_manual_grade),
                    "message": messages.get(g.name, ""), "auto_comment": comments.get(g.name)})
            result["late_penalty"] = float(snb.late_submission_penalty or 0)
    except MissingEntry as exc:
        return done("failed", f"nbgrader recorded no grades: {exc}")
    order = {gid: i for i, gid in enumerate(kinds)}
    result["cells"].sort(key=lambda c: order.get(c["grade_id"], 1e9))
    result["autograded"] = str(autograded.parent)

    # feedback, hidden tests removed, then checked
    t_feedback = time.monotonic()
    fb = _run_app(GenerateFeedback, config, a, s)
    timings["feedback"] = round(time.monotonic() - t_feedback, 2)
    page = course / "feedback" / s / a / f"{a}.html"
    if fb.get("success") and page.exists():
        leaks = html_leaks(page.read_text(errors="replace"), nbgrader_ext.without_own_lines(secrets, graded_nb))
        if leaks:
            page.unlink()
            result["notes"].append(f"feedback withheld: {len(leaks)} hidden-test lines would have shown")
        else:
            result["feedback"] = str(page)
    else:
        result["notes"].append("feedback could not be generated: " + (fb.get("error") or "")[-200:])
    needs_manual = any(c["needs_manual_grade"] for c in result["cells"])
    return done("needs manual grading" if needs_manual else "graded")


# --------------------------------------------------------------------------------------------------
# the loop

def serve(argv: list[str] | None = None) -> None:
    """``python -m autograder.grade_worker [SETTINGS_JSON]``: settings (sandbox, limits, mpl_cache,
    kernels folder) let the worker start a kernel before the first job arrives."""
    argv = sys.argv[1:] if argv is None else argv
    settings = json.loads(argv[0]) if argv else None
    channel = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)  # stray prints (nbgrader, kernels) go to the log, not the channel
    sys.stdout = sys.stderr
    faulthandler.register(signal.SIGUSR1, all_threads=True)  # the grader asks where a hung worker is
    sandbox.die_with_parent()
    sandbox.become_subreaper()
    os.environ.update(tool_env())
    if settings:
        KERNELS.root = Path(settings.pop("kernels", Path.cwd()))
        KERNELS.root.mkdir(parents=True, exist_ok=True)
        KERNELS.settings = settings
    KERNELS.prewarm()
    import nbgrader.converters  # noqa: F401 - import once, before the first job
    import nbgrader.api  # noqa: F401
    channel.write(json.dumps({"ready": os.getpid()}) + "\n")
    for line in sys.stdin:
        if not line.strip():
            continue
        job = json.loads(line)
        try:
            result = grade_job(job)
        except Exception:  # noqa: BLE001 - a bug here must not take the worker down
            result = {"student": job.get("student"), "assignment": job.get("assignment"), "status": "failed",
                      "reason": "internal error in the grader: " + traceback.format_exc().strip().splitlines()[-1],
                      "cells": [], "notes": [], "fingerprint": job.get("fingerprint")}
            traceback.print_exc()
        sandbox.kill_descendants(keep=set())
        channel.write(json.dumps(result) + "\n")
        KERNELS.prewarm()
    KERNELS.close()


if __name__ == "__main__":
    serve()
