"""What an empty chat shows: the model and thinking, whether a key is set (and how to set
one), the five keys that matter, and the last sessions to reopen with a click or Enter.

The screen builds a WelcomeInfo from its runtime and mounts a Welcome in the empty
conversation; the first message sent removes it. Choosing a recent session posts
`Welcome.Open` (the screen opens it like the session list does).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple, Protocol

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.events import Click, Focus
from textual.message import Message
from textual.widgets import Static

from mimo_tui.model import SessionSummary
from mimo_tui.text import one_line, visible
from mimo_tui.ui.keymap import keymap_of
from mimo_tui.ui.widgets.steppable import STEP_BINDINGS, MessageStep, Steppable
from mimo_tui.ui.widgets.when import relative_time

if TYPE_CHECKING:
    from textual.app import App

    from mimo_tui.runtime import Runtime


class ChatLike(Protocol):
    """What welcome_view needs of the chat screen."""

    runtime: Runtime
    session_id: str

    @property
    def app(self) -> App: ...


LABEL_WIDTH = 10  # the facts' names ("model", "API key"...), padded: their values line up
FORMATS = {"openai": "OpenAI format", "anthropic": "Anthropic format"}

# (binding id, default key, what it does): the keys a first-time user needs.
KEYS = (
    ("", "enter", "send"),
    ("", "ctrl+j", "newline"),
    ("chat.sessions", "f4", "sessions"),
    ("chat.settings", "f8", "settings"),
    ("app.help", "f1", "every key"),
)


class WelcomeInfo(NamedTuple):
    model: str
    thinking: bool
    api: str = "openai"
    key_source: str | None = None  # where the key comes from; None: no key
    demo: bool = False
    keys: tuple[tuple[str, str], ...] = ()  # (key as shown, what it does)
    recent: tuple[SessionSummary, ...] = ()
    now: float = 0.0


def key_line(info: WelcomeInfo) -> str:
    if info.demo:
        return "offline demo: no key needed"
    if info.key_source is None:  # the whole how-to: the chat shows no other notice for it
        return (
            "not set · F5 pastes one · F2 tries the offline demo\n"
            f"{'':{LABEL_WIDTH}}or export MIMO_API_KEY=… (then restart), or mimo-tui key set"
        )
    source = one_line(info.key_source)
    return "set" if source in ("", "none", "set") else f"set ({source})"


class RecentSession(Static, can_focus=True):
    """One session to reopen: Enter or a click opens it."""

    DEFAULT_CSS = """
    RecentSession { padding: 0 1; height: 1; }
    RecentSession:hover { background: $boost; }
    RecentSession:focus { background: $primary 25%; }
    """

    BINDINGS = [
        Binding("enter", "open", "Open", id="welcome.open"),
        Binding("up", "step(-1)", "Previous", show=False, id="welcome.previous"),
        Binding("down", "step(1)", "Next", show=False, id="welcome.next"),
    ]

    def __init__(self, session: SessionSummary, now: float) -> None:
        title = visible(one_line(session.title or "New chat"))
        when = relative_time(session.updated_at, now)
        count = session.message_count
        meta = f"  {when} · {count} msg{'' if count == 1 else 's'}"
        super().__init__(Content.assemble("▸ ", (title, "bold"), (meta, "$text-muted")))
        self.session_id = session.id

    def action_open(self) -> None:
        self.post_message(Welcome.Open(self.session_id))

    def action_step(self, direction: int) -> None:
        """Up / Down: the neighbouring session; past either end, out of the welcome view
        (down returns to the input, as below the last message)."""
        rows = list(self.parent.query_children(RecentSession)) if self.parent else [self]
        index = rows.index(self) + direction
        if 0 <= index < len(rows):
            rows[index].focus()
        elif isinstance(self.parent, Welcome):
            self.parent.post_message(MessageStep(self.parent, direction))

    def on_click(self, event: Click) -> None:
        event.stop()
        self.action_open()


class Welcome(Vertical, Steppable, can_focus=True):
    """The welcome view of an empty chat. Focused (Up from the input), it hands the focus
    to its last recent session."""

    DEFAULT_CSS = """
    Welcome {
        height: auto;
        margin: 1 0 1 0;
        padding: 0 1;
        border: round $primary 60%;
        border-title-color: $primary;
        border-title-style: bold;
    }
    Welcome .welcome-head { color: $text-muted; margin: 0 0 1 0; }
    Welcome .welcome-facts { margin: 0 0 1 0; }
    Welcome .welcome-section { color: $primary; text-style: bold; }
    Welcome .welcome-none { color: $text-muted; padding: 0 1; }
    """

    BINDINGS = [*STEP_BINDINGS]

    class Open(Message):
        """Reopen this session (a recent session chosen in the welcome view)."""

        def __init__(self, session_id: str) -> None:
            super().__init__()
            self.session_id = session_id

    def __init__(self, info: WelcomeInfo) -> None:
        super().__init__()
        self.info = info
        self.border_title = "Welcome to mimo-tui"

    def compose(self) -> ComposeResult:
        info = self.info
        yield Static(
            Content("Type below and press Enter; the reply streams here."),
            classes="welcome-head",
        )
        model = visible(one_line(info.model))
        keys = Content("   ").join(
            Content.assemble((key, "bold $accent"), " ", what) for key, what in info.keys
        )
        facts = [
            ("model", Content(f"{model} · {FORMATS.get(info.api, info.api)}")),
            ("thinking", Content(f"{'on' if info.thinking else 'off'} · F6 toggles it")),
            ("API key", Content(key_line(info))),
            ("keys", keys),
        ]
        yield Static(
            Content("\n").join(
                Content.assemble((f"{name:<{LABEL_WIDTH}}", "$text-muted"), value)
                for name, value in facts
            ),
            classes="welcome-facts",
        )
        yield Static(Content("Recent sessions"), classes="welcome-section")
        if not info.recent:
            yield Static(Content("None yet: this is the first."), classes="welcome-none")
        for session in info.recent:
            yield RecentSession(session, info.now)

    def on_focus(self, event: Focus) -> None:
        rows = list(self.query(RecentSession))
        if rows:
            rows[-1].focus()


def welcome_view(screen: ChatLike) -> Welcome:
    """The welcome view for the chat screen's runtime, as things are set up now."""
    runtime = screen.runtime
    s = runtime.settings
    app = screen.app
    keymap = keymap_of(app)
    keys = tuple(
        (app.get_key_display(Binding(keymap.get(bid, key).split(",")[0] if bid else key, "")), what)
        for bid, key, what in KEYS
    )
    recent = [
        session
        for session in runtime.store.list_sessions(limit=8)
        if session.id != screen.session_id and session.message_count
    ][:3]
    info = WelcomeInfo(
        model=s.model,
        thinking=s.thinking,
        api=s.api,
        key_source=(s.api_key_source or "set") if runtime.has_key else None,
        demo=s.demo,
        keys=keys,
        recent=tuple(recent),
        now=runtime.clock().timestamp(),
    )
    return Welcome(info)
