"""Crash safety: the command line killed (SIGKILL) in the middle of Lecture, Mandater tout,
numbering and PES export.

Each operation starts from the state an uninterrupted run had before it (a copy of the
database), runs ``corail …`` in a subprocess and kills it: at a random moment of the operation
(seeded, counted from the command's start, imports done), before a random SQL statement
(``sql:N``), or at a fixed point (just before the commit, just after it, just before or after the
PES file is renamed into place). Then:

* the database passes ``PRAGMA integrity_check`` and ``foreign_key_check`` (SQLite) or answers
  (PostgreSQL); no PJ chunk without a PJ, no PJ content without chunks or without a PJ;
* the business tables are either exactly as before the operation or exactly as after the
  uninterrupted run (a normalized dump: timestamps left out, ids by rank);
* the transfer folder holds no partial ``*.xml``: temporary files only under their temporary
  names, and a ``*.xml`` only when the database records it;
* a killed Lecture's temporary PJ folder is removed by the next Lecture (once an hour old);
* running the command again gives the uninterrupted run's result.

In CI: the fixed points and one random kill per operation on SQLite (the first fixed point on
PostgreSQL, with ``CORAIL_TEST_PG_URL``). The longer run: ``CORAIL_CRASH_RUNS=N`` gives N kills
of each random kind per operation (``CORAIL_CRASH_GRAINE`` changes the seed), e.g.
``CORAIL_CRASH_RUNS=25 .venv/bin/pytest -q -s tests/test_crash.py`` (about 11 min on SQLite).
"""
from __future__ import annotations

import os
import random
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine

from tests import crash_bases as cb
from tests import crash_outils as co

RUNS = int(os.environ.get("CORAIL_CRASH_RUNS", "1"))
GRAINE = int(os.environ.get("CORAIL_CRASH_GRAINE", "20261015"))
NB_FACTURES = 40
OPERATIONS = ("import", "mandater", "numeroter", "pes")
#: the fixed kill points worth trying for each operation (besides the random ones)
POINTS = {"import": ("commit",), "mandater": ("commit",), "numeroter": ("valide",),
          "pes": ("avant_publication", "publication")}
FENETRE = 1.5  # random delays: up to this × the operation's in-process duration


@dataclass
class Scenario:
    moteur: str
    dossier: Path
    flux: Path
    bordereau: int = 0
    avant: dict[str, str] = field(default_factory=dict)  # the database before each operation
    apres: dict[str, str] = field(default_factory=dict)  # … and after it
    durees: dict[str, float] = field(default_factory=dict)
    requetes: dict[str, int] = field(default_factory=dict)

    def args(self, operation: str, transfert: Path) -> list[str]:
        return {"import": ["pivot", "import", str(self.flux)],
                "mandater": ["pivot", "mandater", "--all"],
                "numeroter": ["mandats", "numeroter", "--train", "Normal"],
                "pes": ["pes", "export", "--bordereau", str(self.bordereau), "--out", str(transfert)],
                }[operation]


def _en_processus(url: str, *args: str) -> tuple[int, float, int]:
    """``corail ARGS`` in this process: (exit code, duration, SQL statements)."""
    from corail.cli.main import main

    n = [0]

    def compter(*_a, **_k) -> None:
        n[0] += 1
    event.listen(Engine, "before_cursor_execute", compter)
    try:
        debut = time.monotonic()
        code = main(["--database", url, "--exercice", "2026", *args])
        return code, time.monotonic() - debut, n[0]
    finally:
        event.remove(Engine, "before_cursor_execute", compter)


