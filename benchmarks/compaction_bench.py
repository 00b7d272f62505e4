"""Compaction: the bytes a 5,000-message session sends per request, before and after.

The summary is asked of the fake over real HTTP (its summary lists the summarised part's
user messages, up to 40 lines: about the length of a real model's summary).
"""

from __future__ import annotations

import asyncio
import json

from benchmarks.common import Result, seed_long_session, temp_paths
from mimo_tui.client import ChatClient
from mimo_tui.compaction import compact
from mimo_tui.fake import FakeMimo
from mimo_tui.store import Store

KEY = "bench-key"
SYSTEM = "You are MiMo, an AI assistant developed by Xiaomi."


def run(quick: bool = False) -> list[Result]:
    size = 1_000 if quick else 5_000
    paths = temp_paths()
    store = Store(paths.store_file)
    sid = seed_long_session(store, size)
    before = len(json.dumps(store.replay(sid, SYSTEM), ensure_ascii=False).encode())

    async def summarise() -> None:
        with FakeMimo(api_key=KEY) as fake:
            client = ChatClient(KEY, fake.base_url, max_retries=0)
            try:
                await compact(store, client, sid, "mimo-v2.5-pro", SYSTEM, keep_turns=2)
            finally:
                await client.aclose()

    asyncio.run(summarise())
    after = len(json.dumps(store.replay(sid, SYSTEM), ensure_ascii=False).encode())
    store.close()
    share = after / before * 100
    return [
        Result("compaction", f"request bytes, {size:,} messages, full", before / 1000, "kB"),
        Result("compaction", "request bytes after compaction", after / 1000, "kB"),
        Result("compaction", "after / before", share, "%", "< 10 %", share < 10),
    ]
