"""Seconds to execute each reference notebook fully and under autograde, on this machine.

    python benchmarks/notebook_times.py [NAME ...]

Targets (COURSE issues): <= 60 s fully, <= 5 s under autograde. 'kernel' columns run the notebook in
a Jupyter kernel (full, and with NBGRADER_EXECUTION=autograde); 'course grade' is the wall time of
grading the reference submission alone the way students are graded (`course grade`, one worker:
worker start, sandboxed kernel, nbgrader autograde, feedback).
"""
import sys
import tempfile
import time
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from autograder import course_folder, grade, paths, selfcheck, source  # noqa: E402
from autograder.execute import execute  # noqa: E402


def _grade_reference(name: str, folder: Path) -> float:
    state = folder / "grading" / course_folder.STATE
    template, _ = course_folder.build_template(paths.ROOT, name, state)  # untimed, as a later run finds it
    release = nbformat.read(template / "release" / name / f"{name}.ipynb", as_version=4)
    (folder / "class" / "reference").mkdir(parents=True)
    nbformat.write(selfcheck.reference_submission(source.instructor_notebook(paths.ROOT, name), release),
                   folder / "class" / "reference" / f"{name}.ipynb")
    start = time.perf_counter()
    grade.grade(grade.Options(name, folder / "class", out=folder / "grading", workers=1, quiet=True,
                              progress=False))
    return time.perf_counter() - start


def main(names):
    names = names or paths.assignments()
    print(f"{'assignment':<24} {'kernel full':>12} {'kernel autograde':>17} {'course grade':>13}")
    for name in names:
        nb = source.instructor_notebook(paths.ROOT, name)
        with tempfile.TemporaryDirectory() as tmp:
            _, full = execute(nbformat.from_dict(nb), Path(tmp))
            _, short = execute(nbformat.from_dict(nb), Path(tmp), nbgrader_execution="autograde")
            graded = _grade_reference(name, Path(tmp))
        print(f"{name:<24} {full:>10.1f} s {short:>15.1f} s {graded:>11.1f} s")


if __name__ == "__main__":
    main(sys.argv[1:])
