"""`course grade` inputs and runs: the three download layouts, another gradebook URL, a run killed
mid-way and started again, and the command line itself. Real nbgrader (zip_collect, autograde).

Grading here uses tiny classes (the reference answers and the blank release of assignment 01).
"""
import csv
import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import nbformat
import pytest

from autograder import cli, collect, grade, paths, sandbox

A = "gradient_checking"
pytestmark = [pytest.mark.slow,  # each test grades a small class, some of them twice or killed midway
              pytest.mark.skipif(A not in paths.assignments(), reason=f"needs {A}")]
FAST = sandbox.Limits(cell_timeout=20, notebook_timeout=120, memory_mb=2048)


@pytest.fixture(scope="module")
def notebooks(gc_notebooks):
    """(correct, blank, total points) for assignment 01, as a student would submit them."""
    correct, blank, points = gc_notebooks
    return correct, blank, sum(points.values())


def _folders(root: Path, class_: dict[str, str]) -> Path:
    for student, text in class_.items():
        (root / student).mkdir(parents=True)
        (root / student / f"{A}.ipynb").write_text(text)
    return root


def _grade(subs: Path, out: Path, **kw) -> grade.Report:
    opts = grade.Options(A, subs, out=out, workers=kw.pop("workers", 2), quiet=True, progress=False,
                         limits=FAST, **kw)
    return grade.grade(opts)


def _csv(path: Path) -> dict[str, dict]:
    with open(path) as fh:
        return {r["student_id"]: r for r in csv.DictReader(fh)}


# -- layouts ---------------------------------------------------------------------------------------

def test_student_folders_with_the_notebook_in_a_subfolder(tmp_path):
    (tmp_path / "ann" / "work").mkdir(parents=True)
    (tmp_path / "ann" / "work" / f"{A}.ipynb").write_text("{}")
    (tmp_path / "ann" / "data.npy").write_bytes(b"x")
    (tmp_path / "bo").mkdir()
    (tmp_path / "bo" / "Untitled.ipynb").write_text("{}")
    subs, layout = collect.collect(A, tmp_path, tmp_path / "scratch-not-used")
    assert layout == "student-folders"
    by = {s.student: s for s in subs}
    assert by["ann"].notebook == f"work/{A}.ipynb" and "data.npy" in by["ann"].files
    assert by["bo"].notebook == "Untitled.ipynb" and "graded as" in by["bo"].notes[0]


def test_nbgrader_course_and_submitted_layouts_keep_timestamps(tmp_path):
    for s in ("ann", "bo"):
        d = tmp_path / "course" / "submitted" / s / A
        d.mkdir(parents=True)
        (d / f"{A}.ipynb").write_text("{}")
        (d / "timestamp.txt").write_text("2026-11-20 10:00:00.000000 UTC\n")
    for where, layout in ((tmp_path / "course", "nbgrader-course"),
                          (tmp_path / "course" / "submitted", "nbgrader-submitted")):
        subs, got = collect.collect(A, where, tmp_path / "scratch")
        assert (got, [s.student for s in subs]) == (layout, ["ann", "bo"])
        assert subs[0].timestamp == "2026-11-20 10:00:00.000000 UTC"
        assert "timestamp.txt" not in subs[0].files


def test_lms_zip_goes_through_nbgrader_zip_collect(tmp_path, notebooks):
    correct, blank, _ = notebooks
    archive = tmp_path / "download.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr(f"{A}_ann_attempt_2026-11-20-10-00-00_{A}.ipynb", correct)
        zf.writestr(f"{A}_bo_attempt_2026-11-21-09-30-00_{A}.ipynb", blank)
    before = archive.read_bytes()
    subs, layout = collect.collect(A, archive, tmp_path / "scratch")
    assert layout == "lms"
    assert [s.student for s in subs] == ["ann", "bo"]
    assert all(s.notebook == f"{A}.ipynb" and s.timestamp for s in subs)
    assert archive.read_bytes() == before


def test_unsafe_archive_and_missing_input_are_refused(tmp_path):
    evil = tmp_path / "evil.zip"
    with zipfile.ZipFile(evil, "w") as zf:
        zf.writestr("../../escape_gradient_checking.ipynb", "{}")
    with pytest.raises(collect.CollectError, match="unsafe path"):
        collect.collect(A, evil, tmp_path / "scratch")
    with pytest.raises(collect.CollectError, match="no such file or folder"):
        collect.collect(A, tmp_path / "nowhere", tmp_path / "scratch")


# -- grading runs ----------------------------------------------------------------------------------

