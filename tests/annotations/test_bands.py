"""The near-duplicate bands: keyed by (demonstration, value), no foreign key checked by the database."""

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from annotations.bands import band_rows, store_bands
from annotations.models import Demonstration, InstructionBand, Status
from annotations.text import minhash_bands
from tests.factories import DemonstrationFactory

BEFORE = [("annotations", "0015_flag_details_to_codes")]
AFTER = [("annotations", "0016_band_key_without_id_or_foreign_key_check")]


def stored(demonstration_id):
    return set(InstructionBand.objects.filter(demonstration_id=demonstration_id).values_list("value", flat=True))


@pytest.mark.django_db
def test_deleting_a_demonstration_deletes_its_bands_and_no_other():
    kept, deleted, also_deleted = (
        DemonstrationFactory(status=Status.SUBMITTED, instruction=f"Why is river {n} so long?") for n in range(3)
    )
    store_bands(band_rows((d.pk, d.instruction) for d in (kept, deleted, also_deleted)))
    assert InstructionBand.objects.count() == 3 * 16

    deleted.delete()
    Demonstration.objects.filter(pk=also_deleted.pk).delete()

    assert set(InstructionBand.objects.values_list("demonstration_id", flat=True)) == {kept.pk}
    assert stored(kept.pk) == set(minhash_bands(kept.instruction))


@pytest.mark.django_db
def test_a_band_is_stored_once_for_its_demonstration():
    demonstration = DemonstrationFactory(status=Status.SUBMITTED)
    store_bands([(demonstration.pk, 42)])
    with pytest.raises(IntegrityError), transaction.atomic():
        store_bands([(demonstration.pk, 42)])
    store_bands([(demonstration.pk, 43)])
    assert stored(demonstration.pk) == {42, 43}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_migration_keeps_the_bands_both_ways():
    first, second = (
        DemonstrationFactory(status=Status.SUBMITTED, instruction=f"Which sea does river {n} reach?") for n in range(2)
    )
    store_bands(band_rows((d.pk, d.instruction) for d in (first, second)))
    expected = {(pk, value) for pk, value in InstructionBand.objects.values_list("demonstration_id", "value")}
    assert len(expected) == 32
    try:
        executor = MigrationExecutor(connection)
        executor.migrate(BEFORE)
        OldBand = executor.loader.project_state(BEFORE).apps.get_model("annotations", "InstructionBand")
        assert {(b.demonstration_id, b.value) for b in OldBand.objects.all()} == expected
        OldBand.objects.create(demonstration_id=first.pk, value=7)
        OldBand.objects.create(demonstration_id=first.pk, value=7)  # the old table let a pair in twice
        executor = MigrationExecutor(connection)
        executor.migrate(AFTER)
    finally:
        call_command("migrate", verbosity=0)
    rows = list(InstructionBand.objects.values_list("demonstration_id", "value"))
    assert sorted(rows) == sorted(expected | {(first.pk, 7)})
    assert stored(second.pk) == set(minhash_bands(second.instruction))
    first.delete()
    assert set(InstructionBand.objects.values_list("demonstration_id", flat=True)) == {second.pk}
