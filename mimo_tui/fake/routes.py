"""The fake's routes: GET /v1/models, POST /v1/chat/completions and /anthropic/v1/messages.

Each request is recorded, authenticated (the right key for the plan the fake plays), checked
against the real service's 400 rules (fake/rules.py, fake/anthropic.py, fake/media.py,
fake/web_search.py), then answered by the next scenario: an error as MiMo sends it, or a reply
in the request's format (fake/chat_completions.py, fake/anthropic.py) sent as the scenario
paces it (fake/transport.py).
"""

from __future__ import annotations

import json
import secrets
from dataclasses import replace
from typing import Any

from mimo_tui.fake import anthropic as anth
from mimo_tui.fake import chat_completions as chat
from mimo_tui.fake import media, rules
from mimo_tui.fake import web_search as search
from mimo_tui.fake.chat_completions import envelope
from mimo_tui.fake.scenarios import Scenario, split_tokens
from mimo_tui.fake.transport import Recorded, Transport, json_text


class Handler(Transport):
    """One connection's requests; `owner` (the FakeMimo) is set by FakeMimo.start."""

    def do_GET(self) -> None:
        rec = self.record(None)
        if self._redirected(rec):
            return
        refused = self.owner.auth_error(rec.headers)
        if refused:
            self.send_json(rec, 401, refused)
        elif self.path.rstrip("/").endswith("/v1/models"):
            hold = self.owner.models_hold
            if hold is not None:  # a slow network: the list comes when the test says
                hold.wait(timeout=30)
            data = [
                {"id": m, "object": "model", "created": 0, "owned_by": "xiaomi"}
                for m in [*rules.MODELS, *self.owner.extra_models]
            ]
            self.send_json(rec, 200, {"object": "list", "data": data})
        else:
            self.send_json(rec, 404, envelope(404, "Not Found"))

    def do_POST(self) -> None:
        body = self.read_body()
        rec = self.record(body)
        if self._redirected(rec):
            return
        if self.path.rstrip("/").endswith("/anthropic/v1/messages"):
            self._anthropic(rec, body)
            return
        if not self.path.rstrip("/").endswith("/v1/chat/completions"):
            self.send_json(rec, 404, envelope(404, "Not Found"))
            return
        refused = self.owner.auth_error(rec.headers)
        if refused:
            self.send_json(rec, 401, refused)
            return
        if not isinstance(body, dict):
            self.send_json(rec, 400, envelope(400, "Invalid Format", "body is not JSON"))
            return
        stream = bool(body.get("stream"))
        problem = rules.chat_problem(body, self.owner.strict, self.owner._reasoning_by_call)
        if problem:
            payload = envelope(400, "Param Incorrect", problem)
            raw = b"data:" + json.dumps(payload).encode() if stream else None
            self.send_json(rec, 400, payload, raw=raw)
            return
        problem = search.problem(body)
        if problem:
            self.send_json(rec, 400, envelope(400, "Param Incorrect", problem))
            return
        sc = self.owner.next_scenario(rec.headers, body)
        if search.entry(body) and not self.owner.web_search_enabled:
            self.send_json(rec, 400, envelope(400, *search.NOT_ENABLED))
            return
        if sc.first_byte_delay_s and self.sleep(sc.first_byte_delay_s):
            return
        if sc.status:
            payload = envelope(sc.status, sc.error_message, sc.error_param)
            extra = {}
            if sc.retry_after:
                extra["retry-after"] = sc.retry_after
                extra["retry-after-ms"] = str(int(float(sc.retry_after) * 1000))
            raw = b"data:" + json.dumps(payload).encode() if sc.sse_error_body else None
            if sc.gzip_body_mib:
                self.send_gzip_bomb(rec, sc, payload, extra)
                return
            self.send_json(rec, sc.status, payload, extra, raw)
            return
        try:
            if stream:
                self._stream(rec, body, sc)
            else:
                self._complete(rec, body, sc)
        except (BrokenPipeError, ConnectionResetError):
            rec.disconnected = True

    def _redirected(self, rec: Recorded) -> bool:
        """Answer 307 to `owner.redirect_to` (same path) when the fake plays a redirect."""
        target = self.owner.redirect_to
        if target is None:
            return False
        self.send_json(rec, 307, {}, {"Location": target.rstrip("/") + self.path})
        return True

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
        usage = {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
            "completion_tokens_details": {"reasoning_tokens": reasoning},
            # MiMo sends null where it says nothing of the cache (a scenario can do so too).
            "prompt_tokens_details": {"cached_tokens": cached} if sc.cache_details else None,
        }
        return {**usage, **(sc.usage_counts or {})}

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
        calls = self._calls(sc)
        reply = chat.Reply(body, sc, calls, self._usage(body, sc), found, secrets.token_hex(16))
        self.send_json(rec, 200, chat.completion(reply))

    def _stream(self, rec: Recorded, body: dict[str, Any], sc: Scenario) -> None:
        self.start_sse(rec)
        chunk_id = secrets.token_hex(16)
        found, sc = self._search(body, sc)
        calls = self._calls(sc)
        events = chat.chunks(chat.Reply(body, sc, calls, self._usage(body, sc), found, chunk_id))
        error = envelope(500, "Internal Error", "the model backend failed mid-stream")
        self.send_events(
            sc,
            [f"data: {e if isinstance(e, str) else json_text(e)}\n\n" for e in events],
            error=f"data: {json.dumps(error)}\n\n",
            malformed="data: {not json\n\n",
            keepalive=": keep-alive\n\n",
        )

    # ---- the Anthropic format -----------------------------------------------------------------

    def _anthropic(self, rec: Recorded, body: Any) -> None:
        refused = self.owner.auth_error(rec.headers)
        if refused:
            detail = refused["error"]["param"]
            message = f"Invalid API Key: {detail}" if detail else "Invalid API Key"
            self.send_json(rec, 401, anth.error_envelope(401, message))
            return
        if not isinstance(body, dict):
            self.send_json(rec, 400, envelope(400, "Invalid Format", "body is not JSON"))
            return
        problem = anth.check_messages(
            body, rules.SERVED, rules.THINKING_OFF_BY_DEFAULT, self.owner._reasoning_by_call
        )
        if problem:  # MiMo answers its own 400s in its OpenAI envelope on this path too
            self.send_json(rec, 400, envelope(400, "Param Incorrect", problem))
            return
        view = anth.openai_view(body)
        problem = media.check(body.get("model"), view["messages"])
        if problem:
            self.send_json(rec, 400, envelope(400, "Param Incorrect", problem))
            return
        sc = self.owner.next_scenario(rec.headers, view)
        if sc.first_byte_delay_s and self.sleep(sc.first_byte_delay_s):
            return
        if sc.status:
            payload = (
                envelope(sc.status, sc.error_message, sc.error_param)
                if sc.error_param
                else anth.error_envelope(sc.status, sc.error_message)
            )
            extra = {"retry-after": sc.retry_after} if sc.retry_after else {}
            if sc.gzip_body_mib:
                self.send_gzip_bomb(rec, sc, payload, extra)
                return
            self.send_json(rec, sc.status, payload, extra)
            return
        thinking = rules.thinking_on(body)
        calls = self._calls(sc if thinking else Scenario(tool_calls=sc.tool_calls))
        usage = self._usage(view, sc)
        message_id = secrets.token_hex(16)
        try:
            if not body.get("stream"):
                self.send_json(
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
            self.start_sse(rec)
            events = anth.stream_events(sc, message_id, body["model"], thinking, calls, usage)
            error = anth.error_envelope(500, "the model backend failed mid-stream")
            self.send_events(
                sc,
                [f"event: {name}\ndata: {json_text(data)}\n\n" for name, data in events],
                error=f"event: error\ndata: {json.dumps(error)}\n\n",
                malformed="event: content_block_delta\ndata: {not json\n\n",
                keepalive='event: ping\ndata: {"type": "ping"}\n\n',
            )
        except (BrokenPipeError, ConnectionResetError):
            rec.disconnected = True
