"""Wire the core together for one run: settings, store, client, tools, engine, the demo's fake.

The CLI and the TUI both start here, so `--demo`, `-c`, `--session` and `--tools` mean the same
thing in both. Nothing here imports textual or openai. The engine and its client are built
when first used (a turn; the TUI's warm-up loads their code after the first frame): the first
frame needs the store and the settings, not the code that talks to the API.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mimo_tui.config import API_FORMATS, ConfigError, Paths, Settings
from mimo_tui.inspect import round_exchange
from mimo_tui.model import Session
from mimo_tui.prompt import Clock, local_now
from mimo_tui.store import Store
from mimo_tui.text import is_model_id, one_line
from mimo_tui.tool_runner import Approver, ToolBox, deny_all
from mimo_tui.tools import BuiltinContext, available_tools, default_selection, parse_selection

if TYPE_CHECKING:
    from mimo_tui.client import ChatClient
    from mimo_tui.engine import Engine

DEMO_KEY = "demo-key-offline"
# The settings a session remembers: it reopens with them (the rest are the run's).
SESSION_SETTINGS = ("model", "thinking", "lang", "system_prompt", "web_search")


@dataclass
class Runtime:
    settings: Settings
    paths: Paths
    store: Store
    toolbox: ToolBox
    tool_problems: list[str] = field(default_factory=list)
    fake: Any = None  # the demo's FakeMimo, when --demo
    created: set[str] = field(default_factory=set)  # sessions this run created
    new_api: str = ""  # the wire format of new sessions (config / --api); set on creation
    default_model: str = ""  # config / env / flag (validated there); set on creation
    # What a new session starts with (config / env / flags, and what F8 saved since): a
    # session's own model, thinking or web search, switched for it alone, stays with it.
    session_defaults: dict[str, Any] = field(default_factory=dict)
    clock: Clock = local_now
    # Things a person should be told about the session just opened (see take_notices).
    notices: list[str] = field(default_factory=list)
    _engine: Engine | None = None

    def __post_init__(self) -> None:
        self.new_api = self.new_api or self.settings.api
        self.default_model = self.default_model or self.settings.model
        self.session_defaults = self.session_defaults or {
            name: getattr(self.settings, name) for name in SESSION_SETTINGS
        }

    def take_notices(self) -> list[str]:
        """The notices so far, once: the TUI and `ask` show each where the user looks."""
        notices, self.notices = self.notices, []
        return notices

    @property
    def engine(self) -> Engine:
        """The turn engine (and its client), built the first time it is needed."""
        if self._engine is None:
            from mimo_tui.engine import Engine

            self._engine = Engine(
                self.store,
                make_client(self.settings),
                self.settings,
                clock=self.clock,
                tools=self.toolbox,
            )
        return self._engine

    @property
    def has_key(self) -> bool:
        """Whether messages can be sent (make_client gives no client without a key)."""
        return bool(self.settings.api_key)

    def update_settings(self, settings: Settings) -> None:
        """Use these settings from now on, in the engine too if it exists."""
        self.settings = settings
        if self._engine is not None:
            self._engine.settings = settings

    def remember(self, changes: dict[str, Any]) -> bool:
        """Write `changes` into config.toml as the defaults of later runs. False when they
        stay in memory instead: the offline demo never changes the user's files.
        Raises ConfigError or OSError when the file cannot be updated."""
        if self.settings.demo:
            return False
        from mimo_tui.config_write import save_config  # tomlkit: only when saving

        save_config(self.paths.config_file, changes)
        return True

    def warm_up(self) -> None:
        """Load the code of the engine and of this format's API client (openai: ~0.4 s)
        without building anything: safe in a thread while the UI runs."""
        import mimo_tui.engine  # noqa: F401

        if self.settings.api == "anthropic":
            from mimo_tui.anthropic_client import AnthropicClient

            AnthropicClient.warm_up()
        else:
            from mimo_tui.client import ChatClient

            ChatClient.warm_up()

    async def close_client(self) -> None:
        """Close the API client's connections, if one was made, and stop the MCP servers."""
        try:
            if self._engine is not None and self._engine.client is not None:
                await self._engine.client.aclose()
        finally:
            await self.toolbox.aclose()

    def _use_api(self, api: str) -> None:
        """Talk to the API in this wire format from now on (a new client if it changed)."""
        self.update_settings(replace(self.settings, api=api))
        client = self._engine.client if self._engine is not None else None
        if client is not None and client.wire != api:
            self.engine.client = make_client(self.settings)

    def session(self, resume: bool = False, ref: str | None = None) -> Session:
        """The session to use: `ref` (id, prefix, `last`), the last one with `resume`, or new.

        The session's own tool choice is restored unless --tools was given. Raises StoreError
        when `ref` matches nothing.
        """
        if ref:
            session = self.store.get_session(ref)
        elif resume and self.store.list_sessions(limit=1):
            session = self.store.get_session("last")
        else:
            return self.new_session()
        self.apply_session_settings(session)
        return session

    def apply_session_settings(self, session: Session) -> None:
        """A session reopens with its own model, thinking, prompt language and tools,
        except where a command-line flag said otherwise for this run."""
        stored = session.settings
        changes: dict[str, Any] = {}
        kinds = {"model": str, "thinking": bool, "lang": str, "system_prompt": str}
        for name in SESSION_SETTINGS:
            kind = kinds.get(name, bool)
            if (
                name in stored
                and isinstance(stored[name], kind)
                and name not in (self.settings.explicit)
            ):
                changes[name] = stored[name]
        if "model" not in changes and "model" not in self.settings.explicit:
            changes["model"] = session.model
        if "model" in changes and not is_model_id(changes["model"]):
            # An imported or hand-edited session: its model is foreign text, never sent.
            self.notices.append(
                f"This session's stored model ({one_line(str(changes['model']))[:80]}) is not "
                f"a valid model id; using {self.default_model} instead."
            )
            changes["model"] = self.default_model
        # A session keeps its wire format (sessions from before formats existed: openai);
        # --api only chooses the format of new sessions.
        api = stored.get("api")
        self.update_settings(replace(self.settings, **changes))
        self._use_api(api if api in API_FORMATS else "openai")
        tools = stored.get("tools")
        if "tools" not in self.settings.explicit and isinstance(tools, list):
            self.toolbox.selected = [
                n for n in tools if isinstance(n, str) and self.toolbox.knows(n)
            ]
        self.toolbox.always_allowed.clear()

    def new_session(self) -> Session:
        self._use_api(self.new_api)
        self.update_settings(replace(self.settings, **self.session_defaults))
        s = self.settings
        self.toolbox.always_allowed.clear()
        session = self.store.create_session(
            s.model,
            {
                "thinking": s.thinking,
                "lang": s.lang,
                "api": s.api,
                "base_url": s.base_url,
                "tools": list(self.toolbox.selected),
                "web_search": s.web_search,
            },
        )
        self.created.add(session.id)
        return session

    # ---- use cases the TUI and the CLI share -----------------------------------------------

    def select_tools(self, session_id: str, names: list[str]) -> list[str]:
        """Offer these tools from now on in this session (remembered with the session);
        the names kept (unknown ones are dropped)."""
        self.toolbox.selected = [n for n in names if self.toolbox.knows(n)]
        self.store.update_session_settings(session_id, {"tools": self.toolbox.selected})
        return list(self.toolbox.selected)

    def apply_settings(
        self, session_id: str, changes: dict[str, Any], save: bool = True
    ) -> str | None:
        """Apply settings to this run and to this session; with `save`, to config.toml too.

        The session remembers SESSION_SETTINGS (it reopens with them); every change saved is
        the default of new sessions. The change applies even when config.toml cannot be
        written: what went wrong is returned for the user to be told, else None.
        """
        problem = None
        if save:
            self.session_defaults.update(
                (k, v) for k, v in changes.items() if k in SESSION_SETTINGS
            )
            try:
                self.remember(changes)  # the demo keeps them in memory
            except (ConfigError, OSError) as exc:
                problem = f"config.toml not updated: {exc}"
        self.update_settings(replace(self.settings, **changes))
        per_session = {k: v for k, v in changes.items() if k in SESSION_SETTINGS}
        if per_session:
            self.store.update_session_settings(session_id, per_session)
        return problem

    def regenerate(self, session_id: str) -> bool:
        """Start a new branch under the last question (its replies stay, as another branch,
        never replayed), so the next `engine.rounds(session_id)` asks again. False when
        there is no question to re-ask."""
        last = self.store.last_id(session_id, "user")
        if last is None:
            return False
        self.store.branch_from(session_id, last)
        return True

    def delete_session(self, session_id: str, open_id: str | None = None) -> str | None:
        """Delete a session and its messages for good. Returns the session to show next:
        `open_id`, or a new session when the open one is the one deleted."""
        self.store.delete_session(session_id)
        self.created.discard(session_id)
        if session_id == open_id:
            return self.new_session().id
        return open_id

    def round_exchange(self, message_id: int) -> tuple[str, str]:
        """The exact request and response of one round, as the inspector shows them (the
        key redacted)."""
        settings = self.settings
        return round_exchange(self.store, message_id, settings.api_key, settings.catalogue)

    async def list_models(self) -> list[str] | None:
        """The model ids the API lists (GET /v1/models, whatever the session's format);
        None without a key. Raises ApiError when the list cannot be had."""
        client = self.engine.client
        if client is None:
            return None
        return await client.list_models()

    def close(self) -> None:
        """Drop the sessions this run opened but never used, then close the store."""
        for session_id in self.created:
            self.store.delete_if_empty(session_id)
        self.store.close()
        if self.toolbox.mcp is not None:  # what an orderly stop did not reach (a hang-up)
            self.toolbox.mcp.kill_all()
        if self.fake is not None:
            self.fake.stop()


