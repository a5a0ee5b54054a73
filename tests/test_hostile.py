"""Hostile input suite (issue 10): bad pivot flux, CPPStatut, PES acquittements, PES_Facture ASAP
and settings, each given to the command line as a user would (``corail …`` in-process).

Every refused case: exit code 2, one French message on stderr naming the file (and the invoice
or element where there is one), no traceback, nothing on stdout, the database unchanged
(SQLite: ``iterdump`` before/after; PostgreSQL: ``pg_dump --data-only`` before/after) and no
file left in the Répertoire de transfert, the Répertoire de réception, the data folder or the
temporary folder. The cases are in tests/hostile_cas.py; one test id per case.

A few hostile inputs are rightly *accepted* (a PJ named ``../../etc/passwd`` or ``CON``, a
ZIP entry with an absolute path…): ``test_accepte_sans_danger`` checks that nothing they name
is ever written outside the folder asked for.
"""
from __future__ import annotations

import difflib
import hashlib
import json
import re
import shutil
import sqlite3
import subprocess
import tempfile
from pathlib import Path

import keyring
import pytest

from corail.cli.main import main
from tests.conftest import PG_URL, MemoryKeyring, _pg_database, _pg_drop
from tests.hostile_cas import (
    PIVOT, Base, Cas, arguments, preparer_base, remplacer, tous_les_cas, zip_memoire, _contenu_pj,
)

CAS = tous_les_cas()
DUMP_INITIAL: dict[str, str] = {}  # pg_dump --data-only of each prepared PostgreSQL base
ANGLAIS = re.compile(r"\b(line|column|expected|found|invalid literal|not a|error|errno|exceeded)\b",
                     re.IGNORECASE)


# ------------------------------------------------------------------------------ databases

def _pg_dump(url: str) -> str:
    if shutil.which("pg_dump") is None:
        pytest.skip("pg_dump absent de cette machine : variante PostgreSQL non vérifiable")
    sortie = subprocess.run(["pg_dump", "--data-only", "--no-owner", "--dbname", url],
                            check=True, capture_output=True, text=True).stdout
    # Sequences are not transactional in PostgreSQL: a rolled-back INSERT still consumes a
    # number. That is not data; every row and every value is compared. \restrict lines carry a
    # random key (pg_dump 15.14+).
    return "\n".join(l for l in sortie.splitlines()
                     if not l.startswith(("SELECT pg_catalog.setval", "\\restrict", "\\unrestrict")))


def _empreintes_pg(url: str) -> str:
    """One md5 per table of every row's text: what pg_dump --data-only says, without starting a
    process per test (pg_dump itself is compared once for all the cases, see below)."""
    from sqlalchemy import create_engine, text

    from corail.db.models import Base as Modeles

    tables = [t.name for t in Modeles.metadata.sorted_tables] + ["alembic_version"]
    requete = " UNION ALL ".join(
        f"SELECT '{t}', count(*), md5(coalesce(string_agg(md5(x::text), ',' ORDER BY md5(x::text)), ''))"
        f' FROM "{t}" x' for t in tables)
    moteur = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with moteur.connect() as conn:
            return "\n".join(f"{t} {n} {h}" for t, n, h in conn.execute(text(requete)))
    finally:
        moteur.dispose()


def etat_base(url: str) -> str:
    """The whole content of the database, as text: SQLite's dump, PostgreSQL's rows hashed."""
    if url.startswith("sqlite:///"):
        conn = sqlite3.connect(url.removeprefix("sqlite:///"))
        try:
            return "\n".join(conn.iterdump())
        finally:
            conn.close()
    return _empreintes_pg(url)


def _comparer(avant: str, apres: str) -> None:
    if avant != apres:
        diff = list(difflib.unified_diff(avant.splitlines(), apres.splitlines(), lineterm="", n=0))
        pytest.fail("base de données modifiée :\n" + "\n".join(diff[:40]))


