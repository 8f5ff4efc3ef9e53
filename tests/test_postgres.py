"""`course grade --db postgresql://...` against a real PostgreSQL server started here (tests/pg_server.py):
the same class graded into sqlite and into PostgreSQL gives the same gradebook cell by cell and the
same CSV; formgrader, configured by the grading folder's nbgrader_config.py, reads it; two runs on
two assignments write into one database at the same time; a run killed mid-way is finished by
running it again; a bad or unreachable URL is a clear error with the password masked.
"""
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request

import pg_server
import pytest
import small_class

from autograder import course_folder, grade, gradebook, paths, sandbox

A, B = "gradient_checking", "dropout"
FAST = small_class.FAST
pytestmark = [pytest.mark.skipif(bool(pg_server.missing_reason()), reason=pg_server.missing_reason() or ""),
              pytest.mark.skipif(not {A, B} <= set(paths.assignments()), reason=f"needs {A} and {B}")]


@pytest.fixture(scope="module")
def pg():
    with pg_server.PgServer.start() as server:
        yield server


@pytest.fixture(scope="module")
def klass(tmp_path_factory):
    return small_class.sqlite_baseline(A, tmp_path_factory)[0]


def _grade(subs, out, **kw) -> grade.Report:
    return grade.grade(grade.Options(kw.pop("assignment", A), subs, out=out, workers=kw.pop("workers", 2),
                                     quiet=True, progress=False, limits=FAST, **kw))


@pytest.fixture(scope="module")
def both(pg, klass, tmp_path_factory):
    """The class graded into sqlite and into PostgreSQL: (sqlite report, PostgreSQL report)."""
    _, lite = small_class.sqlite_baseline(A, tmp_path_factory)
    url = pg.create_database("class_a")
    pgrun = _grade(klass, tmp_path_factory.mktemp("runs") / "postgres", db_url=url.replace("+psycopg", ""))
    return lite, pgrun   # (a plain postgresql:// URL above)


@pytest.mark.slow
def test_postgres_gradebook_equals_sqlite_cell_by_cell(both):
    lite, pgrun = both
    assert pgrun.db_url.startswith("postgresql+psycopg://")   # psycopg 3 chosen for a plain postgresql:// URL
    table = small_class.gradebook_table(pgrun.db_url, A)
    assert table == small_class.gradebook_table(lite.db_url, A)
    students = {s for s, _ in table}
    assert len(students) == 4 and len({lite.results[s].score for s in students}) >= 3  # a class, not one score
    assert small_class.csv_rows(pgrun.csv_path) == small_class.csv_rows(lite.csv_path)
    nb_config = (pgrun.csv_path.parent / "nbgrader_config.py").read_text()
    assert f"c.CourseDirectory.db_url = {pgrun.db_url!r}" in nb_config


def _free_port() -> int:
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_formgrader_reads_the_postgres_gradebook(both):
    """A Jupyter server with nbgrader's formgrader, started in the grading folder (so configured by the
    nbgrader_config.py `course grade` wrote), lists every submission with its score from PostgreSQL."""
    _, pgrun = both
    out, port, token = pgrun.csv_path.parent, _free_port(), "course-test"
    server = subprocess.Popen([paths.tool("jupyter"), "server", "--allow-root", f"--ServerApp.token={token}",
                               f"--ServerApp.port={port}", "--ServerApp.ip=127.0.0.1",
                               "--ServerApp.open_browser=False"], cwd=out, env=paths.tool_env(),
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    try:
        rows = _get_json(f"http://127.0.0.1:{port}/formgrader/api/submissions/{A}?token={token}", server)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    got = {r["student"]: r["score"] for r in rows}
    assert got == {s: r.score for s, r in pgrun.results.items()}


def _get_json(url: str, server: subprocess.Popen, seconds: float = 90):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and server.poll() is None:
        try:
            with urllib.request.urlopen(url, timeout=10) as res:
                return json.loads(res.read())
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"formgrader did not answer: {server.stderr.read().decode()[-2000:] if server.poll() else ''}")


