"""`course lab`: JupyterLab's server presents a notebook with the language_info of the kernel it
will start, so JupyterLab does not mark the notebook modified when that kernel comes up."""
import asyncio
import shutil

import nbformat
from jupyter_client.manager import start_new_kernel

from autograder import lab, paths


def _kernel_language_info() -> dict:
    km, kc = start_new_kernel(kernel_name="python3")
    try:
        kc.kernel_info()
        reply = kc.get_shell_msg(timeout=60)
        while reply["msg_type"] != "kernel_info_reply":
            reply = kc.get_shell_msg(timeout=60)
        return reply["content"]["language_info"]
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def test_a_release_notebook_is_read_with_the_kernels_language_info(tmp_path):
    name = paths.assignments()[0]
    shutil.copy(paths.ROOT / "notebooks" / name / f"{name}.ipynb", tmp_path / "student.ipynb")
    stored = nbformat.read(tmp_path / "student.ipynb", as_version=4).metadata["language_info"]
    kernel = _kernel_language_info()
    assert stored != kernel  # what JupyterLab would otherwise replace, marking the notebook modified
    manager = lab.CourseContentsManager(root_dir=str(tmp_path))
    model = asyncio.run(manager.get("student.ipynb"))
    assert model["content"]["metadata"]["language_info"] == kernel
    assert nbformat.read(tmp_path / "student.ipynb", as_version=4).metadata["language_info"] == stored  # file untouched


def test_other_languages_are_left_alone():
    nb = nbformat.v4.new_notebook()
    nb.metadata = {"kernelspec": {"name": "ir", "display_name": "R", "language": "R"}, "language_info": {"name": "R"}}
    lab.with_kernel_language_info(nb)
    assert nb.metadata["language_info"] == {"name": "R"}


def test_lab_command_uses_the_course_contents_manager(tmp_path):
    cmd = lab.lab_command(tmp_path, port=9999, browser=False)
    assert cmd[1] == "lab" and f"--ServerApp.root_dir={tmp_path}" in cmd and "--port=9999" in cmd
    assert "--ServerApp.contents_manager_class=autograder.lab.CourseContentsManager" in cmd
