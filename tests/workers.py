"""A real Celery worker in a subprocess, against the pytest database and a Redis database of its own.

The worker uses oms.settings.base (oms/settings/test.py forces in-process tasks), so it reads the
database and broker from the environment, like production. Tests that use it need committed data:
`@pytest.mark.django_db(transaction=True)`.
"""

import os
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import redis
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


def redis_available(url: str) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


def _database_url() -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@contextmanager
def celery_worker(*, broker_url: str, log_path: Path, env: dict | None = None):
    """Start `celery -A oms worker` (solo pool: the task runs in the process we may kill) until ready."""
    worker_env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "oms.settings.base",
        "DJANGO_DEBUG": "1",
        "DJANGO_SECRET_KEY": "worker-test-secret",
        "DATABASE_URL": _database_url(),
        "DATABASE_CONN_MAX_AGE": "0",
        "REDIS_URL": broker_url,
        **(env or {}),
    }
    log = open(log_path, "wb")  # noqa: SIM115
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "oms",
            "worker",
            "--pool",
            "solo",
            "-l",
            "info",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=ROOT,
        env=worker_env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    worker = WorkerProcess(process, log_path)
    try:
        worker.wait_ready()
        yield worker
    finally:
        worker.stop()
        log.close()


class WorkerProcess:
    def __init__(self, process: subprocess.Popen, log_path: Path | None):
        self.process = process
        self.log_path = log_path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path else ""

    def wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"Celery worker exited: {self.log()[-2000:]}")
            if "ready." in self.log():
                return
            time.sleep(0.1)
        raise RuntimeError(f"Celery worker not ready after {timeout}s: {self.log()[-2000:]}")

    def kill(self) -> None:
        """SIGKILL the worker's whole process group: no warm shutdown, no acknowledgement."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()
