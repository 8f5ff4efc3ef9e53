"""Kernels for grading: confined (see :mod:`autograder.sandbox`), started ahead of time.

A worker keeps at most one kernel waiting for its next job (:class:`Kernels`): the kernel's start,
about a second, then overlaps the previous job's feedback and the next job's preparation.
"""
from __future__ import annotations

import json
import shutil
import tempfile
import traceback
import uuid
import os
from dataclasses import asdict
from pathlib import Path

from . import sandbox
from .protocol import WorkerSettings


def _key(settings: WorkerSettings) -> str:
    """Kernels started with equal keys are interchangeable."""
    return json.dumps([asdict(settings.sandbox), asdict(settings.limits)], sort_keys=True)


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

# Run by IPython when the kernel starts, before any student code: the student side of the trusted
# tests (autograder.function_server) listens on a unix socket in the kernel's runtime folder.
FUNCTION_SERVER = """\
def _course_function_server():
    import os
    path = os.environ.get("COURSE_FUNCTION_SOCKET")
    if path:
        from autograder.function_server import serve_in_background
        serve_in_background(path, get_ipython())


_course_function_server()
del _course_function_server
"""
FUNCTION_SOCKET = "functions.sock"


class Kernel:
    """A confined kernel for one submission, started before the job arrives (its start-up, about a
    second, then overlaps the previous job's feedback and the next job's preparation).

    Its folders: ``scratch`` (the kernel's working folder; the student's files are copied in when
    the job starts), ``home``, ``spec`` (kernelspec); and ``runtime`` (connection file and IPC
    sockets), a short folder in the system's temp folder: a unix socket path has at most 107 bytes."""

    def __init__(self, root: Path, settings: WorkerSettings):
        from jupyter_client.kernelspec import KernelSpecManager
        from jupyter_client.manager import AsyncKernelManager
        from jupyter_core.utils import run_sync
        from traitlets.config import Config
        self.key = _key(settings)
        self.dir = root / f"kernel-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        for d in ("scratch", "home", "spec"):
            (self.dir / d).mkdir(parents=True)
        self.runtime = Path(tempfile.mkdtemp(prefix="course-kernel-", dir="/tmp" if os.path.isdir("/tmp") else None))
        if settings.mpl_cache and Path(settings.mpl_cache).is_dir():
            shutil.copytree(settings.mpl_cache, self.dir / "home" / ".matplotlib")
        startup = self.dir / "home" / ".ipython" / "profile_default" / "startup"
        startup.mkdir(parents=True)
        (startup / "00-grading-limits.py").write_text(
            OUTPUT_GUARD.replace("LIMIT_BYTES", str(int(float(settings.limits.output_mb) * 1024 * 1024))))
        (startup / "01-function-server.py").write_text(FUNCTION_SERVER)
        sandbox.write_kernelspec(self.dir / "spec", settings.sandbox, settings.limits,
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

    @property
    def function_socket(self) -> Path:
        """Where the kernel serves the student's functions to the trusted tests."""
        return self.runtime / FUNCTION_SOCKET

    @property
    def scratch(self) -> Path:
        """The kernel's working folder (the student's own files go here)."""
        return self.dir / "scratch"

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

    def __init__(self, settings: WorkerSettings | None = None):
        self.settings, self.ready = settings, None

    def prewarm(self) -> None:
        if self.settings is not None and self.ready is None:
            try:
                self.ready = Kernel(Path(self.settings.kernels), self.settings)
            except Exception:  # noqa: BLE001 - the job will start its own and report any problem
                traceback.print_exc()
                self.ready = None

    def take(self, settings: WorkerSettings) -> Kernel:
        """The waiting kernel if it was started with these settings and still runs, else a new one."""
        kernel, self.ready = self.ready, None
        if kernel is not None and (kernel.key != _key(settings) or not kernel.alive()):
            kernel.close()
            kernel = None
        return kernel or Kernel(Path(settings.kernels), settings)

    def close(self) -> None:
        if self.ready is not None:
            self.ready.close()
            self.ready = None
