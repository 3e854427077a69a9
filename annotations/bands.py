"""The near-duplicate index: storing the LSH bands (``text.minhash_bands``) of instructions in bulk.

``flag_demonstration`` stores a submission's bands as it checks it; imports store theirs in
their own transaction (``store_bands``); the functions here (re)index rows in bulk.
"""

import io

from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q

from .models import Demonstration, InstructionBand, Status
from .text import minhash_bands_many

BAND_BATCH_SIZE = 2000


def lacking_bands(queryset):
    """The demonstrations of ``queryset`` whose stored bands may not match their text.

    Those with no band at all (written in bulk, or before bands existed), and drafts: nothing
    re-indexes a draft when it is edited, only when it is submitted.
    """
    stored = InstructionBand.objects.filter(demonstration_id=OuterRef("pk"))
    return queryset.filter(~Exists(stored) | Q(status=Status.DRAFT))


def store_bands(rows):
    """Insert ``(demonstration_id, value)`` rows: with ``COPY`` on PostgreSQL, one ``executemany`` elsewhere."""
    if not rows:
        return
    table = connection.ops.quote_name(InstructionBand._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            buffer = io.StringIO("".join([f"{pk}\t{value}\n" for pk, value in rows]))
            cursor.cursor.copy_expert(f"COPY {table} (demonstration_id, value) FROM STDIN", buffer)
        else:
            cursor.executemany(f"INSERT INTO {table} (demonstration_id, value) VALUES (%s, %s)", rows)  # noqa: S608


def band_rows(records):
    """``(demonstration_id, value)`` of every LSH band of ``records``, ``(demonstration_id, instruction)`` pairs."""
    records = list(records)
    bands = minhash_bands_many([instruction for _pk, instruction in records])
    return [(pk, value) for (pk, _instruction), values in zip(records, bands, strict=True) for value in values]


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
            store_bands(band_rows(rows))
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
        scope = lacking_bands(scope)
    return index_instruction_bands(scope, batch_size=batch_size)
