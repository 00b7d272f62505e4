"""Settings and every path the app uses, in one place.

Precedence, lowest first: built-in defaults < `config.toml` in the config dir < environment
(`MIMO_API_KEY`, `MIMO_BASE_URL`, `MIMO_MODEL`) < command-line flags. The API key may also live
in a key file (mode 0600) written by `mimo-tui key set`; the environment wins over it.
"""

from __future__ import annotations

import math
import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, NamedTuple

from platformdirs import user_config_dir, user_data_dir

from mimo_tui.base_url import base_url_problem, plain_http_warning
from mimo_tui.catalogue import Catalogue, ModelInfo
from mimo_tui.catalogue import from_config as models_from_config
from mimo_tui.key_file import KeyFileError, key_problem, read_key_file
from mimo_tui.keynames import key_spec_problem
from mimo_tui.text import is_model_id, redact

APP_NAME = "mimo-tui"
DEFAULT_BASE_URL = "https://api.xiaomimimo.com/v1"
DEFAULT_MODEL = "mimo-v2.5-pro"
REASONING_PANEL_MODES = ("fold", "open", "closed")
API_FORMATS = ("openai", "anthropic")


class ConfigError(Exception):
    """A config file or value the user must fix; the message names the file and the problem."""


class Paths(NamedTuple):
    """Every file and folder the app reads or writes (platformdirs honours XDG_* variables)."""

    config_dir: Path
    data_dir: Path

    @classmethod
    def default(cls) -> Paths:
        return cls(Path(user_config_dir(APP_NAME)), Path(user_data_dir(APP_NAME)))

    @property
    def config_file(self) -> Path:
        return self.config_dir / "config.toml"

    @property
    def key_file(self) -> Path:
        return self.config_dir / "api_key"

    @property
    def store_file(self) -> Path:
        return self.data_dir / "sessions.sqlite3"

    @property
    def demo_store_file(self) -> Path:
        # The offline demo keeps its sessions apart, so `-c` never resumes a demo chat against
        # the real API and demo chatter never mixes with real transcripts.
        return self.data_dir / "demo.sqlite3"

    @property
    def tools_file(self) -> Path:
        return self.config_dir / "tools.toml"

    @property
    def themes_dir(self) -> Path:
        return self.config_dir / "themes"

    @property
    def mcp_file(self) -> Path:
        return self.config_dir / "mcp.toml"

    @property
    def mcp_log_dir(self) -> Path:
        """Each MCP server's stderr, one log per server (the inspector shows its tail)."""
        return self.data_dir / "mcp-logs"


