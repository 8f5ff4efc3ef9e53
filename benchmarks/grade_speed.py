"""Seconds per notebook-submission: plain sequential `nbgrader autograde` vs `course grade`.

    python benchmarks/grade_speed.py [ASSIGNMENT] [--workers 2] [--full]

Both grade the demo class (`course demo`'s samples: correct, blank, partial, mistakes, broken and
hostile ones) with the same per-cell time limit. The class is the one built for a machine without
bubblewrap, i.e. without the gradebook-wiping sample: unconfined, under plain nbgrader, it would
truncate plain nbgrader's own gradebook.

- plain: one `nbgrader autograde ASSIGNMENT` over the whole class in a course folder, as an
  instructor would run it (sequential, no sandbox, no limits but nbgrader's cell timeout). Setup
  (`generate_assignment`, copying the submissions) is not timed.
- course grade: `course grade` with --workers (default 2), from nothing (no earlier results; the
  assignment template is prepared untimed, as a second run would find it), including worker start,
  sandboxing, feedback HTML and the CSV.
- with --full also `course grade --run-experiments` (runs the ungraded experiment cells after the
  last graded cell, as plain nbgrader does), to separate parallelism from skipped work.

The ordinary part of the class (no hostile or broken submission) is timed the same way.

Targets (issue): course grade at least 1.8x faster than plain, and under 2 s per submission.
The figures are wall-clock times on this machine; other load on the machine shows in them.
"""
from __future__ import annotations

import argparse
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


HOSTILE = {"infinite-loop", "ignores-interrupt", "os-exit", "kills-kernel", "memory-bomb", "output-flood",
           "fork-bomb", "reads-files"}


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("assignment", nargs="?", default="gradient_checking")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--full", action="store_true", help="also time course grade --run-experiments")
    parser.add_argument("--sandbox", default=None, help="auto (default), bwrap or none")
    args = parser.parse_args()
    a = args.assignment
    box = sandbox.choose(args.sandbox)
    with tempfile.TemporaryDirectory(prefix="grade-speed-") as tmp:
        tmp = Path(tmp)
        template = course_folder.build_template(paths.ROOT, a, tmp / "state")[0]
        release = nbformat.read(template / "release" / a / f"{a}.ipynb", as_version=4)
        samples = demo.build_class(paths.ROOT, a, tmp / "class", release, sandbox_mode="none")
        print(f"{a}: {len(samples)} demo submissions; cell time limit {demo.DEMO_LIMITS['cell_timeout']} s; "
              f"{os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f}; sandbox {box.mode}")
        # the ordinary part of the class: no submission that runs into a time, memory or output limit
        ordinary = [s.student for s in samples if s.status != "failed" and s.student not in HOSTILE]
        for student in ordinary:
            shutil.copytree(tmp / "class" / student, tmp / "ordinary" / student)
        plain_of = {}
        for label, folder in ((f"whole demo class ({len(samples)})", "class"),
                              (f"ordinary submissions only ({len(ordinary)})", "ordinary")):
            print(f"-- {label}")
            plain, n = plain_nbgrader(a, tmp / folder, tmp / f"plain-{folder}", demo.DEMO_LIMITS["cell_timeout"])
            print(f"plain nbgrader autograde (sequential)  {plain:7.1f} s  {plain / n:5.2f} s per submission")
            plain_of[folder] = plain
            ours, m = course_grade(a, tmp / folder, tmp / f"ours-{folder}", args.workers, False, box.mode)
            print(f"course grade --workers {args.workers:<2}               {ours:7.1f} s  {ours / m:5.2f} s per submission"
                  f"   {plain / ours:4.2f}x faster")
        if args.full:
            full, k = course_grade(a, tmp / "class", tmp / "full", args.workers, True, box.mode)
            print(f"course grade --workers {args.workers} --run-experiments {full:7.1f} s  {full / k:5.2f} s per submission"
                  f"   {plain_of['class'] / full:4.2f}x faster (whole class)")
        print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
