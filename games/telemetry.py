"""The telemetry store: every play session and what happened in it, for the player model and recommender.

Everything goes through SQLAlchemy Core (tables, inserts, updates and selects built as Core expressions; URLs
parsed by ``sqlalchemy.make_url``). One SQLite file in WAL mode under the user's data folder by default
(``$XDG_DATA_HOME/arcadelab/telemetry.sqlite3``, else ``~/.local/share/arcadelab/telemetry.sqlite3``), a plain
file path, or any database URL SQLAlchemy knows: ``sqlite:///relative.db``, ``sqlite:////abs/path.db``,
``postgresql://user:pw@host/db`` (served with psycopg 3), ``postgresql+psycopg://...``, ...
Passwords are masked (``***``) in ``store.url``, in error messages and in log lines.

Tables
------
``sessions``  one row per match: ``id`` (32 hex chars), ``player``, ``game``, ``level_id``, ``opponent``,
              ``started_at`` / ``ended_at`` (Unix seconds, UTC), ``outcome`` (``win`` | ``loss`` | ``draw`` |
              ``quit`` | ``killed`` | NULL while running), ``score``, ``deaths``, ``quit_reason``;
              since schema 2 also ``opponent_score``, ``opponent_elo``, ``level_source``, ``seed``, ``mode``;
              since schema 3 ``host`` and ``pid`` of the app that runs it, so the next launch can tell a session
              whose app was killed (``close_stale_sessions``: outcome ``killed``) from one still being played.
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
import socket
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa

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

OUTCOMES = ("win", "loss", "draw", "quit", "killed")

_CONNECT_TIMEOUT_S = 10  # an unreachable PostgreSQL host fails in seconds, not after the OS's TCP timeout
_MIGRATION_LOCK = 0x41524341  # "ARCA": the PostgreSQL advisory lock key that serializes schema migrations
_BUSY_TIMEOUT_S = 5.0
# A session another machine left open is closed as killed only after this long (it may still be being played).
_FOREIGN_STALE_S = 24 * 3600


class TelemetryError(RuntimeError):
    """The store cannot be opened or used (bad URL, missing driver, database newer than this code)."""


def mask_url(url: str) -> str:
    """``url`` with its password replaced by ``***`` (``dialect://user:***@host/db``; also a ``password=`` query
    parameter), for messages and logs. Works on text SQLAlchemy cannot parse too (it is what error messages
    show), and masks up to the last ``@`` so an unescaped ``@`` in a password stays hidden."""
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


def default_db_path() -> Path:
    """``$XDG_DATA_HOME/arcadelab/telemetry.sqlite3``, else ``~/.local/share/arcadelab/telemetry.sqlite3``."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "arcadelab" / "telemetry.sqlite3"


# ---------------------------------------------------------------------------------------------------- schema
# The current schema as Core tables (what the store reads and writes). The migrations below build it; the test
# of a fresh database checks that both agree.
_METADATA = sa.MetaData()
SESSIONS = sa.Table(
    "sessions", _METADATA,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("player", sa.String(200), nullable=False),
    sa.Column("game", sa.String(64), nullable=False),
    sa.Column("level_id", sa.String(400)),
    sa.Column("opponent", sa.String(400)),
    sa.Column("started_at", sa.Double, nullable=False),
    sa.Column("ended_at", sa.Double),
    sa.Column("outcome", sa.String(16)),
    sa.Column("score", sa.Integer),
    sa.Column("deaths", sa.Integer),
    sa.Column("quit_reason", sa.String(200)),
    sa.Column("opponent_score", sa.Integer),
    sa.Column("opponent_elo", sa.Double),
    sa.Column("level_source", sa.String(64)),
    sa.Column("seed", sa.BigInteger),
    sa.Column("mode", sa.String(16)),
    sa.Column("host", sa.String(255)),
    sa.Column("pid", sa.Integer),
)
EVENTS = sa.Table(
    "events", _METADATA,
    sa.Column("session_id", sa.String(32), sa.ForeignKey("sessions.id"), primary_key=True),
    sa.Column("seq", sa.Integer, primary_key=True),
    sa.Column("life", sa.Integer, nullable=False),
    sa.Column("t", sa.Double, nullable=False),
    sa.Column("kind", sa.String(64), nullable=False),
    sa.Column("payload", sa.Text, nullable=False),
)
SCHEMA = sa.Table("schema_version", _METADATA, sa.Column("version", sa.Integer, nullable=False))
# Widths of the VARCHAR columns, checked before writing so that SQLite, which ignores them, and PostgreSQL or
# MySQL, which enforce them, accept and refuse the same values.
TEXT_LIMITS: dict[str, int] = {
    c.name: c.type.length for c in (*SESSIONS.columns, *EVENTS.columns)
    if isinstance(c.type, sa.String) and not isinstance(c.type, sa.Text) and c.type.length
}
_SESSION_COLUMNS = ", ".join(c.name for c in SESSIONS.columns)
_RECORD_COLUMNS = [c for c in SESSIONS.columns if c.name not in ("host", "pid")]  # what a SessionRecord holds


