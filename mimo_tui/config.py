"""Settings and every path the app uses, in one place.

Precedence, lowest first: built-in defaults < `config.toml` in the config dir < environment
(`MIMO_API_KEY`, `MIMO_BASE_URL`, `MIMO_MODEL`) < command-line flags. The API key may also live
in a key file (mode 0600) written by `mimo-tui key set`; the environment wins over it.
"""

from __future__ import annotations

import json
import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, NamedTuple, cast

from platformdirs import user_config_dir, user_data_dir

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
    idle_timeout_s: float = 120.0
    max_retries: int = 2
    max_rounds: int = 8
    theme: str = "mimo-dark"
    demo: bool = False
    tools: str | None = None  # --tools NAME,...|all|none; None: the session's own choice
    tools_file: str | None = None  # --tools-file; None: tools.toml in the config dir
    explicit: frozenset[str] = frozenset()  # settings given as flags: they beat a session's own
    keymap: dict[str, str] = field(default_factory=dict)  # [keys] in config.toml: id -> key

    def redacted(self) -> dict[str, Any]:
        """The settings as a dict with the key shown only as a redaction, for `mimo-tui config`."""
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        out["api_key"] = redact(self.api_key)
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
    "idle_timeout_s": (int, float),
    "max_retries": (int,),
    "max_rounds": (int,),
    "theme": (str,),
}


def check_setting(name: str, value: Any, where: str) -> Any:
    """Validate one setting; raise ConfigError naming `where` and the allowed range."""
    kinds = _FILE_KEYS[name]
    if (isinstance(value, bool) and bool not in kinds) or not isinstance(value, kinds):
        raise ConfigError(f"{where}: {name} must be {kinds[0].__name__}, got {value!r}")
    # isinstance() against a tuple of types narrowed `value` to object; it is one of `kinds`.
    value = cast(Any, value)
    if name == "temperature" and not 0 <= value <= 1.5:
        raise ConfigError(f"{where}: temperature must be between 0 and 1.5, got {value}")
    if name == "top_p" and not 0.01 <= value <= 1:
        raise ConfigError(f"{where}: top_p must be between 0.01 and 1, got {value}")
    if name == "model" and not is_model_id(value):
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
    if name in ("max_completion_tokens", "max_rounds") and value < 1:
        raise ConfigError(f"{where}: {name} must be at least 1, got {value}")
    if name in ("timeout_s", "idle_timeout_s") and value <= 0:
        raise ConfigError(f"{where}: {name} must be positive, got {value}")
    return float(value) if name in ("temperature", "top_p") else value


def read_config_file(path: Path) -> dict[str, Any]:
    """Parse and validate config.toml; a missing file is an empty config."""
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read ({exc.strerror})") from exc
    try:
        data = tomllib.loads(raw)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from exc
    out: dict[str, Any] = {}
    for key, value in data.items():
        if key in ("keys", "tools"):  # sections owned by later features (bindings, tools)
            continue
        if key not in _FILE_KEYS:
            known = ", ".join(sorted(_FILE_KEYS))
            raise ConfigError(f"{path}: unknown setting {key!r} (known: {known})")
        out[key] = check_setting(key, value, str(path))
    return out


def read_key_file(path: Path) -> str | None:
    try:
        key = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the key file ({exc.strerror})") from exc
    return key or None


