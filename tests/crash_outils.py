"""Tools of the crash and concurrency tests: the command line in a subprocess (killed on demand),
a flux of invoices with PJ, the integrity checks and a normalized dump of the business tables.

Run as ``python -m tests.crash_outils ARGS…`` it is ``corail ARGS…`` with an optional kill point
(``CORAIL_TEST_TUER``), set from outside the code under test:

* ``sql:N``: SIGKILL just before the N-th SQL statement of the command;
* ``commit``: SIGKILL when the database is about to commit (all the work done, nothing validated);
* ``valide``: SIGKILL just after the commit of a transaction that wrote something;
* ``avant_publication`` / ``publication``: SIGKILL just before / after a ``*.xml`` file is
  renamed into place.
"""
from __future__ import annotations

import hashlib
import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path

RACINE = Path(__file__).resolve().parents[1]
ENV_TUER = "CORAIL_TEST_TUER"
ENV_MARQUE = "CORAIL_TEST_MARQUE"  # a file written when the command starts (imports done)
ENV_ATTENDRE = "CORAIL_TEST_ATTENDRE"  # a file to wait for before the command starts
INIT = ["init", "--nom", "COMMUNE TEST", "--siret", "21310555400017", "--code-col", "123",
        "--code-bud", "01", "--poste", "031000"]


# ----------------------------------------------------------------------------- the flux

def flux_avec_pj(nb: int, *, graine: int = 7, taille_pj: int = 150_000, grandes: int = 2,
                 prefixe: str = "F", id_flx: str = "CPP0020036000000000000001") -> bytes:
    """A pivot of ``nb`` invoices for the test collectivité, each with its invoice PDF and a
    complementary PJ; ``grandes`` of them with a 2.5 MB PDF (several chunk rows); the delivery
    notes of invoices 1 and 2 share the same bytes (one stored content)."""
    from corail.formats.pivot_builder import build_pivot, exemple_facture, exemple_flux
    from corail.formats.pivot_types import TYPE_PJ_COMPLEMENTAIRE, PivotPJ

    rng = random.Random(graine)

    def pdf(taille: int) -> bytes:
        return b"%PDF-1.7\n" + rng.randbytes(taille) + b"\n%%EOF\n"

    commun = pdf(20_000)
    factures = []
    for i in range(1, nb + 1):
        f = exemple_facture(f"{prefixe}-{i:04d}", siret_debiteur="21310555400017", code_service=None,
                            montant_ht=f"{100 + i}.{i % 100:02d}", avec_pdf=False)
        principal = replace(f.pjs[0], contenu=pdf(2_500_000 if i <= grandes else taille_pj))
        bl = PivotPJ(2, f"BL{prefixe}{i:04d}.pdf", TYPE_PJ_COMPLEMENTAIRE, "application/pdf",
                     commun if i <= 2 else pdf(8_000), nom_origine="bon_livraison.pdf",
                     categorie="Bon de livraison")
        factures.append(replace(f, pjs=(principal, bl)))
    return build_pivot(exemple_flux(*factures, id_flx=id_flx))


# ----------------------------------------------------------------------------- the command line

@dataclass(frozen=True)
class Resultat:
    code: int
    sortie: str
    erreur: str
    duree: float


def _env(tuer: str | None = None, marque: Path | None = None) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(RACINE), "CORAIL_UTILISATEUR": "agent.test"}
    for nom in ("CORAIL_DATABASE_URL", ENV_TUER, ENV_MARQUE):
        env.pop(nom, None)
    if tuer:
        env[ENV_TUER] = tuer
    if marque:
        env[ENV_MARQUE] = str(marque)
    return env


def commande(url: str, *args: str) -> list[str]:
    return [sys.executable, "-m", "tests.crash_outils", "--database", url, "--exercice", "2026", *args]


def corail(url: str, *args: str, tuer: str | None = None, timeout: float = 300) -> Resultat:
    """``corail ARGS`` in a subprocess, run to its end (or to its kill point)."""
    debut = time.monotonic()
    proc = subprocess.run(commande(url, *args), cwd=RACINE, env=_env(tuer), capture_output=True,
                          text=True, timeout=timeout)
    return Resultat(proc.returncode, proc.stdout, proc.stderr, time.monotonic() - debut)


def attendre_depart(go: Path) -> None:
    """In a process started by ``demarrer_ensemble``: say it is ready, wait for the others."""
    go.with_name(f"{go.name}.{os.getpid()}.pret").write_text("")
    while not go.exists():
        time.sleep(0.001)


def demarrer_ensemble(procs: list[subprocess.Popen], go: Path) -> float:
    """Let processes go at once, when all are ready (their imports done); the start time."""
    limite = time.monotonic() + 120
    while (len(list(go.parent.glob(f"{go.name}.*.pret"))) < len(procs) and time.monotonic() < limite
           and all(p.poll() is None for p in procs)):
        time.sleep(0.005)
    go.write_text("go")
    return time.monotonic()


