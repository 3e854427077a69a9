"""Set people's teams from a CSV file with the columns ``username,team``."""

import csv

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.names import hidden_characters
from leaderboard.services import set_team


class Command(BaseCommand):
    help = "Set teams from a CSV file (header: username,team). All or nothing: any unknown user stops the import."

    def add_arguments(self, parser):
        parser.add_argument("file")

    def handle(self, *args, file, **options):
        try:
            with open(file, newline="", encoding="utf-8") as handle:
                rows = list(csv.DictReader(handle))
        except OSError as error:
            raise CommandError(f"{file}: {error.strerror}")
        if rows and not {"username", "team"} <= set(rows[0]):
            raise CommandError(f"{file}:1: the header must have the columns username and team")
        users = get_user_model().objects.in_bulk([row["username"] for row in rows], field_name="username")
        problems = [
            f"{file}:{line}: no user {row['username']!r}"
            for line, row in enumerate(rows, start=2)
            if row["username"] not in users
        ]
        problems += [
            f"{file}:{line}: a team name has at most 100 characters"
            for line, row in enumerate(rows, start=2)
            if len((row["team"] or "").strip()) > 100
        ]
        problems += [
            f"{file}:{line}: the team name has the invisible or direction-changing character U+{ord(hidden[0]):04X}"
            for line, row in enumerate(rows, start=2)
            if (hidden := hidden_characters(row["team"] or ""))
        ]
        if problems:
            raise CommandError("\n".join(problems[:50]))
        with transaction.atomic():
            for row in rows:
                set_team(user=users[row["username"]], team=row["team"])
        self.stdout.write(self.style.SUCCESS(f"{len(rows)} teams set."))
