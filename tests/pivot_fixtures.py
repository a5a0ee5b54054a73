"""Helpers for pivot tests: budgets of the public samples, files built or mutated on disk."""
from __future__ import annotations

from pathlib import Path

from corail.formats.pivot_builder import build_pivot, exemple_facture, exemple_flux
from tests.conftest import init_collectivite

SIRET_NOISY = "21930053000017"
SIRET_CHU = "26330582300019"


def budgets_des_echantillons(db):
    """The two structures the public samples are addressed to; returns the first one's context."""
    ctx = init_collectivite(db, nom="Commune de Noisy-le-Sec", siret=SIRET_NOISY,
                            services_chorus=("GN5CAFZ069",))
    init_collectivite(db, nom="CHU de Bordeaux", siret=SIRET_CHU, code_col="124",
                      services_chorus=("EJ",))
    return ctx


def ecrire(tmp_path: Path, nom: str, data: bytes) -> Path:
    chemin = tmp_path / nom
    chemin.write_bytes(data)
    return chemin


def flux_simple(*numeros: str, **kw) -> bytes:
    """A valid pivot for the test collectivité (SIRET 21310555400017, no service code)."""
    options = {k: kw.pop(k) for k in ("version", "encoding", "zip_pj") if k in kw}
    kw.setdefault("code_service", None)
    factures = [exemple_facture(n, siret_debiteur="21310555400017", avec_pdf=False, **kw)
                for n in numeros]
    return build_pivot(exemple_flux(*factures), **options)


def compter(db) -> dict[str, int]:
    """Row count of every table (the database must be unchanged after a refusal)."""
    from sqlalchemy import func, select

    from corail.db.models import Base

    with db.lecture() as s:
        return {t.name: s.scalar(select(func.count()).select_from(t))
                for t in Base.metadata.sorted_tables}
