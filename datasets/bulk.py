"""Writing imported records in bulk: a demonstration, its first revision and its import record per line.

With ``index`` (the default) each record's LSH bands (``annotations.bands``) are written with
it, in the import's transaction, so no submission committed after the import escapes the
duplicate check against the imported records.

Three writers produce the same rows.  ``OrmInserter`` uses ``bulk_create`` and works on every
database.  ``CopyInserter`` is what PostgreSQL gets: it reserves the demonstration ids from
the table's sequence and streams the rows with ``COPY``, which is several times cheaper for
both Python and the server at a million records.  ``SqliteInserter`` is SQLite's: it takes the
ids after the table's highest (its transaction holds the database's write lock from its
start) and writes each table with one ``executemany``, without building model instances.
Their column values come from a template model instance (so defaults added to the models
later are honoured) and from the model's own ``set_text_hashes``; only the primary key,
``public_id``, the category and the text vary.
"""

import io
import uuid
from concurrent.futures import ThreadPoolExecutor

from django.db import connection
from psycopg2 import sql

from annotations.bands import band_rows, store_bands
from annotations.models import Demonstration, InstructionBand, Origin, Revision
from core.pgcopy import copy_text as _copy_text

from .models import ImportedRecord


def already_imported(digests, *, exclude_batch=None):
    """The content hashes among ``digests`` that an import (other than ``exclude_batch``) wrote before."""
    queryset = ImportedRecord.objects.filter(content_hash__in=set(digests))
    if exclude_batch is not None:
        queryset = queryset.exclude(batch=exclude_batch)
    return set(queryset.values_list("content_hash", flat=True))


class OrmInserter:
    """Writes batches of parsed lines, skipping those an earlier import already wrote.

    ``imported`` and ``skipped`` count the lines so far; read them after ``close()``.
    """

    def __init__(self, *, author, status, batch, now, index=True):
        self.index = index
        self.author = author
        self.status = status
        self.batch = batch
        self.now = now
        self.imported = 0
        self.skipped = 0

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def insert(self, lines, categories):
        known = already_imported([line.digest for line in lines], exclude_batch=self.batch)
        kept = [line for line in lines if line.digest not in known]
        self.skipped += len(lines) - len(kept)
        self.imported += self._write(kept, categories)

    def _write(self, lines, categories):
        demonstrations = [
            Demonstration(
                author=self.author,
                category=categories[line.category],
                instruction=line.instruction,
                context=line.context,
                response=line.response,
                status=self.status,
                origin=Origin.IMPORT,
                submitted_at=self.now,
            )
            for line in lines
        ]
        for demonstration in demonstrations:
            demonstration.set_text_hashes()
        Demonstration.objects.bulk_create(demonstrations)
        Revision.objects.bulk_create(
            [
                Revision(
                    demonstration=d,
                    version=1,
                    editor=self.author,
                    category=d.category,
                    instruction=d.instruction,
                    context=d.context,
                    source_url="",
                    response=d.response,
                )
                for d in demonstrations
            ]
        )
        ImportedRecord.objects.bulk_create(
            [
                ImportedRecord(content_hash=line.digest, demonstration=d, batch=self.batch)
                for line, d in zip(lines, demonstrations, strict=True)
            ]
        )
        if self.index:
            store_bands(band_rows((d.pk, d.instruction) for d in demonstrations))
        return len(demonstrations)

    def wait(self):
        """Block until every row passed to ``insert`` is written (at once, here)."""

    def close(self):
        """Finish writing; the inserter is used as a context manager so this always runs."""