@dataclass(frozen=True)
class Settings:
    """The effective configuration of one run. Immutable: derive a new one with `replace()`."""

    base_url: str = DEFAULT_BASE_URL
    api: str = "openai"  # wire format of new sessions: "openai" or "anthropic"
    model: str = DEFAULT_MODEL
    api_key: str | None = field(default=None, repr=False)
    api_key_source: str = "none"
    thinking: bool = True
    temperature: float = 1.0
    top_p: float = 0.95
    max_completion_tokens: int | None = None
    lang: str = "en"
    system_prompt: str | None = None  # a custom template; None means MiMo's recommended prompt
    send_system_prompt: bool = True
    reasoning_panel: str = "fold"
    timeout_s: float = 600.0
    # MiMo's cold path has taken minutes to its first token: that wait has its own limit,
    # and idle_timeout_s only bounds the gaps between chunks once the reply has begun.
    first_token_timeout_s: float = 600.0
    idle_timeout_s: float = 120.0
    max_retries: int = 2
    max_rounds: int = 8
    max_replayed_attachments: int = 8  # earlier attachments a request replays (newest first)
    # Compact a session before a turn once its last request used this share of the model's
    # context window (0: never; see mimo_tui.compaction), keeping this many recent turns.
    auto_compact: float = 0.0
    compact_keep_turns: int = 2
    theme: str = "mimo-dark"
    demo: bool = False
    tools: str | None = None  # --tools NAME,...|all|none; None: the session's own choice
    tools_file: str | None = None  # --tools-file; None: tools.toml in the config dir
    mcp_config: str | None = None  # --mcp-config: an `mcpServers` JSON file, besides mcp.toml
    explicit: frozenset[str] = frozenset()  # settings given as flags: they beat a session's own
    keymap: dict[str, str] = field(default_factory=dict)  # [keys] in config.toml: id -> key
    # [models."id"] in config.toml: context window, inputs, prices... over the built-in table.
    models: dict[str, ModelInfo] = field(default_factory=dict)
    # MiMo's built-in web search (--web-search, `[web_search]`): on or off, and its options.
    web_search: bool = False
    web_search_options: dict[str, Any] = field(default_factory=dict)
    # What loading found wrong but could work around (a bad value: the default is used); the
    # CLI prints these on stderr, the TUI shows them as notifications, each once.
    notices: tuple[str, ...] = ()
    key_problem: str | None = None  # why a key that was found is not used

    @property
    def catalogue(self) -> Catalogue:
        """The model table: the built-in one with config.toml's [models] over it."""
        return Catalogue(extra=self.models)

    def redacted(self) -> dict[str, Any]:
        """The settings as a dict with the key shown only as a redaction, for `mimo-tui config`."""
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        out["api_key"] = redact(self.api_key)
        del out["notices"], out["key_problem"]  # printed on stderr, not as settings
        out["models"] = sorted(self.models)  # the ids config.toml describes
        return out


# Keys accepted in config.toml, with the type each must have.
_FILE_KEYS: dict[str, tuple[type, ...]] = {
    "base_url": (str,),
    "api": (str,),
    "model": (str,),
    "thinking": (bool,),
    "temperature": (int, float),
    "top_p": (int, float),
    "max_completion_tokens": (int,),
    "lang": (str,),
    "system_prompt": (str,),
    "send_system_prompt": (bool,),
    "reasoning_panel": (str,),
    "timeout_s": (int, float),
    "first_token_timeout_s": (int, float),
    "idle_timeout_s": (int, float),
    "max_retries": (int,),
    "max_rounds": (int,),
    "max_replayed_attachments": (int,),
    "auto_compact": (int, float),
    "compact_keep_turns": (int,),
    "theme": (str,),
}


# The allowed range of every numeric setting: (low, high, low excluded). Out of range is an
# error, and so are nan and inf (`idle_timeout_s = nan` would silently disable the watchdog).
_RANGES: dict[str, tuple[float, float, bool]] = {
    "temperature": (0, 1.5, False),
    "top_p": (0.01, 1, False),
    "max_completion_tokens": (1, 1_000_000, False),
    "timeout_s": (0, 86_400, True),
    "first_token_timeout_s": (0, 86_400, True),
    "idle_timeout_s": (0, 86_400, True),
    "max_retries": (0, 10, False),
    "max_rounds": (1, 1000, False),
    "max_replayed_attachments": (0, 1000, False),
    "auto_compact": (0, 0.95, False),
    "compact_keep_turns": (0, 100, False),
}


def _range_text(name: str) -> str:
    low, high, open_low = _RANGES[name]
    if open_low:
        return f"more than {low:g} and at most {high:g}"
    return f"between {low:g} and {high:g}"


