"""The factures register (Dépenses › Factures): invoices waiting for their mandat, with the
délai global de paiement, its alerts and the estimated late-payment interest."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from corail.context import Context
from corail.db.models import Budget, Facture, Piece, Tiers
from corail.domain.dgp import Suspension, debut_semestre, delai, interets_moratoires
from corail.domain.etats import EtatFacture, EtatPiece
from corail.domain.roles import CONSULTATION, DEPENSES
from corail.errors import NotFound
from corail.money import ZERO
from corail.services.collectivites import taux_interets_au
from corail.services.habilitations import exiger


@dataclass(frozen=True)
class FactureRegistre:
    id: int
    numero: str
    tiers: str
    date_emission: date
    date_reception: date
    montant_net: Decimal
    etat: str
    echeance: date
    jours_restants: int
    jours_suspendus: int
    alerte: str  # "" | proche | retard | suspendue
    taux_interets: Decimal | None
    interets: Decimal
    indemnite: Decimal
    facture_demat_id: int | None
    mandat_id: int | None


def _ligne(session: Session, ctx: Context, f: Facture, budget: Budget) -> FactureRegistre:
    suspensions = [Suspension(s.debut, s.fin) for s in f.suspensions]
    mandat = session.scalars(select(Piece).where(Piece.facture_id == f.id)
                             .order_by(Piece.id.desc())).first()
    paye_le = None
    if mandat is not None and mandat.etat == EtatPiece.PAYE:
        paye_le = mandat.date_emission
    d = delai(f.date_reception, suspensions, ctx.today(), jours=budget.delai_paiement_jours,
              paye_le=paye_le)
    taux = None
    interets = indemnite = ZERO
    if d.jours_retard:
        taux = taux_interets_au(session, debut_semestre(d.echeance))
        interets = interets_moratoires(f.montant_net, d.jours_retard, taux)
        indemnite = budget.indemnite_forfaitaire
    tiers = session.get(Tiers, f.tiers_id) if f.tiers_id else None
    return FactureRegistre(f.id, f.numero, tiers.nom if tiers else "", f.date_emission,
                           f.date_reception, f.montant_net, f.etat, d.echeance, d.jours_restants,
                           d.jours_suspendus, d.alerte, taux, interets, indemnite,
                           f.facture_demat_id, mandat.id if mandat else None)


def lister_registre(session: Session, ctx: Context, *, etat: str | None = None,
                    a_mandater: bool = False) -> list[FactureRegistre]:
    exiger(session, ctx, DEPENSES, CONSULTATION, "consulter le registre des factures")
    budget = session.get(Budget, ctx.budget_id)
    stmt = select(Facture).where(Facture.budget_id == ctx.budget_id)
    if etat:
        stmt = stmt.where(Facture.etat == etat)
    if a_mandater:
        stmt = stmt.where(Facture.etat.in_([EtatFacture.A_MANDATER, EtatFacture.SUSPENDUE]))
    lignes = [_ligne(session, ctx, f, budget) for f in session.scalars(stmt.order_by(Facture.id))]
    return sorted(lignes, key=lambda l: (l.etat == EtatFacture.MANDATEE, l.echeance, l.id))


def facture_du_registre(session: Session, ctx: Context, facture_id: int) -> FactureRegistre:
    exiger(session, ctx, DEPENSES, CONSULTATION, "consulter le registre des factures")
    f = session.get(Facture, facture_id)
    if f is None or f.budget_id != ctx.budget_id:
        raise NotFound(f"Facture {facture_id} absente du registre de ce budget")
    return _ligne(session, ctx, f, session.get(Budget, ctx.budget_id))
