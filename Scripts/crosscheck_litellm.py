#!/usr/bin/env python3
"""Check that costctl's run-time LiteLLM importer (Swift) and the catalog generator
(Scripts/update_prices.py) read every entry of LiteLLM's price map the same way.

Runs `costctl pricing import <litellm backup json> --format litellm` into a scratch prices
directory and compares each model's prices, constraints and variants with the bundled catalog's
LiteLLM models. Usage: crosscheck_litellm.py COSTCTL CATALOG.json
"""
import json
import os
import subprocess
import sys
import tempfile
from decimal import Decimal
from pathlib import Path

import litellm

costctl, catalog = sys.argv[1], sys.argv[2]
source = Path(litellm.__file__).parent / "model_prices_and_context_window_backup.json"
with tempfile.TemporaryDirectory() as tmp:
    env = dict(os.environ, COSTCTL_PRICES_DIR=tmp)
    subprocess.run([costctl, "pricing", "import", str(source), "--format", "litellm", "--name", "full", "--json"],
                   env=env, check=True, capture_output=True)
    imported = json.loads(Path(tmp, "full.json").read_text())
bundled = json.loads(Path(catalog).read_text())


def norm(v):
    if isinstance(v, dict):
        return (Decimal(v["base"]), tuple((t["start"], Decimal(t["price"])) for t in v.get("tiers", [])))
    return (Decimal(v), ())


def shape(m):
    prices = [(json.dumps(c.get("constraint"), sort_keys=True), {k: norm(v) for k, v in c["prices"].items()})
              for c in m.get("prices", [])]
    variants = sorted((json.dumps(v["when"], sort_keys=True), tuple(sorted((k, norm(x)) for k, x in v["prices"].items())))
                      for v in m.get("variants", []))
    return prices, variants


ours = {m["litellm_key"]: m for p in bundled["providers"] for m in p.get("litellm_models", [])}
n = bad = 0
for p in imported["providers"]:
    for m in p.get("litellm_models", []):
        n += 1
        other = ours.get(m["litellm_key"])
        if other is None or shape(m) != shape(other):
            bad += 1
            if bad <= 10:
                print(f"DIFFERENT {m['litellm_key']}", file=sys.stderr)
print(f"{n - bad} of {n} LiteLLM entries read identically by the Swift importer and the catalog generator")
sys.exit(1 if bad or n == 0 else 0)
