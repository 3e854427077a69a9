"""Every state change of releases and imports goes through one function of this package.

``releases`` records and builds releases, ``imports`` checks and imports files, ``jobs`` holds
what both kinds of background job share (progress, error text).  Views, the API, management
commands and Celery tasks call these through ``datasets.services``; background work is queued
by task name, so this package never imports ``datasets.tasks``.

``releases`` is imported when one of its functions is first used: it brings the export pipeline
and the export options' schema (Django REST framework's serializers, about 0.2 s of imports),
which ``manage.py import_dataset`` and the other import paths do not need at start-up.
"""

from .imports import (
    IMPORT_ACCOUNT,
    IMPORT_BATCH_SIZE,
    IMPORT_STATUSES,
    ImportCheck,
    ImportRefused,
    check_import_status,
    import_account,
    import_check_file,
    import_check_run,
    import_confirm,
    import_fail,
    import_file,
    import_index_records,
    import_records,
    import_run,
    import_stage,
    import_start,
    resolve_import_author,
)
from .jobs import ProgressWriter, current_phase, current_progress, jobs_fail_stale

_RELEASES = (
    "check_release_labels",
    "export_to_path",
    "release_build",
    "release_create",
    "release_finished",
    "release_retry",
)


def __getattr__(name):
    if name in _RELEASES:
        from . import releases

        return getattr(releases, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "IMPORT_ACCOUNT",
    "IMPORT_BATCH_SIZE",
    "IMPORT_STATUSES",
    "ImportCheck",
    "ImportRefused",
    "ProgressWriter",
    "check_import_status",
    "check_release_labels",
    "current_phase",
    "current_progress",
    "export_to_path",
    "jobs_fail_stale",
    "import_account",
    "import_check_run",
    "import_check_file",
    "import_confirm",
    "import_fail",
    "import_file",
    "import_index_records",
    "import_records",
    "import_run",
    "import_stage",
    "import_start",
    "release_build",
    "release_create",
    "release_retry",
    "release_finished",
    "resolve_import_author",
]
