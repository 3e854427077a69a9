"""One account per e-mail address, compared case-insensitively, enforced by the database.

Django's user model belongs to ``django.contrib.auth``, so the constraint is added to its table
here through the schema editor (a functional unique index on ``LOWER(email)``, blank addresses
excepted: accounts made by ``createsuperuser`` or the admin may have none).

Addresses held by several accounts before this migration stay with the oldest account (the one
that claimed the address first); the newer accounts keep everything else but lose the address,
and each of them is printed so that an admin can give it another one.
"""

from django.db import migrations, models
from django.db.models.functions import Lower

CONSTRAINT = models.UniqueConstraint(
    Lower("email"), condition=~models.Q(email=""), name="accounts_user_email_ci_unique"
)


def clear_duplicate_emails(apps, schema_editor):
    User = apps.get_model("auth", "User")
    keepers = {}
    for pk, username, email in User.objects.exclude(email="").order_by("pk").values_list("pk", "username", "email"):
        key = email.lower()
        if key not in keepers:
            keepers[key] = username
            continue
        User.objects.filter(pk=pk).update(email="")
        print(f"\n  {username}: e-mail address {email} removed, it belongs to the older account {keepers[key]}")


def add_constraint(apps, schema_editor):
    schema_editor.add_constraint(apps.get_model("auth", "User"), CONSTRAINT)


def remove_constraint(apps, schema_editor):
    schema_editor.remove_constraint(apps.get_model("auth", "User"), CONSTRAINT)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.RunPython(clear_duplicate_emails, migrations.RunPython.noop),
        migrations.RunPython(add_constraint, remove_constraint),
    ]
