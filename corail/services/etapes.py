"""Étapes: the visible history of a facture dématérialisée (and of a pièce)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from corail.context import Context
from corail.dates import format_horodatage
from corail.db.models import EtapeFacture
from corail.domain.etats import Etape, libelle_etape


@dataclass(frozen=True)
class EtapeLigne:
    id: int
    horodatage: datetime
    etape: str
    libelle: str
    complement: str
    utilisateur: str

    @property
    def horodatage_affiche(self) -> str:
        return format_horodatage(self.horodatage)


def nouvelle_etape(ctx: Context, etape: Etape, *, complement: str | None = None,
                   facture_demat_id: int | None = None, piece_id: int | None = None) -> EtapeFacture:
    """An étape dated now, by the context's user (to add to a session or a relationship)."""
    return EtapeFacture(facture_demat_id=facture_demat_id, piece_id=piece_id, horodatage=ctx.now(),
                        etape=Etape(etape).value, complement=complement, utilisateur=ctx.utilisateur)


def ajouter_etape(
    session: Session,
    ctx: Context,
    etape: Etape,
    *,
    facture_demat_id: int | None = None,
    piece_id: int | None = None,
    complement: str | None = None,
) -> EtapeFacture:
    if facture_demat_id is None and piece_id is None:
        raise ValueError("une étape concerne une facture ou une pièce")
    row = nouvelle_etape(ctx, etape, complement=complement, facture_demat_id=facture_demat_id,
                         piece_id=piece_id)
    session.add(row)
    return row


def etapes_facture(session: Session, facture_demat_id: int) -> list[EtapeLigne]:
    rows = session.scalars(
        select(EtapeFacture)
        .where(EtapeFacture.facture_demat_id == facture_demat_id)
        .order_by(EtapeFacture.horodatage, EtapeFacture.id)
    )
    return [
        EtapeLigne(r.id, r.horodatage, r.etape, libelle_etape(r.etape), r.complement or "",
                   r.utilisateur)
        for r in rows
    ]
