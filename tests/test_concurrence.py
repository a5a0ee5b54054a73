"""Concurrency: two workstations (two processes) mandating, validating and numbering at once on
the same budget and exercice.

Each process takes its own half of the invoices of one flux and, lot by lot, runs ``corail pivot
mandater IDS``, ``mandats valider`` and ``mandats numeroter --train Normal`` — the same train: a
numbering may find the other workstation's validated mandats, or none left (a clear French
refusal, exit 2). Then: every invoice mandated exactly once; mandat numbers unique and gapless
1..N; bordereau numbers unique and gapless; each bordereau holds exactly the mandats numbered
with it; no exit 1, no traceback, no deadlock or lock error shown to the user.

PostgreSQL (``CORAIL_TEST_PG_URL``; counters ``FOR UPDATE``) and SQLite (one writer at a time,
``BEGIN IMMEDIATE`` and a 30 s busy timeout). CI: 100 + 100 invoices by lots of 20; the full
size: ``CORAIL_CONCURRENCE_FACTURES=500 .venv/bin/pytest -q -s tests/test_concurrence.py``.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest
from sqlalchemy import func, select

from corail.cli.main import main
from corail.db.models import Bordereau, EtapeFacture, FactureDemat, Piece
from corail.domain.etats import Etape
from tests import crash_bases as cb
from tests import crash_outils as co
from tests.pivot_fixtures import flux_simple

PAR_POSTE = int(os.environ.get("CORAIL_CONCURRENCE_FACTURES", "100"))
LOT = max(PAR_POSTE // 5, 1)


def _corail(url: str, *args: str) -> int:
    return main(["--database", url, "--exercice", "2026", *args])


def _deux_postes(url: str, tmp_path, lots: list[list[int]]) -> list[dict]:
    go = tmp_path / "go"
    script = "from tests.crash_outils import travailleur; travailleur()"
    procs = [subprocess.Popen([sys.executable, "-c", script, url, str(go), str(LOT), *map(str, ids)],
                              cwd=co.RACINE, env=co.env_commande(), stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for ids in lots]
    co.demarrer_ensemble(procs, go)
    resultats = []
    for proc in procs:
        sortie, erreur = proc.communicate(timeout=1200)
        assert proc.returncode == 0, erreur
        resultats.append(json.loads(sortie.strip().splitlines()[-1]))
    return resultats


@pytest.mark.timeout(1800)
def test_deux_postes_mandatent_et_numerotent(db_url, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CORAIL_UTILISATEUR", "agent.test")
    n = 2 * PAR_POSTE
    assert _corail(db_url, *co.INIT) == 0
    flux = tmp_path / "flux.xml"
    flux.write_bytes(flux_simple(*(f"C-{i:04d}" for i in range(1, n + 1)), numero_engagement=None))
    assert _corail(db_url, "pivot", "import", str(flux)) == 0
    db = cb.ouvrir(db_url)
    try:
        with db.lecture() as s:
            ids = s.scalars(select(FactureDemat.id).order_by(FactureDemat.id)).all()
        assert len(ids) == n
        debut = time.monotonic()
        resultats = _deux_postes(db_url, tmp_path, [ids[:PAR_POSTE], ids[PAR_POSTE:]])
        duree = time.monotonic() - debut
        refus = [e for r in resultats for e in r["erreurs"]]
        for r in resultats:  # exit 2 only for a numbering the other workstation did first
            assert set(r["codes"]) <= {0, 2}, r["erreurs"]
        assert all("Aucun mandat validé à numéroter" in e for e in refus), refus
        assert not any(m in e.lower() for e in refus
                       for m in ("traceback", "deadlock", "lock", "verrou", "interne"))
        with db.lecture() as s:
            mandats = s.execute(select(Piece.id, Piece.numero, Piece.bordereau_id,
                                       Piece.facture_demat_id, Piece.etat)).all()
            bordereaux = s.execute(select(Bordereau.id, Bordereau.numero, Bordereau.nb_pieces)).all()
            numerotations = s.scalar(select(func.count()).select_from(EtapeFacture).where(
                EtapeFacture.etape == Etape.NUMEROTATION))
    finally:
        db.dispose()
    assert len(mandats) == n
    assert sorted(m.facture_demat_id for m in mandats) == sorted(ids)  # each invoice once
    assert sorted(m.numero for m in mandats) == list(range(1, n + 1))  # unique and gapless
    assert {m.etat for m in mandats} == {"numerote"}
    assert sorted(b.numero for b in bordereaux) == list(range(1, len(bordereaux) + 1))
    par_bordereau = {b.id: 0 for b in bordereaux}
    for m in mandats:
        par_bordereau[m.bordereau_id] += 1
    assert par_bordereau == {b.id: b.nb_pieces for b in bordereaux}
    assert numerotations == n
    assert sorted(b for r in resultats for b in r["bordereaux"]) == sorted(b.numero for b in bordereaux)
    with capsys.disabled():
        print(f"\n[{db_url.partition(':')[0]}] 2 postes × {PAR_POSTE} factures (lots de {LOT}) : "
              f"{duree:.1f} s ; postes {[round(r['duree'], 1) for r in resultats]} s ; "
              f"{len(bordereaux)} bordereaux ; {len(refus)} numérotation(s) sans mandat (code 2)")


def _preparer(url: str, tmp_path, n: int, *etapes: list[str]) -> None:
    assert _corail(url, *co.INIT) == 0
    flux = tmp_path / "flux.xml"
    flux.write_bytes(flux_simple(*(f"M-{i:03d}" for i in range(1, n + 1)), numero_engagement=None))
    assert _corail(url, "pivot", "import", str(flux)) == 0
    for args in etapes:
        assert _corail(url, *args) == 0


def _sans_erreur_interne(resultats) -> None:
    for r in resultats:
        assert r.code in (0, 2) and "Traceback" not in r.erreur and "interne" not in r.erreur, r.erreur


def test_mandater_tout_a_deux_postes(db_url, tmp_path, monkeypatch):
    """Both workstations click *Mandater tout* on the same invoices at once: each invoice gets
    one mandat (PostgreSQL: the second waits for the first, then finds nothing left)."""
    monkeypatch.setenv("CORAIL_UTILISATEUR", "agent.test")
    _preparer(db_url, tmp_path, 30, ["pivot", "mandater", "1"])  # the supplier's tiers exists
    resultats = co.en_meme_temps(db_url, tmp_path / "go", ["pivot", "mandater", "--all"],
                                 ["pivot", "mandater", "--all"])
    _sans_erreur_interne(resultats)
    assert [r.code for r in resultats] == [0, 0]
    db = cb.ouvrir(db_url)
    try:
        with db.lecture() as s:
            factures = s.scalars(select(Piece.facture_demat_id)).all()
    finally:
        db.dispose()
    assert sorted(factures) == list(range(1, 31))
    assert sum(r.sortie.count(" mandatée (") for r in resultats) == 29


def test_numeroter_le_meme_train_a_deux_postes(db_url, tmp_path, monkeypatch):
    """Both number the same train at once: one bordereau, numbers 1..30 once; the other is told
    in French that nothing is left to number (exit 2)."""
    monkeypatch.setenv("CORAIL_UTILISATEUR", "agent.test")
    _preparer(db_url, tmp_path, 30, ["pivot", "mandater", "--all"],
              ["mandats", "valider", *map(str, range(1, 31))])
    resultats = co.en_meme_temps(db_url, tmp_path / "go", ["mandats", "numeroter", "--train", "Normal"],
                                 ["mandats", "numeroter", "--train", "Normal"])
    _sans_erreur_interne(resultats)
    db = cb.ouvrir(db_url)
    try:
        with db.lecture() as s:
            numeros = s.execute(select(Piece.numero, Piece.bordereau_id)).all()
            bordereaux = s.scalars(select(Bordereau.numero)).all()
    finally:
        db.dispose()
    assert sorted(n for n, _ in numeros) == list(range(1, 31))
    assert bordereaux == [1] and {b for _, b in numeros} == {1}
    assert sorted(r.code for r in resultats) == [0, 2]
    refus = next(r for r in resultats if r.code == 2)
    assert "Aucun mandat validé à numéroter" in refus.erreur