def check_setting(name: str, value: Any, where: str) -> Any:
    """Validate one setting; raise ConfigError naming `where` and the allowed range."""
    kinds = _FILE_KEYS[name]
    if (isinstance(value, bool) and bool not in kinds) or not isinstance(value, kinds):
        if name in _RANGES:
            kind = "a whole number" if kinds == (int,) else "a number"
            raise ConfigError(f"{where}: {name} must be {kind} {_range_text(name)}, got {value!r}")
        raise ConfigError(f"{where}: {name} must be {kinds[0].__name__}, got {value!r}")
    checked: Any = value  # of the kind `kinds` names (mypy narrows it to object)
    if name in _RANGES:
        low, high, open_low = _RANGES[name]
        finite = not isinstance(checked, float) or math.isfinite(checked)
        above = checked > low if open_low else checked >= low
        if not (finite and above and checked <= high):
            raise ConfigError(f"{where}: {name} must be {_range_text(name)}, got {value!r}")
    if name == "base_url":
        problem = base_url_problem(checked)
        if problem:
            raise ConfigError(f"{where}: base_url {problem}, got {value!r}")
    if name == "model" and not is_model_id(checked):
        raise ConfigError(
            f"{where}: model must be a model id (1-128 of A-Z a-z 0-9 . _ : / [ ] -), got {value!r}"
        )
    if name == "api" and value not in API_FORMATS:
        raise ConfigError(f"{where}: api must be 'openai' or 'anthropic', got {value!r}")
    if name == "lang" and value not in ("en", "zh"):
        raise ConfigError(f"{where}: lang must be 'en' or 'zh', got {value!r}")
    if name == "reasoning_panel" and value not in REASONING_PANEL_MODES:
        raise ConfigError(
            f"{where}: reasoning_panel must be one of {', '.join(REASONING_PANEL_MODES)}, "
            f"got {value!r}"
        )
    if kinds == (int, float):
        return float(checked)
    return checked


def _parse_config(path: Path) -> dict[str, Any]:
    """config.toml as TOML; a missing file is empty. A file that cannot be read or parsed
    at all is a ConfigError: nothing in it can be trusted, and nothing is overwritten."""
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read ({exc.strerror})") from exc
    except UnicodeDecodeError as exc:
        why = f"not valid UTF-8 ({exc.reason} at byte {exc.start})"
        raise ConfigError(f"{path}: {why}. {_MEND}") from exc
    try:
        return tomllib.loads(raw)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc}). {_MEND}") from exc


# What to do about a config.toml that cannot be read at all (nothing in it is used).
_MEND = "Fix it there, or move it aside to start from the defaults"


def read_config_file(path: Path, notices: list[str] | None = None) -> dict[str, Any]:
    """The valid settings of config.toml.

    A bad entry (unknown name, wrong type, out of range) is left out, so its default is used,
    and described in `notices`; without a list to collect them, the first one raises.
    """
    return _settings_from(_parse_config(path), path, notices)


