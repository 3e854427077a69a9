"""Near-duplicate bands keyed by ``(demonstration, value)``, with no id and no foreign-key check.

An import writes sixteen bands a record; each band row used to cost three index entries (the
id, the demonstration, ``(value, demonstration)``) and a foreign-key check.  Now it costs two
index entries: the primary key ``(demonstration, value)`` and ``band_value_demo``.  Django
cannot turn an id into a composite primary key in place, so the bands move to a new table:
created without its second index, filled in key order (a duplicate pair, if any, kept once),
the old table dropped, the new one (and on PostgreSQL its key) renamed to the old name, and ``band_value_demo`` built
last, in one pass.  Going back copies the bands into the old shape.
"""

import django.db.models.deletion
from django.db import migrations, models

OLD_TABLE = "annotations_instructionband"
NEW_TABLE = "annotations_instructionband_new"


def _copy(schema_editor, source, target):
    quote = schema_editor.quote_name
    schema_editor.execute(
        f"INSERT INTO {quote(target)} (demonstration_id, value) "  # noqa: S608 - fixed table names
        f"SELECT DISTINCT demonstration_id, value FROM {quote(source)} ORDER BY demonstration_id, value"
    )


def _rename_key(schema_editor, old, new):
    """PostgreSQL names a primary key after the table it was created in: the moved table's key
    takes the old table's name (which the way back needs free again)."""
    if schema_editor.connection.vendor == "postgresql":
        quote = schema_editor.quote_name
        schema_editor.execute(f"ALTER TABLE {quote(OLD_TABLE)} RENAME CONSTRAINT {quote(old)} TO {quote(new)}")


def name_key_after_table(apps, schema_editor):
    _rename_key(schema_editor, f"{NEW_TABLE}_pkey", f"{OLD_TABLE}_pkey")


def name_key_back(apps, schema_editor):
    _rename_key(schema_editor, f"{OLD_TABLE}_pkey", f"{NEW_TABLE}_pkey")


def copy_forwards(apps, schema_editor):
    _copy(schema_editor, OLD_TABLE, NEW_TABLE)


def copy_backwards(apps, schema_editor):
    _copy(schema_editor, NEW_TABLE, OLD_TABLE)


class Migration(migrations.Migration):
    dependencies = [
        ("annotations", "0015_flag_details_to_codes"),
    ]

    operations = [
        migrations.CreateModel(
            name="InstructionBandNew",
            fields=[
                (
                    "pk",
                    models.CompositePrimaryKey("demonstration", "value", blank=True, editable=False, serialize=False),
                ),
                (
                    "demonstration",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="annotations.demonstration",
                    ),
                ),
                ("value", models.BigIntegerField()),
            ],
            options={"db_table": NEW_TABLE},
        ),
        migrations.RunPython(copy_forwards, copy_backwards, elidable=False),
        migrations.DeleteModel(name="InstructionBand"),
        migrations.RenameModel(old_name="InstructionBandNew", new_name="InstructionBand"),
        migrations.AlterModelTable(name="instructionband", table=None),
        migrations.RunPython(name_key_after_table, name_key_back, elidable=False),
        migrations.AddIndex(
            model_name="instructionband",
            index=models.Index(fields=["value", "demonstration"], name="band_value_demo"),
        ),
    ]