def en_meme_temps(url: str, go: Path, *commandes: list[str]) -> list[Resultat]:
    """Several ``corail`` commands in as many processes, started together (imports done)."""
    env = {**_env(), ENV_ATTENDRE: str(go)}
    procs = [subprocess.Popen(commande(url, *args), cwd=RACINE, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for args in commandes]
    debut = demarrer_ensemble(procs, go)
    resultats = []
    for proc in procs:
        sortie, erreur = proc.communicate(timeout=600)
        resultats.append(Resultat(proc.returncode, sortie, erreur, time.monotonic() - debut))
    return resultats


def corail_tue_apres(url: str, delai: float, *args: str, marque: Path) -> Resultat:
    """``corail ARGS`` killed (SIGKILL) ``delai`` seconds after the command started (its imports
    done: ``marque`` written), unless it ended before; ``duree`` counts from that start."""
    marque.unlink(missing_ok=True)
    proc = subprocess.Popen(commande(url, *args), cwd=RACINE, env=_env(marque=marque),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    limite = time.monotonic() + 120
    while not marque.exists() and proc.poll() is None and time.monotonic() < limite:
        time.sleep(0.002)
    debut = time.monotonic()
    try:
        sortie, erreur = proc.communicate(timeout=delai)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGKILL)
        sortie, erreur = proc.communicate()
    return Resultat(proc.returncode, sortie, erreur, time.monotonic() - debut)


def _installer_point_de_mort(point: str) -> None:
    from sqlalchemy import event
    from sqlalchemy.engine import Engine
    from sqlalchemy.orm import Session

    def mourir(*_args, **_kw) -> None:
        sys.stdout.flush()
        os.kill(os.getpid(), signal.SIGKILL)

    if point.startswith("sql:"):
        reste = [int(point[4:])]

        def compter(*_args, **_kw) -> None:
            reste[0] -= 1
            if reste[0] <= 0:
                mourir()
        event.listen(Engine, "before_cursor_execute", compter)
    elif point == "commit":
        event.listen(Engine, "commit", mourir)
    elif point == "valide":  # the commit of a transaction that wrote something
        def noter(session, _contexte) -> None:
            session.info["crash_ecrit"] = True

        def apres(session) -> None:
            racine = session.get_transaction()  # still active: a savepoint released, not a commit
            if session.info.get("crash_ecrit") and not (racine is not None and racine.is_active):
                mourir()
        event.listen(Session, "after_flush", noter)
        event.listen(Session, "after_commit", apres)
    elif point in ("avant_publication", "publication"):
        remplacer = os.replace

        def publier(source, cible, *a, **kw):
            xml = str(cible).endswith(".xml")
            if xml and point == "avant_publication":
                mourir()
            remplacer(source, cible, *a, **kw)
            if xml:
                mourir()
        os.replace = publier
    else:
        raise SystemExit(f"point de mort inconnu : {point}")


# ----------------------------------------------------------------------------- checks

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
                if isinstance(col.type, DateTime) or isinstance(getattr(col.type, "impl", None), DateTime) \
                        or (table.name, col.name) in ignores:
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


def travailleur() -> None:
    """One workstation of the concurrency test (``python -c``): waits for the ``go`` file, then,
    lot by lot, ``corail pivot mandater IDS``, ``mandats valider``, ``mandats numeroter --train
    Normal``, each through ``corail.cli.main.main`` as typed; prints a JSON summary."""
    import contextlib
    import io
    import json

    from corail.cli.main import main

    url, go, lot, *ids = sys.argv[1:]
    attendre_depart(Path(go))
    resume: dict = {"codes": [], "erreurs": [], "mandats": [], "bordereaux": []}

    def corail_ici(*args: str) -> str:
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(["--database", url, "--exercice", "2026", "--json", *args])
        resume["codes"].append(code)
        if code != 0:
            resume["erreurs"].append(f"{args[:2]} → {code} : {err.getvalue().strip()}")
        return out.getvalue() if code == 0 else ""

    debut = time.monotonic()
    for i in range(0, len(ids), int(lot)):
        sortie = corail_ici("pivot", "mandater", *ids[i:i + int(lot)])
        pieces = [str(f["piece_id"]) for f in json.loads(sortie)["traitees"]] if sortie else []
        resume["mandats"] += pieces
        if pieces and corail_ici("mandats", "valider", *pieces):
            sortie = corail_ici("mandats", "numeroter", "--train", "Normal")
            resume["bordereaux"] += [b["numero"] for b in json.loads(sortie)["bordereaux"]] if sortie else []
    resume["duree"] = time.monotonic() - debut
    print(json.dumps(resume))


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


if __name__ == "__main__":
    point = os.environ.get(ENV_TUER)
    if point:
        _installer_point_de_mort(point)
    from corail.cli.main import main

    if os.environ.get(ENV_MARQUE):
        Path(os.environ[ENV_MARQUE]).write_text(str(os.getpid()))
    if os.environ.get(ENV_ATTENDRE):  # started together with another process
        attendre_depart(Path(os.environ[ENV_ATTENDRE]))

    raise SystemExit(main(sys.argv[1:]))
