"""What the Recettes screens read besides the titres services: the trains seen from the titres
(counts of titres, not of mandats), the budget's TVA status and default recette article, whether
the ASAP paramétrage is complete, and which titres
of some bordereaux have an ASAP to print.

Read only; each function checks the Recettes habilitation like the titres services do.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from corail.context import Context
from corail.db.models import TITRE, Budget, Piece, Train
from corail.db.models.asap import AsapFacture
from corail.domain.etats import EtatPiece
from corail.domain.roles import CONSULTATION, RECETTES
from corail.errors import ValidationError
from corail.money import ZERO
from corail.services.asap_regles import verifier_parametrage
from corail.services.habilitations import exiger
from corail.services.titres_emission import ARTICLE_RECETTE_PAR_DEFAUT, article_recette_defaut


@dataclass(frozen=True)
class TrainTitres:
    """A train with the titres of the exercice not numbered yet (the same fields as
    ``services.trains.TrainLigne``, counted on titres only)."""

    id: int
    nom: str
    attente: bool
    brouillons: int
    valides: int
    montant_a_numeroter: Decimal
    defaut: bool  # the budget's default train (Environnement › Défaut)


def trains_des_titres(session: Session, ctx: Context) -> list[TrainTitres]:
    """The budget's trains, each with its validated and draft titres not numbered yet."""
    exiger(session, ctx, RECETTES, CONSULTATION, "consulter les trains des titres")
    budget = session.get(Budget, ctx.budget_id)
    defaut = budget.train_defaut or "Normal"
    pieces = session.execute(select(Piece.train_id, Piece.etat, Piece.montant).where(
        Piece.budget_id == ctx.budget_id, Piece.annee == ctx.exercice, Piece.type_piece == TITRE,
        Piece.numero.is_(None), Piece.etat.in_([EtatPiece.BROUILLON, EtatPiece.VALIDE]))).all()
    out = []
    for t in session.scalars(select(Train).where(Train.budget_id == ctx.budget_id).order_by(Train.id)):
        siennes = [p for p in pieces if p.train_id == t.id]
        valides = [p for p in siennes if p.etat == EtatPiece.VALIDE]
        out.append(TrainTitres(t.id, t.nom, bool(t.attente), len(siennes) - len(valides), len(valides),
                               sum((p.montant for p in valides), ZERO), t.nom == defaut))
    return out


@dataclass(frozen=True)
class ContexteTitres:
    """What the titre form needs beyond the titre: trains, TVA status, default article."""

    trains: tuple[TrainTitres, ...]
    assujetti_tva: bool  # an avoir's titre is then compared on its HT total
    article_defaut: str  # the budget's default recette article


def contexte_titres(session: Session, ctx: Context) -> ContexteTitres:
    trains = tuple(trains_des_titres(session, ctx))
    budget = session.get(Budget, ctx.budget_id)
    article = article_recette_defaut(session, ctx) or ARTICLE_RECETTE_PAR_DEFAUT
    return ContexteTitres(trains, bool(budget.assujetti_tva), article)


def parametrage_asap_manquant(session: Session, ctx: Context) -> list[str]:
    """The fields of *PES Facture ASAP (Paramétrage global)* an ASAP still needs (empty: none)."""
    exiger(session, ctx, RECETTES, CONSULTATION, "consulter le paramétrage ASAP")
    try:
        verifier_parametrage(session, ctx)
    except ValidationError as exc:
        return list(exc.choix) or [exc.message]
    return []


def titres_avec_asap(session: Session, ctx: Context,
                     bordereau_ids: list[int]) -> list[tuple[int, int | None]]:
    """(titre id, numéro) of the titres of these bordereaux that have an ASAP, by number."""
    exiger(session, ctx, RECETTES, CONSULTATION, "consulter les factures ASAP")
    rows = session.execute(
        select(Piece.id, Piece.numero).join(AsapFacture, AsapFacture.piece_id == Piece.id)
        .where(Piece.budget_id == ctx.budget_id, Piece.type_piece == TITRE,
               Piece.bordereau_id.in_(bordereau_ids or [-1]))
        .order_by(Piece.numero, Piece.id)).all()
    return [(i, n) for i, n in rows]
