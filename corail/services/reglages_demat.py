"""Settings kept as JSON in the ``parametre`` table, and those of *Facture dématérialisée*:
the récupération of invoices from Chorus Pro and the PES Facture ASAP global settings.

* ``lire_parametre`` / ``ecrire_parametre``: a JSON value scoped to a collectivité and/or a
  budget (both None: global).
* *Paramétrage de la récupération des factures dématérialisées* belongs to a Chorus Pro
  structure, that is a SIRET of the collectivité (budgets sharing a SIRET share it). The
  password and the PISTE client secret are NOT here: see ``corail.secrets``.
* *PES Facture ASAP (Paramétrage global)* belongs to the collectivité.
* *Paramétrage* of the protocole (PES header fields) belongs to the budget.
"""
from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, fields, replace
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from corail.context import Context
from corail.db.models import Budget, Collectivite, Parametre
from corail.domain.roles import CONSULTATION, ENVIRONNEMENT, MODIFICATION, RECETTES, TELEPROCEDURES
from corail.errors import NotFound, ValidationError
from corail.services.habilitations import exiger

# --- JSON parameters ------------------------------------------------------------------


def _parametre(session: Session, collectivite_id: int | None, budget_id: int | None,
               cle: str) -> Parametre | None:
    stmt = select(Parametre).where(Parametre.cle == cle)
    stmt = stmt.where(Parametre.collectivite_id.is_(None) if collectivite_id is None
                      else Parametre.collectivite_id == collectivite_id)
    stmt = stmt.where(Parametre.budget_id.is_(None) if budget_id is None
                      else Parametre.budget_id == budget_id)
    return session.scalars(stmt).one_or_none()


def lire_parametre(session: Session, cle: str, *, collectivite_id: int | None = None,
                   budget_id: int | None = None, defaut: object = None) -> object:
    row = _parametre(session, collectivite_id, budget_id, cle)
    if row is None:
        return defaut
    try:
        return json.loads(row.valeur)
    except ValueError:  # a hand-edited row: treated as absent, rewritten at the next save
        return defaut


def ecrire_parametre(session: Session, cle: str, valeur: object, *,
                     collectivite_id: int | None = None, budget_id: int | None = None) -> None:
    texte = json.dumps(valeur, ensure_ascii=False, sort_keys=True)
    row = _parametre(session, collectivite_id, budget_id, cle)
    if row is None:
        session.add(Parametre(collectivite_id=collectivite_id, budget_id=budget_id, cle=cle,
                              valeur=texte))
    else:
        row.valeur = texte
    session.flush()


def _depuis_dict(cls, data: object, defaut):
    """A dataclass from stored JSON, unknown keys ignored, missing ones defaulted."""
    if not isinstance(data, dict):
        return defaut
    noms = {f.name for f in fields(cls)}
    return replace(defaut, **{k: v for k, v in data.items() if k in noms})


def texte(valeur: str | None, champ: str, longueur: int, *, requis: bool = False) -> str:
    """A stripped text field, refused when missing (if required) or too long."""
    v = (valeur or "").strip()
    if requis and not v:
        raise ValidationError(f"{champ} manquant")
    if len(v) > longueur:
        raise ValidationError(f"{champ} trop long ({len(v)} caractères, {longueur} au plus)")
    return v


def budget_du_contexte(session: Session, ctx: Context) -> Budget:
    budget = session.get(Budget, ctx.budget_id)
    if budget is None:
        raise NotFound("Budget introuvable")
    return budget


# --- Récupération des factures dématérialisées (Chorus Pro) ----------------------------

MODES = {"portail": "Mode portail", "service": "Mode service"}
#: PISTE API bases (formats-chorus-pro.md §3.1); the OAuth host is derived from them.
URLS = {
    "qualification": "https://sandbox-api.piste.gouv.fr",
    "production": "https://api.piste.gouv.fr",
}
ENVIRONNEMENTS = {"qualification": "Qualification", "production": "Production",
                  "personnalisee": "Personnalisée"}
OAUTH = {
    "https://sandbox-api.piste.gouv.fr": "https://sandbox-oauth.piste.gouv.fr/api/oauth/token",
    "https://api.piste.gouv.fr": "https://oauth.piste.gouv.fr/api/oauth/token",
}


