#!/usr/bin/env python3
"""Write random and adversarial strings with their tiktoken ids, as JSON lines.

Usage: make_differential.py OUT.jsonl [COUNT] [SEED]

Each line is {"text": ..., "cl100k_base": [...], "o200k_base": [...]}, computed with tiktoken's
encode_ordinary (special-token strings are plain text). Needs `pip install tiktoken`.
The committed fixture Tests/CostTokensTests/Vectors/differential.jsonl was made with
    make_differential.py Tests/CostTokensTests/Vectors/differential.jsonl 4000 1
and a larger run can be checked with COSTTOKENS_DIFFERENTIAL=/path/to/file.jsonl swift test.

       make_differential.py --exhaustive LENGTH OUT.jsonl

writes every string of up to LENGTH scalars over a 17-scalar alphabet around the scanner's
ASCII/non-ASCII boundaries; Tests/CostTokensTests/Vectors/exhaustive.jsonl is LENGTH 3.
"""
import json
import random
import sys

from reference import get_encoding

ASCII_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
DIGITS = "0123456789"
PUNCT = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
WHITESPACE = [" ", " ", " ", "\t", "\n", "\r", "\r\n", "\x0b", "\x0c", "\x85", "\xa0", "\u1680", "\u2000",
              "\u2005", "\u200a", "\u2028", "\u2029", "\u202f", "\u205f", "\u3000", "  ", "\n\n", " \n"]
CONTRACTIONS = ["'s", "'S", "'t", "'T", "'m", "'M", "'d", "'D", "'ll", "'LL", "'Ll", "'ve", "'VE", "'vE", "'re",
                "'RE", "'rE", "'\u017f", "'x", "'", "''", "n't", "N'T", "'l", "'v", "'r"]
MARKS = ["\u0300", "\u0301", "\u0308", "\u0327", "\u0483", "\u0903", "\u093f", "\u20dd", "\u0e31", "\u05b7",
         "\ufe0f", "\ufe0e", "\u034f", "\U000e0100", "\u1ab0"]
LETTERS = ["\u00e9", "\u00c9", "\u00df", "\u0391", "\u03b1", "\u0416", "\u0436", "\u01c5", "\u1f88", "\u02b0",
           "\u3005", "\uff70", "\u4e2d", "\u6587", "\u05d0", "\u0627", "\u0e01", "\ud55c", "\u3042", "\u30a2",
           "\U00010400", "\U00010428", "\U00020000", "\U0001d400", "\U0001d41a", "\u0131", "\u0130", "\u1e9e",
           "\u2c65", "\ua7c0", "\u0561", "\u10d0", "\u1200", "\u0b95", "\u0d15",
           # assigned in Unicode 15.0, 15.1, 16.0 (letters for tiktoken) and 17.0 (unassigned for it)
           "\U00031350", "\U0002ebf0", "\u1c89", "\u1c8a", "\U00010d50", "\U00011380", "\U00032c6f",
           "\U0001094a", "\U00011b66", "\U00011dba"]
NUMBERS = ["\u0660", "\u0669", "\uff10", "\u2160", "\u2164", "\u00b2", "\u00bd", "\u2460", "\U0001d7ce",
           "\u0966", "\u3007", "\U00010107"]
SYMBOLS = ["\u200d", "\u200c", "\ufeff", "\u00ad", "\u2019", "\u201c", "\u2014", "\u00a9", "\u20ac", "\ue000",
           "\U0001f600", "\U0001f44d\U0001f3fd", "\U0001f468\u200d\U0001f469\u200d\U0001f467",
           "\U0001f1eb\U0001f1f7", "\u2764\ufe0f", "\U0001f3f3\ufe0f\u200d\U0001f308", "\u0378", "\U000e0001",
           "\U0010fffd", "<|endoftext|>", "<|endofprompt|>", "<|fim_prefix|>", "/", "//", "\\"]
WORDS = ["hello", "Hello", "HELLO", "world", "the", "The", "don", "can", "I", "CamelCase", "camelCase", "iPhone",
         "McDonald", "XMLHttpRequest", "na\u00efve", "Stra\u00dfe", "\u00dcBER", "caf\u00e9", "\u4f60\u597d",
         "\u041f\u0440\u0438\u0432\u0435\u0442", "\u3053\u3093\u306b\u3061\u306f", "def", "return", "0x1F",
         "123456789", "3.14159", "1,000,000", "user@example.com", "https://example.com/a/b?c=d", "====",
         "    ", "\t\t", "...", "!!!", "?!", "--", "**", "```", "{}", "[]", "();"]

