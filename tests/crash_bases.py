"""Databases of the crash and concurrency tests: copies (SQLite file, PostgreSQL template), the
integrity checks after a kill, and a normalized dump of the business tables to compare two runs."""
from __future__ import annotations

import hashlib
import os
import random
import re
import sqlite3
from datetime import date, datetime
from pathlib import Path


def ouvrir(url: str):
    from corail.db.engine import Database

    return Database(url)


def verifier_base(url: str) -> list[str]:
    """What is wrong with the database after a kill (empty: nothing). SQLite: ``PRAGMA
    integrity_check``; both: the database answers, no orphan or unfinished PJ content."""
    from sqlalchemy import exists, func, select, text

    from corail.db.models import PJ, PJChunk, PJContenu
    from corail.services.pj import chunks_orphelins

    problemes = []
    if url.startswith("sqlite:///"):
        conn = sqlite3.connect(url.removeprefix("sqlite:///"))
        try:
            resultat = [r[0] for r in conn.execute("PRAGMA integrity_check")]
            if resultat != ["ok"]:
                problemes.append(f"integrity_check : {resultat[:5]}")
            fk = conn.execute("PRAGMA foreign_key_check").fetchall()
            if fk:
                problemes.append(f"foreign_key_check : {fk[:5]}")
        finally:
            conn.close()
    db = ouvrir(url)
    try:
        with db.lecture() as s:
            assert s.scalar(text("SELECT 1")) == 1
            if n := chunks_orphelins(s):
                problemes.append(f"{n} tranche(s) de PJ orphelines")
            sans_tranche = s.scalar(select(func.count()).select_from(PJContenu).where(
                ~exists().where(PJChunk.contenu_id == PJContenu.id)))
            if sans_tranche:
                problemes.append(f"{sans_tranche} contenu(s) de PJ sans tranche")
            inutiles = s.scalar(select(func.count()).select_from(PJContenu).where(
                ~exists().where(PJ.contenu_id == PJContenu.id)))
            if inutiles:
                problemes.append(f"{inutiles} contenu(s) de PJ qu'aucune PJ n'utilise")
    finally:
        db.dispose()
    return problemes


def fichiers_transfert(dossier: Path) -> tuple[list[str], list[str]]:
    """(complete ``*.xml`` files, anything else) of the transfer folder."""
    if not dossier.is_dir():
        return [], []
    noms = sorted(p.name for p in dossier.iterdir())
    xml = [n for n in noms if n.endswith(".xml") and not n.startswith(".")]
    return xml, [n for n in noms if n not in xml]


_NOM_PES = re.compile(r"PES\d+_\d{14}_[0-9a-f]{8}")


def dump_metier(url: str, *, racine: Path | None = None) -> dict[str, list[tuple]]:
    """Every table's rows, comparable between two runs of the same commands: timestamps left
    out, ids replaced by their rank in their table (foreign keys too), PES file names, their
    hashes and the run's folder normalized, binary data by its sha256."""
    from sqlalchemy import DateTime, LargeBinary, select

    from corail.db.models import Base, PesAller

    db = ouvrir(url)
    try:
        with db.lecture() as s:
            lignes = {}
            for table in Base.metadata.sorted_tables:
                cles = [c for c in table.primary_key.columns]
                lignes[table.name] = [dict(r._mapping) for r in s.execute(
                    select(table).order_by(*cles))]
    finally:
        db.dispose()
    rangs = {}
    for table in Base.metadata.sorted_tables:
        if "id" in table.c and table.c.id.primary_key:
            rangs[table.name] = {r["id"]: i for i, r in enumerate(lignes[table.name], 1)}
    ignores = {(PesAller.__tablename__, "sha256")}
    out = {}
    for table in Base.metadata.sorted_tables:
        rangees = []
        for r in lignes[table.name]:
            valeurs = []
            for col in table.columns:
                v = r[col.name]
                horodatage = isinstance(col.type, DateTime) or isinstance(
                    getattr(col.type, "impl", None), DateTime)
                if horodatage or (table.name, col.name) in ignores:
                    continue
                if col.name == "id" and table.name in rangs:
                    v = rangs[table.name][v]
                elif col.foreign_keys and v is not None:
                    cible = next(iter(col.foreign_keys)).column.table.name
                    v = rangs.get(cible, {}).get(v, v)
                elif isinstance(col.type, LargeBinary) and v is not None:
                    v = hashlib.sha256(v).hexdigest()
                elif isinstance(v, str):
                    v = _NOM_PES.sub("PES…", v)
                    if racine is not None:
                        v = v.replace(str(racine), "<racine>")
                elif isinstance(v, (date, datetime)):
                    v = v.isoformat()
                valeurs.append((col.name, v))
            rangees.append(tuple(valeurs))
        out[table.name] = rangees
    return out


