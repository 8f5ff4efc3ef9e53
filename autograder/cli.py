"""`course`: the instructor's command, a thin layer over nbgrader.

    course build      [NAME ...] [--check]   solutions/<a>/<a>.py -> solutions/<a>/<a>.ipynb
    course release    [NAME ...] [--check]   student notebooks in notebooks/ via nbgrader
    course solutions  [NAME ...] [--out DIR] run the reference notebooks: <a>/<a>-solution.ipynb, .html, index.html
    course selfcheck  [NAME ...]             the mutation suite: mistakes caught, correct answers accepted
    course list                              the assignments and their points
    course grade      NAME SUBMISSIONS [--out DIR] [--workers N] [--student ID] ...
                                             grade a class: gradebook, feedback, grades CSV (sandboxed, parallel)
    course demo       [NAME] [--out DIR]     build a sample class (correct, blank, mistakes, hostile) and grade it
    course lab        [FOLDER]               JupyterLab on FOLDER (default: .), notebooks open unmodified
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import paths, release, source


def _names(args) -> list[str]:
    if not args.names:
        return paths.assignments(args.root)
    try:
        return [paths.require_assignment(name, args.root) for name in args.names]
    except paths.UnknownAssignment as exc:
        raise SystemExit(f"course: {exc}") from None


def cmd_build(args) -> int:
    stale = []
    for name in _names(args):
        path, changed = source.build(args.root, name, check=args.check)
        if changed:
            stale.append(path)
        print(f"{'stale' if args.check and changed else 'wrote' if changed else 'up to date'}: {path.relative_to(args.root)}")
    if args.check and stale:
        print("run `course build` to regenerate them", file=sys.stderr)
        return 1
    return 0


def cmd_release(args) -> int:
    stale = []
    for name in _names(args):
        source.build(args.root, name, check=args.check)
        path, changed, backup = release.release(args.root, name, check=args.check)
        rel = path.relative_to(args.root)
        if args.check:
            print(f"{'stale' if changed else 'up to date'}: {rel}")
            stale += [rel] if changed else []
        else:
            print(f"{'wrote' if changed else 'up to date'}: {rel}")
            if backup:
                print(f"  the previous version was kept in {backup.relative_to(args.root)}")
    if stale:
        print("run `course release` to regenerate them", file=sys.stderr)
        return 1
    return 0


def cmd_solutions(args) -> int:
    import nbformat
    from . import site
    from .execute import execute, to_html
    out_root = Path(args.out).resolve() if args.out else args.root / "executed"
    failed = 0
    for name in _names(args):
        nb = source.instructor_notebook(args.root, name)
        out = out_root / name
        out.mkdir(parents=True, exist_ok=True)
        try:
            nb, seconds = execute(nb, workdir=out, timeout=args.timeout)
        except Exception as exc:  # the error names the failing cell; keep going with the others
            print(f"FAILED {name}: {exc}", file=sys.stderr)
            failed += 1
            continue
        site.record_run(nb, seconds)
        stem = out / site.solution_stem(name)
        nbformat.write(nb, stem.with_suffix(".ipynb"))
        stem.with_suffix(".html").write_text(to_html(nb))
        print(f"{name}: executed in {seconds:.1f} s -> {stem.relative_to(out_root.parent)}.ipynb / .html")
    if out_root.is_dir():  # the index lists every executed assignment in the folder, from earlier runs too
        print(f"index of the executed notebooks (open it in a browser): {site.write_index(out_root, site.course_title(args.root))}")
    return 1 if failed else 0


def cmd_selfcheck(args) -> int:
    from . import selfcheck
    rows, failed = [], 0
    for name in _names(args):
        outcomes = selfcheck.check_assignment(args.root, name)
        print(f"== {name}")
        for o in outcomes:
            print(f"  {'ok  ' if o.ok else 'FAIL'} {o.label}: {o.detail}")
        failed += sum(not o.ok for o in outcomes)
        rows.append(selfcheck.summary_row(name, outcomes))
    print("\n".join(["", *rows]))
    return 1 if failed else 0


def cmd_list(args) -> int:
    for name in _names(args):
        pts = source.points_by_cell(source.instructor_notebook(args.root, name))
        print(f"{name}: {len(pts)} test cells, {sum(pts.values()):g} autograded points")
    return 0


def cmd_grade(args) -> int:
    from . import grade, sandbox
    limits = sandbox.Limits(cell_timeout=args.cell_timeout, notebook_timeout=args.notebook_timeout,
                            memory_mb=args.memory)
    opts = grade.Options(args.assignment, Path(args.submissions), out=Path(args.out), workers=args.workers,
                         students=args.student or [], force=args.force, db_url=args.db, limits=limits,
                         sandbox=args.sandbox, regexp=args.regexp, run_experiments=args.run_experiments,
                         root=args.root, progress=not args.no_progress, cluster=args.cluster)
    try:
        opts.shard = grade.parse_shard(args.shard) if args.shard else None
        grade.grade(opts)
    except (grade.GradeError, grade.collect.CollectError, grade.GradebookLost) as exc:
        print(f"course grade: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\ncourse grade: interrupted. Every student graded so far is saved; run the same command "
              "again to grade the rest.", file=sys.stderr)
        return 130
    return 0


def cmd_demo(args) -> int:
    from . import demo
    return demo.main(args.root, args.assignment, Path(args.out), args.workers, args.sandbox)


def cmd_lab(args) -> int:
    import os
    from . import lab
    folder = Path(args.folder).resolve()
    if not folder.is_dir():
        print(f"course lab: FOLDER {args.folder!r} is not a folder", file=sys.stderr)
        return 2
    cmd = lab.lab_command(folder, port=args.port, browser=not args.no_browser)
    env = dict(os.environ)  # not tool_env: its MPLBACKEND=Agg would hide the figures
    env["PATH"] = os.path.dirname(cmd[0]) + os.pathsep + env.get("PATH", "")  # alembic, the kernel
    os.chdir(folder)  # nbgrader reads the nbgrader_config.py of the folder it starts in
    os.execve(cmd[0], cmd, env)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="course", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", type=Path, default=paths.ROOT, help="course repository (default: this one)")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, func, help_ in [("build", cmd_build, "build instructor notebooks from the jupytext sources"),
                              ("release", cmd_release, "generate the student notebooks with nbgrader"),
                              ("solutions", cmd_solutions, "execute the reference solutions with all plots"),
                              ("selfcheck", cmd_selfcheck, "run the mutation suite through nbgrader"),
                              ("list", cmd_list, "list assignments and points")]:
        p = sub.add_parser(name, help=help_)
        p.add_argument("names", nargs="*", metavar="NAME", help="assignments (default: all)")
        p.set_defaults(func=func)
        if name in ("build", "release"):
            p.add_argument("--check", action="store_true", help="only report drift; exit 1 if any")
        if name == "solutions":
            p.add_argument("--out", help="output folder (default: executed/)")
            p.add_argument("--timeout", type=int, default=600, help="seconds per cell")
    g = sub.add_parser("grade", help="grade a class of submissions (sandboxed, parallel, resumable)",
                       description=_grade_doc(), formatter_class=argparse.RawDescriptionHelpFormatter,
                       epilog="$COURSE_GRADE_CACHE=DIR: keep the assignment templates (by the hash of the "
                              "instructor notebook) and matplotlib's font cache in DIR, shared by grading "
                              "folders and concurrent runs")
    g.add_argument("assignment", metavar="NAME", help="the assignment")
    g.add_argument("submissions", metavar="SUBMISSIONS",
                   help="folder with one subfolder per student, nbgrader's submitted/ layout, or an LMS zip/folder")
    g.add_argument("--out", default="grading", help="grading folder: gradebook, feedback, CSV (default: ./grading)")
    g.add_argument("--workers", type=int, default=0, help="submissions graded at once (default: number of cores)")
    g.add_argument("--student", action="append", metavar="ID", help="(re)grade only this student; repeatable")
    g.add_argument("--force", action="store_true", help="regrade everyone, even if already graded")
    g.add_argument("--db", metavar="URL", help="gradebook database URL (default: sqlite DIR/gradebook.db), "
                                               "e.g. postgresql://user@host:5432/gradebook, shared by many runs")
    g.add_argument("--cluster", metavar="ADDRESS",
                   help="grade on the Dask cluster whose scheduler is at ADDRESS (tcp://HOST:8786) instead of "
                        "local workers (--workers is then ignored)")
    g.add_argument("--shard", metavar="I/N", help="grade only slice I of N of the students (0 <= I < N, by a hash "
                                                  "of the student id): one task of a Slurm array or indexed Job")
    g.add_argument("--cell-timeout", type=int, default=60, metavar="S", help="seconds per cell (default 60)")
    g.add_argument("--notebook-timeout", type=int, default=600, metavar="S",
                   help="seconds per notebook, wall clock (default 600)")
    g.add_argument("--memory", type=int, default=4096, metavar="MB", help="memory per kernel in MB (default 4096)")
    g.add_argument("--sandbox", choices=["auto", "bwrap", "none"], default=None,
                   help="auto (default; or $COURSE_SANDBOX): bubblewrap if it works here, else limits only")
    g.add_argument("--regexp", help="nbgrader zip_collect file-name pattern for LMS downloads "
                                    "(named groups student_id, file_id, optional timestamp)")
    g.add_argument("--run-experiments", action="store_true",
                   help="also run the ungraded experiment cells after the last graded cell (slower)")
    g.add_argument("--no-progress", action="store_true", help="no progress bar")
    g.set_defaults(func=cmd_grade)
    d = sub.add_parser("demo", help="build a sample class from an assignment and grade it")
    d.add_argument("assignment", nargs="?", metavar="NAME", help="assignment (default: gradient_checking)")
    d.add_argument("--out", default="course-demo", help="demo folder (default: ./course-demo)")
    d.add_argument("--workers", type=int, default=0, help="workers (default: number of cores)")
    d.add_argument("--sandbox", choices=["auto", "bwrap", "none"], default=None)
    d.set_defaults(func=cmd_demo)
    lab_parser = sub.add_parser("lab", help="JupyterLab with the course's settings (notebooks open unmodified)")
    lab_parser.add_argument("folder", nargs="?", default=".", metavar="FOLDER",
                            help="folder to open (default: the current one), e.g. notebooks/")
    lab_parser.add_argument("--port", type=int, help="port (default: Jupyter's, 8888 or the next free one)")
    lab_parser.add_argument("--no-browser", action="store_true", help="do not open a browser")
    lab_parser.set_defaults(func=cmd_lab)
    args = parser.parse_args(argv)
    args.root = args.root.resolve()
    return args.func(args)


def _grade_doc() -> str:
    from . import grade
    return grade.__doc__


if __name__ == "__main__":
    sys.exit(main())