class _Table:
    """Column order and constant values of one table, taken from a template instance."""

    def __init__(self, template, varying, encode=_copy_text):
        meta = template._meta
        self.name = meta.db_table
        fields = [f for f in meta.concrete_fields if not (f.primary_key and f.attname not in varying)]
        self.columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
        self.column_names = [f.column for f in fields]
        self.slots = {f.attname: index for index, f in enumerate(fields)}
        self.template = [
            None if f.attname in varying else encode(f.get_db_prep_save(getattr(template, f.attname), connection))
            for f in fields
        ]
        self.insert_sql = (
            f"INSERT INTO {connection.ops.quote_name(self.name)} ({self.columns}) "  # noqa: S608 - names from the model
            f"VALUES ({', '.join(['%s'] * len(fields))})"
        )

    def row(self, values):
        row = self.template.copy()
        slots = self.slots
        for name, value in values.items():
            row[slots[name]] = value
        return row


class _TemplateInserter(OrmInserter):
    """Builds the rows of a batch as lists of column values, each passed through ``encode``."""

    encode = staticmethod(_copy_text)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        encode = self.encode
        template = Demonstration(
            author=self.author,
            status=self.status,
            origin=Origin.IMPORT,
            submitted_at=self.now,
            created_at=self.now,
            updated_at=self.now,
        )
        self.derived = self._derived_fields()
        self.demonstrations = _Table(
            template, {"id", "public_id", "category_id", "instruction", "context", "response", *self.derived}, encode
        )
        revision = Revision(version=1, editor=self.author, source_url="", created_at=self.now)
        self.revisions = _Table(
            revision, {"demonstration_id", "category_id", "instruction", "context", "response"}, encode
        )
        self.records = _Table(ImportedRecord(batch=self.batch), {"content_hash", "demonstration_id"}, encode)
        self.bands = _Table(InstructionBand(demonstration_id=0, value=0), {"demonstration_id", "value"}, encode)
        self.public_id = Demonstration._meta.get_field("public_id")
        self.scratch = Demonstration()

    @staticmethod
    def _derived_fields():
        """The columns ``Demonstration.set_text_hashes`` fills from the text."""
        probe = Demonstration(instruction="probe instruction", context="probe context", response="probe")
        before = {f.attname: getattr(probe, f.attname) for f in Demonstration._meta.concrete_fields}
        probe.set_text_hashes()
        return [name for name, value in before.items() if getattr(probe, name) != value]

    def _rows(self, ids, lines, categories):
        """The rows of the four tables for ``lines``, written as demonstrations ``ids``."""
        encode, scratch, public_id = self.encode, self.scratch, self.public_id
        demonstrations, revisions, records = [], [], []
        for pk, line in zip(ids, lines, strict=True):
            scratch.instruction, scratch.context = line.instruction, line.context
            scratch.set_text_hashes()
            text = {
                "instruction": encode(line.instruction),
                "context": encode(line.context),
                "response": encode(line.response),
                "category_id": encode(categories[line.category].pk),
            }
            demonstration_id = encode(pk)
            demonstrations.append(
                self.demonstrations.row(
                    {
                        "id": demonstration_id,
                        "public_id": encode(public_id.get_db_prep_save(uuid.uuid4(), connection)),
                        **text,
                        **{name: encode(getattr(scratch, name)) for name in self.derived},
                    }
                )
            )
            revisions.append(self.revisions.row({"demonstration_id": demonstration_id, **text}))
            records.append(self.records.row({"content_hash": line.digest, "demonstration_id": demonstration_id}))
        bands = []
        if self.index:
            pairs = zip(ids, (line.instruction for line in lines), strict=True)
            bands = [self.bands.row({"demonstration_id": encode(pk), "value": encode(v)}) for pk, v in band_rows(pairs)]
        return {
            self.demonstrations: demonstrations,
            self.revisions: revisions,
            self.records: records,
            self.bands: bands,
        }


class SqliteInserter(_TemplateInserter):
    """SQLite's writer: one ``executemany`` a table a batch, ids taken after the highest ever used."""

    encode = staticmethod(lambda value: value)

    def _reserve_ids(self, cursor, count):
        table = self.demonstrations.name
        cursor.execute(f"SELECT MAX(id) FROM {connection.ops.quote_name(table)}")  # noqa: S608 - name from the model
        highest = cursor.fetchone()[0] or 0
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        used = cursor.fetchone()
        first = max(highest, used[0] if used else 0) + 1
        return range(first, first + count)

    def _write(self, lines, categories):
        if not lines:
            return 0
        with connection.cursor() as cursor:
            for table, rows in self._rows(self._reserve_ids(cursor, len(lines)), lines, categories).items():
                if rows:
                    cursor.executemany(table.insert_sql, rows)
        return len(lines)


