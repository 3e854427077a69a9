"""Sixteen LSH bands of eight min-hashes instead of eight of four (see ``annotations.text``):
far fewer false candidates at a million rows.  Every stored band is recomputed; the lookup
index also carries the demonstration id, so candidates come from the index alone."""

from django.db import migrations, models

from annotations.text import minhash_bands

BATCH = 1000


def recompute(apps, schema_editor):
    Demonstration = apps.get_model("annotations", "Demonstration")
    InstructionBand = apps.get_model("annotations", "InstructionBand")
    InstructionBand.objects.all().delete()
    rows = Demonstration.objects.exclude(status="draft").values_list("id", "instruction").order_by("id")
    batch = []
    for demonstration_id, instruction in rows.iterator(BATCH):
        batch.extend(
            InstructionBand(demonstration_id=demonstration_id, value=value) for value in minhash_bands(instruction)
        )
        if len(batch) >= BATCH * 16:
            InstructionBand.objects.bulk_create(batch)
            batch = []
    InstructionBand.objects.bulk_create(batch)


class Migration(migrations.Migration):
    dependencies = [
        ("annotations", "0008_flags_in_queue"),
    ]

    operations = [
        migrations.AlterField(
            model_name="instructionband",
            name="value",
            field=models.BigIntegerField(),
        ),
        migrations.AddIndex(
            model_name="instructionband",
            index=models.Index(fields=["value", "demonstration"], name="band_value_demo"),
        ),
        migrations.RunPython(recompute, migrations.RunPython.noop),
    ]