# --------------------------------------------------------------------------------------------------- database
def _engine_url(url: str | os.PathLike | None) -> sa.URL:
    """``--db`` as a SQLAlchemy URL: None is the default SQLite file, text without ``://`` a SQLite file path,
    anything else a URL for ``sqlalchemy.make_url``."""
    if url is None:
        return sa.URL.create("sqlite", database=str(default_db_path()))
    text = os.fspath(url)
    if "://" not in text:
        return sa.URL.create("sqlite", database=str(Path(text).expanduser()))
    try:
        parsed = sa.make_url(text)
    except Exception:  # noqa: BLE001 - SQLAlchemy quotes the whole URL (password included): say it masked
        raise TelemetryError(f"--db {mask_url(text)!r}: cannot connect (not a database URL)") from None
    if parsed.get_backend_name() == "sqlite":
        if parsed.host:  # sqlite://file.db: SQLAlchemy would quietly open an empty in-memory database
            raise TelemetryError(f"--db {text!r}: a SQLite URL is sqlite:///relative/path or sqlite:////abs/path")
        if parsed.database not in (None, "", ":memory:"):
            parsed = parsed.set(database=str(Path(parsed.database).expanduser()))
    return parsed


def _is_memory(url: sa.URL) -> bool:
    return url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:")


