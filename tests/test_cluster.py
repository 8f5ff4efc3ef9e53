"""`course grade --cluster tcp://...` on a real local Dask cluster (a `dask scheduler` and two `dask worker`
processes, tests/dask_cluster.py): the same class graded by the cluster and by the local pool gives
the same gradebook, CSV and files; running again grades nothing, `--student` regrades one; a Dask
worker killed mid-job costs a retry, never a lost or doubled grade, and leaves no process; an
unreachable or malformed address is a clear error.
"""
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import nbformat
import pytest
import small_class
from dask_cluster import LocalDask

from autograder import cells, cluster, grade, merge, paths, sandbox

A = "dropout"
FAST = sandbox.Limits(cell_timeout=20, notebook_timeout=120, memory_mb=2048)
pytestmark = pytest.mark.skipif(A not in paths.assignments(), reason=f"needs {A}")


@pytest.fixture(scope="module")
def dask(tmp_path_factory):
    with LocalDask.start(tmp_path_factory.mktemp("dask"), workers=2) as local:
        yield local


@pytest.fixture(scope="module")
def klass(tmp_path_factory):
    folder = tmp_path_factory.mktemp("class")
    return small_class.write(folder / "subs", small_class.notebooks(A, folder / "state"), A)


def _grade(subs, out, **kw) -> grade.Report:
    return grade.grade(grade.Options(A, subs, out=out, workers=2, quiet=True, progress=False, limits=FAST, **kw))


@pytest.fixture(scope="module")
def both(dask, klass, tmp_path_factory):
    """(local pool report, Dask cluster report) of the same class."""
    tmp = tmp_path_factory.mktemp("runs")
    local = _grade(klass, tmp / "local")
    with pytest.MonkeyPatch.context() as mp:   # one task per worker thread in flight: the rest wait their turn
        mp.setattr(cluster, "MIN_IN_FLIGHT", 1)
        mp.setattr(cluster, "IN_FLIGHT_PER_SLOT", 1)
        return local, _grade(klass, tmp / "dask", cluster=dask.address)


def _comparable(result) -> dict:
    data = result.to_dict()
    for moving in ("seconds", "timings"):
        data.pop(moving)
    return data


@pytest.mark.slow
def test_cluster_grades_exactly_like_the_local_pool(both, dask):
    local, remote = both
    students = sorted(p.name for p in Path(remote.csv_path.parent / "results" / A).glob("*.json"))
    assert len(students) == 4 and sorted(remote.graded_now) == sorted(local.graded_now)
    assert {s: _comparable(r) for s, r in remote.results.items()} == {s: _comparable(r) for s, r in local.results.items()}
    assert small_class.gradebook_table(remote.db_url, A) == small_class.gradebook_table(local.db_url, A)
    assert small_class.csv_rows(remote.csv_path) == small_class.csv_rows(local.csv_path)
    out_l, out_r = local.csv_path.parent, remote.csv_path.parent
    for s, r in remote.results.items():   # the files came back: the autograded notebook and the feedback page
        nb_r = nbformat.read(out_r / r.autograded / f"{A}.ipynb", as_version=4)
        nb_l = nbformat.read(out_l / local.results[s].autograded / f"{A}.ipynb", as_version=4)
        assert [c.get("outputs") for c in nb_r.cells if cells.is_tests(c)] == \
               [c.get("outputs") for c in nb_l.cells if cells.is_tests(c)]
        assert (out_r / r.feedback).read_bytes() == (out_l / local.results[s].feedback).read_bytes()
    assert remote.results["correct"].score > 0 and remote.results["blank"].score == 0
    assert sandbox.processes_of_run(dask.scratch) == []   # the run's grading processes closed on the workers


