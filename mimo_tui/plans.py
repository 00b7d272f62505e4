"""MiMo's two plans and their hosts: pay-as-you-go keys (`sk-…`) and Token Plan keys (`tp-…`).

A Token Plan key only works on the Token Plan hosts (`https://token-plan-cn.xiaomimimo.com/v1`,
or the regional `token-plan-sgp` / `token-plan-ams`), a pay-as-you-go key only on
`api.xiaomimimo.com`; the service answers a mix with a 401 ("mixes Token Plan and
Pay-as-you-go"). The client sees the mix before it sends anything and says what to set; the
error mapper gives the same advice when the 401 arrives (e.g. through a proxy URL).
"""

from __future__ import annotations

from urllib.parse import urlsplit

PAYG_HOST = "api.xiaomimimo.com"
TOKEN_PLAN_URL = "https://token-plan-cn.xiaomimimo.com/v1"
TOKEN_PLAN_REGIONS = ("cn", "sgp", "ams")

HOW_TO_SET = (
    'set MIMO_BASE_URL={url}, or base_url = "{url}" in config.toml, or pass --base-url {url}'
)


def is_token_plan_key(key: str | None) -> bool:
    return bool(key) and str(key).startswith("tp-")


def is_token_plan_host(base_url: str) -> bool:
    host = (urlsplit(base_url).hostname or "").lower()
    return host.startswith("token-plan-") and host.endswith(".xiaomimimo.com")


def is_payg_host(base_url: str) -> bool:
    return (urlsplit(base_url).hostname or "").lower() == PAYG_HOST


def token_plan_advice() -> str:
    """What to do with a Token Plan key: the base URL to set and the ways to set it."""
    regional = ", ".join(
        f"https://token-plan-{r}.xiaomimimo.com/v1" for r in TOKEN_PLAN_REGIONS[1:]
    )
    return (
        "A Token Plan key (tp-…) works only with the Token Plan base URL: "
        + HOW_TO_SET.format(url=TOKEN_PLAN_URL)
        + f" (regional clusters: {regional})"
    )


def payg_advice() -> str:
    return (
        "A pay-as-you-go key (sk-…) works only with the pay-as-you-go base URL: "
        + HOW_TO_SET.format(url=f"https://{PAYG_HOST}/v1")
    )


def plan_problem(key: str | None, base_url: str) -> str | None:
    """Why `key` cannot work at `base_url` (a plan mix), with what to set; None when fine.

    Only the two documented mixes are caught: other hosts (proxies, the fake) are left alone.
    """
    if is_token_plan_key(key) and is_payg_host(base_url):
        return f"This is a Token Plan key, but the base URL is {base_url}. " + token_plan_advice()
    if key and not is_token_plan_key(key) and is_token_plan_host(base_url):
        return (
            f"The base URL {base_url} is a Token Plan host, but the key is not a Token Plan "
            "key (tp-…). Use your Token Plan key there. " + payg_advice()
        )
    return None


def mentions_plan_mix(detail: str) -> bool:
    """Whether a 401's text says the key and the host belong to different plans."""
    lowered = detail.lower()
    return "token plan" in lowered or "token-plan" in lowered or "pay-as-you-go" in lowered