class _Database:
    """One SQLAlchemy connection with explicit transactions (``transaction()`` nests into the outer one).

    SQLAlchemy 2 begins a transaction on a connection's first statement ("autobegin"), so every statement here
    runs inside ``transaction()``, which begins and commits (or rolls back) explicitly.
    """

    def __init__(self, url: sa.URL) -> None:
        self.url = mask_url(url.render_as_string(hide_password=False))
        self.dialect_name = url.get_backend_name()
        connect_args: dict[str, Any] = {}
        if self.dialect_name == "postgresql" and url.get_driver_name() in ("psycopg", "psycopg2") \
                and "connect_timeout" not in url.query:
            connect_args["connect_timeout"] = _CONNECT_TIMEOUT_S
        if self.dialect_name == "sqlite":
            connect_args["timeout"] = _BUSY_TIMEOUT_S
            if url.database and not _is_memory(url):
                Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        self.engine = sa.create_engine(url, connect_args=connect_args)
        if self.dialect_name == "sqlite":
            self._take_over_sqlite_transactions(memory=_is_memory(url))
        self.conn = self.engine.connect()
        self._tx: Any = None

    def _take_over_sqlite_transactions(self, memory: bool) -> None:
        """Python's sqlite3 module (legacy mode) emits no BEGIN before DDL, so a migration would not be atomic:
        SQLAlchemy's documented recipe makes it emit none at all and issues ``BEGIN IMMEDIATE`` itself. The file
        is switched to WAL with ``synchronous=NORMAL`` (durable across an app crash, fast) and foreign keys on."""
        path = self.url

        @sa.event.listens_for(self.engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute(f"PRAGMA busy_timeout = {int(_BUSY_TIMEOUT_S * 1000)}")
            if not memory:
                mode = cursor.execute("PRAGMA journal_mode = WAL").fetchone()[0]
                if str(mode).lower() != "wal":
                    log.warning("telemetry: %s could not switch to WAL (journal_mode=%s)", path, mode)
            cursor.execute("PRAGMA synchronous = NORMAL")
            cursor.execute("PRAGMA foreign_keys = ON")
            cursor.close()

        @sa.event.listens_for(self.engine, "begin")
        def _on_begin(conn: Any) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

    def run(self, statement: Any, params: Any = None) -> Any:
        """Execute a Core statement (or raw SQL text, for the few DDL statements Core has no construct for)."""
        if isinstance(statement, str):
            statement = sa.text(statement)
        with self.transaction():
            return self.conn.execute(statement, params)

    def execute(self, sql: str, params: Mapping[str, Any] | None = None) -> None:
        self.run(sql, dict(params or {}))

    def rows(self, statement: Any) -> list[tuple]:
        with self.transaction():
            return [tuple(r) for r in self.conn.execute(statement)]

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
            return bool(sa.inspect(self.conn).has_table(name))

    def add_column(self, table: str, name: str, kind: sa.types.TypeEngine) -> None:
        """``ALTER TABLE ... ADD COLUMN`` (Core has no ALTER construct; the type is compiled for this dialect)."""
        self.execute(f"ALTER TABLE {table} ADD COLUMN {name} {kind.compile(dialect=self.engine.dialect)}")

    def lock_for_migration(self) -> None:
        """Inside a transaction: keep other stores from migrating the same database at the same time. Two
        clients opening a fresh PostgreSQL database at once would both see version 0 and both CREATE TABLE; a
        transaction-scoped advisory lock makes the second wait and then see the first's schema. (SQLite's
        ``BEGIN IMMEDIATE`` already serializes them.)"""
        if self.dialect_name == "postgresql":
            self.run(sa.select(sa.func.pg_advisory_xact_lock(_MIGRATION_LOCK)))

    def pragma(self, name: str) -> Any:
        return self.rows(sa.text(f"PRAGMA {name}"))[0][0]

    def integrity_check(self) -> str:
        return str(self.pragma("integrity_check")) if self.dialect_name == "sqlite" else "n/a"

    def close(self) -> None:
        try:
            self.conn.close()
        finally:
            self.engine.dispose()


def _open_database(url: str | os.PathLike | None) -> _Database:
    engine_url = _engine_url(url)
    raw = os.fspath(url) if url is not None else ""
    try:
        return _Database(engine_url)
    except Exception as exc:  # noqa: BLE001 - bad URL, missing driver, unreachable server, refused login
        if engine_url.get_backend_name() == "sqlite":  # unwritable folder, not a database file, locked
            raise TelemetryError(f"--db {engine_url.database!r}: cannot open the SQLite file "
                                 f"({_describe(exc, raw)})") from None
        # from None: the chained exception may spell out the password
        raise TelemetryError(f"--db {mask_url(raw)!r}: cannot connect ({_describe(exc, raw)})") from None


# ------------------------------------------------------------------------------------------------- migrations
# Each migration takes the database and brings the schema from version i to i + 1. They run in order, each inside
# the same transaction as the version bump, so a crash mid-migration leaves the old version intact.
# A migration is frozen once shipped: it spells out its own columns instead of reading today's tables above.
def _m1_initial(db: _Database) -> None:
    v1 = sa.MetaData()
    sa.Table(
        "sessions", v1,
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("player", sa.String(200), nullable=False),
        sa.Column("game", sa.String(64), nullable=False),
        sa.Column("level_id", sa.String(400)),
        sa.Column("opponent", sa.String(400)),
        sa.Column("started_at", sa.Double, nullable=False),
        sa.Column("ended_at", sa.Double),
        sa.Column("outcome", sa.String(16)),
        sa.Column("score", sa.Integer),
        sa.Column("deaths", sa.Integer),
        sa.Column("quit_reason", sa.String(200)),
    )
    sa.Table(
        "events", v1,
        sa.Column("session_id", sa.String(32), sa.ForeignKey("sessions.id"), primary_key=True),
        sa.Column("seq", sa.Integer, primary_key=True),
        sa.Column("life", sa.Integer, nullable=False),
        sa.Column("t", sa.Double, nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
    )
    with db.transaction():
        v1.create_all(db.conn, checkfirst=False)


def _m2_match_context(db: _Database) -> None:
    """What the recommender needs beyond v1: the opponent's side of the score, its Elo, where the level came
    from, the seed (BIGINT: seeds beyond 2**31 fit on PostgreSQL) and whether a person played or watched; plus
    an index for the read API."""
    for name, kind in (("opponent_score", sa.Integer()), ("opponent_elo", sa.Double()),
                       ("level_source", sa.String(64)), ("seed", sa.BigInteger()), ("mode", sa.String(16))):
        db.add_column("sessions", name, kind)
    db.execute("CREATE INDEX ix_sessions_player_game ON sessions (player, game, started_at)")


def _m3_session_owner(db: _Database) -> None:
    """Which app (host and process) runs a session, so a killed app's sessions can be told and closed."""
    db.add_column("sessions", "host", sa.String(255))
    db.add_column("sessions", "pid", sa.Integer())


MIGRATIONS: tuple[Callable[[_Database], None], ...] = (_m1_initial, _m2_match_context, _m3_session_owner)
SCHEMA_VERSION = len(MIGRATIONS)


def _current_version(db: _Database) -> int:
    if not db.table_exists("schema_version"):
        return 0
    rows = db.rows(sa.select(SCHEMA.c.version))
    return int(rows[0][0]) if rows else 0


def migrate(db: _Database, target: int | None = None) -> int:
    """Apply the missing migrations up to ``target`` (default: all); returns the version reached."""
    target = len(MIGRATIONS) if target is None else target
    with db.transaction():
        db.lock_for_migration()
        version = _current_version(db)
        if version > len(MIGRATIONS):
            raise TelemetryError(
                f"{db.url}: telemetry schema version {version} is newer than this ArcadeLab "
                f"(knows up to {len(MIGRATIONS)}); upgrade ArcadeLab"
            )
        if version == 0 and not db.table_exists("schema_version"):
            SCHEMA.create(db.conn)
            db.run(sa.insert(SCHEMA).values(version=0))
        for index in range(version, target):
            MIGRATIONS[index](db)
            db.run(sa.update(SCHEMA).values(version=index + 1))
            log.info("telemetry: migrated %s to schema version %d", db.url, index + 1)
        return max(version, target)


# ---------------------------------------------------------------------------------------------------- records
@dataclass(frozen=True)
class SessionRecord:
    """One row of ``sessions`` (times in Unix seconds; ``outcome`` None while running)."""

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


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # somebody else's process: alive
        return True
    return True


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
        self._db = _open_database(url)
        self.url = self._db.url
        self._seq: dict[str, int] = {}
        self._started: dict[str, float] = {}
        try:
            migrate(self._db)
        except Exception as exc:
            self._db.close()
            if isinstance(exc, sa.exc.SQLAlchemyError):  # e.g. no CREATE privilege, not a database file
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
        """Insert a running session (owned by this host and process) and return its id."""
        host = socket.gethostname()[: TEXT_LIMITS["host"]]
        _check_text(player=player, game=game, level_id=level_id, opponent=opponent, level_source=level_source,
                    mode=mode)
        sid = uuid.uuid4().hex
        started = time.time() if started_at is None else float(started_at)
        self._db.run(sa.insert(SESSIONS).values(
            id=sid, player=player, game=game, level_id=level_id, opponent=opponent, started_at=started,
            opponent_elo=_opt_float(opponent_elo), level_source=level_source, seed=_opt_int(seed), mode=mode,
            host=host, pid=os.getpid(),
        ))
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
                "session_id": session_id, "seq": seq + i, "life": int(life), "t": float(now if t is None else t),
                "kind": str(kind), "payload": json.dumps(dict(payload or {}), sort_keys=True, default=_json_default),
            })
        self._db.run(sa.insert(EVENTS), rows)
        self._seq[session_id] = seq + len(rows)

    def end_session(self, session_id: str, outcome: str, score: int | None = None, deaths: int | None = None,
                    quit_reason: str | None = None, opponent_score: int | None = None,
                    ended_at: float | None = None) -> None:
        """Close a session with its result."""
        if outcome not in OUTCOMES:
            raise ValueError(f"outcome must be one of {OUTCOMES}, got {outcome!r}")
        _check_text(quit_reason=quit_reason)
        self._db.run(sa.update(SESSIONS).where(SESSIONS.c.id == session_id).values(
            ended_at=time.time() if ended_at is None else float(ended_at), outcome=outcome, score=_opt_int(score),
            deaths=_opt_int(deaths), quit_reason=quit_reason, opponent_score=_opt_int(opponent_score),
        ))
        self._seq.pop(session_id, None)
        self._started.pop(session_id, None)

    def close_stale_sessions(self, now: float | None = None) -> list[str]:
        """Close, as ``killed``, the open sessions whose app is gone; returns their ids.

        A session of this host whose process no longer runs (or that recorded no process: schema 2 rows) is
        stale; one of another host only after a day, since this machine cannot see that app. The session ends at
        its last event (or its start): that is when the app was last heard of.
        """
        now = time.time() if now is None else float(now)
        host = socket.gethostname()[: TEXT_LIMITS["host"]]
        last_event = (sa.select(sa.func.max(EVENTS.c.t)).where(EVENTS.c.session_id == SESSIONS.c.id)
                      .scalar_subquery())
        open_rows = self._db.rows(
            sa.select(SESSIONS.c.id, SESSIONS.c.host, SESSIONS.c.pid, SESSIONS.c.started_at, last_event)
            .where(SESSIONS.c.ended_at.is_(None)))
        closed = []
        for sid, owner, pid, started, last_t in open_rows:
            if owner == host and pid is not None:
                stale = int(pid) != os.getpid() and not _pid_alive(int(pid))
            elif owner is None or pid is None:
                stale = True
            else:
                stale = now - float(started) > _FOREIGN_STALE_S
            if not stale:
                continue
            ended = float(started) + float(last_t or 0.0)
            self._db.run(sa.update(SESSIONS).where(SESSIONS.c.id == sid, SESSIONS.c.ended_at.is_(None)).values(
                ended_at=ended, outcome="killed", quit_reason="the app stopped without closing the session"))
            closed.append(sid)
        if closed:
            log.info("telemetry: closed %d session(s) left open by a killed app", len(closed))
        return closed

    def _next_seq(self, session_id: str) -> int:
        if session_id not in self._seq:  # a session opened by another process or before a restart
            rows = self._db.rows(sa.select(sa.func.coalesce(sa.func.max(EVENTS.c.seq) + 1, 0))
                                 .where(EVENTS.c.session_id == session_id))
            started = self._db.rows(sa.select(SESSIONS.c.started_at).where(SESSIONS.c.id == session_id))
            if not started:
                raise TelemetryError(f"no session {session_id!r} in {self.url}")
            self._seq[session_id] = int(rows[0][0])
            self._started[session_id] = float(started[0][0])
        return self._seq[session_id]

    # -- reading (the recommender's input)
    def sessions(self, player: str | None = None, game: str | None = None, *, finished_only: bool = False,
                 limit: int | None = None) -> list[SessionRecord]:
        """Sessions, oldest first, optionally of one player and/or one game."""
        query = sa.select(*_RECORD_COLUMNS).order_by(SESSIONS.c.started_at, SESSIONS.c.id)
        if player is not None:
            query = query.where(SESSIONS.c.player == player)
        if game is not None:
            query = query.where(SESSIONS.c.game == game)
        if finished_only:
            query = query.where(SESSIONS.c.ended_at.is_not(None))
        if limit is not None:
            query = query.limit(int(limit))
        return [SessionRecord(*row) for row in self._db.rows(query)]

    def session(self, session_id: str) -> SessionRecord | None:
        rows = self._db.rows(sa.select(*_RECORD_COLUMNS).where(SESSIONS.c.id == session_id))
        return SessionRecord(*rows[0]) if rows else None

    def events(self, session_id: str, kind: str | None = None) -> list[EventRecord]:
        """A session's events in the order they were logged."""
        query = sa.select(EVENTS).where(EVENTS.c.session_id == session_id).order_by(EVENTS.c.seq)
        if kind is not None:
            query = query.where(EVENTS.c.kind == kind)
        return [EventRecord(r[0], int(r[1]), int(r[2]), float(r[3]), r[4], json.loads(r[5]))
                for r in self._db.rows(query)]

    def players(self) -> list[str]:
        return [r[0] for r in self._db.rows(sa.select(SESSIONS.c.player).distinct().order_by(SESSIONS.c.player))]

    @property
    def schema_version(self) -> int:
        return _current_version(self._db)

    def integrity_check(self) -> str:
        """``PRAGMA integrity_check`` on SQLite ("ok" when sound); "n/a" elsewhere."""
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
