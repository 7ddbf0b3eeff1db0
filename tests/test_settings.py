"""Settings from the environment: offline commands need no key, serving does."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
    clean["DJANGO_SETTINGS_MODULE"] = "config.settings"
    clean["DATABASE_URL"] = "sqlite:///:memory:"
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env={**clean, **env}, capture_output=True, text=True
    )


def test_it_runs_offline_commands_without_a_secret_key():
    result = run("manage.py", "makemigrations", "--check", "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "No changes detected" in result.stdout


def test_it_refuses_to_serve_without_a_secret_key():
    result = run("-c", "import config.wsgi")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is required when DJANGO_DEBUG is off." in result.stderr


def test_it_serves_with_a_secret_key():
    result = run("-c", "import config.wsgi", DJANGO_SECRET_KEY="k" * 50)
    assert result.returncode == 0, result.stderr