POOLS = [
    (lambda r: r.choice(ASCII_LETTERS), 6), (lambda r: r.choice(DIGITS), 4), (lambda r: r.choice(PUNCT), 4),
    (lambda r: r.choice(WHITESPACE), 6), (lambda r: r.choice(CONTRACTIONS), 3), (lambda r: r.choice(MARKS), 3),
    (lambda r: r.choice(LETTERS), 4), (lambda r: r.choice(NUMBERS), 2), (lambda r: r.choice(SYMBOLS), 3),
    (lambda r: r.choice(WORDS), 6),
]


def random_scalar(r: random.Random) -> str:
    while True:
        plane = r.random()
        if plane < 0.6:
            value = r.randrange(0x80, 0x3000)
        elif plane < 0.85:
            value = r.randrange(0x3000, 0x10000)
        else:
            value = r.randrange(0x10000, 0x110000)
        if not 0xD800 <= value <= 0xDFFF:
            return chr(value)


def make_text(r: random.Random) -> str:
    kind = r.random()
    if kind < 0.15:  # uniformly random scalars, mixed with ASCII structure
        return "".join(random_scalar(r) if r.random() < 0.6 else r.choice(ASCII_LETTERS + " \n'0") for _ in range(r.randrange(1, 40)))
    if kind < 0.25:  # whitespace runs before letters, digits and punctuation, at the end too
        return "".join(r.choice(WHITESPACE) * r.randrange(1, 4) + r.choice(["a", "B", "1", "!", "\u00e9", "", "'s"]) for _ in range(r.randrange(1, 8)))
    if kind < 0.27:  # long pieces: words, base64-like blobs, punctuation and whitespace runs
        alphabet = r.choice([ASCII_LETTERS, ASCII_LETTERS + DIGITS + "+/", "abcdefghijklmnop", PUNCT, " \t", "\u00e9\u4e2d\u0301a"])
        return "".join(r.choice(alphabet) for _ in range(r.randrange(100, 600)))
    if kind < 0.29:  # a small alphabet around the scanner's ASCII/non-ASCII boundaries
        return "".join(r.choice("aZ1 '\t\n\r/.!s\u00e9\u00c9\u4e2d\u0301\u00a0\u0660") for _ in range(r.randrange(1, 14)))
    if kind < 0.32:  # digit runs
        return "".join(r.choice(DIGITS + "\u0660\uff10\u00b2 .,") for _ in range(r.randrange(1, 30)))
    weights = [w for _, w in POOLS]
    parts = r.choices([f for f, _ in POOLS], weights=weights, k=r.randrange(1, 24))
    return "".join(f(r) for f in parts)


EXHAUSTIVE_ALPHABET = "aZ1 '\t\n\r/.s\u00e9\u00c9\u0301\u00a0\u0660L"


def exhaustive(out: str, length: int) -> int:
    """Every string of 1...length scalars over EXHAUSTIVE_ALPHABET (the scanner's boundaries)."""
    import itertools

    cl100k = get_encoding("cl100k_base")
    o200k = get_encoding("o200k_base")
    with open(out, "w", encoding="utf-8") as f:
        for n in range(1, length + 1):
            for chars in itertools.product(EXHAUSTIVE_ALPHABET, repeat=n):
                text = "".join(chars)
                record = {"text": text, "cl100k_base": cl100k.encode_ordinary(text), "o200k_base": o200k.encode_ordinary(text)}
                f.write(json.dumps(record, ensure_ascii=True) + "\n")
    return 0


def main() -> int:
    if len(sys.argv) == 4 and sys.argv[1] == "--exhaustive":
        return exhaustive(sys.argv[3], int(sys.argv[2]))
    out = sys.argv[1]
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 4000
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    r = random.Random(seed)
    cl100k = get_encoding("cl100k_base")
    o200k = get_encoding("o200k_base")
    with open(out, "w", encoding="utf-8") as f:
        for _ in range(count):
            text = make_text(r)
            record = {"text": text, "cl100k_base": cl100k.encode_ordinary(text), "o200k_base": o200k.encode_ordinary(text)}
            f.write(json.dumps(record, ensure_ascii=True) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
