"""MimoApp: themes, global bindings and the chat screen — and little else."""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import os
import sys
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from platformdirs import user_downloads_path
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen
from textual.theme import Theme

if TYPE_CHECKING:
    from mimo_tui.mcp_hub import ServerState

from mimo_tui import gc_policy
from mimo_tui.config import ConfigError, Paths, Settings
from mimo_tui.key_file import write_key_file
from mimo_tui.prompt import Clock, local_now
from mimo_tui.runtime import Runtime, build_runtime
from mimo_tui.store import StoreError
from mimo_tui.text import visible
from mimo_tui.tool_runner import ApprovalRequest, Decision
from mimo_tui.ui.chat import ChatScreen
from mimo_tui.ui.chat_commands import chat_commands
from mimo_tui.ui.hangup import HANGUP_EXIT, detach, terminal_fds, watch_terminal
from mimo_tui.ui.safe import notify_safe, summary
from mimo_tui.ui.themes import (
    CODE_THEME,
    VARIABLE_DEFAULTS,
    code_theme_problems,
    load_theme_files,
)
from mimo_tui.ui.widgets.kept_lines import (
    KEPT,
    drawing_context,
    keep_newest_lines,
    renderer_stamp,
)
from mimo_tui.ui.widgets.lines import LinesWidget
from mimo_tui.ui.widgets.md_palette import set_highlighting, set_palette

NO_TERMINAL = (
    "mimo-tui: the chat needs a terminal to read keys from and draw on (stdin and stderr); "
    "for a script or a pipe, use `mimo-tui ask`"
)
HANGUP_GRACE_S = 5.0  # how long a hang-up waits for the reply in flight to be saved


async def approve_in_app(request: ApprovalRequest) -> Decision:
    """The TUI's approver (given to build_runtime before any app exists): a modal over the
    app of the worker that runs the turn, awaited there (push_screen_wait needs a worker)."""
    from textual.worker import get_current_worker

    from mimo_tui.ui.widgets.approval import ApprovalScreen

    app = get_current_worker().node.app
    return await app.push_screen_wait(ApprovalScreen(request))


