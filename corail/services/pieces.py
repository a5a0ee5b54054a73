"""What a mandat and a titre share: both are ``piece`` rows with the same états and
transitions (``TRANSITIONS_PIECE``), the same saisie lifecycle and the same checks on
their tiers, train and imputations.

A ``GenrePiece`` says how one kind is named and guarded: type of pièce, "Mandat"/"Titre"
in messages, the habilitation espace for ``exiger``, the sens of its articles and how an
état is shown in its messages. ``services/mandats`` and ``services/titres`` keep their
own saisie, controls and detail; the lifecycle below takes what differs as arguments
(``appliquer``, ``controler``, ``liberer``).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from corail.context import Context
from corail.db.models import (
    MANDAT, PJ, TITRE, Budget, Engagement, EtapeFacture, FactureDemat, Operation, Piece, PiecePJ,
    Service, Tiers, Train,
)
from corail.domain.etats import (
    TRANSITIONS_FACTURE_DEMAT, TRANSITIONS_PIECE, Etape, EtatPiece, libelle_etat,
)
from corail.domain.roles import DEPENSES, MODIFICATION, RECETTES
from corail.domain.workflow import changer_etat
from corail.errors import NotFound, ValidationError
from corail.money import ZERO, format_eur
from corail.services.etapes import ajouter_etape
from corail.services.factures_demat import actualiser_etat_flux
from corail.services.habilitations import exiger

#: a mandat or a titre changes while brouillon, validé or rejeté; numbered, it is read-only
EDITABLES = (EtatPiece.BROUILLON, EtatPiece.VALIDE, EtatPiece.REJETE)


@dataclass(frozen=True)
class GenrePiece:
    """How one kind of pièce is named and guarded."""

    type_piece: str  # MANDAT | TITRE
    nom: str  # "Mandat" | "Titre": starts its messages
    espace: str  # habilitation espace (DEPENSES | RECETTES)
    sens: str  # of its articles: "D" (dépense) | "R" (recette)
    etat_en_clair: Callable[[str], str]  # how its messages show an état

    @property
    def un(self) -> str:
        """"un mandat", "un titre" (the object of an ``exiger`` action)."""
        return f"un {self.nom.lower()}"

    def nom_de(self, piece: Piece) -> str:
        """"Mandat n° 12", or "Mandat 40 (non numéroté)"."""
        return f"{self.nom} n° {piece.numero}" if piece.numero else f"{self.nom} {piece.id} (non numéroté)"

    def exiger(self, session: Session, ctx: Context, verbe: str, niveau: str = MODIFICATION) -> None:
        """The habilitation to ``verbe`` one pièce of this kind ("valider un titre")."""
        exiger(session, ctx, self.espace, niveau, f"{verbe} {self.un}")


GENRE_MANDAT = GenrePiece(MANDAT, "Mandat", DEPENSES, "D", etat_en_clair=libelle_etat)
GENRE_TITRE = GenrePiece(TITRE, "Titre", RECETTES, "R",
                         etat_en_clair=lambda etat: libelle_etat(etat, titre=True))


def piece_du_genre(session: Session, ctx: Context, genre: GenrePiece, piece_id: int) -> Piece:
    """The pièce of this kind in the budget in course, or NotFound."""
    piece = session.get(Piece, piece_id)
    if piece is None or piece.budget_id != ctx.budget_id or piece.type_piece != genre.type_piece:
        raise NotFound(f"{genre.nom} {piece_id} introuvable dans le budget en cours")
    return piece


def verifier_editable(genre: GenrePiece, piece: Piece) -> None:
    if piece.etat not in EDITABLES:
        raise ValidationError(
            f"{genre.nom_de(piece)} : {'numéroté' if piece.numero else genre.etat_en_clair(piece.etat)}, "
            f"il ne se modifie plus ; corrigez-le par une annulation ou une réduction")


# --- saisie: what both check the same way -------------------------------------------------------

def tiers_de_saisie(session: Session, ctx: Context, tiers_id: int | None, qui: str) -> Tiers:
    """The tiers chosen, of the collectivité (``qui``: "tiers", "débiteur" in the message)."""
    tiers = session.get(Tiers, tiers_id) if tiers_id else None
    if tiers is None or tiers.collectivite_id != ctx.collectivite_id:
        raise ValidationError(f"Tiers : choisissez un {qui} de la collectivité")
    return tiers


def train_de_saisie(session: Session, budget: Budget, nom: str | None) -> Train:
    """The train by name; the budget's default train when None."""
    nom = nom or budget.train_defaut or "Normal"
    train = session.scalars(select(Train).where(Train.budget_id == budget.id, Train.nom == nom)).one_or_none()
    if train is None:
        raise NotFound(f"Train « {nom} » inconnu pour ce budget")
    return train


def verifier_references(session: Session, budget: Budget, ordre: int, imputation) -> None:
    """The imputation's opération, service and engagement, when given, are the budget's."""
    for modele, ident, nom in ((Operation, imputation.operation_id, "Opération"),
                               (Service, imputation.service_id, "Service"),
                               (Engagement, imputation.engagement_id, "N° Eng.")):
        if ident is not None:
            obj = session.get(modele, ident)
            if obj is None or obj.budget_id != budget.id:
                raise ValidationError(f"Imputation {ordre} : {nom} inconnu dans ce budget")


