"""The telemetry store: schema, migrations, the read API, and durability when the app is killed."""

from __future__ import annotations

import doctest
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from games import telemetry
from games.telemetry import SCHEMA_VERSION, TelemetryError, TelemetryStore, default_db_path, open_store

REPO = Path(__file__).resolve().parent.parent


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


def test_session_round_trip_and_read_api(tmp_path):
    url = f"sqlite:///{tmp_path / 't.db'}"
    with TelemetryStore(url) as store:
        a = store.start_session("ada", "pong", level_id=None, opponent="bot:tracker", opponent_elo=1200.0,
                                seed=3, started_at=100.0)
        store.log_event(a, life=0, kind="point", payload={"by": "left", "score": [1, 0]}, t=1.5)
        store.log_events(a, [(0, "hit", {"x": 3}, 2.0), (1, "death", None, 2.5)])
        store.end_session(a, outcome="win", score=2, deaths=1, quit_reason=None, opponent_score=1, ended_at=130.0)
        b = store.start_session("bob", "snake", level_id="arena", opponent="random", started_at=200.0)
        store.end_session(b, outcome="quit", score=0, deaths=0, quit_reason="window closed", ended_at=201.0)
        c = store.start_session("ada", "dungeon", level_id="d1", started_at=300.0)  # never ended (crash)

    with TelemetryStore(url) as store:  # a second process opening the same file sees everything
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
        assert store.integrity_check() == "ok"


def test_bad_outcome_is_refused(tmp_path):
    with TelemetryStore(tmp_path / "t.db") as store:
        sid = store.start_session("ada", "pong")
        with pytest.raises(ValueError, match="outcome"):
            store.end_session(sid, outcome="victory")


def test_failed_write_rolls_back(tmp_path):
    with TelemetryStore(tmp_path / "t.db") as store:
        sid = store.start_session("ada", "pong")
        # the second row repeats the first's (session_id, seq): the whole batch must vanish
        with pytest.raises(sqlite3.IntegrityError), store._db.transaction():
            store._db.execute("INSERT INTO events VALUES (:s, 0, 0, 0.0, 'a', '{}')", {"s": sid})
            store._db.execute("INSERT INTO events VALUES (:s, 0, 0, 0.0, 'b', '{}')", {"s": sid})
        assert store.events(sid) == []
        store.log_event(sid, 0, "after")
        assert [e.kind for e in store.events(sid)] == ["after"]


def test_other_database_urls_need_sqlalchemy(tmp_path):
    try:
        import sqlalchemy  # noqa: F401
    except ImportError:
        with pytest.raises(TelemetryError, match="pip install sqlalchemy"):
            open_store("postgresql://user@localhost/arcadelab")
    else:
        pytest.skip("SQLAlchemy is installed; the missing-package message cannot be shown")


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


def test_v1_database_is_migrated_in_place(tmp_path):
    path = tmp_path / "v1.db"
    conn = sqlite3.connect(path)
    conn.executescript(V1_SCHEMA)
    conn.commit()
    conn.close()

    with TelemetryStore(path) as store:
        assert store.schema_version == SCHEMA_VERSION == 2
        old = store.sessions(player="ada")
        assert len(old) == 1 and old[0].outcome == "loss" and old[0].opponent_elo is None
        assert store.events("old1")[0].payload == {"by": "right"}
        new = store.start_session("ada", "pong", opponent_elo=1500.0, level_source="shipped")
        store.log_event(new, 0, "hit")  # new events continue after the old ones in their own session
        assert store.session(new).opponent_elo == 1500.0
        assert store.integrity_check() == "ok"
    conn = sqlite3.connect(path)
    indexes = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    conn.close()
    assert "ix_sessions_player_game" in indexes


def test_failed_migration_leaves_the_old_version(tmp_path, monkeypatch):
    path = tmp_path / "v1.db"
    conn = sqlite3.connect(path)
    conn.executescript(V1_SCHEMA)
    conn.commit()
    conn.close()

    def broken(db):
        db.execute("ALTER TABLE sessions ADD COLUMN half_done INTEGER")
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(telemetry, "MIGRATIONS", (telemetry.MIGRATIONS[0], broken))
    monkeypatch.setattr(telemetry, "SCHEMA_VERSION", 2)
    with pytest.raises(RuntimeError, match="disk on fire"):
        TelemetryStore(path)
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT version FROM schema_version").fetchone()[0] == 1
    columns = [r[1] for r in conn.execute("PRAGMA table_info(sessions)")]
    conn.close()
    assert "half_done" not in columns


def test_newer_database_is_refused(tmp_path):
    path = tmp_path / "future.db"
    with TelemetryStore(path) as store:
        store._db.execute("UPDATE schema_version SET version = 99")
    with pytest.raises(TelemetryError, match="newer"):
        TelemetryStore(path)


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
