"""The telemetry store: every play session and what happened in it, for the player model and recommender.

One SQLite file in WAL mode under the user's data folder by default
(``$XDG_DATA_HOME/arcadelab/telemetry.sqlite3``, else ``~/.local/share/arcadelab/telemetry.sqlite3``); any other SQL
database by URL: ``sqlite:///relative.db`` and ``sqlite:////abs/path.db`` use the built-in SQLite backend, any
other URL (``postgresql://user:pw@host/db``, which SQLAlchemy 2.1 serves with psycopg 3, or
``postgresql+psycopg://...``, ``sqlite+pysqlite:///...``, ...) goes through SQLAlchemy. The SQL is the same for
all of them; passwords are masked (``***``) in ``store.url``, in error messages and in log lines.

Tables
------
``sessions``  one row per match: ``id`` (32 hex chars), ``player``, ``game``, ``level_id``, ``opponent``,
              ``started_at`` / ``ended_at`` (Unix seconds, UTC), ``outcome`` (``win`` | ``loss`` | ``draw`` |
              ``quit`` | NULL while running or when the app was killed), ``score``, ``deaths``, ``quit_reason``;
              since schema 2 also ``opponent_score``, ``opponent_elo``, ``level_source``, ``seed``, ``mode``.
``events``    per-life events: ``session_id``, ``seq`` (order within the session), ``life`` (0-based life index),
              ``t`` (seconds since the session started), ``kind`` (``point``, ``death``, ``eat``, ``coin``, ...),
              ``payload`` (JSON object).
``schema_version``  one row, the schema version; migrations in ``MIGRATIONS`` bring an older file up to date.

Every write runs in its own transaction (``BEGIN IMMEDIATE`` ... ``COMMIT`` on SQLite), so a killed app loses at
most the write it was in the middle of and leaves the file consistent. Text columns have the widths in
``TEXT_LIMITS`` and a longer value is refused with ``ValueError`` on every database (SQLite would store it,
PostgreSQL would not). The read API (``sessions``, ``events``) is what the recommender consumes.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sqlite3
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "TEXT_LIMITS",
    "EventRecord",
    "SessionRecord",
    "TelemetryError",
    "TelemetryStore",
    "default_db_path",
    "mask_url",
    "open_store",
]

log = logging.getLogger(__name__)

OUTCOMES = ("win", "loss", "draw", "quit")

# Widths of the VARCHAR columns (the schema's, see the migrations): checked before writing so that SQLite, which
# ignores them, and PostgreSQL or MySQL, which enforce them, accept and refuse the same values.
TEXT_LIMITS = {
    "player": 200, "game": 64, "level_id": 400, "opponent": 400, "quit_reason": 200, "level_source": 64,
    "mode": 16, "kind": 64,
}
_CONNECT_TIMEOUT_S = 10  # an unreachable PostgreSQL host fails in seconds, not after the OS's TCP timeout
_MIGRATION_LOCK = 0x41524341  # "ARCA": the PostgreSQL advisory lock key that serializes schema migrations


class TelemetryError(RuntimeError):
    """The store cannot be opened or used (bad URL, missing driver, database newer than this code)."""


def mask_url(url: str) -> str:
    """``url`` with its password replaced by ``***`` (``dialect://user:***@host/db``; also a ``password=`` query
    parameter), for messages and logs. Masks up to the last ``@`` so an unescaped ``@`` in a password stays hidden.
    """
    text = re.sub(r"^([\w+]+://[^:/]*:).*@", r"\1***@", url, flags=re.DOTALL)
    return re.sub(r"([?&]password=)[^&]*", r"\1***", text, flags=re.IGNORECASE)


def _secrets_of(url: str) -> list[str]:
    """The password(s) in ``url``, raw and URL-decoded, to scrub from driver messages."""
    from urllib.parse import unquote

    found = []
    head = re.match(r"^[\w+]+://[^:/]*:(.*)@", url, flags=re.DOTALL)
    if head:
        found.append(head.group(1))
    found += re.findall(r"[?&]password=([^&]*)", url, flags=re.IGNORECASE)
    found += [unquote(f) for f in found]
    return sorted({f for f in found if f}, key=len, reverse=True)


def _describe(exc: BaseException, url: str) -> str:
    """A one-line reason for ``exc``: the driver's own message (not SQLAlchemy's wrapper with its links and SQL),
    with any password of ``url`` replaced by ``***``."""
    orig = getattr(exc, "orig", None)  # sqlalchemy.exc.DBAPIError wraps the driver's exception
    text = str(orig if orig is not None else exc).strip() or type(exc).__name__
    for secret in _secrets_of(url):
        text = text.replace(secret, "***")
    return " ".join(text.split())


def _is_database_error(exc: BaseException) -> bool:
    if isinstance(exc, sqlite3.Error):
        return True
    sa_exc = sys.modules.get("sqlalchemy.exc")  # only if SQLAlchemy is in use at all
    return sa_exc is not None and isinstance(exc, sa_exc.SQLAlchemyError)


def default_db_path() -> Path:
    """``$XDG_DATA_HOME/arcadelab/telemetry.sqlite3``, else ``~/.local/share/arcadelab/telemetry.sqlite3``."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "arcadelab" / "telemetry.sqlite3"


