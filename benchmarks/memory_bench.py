"""Memory over time: many turns in one session without restart; RSS must plateau."""

from __future__ import annotations

import asyncio
import gc

from benchmarks.common import Result, finish, rss_mb, temp_paths
from benchmarks.remote_fake import RemoteFake
from mimo_tui.config import Settings
from mimo_tui.fake.scenarios import Scenario
from mimo_tui.runtime import build_runtime
from mimo_tui.ui.app import MimoApp

KEY = "bench-key"
TURN = Scenario(
    reasoning="thinking about it " * 20,
    content="An answer with `code` and a list:\n\n- one\n- two\n\n" + "word " * 200,
)


async def _turns(turns: int) -> list[tuple[int, float]]:
    """RSS of this process (the app only: the fake, which records every request and its
    whole history, runs in a process of its own) every tenth of the run."""
    samples = []
    with RemoteFake(KEY, *[TURN] * turns) as fake:
        paths = temp_paths()
        runtime = build_runtime(Settings(api_key=KEY, base_url=fake.base_url, max_retries=0), paths)
        app = MimoApp(runtime, runtime.new_session().id)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            for turn in range(1, turns + 1):
                await finish(app.screen.run_turn(f"turn {turn}"))
                if turn % max(1, turns // 10) == 0:
                    await pilot.pause()
                    gc.collect()
                    samples.append((turn, rss_mb()))
        runtime.close()
    return samples


def run(quick: bool = False) -> list[Result]:
    turns = 60 if quick else 200
    samples = asyncio.run(_turns(turns))
    mid_turn, mid = samples[len(samples) // 2]
    last_turn, last = samples[-1]
    per_turn = (last - mid) / max(1, last_turn - mid_turn)
    out = [Result("memory", f"RSS after {t} turns", mb, "MB") for t, mb in samples[::3]]
    out.append(
        Result(
            "memory",
            f"RSS growth per turn, turns {mid_turn}-{last_turn}",
            per_turn * 1024,
            "KB",
            "plateau (< 50 KB/turn)",
            per_turn * 1024 < 50,
        )
    )
    return out
