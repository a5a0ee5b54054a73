"""Titres de recettes, after the saisie: numbering and bordereaux de titres, annulation /
réduction, *Emettre titre* from a pivot avoir, the budget's default recette article, and the
titre's pièces jointes.

* ``numeroter_titres``: the train's validated titres get gapless numbers (per budget and
  exercice, counter ``titre`` taken under a lock, ``services/compteurs``) and their bordereau
  de titres: PES TypBord 01 (ordinaire) for the titres, 02 (annulation/réduction) for the
  negative ones, each IdBord sequential per budget, exercice and TypBord.
* ``annuler_titre``: a numbered titre is corrected by a negative titre (NatPce 06) that
  references it; the original is *Annulé* once reduced to nothing.
* ``emettre_titre``: the credit note (381) of a supplier becomes a titre on that supplier
  (matched like for a mandat), for the avoir's amount, on the budget's default recette
  article; the avoir is *Titre émis* with its étape *Émission du titre*.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from corail.context import Context
from corail.db.models import PJ, TITRE, Budget, PiecePJ
from corail.domain.etats import TRANSITIONS_FACTURE_DEMAT, Etape, EtatFactureDemat, libelle_etat
from corail.domain.roles import ENVIRONNEMENT, MODIFICATION, RECETTES
from corail.domain.workflow import changer_etat
from corail.errors import ValidationError
from corail.jobs import NO_CONTROL, JobControl
from corail.money import format_eur
from corail.services.etapes import ajouter_etape
from corail.services.factures_demat import actualiser_etat_flux, facture_demat
from corail.services.fournisseurs import tiers_du_fournisseur
from corail.services.habilitations import exiger
from corail.services.nomenclature import article_imputable
from corail.services.numerotation import Numerotation, annuler_piece, numeroter
from corail.services.reglages_demat import ecrire_parametre, lire_parametre
from corail.services.titres import (
    EDITABLES, ImputationTitreSaisie, TitreDetail, TitreSaisie, creer_titre, detail_titre, nom_titre,
    piece_titre,
)

#: Parametre key of the budget's default recette article (Environnement › Défaut, recettes)
CLE_ARTICLE_RECETTE = "recettes.article_defaut"
#: used when the budget has none: M57 758 "Produits divers de gestion courante"
ARTICLE_RECETTE_PAR_DEFAUT = "758"
TAILLE_MAX_PJ = 100 * 1024 * 1024


@dataclass(frozen=True)
class TitreEmis:
    """What *Emettre titre* made: the titre (a draft) and what the user should check."""

    titre: TitreDetail
    facture_demat_id: int
    avertissements: tuple[str, ...] = ()


# --- numbering, bordereaux de titres, annulation ---------------------------------------------

def numeroter_titres(session: Session, ctx: Context, *, train: str | None = None,
                     control: JobControl = NO_CONTROL) -> Numerotation:
    """Number the validated titres of ``train`` (None: every train but the waiting ones) and
    create their bordereau(x) de titres (TypBord 01, and 02 for annulations/réductions)."""
    exiger(session, ctx, RECETTES, MODIFICATION, "numéroter des titres")
    res = numeroter(session, ctx, train=train, control=control, type_piece=TITRE)
    from corail.services.asap import preparer_asap  # asap builds on titres

    avertissements = list(res.avertissements)
    for bordereau in res.bordereaux:  # an ASAP entered before: its PES_Facture now has its numbers
        for titre_id, _numero in bordereau.pieces:
            try:
                preparer_asap(session, ctx, titre_id)
            except ValidationError as exc:  # the titre stays numbered; PES export will refuse it
                avertissements.append(f"ASAP non prête : {exc}")
    return replace(res, avertissements=tuple(avertissements))


def annuler_titre(session: Session, ctx: Context, titre_id: int, *, motif: str,
                  montant: Decimal | None = None) -> int:
    """An annulation (whole amount left) or réduction (``montant``, TTC) of a numbered titre:
    a negative titre, validated, numbered later on a bordereau de titres 02. Returns its id."""
    exiger(session, ctx, RECETTES, MODIFICATION, "annuler un titre")
    return annuler_piece(session, ctx, piece_titre(session, ctx, titre_id), motif=motif, montant=montant)


# --- default recette article -------------------------------------------------------------------

def article_recette_defaut(session: Session, ctx: Context) -> str | None:
    """The budget's default recette article as set (None when never set)."""
    valeur = lire_parametre(session, CLE_ARTICLE_RECETTE, budget_id=ctx.budget_id)
    return valeur if isinstance(valeur, str) and valeur else None