class MimoApp(App):
    TITLE = "mimo-tui"
    # The screens' layout (widgets keep their DEFAULT_CSS); absolute: Textual finds a relative
    # one through inspect.getfile, which fails when the app runs from bytecode alone.
    CSS_PATH = Path(__file__).with_name("app.tcss")
    BINDINGS = [
        Binding("ctrl+q", "quit", "Quit", id="app.quit", priority=True),
        Binding("f1", "help", "Help", id="app.help"),
    ]

    def __init__(self, runtime: Runtime, session_id: str) -> None:
        super().__init__()
        self.runtime = runtime
        self.session_id = session_id
        self.terminal: list[int] = []  # the tty's descriptors, watched for a hang-up
        loaded, self.theme_problems = load_theme_files(runtime.paths.themes_dir)
        for loaded_theme in loaded:  # (a user's theme named like a built-in replaces it)
            self.register_theme(loaded_theme.theme)
        # The user's themes that name a Pygments style: checked after the first frame
        # (code_theme_problems imports Pygments, which start-up does without).
        self._code_themes = [
            t for t in loaded if t.source == "user" and CODE_THEME in (t.theme.variables or {})
        ]
        wanted = runtime.settings.theme
        if wanted not in self.available_themes:
            self.theme_problems.append(f"Theme {wanted!r} not found; using mimo-dark.")
            wanted = "mimo-dark"
        self.theme = wanted
        # [keys] as applied: config.toml's entries but those that would put a key on two
        # bindings at once (keymap_check.without_clashes; named after the first frame).
        self._keymap_applied = runtime.settings.keymap
        if self._keymap_applied:
            from mimo_tui.ui.keymap_check import without_clashes

            self._keymap_applied, _ = without_clashes(self._keymap_applied, "", import_all=False)
        self.set_keymap(self._keymap_applied)
        self._use_kept_lines()

    def _use_kept_lines(self) -> None:
        """Replies drawn from the lines the last run kept of this store (see kept_lines)."""
        KEPT.use(self.runtime.store.kept_lines_file, self._drawing_context)

    def _drawing_context(self) -> str:
        settings = self.runtime.settings
        return drawing_context(self.theme_variables, settings.keymap, settings.models)

    def _keep_newest_lines(self) -> None:
        """Keep, for the next `mimo-tui -c`, the lines of the newest replies of the session
        it will open (the last one updated: not always the one shown), if this run drew
        them. (A session deleted, here or in another window, took its kept lines with it.)"""
        try:
            session = self.runtime.store.get_session("last")
        except StoreError:  # no session at all
            return
        keep_newest_lines(session.id, 3 * self.size.height)

    def watch_theme(self, name: str) -> None:
        """Replies are drawn in the new theme's palette (before the next frame)."""
        set_palette(self.current_theme)

    def _remember_theme(self, theme: Theme) -> None:
        """A theme picked anywhere (palette, settings) is the theme next time."""
        runtime = self.runtime
        if theme.name == runtime.settings.theme:
            return
        runtime.update_settings(replace(runtime.settings, theme=theme.name))
        self._save_theme(theme.name)

    def _save_theme(self, name: str) -> None:
        try:
            self.runtime.remember({"theme": name})
        except (ConfigError, OSError) as exc:
            notify_safe(self, f"Theme not remembered: {exc}", severity="warning")

    def action_help(self) -> None:
        from mimo_tui.ui.widgets.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """Every chat action in the command palette (Ctrl+P)."""
        yield from super().get_system_commands(screen)
        if not isinstance(screen, ChatScreen):
            return
        for title, help_text, callback in chat_commands(screen, self.action_help):
            yield SystemCommand(title, help_text, callback)

    def get_default_screen(self) -> Screen:
        """The chat is the app's first screen, not one pushed over Textual's blank default.

        Pushed from on_mount, its first layout fell inside Textual's start-up batch: that
        complete frame was rendered and dropped, and the screen reached the terminal in
        pieces over the next two frames (~25 ms later). As the default screen it is laid
        out when it is shown, after the batch, and drawn whole at once.
        """
        return ChatScreen(self.runtime, self.session_id)

    def deliver_screenshot(
        self, filename: str | None = None, path: str | None = None, time_format: str | None = None
    ) -> str | None:
        """The palette's Screenshot, saved where it can be: Textual writes to the downloads
        folder and, when there is none (a server, a fresh account), says only "Failed to
        save screenshot". Then it goes to the home folder, and the notice says where."""
        if path is None and not self.is_web:
            downloads = user_downloads_path()
            path = str(downloads if downloads.is_dir() else Path.home())
        return super().deliver_screenshot(filename, path, time_format)

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return dict(VARIABLE_DEFAULTS)

    def on_mount(self) -> None:
        set_highlighting(False)  # until the first frame is drawn (see on_ready)
        self.set_interval(gc_policy.IDLE_S, self.collect_garbage)
        if not self.is_headless:
            self.terminal = terminal_fds()
            watch_terminal(self.hung_up, self.terminal)
        settings = self.runtime.settings
        if "theme" in settings.explicit and self.theme == settings.theme:
            self._save_theme(self.theme)  # --theme is remembered like a pick from the palette
        self.theme_changed_signal.subscribe(self, self._remember_theme)
        self._watch_mcp()
        self._show_settings_notices()
        if self.runtime.tool_problems:
            text = self._summary(self.runtime.tool_problems, "{n} tools not loaded", "tools")
            notify_safe(self, text, title="Tool not loaded", severity="warning")
        if self.theme_problems:
            text = self._summary(self.theme_problems, "{n} theme problems", "themes")
            notify_safe(self, text, title="Theme not loaded", severity="warning")
        if self.runtime.store.recovered_from:
            notify_safe(
                self,
                f"The session store was damaged; it was kept aside as "
                f"{self.runtime.store.recovered_from} and a fresh store was started.",
                severity="error",
                timeout=15,
            )

    def on_app_focus(self) -> None:
        """Focus where the screen would have put it, if nothing has it when the app gains
        focus. The browser page of `mimo-tui serve` blurs the app as it starts, before the
        chat screen's auto-focus, which Textual then skips: typing went nowhere."""
        screen = self.screen
        if screen.focused is None and screen.AUTO_FOCUS:
            for widget in screen.query(screen.AUTO_FOCUS):
                if widget.focusable:
                    widget.focus(scroll_visible=False)
                    break

    def on_ready(self) -> None:
        """The first frame is drawn (Textual posts Ready right after its first paint, or,
        should it be batching updates then, before a paint that will be in colour): code
        can be coloured, and what else start-up deferred can begin after the next frame."""
        self._colour_code()
        self.call_after_refresh(self._after_first_frame)

    def _after_first_frame(self) -> None:
        """Set the collector up (gc_policy.settle) and, in a thread, load what the first frame
        did not need (see _warm_up).

        Both wait for the first frame: a thread importing openai holds the GIL for much of
        its ~0.4 s, and the frame is what the user is waiting for.
        """
        gc_policy.settle()
        if self.runtime.settings.keymap:
            self._check_keymap_ids()
        problems = code_theme_problems(self._code_themes) if self._code_themes else []
        if problems:
            text = self._summary(problems, "{n} code themes unknown", "themes")
            notify_safe(self, text, title="Theme", severity="warning")
        self.run_worker(self._warm_up, thread=True, exit_on_error=False)
        if self.runtime.toolbox.offered_servers():
            self.run_worker(self._start_mcp(), exit_on_error=False)

    def _colour_code(self) -> None:
        """Code blocks drawn plain for the first frame get their colours now (see
        md_palette.set_highlighting); the lines are the same, so this is a repaint."""
        set_highlighting(True)
        for screen in self.screen_stack:  # (by isinstance: a query by type follows only
            for widget in screen.walk_children():  # the first base, and replies have two)
                if isinstance(widget, LinesWidget):
                    widget.refresh()

    def _watch_mcp(self) -> None:
        """Hear the status of this runtime's MCP servers (a new runtime has its own)."""
        if self.runtime.toolbox.mcp is not None:
            self.runtime.toolbox.mcp.listeners.append(self._mcp_status)

    async def _start_mcp(self) -> None:
        """The session offers MCP tools: start their servers in the background (the SDK is
        imported in a thread first, off the event loop)."""
        await asyncio.to_thread(importlib.import_module, "mcp")
        toolbox = self.runtime.toolbox
        toolbox.mcp.start(toolbox.offered_servers())

    def _mcp_status(self, name: str, state: ServerState) -> None:
        """Each MCP server's status as it changes: starting, ready, failed, restarted."""
        self.runtime.toolbox.refresh_mcp()
        failed = state.state == "failed"
        notify_safe(
            self,
            f"MCP server {name}: {state.text()}",
            title="MCP",
            severity="error" if failed else "information",
            timeout=15 if failed else 4,
        )

    def _show_settings_notices(self) -> None:
        """What loading the settings worked around (a bad value, a rejected key), once."""
        settings = self.runtime.settings
        if settings.key_problem:
            self.notify(
                visible(settings.key_problem),
                title="API key",
                severity="error",
                markup=False,
                timeout=20,
            )
        rest = [n for n in settings.notices if n != settings.key_problem]
        if rest:  # one notification, not a screenful of them
            count = "{n} settings problems (bad values ignored, defaults used)"
            text = self._summary(rest, count, "config")
            notify_safe(self, text, title="Settings", severity="warning", timeout=15)

    def _check_keymap_ids(self) -> None:
        """Name the [keys] entries whose id no binding has (Textual ignores them silently)
        and those that clash with another binding, which are ignored: before the first
        frame among the screens loaded then, now among all of them (importing them)."""
        from mimo_tui.ui.keymap_check import unknown_binding_problems, without_clashes

        where = str(self.runtime.paths.config_file)
        keymap = self.runtime.settings.keymap
        kept, clashes = without_clashes(keymap, where)
        if kept != self._keymap_applied:
            self._keymap_applied = kept
            self.set_keymap(kept)
        problems = unknown_binding_problems(keymap, where) + clashes
        if problems:
            text = self._summary(problems, "{n} [keys] entries ignored", "config")
            notify_safe(self, text, title="Settings", severity="warning", timeout=15)

    def _summary(self, problems: list[str], count: str, command: str) -> str:
        """One notice for `problems` (safe.summary): `mimo-tui COMMAND` lists them all, and
        the files in the config folder are named by their place in it."""
        folder = f"{self.runtime.paths.config_dir}{os.sep}"
        return summary(problems, count, f"mimo-tui {command}", folder)

    async def start_demo(self, chat: ChatScreen) -> None:
        """Switch this window to the offline demo (offered when no key is set)."""
        old = self.runtime
        self.runtime = build_runtime(
            replace(old.settings, demo=True), old.paths, approver=approve_in_app
        )
        self._watch_mcp()
        self._use_kept_lines()
        session = self.runtime.session(resume=True)
        await chat.use_runtime(self.runtime, session.id)
        old.close()
        self.run_worker(self._warm_up, thread=True, exit_on_error=False)

    async def use_key(self, chat: ChatScreen, key: str) -> None:
        """Store a key pasted in the app, as `mimo-tui key set` does (owner-only, 0600), and
        carry on in this window with it: the session stays open, F5 can send it now."""
        old = self.runtime
        write_key_file(old.paths.key_file, key)
        settings = replace(
            old.settings, api_key=key, api_key_source=f"key file {old.paths.key_file}"
        )
        self.runtime = build_runtime(settings, old.paths, clock=old.clock, approver=approve_in_app)
        self._watch_mcp()
        self._use_kept_lines()
        session = self.runtime.session(ref=chat.session_id)
        # The sessions the old runtime made are the new one's now: closing the old one
        # would drop the open session while it is still empty.
        self.runtime.created, old.created = old.created, set()
        await chat.use_runtime(self.runtime, session.id)
        old.close()
        self.run_worker(self._warm_up, thread=True, exit_on_error=False)

    def _warm_up(self) -> None:
        """Load the API client's code and the message widgets (a new chat's first frame has
        none) off the event loop, so the first reply does not wait for them, and take them
        out of the collector's sight like the rest of start-up."""
        import mimo_tui.ui.widgets.message  # noqa: F401

        renderer_stamp()  # the code this process draws with, as on disk now (kept_lines)

        if self.runtime.has_key:
            self.runtime.warm_up()
        gc_policy.freeze()

    def collect_garbage(self) -> None:
        """A full collection at a quiet moment (see gc_policy): not while a reply streams."""
        if not getattr(self.screen, "busy", False):
            gc_policy.collect()

    async def hung_up(self) -> None:
        """The terminal is gone (see ui/hangup.py): stop the reply in flight, so the store
        keeps what arrived marked interrupted, close the store and end the process.

        Not through Textual's shutdown: it restores a terminal that no longer exists, and
        the hang-up's SIGCONT has its driver restart output mid-way (a new writer thread
        while the old queue is full): it deadlocked in our runs. Everything worth keeping
        is in the store, which is closed first.
        """
        detach(self.terminal)
        turns = [w for w in self.workers if w.group == "turn" and not w.is_finished]
        for worker in turns:
            worker.cancel()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.workers.wait_for_complete(turns), HANGUP_GRACE_S)
        with contextlib.suppress(Exception):
            self.runtime.close()
        os._exit(HANGUP_EXIT)

    async def on_unmount(self) -> None:
        set_highlighting(True)  # (for an app that ended before its first frame)
        try:
            self._keep_newest_lines()  # drawn at once by the next `-c`
        finally:
            await self.runtime.close_client()


