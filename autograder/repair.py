"""Reading a submitted notebook and repairing its nbgrader structure against the release.

Trusted code, run by the grading worker before any student code: a notebook that cannot be read
gets a reason instead of a traceback; cells a student deleted come back, nbgrader metadata they
edited or duplicated is reset to the release's, cell types are restored. nbgrader itself then puts
back the source of edited test cells. Each repair becomes a note on the student's result.
"""
from __future__ import annotations

import copy
import json
import os
import uuid
from pathlib import Path

import nbformat

from . import cells

MAX_NOTEBOOK_BYTES = 100 * 1024 * 1024
SKIP_TAG = "skip-execution"  # nbclient skips code cells with this tag


def read_submission(path: str) -> tuple[nbformat.NotebookNode | None, str]:
    """(notebook, '') or (None, why it cannot be read)."""
    size = os.path.getsize(path)
    if size > MAX_NOTEBOOK_BYTES:
        return None, f"the notebook is {size >> 20} MB, more than {MAX_NOTEBOOK_BYTES >> 20} MB"
    if size == 0:
        return None, "the notebook file is empty"
    text = Path(path).read_bytes().decode("utf-8", errors="replace")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return None, f"the notebook is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
    if not isinstance(data, dict) or not isinstance(data.get("cells", None), list):
        return None, "the file is JSON but not a Jupyter notebook (no list of cells)"
    try:
        nb = nbformat.reads(text, as_version=4)
    except Exception as exc:  # noqa: BLE001 - nbformat raises many kinds
        return None, f"nbformat cannot read the notebook: {str(exc).splitlines()[0][:200]}"
    for cell in nb.cells:
        if not isinstance(cell.get("source", ""), str) or cell.get("cell_type") not in ("code", "markdown", "raw"):
            return None, "the notebook has malformed cells"
    return nb, ""


def _retype(cell, cell_type: str):
    maker = {"code": nbformat.v4.new_code_cell, "markdown": nbformat.v4.new_markdown_cell}
    new = maker.get(cell_type, nbformat.v4.new_raw_cell)(cell.source)
    new.metadata = cell.metadata
    if "id" in cell:
        new.id = cell.id
    return new


class _Repairs:
    """What was repaired, as notes for the student's result."""

    def __init__(self):
        self.missing, self.edited, self.retyped, self.stripped = [], [], [], []

    def notes(self) -> list[str]:
        said = [("restored deleted cells", self.missing), ("restored edited read-only cells", self.edited),
                ("restored cell types", self.retyped),
                ("ignored unknown or duplicated nbgrader cells", self.stripped)]
        return [f"{what}: {', '.join(ids)}" for what, ids in said if ids]


def _match_release(nb, release, repairs: _Repairs) -> list:
    """The submission's cells, each graded cell given the release's type and metadata."""
    by_id = {cells.grade_id(c): c for c in release.cells if cells.grade_id(c)}
    seen, out = set(), []
    for cell in nb.cells:
        gid = cells.grade_id(cell)
        if gid is None:
            cell.get("metadata", {}).pop("nbgrader", None)
        elif gid not in by_id or gid in seen:
            cell.metadata.pop("nbgrader", None)
            repairs.stripped.append(gid)
        else:
            seen.add(gid)
            released = by_id[gid]
            if cell.cell_type != released.cell_type:
                cell = _retype(cell, released.cell_type)
                repairs.retyped.append(gid)
            cell.metadata["nbgrader"] = copy.deepcopy(released.metadata["nbgrader"])
            if cells.is_locked(released) and cell.source != released.source:
                repairs.edited.append(gid)
        out.append(cell)
    return out


def _restore_deleted(found: list, release, repairs: _Repairs) -> list:
    """Put back every graded cell of the release the submission lacks, after its predecessor."""
    order = {cells.grade_id(c): i for i, c in enumerate(release.cells) if cells.grade_id(c)}
    present = {cells.grade_id(c) for c in found}
    repairs.missing = [gid for gid in order if gid not in present]
    for gid in repairs.missing:
        i, position = order[gid], 0
        for j in range(i - 1, -1, -1):
            previous = cells.grade_id(release.cells[j])
            where = [k for k, c in enumerate(found) if previous is not None and cells.grade_id(c) == previous]
            if where:
                position = where[0] + 1
                break
        found.insert(position, copy.deepcopy(release.cells[i]))
    return found


def _unique_ids(found: list, nbformat_minor: int) -> None:
    ids = set()
    for cell in found:
        if cell.get("id") in ids or "id" not in cell:
            if nbformat_minor >= 5 or "id" in cell:
                cell["id"] = uuid.uuid4().hex[:12]
        ids.add(cell.get("id"))


def _skip_experiments(found: list) -> None:
    """Tag the code after the last graded or answer cell: experiments, not needed to grade."""
    graded = [k for k, c in enumerate(found) if c.cell_type == "code" and cells.kind(c) in ("tests", "answer")]
    for cell in found[(max(graded) if graded else len(found)) + 1:]:
        if cell.cell_type == "code":
            tags = cell.metadata.setdefault("tags", [])
            if SKIP_TAG not in tags:
                tags.append(SKIP_TAG)


def normalize(nb, release, run_experiments: bool = False) -> tuple[nbformat.NotebookNode, list[str]]:
    """The submission with the release's nbgrader structure; notes say what was repaired."""
    nb = copy.deepcopy(nb)
    repairs = _Repairs()
    found = _restore_deleted(_match_release(nb, release, repairs), release, repairs)
    _unique_ids(found, nb.nbformat_minor)
    if not run_experiments:
        _skip_experiments(found)
    nb.cells = found
    return nb, repairs.notes()
