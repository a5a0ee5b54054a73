"""The rules of an ASAP (avis des sommes à payer) and the PES_Facture built from Corail's data.

* **Paramétrage**: *PES Facture ASAP (Paramétrage global)* must be complete; a refusal names
  every missing field (``verifier_parametrage``).
* **By Type ASAP PES** (the titre's ``type_asap``, formats-pes-v2.md §2.2): every ASAP carries
  the debtor's address (the schema makes Debiteur/Adresse/Adr2 mandatory); **01** is printed and
  mailed by the DGFiP centre éditique: a full postal address; **02** goes to a public debtor
  through Chorus Pro: its SIRET, and the Chorus Pro service code / engagement number when the
  debtor requires them (``ExigencesChorus``, kept per tiers since the tiers form has no such
  field); **04** is sent for information.
* ``facture_du_titre`` gathers the ``FactureAsap`` (formats/pes_facture) of an entered ASAP.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass, fields, replace

from sqlalchemy.orm import Session

from corail.context import Context
from corail.db.models import Bordereau, Piece, Tiers
from corail.db.models.asap import AsapFacture
from corail.domain.identifiants import siret_valide
from corail.domain.roles import CONSULTATION, ENVIRONNEMENT, MODIFICATION, RECETTES
from corail.errors import ValidationError
from corail.formats.pes_facture import (
    CENTRE_ENCAISSEMENT,
    Adresse,
    FactureAsap,
    LigneAsap,
    TiersFacture,
    talon_optique,
)
from corail.services.habilitations import exiger
from corail.services.reglages_demat import (
    AsapReglage,
    champs_manquants_asap,
    ecrire_parametre,
    lire_asap,
    lire_parametre,
)
from corail.services.titres import TYPES_ASAP, nom_titre

#: FactureIndiv/ConditionsGen (mandatory, not printed by the DGFiP): the ASAP is a titre exécutoire
CONDITIONS_GENERALES = ("Avis des sommes à payer : titre exécutoire (article L. 252 A du livre "
                        "des procédures fiscales)")
#: INSEE codes (3 last digits) of the countries a debtor abroad may live in (CodPays).
PAYS_INSEE = {"BE": "131", "DE": "109", "CH": "140", "ES": "134", "IT": "127", "LU": "137",
              "MC": "138", "GB": "132", "NL": "135", "PT": "139", "AD": "130"}


@dataclass(frozen=True)
class Signataire:
    nom: str
    prenom: str
    fonction: str


@dataclass(frozen=True)
class ExigencesChorus:
    """What a public debtor asks in Chorus Pro (its annuaire), for ASAP 02."""

    code_service_obligatoire: bool = False
    engagement_obligatoire: bool = False
    code_service: str = ""  # the service to use by default


def _cle(tiers_id: int) -> str:
    return f"asap_chorus_debiteur:{tiers_id}"


def lire_exigences(session: Session, ctx: Context, tiers_id: int) -> ExigencesChorus:
    exiger(session, ctx, (RECETTES, ENVIRONNEMENT), CONSULTATION, "voir les exigences Chorus Pro d'un débiteur")
    data = lire_parametre(session, _cle(tiers_id), collectivite_id=ctx.collectivite_id)
    if not isinstance(data, dict):
        return ExigencesChorus()
    noms = {f.name for f in fields(ExigencesChorus)}
    return ExigencesChorus(**{k: v for k, v in data.items() if k in noms})


def enregistrer_exigences(session: Session, ctx: Context, tiers_id: int,
                          exigences: ExigencesChorus) -> ExigencesChorus:
    exiger(session, ctx, RECETTES, MODIFICATION, "régler les exigences Chorus Pro d'un débiteur")
    tiers = session.get(Tiers, tiers_id)
    if tiers is None or tiers.collectivite_id != ctx.collectivite_id:
        raise ValidationError(f"Tiers {tiers_id} introuvable dans la collectivité")
    code = (exigences.code_service or "").strip()
    if len(code) > 100:
        raise ValidationError("Code service Chorus Pro trop long (100 caractères au plus)")
    propre = replace(exigences, code_service=code)
    ecrire_parametre(session, _cle(tiers_id), asdict(propre), collectivite_id=ctx.collectivite_id)
    return propre


def verifier_parametrage(session: Session, ctx: Context, *, signataire: Signataire | None = None
                         ) -> AsapReglage:
    """The ASAP paramétrage, or a refusal naming every missing field."""
    reglage = lire_asap(session, ctx)
    manquants = champs_manquants_asap(reglage, avec_signataire=signataire is None)
    if signataire is None and not reglage.signataire_par_defaut:
        manquants.append("Signataire (pas de signataire par défaut : indiquez-le pour cette ASAP)")
    if signataire is not None:
        manquants += [f"Signataire : {label}" for label, v in (
            ("nom", signataire.nom), ("prénom", signataire.prenom),
            ("fonction", signataire.fonction)) if not (v or "").strip()]
    if manquants:
        raise ValidationError("PES Facture ASAP (Paramétrage global) incomplet — Environnement › "
                              "Gestion des collectivités › Transfert ; à renseigner :",
                              choix=manquants)
    return reglage


def signataire_de(reglage: AsapReglage, signataire: Signataire | None) -> Signataire:
    if signataire is not None:
        return Signataire(signataire.nom.strip(), signataire.prenom.strip(), signataire.fonction.strip())
    return Signataire(reglage.signataire_nom, reglage.signataire_prenom, reglage.signataire_fonction)


# --------------------------------------------------------------------------- the debtor

def _couper_nom(nom: str) -> tuple[str, str]:
    """A name of more than 38 characters on Nom + ComplNom (cut at a space)."""
    nom = " ".join(nom.split())
    if len(nom) <= 38:
        return nom, ""
    coupe = nom.rfind(" ", 0, 39)
    coupe = coupe if coupe > 0 else 38
    return nom[:coupe].strip(), nom[coupe:].strip()


def debiteur_facture(tiers: Tiers) -> TiersFacture:
    """The titre's tiers as the PES_Facture's Debiteur (TypTiers 01, débiteur principal)."""
    pays = (tiers.code_pays or "FR").upper()
    nom, compl = _couper_nom(tiers.nom or "")
    adresse = Adresse(adr2=(tiers.adresse1 or "").strip(), adr3=(tiers.adresse2 or "").strip(),
                      cp=(tiers.code_postal or "").strip(), ville=(tiers.ville or "").strip().upper(),
                      code_pays="" if pays == "FR" else PAYS_INSEE.get(pays, "?"))
    return TiersFacture(nom=nom, compl_nom=compl, prenom=(tiers.prenom or "").strip(),
                        civilite=(tiers.civilite or "").strip(), typ_tiers="01",
                        cat_tiers=tiers.cat_tiers or "", nat_jur=tiers.nat_jur or "", adresse=adresse)


def controler_debiteur(tiers: Tiers | None, type_asap: str, *, code_service: str | None,
                       numero_engagement: str | None, exigences: ExigencesChorus) -> list[str]:
    """Every reason why this debtor cannot receive an ASAP of this type (empty: it can)."""
    if tiers is None:
        return ["le titre n'a pas de débiteur (tiers)"]
    nom = tiers.nom
    raisons = []
    manque = [label for label, v in (("adresse", tiers.adresse1), ("code postal", tiers.code_postal),
                                     ("ville", tiers.ville)) if not (v or "").strip()]
    if manque:
        pourquoi = ("l'avis est imprimé et posté par le centre éditique de la DGFiP"
                    if type_asap == "01" else "obligatoire dans une PES Facture ASAP")
        raisons.append(f"débiteur « {nom} » : adresse postale incomplète ({', '.join(manque)}) — "
                       f"{pourquoi}")
    for label, valeur in (("adresse", tiers.adresse1), ("complément d'adresse", tiers.adresse2),
                          ("ville", tiers.ville)):
        if len((valeur or "").strip()) > 38:
            raisons.append(f"débiteur « {nom} » : {label} de plus de 38 caractères (norme postale "
                           f"de l'ASAP) — raccourcissez-la dans la fiche du tiers")
    pays = (tiers.code_pays or "FR").upper()
    if pays != "FR" and pays not in PAYS_INSEE:
        raisons.append(f"débiteur « {nom} » : pays {pays} non géré pour une ASAP")
    elif pays == "FR" and tiers.code_postal and not re.fullmatch(r"\d{5}", tiers.code_postal.strip()):
        raisons.append(f"débiteur « {nom} » : code postal « {tiers.code_postal} » invalide")
    if len(_couper_nom(tiers.nom or "")[1]) > 38:
        raisons.append(f"débiteur « {nom} » : nom de plus de 76 caractères")
    if type_asap == "02":
        if not (tiers.siret and siret_valide(tiers.siret)):
            raisons.append(f"ASAP 02 (Chorus Pro) : le débiteur « {nom} » doit être identifié par "
                           f"un SIRET valide (fiche du tiers)")
        if exigences.code_service_obligatoire and not (code_service or exigences.code_service):
            raisons.append(f"ASAP 02 (Chorus Pro) : le débiteur « {nom} » exige un code service "
                           f"Chorus Pro")
        if exigences.engagement_obligatoire and not numero_engagement:
            raisons.append(f"ASAP 02 (Chorus Pro) : le débiteur « {nom} » exige un numéro "
                           f"d'engagement")
    return raisons


def type_asap_du_titre(piece: Piece) -> str:
    if piece.type_asap not in TYPES_ASAP:
        raise ValidationError(f"{nom_titre(piece)} : choisissez d'abord son Type ASAP PES (onglet "
                              f"Compl 1 : 01, 02 ou 04)")
    return piece.type_asap


def normaliser_nom(nom: str | None) -> str:
    """Upper case, no accents, punctuation as spaces: ``Commune d'Évry`` → ``COMMUNE D EVRY``."""
    texte = unicodedata.normalize("NFKD", nom or "")
    texte = "".join(c for c in texte if not unicodedata.combining(c)).upper()
    return " ".join(re.sub(r"[^0-9A-Z]+", " ", texte).split())


