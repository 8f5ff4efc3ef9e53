"""`course demo`: build a small class of sample submissions from an assignment and grade it.

    course demo [ASSIGNMENT] [--out DIR] [--workers N] [--sandbox auto|bwrap|none]

The class (``DIR/class/<student>/``, one folder per student) is made from the real assignment: the
reference answers (:func:`autograder.selfcheck.reference_submission`), the blank release, a partly
done one, classic mistakes and a correct variant from ``solutions/<a>/mutations.toml``, broken
submissions (corrupt JSON, no notebook, a misnamed notebook, edited and deleted test cells, a
warning on stderr) and hostile ones (an infinite loop, one that ignores interrupts, os._exit,
killing its own kernel, a memory bomb, an output flood, a bounded fork bomb, one reading files it
must not see and, in the bubblewrap sandbox only, one trying to wipe the gradebook).

Every bomb is bounded, and the hostile samples only touch files in the demo folder, and only when
it holds the marker file ``DIR/DEMO_MARKER``. The expected score and status of every sample follow
from the points of each test cell; ``course demo`` grades the class with ``course grade`` into
``DIR/grading`` and prints expected against got (exit status 1 on any difference).
"""
from __future__ import annotations

import ast
import copy
import json
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from . import course_folder, grade, paths, sandbox, selfcheck, source

MARKER = "DEMO_MARKER"
# limits for the demo: short, so the hostile samples cost seconds
DEMO_LIMITS = dict(cell_timeout=6, notebook_timeout=60, memory_mb=2048)


@dataclass
class Sample:
    student: str
    what: str
    status: str                        # graded | needs manual grading | failed
    score: float | None = None         # autograded points expected (None when it fails)
    reason: str = ""                   # words the failure reason must contain
    note: str = ""                     # words one of the notes must contain
    checks: list[str] = field(default_factory=list)   # extra checks: ISOLATION_CHECKS names, "no-leftovers"


def _code_cells(nb, kind: str):
    out = []
    for cell in nb.cells:
        f = cell.metadata.get("nbgrader", {})
        if cell.cell_type != "code":
            continue
        if kind == "answer" and f.get("solution") and not f.get("grade"):
            out.append(cell)
        if kind == "tests" and f.get("grade") and not f.get("solution"):
            out.append(cell)
    return out


def _gid(cell):
    return cell.metadata.get("nbgrader", {}).get("grade_id")


def _tests_of_answers(nb) -> dict[str, str]:
    """answer grade_id -> the first test cell after it."""
    out, pending = {}, []
    for cell in nb.cells:
        f = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and f.get("solution") and not f.get("grade"):
            pending.append(_gid(cell))
        elif cell.cell_type == "code" and f.get("grade") and not f.get("solution"):
            for gid in pending:
                out[gid] = _gid(cell)
            pending = []
    return out


def _append(nb, code: str, answer_index: int = 0):
    nb = copy.deepcopy(nb)
    cell = _code_cells(nb, "answer")[answer_index]
    cell.source = cell.source.rstrip() + "\n\n" + code.strip() + "\n"
    return nb


def _first_function(cell_source: str) -> str:
    for node in ast.parse(cell_source).body:
        if isinstance(node, ast.FunctionDef):
            return node.name
    raise ValueError("no function in the answer cell")


