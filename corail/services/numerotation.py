"""Numérotation des mandats (and of titres): the train's validated pièces get their numbers
and their bordereau; annulation/réduction of a numbered mandat.

Numbers are gapless per budget, exercice and type of pièce (``services/compteurs``: taken
under a lock in this transaction); a bordereau's IdBord is sequential per budget, exercice,
type of pièce and TypBord (01 ordinaire, 02 annulation/réduction), 7 digits at most. A
numbered pièce is never edited: it is corrected by a negative one on a type 02 bordereau.
Titres go through the same code with ``type_piece=TITRE`` (``services/titres_emission``);
only mandats queue the Chorus Pro status 08 (Mandatée).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from corail.context import Context
from corail.db.models import (
    MANDAT,
    TITRE,
    Bordereau,
    Imputation,
    Piece,
    Train,
)
from corail.domain.etats import TRANSITIONS_PIECE, Etape, EtatBordereau, EtatPiece
from corail.domain.roles import CONSULTATION, DEPENSES, MODIFICATION, RECETTES
from corail.domain.workflow import changer_etat
from corail.errors import NotFound, ValidationError
from corail.jobs import NO_CONTROL, JobControl
from corail.money import ZERO, format_eur, to_money
from corail.services.compteurs import prendre_numero
from corail.services.etapes import ajouter_etape
from corail.services.habilitations import exiger
from corail.services.mandats import _mandat, nom_mandat
from corail.services.titres import nom_titre

TYPE_ORDINAIRE, TYPE_ANNULATION = "01", "02"
NAT_ANNULATION = "06"
ANNULABLES = (EtatPiece.NUMEROTE, EtatPiece.TRANSMIS, EtatPiece.ACCEPTE)


@dataclass(frozen=True)
class BordereauCree:
    id: int
    numero: int
    type_bord: str
    nb_pieces: int
    montant: Decimal
    mandats: tuple[tuple[int, int], ...]  # (pièce id, numéro): mandats, or titres
    type_piece: str = MANDAT

    @property
    def pieces(self) -> tuple[tuple[int, int], ...]:
        return self.mandats


@dataclass(frozen=True)
class Numerotation:
    bordereaux: tuple[BordereauCree, ...]
    ignores: tuple[tuple[int, str], ...] = ()  # (pièce id, raison)
    avertissements: tuple[str, ...] = field(default_factory=tuple)


def _trains(session: Session, ctx: Context, train: str | None, inclure_attente: bool) -> tuple[list[Train], list[str]]:
    tous = session.scalars(select(Train).where(Train.budget_id == ctx.budget_id).order_by(Train.id)).all()
    if train:
        choisis = [t for t in tous if t.nom == train]
        if not choisis:
            raise NotFound(f"Train « {train} » inconnu pour ce budget",
                           choix=[t.nom for t in tous])
        if choisis[0].attente and not inclure_attente:
            raise ValidationError(
                f"« {train} » est un train d'attente : il se numérote quand il est libéré par le "
                f"bordereau de régularisation du comptable (trains liberer)")
        return choisis, []
    attente = [t.nom for t in tous if t.attente]
    avert = [f"Trains d'attente non numérotés : {', '.join(attente)}"] if attente and not inclure_attente else []
    return [t for t in tous if inclure_attente or not t.attente], avert


def _nom(piece: Piece) -> str:
    return nom_titre(piece) if piece.type_piece == TITRE else nom_mandat(piece)


def _bordereau(session: Session, ctx: Context, type_bord: str, pieces: list[Piece], *,
               train: Train | None, reference: tuple[str, date] | None, control: JobControl,
               type_piece: str = MANDAT) -> BordereauCree:
    nature = f"bordereau_{type_piece}" + ("" if type_bord == TYPE_ORDINAIRE else "_02")
    numero = prendre_numero(session, ctx.budget_id, ctx.exercice, nature)
    bord = Bordereau(budget_id=ctx.budget_id, annee=ctx.exercice, type_piece=type_piece, numero=numero,
                     type_bord=type_bord, etat=EtatBordereau.CREE, date_emission=ctx.today(),
                     train_id=train.id if train else None, nb_pieces=len(pieces),
                     montant=sum((p.montant for p in pieces), ZERO),
                     reference_regularisation=reference[0] if reference else None,
                     date_regularisation=reference[1] if reference else None,
                     cree_le=ctx.now(), cree_par=ctx.utilisateur)
    session.add(bord)
    session.flush()
    numeros = []
    for n, piece in enumerate(pieces, 1):
        piece.numero = prendre_numero(session, ctx.budget_id, ctx.exercice, type_piece)
        piece.bordereau_id = bord.id
        changer_etat(piece, TRANSITIONS_PIECE, EtatPiece.NUMEROTE, nom=_nom(piece))
        numeros.append((piece.id, piece.numero))
        if piece.facture_demat_id is not None:
            ajouter_etape(session, ctx, Etape.NUMEROTATION, facture_demat_id=piece.facture_demat_id,
                          piece_id=piece.id,
                          complement=f"{'Titre' if type_piece == TITRE else 'Mandat'} n° {piece.numero}")
            ajouter_etape(session, ctx, Etape.BORDEREAU, facture_demat_id=piece.facture_demat_id,
                          piece_id=piece.id, complement=f"Bordereau n° {numero}")
        if piece.facture_demat_id is not None and type_piece == MANDAT:
            # Chorus Pro must learn that the invoice is mandated, with the mandat's number (and
            # the sommes admises with their motif): services/statuts.statut_mandatement
            from corail.services.statuts import statut_mandatement
            statut_mandatement(session, ctx, piece)
        if piece.piece_origine_id is not None:
            _annuler_origine(session, piece)
        control.step(n, len(pieces))
    session.flush()
    return BordereauCree(bord.id, numero, type_bord, len(pieces), bord.montant, tuple(numeros),
                         type_piece)


def _annuler_origine(session: Session, annulation: Piece) -> None:
    """The original pièce becomes *Annulé* once its reductions add up to its whole amount."""
    origine = session.get(Piece, annulation.piece_origine_id)
    reduit = -sum(session.scalars(select(Piece.montant).where(
        Piece.piece_origine_id == origine.id, Piece.numero.is_not(None))), ZERO)
    if reduit >= origine.montant:
        changer_etat(origine, TRANSITIONS_PIECE, EtatPiece.ANNULE, nom=_nom(origine))


def numeroter(session: Session, ctx: Context, *, train: str | None = None,
              inclure_attente: bool = False, reference: tuple[str, date] | None = None,
              control: JobControl = NO_CONTROL, type_piece: str = MANDAT) -> Numerotation:
    """Number the validated mandats (``type_piece=TITRE``: titres) of ``train`` (None: every
    train but the waiting ones)."""
    exiger(session, ctx, DEPENSES if type_piece == MANDAT else RECETTES, MODIFICATION, "numéroter")
    trains, avertissements = _trains(session, ctx, train, inclure_attente)
    ids = [t.id for t in trains]
    # locked (PostgreSQL): another workstation numbering the same train waits, then finds these
    # numbered (a mandat is never numbered twice)
    pieces = session.scalars(select(Piece).where(
        Piece.budget_id == ctx.budget_id, Piece.annee == ctx.exercice, Piece.type_piece == type_piece,
        Piece.train_id.in_(ids), Piece.etat.in_([EtatPiece.VALIDE, EtatPiece.BROUILLON]),
        Piece.numero.is_(None)).order_by(Piece.id).with_for_update(of=Piece)
        .execution_options(populate_existing=True)).all()
    ignores = tuple((p.id, "brouillon non validé") for p in pieces if p.etat == EtatPiece.BROUILLON)
    valides = [p for p in pieces if p.etat == EtatPiece.VALIDE]
    if not valides:
        mot = "titre" if type_piece == TITRE else "mandat"
        raise ValidationError(f"Aucun {mot} validé à numéroter"
                              + (f" dans le train « {train} »" if train else ""),
                              choix=[f"{mot} {i} : {r}" for i, r in ignores])
    seul = trains[0] if len(trains) == 1 else None
    bordereaux = []
    for type_bord, lot in ((TYPE_ORDINAIRE, [p for p in valides if p.piece_origine_id is None]),
                           (TYPE_ANNULATION, [p for p in valides if p.piece_origine_id is not None])):
        if lot:
            bordereaux.append(_bordereau(session, ctx, type_bord, lot, train=seul,
                                         reference=reference, control=control, type_piece=type_piece))
    return Numerotation(tuple(bordereaux), ignores, tuple(avertissements))


def annuler_mandat(session: Session, ctx: Context, mandat_id: int, *, motif: str,
                   montant: Decimal | None = None) -> int:
    """An annulation (whole amount) or réduction (``montant``) of a numbered mandat: a negative
    mandat, validated, numbered later on a type 02 bordereau. Returns its id."""
    exiger(session, ctx, DEPENSES, MODIFICATION, "annuler un mandat")
    return annuler_piece(session, ctx, _mandat(session, ctx, mandat_id), motif=motif, montant=montant)


def annuler_piece(session: Session, ctx: Context, origine: Piece, *, motif: str,
                  montant: Decimal | None = None) -> int:
    """The annulation/réduction of a numbered mandat or titre (a negative pièce referencing it,
    NatPce 06, validated, in the same train); returns its id."""
    mot = "titre" if origine.type_piece == TITRE else "mandat"
    if origine.etat not in ANNULABLES or origine.numero is None:
        raise ValidationError(f"{_nom(origine)} : seul un {mot} numéroté s'annule ou se réduit "
                              f"(un brouillon se supprime, un {mot} validé se modifie)")
    if origine.piece_origine_id is not None:
        raise ValidationError(f"{_nom(origine)} : c'est déjà une annulation ou une réduction")
    if not (motif or "").strip():
        raise ValidationError("Motif de l'annulation obligatoire")
    deja = -sum(session.scalars(select(Piece.montant).where(Piece.piece_origine_id == origine.id)), ZERO)
    reste = origine.montant - deja
    montant = reste if montant is None else to_money(montant)
    if not ZERO < montant <= reste:
        raise ValidationError(f"{_nom(origine)} : réduction de {format_eur(montant)} impossible "
                              f"(reste {format_eur(reste)} à annuler)")
    annulation = Piece(
        type_piece=origine.type_piece, budget_id=origine.budget_id, annee=ctx.exercice,
        etat=EtatPiece.VALIDE, tiers_id=origine.tiers_id, compte_bancaire_id=origine.compte_bancaire_id,
        train_id=origine.train_id, facture_demat_id=None, piece_origine_id=origine.id,
        montant=-montant, objet=f"{'Annulation' if montant == reste and deja == 0 else 'Réduction'} "
        f"du {mot} n° {origine.numero}/{origine.annee} : {motif.strip()}"[:255],
        pieces_justificatives=origine.pieces_justificatives, mode_reglement=origine.mode_reglement,
        type_pce=origine.type_pce, nat_pce=NAT_ANNULATION, date_emission=ctx.today(),
        code_produit=origine.code_produit, saisie_ttc=origine.saisie_ttc, avec_tva=origine.avec_tva,
        type_asap=None, references_rattachement=origine.references_rattachement,
        cree_le=ctx.now(), cree_par=ctx.utilisateur)
    from corail.services.mandatement import repartir
    parts = repartir(montant, [i.montant for i in origine.imputations])
    for i, part in zip(origine.imputations, parts):
        ht = tva = None
        if i.montant_ht is not None:  # a titre's line keeps its HT / TVA split, to the cent
            ht = -(repartir(part, [i.montant_ht, i.montant_tva or ZERO])[0] if i.montant else ZERO)
            tva = -part - ht if i.montant_tva is not None else None
        annulation.imputations.append(Imputation(
            ordre=i.ordre, article=i.article, designation=i.designation, fonction=i.fonction,
            operation_id=i.operation_id, service_id=i.service_id, engagement_id=i.engagement_id,
            montant=-part, montant_ht=ht, montant_tva=tva, taux_tva=i.taux_tva,
            numero_inventaire=i.numero_inventaire))
    if origine.montant_ht is not None and origine.type_piece == TITRE:
        annulation.montant_ht = sum((i.montant_ht for i in annulation.imputations), ZERO)
    session.add(annulation)
    session.flush()
    return annulation.id


@dataclass(frozen=True)
class BordereauLigne:
    id: int
    type: str  # mandat | titre
    type_bord: str
    exercice: int
    numero: int
    nb_pieces: int
    montant: Decimal
    etat: str
    date_emission: date
    train: str


def lister_bordereaux(session: Session, ctx: Context, *, type_piece: str | None = None) -> list[BordereauLigne]:
    """The exercice's bordereaux of mandats and of titres (``type_piece``: only those)."""
    exiger(session, ctx, (DEPENSES, RECETTES), CONSULTATION, "voir les bordereaux")
    stmt = (select(Bordereau, Train.nom).outerjoin(Train, Train.id == Bordereau.train_id)
            .where(Bordereau.budget_id == ctx.budget_id, Bordereau.annee == ctx.exercice))
    if type_piece:
        stmt = stmt.where(Bordereau.type_piece == type_piece)
    rows = session.execute(stmt.order_by(Bordereau.type_piece, Bordereau.type_bord, Bordereau.numero)).all()
    return [BordereauLigne(b.id, b.type_piece, b.type_bord, b.annee, b.numero, b.nb_pieces, b.montant,
                           b.etat, b.date_emission, nom or "") for b, nom in rows]

