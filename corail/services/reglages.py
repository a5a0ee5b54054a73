"""Reading and writing the settings of *Environnement › Gestion des collectivités*.

One pair ``lire_xxx(session, ctx)`` / ``enregistrer_xxx(session, ctx, reglage)`` per tab;
each ``reglage`` is a frozen dataclass. A refused value raises ``ValidationError`` before
anything is written, and the caller's transaction is rolled back. This module holds the tabs
*Réglage*, *Défaut* and *Numérotation*, and re-exports the others, so that every tab is imported
from here: *Collectivité* and *Trésorerie* live in ``reglages_collectivite``, *Transfert* and
*Budget* in ``reglages_budget``. Exercices and the dated table of rates are in ``collectivites``;
Facture dématérialisée in ``reglages_demat``.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from corail.context import Context
from corail.db.models import Article, Train
from corail.domain.roles import CONSULTATION, DEPENSES, ENVIRONNEMENT, MODIFICATION
from corail.errors import ValidationError
from corail.money import to_money
from corail.services.collectivites import exercice_du_budget
from corail.services.compteurs import NATURES, EtatCompteur, etats_compteurs, fixer_prochain
from corail.services.habilitations import exiger
from corail.services.reglages_budget import (
    NOMENCLATURES_AFFICHEES, PORTAIL_DGFIP, PROTOCOLES, BudgetChoix, BudgetReglage,
    TransfertReglage, budgets_rattachables, enregistrer_budget, enregistrer_transfert,
    lire_budget, lire_transfert,
)
from corail.services.reglages_collectivite import (
    CollectiviteReglage, TresorerieReglage, collectivite_du_contexte, enregistrer_collectivite,
    enregistrer_tresorerie, lire_collectivite, lire_tresorerie,
)
from corail.services.reglages_demat import budget_du_contexte

__all__ = [
    # Collectivité, Trésorerie (reglages_collectivite)
    "CollectiviteReglage", "TresorerieReglage", "collectivite_du_contexte",
    "enregistrer_collectivite", "enregistrer_tresorerie", "lire_collectivite", "lire_tresorerie",
    # Transfert, Budget (reglages_budget)
    "NOMENCLATURES_AFFICHEES", "PORTAIL_DGFIP", "PROTOCOLES", "BudgetChoix", "BudgetReglage",
    "TransfertReglage", "budgets_rattachables", "enregistrer_budget", "enregistrer_transfert",
    "lire_budget", "lire_transfert",
    # Réglage, Défaut, Numérotation (here)
    "MODES_REGLEMENT", "RAISON_NON_MODIFIABLE", "ChoixDefaut", "ReglageDefaut", "ReglageDelais",
    "choix_defaut", "enregistrer_defaut", "enregistrer_reglage", "fixer_numerotation",
    "lire_defaut", "lire_reglage", "lister_numerotation",
]

#: PES ModRegl of a mandat (TCodePaiement, formats-pes-v2.md §4.1)
MODES_REGLEMENT = {
    "01": "Numéraire", "02": "Chèque", "03": "Virement", "04": "Virement appli externe",
    "05": "Virement gros montant", "06": "Virement étranger", "07": "Opération budget rattaché",
    "08": "Opération d'ordre", "09": "Avis de règlement", "10": "Prélèvement",
    "11": "Virement interne",
}


# --- Réglage ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ReglageDelais:
    seuil_marches: Decimal | None = None
    delai_paiement_jours: int = 30
    indemnite_forfaitaire: Decimal = Decimal("40.00")


def lire_reglage(session: Session, ctx: Context) -> ReglageDelais:
    exiger(session, ctx, (ENVIRONNEMENT, DEPENSES), CONSULTATION, "consulter les réglages")
    b = budget_du_contexte(session, ctx)
    return ReglageDelais(b.seuil_marches, b.delai_paiement_jours, b.indemnite_forfaitaire)


def enregistrer_reglage(session: Session, ctx: Context, r: ReglageDelais) -> None:
    exiger(session, ctx, ENVIRONNEMENT, MODIFICATION, "modifier les réglages")
    b = budget_du_contexte(session, ctx)
    seuil = None if r.seuil_marches is None else to_money(r.seuil_marches)
    if seuil is not None and seuil < 0:
        raise ValidationError("Seuil des marchés : le montant ne peut pas être négatif")
    if not 1 <= int(r.delai_paiement_jours) <= 90:
        raise ValidationError(f"Délai global de paiement invalide : {r.delai_paiement_jours} jours "
                              "(entre 1 et 90 ; 30 jours pour une collectivité)")
    indemnite = to_money(r.indemnite_forfaitaire)
    if indemnite < 0:
        raise ValidationError("Indemnité forfaitaire : le montant ne peut pas être négatif")
    b.seuil_marches, b.delai_paiement_jours, b.indemnite_forfaitaire = (
        seuil, int(r.delai_paiement_jours), indemnite)
    session.flush()


# --- Défaut -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ReglageDefaut:
    article: str | None = None
    mode_reglement: str | None = None
    train: str | None = None


@dataclass(frozen=True)
class ChoixDefaut:
    articles: tuple[tuple[str, str], ...]  # (code, libellé) of the budget's nomenclature
    modes_reglement: tuple[tuple[str, str], ...]
    trains: tuple[str, ...]  # trains that are not waiting trains


def lire_defaut(session: Session, ctx: Context) -> ReglageDefaut:
    exiger(session, ctx, (ENVIRONNEMENT, DEPENSES), CONSULTATION, "consulter les valeurs par défaut")
    b = budget_du_contexte(session, ctx)
    return ReglageDefaut(b.article_defaut, b.mode_reglement_defaut, b.train_defaut)


def choix_defaut(session: Session, ctx: Context) -> ChoixDefaut:
    exiger(session, ctx, (ENVIRONNEMENT, DEPENSES), CONSULTATION, "consulter les valeurs par défaut")
    b = budget_du_contexte(session, ctx)
    articles = session.execute(
        select(Article.code, Article.libelle)
        .where(Article.nomenclature == b.nomenclature, Article.sens.in_(("D", "DR")))
        .order_by(Article.code)
    ).all()
    trains = session.scalars(
        select(Train.nom).where(Train.budget_id == b.id, Train.attente.is_(False))
        .order_by(Train.nom)
    ).all()
    return ChoixDefaut(tuple((c, lib) for c, lib in articles), tuple(MODES_REGLEMENT.items()),
                       tuple(trains))


def enregistrer_defaut(session: Session, ctx: Context, r: ReglageDefaut) -> None:
    exiger(session, ctx, ENVIRONNEMENT, MODIFICATION, "modifier les valeurs par défaut")
    b = budget_du_contexte(session, ctx)
    code = (r.article or "").strip()
    if not code:
        raise ValidationError("Article par défaut manquant")
    art = session.scalars(select(Article).where(Article.nomenclature == b.nomenclature,
                                                Article.code == code)).one_or_none()
    if art is None:
        raise ValidationError(f"Article {code} absent de la nomenclature {b.nomenclature}")
    if "D" not in art.sens:
        raise ValidationError(f"Article {code} ({art.libelle}) : article de recette, un article "
                              "de dépense est attendu")
    if r.mode_reglement not in MODES_REGLEMENT:
        raise ValidationError(f"Mode de règlement inconnu : « {r.mode_reglement} »")
    train = session.scalars(select(Train).where(Train.budget_id == b.id,
                                                Train.nom == (r.train or ""))).one_or_none()
    if train is None:
        raise ValidationError(f"Train inconnu pour ce budget : « {r.train or ''} »")
    if train.attente:
        raise ValidationError(f"Le train « {train.nom} » est un train d'attente : il ne peut pas "
                              "être le train par défaut")
    b.article_defaut, b.mode_reglement_defaut, b.train_defaut = code, r.mode_reglement, train.nom
    session.flush()


# --- Numérotation -----------------------------------------------------------------------

RAISON_NON_MODIFIABLE = ("des numéros ont déjà été attribués : le prochain numéro ne peut "
                         "plus être modifié")


def lister_numerotation(session: Session, ctx: Context, annee: int) -> list[EtatCompteur]:
    exiger(session, ctx, ENVIRONNEMENT, CONSULTATION, "consulter la numérotation")
    exercice_du_budget(session, ctx, annee)
    return etats_compteurs(session, ctx.budget_id, annee)


def fixer_numerotation(session: Session, ctx: Context, annee: int, nature: str,
                       prochain: int) -> None:
    exiger(session, ctx, ENVIRONNEMENT, MODIFICATION, "modifier la numérotation")
    exercice = exercice_du_budget(session, ctx, annee)
    if exercice.clos:
        raise ValidationError(f"L'exercice {annee} est clos : sa numérotation ne peut plus changer")
    if nature not in NATURES:
        raise ValidationError(f"Numérotation inconnue : {nature}")
    if not 1 <= prochain <= 9_999_999:
        raise ValidationError(f"{NATURES[nature]} : numéro invalide {prochain} (1 à 9 999 999)")
    fixer_prochain(session, ctx.budget_id, annee, nature, prochain)