def fichiers(*dossiers: Path) -> dict[str, tuple[int, int]]:
    """Every file under ``dossiers`` (the SQLite database and its journal aside)."""
    return {str(p): (p.stat().st_size, p.stat().st_mtime_ns)
            for d in dossiers if d.is_dir() for p in d.rglob("*") if ".db" not in p.name}


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def base(request, tmp_path_factory) -> Base:
    """One prepared database per engine for the whole module: a refused case changes nothing,
    which each test checks (a case that wrote would fail, not spoil the others' comparison)."""
    dossier = tmp_path_factory.mktemp(f"hostile_{request.param}")
    if request.param == "sqlite":
        url = f"sqlite:///{dossier / 'corail.db'}"
    elif not PG_URL:
        pytest.skip("PostgreSQL non configuré (CORAIL_TEST_PG_URL)")
    else:
        url = _pg_database()
    precedent = keyring.get_keyring()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CORAIL_UTILISATEUR", "agent.test")
        mp.setenv("CORAIL_DATA_DIR", str(dossier))
        mp.delenv("CORAIL_DATABASE_URL", raising=False)
        keyring.set_keyring(MemoryKeyring())
        try:
            prete = preparer_base(url, dossier)
        finally:
            keyring.set_keyring(precedent)
    if request.param == "postgresql":
        DUMP_INITIAL[url] = _pg_dump(url)
    yield prete
    if request.param == "postgresql":
        _pg_drop(url)


@pytest.fixture
def temp_propre(tmp_path, monkeypatch) -> Path:
    """The temporary folder of the readers (PJ spools, unzipped files): must stay empty."""
    dossier = tmp_path / "temp"
    dossier.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(dossier))
    return dossier


def _lancer(capsys, args: list[str]) -> tuple[int, str, str]:
    capsys.readouterr()
    try:
        code = main(args)
    except SystemExit as exc:  # argparse
        code = exc.code
    sortie = capsys.readouterr()
    return code, sortie.out, sortie.err


# ------------------------------------------------------------------------------ refused

@pytest.mark.parametrize("cas", CAS, ids=[c.nom for c in CAS])
def test_refuse_en_francais_rien_ecrit(base, cas: Cas, capsys, temp_propre, tmp_path):
    chemin = base.dossier / "cas" / f"{cas.nom}{cas.suffixe}"
    if cas.commande != "init":
        chemin.write_bytes(cas.fabrique(base))
    surveilles = (base.transfert, base.reception, tmp_path / "donnees", temp_propre)
    avant, fichiers_avant = etat_base(base.url), fichiers(*surveilles)

    code, out, err = _lancer(capsys, arguments(cas, base, chemin))

    assert code == 2, f"code {code} ; stderr : {err}"
    assert "Traceback" not in err and out == ""
    messages = [l for l in err.splitlines() if l.startswith("corail :")]
    assert len(messages) == 1, err  # one message (a list of problems may follow it, indented)
    assert re.search(cas.motif, err, re.DOTALL), err
    assert not ANGLAIS.search(err), f"message en anglais : {err}"
    if cas.commande != "init":
        assert chemin.name in messages[0]
    _comparer(avant, etat_base(base.url))
    assert fichiers(*surveilles) == fichiers_avant
    chemin.unlink(missing_ok=True)


def test_pg_dump_inchange_apres_les_cas(base):
    """PostgreSQL: ``pg_dump --data-only`` after the cases (run before this test on the same
    base) hashes as it did once the base was prepared."""
    if not base.url.startswith("postgresql"):
        pytest.skip("variante PostgreSQL seulement (SQLite : iterdump à chaque cas)")
    avant, apres = DUMP_INITIAL[base.url], _pg_dump(base.url)
    if hashlib.sha256(avant.encode()).hexdigest() != hashlib.sha256(apres.encode()).hexdigest():
        _comparer(avant, apres)


def test_assez_de_familles():
    """The issue asks for at least 30 kinds of bad input (a kind: a name across readers)."""
    familles = {c.nom.split("-", 1)[1] for c in CAS}
    assert len(familles) >= 30 and len(CAS) >= 60, (len(familles), len(CAS))
    assert {c.commande for c in CAS} == {"pivot", "statuts", "acquit", "asap", "init"}


# ------------------------------------------------------------------------------ accepted

