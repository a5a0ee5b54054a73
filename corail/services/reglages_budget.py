"""Environnement › Gestion des collectivités, tabs *Transfert* (protocol, PES V2, folders,
récupération des factures dématérialisées) and *Budget* (libellé, SIRET, CodCol/CodBud,
nomenclature, TVA, budget rattaché, codes service Chorus Pro).

Re-exported by ``corail.services.reglages`` (import from there); same rules: a refused value
raises ``ValidationError`` before anything is written.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from corail.context import Context
from corail.db.models import Budget, ServiceChorus
from corail.domain.identifiants import valider_code_bud, valider_code_col, valider_siret
from corail.domain.roles import CONSULTATION, ENVIRONNEMENT, MODIFICATION, TELEPROCEDURES
from corail.errors import ValidationError
from corail.services.collectivites import NOMENCLATURES
from corail.services.habilitations import exiger
from corail.services.reglages_collectivite import collectivite_du_contexte
from corail.services.reglages_demat import (
    budget_du_contexte, ecrire_parametre, enregistrer_recuperation, lire_parametre,
    lire_recuperation, texte,
)

PROTOCOLES = {"Indigo-Ocre": "Indigo–Ocre", "RCT": "RCT", "Hospitalier": "Hospitalier"}
#: shown in the Budget tab; only NOMENCLATURES are available
NOMENCLATURES_AFFICHEES = ("M57", "M14", "M49")
PORTAIL_DGFIP = "https://portail.dgfip.finances.gouv.fr/"


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
    coll, budget = collectivite_du_contexte(session, ctx), budget_du_contexte(session, ctx)
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
    coll = collectivite_du_contexte(session, ctx)
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
