"""Compaction: a summary replaces a session's older turns in replay, never splitting a tool
round, while every original message stays stored, searchable, exported and restorable."""

from __future__ import annotations

import json
import subprocess
import sys

from hypothesis import given, settings
from hypothesis import strategies as st

from mimo_tui.client import validate_messages
from mimo_tui.compaction import (
    SUMMARY_HEADER,
    NothingToCompact,
    compact,
    cut_index,
    replayed,
)
from mimo_tui.inspect import round_exchange
from mimo_tui.model import Message, ToolCall
from mimo_tui.store import Store
from mimo_tui.tool_ids import rounds
from mimo_tui.transcript_import import import_transcript
from mimo_tui.transcripts import export
from tests.conftest import KEY, cli_env, collect

# ---- a random history: turns of user → (assistant with calls → tool results)* → reply ------


@st.composite
def histories(draw: st.DrawFn) -> list[Message]:
    out: list[Message] = []
    next_id = iter(range(1, 10_000))
    for t in range(draw(st.integers(0, 7))):
        out.append(Message("user", f"question {t}", id=next(next_id)))
        for r in range(draw(st.integers(0, 3))):
            n = draw(st.integers(1, 3))
            calls = [ToolCall(f"call_{t}_{r}_{i}", "current_time", "{}") for i in range(n)]
            out.append(Message("assistant", "", f"think {t}.{r}", calls, id=next(next_id)))
            for c in calls:
                out.append(Message("tool", "12:00", tool_call_id=c.id, id=next(next_id)))
        status = draw(st.sampled_from(["complete", "complete", "interrupted"]))
        out.append(Message("assistant", f"answer {t}", f"why {t}", status=status, id=next(next_id)))
    return out


@settings(max_examples=300, deadline=None)
@given(histories(), st.integers(0, 4))
def test_the_cut_never_splits_a_tool_round_and_the_replay_stays_valid(history, keep):
    cut = cut_index(history, keep)
    if cut is None:
        return
    boundary = history[cut].id if cut < len(history) else (history[-1].id or 0) + 1
    assert cut == len(history) or history[cut].role == "user"  # just before a turn
    for reply, calls, results in rounds(history):
        parts = [reply, *[r for r in results if r is not None]]
        sides = {(m.id or 0) < (boundary or 0) for m in parts}
        assert len(sides) == 1, "a round was split by the cut"
        assert len(calls) == len([r for r in results if r is not None])
    from mimo_tui.compaction import Compaction

    c = Compaction(1, "s", boundary or 0, "- summary", True, 0.0, cut)
    messages = replayed(history, "system prompt", c)
    validate_messages(messages)  # MiMo's 400 rules, as the client checks them before sending
    assert messages[0]["role"] == "system" and SUMMARY_HEADER in messages[0]["content"]
    kept_users = [m["content"] for m in messages if m["role"] == "user"]
    all_users = [m.content for m in history if m.role == "user"]
    assert kept_users == all_users[len(all_users) - keep :] if keep else kept_users == []


# ---- over real HTTP -----------------------------------------------------------------------


async def _chat(engine, store: Store, fake, n: int) -> str:
    session = store.create_session("mimo-v2.5-pro")
    for i in range(n):
        if i == 1:
            fake.queue("tool_call")  # a tool round in the part that gets summarised
        await collect(engine.turn(session.id, f"question number {i} about topic{i}"))
    return session.id


