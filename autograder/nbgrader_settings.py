"""The one place nbgrader is configured.

:func:`nbgrader_config` builds the traitlets ``Config`` every nbgrader run of the course uses:
releasing (``course release``), grading (``course grade`` and everything graded through it: the
self-check, the demo, the benchmarks) and formgrader at the repository root. :func:`render` turns
such a Config into the text of an ``nbgrader_config.py``, so the file written into a grading folder
says exactly what the grader ran with.
"""
from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from traitlets.config import Config

from .paths import COURSE_ID, ROOT

CODE_STUB = 'raise NotImplementedError("Your code here: see the docstring and the hint above.")'
TEXT_STUB = "YOUR ANSWER HERE"

# Files nbgrader never copies: notebook checkpoints, caches, our own hidden state.
IGNORE = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", ".*"]
# Releasing copies nothing but the notebook: beside the instructor notebook sit the jupytext source
# and mutations.toml, full of answers, and formgrader's Generate copies whatever is not ignored
# (nbgrader matches these globs per folder, and converts the notebooks separately).
IGNORE_ON_RELEASE = IGNORE + ["*"]

# nbgrader's own autograde chain, with Execute and IgnorePattern replaced by ours (see nbgrader_ext).
AUTOGRADE_PREPROCESSORS = [
    "autograder.nbgrader_ext.LimitedExecute",
    "autograder.nbgrader_ext.StderrIsNotAnError",
    "nbconvert.preprocessors.ClearMetadataPreprocessor",
    "nbgrader.preprocessors.LimitOutput",
    "nbgrader.preprocessors.SaveAutoGrades",
    "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata",
]
FEEDBACK_PREPROCESSORS = [
    "nbgrader.preprocessors.GetGrades",
    "autograder.nbgrader_ext.HideHiddenTests",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]

# HTMLExporter without its second parse of each page, its templates and cells rendered once per
# process (see feedback_html)
FEEDBACK_EXPORTER = "autograder.feedback_html.FeedbackExporter"


def nbgrader_config(root: Path | None = None, db_url: str | None = None, limits=None) -> Config:
    """The Config of a course folder ``root``; with ``limits`` (a :class:`sandbox.Limits`) the grading
    settings too: time limits, output cap, our autograde and feedback chains."""
    c = Config()
    c.CourseDirectory.course_id = COURSE_ID
    c.ClearSolutions.code_stub = {"python": CODE_STUB}
    c.ClearSolutions.text_stub = TEXT_STUB
    c.CourseDirectory.ignore = list(IGNORE if limits is not None else IGNORE_ON_RELEASE)
    if root is not None:
        c.CourseDirectory.root = str(root)
    if db_url is not None:
        c.CourseDirectory.db_url = db_url
    if limits is not None:
        c.Execute.timeout = int(limits.cell_timeout)
        c.Execute.startup_timeout = 120
        c.Execute.interrupt_on_timeout = True
        c.Execute.shutdown_kernel = "immediate"  # the notebook is done: kill, don't wait for a polite exit
        c.LimitedExecute.max_output_mb = 2 * float(limits.output_mb) + 1  # behind the kernel's own cap
        c.Autograde.autograde_preprocessors = list(AUTOGRADE_PREPROCESSORS)
        c.GenerateFeedback.preprocessors = list(FEEDBACK_PREPROCESSORS)
        c.GenerateFeedback.exporter_class = FEEDBACK_EXPORTER
    return c


def tools_on_path() -> None:
    """Put this interpreter's ``bin`` on PATH when ``alembic`` is not found there.

    nbgrader creates a gradebook by running ``alembic`` by name; in a ``jupyter lab`` started from
    the venv without activating it, formgrader would hang on "Loading, please wait..." with an
    HTTP 500 (FileNotFoundError: 'alembic'). nbgrader loads its config in the server's process, so
    the configuration files call this."""
    bindir = os.path.dirname(sys.executable)
    if shutil.which("alembic") is None and os.path.exists(os.path.join(bindir, "alembic")):
        os.environ["PATH"] = bindir + os.pathsep + os.environ.get("PATH", "")


def render(config: Config, doc: str) -> str:
    """The text of an ``nbgrader_config.py`` that sets exactly ``config`` (docstring ``doc``)."""
    lines = [f'"""{doc.strip()}"""', "import sys", "",
             "# the course's own preprocessors (autograder.nbgrader_ext) are imported from here",
             f"sys.path.insert(0, {str(ROOT)!r})",
             "from autograder.nbgrader_settings import tools_on_path  # noqa: E402",
             "tools_on_path()  # nbgrader runs `alembic` by name",
             "c = get_config()  # noqa: F821"]
    for section in sorted(config):
        for name, value in sorted(config[section].items()):
            lines.append(f"c.{section}.{name} = {value!r}")
    return "\n".join(lines) + "\n"

