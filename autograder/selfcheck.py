"""The mutation suite: do the tests catch classic mistakes and accept every correct answer?

Each assignment may have ``solutions/<name>/mutations.toml``:

    [[mistake]]
    name = "one-sided difference"       # what the mistake is
    cell = "test_numerical_gradient"    # the test cell that must lose its points (and only it)
    expect = "one-sided"                # a word the failure message must contain (case-insensitive)
    code = '''def numerical_gradient(f, x, h=1e-5): ...'''

    [[correct]]
    name = "vectorized"                 # another correct implementation: full points
    code = '''...'''

``code`` holds one or more function definitions; each replaces the function of the same name in
the reference answer. Submissions are graded by real ``nbgrader autograde``: the reference must
get every point, the untouched release none, each mistake must lose exactly its cell's points with
a message naming the cause, and each correct variant must get every point. Mistakes in different
cells share one submission.
"""
from __future__ import annotations

import ast
import copy
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path

import nbformat

from . import nbgrader_run, source

SOLUTION_MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION")


@dataclass
class Mutation:
    kind: str  # "mistake" or "correct"
    name: str
    code: str
    cell: str = ""
    expect: str = ""


def load_mutations(root: Path, name: str) -> list[Mutation]:
    path = root / "solutions" / name / "mutations.toml"
    if not path.exists():
        return []
    data = tomllib.loads(path.read_text())
    out = []
    for kind in ("mistake", "correct"):
        for entry in data.get(kind, []):
            out.append(Mutation(kind, entry["name"], entry["code"], entry.get("cell", ""), entry.get("expect", "")))
    return out


