"""Saisie des mandats: create, change, validate, duplicate, delete (drafts only).

A mandat is editable while *brouillon* or *validé* (a change sends a validated one
back to brouillon); once numbered it is read-only and corrected only by an
annulation/réduction (``services/numerotation.py``). Its total is the sum of its
imputations and must equal the invoice's amount due (HT on a budget assujetti à
la TVA) — except a mandat of *sommes admises*, lower, with its motif.

What a mandat shares with a titre (finding it, editability, the validate / dévalider /
delete lifecycle, the checks on tiers, train and imputations) is ``services/pieces.py``.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from corail.context import Context
from corail.db.models import (
    MANDAT, Budget, CompteBancaire, Facture, FactureDemat, Imputation, Piece, Tiers, Train,
)
from corail.domain.etats import TRANSITIONS_FACTURE, Etape, EtatFacture, EtatFactureDemat
from corail.domain.roles import CONSULTATION, DEPENSES
from corail.domain.workflow import changer_etat
from corail.errors import ValidationError
from corail.money import ZERO, format_eur, to_money
from corail.services.factures_demat import montant_du
from corail.services.habilitations import exiger
from corail.services.nomenclature import article_imputable
from corail.services.pieces import (  # noqa: F401  (EDITABLES re-exported: screens and services use it)
    EDITABLES, GENRE_MANDAT, avertissements, controles_communs, creer_piece, devalider_piece,
    modifier_piece, nature_pce, piece_du_genre, pj_de_piece, rendre_facture_demat, supprimer_brouillon,
    tiers_de_saisie, train_de_saisie, valider_piece, verifier_references,
)

MODES_AVEC_COMPTE = ("03", "05", "06")


@dataclass(frozen=True)
class ImputationSaisie:
    article: str
    montant: Decimal
    designation: str = ""
    fonction: str | None = None
    operation_id: int | None = None
    service_id: int | None = None
    engagement_id: int | None = None
    numero_inventaire: str | None = None


@dataclass(frozen=True)
class MandatSaisie:
    tiers_id: int
    imputations: tuple[ImputationSaisie, ...]
    objet: str = ""
    pieces_justificatives: str = ""
    train: str | None = None  # name; the budget's default train when None
    compte_bancaire_id: int | None = None
    date_reception: date | None = None
    marche: str | None = None
    lot: str | None = None
    mode_reglement: str | None = None
    type_pce: str = "01"
    nat_pce: str | None = None
    libelle_virement1: str | None = None
    libelle_virement2: str | None = None
    date_echeance: date | None = None
    compte_tiers: str | None = None
    dgp_date_suspension: date | None = None
    dgp_date_reprise: date | None = None
    subvention: bool = False
    numero_inventaire: str | None = None
    sommes_admises: bool = False
    motif_sommes_admises: str | None = None


@dataclass(frozen=True)
class MandatLigne:
    id: int
    numero: int | None
    etat: str
    tiers: str
    objet: str
    montant: Decimal
    train: str
    bordereau_id: int | None
    facture_demat_id: int | None
    regularisation: bool


@dataclass(frozen=True)
class MandatDetail:
    ligne: MandatLigne
    saisie: MandatSaisie
    pj: tuple[tuple[int, str, str], ...]  # (pj id, name, type)
    montant_du: Decimal | None  # what the invoice asks (None: no invoice)
    avertissements: tuple[str, ...] = field(default_factory=tuple)


def _mandat(session: Session, ctx: Context, mandat_id: int) -> Piece:
    return piece_du_genre(session, ctx, GENRE_MANDAT, mandat_id)


def nom_mandat(piece: Piece) -> str:
    return GENRE_MANDAT.nom_de(piece)


def _appliquer(session: Session, ctx: Context, piece: Piece, s: MandatSaisie) -> None:
    budget = session.get(Budget, ctx.budget_id)
    tiers = tiers_de_saisie(session, ctx, s.tiers_id, "tiers")
    if s.compte_bancaire_id is not None:
        compte = session.get(CompteBancaire, s.compte_bancaire_id)
        if compte is None or compte.tiers_id != tiers.id:
            raise ValidationError("Banque : ce compte n'est pas un compte du tiers")
    if not s.imputations:
        raise ValidationError("Imputations comptables : ajoutez au moins une imputation")
    if len(s.objet or "") > 255:
        raise ValidationError("Objet trop long (255 caractères au plus)")
    if s.sommes_admises and not (s.motif_sommes_admises or "").strip():
        raise ValidationError("Sommes admises : le motif est obligatoire")
    for champ in ("objet", "pieces_justificatives", "date_reception", "marche", "lot",
                  "libelle_virement1", "libelle_virement2", "date_echeance", "compte_tiers",
                  "dgp_date_suspension", "dgp_date_reprise", "subvention", "numero_inventaire",
                  "sommes_admises", "motif_sommes_admises", "type_pce", "compte_bancaire_id"):
        setattr(piece, champ, getattr(s, champ))
    piece.tiers_id = tiers.id
    piece.train_id = train_de_saisie(session, budget, s.train).id
    piece.mode_reglement = s.mode_reglement or budget.mode_reglement_defaut or "03"
    piece.regularisation = s.type_pce == "05"
    piece.imputations.clear()
    session.flush()
    sections = set()
    for ordre, i in enumerate(s.imputations, 1):
        art = article_imputable(session, budget.nomenclature, i.article, sens=GENRE_MANDAT.sens)
        sections.add(art.section)
        verifier_references(session, budget, ordre, i)
        piece.imputations.append(Imputation(
            ordre=ordre, article=art.code, designation=(i.designation or art.libelle)[:200],
            fonction=i.fonction or None, operation_id=i.operation_id, service_id=i.service_id,
            engagement_id=i.engagement_id, montant=to_money(i.montant),
            numero_inventaire=i.numero_inventaire or None))
    piece.nat_pce = nature_pce(s.nat_pce, sections)
    piece.montant = sum((to_money(i.montant) for i in s.imputations), ZERO)
    session.flush()


def creer_mandat(session: Session, ctx: Context, saisie: MandatSaisie) -> MandatDetail:
    piece = creer_piece(session, ctx, GENRE_MANDAT, lambda p: _appliquer(session, ctx, p, saisie))
    return detail_mandat(session, ctx, piece.id)


def modifier_mandat(session: Session, ctx: Context, mandat_id: int, saisie: MandatSaisie) -> MandatDetail:
    piece = modifier_piece(session, ctx, GENRE_MANDAT, mandat_id,
                           lambda p: _appliquer(session, ctx, p, saisie))
    return detail_mandat(session, ctx, piece.id)


def controler(session: Session, piece: Piece) -> list[str]:
    """Every reason why the mandat cannot be validated (empty: it can)."""
    erreurs = controles_communs(piece)
    total = sum((i.montant for i in piece.imputations), ZERO)
    du = montant_du(session, piece)
    if du is not None:
        if piece.sommes_admises:
            if not total < du:
                erreurs.append(f"sommes admises ({format_eur(total)}) non inférieures au montant "
                               f"de la facture ({format_eur(du)})")
        elif total != du:
            erreurs.append(f"mandat déséquilibré : total des imputations {format_eur(total)} ≠ "
                           f"montant de la facture {format_eur(du)} (écart {format_eur(total - du)})")
    budget = session.get(Budget, piece.budget_id)
    for i in piece.imputations:
        art = article_imputable(session, budget.nomenclature, i.article, sens=GENRE_MANDAT.sens)
        if art.section == "I" and not (i.numero_inventaire or piece.numero_inventaire):
            erreurs.append(f"imputation {i.ordre} : article d'investissement {art.code}, "
                           f"n° d'inventaire obligatoire (onglet Inventaire)")
        if i.engagement_id is not None:
            from corail.services.engagements import solde_engagement
            solde = solde_engagement(session, i.engagement_id, sauf_piece=piece.id)
            if i.montant > solde:
                erreurs.append(f"imputation {i.ordre} : engagement insuffisant (reste "
                               f"{format_eur(solde)}, demandé {format_eur(i.montant)})")
    if piece.mode_reglement in MODES_AVEC_COMPTE:
        compte = session.get(CompteBancaire, piece.compte_bancaire_id) if piece.compte_bancaire_id else None
        if compte is None:
            erreurs.append("virement sans compte bancaire (Banque / IBAN)")
        elif not compte.iban_valide:
            erreurs.append(f"IBAN invalide : {compte.iban}")
    if piece.sommes_admises and not (piece.motif_sommes_admises or "").strip():
        erreurs.append("sommes admises sans motif")
    return erreurs


def valider_mandat(session: Session, ctx: Context, mandat_id: int) -> MandatDetail:
    piece = valider_piece(session, ctx, GENRE_MANDAT, mandat_id, controler)
    return detail_mandat(session, ctx, piece.id)


def devalider_mandat(session: Session, ctx: Context, mandat_id: int) -> MandatDetail:
    piece = devalider_piece(session, ctx, GENRE_MANDAT, mandat_id)
    return detail_mandat(session, ctx, piece.id)


def _liberer(session: Session, ctx: Context, piece: Piece) -> None:
    """A deleted draft's invoice goes back to *Factures à créer* (or to the register)."""
    if piece.facture_demat_id is not None:
        fd = session.get(FactureDemat, piece.facture_demat_id)
        rendre_facture_demat(
            session, ctx, fd, EtatFactureDemat.FACTUREE if piece.facture_id else EtatFactureDemat.A_TRAITER,
            nom=f"Facture {fd.numero}", etape=Etape.MANDATEMENT,
            complement="Mandat brouillon supprimé : facture à traiter de nouveau")
    if piece.facture_id is not None:
        facture = session.get(Facture, piece.facture_id)
        changer_etat(facture, TRANSITIONS_FACTURE, EtatFacture.A_MANDATER, nom=f"Facture {facture.numero}")


