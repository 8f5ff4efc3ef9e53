"""`course grade --shard I/N`: a stable slice of the students by a hash of the student id, so that N
tasks of a batch system (a Slurm array, a Kubernetes indexed Job) grade a class into one shared
PostgreSQL gradebook. The union of the shards, run at the same time, equals one unsharded run, cell
by cell; bad shards are refused naming the value.
"""
import subprocess
import sys

import pg_server
import pytest
import small_class

from autograder import grade, paths

A = "gradient_checking"
N = 3


def test_shard_of_is_stable_and_covers_everyone_once():
    # fixed values: a change of the hash would move students between the shards of a running class
    assert [grade.shard_of(s, 4) for s in ("ann", "bo", "cy", "student-0001")] == [2, 3, 2, 3]
    students = [f"s{i:04d}" for i in range(2000)]
    sizes = [sum(grade.shard_of(s, 10) == i for s in students) for i in range(10)]
    assert sum(sizes) == 2000 and min(sizes) > 150     # every student in one shard; slices even enough


@pytest.mark.parametrize("text, words", [("3/2", "--shard 3/2: I must be between 0 and N-1"),
                                         ("1/0", "--shard 1/0: I must be between 0 and N-1"),
                                         ("-1/4", "--shard -1/4: I must be between"),
                                         ("a/4", "--shard a/4: expected I/N"),
                                         ("2", "--shard 2: expected I/N")])
def test_bad_shards_are_refused_naming_the_value(text, words):
    with pytest.raises(grade.GradeError) as err:
        grade.parse_shard(text)
    assert words in str(err.value)


def test_command_line_refuses_a_bad_shard(tmp_path):
    res = subprocess.run([sys.executable, "-m", "autograder.cli", "grade", A, str(tmp_path), "--out",
                          str(tmp_path / "out"), "--shard", "3/2"], cwd=paths.ROOT, env=paths.tool_env(),
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 2 and "--shard 3/2: I must be between 0 and N-1" in res.stderr, res.stderr


@pytest.mark.slow
@pytest.mark.skipif(bool(pg_server.missing_reason()), reason=pg_server.missing_reason() or "")
@pytest.mark.skipif(A not in paths.assignments(), reason=f"needs {A}")
def test_union_of_shards_equals_one_unsharded_run(tmp_path, tmp_path_factory):
    subs, whole = small_class.sqlite_baseline(A, tmp_path_factory)
    students = sorted(p.name for p in subs.iterdir())
    slices = [[s for s in students if grade.shard_of(s, N) == i] for i in range(N)]
    assert sum(map(len, slices)) == len(students) and sum(bool(s) for s in slices) >= 2  # really split
    with pg_server.PgServer.start() as pg:
        url = pg.create_database("sharded")
        # the N tasks of an array job, at the same time, each its own folder, one gradebook
        # the limits of small_class.FAST, on the command line
        cmd = [sys.executable, "-m", "autograder.cli", "grade", A, str(subs), "--db", url, "--workers", "1",
               "--no-progress", "--cell-timeout", "20", "--notebook-timeout", "120", "--memory", "2048"]
        procs = [subprocess.Popen([*cmd, "--out", str(tmp_path / f"shard-{i}"), "--shard", f"{i}/{N}"],
                                  cwd=paths.ROOT, env=paths.tool_env(), stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True) for i in range(N)]
        outs = [p.communicate(timeout=900) for p in procs]
        assert [p.returncode for p in procs] == [0] * N, [err[-3000:] for _, err in outs]
        for i, (stdout, _) in enumerate(outs):
            assert f"{len(slices[i])} submissions (student-folders, shard {i}/{N})" in stdout
        assert small_class.gradebook_table(url, A) == small_class.gradebook_table(whole.db_url, A)
    union = {}
    for i in range(N):
        rows = small_class.csv_rows(tmp_path / f"shard-{i}" / f"grades_{A}.csv")
        assert sorted(rows) == slices[i]
        union.update(rows)
    assert union == small_class.csv_rows(whole.csv_path)
