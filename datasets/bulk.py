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
later are honoured) and from ``demonstration_hashes``, what the model's ``set_text_hashes``
stores; only the primary key, ``public_id``, the category and the text vary.  The two template
writers have each batch's text hashes and bands computed in a second process
(``text_work.TextWork``) while this one reads the next batch and writes the one before.
"""

import io
import json
import os
import sqlite3
import uuid
from concurrent.futures import ThreadPoolExecutor
from itertools import chain
from operator import itemgetter

import numpy
from django.db import DEFAULT_DB_ALIAS, connection, connections
from psycopg2 import sql

from annotations.bands import band_arrays, bands_of, copy_bands, in_index_order, store_band_arrays
from annotations.models import Demonstration, InstructionBand, Origin, Revision
from core.pgcopy import copy_text as _copy_text

from .models import ImportedRecord
from .text_work import TextWork


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
            store_band_arrays(*band_arrays((d.pk, d.instruction) for d in demonstrations))
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
        self.attnames = [f.attname for f in fields]
        self.template = tuple(
            None if f.attname in varying else encode(f.get_db_prep_save(getattr(template, f.attname), connection))
            for f in fields
        )
        self.insert_sql = (
            f"INSERT INTO {connection.ops.quote_name(self.name)} ({self.columns}) "  # noqa: S608 - names from the model
            f"VALUES ({', '.join(['%s'] * len(fields))})"
        )

    def row_maker(self, names):
        """A function turning the values of ``names`` (a tuple, in that order) into a row: a tuple of
        every column, the others taken from the template.  One C-level ``itemgetter`` a row."""
        given = {name: len(self.template) + index for index, name in enumerate(names)}
        pick = itemgetter(*[given.get(name, index) for index, name in enumerate(self.attnames)])
        template = self.template
        return lambda values: pick(template + values)


class _TemplateInserter(OrmInserter):
    """Builds the rows of a batch as tuples of column values, each passed through ``encode``."""

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
        self.derived = Demonstration.TEXT_HASH_FIELDS
        text = ("category_id", "instruction", "context", "response")
        self.demonstrations = _Table(template, {"id", "public_id", *text, *self.derived}, encode)
        self.demonstration_row = self.demonstrations.row_maker(("id", "public_id", *text, *self.derived))
        revision = Revision(version=1, editor=self.author, source_url="", created_at=self.now)
        self.revisions = _Table(revision, {"demonstration_id", *text}, encode)
        self.revision_row = self.revisions.row_maker(("demonstration_id", *text))
        self.records = _Table(ImportedRecord(batch=self.batch), {"content_hash", "demonstration_id"}, encode)
        self.record_row = self.records.row_maker(("content_hash", "demonstration_id"))
        self.public_id = Demonstration._meta.get_field("public_id")
        self._text_work = TextWork()
        self._pending = None
        self._executor = None
        self._running = None

    def __exit__(self, exc_type, *exc_info):
        if exc_type is not None:
            self._pending = None  # the import is rolled back: the batch read last need not be written
        self.close()

    def insert(self, lines, categories):
        """Start the text work of ``lines`` in the second process and write the batch before.
        The caller's transaction must stay open, and its connection unused, until ``wait()`` or ``close()``."""
        if not lines:
            return
        work = self._text_work.submit(lines, index=self.index)
        self._write_pending()
        self._pending = (list(lines), dict(categories), work)

    def _write_pending(self):
        """Hand the batch whose text work was started last to the subclass's ``_write``."""
        pending, self._pending = self._pending, None
        if pending is not None:
            self._write(*pending)

    def _write(self, lines, categories, work):
        """Write ``lines`` once ``work.result()`` (their ``text_work``) is known (see the subclasses)."""
        raise NotImplementedError

    @staticmethod
    def _without_known(lines, work, known):
        """``lines`` and their ``text_work`` results without the lines whose digest is in ``known``."""
        kept = [index for index, line in enumerate(lines) if line.digest not in known]
        hashes, bands, has_words = work
        if bands is not None:
            bands, has_words = bands[kept], has_words[kept]
        return [lines[index] for index in kept], ([hashes[index] for index in kept], bands, has_words)

    def _rows(self, ids, lines, categories, work):
        """The rows of the three record tables for ``lines``, written as demonstrations ``ids``,
        and the ``(demonstration_ids, values)`` arrays of their LSH bands (empty without ``index``);
        ``work`` is the lines' ``text_work``."""
        encode = self.encode
        hashes, bands, has_words = work
        prepare_public_id = self.public_id.get_db_prep_save
        demonstration_row, revision_row, record_row = self.demonstration_row, self.revision_row, self.record_row
        category_ids = {key: encode(category.pk) for key, category in categories.items()}
        # What ``uuid.uuid4()`` does, with the batch's random bytes read at once; and the proxy
        # ``connection`` resolved once, not for every row.
        random_bytes, db = os.urandom(16 * len(lines)), connections[DEFAULT_DB_ALIAS]
        public_ids = [
            encode(prepare_public_id(uuid.UUID(bytes=random_bytes[start : start + 16], version=4), db))
            for start in range(0, len(random_bytes), 16)
        ]
        demonstrations, revisions, records = [], [], []
        for pk, line, public_id, (instruction_hash, context_hash) in zip(ids, lines, public_ids, hashes, strict=True):
            text = (category_ids[line.category], encode(line.instruction), encode(line.context), encode(line.response))
            demonstration_id = encode(pk)
            demonstrations.append(
                demonstration_row((demonstration_id, public_id, *text, encode(instruction_hash), encode(context_hash)))
            )
            revisions.append(revision_row((demonstration_id, *text)))
            records.append(record_row((line.digest, demonstration_id)))
        bands = bands_of(ids, bands, has_words) if self.index else ((), ())
        return {self.demonstrations: demonstrations, self.revisions: revisions, self.records: records}, bands

    # The helper thread that writes a batch while the caller reads the next (see the subclasses).
    THREAD_NAME = "import-write"

    def _submit(self, write, *args):
        """Run ``write(*args)`` on the helper thread; the caller has waited for the previous batch."""
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=self.THREAD_NAME)
        self._running = self._executor.submit(write, *args)

    def wait(self):
        """Block until every batch passed to ``insert`` is written; raise an error here, in the caller's thread."""
        self._write_pending()
        self._wait_running()

    def _wait_running(self):
        """Block until the batch on the helper thread (if any) is written."""
        running, self._running = self._running, None
        if running is not None:
            with connection.wrap_database_errors:
                self._written(running.result())

    def _written(self, result):
        """Count what a batch written on the helper thread returned (the subclass's ``_write_batch``)."""

    def close(self):
        """Wait for the last batch and stop the helper thread and the second process; safe to call more than once."""
        try:
            self.wait()
        finally:
            self._pending = None
            self._text_work.close()
            if self._executor is not None:
                self._executor.shutdown(wait=True)
                self._executor = None