def fixer_article_recette_defaut(session: Session, ctx: Context, code: str) -> str:
    """Set the budget's default recette article (an imputable article of sens R)."""
    exiger(session, ctx, ENVIRONNEMENT, MODIFICATION, "régler l'article de recette par défaut")
    budget = session.get(Budget, ctx.budget_id)
    art = article_imputable(session, budget.nomenclature, code, sens="R")
    ecrire_parametre(session, CLE_ARTICLE_RECETTE, art.code, budget_id=ctx.budget_id)
    return art.code


def _article(session: Session, ctx: Context, budget: Budget, article: str | None) -> str:
    if article is not None and not article.strip():
        raise ValidationError("Article vide : donnez un code d'article ou laissez l'article par défaut")
    code = article or article_recette_defaut(session, ctx) or ARTICLE_RECETTE_PAR_DEFAUT
    try:
        return article_imputable(session, budget.nomenclature, code, sens="R").code
    except ValidationError as exc:
        if article:
            raise
        raise ValidationError(f"Article de recette par défaut inutilisable ({exc.message}) : "
                              f"choisissez l'article du titre") from None


# --- Emettre titre from an avoir ---------------------------------------------------------------

def emettre_titre(session: Session, ctx: Context, facture_demat_id: int, *, article: str | None = None,
                  train: str | None = None) -> TitreEmis:
    """A titre (brouillon) from a pivot avoir: the supplier as débiteur, the avoir's amount
    (net à payer, HT on a budget assujetti à la TVA), its PJ attached; the avoir is *Titre émis*."""
    exiger(session, ctx, RECETTES, MODIFICATION, "émettre un titre depuis un avoir")
    fd = facture_demat(session, ctx, facture_demat_id)
    if fd.type_facture != "avoir":
        raise ValidationError(f"Facture {fd.numero} (id {fd.id}) : ce n'est pas un avoir, elle se "
                              f"mandate (Emettre titre est réservé aux avoirs)")
    if fd.budget_id != ctx.budget_id:
        raise ValidationError(f"Avoir {fd.numero} : il n'est pas adressé au budget en cours")
    if fd.etat != EtatFactureDemat.A_TRAITER:
        deja = (" : un titre a déjà été émis" if fd.etat == EtatFactureDemat.TITREE else "")
        raise ValidationError(f"Avoir {fd.numero} (id {fd.id}) : état « {libelle_etat(fd.etat)} »"
                              f"{deja} ; seul un avoir à traiter s'émet en titre")
    budget = session.get(Budget, ctx.budget_id)
    code = _article(session, ctx, budget, article)
    tiers = tiers_du_fournisseur(session, ctx, fd)
    montant = fd.montant_ht if budget.assujetti_tva else fd.montant_net
    if montant <= 0:
        raise ValidationError(f"Avoir {fd.numero} : montant {format_eur(montant)}, rien à titrer")
    origine = f" sur la facture {fd.id_facture_origine}" if fd.id_facture_origine else ""
    objet = (f"Avoir N° {fd.numero} du {fd.date_emission:%d/%m/%Y}{origine} "
             f"reçu le {fd.date_reception:%d/%m/%Y}")
    pjs = session.scalars(select(PJ).where(PJ.facture_demat_id == fd.id).order_by(PJ.numordre, PJ.id)).all()
    nb_suppl = sum(p.type_pj == "02" for p in pjs)
    detail = creer_titre(session, ctx, TitreSaisie(
        tiers_id=tiers.tiers_id, objet=objet[:255], train=train,
        pieces_justificatives="Avoir" + (f" et {nb_suppl} pièce(s) complémentaire(s)" if nb_suppl else ""),
        marche=(fd.numero_marche or "")[:50] or None,
        references_rattachement=(fd.id_facture_origine or "")[:100] or None,
        imputations=(ImputationTitreSaisie(code, montant, designation=f"Avoir {fd.numero}"[:200]),)))
    piece = piece_titre(session, ctx, detail.ligne.id)
    piece.facture_demat_id = fd.id
    piece.date_reception = fd.date_reception
    session.add_all(PiecePJ(piece_id=piece.id, pj_id=p.id, ordre=i) for i, p in enumerate(pjs, 1))
    changer_etat(fd, TRANSITIONS_FACTURE_DEMAT, EtatFactureDemat.TITREE, nom=f"Avoir {fd.numero}")
    fd.tiers_id = tiers.tiers_id
    ajouter_etape(session, ctx, Etape.EMISSION_TITRE, facture_demat_id=fd.id, piece_id=piece.id,
                  complement=f"Titre (brouillon) de {format_eur(montant)}, train {detail.ligne.train}")
    actualiser_etat_flux(session, fd.flux_id)
    session.flush()
    return TitreEmis(detail_titre(session, ctx, piece.id), fd.id, tiers.avertissements)


