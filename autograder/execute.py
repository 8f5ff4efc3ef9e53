"""Run notebooks headless in a real Jupyter kernel (nbclient), for solutions and benchmarks."""
from __future__ import annotations

import os
import time
from contextlib import contextmanager
from pathlib import Path

import nbclient
import nbformat

from .paths import tool_env


@contextmanager
def _environment(env: dict):
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def execute(nb: nbformat.NotebookNode, workdir: Path, timeout: int = 600,
            nbgrader_execution: str | None = None) -> tuple[nbformat.NotebookNode, float]:
    """Execute ``nb`` top to bottom with ``workdir`` as the kernel's folder.

    ``nbgrader_execution`` sets NBGRADER_EXECUTION for the kernel as nbgrader does ('autograde',
    'validate'), so notebooks take their short path. Raises nbclient's CellExecutionError on the
    first failing cell. Returns the executed notebook and the seconds it took.
    """
    env = tool_env()
    env.pop("NBGRADER_EXECUTION", None)
    if nbgrader_execution:
        env["NBGRADER_EXECUTION"] = nbgrader_execution
    client = nbclient.NotebookClient(nb, timeout=timeout, kernel_name="python3",
                                     resources={"metadata": {"path": str(workdir)}})
    start = time.perf_counter()
    with _environment(env):  # the kernel inherits the parent's environment
        client.execute()
    return nb, time.perf_counter() - start


def to_html(nb: nbformat.NotebookNode) -> str:
    from nbconvert import HTMLExporter
    body, _ = HTMLExporter().from_notebook_node(nb)
    return body
