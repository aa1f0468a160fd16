#!/usr/bin/env bash
# Regenerate Sources/CostTokens/Resources/*.ctkv from tiktoken's vocabulary files.
# Usage: Scripts/vocab/make_vocab.sh [VOCAB_DIR]   (default: ../shared/vocab beside the project)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
VOCAB=${1:-$ROOT/../shared/vocab}
OUT=$ROOT/Sources/CostTokens/Resources
python3 "$ROOT/Scripts/vocab/make_vocab.py" "$VOCAB/cl100k_base.tiktoken" "$OUT/cl100k_base.ctkv" \
    223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7
python3 "$ROOT/Scripts/vocab/make_vocab.py" "$VOCAB/o200k_base.tiktoken" "$OUT/o200k_base.ctkv" \
    446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d
