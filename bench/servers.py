"""The two gunicorn servers (Gatehouse and the bare floors) and their environments."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from bench import procfs
from bench.common import output, read
from bench.constants import BENCH, ROOT
from bench.sampling import Sampler


def base_env() -> dict[str, str]:
    """This environment without anything that would change Gatehouse's settings."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "OAUTH_", "BENCH_"))
        and k
        not in (
            "DATABASE_URL",
            "DATABASE_CONN_MAX_AGE",
            "REDIS_URL",
            "LOG_LEVEL",
            "ACCESS_TOKEN_EXPIRE_SECONDS",
            "REFRESH_TOKEN_EXPIRE_SECONDS",
            "REFRESH_TOKEN_REUSE_GRACE_SECONDS",
            "REFRESH_TOKEN_GRACE_PERIOD_SECONDS",  # the old name, refused at start-up
        )
    }
    env["PYTHONPATH"] = str(ROOT)
    return env


def server_env(database_url: str, workdir: Path) -> dict[str, str]:
    """Gatehouse's production environment, as the README's Deploy section lists it.

    Nothing is switched off for the bench: rate limits count in Redis, HSTS is sent, and
    plain http would be refused; like production behind a TLS-terminating proxy, every
    request says `X-Forwarded-Proto: https` (DJANGO_SECURE_PROXY_SSL_HEADER=1).
    """
    env = base_env()
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DJANGO_SECRET_KEY": os.urandom(32).hex(),
            "DJANGO_DEBUG": "0",
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DJANGO_SECURE_PROXY_SSL_HEADER": "1",
            "DATABASE_URL": database_url,
            # Production serves collected static files from here; empty for the bench (no
            # endpoint measured is a static file), but present, so WhiteNoise has no warning.
            "DJANGO_STATIC_ROOT": str(workdir / "staticfiles"),
            # ID token signing key (bench/seed.py oidc-key writes it before anything runs).
            "OIDC_RSA_PRIVATE_KEY_FILE": str(workdir / "oidc.pem"),
            "REDIS_URL": "redis://127.0.0.1:6379/0",
        }
    )
    return env


def floor_env(database_url: str, application_id: int) -> dict[str, str]:
    """The bare floor server (bench/floor/): the same database, nothing else."""
    env = base_env()
    env.update(
        {
            "DJANGO_SECRET_KEY": os.urandom(32).hex(),
            "DATABASE_URL": database_url,
            "BENCH_APPLICATION_ID": str(application_id),
            "BENCH_GUNICORN_APP": "bench.floor.wsgi:application",
        }
    )
    return env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Gunicorn:
    """gunicorn with bench/gunicorn.py (production's settings, no access log)."""

    def __init__(
        self, env: dict[str, str], workdir: Path, workers: int, database, name: str = "gatehouse"
    ) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = workdir / f"{name}.gunicorn.log"
        self.out_path = workdir / f"{name}.server.out"
        metadata = "/.well-known/oauth-authorization-server"
        self.ready_path = "/bench/read" if "BENCH_GUNICORN_APP" in env else metadata
        self.database = database
        self.cmd = [sys.executable, "-m", "gunicorn", "-c", str(BENCH / "gunicorn.py")]
        env = {**env, **self._bench_env(workers)}
        self.out = self.out_path.open("w")
        self.proc = subprocess.Popen(
            self.cmd, cwd=ROOT, env=env, stdout=self.out, stderr=subprocess.STDOUT
        )
        self.workers: list[int] = []
        self.sampler = Sampler(self.proc.pid, database)

    def _bench_env(self, workers: int) -> dict[str, str]:
        """What bench/gunicorn.py reads on top of production's settings."""
        return {
            "BENCH_GUNICORN_BIND": f"127.0.0.1:{self.port}",
            "BENCH_GUNICORN_WORKERS": str(workers),
            "BENCH_GUNICORN_ERRORLOG": str(self.log_path),
        }

    def settings(self) -> dict:
        """The effective settings, as gunicorn reads bench/gunicorn.py."""
        code = (
            "import json, os, runpy; c = runpy.run_path('bench/gunicorn.py'); "
            "print(json.dumps({k: c.get(k) for k in ('workers', 'worker_class', "
            "'preload_app', 'timeout', 'max_requests', 'max_requests_jitter', 'accesslog', "
            "'wsgi_app')}))"
        )
        env = {**base_env(), **self._bench_env(len(self.workers))}
        try:
            return json.loads(output([sys.executable, "-c", code], cwd=ROOT, env=env))
        except ValueError:
            return {}

    def _status(self, request: urllib.request.Request) -> int | None:
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                return response.status
        except urllib.error.HTTPError as error:  # the floor's read answers 404 here
            return error.code
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            return None

    def wait_ready(self, workers: int, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        request = urllib.request.Request(
            self.url + self.ready_path, headers={"X-Forwarded-Proto": "https"}
        )
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"bench: gunicorn exited ({self.proc.returncode}):\n{self.tail()}")
            self.workers = procfs.children(self.proc.pid)
            status = self._status(request)
            if status in (200, 404) and len(self.workers) == workers:
                self.sampler.start()
                return
            time.sleep(0.2)
        raise SystemExit(f"bench: gunicorn not ready after {timeout:.0f} s:\n{self.tail()}")

    def settle(self, limit: float = 5.0) -> None:
        """Wait until the workers are idle: when wrk stops, requests still queued in the
        listen backlog are served, and must not count towards the next measurement."""
        deadline = time.monotonic() + limit
        last = self.sampler.totals()["workers"]
        while time.monotonic() < deadline:
            time.sleep(0.1)
            now = self.sampler.totals()["workers"]
            if now - last < 0.005:
                return
            last = now

    def tail(self, lines: int = 40) -> str:
        text = read(str(self.log_path)) + read(str(self.out_path))
        return "\n".join(text.splitlines()[-lines:])

    def problems(self) -> dict:
        """Lines in the server's logs that say something went wrong."""
        text = read(str(self.log_path)) + "\n" + read(str(self.out_path))
        bad = [
            line
            for line in text.splitlines()
            if re.search(r"Traceback|\bERROR\b|\bWARNING\b|CRITICAL|Worker timeout", line)
        ]
        return {"count": len(bad), "first": bad[:10]}

    def stop(self) -> None:
        if self.sampler.is_alive():
            self.sampler.stop()
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.out.close()
