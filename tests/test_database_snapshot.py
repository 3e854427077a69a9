"""A test that restores the migrated database's snapshot gets it whole, whatever ran before it.

The two tests run in this order: the first is transactional without the snapshot, so it ends with
a flush that re-creates the content types under new ids; the second asks for the snapshot by the
``django_db_serialized_rollback`` fixture (as every browser test does), and its rows must not
collide with those content types.
"""

from django.contrib.contenttypes.models import ContentType

from annotations.models import Category


def test_a_transactional_test_leaves_content_types_made_after_its_flush(transactional_db):
    assert ContentType.objects.filter(app_label="annotations").exists()


def test_the_snapshot_fixture_restores_the_migrated_rows_after_it(transactional_db, django_db_serialized_rollback):
    assert Category.objects.count() == 8
    assert ContentType.objects.get_for_model(Category).app_label == "annotations"
