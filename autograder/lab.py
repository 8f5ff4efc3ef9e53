"""JupyterLab for the course: a notebook opens unmodified.

When a notebook's kernel starts, JupyterLab writes the kernel's ``language_info`` into the
notebook's metadata and marks the notebook modified unless it was already equal. That dictionary
names the exact Python version (``3.11.7``), which no committed notebook can match on every
student's machine, so every course notebook would open as "modified". The Jupyter server of the
course's environment (this module is configured by ``jupyter-config/``, installed with the
package) therefore presents each Python notebook with the ``language_info`` of the kernel it will
start: ipykernel's, in the server's own Python, which is the one ``python3`` runs.
"""
from __future__ import annotations

import copy

from jupyter_server.services.contents.largefilemanager import AsyncLargeFileManager


def kernel_language_info() -> dict:
    """The ``language_info`` that a ``python3`` kernel of this Python reports to JupyterLab."""
    from ipykernel.ipkernel import IPythonKernel
    return copy.deepcopy(IPythonKernel.language_info)


def with_kernel_language_info(nb) -> None:
    """Give notebook ``nb`` (a NotebookNode) the running Python's ``language_info`` if it is a
    Python notebook; leave other languages alone."""
    metadata = nb.setdefault("metadata", {})
    language = metadata.get("kernelspec", {}).get("language") or metadata.get("language_info", {}).get("name")
    if language == "python":
        metadata["language_info"] = kernel_language_info()


class CourseContentsManager(AsyncLargeFileManager):
    """Jupyter server's default contents manager; notebooks are read with the kernel's
    ``language_info`` (see the module's docstring)."""

    async def get(self, path, content=True, type=None, format=None, **kwargs):
        model = await super().get(path, content=content, type=type, format=format, **kwargs)
        if model.get("type") == "notebook" and model.get("content") is not None:
            with_kernel_language_info(model["content"])
        return model


def lab_command(folder, *, port: int | None = None, browser: bool = True) -> list[str]:
    """The ``jupyter lab`` command line that opens ``folder`` with the course's server settings."""
    import os
    import sys
    cmd = [os.path.join(os.path.dirname(sys.executable), "jupyter"), "lab", f"--ServerApp.root_dir={folder}",
           f"--ServerApp.contents_manager_class={__name__}.CourseContentsManager"]
    if port is not None:
        cmd.append(f"--port={int(port)}")
    if not browser:
        cmd.append("--no-browser")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")  # Jupyter refuses root otherwise (containers, CI)
    return cmd
