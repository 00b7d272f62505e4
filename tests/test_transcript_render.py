"""What the Markdown and HTML exports look like to a reader: superseded replies folded next to
the active one, the model's headings below the transcript's, raw HTML inert, code blocks one
level deep. The output is parsed (markdown-it, html.parser), not searched for strings."""

from __future__ import annotations

from html.parser import HTMLParser

from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from mimo_tui.model import Message, ToolCall, Usage
from mimo_tui.replay import build_replay
from mimo_tui.store import Store
from mimo_tui.text import visible
from mimo_tui.transcripts import export

OLD, NEW = "The first answer, later replaced.", "The second answer, the one kept."
MODEL_TEXT = (
    "# Big title\n\nIntro.\n\n## Section\n\nBody.\n\nSetext one\n==========\n\nSetext two\n"
    "----------\n\n```md\n# not a heading\n## nor this\n```\n\n    # indented code\n\n"
    "> ### quoted\n\n- ##### deep\n"
)
HOSTILE = (
    "<script>alert(1)</script>\n\nSee <img src=x onerror=alert(2)> and `<b>kept</b>`.\n\n"
    "<div onclick=alert(3)>\nblock\n</div>\n\n```html\n<script>code()</script>\n```\n"
)


def parse(md: str):
    return MarkdownIt("commonmark").enable("table").parse(md)


def regenerated(store: Store, tools: bool = False) -> str:
    """A turn whose first reply was regenerated: user, superseded reply, active reply."""
    session = store.create_session("mimo-v2.5-pro")
    user = store.add_message(session.id, Message("user", "Tell me something."))
    calls = [ToolCall("call_1", "current_time", "{}")] if tools else []
    store.add_message(
        session.id,
        Message("assistant", "" if tools else OLD, "old thinking", calls, usage=Usage(5, 7, 2)),
    )
    if tools:
        store.add_message(session.id, Message("tool", "09:30", tool_call_id="call_1"))
        store.add_message(session.id, Message("assistant", OLD, usage=Usage(9, 3, 0)))
    assert user.id is not None
    store.branch_from(session.id, user.id)
    store.add_message(session.id, Message("assistant", NEW, model="mimo-v2.5-pro"))
    return session.id


class Tree(HTMLParser):
    """Elements as (tag, attrs, ancestors, text inside)."""

    VOID = {"meta", "br", "img", "hr", "input", "link"}

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[tuple[str, dict]] = []
        self.elements: list[dict] = []
        self.open: list[dict] = []

    def handle_starttag(self, tag, attrs):
        element = {"tag": tag, "attrs": dict(attrs), "ancestors": [t for t, _ in self.stack]}
        element["text"] = ""
        self.elements.append(element)
        if tag not in self.VOID:
            self.stack.append((tag, dict(attrs)))
            self.open.append(element)

    def handle_endtag(self, tag):
        assert self.stack and self.stack[-1][0] == tag, (tag, self.stack)
        self.stack.pop()
        self.open.pop()

    def handle_data(self, data):
        for element in self.open:
            element["text"] += data


def tree(page: str) -> Tree:
    parser = Tree()
    parser.feed(page)
    parser.close()
    assert not parser.stack  # every element closed, in order
    return parser