def supprimer_mandat(session: Session, ctx: Context, mandat_id: int) -> None:
    """A draft only; its invoice goes back to *Factures à créer* (or to the register)."""
    supprimer_brouillon(session, ctx, GENRE_MANDAT, mandat_id, lambda p: _liberer(session, ctx, p))


def dupliquer_mandat(session: Session, ctx: Context, mandat_id: int) -> MandatDetail:
    """A new draft with the same tiers, objet and imputations (no invoice, no PJ)."""
    GENRE_MANDAT.exiger(session, ctx, "dupliquer")
    source = detail_mandat(session, ctx, mandat_id).saisie
    return creer_mandat(session, ctx, replace(source, sommes_admises=False, motif_sommes_admises=None))


def _ligne(session: Session, p: Piece) -> MandatLigne:
    tiers = session.get(Tiers, p.tiers_id) if p.tiers_id else None
    train = session.get(Train, p.train_id) if p.train_id else None
    return MandatLigne(p.id, p.numero, p.etat, tiers.nom if tiers else "", p.objet, p.montant,
                       train.nom if train else "", p.bordereau_id, p.facture_demat_id, p.regularisation)


#: what a list row holds, in ``MandatLigne``'s order
_COLONNES_LISTE = (Piece.id, Piece.numero, Piece.etat, Tiers.nom, Piece.objet, Piece.montant, Train.nom,
                   Piece.bordereau_id, Piece.facture_demat_id, Piece.regularisation)


