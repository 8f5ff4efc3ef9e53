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
from playwright.sync_api import expect

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
        dirty, _ = opened_clean(page, tmp_path / f"{name}.ipynb", nb)

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
    assert not dirty, dirty


def opened_clean(page, path: Path, original) -> tuple[str, bool]:
    """("", False) if the tab is not marked modified once the kernel is up (issue 12, 6); else what
    JupyterLab rewrote on load (the file, saved at once, shows it) and whether that is only the
    kernel's language_info. Watched for a moment, since the kernel's info lands just after idle."""
    deadline = time.monotonic() + 2
    while time.monotonic() < deadline and not dirty_tab(page):
        time.sleep(0.1)
    if not dirty_tab(page):
        return "", False
    page.keyboard.press("Control+s")
    page.locator(".lm-TabBar-tab.jp-mod-current.jp-mod-dirty").wait_for(state="detached", timeout=10_000)
    saved = nbformat.read(path, as_version=4)
    changed = sorted(k for k in set(saved.metadata) | set(original.metadata)
                     if saved.metadata.get(k) != original.metadata.get(k))
    cells = [c.get("id") for c, o in zip(saved.cells, original.cells) if c != o]
    what = (f"the notebook is marked modified as soon as it opens (issue 12, 6): JupyterLab rewrote the "
            f"notebook metadata {changed} " + "".join(f"({k}: {original.metadata.get(k)} -> {saved.metadata.get(k)}) "
                                                     for k in changed) + f"and the cells {cells}")
    return what, changed == ["language_info"] and not cells


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
    assert "HintError: " in text and expect in text, f"the Validate dialog does not show the hint {expect!r}:\n{text}"
    assert "Your code here" in text, f"the Validate dialog misses the untouched dropout_backward:\n{text}"


# --------------------------------------------------------------------------------------------------
# 2. a self-learner runs a reference notebook

def figures_expected(nb) -> int:
    """The figures a notebook draws: one per plt.show() (the course's notebooks show each figure once)."""
    return sum(c.source.count("plt.show()") for c in nb.cells if c.cell_type == "code")


