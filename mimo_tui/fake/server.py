"""The fake's HTTP server: stdlib `http.server`, one thread per connection, SSE for streams.

Rules it enforces like the real service (wire brief §3.3, §13): auth by `api-key` or
`Authorization: Bearer`; in thinking mode an assistant tool-call turn without `reasoning_content`
is a 400 (and, strictly, it must equal what the fake sent for those call ids); assistant
`content: null` beside tool calls is a 400; tool content that is not a string is a 400; tool
messages that do not answer the assistant's tool_calls one-to-one are a 400; unknown models
are a 400. Every request is recorded for assertions.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import threading
import time
import zlib
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from mimo_tui.fake import anthropic as anth
from mimo_tui.fake import media
from mimo_tui.fake import web_search as search
from mimo_tui.fake.scenarios import SCENARIOS, Scenario, demo_scenario, split_tokens

MODELS = ["mimo-v2.5-pro", "mimo-v2.5", "mimo-v2-flash", "mimo-v2.6-pro", "mimo-v2.6-flash"]
# What OpenAI-compatible services accept as a function name (MCP tools are mapped to it).
_FUNCTION_NAME = re.compile(r"[a-zA-Z0-9_-]{1,64}")
THINKING_OFF_BY_DEFAULT = {"mimo-v2-flash"}
# The 401 MiMo answers a key of the other plan with (wire brief §17.4; the exact text is not
# documented, the error-codes page names the cause).
PLAN_MIX = "API Key that mixes Token Plan and Pay-as-you-go API"


class _Served(set[str]):
    """The served ids; `id[1m]` (the 1M-context route, not listed by /models) too."""

    def __contains__(self, model: object) -> bool:
        if isinstance(model, str) and model.endswith("[1m]"):
            model = model[: -len("[1m]")]
        return super().__contains__(model)


SERVED = _Served(MODELS)
CREATED = 1776848906  # fixed, for deterministic snapshots


@dataclass
class Recorded:
    """One request as the fake saw it."""

    method: str
    path: str
    headers: dict[str, str]
    body: Any
    status: int = 0
    disconnected: bool = False


@dataclass
class FakeMimo:
    """Start with `.start()` (or as a context manager); `base_url` is then the /v1 URL."""

    api_key: str = "test-key"
    strict: bool = True
    responder: Callable[[dict[str, Any]], Scenario] = demo_scenario
    host: str = "127.0.0.1"
    port: int = 0
    requests: list[Recorded] = field(default_factory=list)
    # Listed by GET /v1/models after the real ones, but not served (hostile-id tests).
    extra_models: tuple[str, ...] = ()
    # Which MiMo host this fake plays: "payg" (api.xiaomimimo.com) refuses tp- keys,
    # "token_plan" (token-plan-*.xiaomimimo.com) refuses every other key, with the 401.
    plan: str = "payg"
    # Prefix cache: a digest of every message prefix (per model) seen in this fake's life.
    _prefixes: set[str] = field(default_factory=set)
    # Web search: whether this key's Web Search plugin is on, and sources to send instead of
    # the generated ones (see fake/web_search.py).
    web_search_enabled: bool = True
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

        class Handler(_Handler):
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
            return _envelope(401, "Invalid API Key", PLAN_MIX)
        if not self.authorized(headers):
            return _envelope(401, "Invalid API Key")
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

    def check_chat(self, body: dict[str, Any]) -> str | None:
        """The `param` detail of the 400 the real service would return, or None."""
        model = body.get("model")
        if model not in SERVED:
            return "model not found"
        thinking_cfg = (body.get("thinking") or {}).get("type")
        thinking = (
            thinking_cfg == "enabled" if thinking_cfg else model not in THINKING_OFF_BY_DEFAULT
        )
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            return "messages must be a non-empty list"
        for i, tool in enumerate(body.get("tools") or []):
            if isinstance(tool, dict) and tool.get("type") == "web_search":
                continue  # a built-in tool: checked by fake/web_search.py
            name = (tool.get("function") or {}).get("name") if isinstance(tool, dict) else None
            if not isinstance(name, str) or not _FUNCTION_NAME.fullmatch(name):
                return f"tools[{i}].function.name must match ^[a-zA-Z0-9_-]{{1,64}}$, got {name!r}"
        media_problem = media.check(model, messages)
        if media_problem:
            return media_problem
        for msg in messages:
            role = msg.get("role")
            if role == "assistant" and msg.get("tool_calls"):
                if msg.get("content") is None:
                    return "`text` is not present"
                reasoning = msg.get("reasoning_content")
                if thinking and not isinstance(reasoning, str):
                    return (
                        "The reasoning_content in the thinking mode must be passed back to the API."
                    )
                if thinking and self.strict:
                    for call in msg["tool_calls"]:
                        sent = self._reasoning_by_call.get(call.get("id"))
                        if sent is not None and reasoning not in sent:
                            return (
                                "The reasoning_content in the thinking mode must be passed "
                                "back to the API."
                            )
            if role == "tool" and not isinstance(msg.get("content"), str):
                return "`text` is not set"
        return tool_answers_problem(messages)


def tool_answers_problem(messages: list[Any]) -> str | None:
    """Tool messages must answer the assistant's tool_calls one-to-one, right after it.

    As the real service: each call id distinct within its message, each answered by exactly
    one `tool` message before any other message, and no `tool` message answering nothing.
    """
    open_ids: list[Any] | None = None  # ids of the last tool-call message not yet answered
    for i, msg in enumerate(messages):
        role = msg.get("role") if isinstance(msg, dict) else None
        if role == "tool":
            call_id = msg.get("tool_call_id")
            if open_ids is None or call_id not in open_ids:
                return (
                    f"messages[{i}]: a message with role 'tool' must be a response to a "
                    f"preceding message with 'tool_calls' (tool_call_id {call_id!r} "
                    "unknown or already answered)"
                )
            open_ids.remove(call_id)
            continue
        if open_ids:
            return (
                "An assistant message with 'tool_calls' must be followed by tool messages "
                "responding to each 'tool_call_id'. The following tool_call_ids did not have "
                f"response messages: {', '.join(map(str, open_ids))}"
            )
        open_ids = None
        if role == "assistant" and msg.get("tool_calls"):
            ids = [c.get("id") if isinstance(c, dict) else None for c in msg["tool_calls"]]
            if len(set(ids)) != len(ids):
                return f"messages[{i}]: tool_calls ids must be unique within a message"
            open_ids = ids
    if open_ids:
        return (
            "An assistant message with 'tool_calls' must be followed by tool messages "
            "responding to each 'tool_call_id'. The following tool_call_ids did not have "
            f"response messages: {', '.join(map(str, open_ids))}"
        )
    return None


def _json(data: Any) -> str:
    """JSON as MiMo sends it (UTF-8); a lone surrogate, which UTF-8 cannot carry, goes out
    as a JSON escape, the only way a server can send one (hostile-output tests use this)."""
    text = json.dumps(data, ensure_ascii=False)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(data)
    return text


def _envelope(status: int, message: str, param: str = "") -> dict[str, Any]:
    return {"error": {"code": str(status), "message": message, "param": param, "type": ""}}


class _Handler(BaseHTTPRequestHandler):
    owner: FakeMimo
    server_version = "MiFE/3.4.34"
    sys_version = ""

    def log_message(self, format: str, *args: Any) -> None:  # the fake is quiet
        return

    # ---- plumbing --------------------------------------------------------------------------

    def _record(self, body: Any) -> Recorded:
        rec = Recorded(
            self.command,
            self.path,
            {k.lower(): v for k, v in self.headers.items()},
            body,
        )
        self.owner.requests.append(rec)
        return rec

    def _send_json(
        self,
        rec: Recorded,
        status: int,
        payload: Any,
        extra: dict | None = None,
        raw: bytes | None = None,
    ) -> None:
        data = raw if raw is not None else json.dumps(payload).encode()
        rec.status = status
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-request-id", secrets.token_hex(16))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def _read_body(self) -> Any:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            return json.loads(raw) if raw else {}
        except ValueError:
            return raw.decode("utf-8", "replace")

    # ---- routes ----------------------------------------------------------------------------

    def do_GET(self) -> None:
        rec = self._record(None)
        refused = self.owner.auth_error(rec.headers)
        if refused:
            self._send_json(rec, 401, refused)
        elif self.path.rstrip("/").endswith("/v1/models"):
            data = [
                {"id": m, "object": "model", "created": 0, "owned_by": "xiaomi"}
                for m in [*MODELS, *self.owner.extra_models]
            ]
            self._send_json(rec, 200, {"object": "list", "data": data})
        else:
            self._send_json(rec, 404, _envelope(404, "Not Found"))

    def do_POST(self) -> None:
        body = self._read_body()
        rec = self._record(body)
        if self.path.rstrip("/").endswith("/anthropic/v1/messages"):
            self._anthropic(rec, body)
            return
        if not self.path.rstrip("/").endswith("/v1/chat/completions"):
            self._send_json(rec, 404, _envelope(404, "Not Found"))
            return
        refused = self.owner.auth_error(rec.headers)
        if refused:
            self._send_json(rec, 401, refused)
            return
        if not isinstance(body, dict):
            self._send_json(rec, 400, _envelope(400, "Invalid Format", "body is not JSON"))
            return
        stream = bool(body.get("stream"))
        problem = self.owner.check_chat(body)
        if problem:
            payload = _envelope(400, "Param Incorrect", problem)
            raw = b"data:" + json.dumps(payload).encode() if stream else None
            self._send_json(rec, 400, payload, raw=raw)
            return
        problem = search.problem(body)
        if problem:
            self._send_json(rec, 400, _envelope(400, "Param Incorrect", problem))
            return
        sc = self.owner.next_scenario(rec.headers, body)
        if search.entry(body) and not self.owner.web_search_enabled:
            self._send_json(rec, 400, _envelope(400, *search.NOT_ENABLED))
            return
        if sc.first_byte_delay_s and self._sleep(sc.first_byte_delay_s):
            return
        if sc.status:
            payload = _envelope(sc.status, sc.error_message, sc.error_param)
            extra = {}
            if sc.retry_after:
                extra["retry-after"] = sc.retry_after
                extra["retry-after-ms"] = str(int(float(sc.retry_after) * 1000))
            raw = b"data:" + json.dumps(payload).encode() if sc.sse_error_body else None
            if sc.gzip_body_mib:
                self._send_gzip_bomb(rec, sc, payload, extra)
                return
            self._send_json(rec, sc.status, payload, extra, raw)
            return
        try:
            if stream:
                self._stream(rec, body, sc)
            else:
                self._complete(rec, body, sc)
        except (BrokenPipeError, ConnectionResetError):
            rec.disconnected = True

    def _send_gzip_bomb(
        self, rec: Recorded, sc: Scenario, payload: Any, extra: dict[str, str]
    ) -> None:
        """The error envelope then spaces up to gzip_body_mib MiB, gzip-compressed as it is
        written (a MiB of spaces at a time), delimited by closing the connection."""
        assert sc.status is not None
        rec.status = sc.status
        self.send_response(sc.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Connection", "close")
        for k, v in extra.items():
            self.send_header(k, v)
        self.end_headers()
        packer = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: the gzip container
        spaces = b" " * (1 << 20)
        try:
            self.wfile.write(packer.compress(json.dumps(payload).encode()))
            for _ in range(sc.gzip_body_mib):
                if self.owner._stopping.is_set():
                    return
                self.wfile.write(packer.compress(spaces))
            self.wfile.write(packer.flush())
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            rec.disconnected = True  # the client stopped reading: what a capped read does
        self.close_connection = True

    def _sleep(self, seconds: float) -> bool:
        """Sleep unless the fake is stopping; True when it is."""
        return self.owner._stopping.wait(seconds)

    # ---- replies ---------------------------------------------------------------------------

    def _calls(self, sc: Scenario) -> list[dict[str, Any]]:
        calls = []
        for spec in sc.tool_calls:
            # A scenario may fix the id, to reuse one across turns or within a round.
            call_id = spec.get("id") or "call_" + secrets.token_hex(12)
            self.owner._reasoning_by_call.setdefault(call_id, set()).add(sc.reasoning)
            calls.append(
                {
                    "id": call_id,
                    "type": "function",
                    "function": {"name": spec["name"], "arguments": spec["arguments"]},
                }
            )
        return calls

    def _usage(self, body: dict[str, Any], sc: Scenario) -> dict[str, Any]:
        """The usage of this request (once per request: it also fills the prefix cache)."""
        prompt, cached = self.owner.cached_tokens(body)
        reasoning = len(split_tokens(sc.reasoning))
        completion = reasoning + len(split_tokens(sc.content)) + 8 * len(sc.tool_calls)
        return {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
            "completion_tokens_details": {"reasoning_tokens": reasoning},
            # MiMo sends null where it says nothing of the cache (a scenario can do so too).
            "prompt_tokens_details": {"cached_tokens": cached} if sc.cache_details else None,
        }

    def _finish(self, sc: Scenario) -> str:
        return sc.finish_reason or ("tool_calls" if sc.tool_calls else "stop")

    def _search(self, body: dict[str, Any], sc: Scenario) -> tuple[list[Any], Scenario]:
        """With a web_search tool: the sources, and the scenario with its answer citing them
        (a round that only calls tools searches when force_search says so)."""
        tool = search.entry(body)
        if tool is None or not (sc.content or tool.get("force_search")):
            return [], sc
        found = self.owner.search_results
        found = search.results(body) if found is None else found
        return found, replace(sc, content=search.cited(sc.content, len(found)))

    def _complete(self, rec: Recorded, body: dict[str, Any], sc: Scenario) -> None:
        found, sc = self._search(body, sc)
        message: dict[str, Any] = {
            "role": "assistant",
            "content": sc.content,
            "tool_calls": self._calls(sc) or None,
        }
        if found:
            message["annotations"] = found
        thinking = (body.get("thinking") or {}).get("type") != "disabled"
        if thinking:
            message["reasoning_content"] = sc.reasoning
        payload = {
            "id": secrets.token_hex(16),
            "object": "chat.completion",
            "created": CREATED,
            "model": body["model"],
            "choices": [{"index": 0, "message": message, "finish_reason": self._finish(sc)}],
            "usage": self._usage(body, sc),
        }
        self._send_json(rec, 200, payload)

    def _start_sse(self, rec: Recorded) -> None:
        rec.status = 200
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Connection", "close")
        self.end_headers()

    def _stream(self, rec: Recorded, body: dict[str, Any], sc: Scenario) -> None:
        self._start_sse(rec)
        chunk_id = secrets.token_hex(16)
        model = body["model"]
        thinking = (body.get("thinking") or {}).get("type") != "disabled"
        include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
        found, sc = self._search(body, sc)

        def frame(choices: list[dict[str, Any]], usage: Any = None, with_usage: bool = False):
            data: dict[str, Any] = {
                "id": chunk_id,
                "object": "chat.completion.chunk",
                "created": CREATED,
                "model": model,
                "choices": choices,
            }
            if with_usage:
                data["usage"] = usage
            return data

        def delta(d: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
            return frame([{"index": 0, "delta": d, "finish_reason": finish}])

        events: list[Any] = [
            delta(
                {
                    "role": "assistant",
                    "content": "",
                    **({"reasoning_content": ""} if thinking else {}),
                    # "the first packet will return all search sources" (wire brief §17.2)
                    **({"annotations": found} if found else {}),
                }
            )
        ]
        if thinking:
            events += [delta({"reasoning_content": t}) for t in split_tokens(sc.reasoning)]
        events += [delta({"content": t}) for t in split_tokens(sc.content)]
        for index, call in enumerate(self._calls(sc)):
            fn = call["function"]
            events.append(
                delta(
                    {
                        "tool_calls": [
                            {
                                "index": index,
                                "id": call["id"],
                                "type": "function",
                                "function": {"name": fn["name"], "arguments": ""},
                            }
                        ]
                    }
                )
            )
            args = fn["arguments"]
            for start in range(0, len(args), 7):
                events.append(
                    delta(
                        {
                            "tool_calls": [
                                {"index": index, "function": {"arguments": args[start : start + 7]}}
                            ]
                        }
                    )
                )
        usage = self._usage(body, sc)
        finish = delta({}, self._finish(sc))
        if sc.usage and sc.usage_on_finish:
            finish["usage"] = usage
        events.append(finish)
        if sc.after_finish:  # a misbehaving server: more text, then another finish reason
            events += [delta({"content": t}) for t in split_tokens(sc.after_finish)]
            events.append(delta({}, sc.after_finish_reason))
        if sc.usage and include_usage and not sc.usage_on_finish:
            events.append(frame([], usage, with_usage=True))
        events.append("[DONE]")

        error = _envelope(500, "Internal Error", "the model backend failed mid-stream")
        self._send_events(
            sc,
            [f"data: {e if isinstance(e, str) else _json(e)}\n\n" for e in events],
            error=f"data: {json.dumps(error)}\n\n",
            malformed="data: {not json\n\n",
            keepalive=": keep-alive\n\n",
        )

    def _send_events(
        self, sc: Scenario, frames: list[str], error: str, malformed: str, keepalive: str
    ) -> None:
        """Send SSE frames as the scenario says: paced, cut, stalled, or broken mid-way."""
        if sc.burst:  # one write: the client reads every frame at once, the end included
            self._write("".join(frames))
            return
        for n, frame in enumerate(frames):
            if sc.truncate_after is not None and n >= sc.truncate_after:
                return
            if sc.stall_after is not None and n >= sc.stall_after:
                self._sleep(3600)
                return
            if sc.midstream_error_after is not None and n >= sc.midstream_error_after:
                self._write(error)
                return
            if sc.malformed_after is not None and n >= sc.malformed_after:
                self._write(malformed)
                return
            if sc.keepalive_comments:
                self._write(keepalive)
            data = frame.encode("utf-8")
            for text, raw in sc.wire_replace:
                data = data.replace(text.encode("utf-8"), raw)
            self.wfile.write(data)
            self.wfile.flush()
            if n == 0 and sc.first_token_delay_s and self._hold_first_token(sc, keepalive):
                return
            if sc.delay_s and self._sleep(sc.delay_s):
                return

    def _hold_first_token(self, sc: Scenario, keepalive: str) -> bool:
        """Keep the open stream waiting for its first token, with a keepalive comment every
        half second as a server does; True when the fake is stopping."""
        end = time.monotonic() + sc.first_token_delay_s
        while (left := end - time.monotonic()) > 0:
            self._write(keepalive)
            if self._sleep(min(left, 0.5)):
                return True
        return False

    # ---- the Anthropic format -----------------------------------------------------------------

    def _anthropic(self, rec: Recorded, body: Any) -> None:
        refused = self.owner.auth_error(rec.headers)
        if refused:
            detail = refused["error"]["param"]
            message = f"Invalid API Key: {detail}" if detail else "Invalid API Key"
            self._send_json(rec, 401, anth.error_envelope(401, message))
            return
        if not isinstance(body, dict):
            self._send_json(rec, 400, _envelope(400, "Invalid Format", "body is not JSON"))
            return
        problem = anth.check_messages(
            body, SERVED, THINKING_OFF_BY_DEFAULT, self.owner._reasoning_by_call
        )
        if problem:  # MiMo answers its own 400s in its OpenAI envelope on this path too
            self._send_json(rec, 400, _envelope(400, "Param Incorrect", problem))
            return
        view = anth.openai_view(body)
        problem = media.check(body.get("model"), view["messages"])
        if problem:
            self._send_json(rec, 400, _envelope(400, "Param Incorrect", problem))
            return
        sc = self.owner.next_scenario(rec.headers, view)
        if sc.first_byte_delay_s and self._sleep(sc.first_byte_delay_s):
            return
        if sc.status:
            payload = (
                _envelope(sc.status, sc.error_message, sc.error_param)
                if sc.error_param
                else anth.error_envelope(sc.status, sc.error_message)
            )
            extra = {"retry-after": sc.retry_after} if sc.retry_after else {}
            if sc.gzip_body_mib:
                self._send_gzip_bomb(rec, sc, payload, extra)
                return
            self._send_json(rec, sc.status, payload, extra)
            return
        thinking_cfg = (body.get("thinking") or {}).get("type")
        thinking = (
            thinking_cfg == "enabled"
            if thinking_cfg
            else body["model"] not in THINKING_OFF_BY_DEFAULT
        )
        calls = self._calls(sc if thinking else Scenario(tool_calls=sc.tool_calls))
        usage = self._usage(view, sc)
        message_id = secrets.token_hex(16)
        try:
            if not body.get("stream"):
                self._send_json(
                    rec,
                    200,
                    {
                        "id": message_id,
                        "type": "message",
                        "role": "assistant",
                        "model": body["model"],
                        "content": anth.content_blocks(sc, thinking, calls),
                        "stop_reason": anth.stop_reason(sc),
                        "stop_sequence": None,
                        "usage": {
                            **anth.input_usage(usage),
                            "output_tokens": usage["completion_tokens"],
                        },
                    },
                )
                return
            self._start_sse(rec)
            events = anth.stream_events(sc, message_id, body["model"], thinking, calls, usage)
            error = anth.error_envelope(500, "the model backend failed mid-stream")
            self._send_events(
                sc,
                [f"event: {name}\ndata: {_json(data)}\n\n" for name, data in events],
                error=f"event: error\ndata: {json.dumps(error)}\n\n",
                malformed="event: content_block_delta\ndata: {not json\n\n",
                keepalive='event: ping\ndata: {"type": "ping"}\n\n',
            )
        except (BrokenPipeError, ConnectionResetError):
            rec.disconnected = True

    def _write(self, text: str) -> None:
        self.wfile.write(text.encode("utf-8"))
        self.wfile.flush()


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