@pytest.mark.slow
def test_cluster_rerun_grades_nothing_and_student_regrades_one(both, dask, klass):
    _, remote = both
    out = remote.csv_path.parent
    csv_before = remote.csv_path.read_text()
    again = _grade(klass, out, cluster=dask.address)
    assert again.graded_now == [] and len(again.skipped) == 4
    assert remote.csv_path.read_text() == csv_before
    cli = subprocess.run([sys.executable, "-m", "autograder.cli", "grade", A, str(klass), "--out", str(out),
                          "--cluster", dask.address, "--student", "partial-dropout_backward", "--no-progress",
                          "--cell-timeout", "20", "--notebook-timeout", "120", "--memory", "2048"],
                         cwd=paths.ROOT, env=paths.tool_env(), capture_output=True, text=True, timeout=300)
    assert cli.returncode == 0 and "1 to grade, 0 already graded" in cli.stdout, cli.stderr[-2000:]
    regraded = merge.load_results(out, A)["partial-dropout_backward"]
    assert _comparable(regraded) == _comparable(remote.results["partial-dropout_backward"])
    assert len(merge.load_results(out, A)) == 4


def _slow(nb, seconds: int):
    nb = nbformat.from_dict(nb)
    answer = next(c for c in nb.cells if cells.kind(c) == "answer")
    answer.source += f"\n\nimport time\ntime.sleep({seconds})  # long enough to be killed mid-job\n"
    return nb


@pytest.mark.slow
def test_a_worker_killed_mid_job_costs_a_retry_not_a_grade(dask, tmp_path):
    """SIGKILL the Dask worker process running a job: the scheduler runs the task again (on the other
    worker, or the one its nanny restarts); every student is graded once, as the class expects."""
    notebooks = small_class.notebooks(A, tmp_path / "state")
    class_ = {"slow-correct": _slow(notebooks["correct"], 8), "slow-blank": _slow(notebooks["blank"], 8),
              "correct": notebooks["correct"]}
    subs = small_class.write(tmp_path / "subs", class_, A)
    box: dict = {}
    runner = threading.Thread(target=lambda: box.update(report=_grade(subs, tmp_path / "out", cluster=dask.address)))
    pids_before = dask.worker_pids()
    runner.start()
    victim = _worker_busy_for(dask, seconds=3)
    os.kill(pids_before[victim], signal.SIGKILL)
    runner.join(timeout=600)
    report = box["report"]
    assert pids_before[victim] not in dask.worker_pids().values()   # that process did die
    assert sorted(report.graded_now) == sorted(class_)        # each once: none lost, none doubled
    scores = {s: r.score for s, r in report.results.items()}
    assert [r.status for r in report.results.values()] == ["graded"] * 3, {s: r.reason for s, r in report.results.items()}
    assert scores["slow-correct"] == scores["correct"] > 0 and scores["slow-blank"] == 0
    table = small_class.gradebook_table(report.db_url, A)
    assert {s for s, _ in table} == set(class_)
    assert _gone(dask.scratch), sandbox.processes_of_run(dask.scratch)


def _worker_busy_for(dask: LocalDask, seconds: float, wait: float = 300) -> str:
    """The address of a worker that has been running a grading task for ``seconds``."""
    deadline, since = time.monotonic() + wait, {}
    with dask.client() as client:
        while time.monotonic() < deadline:
            busy = {w for w, tasks in client.processing().items() if tasks}
            since = {w: since.get(w, time.monotonic()) for w in busy}
            ready = [w for w, t in since.items() if time.monotonic() - t >= seconds]
            if ready:
                return ready[0]
            time.sleep(0.2)
    raise AssertionError("no worker started grading")


def _gone(folder: Path, seconds: float = 20) -> bool:
    deadline = time.monotonic() + seconds
    while sandbox.processes_of_run(folder) and time.monotonic() < deadline:
        time.sleep(0.3)
    return sandbox.processes_of_run(folder) == []


def test_unreachable_or_malformed_cluster_address_is_a_clear_error(klass, tmp_path, monkeypatch):
    with pytest.raises(grade.GradeError, match=r"--cluster localhost:8786: expected a Dask scheduler address"):
        _grade(klass, tmp_path / "o1", cluster="localhost:8786")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setattr(cluster, "CONNECT_SECONDS", 3)
    start = time.monotonic()
    with pytest.raises(grade.GradeError, match=rf"--cluster tcp://127.0.0.1:{port}: no Dask scheduler answered "
                                               r"within 3 s"):
        _grade(klass, tmp_path / "o2", cluster=f"tcp://127.0.0.1:{port}")
    assert time.monotonic() - start < 60
    assert not (tmp_path / "o2" / "results").exists()