@pytest.mark.slow
def test_rebuilding_a_postgres_gradebook_repairs_it_in_place(both, tmp_path):
    """Damage recovery on a server: no file to set aside; the assignment and every stored result of the
    folder are written again, the grades are as before."""
    from nbgrader.api import Gradebook
    _, pgrun = both
    out = pgrun.csv_path.parent
    before = small_class.gradebook_table(pgrun.db_url, A)
    with Gradebook(pgrun.db_url, paths.COURSE_ID) as gb:      # damage: one submission gone
        gb.remove_submission(A, "correct")
    said = []
    template, digest = course_folder.build_template(paths.ROOT, A, out / course_folder.STATE)
    keeper = gradebook.GradebookKeeper(out, A, template, digest,
                                       pgrun.db_url, FAST, say=said.append)
    keeper.db_url = pgrun.db_url
    keeper.rebuild("a test removed a submission")
    assert small_class.gradebook_table(pgrun.db_url, A) == before
    assert said and "rebuilt it from 4 stored results" in said[0] and "kept as" not in said[0]
    assert not list(out.glob("gradebook.db*"))


def _course(*args, **popen):
    cmd = [sys.executable, "-m", "autograder.cli", "grade", *args, "--no-progress", "--cell-timeout", "20"]
    return subprocess.Popen(cmd, cwd=paths.ROOT, env=paths.tool_env(), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True, **popen)


@pytest.mark.slow
def test_two_runs_on_two_assignments_at_once_into_one_database(pg, klass, tmp_path):
    url = pg.create_database("two_at_once")
    other = small_class.write(tmp_path / "dropout", small_class.notebooks(B, tmp_path / "state"), B)
    runs = [_course(A, str(klass), "--out", str(tmp_path / "a"), "--workers", "1", "--db", url),
            _course(B, str(other), "--out", str(tmp_path / "b"), "--workers", "1", "--db", url)]
    outs = [p.communicate(timeout=600) for p in runs]
    assert [p.returncode for p in runs] == [0, 0], [err[-3000:] for _, err in outs]
    ta, tb = small_class.gradebook_table(url, A), small_class.gradebook_table(url, B)
    assert {s for s, _ in ta} == {p.name for p in klass.iterdir()}
    assert {s for s, _ in tb} == {p.name for p in other.iterdir()}
    for table in (ta, tb):
        assert sum(v[0] or 0 for (s, c), v in table.items() if s == "correct" and not c.startswith("comment:")) > 0
    from nbgrader.api import Gradebook
    with Gradebook(url, paths.COURSE_ID) as gb:
        students = sorted(s.id for s in gb.students)
        assert students == sorted({p.name for p in klass.iterdir()} | {p.name for p in other.iterdir()})
        for student in ("correct", "blank"):   # in both assignments, created once
            assert {s.assignment.name for s in gb.find_student(student).submissions} == {A, B}


def _first_results(proc, out, count: int = 2):
    """Wait (at most 5 min) until the run ``proc`` into ``out`` has stored ``count`` results or ended;
    its results folder."""
    results = out / "results" / A
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and len(list(results.glob("*.json"))) < count and proc.poll() is None:
        time.sleep(0.1)
    return results


@pytest.mark.slow
def test_killed_run_into_postgres_is_finished_by_running_again(pg, klass, tmp_path):
    url = pg.create_database("killed")
    out = tmp_path / "out"
    proc = _course(A, str(klass), "--out", str(out), "--workers", "1", "--db", url)
    results = _first_results(proc, out)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate()
    done_before = sorted(p.stem for p in results.glob("*.json"))
    assert 2 <= len(done_before) < 6, "the kill should land mid-way"
    report = grade.grade(grade.Options(A, klass, out=out, workers=1, quiet=True, progress=False, db_url=url,
                                       limits=sandbox.Limits(cell_timeout=20)))
    assert sorted(report.skipped) == done_before
    assert sorted(report.graded_now + report.skipped) == sorted(p.name for p in klass.iterdir())
    table = small_class.gradebook_table(url, A)
    assert {s for s, _ in table} == {p.name for p in klass.iterdir()}
    scores = {s: r.score for s, r in report.results.items()}
    assert scores["correct"] > max(v for s, v in scores.items() if s != "correct") and scores["blank"] == 0


