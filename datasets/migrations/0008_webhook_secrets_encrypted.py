"""Webhook signing secrets are encrypted at rest: every stored secret is encrypted, then the
plaintext column is dropped.  Going back decrypts them (with the keys configured then)."""

from django.db import migrations, models

from datasets.webhooks import secrets


def encrypt_secrets(apps, schema_editor):
    Endpoint = apps.get_model("datasets", "WebhookEndpoint")
    for endpoint in Endpoint.objects.only("pk", "secret").iterator():
        Endpoint.objects.filter(pk=endpoint.pk).update(encrypted_secret=secrets.encrypt(endpoint.secret))


def decrypt_secrets(apps, schema_editor):
    Endpoint = apps.get_model("datasets", "WebhookEndpoint")
    for endpoint in Endpoint.objects.only("pk", "encrypted_secret").iterator():
        Endpoint.objects.filter(pk=endpoint.pk).update(secret=secrets.decrypt(endpoint.encrypted_secret))


class Migration(migrations.Migration):
    dependencies = [("datasets", "0007_job_queued_at")]

    operations = [
        migrations.AddField(
            model_name="webhookendpoint",
            name="encrypted_secret",
            field=models.TextField(default="", verbose_name="signing secret, encrypted"),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name="webhookendpoint",
            name="secret",
            field=models.CharField(default="", max_length=200, verbose_name="signing secret"),
        ),
        migrations.RunPython(encrypt_secrets, decrypt_secrets, elidable=False),
        migrations.RemoveField(model_name="webhookendpoint", name="secret"),
    ]
