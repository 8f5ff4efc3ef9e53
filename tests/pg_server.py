"""A real PostgreSQL server for the tests: ``initdb`` and ``pg_ctl`` in a temporary folder.

The server binaries come with Debian's ``postgresql`` package (``.ci/run`` installs it); they live
in ``/usr/lib/postgresql/<version>/bin``, off PATH. ``initdb`` refuses to run as root, so as root
the cluster belongs to ``nobody`` (the data folder is chowned to it and every server command runs
through ``setpriv``). The server listens on a free port of 127.0.0.1 only, with trust
authentication (nothing but this machine can reach it), and is stopped with ``pg_ctl stop -m
immediate`` at teardown: no process is left.

    with PgServer.start() as pg:
        url = pg.create_database("class1")      # postgresql+psycopg://...
"""
from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

UNPRIVILEGED = ("nobody", 65534, 65534)


def server_bin() -> Path | None:
    """The newest installed PostgreSQL's bin folder (with initdb), or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("initdb")
    return Path(on_path).parent if on_path else None


def missing_reason() -> str | None:
    """Why no test server can start here (for a skip), or None."""
    if server_bin() is None:
        return "PostgreSQL server binaries (initdb, pg_ctl) not installed: apt-get install postgresql"
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "psycopg not installed: pip install -e '.[postgres]'"
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PgServer:
    def __init__(self, folder: Path, port: int):
        self.folder, self.port = folder, port
        self.data = folder / "data"
        self.bin = server_bin()

    def _as_owner(self, args: list[str]) -> list[str]:
        if os.geteuid() != 0:
            return args
        user, uid, gid = UNPRIVILEGED
        return ["setpriv", f"--reuid={uid}", f"--regid={gid}", "--clear-groups", "--", *args]

    def _run(self, *args: str, timeout: float = 120) -> None:
        res = subprocess.run(self._as_owner([str(self.bin / args[0]), *args[1:]]), capture_output=True, text=True,
                             timeout=timeout, cwd=self.folder, env={**os.environ, "LC_ALL": "C"})
        if res.returncode != 0:
            raise RuntimeError(f"{' '.join(args[:2])} failed ({res.returncode}):\n{res.stdout}\n{res.stderr}")

    @classmethod
    def start(cls) -> PgServer:
        # Under /tmp, not pytest's tmp_path: pytest's folders are 0700 root, closed to `nobody`.
        folder = Path(tempfile.mkdtemp(prefix="course-pg-"))
        os.chmod(folder, 0o755)
        if os.geteuid() == 0:
            os.chown(folder, UNPRIVILEGED[1], UNPRIVILEGED[2])
        server = cls(folder, _free_port())
        try:
            server._run("initdb", "-D", str(server.data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                        "--no-sync")
            server.resume()
        except BaseException:
            server.stop()
            raise
        return server

    def resume(self) -> None:
        """Start the server (again, after :meth:`halt`), on the same port and data."""
        opts = (f"-c listen_addresses=127.0.0.1 -c port={self.port} -c unix_socket_directories={self.folder} "
                "-c fsync=off -c max_connections=200")
        self._run("pg_ctl", "-D", str(self.data), "-o", opts, "-l", str(self.folder / "server.log"), "-w",
                  "-t", "60", "start")

    def halt(self) -> None:
        """Stop the server abruptly (as a crash or a network cut would), keeping its data."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "-t", "30", "stop")

    @property
    def admin_url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def url(self, database: str, password: str | None = None) -> str:
        auth = f"postgres:{password}" if password else "postgres"
        return f"postgresql+psycopg://{auth}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        """A fresh, empty database; its SQLAlchemy URL."""
        import psycopg
        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres",
                             autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            try:
                self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "-t", "30", "stop")
            except (RuntimeError, subprocess.TimeoutExpired):
                self._kill_postmaster()
        shutil.rmtree(self.folder, ignore_errors=True)

    def _kill_postmaster(self) -> None:
        try:
            pid = int((self.data / "postmaster.pid").read_text().split()[0])
            os.kill(pid, 9)
            time.sleep(0.5)
        except (OSError, ValueError, IndexError):
            pass

    def __enter__(self) -> PgServer:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
