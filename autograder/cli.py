"""`course`: the instructor's command, a thin layer over nbgrader.

    course build      [NAME ...] [--check]   solutions/<a>/<a>.py -> solutions/<a>/<a>.ipynb
    course release    [NAME ...] [--check]   student notebooks in notebooks/ via nbgrader
    course solutions  [NAME ...] [--out DIR] run the reference notebooks, write .ipynb and .html
    course selfcheck  [NAME ...]             the mutation suite: mistakes caught, correct answers accepted
    course list                              the assignments and their points
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import paths, release, source


def _names(args) -> list[str]:
    known = paths.assignments(args.root)
    if not args.names:
        return known
    for name in args.names:
        if name not in known:
            raise SystemExit(f"course: unknown assignment {name!r}; known: {', '.join(known) or 'none'}")
    return args.names


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
    from .execute import execute, to_html
    out_root = Path(args.out).resolve() if args.out else args.root / "executed"
    failed = 0
    for name in _names(args):
        nb = source.build_notebook(source.source_path(args.root, name))
        out = out_root / name
        out.mkdir(parents=True, exist_ok=True)
        try:
            nb, seconds = execute(nb, workdir=out, timeout=args.timeout)
        except Exception as exc:  # the error names the failing cell; keep going with the others
            print(f"FAILED {name}: {exc}", file=sys.stderr)
            failed += 1
            continue
        nbformat.write(nb, out / f"{name}.ipynb")
        (out / f"{name}.html").write_text(to_html(nb))
        print(f"{name}: executed in {seconds:.1f} s -> {(out / name).relative_to(out_root.parent)}.ipynb / .html")
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
        nb = source.build_notebook(source.source_path(args.root, name))
        pts = source.points_by_cell(nb)
        print(f"{name}: {len(pts)} test cells, {sum(pts.values()):g} autograded points")
    return 0


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
    args = parser.parse_args(argv)
    args.root = args.root.resolve()
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
