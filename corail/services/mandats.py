"""Saisie des mandats: create, change, validate, duplicate, delete (drafts only).

A mandat is editable while *brouillon* or *validé* (a change sends a validated one
back to brouillon); once numbered it is read-only and corrected only by an
annulation/réduction (``services/numerotation.py``). Its total is the sum of its
imputations and must equal the invoice's amount due (HT on a budget assujetti à
la TVA) — except a mandat of *sommes admises*, lower, with its motif.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from corail.context import Context
from corail.db.models import (
    MANDAT, Budget, CompteBancaire, Engagement, EtapeFacture, Facture, FactureDemat, Imputation,
    Operation, Piece,
    PiecePJ, Service, Tiers, Train,
)
from corail.domain.etats import (
    TRANSITIONS_FACTURE, TRANSITIONS_FACTURE_DEMAT, TRANSITIONS_PIECE, Etape, EtatFacture,
    EtatFactureDemat, EtatPiece,
)
from corail.domain.roles import CONSULTATION, DEPENSES, MODIFICATION
from corail.domain.workflow import changer_etat
from corail.errors import NotFound, ValidationError
from corail.money import ZERO, format_eur, to_money
from corail.services.etapes import ajouter_etape
from corail.services.factures_demat import actualiser_etat_flux, montant_du
from corail.services.habilitations import exiger
from corail.services.nomenclature import article_imputable

MODES_AVEC_COMPTE = ("03", "05", "06")
EDITABLES = (EtatPiece.BROUILLON, EtatPiece.VALIDE, EtatPiece.REJETE)


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
    piece = session.get(Piece, mandat_id)
    if piece is None or piece.budget_id != ctx.budget_id or piece.type_piece != MANDAT:
        raise NotFound(f"Mandat {mandat_id} introuvable dans le budget en cours")
    return piece


def nom_mandat(piece: Piece) -> str:
    return f"Mandat n° {piece.numero}" if piece.numero else f"Mandat {piece.id} (non numéroté)"


def _editable(piece: Piece) -> None:
    if piece.etat not in EDITABLES:
        raise ValidationError(
            f"{nom_mandat(piece)} : {'numéroté' if piece.numero else piece.etat}, il ne se modifie "
            f"plus ; corrigez-le par une annulation ou une réduction")


def _train(session: Session, budget: Budget, nom: str | None) -> Train:
    nom = nom or budget.train_defaut or "Normal"
    train = session.scalars(select(Train).where(Train.budget_id == budget.id, Train.nom == nom)).one_or_none()
    if train is None:
        raise NotFound(f"Train « {nom} » inconnu pour ce budget")
    return train


def _appliquer(session: Session, ctx: Context, piece: Piece, s: MandatSaisie) -> None:
    budget = session.get(Budget, ctx.budget_id)
    tiers = session.get(Tiers, s.tiers_id)
    if tiers is None or tiers.collectivite_id != ctx.collectivite_id:
        raise ValidationError("Tiers : choisissez un tiers de la collectivité")
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
    piece.train_id = _train(session, budget, s.train).id
    piece.mode_reglement = s.mode_reglement or budget.mode_reglement_defaut or "03"
    piece.regularisation = s.type_pce == "05"
    piece.imputations.clear()
    session.flush()
    sections = set()
    for ordre, i in enumerate(s.imputations, 1):
        art = article_imputable(session, budget.nomenclature, i.article, sens="D")
        sections.add(art.section)
        for modele, ident, nom in ((Operation, i.operation_id, "Opération"),
                                   (Service, i.service_id, "Service"),
                                   (Engagement, i.engagement_id, "N° Eng.")):
            if ident is not None:
                obj = session.get(modele, ident)
                if obj is None or obj.budget_id != budget.id:
                    raise ValidationError(f"Imputation {ordre} : {nom} inconnu dans ce budget")
        piece.imputations.append(Imputation(
            ordre=ordre, article=art.code, designation=(i.designation or art.libelle)[:200],
            fonction=i.fonction or None, operation_id=i.operation_id, service_id=i.service_id,
            engagement_id=i.engagement_id, montant=to_money(i.montant),
            numero_inventaire=i.numero_inventaire or None))
    piece.nat_pce = s.nat_pce or ("02" if sections == {"I"} else "01")
    piece.montant = sum((to_money(i.montant) for i in s.imputations), ZERO)
    session.flush()


def creer_mandat(session: Session, ctx: Context, saisie: MandatSaisie) -> MandatDetail:
    exiger(session, ctx, DEPENSES, MODIFICATION, "saisir un mandat")
    piece = Piece(type_piece=MANDAT, budget_id=ctx.budget_id, annee=ctx.exercice,
                  etat=EtatPiece.BROUILLON, cree_le=ctx.now(), cree_par=ctx.utilisateur,
                  date_emission=ctx.today())
    session.add(piece)
    _appliquer(session, ctx, piece, saisie)
    return detail_mandat(session, ctx, piece.id)


def modifier_mandat(session: Session, ctx: Context, mandat_id: int, saisie: MandatSaisie) -> MandatDetail:
    exiger(session, ctx, DEPENSES, MODIFICATION, "modifier un mandat")
    piece = _mandat(session, ctx, mandat_id)
    _editable(piece)
    if piece.etat != EtatPiece.BROUILLON:
        changer_etat(piece, TRANSITIONS_PIECE, EtatPiece.BROUILLON, nom=nom_mandat(piece))
    _appliquer(session, ctx, piece, saisie)
    return detail_mandat(session, ctx, piece.id)



def controler(session: Session, piece: Piece) -> list[str]:
    """Every reason why the mandat cannot be validated (empty: it can)."""
    erreurs = []
    total = sum((i.montant for i in piece.imputations), ZERO)
    if not piece.imputations:
        erreurs.append("aucune imputation")
    if total <= 0:
        erreurs.append(f"montant nul ou négatif ({format_eur(total)})")
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
        art = article_imputable(session, budget.nomenclature, i.article, sens="D")
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
    exiger(session, ctx, DEPENSES, MODIFICATION, "valider un mandat")
    piece = _mandat(session, ctx, mandat_id)
    erreurs = controler(session, piece)
    if erreurs:
        raise ValidationError(f"{nom_mandat(piece)} ne peut pas être validé :", choix=erreurs)
    changer_etat(piece, TRANSITIONS_PIECE, EtatPiece.VALIDE, nom=nom_mandat(piece))
    session.flush()
    return detail_mandat(session, ctx, piece.id)


def devalider_mandat(session: Session, ctx: Context, mandat_id: int) -> MandatDetail:
    exiger(session, ctx, DEPENSES, MODIFICATION, "dévalider un mandat")
    piece = _mandat(session, ctx, mandat_id)
    changer_etat(piece, TRANSITIONS_PIECE, EtatPiece.BROUILLON, nom=nom_mandat(piece),
                 raison="seul un mandat validé non numéroté revient en brouillon")
    return detail_mandat(session, ctx, piece.id)


def supprimer_mandat(session: Session, ctx: Context, mandat_id: int) -> None:
    """A draft only; its invoice goes back to *Factures à créer* (or to the register)."""
    exiger(session, ctx, DEPENSES, MODIFICATION, "supprimer un mandat")
    piece = _mandat(session, ctx, mandat_id)
    if piece.etat != EtatPiece.BROUILLON:
        raise ValidationError(f"{nom_mandat(piece)} : seul un brouillon se supprime")
    if piece.facture_demat_id is not None:
        fd = session.get(FactureDemat, piece.facture_demat_id)
        retour = EtatFactureDemat.FACTUREE if piece.facture_id else EtatFactureDemat.A_TRAITER
        changer_etat(fd, TRANSITIONS_FACTURE_DEMAT, retour, nom=f"Facture {fd.numero}")
        ajouter_etape(session, ctx, Etape.MANDATEMENT, facture_demat_id=fd.id,
                      complement="Mandat brouillon supprimé : facture à traiter de nouveau")
        actualiser_etat_flux(session, fd.flux_id)
    if piece.facture_id is not None:
        facture = session.get(Facture, piece.facture_id)
        changer_etat(facture, TRANSITIONS_FACTURE, EtatFacture.A_MANDATER, nom=f"Facture {facture.numero}")
    for lien in session.scalars(select(PiecePJ).where(PiecePJ.piece_id == piece.id)):
        session.delete(lien)
    # the invoice's history keeps its étapes; they no longer point at the deleted draft
    session.execute(update(EtapeFacture).where(EtapeFacture.piece_id == piece.id).values(piece_id=None))
    session.delete(piece)
    session.flush()


def dupliquer_mandat(session: Session, ctx: Context, mandat_id: int) -> MandatDetail:
    """A new draft with the same tiers, objet and imputations (no invoice, no PJ)."""
    exiger(session, ctx, DEPENSES, MODIFICATION, "dupliquer un mandat")
    source = detail_mandat(session, ctx, mandat_id).saisie
    return creer_mandat(session, ctx, replace(source, sommes_admises=False, motif_sommes_admises=None))


def _ligne(session: Session, p: Piece) -> MandatLigne:
    tiers = session.get(Tiers, p.tiers_id) if p.tiers_id else None
    train = session.get(Train, p.train_id) if p.train_id else None
    return MandatLigne(p.id, p.numero, p.etat, tiers.nom if tiers else "", p.objet, p.montant,
                       train.nom if train else "", p.bordereau_id, p.facture_demat_id, p.regularisation)


def lister_mandats(session: Session, ctx: Context, *, etat: str | None = None,
                   train: str | None = None) -> list[MandatLigne]:
    """The exercice's mandats, in one query (tiers and train joined)."""
    exiger(session, ctx, DEPENSES, CONSULTATION, "consulter les mandats")
    stmt = (select(Piece, Tiers.nom, Train.nom)
            .outerjoin(Tiers, Tiers.id == Piece.tiers_id).outerjoin(Train, Train.id == Piece.train_id)
            .where(Piece.budget_id == ctx.budget_id, Piece.annee == ctx.exercice,
                   Piece.type_piece == MANDAT))
    if etat:
        stmt = stmt.where(Piece.etat == etat)
    if train:
        stmt = stmt.where(Train.nom == train)
    rows = session.execute(stmt.order_by(Piece.numero.is_(None), Piece.numero, Piece.id)).all()
    return [MandatLigne(p.id, p.numero, p.etat, tiers or "", p.objet, p.montant, nom_train or "",
                        p.bordereau_id, p.facture_demat_id, p.regularisation)
            for p, tiers, nom_train in rows]


def detail_mandat(session: Session, ctx: Context, mandat_id: int) -> MandatDetail:
    exiger(session, ctx, DEPENSES, CONSULTATION, "consulter un mandat")
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
    from corail.db.models import PJ
    pj = session.execute(select(PJ.id, PJ.nom, PJ.type_pj).join(PiecePJ, PiecePJ.pj_id == PJ.id)
                         .where(PiecePJ.piece_id == p.id).order_by(PiecePJ.ordre)).all()
    avert = tuple(controler(session, p)) if p.etat == EtatPiece.BROUILLON else ()
    return MandatDetail(_ligne(session, p), saisie, tuple(tuple(r) for r in pj),
                        montant_du(session, p), avert)
