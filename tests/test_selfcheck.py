"""The mutation suite, graded the way students are (`course grade`): for every assignment, the
reference gets every point, the untouched release none, each classic mistake loses exactly the
points of its test cell with a message naming the cause, each alternative correct answer gets every
point, and every requirement of the spec-coverage table has a test cell that catches its mutants.

The suite's submissions are graded as part of the assignment's demo class (tests/test_demo_all.py
builds it with every mutation), whose other checks (feedback pages, CSV, gradebook) then hold for
every mistake too; `course selfcheck`, which grades the suite on its own, is
:func:`selfcheck.check_assignment` = :func:`selfcheck.build_suite`, :func:`selfcheck.grade_suite`
and this same :func:`selfcheck.judge`.
"""
import textwrap

import nbformat
import pytest
from test_demo_all import graded_demo

from autograder import demo, paths, selfcheck
from conftest import MUTATION_ROW

ASSIGNMENTS = paths.assignments()


@pytest.mark.slow
@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_mutation_suite(name, record_property, tmp_path_factory):
    run = graded_demo(name, tmp_path_factory)
    release = nbformat.read(run.grading / "release" / name / f"{name}.ipynb", as_version=4)
    suite = selfcheck.build_suite(paths.ROOT, name, release)
    results = demo.suite_results(run.report.results)
    assert set(results) == set(suite.submissions), f"{name}: the demo class does not hold the whole suite"
    outcomes = selfcheck.judge(paths.ROOT, name, suite, results)
    record_property(MUTATION_ROW, selfcheck.summary_row(name, outcomes))  # for the table at the end
    mistakes = [o for o in outcomes if o.label.startswith("mistake")]
    corrects = [o for o in outcomes if o.label.startswith("correct")]
    assert len(corrects) >= 2, f"{name}: fewer than two alternative correct answers in mutations.toml"
    assert len(mistakes) >= 3, f"{name}: fewer than three classic mistakes in mutations.toml"
    covered = [o for o in outcomes if o.label.startswith("requirement covered")]
    assert len(covered) >= 10, f"{name}: no spec-coverage table ([[spec]]) in mutations.toml: audit its docstrings"
    failed = [f"{o.label}: {o.detail}" for o in outcomes if not o.ok]
    assert not failed, "\n".join(failed)


@pytest.mark.slow
def test_course_selfcheck_grades_a_suite_in_a_folder_of_its_own(monkeypatch):
    """`course selfcheck` (:func:`selfcheck.check_assignment`): the suite written out and graded by
    `course grade` on its own, then judged; here the reference, the blank release and the first pack
    of mistakes and of variants of gradient_checking (every suite is graded whole in the demo classes)."""
    whole = selfcheck.build_suite
    kept = ("reference", "blank", "mistakes0", "correct0")

    def first_packs(root, name, release):
        suite = whole(root, name, release)
        suite.mistake_groups, suite.correct_groups = suite.mistake_groups[:1], suite.correct_groups[:1]
        suite.submissions = {k: v for k, v in suite.submissions.items() if k in kept}
        return suite

    monkeypatch.setattr(selfcheck, "build_suite", first_packs)
    outcomes = selfcheck.check_assignment(paths.ROOT, "gradient_checking", workers=2)
    graded = [o for o in outcomes if not o.label.startswith("requirement")]
    assert [o.label for o in graded][:2] == ["reference gets every point", "untouched release gets zero"]
    assert any(o.label.startswith("mistake caught") for o in graded)
    assert any(o.label.startswith("correct accepted") for o in graded)
    assert [f"{o.label}: {o.detail}" for o in graded if not o.ok] == []


def test_replace_functions_swaps_only_the_named_function():
    cell = textwrap.dedent('''
        import numpy as np

        def a(x):
            return x + 1

        def b(x):
            return x * 2
        ''')
    new, replaced = selfcheck.replace_functions(cell, "def b(x):\n    return x * 3\n")
    assert replaced == {"b"}
    assert "return x + 1" in new and "return x * 3" in new and "return x * 2" not in new


def test_apply_mutations_refuses_an_unknown_function():
    import nbformat
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("def a():\n    return 1\n")
    cell.metadata["nbgrader"] = {"solution": True, "grade_id": "a"}
    nb.cells.append(cell)
    with pytest.raises(ValueError, match="no answer cell defines"):
        selfcheck.apply_mutations(nb, [selfcheck.Mutation("mistake", "m", "def zzz():\n    pass\n")])


def test_pack_never_puts_two_mistakes_of_one_cell_together():
    ms = [selfcheck.Mutation("mistake", f"m{i}", f"def f{i % 2}():\n    pass\n", cell=f"c{i % 2}") for i in range(4)]
    groups = selfcheck.pack(ms)
    assert len(groups) == 2
    for g in groups:
        assert len({m.cell for m in g}) == len(g)


def test_pack_never_puts_two_versions_of_one_function_or_class_together():
    ms = [selfcheck.Mutation("mistake", "a", "class E:\n    pass\n", cell="c1"),
          selfcheck.Mutation("mistake", "b", "class E:\n    x = 1\n", cell="c2"),
          selfcheck.Mutation("mistake", "c", "def f():\n    pass\n", cell="c3"),
          selfcheck.Mutation("mistake", "d", "def f():\n    return 1\n", cell="c4")]
    groups = selfcheck.pack(ms)
    assert len(groups) == 2 and all(len(g) == 2 for g in groups)
    for g in groups:
        assert not (selfcheck._defined(g[0].code) & selfcheck._defined(g[1].code))


def test_a_requirement_is_covered_only_by_a_caught_mutant_of_its_own_test_cell():
    mistakes = [selfcheck.Mutation("mistake", "m-a", "", cell="test_a"),
                selfcheck.Mutation("mistake", "m-b", "", cell="test_b"),
                selfcheck.Mutation("mistake", "m-kept", "", cell="test_a")]
    outcomes = [selfcheck.Outcome("mistake caught: m-a", True, ""), selfcheck.Outcome("mistake caught: m-b", True, ""),
                selfcheck.Outcome("mistake caught: m-kept", False, "test_a: KEPT its points")]
    spec = [selfcheck.Requirement("f", "covered", "test_a", ["m-a"]),
            selfcheck.Requirement("f", "no test", "test_zzz", ["m-a"]),
            selfcheck.Requirement("f", "no mutant", "test_a", []),
            selfcheck.Requirement("f", "mutant of another cell", "test_a", ["m-b"]),
            selfcheck.Requirement("f", "mutant kept its points", "test_a", ["m-kept"]),
            selfcheck.Requirement("f", "unknown mutant", "test_a", ["nope"])]
    got = selfcheck.spec_outcomes(spec, {"test_a": 2, "test_b": 1}, mistakes, outcomes)
    assert [o.ok for o in got] == [True, False, False, False, False, False]
    assert "no test cell" in got[1].detail and "no mutant" in got[2].detail and "no mistake named" in got[5].detail
    row = selfcheck.summary_row("x", outcomes + got)
    assert "1/6   requirements covered" in row
