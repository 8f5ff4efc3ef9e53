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

    [[spec]]
    function = "dropout_forward"        # the graded function (or "lesson")
    says = "p is the probability of dropping a unit"   # one requirement sentence of its docstring
    test = "test_dropout_forward"       # the test cell that enforces it
    mutants = ["keeps units with probability p"]       # mistakes that break only this sentence

The ``[[spec]]`` list is the assignment's spec-coverage table: every requirement its docstrings and
lesson state, the test that enforces it and at least one mutant that breaks it; a requirement is
covered when its test cell exists and each of its mutants is caught in that cell.

``code`` holds one or more function definitions; each replaces the function of the same name in
the reference answer. Submissions are graded exactly the way students are: by `course grade`
(:func:`autograder.grade.grade`: its workers, sandbox, limits and nbgrader chain). The reference
must get every point, the untouched release none, each mistake must lose exactly its cell's points
with a message naming the cause, and each correct variant must get every point. Mistakes in
different cells share one submission.
"""
from __future__ import annotations

import ast
import copy
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path

import nbformat

from . import cells, course_folder, grade, sandbox, source
from .protocol import GradeResult

SOLUTION_MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION")


@dataclass
class Mutation:
    kind: str  # "mistake" or "correct"
    name: str
    code: str
    cell: str = ""
    expect: str = ""


@dataclass
class Requirement:
    """One sentence of a graded function's docstring or of the lesson, and what enforces it."""
    function: str
    says: str
    test: str
    mutants: list[str]


def load_spec(root: Path, name: str) -> list[Requirement]:
    path = root / "solutions" / name / "mutations.toml"
    if not path.exists():
        return []
    return [Requirement(e["function"], e["says"], e.get("test", ""), list(e.get("mutants", [])))
            for e in tomllib.loads(path.read_text()).get("spec", [])]


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
    return cells.of_kind(nb, "answer")


def reference_submission(instructor_nb, release_nb):
    """The student release with every answer cell filled in with the reference solution."""
    sub = copy.deepcopy(release_nb)
    answers = {cells.grade_id(c): c.source for c in answer_cells(instructor_nb)}
    for cell in answer_cells(sub):
        src = answers[cells.grade_id(cell)]
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


def _defined(code: str) -> set[str]:
    """Names of the functions and classes ``code`` defines (what a mutation replaces)."""
    return {n.name for n in ast.parse(code).body if isinstance(n, (ast.FunctionDef, ast.ClassDef))}


def pack(mutations: list[Mutation]) -> list[list[Mutation]]:
    """Group mistakes so no two in a group target the same test cell (or the same function or class:
    the later one would replace the earlier)."""
    groups: list[list[Mutation]] = []
    for m in mutations:
        names = _defined(m.code)
        for g in groups:
            if all(o.cell != m.cell and not (names & _defined(o.code)) for o in g):
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


@dataclass
class Suite:
    """The submissions of one assignment's self-check and what each should get."""
    points: dict[str, float]
    submissions: dict[str, nbformat.NotebookNode]
    mistake_groups: list[list[Mutation]]
    correct_groups: list[list[Mutation]]

    @property
    def total(self) -> float:
        return float(sum(self.points.values()))


def build_suite(root: Path, name: str, release) -> Suite:
    """The reference, the blank release, mistakes packed by test cell, correct variants by function."""
    instructor = source.instructor_notebook(root, name)
    points = source.points_by_cell(instructor)
    reference = reference_submission(instructor, release)
    mutations = load_mutations(root, name)
    mistakes = [m for m in mutations if m.kind == "mistake"]
    for m in mistakes:
        if m.cell not in points:
            raise ValueError(f"mutation {m.name!r} names cell {m.cell!r}; test cells are {sorted(points)}")
    corrects = [m for m in mutations if m.kind == "correct"]
    # variants of one function need separate submissions; pack() splits them by function
    correct_groups = pack([Mutation("correct", m.name, m.code, cell=f"#{i}") for i, m in enumerate(corrects)])
    suite = Suite(points, {"reference": reference, "blank": release}, pack(mistakes), correct_groups)
    for i, group in enumerate(suite.mistake_groups):
        suite.submissions[f"mistakes{i}"] = apply_mutations(reference, group)
    for i, group in enumerate(suite.correct_groups):
        suite.submissions[f"correct{i}"] = apply_mutations(reference, group)
    return suite


def grade_suite(root: Path, name: str, suite: Suite, folder: Path, timeout: int = 60,
                workers: int = 0) -> dict[str, GradeResult]:
    """Grade the suite's submissions with `course grade` (one folder per student in ``folder``)."""
    for student, nb in suite.submissions.items():
        (folder / "class" / student).mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, folder / "class" / student / f"{name}.ipynb")
    opts = grade.Options(name, folder / "class", out=folder / "grading", workers=workers, root=root,
                         limits=sandbox.Limits(cell_timeout=timeout), quiet=True, progress=False)
    return grade.grade(opts).results