@dataclass(frozen=True)
class RecuperationReglage:
    """How invoices of one Chorus Pro structure (SIRET) reach Corail. No password here."""

    siret: str = ""
    mode: str = "portail"
    environnement: str = "qualification"
    url: str = URLS["qualification"]
    compte: str = ""  # login of the structure's utilisateur technique
    client_id: str = ""  # PISTE application (OAuth client id)
    automatique: bool = False  # "Récupérer automatiquement les factures dématérialisées"
    intervalle_minutes: int = 30  # automatic: at start, then every N minutes (mode service)

    @property
    def url_oauth(self) -> str | None:
        return OAUTH.get(self.url)


def _cle_recuperation(siret: str) -> str:
    return f"recuperation_factures:{siret}"


def lire_recuperation(session: Session, ctx: Context) -> RecuperationReglage:
    """The récupération settings of the structure (SIRET) of the context's budget."""
    exiger(session, ctx, (ENVIRONNEMENT, TELEPROCEDURES), CONSULTATION,
           "consulter la récupération des factures")
    budget = budget_du_contexte(session, ctx)
    data = lire_parametre(session, _cle_recuperation(budget.siret),
                          collectivite_id=budget.collectivite_id)
    return replace(_depuis_dict(RecuperationReglage, data, RecuperationReglage()),
                   siret=budget.siret)


def _verifier_url(url: str) -> str:
    url = texte(url, "URL", 200, requis=True).rstrip("/")
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname or " " in url:
        raise ValidationError(f"URL invalide : « {url} » (une adresse https://… est attendue)")
    return url


def enregistrer_recuperation(session: Session, ctx: Context,
                             reglage: RecuperationReglage) -> RecuperationReglage:
    exiger(session, ctx, ENVIRONNEMENT, MODIFICATION, "modifier la récupération des factures")
    budget = budget_du_contexte(session, ctx)
    if reglage.mode not in MODES:
        raise ValidationError(f"Mode de récupération inconnu : {reglage.mode}")
    if reglage.environnement not in ENVIRONNEMENTS:
        raise ValidationError(f"URL : choix inconnu {reglage.environnement}")
    url = (URLS[reglage.environnement] if reglage.environnement in URLS
           else _verifier_url(reglage.url))
    compte = texte(reglage.compte, "Compte (utilisateur technique)", 100,
                   requis=reglage.mode == "service")
    client_id = texte(reglage.client_id, "Identifiant client PISTE", 100)
    if reglage.automatique and reglage.mode != "service":
        raise ValidationError("La récupération automatique des factures demande le mode service "
                              "(Paramétrage de la récupération des factures dématérialisées)")
    if not isinstance(reglage.intervalle_minutes, int) or not 5 <= reglage.intervalle_minutes <= 1440:
        raise ValidationError(f"Intervalle de récupération invalide : {reglage.intervalle_minutes} "
                              f"(de 5 à 1440 minutes)")
    propre = replace(reglage, siret=budget.siret, url=url, compte=compte, client_id=client_id)
    donnees = asdict(propre)
    donnees.pop("siret")
    ecrire_parametre(session, _cle_recuperation(budget.siret), donnees,
                     collectivite_id=budget.collectivite_id)
    return propre


# --- PES Facture ASAP (Paramétrage global) ---------------------------------------------

#: PES CatTiers (CommunPES.xsd) for a public issuer.
CATEGORIES = {
    "20": "État et établissements publics nationaux", "21": "Régions", "22": "Départements",
    "23": "Communes", "24": "Groupements de collectivités", "25": "Caisses des écoles",
    "26": "CCAS", "27": "Établissements publics de santé", "29": "Autres établissements publics",
}
#: PES NatJur (CommunPES.xsd; labels as Hélios shows them — to check against the 5.3 schema).
NATURES_JURIDIQUES = {
    "00": "Inconnue", "01": "Particulier", "02": "Artisan, commerçant, agriculteur",
    "03": "Société", "04": "CAM ou caisse appliquant les mêmes règles",
    "05": "Caisse complémentaire", "06": "Association", "07": "État ou organisme d'État",
    "08": "Établissement public national", "09": "Collectivité territoriale, EPL, EPS",
    "10": "État étranger, ambassade", "11": "CAF",
}
MODES_RECOUVREMENT = {"talon": "Avis avec talon de paiement", "tip": "Avis avec TIP"}


