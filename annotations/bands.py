"""The near-duplicate index: storing the LSH bands (``text.minhash_bands``) of instructions in bulk.

``flag_demonstration`` stores a submission's bands as it checks it; imports store theirs in
their own transaction (``store_bands``); the functions here (re)index rows in bulk.
"""

import io

import numpy
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q

from .models import Demonstration, InstructionBand, Status
from .text import LSH_BANDS, minhash_band_matrix

BAND_BATCH_SIZE = 2000


def lacking_bands(queryset, *, drafts=True):
    """The demonstrations of ``queryset`` whose stored bands may not match their text.

    Those with no band at all (written in bulk, or before bands existed), and drafts: nothing
    re-indexes a draft when it is edited, only when it is submitted.  ``drafts=False`` when
    ``queryset`` holds none: without the alternative the database answers with an anti-join
    instead of probing the bands once per row.
    """
    stored = InstructionBand.objects.filter(demonstration_id=OuterRef("pk"))
    if not drafts:
        return queryset.filter(~Exists(stored))
    return queryset.filter(~Exists(stored) | Q(status=Status.DRAFT))


def band_arrays(records):
    """``(demonstration_ids, values)``, two int64 arrays, of every LSH band of ``records``,
    ``(demonstration_id, instruction)`` pairs, computed for the whole batch at once."""
    records = list(records)
    bands, has_words = minhash_band_matrix([instruction for _pk, instruction in records])
    ids = numpy.fromiter((pk for pk, _instruction in records), dtype=numpy.int64, count=len(records))
    return bands_of(ids, bands, has_words)


def bands_of(ids, bands, has_words):
    """``band_arrays`` of texts whose ``minhash_band_matrix`` is already computed (elsewhere: an
    import's second process), written as the demonstrations ``ids`` (the matrix's rows in order)."""
    ids = numpy.asarray(ids, dtype=numpy.int64)
    return numpy.repeat(ids[has_words], LSH_BANDS), bands[has_words].ravel()


def band_rows(records):
    """``(demonstration_id, value)`` of every LSH band of ``records``, ``(demonstration_id, instruction)`` pairs."""
    ids, values = band_arrays(records)
    return list(zip(ids.tolist(), values.tolist(), strict=True))


# PostgreSQL's binary COPY format: a signature, flags and header extension; then per row its
# field count and each field's length and big-endian value; then -1.
_BINARY_HEADER = b"PGCOPY\n\xff\r\n\x00" + bytes(8)
_BINARY_TRAILER = b"\xff\xff"
_BINARY_ROW = numpy.dtype(
    [("fields", ">i2"), ("id_size", ">i4"), ("id", ">i8"), ("value_size", ">i4"), ("value", ">i8")]
)


def in_index_order(ids, values):
    """The bands sorted by value: written in the order of the ``(value, demonstration)`` index,
    consecutive rows land on the same index pages, which halves the database's work for them."""
    order = numpy.argsort(values, kind="stable")
    return ids[order], values[order]


def band_copy_binary(ids, values):
    """The rows ``(demonstration_id, value)`` in ``COPY ... (FORMAT binary)``, built by NumPy at once."""
    rows = numpy.empty(len(ids), dtype=_BINARY_ROW)
    rows["fields"], rows["id_size"], rows["value_size"] = 2, 8, 8
    rows["id"], rows["value"] = ids, values
    return _BINARY_HEADER + rows.tobytes() + _BINARY_TRAILER


def copy_bands(cursor, ids, values, *, size=1 << 20):
    """Send the bands with binary ``COPY`` through ``cursor`` (a psycopg2 cursor), in index order."""
    table = connection.ops.quote_name(InstructionBand._meta.db_table)
    cursor.copy_expert(
        f"COPY {table} (demonstration_id, value) FROM STDIN (FORMAT binary)",
        io.BytesIO(band_copy_binary(*in_index_order(ids, values))),
        size=size,
    )


def store_band_arrays(ids, values, *, cursor=None):
    """Insert the bands ``band_arrays`` gives, with ``cursor`` (a new one on the default connection if none).

    PostgreSQL takes them with binary ``COPY``.  SQLite takes a whole batch in one statement that
    reads the values from a JSON array (``json_each``): bound one row at a time through
    ``executemany`` they cost several times more, in the Python driver.  Either way they go in
    sorted by value (``in_index_order``).
    """
    if not len(ids):
        return
    if cursor is None:
        with connection.cursor() as cursor:
            return store_band_arrays(ids, values, cursor=cursor)
    if connection.vendor == "postgresql":
        with connection.wrap_database_errors:
            copy_bands(getattr(cursor, "cursor", cursor), ids, values)
        return
    table = connection.ops.quote_name(InstructionBand._meta.db_table)
    columns = f"{table} (demonstration_id, value)"
    ids, values = in_index_order(numpy.asarray(ids), numpy.asarray(values))
    if connection.vendor == "sqlite":
        pairs = numpy.column_stack([ids, values]).tolist()
        cursor.execute(
            f"INSERT INTO {columns} SELECT value ->> 0, value ->> 1 FROM json_each(%s)",  # noqa: S608 - model's name
            [str(pairs)],
        )
    else:
        rows = list(zip(ids.tolist(), values.tolist(), strict=True))
        cursor.executemany(f"INSERT INTO {columns} VALUES (%s, %s)", rows)  # noqa: S608 - the model's table


def store_bands(rows):
    """Insert ``(demonstration_id, value)`` rows (see ``store_band_arrays``)."""
    if rows:
        ids, values = zip(*rows, strict=True)
        store_band_arrays(numpy.array(ids, dtype=numpy.int64), numpy.array(values, dtype=numpy.int64))


def index_instruction_bands(queryset, *, batch_size=BAND_BATCH_SIZE):
    """Store the LSH bands of every demonstration in ``queryset``, replacing any stored before.

    For rows written without ``flag_demonstration`` (an import) and rows that lack bands, so
    later submissions and deduplicated exports find them.  Walks ``queryset`` by id, each batch
    in its own transaction, reading the text under the same row lock the submit and review
    paths hold, so an edit made meanwhile is never indexed with its old text.  Returns how many
    demonstrations were indexed.
    """
    ids_by_key = queryset.order_by("pk").values_list("pk", flat=True)
    done, last_id = 0, 0
    while True:
        ids = list(ids_by_key.filter(pk__gt=last_id)[:batch_size])
        if not ids:
            return done
        with transaction.atomic():
            rows = list(
                Demonstration.objects.filter(pk__in=ids)
                .order_by("pk")
                .select_for_update(no_key=True)
                .values_list("pk", "instruction")
            )
            InstructionBand.objects.filter(demonstration_id__in=ids).delete()
            store_band_arrays(*band_arrays(rows))
        done += len(rows)
        last_id = ids[-1]


def refresh_instruction_bands(*, batch_size=BAND_BATCH_SIZE, demonstration_ids=None, missing_only=False):
    """Recompute the LSH bands of the demonstrations in or past review.

    For all of them after the band scheme changed, for ``demonstration_ids`` after a bulk write
    that bypassed ``flag_demonstration``, or (``missing_only``) for those that have none.
    Returns how many demonstrations were indexed.
    """
    scope = Demonstration.objects.exclude(status=Status.DRAFT)
    if demonstration_ids is not None:
        scope = scope.filter(pk__in=list(demonstration_ids))
    if missing_only:
        scope = lacking_bands(scope, drafts=False)
    return index_instruction_bands(scope, batch_size=batch_size)