def test_bad_and_unreachable_database_urls_are_clear_errors(klass, tmp_path):
    with pytest.raises(grade.GradeError, match=r"--db nonsense: not a database URL"):
        _grade(klass, tmp_path / "o1", db_url="nonsense")
    with pytest.raises(grade.GradeError, match=r"--db foo://x/y: not a database URL"):
        _grade(klass, tmp_path / "o2", db_url="foo://x/y")
    port = _free_port()  # nothing listens there
    with pytest.raises(grade.GradebookUnreachable) as err:
        _grade(klass, tmp_path / "o3", db_url=f"postgresql://teacher:s3cret@127.0.0.1:{port}/grades")
    assert f"postgresql+psycopg://teacher:***@127.0.0.1:{port}/grades" in str(err.value)
    assert "s3cret" not in str(err.value) and "cannot reach the gradebook database" in str(err.value)
    assert not (tmp_path / "o3" / "results").exists()   # stopped before grading anything
    res = subprocess.run([sys.executable, "-m", "autograder.cli", "grade", A, str(klass), "--out",
                          str(tmp_path / "o4"), "--db", f"postgresql://teacher:s3cret@127.0.0.1:{port}/grades"],
                         cwd=paths.ROOT, env=paths.tool_env(), capture_output=True, text=True, timeout=120)
    assert res.returncode == 2 and "teacher:***@" in res.stderr and "s3cret" not in res.stderr, res.stderr


def test_database_urls_get_psycopg_and_masked_passwords():
    assert gradebook.normalize_url("postgresql://t:pw@h:5432/g") == "postgresql+psycopg://t:pw@h:5432/g"
    assert gradebook.normalize_url("postgres://t@h/g") == "postgresql+psycopg://t@h/g"
    assert gradebook.normalize_url("sqlite:////tmp/a b/é.db") == "sqlite:////tmp/a b/é.db"   # untouched
    assert gradebook.mask("postgresql://t:pw@h:5432/g") == "postgresql://t:***@h:5432/g"
    assert gradebook.mask("not a url://t:pw@h") == "not a url://t:***@h"
    with pytest.raises(gradebook.BadDatabaseURL, match=r"--db postgresql\+psycopg2://t:\*\*\*@h/g: the database "
                                                       r"driver is not installed \(psycopg2\)"):
        gradebook.normalize_url("postgresql+psycopg2://t:pw@h/g")


@pytest.mark.slow
def test_server_lost_mid_run_stops_the_run_and_the_same_command_finishes_it(pg, klass, tmp_path):
    """The gradebook's server goes away after the first students: the run stops with an error naming
    the URL (password masked), nothing half-recorded; with the server back, running again finishes."""
    url = pg.create_database("lost").replace("postgres@", "postgres:pw@")   # trust auth ignores the password
    out = tmp_path / "out"
    proc = _course(A, str(klass), "--out", str(out), "--workers", "1", "--db", url)
    results = _first_results(proc, out)
    pg.halt()
    try:
        _, err = proc.communicate(timeout=300)
    finally:
        pg.resume()
    done_before = sorted(p.stem for p in results.glob("*.json"))
    assert proc.returncode == 2 and "cannot reach the gradebook database" in err, err[-3000:]
    assert "postgres:***@127.0.0.1" in err and ":pw@" not in err
    assert 2 <= len(done_before) < 6, "the server should be lost mid-way"
    report = grade.grade(grade.Options(A, klass, out=out, workers=1, quiet=True, progress=False, db_url=url,
                                       limits=sandbox.Limits(cell_timeout=20)))
    assert sorted(report.graded_now + report.skipped) == sorted(p.name for p in klass.iterdir())
    assert {s for s, _ in small_class.gradebook_table(report.db_url, A)} == {p.name for p in klass.iterdir()}
