"""The host's configuration: `ServerConfig`, read from a TOML file by `load_config`.

Imports only the standard library (nothing from game.client, nor from the rest of the game).

Every setting is a field of the frozen dataclass `ServerConfig`; its default is the value a host
gets with no file and no flags. In the TOML file the settings are grouped in tables; the mapping
from a file key to a field is fixed and one-to-one (`TOML_KEYS` holds it):

    file key                          ServerConfig field           type    allowed
    name                              name                         string  1..64 characters
    host                              host                         string  1..255 characters
    port                              port                         integer 0..65535 (0: ephemeral)
    log_level                         log_level                    string  DEBUG INFO WARNING ERROR
    [server]     workers              workers                      integer 1..64, or "auto"
                                                                           (one per core the host
                                                                           may run on, at most 64)
                 levels               levels_dir                   string  0..4096 characters
                                                                           ("": the retreats
                                                                           shipped with the game)
    [rooms]      max                  max_rooms                    integer 1..1024
                 max_players          max_players_per_room         integer 1..8
                 spectators           spectator_slots              integer 0..32
                 hazard               hazard                       integer 1..5
                 bot_fill             bot_fill                     boolean
                 empty_grace_seconds  empty_room_grace_seconds     float   0..3600
                 reconnect_seconds    reconnect_seconds            float   1..3600
                 story_seconds        story_seconds                float   0..600
                 max_per_connection   rooms_per_connection         integer 1..64
                 max_per_address      rooms_per_address            integer 1..1024
                 creations_per_minute room_creations_per_minute    integer 1..6000
                 creation_burst       room_creation_burst          integer 1..1000
    [limits]     hello_seconds        hello_seconds                float   0.5..600
                 idle_seconds         idle_seconds                 float   5..86400
    [security]   password             password                     string  0..64 characters
                 max_connections      max_connections              integer 1..65535
                 max_connections_per_ip  max_connections_per_ip    integer 1..10000
                 max_message_bytes    max_message_bytes            integer 256..1048576
                 max_chat_length      max_chat_length              integer 1..1000
                 max_name_length      max_name_length              integer 1..64
                 input_rate           input_rate                   integer 1..1000 (messages/s)
                 input_burst          input_burst                  integer 1..10000
                 chat_per_minute      chat_per_minute              integer 1..600
                 slow_client_seconds  slow_client_seconds          float   0.5..600
                 catch_up_seconds     catch_up_seconds             float   0..600
                 ping_interval_seconds  ping_interval_seconds      float   0.1..600
                 ping_timeout_seconds   ping_timeout_seconds       float   0.1..600
    [simulation] tick_rate            tick_rate                    integer 10..60 (Hz)
                 snapshot_every       snapshot_every               integer 1..6 (ticks)
    [replays]    enabled              replays_enabled              boolean
                 keep                 replays_keep                 integer 1..100000 (files)
                 max_mb               replays_max_mb               float   1..1000000
                 dir                  replays_dir                  string  0..4096 characters
                                                                           ("": the user's data
                                                                           folder's `replays`)
                 checkpoint_seconds   checkpoint_seconds           float   0..3600 (0: none)
    [admin]      token                admin_token                  string  "" (no admin: the web
                                                                           page is read-only) or
                                                                           16..256 characters of
                                                                           A-Z a-z 0-9 - . _ ~ + / =
    [cluster]    redis_url            redis_url                    string  "" or a redis://,
                                                                           rediss:// or unix://
                                                                           URL, <= 512 characters
                 public_url           public_url                   string  "" or a ws:// or wss://
                                                                           URL, <= 512 characters

`server.levels` is a folder of Tiled maps (`.tmx`, made as the README's "Making a level"
says) that this host serves instead of the shipped retreats: their order properties make its
campaign. Every map in it must load, or the host does not start (the error names the file).
Every host of a cluster should serve the same maps: a room is taken up after a crash only by
a host that has its retreat.

`replays.checkpoint_seconds` is how often a room under way freezes its whole night beside its
card (`server.spool`), so a room taken up after a crash re-simulates only the ticks after that
checkpoint, not its whole night; it is rounded to whole rebase periods of the world (5 s at
30 ticks/s, at least one), and 0 turns checkpoints off (a take-up then re-simulates the night
from its start).

`cluster.redis_url` moves the room directory into that Redis, shared with every host on it
(`server.cluster`); "" keeps it in this process. `cluster.public_url` is the address players
are sent to when they ask another host for a room of this one; "" means ws://HOST:PORT of
the address it listens on, which is why a host listening on every interface (0.0.0.0, ::)
with a Redis must name it.

A key may be left out (its default applies); `server.example.toml` at the repository root shows
every key with its default. Types are strict: a boolean is not an integer, a float is not an
integer, but an integer is accepted where a float is expected. `log_level` is case-insensitive in
the file and in overrides and is stored upper-case. `workers` takes an integer or the string
"auto" (any case, stored lower-case); `ServerConfig.worker_count()` says how many that is.

Contract: `load_config` either returns a fully valid `ServerConfig` or raises `ConfigError`,
whose message names the file (or "overrides"), the key as written in the file (`rooms.max_players`)
and why: unknown key (with the closest known key), wrong type, out of range (with the range),
missing file, unreadable file, invalid TOML (with tomllib's line and column). Constructing a
`ServerConfig` directly runs the same checks, so an invalid one cannot exist.
"""

