"""Trigram index without a pending list.

With ``fastupdate`` on, new entries of a GIN index wait in a pending list that every search
scans in full until a vacuum merges it; every status change of a demonstration adds entries
(the row is not HOT-updated), so near-duplicate lookups slowed down between vacuums.
Writing entries straight into the index costs a little on insert and keeps lookups fast.
PostgreSQL only.
"""

from django.db import migrations

INDEX = "demo_instruction_trgm"


def fastupdate_off(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"ALTER INDEX IF EXISTS {INDEX} SET (fastupdate = off)")
    schema_editor.execute(
        "SELECT gin_clean_pending_list(%s::regclass) WHERE to_regclass(%s) IS NOT NULL",
        [INDEX, INDEX],
    )


def fastupdate_on(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER INDEX IF EXISTS {INDEX} SET (fastupdate = on)")


class Migration(migrations.Migration):
    dependencies = [("annotations", "0005_quality_check_data")]
    operations = [migrations.RunPython(fastupdate_off, fastupdate_on, elidable=False)]