def _settings_from(data: dict[str, Any], path: Path, notices: list[str] | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in data.items():
        if key in ("keys", "tools", "models", "mcp", "web_search"):  # other features' tables
            continue
        try:
            if key not in _FILE_KEYS:
                known = ", ".join(sorted(_FILE_KEYS))
                raise ConfigError(f"{path}: unknown setting {key!r} ignored (known: {known})")
            out[key] = check_setting(key, value, str(path))
        except ConfigError as exc:
            if notices is None:
                raise
            notices.append(_default_used(str(exc), key))
    return out


def _default_used(problem: str, key: str) -> str:
    default = getattr(Settings(), key, None) if key in _FILE_KEYS else None
    if key not in _FILE_KEYS:
        return problem
    shown = "none" if default is None else repr(default)
    return f"{problem}; using the default ({shown})"


def _load_key(paths: Paths, env: dict[str, str]) -> tuple[str | None, str, str | None]:
    """(key, where it came from, why a key that was found is not used). The environment
    wins over the key file; a bad key in the environment is not replaced by the file's."""
    if env.get("MIMO_API_KEY"):
        key = env["MIMO_API_KEY"].strip()
        problem = key_problem(key)
        if problem:
            return (
                None,
                "none (MIMO_API_KEY rejected)",
                f"MIMO_API_KEY: the API key {problem}; it was not used. Export the key alone",
            )
        return key, "environment MIMO_API_KEY", None
    try:
        file_key = read_key_file(paths.key_file)
    except KeyFileError as exc:
        return None, "none (key file rejected)", str(exc)
    if file_key:
        return file_key, f"key file {paths.key_file}", None
    return None, "none", None


def load_settings(
    paths: Paths,
    env: dict[str, str] | None = None,
    overrides: dict[str, Any] | None = None,
) -> Settings:
    """Build the effective Settings from defaults, config.toml, the environment and flags.

    Raises ConfigError for a config file that cannot be read or parsed and for a bad flag;
    a bad entry in the file or the environment is dropped and described in `notices`.
    """
    env = dict(os.environ) if env is None else env
    notices: list[str] = []
    data = _parse_config(paths.config_file)
    values: dict[str, Any] = _settings_from(data, paths.config_file, notices)
    values.update(_web_search_from(data, paths.config_file, notices))
    key, source, rejected = _load_key(paths, env)
    if rejected:
        notices.append(rejected)
    if env.get("MIMO_BASE_URL"):
        problem = base_url_problem(env["MIMO_BASE_URL"])
        if problem:
            notices.append(f"MIMO_BASE_URL {problem}, got {env['MIMO_BASE_URL']!r}; it was ignored")
        else:
            values["base_url"] = env["MIMO_BASE_URL"]
    if env.get("MIMO_MODEL"):
        values["model"] = check_setting("model", env["MIMO_MODEL"], "MIMO_MODEL")
    explicit = set()
    for name, value in (overrides or {}).items():
        if value is None:
            continue
        explicit.add(name)
        values[name] = check_setting(name, value, "command line") if name in _FILE_KEYS else value
    settings = replace(
        Settings(),
        api_key=key,
        api_key_source=source,
        explicit=frozenset(explicit),
        keymap=_keymap_from(data, paths.config_file, notices),
        models=models_from_config(data.get("models", {}), str(paths.config_file), notices),
        key_problem=rejected,
        **values,
    )
    warning = plain_http_warning(settings.base_url)
    if warning and key and not settings.demo:
        notices.append(warning)
    return replace(settings, notices=tuple(notices))


def _web_search_from(data: dict[str, Any], path: Path, notices: list[str]) -> dict[str, Any]:
    from mimo_tui.web_search import options_from

    enabled, options = options_from(data.get("web_search"), str(path), notices)
    out: dict[str, Any] = {"web_search_options": options}
    if enabled is not None:
        out["web_search"] = enabled
    return out


def read_keymap(path: Path, notices: list[str] | None = None) -> dict[str, str]:
    """The `[keys]` table of config.toml: binding id -> key(s), e.g. chat.search = "ctrl+k".

    An entry that names no key is dropped and described in `notices` (without a list, it
    raises); whether the id names a binding is checked by the UI, which knows them.
    """
    try:
        data = _parse_config(path)
    except ConfigError:
        return {}  # read_config_file reports these
    return _keymap_from(data, path, notices)


def _keymap_from(data: dict[str, Any], path: Path, notices: list[str] | None) -> dict[str, str]:
    problems: list[str] = []
    keys = data.get("keys", {})
    if not isinstance(keys, dict):
        problems.append(f'{path}: [keys] must be a table of binding id = "key"; ignored')
        keys = {}

    def flat(table: dict[str, Any], prefix: str = "") -> dict[str, Any]:
        # `chat.search = "ctrl+k"` unquoted is a dotted key (a nested table) in TOML.
        out: dict[str, Any] = {}
        for name, value in table.items():
            if isinstance(value, dict):
                out.update(flat(value, f"{prefix}{name}."))
            else:
                out[f"{prefix}{name}"] = value
        return out

    keymap: dict[str, str] = {}
    for binding_id, value in flat(keys).items():
        if not isinstance(value, str):
            problem: str | None = f'must be a key name in quotes such as "ctrl+k", got {value!r}'
        else:
            problem = key_spec_problem(value)
        if problem:
            problems.append(f"{path}: [keys] {binding_id}: {problem}; the default key is kept")
        else:
            keymap[binding_id] = ",".join(k.strip() for k in value.split(","))
    if problems and notices is None:
        raise ConfigError(problems[0])
    if notices is not None:
        notices.extend(problems)
    return keymap
