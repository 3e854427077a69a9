"""Data and PostgreSQL-only parts of the review feature.

- ``pg_trgm`` and a GIN trigram index on the instruction, so the near-duplicate check is an
  index lookup on PostgreSQL (SQLite has no such index; see ``annotations.quality``);
- hashes and review round for rows written before those columns existed;
- the starting list of AI phrases and per-category minimum response lengths.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

from annotations.text import text_hash

TRIGRAM_INDEX = "demo_instruction_trgm"

AI_PHRASES = [
    "as an ai language model",
    "as an ai model",
    "as a language model",
    "as a large language model",
    "i'm sorry, but as an ai",
    "i am an ai",
    "i'm an ai",
    "as an artificial intelligence",
    "my knowledge cutoff",
    "as of my last knowledge update",
    "as of my last update",
    "i don't have personal opinions",
    "i do not have personal opinions",
    "i cannot browse the internet",
    "regenerate response",
    "chatgpt",
    "openai",
    "gpt-3",
    "gpt-3.5",
    "gpt-4",
]

MIN_RESPONSE_CHARS = {
    "open_qa": 20,
    "closed_qa": 2,
    "information_extraction": 2,
    "summarization": 40,
    "brainstorming": 40,
    "classification": 2,
    "creative_writing": 40,
    "general_qa": 20,
}


def create_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    table = apps.get_model("annotations", "Demonstration")._meta.db_table
    schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {TRIGRAM_INDEX} ON {table} USING gin (instruction gin_trgm_ops)")


def drop_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {TRIGRAM_INDEX}")


def backfill(apps, schema_editor):
    Demonstration = apps.get_model("annotations", "Demonstration")
    batch = []
    for demonstration in Demonstration.objects.only("id", "instruction", "context", "status").iterator(2000):
        demonstration.instruction_hash = text_hash(demonstration.instruction, demonstration.context)
        demonstration.context_hash = text_hash(demonstration.context)
        demonstration.review_round = 0 if demonstration.status == "draft" else 1
        batch.append(demonstration)
        if len(batch) == 2000:
            Demonstration.objects.bulk_update(batch, ["instruction_hash", "context_hash", "review_round"])
            batch = []
    if batch:
        Demonstration.objects.bulk_update(batch, ["instruction_hash", "context_hash", "review_round"])


def seed(apps, schema_editor):
    AIPhrase = apps.get_model("annotations", "AIPhrase")
    for phrase in AI_PHRASES:
        AIPhrase.objects.get_or_create(phrase=phrase)
    Category = apps.get_model("annotations", "Category")
    for key, minimum in MIN_RESPONSE_CHARS.items():
        Category.objects.filter(key=key, min_response_chars=0).update(min_response_chars=minimum)


class Migration(migrations.Migration):
    dependencies = [("annotations", "0004_review_queue_and_open_instructions")]

    operations = [
        TrigramExtension(),
        migrations.RunPython(create_trigram_index, drop_trigram_index, elidable=False),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]
