"""Numbering: unique and gapless, per budget, exercice and nature; safe with several writers."""
import multiprocessing
import os

import pytest
from sqlalchemy import select

from corail.db.engine import Database
from corail.db.models import Compteur
from corail.errors import ValidationError
from corail.services.compteurs import etats_compteurs, fixer_prochain, prendre_numero


def test_numeros_successifs_par_nature_et_exercice(db, ctx):
    with db.transaction() as s:
        assert [prendre_numero(s, ctx.budget_id, 2026, "mandat") for _ in range(3)] == [1, 2, 3]
        assert prendre_numero(s, ctx.budget_id, 2026, "titre") == 1
        assert prendre_numero(s, ctx.budget_id, 2027, "mandat") == 1


def test_annulation_ne_laisse_pas_de_trou(db, ctx):
    with db.transaction() as s:
        prendre_numero(s, ctx.budget_id, 2026, "mandat")
    with pytest.raises(RuntimeError):
        with db.transaction() as s:
            prendre_numero(s, ctx.budget_id, 2026, "mandat")
            raise RuntimeError("panne pendant la numérotation")
    with db.transaction() as s:
        assert prendre_numero(s, ctx.budget_id, 2026, "mandat") == 2


def test_prochain_numero_modifiable_tant_que_rien_n_est_attribue(db, ctx):
    with db.transaction() as s:
        fixer_prochain(s, ctx.budget_id, 2026, "mandat", 120)
        assert prendre_numero(s, ctx.budget_id, 2026, "mandat") == 120
    with db.transaction() as s:
        with pytest.raises(ValidationError, match="ne peut plus être modifié"):
            fixer_prochain(s, ctx.budget_id, 2026, "mandat", 1)
        etats = {e.nature: e for e in etats_compteurs(s, ctx.budget_id, 2026)}
        assert etats["mandat"].prochain == 121 and etats["mandat"].utilise
        assert etats["titre"].prochain == 1 and not etats["titre"].utilise


def test_idbord_au_plus_sept_chiffres(db, ctx):
    with db.transaction() as s:
        fixer_prochain(s, ctx.budget_id, 2026, "bordereau_mandat", 9_999_999)
        assert prendre_numero(s, ctx.budget_id, 2026, "bordereau_mandat") == 9_999_999
        with pytest.raises(ValidationError, match="trop grand"):
            prendre_numero(s, ctx.budget_id, 2026, "bordereau_mandat")


def _prendre(url: str, budget_id: int, n: int, queue) -> None:
    database = Database(url)
    numeros = []
    for _ in range(n):
        with database.transaction() as s:
            numeros.append(prendre_numero(s, budget_id, 2026, "mandat"))
    database.dispose()
    queue.put(numeros)


def _course(url: str, budget_id: int, par_processus: int) -> list[int]:
    ctx_mp = multiprocessing.get_context("spawn")
    queue = ctx_mp.Queue()
    procs = [ctx_mp.Process(target=_prendre, args=(url, budget_id, par_processus, queue))
             for _ in range(2)]
    for p in procs:
        p.start()
    results = [queue.get(timeout=600) for _ in procs]
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    return sorted(results[0] + results[1])


@pytest.mark.postgres
def test_concurrence_postgresql_mille_numeros_sans_trou(pg_db):
    from tests.conftest import init_collectivite

    ctx = init_collectivite(pg_db)
    numeros = _course(pg_db.url, ctx.budget_id, 500)
    assert numeros == list(range(1, 1001))
    with pg_db.lecture() as s:
        assert s.scalars(select(Compteur.prochain)).one() == 1001


def test_concurrence_sqlite(sqlite_db):
    from tests.conftest import init_collectivite

    ctx = init_collectivite(sqlite_db)
    n = int(os.environ.get("CORAIL_TEST_CONCURRENCE", "100"))
    assert _course(sqlite_db.url, ctx.budget_id, n) == list(range(1, 2 * n + 1))
