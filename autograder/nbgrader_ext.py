"""nbgrader preprocessors `course grade` plugs into nbgrader's own autograde and feedback steps.

Autograde (``Autograde.autograde_preprocessors``):

- :class:`LimitedExecute` is nbgrader's ``Execute`` with a cap on the output a cell may produce
  (an output flood is cut and the cell interrupted) and a note of the cell running now, so a dead
  kernel can be blamed on the right cell.
- :class:`StderrIsNotAnError` keeps text a passing test cell wrote to stderr (a warning from an
  otherwise correct answer) but stops nbgrader from reading it as a failure: nbgrader gives zero to
  any test cell with stderr output. A failing test raises, and that still scores zero.

Feedback (``GenerateFeedback.preprocessors``):

- :class:`HideHiddenTests` shows each test cell as the student saw it (hidden tests removed) and
  removes every line of hidden-test source from every output: traceback context, printed text.

The same functions serve the messages `course grade` puts in its results and CSV.
"""
from __future__ import annotations

import asyncio
import html
import re
import time

import nbformat
from nbconvert.exporters.exporter import ResourcesDict
from nbformat.notebooknode import NotebookNode
from traitlets import Float, Unicode

from nbgrader.preprocessors import Execute, NbGraderPreprocessor

from . import cells

BEGIN_HIDDEN = "BEGIN HIDDEN TESTS"
END_HIDDEN = "END HIDDEN TESTS"
HIDDEN_PLACEHOLDER = "[hidden test line]"
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07")



def strip_ansi(text: str) -> str:
    return _ANSI.sub("", text)


# --------------------------------------------------------------------------------------------------
# hidden tests

def split_hidden(source: str, placeholder: str | None = None) -> tuple[str, list[str]]:
    """(source without hidden-test regions, the lines inside them). Tolerates unbalanced markers.

    With ``placeholder``, a line saying so stands where each hidden region was."""
    visible, hidden, inside = [], [], False
    for line in source.split("\n"):
        if BEGIN_HIDDEN in line:
            if placeholder is not None and not inside:
                visible.append(line[:len(line) - len(line.lstrip())] + placeholder)
            inside = True
        elif END_HIDDEN in line:
            inside = False
        elif inside:
            hidden.append(line)
        else:
            visible.append(line)
    return "\n".join(visible), hidden


def hidden_lines(test_sources: dict[str, str], min_length: int = 4) -> set[str]:
    """Stripped lines inside the hidden-test regions of the test cells (short ones say nothing)."""
    lines = set()
    for src in test_sources.values():
        lines |= {l.strip() for l in split_hidden(src)[1] if len(l.strip()) >= min_length}
    return lines


def visible_text(release: NotebookNode, submission: NotebookNode | None = None) -> str:
    """The text a student may see: every cell of the release (lesson, stubs, visible tests) and
    their own cells of ``submission`` (not its test cells: autograded, they hold hidden tests)."""
    shown = [cells.source_text(c) for c in release.cells]
    if submission is not None:
        shown += [cells.source_text(c) for c in submission.cells if not cells.is_tests(c)]
    return "\n".join(shown)


def secret_lines(test_sources: dict[str, str], visible: str) -> list[str]:
    """Hidden-test lines that must never be shown: those found nowhere in ``visible`` (a hidden
    line the lesson also shows, even inside a sentence, is no secret). Longest first."""
    secret = sorted((l for l in hidden_lines(test_sources) if l not in visible), key=len, reverse=True)
    if secret:  # the markers say nothing, but hide them too: a traceback then shows only placeholders
        secret += [f"### {BEGIN_HIDDEN}", f"### {END_HIDDEN}"]
    return secret


def test_sources(nb: NotebookNode) -> dict[str, str]:
    """grade_id -> source of every test cell of an instructor notebook (hidden tests included)."""
    return {cells.grade_id(c): cells.source_text(c) for c in nb.cells if cells.is_tests(c)}


def html_leaks(html_text: str, secrets: list[str]) -> list[str]:
    """Secret lines (see :func:`secret_lines`) found in an HTML page (tags removed, entities decoded)."""
    plain = html.unescape(re.sub(r"<[^>]+>", "", html_text))
    body = "\n".join(l.strip() for l in plain.splitlines())
    return [s for s in secrets if s in body]


def scrub_text(text: str, secrets: list[str]) -> str:
    """Replace every line that contains a secret line by a placeholder (ANSI colours ignored)."""
    if not secrets or not text:
        return text
    out = []
    for line in text.split("\n"):
        plain = strip_ansi(line)
        if any(s in plain for s in secrets):
            indent = plain[:len(plain) - len(plain.lstrip())]
            out.append(indent + HIDDEN_PLACEHOLDER)
        else:
            out.append(line)
    return "\n".join(out)


def scrub_outputs(cell: NotebookNode, secrets: list[str]) -> None:
    if cell.cell_type != "code" or not secrets:
        return
    for output in cell.get("outputs", []):
        kind = output.get("output_type")
        if kind == "stream":
            output["text"] = scrub_text(output.get("text", ""), secrets)
        elif kind == "error":
            output["evalue"] = scrub_text(output.get("evalue", ""), secrets)
            output["traceback"] = [scrub_text(t, secrets) for t in output.get("traceback", [])]
        elif kind in ("execute_result", "display_data"):
            data = output.get("data", {})
            for mime in list(data):
                if mime.startswith("text/") or mime in ("application/javascript", "application/json"):
                    value = data[mime]
                    if isinstance(value, list):
                        value = "".join(value)
                    if isinstance(value, str):
                        data[mime] = scrub_text(value, secrets)