@dataclass(frozen=True)
class AsapReglage:
    # Collectivité (the ASAP's Emetteur)
    collectivite: str = ""
    adresse1: str = ""
    adresse2: str = ""
    code_postal: str = ""
    ville: str = ""
    telephone: str = ""
    horaires_ouverture: str = ""
    categorie: str = "23"
    nature_juridique: str = "09"
    signataire_par_defaut: bool = True
    signataire_nom: str = ""
    signataire_prenom: str = ""
    signataire_fonction: str = ""
    # Trésorerie (Tiers 26 "comptable émetteur")
    tresorerie_nom: str = ""
    tresorerie_adresse1: str = ""
    tresorerie_adresse2: str = ""
    tresorerie_code_postal: str = ""
    tresorerie_ville: str = ""
    tresorerie_telephone: str = ""
    tresorerie_email: str = ""
    # Modalités
    modalites_reglement: str = ""
    modalites_contestation: str = ""
    mode_recouvrement: str = "talon"
    ref_bdf: str = ""  # numéro émetteur (talon) or ICS (TIP)


#: field → (label, maximum length as the PES_Facture schema allows)
LIMITES_ASAP = {
    "collectivite": ("Collectivité", 38), "adresse1": ("Adresse", 38),
    "adresse2": ("Complément d'adresse", 38), "code_postal": ("Code postal", 5),
    "ville": ("Ville", 38), "telephone": ("Téléphone", 20),
    "horaires_ouverture": ("Horaires d'ouverture", 38),
    "signataire_nom": ("Nom du signataire", 38), "signataire_prenom": ("Prénom du signataire", 38),
    "signataire_fonction": ("Fonction du signataire", 50),
    "tresorerie_nom": ("Trésorerie", 38), "tresorerie_adresse1": ("Adresse de la trésorerie", 38),
    "tresorerie_adresse2": ("Complément d'adresse de la trésorerie", 38),
    "tresorerie_code_postal": ("Code postal de la trésorerie", 5),
    "tresorerie_ville": ("Ville de la trésorerie", 38),
    "tresorerie_telephone": ("Téléphone de la trésorerie", 20),
    "tresorerie_email": ("E-mail de la trésorerie", 150),
    "modalites_reglement": ("Modalités de règlement", 250),
    "modalites_contestation": ("Modalités de contestation", 420),
    "ref_bdf": ("Référence Banque de France (RefBdf)", 13),
}
CLE_ASAP = "pes_facture_asap"
_CP = re.compile(r"\d{5}")


def lire_asap(session: Session, ctx: Context) -> AsapReglage:
    exiger(session, ctx, (ENVIRONNEMENT, RECETTES), CONSULTATION, "consulter le paramétrage ASAP")
    return _depuis_dict(AsapReglage, lire_parametre(session, CLE_ASAP,
                                                    collectivite_id=ctx.collectivite_id),
                        AsapReglage())


def enregistrer_asap(session: Session, ctx: Context, reglage: AsapReglage) -> AsapReglage:
    exiger(session, ctx, ENVIRONNEMENT, MODIFICATION, "modifier le paramétrage ASAP")
    if session.get(Collectivite, ctx.collectivite_id) is None:
        raise NotFound("Collectivité introuvable")
    propre = {name: texte(getattr(reglage, name), label, longueur)
              for name, (label, longueur) in LIMITES_ASAP.items()}
    for champ, label in (("code_postal", "Code postal"),
                         ("tresorerie_code_postal", "Code postal de la trésorerie")):
        if propre[champ] and not _CP.fullmatch(propre[champ]):
            raise ValidationError(f"{label} invalide : « {propre[champ]} » (5 chiffres)")
    if reglage.categorie not in CATEGORIES:
        raise ValidationError(f"Catégorie inconnue : « {reglage.categorie} »")
    if reglage.nature_juridique not in NATURES_JURIDIQUES:
        raise ValidationError(f"Nature juridique inconnue : « {reglage.nature_juridique} »")
    if reglage.mode_recouvrement not in MODES_RECOUVREMENT:
        raise ValidationError(f"Mode de recouvrement inconnu : « {reglage.mode_recouvrement} »")
    if reglage.signataire_par_defaut and not (propre["signataire_nom"]
                                              and propre["signataire_fonction"]):
        raise ValidationError("Signataire par défaut : le nom et la fonction sont obligatoires "
                              "(ils sont imprimés sur l'avis des sommes à payer)")
    if propre["ref_bdf"] and not propre["ref_bdf"].isalnum():
        raise ValidationError("Référence Banque de France (RefBdf) : lettres et chiffres seulement")
    resultat = replace(reglage, **propre)
    ecrire_parametre(session, CLE_ASAP, asdict(resultat), collectivite_id=ctx.collectivite_id)
    return resultat