def run_tui(
    settings: Settings,
    paths: Paths,
    resume: bool = False,
    session_ref: str | None = None,
    clock: Clock = local_now,
) -> int:
    try:
        runtime = build_runtime(settings, paths, clock=clock, approver=approve_in_app)
    except StoreError as exc:
        print(f"mimo-tui: {exc}", file=sys.stderr)
        return 2
    app: MimoApp | None = None
    try:
        try:
            session = runtime.session(resume, session_ref)
        except StoreError as exc:  # `no session matches …`: the id as typed, made visible
            print(f"mimo-tui: {visible(str(exc))}", file=sys.stderr)
            return 2
        # Where Textual reads and draws; a driver named in TEXTUAL_DRIVER (the browser's,
        # under `mimo-tui serve`) talks over pipes instead.
        on_pipes = "TEXTUAL_DRIVER" in os.environ
        if not on_pipes and not (sys.stdin.isatty() and sys.stderr.isatty()):
            print(NO_TERMINAL, file=sys.stderr)
            return 2
        app = MimoApp(runtime, session.id)
        app.run()
    finally:
        # The app's runtime now: F2 (the demo) or F5 (a pasted key) replaced the first one
        # and closed it already.
        (app.runtime if app is not None else runtime).close()
    return app.return_code or 0
