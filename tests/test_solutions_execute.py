"""Every reference notebook runs top to bottom without an error, fully and as nbgrader runs it."""
import pytest

from autograder import paths, source
from autograder.execute import execute

ASSIGNMENTS = paths.assignments()


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_reference_notebook_executes_fully(name, tmp_path):
    nb = source.build_notebook(source.source_path(paths.ROOT, name))
    executed, _ = execute(nb, tmp_path, timeout=300)
    errors = [o for c in executed.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors
    images = sum("image/png" in o.get("data", {}) for c in executed.cells if c.cell_type == "code" for o in c.outputs)
    assert images >= 3, f"{name} drew only {images} figures"
    stderr = [(c.metadata.get("nbgrader", {}).get("grade_id"), o.text)
              for c in executed.cells if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("grade")
              for o in c.outputs if o.output_type == "stream" and o.name == "stderr"]
    assert not stderr, f"test cells wrote to stderr (nbgrader would zero them): {stderr}"
    for cell in executed.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if cell.cell_type != "code" or not cell.metadata.get("nbgrader", {}).get("grade"):
            continue
        values = [o for o in cell.outputs if o.output_type == "execute_result"]
        assert not values, f"test cell {grade_id} ends in a value: {values[0].get('data')}"
        printed = "".join(o.text for o in cell.outputs if o.output_type == "stream")
        assert f"\u2713 {grade_id} passed" in printed, f"test cell {grade_id} printed {printed!r}"
