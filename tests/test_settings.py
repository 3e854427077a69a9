"""Settings read from the environment: production checks, the required key, the embedded defaults."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION_KEY = "p7Xq2LmZ9vR4tW8yB1nC6kD3fG5hJ0sA-e_u!o@i#r$t%y^u&i*o(p)QwErTy"


def run(args, tmp_path, **env):
    """Run Python in a fresh process with only the given environment on top of a minimal one."""
    base = {key: os.environ[key] for key in ("PATH", "HOME", "LANG", "SYSTEMROOT") if key in os.environ}
    base["DOLLY_VAR_DIR"] = str(tmp_path)
    environment = {**base, **{k: v for k, v in env.items() if v is not None}}
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120
    )


SHOW = (
    "import json, django; from django.conf import settings; django.setup(); print(json.dumps({"
    "'debug': settings.DEBUG, 'hosts': settings.ALLOWED_HOSTS, 'engine': settings.DATABASES['default']['ENGINE'],"
    "'eager': settings.CELERY_TASK_ALWAYS_EAGER, 'broker': settings.CELERY_BROKER_URL,"
    "'cache': settings.CACHES['default']['BACKEND'], 'domains': settings.ALLOWED_EMAIL_DOMAINS,"
    "'key': settings.SECRET_KEY, 'ssl_redirect': settings.SECURE_SSL_REDIRECT}))"
)


def show(tmp_path, **env):
    result = run(["-c", SHOW], tmp_path, DJANGO_SETTINGS_MODULE="dolly_collect.settings", **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    assert len(PRODUCTION_KEY) >= 50
    result = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        tmp_path,
        DEBUG="0",
        SECRET_KEY=PRODUCTION_KEY,
        ALLOWED_HOSTS="example.com",
        DATABASE_URL=os.environ.get("DATABASE_URL"),
        REDIS_URL=os.environ.get("REDIS_URL"),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize("key", [None, ""])
def test_without_a_secret_key_and_debug_off_settings_refuse_to_load(tmp_path, key):
    result = run(["-c", SHOW], tmp_path, DJANGO_SETTINGS_MODULE="dolly_collect.settings", SECRET_KEY=key)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY must be set" in result.stderr


def test_the_migration_check_runs_on_a_fresh_checkout_with_no_environment(tmp_path):
    result = run(["manage.py", "makemigrations", "--check", "--dry-run"], tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No changes detected" in result.stdout


def test_commands_that_serve_or_sign_still_need_the_secret_key(tmp_path):
    result = run(["manage.py", "check"], tmp_path)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_the_embedded_defaults_sqlite_and_a_file_system_broker(tmp_path):
    """No job runs in the web process, even with nothing configured: a worker reads them from files."""
    first = show(tmp_path, DEBUG="1")
    assert first["debug"] is True
    assert first["engine"] == "django.db.backends.sqlite3"
    assert first["eager"] is False
    assert first["broker"] == "filesystem://"
    assert (tmp_path / "celery" / "queue").is_dir()
    assert first["cache"].endswith("LocMemCache")
    assert first["hosts"] == ["127.0.0.1", "localhost"]
    assert first["ssl_redirect"] is False
    assert len(first["key"]) >= 50
    assert show(tmp_path, DEBUG="1")["key"] == first["key"], "the development key is kept between runs"


def test_the_production_shape_postgresql_and_redis(tmp_path):
    values = show(
        tmp_path,
        SECRET_KEY=PRODUCTION_KEY,
        ALLOWED_HOSTS="dolly.corp.example,localhost",
        DATABASE_URL="postgres://u:p@db.internal:5432/dolly",
        REDIS_URL="redis://cache.internal:6379/0",
        ALLOWED_EMAIL_DOMAINS="Corp.Example,@Subsidiary.example",
    )
    assert values["debug"] is False
    assert values["engine"] == "django.db.backends.postgresql"
    assert values["eager"] is False
    assert values["broker"] == "redis://cache.internal:6379/0"
    assert "Redis" in values["cache"]
    assert values["hosts"] == ["dolly.corp.example", "localhost"]
    assert values["domains"] == ["corp.example", "subsidiary.example"]
    assert values["ssl_redirect"] is True