def _mistake_outcome(m: Mutation, group: list[Mutation], res: GradeResult) -> Outcome:
    cell = res.cell(m.cell)
    lost_own = cell is not None and cell.auto_score == 0
    msg_ok = cell is not None and m.expect.lower() in cell.message.lower()
    # other cells keep full points unless another mistake of this submission targets them
    collateral = [c.grade_id for c in res.cells
                  if c.kind == "tests" and c.grade_id not in {o.cell for o in group} and not c.passed]
    detail = (f"{m.cell}: {'lost' if lost_own else 'KEPT'} its points; message "
              f"{'names' if msg_ok else 'does NOT name'} {m.expect!r}")
    if collateral:
        detail += f"; also lost points in {collateral}"
    if not msg_ok and cell is not None:
        detail += f"; message was: {cell.message.strip()[-300:]!r}"
    if res.failed:
        detail += f"; failed to grade: {res.reason}"
    return Outcome(f"mistake caught: {m.name}", lost_own and msg_ok and not collateral and not res.failed, detail)


def _whole(label: str, res: GradeResult, want: float, total: float) -> Outcome:
    got = res.score
    return Outcome(label, got == want, f"{got if got is None else format(got, 'g')}/{total:g} {res.reason}".strip())


def evaluate(suite: Suite, results: dict[str, GradeResult]) -> list[Outcome]:
    """Each expectation of the suite against what grading gave."""
    outcomes = [_whole("reference gets every point", results["reference"], suite.total, suite.total),
                _whole("untouched release gets zero", results["blank"], 0.0, suite.total)]
    for i, group in enumerate(suite.mistake_groups):
        outcomes += [_mistake_outcome(m, group, results[f"mistakes{i}"]) for m in group]
    for i, group in enumerate(suite.correct_groups):
        res = results[f"correct{i}"]
        lost = [c.grade_id for c in res.cells if c.kind == "tests" and not c.passed]
        detail = f"{res.score if res.score is None else format(res.score, 'g')}/{suite.total:g}" \
            + (f"; lost points in {lost}" if lost else "") + (f"; {res.reason}" if res.failed else "")
        outcomes += [Outcome(f"correct accepted: {m.name}", not lost and not res.failed, detail) for m in group]
    return outcomes


def spec_outcomes(spec: list[Requirement], points: dict[str, float], mistakes: list[Mutation],
                  outcomes: list[Outcome]) -> list[Outcome]:
    """A requirement is covered when its test cell exists, it names a mutant, and each of its mutants
    is a mistake of the suite aimed at that very cell and caught there (with its own message)."""
    caught = {o.label.removeprefix("mistake caught: "): o for o in outcomes if o.label.startswith("mistake caught")}
    cell_of = {m.name: m.cell for m in mistakes}
    out = []
    for r in spec:
        problems = [] if r.test in points else [f"no test cell {r.test!r}" if r.test else "no test named"]
        problems += [] if r.mutants else ["no mutant"]
        for m in r.mutants:
            o = caught.get(m)
            if o is None:
                problems.append(f"no mistake named {m!r}")
            elif not o.ok or cell_of.get(m) != r.test:
                problems.append(f"mutant {m!r} not caught in {r.test}: {o.detail[:200]}")
        out.append(Outcome(f"requirement covered: {r.function}: {r.says}", not problems,
                           "; ".join(problems) or f"{r.test} catches {len(r.mutants)} mutant(s)"))
    return out


def check_assignment(root: Path, name: str, timeout: int = 60, workers: int = 0) -> list[Outcome]:
    """Grade the reference, the blank release, every mistake and every correct variant; then the
    spec-coverage table against what the mistakes gave."""
    with tempfile.TemporaryDirectory(prefix=f"course-selfcheck-{name}-") as tmp:
        folder = Path(tmp)
        template, _ = course_folder.build_template(root, name, folder / "grading" / course_folder.STATE)
        release = nbformat.read(template / "release" / name / f"{name}.ipynb", as_version=4)
        suite = build_suite(root, name, release)
        results = grade_suite(root, name, suite, folder, timeout, workers)
    return judge(root, name, suite, results)


def judge(root: Path, name: str, suite: Suite, results: dict[str, GradeResult]) -> list[Outcome]:
    """Every expectation of the suite (:func:`evaluate`), then the spec-coverage table, against the
    grading results of its submissions (keyed as ``suite.submissions``; graded here by
    :func:`grade_suite`, or as part of a larger class, e.g. a `course demo` class)."""
    outcomes = evaluate(suite, results)
    mistakes = [m for group in suite.mistake_groups for m in group]
    return outcomes + spec_outcomes(load_spec(root, name), suite.points, mistakes, outcomes)


def summary_row(name: str, outcomes: list[Outcome]) -> str:
    caught = [o for o in outcomes if o.label.startswith("mistake caught")]
    accepted = [o for o in outcomes if o.label.startswith("correct accepted")]
    covered = [o for o in outcomes if o.label.startswith("requirement covered")]
    base = [o for o in outcomes if not o.label.startswith(("mistake", "correct", "requirement"))]
    return (f"{name:<24} {sum(o.ok for o in caught):>3}/{len(caught):<3} mistakes caught   "
            f"{sum(o.ok for o in accepted):>3}/{len(accepted):<3} correct variants accepted   "
            f"{sum(o.ok for o in covered):>3}/{len(covered):<3} requirements covered   "
            f"reference/blank {'ok' if all(o.ok for o in base) else 'FAIL'}")
