"""Compare replies: N candidates (or thinking on / off, or two models) asked over real HTTP
to the strict fake, every one stored as a branch under the one question, the first active
until another is picked; `ask --n` as a subprocess; the word-level diff."""

from __future__ import annotations

import json

from mimo_tui.compare import (
    ask_candidates,
    keep,
    regenerations,
    thinking_on_off,
    two_models,
    word_diff,
)
from mimo_tui.fake.scenarios import Scenario
from mimo_tui.store import Store
from tests.conftest import make_engine
from tests.test_cli import mimo


async def test_regenerate_x3_stores_every_candidate_and_keeps_the_chosen_one(store, settings, fake):
    fake.queue(Scenario(content="one"), Scenario(content="two"), Scenario(content="three"))
    fake.queue("text")
    engine = make_engine(store, settings)
    sid = store.create_session(settings.model).id
    found = await ask_candidates(engine, sid, regenerations(3), prompt="pick a number")
    assert [c.answer for c in found] == ["one", "two", "three"]
    assert all(c.usage.completion_tokens > 0 for c in found)
    users = [m for m in store.messages(sid, branches=True) if m.role == "user"]
    assert len(users) == 1  # one question, three answers under it
    (point,) = store.tree(sid).branch_points()
    assert point.parent is not None and point.parent.id == users[0].id
    assert [alt[0].content for alt in point.alternatives] == ["one", "two", "three"]
    assert [m.content for m in store.messages(sid)] == ["pick a number", "one"]  # first active
    # Each candidate's request carried only the question, never another candidate.
    assert all(
        [m["role"] for m in r.body["messages"]] == ["system", "user"] for r in fake.chat_requests()
    )
    keep(store, sid, found[1])
    assert [m.content for m in store.messages(sid)] == ["pick a number", "two"]
    await _drain_turn(engine, sid, "and then?")
    sent = fake.chat_requests()[-1].body["messages"]
    assert [m["content"] for m in sent if m["role"] == "assistant"] == ["two"]


async def _drain_turn(engine, sid, text):
    async for _ in engine.turn(sid, text):
        pass


async def test_thinking_on_and_off_and_two_models(store: Store, settings, fake):
    fake.queue("thinking_text", "text", "text", "text")
    engine = make_engine(store, settings)
    sid = store.create_session(settings.model).id
    on, off = await ask_candidates(engine, sid, thinking_on_off(), prompt="hi")
    bodies = [r.body for r in fake.chat_requests()]
    assert [b["thinking"]["type"] for b in bodies] == ["enabled", "disabled"]
    assert on.reasoning and not off.reasoning
    assert engine.settings.thinking is settings.thinking  # the session's own, restored
    user_id = store.last_id(sid, "user")
    first, second = await ask_candidates(
        engine, sid, two_models("mimo-v2.5-pro", "mimo-v2-flash"), user_id=user_id
    )
    assert [r.body["model"] for r in fake.chat_requests()[2:]] == ["mimo-v2.5-pro", "mimo-v2-flash"]
    assert [first.model, second.model] == ["mimo-v2.5-pro", "mimo-v2-flash"]
    assert len(store.tree(sid).children[user_id]) == 4  # every candidate a branch


def test_word_diff_marks_the_words_that_changed():
    diff = word_diff("The sky is blue today.", "The sky is grey today.")
    assert diff == [
        ("same", "The sky is "),
        ("removed", "blue "),
        ("added", "grey "),
        ("same", "today."),
    ]
    assert "".join(t for op, t in diff if op != "removed") == "The sky is grey today."


def test_ask_n_json_returns_every_candidate(tmp_path, fake):
    fake.queue(Scenario(content="first answer"), Scenario(content="second answer"))
    fake.queue(Scenario(content="third answer"))
    result = mimo(tmp_path, fake, "ask", "--n", "3", "--json", "q")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert [c["content"] for c in data["candidates"]] == [
        "first answer",
        "second answer",
        "third answer",
    ]
    assert data["active"] == 0 and all(c["message_id"] for c in data["candidates"])
    assert len(fake.chat_requests()) == 3


def test_ask_n_prints_the_candidates_labelled(tmp_path, fake):
    fake.queue(Scenario(content="alpha"), Scenario(content="beta"))
    result = mimo(tmp_path, fake, "ask", "--n", "2", "q")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.index("── candidate 1") < out.index("alpha") < out.index("── candidate 2")
    assert out.index("── candidate 2") < out.index("beta")
    assert "active" in out.splitlines()[0]
    shown = mimo(tmp_path, fake, "sessions", "show", "last")
    assert "## Branches" in shown.stdout and "beta" in shown.stdout


def test_ask_n_with_show_reasoning_prints_each_candidates_reasoning_on_stderr(tmp_path, fake):
    """As a single ask does: the reasoning on stderr, stdout stays the answers."""
    fake.queue(
        Scenario(reasoning="first line of thought", content="alpha"),
        Scenario(reasoning="second line of thought", content="beta"),
    )
    result = mimo(tmp_path, fake, "ask", "--n", "2", "--show-reasoning", "q")
    assert result.returncode == 0, result.stderr
    err = result.stderr
    assert "candidate 1" in err and "candidate 2" in err
    assert err.index("first line of thought") < err.index("candidate 2")
    assert err.index("candidate 2") < err.index("second line of thought")
    assert "line of thought" not in result.stdout
    plain = mimo(tmp_path, fake, "ask", "--n", "2", "q")
    assert "line of thought" not in plain.stderr  # only when asked for


def test_ask_n_refuses_more_than_four(tmp_path, fake):
    result = mimo(tmp_path, fake, "ask", "--n", "5", "q")
    assert result.returncode == 2 and "1 to 4" in result.stderr
    assert fake.chat_requests() == []
