#!/usr/bin/env python3
"""Cross-check costctl against genai-prices on EVERY model of genai-prices, not just the vectors.

For each provider and model of genai-prices, build requests that exercise its prices: plain
input/output, cache reads and writes, 1-hour writes, audio tokens, both sides of every tier
threshold, both sides of every start date, inside and outside every time-of-day window, and the
batch/flex/priority variants. Price them with genai-prices' calc_price and with
`costctl cost --batch - --json` in one process, and compare totals (and input/output) to 1e-12 USD.

Usage: Scripts/crosscheck-prices [--costctl PATH] [--limit N]
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import subprocess
import sys
import warnings
from decimal import Decimal

from genai_prices import calc_price, Usage
from genai_prices import types as T
from genai_prices.data import providers as PROVIDERS

warnings.simplefilter("ignore")
NOW = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.timezone.utc)
TOL = Decimal("1e-12")


def model_prices(m: T.ModelInfo) -> list[tuple[T.ModelPrice, object]]:
    if isinstance(m.prices, T.ModelPrice):
        return [(m.prices, None)]
    return [(cp.prices, cp.constraint) for cp in m.prices]


def timestamps(m: T.ModelInfo) -> list[dt.datetime]:
    out = [NOW]
    for _, c in model_prices(m):
        if isinstance(c, T.StartDateConstraint):
            d = dt.datetime.combine(c.start_date, dt.time(0, 0), tzinfo=dt.timezone.utc)
            out += [d, d - dt.timedelta(seconds=1)]
        elif isinstance(c, T.TimeOfDateConstraint):
            for t in (c.start_time, c.end_time):
                base = dt.datetime.combine(NOW.date(), t.replace(tzinfo=t.tzinfo or dt.timezone.utc))
                base = base.astimezone(dt.timezone.utc)
                out += [base, base - dt.timedelta(seconds=1)]
    return out


def usages(m: T.ModelInfo) -> list[dict]:
    keys: set[str] = set()
    thresholds: set[int] = set()
    for p, _ in model_prices(m):
        for k, v in p.__dict__.items():
            if v is None:
                continue
            keys.add(k)
            if isinstance(v, T.TieredPrices):
                thresholds.update(t.start for t in v.tiers)
    out = [
        {"input_tokens": 1000, "output_tokens": 500},
        {"input_tokens": 123_457, "output_tokens": 7_891, "cache_read_tokens": 50_001},
        {"input_tokens": 10_000, "output_tokens": 0, "cache_read_tokens": 2_000, "cache_write_tokens": 3_000},
    ]
    if "cache_write_1h_mtok" in keys:
        out.append({"input_tokens": 10_000, "output_tokens": 10, "cache_write_tokens": 3_000, "cache_write_1h_tokens": 1_000})
    if "input_audio_mtok" in keys or "output_audio_mtok" in keys:
        out.append({"input_tokens": 5_000, "output_tokens": 4_000, "input_audio_tokens": 2_000, "output_audio_tokens": 1_000})
    if "web_searches_kcount" in keys:
        out.append({"input_tokens": 100, "output_tokens": 100, "web_searches": 3})
    for t in sorted(thresholds):
        for n in (t, t + 1):
            out.append({"input_tokens": n, "output_tokens": 1_000, "cache_read_tokens": n // 4})
    return out


def tiers(m: T.ModelInfo) -> list[str]:
    out = ["standard"]
    for v in m.price_variants or []:
        if v.when == {"processing": "batch"}:
            out.append("batch")
        elif v.when.get("service_tier") in ("flex", "priority"):
            out.append(v.when["service_tier"])
    return sorted(set(out))


CONTEXT = {"batch": {"processing": "batch"}, "flex": {"service_tier": "flex"}, "priority": {"service_tier": "priority"}}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--costctl", default=".build/release/costctl")
    ap.add_argument("--limit", type=int, default=0, help="models at most (0: all)")
    args = ap.parse_args()

    cases, expected = [], []
    models = 0
    for p in PROVIDERS:
        for m in p.models:
            models += 1
            if args.limit and models > args.limit:
                break
            for ts in timestamps(m):
                for u in usages(m):
                    for tier in tiers(m):
                        try:
                            r = calc_price(Usage(**u), m.id, provider_id=p.id, genai_request_timestamp=ts,
                                           price_context=CONTEXT.get(tier))
                        except Exception:
                            continue  # genai-prices refuses this usage for this model
                        if r.model.id != m.id:
                            continue  # the id itself matches an earlier model in genai-prices
                        cases.append({"id": len(cases), "provider": p.id, "model": m.id, "usage": u,
                                      "timestamp": ts.isoformat().replace("+00:00", "Z"), "tier": tier})
                        expected.append((r.input_price, r.output_price, r.total_price))
    data = "\n".join(json.dumps(c) for c in cases) + "\n"
    proc = subprocess.run([args.costctl, "cost", "--batch", "-", "--json"], input=data, capture_output=True, text=True)
    if proc.returncode != 0:
        print(proc.stderr, file=sys.stderr)
        return 1
    got = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
    assert len(got) == len(cases), (len(got), len(cases))
    bad = 0
    for c, (ei, eo, et), g in zip(cases, expected, got):
        ok = g.get("priced") and all(
            abs(Decimal(g[k]) - e) <= TOL for k, e in (("input_usd", ei), ("output_usd", eo), ("total_usd", et)))
        if not ok:
            bad += 1
            if bad <= 20:
                print(f"MISMATCH {c['provider']}/{c['model']} {c['usage']} {c['timestamp']} {c['tier']}: "
                      f"genai-prices {et} costctl {g.get('total_usd')} {g.get('error') or ''}", file=sys.stderr)
    print(f"{len(cases) - bad} of {len(cases)} requests identical to genai-prices over {models} models "
          f"({len({(c['provider'], c['model']) for c in cases})} priced), tolerance 1e-12 USD")
    return 0 if bad == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