def _pivot_pj(nom_pj: str, entrees: dict[str, bytes] | None = None) -> bytes:
    import base64

    data = remplacer(PIVOT, "<NomPJ>FAC32682006500083H-1.pdf", f"<NomPJ>{nom_pj}")
    if entrees is not None:
        data = remplacer(data, _contenu_pj(data), base64.b64encode(zip_memoire(entrees)))
    return data


ACCEPTES = {
    "nom_de_pj_traversant": (_pivot_pj("../../../../etc/passwd"), "passwd"),
    "nom_de_pj_windows_traversant": (_pivot_pj("..\\..\\Windows\\win.ini"), "win.ini"),
    "nom_de_pj_reserve_con": (_pivot_pj("CON.pdf"), "_CON.pdf"),
    "nom_de_pj_cache_et_points": (_pivot_pj(" ...bashrc "), "bashrc"),
    "zip_de_pj_a_chemin_absolu": (_pivot_pj("f.pdf", {"/etc/passwd": b"%PDF-1.4 absolu"}), "f.pdf"),
    "zip_de_pj_a_chemin_traversant": (_pivot_pj("g.pdf", {"../../../x.pdf": b"%PDF-1.4 t"}), "g.pdf"),
}


@pytest.mark.parametrize("cas", sorted(ACCEPTES))
def test_accepte_sans_danger(db_url, cas, tmp_path, capsys, temp_propre):
    """Read, then its PJ written with ``corail pivot pj --out``: only inside that folder, under
    a safe name (pj.nom_sur), whatever the name in the file or in its ZIP."""
    data, nom_attendu = ACCEPTES[cas]
    from tests.hostile_cas import INIT

    assert main(["--database", db_url, "--exercice", "2026", *INIT]) == 0
    chemin = tmp_path / "flux.xml"
    chemin.write_bytes(data)
    code, out, err = _lancer(capsys, ["--database", db_url, "--json", "pivot", "import", str(chemin)])
    assert code == 0, err
    sortie = tmp_path / "sortie" / "pj"
    avant = fichiers(tmp_path.parent)
    code, out, err = _lancer(capsys, ["--database", db_url, "--json", "pivot", "pj", "1", "--out", str(sortie)])
    assert code == 0, err
    (ecrit,) = json.loads(out)
    assert Path(ecrit) == sortie / nom_attendu and Path(ecrit).is_file()
    nouveaux = set(fichiers(tmp_path.parent)) - set(avant)
    assert nouveaux == {str(sortie.parent), str(sortie), str(sortie / nom_attendu)}  # nothing else
    assert not any(temp_propre.iterdir())


def test_acquittement_aux_numeros_demesures_accepte(db_url, tmp_path, capsys, temp_propre):
    """A rejected bordereau whose NumPiece has 25 digits and NumLigne 40 characters: the
    acquittement is read (the pièce cannot be one of ours), the numbers kept within their
    columns — PostgreSQL refused them before, SQLite overflowed on the 25 digits."""
    from sqlalchemy import select

    from corail.db.engine import Database
    from corail.db.models import PesAcquittementErreur
    from tests.pes_fixtures import acquit_v2, element_bordereau, erreur

    base = preparer_base(db_url, tmp_path / "b")
    detail = (f'<DetailPiece><NumPiece V="{"9" * 25}"/>{erreur("ERREUR_AUTRE", "Pièce")}'
              f'<DetailLigne><NumLigne V="{"L" * 40}"/>{erreur("ERREUR_AUTRE", "Ligne")}</DetailLigne>'
              f'</DetailPiece>')
    element = (element_bordereau(base.num_bord, False, erreurs=detail)
               + f'<NumPiece V="{"8" * 40}"/><NumLigne V="{"7" * 40}"/><NumAnoAck V="ERREUR_AUTRE"/>')
    chemin = tmp_path / "ACK.xml"
    chemin.write_bytes(acquit_v2(base.nom_fic, [element]))
    code, out, err = _lancer(capsys, ["--database", db_url, "pes", "import-acquit", str(chemin)])
    assert code == 0, err
    db = Database(db_url)
    try:
        with db.lecture() as s:
            lignes = s.scalars(select(PesAcquittementErreur)).all()
    finally:
        db.dispose()
    assert {(e.numero_piece, e.numero_ligne) for e in lignes} == {
        ("9" * 20, None), ("9" * 20, "L" * 10), ("8" * 20, "7" * 10)}
    assert all(e.piece_id is None for e in lignes)