class CopyInserter(_TemplateInserter):
    """Writes each batch with ``COPY`` on a helper thread while the caller reads the next one.

    Parsing and checking lines is Python's work; maintaining the indexes of the rows copied
    is PostgreSQL's, in another process.  Writing batch *n* in the background while the
    caller parses batch *n + 1* lets the two run on separate cores.  The helper thread uses
    the caller's own connection (so the rows are in the caller's transaction) for everything
    a batch needs: the lookup of lines imported before, the ids, the three ``COPY``s.  The
    caller must not use that connection while a batch runs: ``insert`` first waits for the
    previous batch, and the caller calls ``wait()`` before any query of its own.  Foreign
    keys are checked as each ``COPY`` ends (``SET CONSTRAINTS ALL IMMEDIATE``) rather than
    all at commit, so that work is overlapped too.
    """

    COPY_READ_SIZE = 1 << 20

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._executor = None
        self._running = None

    def _reserve_ids(self, cursor, count):
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [self.demonstrations.name, count],
        )
        return sorted(row[0] for row in cursor.fetchall())

    def _copy(self, cursor, table, buffer):
        buffer.seek(0)
        statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(table.name), sql.SQL(", ").join(map(sql.Identifier, table.column_names))
        )
        cursor.copy_expert(statement, buffer, size=self.COPY_READ_SIZE)

    def _known(self, cursor, digests):
        """``already_imported`` on the job's own connection, for the helper thread."""
        query = sql.SQL(
            "SELECT content_hash FROM {} WHERE content_hash = ANY(%s) AND (batch_id IS NULL OR batch_id <> %s)"
        ).format(sql.Identifier(self.records.name))
        cursor.execute(query, [list(set(digests)), self.batch.pk])
        return {row[0] for row in cursor.fetchall()}

    def _write_batch(self, raw_connection, lines, categories):
        """Skip known lines, then format the rest as COPY text and send it (runs on the helper thread).
        Returns how many lines were written and how many skipped."""
        with raw_connection.cursor() as cursor:
            known = self._known(cursor, [line.digest for line in lines])
            kept = [line for line in lines if line.digest not in known] if known else lines
            if kept:
                self._copy_lines(cursor, self._reserve_ids(cursor, len(kept)), kept, categories)
        return len(kept), len(lines) - len(kept)

    def _copy_lines(self, cursor, ids, lines, categories):
        for table, rows in self._rows(ids, lines, categories).items():
            if rows:
                self._copy(cursor, table, io.StringIO("".join(["\t".join(row) + "\n" for row in rows])))

    def wait(self):
        """Block until the running batch (if any) is written; raise its error here, in the caller's thread."""
        running, self._running = self._running, None
        if running is not None:
            with connection.wrap_database_errors:
                written, skipped = running.result()
            self.imported += written
            self.skipped += skipped

    def insert(self, lines, categories):
        """Start writing ``lines`` in the background and return at once.  The caller's transaction
        must stay open, and its connection unused, until ``wait()`` or ``close()``."""
        self.wait()
        if not lines:
            return
        if self._executor is None:
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="import-copy")
        self._running = self._executor.submit(self._write_batch, connection.connection, list(lines), categories)

    def close(self):
        """Wait for the last copy and stop the helper thread; safe to call more than once."""
        try:
            self.wait()
        finally:
            if self._executor is not None:
                self._executor.shutdown(wait=True)
                self._executor = None


def inserter_for(**kwargs):
    if connection.vendor == "postgresql":
        return CopyInserter(**kwargs)
    if connection.vendor == "sqlite":
        return SqliteInserter(**kwargs)
    return OrmInserter(**kwargs)