def wait_all_executed(page, code_cells: int, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    done = 0
    while time.monotonic() < deadline:
        # text_content, not inner_text: JupyterLab skips rendering cells out of view (content-visibility)
        prompts = page.locator(f"{NOTEBOOK} .jp-CodeCell .jp-InputPrompt").all_text_contents()
        done = sum(bool(re.search(r"\[\d+\]", p)) for p in prompts)
        if done == code_cells:
            return
        time.sleep(0.2)
    raise AssertionError(f"Run All: {done} of {code_cells} code cells ran within {timeout:.0f} s")


def rendered_images(page, selector: str) -> list[dict]:
    """Every image under ``selector``: whether the browser decoded it, and its size."""
    return page.eval_on_selector_all(selector, "els => els.map(e => ({complete: e.complete, "
                                               "width: e.naturalWidth, height: e.naturalHeight}))")


def test_reference_notebook_runs_top_to_bottom_with_every_figure(tmp_path, request):
    name = "gradient_checking"   # the quickest reference notebook (about 3 s of computing)
    shutil.copy(ROOT / "solutions" / name / f"{name}.ipynb", tmp_path)
    nb = nbformat.read(tmp_path / f"{name}.ipynb", as_version=4)
    code_cells = sum(c.cell_type == "code" for c in nb.cells)
    with jupyter_lab(tmp_path) as lab, Browser(request) as b:
        page = b.page
        open_notebook(b, lab, f"{name}.ipynb")
        b.shot("opened")
        page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
        page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).click()
        wait_all_executed(page, code_cells)
        lab.kernels_idle()
        images = page.locator(f"{NOTEBOOK} .jp-OutputArea-output img")
        for i in range(images.count()):
            b.shot(f"figure-{i + 1}", images.nth(i))
        errors = page.locator(f"{NOTEBOOK} .jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
        assert errors.count() == 0, "error output in the reference notebook:\n" + "\n".join(errors.all_text_contents())
        found = rendered_images(page, f"{NOTEBOOK} .jp-OutputArea-output img")
        assert len(found) == figures_expected(nb), f"{len(found)} figures rendered, {figures_expected(nb)} drawn"
        assert all(i["complete"] and i["width"] > 100 and i["height"] > 100 for i in found), found


# --------------------------------------------------------------------------------------------------
# 3. an instructor grades a class

DEMO = "dropout"
DEMO_STUDENTS = ["correct", "correct-written", "partial", "mistakes-1"]   # a small class: fast to grade


@pytest.fixture(scope="module")
def graded_demo(tmp_path_factory):
    """A `course demo` class of dropout (without the hostile samples: they test the grader, not what
    an instructor sees), four of its students graded into <tmp>/grading; (folder, CSV rows)."""
    import csv

    from autograder import demo
    require_browser()
    out = tmp_path_factory.mktemp("demo")
    samples, box = demo.build(ROOT, DEMO, out, attacks=[])
    rows, _ = demo.grade_class(ROOT, DEMO, out, samples, box, workers=2, quiet=True, progress=False,
                               students=DEMO_STUDENTS)
    assert all(ok for _, _, ok, _ in rows), demo.format_rows(rows)
    with open(out / "grading" / f"grades_{DEMO}.csv", newline="") as f:
        grades = {r["student_id"]: r for r in csv.DictReader(f)}
    return out / "grading", grades


def open_formgrader(page):
    """Nbgrader > Formgrader, as an instructor opens it; (its frame locator, its frame)."""
    page.wait_for_selector("#jp-main-dock-panel")
    page.locator(".lm-MenuBar-itemLabel", has_text="Nbgrader").click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Formgrader$")).click()
    fg = page.frame_locator("#formgrader-iframe iframe")
    fg.locator("body").wait_for()
    return fg, next(f for f in page.frames if "/formgrader" in f.url)


def test_instructor_sees_the_class_in_formgrader(graded_demo, request):
    grading, grades = graded_demo
    with jupyter_lab(grading) as lab, Browser(request) as b:
        page = b.page
        page.goto(lab.url("lab"))
        fg, frame = open_formgrader(page)
        assignment = fg.locator("#main-table tr", has_text=DEMO)
        assignment.wait_for(timeout=60_000)     # "Loading, please wait..." until the gradebook answers
        b.shot("manage-assignments")
        submitted = assignment.locator("td").nth(8).inner_text()       # the "# Submissions" column
        assert submitted == str(len(grades)), f"{submitted} submissions, {len(grades)} graded"

        fg.locator("a", has_text="Manage Students").click()
        for student, row in grades.items():
            cells = fg.locator("#main-table tr").filter(has=fg.locator(f"td.id[data-order='{student}']"))
            cells.wait_for(timeout=30_000)
            score = cells.locator("td.score").inner_text()
            assert score == f"{float(row['score']):g} / {float(row['max_score']):g}", f"{student}: {score}, CSV {row}"
        b.shot("manage-students")

        fg.locator("a", has_text="Manual Grading").click()
        frame.wait_for_url("**/formgrader/gradebook")
        fg.locator("#main-table a", has_text=DEMO).first.click()        # the assignment
        frame.wait_for_url(f"**/formgrader/gradebook/{DEMO}")
        fg.locator("#main-table a", has_text=DEMO).first.click()        # its notebook
        frame.wait_for_url(f"**/formgrader/gradebook/{DEMO}/{DEMO}")
        submissions = fg.locator("#main-table tr", has_text="Submission #")
        submissions.first.wait_for(timeout=30_000)
        assert submissions.count() == len(grades), submissions.all_inner_texts()
        manual = fg.locator("#main-table td.needs-manual-grade .glyphicon")
        assert manual.count() == sum(r["status"] == "needs manual grading" for r in grades.values())
        b.shot("submissions")
        student = submissions.first.locator("a.name-shown").inner_text()
        submissions.first.locator("a.name-hidden").click()
        check_submission_page(b, frame, fg, grades[student])

        feedback = b.context.new_page()
        student = "mistakes-1"
        feedback.goto((grading / "feedback" / student / DEMO / f"{DEMO}.html").as_uri())
        check_feedback_page(b, feedback, grades[student])


TESTS = {"test_dropout_forward": 5, "test_dropout_validation": 2, "test_dropout_backward": 4}


def check_submission_page(b: Browser, frame, fg, row: dict) -> None:
    """Formgrader's grading page of a submission: its notebook, each test cell with its points."""
    frame.wait_for_url(re.compile("/formgrader/submissions/"), timeout=60_000)
    panels = fg.locator(".nbgrader_cell")
    panels.first.wait_for(timeout=60_000)
    b.shot("submission")
    for test, points in TESTS.items():
        panel = panels.filter(has=fg.locator(".panel-heading", has_text=test))
        assert panel.count() == 1, f"the grading page shows {test} {panel.count()} times"
        assert f"/ {points:.1f}" in panel.locator(".panel-heading").inner_text()
        # the autograded points show as the placeholder of the input (a manual grade would override them)
        score = panel.locator("input.score")
        expect(score).to_have_attribute("placeholder", re.compile(r"\d"), timeout=30_000)
        shown = score.get_attribute("placeholder")
        assert float(shown) == float(row[f"{test} ({points})"]), f"{test}: {shown} points shown, CSV {row}"
    b.shot("submission-scores", show=fg.locator(".panel-heading", has_text="test_dropout_forward"))


def hidden_test_lines(name: str) -> list[str]:
    """The lines of the hidden tests in solutions/<name>/<name>.py that appear nowhere else in it."""
    text = source.source_path(ROOT, name).read_text()
    hidden = re.findall(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", text, flags=re.S)
    visible = re.sub(r"### BEGIN HIDDEN TESTS\n.*?### END HIDDEN TESTS", "", text, flags=re.S)
    lines = {line.strip() for block in hidden for line in block.splitlines()}
    return sorted(line for line in lines if len(line) > 12 and line not in visible)


def check_feedback_page(b: Browser, page, row: dict) -> None:
    """The student's feedback: each test's score and message, and nothing of the hidden tests."""
    page.wait_for_selector("text=test_dropout_forward")
    text = page.locator("body").inner_text()
    b.shot("feedback-top", page=page)
    # its table of contents: one "Test cell (Score: x / y)" per test cell, in notebook order
    scores = [(float(a), float(b)) for a, b in re.findall(r"Test cell \(Score: ([\d.]+) / ([\d.]+)\)", text)]
    assert scores == [(float(row[f"{t} ({p})"]), p) for t, p in TESTS.items()], scores
    failed = dict(part.split(": ", 1) for part in row["failed_tests"].split("; test_"))
    for test, message in failed.items():
        first = message.split("\n")[0][:70]
        assert first in text, f"the feedback does not show the message of {test}: {first!r}"
    assert "✓ test_dropout_validation passed" in text, "no passed line for the test cell that passed"
    b.shot("feedback-hint", show=page.locator("pre:has-text('HintError: `')").first, page=page)
    leaked = [line for line in hidden_test_lines(DEMO) if line in text]
    assert not leaked, f"the feedback shows hidden tests: {leaked[:5]}"



# --------------------------------------------------------------------------------------------------
# 4. a self-learner without Jupyter: the static site of `course solutions`

def test_static_site_of_the_executed_solutions(tmp_path, request):
    name = "gradient_checking"
    out = tmp_path / "executed"
    run = subprocess.run([sys.executable, "-m", "autograder.cli", "solutions", name, "--out", str(out)],
                         capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert run.returncode == 0, run.stdout + run.stderr
    figures = figures_expected(nbformat.read(out / name / f"{name}-solution.ipynb", as_version=4))
    with Browser(request) as b:
        page = b.page
        page.goto((out / "index.html").as_uri())
        entry = page.locator(f"li.assignment#{name}")
        entry.wait_for(timeout=10_000)
        b.shot("index")
        assert page.locator("h1").inner_text() == "Training Neural Networks"
        assert page.locator("li.assignment").count() == 1
        assert re.search(rf"^01\s*Gradient checking\n.+\n{figures} figures · ran in \d+\.\d s · notebook$",
                         entry.inner_text()), entry.inner_text()
        entry.locator("a", has_text="Gradient checking").click()
        page.wait_for_url(f"**/{name}/{name}-solution.html")
        images = page.locator("img[src^='data:image/png']")
        images.first.wait_for(timeout=10_000)
        for i in range(images.count()):
            b.shot(f"figure-{i + 1}", images.nth(i))
        found = rendered_images(page, "img[src^='data:image/png']")
        assert len(found) == figures, f"{len(found)} figures embedded in the page, {figures} drawn"
        assert all(i["complete"] and i["width"] > 100 and i["height"] > 100 for i in found), found
        assert page.locator("img:not([src^='data:'])").count() == 0, "an image the page does not embed"
        assert "Traceback" not in page.locator("body").inner_text()
