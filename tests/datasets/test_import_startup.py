"""``manage.py import_dataset`` starts without the libraries only other paths use.

Celery with kombu and the Redis client, REST framework's serializers (with the optional
packages it probes: requests, markdown, pygments), cryptography, the confusables table, pandas,
pyarrow and boto3 cost the import about half a second of start-up together; they are loaded
where they are used (the first task sent, the API, a webhook secret, a name checked, an export).
"""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NOT_AT_START = (
    "celery",
    "kombu",
    "redis",
    "rest_framework.serializers",
    "requests",
    "cryptography",
    "confusable_homoglyphs",
    "pandas",
    "pyarrow",
    "boto3",
    "botocore",
)
# What manage.py does before the command's handle(): set Django up, load the command, run its checks.
CHILD = """
import json, sys
import django
django.setup()
from django.core.management import load_command_class
command = load_command_class("datasets", "import_dataset")
command.check(tags=command.requires_system_checks)
print(json.dumps(sorted(name for name in sys.argv[1:] if name in sys.modules)))
"""


def loaded_at_start(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "dolly_collect.settings",
        "SECRET_KEY": "start-up-test",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'start.sqlite3'}",
        "REDIS_URL": "",
        "DOLLY_VAR_DIR": str(tmp_path),
    }
    result = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", CHILD, *NOT_AT_START], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    return json.loads(result.stdout.splitlines()[-1])


def test_the_import_command_starts_without_celery_drf_serializers_or_cryptography(tmp_path):
    assert loaded_at_start(tmp_path) == []


def test_the_celery_app_is_still_the_projects_when_a_task_is_sent(settings):
    from core.tasks import celery_app, registered_task

    app = celery_app()
    assert app.main == "dolly_collect"
    assert registered_task("datasets.import_check").app is app
    assert registered_task("annotations.tasks.send_notification_email").name.endswith("send_notification_email")
    assert registered_task("leaderboard.tasks.count_earlier_approvals").app is app