from __future__ import annotations

import dataclasses
import difflib
import os
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path

__all__ = ["ADMIN_TOKEN_MIN", "LOG_LEVELS", "MAX_WORKERS", "TOML_KEYS", "ConfigError",
           "ServerConfig", "cores", "load_config"]

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
MAX_WORKERS = 64


def cores() -> int:
    """The cores this process may run on (its CPU affinity where the system tells it, so a
    container limited to 2 of 64 cores counts 2), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


class ConfigError(ValueError):
    """A problem with the configuration.

    `source` is the file (or "overrides", or "ServerConfig" for direct construction), `key` the
    dotted file key (or the field name for overrides and direct construction; None when the
    problem is the whole file), `reason` what is wrong. str() gives "source: key: reason".
    """

    def __init__(self, source: str, key: str | None, reason: str) -> None:
        self.source = source
        self.key = key
        self.reason = reason
        where = f"{source}: {key}" if key else source
        super().__init__(f"{where}: {reason}")


@dataclass(frozen=True)
class ServerConfig:
    """Everything a host can set. Immutable; every field is checked on construction (see the
    module docstring for types and ranges), raising `ConfigError` with source "ServerConfig"."""

    name: str = "Dreamlayer server"
    host: str = "127.0.0.1"
    port: int = 8765
    max_rooms: int = 64
    max_players_per_room: int = 8
    spectator_slots: int = 4
    password: str = ""
    hazard: int = 1
    bot_fill: bool = True
    tick_rate: int = 30
    snapshot_every: int = 2
    empty_room_grace_seconds: float = 30.0
    reconnect_seconds: float = 60.0
    story_seconds: float = 30.0
    rooms_per_connection: int = 2
    rooms_per_address: int = 8
    room_creations_per_minute: int = 6
    room_creation_burst: int = 3
    hello_seconds: float = 5.0
    idle_seconds: float = 120.0
    max_connections: int = 512
    max_connections_per_ip: int = 16
    max_message_bytes: int = 4096
    max_chat_length: int = 120
    max_name_length: int = 24
    input_rate: int = 60
    input_burst: int = 120
    chat_per_minute: int = 20
    slow_client_seconds: float = 5.0
    catch_up_seconds: float = 30.0
    ping_interval_seconds: float = 5.0
    ping_timeout_seconds: float = 20.0
    log_level: str = "INFO"
    replays_enabled: bool = True
    replays_keep: int = 50
    replays_max_mb: float = 200.0
    replays_dir: str = ""
    """where the host keeps its replays; "" for `replays` in the user's data folder
    (`DREAMLAYER_DATA_DIR` overrides that folder, as tests do)"""
    checkpoint_seconds: float = 30.0
    """how often a room under way keeps a checkpoint of its night (0: never)"""
    admin_token: str = field(default="", repr=False)
    """the bearer token of the web page's admin actions (kick, close a room, drain); "" (the
    default) turns them off. Kept out of repr(), so a logged config never shows it"""
    redis_url: str = ""
    """the Redis holding the directory of rooms shared by a cluster; "" for none"""
    public_url: str = ""
    """this host's address for players sent here by the others; "" for ws://HOST:PORT"""
    levels_dir: str = ""
    """a folder of maps this host serves instead of the shipped retreats; "" for those"""
    workers: int | str = "auto"
    """worker processes (1: one process, no supervisor); "auto": `cores()`, at most 64"""

    def fields(self) -> dict[str, object]:
        """Every setting by field name (`ServerConfig(**fields)` makes the same config: a
        supervisor sends its workers theirs this way)."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}

    def levels_folder(self) -> Path | None:
        """The folder of maps this host serves (`server.levels`); None for the shipped ones."""
        return Path(self.levels_dir).expanduser() if self.levels_dir else None

    def worker_count(self) -> int:
        """How many worker processes `workers` asks for (1 is a single process)."""
        if isinstance(self.workers, int):
            return self.workers
        return min(cores(), MAX_WORKERS)

    def __post_init__(self) -> None:
        for name in _SPECS:
            try:
                value = _check(name, getattr(self, name))
            except _Invalid as e:
                raise ConfigError("ServerConfig", name, e.reason) from None
            object.__setattr__(self, name, value)  # int -> float, log level upper-cased
        clash = _clash(self)
        if clash is not None:
            raise ConfigError("ServerConfig", *clash)


@dataclass(frozen=True)
class _Spec:
    key: str  # dotted TOML key
    kind: type  # bool, int, float or str
    lo: float | None = None  # numbers: inclusive range; strings: length range
    hi: float | None = None
    choices: tuple[str, ...] = ()
    rule: Callable[[str], str | None] | None = None
    """strings: a further check, giving why a value is refused (None: it is fine)"""


class _Invalid(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


ADMIN_TOKEN_MIN = 16
"""shortest admin token accepted: a guessable one would hand the server to anyone"""
_TOKEN_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/=")
"""RFC 6750's b64token: what may follow "Bearer " in an Authorization header"""


