"""The pip and conda dependency lists agree, and the installed tools are the ones they ask for."""
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _normalize(spec: str) -> str:
    return re.sub(r"\s+", "", spec).lower()


def _pyproject_requirements():
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    project = data["project"]
    return {_normalize(s) for s in project["dependencies"] + project["optional-dependencies"]["dev"]}


def _conda_requirements():
    specs = set()
    in_deps = False
    for raw in (ROOT / "environment.yml").read_text().splitlines():
        line = raw.split("#", 1)[0].rstrip()
        if re.match(r"^dependencies:", line):
            in_deps = True
            continue
        if in_deps and re.match(r"^  - ", line):
            spec = line[4:].strip()
            if spec in ("pip", "pip:") or spec.startswith("python"):
                continue
            specs.add(_normalize(spec))
        elif in_deps and re.match(r"^      - [^-]", line):  # a package only pip has, in the pip: list
            specs.add(_normalize(line[8:].strip()))
    return specs


def test_environment_yml_lists_the_same_dependencies_as_pyproject():
    pip_specs, conda_specs = _pyproject_requirements(), _conda_requirements()
    assert pip_specs, "no dependencies parsed from pyproject.toml"
    assert pip_specs == conda_specs, (
        f"only in pyproject.toml: {sorted(pip_specs - conda_specs)}; "
        f"only in environment.yml: {sorted(conda_specs - pip_specs)}")


def test_installed_versions_satisfy_the_pins():
    from importlib.metadata import version
    assert version("nbgrader") == "0.9.6"
    major, minor = (int(p) for p in version("jupyterlab").split(".")[:2])
    assert major == 4 and minor >= 6, version("jupyterlab")


def _jupyter(*args):
    bindir = os.path.dirname(sys.executable)
    env = dict(os.environ, PATH=bindir + os.pathsep + os.environ.get("PATH", ""))
    return subprocess.run([os.path.join(bindir, "jupyter"), *args], capture_output=True,
                          text=True, env=env, timeout=120)


def test_nbgrader_lab_extension_is_enabled_and_ok():
    result = _jupyter("labextension", "list")
    text = re.sub(r"\x1b\[[0-9;]*m", "", result.stdout + result.stderr)
    line = next((l for l in text.splitlines() if "@jupyter/nbgrader" in l), "")
    assert "enabled" in line and "OK" in line, text


def test_nbgrader_server_extensions_are_enabled_and_ok():
    result = _jupyter("server", "extension", "list")
    text = re.sub(r"\x1b\[[0-9;]*m", "", result.stdout + result.stderr)
    for name in ("formgrader", "validate_assignment", "assignment_list", "course_list"):
        ext = f"nbgrader.server_extensions.{name}"
        assert f"{ext} enabled" in text, text
        assert re.search(re.escape(ext) + r"\s+OK", text), text


def test_alembic_is_next_to_the_interpreter():
    # nbgrader creates its database by running `alembic` by name
    bindir = os.path.dirname(sys.executable)
    assert shutil.which("alembic", path=bindir), f"no alembic in {bindir}"


def test_importing_nbformat_compiles_no_iri_grammar():
    # every grading worker, `alembic` run and `course` command imports nbformat; jsonschema 4.25+
    # would compile rfc3987-syntax's grammar there (1.2 s each): pyproject.toml pins it below that
    code = "import sys, nbformat; print('rfc3987_syntax' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "False", (
        "importing nbformat imported rfc3987_syntax (an RFC 3987 grammar compiled in every process); "
        f"is jsonschema >= 4.25 installed? {out.stdout}{out.stderr}")
