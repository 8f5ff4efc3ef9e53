"""Support for the browser tests: a real JupyterLab server and Debian's Chromium driven by Playwright.

    with jupyter_lab(folder) as lab, Browser(request) as b:
        b.page.goto(lab.url("lab/tree/x.ipynb")); ...; b.shot("opened")

``jupyter_lab`` starts ``jupyter lab`` on a free port with no token and throwaway settings,
workspaces and runtime folders, waits until it answers, and at the end shuts it down with its
kernels and makes sure no process of it is left. ``Browser`` launches Chromium (/usr/bin/chromium,
never Playwright's own builds: see /work/shared/BROWSER.md) in a persistent context, records every
console message of every page, writes numbered screenshots into
``test-output/browser/<test name>/`` and fails the test on any console error that is not known
noise. Tests skip only where neither Chromium nor Playwright can be had, and never under CI.
"""
from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import pytest

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "test-output" / "browser"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
START_TIMEOUT = 90      # s for jupyter lab to answer (2 busy cores: usually 3-6 s)

# Console messages of type "error" that are known noise, not a fault of the course: (pattern, why).
ALLOWED_ERRORS = [
    # nbconvert's HTML pages load MathJax and require.js from cdnjs; this machine (and a learner
    # offline) has no network, so the load fails. The figures are embedded and do not need them.
    (r"cdnjs\.cloudflare\.com", "nbconvert's HTML loads MathJax/require.js from a CDN; no network here"),
]
# and what follows from it: formgrader's submission page then calls MathJax, which never loaded
AFTER_CDN_FAILURE = [r"^uncaught: MathJax is not defined$"]


def chromium() -> str | None:
    for candidate in (os.environ.get("CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium"),
                      shutil.which("chromium-browser")):
        if candidate and Path(candidate).is_file():
            return candidate
    return None


def require_browser() -> str:
    """The path of Chromium; skip (fail under CI) when Chromium or Playwright is missing."""
    missing = [what for what, ok in (("Chromium (apt-get install chromium)", chromium()),
                                     ("Playwright (pip install playwright)", _has_playwright())) if not ok]
    if missing:
        why = f"browser tests need {' and '.join(missing)}; .ci/run installs both"
        if os.environ.get("CI"):
            pytest.fail(why + " (CI must run them, not skip them)")
        pytest.skip(why)
    return chromium()


def _has_playwright() -> bool:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return False
    return True


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --------------------------------------------------------------------------------------------------
# JupyterLab

@dataclass
class Lab:
    port: int
    root: Path
    process: subprocess.Popen
    log: Path
    pids: set[int] = field(default_factory=set)   # every process of the server seen, kernels included

    def url(self, path: str = "") -> str:
        return f"http://127.0.0.1:{self.port}/{path.lstrip('/')}"

    def api(self, path: str):
        with urllib.request.urlopen(self.url(f"api/{path}"), timeout=10) as r:
            body = r.read()
        return json.loads(body) if body else None

    def remember_processes(self) -> None:
        """Note the server's processes now (kernels run in their own sessions: the group misses them)."""
        with contextlib.suppress(psutil.NoSuchProcess):
            server = psutil.Process(self.process.pid)
            self.pids |= {server.pid, *(p.pid for p in server.children(recursive=True))}

    def kernels_idle(self, timeout: float = 60) -> None:
        """Wait until every kernel of the server is idle (started and not running anything)."""
        deadline = time.monotonic() + timeout
        kernels = None
        while time.monotonic() < deadline:
            # jupyter_server answers 500 while a kernel is half started (last_activity None): poll on
            with contextlib.suppress(urllib.error.HTTPError):
                kernels = self.api("kernels")
            if kernels and all(k["execution_state"] == "idle" for k in kernels):
                self.remember_processes()
                return
            time.sleep(0.2)
        raise AssertionError(f"no idle kernel within {timeout} s: {kernels}")

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def _lab_command(port: int, root: Path) -> list[str]:
    # the venv's jupyter by its path, as someone who did not activate the venv runs it (issue 12, 5)
    cmd = [str(Path(sys.executable).parent / "jupyter"), "lab", "--no-browser", "--ip", "127.0.0.1",
           "--port", str(port), "--IdentityProvider.token=", "--ServerApp.password=",
           f"--ServerApp.root_dir={root}", "--ServerApp.open_browser=False",
           # what `course lab` runs: notebooks read with the kernel's language_info open unmodified
           "--ServerApp.contents_manager_class=autograder.lab.CourseContentsManager"]
    return cmd + (["--allow-root"] if os.geteuid() == 0 else [])


def _lab_environment(state: Path) -> dict:
    env = dict(os.environ)
    venv_bin = str(Path(sys.executable).parent)
    # not activated: the venv's bin is not on PATH (the server must find alembic and kernels anyway)
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if p != venv_bin)
    env.pop("VIRTUAL_ENV", None)
    for name in ("JUPYTERLAB_SETTINGS_DIR", "JUPYTERLAB_WORKSPACES_DIR", "JUPYTER_RUNTIME_DIR"):
        (state / name.lower()).mkdir()
        env[name] = str(state / name.lower())
    env.pop("NBGRADER_EXECUTION", None)
    # no "get notified about Jupyter news?" toast over the screenshots (and no fetch: no network here)
    news = state / "jupyterlab_settings_dir" / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
    news.parent.mkdir(parents=True)
    news.write_text(json.dumps({"fetchNews": "false"}))
    return env


