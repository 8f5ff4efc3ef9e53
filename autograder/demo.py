"""`course demo`: build a small class of sample submissions from an assignment and grade it.

    course demo [ASSIGNMENT] [--out DIR] [--workers N] [--sandbox auto|bwrap|none]

The class (``DIR/class/<student>/``, one folder per student) is made from the real assignment, any
of them, one family of samples per function below: the reference answers
(:func:`autograder.selfcheck.reference_submission`), with written answers, the blank release, a
partly done one; classic mistakes and a correct variant from ``solutions/<a>/mutations.toml``; a
correct answer warning on stderr; broken submissions (edited and deleted test cells, a misnamed
notebook, no notebook, corrupt JSON); runaway code (an infinite loop, one that ignores interrupts,
os._exit, killing its own kernel); bombs (memory, output, a bounded fork bomb); and code reaching
for files it must not see and, in the bubblewrap sandbox only, trying to wipe the gradebook.

The expected score of every sample follows from the points of each test cell and the answer cells
each test cell calls (found in the code: a test of ``batchnorm_backward`` also needs
``batchnorm_forward``). Every bomb is bounded and fails the same way however busy the machine is;
the hostile samples only touch files in the demo folder, and only when it holds the marker file
``DIR/DEMO_MARKER``. ``course demo`` grades the class with ``course grade`` into ``DIR/grading`` and
prints expected against got: score, status, failure reason, notes, the lines hostile code printed,
a feedback page for every graded sample, no process left behind (exit status 1 on any difference).
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
    checks: list[str] = field(default_factory=list)   # OUTPUT_CHECKS names, "no-leftovers"
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


def mutation_samples(m: Material, mutations: list[selfcheck.Mutation]) -> list[Sample]:
    """Classic mistakes (each loses its own test cell's points: the self-check makes sure) and
    another correct answer, from ``solutions/<a>/mutations.toml``."""
    out = []
    for i, group in enumerate(selfcheck.pack([x for x in mutations if x.kind == "mistake"])[:2]):
        lost = sum(m.points[c] for c in {x.cell for x in group})
        out.append(Sample(f"mistakes-{i + 1}", "classic mistakes: " + "; ".join(x.name for x in group), GRADED,
                          m.total - lost, files=m.files(selfcheck.apply_mutations(m.reference, group))))
    corrects = [x for x in mutations if x.kind == "correct"]
    if corrects:
        out.append(Sample("variant", f"another correct answer: {corrects[0].name}", GRADED, m.total,
                          files=m.files(selfcheck.apply_mutations(m.reference, [corrects[0]]))))
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


# Hostile code goes after the functions of the first answer cell. Every bomb is bounded, and fails
# the same way however busy the machine is.
SPIN = '''
import time as _time
_until = _time.monotonic() + 300   # bounded: 5 minutes, far beyond the cell time limit
while _time.monotonic() < _until:
    pass
'''


def runaway_samples(m: Material) -> list[Sample]:
    """Code that never ends, or ends its kernel."""
    stubborn = "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\n" + SPIN
    return [
        Sample("infinite-loop", "an endless loop at the top level (interrupted at the cell time limit)", GRADED,
               m.total, files=m.files(m.appended(SPIN))),
        Sample("ignores-interrupt", "an endless loop that ignores interrupts", FAILED, reason="interrupt",
               files=m.files(m.appended(stubborn))),
        Sample("os-exit", "os._exit in an answer", FAILED, reason="kernel died",
               files=m.files(m.appended("import os\nos._exit(3)"))),
        Sample("kills-kernel", "kills its own kernel", FAILED, reason="kernel died",
               files=m.files(m.appended("import os, signal\nos.kill(os.getpid(), signal.SIGKILL)"))),
    ]


# np.empty reserves address space without touching it: the memory limit (on address space) refuses
# a chunk at once, never halfway through page-faulting it, so the cell time limit never interrupts
# the bomb; whatever stops it, `finally` gives back what it took before the tests run.
MEMORY_BOMB = '''
def _bomb():
    import numpy as _np
    chunks = []
    try:
        for _ in range(24):      # bounded: at most 24 x 256 MB = 6 GB
            chunks.append(_np.empty(32 * 1024 * 1024))
        print("MEMORY: all 6 GB granted")
    except MemoryError:
        print(f"MEMORY: refused after {len(chunks)} x 256 MB")
    finally:
        chunks.clear()
_bomb()
'''
FLOOD = '''
for _ in range(400):             # bounded: 400 MB of output
    print("x" * 1_000_000)
'''
FORKS = '''
import os, time
for _ in range(16):              # bounded: 16 processes that sleep 60 s
    try:
        if os.fork() == 0:
            time.sleep(60)
            os._exit(0)
    except OSError:              # the process limit: no more forks
        break
'''


def bomb_samples(m: Material) -> list[Sample]:
    """Memory, output and processes, each stopped by its limit."""
    return [
        Sample("memory-bomb", "asks for memory until the limit refuses (at most 6 GB)", GRADED, m.total,
               checks=["MEMORY"], files=m.files(m.appended(MEMORY_BOMB))),
        Sample("output-flood", "prints 400 MB", GRADED, m.total, checks=["CUT"], files=m.files(m.appended(FLOOD))),
        Sample("fork-bomb", "leaves 16 forked processes behind", GRADED, m.total, checks=["no-leftovers"],
               files=m.files(m.appended(FORKS))),
    ]


READS = '''
import socket as _socket
_readable = []
for _path in {targets!r}:
    try:
        with open(_path, "rb") as _fh:
            _fh.read(1)
        _readable.append(_path)
    except OSError:
        pass
print("READABLE:", _readable)
try:
    _socket.create_connection(("1.1.1.1", 53), timeout=2).close()
    print("NETWORK: yes")
except OSError:
    print("NETWORK: no")
'''
WIPES = '''
import os as _os
_done = []
if _os.path.exists({marker!r}):              # only ever in the demo folder
    for _path in {victims!r}:
        if not _os.path.realpath(_path).startswith({out!r}):
            continue
        try:
            with open(_path, "r+b") as _fh:
                _fh.truncate(0)
            _done.append(_path)
        except OSError:
            pass
print("WIPED:", _done)
'''


def snooping_samples(m: Material, folder: Path, sandbox_mode: str, network_isolated: bool) -> list[Sample]:
    """Code reaching for what it must not: solutions, the gradebook, another student's files, the
    network; in the bubblewrap sandbox only, code truncating them (the demo folder's, with its marker)."""
    a, out = m.name, folder.parent
    grading = out / "grading"
    targets = [paths.ROOT / "solutions" / a / f"{a}.ipynb", paths.ROOT / "solutions" / a / f"{a}.py",
               grading / "gradebook.db", grading / "source" / a / f"{a}.ipynb", folder / "correct" / f"{a}.ipynb"]
    samples = [Sample("reads-files", "tries to read solutions/, the gradebook and another student's notebook, "
                      "and to reach the network", GRADED, m.total,
                      checks=(["READABLE"] if sandbox_mode == "bwrap" else []) + (["NETWORK"] if network_isolated else []),
                      files=m.files(m.appended(READS.format(targets=[str(t) for t in targets]))))]
    if sandbox_mode == "bwrap":
        victims = [grading / "gradebook.db", grading / "submitted" / "correct" / a / f"{a}.ipynb",
                   folder / "correct" / f"{a}.ipynb"]
        code = WIPES.format(marker=str(out / MARKER), victims=[str(v) for v in victims], out=str(out) + "/")
        samples.append(Sample("wipes-gradebook", "tries to truncate the gradebook and another student's submission",
                              GRADED, m.total, checks=["WIPED"], files=m.files(m.appended(code))))
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
                network_isolated: bool = False) -> list[Sample]:
    """Write the sample class into ``folder``; return the samples with what they should get."""
    m = material(root, assignment, release_nb)
    samples = [*answer_samples(m), *mutation_samples(m, selfcheck.load_mutations(root, assignment)),
               *warning_samples(m), *broken_samples(m), *runaway_samples(m), *bomb_samples(m),
               *snooping_samples(m, folder.resolve(), sandbox_mode, network_isolated)]
    write_class(folder, samples)
    return samples


# --------------------------------------------------------------------------------------------------

# (check, text the sample's output must hold, the problem otherwise)
OUTPUT_CHECKS = [("READABLE", "READABLE: []", "it could read files outside its sandbox"),
                 ("NETWORK", "NETWORK: no", "it reached the network"),
                 ("WIPED", "WIPED: []", "it truncated files outside its sandbox"),
                 ("MEMORY", "MEMORY: refused", "the memory limit did not stop it"),
                 ("CUT", "[the grader cut this cell's output", "its output was not cut")]


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


def build(root: Path, assignment: str, out: Path, sandbox_mode: str | None = None) -> tuple[list[Sample], sandbox.Sandbox]:
    """Write the demo class into ``out/class`` (and the marker file); return its samples."""
    out = out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    (out / MARKER).write_text("hostile demo samples may act on files in this folder only\n")
    box = sandbox.choose(sandbox_mode)
    state = out / "grading" / grade.STATE
    state.mkdir(parents=True, exist_ok=True)
    template, _ = course_folder.build_template(root, assignment, state)
    release_nb = nbformat.read(template / "release" / assignment / f"{assignment}.ipynb", as_version=4)
    return build_class(root, assignment, out / "class", release_nb, box.mode, box.network_isolated), box


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
    lines = [f"{'sample':<18} {'expected':<30} {'got':<38} ok"]
    for s, got, ok, why in rows:
        expected = s.status + (f" {s.score:g}" if s.score is not None else f" ({s.reason})")
        lines.append(f"{s.student:<18} {expected:<30} {got[:38]:<38} {'ok' if ok else 'FAIL: ' + why}")
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
