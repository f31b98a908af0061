"""A throwaway PostgreSQL server in a temporary folder, for tests and local runs.

The server listens on 127.0.0.1 only, on a free port, with its Unix socket in
the same folder. PostgreSQL refuses to run as root, so when this process is
root the server programs run as the ``postgres`` operating-system user through
``runuser``, and the folder is handed to that user.
"""

import logging
import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path

from orchestration.engines.postgres import PostgresConnection

logger = logging.getLogger(__name__)

# Debian's postgresql package installs version 15 here on bookworm.
DEFAULT_BIN_DIRS = (Path("/usr/lib/postgresql/15/bin"),)
SUPERUSER = "rightpath"
SERVER_OS_USER = "postgres"
STOP_TIMEOUT_SECONDS = 30


def find_bin_dir() -> Path:
    """Return the folder with initdb and pg_ctl, or raise FileNotFoundError.

    ``RIGHTPATH_PG_BIN_DIR`` overrides the search of the Debian location and PATH.
    """
    configured = os.environ.get("RIGHTPATH_PG_BIN_DIR")
    candidates = [Path(configured)] if configured else list(DEFAULT_BIN_DIRS)
    on_path = shutil.which("initdb")
    if on_path and not configured:
        candidates.append(Path(on_path).parent)
    for folder in candidates:
        if (folder / "initdb").is_file() and (folder / "pg_ctl").is_file():
            return folder
    raise FileNotFoundError(
        f"initdb and pg_ctl not found in {[str(folder) for folder in candidates]}; install"
        " PostgreSQL (`apt-get install -y postgresql`) or set RIGHTPATH_PG_BIN_DIR"
    )


def free_local_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class LocalPostgres:
    """A server started by ``start`` and stopped by ``stop``; ``connection`` reaches it."""

    folder: Path
    connection: PostgresConnection
    pid: int

    @classmethod
    def start(cls, dbname: str = "rightpath") -> "LocalPostgres":
        """Create a cluster in a new temporary folder, start it and create `dbname`."""
        bin_dir = find_bin_dir()
        started_at = time.monotonic()
        folder = Path(tempfile.mkdtemp(prefix="rightpath_pg_"))
        data_dir = folder / "data"
        try:
            password = init_cluster(bin_dir, folder, data_dir)
            port = free_local_port()
            start_cluster(bin_dir, folder, data_dir, port)
        except BaseException:
            stop_started_cluster(data_dir)
            shutil.rmtree(folder, ignore_errors=True)
            raise

        admin = PostgresConnection(
            host="127.0.0.1", port=port, user=SUPERUSER, password=password, dbname="postgres"
        )
        server = cls(folder=folder, connection=admin, pid=read_pid(data_dir))
        try:
            server.connection = server.create_database(dbname)
        except BaseException:
            server.stop()
            raise
        logger.info(
            "PostgreSQL started on 127.0.0.1:%d, pid %d, in %s (%.1f s)",
            port,
            server.pid,
            folder,
            time.monotonic() - started_at,
        )
        return server

    def create_database(self, dbname: str) -> PostgresConnection:
        """Create an empty database on this server and return its connection settings."""
        from psycopg2 import sql

        connection = replace(self.connection, dbname="postgres").connect()
        try:
            connection.autocommit = True
            with connection.cursor() as cursor:
                cursor.execute(sql.SQL("create database {}").format(sql.Identifier(dbname)))
        finally:
            connection.close()
        return replace(self.connection, dbname=dbname)

    def environment(self, connection: PostgresConnection | None = None) -> dict[str, str]:
        """Return the ``RIGHTPATH_*`` variables that point dbt's postgres target here."""
        settings = connection or self.connection
        return {
            "RIGHTPATH_ENGINE": "postgres",
            "RIGHTPATH_PG_HOST": settings.host,
            "RIGHTPATH_PG_PORT": str(settings.port),
            "RIGHTPATH_PG_USER": settings.user,
            "RIGHTPATH_PG_PASSWORD": settings.password,
            "RIGHTPATH_PG_DBNAME": settings.dbname,
        }

    def stop(self) -> None:
        """Stop the server by its pid (fast shutdown) and delete its folder."""
        try:
            os.kill(self.pid, signal.SIGINT)
        except ProcessLookupError:
            logger.warning("PostgreSQL pid %d had already exited", self.pid)
        else:
            wait_for_exit(self.pid)
            logger.info("PostgreSQL pid %d stopped", self.pid)
        shutil.rmtree(self.folder, ignore_errors=True)


def wait_for_exit(pid: int) -> None:
    """Wait until `pid` has exited, sending SIGQUIT after STOP_TIMEOUT_SECONDS."""
    deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    logger.error(
        "PostgreSQL pid %d did not stop in %d s; sending SIGQUIT", pid, STOP_TIMEOUT_SECONDS
    )
    os.kill(pid, signal.SIGQUIT)


def init_cluster(bin_dir: Path, folder: Path, data_dir: Path) -> str:
    """Run initdb into `data_dir` with a random superuser password, and return the password."""
    password = secrets.token_urlsafe(16)
    password_file = folder / "password"
    password_file.write_text(password + "\n", encoding="utf-8")
    socket_dir = folder / "socket"
    socket_dir.mkdir()
    if os.geteuid() == 0:
        for path in (folder, socket_dir, password_file):
            shutil.chown(path, user=SERVER_OS_USER)
    run_as_server_user(
        [
            str(bin_dir / "initdb"),
            f"--pgdata={data_dir}",
            f"--username={SUPERUSER}",
            f"--pwfile={password_file}",
            "--auth=scram-sha-256",
            "--encoding=UTF8",
            "--locale=C",
            # No fsync of the new files, because the cluster is thrown away.
            "--no-sync",
        ]
    )
    return password


def start_cluster(bin_dir: Path, folder: Path, data_dir: Path, port: int) -> None:
    """Start the server with pg_ctl and wait until it accepts connections."""
    options = (
        f"-c listen_addresses=127.0.0.1 -p {port} -k {folder / 'socket'}"
        " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        " -c timezone=UTC"
    )
    run_as_server_user(
        [
            str(bin_dir / "pg_ctl"),
            f"--pgdata={data_dir}",
            f"--log={folder / 'server.log'}",
            f"--options={options}",
            "--wait",
            "start",
        ]
    )


def read_pid(data_dir: Path) -> int:
    """Return the server's pid from the first line of postmaster.pid."""
    return int((data_dir / "postmaster.pid").read_text(encoding="utf-8").splitlines()[0])


def stop_started_cluster(data_dir: Path) -> None:
    """Stop a server whose start failed half-way, when it wrote its pid file."""
    if not (data_dir / "postmaster.pid").is_file():
        return
    pid = read_pid(data_dir)
    try:
        os.kill(pid, signal.SIGINT)
    except ProcessLookupError:
        return
    wait_for_exit(pid)


def run_as_server_user(command: list[str]) -> None:
    """Run a server program, as the postgres user when this process is root."""
    program = Path(command[0]).name
    if os.geteuid() == 0:
        command = ["runuser", "-u", SERVER_OS_USER, "--", *command]
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        output = completed.stderr.strip() or completed.stdout.strip()
        raise RuntimeError(f"{program} failed with exit code {completed.returncode}: {output}")
