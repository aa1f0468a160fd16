#!/usr/bin/env python3
"""Writes the Claude Code fixture (Fixtures/Import/claude-code/). Written by us from the documented
log shape; every trap the importer must handle is here once. Run from this directory."""
import json, os

A = "claude-code/projects/-home-alice-src-shop/3f2a9c4e-1b7d-4e8a-9c61-5d0e2b7a4f10.jsonl"
B = "claude-code/projects/-home-alice-src-api/8c1d7e22-6a4b-4f3e-b5d9-0a9e3c6f7b21.jsonl"
S1 = "3f2a9c4e-1b7d-4e8a-9c61-5d0e2b7a4f10"
S2 = "8c1d7e22-6a4b-4f3e-b5d9-0a9e3c6f7b21"

def base(session, cwd, uuid, ts, sidechain=False):
    return {"parentUuid": None, "isSidechain": sidechain, "userType": "external", "cwd": cwd,
            "sessionId": session, "version": "2.0.31", "gitBranch": "main", "type": "assistant",
            "uuid": uuid, "timestamp": ts}

def assistant(session, cwd, uuid, ts, mid, rid, model, usage, sidechain=False, cost=None, text="Done."):
    line = base(session, cwd, uuid, ts, sidechain)
    line["message"] = {"id": mid, "type": "message", "role": "assistant", "model": model,
                       "content": [{"type": "text", "text": text}], "stop_reason": "end_turn",
                       "stop_sequence": None, "usage": usage}
    if rid is not None:
        line["requestId"] = rid
    if cost is not None:
        line["costUSD"] = cost
    return line

def usage(inp, out, create=0, read=0, m5=None, h1=None, tier="standard"):
    u = {"input_tokens": inp, "cache_creation_input_tokens": create, "cache_read_input_tokens": read,
         "output_tokens": out, "service_tier": tier}
    if m5 is not None or h1 is not None:
        u["cache_creation"] = {"ephemeral_5m_input_tokens": m5 or 0, "ephemeral_1h_input_tokens": h1 or 0}
    return u

SONNET4 = "claude-sonnet-4-20250514"
SONNET45 = "claude-sonnet-4-5-20250929"
HAIKU = "claude-3-5-haiku-20241022"
OPUS = "claude-opus-4-1-20250805"
cwdA, cwdB = "/home/alice/src/shop", "/home/alice/src/api"

a = []
# A user turn: no usage.
a.append({**base(S1, cwdA, "u-001", "2026-11-10T09:00:00.000Z"), "type": "user",
          "message": {"role": "user", "content": "Add a discount field to the cart"}})
# msg_A1: a partial streaming copy first (output 1), then the final copy (output 350).
a.append(assistant(S1, cwdA, "a-001", "2026-11-10T09:00:05.120Z", "msg_01A1", "req_01A1", SONNET4,
                   usage(4, 1, create=1000, read=20000, m5=1000, h1=0), text="I'll"))
a.append(assistant(S1, cwdA, "a-002", "2026-11-10T09:00:05.980Z", "msg_01A1", "req_01A1", SONNET4,
                   usage(4, 350, create=1000, read=20000, m5=1000, h1=0)))
# msg_A2: a 1-hour cache write.
a.append(assistant(S1, cwdA, "a-003", "2026-11-10T09:02:11.400Z", "msg_01A2", "req_01A2", SONNET4,
                   usage(10, 500, create=2000, read=21000, m5=0, h1=2000)))
# A malformed (truncated) line.
a.append('{"parentUuid":"a-003","isSidechain":false,"type":"assistant","message":{"id":"msg_01ZZ","usage":{"input_tokens":')
# A user turn that mentions the word usage (parsed, still no usage).
a.append({**base(S1, cwdA, "u-002", "2026-11-10T09:03:00.000Z"), "type": "user",
          "message": {"role": "user", "content": "What is the \"usage\" of the cart service?"}})
# A synthetic message (Claude Code's own, no tokens billed).
a.append(assistant(S1, cwdA, "a-004", "2026-11-10T09:03:01.000Z", "3b0c7f1e-synthetic", None, "<synthetic>",
                   usage(0, 0), text="No response requested."))
# The rate limit: "usage limit reached|<epoch of the reset>".
lim = assistant(S1, cwdA, "a-005", "2026-11-10T09:04:00.000Z", "5d2e8a90-limit", None, "<synthetic>",
                usage(0, 0), text="Claude AI usage limit reached|1794330000")
lim["isApiErrorMessage"] = True
a.append(lim)
# msg_A3: old log with costUSD and no requestId, written twice.
a.append(assistant(S1, cwdA, "a-006", "2026-11-10T13:05:00.000Z", "msg_01A3", None, HAIKU, usage(3, 20), cost=0.5))
a.append(assistant(S1, cwdA, "a-007", "2026-11-10T13:05:00.000Z", "msg_01A3", None, HAIKU, usage(3, 20), cost=0.5))
# A sub-agent's sidechain copy of msg_A2 (same tokens: the main-chain copy is kept).
a.append(assistant(S1, cwdA, "a-008", "2026-11-10T09:02:11.400Z", "msg_01A2", "req_01A2", SONNET4,
                   usage(10, 500, create=2000, read=21000, m5=0, h1=2000), sidechain=True))
# msg_A4: a long-context request (205,000 input tokens) on a model priced by prompt size.
a.append(assistant(S1, cwdA, "a-009", "2026-11-10T13:30:00.000Z", "msg_01A4", "req_01A4", SONNET45,
                   usage(5000, 1000, create=0, read=200000, m5=0, h1=0)))
# msg_A5's final copy. Its partial streaming copy was written into the forked session's file (api),
# which sorts first and is read first: the partial copy must not win for being seen first.
a.append(assistant(S1, cwdA, "a-010", "2026-11-10T15:00:04.500Z", "msg_01A5", "req_01A5", SONNET4,
                   usage(8, 800, create=0, read=30000)))
# A conversation summary line.
a.append({"type": "summary", "summary": "Cart discount field", "leafUuid": "a-009"})

b = []
# The resumed session copies msg_A2 into its own file.
b.append(assistant(S2, cwdB, "b-001", "2026-11-10T09:02:11.400Z", "msg_01A2", "req_01A2", SONNET4,
                   usage(10, 500, create=2000, read=21000, m5=0, h1=2000)))
# msg_B1: a cache write reported only as a total (no 5m/1h split).
b.append(assistant(S2, cwdB, "b-002", "2026-11-10T14:10:00.000Z", "msg_01B1", "req_01B1", OPUS,
                   usage(6, 200, create=500, read=0)))
# msg_A5's partial streaming copy (output 5), in the forked session's file.
b.append(assistant(S1, cwdA, "b-003", "2026-11-10T15:00:02.000Z", "msg_01A5", "req_01A5", SONNET4,
                   usage(8, 5, create=0, read=30000), text="Look"))

for path, lines in ((A, a), (B, b)):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        for line in lines:
            f.write((line if isinstance(line, str) else json.dumps(line, separators=(",", ":"))) + "\n")
