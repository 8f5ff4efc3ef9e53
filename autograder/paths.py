"""Where things live, and the environment every nbgrader or Jupyter subprocess gets."""
from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = ROOT / "solutions"
NOTEBOOKS = ROOT / "notebooks"
EXECUTED = ROOT / "executed"
COURSE_ID = "training-neural-networks"


def assignments(root: Path = ROOT) -> list[str]:
    """Names of the assignments: folders of solutions/ holding ``<name>/<name>.py``."""
    folder = root / "solutions"
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir() if (p / f"{p.name}.py").is_file())


class UnknownAssignment(ValueError):
    """An assignment name that is not one of the course's."""


def require_assignment(name: str, root: Path = ROOT) -> str:
    """``name`` if it is an assignment of the course at ``root``; else UnknownAssignment naming the known ones."""
    known = assignments(root)
    if name not in known:
        raise UnknownAssignment(f"unknown assignment {name!r}; known: {', '.join(known) or 'none'}")
    return name


def tool_env(**extra: str) -> dict:
    """os.environ with this interpreter's bin first on PATH.

    nbgrader creates its database by running ``alembic`` by name and Jupyter finds kernels by the
    interpreter on PATH, so both must come from this environment even when it is not activated.
    """
    bindir = os.path.dirname(sys.executable)
    env = dict(os.environ)
    env["PATH"] = bindir + os.pathsep + env.get("PATH", "")
    env.setdefault("MPLBACKEND", "Agg")
    # Small matrices: BLAS threads only fight each other (and parallel graders) on a 2-core machine.
    env.setdefault("OPENBLAS_NUM_THREADS", "1")
    env.setdefault("OMP_NUM_THREADS", "1")
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.update(extra)
    return env


def tool(name: str) -> str:
    """Path of a console script installed next to this interpreter (nbgrader, jupyter, ...)."""
    return os.path.join(os.path.dirname(sys.executable), name)
