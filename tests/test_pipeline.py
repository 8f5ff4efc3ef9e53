"""The release pipeline: sources build, generated notebooks don't drift, releases carry no answers."""
import re

import nbformat
import pytest

from autograder import paths, release, source

ASSIGNMENTS = paths.assignments()


def test_there_are_assignments():
    assert {"gradient_checking", "activation_functions"} <= set(ASSIGNMENTS)


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_instructor_notebook_matches_its_source(name):
    path, changed = source.build(paths.ROOT, name, check=True)
    assert not changed, f"{path} is stale: run `course build {name}`"


@pytest.fixture(scope="module")
def generated():
    return {name: release.generate(paths.ROOT, name) for name in ASSIGNMENTS}


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_release_matches_what_nbgrader_generates(name, generated):
    target = release.release_path(paths.ROOT, name)
    assert target.exists(), f"{target} is missing: run `course release {name}`"
    assert target.read_text() == generated[name], f"{target} drifted: run `course release {name}`"


def _block_lines(text, begin, end):
    """Non-trivial lines strictly between the markers."""
    lines, inside = [], False
    for line in text.splitlines():
        stripped = line.strip()
        if stripped == begin:
            inside = True
        elif stripped == end:
            inside = False
        elif inside and len(re.sub(r"[\W_]", "", stripped)) >= 6:
            lines.append(stripped)
    return lines


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_release_holds_no_solution_or_hidden_test_text(name):
    instructor = source.build_notebook(source.source_path(paths.ROOT, name))
    student = nbformat.read(release.release_path(paths.ROOT, name), as_version=4)
    student_cells = {c.metadata.get("nbgrader", {}).get("grade_id"): c.source for c in student.cells}
    text = release.release_path(paths.ROOT, name).read_text()
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"):
        assert marker not in text
    checked = 0
    for cell in instructor.cells:
        meta = cell.metadata.get("nbgrader")
        if not meta:
            continue
        grade_id = meta["grade_id"]
        secret = _block_lines(cell.source, "### BEGIN SOLUTION", "### END SOLUTION")
        secret += _block_lines(cell.source, "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS")
        visible = set(_block_lines("A\n" + re.sub(r"### BEGIN (SOLUTION|HIDDEN TESTS).*?### END \1", "",
                                                  cell.source, flags=re.S), "A", "Z"))
        released = {l.strip() for l in student_cells.get(grade_id, "").splitlines()}
        for line in secret:
            if line not in visible:
                assert line not in released, f"{name}: cell {grade_id} leaks {line!r}"
                checked += 1
    assert checked > 20, "found almost no solution lines to check: is the parser right?"


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_release_stubs_raise_not_implemented(name):
    student = nbformat.read(release.release_path(paths.ROOT, name), as_version=4)
    answers = [c for c in student.cells if c.metadata.get("nbgrader", {}).get("solution") and c.cell_type == "code"]
    assert answers
    for cell in answers:
        assert "raise NotImplementedError" in cell.source, cell.metadata["nbgrader"]["grade_id"]
        assert "# Hint:" in cell.source, f"{cell.metadata['nbgrader']['grade_id']} has no hint for the student"