class SqliteInserter(_TemplateInserter):
    """SQLite's writer: a few multi-row statements a table a batch, ids taken after the highest ever used.

    Each batch is written on a helper thread while the caller reads and checks the next one and
    this writer computes its rows and MinHash: the ``sqlite3`` module lets other Python threads
    run while SQLite executes a statement, and a statement here inserts thousands of rows (as
    many as SQLite's limit of bound values allows: the bands, two thirds of SQLite's work, take
    two statements a batch).  The helper uses the caller's connection, so the rows are in the import's
    transaction; nothing else uses that connection until ``wait()``: ``insert`` waits before its
    own query, and the caller calls ``wait()`` before any of its.  The import's transaction holds
    SQLite's write lock from its start (``transaction_mode`` ``IMMEDIATE``), so after the first
    batch the next ids are known without asking.
    """

    encode = staticmethod(lambda value: value)
    # SQLite's page cache while the import writes (KiB; its default is 2 MB).  Each batch's bands
    # land at random places of the band index: with the default cache most of its pages are
    # evicted between batches and read back, which costs about a quarter of writing the bands.
    CACHE_KIB = 32 * 1024

    # Bound values a statement may take at most (SQLite's default limit since 3.32).
    MAX_VARIABLES = 32766

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._next_id = None
        self._statements = {}
        self.band_table = InstructionBand._meta.db_table
        self.band_columns = "demonstration_id, value"

    def __enter__(self):
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size")
            self._cache_size = cursor.fetchone()[0]
            cursor.execute(f"PRAGMA cache_size = -{int(self.CACHE_KIB)}")
        return self

    def close(self):
        """Wait for the last bands, stop the helper thread and give the connection its page cache
        size back; safe to call more than once."""
        try:
            super().close()
        finally:
            cache_size, self._cache_size = getattr(self, "_cache_size", None), None
            if cache_size is not None:
                with connection.cursor() as cursor:
                    cursor.execute(f"PRAGMA cache_size = {int(cache_size)}")

    def _known(self, digests):
        """``already_imported``, with the hashes passed as one JSON array: a 2,000-value ``IN``
        lookup built by the ORM cost as much as the lookups themselves."""
        table = connection.ops.quote_name(self.records.name)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT content_hash FROM {table} WHERE content_hash IN (SELECT value FROM json_each(%s)) "  # noqa: S608 - name from the model
                "AND (batch_id IS NULL OR batch_id <> %s)",
                [json.dumps(digests), self.batch.pk],
            )
            return {row[0] for row in cursor.fetchall()}

    def _reserve_ids(self, cursor, count):
        table = self.demonstrations.name
        cursor.execute(f"SELECT MAX(id) FROM {connection.ops.quote_name(table)}")  # noqa: S608 - name from the model
        highest = cursor.fetchone()[0] or 0
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        used = cursor.fetchone()
        first = max(highest, used[0] if used else 0) + 1
        return range(first, first + count)

    def _write(self, lines, categories, work):
        """Write ``lines`` (those an earlier import wrote are skipped) on the helper thread."""
        if self._next_id is None:
            self._wait_running()
            with connection.cursor() as cursor:
                self._next_id = self._reserve_ids(cursor, 0).start
        work = work.result()
        # The rows are built while the previous batch is still being written.
        tables, bands = self._rows(range(self._next_id, self._next_id + len(lines)), lines, categories, work)
        self._wait_running()
        known = self._known([line.digest for line in lines])
        if known:
            kept, work = self._without_known(lines, work, known)
            self.skipped += len(lines) - len(kept)
            lines = kept
            if not lines:
                return
            tables, bands = self._rows(range(self._next_id, self._next_id + len(lines)), lines, categories, work)
        self._next_id += len(lines)
        self.imported += len(lines)
        # Cursors of the caller's connection, made here: the helper thread has no Django connection of its own.
        self._submit(self._write_batch, connection.connection.cursor(), tables, bands)

    def _write_batch(self, cursor, tables, bands):
        """The helper thread's part: each table's rows, then the bands, in statements of as many rows
        as SQLite takes.  Their values are bound from one flat list a table, which keeps the Python
        work here (done holding the interpreter's lock, which the caller's thread needs) small."""
        try:
            limit = min(self.MAX_VARIABLES, cursor.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER))
            for table, rows in tables.items():
                values = list(chain.from_iterable(rows))
                self._insert_values(cursor, table.name, table.columns, len(table.column_names), values, limit)
            if len(bands[0]):
                # In the band index's order, as ``store_band_arrays`` writes them.
                ids, values = in_index_order(*bands)
                values = numpy.column_stack([ids, values]).ravel().tolist()
                self._insert_values(cursor, self.band_table, self.band_columns, 2, values, limit)
        finally:
            cursor.close()

    def _insert_values(self, cursor, table, columns, width, values, limit):
        """Insert ``values`` (``width`` a row, flat) into ``table`` with ``INSERT ... VALUES (?, ...), ...``
        statements of at most ``limit`` values (``cursor`` is the driver's own: ``?`` placeholders).

        ``OR FAIL``: a row breaking a constraint stops the statement with the same error, keeping
        the rows before it, which the import's rollback then undoes with everything else.  With
        the default (``ABORT``) SQLite first copies every page a statement changes to a statement
        journal, a temporary file, to undo that statement alone: 25,000 writes of 15,000 records'
        40,000, for an undo the import never uses."""
        step = max(1, limit // width) * width
        for start in range(0, len(values), step):
            chunk = values[start : start + step]
            key = (table, len(chunk))
            if key not in self._statements:
                row = f"({', '.join(['?'] * width)})"
                self._statements[key] = (
                    f"INSERT OR FAIL INTO {connection.ops.quote_name(table)} ({columns}) "  # noqa: S608 - names from the models
                    f"VALUES {', '.join([row] * (len(chunk) // width))}"
                )
            cursor.execute(self._statements[key], chunk)


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
    THREAD_NAME = "import-copy"

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._analyzed = False

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

    def _write_batch(self, raw_connection, lines, categories, work):
        """Skip known lines, then format the rest as COPY text and send it (runs on the helper thread).
        Returns how many lines were written and how many skipped."""
        with raw_connection.cursor() as cursor:
            known = self._known(cursor, [line.digest for line in lines])
            work = work.result()
            kept = lines
            if known:
                kept, work = self._without_known(lines, work, known)
            if kept:
                self._copy_lines(cursor, self._reserve_ids(cursor, len(kept)), kept, categories, work)
        return len(kept), len(lines) - len(kept)

    def _copy_lines(self, cursor, ids, lines, categories, work):
        tables, bands = self._rows(ids, lines, categories, work)
        for table, rows in tables.items():
            self._copy(cursor, table, io.StringIO("".join(["\t".join(row) + "\n" for row in rows])))
            if table is self.demonstrations and not self._analyzed:
                self._analyze(cursor)
        if len(bands[0]):
            copy_bands(cursor, *bands, size=self.COPY_READ_SIZE)

    def _analyze(self, cursor):
        """Give the planner the demonstrations table's real size before the first foreign-key check.

        PostgreSQL plans each foreign-key check once per connection, from the statistics it has at
        that moment.  For an empty or emptied table (a first import, or one retried after a failed
        one) those say nothing, and the check it plans may read a whole index of the table (one
        whose last column is the id) instead of looking the id up: the cost of each check then
        grows with the rows imported, and a 40,000-record import spent minutes of the server's
        time on it.  ``ANALYZE`` in the import's transaction counts the rows it has just written,
        so the checks look ids up in the primary key.
        """
        self._analyzed = True
        cursor.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(self.demonstrations.name)))

    def _written(self, result):
        written, skipped = result
        self.imported += written
        self.skipped += skipped

    def _write(self, lines, categories, work):
        """Start writing ``lines`` on the helper thread (it waits for their text work) and return at once."""
        self._wait_running()
        if self._executor is None:
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        self._submit(self._write_batch, connection.connection, lines, categories, work)


def inserter_for(**kwargs):
    if connection.vendor == "postgresql":
        return CopyInserter(**kwargs)
    if connection.vendor == "sqlite":
        return SqliteInserter(**kwargs)
    return OrmInserter(**kwargs)