def build_runtime(
    settings: Settings,
    paths: Paths,
    clock: Clock = local_now,
    demo_delay_s: float = 0.012,
    approver: Approver = deny_all,
    cwd: Path | None = None,
) -> Runtime:
    """Open the store, load tools and make the engine; with `settings.demo`, start the fake.

    Raises ConfigError for an unknown name in --tools, StoreError for an unusable store.
    """
    available, problems = available_tools(
        Path(settings.tools_file) if settings.tools_file else paths.tools_file
    )
    hub = mcp_hub(settings, paths, problems)
    servers = list(hub.servers) if hub is not None else []
    if settings.tools is not None:
        try:
            selected = parse_selection(settings.tools, available, servers)
        except ValueError as exc:
            raise ConfigError(f"--tools: {exc}") from exc
    else:
        selected = default_selection(available, servers)
        if settings.demo:  # the demo shows tool calls with the safe built-ins
            selected += [name for name in ("current_time", "read_file") if name not in selected]
    toolbox = ToolBox(
        available,
        selected,
        approver,
        # The run's clock (frozen in tests) is current_time's too.
        BuiltinContext(cwd or Path.cwd(), (paths.config_dir, paths.data_dir), clock),
        api_key=settings.api_key,
        key_file=paths.key_file,
        mcp=hub,
    )
    fake = None
    if settings.demo:
        from mimo_tui.fake import FakeMimo
        from mimo_tui.fake.scenarios import demo_scenario

        fake = FakeMimo(
            api_key=DEMO_KEY, responder=lambda body: demo_scenario(body, demo_delay_s)
        ).start()
        settings = replace(
            settings, api_key=DEMO_KEY, api_key_source="offline demo", base_url=fake.base_url
        )
    store = Store(paths.demo_store_file if settings.demo else paths.store_file)
    return Runtime(settings, paths, store, toolbox, problems, fake, clock=clock)


def mcp_hub(settings: Settings, paths: Paths, problems: list[str]) -> Any:
    """The configured MCP servers (mcp.toml, [mcp.servers] in config.toml, --mcp-config),
    not started; None when there are none. Their problems are added to `problems`."""
    from mimo_tui.mcp_config import load_servers

    servers, found = load_servers(paths.mcp_file, paths.config_file, settings.mcp_config)
    problems += found
    if not servers:
        return None
    from mimo_tui.mcp_hub import McpHub

    return McpHub(servers, paths.mcp_log_dir)


def make_client(settings: Settings) -> ChatClient | None:
    """The client for the settings' wire format (None without a key)."""
    if not settings.api_key:
        return None
    from mimo_tui.client import ChatClient

    kind: type[ChatClient] = ChatClient
    if settings.api == "anthropic":  # imported only for sessions in that format
        from mimo_tui.anthropic_client import AnthropicClient

        kind = AnthropicClient
    return kind(
        settings.api_key,
        settings.base_url,
        timeout_s=settings.timeout_s,
        idle_timeout_s=settings.idle_timeout_s,
        max_retries=settings.max_retries,
        first_token_timeout_s=settings.first_token_timeout_s,
    )
