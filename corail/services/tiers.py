"""Tiers (suppliers and debtors) of the collectivité en cours, and their bank accounts.

* A tiers carries its PES identification (NatIdTiers — the *type d'identifiant* —, CatTiers,
  NatJur, with the code lists and labels of the DGFiP schema CommunPES.xsd, PES 5.3), its
  address and contacts. A SIRET identifies at most one tiers per collectivité.
* A tiers has several bank accounts, one of them *principal*. An account is never edited in
  place when its IBAN changes: the old row is closed (``date_fin``) and a new one opened, so
  the history of IBAN changes stays, with who entered each account (``cree_par``) and its dates.
  A removed account is closed the same way (mandats may point at it).
* A French RIB typed in the IBAN field is converted, its key checked; a BIC is required for an
  IBAN that is not French (``identifiants.bic_du_compte`` states the rule).

Services never commit: the caller's transaction is the unit of work.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from corail.context import Context
from corail.db.models import CompteBancaire, Tiers
from corail.domain import identifiants as ident
from corail.domain.identifiants import CATEGORIES_TIERS, NATURES_JURIDIQUES
from corail.domain.roles import CONSULTATION, DEPENSES, ENVIRONNEMENT, MODIFICATION, RECETTES
from corail.errors import NotFound, ValidationError
from corail.services.habilitations import exiger
from corail.texte import plier

CIVILITES = ("M.", "Mme")


@dataclass(frozen=True)
class TiersSaisie:
    """What the user entered on a tiers' form (accounts apart)."""

    nom: str
    civilite: str = ""
    prenom: str = ""
    type_identifiant: str = "01"
    identifiant: str = ""
    cat_tiers: str = "60"
    nat_jur: str = "03"
    adresse1: str = ""
    adresse2: str = ""
    code_postal: str = ""
    ville: str = ""
    code_pays: str = "FR"
    email: str = ""
    telephone: str = ""
    actif: bool = True
    notes: str = ""


@dataclass(frozen=True)
class CompteSaisie:
    """A bank account as entered: ``iban`` may be an IBAN or a French RIB (23 characters)."""

    iban: str
    bic: str = ""
    titulaire: str = ""
    etablissement: str = ""
    principal: bool = False


@dataclass(frozen=True)
class CompteLigne:
    id: int
    iban: str
    bic: str | None
    titulaire: str | None
    etablissement: str | None
    principal: bool
    iban_valide: bool
    origine: str
    date_debut: date | None
    date_fin: date | None
    cree_le: datetime
    cree_par: str | None

    @property
    def actif(self) -> bool:
        return self.date_fin is None

    @property
    def iban_affiche(self) -> str:
        return ident.formater_iban(self.iban)


@dataclass(frozen=True)
class TiersLigne:
    """One line of the tiers list."""

    id: int
    nom: str
    prenom: str | None
    type_identifiant: str | None
    identifiant: str | None
    siret: str | None
    code_postal: str | None
    ville: str | None
    iban_principal: str | None
    nb_comptes: int
    actif: bool

    @property
    def nom_complet(self) -> str:
        return f"{self.nom} {self.prenom}" if self.prenom else self.nom


@dataclass(frozen=True)
class TiersDetail:
    id: int
    nom: str
    civilite: str | None
    prenom: str | None
    type_identifiant: str | None
    identifiant: str | None
    siret: str | None
    cat_tiers: str | None
    nat_jur: str | None
    adresse1: str | None
    adresse2: str | None
    code_postal: str | None
    ville: str | None
    code_pays: str
    email: str | None
    telephone: str | None
    actif: bool
    notes: str | None
    cree_le: datetime
    #: accounts in use (date_fin empty), the principal first
    comptes: tuple[CompteLigne, ...]
    #: every account the tiers ever had, the most recent first (closed ones show the changes)
    historique: tuple[CompteLigne, ...]

    @property
    def nom_complet(self) -> str:
        return " ".join(p for p in (self.civilite, self.nom, self.prenom) if p)

    @property
    def compte_principal(self) -> CompteLigne | None:
        return next((c for c in self.comptes if c.principal), None)

    def saisie(self) -> TiersSaisie:
        """The form's starting values (empty strings for missing values)."""
        valeurs = {f.name: getattr(self, f.name) for f in fields(TiersSaisie)}
        return TiersSaisie(**{k: v if isinstance(v, bool) else v or "" for k, v in valeurs.items()})