# --------------------------------------------------------------------------- the PES_Facture

def references(session: Session, piece: Piece) -> tuple[int | None, int | None, int | None]:
    """RefTitre of the titre: (exercice, bordereau n°, titre n°); None parts while not numbered."""
    bordereau = session.get(Bordereau, piece.bordereau_id) if piece.bordereau_id else None
    return piece.annee, bordereau.numero if bordereau else None, piece.numero


def _emetteur(r: AsapReglage) -> TiersFacture:
    return TiersFacture(nom=r.collectivite, typ_tiers="20", cat_tiers=r.categorie,
                        nat_jur=r.nature_juridique, telephone=r.telephone,
                        horaires=r.horaires_ouverture,
                        adresse=Adresse(adr2=r.adresse1, adr3=r.adresse2, cp=r.code_postal,
                                        ville=r.ville.upper()))


def _tresorerie(r: AsapReglage) -> TiersFacture:
    return TiersFacture(nom=r.tresorerie_nom, typ_tiers="26", cat_tiers="20", nat_jur="07",
                        telephone=r.tresorerie_telephone,
                        adresse=Adresse(adr2=r.tresorerie_adresse1, adr3=r.tresorerie_adresse2,
                                        cp=r.tresorerie_code_postal, ville=r.tresorerie_ville.upper()))


