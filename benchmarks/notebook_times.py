"""Seconds to execute each reference notebook fully and under autograde, on this machine.

    python benchmarks/notebook_times.py [NAME ...]

Targets (COURSE issues): <= 60 s fully, <= 5 s under autograde. 'kernel' columns run the notebook in
a Jupyter kernel (full, and with NBGRADER_EXECUTION=autograde); 'nbgrader autograde' is the wall
time of a real `nbgrader autograde` of the reference submission in a throwaway course.
"""
import sys
import tempfile
import time
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from autograder import nbgrader_run, paths, selfcheck, source  # noqa: E402
from autograder.execute import execute  # noqa: E402


def main(names):
    names = names or paths.assignments()
    print(f"{'assignment':<24} {'kernel full':>12} {'kernel autograde':>17} {'nbgrader autograde':>19}")
    for name in names:
        nb = source.build_notebook(source.source_path(paths.ROOT, name))
        with tempfile.TemporaryDirectory() as tmp:
            _, full = execute(nbformat.from_dict(nb), Path(tmp))
            _, short = execute(nbformat.from_dict(nb), Path(tmp), nbgrader_execution="autograde")
            course = Path(tmp) / "course"
            instructor = nbgrader_run.make_course(course, paths.ROOT, name)
            released = nbformat.read(course / "release" / name / f"{name}.ipynb", as_version=4)
            nbgrader_run.submit(course, name, "reference", selfcheck.reference_submission(instructor, released))
            start = time.perf_counter()
            nbgrader_run.run_nbgrader(course, "autograde", name, "--force")
            graded = time.perf_counter() - start
        print(f"{name:<24} {full:>10.1f} s {short:>15.1f} s {graded:>17.1f} s")


if __name__ == "__main__":
    main(sys.argv[1:])
