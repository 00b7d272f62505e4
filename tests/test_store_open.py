"""What opening a session reads besides its newest page: the status line's totals summed by
the store and the `[` / `]` versions from the branches alone give exactly what counting
every message of the whole tree one by one gives (which `mimo-tui -c` did, 1.4 s at
50,000 messages)."""

from __future__ import annotations

import pytest

from mimo_tui.catalogue import Catalogue
from mimo_tui.cost import Meter
from mimo_tui.model import Message, ToolCall, Usage
from mimo_tui.versions import reply_versions

DEFAULT = "mimo-v2.5-pro"


def _add(store, sid: str, message: Message) -> Message:
    """Added, then finished (a reply's usage and status are written when it ends)."""
    stored = store.add_message(sid, message)
    store.update_message(stored)
    return stored


def _branched_session(store) -> str:
    """Two models, replies with and without a cache count, one without a model, a tool
    round, a regenerated turn (its old reply and tool round off the path) and a superseded
    reply on the path."""
    sid = store.create_session(DEFAULT).id
    q1 = store.add_message(sid, Message("user", "q1"))
    call = ToolCall("call_1", "current_time", "{}")
    _add(
        store,
        sid,
        Message("assistant", "", tool_calls=[call], model="mimo-v2-flash", usage=Usage(10, 2, 1)),
    )
    store.add_message(sid, Message("tool", '{"iso": "now"}', tool_call_id="call_1"))
    _add(store, sid, Message("assistant", "a1", model=DEFAULT, usage=Usage(50, 9, 3, 40)))
    store.branch_from(sid, q1.id)  # regenerate: the reply above becomes another version
    _add(store, sid, Message("assistant", "a1 again", usage=Usage(60, 7, 2, 70)))
    store.add_message(sid, Message("user", "q2"))
    _add(store, sid, Message("assistant", "a2", model="mimo-v2-flash", usage=Usage(90, 11, 0, 30)))
    _add(
        store,
        sid,
        Message("assistant", "old", model=DEFAULT, usage=Usage(5, 5, 5), status="superseded"),
    )
    return sid


def _one_by_one(store, sid: str, catalogue: Catalogue) -> tuple[Usage, Meter, Usage | None]:
    """The totals as the status line counted them from every message of the path."""
    session, meter, replayed = Usage(), Meter(), None
    for msg in store.tree(sid).path():
        if msg.usage:
            session = session + msg.usage
            meter.add(msg.usage, catalogue.lookup(msg.model or DEFAULT))
            if msg.status != "superseded":
                replayed = msg.usage
    return session, meter, replayed


def test_the_totals_summed_by_the_store_are_the_ones_counted_reply_by_reply(store):
    sid = _branched_session(store)
    catalogue = Catalogue()
    session, meter, replayed = _one_by_one(store, sid, catalogue)
    totals = store.path_totals(sid)
    assert totals.session == session
    assert totals.replayed == replayed == Usage(90, 11, 0, 30)
    summed = totals.meter(catalogue, DEFAULT)
    assert summed.costs == pytest.approx(meter.costs)
    summed.costs = meter.costs
    assert summed == meter
    assert meter.requests == 3 and meter.unknown_cache == 1  # off-path replies are not counted


def test_an_empty_session_has_no_totals(store):
    sid = store.create_session(DEFAULT).id
    totals = store.path_totals(sid)
    assert totals.session == Usage() and totals.replayed is None and totals.groups == []


def _shape(versions) -> dict:
    return {
        turn: ([[(m.id, m.content) for m in v] for v in found.superseded], found.active_id)
        for turn, found in versions.items()
    }


def test_the_versions_read_from_the_branches_are_those_of_the_whole_tree(store):
    sid = _branched_session(store)
    whole = reply_versions(store.tree(sid))
    assert _shape(reply_versions(store.versions_tree(sid))) == _shape(whole)
    ((superseded, active),) = _shape(whole).values()
    assert [c for _, c in superseded[0]] == ["", '{"iso": "now"}', "a1"] and active is not None


def test_a_session_never_regenerated_reads_no_branch(store):
    sid = store.create_session(DEFAULT).id
    for n in range(3):
        store.add_message(sid, Message("user", f"q{n}"))
        _add(store, sid, Message("assistant", f"a{n}", usage=Usage(1, 1, 0)))
    assert store.versions_tree(sid).by_id == {}
    assert reply_versions(store.versions_tree(sid)) == {}