def _token_rule(value: str) -> str | None:
    """Why `value` cannot be the admin token, or None ("" is fine: admin off)."""
    if not value:
        return None
    if len(value) < ADMIN_TOKEN_MIN:
        return (f"must be at least {ADMIN_TOKEN_MIN} characters (or \"\" for no admin), "
                f"got {len(value)} (secrets.token_urlsafe(32) makes a good one)")
    bad = sum(1 for ch in value if ch not in _TOKEN_CHARS)
    if bad:  # the token is a secret: say what is wrong, never which characters
        return (f"may hold only letters, digits and - . _ ~ + / = (it travels in an HTTP "
                f"header), got {bad} other character{'s' if bad > 1 else ''}")
    return None


def _url_rule(*schemes: str) -> Callable[[str], str | None]:
    """A rule for a string that is "" (none) or a URL with one of `schemes` and more."""
    names = ", ".join(schemes[:-1]) + f" or {schemes[-1]}"

    def rule(value: str) -> str | None:
        if value and (not value.startswith(schemes)
                      or len(value) == len(value.split("//", 1)[0]) + 2):
            return f'must be a {names} URL (or "" for none), got {value!r}'
        return None

    return rule


_SPECS: dict[str, _Spec] = {
    "name": _Spec("name", str, 1, 64),
    "host": _Spec("host", str, 1, 255),
    "port": _Spec("port", int, 0, 65535),
    "log_level": _Spec("log_level", str, choices=LOG_LEVELS),
    "max_rooms": _Spec("rooms.max", int, 1, 1024),
    "max_players_per_room": _Spec("rooms.max_players", int, 1, 8),
    "spectator_slots": _Spec("rooms.spectators", int, 0, 32),
    "hazard": _Spec("rooms.hazard", int, 1, 5),
    "bot_fill": _Spec("rooms.bot_fill", bool),
    "empty_room_grace_seconds": _Spec("rooms.empty_grace_seconds", float, 0, 3600),
    "reconnect_seconds": _Spec("rooms.reconnect_seconds", float, 1, 3600),
    "story_seconds": _Spec("rooms.story_seconds", float, 0, 600),
    "rooms_per_connection": _Spec("rooms.max_per_connection", int, 1, 64),
    "rooms_per_address": _Spec("rooms.max_per_address", int, 1, 1024),
    "room_creations_per_minute": _Spec("rooms.creations_per_minute", int, 1, 6000),
    "room_creation_burst": _Spec("rooms.creation_burst", int, 1, 1000),
    "hello_seconds": _Spec("limits.hello_seconds", float, 0.5, 600),
    "idle_seconds": _Spec("limits.idle_seconds", float, 5, 86_400),
    "password": _Spec("security.password", str, 0, 64),
    "max_connections": _Spec("security.max_connections", int, 1, 65_535),
    "max_connections_per_ip": _Spec("security.max_connections_per_ip", int, 1, 10_000),
    "max_message_bytes": _Spec("security.max_message_bytes", int, 256, 1_048_576),
    "max_chat_length": _Spec("security.max_chat_length", int, 1, 1000),
    "max_name_length": _Spec("security.max_name_length", int, 1, 64),
    "input_rate": _Spec("security.input_rate", int, 1, 1000),
    "input_burst": _Spec("security.input_burst", int, 1, 10_000),
    "chat_per_minute": _Spec("security.chat_per_minute", int, 1, 600),
    "slow_client_seconds": _Spec("security.slow_client_seconds", float, 0.5, 600),
    "catch_up_seconds": _Spec("security.catch_up_seconds", float, 0, 600),
    "ping_interval_seconds": _Spec("security.ping_interval_seconds", float, 0.1, 600),
    "ping_timeout_seconds": _Spec("security.ping_timeout_seconds", float, 0.1, 600),
    "tick_rate": _Spec("simulation.tick_rate", int, 10, 60),
    "snapshot_every": _Spec("simulation.snapshot_every", int, 1, 6),
    "replays_enabled": _Spec("replays.enabled", bool),
    "replays_keep": _Spec("replays.keep", int, 1, 100_000),
    "replays_max_mb": _Spec("replays.max_mb", float, 1, 1_000_000),
    "replays_dir": _Spec("replays.dir", str, 0, 4096),
    "levels_dir": _Spec("server.levels", str, 0, 4096),
    "checkpoint_seconds": _Spec("replays.checkpoint_seconds", float, 0, 3600),
    "admin_token": _Spec("admin.token", str, 0, 256, rule=_token_rule),
    "redis_url": _Spec("cluster.redis_url", str, 0, 512,
                       rule=_url_rule("redis://", "rediss://", "unix://")),
    "public_url": _Spec("cluster.public_url", str, 0, 512, rule=_url_rule("ws://", "wss://")),
    "workers": _Spec("server.workers", int, 1, MAX_WORKERS, choices=("auto",)),
}

