"""Édition des mandats and des titres: the printed pièces and their bordereaux (PDF), from
the database.

The PDF is written aside then renamed (never a half-written file), pièce by pièce so that
a train of thousands stays in bounded memory; progress and cancel through the JobControl.
Printing writes the étape *Impression* of each invoice (or avoir) involved.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session

from corail.context import Context
from corail.dates import format_date
from corail.db.models import (
    MANDAT,
    PJ,
    TITRE,
    Article,
    Bordereau,
    Budget,
    Collectivite,
    CompteBancaire,
    Engagement,
    FactureDemat,
    Operation,
    Piece,
    PiecePJ,
    Service,
    Tiers,
    Train,
)
from corail.domain.etats import Etape
from corail.domain.roles import CONSULTATION, DEPENSES, RECETTES
from corail.errors import NotFound, ValidationError
from corail.jobs import NO_CONTROL, JobControl
from corail.money import ZERO, format_eur
from corail.reports.donnees import (
    BordereauImprime,
    EnTeteImpression,
    ImputationImprimee,
    LigneBordereau,
    LigneBordereauTva,
    MandatImprime,
)
from corail.services.etapes import ajouter_etape
from corail.services.habilitations import exiger

MODES = {"01": "Numéraire", "02": "Chèque", "03": "Virement", "04": "Virement appli externe",
         "05": "Virement gros montant", "06": "Virement étranger", "07": "Opération budget rattaché",
         "08": "Opération d'ordre", "09": "Avis de règlement", "10": "Prélèvement",
         "11": "Virement interne"}
TYPES_PCE = {"01": "Ordinaire", "02": "Correctif", "05": "Émis après paiement (régularisation)",
             "09": "Sur marché"}


@dataclass(frozen=True)
class Impression:
    chemin: Path
    pages: int
    mandats: int
    titres: int = 0
    bordereaux: tuple[Path, ...] = ()  # the bordereaux' PDF written beside


def en_tete(session: Session, ctx: Context) -> EnTeteImpression:
    budget = session.get(Budget, ctx.budget_id)
    coll = session.get(Collectivite, budget.collectivite_id)
    poste = coll.poste_comptable
    adresse = tuple(x for x in (coll.adresse1, coll.adresse2,
                                " ".join(x for x in (coll.code_postal, coll.ville) if x)) if x)
    return EnTeteImpression(coll.nom, adresse, budget.siret, budget.libelle, budget.code_complet,
                            ctx.exercice, f"{poste.id_post} — {poste.nom}" if poste else "",
                            budget.nomenclature)


def _mandat_imprime(session: Session, ctx: Context, p: Piece, tete: EnTeteImpression) -> MandatImprime:
    budget = session.get(Budget, p.budget_id)
    tiers = session.get(Tiers, p.tiers_id) if p.tiers_id else None
    compte = session.get(CompteBancaire, p.compte_bancaire_id) if p.compte_bancaire_id else None
    bord = session.get(Bordereau, p.bordereau_id) if p.bordereau_id else None
    libelles = dict(session.execute(select(Article.code, Article.libelle).where(
        Article.nomenclature == budget.nomenclature,
        Article.code.in_([i.article for i in p.imputations]))).all())

    def nom(modele, ident) -> str:
        obj = session.get(modele, ident) if ident else None
        return getattr(obj, "code", None) or getattr(obj, "numero", "") if obj else ""

    facture = ""
    if p.facture_demat_id:
        fd = session.get(FactureDemat, p.facture_demat_id)
        facture = (f"Facture N° {fd.numero} du {format_date(fd.date_emission)} reçue le "
                   f"{format_date(fd.date_reception)} (Chorus Pro)")
    pjs = session.scalars(select(PJ.nom).join(PiecePJ, PiecePJ.pj_id == PJ.id)
                          .where(PiecePJ.piece_id == p.id).order_by(PiecePJ.ordre)).all()
    adresse = tuple(x for x in ((tiers.adresse1, tiers.adresse2, " ".join(
        x for x in (tiers.code_postal, tiers.ville) if x)) if tiers else ()) if x)
    ville = tete.adresse[-1].split(" ", 1)[-1] if tete.adresse else tete.collectivite
    return MandatImprime(
        en_tete=tete, numero=p.numero, bordereau=bord.numero if bord else None,
        date_emission=bord.date_emission if bord else p.date_emission, tiers=tiers.nom if tiers else "",
        tiers_adresse=adresse, tiers_siret=(tiers.siret or tiers.identifiant or "") if tiers else "",
        iban=" ".join((compte.iban[i:i + 4] for i in range(0, len(compte.iban), 4))) if compte else "",
        bic=(compte.bic or "") if compte else "",
        mode_reglement=f"{p.mode_reglement} – {MODES.get(p.mode_reglement or '', '')}",
        objet=p.objet, pieces=p.pieces_justificatives, facture=facture, marche=p.marche or "",
        type_piece=f"{p.type_pce or '01'} – {TYPES_PCE.get(p.type_pce or '01', '')}",
        imputations=tuple(ImputationImprimee(
            i.article, libelles.get(i.article, ""), i.designation, i.fonction or "",
            nom(Operation, i.operation_id), nom(Service, i.service_id),
            nom(Engagement, i.engagement_id), i.montant) for i in p.imputations),
        montant=p.montant, pj=tuple(pjs),
        sommes_admises=p.motif_sommes_admises or "" if p.sommes_admises else "",
        lieu_date=f"À {ville}, le {format_date(ctx.today())}")


def _mandats(session: Session, ctx: Context, pieces: list[Piece], control: JobControl) -> Iterator[MandatImprime]:
    tete = en_tete(session, ctx)
    for n, p in enumerate(pieces, 1):
        control.step(n, len(pieces))
        yield _mandat_imprime(session, ctx, p, tete)


def bordereau_imprime(session: Session, ctx: Context, bordereau_id: int) -> BordereauImprime:
    b = session.get(Bordereau, bordereau_id)
    if b is None or b.budget_id != ctx.budget_id:
        raise NotFound(f"Bordereau {bordereau_id} introuvable dans ce budget")
    pieces = session.scalars(select(Piece).where(Piece.bordereau_id == b.id).order_by(Piece.numero)).all()
    precedents = session.scalars(select(Bordereau.montant).where(
        Bordereau.budget_id == b.budget_id, Bordereau.annee == b.annee,
        Bordereau.type_piece == b.type_piece, Bordereau.date_emission <= b.date_emission,
        Bordereau.id < b.id)).all()
    cumul = sum(precedents, ZERO)
    train = session.get(Train, b.train_id) if b.train_id else None
    lignes = tuple(_ligne_bordereau(session, b, p) for p in pieces)
    remarques = ()
    if b.reference_regularisation:
        remarques = (f"Régularisation : bordereau du comptable n° {b.reference_regularisation} "
                     f"du {format_date(b.date_regularisation)}",)
    tete = en_tete(session, ctx)
    ville = _ville(tete)
    return BordereauImprime(
        tete, b.numero, "01 – Ordinaire" if b.type_bord == "01" else "02 – Annulation / réduction",
        "mandats" if b.type_piece == MANDAT else "titres", b.date_emission, lignes, b.montant, cumul,
        cumul + b.montant, lieu_date=f"À {ville}, le {format_date(b.date_emission)}",
        train=train.nom if train else "", remarques=remarques)


def _ligne_bordereau(session: Session, b: Bordereau, p: Piece) -> LigneBordereau:
    """A pièce on its bordereau; a titre with its HT and TVA (HT = TTC without TVA)."""
    debut = (p.numero, session.get(Tiers, p.tiers_id).nom if p.tiers_id else "", p.objet,
             ", ".join(dict.fromkeys(i.article for i in p.imputations)), p.montant)
    if b.type_piece != TITRE:
        return LigneBordereau(*debut)
    ht = sum((i.montant if i.montant_ht is None else i.montant_ht for i in p.imputations), ZERO)
    return LigneBordereauTva(*debut, ht, p.montant - ht)


def _ville(tete: EnTeteImpression) -> str:
    return tete.adresse[-1].split(" ", 1)[-1] if tete.adresse else tete.collectivite


def ecrire_pdf(chemin: Path, ecrire) -> int:
    """Write a PDF aside (``.nom.pdf.partiel``) with ``ecrire(flux) -> pages``, then rename it:
    a failed or cancelled printing leaves no partial PDF under the chosen name."""
    chemin = Path(chemin)
    if chemin.is_dir():
        raise ValidationError(f"« {chemin} » est un dossier : donnez un nom de fichier PDF")
    if not chemin.parent.is_dir():
        raise ValidationError(f"Dossier « {chemin.parent} » introuvable")
    temp = chemin.with_name(f".{chemin.name}.partiel")
    try:
        with temp.open("wb") as out:
            pages = ecrire(out)
        os.replace(temp, chemin)
    finally:
        temp.unlink(missing_ok=True)
    return pages


def imprimer_mandats(session: Session, ctx: Context, chemin: Path, *, train: str | None = None,
                     bordereau_id: int | None = None, mandat_ids: list[int] | None = None,
                     control: JobControl = NO_CONTROL) -> Impression:
    """The mandats of a bordereau, of a train (numbered, not yet printed ones first), or chosen."""
    exiger(session, ctx, DEPENSES, CONSULTATION, "imprimer des mandats")
    from corail.reports.mandat_pdf import ecrire_mandats_pdf

    stmt = select(Piece).where(Piece.budget_id == ctx.budget_id, Piece.type_piece == MANDAT,
                               Piece.annee == ctx.exercice)
    if bordereau_id is not None:
        stmt = stmt.where(Piece.bordereau_id == bordereau_id)
    elif mandat_ids:
        stmt = stmt.where(Piece.id.in_(mandat_ids))
    elif train is not None:
        stmt = stmt.join(Train, Train.id == Piece.train_id).where(Train.nom == train)
    pieces = session.scalars(stmt.order_by(Piece.numero.is_(None), Piece.numero, Piece.id)).all()
    if not pieces:
        raise ValidationError("Aucun mandat à imprimer")
    pages = ecrire_pdf(chemin, lambda out: ecrire_mandats_pdf(_mandats(session, ctx, pieces, control), out,
                                                           control=control))
    pages_b, ecrits = imprimer_bordereaux(session, ctx, chemin, pieces)
    _etapes_impression(session, ctx, chemin, pieces)
    return Impression(Path(chemin), pages + pages_b, len(pieces), bordereaux=ecrits)


def imprimer_bordereaux(session: Session, ctx: Context, chemin: Path,
                        pieces: list[Piece]) -> tuple[int, tuple[Path, ...]]:
    """The bordereaux of ``pieces``, each beside ``chemin`` as ``<nom>_bordereau_<n°>.pdf``."""
    from corail.reports.bordereau_pdf import ecrire_bordereau_pdf

    pages, ecrits = 0, []
    for b in sorted({p.bordereau_id for p in pieces if p.bordereau_id}):
        bord = session.get(Bordereau, b)
        suffixe = "_02" if bord.type_bord != "01" else ""
        pdf_b = Path(chemin).with_name(f"{Path(chemin).stem}_bordereau_{bord.numero}{suffixe}.pdf")
        pages += ecrire_pdf(pdf_b, lambda out, b=b: ecrire_bordereau_pdf(bordereau_imprime(session, ctx, b), out))
        ecrits.append(pdf_b)
    return pages, tuple(ecrits)


def _etapes_impression(session: Session, ctx: Context, chemin: Path, pieces: list[Piece]) -> None:
    for p in pieces:
        if p.facture_demat_id:
            ajouter_etape(session, ctx, Etape.IMPRESSION, facture_demat_id=p.facture_demat_id,
                          piece_id=p.id, complement=f"{Path(chemin).name}")


# --- titres de recettes --------------------------------------------------------------------------

def titre_imprime(session: Session, ctx: Context, p: Piece, tete: EnTeteImpression):
    """What the printed titre shows (``reports/titre_pdf.TitreImprime``)."""
    from corail.reports.titre_pdf import ImputationTitreImprimee, TitreImprime
    from corail.services.titres import NATURES_PCE, TYPES_ASAP, TYPES_PCE

    budget = session.get(Budget, p.budget_id)
    tiers = session.get(Tiers, p.tiers_id) if p.tiers_id else None
    bord = session.get(Bordereau, p.bordereau_id) if p.bordereau_id else None
    libelles = dict(session.execute(select(Article.code, Article.libelle).where(
        Article.nomenclature == budget.nomenclature,
        Article.code.in_([i.article for i in p.imputations]))).all())

    def code(modele, ident) -> str:
        obj = session.get(modele, ident) if ident else None
        return (getattr(obj, "code", None) or getattr(obj, "numero", "")) if obj else ""

    avoir = origine = ""
    if p.facture_demat_id:
        fd = session.get(FactureDemat, p.facture_demat_id)
        avoir = (f"Avoir N° {fd.numero} du {format_date(fd.date_emission)} reçu le "
                 f"{format_date(fd.date_reception)} (Chorus Pro)")
    if p.piece_origine_id:
        o = session.get(Piece, p.piece_origine_id)
        origine = f"Titre n° {o.numero} / {o.annee} du {format_date(o.date_emission)} ({format_eur(o.montant)})"
    pjs = session.scalars(select(PJ.nom).join(PiecePJ, PiecePJ.pj_id == PJ.id)
                          .where(PiecePJ.piece_id == p.id).order_by(PiecePJ.ordre)).all()
    adresse = tuple(x for x in ((tiers.adresse1, tiers.adresse2, " ".join(
        x for x in (tiers.code_postal, tiers.ville) if x)) if tiers else ()) if x)
    nature = "Annulation-réduction" if p.nat_pce == "06" else NATURES_PCE.get(p.nat_pce or "", "")
    return TitreImprime(
        en_tete=tete, numero=p.numero, bordereau=bord.numero if bord else None,
        date_emission=bord.date_emission if bord else p.date_emission,
        debiteur=" ".join(x for x in ((tiers.civilite, tiers.prenom, tiers.nom) if tiers else ()) if x),
        debiteur_adresse=adresse, debiteur_siret=(tiers.siret or "") if tiers else "",
        objet=p.objet, pieces=p.pieces_justificatives,
        type_piece=f"{p.type_pce or '01'} – {TYPES_PCE.get(p.type_pce or '01', '')}",
        nature_piece=f"{p.nat_pce} – {nature}" if p.nat_pce else "",
        imputations=tuple(ImputationTitreImprimee(
            i.article, libelles.get(i.article, ""), i.designation, i.fonction or "",
            code(Operation, i.operation_id), code(Service, i.service_id), code(Engagement, i.engagement_id),
            i.montant_ht if i.montant_ht is not None else i.montant,
            f"{format(i.taux_tva.normalize(), 'f').replace('.', ',')} %" if i.taux_tva is not None else "",
            i.montant_tva or ZERO, i.montant) for i in p.imputations),
        montant=p.montant, avec_tva=p.avec_tva,
        type_asap=f"{p.type_asap} – {TYPES_ASAP[p.type_asap]}" if p.type_asap in TYPES_ASAP else "",
        code_produit=p.code_produit or "", references_rattachement=p.references_rattachement or "",
        avoir=avoir, origine=origine, date_echeance=p.date_echeance, pj=tuple(pjs),
        lieu_date=f"À {_ville(tete)}, le {format_date(ctx.today())}")


def imprimer_titres(session: Session, ctx: Context, chemin: Path, *, train: str | None = None,
                    bordereau_id: int | None = None, titre_ids: list[int] | None = None,
                    control: JobControl = NO_CONTROL) -> Impression:
    """The titres of a bordereau, of a train, or chosen (all the exercice's when nothing is
    given), in one PDF, with their bordereaux de titres beside it; étape *Impression* on the
    avoirs they come from."""
    exiger(session, ctx, RECETTES, CONSULTATION, "imprimer des titres")
    from corail.reports.titre_pdf import ecrire_titres_pdf

    stmt = select(Piece).where(Piece.budget_id == ctx.budget_id, Piece.type_piece == TITRE,
                               Piece.annee == ctx.exercice)
    if bordereau_id is not None:
        stmt = stmt.where(Piece.bordereau_id == bordereau_id)
    elif titre_ids:
        stmt = stmt.where(Piece.id.in_(titre_ids))
    elif train is not None:
        stmt = stmt.join(Train, Train.id == Piece.train_id).where(Train.nom == train)
    pieces = session.scalars(stmt.order_by(Piece.numero.is_(None), Piece.numero, Piece.id)).all()
    if not pieces:
        raise ValidationError("Aucun titre à imprimer")
    tete = en_tete(session, ctx)

    def titres():
        for n, p in enumerate(pieces, 1):
            control.step(n, len(pieces))
            yield titre_imprime(session, ctx, p, tete)

    pages = ecrire_pdf(chemin, lambda out: ecrire_titres_pdf(titres(), out, control=control))
    pages_b, ecrits = imprimer_bordereaux(session, ctx, chemin, pieces)
    _etapes_impression(session, ctx, chemin, pieces)
    return Impression(Path(chemin), pages + pages_b, 0, titres=len(pieces), bordereaux=ecrits)