def _wait_until_answering(lab: Lab) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if lab.process.poll() is not None:
            raise AssertionError(f"jupyter lab exited with {lab.process.returncode}:\n{lab.output()[-3000:]}")
        with contextlib.suppress(OSError, urllib.error.URLError):
            if lab.api("status") is not None:
                return
        time.sleep(0.2)
    raise AssertionError(f"jupyter lab did not answer on port {lab.port} within {START_TIMEOUT} s:\n"
                         f"{lab.output()[-3000:]}")


def _stop(lab: Lab) -> list[int]:
    """Shut the server down (it stops its kernels), then kill whatever is left; return those pids."""
    lab.remember_processes()
    lab.process.send_signal(signal.SIGTERM)   # jupyter server shuts its kernels down, then exits
    with contextlib.suppress(subprocess.TimeoutExpired):
        lab.process.wait(timeout=30)
    left = [p for p in psutil.process_iter(["pid"]) if p.pid in lab.pids and p.is_running()
            and p.status() != psutil.STATUS_ZOMBIE]
    for proc in left:
        with contextlib.suppress(psutil.NoSuchProcess):
            proc.kill()
    if lab.process.poll() is None:
        lab.process.kill()
        lab.process.wait()
    return [p.pid for p in left]


@contextlib.contextmanager
def jupyter_lab(root: Path):
    """A real ``jupyter lab`` serving ``root`` on a free port; no process of it outlives the block."""
    state = Path(tempfile.mkdtemp(prefix="lab-state-"))
    log = state / "server.log"
    port = free_port()
    with open(log, "wb") as out:
        process = subprocess.Popen(_lab_command(port, root), cwd=root, env=_lab_environment(state), stdout=out,
                                   stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
    lab = Lab(port, root, process, log)
    try:
        _wait_until_answering(lab)
        lab.remember_processes()
        yield lab
    finally:
        left = _stop(lab)
        print(f"jupyter lab log: {log}")
        assert not left, f"processes of jupyter lab left running after it stopped (killed now): {left}"


# --------------------------------------------------------------------------------------------------
# Chromium

@dataclass
class Message:
    type: str
    text: str
    url: str
    page: str


class Browser:
    """Chromium in a persistent context, with every page's console recorded and numbered screenshots."""

    def __init__(self, request, viewport=(1440, 900)):
        self.name = re.sub(r"[^\w.-]+", "_", request.node.name)
        self.folder = OUTPUT / self.name
        self.viewport = viewport
        self.messages: list[Message] = []
        self.shots = 0

    def __enter__(self) -> "Browser":
        from playwright.sync_api import sync_playwright
        executable = require_browser()
        if self.folder.exists():
            shutil.rmtree(self.folder)
        self.folder.mkdir(parents=True)
        print(f"\nscreenshots: {self.folder}")
        self.profile = tempfile.mkdtemp(prefix="chromium-profile-")
        self._playwright = sync_playwright().start()
        self.context = self._playwright.chromium.launch_persistent_context(
            self.profile, executable_path=executable, headless=True, args=CHROMIUM_ARGS,
            viewport={"width": self.viewport[0], "height": self.viewport[1]})
        self.context.set_default_timeout(30_000)
        self.context.on("page", self._watch)
        for page in self.context.pages:
            self._watch(page)
        self.page = self.context.pages[0] if self.context.pages else self.context.new_page()
        return self

    def _watch(self, page) -> None:
        page.on("console", lambda m: self.messages.append(
            Message(m.type, m.text, (m.location or {}).get("url", ""), page.url)))
        page.on("pageerror", lambda exc: self.messages.append(Message("error", f"uncaught: {exc}", "", page.url)))

    def shot(self, name: str, show=None, page=None) -> Path:
        """Screenshot of the page as it is now, scrolled to ``show`` (a locator) if given:
        test-output/browser/<test>/<NN>-<name>.png."""
        self.shots += 1
        slug = re.sub(r"[^\w.-]+", "-", name)
        path = self.folder / f"{self.shots:02d}-{slug}.png"
        if show is not None:
            show.scroll_into_view_if_needed()
        (page or self.page).screenshot(path=str(path))
        return path

    def errors(self) -> list[Message]:
        """Console errors that are not known noise (ALLOWED_ERRORS says why each is allowed)."""
        def allowed(m: Message) -> bool:
            return any(re.search(p, f"{m.text} {m.url}") for p, _ in ALLOWED_ERRORS)
        allowed_too = AFTER_CDN_FAILURE if any(m.type == "error" and allowed(m) for m in self.messages) else []
        return [m for m in self.messages if m.type == "error" and not allowed(m)
                and not any(re.search(p, m.text) for p in allowed_too)]

    def __exit__(self, kind, exc, tb) -> None:
        try:
            (self.folder / "console.txt").write_text(
                "".join(f"[{m.type}] {m.text} ({m.url or m.page})\n" for m in self.messages))
            if kind is None:
                errors = self.errors()
                assert not errors, "the browser console shows errors:\n" + "\n".join(
                    f"  {m.text} (at {m.url or m.page})" for m in errors)
        finally:
            self.context.close()
            self._playwright.stop()
            shutil.rmtree(self.profile, ignore_errors=True)