def test_zip_download_graded_into_another_database_url(tmp_path, notebooks):
    correct, blank, total = notebooks
    archive = tmp_path / "download.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr(f"ann_{A}.ipynb", correct)
        zf.writestr(f"bo_{A}.ipynb", blank)
    db = tmp_path / "elsewhere" / "class.sqlite"
    db.parent.mkdir()
    report = _grade(archive, tmp_path / "out", db_url=f"sqlite:///{db}")
    assert report.layout == "lms"
    assert not (tmp_path / "out" / "gradebook.db").exists()
    from nbgrader.api import Gradebook
    with Gradebook(f"sqlite:///{db}") as gb:
        assert gb.find_submission_notebook(A, A, "ann").score == total
        assert gb.find_submission_notebook(A, A, "bo").score == 0
    rows = _csv(report.csv_path)
    assert (rows["ann"]["status"], float(rows["ann"]["score"])) == ("graded", total)
    assert (rows["bo"]["status"], float(rows["bo"]["score"])) == ("graded", 0.0)
    assert "NotImplementedError" in rows["bo"]["failed_tests"]


def test_killed_run_is_finished_by_running_again(tmp_path, notebooks):
    """SIGKILL the command after the first students are recorded; the next run grades only the rest."""
    correct, blank, total = notebooks
    class_ = {f"s{i:02d}": (correct if i % 2 == 0 else blank) for i in range(5)}
    subs = _folders(tmp_path / "class", class_)
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "autograder.cli", "grade", A, str(subs), "--out", str(out), "--workers", "1",
           "--no-progress", "--cell-timeout", "20"]
    proc = subprocess.Popen(cmd, cwd=paths.ROOT, env=paths.tool_env(), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    results = out / "results" / A
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and len(list(results.glob("*.json"))) < 2 and proc.poll() is None:
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    done_before = sorted(p.stem for p in results.glob("*.json"))
    assert 2 <= len(done_before) < len(class_), "the kill should land mid-way"
    assert _gone(out), "workers and kernels die with the command"
    # the same settings as the command line above (other limits would be a reason to grade again)
    report = grade.grade(grade.Options(A, subs, out=out, workers=1, quiet=True, progress=False,
                                       limits=sandbox.Limits(cell_timeout=20)))
    assert sorted(report.skipped) == done_before
    assert sorted(report.graded_now) == sorted(set(class_) - set(done_before))
    from nbgrader.api import Gradebook
    with Gradebook(f"sqlite:///{out / 'gradebook.db'}") as gb:
        assert sorted(s.id for s in gb.students) == sorted(class_)
        assert len(gb.find_assignment(A).submissions) == len(class_)
        for student, text in class_.items():
            assert gb.find_submission_notebook(A, A, student).score == (total if text == correct else 0)
    assert sorted(_csv(report.csv_path)) == sorted(class_)


def _gone(out: Path, seconds: float = 15) -> bool:
    """No process of the run into ``out`` is left (waiting up to ``seconds`` for them to die)."""
    deadline = time.monotonic() + seconds
    while sandbox.processes_of_run(out) and time.monotonic() < deadline:
        time.sleep(0.2)
    return sandbox.processes_of_run(out) == []


def _with_code(text: str, code: str) -> str:
    """A submission with ``code`` run at the end of its first answer cell."""
    nb = nbformat.reads(text, as_version=4)
    answer = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution") and c.cell_type == "code")
    answer.source += "\n\n" + code.strip() + "\n"
    return nbformat.writes(nb)


def test_interrupted_run_leaves_no_process_and_says_how_to_go_on(tmp_path, notebooks):
    """Ctrl-C (SIGINT to the command) while workers grade and kernels wait: all of them end."""
    correct, _, _ = notebooks
    slow = _with_code(correct, "import time\ntime.sleep(30)")
    subs = _folders(tmp_path / "class", {f"s{i}": slow for i in range(4)})
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "autograder.cli", "grade", A, str(subs), "--out", str(out),
                             "--workers", "2", "--no-progress"], cwd=paths.ROOT,
                            env=paths.tool_env(PYTHONFAULTHANDLER="1"),  # SIGABRT: every thread's stack
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(sandbox.processes_of_run(out)) < 4:  # workers and kernels
        time.sleep(0.2)
    assert len(sandbox.processes_of_run(out)) >= 4, "the run should be grading by now"
    proc.send_signal(signal.SIGINT)
    try:
        _, err = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:   # a hang (grade._next_result fixed one): say where it hangs
        left = sandbox.processes_of_run(out)
        proc.send_signal(signal.SIGABRT)
        try:
            _, err = proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            _, err = proc.communicate()
        pytest.fail(f"course grade did not end within 60 s of Ctrl-C (exit {proc.returncode}; processes of the "
                    f"run: {left}); its stderr, with every thread's stack:\n{err[-8000:]}")
    assert proc.returncode == 130 and "run the same command again" in err, err[-2000:]
    assert _gone(out), sandbox.processes_of_run(out)


