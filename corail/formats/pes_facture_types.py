"""The data of a PES_Facture ASAP and the rules an ASAP must follow (both for the file Corail
builds and for one imported from a billing program).

The rules come from the annotations of the DGFiP schemas (Class_PESFacture.xsd v4.91,
Class_FacturePESIndiv / Class_TiersEmetteur / Class_TiersFacture / Class_AdresseFacture, PES 5.3,
formats-pes-v2.md §2.3): TypeFact 09, Emetteur with Adresse (Adr2), InfoSuppl/RefBdf and
Signataire; exactly one Tiers 25 (centre d'encaissement, no Adr1/Adr2) and one Tiers 26 (centre
des finances publiques, Adr2); a Debiteur with Adresse/Adr2; lines with Quantite of 5 digits at
most, MtUnitaire, MtHT and MtTTC > 0, MtTVA ≥ 0; MtTotalTTC > 0 (≤ 150 000 with a TIP); RefTitre
(NumLigne 1); TalonOptique2Lignes; ModeRecouvrement.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from corail.errors import ValidationError
from corail.money import ZERO, to_money

NS = "http://www.minefi.gouv.fr/cp/helios/pes_v2/facture/r0/aller"
RACINE = "PES_Facture"  # [inferred]: the root's name is not in the schema parts available
TYPE_FACT_ASAP = "09"
MAX_TIP = Decimal("150000.00")


class PESFactureRefusee(ValidationError):
    """A PES_Facture file refused as a whole: nothing of it is written."""


@dataclass(frozen=True)
class Adresse:
    """TAdresseFacture: Adr1 complément de distribution, Adr2 numéro et voie, Adr3 lieu-dit /
    complément; ``code_pays`` (INSEE, 3 digits) only for a debtor living abroad (CodRes 1)."""

    adr2: str = ""
    cp: str = ""
    ville: str = ""
    adr1: str = ""
    adr3: str = ""
    code_pays: str = ""


@dataclass(frozen=True)
class TiersFacture:
    """InfoTiers (+ InfoSupplTiers of Tiers 26, InfoSuppl of the Emetteur) and Adresse."""

    nom: str
    typ_tiers: str  # 20 émetteur, 01 débiteur, 25 centre d'encaissement, 26 comptable
    cat_tiers: str = ""
    nat_jur: str = ""
    adresse: Adresse | None = None
    compl_nom: str = ""
    prenom: str = ""
    civilite: str = ""
    id_tiers: str = ""  # SIRET…, only read from imported files (not written for an ASAP)
    nat_id_tiers: str = ""
    telephone: str = ""
    horaires: str = ""


@dataclass(frozen=True)
class LigneAsap:
    ordre: int
    libelle: str
    quantite: Decimal
    prix_unitaire_ht: Decimal
    taux_tva: Decimal  # percent: 20.00
    montant_ht: Decimal
    montant_tva: Decimal
    montant_ttc: Decimal
    date: date | None = None  # date of the prestation (LigneFacture/Date)


@dataclass(frozen=True)
class FactureAsap:
    annee: int
    date: date
    emetteur: TiersFacture
    ref_bdf: str
    signataire_nom: str
    signataire_prenom: str
    signataire_role: str
    centre_encaissement: TiersFacture
    tresorerie: TiersFacture
    date_emission: date
    numero_facture: str
    debiteur: TiersFacture
    objet: str
    lignes: tuple[LigneAsap, ...]
    total_ht: Decimal
    total_tva: Decimal
    total_ttc: Decimal
    exercice_titre: int | None
    num_bordereau: int | None
    num_titre: int | None
    talon: tuple[str, str]
    modalites_reglement: str
    modalites_contestation: str
    mode_recouvrement: str  # talon | tip
    conditions_generales: str
    type_fact: str = TYPE_FACT_ASAP
    avertissements: tuple[str, ...] = field(default_factory=tuple)


#: Tiers 25 as the schema wants it (Nom and ComplNom in capitals, no Adr1/Adr2) **[inferred
#: address: the DGFiP centre d'encaissement of Rennes that handles talons and TIP]**.
CENTRE_ENCAISSEMENT = TiersFacture(
    nom="CENTRE D'ENCAISSEMENT", compl_nom="DES FINANCES PUBLIQUES", typ_tiers="25",
    cat_tiers="20", nat_jur="07", adresse=Adresse(cp="35908", ville="RENNES CEDEX 9"))


# --------------------------------------------------------------------------- talon optique

def cle97(chiffres: str) -> str:
    """Two-digit key: 97 − (n × 100 mod 97), as for a RIB or an IBAN."""
    return f"{97 - (int(chiffres or '0') * 100) % 97:02d}"


def talon_optique(ref_emetteur: str, exercice: int | None, num_bordereau: int | None,
                  num_titre: int | None, total_ttc: Decimal, date_emission: date) -> tuple[str, str]:
    """The two lines of the talon optique. **[inferred layout, not the DGFiP norme HEL]**:

    * line 1: the numéro émetteur (the digits of RefBdf, 13, zero-padded), exercice (4) +
      bordereau (7), titre (13), key;
    * line 2: the amount in cents (12), the date of issue JJMMAA, key.

    Each key is ``cle97`` of the digits before it on the line. Digits and spaces only (≤ 60),
    which both the 4.91 (digits) and 5.3 (digits, capitals) talon types accept.
    """
    emetteur = "".join(c for c in ref_emetteur if c.isdigit())[-13:].rjust(13, "0")
    corps1 = f"{emetteur} {exercice or 0:04d}{num_bordereau or 0:07d} {num_titre or 0:013d}"
    corps2 = f"{int(to_money(total_ttc).scaleb(2)):012d} {date_emission:%d%m%y}"
    return (f"{corps1} {cle97(corps1.replace(' ', ''))}",
            f"{corps2} {cle97(corps2.replace(' ', ''))}")


# --------------------------------------------------------------------------- rules

_TALON = re.compile(r"[0-9A-Z ]{1,60}")
_CP = re.compile(r"\d{5}")
_LONGUEURS = {"Nom": 38, "ComplNom": 38, "Prenom": 38, "Adr1": 38, "Adr2": 38, "Adr3": 38,
              "Ville": 38}


def _longueur(problemes: list[str], ou: str, valeur: str, maximum: int) -> None:
    if len(valeur or "") > maximum:
        problemes.append(f"{ou} : « {valeur} » trop long ({len(valeur)} caractères, {maximum} au plus)")


def _tiers(problemes: list[str], ou: str, t: TiersFacture, *, adr2: bool) -> None:
    if not t.nom:
        problemes.append(f"{ou}/InfoTiers/Nom manquant")
    if not t.cat_tiers:
        problemes.append(f"{ou}/InfoTiers/CatTiers manquant")
    if not t.nat_jur:
        problemes.append(f"{ou}/InfoTiers/NatJur manquant")
    for champ, valeur in (("Nom", t.nom), ("ComplNom", t.compl_nom), ("Prenom", t.prenom)):
        _longueur(problemes, f"{ou}/InfoTiers/{champ}", valeur, _LONGUEURS[champ])
    a = t.adresse
    if a is None:
        problemes.append(f"{ou}/Adresse manquante")
        return
    if adr2 and not a.adr2:
        problemes.append(f"{ou}/Adresse/Adr2 (numéro et voie) manquant")
    if not a.cp or not a.ville:
        problemes.append(f"{ou}/Adresse : code postal et ville obligatoires")
    elif not a.code_pays and not _CP.fullmatch(a.cp):
        problemes.append(f"{ou}/Adresse/CP « {a.cp} » invalide (5 chiffres)")
    for champ, valeur in (("Adr1", a.adr1), ("Adr2", a.adr2), ("Adr3", a.adr3), ("Ville", a.ville)):
        _longueur(problemes, f"{ou}/Adresse/{champ}", valeur, _LONGUEURS[champ])


def _lignes(problemes: list[str], f: FactureAsap) -> None:
    if not f.lignes:
        problemes.append("FactureIndiv/LigneFacture : au moins une ligne")
    for l in f.lignes:
        ou = f"LigneFacture n° {l.ordre} ({l.libelle[:30]})"
        if not l.libelle:
            problemes.append(f"{ou} : libellé manquant")
        _longueur(problemes, f"{ou}/Libelle", l.libelle, 200)
        chiffres = len(l.quantite.normalize().as_tuple().digits) if l.quantite else 0
        if l.quantite <= 0 or chiffres > 5 or -l.quantite.normalize().as_tuple().exponent > 2:
            problemes.append(f"{ou} : quantité {l.quantite} invalide (positive, 5 chiffres au plus, "
                             f"2 décimales au plus)")
        if l.prix_unitaire_ht <= 0:
            problemes.append(f"{ou} : prix unitaire HT {l.prix_unitaire_ht} (MtUnitaire) non positif")
        if not ZERO <= l.taux_tva < 100:
            problemes.append(f"{ou} : taux de TVA {l.taux_tva} invalide")
        if l.montant_ht <= 0 or l.montant_ttc <= 0 or l.montant_tva < 0:
            problemes.append(f"{ou} : montants HT et TTC positifs, TVA positive ou nulle")
        if l.montant_ht + l.montant_tva != l.montant_ttc:
            problemes.append(f"{ou} : MtHT {l.montant_ht} + MtTVA {l.montant_tva} ≠ MtTTC {l.montant_ttc}")
    if len({x.ordre for x in f.lignes}) != len(f.lignes):
        problemes.append("LigneFacture/Ordre : numéros d'ordre en double")


def _totaux(problemes: list[str], f: FactureAsap) -> None:
    for nom, attendu, donne in (
            ("MtTotalHT", sum((l.montant_ht for l in f.lignes), ZERO), f.total_ht),
            ("MtTotalTVA", sum((l.montant_tva for l in f.lignes), ZERO), f.total_tva),
            ("MtTotalTTC", sum((l.montant_ttc for l in f.lignes), ZERO), f.total_ttc)):
        if attendu != donne:
            problemes.append(f"TotalAPayer/{nom} {donne} ≠ somme des lignes {attendu}")
    if f.total_ttc <= 0:
        problemes.append("TotalAPayer/MtTotalTTC doit être positif")
    if f.mode_recouvrement == "tip" and f.total_ttc > MAX_TIP:
        problemes.append(f"Édition avec TIP : {f.total_ttc} dépasse 150 000,00 € (ModeRecouvrement)")


def anomalies(f: FactureAsap) -> list[str]:
    """Every way ``f`` breaks the ASAP rules of the schemas (empty: it is a valid ASAP)."""
    p: list[str] = []
    if f.type_fact != TYPE_FACT_ASAP:
        p.append(f"TypeFact {f.type_fact or '(absent)'} : une facture ASAP est de type 09")
    _tiers(p, "Emetteur", f.emetteur, adr2=True)
    if not f.ref_bdf:
        p.append("Emetteur/InfoSuppl/RefBdf (numéro émetteur ou ICS) manquant")
    elif not f.ref_bdf.isalnum() or len(f.ref_bdf) > 13:
        p.append(f"Emetteur/InfoSuppl/RefBdf « {f.ref_bdf} » invalide (13 lettres ou chiffres au plus)")
    _longueur(p, "Emetteur/InfoSuppl/HorairesOuv", f.emetteur.horaires, 38)
    _longueur(p, "Emetteur/InfoSuppl/NumTel", f.emetteur.telephone, 20)
    for champ, valeur, maximum in (("Personne/Nom", f.signataire_nom, 38),
                                   ("Personne/Prenom", f.signataire_prenom, 38),
                                   ("Role", f.signataire_role, 50)):
        if not valeur:
            p.append(f"Emetteur/Signataire/{champ} manquant")
        _longueur(p, f"Emetteur/Signataire/{champ}", valeur, maximum)
    if f.centre_encaissement.typ_tiers != "25" or f.tresorerie.typ_tiers != "26":
        p.append("Tiers : un et un seul TypTiers 25 (centre d'encaissement) et 26 (centre des "
                 "finances publiques)")
    ce = f.centre_encaissement.adresse
    if ce is not None and (ce.adr1 or ce.adr2):
        p.append("Tiers 25 (centre d'encaissement) : Adr1 et Adr2 interdits")
    _tiers(p, "Tiers 25 (centre d'encaissement)", f.centre_encaissement, adr2=False)
    _tiers(p, "Tiers 26 (centre des finances publiques)", f.tresorerie, adr2=True)
    _tiers(p, "Debiteur", f.debiteur, adr2=True)
    if not f.numero_facture:
        p.append("FactureIndiv/NumeroFacture manquant")
    _longueur(p, "FactureIndiv/NumeroFacture", f.numero_facture, 50)
    if not f.objet:
        p.append("FactureIndiv/Objet manquant")
    _longueur(p, "FactureIndiv/Objet", f.objet, 160)
    _lignes(p, f)
    _totaux(p, f)
    if not (f.exercice_titre and f.num_bordereau and f.num_titre):
        p.append("RefTitre : exercice, numéro de bordereau et numéro de titre obligatoires")
    elif f.num_bordereau > 9_999_999 or f.num_titre > 9_999_999_999_999:
        p.append("RefTitre : NumBordereau (7 chiffres) ou NumTitre (13 chiffres) trop long")
    if len(f.talon) != 2 or not all(_TALON.fullmatch(l or "") for l in f.talon):
        p.append("TalonOptique2Lignes : deux lignes de 60 chiffres, espaces ou majuscules au plus")
    if not f.modalites_reglement:
        p.append("ModalitesReglement manquant")
    _longueur(p, "ModalitesReglement", f.modalites_reglement, 250)
    _longueur(p, "ModalitesContestation", f.modalites_contestation, 420)
    if f.mode_recouvrement not in ("talon", "tip"):
        p.append("ModeRecouvrement manquant")
    if not f.conditions_generales:
        p.append("ConditionsGen manquant")
    _longueur(p, "ConditionsGen", f.conditions_generales, 250)
    return p
