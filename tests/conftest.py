"""Shared fixtures.

* Every test runs with its own data folder (``CORAIL_DATA_DIR``), no
  ``CORAIL_DATABASE_URL`` from the environment, an in-memory keyring (never the
  user's, never a plain-text file) and Qt offscreen.
* ``db`` is a migrated database: SQLite in a temporary file, and PostgreSQL as a
  second parameter when ``CORAIL_TEST_PG_URL`` is set (each test gets a fresh
  schema there).
* ``ctx`` / ``session``: a collectivité created by ``corail init``'s service, in
  an open transaction rolled back at the end.
"""
from __future__ import annotations

import os
import uuid
from datetime import datetime
from pathlib import Path

import keyring
import pytest
from hypothesis import HealthCheck, settings
from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError
from sqlalchemy import create_engine, text

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from corail.context import Context, FixedClock  # noqa: E402
from corail.dates import UTC  # noqa: E402
from corail.db.engine import Database  # noqa: E402
from corail.db.migrate import migrer  # noqa: E402

settings.register_profile("ci", max_examples=60, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=30, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
PG_URL = os.environ.get("CORAIL_TEST_PG_URL")
CLOCK = FixedClock(datetime(2026, 10, 15, 9, 30, tzinfo=UTC))


class MemoryKeyring(KeyringBackend):
    """A keyring that lives in memory for one test."""

    priority = 1

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service, username):
        return self.store.get((service, username))

    def set_password(self, service, username, password):
        self.store[(service, username)] = password

    def delete_password(self, service, username):
        if (service, username) not in self.store:
            raise PasswordDeleteError("absent")
        del self.store[(service, username)]


@pytest.fixture(autouse=True)
def _isolation(tmp_path, monkeypatch):
    data = tmp_path / "donnees"
    data.mkdir()
    monkeypatch.setenv("CORAIL_DATA_DIR", str(data))
    monkeypatch.delenv("CORAIL_DATABASE_URL", raising=False)
    monkeypatch.setenv("CORAIL_UTILISATEUR", "agent.test")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    ring = MemoryKeyring()
    previous = keyring.get_keyring()
    keyring.set_keyring(ring)
    yield ring
    keyring.set_keyring(previous)


@pytest.fixture
def shared() -> Path:
    """The public samples beside the checkout (skipped when absent; CI requires them)."""
    if not SHARED.is_dir():
        pytest.skip("../shared absent")
    return SHARED


def _pg_database() -> str:
    """A fresh PostgreSQL database for one test, dropped afterwards."""
    assert PG_URL
    name = f"corail_t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL.replace("postgresql://", "postgresql+psycopg://", 1),
                          isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    base, _, _ = PG_URL.rpartition("/")
    return f"{base}/{name}"


def _pg_drop(url: str) -> None:
    """Drop a test database; an autovacuum worker still on it may delay that a little."""
    import time

    from sqlalchemy.exc import DBAPIError

    name = url.rpartition("/")[2]
    admin = create_engine(PG_URL.replace("postgresql://", "postgresql+psycopg://", 1),
                          isolation_level="AUTOCOMMIT")
    try:
        for essai in range(20):
            try:
                with admin.connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                return
            except DBAPIError:
                if essai == 19:
                    return  # a leftover test database is not a test failure
                time.sleep(0.25)
    finally:
        admin.dispose()


ENGINES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(params=ENGINES)
def db_url(request, tmp_path):
    """A database URL, not migrated: SQLite, and PostgreSQL when configured."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'corail.db'}"
        return
    if not PG_URL:
        pytest.skip("PostgreSQL non configuré (CORAIL_TEST_PG_URL)")
    url = _pg_database()
    yield url
    _pg_drop(url)


@pytest.fixture
def pg_db():
    """PostgreSQL only (concurrency tests)."""
    if not PG_URL:
        pytest.skip("PostgreSQL non configuré (CORAIL_TEST_PG_URL)")
    url = _pg_database()
    database = Database(url)
    migrer(database)
    yield database
    database.dispose()
    _pg_drop(url)


@pytest.fixture
def db(db_url):
    database = Database(db_url)
    migrer(database)
    yield database
    database.dispose()


@pytest.fixture
def sqlite_db(tmp_path):
    """SQLite only (GUI and property tests)."""
    database = Database(f"sqlite:///{tmp_path / 'corail.db'}")
    migrer(database)
    yield database
    database.dispose()


def init_collectivite(database: Database, **kw) -> Context:
    from corail.services.collectivites import initialiser_collectivite

    params = dict(nom="COMMUNE TEST", siret="21310555400017", code_col="123", code_bud="01",
                  poste="031000", exercice=2026)
    params.update(kw)
    with database.transaction() as session:
        res = initialiser_collectivite(session, CLOCK, "agent.test", **params)
    return Context(res.collectivite_id, res.budget_id, res.exercice, "agent.test", CLOCK)


@pytest.fixture
def ctx(db) -> Context:
    return init_collectivite(db)


@pytest.fixture
def session(db, ctx):
    """A session in a transaction, rolled back after the test."""
    with db.session_ecriture() as s:
        yield s
        s.rollback()
