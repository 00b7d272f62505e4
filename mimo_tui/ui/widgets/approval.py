"""The approval modal: what the model wants to run, exactly, and the user's choice.

The question comes when the model asks, not when the user does: they may be typing their
next message, or about to press Enter to send it. So it takes answers (keys, buttons) only
once it has been on screen for ARM_S: before that, an `a` of a word being typed would have
allowed the tool for good, an Enter run it on its focused Run button.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Static, TextArea

from mimo_tui.text import visible
from mimo_tui.tool_runner import ApprovalRequest, Decision, arguments_problem


class ApprovalScreen(ModalScreen[Decision]):
    """Run, edit the arguments first, type a result by hand, deny, or always allow."""

    DEFAULT_CSS = """
    ApprovalScreen { align: center middle; }
    ApprovalScreen > Vertical {
        width: 90%;
        max-width: 110;
        height: auto;
        max-height: 90%;
        border: thick $accent;
        background: $surface;
        padding: 1 2;
        overflow-y: auto;  /* on a short terminal the details scroll; the buttons stay */
    }
    ApprovalScreen .title { text-style: bold; color: $accent; }
    ApprovalScreen .label { color: $text-muted; margin: 1 0 0 0; }
    ApprovalScreen TextArea { height: auto; max-height: 12; min-height: 3; }
    ApprovalScreen #manual, ApprovalScreen #manual-label { display: none; }
    ApprovalScreen.-manual #manual, ApprovalScreen.-manual #manual-label { display: block; }
    ApprovalScreen .buttons { dock: bottom; height: auto; margin: 1 0 0 0; }
    ApprovalScreen Button { margin: 0 1 0 0; min-width: 10; }
    ApprovalScreen .hint { color: $text-muted; }
    ApprovalScreen #arguments-error { display: none; color: $error; }
    ApprovalScreen #arguments-error.-shown { display: block; }
    """

    BINDINGS = [
        Binding("r", "run", "Run", id="approval.run"),
        Binding("e", "edit", "Edit arguments", id="approval.edit"),
        Binding("t", "type_result", "Type result", id="approval.type_result"),
        Binding("d", "deny", "Deny", id="approval.deny"),
        Binding("a", "always", "Always allow", id="approval.always"),
        Binding("ctrl+s", "submit", "Submit", id="approval.submit", priority=True),
        Binding("escape", "back", "Back / deny", id="approval.back"),
    ]

    ARM_S = 0.5  # answers count from this long after the question is drawn
    ANSWERS = frozenset({"run", "edit", "type_result", "deny", "always", "submit", "back"})

    def __init__(self, request: ApprovalRequest) -> None:
        super().__init__()
        self.request = request
        self.armed = False  # see the module's docstring

    def compose(self) -> ComposeResult:
        record, spec = self.request.record, self.request.spec
        argv = " ".join(visible(part) for part in spec.display_command())
        with Vertical():
            yield Static(
                Content(visible(f"Run tool {record.name}?  (round {record.round})")),
                classes="title",
            )
            yield Static(
                Content(visible(f"from {spec.source} · timeout {spec.timeout_s:g} s")),
                classes="hint",
            )
            if spec.mcp_server:  # a tool of an MCP server: called there, nothing runs here
                yield Static(Content("MCP call (the arguments go to the server)"), classes="label")
                where = f"server {spec.mcp_server} · tool {spec.mcp_tool}"
                yield Static(Content(visible(where)), id="argv")
            else:
                yield Static(
                    Content("command (run without a shell; arguments on stdin)"), classes="label"
                )
                yield Static(Content(argv), id="argv")
            yield Static(Content("arguments (e to edit, then Ctrl+S to run)"), classes="label")
            yield TextArea(
                self.request.arguments_pretty,
                language="json",
                read_only=True,
                id="arguments",
                soft_wrap=True,
            )
            yield Static(id="arguments-error", markup=False)
            yield Static(
                Content("result to send instead of running (Ctrl+S to send)"),
                classes="label",
                id="manual-label",
            )
            yield TextArea("", id="manual", soft_wrap=True)
            with Horizontal(classes="buttons"):
                # Button labels are markup when str: "[r]" would vanish, so pass Content.
                yield Button(Content("Run [r]"), id="run", variant="success")
                yield Button(Content("Always [a]"), id="always")
                yield Button(Content("Edit [e]"), id="edit")
                yield Button(Content("Type result [t]"), id="type_result")
                yield Button(Content("Deny [d]"), id="deny", variant="error")

    def on_mount(self) -> None:
        self.query_one("#run", Button).focus()
        self.call_after_refresh(self.set_timer, self.ARM_S, self.arm)

    def arm(self) -> None:
        """From now on keys and buttons answer (they were typed or aimed after the question
        had been on screen for a moment)."""
        self.armed = True
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return self.armed or action not in self.ANSWERS

    @property
    def arguments(self) -> TextArea:
        return self.query_one("#arguments", TextArea)

    def _edited_arguments(self) -> str | None:
        text = self.arguments.text
        return text if text != self.request.arguments_pretty else None

    def _refused(self, edited: str | None) -> bool:
        """Edited arguments that cannot run keep the modal open, saying why; True then."""
        problem = arguments_problem(edited) if edited is not None else None
        error = self.query_one("#arguments-error", Static)
        error.update(Content(visible(problem or "")))
        error.set_class(problem is not None, "-shown")
        if problem is not None:
            self.arguments.read_only = False
            self.arguments.focus()
        return problem is not None

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        """A click (or Enter / Space on a focused button) does what the button's key does.

        Called directly, not through `run_action`: that is a coroutine, and left un-awaited
        (as it once was here) every button did nothing.
        """
        actions = {
            "run": self.action_run,
            "always": self.action_always,
            "edit": self.action_edit,
            "type_result": self.action_type_result,
            "deny": self.action_deny,
        }
        action = actions.get(event.button.id or "")
        if action is not None:
            event.stop()
            if self.armed:
                action()

    def action_run(self) -> None:
        edited = self._edited_arguments()
        if not self._refused(edited):
            self.dismiss(Decision("run", arguments=edited))

    def action_always(self) -> None:
        edited = self._edited_arguments()
        if not self._refused(edited):
            self.dismiss(Decision("run", arguments=edited, always=True))

    def action_deny(self) -> None:
        self.dismiss(Decision("deny"))

    def action_edit(self) -> None:
        self.arguments.read_only = False
        self.arguments.focus()

    def action_type_result(self) -> None:
        self.add_class("-manual")
        manual = self.query_one("#manual", TextArea)
        manual.focus()
        self.call_after_refresh(manual.scroll_visible)  # shown now: laid out after this

    def action_submit(self) -> None:
        if self.has_class("-manual"):
            self.dismiss(Decision("manual", result=self.query_one("#manual", TextArea).text))
        else:
            self.action_run()

    def action_back(self) -> None:
        """Escape leaves an editor first; on the buttons it denies."""
        if isinstance(self.focused, TextArea):
            self.query_one("#run", Button).focus()
        else:
            self.action_deny()
