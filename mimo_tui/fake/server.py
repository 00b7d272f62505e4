"""The fake's HTTP server: stdlib `http.server`, one thread per connection, SSE for streams.

`FakeMimo` is what tests, the demo and the benchmarks hold: it starts and stops the server,
queues scenarios, plays one plan's host (which keys it accepts), keeps the prefix cache, and
records every request for assertions. What a request may be is fake/rules.py's (and the
Anthropic path's fake/anthropic.py); how it is answered is fake/routes.py's.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import ThreadingHTTPServer
from typing import Any

from mimo_tui.fake import routes
from mimo_tui.fake.chat_completions import envelope
from mimo_tui.fake.rules import PLAN_MIX
from mimo_tui.fake.scenarios import SCENARIOS, Scenario, demo_scenario
from mimo_tui.fake.transport import Recorded


@dataclass
class FakeMimo:
    """Start with `.start()` (or as a context manager); `base_url` is then the /v1 URL."""

    api_key: str = "test-key"
    strict: bool = True
    responder: Callable[[dict[str, Any]], Scenario] = demo_scenario
    host: str = "127.0.0.1"
    port: int = 0
    requests: list[Recorded] = field(default_factory=list)
    # Listed by GET /v1/models after the real ones, but not served (hostile-id tests; not
    # even strings: a broken server may list `"id": null`).
    extra_models: tuple[object, ...] = ()
    # GET /v1/models answers only once this is set (the list arriving late, as over a slow
    # network, while the user already types in the model field).
    models_hold: threading.Event | None = None
    # Which MiMo host this fake plays: "payg" (api.xiaomimimo.com) refuses tp- keys,
    # "token_plan" (token-plan-*.xiaomimimo.com) refuses every other key, with the 401.
    plan: str = "payg"
    # Prefix cache: a digest of every message prefix (per model) seen in this fake's life.
    _prefixes: set[str] = field(default_factory=set)
    # Web search: whether this key's Web Search plugin is on, and sources to send instead of
    # the generated ones (see fake/web_search.py).
    web_search_enabled: bool = True
    # Every request answered 307 to this origin and the same path, as a misconfigured or
    # hostile proxy in front of the API might (the key must not follow).
    redirect_to: str | None = None
    search_results: list[dict[str, Any]] | None = None
    _queue: deque[Scenario] = field(default_factory=deque)
    # Every reasoning sent with a call id (a set: scenarios may reuse an id across turns).
    _reasoning_by_call: dict[str, set[str]] = field(default_factory=dict)
    _server: ThreadingHTTPServer | None = None
    _stopping: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # ---- control ---------------------------------------------------------------------------

    def start(self) -> FakeMimo:
        fake = self

        class Handler(routes.Handler):
            owner = fake

        self._server = ThreadingHTTPServer((self.host, self.port), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True, name="fake-mimo"
        ).start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeMimo:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/v1"

    def queue(self, *items: Scenario | str) -> None:
        """Script the next chat responses, in order; names refer to SCENARIOS."""
        with self._lock:
            for item in items:
                self._queue.append(SCENARIOS[item] if isinstance(item, str) else item)

    def chat_requests(self) -> list[Recorded]:
        return [r for r in self.requests if r.path.endswith("/chat/completions")]

    def messages_requests(self) -> list[Recorded]:
        """Requests to the Anthropic-format endpoint (/anthropic/v1/messages)."""
        return [r for r in self.requests if r.path.endswith("/anthropic/v1/messages")]

    # ---- decisions -------------------------------------------------------------------------

    def next_scenario(self, headers: dict[str, str], body: dict[str, Any]) -> Scenario:
        named = headers.get("x-fake-scenario")
        if named in SCENARIOS:
            return SCENARIOS[named]
        with self._lock:
            if self._queue:
                return self._queue.popleft()
        return self.responder(body)

    def authorized(self, headers: dict[str, str]) -> bool:
        key = headers.get("api-key") or headers.get("x-api-key") or ""
        auth = headers.get("authorization") or ""
        if auth.lower().startswith("bearer "):
            key = key or auth[7:].strip()
            if auth[7:].strip() == self.api_key:
                return True
        return key == self.api_key

    def auth_error(self, headers: dict[str, str]) -> dict[str, Any] | None:
        """The 401 envelope for this request's key, or None when it may pass."""
        key = headers.get("api-key") or headers.get("x-api-key") or ""
        auth = headers.get("authorization") or ""
        key = key or (auth[7:].strip() if auth.lower().startswith("bearer ") else "")
        if key and key.startswith("tp-") != (self.plan == "token_plan"):
            return envelope(401, "Invalid API Key", PLAN_MIX)
        if not self.authorized(headers):
            return envelope(401, "Invalid API Key")
        return None

    def cached_tokens(self, body: dict[str, Any]) -> tuple[int, int]:
        """(prompt tokens, of which cached): the cache holds every message prefix this fake
        has seen for the model, so a replayed history hits up to its last new message."""
        digest = hashlib.sha256(str(body.get("model")).encode())
        chars, cached = 0, 0
        keys = []
        for message in body["messages"]:
            # Sorted keys: the same message hashes the same; its length is the same either way.
            text = json.dumps(message, ensure_ascii=False, sort_keys=True)
            chars += len(text)
            digest.update(text.encode("utf-8", "surrogatepass"))
            keys.append((digest.hexdigest(), chars))
        with self._lock:
            for key, upto in keys:
                if key in self._prefixes:
                    cached = upto // 4
                self._prefixes.add(key)
        return max(1, chars // 4), cached


def serve(port: int = 0, api_key: str = "demo", delay_s: float = 0.012) -> None:
    """Run the fake in the foreground (`python -m mimo_tui.fake`), for manual tests and demos."""
    fake = FakeMimo(
        api_key=api_key, port=port, responder=lambda body: demo_scenario(body, delay_s)
    ).start()
    print(f"fake MiMo at {fake.base_url} (key: {api_key})", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        fake.stop()
