"""Grading on a Dask cluster: ``course grade ... --cluster tcp://HOST:8786``.

:class:`ClusterPool` stands in for the local :class:`~autograder.pool.Pool` (the same ``submit`` /
``results`` / ``shutdown``): each submission becomes one Dask task, :func:`grade_remote`, which on
the Dask worker runs the very same grading process as the local pool (``python -m
autograder.grade_worker``, through :func:`autograder.pool.grade_on`): the same sandbox, limits and
trusted tests; there is no second grading implementation.

The cluster's machines need not share a filesystem with the main process, so everything travels as
data: the assignment template as a tar (scattered once to every worker), the submission's files in
the job (:class:`~autograder.protocol.ClusterJob`), and back the result with its autograded notebook
and feedback page (:class:`~autograder.protocol.ClusterAnswer`). The main process unpacks them and
stays the only writer of the gradebook, the CSV and ``results/``; so resuming, idempotence and
``--student`` are as with the local pool. A Dask worker that dies mid-job makes the scheduler run
the task again elsewhere (Dask's ``allowed-failures``): only the run that finishes sends an answer,
and each answer is committed once.

On each Dask worker, a run has its folder ``<worker's local directory>/course-grade/<run>`` (the
template, the jobs, the kernels' scratch); its grading processes stay up between tasks (with their
pre-started kernels) and are closed when the run ends, or after :data:`IDLE_SECONDS` without a job
if the main process went away.
"""
from __future__ import annotations

import base64
import hashlib
import io
import os
import queue
import shutil
import socket
import tarfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from . import sandbox
from .pool import Worker, grade_on
from .protocol import FORMAT, ClusterAnswer, ClusterJob, GradeJob, GradeResult, WorkerSettings

CONNECT_SECONDS = 20        # for the scheduler to answer
WORKERS_SECONDS = 120       # for the first worker to join (a batch system may start them late)
IDLE_SECONDS = 300          # a run's grading process with no job for this long is closed
IN_FLIGHT_PER_SLOT = 4      # tasks sent ahead per worker thread: files of a whole class would sit in the
MIN_IN_FLIGHT = 8           # scheduler's memory otherwise (10 000 notebooks are gigabytes)


class ClusterError(RuntimeError):
    """The cluster cannot be used (unreachable, no workers, workers without this package)."""


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"))


def _tar(folder: Path) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        tar.add(folder, arcname=".")
    return buf.getvalue()


def _inside(base: Path, rel: str) -> Path:
    """``base/rel``, refusing a path that leaves ``base``."""
    target = (base / rel).resolve()
    if not target.is_relative_to(base.resolve()):
        raise ValueError(f"path {rel!r} leaves {base}")
    return target


# --------------------------------------------------------------------------------------------------
# on the Dask worker

_LOCK = threading.Lock()
_IDLE: dict[str, list[tuple[Worker, float]]] = {}    # run -> grading processes waiting for a job
_BOXES: dict[str, sandbox.Sandbox] = {}               # sandbox mode -> this machine's sandbox
# Grading processes die with the thread that started them (PR_SET_PDEATHSIG): one long-lived thread
# starts them all, so a Dask executor thread that retires does not take them down.
_SPAWNER = ThreadPoolExecutor(1, thread_name_prefix="course-grade-spawner")
_REAPER: list[threading.Thread] = []


def _home(run: str) -> Path:
    from distributed import get_worker
    try:
        base = Path(get_worker().local_directory)
    except ValueError:  # not in a Dask worker (called directly)
        base = Path(os.environ.get("TMPDIR", "/tmp"))
    return base / "course-grade" / run


def _template(home: Path, name: str, tar: bytes) -> Path:
    """The assignment template unpacked once per run and worker."""
    folder = home / "templates" / name
    if (folder / "ready").exists():
        return folder
    tmp = home / "templates" / f".{name}.{os.getpid()}.{threading.get_ident()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    with tarfile.open(fileobj=io.BytesIO(tar), mode="r:gz") as archive:
        archive.extractall(tmp, filter="data")
    try:
        os.replace(tmp, folder)
    except OSError:  # another thread got there first
        shutil.rmtree(tmp, ignore_errors=True)
    return folder


def _settings(home: Path, sent: WorkerSettings) -> WorkerSettings:
    """The main process's settings with this machine's sandbox and folders: the same mode (a run
    confined by bubblewrap is never graded unconfined here) and the same limits."""
    from . import course_folder
    with _LOCK:
        box = _BOXES.get(sent.sandbox.mode)
        if box is None:
            box = _BOXES[sent.sandbox.mode] = sandbox.choose(sent.sandbox.mode)
    return WorkerSettings(box, sent.limits, str(course_folder.mpl_cache(home.parent)), str(home / "kernels"))


