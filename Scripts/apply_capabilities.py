#!/usr/bin/env python3
"""Give the bundled catalog's models their capability classes (Fixtures/Pricing/capabilities.json).

Run by Scripts/update_prices.py on every regeneration; run it alone after editing the rules:
  python3 Scripts/apply_capabilities.py            # rewrite Fixtures/Pricing/catalog.json in place
  python3 Scripts/apply_capabilities.py --list     # print each classified model, change nothing
A rule sets `capability_class` (and `quality_score` where the rule gives one) on every model, from
either source, whose normalised id matches its pattern; a model matching two rules is an error.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "Fixtures/Pricing/capabilities.json"
CATALOG = ROOT / "Fixtures/Pricing/catalog.json"

# A routing prefix ("anthropic/…", "us.anthropic.…", "databricks-…") and a Bedrock version suffix.
_PREFIX = re.compile(r"^(?:[a-z]{2,4}\.)?(?:anthropic|google|openai|meta|amazon)\.|^databricks-|^openai-")
_SUFFIX = re.compile(r"-v\d+(?::\d+)?$")


def normalise(model_id: str) -> str:
    s = model_id.lower().rsplit("/", 1)[-1]
    s = _PREFIX.sub("", s)
    return _SUFFIX.sub("", s)


def load_rules(path: Path = RULES) -> list[dict]:
    rules = json.loads(path.read_text())["classes"]
    for r in rules:
        r["_re"] = re.compile(r["pattern"])
    return rules


def classify(model_id: str, rules: list[dict]) -> tuple[str, float | None] | None:
    key = normalise(model_id)
    hits = [r for r in rules if r["_re"].fullmatch(key)]
    if len(hits) > 1:
        raise SystemExit(f"{model_id}: matches classes {[r['class'] for r in hits]}; make the patterns disjoint")
    if not hits:
        return None
    rule = hits[0]
    return rule["class"], rule.get("quality", {}).get(key)


def apply(catalog: dict, rules: list[dict]) -> list[tuple[str, str, str, float | None]]:
    """Sets the classes in `catalog` (in place) and returns (provider, model, class, quality) rows."""
    rows = []
    for p in catalog["providers"]:
        for m in p.get("models", []) + p.get("litellm_models", []):
            m.pop("capability_class", None)
            m.pop("quality_score", None)
            found = classify(m["id"], rules)
            if found is None:
                continue
            cls, quality = found
            m["capability_class"] = cls
            if quality is not None:
                m["quality_score"] = quality
            rows.append((p["id"], m["id"], cls, quality))
    return rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--catalog", default=str(CATALOG))
    ap.add_argument("--list", action="store_true", help="print the classified models; write nothing")
    args = ap.parse_args()
    path = Path(args.catalog)
    catalog = json.loads(path.read_text())
    rows = apply(catalog, load_rules())
    if args.list:
        for row in rows:
            print("\t".join("" if v is None else str(v) for v in row))
    else:
        path.write_text(json.dumps(catalog, indent=None, separators=(",", ":"), ensure_ascii=False) + "\n")
    by_class: dict[str, int] = {}
    for _, _, cls, _ in rows:
        by_class[cls] = by_class.get(cls, 0) + 1
    print(f"{len(rows)} models classified: " + ", ".join(f"{k} {v}" for k, v in sorted(by_class.items())), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
