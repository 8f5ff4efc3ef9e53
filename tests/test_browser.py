"""The course in a real browser: JupyterLab 4 with nbgrader's extensions, in Debian's Chromium.

What a student, a self-learner and an instructor see (issue 12). Each test writes numbered
screenshots into test-output/browser/<test name>/ (its path is printed; run with -s to see it) and
fails on any error in the browser console. Slow: about a minute each on two busy cores.
"""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from autograder import paths, selfcheck, source
from browser import Browser, jupyter_lab, require_browser

pytestmark = pytest.mark.slow

ROOT = paths.ROOT
NOTEBOOK = ".jp-NotebookPanel:not(.lm-mod-hidden)"      # the notebook in the active tab
CELL = f"{NOTEBOOK} .jp-Notebook .jp-Cell"
RUN_TIMEOUT = 90_000                                     # ms for a cell to run (a test cell: 1-3 s)


@pytest.fixture(autouse=True)
def _browser_available():
    require_browser()   # skip (or fail under CI) before any set-up when there is no browser


# --------------------------------------------------------------------------------------------------
# helpers: what a user does in JupyterLab

def cell_index(nb, cell_id: str) -> int:
    return next(i for i, c in enumerate(nb.cells) if c.get("id") == cell_id)


def cell(page, index: int):
    return page.locator(CELL).nth(index)


def open_notebook(b: Browser, lab, name: str):
    """Open ``name`` from the server's folder and wait until its kernel is idle."""
    b.page.goto(lab.url(f"lab/tree/{name}"))
    b.page.wait_for_selector(f"{NOTEBOOK} .jp-CodeCell .cm-content", timeout=60_000)
    lab.kernels_idle(timeout=60)


def dirty_tab(page) -> bool:
    """Whether the current tab carries JupyterLab's "modified" mark (a dot instead of the close x)."""
    return page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab.jp-mod-current.jp-mod-dirty").count() > 0


def replace_source(page, index: int, text: str) -> None:
    """Put ``text`` in a code cell as a student would paste it (insert_text: no auto-indent)."""
    editor = cell(page, index).locator(".cm-content")
    editor.click()
    page.keyboard.press("Control+a")
    page.keyboard.insert_text(text)
    page.keyboard.press("Escape")


def run_cell(page, index: int, timeout: int = RUN_TIMEOUT):
    """Run one cell (Ctrl+Enter) and wait until its prompt shows an execution count; its output."""
    target = cell(page, index)
    target.locator(".jp-InputArea-editor").click()
    before = target.locator(".jp-InputPrompt").inner_text()
    page.keyboard.press("Control+Enter")
    deadline = time.monotonic() + timeout / 1000
    while time.monotonic() < deadline:
        prompt = target.locator(".jp-InputPrompt").inner_text()
        if re.search(r"\[\d+\]", prompt) and prompt != before:
            return target.locator(".jp-OutputArea")
        time.sleep(0.1)
    raise AssertionError(f"cell {index} did not finish within {timeout / 1000:.0f} s (prompt {prompt!r})")


def solution_of(name: str, cell_id: str) -> str:
    """The reference answer of an answer cell, as a student would write it (no nbgrader markers)."""
    nb = source.instructor_notebook(ROOT, name)
    text = nb.cells[cell_index(nb, cell_id)].source
    return "\n".join(line for line in text.splitlines() if "### BEGIN SOLUTION" not in line
                     and "### END SOLUTION" not in line) + "\n"


def mistake(name: str, test_cell: str, expect: str) -> selfcheck.Mutation:
    """A classic mistake from solutions/<name>/mutations.toml, caught by ``test_cell``."""
    return next(m for m in selfcheck.load_mutations(ROOT, name)
                if m.kind == "mistake" and m.cell == test_cell and expect in m.expect)


# --------------------------------------------------------------------------------------------------
# 1. a student

