"""The host's configuration: defaults, a full file, overrides, every kind of error (naming the
file and the key), and the shipped example file."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import tempfile
import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from server.config import TOML_KEYS, ConfigError, ServerConfig, load_config

EXAMPLE = Path(__file__).resolve().parents[2] / "server.example.toml"

FULL = """
name = "Night shift"
host = "0.0.0.0"
port = 9001
log_level = "debug"

[rooms]
max = 10
max_players = 4
spectators = 0
hazard = 3
bot_fill = false
empty_grace_seconds = 5
reconnect_seconds = 12.5
story_seconds = 0
max_per_connection = 1
max_per_address = 3
creations_per_minute = 2
creation_burst = 1

[limits]
hello_seconds = 2.5
idle_seconds = 30

[security]
password = "hunter2"
max_connections = 100
max_connections_per_ip = 2
max_message_bytes = 8192
max_chat_length = 80
max_name_length = 16
input_rate = 45
input_burst = 90
chat_per_minute = 10
slow_client_seconds = 2.5
catch_up_seconds = 10
ping_interval_seconds = 1.5
ping_timeout_seconds = 6

[simulation]
tick_rate = 60
snapshot_every = 3

[replays]
enabled = false
keep = 7
max_mb = 12
dir = "/srv/dreamlayer/replays"
checkpoint_seconds = 12

