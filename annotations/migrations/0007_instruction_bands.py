"""MinHash/LSH bands replace the trigram index for near duplicates.

Measured with a million demonstrations, the GIN trigram search (``instruction % query``)
took about a second per lookup; band equality lookups take milliseconds, and work the same
on SQLite.  The trigram index is dropped (nothing else used it: the admin's case-insensitive
search cannot use it); the ``pg_trgm`` extension stays, harmless.
"""

import django.db.models.deletion
from django.db import migrations, models

from annotations.text import minhash_bands

BATCH = 2000


def backfill(apps, schema_editor):
    Demonstration = apps.get_model("annotations", "Demonstration")
    InstructionBand = apps.get_model("annotations", "InstructionBand")
    rows = Demonstration.objects.exclude(status="draft").values_list("id", "instruction").order_by("id")
    batch = []
    for demonstration_id, instruction in rows.iterator(BATCH):
        batch.extend(
            InstructionBand(demonstration_id=demonstration_id, value=value) for value in minhash_bands(instruction)
        )
        if len(batch) >= BATCH * 8:
            InstructionBand.objects.bulk_create(batch)
            batch = []
    InstructionBand.objects.bulk_create(batch)


def drop_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS demo_instruction_trgm")


def create_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS demo_instruction_trgm ON annotations_demonstration "
            "USING gin (instruction gin_trgm_ops) WITH (fastupdate = off)"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("annotations", "0006_trigram_index_fastupdate_off"),
    ]

    operations = [
        migrations.CreateModel(
            name="InstructionBand",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("value", models.BigIntegerField(db_index=True)),
                (
                    "demonstration",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="annotations.demonstration"
                    ),
                ),
            ],
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.RunPython(drop_trigram_index, create_trigram_index, elidable=False),
    ]