def _local_job(cjob: ClusterJob, home: Path, template: Path, settings: WorkerSettings) -> GradeJob:
    """The job with its files written here and paths of this machine."""
    job = GradeJob.from_dict(cjob.job.to_dict())
    key = hashlib.sha256(f"{job.student}\0{time.time_ns()}\0{threading.get_ident()}".encode()).hexdigest()[:16]
    inbox = home / "jobs" / key / "in"
    files = {}
    for rel, content in cjob.files.items():
        target = _inside(inbox, rel)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(_unb64(content))
        files[rel] = str(target)
    job.files, job.template, job.workdir, job.settings = files, str(template), str(home / "jobs" / key / "work"), settings
    return job


def _take_worker(run: str, home: Path, settings: WorkerSettings) -> Worker:
    with _LOCK:
        idle = _IDLE.get(run, [])
        if idle:
            return idle.pop()[0]
    log = home / "logs" / f"worker-{os.getpid()}-{threading.get_ident()}.log"
    return _SPAWNER.submit(Worker, log, settings, home).result()


def _give_back(run: str, worker: Worker) -> None:
    with _LOCK:
        _IDLE.setdefault(run, []).append((worker, time.monotonic()))
        if not _REAPER:
            _REAPER.append(threading.Thread(target=_reap_idle, daemon=True, name="course-grade-reaper"))
            _REAPER[0].start()


def _reap_idle() -> None:
    """Close grading processes left without work (their main process went away without saying)."""
    while True:
        time.sleep(min(IDLE_SECONDS, 30))
        now, stale = time.monotonic(), []
        with _LOCK:
            for run, idle in _IDLE.items():
                stale += [w for w, since in idle if now - since > IDLE_SECONDS]
                idle[:] = [(w, since) for w, since in idle if now - since <= IDLE_SECONDS]
        for worker in stale:
            worker.close()


def _pack(result: GradeResult, host: str) -> ClusterAnswer:
    answer = ClusterAnswer(result, worker=host)
    if result.autograded:
        folder = Path(result.autograded)
        answer.autograded = {str(p.relative_to(folder)): _b64(p.read_bytes())
                             for p in sorted(folder.rglob("*")) if p.is_file()}
    if result.feedback:
        answer.feedback = _b64(Path(result.feedback).read_bytes())
    result.autograded = result.feedback = None
    return answer


def grade_remote(message: str, template_tar: bytes) -> str:
    """The Dask task: one :class:`ClusterJob` (JSON) in, one :class:`ClusterAnswer` (JSON) out."""
    cjob = ClusterJob.from_json(message)
    home = _home(cjob.run)
    host = f"{socket.gethostname()}:{os.getpid()}"
    try:
        template = _template(home, cjob.template, template_tar)
        settings = _settings(home, cjob.job.settings)
    except SystemExit as exc:  # sandbox.choose: the sandbox asked for does not work on this machine
        return ClusterAnswer(GradeResult.failure(cjob.job, f"cluster worker {host}: {exc}"), worker=host).to_json()
    job = _local_job(cjob, home, template, settings)
    worker = _take_worker(cjob.run, home, settings)
    try:
        result, alive = grade_on(worker, job, cjob.deadline)
        if alive:
            _give_back(cjob.run, worker)
        return _pack(result, host).to_json()
    finally:
        shutil.rmtree(Path(job.workdir).parent, ignore_errors=True)


def end_run(run: str) -> int:
    """Close the run's grading processes on this worker and remove its folder; how many closed."""
    with _LOCK:
        idle = _IDLE.pop(run, [])
    for worker, _ in idle:
        worker.close()
    shutil.rmtree(_home(run), ignore_errors=True)
    return len(idle)


def probe() -> dict:
    """What the main process checks on every worker before sending work."""
    return {"format": FORMAT, "host": socket.gethostname()}


# --------------------------------------------------------------------------------------------------
# in the main process

