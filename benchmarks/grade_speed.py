"""Seconds per notebook-submission: plain sequential `nbgrader autograde` vs `course grade`.

    python benchmarks/grade_speed.py [ASSIGNMENT ...] [--workers 2] [--compare REF] [--ordinary]
                                     [--dask] [--nodes 20 --slots 16 --submissions 10000]

For each assignment (default: all of them), the demo class (`course demo`'s samples: correct,
blank, partial, mistakes, broken and hostile ones) is graded

- plain: one `nbgrader autograde ASSIGNMENT` over the whole class in a course folder, as an
  instructor would run it (sequential, no sandbox, no limits but nbgrader's cell timeout, tests in
  the student's own kernel). Setup (`generate_assignment`, copying the submissions) is not timed.
- course grade: `course grade --workers N` from nothing (the assignment template prepared untimed,
  as a later run finds it), including worker start, sandboxing, the trusted run of every test
  cell, feedback HTML and the CSV.
- with ``--dask``: `course grade --cluster` on a local Dask cluster (a scheduler and ``--workers``
  `dask worker` processes of one thread each, started here as an operator would), the same class;
  then the gradebook's write rate (sqlite, and PostgreSQL when its server binaries are installed: a
  throwaway server) and the main process's cost per result, and from these a projection of the wall
  time to grade ``--submissions`` on ``--nodes`` machines of ``--slots`` grading slots each.
- with ``--compare REF``: `course grade` as it was at git commit REF (a worktree of it), on the same
  class, e.g. the commit before the trusted tests, to see what they cost.

The class is the one built for a machine without bubblewrap (no gradebook-wiping sample: unconfined,
under plain nbgrader, it would truncate plain nbgrader's own gradebook). ``--ordinary`` times only
the submissions that run into no limit. Targets (issue 10): course grade at least 2x faster than
plain, and at most 25 % slower than before the trusted tests. Wall-clock figures on this machine;
other load on the machine shows in them (the load average is printed).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import nbformat  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))   # the local Dask cluster, PostgreSQL
from contextlib import ExitStack  # noqa: E402

from autograder import course_folder, demo, grade, gradebook, merge, paths, sandbox  # noqa: E402
from autograder.nbgrader_settings import nbgrader_config, render  # noqa: E402


def plain_nbgrader(assignment: str, class_dir: Path, course: Path, cell_timeout: int) -> tuple[float, int]:
    template = course_folder.build_template(paths.ROOT, assignment, course.parent / "state")[0]  # cached after the first
    course.mkdir(parents=True)
    config = nbgrader_config(course)  # the course's settings, with nbgrader's own autograde chain
    config.Execute.timeout = cell_timeout
    (course / "nbgrader_config.py").write_text(render(config, "plain nbgrader, for comparison"))
    shutil.copytree(template / "source", course / "source")
    env = paths.tool_env()
    subprocess.run([paths.tool("nbgrader"), "generate_assignment", assignment, "--force", "--log-level=ERROR"],
                   cwd=course, env=env, check=True, capture_output=True)
    n = 0
    for student in sorted(p for p in class_dir.iterdir() if p.is_dir()):
        dest = course / "submitted" / student.name / assignment
        shutil.copytree(student, dest)
        n += 1
    start = time.perf_counter()
    subprocess.run([paths.tool("nbgrader"), "autograde", assignment, "--force", "--log-level=ERROR"],
                   cwd=course, env=env, capture_output=True)
    return time.perf_counter() - start, n


def course_grade(assignment: str, class_dir: Path, out: Path, workers: int, run_experiments: bool,
                 box: str) -> tuple[float, int]:
    state = out / grade.STATE
    state.mkdir(parents=True)
    course_folder.build_template(paths.ROOT, assignment, state)  # what any later run finds ready
    opts = grade.Options(assignment, class_dir, out=out, workers=workers, quiet=True, progress=False,
                         limits=sandbox.Limits(**demo.DEMO_LIMITS), run_experiments=run_experiments, sandbox=box)
    start = time.perf_counter()
    report = grade.grade(opts)
    return time.perf_counter() - start, len(report.graded_now)


COMPARE = """
import sys, time, json
from pathlib import Path
from autograder import demo, grade, sandbox
a, subs, out, workers, box = sys.argv[1:6]
opts = grade.Options(a, Path(subs), out=Path(out), workers=int(workers), quiet=True, progress=False,
                     limits=sandbox.Limits(**demo.DEMO_LIMITS), sandbox=box)
