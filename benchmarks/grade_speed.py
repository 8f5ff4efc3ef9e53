"""Seconds per notebook-submission: plain sequential `nbgrader autograde` vs `course grade`.

    python benchmarks/grade_speed.py [ASSIGNMENT ...] [--workers 2] [--compare REF] [--ordinary]

For each assignment (default: all of them), the demo class (`course demo`'s samples: correct,
blank, partial, mistakes, broken and hostile ones) is graded

- plain: one `nbgrader autograde ASSIGNMENT` over the whole class in a course folder, as an
  instructor would run it (sequential, no sandbox, no limits but nbgrader's cell timeout, tests in
  the student's own kernel). Setup (`generate_assignment`, copying the submissions) is not timed.
- course grade: `course grade --workers N` from nothing (the assignment template prepared untimed,
  as a later run finds it), including worker start, sandboxing, the trusted run of every test
  cell, feedback HTML and the CSV.
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

from autograder import course_folder, demo, grade, paths, sandbox  # noqa: E402
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
    args = parser.parse_args()
    box = sandbox.choose(args.sandbox)
    print(f"{os.cpu_count()} cores; sandbox {box.mode}")
    with tempfile.TemporaryDirectory(prefix="grade-speed-") as tmp:
        rows = {a: bench(a, args, box, Path(tmp)) for a in args.assignments or paths.assignments()}
        if args.compare:
            subprocess.run(["git", "worktree", "prune"], cwd=paths.ROOT, capture_output=True)
    mean = {k: sum(r[k] for r in rows.values()) / len(rows) for k in next(iter(rows.values()))}
    summary = f"mean over {len(rows)} assignments: plain {mean['plain']:.2f} s/sub, course grade {mean['ours']:.2f} " \
              f"s/sub ({mean['plain'] / mean['ours']:.2f}x faster)"
    if "old" in mean:
        summary += f", at {args.compare[:10]} {mean['old']:.2f} s/sub (now {100 * mean['ours'] / mean['old'] - 100:+.0f} %)"
    print(summary)


if __name__ == "__main__":
    main()
