"""The text work of an import's batches, text hashes and MinHash bands, done in a second process.

An import's own process reads and checks the lines and drives the database's writes; the text
hashes and the LSH bands of a batch (a third of the import's CPU time) are pure computation on
its text, so a process forked from this one computes them meanwhile, on the other core.  Forked,
it starts at once with every module already loaded, and it never touches the database
connection it inherits.  Where ``fork`` is not available, or this process may not have children
(a Celery prefork worker's), the work is done here, when its result is asked for.
"""

import multiprocessing
import os
import threading
import time
from concurrent.futures import ProcessPoolExecutor

from annotations.text import demonstration_hashes, minhash_band_matrix


def text_work(instructions, contexts, index):
    """``(hashes, bands, has_words)`` of a batch: each text's ``demonstration_hashes`` and, with
    ``index``, ``minhash_band_matrix`` of the instructions (``None`` without)."""
    hashes = list(map(demonstration_hashes, instructions, contexts))
    bands, has_words = minhash_band_matrix(instructions) if index else (None, None)
    return hashes, bands, has_words


def _may_fork():
    """Whether this process may fork the second one: not where ``fork`` is missing, nor in a daemonic
    process (a Celery prefork worker's, where multiprocessing refuses to start children)."""
    return "fork" in multiprocessing.get_all_start_methods() and not multiprocessing.current_process().daemon


def _exit_with_importer(importer_pid):
    """Run first in the second process: it exits once the importer is gone (killed, say, by the
    out-of-memory killer) instead of waiting for a batch for ever with a copy of its memory."""

    def watch():
        while os.getppid() == importer_pid:
            time.sleep(1)
        os._exit(1)

    threading.Thread(target=watch, name="exit-with-importer", daemon=True).start()


class _Here:
    """A batch's text work done in this process, when its result is first asked for."""

    def __init__(self, *args):
        self._args = args

    def result(self):
        return text_work(*self._args)


class TextWork:
    """Starts each batch's ``text_work`` in a forked process; ``submit`` returns what ``result()`` gives.

    The process is forked at the first ``submit``: the caller makes the first before it starts
    a thread of its own, so the child is a copy of a process running one thread.
    """

    def __init__(self):
        self._pool = None

    def submit(self, lines, *, index):
        instructions = [line.instruction for line in lines]
        contexts = [line.context for line in lines]
        if self._pool is None and _may_fork():
            self._pool = ProcessPoolExecutor(
                max_workers=1,
                mp_context=multiprocessing.get_context("fork"),
                initializer=_exit_with_importer,
                initargs=(os.getpid(),),
            )
        if self._pool is None:
            return _Here(instructions, contexts, index)
        return self._pool.submit(text_work, instructions, contexts, index)

    def close(self):
        """Stop the second process (any batch still running there is dropped); safe to call again."""
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
