"""Configuration mistakes stop every entry point with exactly one line naming the variable
(config/startup.py), and a non-zero exit status: manage.py, runserver and gunicorn."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))


def environment(**variables: str) -> dict[str, str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_", "REDIS_URL", "LOG_", "OAUTH_", "OIDC_"))
    }
    clean.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DATABASE_URL="sqlite:///:memory:",
        DJANGO_SECRET_KEY="k" * 50,
        DJANGO_ALLOWED_HOSTS="auth.example.org",
    )
    clean.update(variables)
    return {k: v for k, v in clean.items() if v is not None}


def run(command: list[str], **variables) -> subprocess.CompletedProcess:
    return subprocess.run(
        command,
        cwd=ROOT,
        env=environment(**variables),
        capture_output=True,
        text=True,
        timeout=60,
    )


MISTAKES = [
    ({"DATABASE_URL": "foo://bar"}, "DATABASE_URL"),
    ({"DATABASE_URL": "postgres://u@host:notaport/db"}, "DATABASE_URL"),
    ({"LOG_FORMAT": "xml"}, "LOG_FORMAT"),
    ({"REDIS_URL": "memcached://cache:11211"}, "REDIS_URL"),
    ({"DATABASE_CONN_MAX_AGE": "a minute"}, "DATABASE_CONN_MAX_AGE"),
    ({"OAUTH_DIALECT": "oauth1"}, "OAUTH_DIALECT"),
    ({"REFRESH_TOKEN_GRACE_PERIOD_SECONDS": "10"}, "REFRESH_TOKEN_REUSE_GRACE_SECONDS"),
]


def assert_one_line(result: subprocess.CompletedProcess, variable: str) -> None:
    assert result.returncode != 0, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Configuration error: "), lines[0]
    assert variable in lines[0], lines[0]
    assert "Traceback" not in result.stdout + result.stderr


@pytest.mark.parametrize(("variables", "variable"), MISTAKES)
def test_a_configuration_mistake_stops_manage_py_with_one_line(variables, variable):
    assert_one_line(run([sys.executable, "manage.py", "check"], **variables), variable)


@pytest.mark.parametrize(("variables", "variable"), MISTAKES)
def test_a_configuration_mistake_stops_gunicorn_with_one_line(variables, variable):
    command = [GUNICORN, "-c", "config/gunicorn.py", "config.wsgi"]
    result = run(command, GUNICORN_BIND="127.0.0.1:0", DJANGO_DEBUG="0", **variables)
    assert_one_line(result, variable)


def test_gunicorn_without_a_secret_key_stops_with_one_line():
    command = [GUNICORN, "-c", "config/gunicorn.py", "config.wsgi"]
    result = run(command, GUNICORN_BIND="127.0.0.1:0", DJANGO_DEBUG="0", DJANGO_SECRET_KEY=None)
    assert_one_line(result, "DJANGO_SECRET_KEY")


def test_runserver_without_a_secret_key_exits_instead_of_waiting():
    result = run(
        [sys.executable, "manage.py", "runserver", "127.0.0.1:0"],
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=None,
    )
    assert_one_line(result, "DJANGO_SECRET_KEY")


def test_offline_commands_still_run_without_a_secret_key():
    result = run([sys.executable, "manage.py", "check"], DJANGO_SECRET_KEY=None)
    assert result.returncode == 0, result.stderr
