"""A real local Dask cluster for the tests and the benchmark: ``dask scheduler`` and ``dask worker``
processes (with their nannies), as an operator would start them on a cluster's machines.

    with LocalDask.start(tmp, workers=2) as cluster:
        cluster.address                      # tcp://127.0.0.1:PORT, for --cluster
        cluster.worker_pids()                # address -> pid of each worker process

The workers' scratch folder is given in DASK_TEMPORARY_DIRECTORY (not on their command line), so
``sandbox.processes_of_run(cluster.scratch)`` finds the grading processes and kernels the workers
started, never the Dask processes themselves.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

from autograder import paths


class LocalDask:
    def __init__(self, folder: Path):
        self.folder = folder
        self.scratch = folder / "scratch"
        self.procs: list[subprocess.Popen] = []
        self.address = ""

    @classmethod
    def start(cls, folder: Path, workers: int = 2, threads: int = 1) -> LocalDask:
        folder.mkdir(parents=True, exist_ok=True)
        self = cls(folder)
        self.scratch.mkdir(exist_ok=True)
        env = paths.tool_env(DASK_TEMPORARY_DIRECTORY=str(self.scratch))
        info = folder / "scheduler.json"
        try:
            self._spawn(["scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                         "--scheduler-file", str(info)], env, "scheduler")
            self.address = self._wait_address(info)
            for i in range(workers):
                self._spawn(["worker", self.address, "--nthreads", str(threads), "--nworkers", "1",
                             "--no-dashboard", "--host", "127.0.0.1", "--memory-limit", "0", "--name", f"w{i}"],
                            env, f"worker-{i}")
            self._wait_workers(workers)
        except BaseException:
            self.stop()
            raise
        return self

    def _spawn(self, args: list[str], env: dict, name: str) -> None:
        log = open(self.folder / f"{name}.log", "ab")
        self.procs.append(subprocess.Popen([paths.tool("dask"), *args], env=env, stdout=log, stderr=log,
                                           cwd=self.folder, start_new_session=True))

    def _wait_address(self, info: Path, seconds: float = 60) -> str:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if info.exists():
                try:
                    return json.loads(info.read_text())["address"]
                except (ValueError, KeyError):
                    pass
            time.sleep(0.2)
        raise RuntimeError(f"the Dask scheduler did not start; see {self.folder}/scheduler.log")

    def client(self):
        from distributed import Client
        return Client(self.address, timeout=30, set_as_default=False)

    def _wait_workers(self, n: int, seconds: float = 120) -> None:
        with self.client() as client:
            client.wait_for_workers(n, timeout=seconds)

    def worker_pids(self) -> dict[str, int]:
        with self.client() as client:
            return client.run(os.getpid)

    def stop(self) -> None:
        for proc in reversed(self.procs):  # workers first, then the scheduler
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        for proc in reversed(self.procs):
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        self.procs.clear()
        shutil.rmtree(self.scratch, ignore_errors=True)

    def __enter__(self) -> LocalDask:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