# --------------------------------------------------------------------------------------------------- backends
class _Backend:
    """The few operations the store needs, with ``:name`` parameters (both sqlite3 and SQLAlchemy take them)."""

    url: str

    def execute(self, sql: str, params: Mapping[str, Any] | None = None) -> None:
        raise NotImplementedError

    def executemany(self, sql: str, rows: Sequence[Mapping[str, Any]]) -> None:
        raise NotImplementedError

    def query(self, sql: str, params: Mapping[str, Any] | None = None) -> list[tuple]:
        raise NotImplementedError

    @contextmanager
    def transaction(self) -> Iterator[None]:
        raise NotImplementedError
        yield

    def table_exists(self, name: str) -> bool:
        raise NotImplementedError

    def lock_for_migration(self) -> None:
        """Inside a transaction: keep other stores from migrating the same database at the same time."""

    def integrity_check(self) -> str:
        return "n/a"

    def close(self) -> None:
        raise NotImplementedError


class _SQLiteBackend(_Backend):
    def __init__(self, path: str, busy_timeout_ms: int = 5000) -> None:
        self.url = f"sqlite:///{path}"
        self.path = path
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: we issue BEGIN/COMMIT ourselves, so DDL in migrations is transactional too.
        self.conn = sqlite3.connect(path, isolation_level=None, timeout=busy_timeout_ms / 1000)
        self.conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        mode = self.conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if mode.lower() != "wal" and path != ":memory:":
            log.warning("telemetry: %s could not switch to WAL (journal_mode=%s)", path, mode)
        self.conn.execute("PRAGMA synchronous = NORMAL")
        self.conn.execute("PRAGMA foreign_keys = ON")
        self._depth = 0

    def execute(self, sql: str, params: Mapping[str, Any] | None = None) -> None:
        self.conn.execute(sql, dict(params or {}))

    def executemany(self, sql: str, rows: Sequence[Mapping[str, Any]]) -> None:
        self.conn.executemany(sql, [dict(r) for r in rows])

    def query(self, sql: str, params: Mapping[str, Any] | None = None) -> list[tuple]:
        return self.conn.execute(sql, dict(params or {})).fetchall()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        if self._depth:  # nested: part of the outer transaction
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            return
        self.conn.execute("BEGIN IMMEDIATE")
        self._depth = 1
        try:
            yield
        except BaseException:
            self._depth = 0
            self.conn.execute("ROLLBACK")
            raise
        self._depth = 0
        self.conn.execute("COMMIT")

    def table_exists(self, name: str) -> bool:
        rows = self.query("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = :n", {"n": name})
        return bool(rows)

    def pragma(self, name: str) -> Any:
        return self.conn.execute(f"PRAGMA {name}").fetchone()[0]

    def integrity_check(self) -> str:  # BEGIN IMMEDIATE already serializes migrations: no lock_for_migration
        return str(self.pragma("integrity_check"))

    def close(self) -> None:
        self.conn.close()


