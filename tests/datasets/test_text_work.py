"""An import's text hashes and bands, computed in a forked second process, are the ones this process computes."""

import multiprocessing
import os
import signal
import subprocess
import sys
import time
from types import SimpleNamespace

import numpy
import pytest
from django.conf import settings

from annotations.models import Demonstration
from annotations.text import minhash_band_matrix
from datasets.text_work import TextWork, text_work

TEXTS = [
    ("Name the longest river of São Paulo state.", ""),
    ("Summarise the passage about the Zürich ferry.", "The ferry crosses the lake every hour; it is naïve to miss it."),
    ("!!! ???", "Only punctuation in the instruction: no words, no bands."),
    ("", ""),
]


def lines(texts):
    return [SimpleNamespace(instruction=instruction, context=context) for instruction, context in texts]


def test_the_second_process_gives_what_the_model_and_the_minhash_give():
    work = TextWork()
    try:
        hashes, bands, has_words = work.submit(lines(TEXTS), index=True).result()
        assert multiprocessing.active_children(), "computed in a forked process"
    finally:
        work.close()
    assert not multiprocessing.active_children()
    for (instruction, context), stored in zip(TEXTS, hashes, strict=True):
        demonstration = Demonstration(instruction=instruction, context=context)
        demonstration.set_text_hashes()
        assert stored == (demonstration.instruction_hash, demonstration.context_hash)
    expected_bands, expected_has_words = minhash_band_matrix([instruction for instruction, _ in TEXTS])
    assert numpy.array_equal(bands, expected_bands) and numpy.array_equal(has_words, expected_has_words)
    assert has_words.tolist() == [True, True, False, False]


def test_without_indexing_no_bands_are_computed():
    work = TextWork()
    try:
        assert work.submit(lines(TEXTS), index=False).result() == text_work(
            [i for i, _ in TEXTS], [c for _, c in TEXTS], False
        )
    finally:
        work.close()


@pytest.mark.django_db
def test_a_refused_file_of_many_batches_leaves_no_second_process(write_jsonl, run_command, monkeypatch):
    from django.core.management.base import CommandError

    from datasets.services import imports

    monkeypatch.setattr(imports, "IMPORT_BATCH_SIZE", 2)
    good = {"instruction": "Which river?", "context": "", "response": "The Rhine.", "category": "open_qa"}
    records = [{**good, "instruction": f"Which river, number {i}?"} for i in range(7)] + ["{not json"]
    with pytest.raises(CommandError, match="1 bad line"):
        run_command("import_dataset", str(write_jsonl(records)))
    assert not multiprocessing.active_children()
    assert not Demonstration.objects.exists()


def _text_work_in_a_celery_worker_process(texts):
    work = TextWork()
    try:
        return work.submit(lines(texts), index=True).result()
    finally:
        work.close()


def test_an_import_run_by_a_celery_worker_process_computes_its_text_work_too():
    # Celery's default (prefork) pool runs tasks in daemonic billiard processes, which may not fork children.
    billiard = pytest.importorskip("billiard")
    with billiard.Pool(1) as pool:
        hashes, bands, has_words = pool.apply(_text_work_in_a_celery_worker_process, (TEXTS,))
    expected = text_work([instruction for instruction, _ in TEXTS], [context for _, context in TEXTS], True)
    assert hashes == expected[0]
    assert numpy.array_equal(bands, expected[1]) and numpy.array_equal(has_words, expected[2])


KILLED_IMPORTER = """
import os, signal, sys
from types import SimpleNamespace
import multiprocessing
from datasets.text_work import TextWork
work = TextWork()
work.submit([SimpleNamespace(instruction="Which river?", context="")], index=True).result()
print(multiprocessing.active_children()[0].pid, flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_the_second_process_exits_when_the_importer_is_killed():
    importer = subprocess.Popen(  # noqa: S603 - this interpreter, a fixed script
        [sys.executable, "-c", KILLED_IMPORTER], stdout=subprocess.PIPE, text=True, cwd=settings.BASE_DIR
    )
    with importer.stdout:
        second = int(importer.stdout.readline())
    assert importer.wait(timeout=60) == -signal.SIGKILL
    for _attempt in range(100):
        try:
            os.kill(second, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    os.kill(second, signal.SIGKILL)
    pytest.fail("the second process outlived its importer")