#: What an ASAP needs from the paramétrage (the PES_Facture's mandatory parts, and what the
#: avis printed for the debtor must say: horaires, voies de recours).
REQUIS_ASAP = ("collectivite", "adresse1", "code_postal", "ville", "horaires_ouverture",
               "tresorerie_nom", "tresorerie_adresse1", "tresorerie_code_postal",
               "tresorerie_ville", "modalites_reglement", "modalites_contestation", "ref_bdf")
SIGNATAIRE_ASAP = ("signataire_nom", "signataire_prenom", "signataire_fonction")


def champs_manquants_asap(reglage: AsapReglage, *, avec_signataire: bool = True) -> list[str]:
    """Labels of the *PES Facture ASAP (Paramétrage global)* fields an ASAP needs and that are
    empty (``avec_signataire``: the default signataire is used, so its fields are needed)."""
    champs = REQUIS_ASAP + (SIGNATAIRE_ASAP if avec_signataire else ())
    manquants = [LIMITES_ASAP[c][0] for c in champs if not (getattr(reglage, c) or "").strip()]
    for champ, label, codes in (("categorie", "Catégorie", CATEGORIES),
                                ("nature_juridique", "Nature juridique", NATURES_JURIDIQUES),
                                ("mode_recouvrement", "Mode de recouvrement", MODES_RECOUVREMENT)):
        if getattr(reglage, champ) not in codes:
            manquants.append(label)
    return manquants


def asap_depuis_corail(session: Session, ctx: Context, actuel: AsapReglage) -> AsapReglage:
    """*Récup. paramétrage*: ``actuel`` with what Corail already knows of the collectivité and
    its poste comptable (fields Corail does not know are kept as they are). Not saved."""
    exiger(session, ctx, (ENVIRONNEMENT, RECETTES), CONSULTATION, "récupérer le paramétrage ASAP")
    coll = session.get(Collectivite, ctx.collectivite_id)
    if coll is None:
        raise NotFound("Collectivité introuvable")
    connus = dict(collectivite=coll.nom, adresse1=coll.adresse1, adresse2=coll.adresse2,
                  code_postal=coll.code_postal, ville=coll.ville, telephone=coll.telephone)
    poste = coll.poste_comptable
    if poste is not None:
        connus.update(tresorerie_nom=poste.nom, tresorerie_adresse1=poste.adresse1,
                      tresorerie_adresse2=poste.adresse2, tresorerie_code_postal=poste.code_postal,
                      tresorerie_ville=poste.ville, tresorerie_telephone=poste.telephone,
                      tresorerie_email=poste.email)
    if coll.nature_juridique in NATURES_JURIDIQUES:
        connus["nature_juridique"] = coll.nature_juridique
    categorie = {"commune": "23", "epci": "24", "syndicat": "24", "ccas": "26"}.get(
        (coll.categorie or "").strip().lower())
    if categorie:
        connus["categorie"] = categorie
    nouveaux = {}
    for k, v in connus.items():
        if v:
            longueur = LIMITES_ASAP.get(k, ("", 1000))[1]
            nouveaux[k] = v[:longueur]
    return replace(actuel, **nouveaux)


# --- Paramétrage du protocole (PES header) ---------------------------------------------


@dataclass(frozen=True)
class ProtocoleReglage:
    libelle_col_bud: str = ""  # EnTetePES/LibelleColBud (38)
    fin_jur: str = ""  # EnTetePES/FinJur: FINESS juridique (Hospitalier), 9 to 20 digits


def lire_protocole(session: Session, ctx: Context) -> ProtocoleReglage:
    exiger(session, ctx, (ENVIRONNEMENT, TELEPROCEDURES), CONSULTATION, "consulter le protocole de transfert")
    data = lire_parametre(session, "protocole_pes", budget_id=ctx.budget_id)
    return _depuis_dict(ProtocoleReglage, data, ProtocoleReglage())


def enregistrer_protocole(session: Session, ctx: Context,
                          reglage: ProtocoleReglage) -> ProtocoleReglage:
    exiger(session, ctx, ENVIRONNEMENT, MODIFICATION, "modifier le protocole de transfert")
    budget_du_contexte(session, ctx)
    libelle = texte(reglage.libelle_col_bud, "Libellé collectivité/budget (LibelleColBud)", 38)
    fin_jur = texte(reglage.fin_jur, "N° FINESS juridique (FinJur)", 20)
    if fin_jur and not fin_jur.isdigit():
        raise ValidationError(f"N° FINESS juridique (FinJur) invalide : « {fin_jur} » (chiffres)")
    propre = ProtocoleReglage(libelle, fin_jur)
    ecrire_parametre(session, "protocole_pes", asdict(propre), budget_id=ctx.budget_id)
    return propre
