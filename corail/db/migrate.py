"""Migrations: applied at start, and a database newer than the program is refused.

``migrer(db)`` brings the schema to the program's head revision. Both the
application and the command line call it before anything else.
"""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError

from corail.db.engine import Database
from corail.errors import DatabaseError

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(connection: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    script = ScriptDirectory.from_config(alembic_config())
    head = script.get_current_head()
    assert head is not None
    return head


def revision_courante(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def verifier_version(connection: Connection) -> str | None:
    """The database's revision; ``DatabaseError`` when this program does not know it."""
    current = revision_courante(connection)
    if current is None:
        return None
    script = ScriptDirectory.from_config(alembic_config())
    try:
        known = script.get_revision(current)
    except Exception:  # alembic raises several kinds for an unknown id
        known = None
    if known is None:
        raise DatabaseError(
            f"La base de données a été créée ou mise à jour par une version plus récente de "
            f"Corail (schéma « {current} ») : cette version ne peut pas l'ouvrir sans risque. "
            f"Installez la dernière version de Corail."
        )
    return current


def migrer(db: Database) -> bool:
    """Apply the pending migrations; True when something was applied."""
    db.check_connection()
    try:
        with db.engine.connect() as connection:
            current = verifier_version(connection)
        if current == head_revision():
            return False
        with db.engine.begin() as connection:
            command.upgrade(alembic_config(connection), "head")
    except SQLAlchemyError as exc:
        raison = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise DatabaseError(f"Base de données {db.description} inutilisable : {raison}") from None
    return True
