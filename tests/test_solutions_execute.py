"""Every reference notebook runs top to bottom without an error, fully and as nbgrader runs it,
and every figure it shows is readable in a notebook column (issue 12)."""
import base64
import hashlib
import json
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import nbformat
import pytest

from autograder import paths, source
from autograder.execute import execute

ASSIGNMENTS = paths.assignments()
pytestmark = pytest.mark.slow  # every reference notebook, fully: the experiments train nets

# The inline backend draws at 100 dpi; JupyterLab shrinks a wider PNG to its column (about
# 900-1000 px), and every text on it with it. A figure at most this wide is shown as drawn.
MAX_WIDTH_PX = 950
MIN_FONT_PT = 9.0

AUDIT_MARK = "FIGURE-AUDIT "
# Runs first in the kernel: IPython's inline backend shows every figure through
# FigureCanvasBase.print_figure into a BytesIO. Record, for each PNG made that way, its sha1 (to
# find its output), its width as drawn (the IHDR of the PNG, so bbox_inches='tight' and dpi count)
# and the smallest font of the texts actually drawn into it (visible, non-empty).
AUDIT_SETUP = '''\
import hashlib as _audit_hashlib, io as _audit_io
import matplotlib.text as _audit_text
from matplotlib.backend_bases import FigureCanvasBase as _AuditCanvas

_AUDIT_RECORDS = []
_audit_sizes = []
_audit_print_figure = _AuditCanvas.print_figure
_audit_text_draw = _audit_text.Text.draw


def _audit_draw(self, renderer, *args, **kwargs):
    if _audit_sizes and self.get_visible() and self.get_text().strip():
        _audit_sizes[-1].append((float(self.get_fontsize()), self.get_text().strip()[:40]))
    return _audit_text_draw(self, renderer, *args, **kwargs)


def _audit_print(self, filename, *args, **kwargs):
    _audit_sizes.append([])
    try:
        result = _audit_print_figure(self, filename, *args, **kwargs)
    finally:
        sizes = _audit_sizes.pop()
    data = filename.getvalue() if isinstance(filename, _audit_io.BytesIO) else b""
    if data[:8] == b"\\x89PNG\\r\\n\\x1a\\n":
        size, text = min(sizes, default=(None, ""))
        _AUDIT_RECORDS.append(dict(sha1=_audit_hashlib.sha1(data).hexdigest(),
                                   width_px=int.from_bytes(data[16:20], "big"),
                                   figsize=[round(float(v), 2) for v in self.figure.get_size_inches()],
                                   smallest_pt=size, smallest_text=text))
    return result


_audit_text.Text.draw = _audit_draw
_AuditCanvas.print_figure = _audit_print
'''
AUDIT_REPORT = f'''\
import json as _audit_json
print({AUDIT_MARK!r} + _audit_json.dumps(_AUDIT_RECORDS))
'''


def png_width(data: bytes) -> int:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return int.from_bytes(data[16:20], "big")


def cell_names(cells):
    """For each cell: 'cell N under <the markdown heading before it> (<its first line>)'."""
    names, heading = [], "the top"
    for index, cell in enumerate(cells):
        lines = [line for line in cell.source.splitlines() if line.strip()]
        if cell.cell_type == "markdown":
            heading = next((line for line in reversed(lines) if line.startswith("#")), heading)
        names.append(f"cell {index + 1} under {heading!r} ({lines[0][:60] if lines else ''!r})")
    return names


def figure_problems(name, cells, records):
    """Every shown figure wider than MAX_WIDTH_PX or with a text smaller than MIN_FONT_PT."""
    by_hash = {r["sha1"]: r for r in records}
    problems = []
    for where, cell in zip(cell_names(cells), cells):
        if cell.cell_type != "code":
            continue
        for output in cell.outputs:
            png = output.get("data", {}).get("image/png")
            if png is None:
                continue
            data = base64.b64decode(png)
            width = png_width(data)
            record = by_hash.get(hashlib.sha1(data).hexdigest(), {})
            smallest = record.get("smallest_pt")
            faults = []
            if width > MAX_WIDTH_PX:
                faults.append(f"{width} px wide (> {MAX_WIDTH_PX})")
            if smallest is not None and smallest < MIN_FONT_PT:
                faults.append(f"text of {smallest:g} pt (< {MIN_FONT_PT:g}): "
                              f"{record['smallest_text']!r}")
            if faults:
                problems.append(f"{name}, {where}: {width} px, smallest text "
                                f"{smallest if smallest is None else f'{smallest:g} pt'}, figsize "
                                f"{record.get('figsize')}: " + "; ".join(faults))
    return problems


def execute_audited(name: str, workdir: str) -> str:
    """The reference notebook of ``name``, executed with the figure audit around it (as JSON)."""
    nb = source.build_notebook(source.source_path(paths.ROOT, name))
    nb.cells.insert(0, nbformat.v4.new_code_cell(AUDIT_SETUP))
    nb.cells.append(nbformat.v4.new_code_cell(AUDIT_REPORT))
    executed, _ = execute(nb, Path(workdir), timeout=300)
    return nbformat.writes(executed)


@pytest.fixture(scope="module")
def executed_notebooks(tmp_path_factory) -> dict:
    """name -> the executed notebook, or the exception its run raised: two notebooks at a time, each
    in a process of its own (a kernel computes on one core: OPENBLAS_NUM_THREADS=1)."""
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(2, mp_context=spawn) as pool:
        runs = {name: pool.submit(execute_audited, name, str(tmp_path_factory.mktemp(name))) for name in ASSIGNMENTS}
        out = {}
        for name, run in runs.items():
            try:
                out[name] = nbformat.reads(run.result(), as_version=4)
            except Exception as exc:  # noqa: BLE001 - the notebook's own test fails with it
                out[name] = exc
    return out


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_reference_notebook_executes_fully(name, executed_notebooks):
    executed = executed_notebooks[name]
    if isinstance(executed, Exception):
        raise executed
    setup, report = executed.cells.pop(0), executed.cells.pop()
    assert not setup.outputs, f"the figure audit's setup cell failed: {setup.outputs}"
    printed = "".join(o.text for o in report.outputs if o.output_type == "stream")
    assert printed.startswith(AUDIT_MARK), f"the figure audit printed {report.outputs}"
    records = json.loads(printed[len(AUDIT_MARK):])

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

    assert len(records) >= images, f"the figure audit saw {len(records)} of {images} figures"
    problems = figure_problems(name, executed.cells, records)
    assert not problems, (f"{len(problems)} figure(s) unreadable in a notebook column (at most "
                          f"{MAX_WIDTH_PX} px wide, text at least {MIN_FONT_PT:g} pt; the inline "
                          f"backend draws at 100 dpi):\n" + "\n".join(problems))