def build_class(root: Path, assignment: str, folder: Path, release_nb, sandbox_mode: str,
                network_isolated: bool = False) -> list[Sample]:
    """Write the sample class into ``folder``; return the samples with what they should get."""
    a = assignment
    instructor = source.build_notebook(source.source_path(root, a))
    points = source.points_by_cell(instructor)
    total = float(sum(points.values()))
    ref = selfcheck.reference_submission(instructor, release_nb)
    answers = _code_cells(ref, "answer")
    tests_of = _tests_of_answers(ref)
    test_ids = [_gid(c) for c in _code_cells(ref, "tests")]
    samples: list[Sample] = []
    if folder.exists():
        shutil.rmtree(folder)

    def put(student: str, nb=None, name: str | None = None, raw: str | None = None, **expect):
        d = folder / student
        d.mkdir(parents=True)
        if raw is not None:
            (d / (name or f"{a}.ipynb")).write_text(raw)
        elif nb is not None:
            nbformat.write(nb, d / (name or f"{a}.ipynb"))
        samples.append(Sample(student, **expect))

    put("correct", ref, what="the reference answers", status="graded", score=total)

    written = copy.deepcopy(ref)
    for cell in written.cells:
        f = cell.metadata.get("nbgrader", {})
        if f.get("solution") and f.get("grade") and cell.cell_type == "markdown":
            cell.source = "Because the gradient is checked where the function is smooth."
    manual = any(c.metadata.get("nbgrader", {}).get("grade") and c.metadata["nbgrader"].get("solution")
                 for c in written.cells)
    put("correct-written", written, what="reference answers and written answers",
        status="needs manual grading" if manual else "graded", score=total)

    put("blank", release_nb, what="the untouched release", status="graded", score=0.0)

    # partly done: the answers tested by the second half of the test cells are left as released
    late_tests = set(test_ids[len(test_ids) // 2:])
    partial = copy.deepcopy(ref)
    released = {_gid(c): c.source for c in _code_cells(release_nb, "answer")}
    for cell in _code_cells(partial, "answer"):
        if tests_of.get(_gid(cell)) in late_tests:
            cell.source = released[_gid(cell)]
    put("partial", partial, what="first half of the exercises done", status="graded",
        score=total - sum(points[t] for t in late_tests))

    mutations = selfcheck.load_mutations(root, a)
    mistakes = [m for m in mutations if m.kind == "mistake"]
    for i, group in enumerate(selfcheck.pack(mistakes)[:2]):
        lost = {m.cell for m in group}
        put(f"mistakes-{i + 1}", selfcheck.apply_mutations(ref, group),
            what="classic mistakes: " + "; ".join(m.name for m in group), status="graded",
            score=total - sum(points[c] for c in lost))
    corrects = [m for m in mutations if m.kind == "correct"]
    if corrects:
        put("variant", selfcheck.apply_mutations(ref, [corrects[0]]),
            what=f"another correct answer: {corrects[0].name}", status="graded", score=total)

    # a correct answer that prints a warning (to stderr) in a test cell: no points lost
    tests_src = {_gid(c): c.source for c in _code_cells(instructor, "tests")}
    for k, cell in enumerate(answers):
        test = tests_of.get(_gid(cell))
        if test and "no_warnings" not in tests_src.get(test, ""):
            func = _first_function(cell.source)
            put("warning", _append(ref, f'''
import warnings as _warnings
_{func}_quiet = {func}

def {func}(*args, **kwargs):
    _warnings.warn("{func}: this is only a demonstration warning", UserWarning)
    import sys as _sys
    print("a message on stderr from {func}", file=_sys.stderr)
    return _{func}_quiet(*args, **kwargs)
''', k), what="a correct answer that warns on stderr", status="graded", score=total)
            break

    # test cells edited and deleted: nbgrader restores them, so they count as the real tests
    edited = copy.deepcopy(ref)
    first_test, second_test = test_ids[0], test_ids[1 % len(test_ids)]
    for cell in _code_cells(edited, "answer"):
        if tests_of.get(_gid(cell)) == first_test:
            cell.source = released[_gid(cell)]
    for cell in _code_cells(edited, "tests"):
        if _gid(cell) == first_test:
            cell.source = "# the tests pass now\npass\n"
    if second_test != first_test:
        edited.cells = [c for c in edited.cells if _gid(c) != second_test]
    put("edited-tests", edited, what="first exercise not done, its tests replaced by `pass`; another test cell deleted",
        status="graded", score=total - points[first_test], note="restored")

    put("misnamed", ref, name=f"{a} (1).ipynb", what="the reference, saved under another name",
        status="graded", score=total, note="named")
    (folder / "missing").mkdir(parents=True)
    (folder / "missing" / "notes.txt").write_text("I could not get Jupyter to start.\n")
    samples.append(Sample("missing", what="no notebook at all", status="failed", reason="no notebook"))
    good = nbformat.writes(ref)
    put("corrupt", raw=good[: len(good) // 2], what="a notebook cut in half (invalid JSON)",
        status="failed", reason="not valid JSON")

    # hostile code, appended to the first answer cell after its functions
    put("infinite-loop", _append(ref, "while True:\n    pass"),
        what="an endless loop at the top level (interrupted at the cell time limit)", status="graded", score=total)
    put("ignores-interrupt", _append(ref, '''
import signal
signal.signal(signal.SIGINT, signal.SIG_IGN)
while True:
    pass'''), what="an endless loop that ignores interrupts", status="failed", reason="interrupt")
    put("os-exit", _append(ref, "import os\nos._exit(3)"), what="os._exit in an answer",
        status="failed", reason="kernel died")
    put("kills-kernel", _append(ref, "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)"),
        what="kills its own kernel", status="failed", reason="kernel died")
    put("memory-bomb", _append(ref, '''
def _bomb():
    chunks = []
    try:
        for _ in range(24):      # bounded: at most 24 x 256 MB = 6 GB
            chunks.append(np.ones(32 * 1024 * 1024))
    except MemoryError:
        chunks.clear()           # what it took is given back before the error goes on
        raise
_bomb()'''), what="allocates memory until the limit stops it (at most 6 GB)", status="graded", score=total)
    put("output-flood", _append(ref, '''
for _ in range(400):             # bounded: 400 MB of output
    print("x" * 1_000_000)'''), what="prints 400 MB", status="graded", score=total)
    put("fork-bomb", _append(ref, '''
import os, time
for _ in range(16):              # bounded: 16 processes that sleep 60 s
    if os.fork() == 0:
        time.sleep(60)
        os._exit(0)'''), what="leaves 16 forked processes behind", status="graded", score=total,
        checks=["no-leftovers"])

    out = folder.parent
    targets = [paths.ROOT / "solutions" / a / f"{a}.ipynb", paths.ROOT / "solutions" / a / f"{a}.py",
               out / "grading" / "gradebook.db", out / "grading" / "source" / a / f"{a}.ipynb",
               folder / "correct" / f"{a}.ipynb"]
    put("reads-files", _append(ref, f'''
import socket as _socket
_readable = []
for _path in {[str(t) for t in targets]!r}:
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
    print("NETWORK: no")'''), what="tries to read solutions/, the gradebook and another student's notebook, "
                                   "and to reach the network", status="graded", score=total,
        checks=(["READABLE"] if sandbox_mode == "bwrap" else []) + (["NETWORK"] if network_isolated else []))
    if sandbox_mode == "bwrap":
        marker = out / MARKER
        victims = [out / "grading" / "gradebook.db", out / "grading" / "submitted" / "correct" / a / f"{a}.ipynb",
                   out / "class" / "correct" / f"{a}.ipynb"]
        put("wipes-gradebook", _append(ref, f'''
import os as _os
_done = []
if _os.path.exists({str(marker)!r}):              # only ever in the demo folder
    for _path in {[str(v) for v in victims]!r}:
        if not _os.path.realpath(_path).startswith({str(out) + "/"!r}):
            continue
        try:
            with open(_path, "r+b") as _fh:
                _fh.truncate(0)
            _done.append(_path)
        except OSError:
            pass
print("WIPED:", _done)'''), what="tries to truncate the gradebook and another student's submission",
            status="graded", score=total, checks=["WIPED"])
    return samples


# --------------------------------------------------------------------------------------------------

# (check, the line the sample must print when confined, the problem otherwise)
ISOLATION_CHECKS = [("READABLE", "READABLE: []", "it could read files outside its sandbox"),
                    ("NETWORK", "NETWORK: no", "it reached the network"),
                    ("WIPED", "WIPED: []", "it truncated files outside its sandbox")]


def check(samples: list[Sample], report: grade.Report, out: Path) -> list[tuple[Sample, str, bool, str]]:
    """(sample, what it got, ok, why not) for every sample."""
    rows = []
    for s in samples:
        r = report.results.get(s.student)
        if r is None:
            rows.append((s, "not graded", False, "no result"))
            continue
        got_score = r.score
        got = r.status + (f" {got_score:g}" if got_score is not None else f": {r.reason}")
        problems = []
        if r.status != s.status:
            problems.append(f"status {r.status!r}, expected {s.status!r}")
        if s.score is not None and (got_score is None or abs(got_score - s.score) > 1e-9):
            problems.append(f"score {got_score}, expected {s.score:g}")
        if s.reason and s.reason.lower() not in r.reason.lower():
            problems.append(f"reason does not say {s.reason!r}")
        if s.note and not any(s.note in n for n in r.notes):
            problems.append(f"no note saying {s.note!r}")
        text = _cell_outputs(out / "grading" / (r.autograded or "missing"), r.assignment)
        for check_name, line, problem in ISOLATION_CHECKS:
            if check_name in s.checks and line not in text:
                problems.append(problem if f"{check_name}:" in text else f"its output has no {check_name}: line")
        rows.append((s, got, not problems, "; ".join(problems)))
    return rows


def _cell_outputs(folder: Path, assignment: str) -> str:
    path = folder / f"{assignment}.ipynb"
    if not path.exists():
        return ""
    nb = json.loads(path.read_text())
    return "\n".join("".join(o.get("text", "")) for c in nb["cells"] for o in c.get("outputs", []))


def leftover_processes(out: Path) -> list[int]:
    """Processes still running from the demo's kernels (their command line names the demo folder)."""
    found = []
    needle = str(out / "grading" / grade.STATE / "jobs").encode()
    for entry in Path("/proc").iterdir() if Path("/proc").is_dir() else []:
        if entry.name.isdigit():
            try:
                if needle in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                pass
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
    rows, report = run(root, assignment, out, workers, sandbox_mode)
    print()
    print(format_rows(rows))
    bad = [r for r in rows if not r[2]]
    print(f"\n{len(rows) - len(bad)}/{len(rows)} samples as expected; grading folder: {out.resolve() / 'grading'}")
    return 1 if bad else 0
