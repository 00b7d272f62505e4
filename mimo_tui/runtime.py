"""Wire the core together for one run: settings, store, client, engine, and the demo's fake.

The CLI and the TUI both start here, so `--demo`, `-c` and `--session` mean the same thing in
both. Nothing here imports textual or openai.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from mimo_tui.client import ChatClient
from mimo_tui.config import Paths, Settings
from mimo_tui.engine import Engine
from mimo_tui.model import Session
from mimo_tui.prompt import Clock, local_now
from mimo_tui.store import Store

DEMO_KEY = "demo-key-offline"


@dataclass
class Runtime:
    settings: Settings
    paths: Paths
    store: Store
    engine: Engine
    fake: Any = None  # the demo's FakeMimo, when --demo

    def session(self, resume: bool = False, ref: str | None = None) -> Session:
        """The session to use: `ref` (id, prefix, `last`), the last one with `resume`, or new.

        Raises StoreError when `ref` matches nothing.
        """
        if ref:
            return self.store.get_session(ref)
        if resume and self.store.list_sessions(limit=1):
            return self.store.get_session("last")
        return self.new_session()

    def new_session(self) -> Session:
        s = self.settings
        return self.store.create_session(
            s.model, {"thinking": s.thinking, "lang": s.lang, "base_url": s.base_url}
        )

    def close(self) -> None:
        self.store.close()
        if self.fake is not None:
            self.fake.stop()


def build_runtime(
    settings: Settings,
    paths: Paths,
    clock: Clock = local_now,
    demo_delay_s: float = 0.012,
) -> Runtime:
    """Open the store and make the engine; with `settings.demo`, start the offline fake first."""
    fake = None
    if settings.demo:
        from mimo_tui.fake import FakeMimo
        from mimo_tui.fake.scenarios import demo_scenario

        fake = FakeMimo(
            api_key=DEMO_KEY, responder=lambda body: demo_scenario(body, demo_delay_s)
        ).start()
        settings = replace(
            settings, api_key=DEMO_KEY, api_key_source="offline demo", base_url=fake.base_url
        )
    store = Store(paths.demo_store_file if settings.demo else paths.store_file)
    client = make_client(settings)
    engine = Engine(store, client, settings, clock=clock)
    return Runtime(settings, paths, store, engine, fake)


def make_client(settings: Settings) -> ChatClient | None:
    if not settings.api_key:
        return None
    return ChatClient(
        settings.api_key,
        settings.base_url,
        timeout_s=settings.timeout_s,
        idle_timeout_s=settings.idle_timeout_s,
        max_retries=settings.max_retries,
    )
