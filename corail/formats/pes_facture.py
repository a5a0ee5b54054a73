"""PES_Facture ASAP (TypeFact 09): the avis des sommes à payer of a titre, built and read.

The PES_Facture travels as a PJ of the PES Aller (PES_PJ TypePJ 006, the titre's PJRef points to
it); its namespace is ``…/pes_v2/facture/r0/aller``, children unqualified, every leaf value in a
``V`` attribute, encoded ISO-8859-1. Element order follows the DGFiP schemas (TPESFacture of
Class_PESFacture.xsd v4.91; TFacturePESIndiv, TTiersEmetteur, TTiersFacture, TAdresseFacture of
PES 5.3, libriciel/s2low) — formats-pes-v2.md §2.3.

* ``construire(facture)`` → the XML bytes of a ``FactureAsap`` (``anomalies`` must be empty).
* ``lire(donnees, nom)`` → the ``FactureAsap`` of a file produced by a billing program, read
  safely (no DTD, no entities, no network, ``TAILLE_MAX``); ``PESFactureRefusee`` names the file
  and the element. The ASAP rules are then checked by ``anomalies``.

**[inferred]** The root element name (``PES_Facture``) is not in the schema parts available; the
talon optique layout (``talon_optique``) is Corail's own, the DGFiP "norme HEL" not being public:
two lines of digits and spaces, keys modulo 97. Tiers 25 is the DGFiP centre d'encaissement whose
address (``CENTRE_ENCAISSEMENT``) is the one printed on the avis — to confirm with the trésorerie.
"""
from __future__ import annotations

import unicodedata
from decimal import Decimal

from lxml import etree

from corail.errors import ValidationError
from corail.formats.pes_facture_lecture import lire  # noqa: F401  (re-exported)
from corail.formats.pes_facture_types import (  # noqa: F401  (re-exported)
    CENTRE_ENCAISSEMENT,
    NS,
    RACINE,
    TYPE_FACT_ASAP,
    Adresse,
    FactureAsap,
    LigneAsap,
    PESFactureRefusee,
    TiersFacture,
    anomalies,
    talon_optique,
)

__all__ = ["construire", "lire", "anomalies", "talon_optique", "FactureAsap", "LigneAsap",
           "TiersFacture", "Adresse", "PESFactureRefusee", "NS", "RACINE", "CENTRE_ENCAISSEMENT",
           "texte_latin1"]

_TRADUCTION = str.maketrans({"€": "EUR", "‘": "'", "’": "'", "“": '"', "”": '"', "–": "-",
                             "—": "-", "…": "...", "œ": "oe", "Œ": "OE", "Ł": "L", "ł": "l", "Đ": "D", "đ": "d", "\u202f": " ",
                             "\u2009": " ", "\t": " ", "\n": " ", "\r": " "})


def texte_latin1(texte: str | None) -> str:
    """The text as ISO-8859-1 can carry it: typographic signs simplified, € as EUR, other
    characters without their accent (or "?")."""
    texte = unicodedata.normalize("NFC", (texte or "").translate(_TRADUCTION)).strip()
    try:
        texte.encode("iso-8859-1")
        return texte
    except UnicodeEncodeError:
        pass
    sortie = []
    for c in texte:
        try:
            c.encode("iso-8859-1")
            sortie.append(c)
        except UnicodeEncodeError:
            base = "".join(b for b in unicodedata.normalize("NFKD", c) if not unicodedata.combining(b))
            sortie.append(base if base and base.isascii() else "?")
    return "".join(sortie)


def montant(valeur: Decimal) -> str:
    return f"{valeur:.2f}"


def quantite(valeur: Decimal) -> str:
    """``3``, ``2.5``, ``12345``: no useless zeros (the ASAP allows 5 digits)."""
    texte = f"{valeur.normalize():f}"
    return texte.rstrip("0").rstrip(".") if "." in texte else texte


def _feuille(parent: etree._Element, nom: str, valeur: object) -> None:
    if valeur is None or valeur == "":
        return
    etree.SubElement(parent, nom, V=texte_latin1(str(valeur)))


def _info_tiers(parent: etree._Element, t: TiersFacture) -> None:
    info = etree.SubElement(parent, "InfoTiers")
    _feuille(info, "IdTiers", t.id_tiers)
    _feuille(info, "NatIdTiers", t.nat_id_tiers if t.id_tiers else "")
    _feuille(info, "CatTiers", t.cat_tiers)
    _feuille(info, "NatJur", t.nat_jur)
    _feuille(info, "TypTiers", t.typ_tiers)
    _feuille(info, "Civilite", t.civilite)
    _feuille(info, "Nom", t.nom)
    _feuille(info, "ComplNom", t.compl_nom)
    _feuille(info, "Prenom", t.prenom)


