"""Production settings: with DEBUG off, Django's deployment checks find nothing, and no secret is built in."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    environment.update(env)  # manage.py then uses oms.settings.base, as production does
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_reports_no_issue_with_debug_off_and_the_production_variables_set():
    # given production settings from the environment
    # when Django's deployment checks run, failing on warnings too
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(64),
        DJANGO_ALLOWED_HOSTS="oms.example.com",
    )
    # then they pass and report nothing
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_with_debug_off_the_site_refuses_to_start_without_a_secret_key():
    # given production settings without DJANGO_SECRET_KEY
    # when any management command starts
    result = manage("check", DJANGO_DEBUG="0", DJANGO_ALLOWED_HOSTS="oms.example.com")
    # then it stops and says which variable to set
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr
