"""Bank accounts of a tiers (Environnement › Tiers, and the pivot's accounts at Mandater).

A tiers has several bank accounts, one of them *principal*. An account is never edited in place
when its IBAN changes: the old row is closed (``date_fin``) and a new one opened, so the history
of IBAN changes stays, with who entered each account (``cree_par``) and its dates. A removed
account is closed the same way (mandats may point at it). A French RIB typed in the IBAN field is
converted, its key checked; a BIC is required for an IBAN that is not French
(``identifiants.bic_du_compte`` states the rule).

Every public name here is also importable from ``corail.services.tiers``.
"""
from __future__ import annotations

import re

from sqlalchemy.orm import Session

from corail.context import Context
from corail.db.models import CompteBancaire, Tiers
from corail.domain import identifiants as ident
from corail.domain.roles import DEPENSES, ENVIRONNEMENT, MODIFICATION, RECETTES
from corail.errors import NotFound, ValidationError
from corail.services.habilitations import exiger
from corail.services.tiers_donnees import (
    CompteSaisie, TiersDetail, detail_tiers, texte_saisi, tiers_de,
)


def _compte(session: Session, ctx: Context, compte_id: int) -> CompteBancaire:
    c = session.get(CompteBancaire, compte_id)
    if c is None or c.tiers.collectivite_id != ctx.collectivite_id:
        raise NotFound(f"Compte bancaire n° {compte_id} introuvable")
    if c.date_fin is not None:
        raise ValidationError(
            f"Le compte {ident.formater_iban(c.iban)} est clos depuis le {c.date_fin:%d/%m/%Y} : "
            "il reste dans l'historique et ne se modifie plus")
    return c


def _actifs(t: Tiers) -> list[CompteBancaire]:
    return [c for c in t.comptes if c.date_fin is None]


def _un_principal(t: Tiers, choisi: CompteBancaire | None = None) -> None:
    """Exactly one principal among the accounts in use (the chosen one, else the oldest)."""
    actifs = _actifs(t)
    choisi = choisi or next((c for c in actifs if c.principal), actifs[0] if actifs else None)
    for c in t.comptes:
        c.principal = c is choisi


def nouveau_compte(ctx: Context, t: Tiers, s: CompteSaisie, *, champ: str = "IBAN",
                   origine: str = "saisie", tolerer_iban_invalide: bool = False) -> CompteBancaire:
    """The checked account added to ``t.comptes`` (principal if asked, or if it is the only one in
    use). No permission check and no flush: for services that checked the user's rights already
    (creating a tiers, the suppliers of a lot of invoices at Mandater)."""
    try:
        iban, converti = ident.lire_iban(s.iban, champ=champ)
        valide = True
    except ValidationError:
        if not tolerer_iban_invalide or not (s.iban or "").strip():
            raise
        iban, converti, valide = re.sub(r"[\s.-]", "", s.iban).upper()[:34], False, False
    try:
        bic = ident.bic_du_compte(s.bic, iban)
    except ValidationError:
        if not tolerer_iban_invalide:
            raise
        bic = None  # flux pivot: the mandat warns about the account, the tiers is still created
    if any(c.iban == iban for c in _actifs(t)):
        raise ValidationError(f"{champ} : le compte {ident.formater_iban(iban)} est déjà enregistré "
                              f"pour le tiers « {t.nom} »")
    compte = CompteBancaire(
        iban=iban, bic=bic, titulaire=texte_saisi(s.titulaire, "Titulaire du compte", 100),
        etablissement=texte_saisi(s.etablissement, "Établissement bancaire", 100), iban_valide=valide,
        principal=False, origine="rib" if converti else origine, date_debut=ctx.today(),
        cree_le=ctx.now(), cree_par=ctx.utilisateur)
    t.comptes.append(compte)
    _un_principal(t, compte if s.principal else None)
    return compte


def ajouter_compte(session: Session, ctx: Context, tiers_id: int, saisie: CompteSaisie, *,
                   origine: str = "saisie", tolerer_iban_invalide: bool = False) -> TiersDetail:
    """A new bank account. ``tolerer_iban_invalide`` (flux pivot): an IBAN failing its check is
    kept, flagged invalid (``iban_valide`` False), instead of being refused."""
    exiger(session, ctx, (ENVIRONNEMENT, DEPENSES, RECETTES), MODIFICATION,
           "ajouter un compte bancaire à un tiers")
    t = tiers_de(session, ctx, tiers_id)
    nouveau_compte(ctx, t, saisie, origine=origine, tolerer_iban_invalide=tolerer_iban_invalide)
    session.flush()
    return detail_tiers(t)


def changer_iban(session: Session, ctx: Context, compte_id: int, saisie: CompteSaisie) -> TiersDetail:
    """The account gets a new IBAN: the old row is closed today (kept in the history) and a
    new row opened, principal if the old one was."""
    exiger(session, ctx, ENVIRONNEMENT, MODIFICATION, "changer l'IBAN d'un tiers")
    ancien = _compte(session, ctx, compte_id)
    iban, _ = ident.lire_iban(saisie.iban)
    if iban == ancien.iban:
        raise ValidationError(f"IBAN inchangé : {ident.formater_iban(iban)} est déjà celui du compte")
    ident.bic_du_compte(saisie.bic, iban)  # refused before the old account is touched
    t = ancien.tiers
    etait_principal = ancien.principal
    ancien.date_fin, ancien.principal = ctx.today(), False
    nouveau_compte(ctx, t, CompteSaisie(saisie.iban, saisie.bic, saisie.titulaire,
                                         saisie.etablissement, saisie.principal or etait_principal))
    session.flush()
    return detail_tiers(t)


def modifier_compte(session: Session, ctx: Context, compte_id: int, saisie: CompteSaisie) -> TiersDetail:
    """A changed IBAN goes through ``changer_iban``; otherwise BIC, titulaire, établissement
    and principal are corrected in place."""
    exiger(session, ctx, ENVIRONNEMENT, MODIFICATION, "modifier un compte bancaire")
    c = _compte(session, ctx, compte_id)
    if ident.lire_iban(saisie.iban)[0] != c.iban:
        return changer_iban(session, ctx, compte_id, saisie)
    c.bic = ident.bic_du_compte(saisie.bic, c.iban)
    c.titulaire = texte_saisi(saisie.titulaire, "Titulaire du compte", 100)
    c.etablissement = texte_saisi(saisie.etablissement, "Établissement bancaire", 100)
    if saisie.principal:
        _un_principal(c.tiers, c)
    session.flush()
    return detail_tiers(c.tiers)


def definir_principal(session: Session, ctx: Context, compte_id: int) -> TiersDetail:
    exiger(session, ctx, ENVIRONNEMENT, MODIFICATION, "changer le compte principal d'un tiers")
    c = _compte(session, ctx, compte_id)
    _un_principal(c.tiers, c)
    session.flush()
    return detail_tiers(c.tiers)


def retirer_compte(session: Session, ctx: Context, compte_id: int) -> TiersDetail:
    """The account is closed today (never deleted: mandats may use it); it stays in the history."""
    exiger(session, ctx, ENVIRONNEMENT, MODIFICATION, "retirer un compte bancaire")
    c = _compte(session, ctx, compte_id)
    c.date_fin, c.principal = ctx.today(), False
    _un_principal(c.tiers)
    session.flush()
    return detail_tiers(c.tiers)
