#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import secrets
import sys

# Commands that only read code (models, templates) and never sign or serve anything: they
# run on a fresh checkout with no environment, where the settings would otherwise refuse to
# load without SECRET_KEY.  Every other command still needs the real key when DEBUG is off.
OFFLINE_COMMANDS = frozenset({"makemigrations", "makemessages", "compilemessages"})


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dolly_collect.settings")
    if len(sys.argv) > 1 and sys.argv[1] in OFFLINE_COMMANDS:
        os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