def test_markdown_export_folds_the_superseded_reply_before_the_active_one(store: Store):
    session = store.get_session(regenerated(store))
    md = export(store, session, "md")
    tokens = parse(md)
    html_parts = [t.content.strip() for t in tokens if t.type == "html_block"]
    summary = next(p for p in html_parts if "Superseded reply" in p)
    assert "version 1 of 2" in summary and summary.startswith("<details><summary>")
    opened = md.index(summary)
    closed = md.index("</details>", md.index(OLD))
    assert opened < md.index(OLD) < closed  # the old answer inside the fold
    headings = [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open"]
    assert headings[1] == "You" and "version 2 of 2" in headings[2]
    assert closed < md.index(NEW)  # the active one after it, unfolded
    assert "old thinking" in md  # the superseded reply's reasoning is kept too


def test_html_export_folds_the_superseded_reply_in_a_details_element(store: Store):
    session = store.get_session(regenerated(store, tools=True))
    page = tree(export(store, session, "html"))
    folds = [
        e
        for e in page.elements
        if e["tag"] == "details" and "superseded" in e["attrs"].get("class", "")
    ]
    assert len(folds) == 1 and "open" not in folds[0]["attrs"]  # folded
    fold = folds[0]
    assert "Superseded reply · version 1 of 2" in fold["text"] and OLD in fold["text"]
    assert "current_time" in fold["text"] and NEW not in fold["text"]
    active = [
        e for e in page.elements if e["tag"] == "div" and NEW in e["text"] and "msg" in str(e)
    ]
    assert active and "version 2 of 2" in active[-1]["text"] and OLD not in active[-1]["text"]


def test_only_the_active_reply_is_replayed(store: Store):
    sid = regenerated(store, tools=True)
    sent = build_replay(store.messages(sid), None)
    assert [m["role"] for m in sent] == ["user", "assistant"]
    assert sent[1]["content"] == NEW


def test_markdown_export_puts_model_headings_below_the_transcripts(store: Store):
    session = store.create_session("m")
    store.add_message(session.id, Message("user", "## My own heading\n\nquestion"))
    store.add_message(session.id, Message("assistant", MODEL_TEXT))
    tokens = parse(export(store, store.get_session(session.id), "md"))
    heads = [
        (t.tag, tokens[i + 1].content) for i, t in enumerate(tokens) if t.type == "heading_open"
    ]
    top = [h for h in heads if h[0] in ("h1", "h2")]  # the title, then the two turns
    assert [tag for tag, _ in top] == ["h1", "h2", "h2"]
    assert [text for _, text in top[1:]] == ["You", "MiMo"]
    assert ("h4", "My own heading") in heads
    assert ("h3", "Big title") in heads and ("h4", "Section") in heads
    assert ("h3", "Setext one") in heads and ("h4", "Setext two") in heads
    assert ("h5", "quoted") in heads and ("h6", "deep") in heads
    fences = [t.content for t in tokens if t.type in ("fence", "code_block")]
    assert fences == ["# not a heading\n## nor this\n", "# indented code\n"]  # code untouched


def test_markdown_export_shows_raw_html_as_text(store: Store):
    session = store.create_session("m")
    store.add_message(session.id, Message("user", "<img src=x onerror=alert(0)>"))
    store.add_message(session.id, Message("assistant", HOSTILE, model="<b>model</b>"))
    md = export(store, store.get_session(session.id), "md")
    tokens = parse(md)
    for token in tokens:
        for part in [token, *(token.children or [])]:
            if part.type.startswith("html"):  # only the transcript's own folds remain
                assert part.content.strip() in ("", "</details>") or part.content.startswith(
                    "<details><summary>"
                ), part.content
    rendered = tree(MarkdownIt("commonmark").render(md))  # as a renderer would show the file
    tags = {e["tag"] for e in rendered.elements}
    assert not tags & {"script", "img", "div"}
    text = "".join(e["text"] for e in rendered.elements if not e["ancestors"])
    assert "<script>alert(1)</script>" in text and "<img src=x onerror=alert(2)>" in text
    kinds = ("fence", "code_block", "code_inline")
    codes = [t.content for t in tokens for t in [t, *(t.children or [])] if t.type in kinds]
    assert "<b>kept</b>" in codes and "<script>code()</script>\n" in codes  # code exact


def test_html_export_has_single_level_code_blocks_and_no_raw_html(store: Store):
    session = store.create_session("m")
    store.add_message(session.id, Message("user", "```python\nprint('q')\n```"))
    store.add_message(session.id, Message("assistant", HOSTILE + "\n```python\nx = 1\n```\n"))
    page = tree(export(store, store.get_session(session.id), "html"))
    pres = [e for e in page.elements if e["tag"] == "pre"]
    assert len(pres) == 3
    for element in page.elements:
        if "pre" in element["ancestors"]:
            assert element["tag"] in ("code", "span"), element  # no <div>/<pre> inside
    codes = [e for e in page.elements if e["tag"] == "code" and e["ancestors"][-1:] == ["pre"]]
    assert len(codes) == 3 and any("x = 1" in e["text"] for e in codes)
    assert any(e["tag"] == "span" and "style" in e["attrs"] for e in page.elements)  # highlighted
    tags = {e["tag"] for e in page.elements}
    assert not tags & {"script", "img"} and not any(
        k.startswith("on") for e in page.elements for k in e["attrs"]
    )


_PIECES = [
    *"<>`\\#=-\n /!?&*[]()|\"'",
    "``",
    "\n\n",
    "    ",
    "> ",
    "1. ",
    "- ",
    "# ",
    "## ",
    "===",
    "---",
    "```",
    "~~~",
    "script",
    "img src=x",
    "<div>",
    "!--",
    "&#x1b;",
    "&#150;",
    "&#x202E;",
    "&ZeroWidthSpace;",
    "&amp;",
    "&eacute;",
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=40).map("".join))
def test_no_model_text_parses_as_html_or_a_top_heading_in_the_markdown_export(text):
    from mimo_tui.mdtext import transcript_markdown

    out = transcript_markdown(text)
    for token in parse(out):
        for part in [token, *(token.children or [])]:
            assert not part.type.startswith("html"), (text, out)
        assert token.tag not in ("h1", "h2"), (text, out)
    assert out.count("\n") <= text.count("\n")  # nothing added around the text
    for token in parse(out):  # what a renderer decodes is as safe as what the TUI shows
        for part in token.children or []:
            assert part.type == "code_inline" or visible(part.content) == part.content, (text, out)