[admin]
token = "a-long-admin-token-0123456789"
[cluster]
redis_url = "redis://10.0.0.9:6379/2"
public_url = "ws://203.0.113.7:9001"
[server]
workers = 3
levels = "/srv/dreamlayer/retreats"
"""


def write(tmp_path: Path, text: str, name: str = "server.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def error(path: Path | str | None, **overrides: object) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        load_config(path, **overrides)
    return info.value


def test_defaults() -> None:
    config = load_config(None)
    assert config == ServerConfig()
    assert (config.host, config.port, config.max_players_per_room) == ("127.0.0.1", 8765, 8)
    assert config.password == "" and config.bot_fill is True and config.log_level == "INFO"
    assert load_config(None) == load_config()


def test_an_empty_file_gives_the_defaults(tmp_path: Path) -> None:
    assert load_config(write(tmp_path, "# nothing set\n")) == ServerConfig()


def test_a_full_file(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, FULL))
    assert config == ServerConfig(
        name="Night shift", host="0.0.0.0", port=9001, log_level="DEBUG",
        max_rooms=10, max_players_per_room=4, spectator_slots=0, hazard=3, bot_fill=False,
        empty_room_grace_seconds=5.0, reconnect_seconds=12.5, story_seconds=0.0,
        rooms_per_connection=1, rooms_per_address=3, room_creations_per_minute=2,
        room_creation_burst=1, hello_seconds=2.5, idle_seconds=30.0,
        password="hunter2", max_connections=100, max_connections_per_ip=2,
        max_message_bytes=8192, max_chat_length=80, max_name_length=16, input_rate=45,
        input_burst=90, chat_per_minute=10, slow_client_seconds=2.5, catch_up_seconds=10.0,
        ping_interval_seconds=1.5, ping_timeout_seconds=6.0,
        tick_rate=60, snapshot_every=3, replays_enabled=False, replays_keep=7,
        replays_max_mb=12.0, replays_dir="/srv/dreamlayer/replays", checkpoint_seconds=12.0,
        workers=3, levels_dir="/srv/dreamlayer/retreats",
        admin_token="a-long-admin-token-0123456789",
        redis_url="redis://10.0.0.9:6379/2", public_url="ws://203.0.113.7:9001",
    )
    # An integer where a float is expected is accepted and stored as a float.
    assert type(config.empty_room_grace_seconds) is float
    assert config.log_level == "DEBUG"  # case-insensitive, stored upper-case
    # Every field differs from its default, so the file set each one.
    defaults = ServerConfig()
    for f in dataclasses.fields(ServerConfig):
        assert getattr(config, f.name) != getattr(defaults, f.name), f.name


def test_a_str_path_works_too(tmp_path: Path) -> None:
    assert load_config(str(write(tmp_path, "port = 1\n"))).port == 1


def test_overrides_win_over_the_file_and_none_is_ignored(tmp_path: Path) -> None:
    path = write(tmp_path, 'host = "0.0.0.0"\nport = 9001\n[rooms]\nhazard = 3\n')
    config = load_config(path, port=0, host=None, max_players_per_room=2, log_level="error")
    assert config.port == 0  # the override wins
    assert config.host == "0.0.0.0"  # None: the file's value stays
    assert config.hazard == 3  # not overridden
    assert config.max_players_per_room == 2 and config.log_level == "ERROR"
    assert load_config(None, port=None) == ServerConfig()
    assert load_config(None, reconnect_seconds=5).reconnect_seconds == 5.0


def test_overrides_are_checked() -> None:
    assert str(error(None, port=70000)) == (
        "overrides: port: must be between 0 and 65535, got 70000")
    e = error(None, prot=80)
    assert (e.source, e.key) == ("overrides", "prot")
    assert "unknown setting" in str(e) and "did you mean port?" in str(e)
    assert "expected a boolean" in str(error(None, bot_fill=1))


def test_the_config_is_frozen_and_checks_itself() -> None:
    config = ServerConfig()
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.port = 1  # type: ignore[misc]
    with pytest.raises(ConfigError, match="ServerConfig: hazard: must be between 1 and 5"):
        ServerConfig(hazard=6)
    with pytest.raises(ConfigError, match="expected an integer, got boolean true"):
        ServerConfig(port=True)


def test_every_field_has_a_key_in_a_table() -> None:
    assert set(TOML_KEYS) == {f.name for f in dataclasses.fields(ServerConfig)}
    assert len(set(TOML_KEYS.values())) == len(TOML_KEYS)
    assert TOML_KEYS["max_rooms"] == "rooms.max"
    assert TOML_KEYS["max_players_per_room"] == "rooms.max_players"
    assert TOML_KEYS["spectator_slots"] == "rooms.spectators"
    assert TOML_KEYS["empty_room_grace_seconds"] == "rooms.empty_grace_seconds"
    assert TOML_KEYS["password"] == "security.password"
    assert TOML_KEYS["tick_rate"] == "simulation.tick_rate"
    top = {k for k in TOML_KEYS.values() if "." not in k}
    assert top == {"name", "host", "port", "log_level"}


@pytest.mark.parametrize(
    ("text", "key", "reason"),
    [
        # unknown keys, with the closest known key
        ("[rooms]\nmax_player = 4\n", "rooms.max_player",
         "unknown key (did you mean rooms.max_players?)"),
        ("[simulation]\ntickrate = 30\n", "simulation.tickrate",
         "unknown key (did you mean simulation.tick_rate?)"),
        ("tick_rate = 30\n", "tick_rate", "unknown key (did you mean simulation.tick_rate?)"),
        ("[rooms]\nmax_rooms = 3\n", "rooms.max_rooms", "unknown key (did you mean rooms.max?)"),
        ("[room]\nmax = 3\n", "room", "unknown key (did you mean rooms?)"),
        ("[security]\npasword = 'x'\n", "security.pasword",
         "unknown key (did you mean security.password?)"),
        ("flavour = 'blue'\n", "flavour", "unknown key"),
        ("[rooms.extra]\nx = 1\n", "rooms.extra", "unknown key"),
        # wrong types
        ("[rooms]\nmax_players = true\n", "rooms.max_players",
         "expected an integer, got boolean true"),
        ("port = '8765'\n", "port", "expected an integer, got string '8765'"),
        ("port = 8765.0\n", "port", "expected an integer, got float 8765.0"),
        ("[rooms]\nbot_fill = 1\n", "rooms.bot_fill",
         "expected a boolean (true or false), got integer 1"),
        ("[rooms]\nreconnect_seconds = '60'\n", "rooms.reconnect_seconds",
         "expected a number, got string '60'"),
        ("name = 7\n", "name", "expected a string, got integer 7"),
        ("host = [1, 2]\n", "host", "expected a string, got array"),
        ("port = 1979-05-27\n", "port", "expected an integer, got date 1979-05-27"),
        ("rooms = 3\n", "rooms", "must be a table ([rooms]), got integer"),
        ("[[rooms]]\nmax = 3\n", "rooms", "must be a table ([rooms]), got array"),
        # out of range, saying the range
        ("[rooms]\nmax_players = 9\n", "rooms.max_players", "must be between 1 and 8, got 9"),
        ("port = -1\n", "port", "must be between 0 and 65535, got -1"),
        ("[security]\nslow_client_seconds = 0.25\n", "security.slow_client_seconds",
         "must be between 0.5 and 600, got 0.25"),
        ("[security]\nslow_client_seconds = nan\n", "security.slow_client_seconds",
         "must be between 0.5 and 600, got nan"),
        ("[rooms]\nreconnect_seconds = inf\n", "rooms.reconnect_seconds",
         "must be between 1 and 3600, got inf"),
        ("[rooms]\nempty_grace_seconds = 100000000000000000000000\n",
         "rooms.empty_grace_seconds",
         "must be between 0 and 3600, got 100000000000000000000000"),
        ("[simulation]\ntick_rate = 5\n", "simulation.tick_rate",
         "must be between 10 and 60, got 5"),
        ("[security]\npassword = '" + "x" * 65 + "'\n", "security.password",
         "must be at most 64 characters, got 65"),
        ("name = ''\n", "name", "must be 1 to 64 characters, got 0"),
        ("log_level = 'loud'\n", "log_level",
         "must be one of DEBUG, INFO, WARNING, ERROR, got 'loud'"),
    ],
)
def test_errors_name_the_file_and_the_key(tmp_path: Path, text: str, key: str,
                                          reason: str) -> None:
    path = write(tmp_path, text)
    e = error(path)
    assert str(e) == f"{path}: {key}: {reason}"
    assert (e.source, e.key, e.reason) == (str(path), key, reason)
    assert isinstance(e, ValueError)


def test_a_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.toml"
    assert str(error(path)) == f"{path}: no such file"


def test_a_directory_is_unreadable(tmp_path: Path) -> None:
    assert str(error(tmp_path)) == f"{tmp_path}: cannot read: is a directory"


def _as_nobody(fn: Callable[[], str]) -> str:
    """fn() run in a forked child that has dropped root for the user nobody (65534): what it
    returns, or the text of what it raised. Root reads any file, so a permission test made as
    root (as CI runs) would prove nothing."""
    read, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        os.close(read)
        try:
            os.setgroups([])
            os.setgid(65534)
            os.setuid(65534)
            try:
                text = fn()
            except Exception as e:
                text = str(e)
            os.write(write_end, text.encode())
        finally:
            os._exit(0)
    os.close(write_end)
    with os.fdopen(read, "rb") as pipe:
        out = pipe.read().decode()
    os.waitpid(pid, 0)
    return out


def test_a_file_without_permission_is_unreadable() -> None:
    # in a folder of its own under the system's temp folder, which nobody can pass through
    with tempfile.TemporaryDirectory() as folder:
        Path(folder).chmod(0o711)
        path = write(Path(folder), "port = 1\n")
        path.chmod(0)
        if os.geteuid() == 0:
            assert os.access(path, os.R_OK)  # root could read it: ask as nobody
            said = _as_nobody(lambda: str(error(path)))
        else:
            said = str(error(path))
        assert said == f"{path}: cannot read: Permission denied"


def test_a_read_error_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, "port = 1\n")

    def refuse(self: Path) -> bytes:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "read_bytes", refuse)
    assert str(error(path)) == f"{path}: cannot read: Permission denied"


def test_a_file_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.toml"
    path.write_bytes(b'name = "caf\xe9"\n')
    assert str(error(path)) == f"{path}: cannot read: not UTF-8 text (byte 11)"


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ('port = 8765\nname = "unterminated\n', "(at line 2, column 21)"),
        ("[rooms]\nmax = 3\n[rooms]\nmax = 4\n", "(at line 3, column 7)"),
        ("port = \n", "(at line 1, column 8)"),
    ],
)
def test_invalid_toml_gives_tomllib_line_and_column(tmp_path: Path, text: str,
                                                    where: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(tomllib.TOMLDecodeError) as toml_error:
        tomllib.loads(text)
    e = error(path)
    assert str(e) == f"{path}: invalid TOML: {toml_error.value}"
    assert where in str(e)
    assert e.key is None


def test_workers_is_a_count_or_auto(tmp_path: Path) -> None:
    assert load_config(write(tmp_path, "[server]\nworkers = 1\n")).worker_count() == 1
    auto = load_config(write(tmp_path, '[server]\nworkers = "AUTO"\n'))
    assert auto.workers == "auto" and 1 <= auto.worker_count() <= 64
    assert load_config(None, workers=64).worker_count() == 64
    e = error(write(tmp_path, '[server]\nworkers = "many"\n'))
    assert (e.key, e.reason) == ("server.workers",
                                 "must be an integer (1..64) or 'auto', got 'many'")
    e = error(write(tmp_path, "[server]\nworkers = 65\n"))
    assert e.reason == "must be between 1 and 64, got 65"
    e = error(write(tmp_path, "[server]\nworkers = 2.0\n"))
    assert e.reason == "expected an integer or 'auto', got float 2.0"
    e = error(write(tmp_path, "workers = 2\n"))
    assert e.reason == "unknown key (did you mean server.workers?)"
    e = error(None, workers=0)
    assert (e.source, e.key) == ("overrides", "workers")


def test_the_example_file_shows_every_key_at_its_default() -> None:
    assert load_config(EXAMPLE) == ServerConfig()
    data = tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))
    keys: set[str] = set()
    for top, value in data.items():
        if isinstance(value, dict):
            keys |= {f"{top}.{key}" for key in value}
        else:
            keys.add(top)
    assert keys == set(TOML_KEYS.values())


def test_every_key_in_the_example_has_a_comment() -> None:
    for line in EXAMPLE.read_text(encoding="utf-8").splitlines():
        if "=" in line and not line.lstrip().startswith("#"):
            assert "#" in line.split("=", 1)[1], line


_INT_FIELDS = [f.name for f in dataclasses.fields(ServerConfig)
               if type(f.default) is int]


@given(st.sampled_from(_INT_FIELDS), st.integers(min_value=-(10**6), max_value=10**6))
def test_an_integer_setting_is_accepted_exactly_within_its_range(name: str, value: int) -> None:
    try:
        config = load_config(None, **{name: value})
    except ConfigError as e:
        assert e.key == name and e.reason.startswith("must be between ")
        lo, hi = (int(x) for x in e.reason.split(",")[0].split()[-3::2])
        assert not lo <= value <= hi
    else:
        assert getattr(config, name) == value


def test_cluster_urls_are_checked(tmp_path: Path) -> None:
    e = error(write(tmp_path, '[cluster]\nredis_url = "http://x:1"\n'))
    assert e.key == "cluster.redis_url" and "redis://" in e.reason and "http://x:1" in e.reason
    e = error(None, public_url="10.0.0.1:8765")
    assert e.key == "public_url" and "ws://" in e.reason
    e = error(None, redis_url="redis://")
    assert "redis://" in e.reason
    assert load_config(None, redis_url="unix:///run/redis.sock").redis_url.startswith("unix")


def test_a_cluster_host_on_every_interface_must_say_where_players_reach_it(
        tmp_path: Path) -> None:
    path = write(tmp_path, 'host = "0.0.0.0"\n[cluster]\nredis_url = "redis://r:6379"\n')
    e = error(path)
    assert (e.source, e.key) == (str(path), "cluster.public_url")
    assert "0.0.0.0" in e.reason
    e = error(None, host="0.0.0.0", redis_url="redis://r:6379")
    assert (e.source, e.key) == ("overrides", "cluster.public_url")
    with pytest.raises(ConfigError):
        ServerConfig(host="::", redis_url="redis://r:6379")
    assert load_config(path, public_url="ws://203.0.113.7:8765").public_url
    assert load_config(None, host="0.0.0.0").redis_url == ""  # no cluster: nothing needed


def test_a_host_serving_a_folder_of_maps_refuses_to_start_on_a_broken_one(
        tmp_path: Path) -> None:
    """`server.levels`: a folder without maps, or with one that does not load, stops the
    host before it listens, naming the folder or the file."""
    empty = tmp_path / "empty"
    empty.mkdir()
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "mine.tmx").write_text("<map>not a level</map>", encoding="utf-8")
    for folder, said in ((empty, f"{empty}: no Tiled maps (.tmx) in this folder"),
                         (broken, str(broken / "mine.tmx"))):
        cfg = write(tmp_path, f'[server]\nlevels = "{folder}"\n')
        done = subprocess.run([sys.executable, "-m", "server", "--port", "0", "--config",
                               str(cfg)], capture_output=True, text=True, timeout=60)
        assert done.returncode == 2, done.stderr
        assert "dreamlayer host: server.levels: " in done.stderr and said in done.stderr
        assert "Traceback" not in done.stderr and "listening" not in done.stderr
