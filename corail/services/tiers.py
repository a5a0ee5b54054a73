"""Tiers (suppliers and debtors) of the collectivité en cours, and their bank accounts.

* A tiers carries its PES identification (NatIdTiers — the *type d'identifiant* —, CatTiers,
  NatJur, with the code lists and labels of the DGFiP schema CommunPES.xsd, PES 5.3), its
  address and contacts. A SIRET identifies at most one tiers per collectivité.
* Its bank accounts (several, one *principal*; a changed IBAN closes the old row, the history
  stays) are written by ``services.tiers_comptes``; the dataclasses live in
  ``services.tiers_donnees``. Every public name of both is importable from here too.

Services never commit: the caller's transaction is the unit of work.
"""
from __future__ import annotations

import re
from typing import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from corail.context import Context
from corail.db.models import CompteBancaire, Tiers
from corail.domain import identifiants as ident
from corail.domain.identifiants import CATEGORIES_TIERS, NATURES_JURIDIQUES
from corail.domain.roles import CONSULTATION, DEPENSES, ENVIRONNEMENT, MODIFICATION, RECETTES
from corail.errors import ValidationError
from corail.services.habilitations import exiger
from corail.services.tiers_comptes import (  # noqa: F401 (re-exported: accounts)
    ajouter_compte, changer_iban, definir_principal, modifier_compte, nouveau_compte,
    retirer_compte,
)
from corail.services.tiers_donnees import (  # noqa: F401 (re-exported: dataclasses)
    CIVILITES, CompteLigne, CompteSaisie, TiersDetail, TiersLigne, TiersSaisie, detail_tiers,
    texte_saisi, tiers_de,
)
from corail.texte import plier


# --- checks ------------------------------------------------------------------------------

def _code(valeur: str | None, table: dict[str, str], champ: str, manquant: str) -> str:
    code = (valeur or "").strip()
    if not code:
        raise ValidationError(manquant)
    if code not in table:
        raise ValidationError(f"{champ} : code « {code} » inconnu (codes PES : {', '.join(table)})")
    return code


def _valeurs(s: TiersSaisie) -> dict:
    """The checked column values of a tiers, or a French ``ValidationError`` naming the field."""
    nom = texte_saisi(s.nom, "Nom", 100, requis="Nom du tiers manquant")
    type_id, identifiant = ident.valider_identifiant_tiers(s.type_identifiant, s.identifiant)
    pays = (s.code_pays or "FR").strip().upper()
    if not re.fullmatch(r"[A-Z]{2}", pays):
        raise ValidationError(f"Code pays invalide : « {s.code_pays} » (2 lettres, FR pour la France)")
    code_postal = texte_saisi(s.code_postal, "Code postal", 10)
    if code_postal and pays == "FR" and not re.fullmatch(r"\d{5}", code_postal):
        raise ValidationError(f"Code postal invalide : « {code_postal} » (5 chiffres attendus)")
    email = texte_saisi(s.email, "E-mail", 150)
    if email and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
        raise ValidationError(f"E-mail invalide : « {email} »")
    telephone = texte_saisi(s.telephone, "Téléphone", 30)
    if telephone and (not re.fullmatch(r"\+?[\d .()/-]+", telephone)
                      or len(re.sub(r"\D", "", telephone)) < 4):
        raise ValidationError(f"Téléphone invalide : « {telephone} »")
    return dict(
        nom=nom,
        civilite=texte_saisi(s.civilite, "Civilité", 10), prenom=texte_saisi(s.prenom, "Prénom", 50),
        type_identifiant=type_id, identifiant=identifiant,
        siret=identifiant if type_id == "01" else None,
        cat_tiers=_code(s.cat_tiers, CATEGORIES_TIERS, "Catégorie de tiers (CatTiers)",
                        "Catégorie de tiers (CatTiers) manquante"),
        nat_jur=_code(s.nat_jur, NATURES_JURIDIQUES, "Nature juridique (NatJur)",
                      "Nature juridique (NatJur) manquante"),
        adresse1=texte_saisi(s.adresse1, "Adresse", 100),
        adresse2=texte_saisi(s.adresse2, "Complément d'adresse", 100),
        code_postal=code_postal, ville=texte_saisi(s.ville, "Ville", 100), code_pays=pays,
        email=email, telephone=telephone, actif=bool(s.actif), notes=(s.notes or "").strip() or None,
    )


def _verifier_siret_libre(session: Session, ctx: Context, siret: str | None, sauf: int | None) -> None:
    if not siret:
        return
    existant = session.scalars(select(Tiers).where(
        Tiers.collectivite_id == ctx.collectivite_id, Tiers.siret == siret, Tiers.id != (sauf or -1)
    )).first()
    if existant is not None:
        raise ValidationError(
            f"SIRET {siret} déjà utilisé par le tiers « {existant.nom} » (n° {existant.id}) : "
            "un SIRET n'identifie qu'un tiers")


# --- reading -----------------------------------------------------------------------------

def lire_tiers(session: Session, ctx: Context, tiers_id: int) -> TiersDetail:
    exiger(session, ctx, (ENVIRONNEMENT, DEPENSES, RECETTES), CONSULTATION, "consulter un tiers")
    return detail_tiers(tiers_de(session, ctx, tiers_id))


def trouver_par_siret(session: Session, ctx: Context, siret: str) -> TiersDetail | None:
    """The tiers of the collectivité with this SIRET (spaces ignored), or None."""
    exiger(session, ctx, (ENVIRONNEMENT, DEPENSES, RECETTES), CONSULTATION, "rechercher un tiers")
    compact = re.sub(r"\s", "", siret or "")
    t = session.scalars(select(Tiers).where(
        Tiers.collectivite_id == ctx.collectivite_id, Tiers.siret == compact)).first()
    return detail_tiers(t) if t is not None else None



def rechercher_tiers(session: Session, ctx: Context, texte: str = "", *,
                     limite: int = 500) -> list[TiersLigne]:
    """Tiers whose name, first name, SIRET / identifier, postcode or city contain every word of
    ``texte`` (accents and case ignored; a SIRET may be typed with spaces), sorted by name."""
    exiger(session, ctx, (ENVIRONNEMENT, DEPENSES, RECETTES), CONSULTATION, "rechercher un tiers")
    colonnes = (Tiers.id, Tiers.nom, Tiers.prenom, Tiers.type_identifiant, Tiers.identifiant,
                Tiers.siret, Tiers.code_postal, Tiers.ville, Tiers.actif)
    rangs = sorted(session.execute(select(*colonnes).where(
        Tiers.collectivite_id == ctx.collectivite_id)).all(),  # same order on every engine
        key=lambda r: (plier(r.nom), plier(r.prenom), r.id))
    mots = plier(texte).split()
    chiffres = re.sub(r"\s", "", texte or "")
    trouves = []
    for r in rangs:
        foin = plier(" ".join(v or "" for v in (r.nom, r.prenom, r.identifiant, r.code_postal, r.ville)))
        numero = chiffres.isdigit() and chiffres in (r.identifiant or "")
        if numero or all(m in foin for m in mots):
            trouves.append(r)
            if len(trouves) >= limite:
                break
    comptes: dict[int, list[CompteBancaire]] = {}
    if trouves:
        for c in session.scalars(select(CompteBancaire).where(
                CompteBancaire.tiers_id.in_([r.id for r in trouves]),
                CompteBancaire.date_fin.is_(None)).order_by(CompteBancaire.id)):
            comptes.setdefault(c.tiers_id, []).append(c)
    out = []
    for r in trouves:
        actifs = comptes.get(r.id, [])
        principal = next((c for c in actifs if c.principal), actifs[0] if actifs else None)
        out.append(TiersLigne(r.id, r.nom, r.prenom, r.type_identifiant, r.identifiant, r.siret,
                              r.code_postal, r.ville, principal.iban if principal else None,
                              len(actifs), r.actif))
    return out


# --- writing -----------------------------------------------------------------------------

def creer_tiers(session: Session, ctx: Context, saisie: TiersSaisie,
                comptes: Sequence[CompteSaisie] = ()) -> TiersDetail:
    """A new tiers with its first accounts (all or nothing, in the caller's transaction)."""
    exiger(session, ctx, ENVIRONNEMENT, MODIFICATION, "créer un tiers")
    valeurs = _valeurs(saisie)
    _verifier_siret_libre(session, ctx, valeurs["siret"], None)
    t = Tiers(collectivite_id=ctx.collectivite_id, cree_le=ctx.now(), **valeurs)
    for n, compte in enumerate(comptes, 1):
        champ = "IBAN" if len(comptes) == 1 else f"IBAN du compte n° {n}"
        nouveau_compte(ctx, t, compte, champ=champ)
    session.add(t)  # only once every account passed its checks
    session.flush()
    return detail_tiers(t)


def modifier_tiers(session: Session, ctx: Context, tiers_id: int, saisie: TiersSaisie) -> TiersDetail:
    """New identity, address and contacts of a tiers (its accounts have their own services)."""
    exiger(session, ctx, ENVIRONNEMENT, MODIFICATION, "modifier un tiers")
    t = tiers_de(session, ctx, tiers_id)
    valeurs = _valeurs(saisie)
    _verifier_siret_libre(session, ctx, valeurs["siret"], t.id)
    for nom, valeur in valeurs.items():
        setattr(t, nom, valeur)
    session.flush()
    return detail_tiers(t)
