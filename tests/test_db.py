"""Database foundations on both engines: migrations, types, refusals."""
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import select, text

from corail.db.engine import Database
from corail.db.migrate import head_revision, migrer, revision_courante
from corail.db.models import Base, Collectivite, TauxInterets
from corail.errors import DatabaseError


def test_migrations_et_modeles_concordent(db):
    with db.engine.connect() as conn:
        assert revision_courante(conn) == head_revision()
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}),
                                Base.metadata)
    assert diff == []


def test_migrer_deux_fois_ne_fait_rien(db):
    assert migrer(db) is False


def test_schema_plus_recent_refuse(db):
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999_futur'"))
    with pytest.raises(DatabaseError, match="version plus récente de Corail"):
        migrer(db)


def test_montants_dates_et_taux(db, ctx):
    paris = timezone(timedelta(hours=2))
    with db.transaction() as s:
        s.add(TauxInterets(date_debut=date(2030, 1, 1), taux_bce=Decimal("3.6500"),
                           majoration=Decimal("8")))
        coll = s.get(Collectivite, ctx.collectivite_id)
        coll.cree_le = datetime(2026, 10, 5, 14, 7, tzinfo=paris)
    with db.lecture() as s:
        taux = s.scalars(select(TauxInterets).where(TauxInterets.date_debut == date(2030, 1, 1))).one()
        assert taux.taux_bce == Decimal("3.65") and taux.majoration == Decimal("8")
        coll = s.get(Collectivite, ctx.collectivite_id)
        assert coll.cree_le == datetime(2026, 10, 5, 12, 7, tzinfo=timezone.utc)
        assert coll.cree_le.tzinfo is not None


def test_sqlite_wal_et_cles_etrangeres(tmp_path):
    database = Database(f"sqlite:///{tmp_path / 'x.db'}")
    with database.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000


def test_base_inaccessible_message_francais(tmp_path):
    with pytest.raises(DatabaseError, match="n'existe pas"):
        Database(f"sqlite:///{tmp_path / 'absent' / 'x.db'}")
    bad = Database("postgresql://corail:x@127.0.0.1:1/rien")
    with pytest.raises(DatabaseError, match="Impossible d'ouvrir la base de données"):
        bad.check_connection()
    assert "x@" not in bad.description  # the password never shows


def test_adresse_invalide_ou_chemin(tmp_path):
    with pytest.raises(DatabaseError, match="invalide|non prise en charge"):
        Database("oracle+inconnu://x/y")
    # a plain path is a SQLite file
    assert Database(str(tmp_path / "c.db")).url == f"sqlite:///{tmp_path / 'c.db'}"