# --- checks ------------------------------------------------------------------------------

def _texte(valeur: str | None, champ: str, longueur: int, *, requis: str | None = None) -> str | None:
    texte = " ".join((valeur or "").split())
    if not texte:
        if requis:
            raise ValidationError(requis)
        return None
    if len(texte) > longueur:
        raise ValidationError(f"{champ} trop long : {len(texte)} caractères ({longueur} au plus)")
    return texte


def _code(valeur: str | None, table: dict[str, str], champ: str, manquant: str) -> str:
    code = (valeur or "").strip()
    if not code:
        raise ValidationError(manquant)
    if code not in table:
        raise ValidationError(f"{champ} : code « {code} » inconnu (codes PES : {', '.join(table)})")
    return code


def _valeurs(s: TiersSaisie) -> dict:
    """The checked column values of a tiers, or a French ``ValidationError`` naming the field."""
    nom = _texte(s.nom, "Nom", 100, requis="Nom du tiers manquant")
    type_id, identifiant = ident.valider_identifiant_tiers(s.type_identifiant, s.identifiant)
    pays = (s.code_pays or "FR").strip().upper()
    if not re.fullmatch(r"[A-Z]{2}", pays):
        raise ValidationError(f"Code pays invalide : « {s.code_pays} » (2 lettres, FR pour la France)")
    code_postal = _texte(s.code_postal, "Code postal", 10)
    if code_postal and pays == "FR" and not re.fullmatch(r"\d{5}", code_postal):
        raise ValidationError(f"Code postal invalide : « {code_postal} » (5 chiffres attendus)")
    email = _texte(s.email, "E-mail", 150)
    if email and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
        raise ValidationError(f"E-mail invalide : « {email} »")
    telephone = _texte(s.telephone, "Téléphone", 30)
    if telephone and (not re.fullmatch(r"\+?[\d .()/-]+", telephone)
                      or len(re.sub(r"\D", "", telephone)) < 4):
        raise ValidationError(f"Téléphone invalide : « {telephone} »")
    return dict(
        nom=nom,
        civilite=_texte(s.civilite, "Civilité", 10), prenom=_texte(s.prenom, "Prénom", 50),
        type_identifiant=type_id, identifiant=identifiant,
        siret=identifiant if type_id == "01" else None,
        cat_tiers=_code(s.cat_tiers, CATEGORIES_TIERS, "Catégorie de tiers (CatTiers)",
                        "Catégorie de tiers (CatTiers) manquante"),
        nat_jur=_code(s.nat_jur, NATURES_JURIDIQUES, "Nature juridique (NatJur)",
                      "Nature juridique (NatJur) manquante"),
        adresse1=_texte(s.adresse1, "Adresse", 100), adresse2=_texte(s.adresse2, "Complément d'adresse", 100),
        code_postal=code_postal, ville=_texte(s.ville, "Ville", 100), code_pays=pays,
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

def _compte_ligne(c: CompteBancaire) -> CompteLigne:
    return CompteLigne(c.id, c.iban, c.bic, c.titulaire, c.etablissement, c.principal, c.iban_valide,
                       c.origine, c.date_debut, c.date_fin, c.cree_le, c.cree_par)


def _detail(t: Tiers) -> TiersDetail:
    lignes = [_compte_ligne(c) for c in t.comptes]
    actifs = sorted((c for c in lignes if c.actif), key=lambda c: (not c.principal, c.id))
    historique = sorted(lignes, key=lambda c: (c.date_debut or date.min, c.id), reverse=True)
    return TiersDetail(
        t.id, t.nom, t.civilite, t.prenom, t.type_identifiant, t.identifiant, t.siret, t.cat_tiers,
        t.nat_jur, t.adresse1, t.adresse2, t.code_postal, t.ville, t.code_pays or "FR", t.email,
        t.telephone, t.actif, t.notes, t.cree_le, tuple(actifs), tuple(historique))


def _tiers(session: Session, ctx: Context, tiers_id: int) -> Tiers:
    t = session.get(Tiers, tiers_id)
    if t is None or t.collectivite_id != ctx.collectivite_id:
        raise NotFound(f"Tiers n° {tiers_id} introuvable dans la collectivité en cours")
    return t


def lire_tiers(session: Session, ctx: Context, tiers_id: int) -> TiersDetail:
    exiger(session, ctx, (ENVIRONNEMENT, DEPENSES, RECETTES), CONSULTATION, "consulter un tiers")
    return _detail(_tiers(session, ctx, tiers_id))


def trouver_par_siret(session: Session, ctx: Context, siret: str) -> TiersDetail | None:
    """The tiers of the collectivité with this SIRET (spaces ignored), or None."""
    exiger(session, ctx, (ENVIRONNEMENT, DEPENSES, RECETTES), CONSULTATION, "rechercher un tiers")
    compact = re.sub(r"\s", "", siret or "")
    t = session.scalars(select(Tiers).where(
        Tiers.collectivite_id == ctx.collectivite_id, Tiers.siret == compact)).first()
    return _detail(t) if t is not None else None



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
        _nouveau_compte(ctx, t, compte, champ=champ)
    session.add(t)  # only once every account passed its checks
    session.flush()
    return _detail(t)


def modifier_tiers(session: Session, ctx: Context, tiers_id: int, saisie: TiersSaisie) -> TiersDetail:
    """New identity, address and contacts of a tiers (its accounts have their own services)."""
    exiger(session, ctx, ENVIRONNEMENT, MODIFICATION, "modifier un tiers")
    t = _tiers(session, ctx, tiers_id)
    valeurs = _valeurs(saisie)
    _verifier_siret_libre(session, ctx, valeurs["siret"], t.id)
    for nom, valeur in valeurs.items():
        setattr(t, nom, valeur)
    session.flush()
    return _detail(t)


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


def _nouveau_compte(ctx: Context, t: Tiers, s: CompteSaisie, *, champ: str = "IBAN",
                    origine: str = "saisie", tolerer_iban_invalide: bool = False) -> CompteBancaire:
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
        iban=iban, bic=bic, titulaire=_texte(s.titulaire, "Titulaire du compte", 100),
        etablissement=_texte(s.etablissement, "Établissement bancaire", 100), iban_valide=valide,
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
    t = _tiers(session, ctx, tiers_id)
    _nouveau_compte(ctx, t, saisie, origine=origine, tolerer_iban_invalide=tolerer_iban_invalide)
    session.flush()
    return _detail(t)


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
    _nouveau_compte(ctx, t, CompteSaisie(saisie.iban, saisie.bic, saisie.titulaire,
                                         saisie.etablissement, saisie.principal or etait_principal))
    session.flush()
    return _detail(t)


def modifier_compte(session: Session, ctx: Context, compte_id: int, saisie: CompteSaisie) -> TiersDetail:
    """A changed IBAN goes through ``changer_iban``; otherwise BIC, titulaire, établissement
    and principal are corrected in place."""
    exiger(session, ctx, ENVIRONNEMENT, MODIFICATION, "modifier un compte bancaire")
    c = _compte(session, ctx, compte_id)
    if ident.lire_iban(saisie.iban)[0] != c.iban:
        return changer_iban(session, ctx, compte_id, saisie)
    c.bic = ident.bic_du_compte(saisie.bic, c.iban)
    c.titulaire = _texte(saisie.titulaire, "Titulaire du compte", 100)
    c.etablissement = _texte(saisie.etablissement, "Établissement bancaire", 100)
    if saisie.principal:
        _un_principal(c.tiers, c)
    session.flush()
    return _detail(c.tiers)


def definir_principal(session: Session, ctx: Context, compte_id: int) -> TiersDetail:
    exiger(session, ctx, ENVIRONNEMENT, MODIFICATION, "changer le compte principal d'un tiers")
    c = _compte(session, ctx, compte_id)
    _un_principal(c.tiers, c)
    session.flush()
    return _detail(c.tiers)


def retirer_compte(session: Session, ctx: Context, compte_id: int) -> TiersDetail:
    """The account is closed today (never deleted: mandats may use it); it stays in the history."""
    exiger(session, ctx, ENVIRONNEMENT, MODIFICATION, "retirer un compte bancaire")
    c = _compte(session, ctx, compte_id)
    c.date_fin, c.principal = ctx.today(), False
    _un_principal(c.tiers)
    session.flush()
    return _detail(c.tiers)