def test_build_refuses_bad_headers(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text('# %% kind="tests" grade_id="t"\nassert True\n')
    with pytest.raises(source.SourceError, match="needs points"):
        source.build_notebook(bad)
    bad.write_text('# %% kind="answr" grade_id="t"\nx = 1\n')
    with pytest.raises(source.SourceError, match="kind='answr'"):
        source.build_notebook(bad)
    bad.write_text('# %% kind="answer" grade_id="a"\nx = 1\n')
    with pytest.raises(source.SourceError, match="BEGIN SOLUTION"):
        source.build_notebook(bad)
    bad.write_text('# %% kind="readonly" grade_id="a"\nx = 1\n\n# %% kind="readonly" grade_id="a"\ny = 1\n')
    with pytest.raises(source.SourceError, match="used twice"):
        source.build_notebook(bad)


def test_release_keeps_a_backup_of_a_changed_notebook(tmp_path):
    root = tmp_path / "course"
    name = ASSIGNMENTS[0]
    (root / "solutions" / name).mkdir(parents=True)
    (root / "solutions" / name / f"{name}.py").write_text(source.source_path(paths.ROOT, name).read_text())
    target, changed, backup = release.release(root, name)
    assert changed and backup is None and target.exists()
    target.write_text(target.read_text().replace("Gradient", "My work on gradient", 1))
    student_work = target.read_text()
    target, changed, backup = release.release(root, name)
    assert changed and backup is not None
    assert backup.read_text() == student_work
    assert target.read_text() != student_work
    assert backup.parent == root / "notebooks" / ".backup" / name  # not in notebooks/<a>/, which Generate deletes


def _root_config(root):
    """The Config of the repository's nbgrader_config.py (what formgrader loads), moved to ``root``."""
    from traitlets.config.loader import PyFileConfigLoader
    config = PyFileConfigLoader("nbgrader_config.py", path=str(paths.ROOT)).load_config()
    config.CourseDirectory.root = str(root)
    config.CourseDirectory.db_url = f"sqlite:///{root / 'gradebook.db'}"
    return config


def test_formgraders_generate_releases_only_the_notebook(tmp_path):
    """Formgrader's Generate button is nbgrader's generate_assignment with force=True under the
    repository's config: it copies every file of solutions/<a>/ it does not ignore, and deletes
    notebooks/<a>/ first. Only the notebook may land there, and the release backups must survive."""
    import shutil
    from nbgrader.apps import NbGraderAPI
    name = "dropout" if "dropout" in ASSIGNMENTS else ASSIGNMENTS[0]
    src = tmp_path / "solutions" / name
    shutil.copytree(paths.SOLUTIONS / name, src)
    (src / "answers.txt").write_text("the answers")  # whatever an instructor may add beside it
    (src / "data").mkdir()
    (src / "data" / "solution.npy").write_bytes(b"answers")
    (src / ".hidden").write_text("answers")
    backup = release.backup_folder(tmp_path, name) / f"{name}-old.ipynb"
    backup.parent.mkdir(parents=True)
    backup.write_text("a student's work")
    (tmp_path / "notebooks" / name).mkdir(parents=True)
    (tmp_path / "notebooks" / name / "stale.txt").write_text("old release")
    result = NbGraderAPI(config=_root_config(tmp_path)).generate_assignment(name, force=True, create=True)
    assert result["success"], result
    released = sorted(p.relative_to(tmp_path / "notebooks" / name).as_posix()
                      for p in (tmp_path / "notebooks" / name).rglob("*"))
    assert released == [f"{name}.ipynb"], f"Generate released {released}"
    assert "mutations.toml" in {p.name for p in src.iterdir()}  # the test did offer it
    assert backup.read_text() == "a student's work"


def test_jupyter_finds_alembic_without_an_activated_venv(tmp_path):
    """nbgrader creates a gradebook by running `alembic` by name: under the configuration files of
    the course (the repository's and the one `course grade` writes) it works with a bare PATH."""
    import os
    import subprocess
    import sys
    from autograder import nbgrader_settings
    bare = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    bare["PATH"] = "/usr/bin:/bin"
    (tmp_path / "nbgrader_config.py").write_text(
        nbgrader_settings.render(nbgrader_settings.nbgrader_config(tmp_path), "a grading folder"))
    nbgrader = os.path.join(os.path.dirname(sys.executable), "nbgrader")
    run = subprocess.run([nbgrader, "db", "student", "list"], cwd=tmp_path, env=bare,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0 and (tmp_path / "gradebook.db").exists(), run.stderr[-2000:]
    probe = ("import shutil\nfrom traitlets.config.loader import PyFileConfigLoader\n"
             f"PyFileConfigLoader('nbgrader_config.py', path={str(paths.ROOT)!r}).load_config()\n"
             "print(shutil.which('alembic'))")
    run = subprocess.run([sys.executable, "-c", probe], env=bare, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0 and run.stdout.strip().startswith(os.path.dirname(sys.executable)), run


def test_course_solutions_writes_executed_notebook_and_html(tmp_path, capsys):
    from autograder import cli
    assert cli.main(["solutions", "gradient_checking", "--out", str(tmp_path)]) == 0
    # not gradient_checking.ipynb: in JupyterLab the solution's tab must differ from the student's
    executed = nbformat.read(tmp_path / "gradient_checking" / "gradient_checking-solution.ipynb", as_version=4)
    assert any("image/png" in o.get("data", {}) for c in executed.cells if c.cell_type == "code" for o in c.outputs)
    html = (tmp_path / "gradient_checking" / "gradient_checking-solution.html").read_text()
    assert "<html" in html.lower() and "data:image/png;base64" in html
    assert "executed in" in capsys.readouterr().out


def test_course_refuses_an_unknown_assignment():
    from autograder import cli
    with pytest.raises(SystemExit, match="unknown assignment 'nope'"):
        cli.main(["build", "nope"])


def _test_cells(nb):
    return [c for c in nb.cells if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("grade")]


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_every_test_cell_ends_with_its_passed_line(name):
    """A test cell's last statement is ``passed("<its grade_id>")``: a passing cell then says so, and
    it ends with no value (nbgrader reads a float as partial credit; anything else shows as a result)."""
    import ast
    instructor = source.build_notebook(source.source_path(paths.ROOT, name))
    student = nbformat.read(release.release_path(paths.ROOT, name), as_version=4)
    for label, nb in (("source", instructor), ("release", student)):
        cells = _test_cells(nb)
        assert cells, f"{name} ({label}) has no test cells"
        for cell in cells:
            grade_id = cell.metadata["nbgrader"]["grade_id"]
            last = ast.parse(cell.source).body[-1]
            assert (isinstance(last, ast.Expr) and isinstance(last.value, ast.Call)
                    and ast.unparse(last.value) == f"passed('{grade_id}')"), (
                f"{name} ({label}): test cell {grade_id} ends with `{ast.unparse(last)}`, "
                f"not `passed({grade_id!r})`")


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_the_cells_grading_runs_import_no_matplotlib(name):
    """Grading runs the code up to the last exercise or test cell (the experiments after it are
    skipped): importing matplotlib there would cost every graded submission 0.5 s of CPU."""
    from autograder import cells
    nb = nbformat.read(release.release_path(paths.ROOT, name), as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    last = max(i for i, c in enumerate(code) if cells.kind(c) in ("answer", "tests"))
    graded_run = [c for c in code[:last + 1] if re.search(r"^\s*(import|from)\s+matplotlib|%matplotlib", c.source, re.M)]
    assert not graded_run, (f"{name}: {[cells.grade_id(c) for c in graded_run]} import matplotlib before the last "
                            "graded cell; import it in the first experiment cell")
    plotting = [c for c in code[last + 1:] if "plt." in c.source or "cs231n_utils.plots" in c.source]
    if plotting:
        assert "import matplotlib.pyplot as plt" in code[last + 1].source, f"{name}: the first experiment cell imports no pyplot"
