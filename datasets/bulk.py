"""Writing imported records in bulk: a demonstration, its first revision and its import record per line.

Two writers produce the same rows.  ``OrmInserter`` uses ``bulk_create`` and works on every
database.  ``CopyInserter`` is what PostgreSQL gets: it reserves the demonstration ids from
the table's sequence and streams the rows with ``COPY``, which is several times cheaper for
both Python and the server at a million records.  Its column values come from a template
model instance (so defaults added to the models later are honoured) and from the model's own
``set_text_hashes``; only the primary key, ``public_id``, the category and the text vary.
"""
import io
import json
import uuid
from datetime import date, datetime

from django.db import connection

from annotations.models import Demonstration, Origin, Revision

from .models import ImportedRecord


class OrmInserter:
    def __init__(self, *, author, status, batch, now):
        self.author = author
        self.status = status
        self.batch = batch
        self.now = now

    def insert(self, lines, categories):
        demonstrations = [
            Demonstration(
                author=self.author, category=categories[line.category], instruction=line.instruction,
                context=line.context, response=line.response, status=self.status, origin=Origin.IMPORT,
                submitted_at=self.now,
            ) for line in lines
        ]
        for demonstration in demonstrations:
            demonstration.set_text_hashes()
        Demonstration.objects.bulk_create(demonstrations)
        Revision.objects.bulk_create([
            Revision(demonstration=d, version=1, editor=self.author, category=d.category,
                     instruction=d.instruction, context=d.context, source_url="", response=d.response)
            for d in demonstrations
        ])
        ImportedRecord.objects.bulk_create([
            ImportedRecord(content_hash=line.digest, demonstration=d, batch=self.batch)
            for line, d in zip(lines, demonstrations, strict=True)
        ])
        return len(demonstrations)


def _copy_text(value):
    """One value in COPY's text format."""
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict | list):
        value = json.dumps(value)
    value = str(value)
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        value = value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return value


class _Table:
    """Column order and constant values of one table, taken from a template instance."""

    def __init__(self, template, varying):
        meta = template._meta
        self.name = meta.db_table
        fields = [f for f in meta.concrete_fields if not (f.primary_key and f.attname not in varying)]
        self.columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
        self.slots = {f.attname: index for index, f in enumerate(fields)}
        self.template = [
            None if f.attname in varying
            else _copy_text(f.get_db_prep_save(getattr(template, f.attname), connection))
            for f in fields
        ]

    def line(self, values):
        row = self.template.copy()
        slots = self.slots
        for name, value in values.items():
            row[slots[name]] = value
        return "\t".join(row) + "\n"


class CopyInserter(OrmInserter):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        template = Demonstration(author=self.author, status=self.status, origin=Origin.IMPORT, submitted_at=self.now,
                                 created_at=self.now, updated_at=self.now)
        self.derived = self._derived_fields()
        self.demonstrations = _Table(template, {"id", "public_id", "category_id", "instruction", "context",
                                                "response", *self.derived})
        revision = Revision(version=1, editor=self.author, source_url="", created_at=self.now)
        self.revisions = _Table(revision, {"demonstration_id", "category_id", "instruction", "context", "response"})
        self.records = _Table(ImportedRecord(batch=self.batch),
                              {"content_hash", "demonstration_id"})
        self.scratch = Demonstration()

    @staticmethod
    def _derived_fields():
        """The columns ``Demonstration.set_text_hashes`` fills from the text."""
        probe = Demonstration(instruction="probe instruction", context="probe context", response="probe")
        before = {f.attname: getattr(probe, f.attname) for f in Demonstration._meta.concrete_fields}
        probe.set_text_hashes()
        return [name for name, value in before.items() if getattr(probe, name) != value]

    def _reserve_ids(self, cursor, count):
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [self.demonstrations.name, count],
        )
        return sorted(row[0] for row in cursor.fetchall())

    def _copy(self, cursor, table, buffer):
        buffer.seek(0)
        cursor.cursor.copy_expert(f"COPY {connection.ops.quote_name(table.name)} ({table.columns}) FROM STDIN",
                                  buffer)

    def insert(self, lines, categories):
        if not lines:
            return 0
        scratch = self.scratch
        demonstrations, revisions, records = io.StringIO(), io.StringIO(), io.StringIO()
        with connection.cursor() as cursor:
            ids = self._reserve_ids(cursor, len(lines))
            for pk, line in zip(ids, lines, strict=True):
                scratch.instruction, scratch.context = line.instruction, line.context
                scratch.set_text_hashes()
                text = {
                    "instruction": _copy_text(line.instruction), "context": _copy_text(line.context),
                    "response": _copy_text(line.response), "category_id": str(categories[line.category].pk),
                }
                demonstration_id = str(pk)
                demonstrations.write(self.demonstrations.line({
                    "id": demonstration_id, "public_id": str(uuid.uuid4()), **text,
                    **{name: _copy_text(getattr(scratch, name)) for name in self.derived},
                }))
                revisions.write(self.revisions.line({"demonstration_id": demonstration_id, **text}))
                records.write(self.records.line({"content_hash": line.digest, "demonstration_id": demonstration_id}))
            self._copy(cursor, self.demonstrations, demonstrations)
            self._copy(cursor, self.revisions, revisions)
            self._copy(cursor, self.records, records)
        return len(lines)


def inserter_for(**kwargs):
    if connection.vendor == "postgresql":
        return CopyInserter(**kwargs)
    return OrmInserter(**kwargs)