async def test_compacting_summarises_older_turns_and_the_strict_fake_accepts_the_next_request(
    engine, store: Store, fake
):
    sid = await _chat(engine, store, fake, 5)
    assert engine.client is not None
    done = await compact(store, engine.client, sid, "mimo-v2.5-pro", "sys", keep_turns=2)
    summary_request = fake.chat_requests()[-1].body
    assert summary_request["thinking"] == {"type": "disabled"}
    assert "topic0" in json.dumps(summary_request) and "topic4" not in json.dumps(summary_request)
    assert "topic2" in done.compaction.summary and "topic3" not in done.compaction.summary
    assert done.bytes_after < done.bytes_before and done.messages_after < done.messages_before

    await collect(engine.turn(sid, "and now topic9?"))
    sent = fake.chat_requests()[-1].body["messages"]
    assert sent[0]["role"] == "system" and "topic2" in sent[0]["content"]
    users = [m["content"] for m in sent if m["role"] == "user"]
    assert [u.split()[-1] for u in users] == ["topic3", "topic4", "topic9?"]
    stored = store.messages(sid)
    assert stored[-1].status == "complete"  # the strict fake answered, no 400

    # Nothing is lost: search still finds the summarised turns, exports still show them.
    assert any(h.session_id == sid for h in store.search("topic0"))
    md = export(store, store.get_session(sid), "md", KEY)
    assert "topic0" in md and "Summary of" in md
    # The inspector rebuilds the compacted request exactly as it was sent.
    request_json, _ = round_exchange(store, stored[-1].id or 0, KEY)
    assert json.loads(request_json)["messages"] == sent


async def test_undo_restores_full_replay_and_a_second_compaction_builds_on_the_first(
    engine, store: Store, fake
):
    sid = await _chat(engine, store, fake, 5)
    assert engine.client is not None
    first = await compact(store, engine.client, sid, "mimo-v2.5-pro", keep_turns=3)
    await collect(engine.turn(sid, "question number 5 about topic5"))
    second = await compact(store, engine.client, sid, "mimo-v2.5-pro", keep_turns=1)
    assert "continues an earlier summary" in second.compaction.summary
    assert store.active_compaction(sid) == second.compaction
    assert first.compaction.before_id < second.compaction.before_id

    store.set_compaction(second.compaction.id, active=False)
    assert store.active_compaction(sid) is None
    await collect(engine.turn(sid, "last"))
    sent = fake.chat_requests()[-1].body["messages"]
    assert SUMMARY_HEADER not in sent[0]["content"]
    assert "question number 0 about topic0" in [m.get("content") for m in sent]


async def test_markdown_shows_every_summary_where_it_cuts_after_undo_and_redo(
    engine, store: Store, fake
):
    """Compact keeping 1 turn, compact keeping none (its cut after the last message), undo,
    compact keeping 1 again: the export shows the active summary above the last turn and
    both undone ones, the one cut after everything at the end."""
    sid = await _chat(engine, store, fake, 4)
    assert engine.client is not None
    await compact(store, engine.client, sid, "mimo-v2.5-pro", keep_turns=1)
    everything = await compact(store, engine.client, sid, "mimo-v2.5-pro", keep_turns=0)
    store.set_compaction(everything.compaction.id, active=False)
    again = await compact(store, engine.client, sid, "mimo-v2.5-pro", keep_turns=1)
    md = export(store, store.get_session(sid), "md", KEY)
    active = md.index("messages (replayed instead of the messages above)")
    assert md.count("(undone, not replayed)") == 2
    assert md.index("question number 2 about topic2") < active
    assert active < md.index("question number 3 about topic3")
    assert again.compaction.summary.strip().splitlines()[0] in md[active:]


async def test_nothing_to_compact_changes_nothing(engine, store: Store, fake):
    sid = await _chat(engine, store, fake, 2)
    assert engine.client is not None
    before = len(fake.chat_requests())
    try:
        await compact(store, engine.client, sid, "mimo-v2.5-pro", keep_turns=2)
    except NothingToCompact as exc:
        assert "no turns before the last 2" in str(exc)
    else:
        raise AssertionError("compacted a session with nothing older than the kept turns")
    assert len(fake.chat_requests()) == before and store.compactions(sid) == []


async def test_json_export_and_import_keep_the_compaction(engine, store: Store, fake):
    sid = await _chat(engine, store, fake, 4)
    assert engine.client is not None
    done = await compact(store, engine.client, sid, "mimo-v2.5-pro", keep_turns=1)
    text = export(store, store.get_session(sid), "json", KEY)
    copy = import_transcript(store, text, "export.json").session
    (restored,) = store.compactions(copy.id)
    assert restored.summary == done.compaction.summary and restored.active
    kept = store.message(restored.before_id)
    assert kept is not None and kept.content == "question number 3 about topic3"
    assert store.replay(copy.id, "p") == store.replay(sid, "p")


