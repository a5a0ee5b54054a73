"""Engagements (Dépenses › Engagements): the legal commitments, consumed by imputations."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from corail.context import Context
from corail.db.models import Budget, Engagement, Imputation, Piece, Tiers
from corail.domain.etats import EtatPiece
from corail.domain.roles import CONSULTATION, DEPENSES, MODIFICATION
from corail.errors import ValidationError
from corail.money import ZERO, to_money
from corail.services.habilitations import exiger
from corail.services.nomenclature import article_imputable


@dataclass(frozen=True)
class EngagementLigne:
    id: int
    numero: str
    tiers: str
    article: str
    objet: str
    montant: Decimal
    consomme: Decimal
    solde: Decimal
    date_engagement: date
    numero_marche: str | None


def _consomme(session: Session, engagement_id: int, sauf_piece: int | None = None) -> Decimal:
    stmt = (select(Imputation.montant).join(Piece)
            .where(Imputation.engagement_id == engagement_id, Piece.etat != EtatPiece.ANNULE))
    if sauf_piece is not None:
        stmt = stmt.where(Piece.id != sauf_piece)
    return sum(session.scalars(stmt), ZERO)


def solde_engagement(session: Session, engagement_id: int, *, sauf_piece: int | None = None) -> Decimal:
    engagement = session.get(Engagement, engagement_id)
    return engagement.montant - _consomme(session, engagement_id, sauf_piece)


def lister_engagements(session: Session, ctx: Context) -> list[EngagementLigne]:
    exiger(session, ctx, DEPENSES, CONSULTATION, "consulter les engagements")
    rows = session.execute(
        select(Engagement, Tiers.nom).outerjoin(Tiers, Tiers.id == Engagement.tiers_id)
        .where(Engagement.budget_id == ctx.budget_id).order_by(Engagement.numero)).all()
    out = []
    for e, nom in rows:
        consomme = _consomme(session, e.id)
        out.append(EngagementLigne(e.id, e.numero, nom or "", e.article, e.objet, e.montant,
                                   consomme, e.montant - consomme, e.date_engagement, e.numero_marche))
    return out


def creer_engagement(session: Session, ctx: Context, *, numero: str, article: str,
                     montant: Decimal, objet: str = "", tiers_id: int | None = None,
                     date_engagement: date | None = None, numero_marche: str | None = None) -> EngagementLigne:
    exiger(session, ctx, DEPENSES, MODIFICATION, "créer un engagement")
    numero = (numero or "").strip()
    if not numero or len(numero) > 50:
        raise ValidationError("N° d'engagement manquant ou trop long (50 caractères au plus)")
    if session.scalar(select(Engagement.id).where(Engagement.budget_id == ctx.budget_id,
                                                  Engagement.numero == numero)):
        raise ValidationError(f"L'engagement n° {numero} existe déjà dans ce budget")
    montant = to_money(montant)
    if montant <= ZERO:
        raise ValidationError("Montant de l'engagement : il doit être positif")
    budget = session.get(Budget, ctx.budget_id)
    art = article_imputable(session, budget.nomenclature, article, sens="D")
    if tiers_id is not None:
        tiers = session.get(Tiers, tiers_id)
        if tiers is None or tiers.collectivite_id != ctx.collectivite_id:
            raise ValidationError("Tiers de l'engagement inconnu")
    e = Engagement(budget_id=ctx.budget_id, annee=ctx.exercice, numero=numero, tiers_id=tiers_id,
                   article=art.code, objet=(objet or "")[:255], montant=montant,
                   date_engagement=date_engagement or ctx.today(),
                   numero_marche=(numero_marche or None))
    session.add(e)
    session.flush()
    (ligne,) = [l for l in lister_engagements(session, ctx) if l.id == e.id]
    return ligne