def cell_message(cell: NotebookNode, secrets: list[str], limit: int = 2000) -> str:
    """What a test cell said: its error (name: message) and any printed text, hidden lines removed."""
    parts = []
    for output in cell.get("outputs", []):
        kind = output.get("output_type")
        if kind == "error":
            parts.append(f"{output.get('ename')}: {strip_ansi(output.get('evalue', ''))}")
        elif kind == "stream":
            parts.append(strip_ansi(output.get("text", "")).rstrip())
    text = scrub_text("\n".join(p for p in parts if p).strip(), secrets)
    return text if len(text) <= limit else text[:limit] + " ..."


# --------------------------------------------------------------------------------------------------
# autograde

class CellProgress:
    """The cell nbgrader runs now (or last): a dead kernel is blamed on the right cell."""

    def __init__(self):
        self.index: int | None = None


class LimitedExecute(Execute):
    """nbgrader's Execute, with a cap on the output each cell may produce."""

    max_output_mb = Float(4.0, help="Output kept per cell (MB); a cell producing more is interrupted").tag(config=True)

    def _size(self, out: NotebookNode) -> int:
        if out is None:
            return 0
        if out.get("output_type") == "stream":
            return len(out.get("text", ""))
        n = 0
        for value in out.get("data", {}).values():
            n += len(value) if isinstance(value, str) else len(str(value))
        return n + sum(len(t) for t in out.get("traceback", []) or [])

    prestarted = None                # a kernel manager with its kernel started (see ``for_job``)
    progress: CellProgress | None = None
    trusted = None                   # a trusted.TrustedRun: runs each test cell before the kernel does

    @classmethod
    def for_job(cls, km, progress: CellProgress, trusted=None) -> type:
        """This preprocessor for one notebook: it runs in the kernel ``km`` (started ahead of time,
        confined), notes each cell it starts in ``progress`` and has ``trusted`` run each test cell
        first, against the student's functions as they are at that point."""
        return type(cls.__name__, (cls,), {"prestarted": km, "progress": progress, "trusted": trusted})

    def preprocess(self, nb, resources=None, km=None):
        return super().preprocess(nb, resources, km=km or self.prestarted)

    def preprocess_cell(self, cell, resources, index):
        if self.progress is not None:
            self.progress.index = index
        if self.trusted is not None and cells.is_tests(cell):
            self.trusted.run(cells.grade_id(cell))
        self._output_bytes = 0
        self._flooded = False
        self._interrupted_at = 0.0
        return super().preprocess_cell(cell, resources, index)

    def _interrupt(self) -> None:
        """Interrupt the kernel (again at most every half second: an interrupt that lands inside the
        kernel's own output machinery is swallowed there, and the flood goes on)."""
        now = time.monotonic()
        if self.km is None or now - getattr(self, "_interrupted_at", 0.0) < 0.5:
            return
        self._interrupted_at = now
        try:
            asyncio.ensure_future(self.km.interrupt_kernel())
        except RuntimeError:
            pass

    def output(self, outs, msg, display_id, cell_index):
        is_error = msg.get("msg_type") == "error"
        if getattr(self, "_flooded", False) and not is_error:
            self._interrupt()
            return None
        cap = int(self.max_output_mb * 1024 * 1024)
        content = msg.get("content", {})  # the size this message would add, before building it
        size = len(content.get("text", "")) + sum(len(str(v)) for v in content.get("data", {}).values())
        if not is_error and getattr(self, "_output_bytes", 0) + size > cap:
            self._flooded = True
            outs.append(NotebookNode(output_type="stream", name="stdout",
                                     text=f"\n[the grader cut this cell's output: more than {self.max_output_mb:g} MB; "
                                          "the cell was interrupted]\n"))
            self._interrupt()
            return None
        out = super().output(outs, msg, display_id, cell_index)
        self._output_bytes = getattr(self, "_output_bytes", 0) + self._size(out)
        return out


class StderrIsNotAnError(NbGraderPreprocessor):
    """In test cells without an error, show stderr text as ordinary output so it costs no points."""

    def preprocess_cell(self, cell, resources: ResourcesDict, cell_index: int):
        if cells.is_tests(cell) and not any(o.get("output_type") == "error" for o in cell.get("outputs", [])):
            for output in cell.outputs:
                if output.get("output_type") == "stream" and output.get("name") == "stderr":
                    output["name"] = "stdout"
        return cell, resources


# --------------------------------------------------------------------------------------------------
# feedback

class HideHiddenTests(NbGraderPreprocessor):
    """Feedback without hidden tests: test cells as released, hidden lines removed from all outputs.

    The hidden tests come from the gradebook's copy of the instructor notebook (its source cells).
    """

    placeholder = Unicode("# (hidden tests were run here)", help="Shown where hidden tests were removed").tag(config=True)
    release_notebook = Unicode("", help="The student release of this notebook: lines it shows are not secret "
                                        "(without it, only the student's own cells count as seen)").tag(config=True)

    def preprocess(self, nb: NotebookNode, resources: ResourcesDict):
        from nbgrader.api import Gradebook
        info = resources["nbgrader"]
        with Gradebook(info["db_url"]) as gb:
            notebook = gb.find_notebook(info["notebook"], info["assignment"])
            tests = {c.name: c.source for c in notebook.source_cells if c.name in {g.name for g in notebook.grade_cells}}
        self._sources = tests
        release = nbformat.read(self.release_notebook, as_version=4) if self.release_notebook else None
        self._secrets = secret_lines(tests, visible_text(release or nbformat.v4.new_notebook(), nb))
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources: ResourcesDict, cell_index: int):
        if cells.is_tests(cell):
            cell.source = split_hidden(self._sources.get(cells.grade_id(cell), cell.source), self.placeholder)[0].rstrip()
        scrub_outputs(cell, self._secrets)
        return cell, resources