# ------------------------------------------------------------------------------ settings screens

def _reglages_refuses():
    from corail.services.reglages import TransfertReglage
    from corail.services.reglages_demat import RecuperationReglage
    from tests.asap_fixtures import REGLAGE

    perso = dict(environnement="personnalisee", mode="service", compte="TECH@123", client_id="c")
    return {
        "url_non_https": (RecuperationReglage(url="http://api.piste.gouv.fr", **perso), "URL invalide"),
        "url_sans_hote": (RecuperationReglage(url="https://", **perso), "URL invalide"),
        "url_avec_espace": (RecuperationReglage(url="https://api piste.fr", **perso), "URL invalide"),
        "url_javascript": (RecuperationReglage(url="javascript:alert(1)", **perso), "URL invalide"),
        "intervalle_0": (RecuperationReglage(intervalle_minutes=0, **perso), "Intervalle.*: 0"),
        "intervalle_negatif": (RecuperationReglage(intervalle_minutes=-30, **perso), "Intervalle"),
        "intervalle_d_un_an": (RecuperationReglage(intervalle_minutes=525600, **perso), "Intervalle"),
        "intervalle_texte": (RecuperationReglage(intervalle_minutes="30", **perso), "Intervalle"),
        "mode_inconnu": (RecuperationReglage(mode="pigeon"), "Mode de récupération inconnu"),
        "environnement_inconnu": (RecuperationReglage(environnement="recette"), "choix inconnu"),
        "service_sans_compte": (RecuperationReglage(mode="service"), "Compte"),
        "automatique_en_mode_portail": (RecuperationReglage(automatique=True), "mode service"),
        "repertoire_de_transfert_absent": (TransfertReglage(repertoire_transfert="/nulle/part",
                                                           transmettre_pes=True), "introuvable"),
        "repertoire_de_reception_fichier": (TransfertReglage(repertoire_flux="/etc/hostname"), "introuvable"),
        "asap_code_postal_4_chiffres": (_remplacer_reglage(REGLAGE, code_postal="3100"), "Code postal"),
        "asap_categorie_inconnue": (_remplacer_reglage(REGLAGE, categorie="99"), "Catégorie inconnue"),
        "asap_refbdf_ponctuee": (_remplacer_reglage(REGLAGE, ref_bdf="12-34"), "RefBdf"),
        "asap_signataire_sans_nom": (_remplacer_reglage(REGLAGE, signataire_nom=""), "Signataire"),
    }


def _remplacer_reglage(reglage, **kw):
    from dataclasses import replace

    return replace(reglage, **kw)


REGLAGES_REFUSES = sorted(_reglages_refuses())


@pytest.mark.parametrize("cas", REGLAGES_REFUSES)
def test_reglage_refuse_rien_ecrit(base, cas):
    """The settings screens' services (no command line sets them): a French ValidationError,
    nothing written."""
    from corail.db.engine import Database
    from corail.errors import ValidationError
    from corail.services.contexte import construire_contexte
    from corail.services.reglages import TransfertReglage, enregistrer_transfert
    from corail.services.reglages_demat import RecuperationReglage, enregistrer_asap, enregistrer_recuperation

    reglage, motif = _reglages_refuses()[cas]
    enregistrer = (enregistrer_recuperation if isinstance(reglage, RecuperationReglage) else
                   enregistrer_transfert if isinstance(reglage, TransfertReglage) else enregistrer_asap)
    avant = etat_base(base.url)
    db = Database(base.url)
    try:
        with pytest.raises(ValidationError, match=motif) as exc:
            with db.transaction() as s:
                ctx = construire_contexte(s, budget=None, exercice=2026, utilisateur="agent.test")
                enregistrer(s, ctx, reglage)
    finally:
        db.dispose()
    assert not ANGLAIS.search(str(exc.value)), str(exc.value)
    _comparer(avant, etat_base(base.url))
