#!/usr/bin/env python3
"""Regenerate costctl's bundled price catalog (Fixtures/Pricing/catalog.json).

Sources, both installed from PyPI by Scripts/update-prices:
  * genai-prices (pydantic/genai-prices, MIT): providers, match rules, prices per unit, tiers,
    start-date history, time-of-day prices and request variants (batch, service tiers).
  * LiteLLM (BerriAI/litellm, MIT): model_prices_and_context_window_backup.json, the only public
    source of many flex/priority/batch prices and of models genai-prices lacks.

genai-prices is the primary source. A LiteLLM entry either (a) adds the service tiers genai-prices
lacks to the genai-prices model it resolves to (only when both agree on the standard prices), or
(b) becomes a model of its own, matched by its exact LiteLLM key, with `source: litellm`.
See Documentation/Pricing.md for the format and the merge rules.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import sys
from collections import Counter
from decimal import Decimal
from importlib.metadata import version
from pathlib import Path

from genai_prices import types as T
from genai_prices.data import providers as GP_PROVIDERS
from genai_prices.data_snapshot import get_snapshot

import litellm

from apply_capabilities import apply as apply_capabilities, load_rules as capability_rules

MTOK = Decimal(1_000_000)

# LiteLLM provider names -> genai-prices provider ids. Names not listed keep their LiteLLM name.
LITELLM_PROVIDERS = {
    "openai": "openai", "text-completion-openai": "openai", "chatgpt": "openai",
    "anthropic": "anthropic",
    "azure": "azure", "azure_ai": "azure", "azure_text": "azure",
    "bedrock": "aws", "bedrock_converse": "aws", "bedrock_mantle": "aws", "amazon_nova": "aws",
    "sagemaker": "aws",
    "vertex_ai": "google", "gemini": "google",
    "mistral": "mistral", "codestral": "mistral", "text-completion-codestral": "mistral",
    "groq": "groq", "deepseek": "deepseek", "xai": "x-ai", "cohere": "cohere", "cohere_chat": "cohere",
    "together_ai": "together", "fireworks_ai": "fireworks", "fireworks_ai-embedding-models": "fireworks",
    "openrouter": "openrouter", "perplexity": "perplexity", "cerebras": "cerebras", "novita": "novita",
    "cloudflare": "cloudflare", "databricks": "databricks", "baseten": "baseten", "voyage": "voyageai",
    "github_copilot": "github-copilot", "moonshot": "moonshotai", "zai": "zai", "minimax": "minimax",
    "ovhcloud": "ovhcloud", "meta_llama": "meta", "elevenlabs": "elevenlabs", "typesafe": "typesafe",
}


def litellm_provider_id(name: str) -> str:
    if name.startswith("vertex_ai"):
        return "google"
    return LITELLM_PROVIDERS.get(name, name)


# MARK: - decimals

def dec_str(d: Decimal) -> str:
    """Plain decimal notation, no exponent, no trailing zeros."""
    if d == 0:
        return "0"
    s = format(d.normalize(), "f")
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return s


def per_token_to_mtok(value) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, str):
        try:
            value = Decimal(value)
        except Exception:
            return None
    if isinstance(value, (int, float)):
        value = Decimal(repr(value))
    if not isinstance(value, Decimal) or not value.is_finite() or value < 0:
        return None
    return value * MTOK


# MARK: - genai-prices serialisation

def clause_json(c) -> dict:
    if isinstance(c, T.ClauseEquals):
        return {"equals": c.equals}
    if isinstance(c, T.ClauseStartsWith):
        return {"starts_with": c.starts_with}
    if isinstance(c, T.ClauseEndsWith):
        return {"ends_with": c.ends_with}
    if isinstance(c, T.ClauseContains):
        return {"contains": c.contains}
    if isinstance(c, T.ClauseRegex):
        return {"regex": c.regex}
    if isinstance(c, T.ClauseOr):
        return {"or": [clause_json(x) for x in c.or_]}
    if isinstance(c, T.ClauseAnd):
        return {"and": [clause_json(x) for x in c.and_]}
    raise TypeError(f"unknown clause {c!r}")


def price_value_json(v):
    if isinstance(v, T.TieredPrices):
        return {"base": dec_str(v.base), "tiers": [{"start": t.start, "price": dec_str(t.price)} for t in v.tiers]}
    return dec_str(v)


def prices_json(mp: T.ModelPrice) -> dict:
    return {k: price_value_json(v) for k, v in mp.__dict__.items() if v is not None and not k.startswith("_")}


def utc_time(t: dt.time) -> str:
    if t.tzinfo is not None:
        t = dt.datetime.combine(dt.date(1970, 1, 1), t).astimezone(dt.timezone.utc).time()
    return t.strftime("%H:%M:%S")


def constraint_json(c):
    if c is None:
        return None
    if isinstance(c, T.StartDateConstraint):
        return {"start_date": c.start_date.isoformat()}
    if isinstance(c, T.TimeOfDateConstraint):
        return {"time_of_day": [{"start": utc_time(c.start_time), "end": utc_time(c.end_time)}]}
    raise TypeError(f"unknown constraint {c!r}")


def model_json(m: T.ModelInfo) -> dict:
    out: dict = {"id": m.id, "match": clause_json(m.match), "source": "genai-prices"}
    if m.name:
        out["name"] = m.name
    if m.context_window:
        out["context_window"] = m.context_window
    if m.deprecated:
        out["deprecated"] = True
    if isinstance(m.prices, T.ModelPrice):
        out["prices"] = [{"prices": prices_json(m.prices)}]
    else:
        entries = []
        for cp in m.prices:
            e = {"prices": prices_json(cp.prices)}
            if cp.constraint is not None:
                e["constraint"] = constraint_json(cp.constraint)
            entries.append(e)
        out["prices"] = entries
    if m.price_variants:
        variants = []
        for v in m.price_variants:
            e = {"when": dict(v.when), "prices": prices_json(v.prices), "source": "genai-prices"}
            if v.constraint is not None:
                e["constraint"] = constraint_json(v.constraint)
            variants.append(e)
        out["variants"] = variants
    return out


def provider_json(p: T.Provider) -> dict:
    out: dict = {"id": p.id, "name": p.name, "source": "genai-prices"}
    if p.api_pattern:
        out["api_pattern"] = p.api_pattern
    if p.pricing_urls:
        out["pricing_urls"] = p.pricing_urls
    if p.provider_match is not None:
        out["provider_match"] = clause_json(p.provider_match)
    if p.model_match is not None:
        out["model_match"] = clause_json(p.model_match)
    if p.fallback_model_providers:
        out["fallback_providers"] = list(p.fallback_model_providers)
    out["models"] = [model_json(m) for m in p.models]
    return out


# MARK: - LiteLLM conversion

SERVICE_TIERS = {"flex": ("service_tier", "flex"), "priority": ("service_tier", "priority")}
BASE_KEYS = {
    "input_cost_per_token": "input_mtok",
    "output_cost_per_token": "output_mtok",
    "cache_read_input_token_cost": "cache_read_mtok",
    "cache_creation_input_token_cost": "cache_write_mtok",
}
THRESHOLD_RE = re.compile(r"^(input_cost_per_token|output_cost_per_token|cache_read_input_token_cost|"
                          r"cache_creation_input_token_cost)_above_(\d+)(k?)_tokens$")


def litellm_threshold(num: str, k: str) -> int:
    return int(num) * (1000 if k else 1)


def litellm_rates(e: dict, suffix: str | None) -> tuple[dict, list[str]]:
    """The per-MTok prices LiteLLM's calculator would apply for one service tier (suffix None = standard).

    Mirrors litellm.cost_calculator: a tier key falls back to the standard key; an absent cache
    price resolves to the input price; `_above_Nk_tokens` thresholds switch every token kind to the
    threshold rate once the prompt (input incl. cache) exceeds N (xAI: reaches N).
    """
    unsupported: list[str] = []

    def get(key: str):
        if suffix is not None:
            v = per_token_to_mtok(e.get(f"{key}_{suffix}"))
            if v is not None:
                return v
        return per_token_to_mtok(e.get(key))

    table = e.get("tiered_pricing")
    if isinstance(table, list) and table and isinstance(table[0], dict) and per_token_to_mtok(table[0].get("input_cost_per_token")) is not None:
        return litellm_tiered_table(e, table), unsupported

    inp = get("input_cost_per_token")
    out = get("output_cost_per_token")
    if out in (None, Decimal(0)):
        img = per_token_to_mtok(e.get("output_cost_per_image_token"))
        if img is not None:
            out = img
    cread = get("cache_read_input_token_cost")
    cwrite = get("cache_creation_input_token_cost")
    cwrite1h = per_token_to_mtok(e.get("cache_creation_input_token_cost_above_1hr"))
    inclusive = e.get("litellm_provider") == "xai"

    # thresholds: standard keys and keys suffixed for this tier
    thresholds: dict[int, dict[str, Decimal]] = {}
    for key, raw in e.items():
        k = key
        if suffix is not None and key.endswith("_" + suffix):
            k = key[: -len(suffix) - 1]
        elif re.search(r"_(flex|priority|balanced|ultrafast|batches|decisions)$", key):
            continue
        m = THRESHOLD_RE.match(k)
        if not m:
            continue
        v = per_token_to_mtok(raw)
        if v is None:
            continue
        n = litellm_threshold(m.group(2), m.group(3))
        slot = thresholds.setdefault(n, {})
        if k == key and m.group(1) in slot:
            continue  # a tier-suffixed key wins over the standard one
        slot[m.group(1)] = v

    prices: dict = {}
    if inp is None and out is None:
        return prices, unsupported

    def tiered(base: Decimal | None, field: str):
        if base is None:
            return None
        tiers = []
        current = base
        for n in sorted(thresholds):
            v = thresholds[n].get(field)
            if v is not None:
                current = v
            tiers.append({"start": n - 1 if inclusive else n, "price": dec_str(current)})
        # drop tiers that do not change the price
        cleaned, last = [], base
        for t in tiers:
            if Decimal(t["price"]) != last:
                cleaned.append(t)
                last = Decimal(t["price"])
        return {"base": dec_str(base), "tiers": cleaned} if cleaned else dec_str(base)

    inp = inp if inp is not None else Decimal(0)
    prices["input_mtok"] = tiered(inp, "input_cost_per_token")
    if out is not None:
        prices["output_mtok"] = tiered(out, "output_cost_per_token")
    if cread is not None:
        prices["cache_read_mtok"] = tiered(cread, "cache_read_input_token_cost")
    elif thresholds:
        # absent cache price: LiteLLM bills cache reads at the (threshold) input rate, which the
        # leaf decomposition already does when cache_read is not priced.
        pass
    if cwrite is not None or cwrite1h is not None:
        prices["cache_write_mtok"] = tiered(cwrite if cwrite is not None else inp, "cache_creation_input_token_cost")
    if cwrite1h is not None:
        prices["cache_write_1h_mtok"] = dec_str(cwrite1h)

    extra = {
        "input_cost_per_audio_token": ("input_audio_mtok", MTOK),
        "output_cost_per_audio_token": ("output_audio_mtok", MTOK),
        "output_cost_per_reasoning_token": ("output_reasoning_mtok", MTOK),
        "input_cost_per_image_token": ("input_image_mtok", MTOK),
        "input_cost_per_character": ("input_mchars", MTOK),
        "input_cost_per_request": ("requests_kcount", Decimal(1000)),
        "input_cost_per_image": ("input_images_unit", Decimal(1)),
        "output_cost_per_image": ("output_images_unit", Decimal(1)),
        "input_cost_per_audio_per_second": ("input_audio_hours", Decimal(3600)),
    }
    for key, (price_key, scale) in extra.items():
        raw = e.get(f"{key}_{suffix}") if suffix else None
        if raw is None:
            raw = e.get(key)
        if raw is None:
            continue
        v = per_token_to_mtok(raw)
        if v is None:
            continue
        prices[price_key] = dec_str(v / MTOK * scale)
    if e.get("mode") == "audio_transcription" and "input_cost_per_second" in e and "input_audio_hours" not in prices:
        v = per_token_to_mtok(e["input_cost_per_second"])
        if v is not None:
            prices["input_audio_hours"] = dec_str(v / MTOK * 3600)
    # the join of cache_read and input_audio must be priced when both are (genai-prices' unit rules)
    if "cache_read_mtok" in prices and "input_audio_mtok" in prices:
        v = per_token_to_mtok(e.get("cache_read_input_audio_token_cost"))
        base = prices["cache_read_mtok"]
        prices["cache_audio_read_mtok"] = dec_str(v) if v is not None else (base if isinstance(base, str) else base["base"])
    if "cache_read_mtok" in prices and "input_image_mtok" in prices:
        v = per_token_to_mtok(e.get("cache_read_input_image_token_cost"))
        base = prices["cache_read_mtok"]
        prices["cache_image_read_mtok"] = dec_str(v) if v is not None else (base if isinstance(base, str) else base["base"])
    return prices, unsupported


def litellm_tiered_table(e: dict, table: list) -> dict:
    """LiteLLM `tiered_pricing`: all-or-nothing ranges chosen by the prompt size."""
    def tiers(key: str, fallback: str | None):
        base, out = None, []
        for i, tier in enumerate(table):
            rate = per_token_to_mtok(tier.get(key))
            if rate is None and fallback is not None:
                rate = per_token_to_mtok(tier.get(fallback))
            if rate is None:
                return None
            if i == 0:
                base = rate
            else:
                start = tier.get("range", [None])[0]
                if start is not None:
                    out.append({"start": int(start), "price": dec_str(rate)})
        if base is None:
            return None
        return {"base": dec_str(base), "tiers": out} if out else dec_str(base)
    prices = {}
    v = tiers("input_cost_per_token", None)
    if v is not None:
        prices["input_mtok"] = v
    v = tiers("output_cost_per_token", None)
    if v is not None:
        prices["output_mtok"] = v
    elif per_token_to_mtok(e.get("output_cost_per_token")) is not None:
        prices["output_mtok"] = dec_str(per_token_to_mtok(e.get("output_cost_per_token")))
    v = tiers("cache_read_input_token_cost", "input_cost_per_token")
    if v is not None:
        prices["cache_read_mtok"] = v
    return prices


def litellm_off_peak(e: dict, standard: dict) -> list[dict]:
    """LiteLLM off_peak_pricing -> a conditional price active in its windows (UTC, optional weekdays)."""
    op = e.get("off_peak_pricing")
    if not isinstance(op, dict):
        return []
    windows = []
    hours = op.get("hours_utc")
    if hours is not None:
        for w in ([hours] if isinstance(hours, str) else hours):
            windows.append({"hours": w})
    for block in op.get("windows", []) or []:
        hs = block.get("hours_utc")
        for w in ([hs] if isinstance(hs, str) else hs or []):
            windows.append({"hours": w, "weekdays": block.get("weekdays")})
    spans = []
    for w in windows:
        try:
            a, b = w["hours"].split("-")
            span = {"start": a.strip() + ":00", "end": b.strip() + ":00"}
            if span["start"] == span["end"]:
                span["end"] = "24:00:00"  # LiteLLM: a window whose start equals its end is the whole day
        except Exception:
            continue
        if w.get("weekdays"):
            span["weekdays"] = list(w["weekdays"])
        spans.append(span)
    if not spans:
        return []
    prices = dict(standard)
    for key, pk in BASE_KEYS.items():
        v = per_token_to_mtok(op.get(key))
        if v is not None:
            prices[pk] = dec_str(v)
    return [{"constraint": {"time_of_day": spans}, "prices": prices}]


def litellm_model(key: str, e: dict, mid: str) -> dict | None:
    standard, _ = litellm_rates(e, None)
    out: dict = {"id": mid, "match": {"equals": mid.lower()}, "source": "litellm", "litellm_key": key}
    if mid.lower() != key.lower():
        out["match"] = {"or": [{"equals": mid.lower()}, {"equals": key.lower()}]}
    ctx = e.get("max_input_tokens") or e.get("max_tokens")
    if isinstance(ctx, (int, float)) and ctx > 0:
        out["context_window"] = int(ctx)
    if e.get("mode"):
        out["mode"] = e["mode"]
    if not standard:
        kinds = sorted(k for k in e if "cost" in k)
        out["unpriced_reason"] = ("LiteLLM lists no supported per-token, per-request or per-unit price"
                                  + (f" (it has: {', '.join(kinds[:6])})" if kinds else ""))
        out["prices"] = []
        return out
    out["prices"] = [{"prices": standard}] + litellm_off_peak(e, standard)
    variants = litellm_variants(e, standard)
    if variants:
        out["variants"] = variants
    return out


def litellm_variants(e: dict, standard: dict) -> list[dict]:
    variants = []
    for suffix, (ctx_key, ctx_val) in SERVICE_TIERS.items():
        if not any(k.endswith("_" + suffix) for k in e):
            continue
        tier, _ = litellm_rates(e, suffix)
        if tier and tier != standard:
            variants.append({"when": {ctx_key: ctx_val}, "prices": tier, "source": "litellm"})
    batch = {}
    for key, pk in BASE_KEYS.items():
        v = per_token_to_mtok(e.get(key + "_batches"))
        if v is not None:
            batch[pk] = dec_str(v)
    if batch:
        variants.append({"when": {"processing": "batch"}, "prices": batch, "source": "litellm"})
    return variants


def same_standard(gp_prices: T.ModelPrice, std: dict) -> bool:
    got = prices_json(gp_prices)
    for k in ("input_mtok", "output_mtok"):
        a, b = got.get(k), std.get(k)
        if a is None or b is None:
            return False
        if isinstance(a, dict) or isinstance(b, dict):
            a = a["base"] if isinstance(a, dict) else a
            b = b["base"] if isinstance(b, dict) else b
        if Decimal(a) != Decimal(b):
            return False
    return True


# MARK: - main

def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(Path(__file__).resolve().parent.parent / "Fixtures/Pricing/catalog.json"))
    args = ap.parse_args()

    litellm_path = Path(litellm.__file__).parent / "model_prices_and_context_window_backup.json"
    raw = json.loads(litellm_path.read_text())
    snapshot = get_snapshot()
    now = dt.datetime.now(dt.timezone.utc)

    providers = [provider_json(p) for p in GP_PROVIDERS]
    by_id = {p["id"]: p for p in providers}
    gp_model_json = {(p.id, m.id): mj for p, pj in zip(GP_PROVIDERS, providers) for m, mj in zip(p.models, pj["models"])}
    stats = Counter()

    for key, e in raw.items():
        if key == "sample_spec" or not isinstance(e, dict):
            continue
        lp = e.get("litellm_provider")
        if not isinstance(lp, str) or " " in lp:
            stats["skipped: no provider"] += 1
            continue
        pid = litellm_provider_id(lp)
        mid = key.split("/", 1)[1] if key.lower().startswith(lp.lower() + "/") else key
        standard, _ = litellm_rates(e, None)
        # (a) merge service tiers into the genai-prices model this key resolves to
        gp = None
        if pid in by_id and standard:
            try:
                gp = snapshot.find_provider_model(mid, None, pid, None)
            except LookupError:
                gp = None
        if gp is not None:
            gprov, gmodel = gp
            mj = gp_model_json.get((gprov.id, gmodel.id))
            if mj is not None and same_standard(gmodel.get_prices(now), standard):
                have = {tuple(sorted(v["when"].items())) for v in mj.get("variants", [])}
                for v in litellm_variants(e, standard):
                    w = tuple(sorted(v["when"].items()))
                    if w not in have:
                        mj.setdefault("variants", []).append(v)
                        have.add(w)
                        stats["merged: tier variants added to genai-prices models"] += 1
                stats["merged: agrees with genai-prices"] += 1
                # still addressable by its exact LiteLLM key (it resolves to the same prices)
        # (b) every LiteLLM key is also a model of its own (exact key), used when the caller
        #     speaks LiteLLM's namespace (provider `bedrock`, key `bedrock/eu-west-1/...`) or when
        #     genai-prices has no model for the id.
        model = litellm_model(key, e, mid)
        if model is None:
            continue
        model["litellm_provider"] = lp
        if pid not in by_id:
            by_id[pid] = {"id": pid, "name": pid, "source": "litellm", "models": []}
            providers.append(by_id[pid])
        by_id[pid].setdefault("litellm_models", []).append(model)
        stats["litellm models" + (" (unpriced)" if not model["prices"] else "")] += 1

    aliases = {}
    for name, pid in sorted(LITELLM_PROVIDERS.items()):
        if name != pid:
            aliases.setdefault(pid, []).append(name)
    for p in providers:
        for a in aliases.get(p["id"], []):
            p.setdefault("aliases", []).append(a)
    by_id["google"].setdefault("aliases", []).extend(
        sorted({lp for lp in (v.get("litellm_provider") for v in raw.values() if isinstance(v, dict))
                if isinstance(lp, str) and lp.startswith("vertex_ai") and lp != "vertex_ai"} | {"vertex_ai"}))

    classified = apply_capabilities({"providers": providers}, capability_rules())
    stats["capability classes (Fixtures/Pricing/capabilities.json)"] = len(classified)

    catalog = {
        "format": "costctl-catalog",
        "version": 1,
        "generated_at": now.replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        "sources": [
            {"name": "genai-prices", "version": version("genai-prices"), "licence": "MIT",
             "url": "https://github.com/pydantic/genai-prices"},
            {"name": "litellm", "version": version("litellm"), "licence": "MIT",
             "url": "https://github.com/BerriAI/litellm",
             "file": "litellm/model_prices_and_context_window_backup.json"},
        ],
        "providers": providers,
    }
    Path(args.out).write_text(json.dumps(catalog, indent=None, separators=(",", ":"), ensure_ascii=False) + "\n")
    n_gp = sum(len(p.get("models", [])) for p in providers)
    n_ll = sum(len(p.get("litellm_models", [])) for p in providers)
    print(f"wrote {args.out}: {len(providers)} providers, {n_gp} genai-prices models, {n_ll} LiteLLM models", file=sys.stderr)
    for k, v in sorted(stats.items()):
        print(f"  {k}: {v}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
