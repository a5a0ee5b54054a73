"""Reading and writing the settings of *Environnement › Gestion des collectivités*.

One pair ``lire_xxx(session, ctx)`` / ``enregistrer_xxx(session, ctx, reglage)`` per tab;
each ``reglage`` is a frozen dataclass. A refused value raises ``ValidationError`` before
anything is written, and the caller's transaction is rolled back. Exercices and the
dated table of rates are in ``collectivites``; Facture dématérialisée in ``reglages_demat``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from corail.context import Context
from corail.db.models import (
    Article, Budget, Collectivite, PosteComptable, ServiceChorus, Train,
)
from corail.domain.identifiants import (
    valider_code_bud, valider_code_col, valider_id_post, valider_siret,
)
from corail.domain.roles import CONSULTATION, DEPENSES, ENVIRONNEMENT, MODIFICATION, TELEPROCEDURES
from corail.errors import NotFound, ValidationError
from corail.money import to_money
from corail.services.collectivites import NOMENCLATURES, exercice_du_budget
from corail.services.compteurs import NATURES, EtatCompteur, etats_compteurs, fixer_prochain
from corail.services.habilitations import exiger
from corail.services.reglages_demat import (
    NATURES_JURIDIQUES, budget_du_contexte, ecrire_parametre, enregistrer_recuperation,
    lire_parametre, lire_recuperation, texte,
)

PROTOCOLES = {"Indigo-Ocre": "Indigo–Ocre", "RCT": "RCT", "Hospitalier": "Hospitalier"}
#: shown in the Budget tab; only NOMENCLATURES are available
NOMENCLATURES_AFFICHEES = ("M57", "M14", "M49")
#: PES ModRegl of a mandat (TCodePaiement, formats-pes-v2.md §4.1)
MODES_REGLEMENT = {
    "01": "Numéraire", "02": "Chèque", "03": "Virement", "04": "Virement appli externe",
    "05": "Virement gros montant", "06": "Virement étranger", "07": "Opération budget rattaché",
    "08": "Opération d'ordre", "09": "Avis de règlement", "10": "Prélèvement",
    "11": "Virement interne",
}
PORTAIL_DGFIP = "https://portail.dgfip.finances.gouv.fr/"
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_TELEPHONE = re.compile(r"\+?[0-9 .()-]{6,30}")
_CP = re.compile(r"\d{5}")


def _email(valeur: str | None, champ: str) -> str:
    v = texte(valeur, champ, 150)
    if v and not _EMAIL.fullmatch(v):
        raise ValidationError(f"{champ} invalide : « {v} »")
    return v


def _telephone(valeur: str | None, champ: str) -> str:
    v = texte(valeur, champ, 30)
    if v and not _TELEPHONE.fullmatch(v):
        raise ValidationError(f"{champ} invalide : « {v} »")
    return v


def _code_postal(valeur: str | None, champ: str) -> str:
    v = texte(valeur, champ, 10)
    if v and not _CP.fullmatch(v):
        raise ValidationError(f"{champ} invalide : « {v} » (5 chiffres)")
    return v


def _collectivite(session: Session, ctx: Context) -> Collectivite:
    coll = session.get(Collectivite, ctx.collectivite_id)
    if coll is None:
        raise NotFound("Collectivité introuvable")
    return coll


# --- Collectivité -----------------------------------------------------------------------


@dataclass(frozen=True)
class CollectiviteReglage:
    nom: str
    siret: str
    adresse1: str = ""
    adresse2: str = ""
    code_postal: str = ""
    ville: str = ""
    email: str = ""
    telephone: str = ""
    categorie: str = ""
    nature_juridique: str = ""


def lire_collectivite(session: Session, ctx: Context) -> CollectiviteReglage:
    exiger(session, ctx, ENVIRONNEMENT, CONSULTATION, "consulter la collectivité")
    c = _collectivite(session, ctx)
    return CollectiviteReglage(c.nom, c.siret, c.adresse1 or "", c.adresse2 or "",
                               c.code_postal or "", c.ville or "", c.email or "",
                               c.telephone or "", c.categorie or "",
                               c.nature_juridique or "")


def enregistrer_collectivite(session: Session, ctx: Context, r: CollectiviteReglage) -> None:
    exiger(session, ctx, ENVIRONNEMENT, MODIFICATION, "modifier la collectivité")
    c = _collectivite(session, ctx)
    if r.nature_juridique and r.nature_juridique not in NATURES_JURIDIQUES:
        raise ValidationError(f"Nature juridique inconnue : « {r.nature_juridique} »")
    valeurs = dict(
        nom=texte(r.nom, "Nom de la collectivité", 100, requis=True),
        siret=valider_siret(r.siret, champ="SIRET de la collectivité"),
        adresse1=texte(r.adresse1, "Adresse", 100) or None,
        adresse2=texte(r.adresse2, "Complément d'adresse", 100) or None,
        code_postal=_code_postal(r.code_postal, "Code postal") or None,
        ville=texte(r.ville, "Ville", 100) or None,
        email=_email(r.email, "E-mail") or None,
        telephone=_telephone(r.telephone, "Téléphone") or None,
        categorie=texte(r.categorie, "Catégorie", 50) or None,
        nature_juridique=r.nature_juridique or None,
    )
    for k, v in valeurs.items():  # everything checked first: a refusal writes nothing
        setattr(c, k, v)
    session.flush()


# --- Trésorerie -------------------------------------------------------------------------


@dataclass(frozen=True)
class TresorerieReglage:
    id_post: str
    nom: str
    adresse1: str = ""
    adresse2: str = ""
    code_postal: str = ""
    ville: str = ""
    email: str = ""
    telephone: str = ""


def lire_tresorerie(session: Session, ctx: Context) -> TresorerieReglage:
    exiger(session, ctx, ENVIRONNEMENT, CONSULTATION, "consulter la trésorerie")
    p = _collectivite(session, ctx).poste_comptable
    if p is None:
        return TresorerieReglage("", "")
    return TresorerieReglage(p.id_post, p.nom, p.adresse1 or "", p.adresse2 or "",
                             p.code_postal or "", p.ville or "", p.email or "", p.telephone or "")


def enregistrer_tresorerie(session: Session, ctx: Context, r: TresorerieReglage) -> None:
    """The collectivité's poste comptable. A new IdPost points the collectivité at that poste
    (created if unknown); the poste shared by several collectivités is never renumbered."""
    exiger(session, ctx, ENVIRONNEMENT, MODIFICATION, "modifier la trésorerie")
    coll = _collectivite(session, ctx)
    id_post = valider_id_post(r.id_post)
    valeurs = dict(
        nom=texte(r.nom, "Nom du poste comptable", 100, requis=True),
        adresse1=texte(r.adresse1, "Adresse", 100) or None,
        adresse2=texte(r.adresse2, "Complément d'adresse", 100) or None,
        code_postal=_code_postal(r.code_postal, "Code postal") or None,
        ville=texte(r.ville, "Ville", 100) or None,
        email=_email(r.email, "E-mail de la trésorerie") or None,
        telephone=_telephone(r.telephone, "Téléphone de la trésorerie") or None,
    )
    poste = session.scalars(
        select(PosteComptable).where(PosteComptable.id_post == id_post)
    ).one_or_none()
    if poste is None:
        poste = PosteComptable(id_post=id_post)
        session.add(poste)
    for k, v in valeurs.items():
        setattr(poste, k, v)
    session.flush()
    coll.poste_comptable_id = poste.id
    session.flush()


# --- Transfert --------------------------------------------------------------------------


@dataclass(frozen=True)
class TransfertReglage:
    protocole: str = "Indigo-Ocre"
    avec_seuil_helios: bool = True
    transmettre_pes: bool = False
    repertoire_transfert: str = ""
    signer: bool = False  # kept, not handled: the PES goes through the TdT
    iconnect: bool = False  # idem
    repertoire_flux: str = ""
    recuperation_auto: bool = False  # of the budget's Chorus Pro structure (SIRET)
    generation_asap: bool = False
    code_col: str = ""  # Identification informatique (shown, changed in the Budget tab)
    code_bud: str = ""


def lire_transfert(session: Session, ctx: Context) -> TransfertReglage:
    exiger(session, ctx, (ENVIRONNEMENT, TELEPROCEDURES), CONSULTATION, "consulter le transfert")
    coll, budget = _collectivite(session, ctx), budget_du_contexte(session, ctx)
    pes = lire_parametre(session, "transfert_pes", collectivite_id=coll.id, defaut={}) or {}
    return TransfertReglage(
        protocole=coll.protocole, avec_seuil_helios=coll.avec_seuil_helios,
        transmettre_pes=bool(pes.get("transmettre")),
        repertoire_transfert=coll.repertoire_transfert or "",
        signer=bool(pes.get("signer")), iconnect=bool(pes.get("iconnect")),
        repertoire_flux=coll.repertoire_flux or "",
        recuperation_auto=lire_recuperation(session, ctx).automatique,
        generation_asap=bool(pes.get("generation_asap")),
        code_col=budget.code_col, code_bud=budget.code_bud,
    )


def _repertoire(valeur: str, champ: str, *, requis: bool) -> str:
    v = (valeur or "").strip()
    if not v:
        if requis:
            raise ValidationError(f"{champ} manquant")
        return ""
    if not Path(v).expanduser().is_dir():
        raise ValidationError(f"{champ} introuvable : « {v} » n'est pas un dossier existant")
    return v


def enregistrer_transfert(session: Session, ctx: Context, r: TransfertReglage) -> None:
    exiger(session, ctx, ENVIRONNEMENT, MODIFICATION, "modifier le transfert")
    coll = _collectivite(session, ctx)
    if r.protocole not in PROTOCOLES:
        raise ValidationError(f"Protocole inconnu : « {r.protocole} »")
    transfert = _repertoire(r.repertoire_transfert, "Répertoire de transfert",
                            requis=r.transmettre_pes)
    flux = _repertoire(r.repertoire_flux, "Répertoire de réception des flux pivots", requis=False)
    recuperation = lire_recuperation(session, ctx)
    if r.recuperation_auto != recuperation.automatique:
        enregistrer_recuperation(session, ctx,
                                 replace(recuperation, automatique=r.recuperation_auto))
    coll.protocole = r.protocole
    coll.avec_seuil_helios = r.avec_seuil_helios
    coll.repertoire_transfert = transfert or None
    coll.repertoire_flux = flux or None
    ecrire_parametre(session, "transfert_pes",
                     {"transmettre": r.transmettre_pes, "signer": r.signer,
                      "iconnect": r.iconnect, "generation_asap": r.generation_asap},
                     collectivite_id=coll.id)
    session.flush()


# --- Budget -----------------------------------------------------------------------------


@dataclass(frozen=True)
class BudgetReglage:
    libelle: str
    siret: str
    code_col: str
    code_bud: str
    nomenclature: str = "M57"
    assujetti_tva: bool = False
    budget_rattache_id: int | None = None
    services_chorus: tuple[str, ...] = ()


@dataclass(frozen=True)
class BudgetChoix:
    id: int
    libelle: str  # "045-02 Eau et assainissement"


def lire_budget(session: Session, ctx: Context) -> BudgetReglage:
    exiger(session, ctx, ENVIRONNEMENT, CONSULTATION, "consulter le budget")
    b = budget_du_contexte(session, ctx)
    return BudgetReglage(b.libelle, b.siret, b.code_col, b.code_bud, b.nomenclature,
                         b.assujetti_tva, b.budget_rattache_id,
                         tuple(sorted(s.code for s in b.services_chorus)))


def budgets_rattachables(session: Session, ctx: Context) -> list[BudgetChoix]:
    """The other budgets of the collectivité (a budget is never attached to itself)."""
    exiger(session, ctx, ENVIRONNEMENT, CONSULTATION, "consulter les budgets")
    rows = session.scalars(
        select(Budget)
        .where(Budget.collectivite_id == ctx.collectivite_id, Budget.id != ctx.budget_id)
        .order_by(Budget.code_col, Budget.code_bud)
    )
    return [BudgetChoix(b.id, f"{b.code_complet} {b.libelle}") for b in rows]


def _services(codes: tuple[str, ...]) -> list[str]:
    out: list[str] = []
    for code in codes:
        c = texte(code, "Code service Chorus Pro", 100, requis=True)
        if c in out:
            raise ValidationError(f"Code service Chorus Pro en double : « {c} »")
        out.append(c)
    return out


def enregistrer_budget(session: Session, ctx: Context, r: BudgetReglage) -> None:
    """Budgets may share a SIRET; they are then told apart by their Chorus Pro service codes,
    which therefore may not be those of another budget with the same SIRET."""
    exiger(session, ctx, ENVIRONNEMENT, MODIFICATION, "modifier le budget")
    b = budget_du_contexte(session, ctx)
    libelle = texte(r.libelle, "Libellé du budget", 100, requis=True)
    siret = valider_siret(r.siret)
    code_col, code_bud = valider_code_col(r.code_col), valider_code_bud(r.code_bud)
    if r.nomenclature not in NOMENCLATURES:
        raise ValidationError(f"Nomenclature {r.nomenclature} non disponible "
                              f"(disponible : {', '.join(NOMENCLATURES)})")
    autre = session.scalars(select(Budget).where(
        Budget.code_col == code_col, Budget.code_bud == code_bud, Budget.id != b.id)).first()
    if autre is not None:
        raise ValidationError(f"Le budget {code_col}-{code_bud} existe déjà ({autre.libelle})")
    if r.budget_rattache_id is not None:
        if r.budget_rattache_id == b.id:
            raise ValidationError("Un budget ne peut pas être rattaché à lui-même")
        cible = session.get(Budget, r.budget_rattache_id)
        if cible is None or cible.collectivite_id != b.collectivite_id:
            raise ValidationError("Budget de rattachement inconnu pour cette collectivité")
        if cible.budget_rattache_id == b.id:
            raise ValidationError(f"Le budget {cible.code_complet} est déjà rattaché à celui-ci")
    codes = _services(r.services_chorus)
    for s in session.scalars(select(ServiceChorus).join(Budget).where(
            Budget.siret == siret, Budget.id != b.id, ServiceChorus.code.in_(codes or [""]))):
        raise ValidationError(
            f"Le code service « {s.code} » est déjà celui du budget {s.budget.code_complet} "
            f"({s.budget.libelle}), qui a le même SIRET : les factures ne pourraient pas être "
            "attribuées"
        )
    b.libelle, b.siret, b.code_col, b.code_bud = libelle, siret, code_col, code_bud
    b.nomenclature, b.assujetti_tva = r.nomenclature, r.assujetti_tva
    b.budget_rattache_id = r.budget_rattache_id
    gardes = {s.code: s for s in b.services_chorus if s.code in codes}
    b.services_chorus = [gardes.get(c) or ServiceChorus(code=c) for c in codes]
    session.flush()


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
