"""`course demo`: build a small class of sample submissions from an assignment and grade it.

    course demo [ASSIGNMENT] [--out DIR] [--workers N] [--sandbox auto|bwrap|none]

The class (``DIR/class/<student>/``, one folder per student) is made from the real assignment, any
of them, one family of samples per function below: the reference answers
(:func:`autograder.selfcheck.reference_submission`), with written answers, the blank release, a
partly done one; classic mistakes and a correct variant from ``solutions/<a>/mutations.toml``; a
correct answer warning on stderr; broken submissions (edited and deleted test cells, a misnamed
notebook, no notebook, corrupt JSON); and the hostile corpus, kept as data in
``autograder/hostile.toml``: one sample per (attack, base) for every assignment, the attack in the
blank release or in the reference answers. Attacks on the tests that run in the student's kernel
(an input transformer, patched test helpers or numpy comparisons, a fake ``cs231n_utils.testing``,
swallowed errors), answers that are not answers (an always-equal object, a pickle bomb, a huge
array, a storm of callbacks), runaway code (an endless loop, one that ignores interrupts, os._exit,
killing its own kernel), bombs (memory, output, a bounded fork bomb), and code reaching for files it
must not see (and, in the bubblewrap sandbox only, running the solutions or wiping the gradebook).

The expected score of every sample follows from the points of each test cell and the answer cells
each test cell calls (found in the code: a test of ``batchnorm_backward`` also needs
``batchnorm_forward``): a blank release with any attack earns the blank score, the reference with
any attack every point its code still earns. Where an attack fools the tests in the kernel, the
grader's own run of them (autograder/trusted.py) must disagree, and say so; nowhere else may it.
Every bomb is bounded and fails the same way however busy the machine is;
the hostile samples only touch files in the demo folder, and only when it holds the marker file
``DIR/DEMO_MARKER``. ``course demo`` grades the class with ``course grade`` into ``DIR/grading`` and
prints expected against got: score, status, failure reason, notes, disagreements, the lines hostile
code printed, a feedback page for every graded sample, no process left behind (exit status 1 on any
difference).
"""
from __future__ import annotations

import ast
import copy
import json
import re
import shutil
import sys
import textwrap
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import tomllib

from . import cells, course_folder, grade, paths, sandbox, selfcheck, source
from .protocol import FAILED, GRADED, NEEDS_MANUAL

MARKER = "DEMO_MARKER"
# limits for the demo: short, so the hostile samples cost seconds
DEMO_LIMITS = {"cell_timeout": 6, "notebook_timeout": 60, "memory_mb": 2048}


@dataclass
class Sample:
    student: str
    what: str
    status: str                        # graded | needs manual grading | failed
    score: float | None = None         # autograded points expected (None when it fails)
    reason: str = ""                   # words the failure reason must contain
    note: str = ""                     # words one of the notes must contain
    checks: list[str] = field(default_factory=list)   # OUTPUT_CHECKS names, "no-leftovers", "no-file:NAME"
    tampering: bool = False            # the in-kernel run is fooled: a disagreement must be recorded (else none)
    attack: str = ""                   # the hostile.toml attack it comes from ("" for an ordinary sample)
    base: str = ""                     # and what it was put in: "blank" or "correct"
    files: dict = field(default_factory=dict, repr=False)  # file name -> notebook, or text as is


# --------------------------------------------------------------------------------------------------
# what the samples are made from: the assignment, and which test cell needs which answer cell

def _tree(src: str) -> ast.Module | None:
    from IPython.core.inputtransformer2 import TransformerManager
    try:
        return ast.parse(TransformerManager().transform_cell(src))   # magics become plain Python
    except SyntaxError:
        return None


def _names(src: str) -> set[str]:
    """Every name ``src`` refers to (every word, if it does not parse: too many is the safe side)."""
    tree = _tree(src)
    if tree is None:
        return set(re.findall(r"[A-Za-z_]\w*", src))
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}