def test_cli_compact_and_uncompact(tmp_path, fake):
    env = cli_env(tmp_path, fake)
    run = lambda *a: subprocess.run(  # noqa: E731
        [sys.executable, "-m", "mimo_tui", *a], env=env, capture_output=True, text=True
    )
    for q in ("apples", "pears", "plums"):
        assert run("ask", "-c", f"tell me about {q}").returncode == 0, q
    done = run("sessions", "compact", "last", "--keep", "1")
    assert done.returncode == 0, done.stderr
    assert "compacted" in done.stdout and "uncompact" in done.stdout
    shown = run("sessions", "show", "last").stdout
    assert "tell me about apples" in shown and "Summary of 4 earlier messages" in shown
    undo = run("sessions", "uncompact", "last")
    assert undo.returncode == 0 and "every message is replayed" in undo.stdout
    bad = run("sessions", "compact", "nope")
    assert bad.returncode == 2 and "Traceback" not in bad.stderr


async def test_a_second_summary_still_covers_the_first_ones_turns(engine, store: Store, fake):
    sid = await _chat(engine, store, fake, 4)
    assert engine.client is not None
    await compact(store, engine.client, sid, "mimo-v2.5-pro", keep_turns=2)
    second = await compact(store, engine.client, sid, "mimo-v2.5-pro", keep_turns=1)
    for topic in ("topic0", "topic1", "topic2"):
        assert topic in second.compaction.summary
    assert "topic3" not in second.compaction.summary


async def test_auto_compaction_runs_before_a_turn_once_the_context_fills(store: Store, fake):
    """With auto_compact set, a turn whose session's last request used that share of the
    model's window is compacted first (thinking off), and the turn replays the summary."""
    from dataclasses import replace

    from mimo_tui.config import Settings
    from mimo_tui.events import Compacted
    from tests.conftest import make_engine

    base = Settings(api_key=KEY, base_url=fake.base_url, max_retries=0)
    # 0.0002 of mimo-v2.5-pro's 1M window: about 210 tokens, one demo turn's worth.
    engine = make_engine(store, replace(base, auto_compact=0.0002, compact_keep_turns=1))
    session = store.create_session("mimo-v2.5-pro")
    seen = []
    for i in range(3):
        events = await collect(engine.turn(session.id, f"question number {i} about topic{i}"))
        seen.append([e for e in events if isinstance(e, Compacted)])
    assert seen[0] == [] and seen[1] == []  # nothing older than the kept turn + the new one
    (done,) = seen[2]
    assert done.error is None and done.covered == 2 and done.bytes_after < done.bytes_before
    summary_request, last = fake.chat_requests()[-2:]
    assert summary_request.body["thinking"] == {"type": "disabled"}
    assert "topic0" in last.body["messages"][0]["content"]  # the summary, in the system prompt
    users = [m["content"] for m in last.body["messages"] if m["role"] == "user"]
    assert users == ["question number 1 about topic1", "question number 2 about topic2"]


def test_auto_compaction_is_off_by_default_and_bad_values_fall_back():
    from mimo_tui.config import ConfigError, Settings, check_setting

    assert Settings().auto_compact == 0.0
    for bad in (1.5, -0.1, float("nan"), "half"):
        try:
            check_setting("auto_compact", bad, "config.toml")
        except ConfigError as exc:
            assert "auto_compact" in str(exc)
        else:
            raise AssertionError(f"auto_compact = {bad!r} was accepted")


def test_ask_says_when_it_compacted_before_answering(tmp_path, fake):
    env = cli_env(tmp_path, fake)
    config = tmp_path / "config" / "mimo-tui" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text("auto_compact = 0.0002\ncompact_keep_turns = 1\n")
    run = lambda *a: subprocess.run(  # noqa: E731
        [sys.executable, "-m", "mimo_tui", *a], env=env, capture_output=True, text=True
    )
    outs = [run("ask", "-c", f"tell me about {q}") for q in ("apples", "pears", "plums")]
    assert all(o.returncode == 0 for o in outs), [o.stderr for o in outs]
    assert "replayed as a summary" not in outs[1].stderr
    assert "2 older messages are now replayed as a summary" in outs[2].stderr
    assert "tell me about plums" in outs[2].stdout  # the answer still comes, on stdout