def lister_mandats(session: Session, ctx: Context, *, etat: str | None = None,
                   train: str | None = None) -> list[MandatLigne]:
    """The exercice's mandats (``etat``: one état only; ``train``: one train's, by name),
    numbered first by number, then the others by id: one statement of plain columns, no ORM
    object (a town's 10,000 mandats in a fraction of a second)."""
    exiger(session, ctx, DEPENSES, CONSULTATION, "consulter les mandats")
    stmt = (select(*_COLONNES_LISTE)
            .outerjoin(Tiers, Tiers.id == Piece.tiers_id).outerjoin(Train, Train.id == Piece.train_id)
            .where(Piece.budget_id == ctx.budget_id, Piece.annee == ctx.exercice,
                   Piece.type_piece == MANDAT))
    if etat:
        stmt = stmt.where(Piece.etat == etat)
    if train:
        stmt = stmt.where(Train.nom == train)
    stmt = stmt.order_by(Piece.numero.is_(None), Piece.numero, Piece.id)
    return [MandatLigne(ident, numero, etat_, tiers or "", objet, montant, nom_train or "", bordereau,
                        facture, bool(regularisation))
            for ident, numero, etat_, tiers, objet, montant, nom_train, bordereau, facture, regularisation
            in session.execute(stmt)]


def detail_mandat(session: Session, ctx: Context, mandat_id: int) -> MandatDetail:
    GENRE_MANDAT.exiger(session, ctx, "consulter", CONSULTATION)
    p = _mandat(session, ctx, mandat_id)
    train = session.get(Train, p.train_id) if p.train_id else None
    saisie = MandatSaisie(
        tiers_id=p.tiers_id, objet=p.objet, pieces_justificatives=p.pieces_justificatives,
        train=train.nom if train else None, compte_bancaire_id=p.compte_bancaire_id,
        date_reception=p.date_reception, marche=p.marche, lot=p.lot, mode_reglement=p.mode_reglement,
        type_pce=p.type_pce or "01", nat_pce=p.nat_pce, libelle_virement1=p.libelle_virement1,
        libelle_virement2=p.libelle_virement2, date_echeance=p.date_echeance,
        compte_tiers=p.compte_tiers, dgp_date_suspension=p.dgp_date_suspension,
        dgp_date_reprise=p.dgp_date_reprise, subvention=p.subvention,
        numero_inventaire=p.numero_inventaire, sommes_admises=p.sommes_admises,
        motif_sommes_admises=p.motif_sommes_admises,
        imputations=tuple(ImputationSaisie(
            i.article, i.montant, i.designation, i.fonction, i.operation_id, i.service_id,
            i.engagement_id, i.numero_inventaire) for i in p.imputations))
    return MandatDetail(_ligne(session, p), saisie, pj_de_piece(session, p.id), montant_du(session, p),
                        avertissements(session, p, controler))