def _functions(src: str) -> dict[str, set[str]]:
    """Each function (or class) defined at the top level of ``src`` -> the names its code uses."""
    return {node.name: {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
            for node in (_tree(src) or ast.Module(body=[])).body
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}


def _merged(*graphs: dict[str, set[str]]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for graph in graphs:
        for name, used in graph.items():
            out.setdefault(name, set()).update(used)
    return out


def _reach(names: set[str], definitions: dict[str, set[str]]) -> set[str]:
    """``names`` and every name their definitions use, and so on."""
    seen, todo = set(), list(names)
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo += definitions.get(name, ())
    return seen


@dataclass
class Material:
    """One assignment, as the samples need it."""
    name: str
    release: nbformat.NotebookNode
    reference: nbformat.NotebookNode           # the release with every answer filled in
    points: dict[str, float]                   # test cell -> points, in notebook order
    test_sources: dict[str, str]               # test cell -> its source, hidden tests included
    uses: dict[str, set[str]]                  # test cell -> every name it reaches, through any code
    functions: dict[str, list[str]]            # answer cell -> the functions it defines, in order

    @property
    def total(self) -> float:
        return float(sum(self.points.values()))

    @property
    def answers(self) -> list[str]:
        return list(self.functions)

    def answer_at(self, where: str) -> str:
        """The "first", "middle" or "last" answer cell."""
        return self.answers[{"first": 0, "middle": len(self.answers) // 2, "last": -1}[where]]

    def needs(self, test: str) -> set[str]:
        """The answer cells test cell ``test`` calls, directly or through other code."""
        return {a for a, funcs in self.functions.items() if self.uses[test] & set(funcs)}

    def lost(self, undone) -> float:
        """Points lost when the answer cells ``undone`` are left as released."""
        return float(sum(p for t, p in self.points.items() if self.needs(t) & set(undone)))

    def without(self, undone) -> nbformat.NotebookNode:
        """The reference with the answer cells ``undone`` as released."""
        nb = copy.deepcopy(self.reference)
        released = {cells.grade_id(c): c.source for c in cells.of_kind(self.release, "answer")}
        for cell in cells.of_kind(nb, "answer"):
            if cells.grade_id(cell) in set(undone):
                cell.source = released[cells.grade_id(cell)]
        return nb

    def appended(self, code: str, answer: str | None = None) -> nbformat.NotebookNode:
        """The reference with ``code`` after the functions of an answer cell (the first by default)."""
        nb = copy.deepcopy(self.reference)
        answer = answer or self.answers[0]
        cell = next(c for c in cells.of_kind(nb, "answer") if cells.grade_id(c) == answer)
        cell.source = cell.source.rstrip() + "\n\n" + textwrap.dedent(code).strip() + "\n"
        return nb

    def files(self, nb, name: str | None = None) -> dict:
        return {name or f"{self.name}.ipynb": nb}


def material(root: Path, assignment: str, release_nb) -> Material:
    """The assignment, and the names each test cell reaches: the names it uses and, through the
    functions of the notebook (answers, provided code, helpers of other test cells), theirs."""
    instructor = source.instructor_notebook(root, assignment)
    code = [c for c in instructor.cells if c.cell_type == "code"]
    tests = {cells.grade_id(c): cells.source_text(c) for c in code if cells.is_tests(c)}
    functions = {cells.grade_id(c): _functions(cells.source_text(c)) for c in code if cells.is_answer(c)}
    others = _merged(*(_functions(cells.source_text(c)) for c in code if not cells.is_tests(c)))
    helpers = {t: _functions(src) for t, src in tests.items()}

    def reach(test: str) -> set[str]:   # a test cell's own helpers are in its names already
        theirs = [{n: u for n, u in h.items() if n not in helpers[test]} for t, h in helpers.items() if t != test]
        return _reach(_names(tests[test]), _merged(others, *theirs))

    return Material(assignment, release_nb, selfcheck.reference_submission(instructor, release_nb),
                    cells.test_points(instructor), tests, {t: reach(t) for t in tests},
                    {a: list(funcs) for a, funcs in functions.items()})


# --------------------------------------------------------------------------------------------------
# the samples, one family each

def answer_samples(m: Material) -> list[Sample]:
    """The reference (with and without written answers), the untouched release, half done."""
    written = copy.deepcopy(m.reference)
    manual = [c for c in cells.of_kind(written, "manual") if c.cell_type == "markdown"]
    for cell in manual:
        cell.source = "My answer, in my own words, for the instructor to grade."
    later = m.answers[len(m.answers) // 2:]
    return [
        Sample("correct", "the reference answers", GRADED, m.total, files=m.files(m.reference)),
        Sample("correct-written", "reference answers and written answers", NEEDS_MANUAL if manual else GRADED,
               m.total, files=m.files(written)),
        Sample("blank", "the untouched release", GRADED, m.total - m.lost(m.answers), files=m.files(m.release)),
        Sample("partial", f"first half of the exercises done ({', '.join(later)} left as released)", GRADED,
               m.total - m.lost(later), files=m.files(m.without(later))),
    ]


def mutation_samples(m: Material, suite: selfcheck.Suite, every: bool = False) -> list[Sample]:
    """Classic mistakes (each loses its own test cell's points: the self-check makes sure) and
    correct variants from ``solutions/<a>/mutations.toml``, packed as the self-check packs them
    (:func:`autograder.selfcheck.build_suite`): the first two packs of mistakes and the first of
    variants, or with ``every`` all of them (then the class holds the whole mutation suite, see
    :func:`suite_results`)."""
    mistakes = suite.mistake_groups if every else suite.mistake_groups[:2]
    variants = suite.correct_groups if every else suite.correct_groups[:1]
    out = []
    for i, group in enumerate(mistakes):
        lost = sum(m.points[c] for c in {x.cell for x in group})
        out.append(Sample(f"mistakes-{i + 1}", "classic mistakes: " + "; ".join(x.name for x in group), GRADED,
                          m.total - lost, files=m.files(suite.submissions[f"mistakes{i}"])))
    for i, group in enumerate(variants):
        out.append(Sample("variant" if i == 0 else f"variant-{i + 1}",
                          "another correct answer: " + "; ".join(x.name for x in group), GRADED, m.total,
                          files=m.files(suite.submissions[f"correct{i}"])))
    return out


def suite_results(results: dict) -> dict:
    """The results of a class built with every mutation, keyed as the self-check's suite
    (``reference``, ``blank``, ``mistakes<i>``, ``correct<i>``) for :func:`selfcheck.judge`."""
    out = {"reference": results["correct"], "blank": results["blank"]}
    for student, result in results.items():
        if match := re.fullmatch(r"mistakes-(\d+)", student):
            out[f"mistakes{int(match[1]) - 1}"] = result
        elif match := re.fullmatch(r"variant(?:-(\d+))?", student):
            out[f"correct{int(match[1] or 1) - 1}"] = result
    return out


WARNS = '''
import functools as _functools
import sys as _sys
import warnings as _warnings

_{func}_quiet = {func}


@_functools.wraps(_{func}_quiet)
def {func}(*args, **kwargs):
    _warnings.warn("{func}: this is only a demonstration warning", UserWarning)
    print("a message on stderr from {func}", file=_sys.stderr)
    return _{func}_quiet(*args, **kwargs)
'''


def warning_samples(m: Material) -> list[Sample]:
    """A correct answer that warns and writes to stderr when a test calls it: no points lost. Its
    function is one no test calling it checks for warnings (those tests must fail on a warning)."""
    for answer, funcs in m.functions.items():
        for func in funcs:
            callers = [t for t in m.points if func in m.uses[t]]
            if callers and not any("warn" in m.test_sources[t].lower() for t in callers):
                return [Sample("warning", f"a correct answer that warns on stderr ({func})", GRADED, m.total,
                               files=m.files(m.appended(WARNS.format(func=func), answer)))]
    return []


def broken_samples(m: Material) -> list[Sample]:
    """Test cells edited and deleted (nbgrader restores them: the real tests count), a misnamed
    notebook, no notebook, a notebook cut in half."""
    first = m.answers[0]
    edited = next((t for t in m.points if first in m.needs(t)), next(iter(m.points)))
    deleted = next((t for t in m.points if t != edited), None)
    nb = m.without([first])
    for cell in cells.of_kind(nb, "tests"):
        if cells.grade_id(cell) == edited:
            cell.source = "# the tests pass now\npass\n"
    nb.cells = [c for c in nb.cells if deleted is None or cells.grade_id(c) != deleted]
    good = nbformat.writes(m.reference)
    return [
        Sample("edited-tests", f"{first} not done, {edited} replaced by `pass`, {deleted} deleted", GRADED,
               m.total - m.lost([first]), note="restored" if deleted else "", files=m.files(nb)),
        Sample("misnamed", "the reference, saved under another name", GRADED, m.total, note="named",
               files=m.files(m.reference, f"{m.name} (1).ipynb")),
        Sample("missing", "no notebook at all", FAILED, reason="no notebook",
               files={"notes.txt": "I could not get Jupyter to start.\n"}),
        Sample("corrupt", "a notebook cut in half (invalid JSON)", FAILED, reason="not valid JSON",
               files=m.files(good[: len(good) // 2])),
    ]


# --------------------------------------------------------------------------------------------------
# the hostile corpus: autograder/hostile.toml, one sample per (attack, base)

HOSTILE = Path(__file__).with_name("hostile.toml")
TOKENS = ("ROOT", "ASSIGNMENT", "OUT", "MARKER", "GRADING", "CLASS", "CELL_TIMEOUT")
# output checks that only hold where the sandbox gives them
CHECK_NEEDS = {"READABLE": "bwrap", "NETWORK": "network"}


@dataclass
class Attack:
    """One entry of hostile.toml (its header describes the fields)."""
    name: str
    what: str
    code: str
    bases: list[str] = field(default_factory=lambda: ["blank", "correct"])
    at: str = "first"
    fake_stubs: bool | dict = False        # True in the file: the file's [fake_stubs] table here
    fake: str = ""
    replaces: str = "last"
    only: str = ""
    assignments: list[str] = field(default_factory=list)
    checks: list[str] = field(default_factory=list)
    fools_kernel: bool | list[str] = False
    expect: dict[str, dict] = field(default_factory=dict)   # base -> overrides

    def tampering(self, base: str, assignment: str) -> bool:
        """Must the grader's own run of the tests disagree with the kernel's on this sample?"""
        value = self.expect.get(base, {}).get("tampering", self.fools_kernel if base == "blank" else False)
        return assignment in value if isinstance(value, list) else bool(value)


def load_attacks(path: Path = HOSTILE) -> list[Attack]:
    data = tomllib.loads(path.read_text())
    stubs = data.get("fake_stubs", {})
    attacks = []
    for entry in data.get("attack", []):
        entry = dict(entry)
        expect = {k[len("expect_"):]: entry.pop(k) for k in list(entry) if k.startswith("expect_")}
        bad = {k for e in expect.values() for k in e} - {"status", "reason", "checks", "tampering"}
        if bad:
            raise ValueError(f"{path.name}: attack {entry.get('name')}: unknown expectations {sorted(bad)}")
        attack = Attack(**entry, expect=expect)
        if attack.fake_stubs is True:
            attack.fake_stubs = {"code": stubs["code"], "fake": stubs["fake"]}
        unknown = {b for b in attack.bases if b not in ("blank", "correct")} | (
            set(expect) - set(attack.bases)) | ({attack.at} - {"first", "last"}) | (
            {attack.replaces} - {"first", "middle", "last"})
        if unknown:
            raise ValueError(f"{path.name}: attack {attack.name}: unknown {sorted(unknown)}")
        attacks.append(attack)
    return attacks


def _fill(code: str, values: dict[str, str]) -> str:
    """The attack's code with @TOKEN@ replaced by its value (a path, written as is into a string)."""
    for token in TOKENS:
        if re.search(r"[\\'\"\n]", values[token]):
            raise ValueError(f"{token} {values[token]!r}: a path the hostile samples cannot quote")
        code = code.replace(f"@{token}@", values[token])
    left = sorted(set(re.findall(r"@[A-Z]+@", code)))
    if left:
        raise ValueError(f"unknown tokens {left}")
    return textwrap.dedent(code).strip()


def _append(nb, answer: str, code: str) -> None:
    cell = next(c for c in cells.of_kind(nb, "answer") if cells.grade_id(c) == answer)
    cell.source = cell.source.rstrip() + "\n\n" + code.rstrip() + "\n"


def _fakes(names: list[str], body: str) -> str:
    return "\n\n".join(f"def {name}(*args, **kwargs):\n" + textwrap.indent(textwrap.dedent(body).strip(), "    ")
                        for name in names)


def attack_notebook(m: Material, attack: Attack, base: str, values: dict[str, str]) -> nbformat.NotebookNode:
    """The base (the release or the reference) with the attack in its answer cells: fakes after the
    functions they replace (every stub on the blank base, the functions of the answer cell
    ``replaces`` on the correct one), what they use after the first answer cell, before them; the
    attack's code after the answer cell ``at`` (with ``fake``, the first: the fakes use it)."""
    nb = copy.deepcopy(m.release if base == "blank" else m.reference)
    code = _fill(attack.code, values)
    prelude, body = (code, attack.fake) if attack.fake else \
        (_fill(attack.fake_stubs["code"], values), attack.fake_stubs["fake"]) if attack.fake_stubs and base == "blank" \
        else ("", "")
    if prelude:
        _append(nb, m.answers[0], prelude)
    replaced = m.answer_at(attack.replaces)
    released = {cells.grade_id(c): cells.source_text(c) for c in cells.of_kind(m.release, "answer")}
    for answer in m.answers:
        if base == "blank":
            targets = [f for f, used in _functions(released[answer]).items() if "NotImplementedError" in used]
        else:
            targets = m.functions[answer] if answer == replaced else []
        if body and targets:
            _append(nb, answer, _fakes(targets, body))
    if not attack.fake:
        _append(nb, m.answer_at(attack.at), code)
    return nb


def hostile_samples(m: Material, folder: Path, sandbox_mode: str, network_isolated: bool,
                    attacks: list[Attack] | None = None) -> list[Sample]:
    """One sample per (attack, base) of hostile.toml that applies to this assignment and sandbox."""
    out = folder.parent
    values = {"ROOT": str(paths.ROOT), "ASSIGNMENT": m.name, "OUT": str(out), "MARKER": str(out / MARKER),
              "GRADING": str(out / "grading"), "CLASS": str(folder), "CELL_TIMEOUT": str(DEMO_LIMITS["cell_timeout"])}
    have = {"bwrap": sandbox_mode == "bwrap", "network": network_isolated}
    samples = []
    for attack in load_attacks() if attacks is None else attacks:
        if (attack.only == "bwrap" and sandbox_mode != "bwrap") or (
                attack.assignments and m.name not in attack.assignments):
            continue
        for base in attack.bases:
            expect = attack.expect.get(base, {})
            status = expect.get("status", GRADED)
            replaced = m.answer_at(attack.replaces)
            lost = m.answers if base == "blank" else [replaced] if attack.fake else []
            checks = [c for c in expect.get("checks", attack.checks) if have.get(CHECK_NEEDS.get(c, ""), True)]
            what = attack.what + ((" (on the blank release, its stubs faked)" if attack.fake_stubs else
                                   " (on the blank release)") if base == "blank" else
                                  f" (the reference, {replaced} replaced)" if attack.fake else " (the reference)")
            samples.append(Sample(
                attack.name if len(attack.bases) == 1 else f"{attack.name}-{base}", what, status,
                m.total - m.lost(lost) if status != FAILED else None, reason=expect.get("reason", ""),
                checks=checks, tampering=attack.tampering(base, m.name), attack=attack.name,
                base=base,
                files=m.files(attack_notebook(m, attack, base, values))))
    return samples


def write_class(folder: Path, samples: list[Sample]) -> None:
    """One folder per sample, holding its files."""
    if folder.exists():
        shutil.rmtree(folder)
    for s in samples:
        (folder / s.student).mkdir(parents=True)
        for name, content in s.files.items():
            if isinstance(content, str):
                (folder / s.student / name).write_text(content)
            else:
                nbformat.write(content, folder / s.student / name)


def build_class(root: Path, assignment: str, folder: Path, release_nb, sandbox_mode: str,
                network_isolated: bool = False, attacks: list[Attack] | None = None,
                every_mutation: bool = False) -> list[Sample]:
    """Write the sample class into ``folder``; return the samples with what they should get. The
    hostile samples come from ``attacks`` (by default all of hostile.toml); ``every_mutation``: the
    whole mutation suite, not two packs of mistakes and one variant."""
    m = material(root, assignment, release_nb)
    suite = selfcheck.build_suite(root, assignment, release_nb)
    samples = [*answer_samples(m), *mutation_samples(m, suite, every_mutation),
               *warning_samples(m), *broken_samples(m),
               *hostile_samples(m, folder.resolve(), sandbox_mode, network_isolated, attacks)]
    write_class(folder, samples)
    return samples


# --------------------------------------------------------------------------------------------------

# (check, text the sample's output must hold, the problem otherwise)
OUTPUT_CHECKS = [("READABLE", "READABLE: []", "it could read files outside its sandbox"),
                 ("NETWORK", "NETWORK: no", "it reached the network"),
                 ("WIPED", "WIPED: []", "it truncated files outside its sandbox"),
                 ("MEMORY", "MEMORY: refused", "the memory limit did not stop it"),
                 ("CUT", "[the grader cut this cell's output", "its output was not cut"),
                 ("SOLUTIONS", "SOLUTIONS: unreadable", "it read the solutions")]


def _problems(s: Sample, r, out: Path) -> list[str]:
    """What differs between the sample's expectations and its result ``r``."""
    problems = []
    if r.status != s.status:
        problems.append(f"status {r.status!r}, expected {s.status!r}")
    if s.score is not None and (r.score is None or abs(r.score - s.score) > 1e-9):
        problems.append(f"score {r.score}, expected {s.score:g}")
    if s.reason and s.reason.lower() not in r.reason.lower():
        problems.append(f"reason does not say {s.reason!r}")
    if s.note and not any(s.note in n for n in r.notes):
        problems.append(f"no note saying {s.note!r}")
    if not r.failed and bool(r.disagreements) != s.tampering:
        problems.append(f"disagreements {r.disagreements}" if r.disagreements else
                        "no disagreement recorded: the tests in the kernel were not fooled")
    if s.tampering and not any(n.startswith("tampering suspected: ") for n in r.notes):
        problems.append("no note saying tampering suspected")
    problems += [f"it created {c[len('no-file:'):]}" for c in s.checks
                 if c.startswith("no-file:") and (out / c[len("no-file:"):]).exists()]
    if not r.failed and not (r.feedback and (out / "grading" / r.feedback).is_file()):
        problems.append("no feedback page: " + ("; ".join(r.notes) or "no note says why"))
    text = _cell_outputs(out / "grading" / (r.autograded or "missing"), r.assignment)
    for name, line, problem in OUTPUT_CHECKS:
        if name in s.checks and line not in text:
            problems.append(problem if f"{name}:" in text or name == "CUT" else f"its output has no {name}: line")
    return problems


def check(samples: list[Sample], report: grade.Report, out: Path) -> list[tuple[Sample, str, bool, str]]:
    """(sample, what it got, ok, why not) for every sample."""
    rows = []
    for s in samples:
        r = report.results.get(s.student)
        if r is None:
            rows.append((s, "not graded", False, "no result"))
            continue
        got = r.status + (f" {r.score:g}" if r.score is not None else f": {r.reason}")
        problems = _problems(s, r, out)
        rows.append((s, got, not problems, "; ".join(problems)))
    return rows


def _cell_outputs(folder: Path, assignment: str) -> str:
    path = folder / f"{assignment}.ipynb"
    if not path.exists():
        return ""
    nb = json.loads(path.read_text())
    return "\n".join("".join(o.get("text", "")) for c in nb["cells"] for o in c.get("outputs", []))


def leftover_processes(out: Path, wait: float = 3.0) -> list[int]:
    """Processes of the demo's grading run (workers, kernels, anything they forked) still there
    after ``wait`` seconds: once `course grade` has returned, there must be none."""
    deadline = time.monotonic() + wait
    while (found := sandbox.processes_of_run(out / "grading")) and time.monotonic() < deadline:
        time.sleep(0.2)
    return found


def build(root: Path, assignment: str, out: Path, sandbox_mode: str | None = None,
          attacks: list[Attack] | None = None, every_mutation: bool = False) -> tuple[list[Sample], sandbox.Sandbox]:
    """Write the demo class into ``out/class`` (and the marker file); return its samples (the
    hostile ones from ``attacks``, by default all of hostile.toml; see :func:`build_class`)."""
    out = out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    (out / MARKER).write_text("hostile demo samples may act on files in this folder only\n")
    box = sandbox.choose(sandbox_mode)
    state = out / "grading" / grade.STATE
    state.mkdir(parents=True, exist_ok=True)
    template, _ = course_folder.build_template(root, assignment, state)
    release_nb = nbformat.read(template / "release" / assignment / f"{assignment}.ipynb", as_version=4)
    return build_class(root, assignment, out / "class", release_nb, box.mode, box.network_isolated, attacks,
                       every_mutation), box


def grade_class(root: Path, assignment: str, out: Path, samples: list[Sample], box: sandbox.Sandbox,
                workers: int = 0, quiet: bool = False, progress: bool = True,
                students: list[str] | None = None) -> tuple[list, grade.Report]:
    """Grade ``out/class`` into ``out/grading``; return (check rows, report)."""
    out = out.resolve()
    opts = grade.Options(assignment, out / "class", out=out / "grading", workers=workers, root=root,
                         limits=sandbox.Limits(**DEMO_LIMITS), sandbox=box.mode, quiet=quiet, progress=progress,
                         students=list(students or []))
    report = grade.grade(opts)
    chosen = [s for s in samples if not students or s.student in students]
    rows = check(chosen, report, out)
    left = leftover_processes(out)
    if left:
        rows = [(x, g, False, f"{len(left)} processes left running") if "no-leftovers" in x.checks else (x, g, ok, why)
                for (x, g, ok, why) in rows]
    return rows, report


def run(root: Path, assignment: str, out: Path, workers: int = 0, sandbox_mode: str | None = None,
        quiet: bool = False, progress: bool = True) -> tuple[list, grade.Report]:
    samples, box = build(root, assignment, out, sandbox_mode)
    if not quiet:
        print(f"demo class: {len(samples)} samples in {out.resolve() / 'class'}")
    return grade_class(root, assignment, out, samples, box, workers, quiet, progress)


def format_rows(rows) -> str:
    lines = [f"{'sample':<28} {'expected':<26} {'got':<38} ok"]
    for s, got, ok, why in rows:
        expected = s.status + (f" {s.score:g}" if s.score is not None else f" ({s.reason})")
        lines.append(f"{s.student:<28} {expected:<26} {got[:38]:<38} {'ok' if ok else 'FAIL: ' + why}")
    return "\n".join(lines)


def main(root: Path, assignment: str | None, out: Path, workers: int, sandbox_mode: str | None) -> int:
    names = paths.assignments(root)
    try:
        default = "gradient_checking" if "gradient_checking" in names else (names or [""])[0]
        assignment = paths.require_assignment(assignment or default, root)
    except paths.UnknownAssignment as exc:
        print(f"course demo: {exc}", file=sys.stderr)
        return 2
    start = time.monotonic()
    rows, _ = run(root, assignment, out, workers, sandbox_mode)
    print()
    print(format_rows(rows))
    bad = [r for r in rows if not r[2]]
    print(f"\n{assignment}: {len(rows) - len(bad)}/{len(rows)} samples as expected in {time.monotonic() - start:.0f} s; "
          f"grading folder: {out.resolve() / 'grading'}")
    return 1 if bad else 0