start = time.perf_counter()
report = grade.grade(opts)
print(json.dumps([time.perf_counter() - start, len(report.graded_now)]))
"""


def course_grade_at(ref: str, assignment: str, class_dir: Path, out: Path, workers: int, box: str,
                    worktrees: Path) -> tuple[float, int]:
    """`course grade` of git commit ``ref`` (a worktree of it, made once) on the same class."""
    tree = worktrees / ref
    if not tree.exists():
        subprocess.run(["git", "worktree", "add", "--detach", str(tree), ref], cwd=paths.ROOT, check=True,
                       capture_output=True)
    env = paths.tool_env(PYTHONPATH=str(tree))
    res = subprocess.run([sys.executable, "-c", COMPARE, assignment, str(class_dir), str(out), str(workers), box],
                         cwd=tree, env=env, capture_output=True, text=True, check=True)
    seconds, n = json.loads(res.stdout.strip().splitlines()[-1])
    return seconds, n


def course_grade_dask(assignment: str, class_dir: Path, out: Path, address: str, box: str) -> tuple[float, int]:
    state = out / grade.STATE
    state.mkdir(parents=True)
    course_folder.build_template(paths.ROOT, assignment, state)
    opts = grade.Options(assignment, class_dir, out=out, cluster=address, quiet=True, progress=False,
                         limits=sandbox.Limits(**demo.DEMO_LIMITS), sandbox=box)
    start = time.perf_counter()
    report = grade.grade(opts)
    return time.perf_counter() - start, len(report.graded_now)


# --------------------------------------------------------------------------------------------------
# what the main process pays per result, and the projection

def write_seconds(db_url: str, graded: Path, a: str, scratch: Path, writes: int = 60) -> float:
    """Seconds per gradebook write of one result (as the run does it: under the writer lock)."""
    template, digest = course_folder.build_template(paths.ROOT, a, graded / grade.STATE)   # the run's, cached
    keeper = gradebook.GradebookKeeper(scratch, a, template, digest, db_url,
                                       sandbox.Limits()).open()
    results = list(merge.load_results(graded, a).values())
    start = time.perf_counter()
    for i in range(writes):
        keeper.record(results[i % len(results)])
    seconds = (time.perf_counter() - start) / writes
    keeper.close()
    return seconds


def files_seconds(graded: Path, a: str, scratch: Path) -> float:
    """Seconds per result to put its files in place and write its result JSON (the commit point)."""
    results = list(merge.load_results(graded, a).values())
    start = time.perf_counter()
    for r in results:
        r.autograded = r.autograded and str(graded / r.autograded)
        r.feedback = r.feedback and str(graded / r.feedback)
        merge.commit(scratch, r, None)
    return (time.perf_counter() - start) / len(results)


def main_process_costs(graded: Path, a: str, tmp: Path) -> dict[str, float]:
    costs = {"sqlite": write_seconds(None, graded, a, tmp / "sqlite"), "files": files_seconds(graded, a, tmp / "files")}
    import pg_server
    if not pg_server.missing_reason():
        with pg_server.PgServer.start() as pg:
            costs["postgresql"] = write_seconds(pg.create_database("rate"), graded, a, tmp / "postgresql")
    print("main process per result: " + ", ".join(f"{k} {1000 * v:.0f} ms" for k, v in costs.items()))
    return costs


def projection(worker_seconds: float, costs: dict[str, float], nodes: int, slots: int, n: int) -> str:
    """The wall time to grade ``n`` submissions on ``nodes`` x ``slots``, from the measured costs."""
    db = "postgresql" if "postgresql" in costs else "sqlite"
    grading = n * worker_seconds / (nodes * slots)
    main = n * (costs[db] + costs["files"])
    limit = ("the main process (one gradebook writer: each result's write and files, in turn)" if main > grading
             else "the grading itself (the cluster's cores); the main process would keep up")
    return "\n".join([
        f"projection: {n} submissions on {nodes} nodes x {slots} slots ({nodes * slots} at once), {db} gradebook",
        f"  grading: {n} x {worker_seconds:.2f} worker-s (measured: s/sub on the local cluster x its workers) "
        f"/ {nodes * slots} slots = {grading / 60:.1f} min",
        f"  main process: {n} x ({1000 * costs[db]:.0f} ms gradebook write + {1000 * costs['files']:.0f} ms files) "
        f"= {main / 60:.1f} min, overlapping the grading",
        f"  => about {max(grading, main) / 60:.1f} min; limited by {limit}. Not counted: Dask's own overhead "
        "(about 1 ms of scheduler time per task), start-up of the workers, and a slower class than the demo's.",
    ])


def bench(a: str, args, box, tmp: Path) -> dict[str, float]:
    template = course_folder.build_template(paths.ROOT, a, tmp / a / "state")[0]
    release = nbformat.read(template / "release" / a / f"{a}.ipynb", as_version=4)
    samples = demo.build_class(paths.ROOT, a, tmp / a / "class", release, sandbox_mode="none")
    folder = tmp / a / "class"
    if args.ordinary:
        for s in samples:
            if s.status != "failed" and not s.attack and (folder / s.student).is_dir():
                shutil.copytree(folder / s.student, tmp / a / "ordinary" / s.student)
        folder = tmp / a / "ordinary"
    n = len([p for p in folder.iterdir() if p.is_dir()])
    print(f"-- {a}: {n} demo submissions; cell limit {demo.DEMO_LIMITS['cell_timeout']} s; "
          f"load average {os.getloadavg()[0]:.1f}")
    plain, _ = plain_nbgrader(a, folder, tmp / a / "plain", demo.DEMO_LIMITS["cell_timeout"])
    ours, m = course_grade(a, folder, tmp / a / "ours", args.workers, False, box.mode)
    row = {"plain": plain / n, "ours": ours / m}
    line = (f"   plain nbgrader {plain / n:5.2f} s/sub   course grade --workers {args.workers} {ours / m:5.2f} s/sub "
            f"({plain / ours:4.2f}x faster)")
    if args.dask_address:
        remote, k = course_grade_dask(a, folder, tmp / a / "dask", args.dask_address, box.mode)
        row["dask"] = remote / k
        line += f"   --cluster (local Dask, {args.workers} workers) {remote / k:5.2f} s/sub"
    if args.compare:
        old, k = course_grade_at(args.compare, a, folder, tmp / a / "old", args.workers, box.mode, tmp / "worktrees")
        row["old"] = old / k
        line += f"   at {args.compare[:10]} {old / k:5.2f} s/sub (now {100 * (ours / m) / (old / k) - 100:+.0f} %)"
    print(line, flush=True)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("assignments", nargs="*", metavar="ASSIGNMENT")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--compare", metavar="REF", help="also time course grade at this git commit")
    parser.add_argument("--ordinary", action="store_true", help="only submissions that run into no limit")
    parser.add_argument("--sandbox", default=None, help="auto (default), bwrap or none")
    parser.add_argument("--dask", action="store_true", help="also grade on a local Dask cluster; the projection")
    parser.add_argument("--nodes", type=int, default=20, help="projection: machines in the cluster (default 20)")
    parser.add_argument("--slots", type=int, default=16, help="projection: grading slots per machine (default 16)")
    parser.add_argument("--submissions", type=int, default=10000, help="projection: submissions (default 10000)")
    args = parser.parse_args()
    box = sandbox.choose(args.sandbox)
    print(f"{os.cpu_count()} cores; sandbox {box.mode}")
    with tempfile.TemporaryDirectory(prefix="grade-speed-") as tmp, ExitStack() as stack:
        args.dask_address = ""
        if args.dask:
            from dask_cluster import LocalDask
            args.dask_address = stack.enter_context(LocalDask.start(Path(tmp) / "dask", workers=args.workers)).address
        rows = {a: bench(a, args, box, Path(tmp)) for a in args.assignments or paths.assignments()}
        if args.compare:
            subprocess.run(["git", "worktree", "prune"], cwd=paths.ROOT, capture_output=True)
        if args.dask:
            first = (args.assignments or paths.assignments())[0]
            costs = main_process_costs(Path(tmp) / first / "ours", first, Path(tmp) / "rates")
    mean = {k: sum(r[k] for r in rows.values()) / len(rows) for k in next(iter(rows.values()))}
    summary = f"mean over {len(rows)} assignments: plain {mean['plain']:.2f} s/sub, course grade {mean['ours']:.2f} " \
              f"s/sub ({mean['plain'] / mean['ours']:.2f}x faster)"
    if "old" in mean:
        summary += f", at {args.compare[:10]} {mean['old']:.2f} s/sub (now {100 * mean['ours'] / mean['old'] - 100:+.0f} %)"
    if "dask" in mean:
        summary += f", --cluster {mean['dask']:.2f} s/sub"
    print(summary)
    if args.dask:
        print(projection(mean["dask"] * args.workers, costs, args.nodes, args.slots, args.submissions))


if __name__ == "__main__":
    main()
