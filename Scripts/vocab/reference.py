"""tiktoken encodings built from the local vocabulary files (no network needed).

tiktoken downloads its vocabularies on first use; this builds the same `Encoding` objects, with
tiktoken's own patterns and special tokens, from `.tiktoken` files in VOCAB_DIR (default: the
`shared/vocab` folder beside the project, or $COSTCTL_VOCAB_DIR).
"""
import os

import tiktoken
import tiktoken.load
import tiktoken_ext.openai_public as openai_public

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VOCAB_DIR = os.environ.get("COSTCTL_VOCAB_DIR", os.path.join(os.path.dirname(ROOT), "shared", "vocab"))


def get_encoding(name: str) -> tiktoken.Encoding:
    def local(url: str, expected_hash: str | None = None):
        path = os.path.join(VOCAB_DIR, url.rsplit("/", 1)[1])
        return tiktoken.load.load_tiktoken_bpe(path, expected_hash=expected_hash)

    original = openai_public.load_tiktoken_bpe
    openai_public.load_tiktoken_bpe = local
    try:
        spec = getattr(openai_public, name)()
    finally:
        openai_public.load_tiktoken_bpe = original
    return tiktoken.Encoding(**spec)
