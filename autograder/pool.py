"""The pool of grading workers: ``n`` slots, each feeding jobs to its own worker process
(``python -m autograder.grade_worker``), which is replaced when it hangs or dies.

The main process talks to a worker in JSON lines (:mod:`autograder.protocol`); a worker that does
not answer in time is asked for its stack (written to its log) and killed, and the job becomes a
failed result saying so. Workers run in their own sessions and die with the main process; their
kernels die with them (see :mod:`autograder.sandbox`).
"""
from __future__ import annotations

import os
import queue
import select
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from .paths import tool_env
from . import sandbox
from .sandbox import RUN_VAR
from .protocol import GradeJob, GradeResult, WorkerSettings


class WorkerDied(RuntimeError):
    pass


class Worker:
    """A ``python -m autograder.grade_worker`` process in its own session, talking JSON lines."""

    def __init__(self, log: Path, settings: WorkerSettings, run: Path):
        log.parent.mkdir(parents=True, exist_ok=True)
        self._log = open(log, "ab")
        self.proc = subprocess.Popen([sys.executable, "-m", "autograder.grade_worker", settings.to_json()],
                                     stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=self._log, env=tool_env(**{RUN_VAR: str(run)}),
                                     cwd=str(log.parent), start_new_session=True)
        self._buf = b""
        self.ready = False

    def _line(self, timeout: float) -> str | None:
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
        return line.decode()

    def wait_ready(self, timeout: float = 300) -> None:
        if not self.ready:
            if self._line(timeout) is None:
                raise WorkerDied("the grading process did not start")
            self.ready = True

    def run(self, job: GradeJob, timeout: float) -> GradeResult | None:
        """The result, or None if the worker did not answer in ``timeout`` seconds."""
        self.wait_ready()
        try:
            self.proc.stdin.write((job.to_json() + "\n").encode())
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError) as exc:
            raise WorkerDied(f"the grading process is gone ({exc})") from None
        line = self._line(timeout)
        return None if line is None else GradeResult.from_json(line)

    def dump_stack(self) -> None:
        """Ask a hung worker to write its Python stack to its log, for whoever reads the log."""
        try:
            os.kill(self.proc.pid, signal.SIGUSR1)
            time.sleep(0.5)
        except OSError:
            pass

    def kill(self) -> None:
        """The worker, its kernels (in sessions of their own) and whatever they started."""
        sandbox.kill_descendants(self.proc.pid, reap=False)
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


def grade_on(worker: Worker, job: GradeJob, deadline: float) -> tuple[GradeResult, bool]:
    """(the worker's result, whether the worker can take another job). A worker that hung, died or
    broke is killed and the result is a failed one saying why. The local pool and the Dask tasks
    (:mod:`autograder.cluster`) both grade through here."""
    try:
        result = worker.run(job, deadline)
        if result is not None:
            return result, True
        worker.dump_stack()
        reason = f"the grader stopped responding on this submission and was killed after {deadline:.0f} s"
    except WorkerDied as exc:
        reason = f"{exc} while grading this submission (the submission may have killed it)"
    except Exception as exc:  # noqa: BLE001
        reason = f"internal error in the grader: {exc}"
    worker.kill()
    return GradeResult.failure(job, reason), False


class Pool:
    """``n`` slots, each feeding jobs to its own worker; a hung or dead worker is replaced."""

    def __init__(self, n: int, logs: Path, deadline: float, settings: WorkerSettings, run: Path):
        """``run``: the grading folder, named in every worker's (and kernel's) environment."""
        self.run = run
        self.settings = settings
        self.jobs: queue.Queue = queue.Queue()
        self.results: queue.Queue = queue.Queue()
        self.deadline = deadline
        self.workers: dict[int, Worker] = {}
        self._logs = logs
        self.threads = [threading.Thread(target=self._slot, args=(i,), daemon=True) for i in range(n)]
        for i in range(n):  # start the processes now: their imports overlap the preparation
            self.workers[i] = Worker(logs / f"worker-{i}.log", settings, run)
        for t in self.threads:
            t.start()

    def _slot(self, i: int) -> None:
        while (job := self.jobs.get()) is not None:
            self.results.put(self._grade(i, job))
        worker = self.workers.pop(i, None)
        if worker is not None:
            worker.close()

    def _grade(self, i: int, job: GradeJob) -> GradeResult:
        """The worker's result; a failed one saying why if the worker hung, died or broke."""
        worker = self.workers.get(i)
        if worker is None:
            worker = self.workers[i] = Worker(self._logs / f"worker-{i}.log", self.settings, self.run)
        result, alive = grade_on(worker, job, self.deadline)
        if not alive:
            self.workers.pop(i, None)
        return result

    def submit(self, job: GradeJob) -> None:
        self.jobs.put(job)

    def shutdown(self, kill: bool = False) -> None:
        if kill:
            for w in list(self.workers.values()):
                w.kill()
        for _ in self.threads:
            self.jobs.put(None)
        if not kill:
            for t in self.threads:
                while t.is_alive():   # in steps: a Ctrl-C delivered to another thread is seen (grade._next_result)
                    t.join(0.5)
