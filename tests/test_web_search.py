"""MiMo's built-in web search over real HTTP: the request's tool entry, the sources in the
first chunk, stored with the reply, exported, imported, searchable; the plugin's error."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from mimo_tui import transcript_import, transcripts
from mimo_tui.config import Paths, load_settings
from mimo_tui.events import SourcesReported, TurnFailed, TurnFinished
from mimo_tui.fake import FakeMimo
from mimo_tui.fake.scenarios import scenario
from mimo_tui.store import Store
from mimo_tui.tool_runner import ToolBox, deny_all
from mimo_tui.tools import BuiltinContext, available_tools
from mimo_tui.web_search import annotations_in, sources_block, sources_of
from tests.conftest import collect, make_engine


def _search_settings(settings, **options):
    return replace(settings, web_search=True, web_search_options=options)


async def _turn(store, settings, text="latest news about MiMo", **kw):
    engine = make_engine(store, settings, **kw)
    session = store.create_session(settings.model, {})
    events = await collect(engine.turn(session.id, text))
    await engine.client.aclose()
    return session, events


async def test_the_request_carries_the_web_search_entry_with_its_options(store, settings, fake):
    location = {"type": "approximate", "country": "CN", "city": "Beijing"}
    s = _search_settings(
        settings, max_keyword=3, force_search=True, limit=2, user_location=location
    )
    await _turn(store, s)
    body = fake.chat_requests()[-1].body
    assert body["tools"] == [
        {
            "type": "web_search",
            "max_keyword": 3,
            "force_search": True,
            "limit": 2,
            "user_location": location,
        }
    ]


async def test_without_the_switch_no_search_entry_is_sent(store, settings, fake):
    await _turn(store, settings)
    assert "tools" not in fake.chat_requests()[-1].body


async def test_sources_arrive_in_the_first_chunk_and_are_stored_raw(store, settings, fake):
    session, events = await _turn(store, _search_settings(settings))
    assert any(isinstance(e, SourcesReported) for e in events)
    reply = next(m for m in store.messages(session.id) if m.role == "assistant")
    assert reply.sources is not None and len(reply.sources) == 3
    # kept exactly as the server sent them, extra fields and all
    assert reply.sources[0]["type"] == "url_citation"
    assert reply.sources[0]["site_name"] == "Xiaomi MiMo"
    assert "publish_time" in reply.sources[0]
    assert "[1]" in reply.content
    shown = sources_of(reply.sources)
    assert [s.number for s in shown] == [1, 2, 3]
    assert shown[0].url.startswith("https://mimo.xiaomi.com/")
    # and after reopening the store
    store.close()
    again = Store(store.path)
    assert again.message(reply.id).sources == reply.sources
    again.close()


async def test_web_search_and_a_user_tool_go_in_the_same_request(store, settings, fake, paths):
    available, _ = available_tools(paths.tools_file)
    toolbox = ToolBox(available, ["current_time"], deny_all, BuiltinContext(paths.config_dir))
    fake.queue("text")
    await _turn(store, _search_settings(settings, limit=1), tools=toolbox)
    tools = fake.chat_requests()[-1].body["tools"]
    kinds = [t["type"] for t in tools]
    assert kinds == ["function", "web_search"]
    assert tools[0]["function"]["name"] == "current_time"
    assert tools[1] == {"type": "web_search", "limit": 1}


async def test_a_key_without_the_plugin_is_told_where_to_enable_it(store, paths):
    with FakeMimo(api_key="k", web_search_enabled=False) as server:
        s = load_settings(paths, env={})
        s = replace(s, api_key="k", base_url=server.base_url, max_retries=0, web_search=True)
        _, events = await _turn(store, s)
    failed = events[-1]
    assert isinstance(failed, TurnFailed)
    assert failed.kind == "web_search_disabled"
    assert "Web Search plugin is not activated" in failed.error  # the API's own message
    assert "MiMo console (Plugins → Web Search)" in failed.error
    assert "billed per search" in failed.error


async def test_the_not_enabled_scenario_says_the_same(store, settings, fake):
    fake.queue("web_search_disabled")
    _, events = await _turn(store, _search_settings(settings))
    assert isinstance(events[-1], TurnFailed)
    assert "Plugins → Web Search" in events[-1].error


async def test_an_unrelated_400_gets_no_plugin_advice(store, settings, fake):
    fake.queue(scenario("text", status=400, error_message="Param Incorrect", error_param="x"))
    _, events = await _turn(store, _search_settings(settings))
    assert isinstance(events[-1], TurnFailed)
    assert "Plugins" not in events[-1].error


@pytest.mark.parametrize(
    "entry, problem",
    [
        ({"type": "web_search", "limit": 0}, "limit must be an integer"),
        ({"type": "web_search", "max_keyword": "3"}, "max_keyword must be an integer"),
        ({"type": "web_search", "force_search": 1}, "force_search must be a boolean"),
        ({"type": "web_search", "colour": "red"}, "unknown web_search option"),
        ({"type": "web_search", "user_location": {"type": "exact"}}, "user_location.type"),
    ],
)
def test_the_fake_refuses_a_malformed_entry(fake, entry, problem):
    import urllib.error
    import urllib.request

    body = {
        "model": "mimo-v2.5-pro",
        "messages": [{"role": "user", "content": "hi"}],
        "tools": [entry],
    }
    request = urllib.request.Request(
        fake.base_url + "/chat/completions",
        data=json.dumps(body).encode(),
        headers={"api-key": fake.api_key, "Content-Type": "application/json"},
    )
    with pytest.raises(urllib.error.HTTPError) as failed:
        urllib.request.urlopen(request, timeout=10)
    assert failed.value.code == 400
    assert problem in json.loads(failed.value.read())["error"]["param"]


async def test_sources_are_exported_in_md_json_and_html_and_imported_back(store, settings, fake):
    session, _ = await _turn(store, _search_settings(settings))
    session = store.get_session(session.id)
    md = transcripts.export(store, session, "md")
    assert "**Sources**" in md
    assert "1. MiMo news: latest news about MiMo — Xiaomi MiMo — <https://mimo.xiaomi.com/" in md
    html = transcripts.export(store, session, "html")
    assert "<details class=sources open><summary>Sources</summary>" in html
    assert 'href="https://platform.xiaomimimo.com/latest-news-about-mimo/2"' in html
    exported = transcripts.export(store, session, "json")
    reply = next(m for m in json.loads(exported)["messages"] if m["role"] == "assistant")
    assert reply["sources"][1]["url_citation"]["title"] == "MiMo API documentation"
    imported = transcript_import.import_transcript(store, exported, "x.json").session
    again = next(m for m in store.messages(imported.id) if m.role == "assistant")
    assert again.sources == reply["sources"]


async def test_search_finds_a_reply_by_its_source_title_or_url(store, settings, fake):
    session, _ = await _turn(store, _search_settings(settings))
    reply = next(m for m in store.messages(session.id) if m.role == "assistant")
    for query in ("MiMo API documentation", "platform.xiaomimimo.com", "example-news"):
        hits = store.search(query)
        assert reply.id in [h.message_id for h in hits], query
    hit = next(h for h in store.search("example-news") if h.message_id == reply.id)
    assert hit.snippet.startswith("Source: ")
    assert "\x01example-news\x02" in hit.snippet
    assert store.search("no-such-source-anywhere") == []


async def test_hostile_sources_are_sanitized_and_only_http_urls_link(store, settings, fake):
    fake.search_results = [
        {"url": "javascript:alert(1)", "title": "\x1b]52;c;UFdORUQ=\x07 <b>bold</b> [x](y)"},
        {"url": "https://ok.test/a b", "title": "spaced"},
        {"url": "https://ok.test/fine", "title": "Fine\nnewline", "site_name": "[red]S[/red]"},
    ]
    session, _ = await _turn(store, _search_settings(settings))
    reply = next(m for m in store.messages(session.id) if m.role == "assistant")
    shown = sources_of(reply.sources)
    assert all("\x1b" not in s.title and "\n" not in s.title for s in shown)
    assert [s.openable for s in shown] == [False, False, True]
    session = store.get_session(session.id)
    html = transcripts.export(store, session, "html")
    assert "javascript:" not in html.split("<a href", 1)[-1].split(">")[0]
    assert 'href="javascript' not in html and "<b>bold</b>" not in html
    assert html.count("<a href=") == 1
    md = transcripts.export(store, session, "md")
    assert "<javascript:" not in md and "\x1b" not in md


def test_annotations_are_found_wherever_a_server_puts_them():
    flat = {"url": "https://a.test/", "title": "A", "site": "a"}
    openai = {"type": "url_citation", "url_citation": {"url": "https://b.test/", "title": "B"}}
    for chunk in (
        {"choices": [{"delta": {"annotations": [openai]}}]},
        {"choices": [{"annotations": [openai]}]},
        {"annotations": [openai], "choices": []},
        {"choices": [{"message": {"annotations": [openai]}}]},
    ):
        assert annotations_in(chunk) == [openai]
    assert annotations_in({"choices": [{"delta": {"annotations": "nope"}}]}) == []
    shown = sources_of([openai, flat, openai, 7, {"title": ""}])  # type: ignore[list-item]
    assert [(s.number, s.title, s.site) for s in shown] == [(1, "B", "b.test"), (2, "A", "a")]
    assert sources_block([flat]) == "Sources:\n[1] A — a — https://a.test/"


def test_config_web_search_table_is_validated_like_other_settings(tmp_path):
    paths = Paths(tmp_path / "c", tmp_path / "d")
    paths.config_dir.mkdir(parents=True)
    paths.config_file.write_text(
        "[web_search]\nenabled = true\nmax_keyword = 99\nforce_search = true\nlimit = 2\n"
        'user_location = { country = "CN", city = "" }\ncolour = "red"\n'
    )
    s = load_settings(paths, env={})
    assert s.web_search is True
    assert s.web_search_options == {"force_search": True, "limit": 2}
    said = "\n".join(s.notices)
    assert "max_keyword must be a whole number between 1 and 10" in said
    assert "user_location.city must be a non-empty string" in said
    assert "unknown option 'colour'" in said
    paths.config_file.write_text('[web_search]\nenabled = "yes"\n')
    s = load_settings(paths, env={})
    assert s.web_search is False and "enabled must be true or false" in "\n".join(s.notices)
    assert load_settings(paths, env={}, overrides={"web_search": True}).web_search is True


async def test_a_finished_turn_keeps_the_sources_on_its_message(store, settings, fake):
    _, events = await _turn(store, _search_settings(settings))
    finished = events[-1]
    assert isinstance(finished, TurnFinished)
    assert finished.message.sources and len(finished.message.sources) == 3


def test_a_session_reopens_with_its_web_search_switch_unless_a_flag_says_otherwise(settings, paths):
    from mimo_tui.model import Message
    from mimo_tui.runtime import build_runtime

    runtime = build_runtime(settings, paths)
    session = runtime.new_session()
    assert session.settings["web_search"] is False
    runtime.store.update_session_settings(session.id, {"web_search": True})
    runtime.apply_session_settings(runtime.store.get_session(session.id))
    assert runtime.settings.web_search is True
    runtime.store.add_message(session.id, Message(role="user", content="kept"))
    runtime.close()
    flagged = replace(settings, web_search=False, explicit=frozenset({"web_search"}))
    runtime = build_runtime(flagged, paths)
    runtime.apply_session_settings(runtime.store.get_session(session.id))
    assert runtime.settings.web_search is False
    runtime.close()