def _adresse(parent: etree._Element, a: Adresse | None) -> None:
    if a is None:
        return
    el = etree.SubElement(parent, "Adresse")
    _feuille(el, "TypAdr", "1")
    _feuille(el, "Adr1", a.adr1)
    _feuille(el, "Adr2", a.adr2)
    _feuille(el, "Adr3", a.adr3)
    _feuille(el, "CP", a.cp)
    _feuille(el, "Ville", a.ville)
    _feuille(el, "CodRes", "1" if a.code_pays else "0")
    _feuille(el, "CodPays", a.code_pays)


def _tiers(parent: etree._Element, nom: str, t: TiersFacture) -> None:
    el = etree.SubElement(parent, nom)
    _info_tiers(el, t)
    if t.telephone or t.horaires:
        suppl = etree.SubElement(el, "InfoSupplTiers")
        _feuille(suppl, "NumTel2", t.telephone)
        _feuille(suppl, "HorairesOuv2", t.horaires)
    _adresse(el, t.adresse)


def _emetteur(racine: etree._Element, f: FactureAsap) -> None:
    el = etree.SubElement(racine, "Emetteur")
    _info_tiers(el, f.emetteur)
    _adresse(el, f.emetteur.adresse)
    suppl = etree.SubElement(el, "InfoSuppl")
    _feuille(suppl, "NumTel", f.emetteur.telephone)
    _feuille(suppl, "HorairesOuv", f.emetteur.horaires)
    _feuille(suppl, "RefBdf", f.ref_bdf)
    signataire = etree.SubElement(el, "Signataire")
    personne = etree.SubElement(signataire, "Personne")
    _feuille(personne, "Nom", f.signataire_nom)
    _feuille(personne, "Prenom", f.signataire_prenom)
    _feuille(signataire, "Role", f.signataire_role)


def _ligne(parent: etree._Element, l: LigneAsap) -> None:
    el = etree.SubElement(parent, "LigneFacture")
    _feuille(el, "Date", l.date.isoformat() if l.date else None)
    _feuille(el, "Libelle", l.libelle)
    _feuille(el, "Quantite", quantite(l.quantite))
    _feuille(el, "MtUnitaire", montant(l.prix_unitaire_ht))
    _feuille(el, "MtHT", montant(l.montant_ht))
    _feuille(el, "TauxTVA", montant(l.taux_tva))
    _feuille(el, "MtTVA", montant(l.montant_tva))
    _feuille(el, "MtTTC", montant(l.montant_ttc))
    _feuille(el, "Ordre", l.ordre)


def _facture_indiv(racine: etree._Element, f: FactureAsap) -> None:
    el = etree.SubElement(racine, "FactureIndiv")
    _feuille(el, "DateEmission", f.date_emission.isoformat())
    _feuille(el, "NumeroFacture", f.numero_facture)
    _tiers(el, "Debiteur", f.debiteur)
    _feuille(el, "Objet", f.objet)
    for ligne in f.lignes:
        _ligne(el, ligne)
    total = etree.SubElement(el, "TotalAPayer")
    _feuille(total, "MtTotalHT", montant(f.total_ht))
    _feuille(total, "MtTotalTVA", montant(f.total_tva))
    _feuille(total, "MtTotalTTC", montant(f.total_ttc))
    ref = etree.SubElement(el, "RefTitre")
    _feuille(ref, "Exercice", f.exercice_titre)
    _feuille(ref, "NumBordereau", f.num_bordereau)
    _feuille(ref, "NumTitre", f.num_titre)
    _feuille(ref, "NumLigne", 1)
    talon = etree.SubElement(el, "TalonOptique2Lignes")
    _feuille(talon, "Ligne1", f.talon[0])
    _feuille(talon, "Ligne2", f.talon[1])
    _feuille(el, "ModalitesReglement", f.modalites_reglement)
    _feuille(el, "ModalitesContestation", f.modalites_contestation)
    # ModeRecouvrement (Base_Booleen): 0 = édition avec TIP, 1 = avec talon (Class_FacturePESIndiv)
    _feuille(el, "ModeRecouvrement", "0" if f.mode_recouvrement == "tip" else "1")
    _feuille(el, "ConditionsGen", f.conditions_generales)


def construire(f: FactureAsap) -> bytes:
    """The PES_Facture XML (ISO-8859-1) of an ASAP; ValidationError listing every anomaly."""
    problemes = anomalies(f)
    if problemes:
        raise ValidationError("PES Facture ASAP impossible à produire :", choix=problemes)
    racine = etree.Element(f"{{{NS}}}{RACINE}", nsmap={"n": NS})
    _feuille(racine, "IdVer", "2")
    _feuille(racine, "Annee", f.annee)
    _feuille(racine, "TypeFact", TYPE_FACT_ASAP)
    _feuille(racine, "Date", f.date.isoformat())
    _emetteur(racine, f)
    for t in (f.centre_encaissement, f.tresorerie):
        _tiers(racine, "Tiers", t)
    _facture_indiv(racine, f)
    etree.SubElement(racine, "Nomenclatures")  # required, its children are not for an ASAP
    return etree.tostring(racine, xml_declaration=True, encoding="ISO-8859-1", pretty_print=True)