def test_run_that_fails_midway_leaves_no_process(tmp_path, notebooks, monkeypatch):
    """An error in the grader itself after the first result: the error goes up, nothing keeps running."""
    correct, _, _ = notebooks
    subs = _folders(tmp_path / "class", {f"s{i}": correct for i in range(4)})

    def broken(*args, **kwargs):
        raise OSError("disk full (simulated)")

    monkeypatch.setattr(grade.merge, "commit", broken)
    with pytest.raises(OSError, match="simulated"):
        _grade(subs, tmp_path / "out")
    assert _gone(tmp_path / "out"), sandbox.processes_of_run(tmp_path / "out")


def test_submission_that_truncates_the_gradebook_does_not_stop_the_run(tmp_path, notebooks):
    """Without bubblewrap a submission can reach the gradebook: the grader rebuilds it from results/."""
    correct, blank, total = notebooks
    out = tmp_path / "out"
    (tmp_path / "DAMAGE_MARKER").write_text("the hostile sample acts only where this file is\n")
    hostile = _with_code(correct, f"""
import os as _os
if _os.path.exists({str(tmp_path / 'DAMAGE_MARKER')!r}):   # only ever in this test's folder
    with open({str(out / 'gradebook.db')!r}, "r+b") as _fh:
        _fh.truncate(0)
print("TRUNCATED")""")
    subs = _folders(tmp_path / "class", {"a-first": correct, "b-hostile": hostile, "c-last": blank})
    report = _grade(subs, out, workers=1, sandbox="none")
    assert report.gradebook_rebuilt, "the damage should have been noticed"
    rows = _csv(report.csv_path)
    assert sorted(rows) == ["a-first", "b-hostile", "c-last"]
    assert [rows[s]["status"] for s in sorted(rows)] == ["graded"] * 3
    assert [float(rows[s]["autograded_score"]) for s in sorted(rows)] == [total, total, 0]
    assert list(out.glob("gradebook.db.damaged-*")), "the damaged gradebook is kept"
    from nbgrader.api import Gradebook
    with Gradebook(f"sqlite:///{out / 'gradebook.db'}") as gb:
        assert sorted(s.id for s in gb.students) == ["a-first", "b-hostile", "c-last"]


def test_command_line_grades_regrades_and_refuses_bad_input(tmp_path, notebooks, capsys):
    correct, blank, total = notebooks
    subs = _folders(tmp_path / "class", {"ann": correct, "bo": blank})
    out = tmp_path / "out"

    def course(*args):
        return subprocess.run([sys.executable, "-m", "autograder.cli", *args], cwd=paths.ROOT,
                              env=paths.tool_env(), capture_output=True, text=True, timeout=600)

    first = course("grade", A, str(subs), "--out", str(out), "--no-progress")
    assert first.returncode == 0, first.stderr
    assert "2 students: 2 graded" in first.stdout and f"{total:g}/" in first.stdout
    assert (out / "feedback" / "ann" / A / f"{A}.html").exists()
    again = course("grade", A, str(subs), "--out", str(out), "--no-progress")
    assert "0 to grade, 2 already graded" in again.stdout
    one = course("grade", A, str(subs), "--out", str(out), "--no-progress", "--student", "bo")
    assert "1 to grade" in one.stdout and one.returncode == 0
    for args, words in ((("grade", "no_such_assignment", str(subs)), "unknown assignment 'no_such_assignment'"),
                        (("grade", A, str(subs), "--out", str(out), "--student", "zed"), "no submission from zed"),
                        (("grade", A, str(tmp_path / "nowhere"), "--out", str(out)), "no such file or folder"),
                        (("grade", A, str(subs), "--out", str(paths.ROOT / "solutions" / "x")), "course repository")):
        status = cli.main(list(args))      # what the command runs (a process each costs seconds)
        err = capsys.readouterr().err
        assert status == 2 and words in err, (args, err)


def test_notebook_wall_limit_stops_a_slow_submission(tmp_path, notebooks):
    """Every cell within its own limit, the notebook as a whole not: stopped at the wall limit, and said so."""
    correct, _, _ = notebooks
    nb = nbformat.reads(correct, as_version=4)
    answer = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution") and c.cell_type == "code")
    answer.source += "\n\nimport time\ntime.sleep(40)  # under the 60 s cell limit, over the 5 s notebook limit\n"
    subs = _folders(tmp_path / "class", {"slow": nbformat.writes(nb)})
    start = time.monotonic()
    report = grade.grade(grade.Options(A, subs, out=tmp_path / "out", workers=1, quiet=True, progress=False,
                                       limits=sandbox.Limits(cell_timeout=60, notebook_timeout=5)))
    assert time.monotonic() - start < 40
    result = report.results["slow"]
    assert result.status == "failed"
    assert "longer than the 5 s limit" in result.reason, result.reason
    assert _csv(report.csv_path)["slow"]["status"].startswith("failed to grade: the notebook ran longer")