def test_character_references_that_would_act_read_as_text_in_the_markdown_export():
    """A renderer decodes `&#x1b;` to ESC (a terminal viewer then runs `[2J`) and
    `&#x202E;` to a bidi override: outside code they are written to read as typed; harmless
    references and code are left exact."""
    from mimo_tui.mdtext import transcript_markdown

    text = (
        "Clear &#x1b;[2J, flip &#x202E;abc, hide &ZeroWidthSpace;, C1 &#150;, "
        "keep &amp; &eacute; &lt;\n\n`&#x1b;` and\n\n```\n&#x202E;\n```\n"
    )
    out = transcript_markdown(text)
    rendered = tree(MarkdownIt("commonmark").render(out))
    shown = "".join(e["text"] for e in rendered.elements if not e["ancestors"])
    assert "Clear &#x1b;[2J, flip &#x202E;abc, hide &ZeroWidthSpace;, C1 &#150;," in shown
    assert "keep & é <" in shown
    codes = [e["text"] for e in rendered.elements if e["tag"] == "code"]
    assert codes == ["&#x1b;", "&#x202E;\n"]  # code is literal already, and left exact
    assert visible(shown) == shown


def test_a_title_and_model_id_with_acting_references_read_as_text_in_the_markdown_export(
    store: Store,
):
    session = store.create_session("m&#x1b;]0;x")
    store.add_message(session.id, Message("user", "hi"))
    store.rename_session(session.id, "T &#x9b;2J")
    md = export(store, store.get_session(session.id), "md")
    rendered = tree(MarkdownIt("commonmark").render(md))
    shown = "".join(e["text"] for e in rendered.elements)
    assert "T &#x9b;2J" in shown and "m&#x1b;]0;x" in shown and visible(shown) == shown


def test_a_hostile_tool_name_and_source_title_stay_text_in_the_markdown_export(store: Store):
    """A tool name is the model's text: one with backticks used to close the code span it
    was written in and put raw HTML in the file. A source's title is the web's text."""
    name = "x` <img src=x onerror=alert(1)> &#x1b;[2J `y"
    session = store.create_session("m")
    store.add_message(session.id, Message("user", "hi"))
    sources = [{"type": "url_citation", "url": "https://a.example/", "title": "T &#x1b;[2J"}]
    reply = store.add_message(
        session.id, Message("assistant", "", tool_calls=[ToolCall("c1", name, "{}")])
    )
    reply.sources = sources
    store.update_message(reply)  # the final write, as the engine's, keeps the sources
    store.add_message(session.id, Message("tool", "res", tool_call_id="c1"))
    md = export(store, store.get_session(session.id), "md")
    tokens = parse(md)
    assert not [t for t in tokens for t in [t, *(t.children or [])] if t.type.startswith("html")]
    codes = [c.content for t in tokens for c in t.children or [] if c.type == "code_inline"]
    assert name in codes
    rendered = tree(MarkdownIt("commonmark").render(md))
    assert "img" not in {e["tag"] for e in rendered.elements}
    shown = "".join(e["text"] for e in rendered.elements)
    assert "T &#x1b;[2J" in shown and visible(shown) == shown


def test_a_branch_listed_in_the_markdown_export_reads_as_text(store: Store):
    """The Branches list quotes other branches' questions: a reference in one is text."""
    session = store.create_session("m")
    store.add_message(session.id, Message("user", "first &#x1b;]0;T try"))
    store.add_message(session.id, Message("assistant", "one"))
    store.branch_from(session.id, None)  # the question edited: a second root
    store.add_message(session.id, Message("user", "second try"))
    store.add_message(session.id, Message("assistant", "two"))
    md = export(store, store.get_session(session.id), "md")
    assert "## Branches" in md
    shown = "".join(e["text"] for e in tree(MarkdownIt("commonmark").render(md)).elements)
    assert "first &#x1b;]0;T try" in shown and visible(shown) == shown


def test_the_html_export_keeps_text_nested_past_the_parsers_limit(store: Store):
    nested = "\n".join("  " * i + f"- level {i}" for i in range(12))
    session = store.create_session("m")
    store.add_message(session.id, Message("user", "nest"))
    store.add_message(session.id, Message("assistant", f"{nested}\nAFTER it\n\nLAST LINE"))
    page = tree(export(store, store.get_session(session.id), "html"))
    shown = "".join(e["text"] for e in page.elements)
    assert "level 11" in shown and "AFTER it" in shown and "LAST LINE" in shown
    assert "Nested too deeply to lay out" in shown