def nature_pce(nat_pce: str | None, sections: set[str]) -> str:
    """The NatPce typed, else 02 when every article is of the investment section, else 01."""
    return nat_pce or ("02" if sections == {"I"} else "01")


def controles_communs(piece: Piece) -> list[str]:
    """What stops any pièce from being validated: no imputation, a total not above zero."""
    erreurs = []
    if not piece.imputations:
        erreurs.append("aucune imputation")
    total = sum((i.montant for i in piece.imputations), ZERO)
    if total <= 0:
        erreurs.append(f"montant nul ou négatif ({format_eur(total)})")
    return erreurs


# --- lifecycle ------------------------------------------------------------------------------------

Appliquer = Callable[[Piece], None]
Controler = Callable[[Session, Piece], list[str]]


def creer_piece(session: Session, ctx: Context, genre: GenrePiece, appliquer: Appliquer) -> Piece:
    """A new pièce, *brouillon*, added to the session only once ``appliquer`` passed its checks."""
    genre.exiger(session, ctx, "saisir")
    piece = Piece(type_piece=genre.type_piece, budget_id=ctx.budget_id, annee=ctx.exercice,
                  etat=EtatPiece.BROUILLON, cree_le=ctx.now(), cree_par=ctx.utilisateur,
                  date_emission=ctx.today())
    appliquer(piece)
    session.add(piece)
    session.flush()
    return piece


def modifier_piece(session: Session, ctx: Context, genre: GenrePiece, piece_id: int,
                   appliquer: Appliquer) -> Piece:
    """Change a pièce not numbered yet; a validated (or rejected) one goes back to *brouillon*."""
    genre.exiger(session, ctx, "modifier")
    piece = piece_du_genre(session, ctx, genre, piece_id)
    verifier_editable(genre, piece)
    if piece.etat != EtatPiece.BROUILLON:
        changer_etat(piece, TRANSITIONS_PIECE, EtatPiece.BROUILLON, nom=genre.nom_de(piece))
    appliquer(piece)
    return piece


def valider_piece(session: Session, ctx: Context, genre: GenrePiece, piece_id: int, controler: Controler,
                  verifier: Callable[[Piece], None] | None = None) -> Piece:
    """Validate the pièce when ``controler`` finds nothing (``verifier`` may refuse it first)."""
    genre.exiger(session, ctx, "valider")
    piece = piece_du_genre(session, ctx, genre, piece_id)
    if verifier is not None:
        verifier(piece)
    erreurs = controler(session, piece)
    if erreurs:
        raise ValidationError(f"{genre.nom_de(piece)} ne peut pas être validé :", choix=erreurs)
    changer_etat(piece, TRANSITIONS_PIECE, EtatPiece.VALIDE, nom=genre.nom_de(piece))
    session.flush()
    return piece


def devalider_piece(session: Session, ctx: Context, genre: GenrePiece, piece_id: int) -> Piece:
    genre.exiger(session, ctx, "dévalider")
    piece = piece_du_genre(session, ctx, genre, piece_id)
    changer_etat(piece, TRANSITIONS_PIECE, EtatPiece.BROUILLON, nom=genre.nom_de(piece),
                 raison=f"seul {genre.un} validé non numéroté revient en brouillon")
    return piece


def supprimer_brouillon(session: Session, ctx: Context, genre: GenrePiece, piece_id: int,
                        liberer: Appliquer) -> None:
    """Delete a draft: ``liberer`` first gives back what it held (invoice, avoir, ASAP), then
    its PJ links go, and the étapes that pointed at it stay in their invoice's history."""
    genre.exiger(session, ctx, "supprimer")
    piece = piece_du_genre(session, ctx, genre, piece_id)
    if piece.etat != EtatPiece.BROUILLON:
        raise ValidationError(f"{genre.nom_de(piece)} : seul un brouillon se supprime")
    liberer(piece)
    for lien in session.scalars(select(PiecePJ).where(PiecePJ.piece_id == piece.id)):
        session.delete(lien)
    session.execute(update(EtapeFacture).where(EtapeFacture.piece_id == piece.id).values(piece_id=None))
    session.delete(piece)
    session.flush()


def rendre_facture_demat(session: Session, ctx: Context, fd: FactureDemat, vers: str, *, nom: str,
                         etape: Etape, complement: str) -> None:
    """The pivot invoice (or avoir) of a deleted draft goes back to ``vers``, with its étape."""
    changer_etat(fd, TRANSITIONS_FACTURE_DEMAT, vers, nom=nom)
    ajouter_etape(session, ctx, etape, facture_demat_id=fd.id, complement=complement)
    actualiser_etat_flux(session, fd.flux_id)


# --- detail ---------------------------------------------------------------------------------------

def pj_de_piece(session: Session, piece_id: int) -> tuple[tuple[int, str, str], ...]:
    """The pièce's PJ in their order: (pj id, name, type)."""
    rows = session.execute(select(PJ.id, PJ.nom, PJ.type_pj).join(PiecePJ, PiecePJ.pj_id == PJ.id)
                           .where(PiecePJ.piece_id == piece_id).order_by(PiecePJ.ordre)).all()
    return tuple(tuple(r) for r in rows)


def avertissements(session: Session, piece: Piece, controler: Controler) -> tuple[str, ...]:
    """What a draft still needs before it can be validated (nothing once validated)."""
    return tuple(controler(session, piece)) if piece.etat == EtatPiece.BROUILLON else ()