@pytest.fixture(scope="module",
                params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def scenario(request, tmp_path_factory):
    """The uninterrupted run: the database before each operation, and how long it lasted."""
    if request.param == "postgresql" and not os.environ.get("CORAIL_TEST_PG_URL"):
        pytest.skip("PostgreSQL non configuré (CORAIL_TEST_PG_URL)")
    dossier = tmp_path_factory.mktemp(f"crash-{request.param}")
    flux = dossier / "flux.xml"
    flux.write_bytes(co.flux_avec_pj(NB_FACTURES))
    sc = Scenario(request.param, dossier, flux)
    travail = f"sqlite:///{dossier / 'travail.db'}" if request.param == "sqlite" else cb.base_pg()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CORAIL_UTILISATEUR", "agent.test")
        mp.delenv("CORAIL_DATABASE_URL", raising=False)
        assert _en_processus(travail, *co.INIT)[0] == 0
        for operation in OPERATIONS:
            if operation == "numeroter":  # validating the mandats is not one of the operations
                from corail.cli.main import main
                assert main(["--database", travail, "--exercice", "2026", "mandats", "valider",
                             *map(str, range(1, NB_FACTURES + 1))]) == 0
            if operation == "pes":  # the suppliers' NatJur, as the agent would complete it
                sc.bordereau = cb.preparer_pes(travail)
            sc.avant[operation] = cb.copie(travail, dossier, f"avant-{operation}")
            code, sc.durees[operation], sc.requetes[operation] = _en_processus(
                travail, *sc.args(operation, dossier / "transfert"))
            assert code == 0, operation
            sc.apres[operation] = cb.copie(travail, dossier, f"apres-{operation}")
    cb.supprimer(travail)
    print(f"\n[{sc.moteur}] durées en processus : "
          + ", ".join(f"{o} {d:.2f} s / {sc.requetes[o]} requêtes" for o, d in sc.durees.items()))
    yield sc
    if sc.moteur == "postgresql":
        for url in [*sc.avant.values(), *sc.apres.values()]:
            cb.supprimer(url)


def _essais(sc: Scenario, operation: str) -> list[tuple[str, str | float]]:
    rng = random.Random(f"{GRAINE}-{sc.moteur}-{operation}")
    essais: list[tuple[str, str | float]] = [("point", p) for p in POINTS[operation]]
    sql = ("sql", f"sql:{rng.randint(1, sc.requetes[operation])}")
    temps = ("temps", round(rng.uniform(0, FENETRE * sc.durees[operation]), 3))
    if RUNS == 1:  # CI: the fixed points and one random kill, of each kind in turn (PostgreSQL:
        if sc.moteur == "postgresql":  # the first fixed point only)
            return essais[:1]
        return essais + [sql if OPERATIONS.index(operation) % 2 else temps]
    for _ in range(RUNS):
        essais += [("sql", f"sql:{rng.randint(1, sc.requetes[operation])}"),
                   ("temps", round(rng.uniform(0, FENETRE * sc.durees[operation]), 3))]
    return essais


@pytest.mark.timeout(300 + 120 * RUNS)
@pytest.mark.parametrize("operation", OPERATIONS)
def test_tue_en_cours_de_route(scenario, operation, tmp_path, monkeypatch):
    monkeypatch.setenv("CORAIL_UTILISATEUR", "agent.test")
    temporaire = tmp_path / "tmp"  # the temporary folder of the killed command and of the re-run
    temporaire.mkdir()
    monkeypatch.setenv("TMPDIR", str(temporaire))
    monkeypatch.setattr(tempfile, "tempdir", str(temporaire))
    sc = scenario
    avant = cb.dump_metier(sc.avant[operation], racine=sc.dossier / "transfert")
    apres = cb.dump_metier(sc.apres[operation], racine=sc.dossier / "transfert")
    assert avant != apres
    bilan: Counter = Counter()
    for n, (mode, valeur) in enumerate(_essais(sc, operation)):
        quoi = f"[{sc.moteur}] {operation} n° {n} ({mode} {valeur}, graine {GRAINE})"
        url = cb.copie(sc.avant[operation], tmp_path, f"k{n}")
        transfert = tmp_path / f"transfert{n}"
        try:
            args = sc.args(operation, transfert)
            if mode == "temps":
                res = co.corail_tue_apres(url, float(valeur), *args, marque=tmp_path / "marque")
            else:
                res = co.corail(url, *args, tuer=str(valeur))
            assert res.code in (0, -9), f"{quoi} : code {res.code}\n{res.erreur}"
            assert "Traceback" not in res.erreur, quoi
            assert cb.verifier_base(url) == [], quoi
            etat = cb.dump_metier(url, racine=transfert)
            issue = "avant" if etat == avant else "apres" if etat == apres else None
            assert issue, f"{quoi} : état intermédiaire : {cb.differences(etat, apres)}"
            # committed but killed before the rename: the complete temporary file waits
            _verifier_transfert(quoi, url, transfert,
                                attendus=(0, 1) if operation == "pes" and issue == "apres" else (0,))
            # the killed Lecture's temporary PJ files: removed by the next one (once old enough)
            for reste in temporaire.glob("corail-pivot-*"):
                os.utime(reste, (time.time() - 7200, time.time() - 7200))
            # again, to its end: the uninterrupted run's result (or a clean refusal when done)
            code = _en_processus(url, *args)[0]
            assert code == 0 if issue == "avant" else code in (0, 2), quoi
            etat = cb.dump_metier(url, racine=transfert)
            assert etat == apres, f"{quoi} : relancée : {cb.differences(etat, apres)}"
            assert cb.verifier_base(url) == [], quoi
            _verifier_transfert(quoi, url, transfert, attendus=(int(operation == "pes"),))
            if operation == "import":
                assert list(temporaire.iterdir()) == [], quoi
        finally:
            cb.supprimer(url)
        bilan[f"{mode} → {issue}" + (" (fini avant le signal)" if res.code == 0 else "")] += 1
    print(f"\n{sc.moteur} {operation} : {sum(bilan.values())} essai(s) : {dict(sorted(bilan.items()))}")


def _verifier_transfert(quoi: str, url: str, dossier: Path, *, attendus: tuple[int, ...]) -> None:
    """No partial PES file: ``*.xml`` only the ones the database records, complete; anything
    else only under the temporary name."""
    xml, autres = cb.fichiers_transfert(dossier)
    assert len(xml) in attendus, f"{quoi} : fichiers {xml} (attendus : {attendus})"
    assert all(n.startswith(".PES") and n.endswith(".xml.partiel") for n in autres), f"{quoi} : {autres}"
    for nom in xml:
        assert cb.pes_enregistre(url, dossier / nom), f"{quoi} : {nom} n'est pas celui enregistré"


def test_pes_mis_en_place_a_la_validation_seulement(db, ctx, tmp_path, monkeypatch):
    """``apres_validation`` (the command line): the PES file appears only once the transaction is
    committed — not on a savepoint, never after a rollback — and a file recorded but not put in
    place (a kill between the commit and the rename) is put in place by the next export."""
    from corail.services import pes
    from tests.pes_fixtures import bordereau_construit

    with db.transaction() as s:
        b1, b2, b3 = (bordereau_construit(s, ctx, [["10.00"]]) for _ in range(3))
    sortie = tmp_path / "transfert"

    def noms() -> list[str]:
        return sorted(p.name for p in sortie.iterdir())
    s = db.session_ecriture()
    info = pes.exporter_pes(s, ctx, [b1], sortie, apres_validation=True)
    with s.begin_nested():  # a savepoint released is not the commit
        pass
    assert noms() == [f".{info.nom_fichier}.partiel"]
    s.rollback()
    assert noms() == []
    info = pes.exporter_pes(s, ctx, [b1], sortie, apres_validation=True)
    s.commit()
    s.close()
    assert noms() == [info.nom_fichier]
    # committed, then killed before the rename: here, the rename fails
    remplacer = pes.os.replace
    monkeypatch.setattr(pes.os, "replace", lambda *_a: (_ for _ in ()).throw(PermissionError(13, "non")))
    with db.transaction() as s:
        info2 = pes.exporter_pes(s, ctx, [b2], sortie, apres_validation=True)
    assert noms() == [f".{info2.nom_fichier}.partiel", info.nom_fichier]
    monkeypatch.setattr(pes.os, "replace", remplacer)
    with db.transaction() as s:
        info3 = pes.exporter_pes(s, ctx, [b3], sortie, apres_validation=True)
    assert noms() == sorted([info.nom_fichier, info2.nom_fichier, info3.nom_fichier])
    assert cb.pes_enregistre(db.url, sortie / info2.nom_fichier)


def test_la_lecture_retire_les_dossiers_temporaires_abandonnes(tmp_path, monkeypatch):
    """A Lecture killed mid-way leaves its decoded PJ in a temporary folder: the next Lecture
    removes it once it is an hour old (a younger one may be another Lecture in progress)."""
    from corail.errors import ValidationError
    from corail.services.pivot_import import importer_fichier

    temporaire = tmp_path / "tmp"
    temporaire.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temporaire))
    vieux, recent = temporaire / "corail-pivot-abandonne", temporaire / "corail-pivot-en-cours"
    for dossier in (vieux, recent):
        dossier.mkdir()
        (dossier / "pj-1.bin").write_bytes(b"%PDF")
    os.utime(vieux, (time.time() - 7200, time.time() - 7200))
    with pytest.raises(ValidationError, match="introuvable"):
        importer_fichier(None, None, tmp_path / "absent.xml")
    assert [p.name for p in temporaire.iterdir()] == [recent.name]
