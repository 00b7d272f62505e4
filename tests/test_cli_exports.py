"""`mimo-tui sessions show` and `mimo-tui sessions export` run as a user runs them: a
regenerated reply's old version folded next to the active one, raw HTML never live."""

from __future__ import annotations

from markdown_it import MarkdownIt

from mimo_tui.model import Message
from mimo_tui.store import Store
from tests.conftest import cli_paths
from tests.test_cli import mimo
from tests.test_transcript_render import NEW, OLD, tree

SCRIPT = "<script>alert(1)</script>"


def regenerated_with_html(tmp_path) -> str:
    store = Store(cli_paths(tmp_path).store_file)
    session = store.create_session("mimo-v2.5-pro")
    user = store.add_message(session.id, Message("user", "Tell me something."))
    store.add_message(session.id, Message("assistant", f"# Old\n\n{OLD}"))
    assert user.id is not None
    store.branch_from(session.id, user.id)
    store.add_message(session.id, Message("assistant", f"{SCRIPT}\n\n{NEW}"))
    store.close()
    return session.id


def test_sessions_show_folds_the_superseded_reply_and_escapes_html(tmp_path):
    sid = regenerated_with_html(tmp_path)
    result = mimo(tmp_path, None, "sessions", "show", sid)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "<details><summary>Superseded reply · version 1 of 2" in out
    assert out.index(OLD) < out.index("</details>") < out.index(NEW)
    assert "version 2 of 2" in out
    assert SCRIPT not in out and "&lt;script>alert(1)&lt;/script>" in out
    tokens = MarkdownIt("commonmark").parse(out)
    heads = [
        (t.tag, tokens[i + 1].content) for i, t in enumerate(tokens) if t.type == "heading_open"
    ]
    assert ("h3", "Old") in heads  # the model's `#`, below the transcript's `##`


def test_sessions_export_html_is_well_formed_with_the_old_version_folded(tmp_path):
    sid = regenerated_with_html(tmp_path)
    out = tmp_path / "s.html"
    result = mimo(tmp_path, None, "sessions", "export", sid, "--format", "html", "-o", str(out))
    assert result.returncode == 0, result.stderr
    page = tree(out.read_text(encoding="utf-8"))
    folds = [e for e in page.elements if e["tag"] == "details" and "superseded" in str(e["attrs"])]
    assert len(folds) == 1 and OLD in folds[0]["text"] and NEW not in folds[0]["text"]
    assert "script" not in {e["tag"] for e in page.elements}
    assert any(SCRIPT in e["text"] for e in page.elements if e["tag"] == "p")  # shown as text
    md = mimo(tmp_path, None, "sessions", "export", sid, "--format", "md")
    assert md.returncode == 0 and SCRIPT not in md.stdout and "Superseded reply" in md.stdout