def connect(address: str):
    """A Dask client of the scheduler at ``address``, with at least one worker that runs this
    grader; ClusterError naming the address otherwise."""
    if "://" not in address:
        raise ClusterError(f"--cluster {address}: expected a Dask scheduler address such as tcp://HOST:8786")
    try:
        from distributed import Client
    except ImportError:
        raise ClusterError("--cluster needs Dask: pip install -e '.[cluster]'") from None
    try:
        client = Client(address, timeout=CONNECT_SECONDS, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        raise ClusterError(f"--cluster {address}: no Dask scheduler answered within {CONNECT_SECONDS} s "
                           f"({type(exc).__name__}: {exc})") from None
    try:
        client.wait_for_workers(1, timeout=WORKERS_SECONDS)
        answers = client.run(probe)
    except (OSError, TimeoutError) as exc:
        client.close()
        raise ClusterError(f"--cluster {address}: the scheduler has no workers (waited {WORKERS_SECONDS} s: "
                           f"{exc})") from None
    except Exception as exc:  # noqa: BLE001 - e.g. ModuleNotFoundError: autograder, on a worker
        client.close()
        raise ClusterError(f"--cluster {address}: a worker cannot run the grader ({type(exc).__name__}: {exc}); "
                           "each worker image needs this package and bubblewrap (docs/grading-at-scale.md)") from None
    other = {w: a for w, a in answers.items() if a.get("format") != FORMAT}
    if other:
        client.close()
        raise ClusterError(f"--cluster {address}: workers {', '.join(sorted(other))} run another version of "
                           f"the grader (result format {sorted({a.get('format') for a in other.values()})}, "
                           f"here {FORMAT})")
    return client


class ClusterPool:
    """The local Pool's interface (``submit``, ``results``, ``shutdown``) over a Dask cluster."""

    def __init__(self, address: str, run: Path, deadline: float):
        self.client = connect(address)
        self.address, self.deadline = address, deadline
        self.run = hashlib.sha256(f"{socket.gethostname()}:{run}:{os.getpid()}".encode()).hexdigest()[:12]
        self.results: queue.Queue = queue.Queue()
        self._futures: dict[str, tuple[object, GradeJob]] = {}
        self._templates: dict[str, object] = {}
        self._backlog: list[GradeJob] = []
        self._lock = threading.Lock()
        self._running = 0

    def _room(self) -> int:
        slots = sum(w.get("nthreads", 1) for w in self.client.scheduler_info()["workers"].values())
        return max(MIN_IN_FLIGHT, IN_FLIGHT_PER_SLOT * slots)

    def _template(self, folder: str):
        """The template, sent once to every worker (and to workers that join later, by Dask)."""
        if folder not in self._templates:
            self._templates[folder] = self.client.scatter(_tar(Path(folder)), broadcast=True, hash=True)
        return self._templates[folder]

    def submit(self, job: GradeJob) -> None:
        """Queue the job; it is sent to the cluster when fewer than a few tasks per slot are out."""
        with self._lock:
            self._backlog.append(job)
        self._pump()

    def _pump(self) -> None:
        while True:
            with self._lock:
                if not self._backlog or self._running >= self._room():
                    return
                job = self._backlog.pop(0)
                self._running += 1
            self._send(job)

    def _send(self, job: GradeJob) -> None:
        files = {rel: _b64(Path(src).read_bytes()) for rel, src in job.files.items()}
        message = ClusterJob(job, files, Path(job.template).name, self.run, self.deadline).to_json()
        key = f"course-grade-{self.run}-{hashlib.sha256(job.student.encode()).hexdigest()[:16]}"
        future = self.client.submit(grade_remote, message, self._template(job.template), key=key, pure=False,
                                    retries=1)
        self._futures[key] = (future, job)
        future.add_done_callback(self._done)

    def _done(self, future) -> None:
        """A task ended (in Dask's callback thread): its result, unpacked, to ``results``."""
        _, job = self._futures[future.key]
        try:
            if future.status == "cancelled":
                raise ClusterError(f"the Dask cluster at {self.address} cancelled the grading of {job.student} "
                                   "(scheduler lost or restarted); run the same command again to finish")
            result = self._unpack(ClusterAnswer.from_json(future.result()), job)
        except ClusterError as exc:
            self.results.put(exc)
            return
        except Exception as exc:  # noqa: BLE001 - KilledWorker and the like: this submission only
            result = GradeResult.failure(job, _failure_reason(exc))
        self.results.put(result)
        with self._lock:
            self._running -= 1
        self._pump()

    def _unpack(self, answer: ClusterAnswer, job: GradeJob) -> GradeResult:
        """The answer's files into the job's (main-side) folder, as the local pool's worker leaves them."""
        result, back = answer.result, Path(job.workdir) / "returned"
        if answer.autograded:
            folder = back / "autograded"
            for rel, content in answer.autograded.items():
                target = _inside(folder, rel)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(_unb64(content))
            result.autograded = str(folder)
        if answer.feedback is not None:
            page = back / "feedback.html"
            page.parent.mkdir(parents=True, exist_ok=True)
            page.write_bytes(_unb64(answer.feedback))
            result.feedback = str(page)
        return result

    def shutdown(self, kill: bool = False) -> None:
        """Cancel what is left, close the run's grading processes on every worker, disconnect."""
        try:
            pending = [f for f, _ in self._futures.values() if not f.done()]
            if pending:
                self.client.cancel(pending, force=True)
            self.client.run(end_run, self.run)
        except Exception:  # noqa: BLE001 - the cluster may be gone already; the workers' reaper cleans up
            pass
        finally:
            self.client.close()


def _failure_reason(exc: BaseException) -> str:
    if type(exc).__name__ == "KilledWorker":
        return ("the Dask workers grading this submission died each time it was tried (Dask's allowed-failures; "
                "the submission may kill its worker, e.g. by exhausting the machine's memory)")
    return f"the cluster could not grade it: {type(exc).__name__}: {str(exc)[:300]}"
