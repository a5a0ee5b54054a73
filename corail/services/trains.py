"""Trains: *Normal* by default, user trains, waiting trains (*attente*) released by the
trésorier's bordereau de régularisation (débit d'office)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from corail.context import Context
from corail.db.models import MANDAT, Piece, Train
from corail.domain.etats import EtatPiece
from corail.domain.roles import CONSULTATION, DEPENSES, MODIFICATION
from corail.errors import NotFound, ValidationError
from corail.money import ZERO
from corail.services.habilitations import exiger
from corail.services.mandats import EDITABLES, _mandat, controler, nom_mandat
from corail.services.numerotation import Numerotation, numeroter


@dataclass(frozen=True)
class TrainLigne:
    id: int
    nom: str
    attente: bool
    brouillons: int
    valides: int
    montant_a_numeroter: Decimal
    reference_regularisation: str | None
    date_regularisation: date | None


def _train(session: Session, ctx: Context, nom: str) -> Train:
    train = session.scalars(select(Train).where(Train.budget_id == ctx.budget_id, Train.nom == nom)).one_or_none()
    if train is None:
        raise NotFound(f"Train « {nom} » inconnu pour ce budget")
    return train


def lister_trains(session: Session, ctx: Context) -> list[TrainLigne]:
    exiger(session, ctx, DEPENSES, CONSULTATION, "consulter les trains")
    out = []
    for t in session.scalars(select(Train).where(Train.budget_id == ctx.budget_id).order_by(Train.id)):
        pieces = session.scalars(select(Piece).where(
            Piece.train_id == t.id, Piece.type_piece == MANDAT, Piece.annee == ctx.exercice,
            Piece.numero.is_(None),
            Piece.etat.in_([EtatPiece.BROUILLON, EtatPiece.VALIDE]))).all()
        valides = [p for p in pieces if p.etat == EtatPiece.VALIDE]
        out.append(TrainLigne(t.id, t.nom, t.attente, len(pieces) - len(valides), len(valides),
                              sum((p.montant for p in valides), ZERO), t.reference_regularisation,
                              t.date_regularisation))
    return out


def trains_du_budget(session: Session, ctx: Context) -> tuple[tuple[str, bool], ...]:
    """(nom, attente) of the budget's trains, in creation order — as ``lister_trains`` lists
    them, without reading their mandats (the choices of a form)."""
    exiger(session, ctx, DEPENSES, CONSULTATION, "consulter les trains")
    return tuple((nom, bool(attente)) for nom, attente in session.execute(
        select(Train.nom, Train.attente).where(Train.budget_id == ctx.budget_id).order_by(Train.id)))


def creer_train(session: Session, ctx: Context, nom: str, *, attente: bool = False) -> TrainLigne:
    exiger(session, ctx, DEPENSES, MODIFICATION, "créer un train")
    nom = (nom or "").strip()
    if not nom or len(nom) > 50:
        raise ValidationError("Nom du train manquant ou trop long (50 caractères au plus)")
    if session.scalar(select(Train.id).where(Train.budget_id == ctx.budget_id, Train.nom == nom)):
        raise ValidationError(f"Le train « {nom} » existe déjà")
    session.add(Train(budget_id=ctx.budget_id, nom=nom, attente=attente, cree_le=ctx.now()))
    session.flush()
    return next(t for t in lister_trains(session, ctx) if t.nom == nom)


def deplacer_mandats(session: Session, ctx: Context, mandat_ids: list[int], train: str) -> int:
    """Move not yet numbered mandats to another train (a régularisation stays in a waiting one)."""
    exiger(session, ctx, DEPENSES, MODIFICATION, "changer des mandats de train")
    cible = _train(session, ctx, train)
    for mandat_id in mandat_ids:
        piece = _mandat(session, ctx, mandat_id)
        if piece.etat not in EDITABLES or piece.numero is not None:
            raise ValidationError(f"{nom_mandat(piece)} : déjà numéroté, il ne change plus de train")
        if piece.regularisation and not cible.attente:
            raise ValidationError(f"{nom_mandat(piece)} : mandat de régularisation (débit d'office), "
                                  f"il attend le bordereau de régularisation dans un train d'attente")
        piece.train_id = cible.id
    session.flush()
    return len(mandat_ids)


def liberer_train(session: Session, ctx: Context, nom: str, *, reference: str, le: date) -> Numerotation:
    """The trésorier's bordereau de régularisation arrived: the waiting train's mandats are
    validated, numbered and put in a bordereau carrying its reference and date."""
    exiger(session, ctx, DEPENSES, MODIFICATION, "libérer un train d'attente")
    train = _train(session, ctx, nom)
    if not train.attente:
        raise ValidationError(f"« {nom} » n'est pas un train d'attente : numérotez-le directement")
    reference = (reference or "").strip()
    if not reference or len(reference) > 50:
        raise ValidationError("Référence du bordereau de régularisation manquante (50 caractères au plus)")
    if le > ctx.today():
        raise ValidationError(f"Date du bordereau de régularisation dans le futur : {le:%d/%m/%Y}")
    pieces = session.scalars(select(Piece).where(
        Piece.train_id == train.id, Piece.type_piece == MANDAT, Piece.annee == ctx.exercice,
        Piece.numero.is_(None), Piece.etat.in_([EtatPiece.BROUILLON, EtatPiece.VALIDE]))).all()
    if not pieces:
        raise ValidationError(f"Le train « {nom} » n'a aucun mandat à libérer")
    erreurs = [f"{nom_mandat(p)} : {e}" for p in pieces for e in controler(session, p)]
    if erreurs:
        raise ValidationError(f"Train « {nom} » : des mandats ne peuvent pas être validés", choix=erreurs)
    for p in pieces:
        p.etat = EtatPiece.VALIDE
    train.reference_regularisation, train.date_regularisation = reference, le
    session.flush()
    return numeroter(session, ctx, train=nom, inclure_attente=True, reference=(reference, le))
