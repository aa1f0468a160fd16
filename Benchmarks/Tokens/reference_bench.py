#!/usr/bin/env python3
"""Throughput of tiktoken and quicktok-v1 on a corpus, in the same shape as tokens-benchmark.

Usage: reference_bench.py CORPUS [REPEAT]
Prints `RESULT <library>:<measure> <encoding> <MB/s> <tokens/s> <tokens>` lines; the measures
match tokens-benchmark's (single-thread encode of the whole corpus, count over ~1 KiB documents,
and the libraries' batch calls on all cores). Also checks that each library's ids equal tiktoken's.
"""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "Scripts", "vocab"))
from reference import get_encoding  # noqa: E402

import numpy  # noqa: E402
import quicktok  # noqa: E402


def best(runs, body):
    best_time, value = float("inf"), None
    for _ in range(runs):
        start = time.perf_counter()
        value = body()
        best_time = min(best_time, time.perf_counter() - start)
    return best_time, value


def checksum(ids):
    """Sum of id * (index % 1000003 + 1), wrapping at 2**64 (as tokens-benchmark computes it)."""
    a = numpy.asarray(ids, dtype=numpy.uint64)
    weights = (numpy.arange(len(a), dtype=numpy.uint64) % numpy.uint64(1000003)) + numpy.uint64(1)
    return int(numpy.sum(a * weights, dtype=numpy.uint64))


def documents(text, size=1024):
    out, current = [], []
    length = 0
    for line in text.split("\n"):
        current.append(line + "\n")
        length += len(line.encode()) + 1
        if length >= size:
            out.append("".join(current))
            current, length = [], 0
    if current:
        out.append("".join(current))
    return out


def main():
    path = sys.argv[1]
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    raw = open(path, "rb").read()
    text = raw.decode("utf-8")
    megabytes = len(raw) / 1e6
    docs = documents(text)
    threads = os.cpu_count() or 1

    def report(name, encoding, seconds, tokens):
        print(f"RESULT {name} {encoding} {megabytes / seconds:.4f} {tokens / seconds:.1f} {tokens}", flush=True)

    for encoding in ("cl100k_base", "o200k_base"):
        tik = get_encoding(encoding)
        qt = quicktok.get_encoding(encoding)
        reference = tik.encode_ordinary(text)
        print(f"IDS {encoding} {checksum(reference)}", flush=True)
        ids = qt.encode_ordinary(text)
        if list(ids) != reference:
            print(f"WARNING quicktok {encoding}: ids differ from tiktoken", flush=True)

        seconds, n = best(runs, lambda: len(tik.encode_ordinary(text)))
        report("tiktoken:encode", encoding, seconds, n)
        seconds, n = best(runs, lambda: sum(len(tik.encode_ordinary(d)) for d in docs))
        report("tiktoken:count_small", encoding, seconds, n)
        seconds, n = best(runs, lambda: sum(len(x) for x in tik.encode_ordinary_batch(docs, num_threads=threads)))
        report("tiktoken:batch", encoding, seconds, n)

        seconds, n = best(runs, lambda: len(qt.encode_ordinary(text)))
        report("quicktok:encode", encoding, seconds, n)
        seconds, n = best(runs, lambda: qt.count(text))
        report("quicktok:count", encoding, seconds, n)
        seconds, n = best(runs, lambda: sum(qt.count(d) for d in docs))
        report("quicktok:count_small", encoding, seconds, n)
        seconds, n = best(runs, lambda: len(qt.encode_batch(docs, threads=threads)[0]))
        report("quicktok:batch", encoding, seconds, n)


if __name__ == "__main__":
    main()
