#!/usr/bin/env python3
"""Convert a tiktoken `.tiktoken` vocabulary into costctl's compact binary form (`.ctkv`).

Usage: make_vocab.py INPUT.tiktoken OUTPUT.ctkv [EXPECTED_SHA256]

Input: lines of `base64(token bytes) rank`, ranks 0..n-1 in order (checked).
Output layout (all integers little-endian):

    offset  size  field
    0       8     magic  b"CTKVOC01"
    8       4     n, the number of tokens (u32)
    12      4     payload size in bytes (u32)
    16      32    SHA-256 of the original .tiktoken file
    48      32    SHA-256 of the payload
    80      ...   payload: n token lengths (u8 each), then the token bytes concatenated in rank order

The loader (Sources/CostTokens/VocabularyFile.swift) checks the magic, the sizes and the payload's
SHA-256; the test suite rebuilds the original text from the payload and checks the original's SHA-256.
Only the Python standard library is used.
"""
import base64
import hashlib
import struct
import sys


def main() -> int:
    if len(sys.argv) not in (3, 4):
        print(__doc__, file=sys.stderr)
        return 2
    src, dst = sys.argv[1], sys.argv[2]
    raw = open(src, "rb").read()
    original_sha = hashlib.sha256(raw).digest()
    if len(sys.argv) == 4 and original_sha.hex() != sys.argv[3].lower():
        print(f"error: {src} has SHA-256 {original_sha.hex()}, expected {sys.argv[3]}", file=sys.stderr)
        return 1
    tokens = []
    for number, line in enumerate(raw.splitlines(), start=1):
        if not line:
            continue
        encoded, rank = line.split()
        if int(rank) != len(tokens):
            print(f"error: line {number}: rank {int(rank)} is not {len(tokens)}", file=sys.stderr)
            return 1
        token = base64.b64decode(encoded, validate=True)
        if not 0 < len(token) < 256:
            print(f"error: line {number}: token of {len(token)} bytes", file=sys.stderr)
            return 1
        tokens.append(token)
    payload = bytes(len(t) for t in tokens) + b"".join(tokens)
    header = b"CTKVOC01" + struct.pack("<II", len(tokens), len(payload))
    header += original_sha + hashlib.sha256(payload).digest()
    with open(dst, "wb") as out:
        out.write(header + payload)
    print(f"{dst}: {len(tokens)} tokens, {len(header) + len(payload)} bytes, original SHA-256 {original_sha.hex()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
