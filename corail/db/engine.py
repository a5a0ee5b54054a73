"""Where the database is, and how Corail talks to it.

* Embedded SQLite in the user's data folder by default (platformdirs;
  ``CORAIL_DATA_DIR`` overrides the folder), with WAL, foreign keys and a busy
  timeout. Write transactions start with ``BEGIN IMMEDIATE`` so that two
  workstations never interleave writes (counters stay gapless); read sessions
  start a plain deferred transaction and never block writers.
* Any SQLAlchemy URL through ``--database`` or ``CORAIL_DATABASE_URL``
  (PostgreSQL 15 for several workstations, through psycopg 3).
"""
from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import platformdirs
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from corail.errors import DatabaseError

ENV_URL = "CORAIL_DATABASE_URL"
ENV_DATA_DIR = "CORAIL_DATA_DIR"
BUSY_TIMEOUT_MS = 30_000
_WRITE = "corail_ecriture"


def data_dir() -> Path:
    """The user's Corail data folder (created if needed)."""
    folder = os.environ.get(ENV_DATA_DIR) or platformdirs.user_data_dir("Corail", "Corail")
    path = Path(folder)
    path.mkdir(parents=True, exist_ok=True)
    return path


def default_url() -> str:
    return f"sqlite:///{data_dir() / 'corail.db'}"


def resolve_url(url: str | None = None) -> str:
    """``url``, else ``CORAIL_DATABASE_URL``, else the embedded SQLite file. A plain path
    (``/chemin/corail.db``) means a SQLite file."""
    chosen = url or os.environ.get(ENV_URL) or default_url()
    if "://" not in chosen:
        chosen = f"sqlite:///{Path(chosen).expanduser().resolve()}"
    if chosen.startswith("postgresql://") or chosen.startswith("postgres://"):
        chosen = "postgresql+psycopg://" + chosen.split("://", 1)[1]
    return chosen


def fichier_sqlite(url: str) -> Path | None:
    """The file of a SQLite URL (None for another engine or an in-memory database)."""
    try:
        sa_url = make_url(url)
    except ArgumentError:
        return None
    if sa_url.get_backend_name() != "sqlite" or sa_url.database in (None, "", ":memory:"):
        return None
    return Path(sa_url.database).expanduser()


def dossier_demo(url: str) -> Path:
    """Where the demo keeps its downloaded flux (and its transfer folder beside): next to a
    SQLite file (``demo.db`` → ``demo-demo/flux-demo``), else in the user's data folder."""
    fichier = fichier_sqlite(resolve_url(url))
    if fichier is not None:
        return fichier.expanduser().resolve().parent / f"{fichier.stem}-demo" / "flux-demo"
    return data_dir() / "flux-demo"


def describe_url(url: str) -> str:
    """The URL without its password, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url


def _sqlite_events(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # pragma: no branch
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys = ON")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        if connection.get_execution_options().get(_WRITE):
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            connection.exec_driver_sql("BEGIN")


def make_engine(url: str | None = None, *, echo: bool = False) -> Engine:
    resolved = resolve_url(url)
    try:
        sa_url = make_url(resolved)
    except ArgumentError:
        raise DatabaseError(f"Adresse de base de données invalide : « {resolved} »") from None
    kwargs: dict = {"echo": echo, "future": True}
    if sa_url.get_backend_name() == "sqlite":
        if sa_url.database and sa_url.database != ":memory:":
            parent = Path(sa_url.database).expanduser().resolve().parent
            if not parent.is_dir():
                raise DatabaseError(
                    f"Base de données inaccessible : le dossier « {parent} » n'existe pas"
                )
        kwargs["connect_args"] = {"timeout": BUSY_TIMEOUT_MS / 1000}
    elif sa_url.get_backend_name() == "postgresql":
        kwargs["pool_pre_ping"] = True
        kwargs["connect_args"] = {"connect_timeout": 10}
    try:
        engine = create_engine(sa_url, **kwargs)
    except (ArgumentError, ImportError) as exc:
        raise DatabaseError(
            f"Base de données non prise en charge : « {describe_url(resolved)} » ({exc})"
        ) from None
    if engine.dialect.name == "sqlite":
        _sqlite_events(engine)
    return engine


class Database:
    """An engine with its two kinds of sessions.

    ``transaction()`` is a unit of work: it commits when the block ends normally
    and rolls everything back on any exception. ``lecture()`` is for screens and
    lists that only read.
    """

    def __init__(self, url: str | None = None, *, echo: bool = False) -> None:
        self.url = resolve_url(url)
        self.engine = make_engine(self.url, echo=echo)
        write_engine = self.engine.execution_options(**{_WRITE: True})
        self._write = sessionmaker(bind=write_engine, expire_on_commit=False)
        self._read = sessionmaker(bind=self.engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @property
    def description(self) -> str:
        return describe_url(self.url)

    @property
    def libelle(self) -> str:
        """For people: the SQLite file's path, else the URL without password."""
        fichier = fichier_sqlite(self.url)
        return str(fichier) if fichier is not None else self.description

    def check_connection(self) -> None:
        """Raise a French ``DatabaseError`` when the database cannot be reached."""
        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except OperationalError as exc:
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
            raise DatabaseError(
                f"Impossible d'ouvrir la base de données {self.description} : {reason}"
            ) from None
        except SQLAlchemyError as exc:
            raise DatabaseError(
                f"Impossible d'ouvrir la base de données {self.description} : {exc}"
            ) from None

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        with self._write.begin() as session:
            yield session

    def lecture(self) -> Session:
        return self._read()

    def session_ecriture(self) -> Session:
        """A write session the caller commits or rolls back itself (tests, long jobs)."""
        return self._write()

    def dispose(self) -> None:
        self.engine.dispose()