# --- P. Jointes ----------------------------------------------------------------------------------

def _modifiable(session: Session, ctx: Context, titre_id: int):
    exiger(session, ctx, RECETTES, MODIFICATION, "changer les pièces jointes d'un titre")
    piece = piece_titre(session, ctx, titre_id)
    if piece.etat not in EDITABLES:
        raise ValidationError(f"{nom_titre(piece)} : numéroté, ses pièces jointes ne changent plus")
    return piece


def joindre_pj(session: Session, ctx: Context, titre_id: int, pj_id: int) -> None:
    """Link a stored PJ (``services/pj.enregistrer_pj``) to the titre, after its others."""
    piece = _modifiable(session, ctx, titre_id)
    if session.get(PJ, pj_id) is None:
        raise ValidationError(f"Pièce jointe {pj_id} introuvable")
    if session.get(PiecePJ, (piece.id, pj_id)) is None:
        ordre = (session.scalar(select(func.max(PiecePJ.ordre)).where(PiecePJ.piece_id == piece.id)) or 0) + 1
        session.add(PiecePJ(piece_id=piece.id, pj_id=pj_id, ordre=ordre))
        session.flush()


def ajouter_pj_titre(session: Session, ctx: Context, titre_id: int, chemin: Path | str) -> int:
    """Attach a file to the titre (stored in the database); returns the PJ id."""
    from corail.formats.mime import sniff
    from corail.services.pj import enregistrer_pj

    _modifiable(session, ctx, titre_id)
    chemin = Path(chemin)
    if not chemin.is_file():
        raise ValidationError(f"Fichier « {chemin} » introuvable")
    with chemin.open("rb") as f:
        debut = f.read(4096)
    pj = enregistrer_pj(session, ctx, chemin, nom=chemin.name, type_pj="02", mime=sniff(debut),
                        origine="utilisateur", taille_max=TAILLE_MAX_PJ)
    joindre_pj(session, ctx, titre_id, pj.id)
    return pj.id


def retirer_pj_titre(session: Session, ctx: Context, titre_id: int, pj_id: int) -> None:
    """Remove a PJ the user added (the avoir's PJ from Chorus Pro stay)."""
    from corail.services.pj import supprimer_pj

    piece = _modifiable(session, ctx, titre_id)
    lien = session.get(PiecePJ, (piece.id, pj_id))
    if lien is None:
        raise ValidationError("Cette pièce jointe n'est pas celle du titre")
    pj = session.get(PJ, pj_id)
    if pj.origine == "chorus":
        raise ValidationError(f"« {pj.nom} » vient de Chorus Pro : les pièces de l'avoir restent "
                              f"jointes au titre")
    if pj.origine == "asap":
        raise ValidationError(f"« {pj.nom} » est la facture ASAP du titre : supprimez l'ASAP "
                              f"(bouton PES Facture ASAP) plutôt que sa pièce jointe")
    session.delete(lien)
    session.flush()
    if not session.scalar(select(func.count()).select_from(PiecePJ).where(PiecePJ.pj_id == pj_id)):
        supprimer_pj(session, pj_id)
