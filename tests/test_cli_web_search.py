"""`mimo-tui ask --web-search` as a user runs it: a real process, the fake over HTTP."""

from __future__ import annotations

import json
import subprocess

from mimo_tui.fake import FakeMimo
from tests.conftest import PYTHON, cli_env


def mimo(tmp_path, fake, *args):
    return subprocess.run(
        [PYTHON, "-m", "mimo_tui", *args],
        env=cli_env(tmp_path, fake),
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_ask_web_search_prints_the_answer_on_stdout_and_sources_on_stderr(tmp_path, fake):
    fake.queue("text")
    result = mimo(tmp_path, fake, "ask", "--web-search", "latest news about MiMo")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "Hello! I'm MiMo, Xiaomi's AI assistant. [1][2]\n"
    assert "Sources:" not in result.stdout and "https://" not in result.stdout
    lines = result.stderr.strip().splitlines()
    assert lines[-4] == "Sources:"
    assert lines[-3] == (
        "[1] MiMo news: latest news about MiMo — Xiaomi MiMo — "
        "https://mimo.xiaomi.com/latest-news-about-mimo/1"
    )
    assert lines[-2].startswith("[2] MiMo API documentation — MiMo Open Platform — https://")
    assert lines[-1].startswith("[3] ")
    assert fake.chat_requests()[-1].body["tools"] == [{"type": "web_search"}]


def test_ask_json_includes_the_numbered_sources_and_the_raw_annotations(tmp_path, fake):
    fake.queue("text")
    result = mimo(tmp_path, fake, "ask", "--json", "--web-search", "latest news about MiMo")
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["sources"][0] == {
        "number": 1,
        "title": "MiMo news: latest news about MiMo",
        "site": "Xiaomi MiMo",
        "url": "https://mimo.xiaomi.com/latest-news-about-mimo/1",
    }
    assert len(payload["annotations"]) == 3
    assert payload["annotations"][0]["type"] == "url_citation"
    assert "Sources:" not in result.stderr


def test_ask_without_the_flag_sends_no_search_and_prints_no_sources(tmp_path, fake):
    fake.queue("text")
    result = mimo(tmp_path, fake, "ask", "latest news about MiMo")
    assert result.returncode == 0, result.stderr
    assert "Sources:" not in result.stderr
    assert "tools" not in fake.chat_requests()[-1].body


def test_config_enables_web_search_for_ask(tmp_path, fake):
    config = tmp_path / "config" / "mimo-tui"
    config.mkdir(parents=True)
    (config / "config.toml").write_text("[web_search]\nenabled = true\nlimit = 1\n")
    fake.queue("text")
    result = mimo(tmp_path, fake, "ask", "hi")
    assert result.returncode == 0, result.stderr
    assert fake.chat_requests()[-1].body["tools"] == [{"type": "web_search", "limit": 1}]
    assert result.stderr.strip().splitlines()[-1].startswith("[1] ")


def test_ask_says_where_to_enable_the_plugin_when_it_is_off(tmp_path, fake: FakeMimo):
    fake.web_search_enabled = False
    result = mimo(tmp_path, fake, "ask", "--web-search", "latest news about MiMo")
    assert result.returncode == 1
    assert result.stdout == ""
    assert "Web Search plugin is not activated" in result.stderr
    assert "MiMo console (Plugins → Web Search)" in result.stderr
    assert "billed per search" in result.stderr