def write_key_file(path: Path, key: str) -> None:
    """Store the key owner-only (0600, folder 0700); created with that mode, never widened."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(key.strip() + "\n")
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def load_settings(
    paths: Paths,
    env: dict[str, str] | None = None,
    overrides: dict[str, Any] | None = None,
) -> Settings:
    """Build the effective Settings from defaults, config.toml, the environment and flags."""
    env = dict(os.environ) if env is None else env
    values: dict[str, Any] = read_config_file(paths.config_file)
    key, source = None, "none"
    file_key = read_key_file(paths.key_file)
    if file_key:
        key, source = file_key, f"key file {paths.key_file}"
    if env.get("MIMO_API_KEY"):
        key, source = env["MIMO_API_KEY"].strip(), "environment MIMO_API_KEY"
    if env.get("MIMO_BASE_URL"):
        values["base_url"] = env["MIMO_BASE_URL"]
    if env.get("MIMO_MODEL"):
        values["model"] = check_setting("model", env["MIMO_MODEL"], "MIMO_MODEL")
    explicit = set()
    for name, value in (overrides or {}).items():
        if value is None:
            continue
        explicit.add(name)
        values[name] = check_setting(name, value, "command line") if name in _FILE_KEYS else value
    return replace(
        Settings(),
        api_key=key,
        api_key_source=source,
        explicit=frozenset(explicit),
        keymap=read_keymap(paths.config_file),
        **values,
    )


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    # A JSON string is a valid TOML basic string (same escapes, \uXXXX for controls).
    return json.dumps(str(value), ensure_ascii=False)


def save_config(path: Path, changes: dict[str, Any], table: str | None = None) -> None:
    """Write `changes` into config.toml, keeping every other line (comments too) as it was.

    Top-level keys (table None) are replaced where they stand or added before the first
    table; keys of `table` (e.g. "keys") go into that table, created at the end if needed.
    A value of None removes the key. The result is parsed back before it replaces the file,
    so a bug here can never leave the user with a config that does not load.
    """
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        lines = []
    header = f"[{table}]" if table else None
    current: str | None = None
    start = end = None  # the line range of the section we edit
    if header is None:
        start = 0
    for i, line in enumerate(lines):
        stripped = line.strip()
        if stripped.startswith("[") and stripped.endswith("]"):
            if current == header and start is not None and end is None:
                end = i
            current = stripped
            if current == header:
                start = i + 1
    if start is not None and end is None:
        end = next(
            (
                i
                for i in range(start, len(lines))
                if lines[i].strip().startswith("[") and lines[i].strip().endswith("]")
            ),
            len(lines),
        )
    if start is None:  # the table does not exist yet
        if lines and lines[-1].strip():
            lines.append("")
        lines.append(header or "")
        start = end = len(lines)
    assert end is not None
    section = lines[start:end]
    for name, value in changes.items():
        found = [
            i
            for i, line in enumerate(section)
            if line.split("=", 1)[0].strip().strip('"') == name and "=" in line
        ]
        if value is None:
            section = [line for i, line in enumerate(section) if i not in found]
            continue
        text = f"{json.dumps(name) if not name.replace('_', '').isalnum() else name} = "
        text += _toml_value(value)
        if found:
            section[found[0]] = text
        else:
            insert = len(section)
            while insert and not section[insert - 1].strip():
                insert -= 1
            section.insert(insert, text)
    new = lines[:start] + section + lines[end:]
    content = "\n".join(new).rstrip("\n") + "\n"
    try:
        tomllib.loads(content)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: could not update the file safely ({exc})") from exc
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(content, encoding="utf-8")
    os.replace(tmp, path)


def read_keymap(path: Path) -> dict[str, str]:
    """The `[keys]` table of config.toml: binding id -> key(s), e.g. chat.search = "ctrl+k"."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return {}  # read_config_file reports these
    keys = data.get("keys", {})
    if not isinstance(keys, dict):
        raise ConfigError(f'{path}: [keys] must be a table of binding id = "key"')

    def flat(table: dict[str, Any], prefix: str = "") -> dict[str, Any]:
        # `chat.search = "ctrl+k"` unquoted is a dotted key (a nested table) in TOML.
        out: dict[str, Any] = {}
        for name, value in table.items():
            if isinstance(value, dict):
                out.update(flat(value, f"{prefix}{name}."))
            else:
                out[f"{prefix}{name}"] = value
        return out

    keys = flat(keys)
    bad = [k for k, v in keys.items() if not isinstance(v, str) or not v.strip()]
    if bad:
        raise ConfigError(f'{path}: [keys] {bad[0]} must be a key name such as "ctrl+k"')
    return {k: v.strip() for k, v in keys.items()}