def facture_du_titre(session: Session, piece: Piece, tiers: Tiers, asap: AsapFacture,
                     reglage: AsapReglage) -> FactureAsap:
    """The ``FactureAsap`` of an entered ASAP (RefTitre and talon from the titre's numbers)."""
    exercice, bordereau, numero = references(session, piece)
    lignes = tuple(LigneAsap(ordre=l.ordre, libelle=l.libelle, quantite=l.quantite,
                             prix_unitaire_ht=l.prix_unitaire_ht, taux_tva=l.taux_tva,
                             montant_ht=l.montant_ht, montant_tva=l.montant_tva,
                             montant_ttc=l.montant_ttc, date=l.date_prestation or asap.date_emission)
                   for l in asap.lignes)
    talon = talon_optique(reglage.ref_bdf, exercice, bordereau, numero, asap.montant_ttc,
                          asap.date_emission)
    return FactureAsap(
        annee=piece.annee, date=asap.date_facture, emetteur=_emetteur(reglage),
        ref_bdf=reglage.ref_bdf, signataire_nom=asap.signataire_nom,
        signataire_prenom=asap.signataire_prenom, signataire_role=asap.signataire_fonction,
        centre_encaissement=CENTRE_ENCAISSEMENT, tresorerie=_tresorerie(reglage),
        date_emission=asap.date_emission, numero_facture=asap.numero_facture,
        debiteur=debiteur_facture(tiers), objet=asap.objet, lignes=lignes,
        total_ht=asap.montant_ht, total_tva=asap.montant_tva, total_ttc=asap.montant_ttc,
        exercice_titre=exercice, num_bordereau=bordereau, num_titre=numero, talon=talon,
        modalites_reglement=reglage.modalites_reglement,
        modalites_contestation=reglage.modalites_contestation,
        mode_recouvrement=asap.mode_recouvrement, conditions_generales=CONDITIONS_GENERALES)
