"""The telemetry store: schema, migrations, the read API, and durability when the app is killed.

The store API tests run on three backends: the built-in SQLite one (``sqlite:///``), the SQLAlchemy one on SQLite
(``sqlite+pysqlite:///``, always available) and the SQLAlchemy one on a real PostgreSQL server that the
``postgres_server`` fixture starts on loopback for this module (skipped, with the reason, where the PostgreSQL
server binaries are missing).
"""

from __future__ import annotations

import doctest
import logging
import os
import pwd
import shlex
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import sqlalchemy as sa

from games import telemetry
from games.telemetry import (
    SCHEMA_VERSION,
    TelemetryError,
    TelemetryStore,
    default_db_path,
    mask_url,
    open_store,
)

REPO = Path(__file__).resolve().parent.parent


# ------------------------------------------------------------------------------------------ PostgreSQL server
def _find_initdb() -> Path | None:
    """``initdb`` on PATH, else the newest Debian-style ``/usr/lib/postgresql/<major>/bin/initdb``."""
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve()
    candidates = [p for p in Path("/usr/lib/postgresql").glob("*/bin/initdb") if p.parts[-3].isdigit()]
    return max(candidates, key=lambda p: int(p.parts[-3])) if candidates else None


def _free_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass(frozen=True)
class PostgresServer:
    port: int
    url: str  # the database created at startup

    def create_database(self) -> str:
        """A new empty database on the server (one per test keeps tests independent); returns its URL."""
        import psycopg

        name = f"t_{uuid.uuid4().hex[:16]}"
        with psycopg.connect(host="127.0.0.1", port=self.port, user="postgres", dbname="postgres",
                             autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{name}"


@pytest.fixture(scope="module")
def postgres_server() -> Iterator[PostgresServer]:
    """A throwaway PostgreSQL server on 127.0.0.1 (and a Unix socket in its own temporary folder), trust auth for
    local connections only, stopped and deleted at the end of the module however the tests went."""
    psycopg = pytest.importorskip("psycopg", reason="psycopg (the PostgreSQL driver) is not installed")
    initdb = _find_initdb()
    if initdb is None:
        pytest.skip("PostgreSQL server binaries not found (no initdb on PATH or in /usr/lib/postgresql/*/bin); "
                    "install the postgresql package (`make test` does on Debian when it can)")
    pg_ctl = initdb.parent / "pg_ctl"
    if not pg_ctl.exists():
        pytest.skip(f"no pg_ctl beside {initdb}")
    as_server_user: list[str] = []
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root: run it as the postgres system user
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("tests run as root and there is no 'postgres' system user to run the PostgreSQL server as")
        runuser = shutil.which("runuser")
        if runuser is None:
            pytest.skip("tests run as root and runuser (util-linux) is missing: cannot start PostgreSQL as postgres")
        as_server_user = [runuser, "-u", "postgres", "--"]

    # In /tmp rather than pytest's tmp_path: pytest's base folder is private to root, the server user must reach it.
    root = Path(tempfile.mkdtemp(prefix="arcadelab-pg-"))
    data, log = root / "data", root / "server.log"

    def run(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
        return subprocess.run([*as_server_user, *args], check=False, capture_output=True, text=True, timeout=timeout,
                              cwd=root)

    def log_tail() -> str:
        return log.read_text(errors="replace")[-2000:] if log.exists() else "(no server log)"

    try:
        if as_server_user:
            os.chown(root, owner.pw_uid, owner.pw_gid)
        init = run(str(initdb), "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-locale",
                   "--no-sync")
        if init.returncode != 0:
            pytest.fail(f"initdb failed ({init.returncode}):\n{init.stdout}\n{init.stderr}")
        # Only loopback TCP and the private Unix socket may connect, without a password.
        (data / "pg_hba.conf").write_text("local all all trust\nhost all all 127.0.0.1/32 trust\n")
        for _attempt in range(3):  # the free port may be taken between the probe and the server binding it
            port = _free_loopback_port()
            options = (f"-c listen_addresses=127.0.0.1 -c port={port} "
                       f"-c unix_socket_directories={shlex.quote(str(root))} "
                       "-c fsync=off -c synchronous_commit=off -c full_page_writes=off")  # throwaway data: fast
            start = run(str(pg_ctl), "-D", str(data), "-l", str(log), "-w", "-t", "30", "-o", options, "start")
            if start.returncode == 0:
                break
        else:
            pytest.fail(f"PostgreSQL did not start: {start.stdout}{start.stderr}\n{log_tail()}")
        with psycopg.connect(host="127.0.0.1", port=port, user="postgres", dbname="postgres",
                             autocommit=True) as conn:
            listening = conn.execute("SHOW listen_addresses").fetchone()[0]
            assert listening == "127.0.0.1", f"the test server must listen on loopback only, not {listening!r}"
            conn.execute("CREATE DATABASE arcadelab")
        yield PostgresServer(port=port, url=f"postgresql+psycopg://postgres@127.0.0.1:{port}/arcadelab")
    finally:
        if (data / "postmaster.pid").exists():
            stop = run(str(pg_ctl), "-D", str(data), "-m", "fast", "-w", "-t", "30", "stop")
            if stop.returncode != 0 and (data / "postmaster.pid").exists():  # kill the server this fixture started
                pid = int((data / "postmaster.pid").read_text().split()[0])
                os.kill(pid, signal.SIGKILL)
        shutil.rmtree(root, ignore_errors=True)


# ----------------------------------------------------------------------------------------------- backends
BACKENDS = ("sqlite", "sqlalchemy-sqlite", "postgresql")


@pytest.fixture(params=BACKENDS)
def store_url(request, tmp_path) -> str:
    """The URL of a fresh, empty database for each backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 't.db'}"
    if request.param == "sqlalchemy-sqlite":
        return f"sqlite+pysqlite:///{tmp_path / 't.db'}"
    return request.getfixturevalue("postgres_server").create_database()


def _is_postgres(url: str) -> bool:
    return url.startswith("postgresql")


def _integrity_error(url: str) -> type[Exception]:
    return sa.exc.IntegrityError  # every database goes through SQLAlchemy, so one exception type


@contextmanager
def raw_db(url: str) -> Iterator[sa.Connection]:
    """A plain SQLAlchemy connection to the store's database (SQLAlchemy reads ``sqlite:///`` URLs the same way),
    to set it up or inspect it behind the store's back; committed on exit."""
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            yield conn
    finally:
        engine.dispose()


def test_doctest_of_the_store():
    result = doctest.testmod(telemetry, verbose=False)
    assert result.failed == 0 and result.attempted > 0


def test_default_path_follows_xdg(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert default_db_path() == tmp_path / "xdg" / "arcadelab" / "telemetry.sqlite3"
    monkeypatch.delenv("XDG_DATA_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_db_path() == tmp_path / "home" / ".local" / "share" / "arcadelab" / "telemetry.sqlite3"


def test_default_store_is_sqlite_wal_with_pragmas(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    with open_store() as store:
        assert store.url.endswith("arcadelab/telemetry.sqlite3")
        db = store._db
        assert db.pragma("journal_mode") == "wal"
        assert db.pragma("synchronous") == 1  # NORMAL
        assert db.pragma("busy_timeout") >= 1000
        assert store.schema_version == SCHEMA_VERSION
    assert (tmp_path / "arcadelab" / "telemetry.sqlite3").exists()


def test_fresh_database_gets_the_whole_schema(store_url):
    with TelemetryStore(store_url) as store:
        assert store.schema_version == SCHEMA_VERSION
        assert store.sessions() == [] and store.players() == []
    with raw_db(store_url) as conn:
        inspector = sa.inspect(conn)
        assert {"sessions", "events", "schema_version"} <= set(inspector.get_table_names())
        columns = [c["name"] for c in inspector.get_columns("sessions")]
        assert columns == [c.strip() for c in telemetry._SESSION_COLUMNS.split(",")]
        assert [c["name"] for c in inspector.get_columns("events")] == ["session_id", "seq", "life", "t", "kind",
                                                                        "payload"]
        assert "ix_sessions_player_game" in {i["name"] for i in inspector.get_indexes("sessions")}
        assert conn.execute(sa.text("SELECT version FROM schema_version")).all() == [(SCHEMA_VERSION,)]
    with TelemetryStore(store_url) as store:  # reopening migrates nothing
        assert store.schema_version == SCHEMA_VERSION


def test_session_round_trip_and_read_api(store_url):
    url = store_url
    with TelemetryStore(url) as store:
        a = store.start_session("ada", "pong", level_id=None, opponent="bot:tracker", opponent_elo=1200.0,
                                seed=3, started_at=100.0)
        store.log_event(a, life=0, kind="point", payload={"by": "left", "score": [1, 0]}, t=1.5)
        store.log_events(a, [(0, "hit", {"x": 3}, 2.0), (1, "death", None, 2.5)])
        store.end_session(a, outcome="win", score=2, deaths=1, quit_reason=None, opponent_score=1, ended_at=130.0)
        b = store.start_session("bob", "snake", level_id="arena", opponent="random", started_at=200.0)
        store.end_session(b, outcome="quit", score=0, deaths=0, quit_reason="window closed", ended_at=201.0)
        c = store.start_session("ada", "dungeon", level_id="d1", started_at=300.0)  # never ended (crash)

    with TelemetryStore(url) as store:  # a second process opening the same database sees everything
        ada = store.sessions(player="ada")
        assert [s.id for s in ada] == [a, c]
        first = ada[0]
        assert (first.game, first.opponent, first.outcome, first.score, first.deaths) == ("pong", "bot:tracker",
                                                                                         "win", 2, 1)
        assert first.opponent_score == 1 and first.opponent_elo == 1200.0 and first.seed == 3
        assert first.duration == 30.0 and first.finished and first.mode == "play"
        assert ada[1].outcome is None and not ada[1].finished
        assert [s.id for s in store.sessions(game="snake")] == [b]
        assert store.sessions(player="bob", game="pong") == []
        assert [s.id for s in store.sessions(finished_only=True)] == [a, b]
        assert store.session(b).quit_reason == "window closed"
        events = store.events(a)
        assert [(e.seq, e.life, e.t, e.kind) for e in events] == [(0, 0, 1.5, "point"), (1, 0, 2.0, "hit"),
                                                                   (2, 1, 2.5, "death")]
        assert events[0].payload == {"by": "left", "score": [1, 0]}
        assert [e.kind for e in store.events(a, kind="death")] == ["death"]
        # appending to a session opened elsewhere continues its sequence
        store.log_event(a, life=1, kind="note", t=40.0)
        assert store.events(a)[-1].seq == 3
        assert store.players() == ["ada", "bob"]
        assert store.integrity_check() == ("n/a" if _is_postgres(url) else "ok")


def test_json_payloads_big_seeds_and_numpy_values(store_url):
    payload = {"name": "Zoë ☃", "nested": {"path": [[0, 1], [2, 3]], "ok": True, "none": None},
               "grid": np.arange(3, dtype=np.int64), "v": np.float32(0.5), "quote": "it's \"x\"; --"}
    with TelemetryStore(store_url) as store:
        sid = store.start_session("ada", "snake", seed=2**40 + 1, opponent_elo=np.float64(1234.5))
        store.log_event(sid, life=np.int64(0), kind="eat", payload=payload, t=0.25)
        store.end_session(sid, "draw", score=np.int64(7), deaths=np.int32(1), opponent_score=np.int64(7))
    with TelemetryStore(store_url) as store:
        s = store.session(sid)
        assert (s.seed, s.opponent_elo, s.score, s.deaths, s.opponent_score) == (2**40 + 1, 1234.5, 7, 1, 7)
        assert type(s.score) is int and type(s.started_at) is float
        [event] = store.events(sid)
        assert event.payload == {"name": "Zoë ☃", "nested": {"path": [[0, 1], [2, 3]], "ok": True, "none": None},
                                 "grid": [0, 1, 2], "v": 0.5, "quote": "it's \"x\"; --"}


def test_two_stores_open_on_the_same_database_see_each_others_rows(store_url):
    with TelemetryStore(store_url) as writer, TelemetryStore(store_url) as reader:
        sid = writer.start_session("ada", "pong", started_at=1.0)
        writer.log_event(sid, 0, "point", {"by": "left"}, t=0.5)
        assert [s.id for s in reader.sessions()] == [sid]
        reader.log_event(sid, 0, "point", {"by": "right"}, t=0.7)  # continues the writer's sequence
        writer.end_session(sid, "loss", score=0, deaths=0, ended_at=2.0)
        assert reader.session(sid).outcome == "loss"
        assert [(e.seq, e.payload["by"]) for e in writer.events(sid)] == [(0, "left"), (1, "right")]


def test_bad_outcome_is_refused(store_url):
    with TelemetryStore(store_url) as store:
        sid = store.start_session("ada", "pong")
        with pytest.raises(ValueError, match="outcome"):
            store.end_session(sid, outcome="victory")


def test_text_longer_than_its_column_is_refused_on_every_database(store_url):
    with TelemetryStore(store_url) as store:
        with pytest.raises(ValueError, match="player is 201 characters long"):
            store.start_session("a" * 201, "pong")
        sid = store.start_session("a" * 200, "pong", level_id="l" * 400)  # the widths themselves fit
        with pytest.raises(ValueError, match="kind"):
            store.log_events(sid, [(0, "ok", None, 0.0), (0, "k" * 65, None, 0.1)])
        with pytest.raises(ValueError, match="quit_reason"):
            store.end_session(sid, "quit", quit_reason="r" * 201)
        assert store.events(sid) == [] and store.session(sid).outcome is None
        assert store.session(sid).level_id == "l" * 400


def test_failed_write_rolls_back(store_url):
    with TelemetryStore(store_url) as store:
        sid = store.start_session("ada", "pong")
        # the second row repeats the first's (session_id, seq): the whole batch must vanish
        with pytest.raises(_integrity_error(store_url)), store._db.transaction():
            store._db.execute("INSERT INTO events VALUES (:s, 0, 0, 0.0, 'a', '{}')", {"s": sid})
            store._db.execute("INSERT INTO events VALUES (:s, 0, 0, 0.0, 'b', '{}')", {"s": sid})
        assert store.events(sid) == []
        assert [s.id for s in store.sessions()] == [sid]  # what was committed before stays
        store.log_event(sid, 0, "after")
        assert [e.kind for e in store.events(sid)] == ["after"]
        # a failing write through the public API rolls back as a whole too (an event of an unknown session)
        with pytest.raises(_integrity_error(store_url)), store._db.transaction():
            store.log_event(sid, 0, "inside")
            store._db.execute("INSERT INTO events VALUES ('no-such-session', 0, 0, 0.0, 'x', '{}')")
    with TelemetryStore(store_url) as store:
        assert [e.kind for e in store.events(sid)] == ["after"]


def test_every_kind_of_db_argument_goes_through_sqlalchemy(tmp_path, monkeypatch):
    """A file path, the default file and sqlite URLs open SQLAlchemy engines: there is one backend, not two."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    for url in (None, tmp_path / "plain.db", f"sqlite:///{tmp_path / 'url.db'}", "sqlite:///:memory:"):
        with open_store(url) as store:
            assert isinstance(store._db.engine, sa.Engine) and store._db.engine.dialect.name == "sqlite"
            store.end_session(store.start_session("ada", "pong"), "win")
            assert [s.outcome for s in store.sessions()] == ["win"]


def test_sqlite_urls(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with open_store("sqlite:///rel.db") as store:
        store.start_session("ada", "pong")
    assert (tmp_path / "rel.db").exists()
    with open_store(f"sqlite:///{tmp_path}/abs.db") as store:
        assert store.url == f"sqlite:///{tmp_path}/abs.db"
    with open_store("sqlite:///:memory:") as store:
        assert store.sessions() == []
    with pytest.raises(TelemetryError, match="sqlite:///"):
        open_store("sqlite://relative-without-third-slash")


# The v1 schema exactly as it shipped: frozen here so the migration is tested against the real old layout.
V1_SCHEMA = """
CREATE TABLE schema_version (version INTEGER NOT NULL);
INSERT INTO schema_version (version) VALUES (1);
CREATE TABLE sessions (id VARCHAR(32) PRIMARY KEY, player VARCHAR(200) NOT NULL, game VARCHAR(64) NOT NULL,
  level_id VARCHAR(400), opponent VARCHAR(400), started_at DOUBLE PRECISION NOT NULL, ended_at DOUBLE PRECISION,
  outcome VARCHAR(16), score INTEGER, deaths INTEGER, quit_reason VARCHAR(200));
CREATE TABLE events (session_id VARCHAR(32) NOT NULL REFERENCES sessions(id), seq INTEGER NOT NULL,
  life INTEGER NOT NULL, t DOUBLE PRECISION NOT NULL, kind VARCHAR(64) NOT NULL, payload TEXT NOT NULL,
  PRIMARY KEY (session_id, seq));
INSERT INTO sessions VALUES ('old1', 'ada', 'pong', NULL, 'bot', 10.0, 20.0, 'loss', 1, 0, NULL);
INSERT INTO events VALUES ('old1', 0, 0, 3.0, 'point', '{"by": "right"}');
"""


def _create_v1(url: str) -> None:
    with raw_db(url) as conn:
        for statement in V1_SCHEMA.split(";"):
            if statement.strip():
                conn.exec_driver_sql(statement)


def test_v1_database_is_migrated_in_place(store_url):
    _create_v1(store_url)
    with TelemetryStore(store_url) as store:
        assert store.schema_version == SCHEMA_VERSION == 3
        old = store.sessions(player="ada")
        assert len(old) == 1 and old[0].outcome == "loss" and old[0].opponent_elo is None
        assert store.events("old1")[0].payload == {"by": "right"}
        new = store.start_session("ada", "pong", opponent_elo=1500.0, level_source="shipped")
        store.log_event(new, 0, "hit")  # new events continue after the old ones in their own session
        assert store.session(new).opponent_elo == 1500.0
        store.log_event("old1", 0, "late")  # and an old session continues its own sequence
        assert [e.seq for e in store.events("old1")] == [0, 1]
        assert store.integrity_check() == ("n/a" if _is_postgres(store_url) else "ok")
    with raw_db(store_url) as conn:
        indexes = {i["name"] for i in sa.inspect(conn).get_indexes("sessions")}
    assert "ix_sessions_player_game" in indexes


def test_failed_migration_leaves_the_old_version(store_url, monkeypatch):
    _create_v1(store_url)

    def broken(db):
        db.execute("ALTER TABLE sessions ADD COLUMN half_done INTEGER")
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(telemetry, "MIGRATIONS", (telemetry.MIGRATIONS[0], broken))
    monkeypatch.setattr(telemetry, "SCHEMA_VERSION", 2)
    with pytest.raises(RuntimeError, match="disk on fire"):
        TelemetryStore(store_url)
    with raw_db(store_url) as conn:
        assert conn.execute(sa.text("SELECT version FROM schema_version")).scalar_one() == 1
        columns = [c["name"] for c in sa.inspect(conn).get_columns("sessions")]
    assert "half_done" not in columns


def test_newer_database_is_refused(store_url):
    with TelemetryStore(store_url) as store:
        store._db.execute("UPDATE schema_version SET version = 99")
    with pytest.raises(TelemetryError, match="newer"):
        TelemetryStore(store_url)


def test_stores_opening_a_fresh_database_at_once_migrate_it_once(store_url):
    barrier = threading.Barrier(4)
    versions: list[int] = []
    errors: list[BaseException] = []

    def open_one() -> None:
        try:
            barrier.wait(timeout=10)
            with TelemetryStore(store_url) as store:
                versions.append(store.schema_version)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=open_one) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert errors == [] and versions == [SCHEMA_VERSION] * 4
    with raw_db(store_url) as conn:
        assert conn.execute(sa.text("SELECT version FROM schema_version")).all() == [(SCHEMA_VERSION,)]


# ------------------------------------------------------------------------------------- errors name the URL
SECRET = "s3cr3t-pw"


@pytest.mark.parametrize(("url", "masked"), [
    ("postgresql://ada:pw@db.example:5432/tele", "postgresql://ada:***@db.example:5432/tele"),
    ("postgresql+psycopg://ada:p%40ss@h/db", "postgresql+psycopg://ada:***@h/db"),
    ("mysql://ada:p@ss@h/db", "mysql://ada:***@h/db"),  # an unescaped @ in the password stays hidden
    ("postgresql://ada@h/db?password=pw&sslmode=require", "postgresql://ada@h/db?password=***&sslmode=require"),
    ("postgresql://h:5432/db", "postgresql://h:5432/db"),
    ("sqlite:////tmp/t.db", "sqlite:////tmp/t.db"),
])
def test_mask_url(url, masked):
    assert mask_url(url) == masked


@pytest.mark.parametrize("url", [
    f"postgresql+psycopg://ada:{SECRET}@127.0.0.1:{{port}}/arcadelab",  # nothing listens there
    f"postgresql+psycopg://ada:{SECRET}@127.0.0.1:notaport/arcadelab",
    f"nosuchdatabase://ada:{SECRET}@127.0.0.1/arcadelab",
    f"postgresql+nosuchdriver://ada:{SECRET}@127.0.0.1/arcadelab",
    f"postgresql+psycopg://ada:{SECRET}@127.0.0.1:{{port}}/arcadelab?password={SECRET}",
])
def test_unusable_url_is_a_telemetry_error_without_the_password(url, caplog):
    pytest.importorskip("psycopg")
    url = url.replace("{port}", str(_free_loopback_port()))
    caplog.set_level(logging.DEBUG)
    started = time.monotonic()
    with pytest.raises(TelemetryError, match="cannot connect") as raised:
        open_store(url)
    message = str(raised.value)
    assert "ada:***@127.0.0.1" in message and SECRET not in message
    assert raised.value.__cause__ is None and raised.value.__suppress_context__  # no chained traceback to leak it
    assert SECRET not in caplog.text
    assert time.monotonic() - started < 15


def test_cli_names_an_unreachable_database_without_password_or_traceback():
    pytest.importorskip("psycopg")
    from typer.testing import CliRunner

    from arcadelab.cli import app

    url = f"postgresql://ada:{SECRET}@127.0.0.1:{_free_loopback_port()}/arcadelab"
    result = CliRunner().invoke(app, ["play", "pong", "--no-title", "--db", url, "--no-sound", "--fast",
                                      "--frames", "5"])
    assert result.exit_code == 2, result.output
    assert "error:" in result.output and "ada:***@127.0.0.1" in result.output and "cannot connect" in result.output
    assert SECRET not in result.output and "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit)


def test_unopenable_sqlite_file_is_a_telemetry_error(tmp_path):
    (tmp_path / "a-file").write_text("x")
    with pytest.raises(TelemetryError, match="cannot open the SQLite file"):
        open_store(tmp_path / "a-file" / "t.db")  # its folder is a file
    (tmp_path / "notes.db").write_bytes(b"not a database, just some text" * 100)
    with pytest.raises(TelemetryError, match="notes.db"):
        open_store(f"sqlite:///{tmp_path / 'notes.db'}")


def test_postgres_password_is_masked_in_url_and_log_lines(postgres_server, caplog):
    # trust auth never asks for the password, so a URL carrying one connects: it must show up nowhere
    url = postgres_server.url.replace("postgres@", f"postgres:{SECRET}@")
    caplog.set_level(logging.DEBUG)
    with TelemetryStore(url) as store:
        assert store.url == postgres_server.url.replace("postgres@", "postgres:***@")
        sid = store.start_session("ada", "pong")
        with pytest.raises(TelemetryError, match=r"no session 'nope' in postgresql\+psycopg://postgres:\*\*\*@"):
            store.log_event("nope", 0, "x")
        store.end_session(sid, "win")
    assert "migrated postgresql+psycopg://postgres:***@" in caplog.text
    assert SECRET not in caplog.text


WRITER = textwrap.dedent(
    """
    import sys
    from games.telemetry import TelemetryStore

    store = TelemetryStore(sys.argv[1])
    i = 0
    while True:
        sid = store.start_session(f"p{i % 3}", "pong", opponent="bot")
        for k in range(5):
            store.log_event(sid, life=k // 2, kind="point", payload={"k": k, "pad": "x" * 200})
            print(f"event {sid} {k}", flush=True)
        store.end_session(sid, outcome="win", score=i, deaths=0)
        print(f"ended {sid} {i}", flush=True)
        i += 1
    """
)


@pytest.mark.parametrize("kill_after", [40, 173])
def test_sigkill_mid_session_loses_nothing_committed(tmp_path, kill_after):
    path = tmp_path / "killed.db"
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(path)], cwd=REPO, stdout=subprocess.PIPE,
                            text=True)
    committed_events: dict[str, int] = {}
    ended: dict[str, int] = {}
    lines = 0
    deadline = time.monotonic() + 30
    try:
        while lines < kill_after and time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            kind, sid, n = line.split()
            if kind == "event":
                committed_events[sid] = int(n) + 1
            else:
                ended[sid] = int(n)
            lines += 1
    finally:
        proc.send_signal(signal.SIGKILL)  # mid-write, most likely: the writer never sleeps
        proc.wait(timeout=10)
    assert proc.returncode == -signal.SIGKILL
    assert lines == kill_after, "the writer died before it could be killed"

    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
    with TelemetryStore(path) as store:
        assert store.integrity_check() == "ok"
        by_id = {s.id: s for s in store.sessions()}
        for sid, n in committed_events.items():
            assert sid in by_id
            assert len(store.events(sid)) >= n  # the write after the last printed line may have landed too
        for sid, i in ended.items():
            assert by_id[sid].outcome == "win" and by_id[sid].score == i
        # the store still takes writes after the crash
        sid = store.start_session("after", "pong")
        store.end_session(sid, "draw")
        assert store.session(sid).outcome == "draw"


# ------------------------------------------------------------------------------ sessions a killed app left
def test_sessions_left_open_by_a_killed_app_are_closed_as_killed(tmp_path):
    url = f"sqlite:///{tmp_path / 'stale.db'}"
    code = textwrap.dedent(
        """
        import os, sys
        from games.telemetry import TelemetryStore

        store = TelemetryStore(sys.argv[1])
        sid = store.start_session("ada", "pong", started_at=1000.0)
        store.log_event(sid, 0, "point", t=12.5)
        print(sid, flush=True)
        os._exit(0)  # gone without closing anything, as a killed app is
        """
    )
    dead = subprocess.run([sys.executable, "-c", code, url], cwd=REPO, capture_output=True, text=True,
                          check=True).stdout.split()[0]
    with TelemetryStore(url) as store:
        running = store.start_session("bob", "snake")  # this process: alive, so left alone
        with raw_db(url) as conn:
            for sid, host, started in (("farold", "elsewhere", 0.0), ("farnew", "elsewhere", None),
                                       ("nopid", None, 5.0)):
                conn.execute(telemetry.SESSIONS.insert().values(
                    id=sid, player="cy", game="pong", started_at=time.time() if started is None else started,
                    host=host, pid=None if host is None else 1))
        closed = store.close_stale_sessions()
        assert sorted(closed) == sorted([dead, "farold", "nopid"])
        by_id = {s.id: s for s in store.sessions()}
        assert by_id[dead].outcome == "killed" and by_id[dead].ended_at == 1012.5  # its last event
        assert by_id[running].outcome is None and by_id["farnew"].outcome is None  # maybe still being played
        assert store.close_stale_sessions() == []  # closing twice changes nothing
        store.end_session(running, "win")
        assert store.session(running).outcome == "win"
