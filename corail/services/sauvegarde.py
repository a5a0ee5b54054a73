"""Sauvegarde and restauration of the embedded SQLite database.

Both go through SQLite's online backup API (``sqlite3.Connection.backup``): it
copies a consistent snapshot page by page while other workstations keep reading
and writing, and it writes into the live database under its own lock, so a
restauration never leaves a half-copied file behind.

* ``sauvegarder`` writes the copy beside its target under a temporary name,
  checks it (``PRAGMA integrity_check``), then renames it: an interrupted
  sauvegarde leaves no partial file under the chosen name.
* ``restaurer`` checks the file first (a SQLite database, intact, made by
  Corail, not by a newer version), keeps a copy of the current database
  (``corail.db.avant-restauration-AAAAMMJJ-HHMMSS``), then copies the file in.

PostgreSQL is saved with its own tools (``pg_dump`` / ``pg_restore``, see
docs/sauvegarde.md); these functions refuse a PostgreSQL address with that
advice.
"""
from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from corail.db.engine import describe_url, fichier_sqlite, resolve_url
from corail.errors import ValidationError

ENTETE_SQLITE = b"SQLite format 3\x00"
PAGES_PAR_PAS = 1024  # the backup API copies this many pages, then lets writers in


@dataclass(frozen=True)
class Sauvegarde:
    fichier: Path
    taille: int
    revision: str | None
    factures: int
    pieces: int


def _base_sqlite(url: str | None) -> Path:
    resolved = resolve_url(url)
    fichier = fichier_sqlite(resolved)
    if fichier is None:
        raise ValidationError(
            f"La base {describe_url(resolved)} n'est pas une base SQLite : sauvegardez-la avec "
            f"les outils de PostgreSQL (pg_dump -Fc, puis pg_restore ; voir docs/sauvegarde.md)")
    return fichier


def _compter(conn: sqlite3.Connection, table: str) -> int:
    try:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608
    except sqlite3.DatabaseError:
        return 0


def _revision(conn: sqlite3.Connection) -> str | None:
    try:
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError:
        return None
    return row[0] if row else None


def _verifier(fichier: Path) -> Sauvegarde:
    """The file is an intact SQLite database made by this version of Corail (or an older one)."""
    if not fichier.is_file():
        raise ValidationError(f"Fichier de sauvegarde « {fichier} » introuvable")
    with open(fichier, "rb") as fh:
        if fh.read(len(ENTETE_SQLITE)) != ENTETE_SQLITE:
            raise ValidationError(
                f"« {fichier.name} » n'est pas une sauvegarde Corail (pas une base SQLite)")
    try:
        with closing(sqlite3.connect(f"file:{fichier}?mode=ro", uri=True)) as conn:
            resultat = conn.execute("PRAGMA integrity_check").fetchall()
            if resultat != [("ok",)]:
                detail = "; ".join(r[0] for r in resultat[:3])
                raise ValidationError(f"« {fichier.name} » est endommagé : {detail}")
            revision = _revision(conn)
            factures, pieces = _compter(conn, "facture_demat"), _compter(conn, "piece")
    except sqlite3.DatabaseError as exc:
        raise ValidationError(f"« {fichier.name} » est illisible : {exc}") from None
    if revision is None:
        raise ValidationError(f"« {fichier.name} » n'est pas une base Corail (pas de version de "
                              f"schéma)")
    from alembic.script import ScriptDirectory

    from corail.db.migrate import alembic_config
    try:
        connue = ScriptDirectory.from_config(alembic_config()).get_revision(revision)
    except Exception:  # alembic raises several kinds for an unknown id
        connue = None
    if connue is None:
        raise ValidationError(
            f"« {fichier.name} » vient d'une version plus récente de Corail (schéma « {revision} ») :"
            f" installez la dernière version de Corail pour la restaurer")
    return Sauvegarde(fichier, fichier.stat().st_size, revision, factures, pieces)


def sauvegarder(url: str | None, destination: Path, *, remplacer: bool = False) -> Sauvegarde:
    """Copy the SQLite database at ``url`` to ``destination`` (refused if it exists, unless
    ``remplacer``)."""
    source = _base_sqlite(url)
    destination = Path(destination).expanduser().resolve()
    if not source.is_file():
        raise ValidationError(f"Base de données « {source} » absente : rien à sauvegarder")
    if destination == source.resolve():
        raise ValidationError("La sauvegarde ne peut pas remplacer la base elle-même")
    if not destination.parent.is_dir():
        raise ValidationError(f"Dossier « {destination.parent} » introuvable")
    if destination.exists() and not remplacer:
        raise ValidationError(f"« {destination} » existe déjà (--remplacer pour l'écraser)")
    provisoire = destination.with_name(f".{destination.name}.{os.getpid()}.partiel")
    try:
        with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(provisoire)) as dst:
            src.execute("PRAGMA busy_timeout = 30000")
            src.backup(dst, pages=PAGES_PAR_PAS)
            dst.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
        resultat = _verifier(provisoire)
        os.replace(provisoire, destination)
    except sqlite3.DatabaseError as exc:
        raise ValidationError(f"Sauvegarde impossible : {exc}") from None
    finally:
        provisoire.unlink(missing_ok=True)
    return Sauvegarde(destination, resultat.taille, resultat.revision, resultat.factures,
                      resultat.pieces)


def restaurer(url: str | None, fichier: Path, *, horodatage: datetime) -> tuple[Sauvegarde, Path | None]:
    """Replace the SQLite database at ``url`` by the sauvegarde ``fichier``; returns what was
    restored and the copy kept of the replaced database (None when there was none).

    The caller migrates the restored database (an older schema is brought up to date)."""
    cible = _base_sqlite(url)
    fichier = Path(fichier).expanduser().resolve()
    sauvegarde = _verifier(fichier)
    if not cible.parent.is_dir():
        raise ValidationError(f"Dossier « {cible.parent} » introuvable")
    copie: Path | None = None
    if cible.is_file():
        copie = cible.with_name(f"{cible.name}.avant-restauration-{horodatage:%Y%m%d-%H%M%S}")
        sauvegarder(str(cible), copie)
    try:
        with closing(sqlite3.connect(fichier)) as src, closing(sqlite3.connect(cible)) as dst:
            dst.execute("PRAGMA busy_timeout = 30000")
            src.backup(dst, pages=PAGES_PAR_PAS)
    except sqlite3.DatabaseError as exc:
        raise ValidationError(f"Restauration impossible : {exc}"
                              + (f" (la base d'avant est dans « {copie} »)" if copie else "")) from None
    return sauvegarde, copie
