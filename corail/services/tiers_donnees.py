"""The tiers' dataclasses (what a form enters, what a screen shows) and the helpers the tiers
and bank account services share (``services.tiers``, ``services.tiers_comptes``).

Every public name here is also importable from ``corail.services.tiers``.
"""
from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, datetime

from sqlalchemy.orm import Session

from corail.context import Context
from corail.db.models import CompteBancaire, Tiers
from corail.domain import identifiants as ident
from corail.errors import NotFound, ValidationError

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


# --- shared helpers ------------------------------------------------------------------

def texte_saisi(valeur: str | None, champ: str, longueur: int, *, requis: str | None = None) -> str | None:
    """The entered text, spaces collapsed, None when empty (``requis``: the refusal then)."""
    texte = " ".join((valeur or "").split())
    if not texte:
        if requis:
            raise ValidationError(requis)
        return None
    if len(texte) > longueur:
        raise ValidationError(f"{champ} trop long : {len(texte)} caractères ({longueur} au plus)")
    return texte


def _compte_ligne(c: CompteBancaire) -> CompteLigne:
    return CompteLigne(c.id, c.iban, c.bic, c.titulaire, c.etablissement, c.principal, c.iban_valide,
                       c.origine, c.date_debut, c.date_fin, c.cree_le, c.cree_par)


def detail_tiers(t: Tiers) -> TiersDetail:
    lignes = [_compte_ligne(c) for c in t.comptes]
    actifs = sorted((c for c in lignes if c.actif), key=lambda c: (not c.principal, c.id))
    historique = sorted(lignes, key=lambda c: (c.date_debut or date.min, c.id), reverse=True)
    return TiersDetail(
        t.id, t.nom, t.civilite, t.prenom, t.type_identifiant, t.identifiant, t.siret, t.cat_tiers,
        t.nat_jur, t.adresse1, t.adresse2, t.code_postal, t.ville, t.code_pays or "FR", t.email,
        t.telephone, t.actif, t.notes, t.cree_le, tuple(actifs), tuple(historique))


def tiers_de(session: Session, ctx: Context, tiers_id: int) -> Tiers:
    """The tiers ``tiers_id`` of the collectivité en cours, or ``NotFound``."""
    t = session.get(Tiers, tiers_id)
    if t is None or t.collectivite_id != ctx.collectivite_id:
        raise NotFound(f"Tiers n° {tiers_id} introuvable dans la collectivité en cours")
    return t