class _SQLAlchemyBackend(_Backend):
    """Any database SQLAlchemy reaches (PostgreSQL, MySQL, SQLite through pysqlite, ...) on one connection.

    SQLAlchemy 2 begins a transaction on a connection's first statement ("autobegin"), so every statement here
    runs inside ``transaction()``, which begins and commits (or rolls back) explicitly.
    """

    def __init__(self, url: str) -> None:
        import sqlalchemy

        self._sa = sqlalchemy
        self.url = mask_url(url)
        sa_url = sqlalchemy.make_url(url)
        connect_args: dict[str, Any] = {}
        if sa_url.get_backend_name() == "postgresql" and sa_url.get_driver_name() in ("psycopg", "psycopg2") \
                and "connect_timeout" not in sa_url.query:
            connect_args["connect_timeout"] = _CONNECT_TIMEOUT_S
        self.engine = sqlalchemy.create_engine(sa_url, connect_args=connect_args)
        self.dialect = self.engine.dialect.name
        if self.dialect == "sqlite":
            self._take_over_sqlite_transactions()
        self.conn = self.engine.connect()
        self._tx: Any = None

    def _take_over_sqlite_transactions(self) -> None:
        """Python's sqlite3 module (legacy mode) emits no BEGIN before DDL, so a migration would not be atomic:
        SQLAlchemy's documented recipe makes it emit none at all and issues ``BEGIN IMMEDIATE`` itself."""
        event = self._sa.event

        @event.listens_for(self.engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None
            dbapi_connection.execute("PRAGMA foreign_keys = ON")

        @event.listens_for(self.engine, "begin")
        def _on_begin(conn: Any) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

    def _run(self, sql: str, params: Any) -> Any:
        return self.conn.execute(self._sa.text(sql), params)

    def execute(self, sql: str, params: Mapping[str, Any] | None = None) -> None:
        with self.transaction():
            self._run(sql, dict(params or {}))

    def executemany(self, sql: str, rows: Sequence[Mapping[str, Any]]) -> None:
        if rows:
            with self.transaction():
                self._run(sql, [dict(r) for r in rows])

    def query(self, sql: str, params: Mapping[str, Any] | None = None) -> list[tuple]:
        with self.transaction():
            return [tuple(r) for r in self._run(sql, dict(params or {}))]

    @contextmanager
    def transaction(self) -> Iterator[None]:
        if self._tx is not None:  # nested: part of the outer transaction
            yield
            return
        self._tx = self.conn.begin()
        try:
            yield
        except BaseException:
            try:
                self._tx.rollback()
            finally:
                self._tx = None
            raise
        try:
            self._tx.commit()
        finally:
            self._tx = None

    def table_exists(self, name: str) -> bool:
        with self.transaction():
            return bool(self._sa.inspect(self.conn).has_table(name))

    def lock_for_migration(self) -> None:
        # Two clients opening a fresh database at once would both see version 0 and both CREATE TABLE; on
        # PostgreSQL a transaction-scoped advisory lock makes the second wait and then see the first's schema.
        if self.dialect == "postgresql":
            self._run("SELECT pg_advisory_xact_lock(:key)", {"key": _MIGRATION_LOCK})

    def integrity_check(self) -> str:
        if self.dialect == "sqlite":
            return str(self.query("PRAGMA integrity_check")[0][0])
        return "n/a"

    def close(self) -> None:
        try:
            self.conn.close()
        finally:
            self.engine.dispose()


def _sqlite_backend(path: str) -> _SQLiteBackend:
    try:
        return _SQLiteBackend(path)
    except (OSError, sqlite3.Error) as exc:  # unwritable folder, not a database file, locked
        raise TelemetryError(f"--db {path!r}: cannot open the SQLite file ({exc})") from None


def _backend_for(url: str | os.PathLike | None) -> _Backend:
    if url is None:
        return _sqlite_backend(str(default_db_path()))
    text = os.fspath(url)
    if text.startswith("sqlite://"):
        rest = text[len("sqlite://"):]
        if rest in ("", "/", "/:memory:"):
            return _sqlite_backend(":memory:")
        if not rest.startswith("/"):
            raise TelemetryError(f"--db {text!r}: a SQLite URL is sqlite:///relative/path or sqlite:////abs/path")
        path = rest[1:]  # sqlite:///rel -> "rel", sqlite:////abs -> "/abs" (SQLAlchemy's convention)
        path = path.split("?", 1)[0]
        return _sqlite_backend(str(Path(path).expanduser()))
    if "://" not in text:  # a plain file path
        return _sqlite_backend(str(Path(text).expanduser()))
    try:
        import sqlalchemy  # noqa: F401
    except ImportError:
        scheme = text.split("://", 1)[0]
        raise TelemetryError(
            f"--db {scheme}://...: databases other than SQLite need SQLAlchemy and the database's driver; "
            f"install them (pip install sqlalchemy, plus e.g. psycopg for PostgreSQL) or use sqlite:///path"
        ) from None
    try:
        return _SQLAlchemyBackend(text)
    except Exception as exc:  # noqa: BLE001 - bad URL, missing driver, unreachable server, refused login
        # from None: the chained exception may spell out the password (SQLAlchemy quotes an unparsable URL)
        raise TelemetryError(f"--db {mask_url(text)!r}: cannot connect ({_describe(exc, text)})") from None


# ------------------------------------------------------------------------------------------------- migrations
# Each migration takes the backend and brings the schema from version i to i + 1. They run in order, each inside
# the same transaction as the version bump, so a crash mid-migration leaves the old version intact.
def _m1_initial(db: _Backend) -> None:
    db.execute(
        "CREATE TABLE sessions ("
        " id VARCHAR(32) PRIMARY KEY,"
        " player VARCHAR(200) NOT NULL,"
        " game VARCHAR(64) NOT NULL,"
        " level_id VARCHAR(400),"
        " opponent VARCHAR(400),"
        " started_at DOUBLE PRECISION NOT NULL,"
        " ended_at DOUBLE PRECISION,"
        " outcome VARCHAR(16),"
        " score INTEGER,"
        " deaths INTEGER,"
        " quit_reason VARCHAR(200))"
    )
    db.execute(
        "CREATE TABLE events ("
        " session_id VARCHAR(32) NOT NULL REFERENCES sessions(id),"
        " seq INTEGER NOT NULL,"
        " life INTEGER NOT NULL,"
        " t DOUBLE PRECISION NOT NULL,"
        " kind VARCHAR(64) NOT NULL,"
        " payload TEXT NOT NULL,"
        " PRIMARY KEY (session_id, seq))"
    )


def _m2_match_context(db: _Backend) -> None:
    """What the recommender needs beyond v1: the opponent's side of the score, its Elo, where the level came
    from, the seed and whether a person played or watched; plus indexes for the read API."""
    for column in (
        "opponent_score INTEGER",
        "opponent_elo DOUBLE PRECISION",
        "level_source VARCHAR(64)",
        "seed BIGINT",  # SQLite: the same INTEGER affinity as before; PostgreSQL: seeds beyond 2**31 fit
        "mode VARCHAR(16)",
    ):
        db.execute(f"ALTER TABLE sessions ADD COLUMN {column}")
    db.execute("CREATE INDEX ix_sessions_player_game ON sessions (player, game, started_at)")


MIGRATIONS: tuple[Callable[[_Backend], None], ...] = (_m1_initial, _m2_match_context)
SCHEMA_VERSION = len(MIGRATIONS)


def _current_version(db: _Backend) -> int:
    if not db.table_exists("schema_version"):
        return 0
    rows = db.query("SELECT version FROM schema_version")
    return int(rows[0][0]) if rows else 0


def migrate(db: _Backend, target: int = SCHEMA_VERSION) -> int:
    """Apply the missing migrations up to ``target``; returns the version reached."""
    with db.transaction():
        db.lock_for_migration()
        version = _current_version(db)
        if version > SCHEMA_VERSION:
            raise TelemetryError(
                f"{db.url}: telemetry schema version {version} is newer than this ArcadeLab "
                f"(knows up to {SCHEMA_VERSION}); upgrade ArcadeLab"
            )
        if version == 0 and not db.table_exists("schema_version"):
            db.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
            db.execute("INSERT INTO schema_version (version) VALUES (0)")
        for index in range(version, target):
            MIGRATIONS[index](db)
            db.execute("UPDATE schema_version SET version = :v", {"v": index + 1})
            log.info("telemetry: migrated %s to schema version %d", db.url, index + 1)
        return max(version, target)


# ---------------------------------------------------------------------------------------------------- records
@dataclass(frozen=True)
class SessionRecord:
    """One row of ``sessions`` (times in Unix seconds; ``outcome`` None while running or after a crash)."""

    id: str
    player: str
    game: str
    level_id: str | None
    opponent: str | None
    started_at: float
    ended_at: float | None
    outcome: str | None
    score: int | None
    deaths: int | None
    quit_reason: str | None
    opponent_score: int | None = None
    opponent_elo: float | None = None
    level_source: str | None = None
    seed: int | None = None
    mode: str | None = None

    @property
    def duration(self) -> float | None:
        return None if self.ended_at is None else self.ended_at - self.started_at

    @property
    def finished(self) -> bool:
        return self.ended_at is not None


@dataclass(frozen=True)
class EventRecord:
    """One row of ``events``: something that happened in life ``life`` at ``t`` seconds into the session."""

    session_id: str
    seq: int
    life: int
    t: float
    kind: str
    payload: dict[str, Any] = field(default_factory=dict)


_SESSION_COLUMNS = (
    "id, player, game, level_id, opponent, started_at, ended_at, outcome, score, deaths, quit_reason, "
    "opponent_score, opponent_elo, level_source, seed, mode"
)


# ------------------------------------------------------------------------------------------------------ store
class TelemetryStore:
    """Records sessions and their events; reads them back for the recommender.

    >>> store = TelemetryStore("sqlite:///:memory:")
    >>> sid = store.start_session(player="ada", game="pong", opponent="bot:tracker")
    >>> store.log_event(sid, life=0, kind="point", payload={"by": "opponent"})
    >>> store.end_session(sid, outcome="loss", score=0, deaths=0)
    >>> [s.outcome for s in store.sessions(player="ada")]
    ['loss']
    """

    def __init__(self, url: str | os.PathLike | None = None) -> None:
        self._db = _backend_for(url)
        self.url = self._db.url
        self._seq: dict[str, int] = {}
        self._started: dict[str, float] = {}
        try:
            migrate(self._db)
        except Exception as exc:
            self._db.close()
            if _is_database_error(exc):  # e.g. no CREATE privilege, locked file: say so without a traceback
                raise TelemetryError(f"{self.url}: cannot set up the telemetry schema "
                                     f"({_describe(exc, os.fspath(url or ''))})") from None
            raise

    # -- writing
    def start_session(
        self,
        player: str,
        game: str,
        level_id: str | None = None,
        opponent: str | None = None,
        *,
        opponent_elo: float | None = None,
        level_source: str | None = None,
        seed: int | None = None,
        mode: str = "play",
        started_at: float | None = None,
    ) -> str:
        """Insert a running session and return its id."""
        _check_text(player=player, game=game, level_id=level_id, opponent=opponent, level_source=level_source,
                    mode=mode)
        sid = uuid.uuid4().hex
        started = time.time() if started_at is None else float(started_at)
        with self._db.transaction():
            self._db.execute(
                "INSERT INTO sessions (id, player, game, level_id, opponent, started_at, opponent_elo, "
                "level_source, seed, mode) VALUES (:id, :player, :game, :level_id, :opponent, :started_at, "
                ":opponent_elo, :level_source, :seed, :mode)",
                {
                    "id": sid, "player": player, "game": game, "level_id": level_id, "opponent": opponent,
                    "started_at": started, "opponent_elo": _opt_float(opponent_elo),
                    "level_source": level_source, "seed": _opt_int(seed), "mode": mode,
                },
            )
        self._seq[sid] = 0
        self._started[sid] = started
        return sid

    def log_event(self, session_id: str, life: int, kind: str, payload: Mapping[str, Any] | None = None,
                  t: float | None = None) -> None:
        """Append one event (committed at once); ``t`` defaults to seconds since the session started."""
        self.log_events(session_id, [(life, kind, payload, t)])

    def log_events(self, session_id: str,
                   events: Sequence[tuple[int, str, Mapping[str, Any] | None, float | None]]) -> None:
        """Append several ``(life, kind, payload, t)`` events in one transaction."""
        if not events:
            return
        seq = self._next_seq(session_id)
        now = time.time() - self._started.get(session_id, time.time())
        rows = []
        for i, (life, kind, payload, t) in enumerate(events):
            _check_text(kind=str(kind))
            rows.append({
                "sid": session_id, "seq": seq + i, "life": int(life), "t": float(now if t is None else t),
                "kind": str(kind), "payload": json.dumps(dict(payload or {}), sort_keys=True, default=_json_default),
            })
        with self._db.transaction():
            self._db.executemany(
                "INSERT INTO events (session_id, seq, life, t, kind, payload) "
                "VALUES (:sid, :seq, :life, :t, :kind, :payload)",
                rows,
            )
        self._seq[session_id] = seq + len(rows)

    def end_session(self, session_id: str, outcome: str, score: int | None = None, deaths: int | None = None,
                    quit_reason: str | None = None, opponent_score: int | None = None,
                    ended_at: float | None = None) -> None:
        """Close a session with its result."""
        if outcome not in OUTCOMES:
            raise ValueError(f"outcome must be one of {OUTCOMES}, got {outcome!r}")
        _check_text(quit_reason=quit_reason)
        with self._db.transaction():
            self._db.execute(
                "UPDATE sessions SET ended_at = :ended_at, outcome = :outcome, score = :score, deaths = :deaths, "
                "quit_reason = :quit_reason, opponent_score = :opponent_score WHERE id = :id",
                {
                    "id": session_id, "ended_at": time.time() if ended_at is None else float(ended_at),
                    "outcome": outcome, "score": _opt_int(score), "deaths": _opt_int(deaths),
                    "quit_reason": quit_reason, "opponent_score": _opt_int(opponent_score),
                },
            )
        self._seq.pop(session_id, None)
        self._started.pop(session_id, None)

    def _next_seq(self, session_id: str) -> int:
        if session_id not in self._seq:  # a session opened by another process or before a restart
            rows = self._db.query(
                "SELECT COALESCE(MAX(seq) + 1, 0) FROM events WHERE session_id = :sid", {"sid": session_id})
            self._seq[session_id] = int(rows[0][0])
            started = self._db.query("SELECT started_at FROM sessions WHERE id = :sid", {"sid": session_id})
            if not started:
                raise TelemetryError(f"no session {session_id!r} in {self.url}")
            self._started[session_id] = float(started[0][0])
        return self._seq[session_id]

    # -- reading (the recommender's input)
    def sessions(self, player: str | None = None, game: str | None = None, *, finished_only: bool = False,
                 limit: int | None = None) -> list[SessionRecord]:
        """Sessions, oldest first, optionally of one player and/or one game."""
        where, params = [], {}
        if player is not None:
            where.append("player = :player")
            params["player"] = player
        if game is not None:
            where.append("game = :game")
            params["game"] = game
        if finished_only:
            where.append("ended_at IS NOT NULL")
        sql = f"SELECT {_SESSION_COLUMNS} FROM sessions"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY started_at, id"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return [SessionRecord(*row) for row in self._db.query(sql, params)]

    def session(self, session_id: str) -> SessionRecord | None:
        rows = self._db.query(f"SELECT {_SESSION_COLUMNS} FROM sessions WHERE id = :id", {"id": session_id})
        return SessionRecord(*rows[0]) if rows else None

    def events(self, session_id: str, kind: str | None = None) -> list[EventRecord]:
        """A session's events in the order they were logged."""
        sql = "SELECT session_id, seq, life, t, kind, payload FROM events WHERE session_id = :sid"
        params: dict[str, Any] = {"sid": session_id}
        if kind is not None:
            sql += " AND kind = :kind"
            params["kind"] = kind
        sql += " ORDER BY seq"
        return [EventRecord(r[0], int(r[1]), int(r[2]), float(r[3]), r[4], json.loads(r[5]))
                for r in self._db.query(sql, params)]

    def players(self) -> list[str]:
        return [r[0] for r in self._db.query("SELECT DISTINCT player FROM sessions ORDER BY player")]

    @property
    def schema_version(self) -> int:
        return _current_version(self._db)

    def integrity_check(self) -> str:
        """``PRAGMA integrity_check`` on SQLite, also through SQLAlchemy ("ok" when sound); "n/a" elsewhere."""
        return self._db.integrity_check()

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> TelemetryStore:  # noqa: PYI034 - no subclasses
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _check_text(**values: str | None) -> None:
    for name, value in values.items():
        if value is not None and len(value) > TEXT_LIMITS[name]:
            raise ValueError(f"{name} is {len(value)} characters long; the telemetry store keeps at most "
                             f"{TEXT_LIMITS[name]}: {value[:40]!r}...")


def _opt_int(value: Any) -> int | None:
    """numpy integers become Python ints (neither sqlite3 nor psycopg binds them); None stays None."""
    return None if value is None else int(value)


def _opt_float(value: Any) -> float | None:
    return None if value is None else float(value)


def _json_default(value: Any) -> Any:
    """numpy scalars and arrays in event payloads become plain JSON numbers and lists."""
    if hasattr(value, "tolist"):
        return value.tolist()
    if hasattr(value, "item"):
        return value.item()
    return str(value)


def open_store(url: str | os.PathLike | None = None) -> TelemetryStore:
    """Open (creating and migrating as needed) the store at ``url``; None means the default SQLite file."""
    return TelemetryStore(url)