TOML_KEYS: Mapping[str, str] = {name: spec.key for name, spec in _SPECS.items()}
"""ServerConfig field name -> dotted key in the TOML file (e.g. "max_rooms" -> "rooms.max")."""

_FIELD_BY_KEY: dict[str, str] = {spec.key: name for name, spec in _SPECS.items()}
_TABLES: tuple[str, ...] = tuple(dict.fromkeys(k.split(".")[0] for k in _FIELD_BY_KEY if "." in k))


def _toml_type(value: object) -> str:
    """The TOML name of a parsed value's type, for messages."""
    if isinstance(value, bool):
        return "boolean"
    for kind, label in ((int, "integer"), (float, "float"), (str, "string"), (dict, "table"),
                        (list, "array"), (datetime, "datetime"), (date, "date"), (time, "time")):
        if isinstance(value, kind):
            return label
    return type(value).__name__


def _show(value: object) -> str:
    """A parsed value as it would be written in TOML (tables and arrays by type only)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, dict | list):
        return ""
    return repr(value)


_KIND_NAMES = {bool: "a boolean", int: "an integer", float: "a number", str: "a string"}


def _number(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(float(x))


def _check(name: str, value: object) -> object:
    """The value for field `name`, normalised (int -> float for float fields, log level
    upper-case), or `_Invalid` saying why it is not allowed."""
    spec = _SPECS[name]
    got = f"got {_toml_type(value)} {_show(value)}".rstrip()
    if spec.kind is bool:
        if not isinstance(value, bool):
            raise _Invalid(f"expected a boolean (true or false), {got}")
        return value
    if spec.kind is int and spec.choices and isinstance(value, str):
        if value.lower() not in spec.choices:
            span = f"{_number(spec.lo or 0)}..{_number(spec.hi or 0)}"
            raise _Invalid(f"must be an integer ({span}) or "
                           f"{' or '.join(map(repr, spec.choices))}, got {value!r}")
        return value.lower()
    if spec.kind is int or spec.kind is float:
        ok = isinstance(value, int) or (spec.kind is float and isinstance(value, float))
        if isinstance(value, bool) or not ok:
            also = "".join(f" or {c!r}" for c in spec.choices)
            raise _Invalid(f"expected {_KIND_NAMES[spec.kind]}{also}, {got}")
        assert isinstance(value, int | float) and spec.lo is not None and spec.hi is not None
        if not spec.lo <= value <= spec.hi:  # also refuses nan; ints compared exactly
            raise _Invalid(f"must be between {_number(spec.lo)} and {_number(spec.hi)}, "
                           f"got {value!r}")
        return float(value) if spec.kind is float else value
    if not isinstance(value, str):
        raise _Invalid(f"expected a string, {got}")
    if spec.choices:
        if value.upper() not in spec.choices:
            raise _Invalid(f"must be one of {', '.join(spec.choices)}, got {value!r}")
        return value.upper()
    assert spec.lo is not None and spec.hi is not None
    if not spec.lo <= len(value) <= spec.hi:
        if spec.lo == 0:
            limit = f"at most {int(spec.hi)} characters"
        else:
            limit = f"{int(spec.lo)} to {int(spec.hi)} characters"
        raise _Invalid(f"must be {limit}, got {len(value)}")
    why = spec.rule(value) if spec.rule is not None else None
    if why is not None:
        raise _Invalid(why)
    return value


_WILDCARDS = ("0.0.0.0", "::", "")


def _clash(cfg: ServerConfig) -> tuple[str, str] | None:
    """(file key, reason) when settings that are each valid do not go together."""
    if cfg.redis_url and not cfg.public_url and cfg.host in _WILDCARDS:
        return ("cluster.public_url", f"needed with cluster.redis_url when the host listens "
                f"on {cfg.host or 'every interface'}: the address other servers send players "
                "to, such as ws://203.0.113.7:8765")
    return None


def _suggest(key: str) -> str:
    """' (did you mean X?)' for an unknown dotted key, or ''."""
    table, _, leaf = key.rpartition(".")
    # A field's name, or a known key put in the wrong table: point at where it lives.
    for known, name in _FIELD_BY_KEY.items():
        if leaf in (name, known.rpartition(".")[2]) and known != key:
            return f" (did you mean {known}?)"
    # A misspelling: first among the keys of the same table, then among all keys and fields.
    if table:
        near = {k.rpartition(".")[2]: k for k in _FIELD_BY_KEY if k.rpartition(".")[0] == table}
    else:
        near = {k: k for k in (*(k for k in _FIELD_BY_KEY if "." not in k), *_TABLES)}
    close = difflib.get_close_matches(leaf, list(near), n=1, cutoff=0.6)
    if not close:
        near = {k.rpartition(".")[2]: k for k in _FIELD_BY_KEY}
        near.update({name: k for k, name in _FIELD_BY_KEY.items()})
        close = difflib.get_close_matches(leaf, list(near), n=1, cutoff=0.6)
    return f" (did you mean {near[close[0]]}?)" if close else ""


def _flatten(data: Mapping[str, object], source: str) -> dict[str, object]:
    """Field name -> raw value for the keys present in a parsed TOML document."""
    found: dict[str, object] = {}
    for top, value in data.items():
        if top in _TABLES:
            if not isinstance(value, dict):
                raise ConfigError(source, top, f"must be a table ([{top}]), "
                                  f"got {_toml_type(value)}")
            items = [(f"{top}.{k}", v) for k, v in value.items()]
        else:
            items = [(top, value)]
        for key, raw in items:
            name = _FIELD_BY_KEY.get(key)
            if name is None:
                raise ConfigError(source, key, "unknown key" + _suggest(key))
            found[name] = raw
    return found


def _build(values: Mapping[str, object], overrides: Mapping[str, object],
           source: str) -> ServerConfig:
    """A ServerConfig from file values (field name -> raw value, read from `source`) with
    `overrides` (field name -> raw value or None) on top; every value checked."""
    checked: dict[str, object] = {}
    for name, raw in values.items():
        try:
            checked[name] = _check(name, raw)
        except _Invalid as e:
            raise ConfigError(source, _SPECS[name].key, e.reason) from None
    for name, raw in overrides.items():
        if raw is None:
            continue
        if name not in _SPECS:
            close = difflib.get_close_matches(name, list(_SPECS), n=1, cutoff=0.6)
            hint = f" (did you mean {close[0]}?)" if close else ""
            raise ConfigError("overrides", name, "unknown setting" + hint)
        try:
            checked[name] = _check(name, raw)
        except _Invalid as e:
            raise ConfigError("overrides", name, e.reason) from None
    try:
        return ServerConfig(**checked)  # type: ignore[arg-type]  # every value checked above
    except ConfigError as e:  # settings that do not go together: name the file
        raise ConfigError("overrides" if source == "defaults" else source, e.key,
                          e.reason) from None


def load_config(path: str | Path | None = None, **overrides: object) -> ServerConfig:
    """The configuration in the TOML file at `path` (None: the defaults), with `overrides`
    applied on top.

    Overrides are keyed by `ServerConfig` field name (as the host's command-line flags are:
    `port=9000`, `max_players_per_room=4`); they win over the file, and an override of None is
    ignored (a flag that was not given). Every value, from the file or an override, is checked.
    Raises `ConfigError` for a missing, unreadable or invalid file, an unknown key or setting,
    a wrong type or an out-of-range value; nothing else.
    """
    values: dict[str, object] = {}
    if path is not None:
        source = str(path)
        try:
            raw = Path(path).read_bytes()
        except FileNotFoundError:
            raise ConfigError(source, None, "no such file") from None
        except IsADirectoryError:
            raise ConfigError(source, None, "cannot read: is a directory") from None
        except OSError as e:
            raise ConfigError(source, None, f"cannot read: {e.strerror or e}") from None
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as e:
            raise ConfigError(source, None, f"cannot read: not UTF-8 text (byte {e.start})"
                              ) from None
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as e:
            raise ConfigError(source, None, f"invalid TOML: {e}") from None
        values = _flatten(data, source)
    return _build(values, overrides, source="defaults" if path is None else str(path))


assert {f.name for f in dataclasses.fields(ServerConfig)} == set(_SPECS), "a field lacks a _Spec"
