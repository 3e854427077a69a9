from django.db import migrations, models

HELP = "When the job was last queued; one waiting far longer with no job running lost its queue message."


class Migration(migrations.Migration):
    dependencies = [("datasets", "0006_job_heartbeats")]

    operations = [
        migrations.AddField(
            model_name="importbatch",
            name="queued_at",
            field=models.DateTimeField(blank=True, null=True, help_text=HELP),
        ),
        migrations.AddField(
            model_name="release",
            name="queued_at",
            field=models.DateTimeField(blank=True, null=True, help_text=HELP),
        ),
    ]
