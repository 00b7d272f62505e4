"""The one place that turns a failure talking to MiMo into a message a person can act on.

Every SDK exception, MiMo error envelope (detail in `param`), SSE-framed 400 body and client-side
check (stalled stream, stream cut short) becomes an `ApiError` with a `kind` the UI can key on and
a message that says what happened and what to do. No traceback ever reaches the user.
"""

from __future__ import annotations

import json
from typing import Any

from mimo_tui import plans
from mimo_tui.text import one_line, scrub


class ApiError(Exception):
    """A failed request or stream. `kind` is stable for code; `str()` is for people."""

    def __init__(self, kind: str, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.status = status

    @property
    def message(self) -> str:
        return str(self)


class ReplayError(ValueError):
    """The history about to be sent would break one of MiMo's 400 rules; nothing was sent."""


# status -> (kind, what happened, what to do): MiMo's documented codes (wire brief §6, §17.4).
_HINTS = {
    400: (
        "bad_request",
        "MiMo rejected the request",
        "The detail says what was refused: check the model name and the settings it names "
        "(F8 or config.toml)",
    ),
    401: (
        "auth",
        "The API key was rejected",
        "Check MIMO_API_KEY, or store a key with `mimo-tui key set`",
    ),
    402: (
        "balance",
        "Insufficient balance on your MiMo account",
        "Top up the balance in the MiMo console (platform.xiaomimimo.com), then retry",
    ),
    403: (
        "forbidden",
        "Access forbidden",
        "MiMo does not serve your region, or risk control restricted this key: check the "
        "key's status in the MiMo console, or contact MiMo support",
    ),
    404: (
        "not_found",
        "Not found",
        "Check the base URL and the model name (F7 lists the models); a model without image "
        "input also answers 404 to an image",
    ),
    421: (
        "content_filter",
        "MiMo's content filter blocked this request",
        "Rephrase the message and send it again",
    ),
    429: ("rate_limit", "Rate limited by MiMo", "Wait a moment, then retry"),
    500: ("server", "MiMo server error", "Try again in a moment"),
    503: ("server", "MiMo server overloaded", "Try again in a minute"),
}
_QUOTA = (
    "quota",
    "The Token Plan quota is used up",
    "Wait until the plan's quota resets (the MiMo console shows when), or use a pay-as-you-go key",
)


def _plan_hint(status: int, detail: str, key: str | None) -> tuple[str, str, str] | None:
    """The advice for a plan mix (401) or an exhausted Token Plan quota (429)."""
    if status == 401 and (plans.is_token_plan_key(key) or plans.mentions_plan_mix(detail)):
        advice = plans.token_plan_advice() if plans.is_token_plan_key(key) else plans.payg_advice()
        # Kind "auth" like any 401 (`ask` exits 1); the pre-send check is "plan_mismatch".
        return "auth", "The key and the base URL belong to different MiMo plans", advice
    if status == 429 and "quota" in detail.lower():
        return _QUOTA
    return None


def parse_error_body(body: Any) -> dict[str, Any]:
    """MiMo's envelope as a dict, from a dict, the inner dict, or an SSE-framed string body."""
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    if isinstance(body, str):
        text = body.strip()
        if text.startswith("data:"):
            text = text[5:].strip()
        try:
            body = json.loads(text)
        except ValueError:
            return {"message": text[:500]} if text else {}
    if isinstance(body, dict):
        inner = body.get("error", body)
        return inner if isinstance(inner, dict) else {"message": str(inner)}
    return {}


def _detail(envelope: dict[str, Any]) -> str:
    """MiMo puts the human-readable detail in `param`; `message` is often just a label."""
    message = str(envelope.get("message") or "").strip().rstrip(".")
    param = str(envelope.get("param") or "").strip().rstrip(".")
    if message and param:
        return f"{message}: {param}"
    return param or message


def from_status(
    status: int, body: Any, retries: int = 0, key: str | None = None, retry_after: str = ""
) -> ApiError:
    """An ApiError for an HTTP error status and its body: what happened, then what to do."""
    detail = _detail(parse_error_body(body))
    hint = _plan_hint(status, detail, key) or _HINTS.get(status)
    if hint is None and status >= 500:
        hint = _HINTS[500]
    kind, headline, advice = hint or ("http", "MiMo answered an error", "")
    text = f"{headline} (HTTP {status}{': ' + detail if detail else ''})"
    if retries and (status >= 500 or status == 429):
        text += f", still failing after {retries + 1} attempts"
    if status == 429 and retry_after:
        text += f"; the server asked to wait {retry_after} s"
    if advice:
        text += f". {advice}"
    return ApiError(kind, scrub(text + ".", key), status)


def redirected(status: int, response: Any, base_url: str, key: str | None) -> ApiError:
    """A 3xx from the base URL: not followed (http_guard), since the key would go along."""
    location = response.headers.get("location", "") if response is not None else ""
    where = f" to {one_line(location)[:200]}" if location else ""
    return ApiError(
        "redirect",
        scrub(
            f"{base_url} redirected{where} (HTTP {status}); the redirect was not followed, "
            "because the API key would go along. If that address is the API, set base_url "
            "to it (config.toml or MIMO_BASE_URL)",
            key,
        ),
        status,
    )


def map_exception(
    exc: BaseException, base_url: str, key: str | None, retries: int, sdk: Any = None
) -> ApiError:
    """Turn any exception raised while talking to MiMo into an ApiError.

    `sdk` is the SDK module that raised it: openai (default) or anthropic, whose exception
    classes carry the same names and fields.
    """
    if isinstance(exc, ApiError):
        return exc
    if sdk is None:
        import openai  # only reached after a request was attempted: already loaded

        sdk = openai
    base_error = getattr(sdk, "OpenAIError", None) or getattr(sdk, "AnthropicError", Exception)
    if isinstance(exc, sdk.APIStatusError) and exc.status_code == 200:
        # Anthropic's SDK raises a mid-stream `event: error` as a status error with 200.
        envelope = parse_error_body(exc.body) if exc.body else {"message": exc.message}
        return ApiError(
            "stream_error",
            scrub(f"MiMo reported an error during the reply: {_detail(envelope)}", key),
        )
    if isinstance(exc, sdk.APIStatusError) and 300 <= exc.status_code < 400:
        return redirected(exc.status_code, exc.response, base_url, key)
    if isinstance(exc, sdk.APIStatusError):
        retry_after = exc.response.headers.get("retry-after", "") if exc.response else ""
        return from_status(exc.status_code, exc.body, retries, key, retry_after)
    if isinstance(exc, sdk.APITimeoutError):
        return ApiError(
            "timeout",
            f"No response from {base_url} in time (after {retries + 1} attempts). "
            "Check your network, or raise timeout_s in config.toml",
        )
    if isinstance(exc, sdk.APIConnectionError):
        cause = exc.__cause__ or exc.__context__
        why = str(cause) if cause else str(exc)
        return ApiError(
            "connection",
            scrub(
                f"Cannot reach {base_url} ({why or 'connection failed'}). "
                "Check your network connection or the base URL",
                key,
            ),
        )
    if isinstance(exc, sdk.APIError):
        # An in-band {"error": {...}} event in the middle of a stream.
        envelope = parse_error_body(exc.body) if exc.body else {"message": exc.message}
        return ApiError(
            "stream_error",
            scrub(f"MiMo reported an error during the reply: {_detail(envelope)}", key),
        )
    if isinstance(exc, json.JSONDecodeError):
        return ApiError(
            "malformed", f"MiMo sent a malformed chunk the client could not read ({exc.msg})"
        )
    if base_error is not None and isinstance(exc, base_error):
        return ApiError("client", scrub(str(exc), key))
    return ApiError("unexpected", scrub(f"{type(exc).__name__}: {exc}", key))