def differences(a: dict[str, list[tuple]], b: dict[str, list[tuple]]) -> list[str]:
    """The tables that differ, with their row counts (for assertion messages)."""
    return [f"{t} : {len(a.get(t, []))} ligne(s) / {len(b.get(t, []))}"
            + ("" if len(a.get(t, [])) != len(b.get(t, [])) else " (contenu différent)")
            for t in sorted(set(a) | set(b)) if a.get(t) != b.get(t)]


def preparer_pes(url: str) -> int:
    """Complete the tiers the pivot leaves without NatJur (the PES requires it); the first
    bordereau's id."""
    from sqlalchemy import select

    from corail.db.models import Bordereau, Tiers

    db = ouvrir(url)
    try:
        with db.transaction() as s:
            for t in s.scalars(select(Tiers).where(Tiers.nat_jur.is_(None))):
                t.nat_jur = "03"
        with db.lecture() as s:
            return s.scalars(select(Bordereau.id).order_by(Bordereau.id)).first()
    finally:
        db.dispose()


def pes_enregistre(url: str, chemin: Path) -> bool:
    """The PES file is the one the database records (name, size and sha256), and well-formed."""
    from lxml import etree
    from sqlalchemy import select

    from corail.db.models import PesAller

    brut = chemin.read_bytes()
    etree.fromstring(brut)
    db = ouvrir(url)
    try:
        with db.lecture() as s:
            pa = s.scalars(select(PesAller).where(PesAller.nom_fichier == chemin.name)).one_or_none()
            return pa is not None and (pa.taille, pa.sha256) == (
                len(brut), hashlib.sha256(brut).hexdigest())
    finally:
        db.dispose()


def copier_sqlite(source: Path, cible: Path) -> str:
    """A copy of a SQLite database (online backup: the WAL included); its URL."""
    src, dst = sqlite3.connect(source), sqlite3.connect(cible)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()
    return f"sqlite:///{cible}"


def _admin_pg():
    from sqlalchemy import create_engine

    url = os.environ["CORAIL_TEST_PG_URL"]
    return create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1),
                         isolation_level="AUTOCOMMIT")


def base_pg(modele: str | None = None) -> str:
    """A new PostgreSQL database (a copy of the database ``modele`` when given); its URL."""
    from sqlalchemy import text

    nom = f"corail_c_{os.getpid()}_{random.randrange(16**8):08x}"
    admin = _admin_pg()
    try:
        with admin.connect() as conn:
            gabarit = f' TEMPLATE "{modele.rpartition("/")[2]}"' if modele else ""
            conn.execute(text(f'CREATE DATABASE "{nom}"{gabarit}'))
    finally:
        admin.dispose()
    return f"{os.environ['CORAIL_TEST_PG_URL'].rpartition('/')[0]}/{nom}"


def supprimer_pg(url: str) -> None:
    from sqlalchemy import text

    admin = _admin_pg()
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{url.rpartition("/")[2]}" WITH (FORCE)'))
    finally:
        admin.dispose()


def copie(url: str, dossier: Path, nom: str) -> str:
    """A copy of the database ``url`` (SQLite: a file in ``dossier``; PostgreSQL: a new database)."""
    if url.startswith("sqlite:///"):
        return copier_sqlite(Path(url.removeprefix("sqlite:///")), dossier / f"{nom}.db")
    return base_pg(url)


def supprimer(url: str) -> None:
    if url.startswith("sqlite:///"):
        for suffixe in ("", "-wal", "-shm"):
            Path(url.removeprefix("sqlite:///") + suffixe).unlink(missing_ok=True)
    else:
        supprimer_pg(url)