def test_student_fills_in_an_exercise_and_validates(tmp_path, request):
    name = "dropout"
    shutil.copy(ROOT / "notebooks" / name / f"{name}.ipynb", tmp_path)   # never touch notebooks/ itself
    nb = nbformat.read(tmp_path / f"{name}.ipynb", as_version=4)
    imports, answer, tests = (cell_index(nb, i) for i in ("imports", "dropout_forward", "test_dropout_forward"))
    wrong = mistake(name, "test_dropout_forward", "instead of 1 - p")
    with jupyter_lab(tmp_path) as lab, Browser(request) as b:
        page = b.page
        open_notebook(b, lab, f"{name}.ipynb")
        b.shot("opened")
        assert page.locator(f"{NOTEBOOK} .jp-RenderedHTMLCommon table").count() >= 1, "the lesson's table"
        problems = [p for p in [opened_clean(page, tmp_path / f"{name}.ipynb", nb)] if p]

        run_cell(page, imports)
        run_cell(page, answer)                # the stub as released
        out = run_cell(page, tests)
        assert "NotImplementedError" in out.inner_text(), f"the stub does not fail clearly:\n{out.inner_text()}"
        b.shot("stub-fails", out)

        replace_source(page, answer, solution_of(name, "dropout_forward"))
        run_cell(page, answer)
        out = run_cell(page, tests)
        text = out.inner_text()
        b.shot("test-passes", out)
        assert "✓ test_dropout_forward passed" in text, f"no 'passed' line in the test cell's output:\n{text}"
        assert out.locator(".jp-OutputArea-executeResult").count() == 0, "a passing test cell ends in a value"
        assert out.locator("[data-mime-type='application/vnd.jupyter.stderr']").count() == 0, text

        replace_source(page, answer, wrong.code.strip() + "\n")
        run_cell(page, answer)
        out = run_cell(page, tests)
        b.shot("mistake-hint", out)
        check_hint_on_top(out.inner_text(), wrong.expect)

        page.locator(f"{NOTEBOOK} .validate-button").click()
        dialog = page.locator(".jp-Dialog")
        dialog.wait_for(timeout=120_000)
        page.wait_for_function("() => !document.querySelector('.jp-Dialog-content')?.innerText.includes('Validating')",
                               timeout=120_000)
        b.shot("validate-dialog")
        (b.folder / "validate-dialog.txt").write_text(dialog.inner_text())
        check_validate_dialog(dialog.inner_text(), wrong.expect)
    assert not problems, "\n".join(problems)


def opened_clean(page, path: Path, original) -> str:
    """"" if the tab is not marked modified once the kernel is up (issue 12, 6), else what changed:
    saved at once, the file shows what JupyterLab rewrote on load. Checked again after a short
    while, since the kernel's info arrives just after it turns idle."""
    deadline = time.monotonic() + 2
    while time.monotonic() < deadline and not dirty_tab(page):
        time.sleep(0.1)
    if not dirty_tab(page):
        return ""
    page.keyboard.press("Control+s")
    page.locator(".lm-TabBar-tab.jp-mod-current.jp-mod-dirty").wait_for(state="detached", timeout=10_000)
    saved = nbformat.read(path, as_version=4)
    changed = sorted(k for k in set(saved.metadata) | set(original.metadata)
                     if saved.metadata.get(k) != original.metadata.get(k))
    cells = [c.get("id") for c, o in zip(saved.cells, original.cells) if c != o]
    return (f"the notebook is marked modified as soon as it opens (issue 12, 6): JupyterLab rewrote the "
            f"notebook metadata {changed} " + "".join(f"({k}: {original.metadata.get(k)} -> {saved.metadata.get(k)}) "
                                                     for k in changed) + f"and the cells {cells}")


def check_hint_on_top(text: str, expect: str) -> None:
    """The hint of a failing check is in the first lines of the cell's error output, no helper frames."""
    lines = [line for line in text.splitlines() if line.strip()]
    assert lines and lines[0].startswith("HintError: "), f"the error output does not start with the hint:\n{text}"
    assert any(expect in line for line in lines[:6]), f"{expect!r} is not near the top of the output:\n{text}"
    assert any(line.startswith("at line ") and "of this test cell" in line for line in lines), \
        f"no line naming the failing line of the test cell:\n{text}"
    for frame in ("contextlib.py", "cs231n_utils/testing.py"):
        assert frame not in text, f"the error output shows frames of {frame}:\n{text}"


def check_validate_dialog(text: str, expect: str) -> None:
    """Validate reports every failing test cell: the mistake's hint, and the exercise still a stub."""
    assert text.count("The following cell failed") >= 2, f"the Validate dialog does not list both failures:\n{text}"
    assert f"HintError: " in text and expect in text, f"the Validate dialog does not show the hint {expect!r}:\n{text}"
    assert "Your code here" in text, f"the Validate dialog misses the untouched dropout_backward:\n{text}"
