"""$COURSE_GRADE_CACHE: the assignment template and matplotlib's font cache built once and shared by
grading folders (and concurrent runs), keyed by the instructor notebook, nbgrader's and matplotlib's
versions; unset, both stay in each folder's state dir as before."""
import hashlib
import importlib.metadata

import nbformat
import pytest

from autograder import course_folder, paths, sandbox

A = "gradient_checking"
ENV = "COURSE_GRADE_CACHE"
NBGRADER = importlib.metadata.version("nbgrader")


def _no_more_builds(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("nbgrader generate_assignment ran although the template was cached")
    monkeypatch.setattr(course_folder, "generate_assignment", refuse)


def _snapshot(folder):
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_two_grading_folders_share_one_template_built_once(monkeypatch, tmp_path):
    cache = tmp_path / "cache"
    monkeypatch.setenv(ENV, str(cache))
    state1, state2 = tmp_path / "one" / course_folder.STATE, tmp_path / "two" / course_folder.STATE
    first, digest = course_folder.build_template(paths.ROOT, A, state1)
    assert digest == course_folder.assignment_digest(paths.ROOT, A)
    assert first == cache.resolve() / f"template-{A}-{digest}-nbgrader{NBGRADER}-{course_folder._settings_digest()}"
    assert (first / "ready").read_text() == digest
    release = nbformat.read(first / "release" / A / f"{A}.ipynb", as_version=4)
    assert "### BEGIN SOLUTION" not in nbformat.writes(release)
    assert (first / "gradebook.db").stat().st_size > 0
    assert sorted(p.name for p in cache.iterdir()) == [first.name]  # no tmp-* left behind

    _no_more_builds(monkeypatch)
    second, digest2 = course_folder.build_template(paths.ROOT, A, state2)
    assert (second, digest2) == (first, digest)
    assert not list(state1.glob("template-*")) and not list(state2.glob("template-*"))

    # a grading folder is prepared from it (copies) and leaves it as it was
    before = _snapshot(first)
    course_folder.prepare(tmp_path / "two", A, second, digest, None, sandbox.Limits())
    assert (tmp_path / "two" / "gradebook.db").read_bytes() == (first / "gradebook.db").read_bytes()
    (tmp_path / "two" / "gradebook.db").write_bytes(b"written by the grading folder")
    assert _snapshot(first) == before


def test_an_edited_instructor_notebook_gets_its_own_template(monkeypatch, tmp_path):
    cache = tmp_path / "cache"
    monkeypatch.setenv(ENV, str(cache))
    digest = course_folder.assignment_digest(paths.ROOT, A)
    stale = cache / f"template-{A}-{digest}-nbgrader{NBGRADER}-{course_folder._settings_digest()}"   # the unedited notebook's template
    stale.mkdir(parents=True)
    (stale / "ready").write_text(digest)

    root = tmp_path / "course"
    (root / "solutions" / A).mkdir(parents=True)
    text = (paths.ROOT / "solutions" / A / f"{A}.py").read_text()
    (root / "solutions" / A / f"{A}.py").write_text(text + "\n# %% [markdown]\n# An edit by the instructor.\n")

    edited, edited_digest = course_folder.build_template(root, A, tmp_path / "state")
    assert edited_digest != digest
    assert edited == cache.resolve() / f"template-{A}-{edited_digest}-nbgrader{NBGRADER}-{course_folder._settings_digest()}"
    release = nbformat.read(edited / "release" / A / f"{A}.ipynb", as_version=4)
    assert release.cells[-1].source == "An edit by the instructor."
    assert sorted(p.name for p in cache.iterdir()) == sorted([stale.name, edited.name])


def test_unset_the_template_stays_in_the_state_folder(monkeypatch, tmp_path):
    monkeypatch.delenv(ENV, raising=False)
    state = tmp_path / course_folder.STATE
    template, digest = course_folder.build_template(paths.ROOT, A, state)
    assert template == state / f"template-{A}-{digest}"
    assert (template / "ready").read_text() == digest
    assert (template / "release" / A / f"{A}.ipynb").exists()
    assert sorted(p.name for p in state.iterdir()) == [template.name]
    monkeypatch.setenv(ENV, "")          # empty is unset too
    assert course_folder.shared_cache() is None
    _no_more_builds(monkeypatch)
    assert course_folder.build_template(paths.ROOT, A, state) == (template, digest)


def test_a_file_in_the_way_or_an_impossible_folder_is_named_in_the_error(monkeypatch, tmp_path):
    _no_more_builds(monkeypatch)
    a_file = tmp_path / "cache-file"
    a_file.write_text("not a folder")
    for value in (str(a_file), str(a_file / "below")):
        monkeypatch.setenv(ENV, value)
        for call in (lambda: course_folder.build_template(paths.ROOT, A, tmp_path / "state"),
                     lambda: course_folder.mpl_cache(tmp_path / "state")):
            with pytest.raises(SystemExit) as stop:
                call()
            message = str(stop.value.code)
            assert f"COURSE_GRADE_CACHE={value!r}" in message, message
    assert a_file.read_text() == "not a folder"
    assert not (tmp_path / "state").exists()


def test_a_template_another_process_published_first_is_kept(monkeypatch, tmp_path):
    """Two runs build the same template at once: the second to finish keeps the first one's."""
    cache = tmp_path / "cache"
    monkeypatch.setenv(ENV, str(cache))
    digest = course_folder.assignment_digest(paths.ROOT, A)
    final = cache.resolve() / f"template-{A}-{digest}-nbgrader{NBGRADER}-{course_folder._settings_digest()}"

    def build_while_another_publishes(course, assignment, db_url):
        assert course.parent == final.parent and course.name.startswith("tmp-")
        (course / "gradebook.db").write_bytes(b"mine")
        other = cache / "other-process"
        other.mkdir()
        (other / "gradebook.db").write_bytes(b"theirs")
        (other / "ready").write_text(digest)
        other.rename(final)
    monkeypatch.setattr(course_folder, "generate_assignment", build_while_another_publishes)
    template, _ = course_folder.build_template(paths.ROOT, A, tmp_path / "state")
    assert template == final
    assert (final / "gradebook.db").read_bytes() == b"theirs"
    assert sorted(p.name for p in cache.iterdir()) == [final.name]


def test_an_unfinished_leftover_is_replaced(tmp_path):
    folder, tmp = tmp_path / "template-x", tmp_path / "tmp-template-x-1"
    (folder / "half").mkdir(parents=True)
    tmp.mkdir()
    (tmp / "ready").write_text("d")
    course_folder._publish(tmp, folder, lambda f: (f / "ready").exists())
    assert sorted(p.name for p in folder.iterdir()) == ["ready"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["template-x"]


def test_the_font_cache_is_shared_and_built_once(monkeypatch, tmp_path):
    cache = tmp_path / "cache"
    monkeypatch.delenv(ENV, raising=False)
    own = course_folder.mpl_cache(tmp_path / "zero")               # unset: in the state folder, as before
    assert own == tmp_path / "zero" / "matplotlib" and list(own.glob("fontlist-*.json"))
    assert not cache.exists()

    monkeypatch.setenv(ENV, str(cache))
    first = course_folder.mpl_cache(tmp_path / "one")
    assert first == cache.resolve() / f"matplotlib-{importlib.metadata.version('matplotlib')}"
    assert list(first.glob("fontlist-*.json"))
    assert sorted(p.name for p in cache.iterdir()) == [first.name]

    def refuse(*args, **kwargs):
        raise AssertionError("matplotlib's font cache was built again")
    monkeypatch.setattr(course_folder.subprocess, "run", refuse)
    assert course_folder.mpl_cache(tmp_path / "two") == first
    assert not (tmp_path / "one").exists() and not (tmp_path / "two").exists()