def answer_cells(nb) -> list:
    return [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution") and c.cell_type == "code"]


def reference_submission(instructor_nb, release_nb):
    """The student release with every answer cell filled in with the reference solution."""
    sub = copy.deepcopy(release_nb)
    answers = {c.metadata["nbgrader"]["grade_id"]: c.source for c in answer_cells(instructor_nb)}
    for cell in answer_cells(sub):
        src = answers[cell.metadata["nbgrader"]["grade_id"]]
        cell.source = "\n".join(l for l in src.splitlines() if l.strip() not in SOLUTION_MARKERS)
    return sub


def replace_functions(cell_source: str, code: str) -> tuple[str, set[str]]:
    """Replace each top-level function of ``code`` found in ``cell_source``; return names replaced."""
    new_defs = {n.name: n for n in ast.parse(code).body if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
    code_lines = code.splitlines()
    lines = cell_source.splitlines()
    replaced = set()
    nodes = [n for n in ast.parse(cell_source).body if isinstance(n, (ast.FunctionDef, ast.ClassDef))]
    for node in sorted(nodes, key=lambda n: n.lineno, reverse=True):
        if node.name in new_defs:
            new = new_defs[node.name]
            start = min([node.lineno] + [d.lineno for d in node.decorator_list]) - 1
            new_start = min([new.lineno] + [d.lineno for d in new.decorator_list]) - 1
            lines[start:node.end_lineno] = code_lines[new_start:new.end_lineno]
            replaced.add(node.name)
    return "\n".join(lines), replaced


def apply_mutations(nb, mutations: list[Mutation]):
    nb = copy.deepcopy(nb)
    for m in mutations:
        wanted = {n.name for n in ast.parse(m.code).body if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
        done = set()
        for cell in answer_cells(nb):
            cell.source, replaced = replace_functions(cell.source, m.code)
            done |= replaced
        if wanted - done:
            raise ValueError(f"mutation {m.name!r}: no answer cell defines {sorted(wanted - done)}")
    return nb


def pack(mutations: list[Mutation]) -> list[list[Mutation]]:
    """Group mistakes so no two in a group target the same test cell (or the same function)."""
    groups: list[list[Mutation]] = []
    for m in mutations:
        funcs = {n.name for n in ast.parse(m.code).body if isinstance(n, ast.FunctionDef)}
        for g in groups:
            if all(o.cell != m.cell and not (funcs & {n.name for n in ast.parse(o.code).body
                                                      if isinstance(n, ast.FunctionDef)}) for o in g):
                g.append(m)
                break
        else:
            groups.append([m])
    return groups


@dataclass
class Outcome:
    label: str
    ok: bool
    detail: str


def check_assignment(root: Path, name: str, timeout: int = 60) -> list[Outcome]:
    """Grade the reference, the blank release, every mistake and every correct variant."""
    mutations = load_mutations(root, name)
    with tempfile.TemporaryDirectory(prefix=f"course-selfcheck-{name}-") as tmp:
        course = Path(tmp) / "course"  # course copies for parallel grading go beside it
        instructor = nbgrader_run.make_course(course, root, name, timeout=timeout)
        release = nbformat.read(course / "release" / name / f"{name}.ipynb", as_version=4)
        points = source.points_by_cell(instructor)
        reference = reference_submission(instructor, release)
        subs = {"reference": reference, "blank": release}
        mistakes = [m for m in mutations if m.kind == "mistake"]
        for m in mistakes:
            if m.cell not in points:
                raise ValueError(f"mutation {m.name!r} names cell {m.cell!r}; test cells are {sorted(points)}")
        groups = pack(mistakes)
        for i, group in enumerate(groups):
            subs[f"mistakes{i}"] = apply_mutations(reference, group)
        corrects = [m for m in mutations if m.kind == "correct"]
        correct_groups = pack([Mutation("correct", m.name, m.code, cell=f"#{i}") for i, m in enumerate(corrects)])
        # variants of one function need separate submissions; pack() already splits them by function
        for i, group in enumerate(correct_groups):
            subs[f"correct{i}"] = apply_mutations(reference, group)
        for student, nb in subs.items():
            nbgrader_run.submit(course, name, student, nb)
        results = nbgrader_run.autograde(course, name, list(subs))

    total = sum(points.values())
    outcomes = []
    ref = results["reference"]
    outcomes.append(Outcome("reference gets every point", not ref.error and ref.score == total,
                            f"{ref.score:g}/{total:g} {ref.error}"))
    blank = results["blank"]
    outcomes.append(Outcome("untouched release gets zero", not blank.error and blank.score == 0,
                            f"{blank.score:g}/{total:g} {blank.error}"))
    for i, group in enumerate(groups):
        res = results[f"mistakes{i}"]
        for m in group:
            cell = res.cells.get(m.cell)
            lost_own = cell is not None and cell.score == 0
            msg_ok = cell is not None and m.expect.lower() in cell.message.lower()
            others = [g for g in group if g is not m]
            # other cells keep full points unless another mistake of this submission targets them
            untouched = [c for c in res.cells.values() if c.grade_id not in {o.cell for o in group}]
            collateral = [c.grade_id for c in untouched if c.score != c.max_score]
            ok = lost_own and msg_ok and not collateral and not res.error
            detail = (f"{m.cell}: {'lost' if lost_own else 'KEPT'} its points; message "
                      f"{'names' if msg_ok else 'does NOT name'} {m.expect!r}")
            if collateral:
                detail += f"; also lost points in {collateral}"
            if not msg_ok and cell is not None:
                detail += f"; message was: {cell.message.strip()[-300:]!r}"
            del others
            outcomes.append(Outcome(f"mistake caught: {m.name}", ok, detail))
    for i, group in enumerate(correct_groups):
        res = results[f"correct{i}"]
        lost = [c.grade_id for c in res.cells.values() if c.score != c.max_score]
        for m in group:
            detail = f"{res.score:g}/{total:g}" + (f"; lost points in {lost}" if lost else "")
            outcomes.append(Outcome(f"correct accepted: {m.name}", not lost and not res.error, detail))
    return outcomes


def summary_row(name: str, outcomes: list[Outcome]) -> str:
    caught = [o for o in outcomes if o.label.startswith("mistake caught")]
    accepted = [o for o in outcomes if o.label.startswith("correct accepted")]
    base = [o for o in outcomes if not o.label.startswith(("mistake", "correct"))]
    return (f"{name:<24} {sum(o.ok for o in caught):>3}/{len(caught):<3} mistakes caught   "
            f"{sum(o.ok for o in accepted):>3}/{len(accepted):<3} correct variants accepted   "
            f"reference/blank {'ok' if all(o.ok for o in base) else 'FAIL'}")
