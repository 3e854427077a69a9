"""One account per e-mail address, case-insensitively, kept by the database itself."""

import threading

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.urls import reverse

User = get_user_model()
PASSWORD = "An0ther-long-passphrase"


@pytest.mark.django_db
def test_the_database_refuses_a_second_account_with_the_same_address_in_other_case():
    User.objects.create(username="first", email="Payroll@Corp.example")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="second", email="payroll@corp.EXAMPLE")
    assert User.objects.filter(email__iexact="payroll@corp.example").count() == 1


@pytest.mark.django_db
def test_accounts_without_an_address_are_not_constrained():
    User.objects.create(username="first", email="")
    User.objects.create(username="second", email="")
    assert User.objects.filter(email="").count() == 2


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent sign-ups need PostgreSQL")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_six_parallel_sign_ups_with_one_address_give_one_account(settings):
    settings.ALLOWED_EMAIL_DOMAINS = []
    start = threading.Barrier(6)
    statuses = []

    def sign_up(n):
        try:
            client = Client()
            data = {
                "username": f"racer{n}",
                "email": "Racer@corp.example" if n % 2 else "racer@CORP.example",
                "password1": PASSWORD,
                "password2": PASSWORD,
            }
            start.wait(timeout=30)
            statuses.append(client.post(reverse("signup"), data).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=sign_up, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert User.objects.filter(email__iexact="racer@corp.example").count() == 1
    # One sign-up succeeded (302); every other one got the form back with the e-mail error, never a 500.
    assert sorted(statuses) == [200, 200, 200, 200, 200, 302]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_migration_keeps_an_address_on_the_oldest_account_only(capsys):
    executor = MigrationExecutor(connection)
    executor.migrate([("accounts", "0001_initial")])
    try:
        old_apps = executor.loader.project_state([("accounts", "0001_initial")]).apps
        OldUser = old_apps.get_model("auth", "User")
        first = OldUser.objects.create(username="first", email="Dup@corp.example")
        second = OldUser.objects.create(username="second", email="dup@corp.example")
        third = OldUser.objects.create(username="third", email="DUP@CORP.EXAMPLE")
        other = OldUser.objects.create(username="other", email="other@corp.example")
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
    finally:
        call_command("migrate", verbosity=0)
    emails = dict(User.objects.values_list("username", "email"))
    assert emails == {"first": "Dup@corp.example", "second": "", "third": "", "other": "other@corp.example"}
    assert {first.pk, second.pk, third.pk, other.pk} == set(User.objects.values_list("pk", flat=True))
    printed = capsys.readouterr().out
    assert "second: e-mail address dup@corp.example removed, it belongs to the older account first" in printed
    assert "third:" in printed
