"""CPU time of the duplicate comparison's word diff, the part of the page that grows with the texts.

Each side of a field is capped at ``review.comparison.MAX_COMPARED_CHARS``; this measures one
field at the cap (unrelated texts, the worst case for difflib, and a near copy) against a
floor of two short instructions, in CPU time (``time.process_time``), median of ``--repeat``.
No database: ``python bench/bench_compare.py``.
"""

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

import django  # noqa: E402

django.setup()

from review.comparison import MAX_COMPARED_CHARS, compare_texts  # noqa: E402


def _text(rng, words, length):
    out = []
    while sum(len(w) + 1 for w in out) < length:
        out.append(rng.choice(words))
    return " ".join(out)[:length]


def _cpu_ms(first, second, repeat):
    times = []
    for _ in range(repeat):
        start = time.process_time()
        compare_texts(first, second)
        times.append((time.process_time() - start) * 1000)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    rng = random.Random(7)
    words = ["".join(rng.choice("abcdefghijklmnop") for _ in range(rng.randint(2, 9))) for _ in range(4000)]
    short = ("Write a haiku about the first snow of the year.", "Write a haiku about the first snow.")
    floor = _cpu_ms(*short, args.repeat)
    a = _text(rng, words, 3 * MAX_COMPARED_CHARS)
    b = _text(rng, words, 3 * MAX_COMPARED_CHARS)
    near = a[: len(a) // 2] + " inserted words here " + a[len(a) // 2 :]
    unrelated = _cpu_ms(a, b, args.repeat)
    copy = _cpu_ms(near, a, args.repeat)
    print(f"load average {os.getloadavg()[0]:.2f}; cap {MAX_COMPARED_CHARS:,} characters per side")
    print(f"floor (two short instructions): {floor:.3f} ms CPU")
    print(f"one field at the cap, unrelated texts: {unrelated:.1f} ms CPU ({unrelated / floor:,.0f}x floor)")
    print(f"one field at the cap, near copy: {copy:.1f} ms CPU ({copy / floor:,.0f}x floor)")


if __name__ == "__main__":
    main()
