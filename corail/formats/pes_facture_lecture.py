"""Reading a PES_Facture produced by a billing program (an ASAP to attach to a titre).

ASAP files are small: the file is parsed whole, but safely — size limited (``TAILLE_MAX``), no
DTD (refused), no entity expansion, no network, comments and processing instructions dropped.
Children may be unqualified (as the schema says) or carry the PES_Facture namespace. Every
refusal is a ``PESFactureRefusee`` naming the file and the element; the ASAP rules themselves
are checked afterwards by ``pes_facture_types.anomalies``.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal, InvalidOperation

from lxml import etree

from corail.formats.pes_facture_types import (
    NS,
    Adresse,
    FactureAsap,
    LigneAsap,
    PESFactureRefusee,
    TiersFacture,
)

TAILLE_MAX = 5 * 1024 * 1024
RACINES = ("PES_Facture", "PESFacture")
_ANCIEN_NS = "http://www.minefi.gouv.fr/cp/helios/pes_v2/facture"


def _local(el: etree._Element) -> str:
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


class _Lecteur:
    def __init__(self, nom: str) -> None:
        self.nom = nom

    def refus(self, message: str) -> PESFactureRefusee:
        return PESFactureRefusee(f"{self.nom} : {message}")

    def enfants(self, el: etree._Element | None, nom: str) -> list[etree._Element]:
        return [] if el is None else [c for c in el if _local(c) == nom]

    def enfant(self, el: etree._Element | None, chemin: str) -> etree._Element | None:
        for nom in chemin.split("/"):
            trouves = self.enfants(el, nom)
            el = trouves[0] if trouves else None
            if el is None:
                return None
        return el

    def v(self, el: etree._Element | None, chemin: str, ou: str) -> str:
        cible = self.enfant(el, chemin)
        if cible is None:
            return ""
        valeur = cible.get("V")
        if valeur is None:
            raise self.refus(f"{ou}/{chemin} sans attribut V (les valeurs PES sont dans V=\"…\")")
        return valeur.strip()

    def montant(self, el, chemin: str, ou: str, *, requis: bool = True) -> Decimal:
        texte = self.v(el, chemin, ou)
        if not texte:
            if requis:
                raise self.refus(f"{ou}/{chemin} manquant")
            return Decimal("0.00")
        try:
            valeur = Decimal(texte)
        except InvalidOperation:
            raise self.refus(f"{ou}/{chemin} : nombre « {texte} » illisible") from None
        if not valeur.is_finite() or abs(valeur) >= Decimal("1e13"):
            raise self.refus(f"{ou}/{chemin} : nombre « {texte} » invalide")
        return valeur

    def date(self, el, chemin: str, ou: str, *, requis: bool = True) -> date | None:
        texte = self.v(el, chemin, ou)
        if not texte:
            if requis:
                raise self.refus(f"{ou}/{chemin} manquant")
            return None
        try:
            return date.fromisoformat(texte)
        except ValueError:
            raise self.refus(f"{ou}/{chemin} : date « {texte} » invalide (AAAA-MM-JJ)") from None

    def entier(self, el, chemin: str, ou: str) -> int | None:
        texte = self.v(el, chemin, ou)
        if not texte:
            return None
        if not (texte.isascii() and texte.isdigit()):  # "²".isdigit() is True
            raise self.refus(f"{ou}/{chemin} : « {texte[:40]} » n'est pas un nombre entier")
        if len(texte) > 9:
            raise self.refus(f"{ou}/{chemin} : nombre « {texte[:40]} » hors limites")
        return int(texte)

    def tiers(self, el: etree._Element, ou: str) -> TiersFacture:
        info = self.enfant(el, "InfoTiers")
        if info is None:
            raise self.refus(f"{ou}/InfoTiers manquant")
        adresse = self.enfant(el, "Adresse")
        a = None
        if adresse is not None:
            w = lambda c: self.v(adresse, c, f"{ou}/Adresse")  # noqa: E731
            a = Adresse(adr2=w("Adr2"), cp=w("CP"), ville=w("Ville"), adr1=w("Adr1"), adr3=w("Adr3"),
                        code_pays=w("CodPays") if w("CodRes") in ("1", "true") else "")
        w = lambda c: self.v(info, c, f"{ou}/InfoTiers")  # noqa: E731
        suppl = self.enfant(el, "InfoSupplTiers")
        return TiersFacture(
            nom=w("Nom"), typ_tiers=w("TypTiers"), cat_tiers=w("CatTiers"), nat_jur=w("NatJur"),
            adresse=a, compl_nom=w("ComplNom"), prenom=w("Prenom"), civilite=w("Civilite"),
            id_tiers=w("IdTiers"), nat_id_tiers=w("NatIdTiers"),
            telephone=self.v(suppl, "NumTel2", ou), horaires=self.v(suppl, "HorairesOuv2", ou))

    def ligne(self, el: etree._Element, n: int) -> LigneAsap:
        ou = f"FactureIndiv/LigneFacture n° {n}"
        ordre = self.entier(el, "Ordre", ou)
        if ordre is None:
            raise self.refus(f"{ou}/Ordre manquant")
        if self.enfant(el, "MtUnitaire") is None or self.enfant(el, "Quantite") is None:
            raise self.refus(f"{ou} : Quantite et MtUnitaire attendus (remises et MtBase non gérés)")
        return LigneAsap(
            ordre=ordre, libelle=self.v(el, "Libelle", ou),
            quantite=self.montant(el, "Quantite", ou),
            prix_unitaire_ht=self.montant(el, "MtUnitaire", ou),
            taux_tva=self.montant(el, "TauxTVA", ou), montant_ht=self.montant(el, "MtHT", ou),
            montant_tva=self.montant(el, "MtTVA", ou), montant_ttc=self.montant(el, "MtTTC", ou),
            date=self.date(el, "Date", ou, requis=False) or self.date(el, "DateDebut", ou, requis=False))

    def facture(self, racine: etree._Element) -> FactureAsap:
        avertissements = []
        if etree.QName(racine).namespace not in (NS, None):
            avertissements.append(f"espace de noms « {etree.QName(racine).namespace} » (attendu {NS})")
        emetteur = self.enfant(racine, "Emetteur")
        if emetteur is None:
            raise self.refus("Emetteur manquant")
        indivs = self.enfants(racine, "FactureIndiv")
        if len(indivs) != 1:
            raise self.refus(f"{len(indivs)} FactureIndiv : une ASAP porte une seule facture, celle "
                             f"du titre")
        fi = indivs[0]
        debiteur = self.enfant(fi, "Debiteur")
        if debiteur is None:
            raise self.refus("FactureIndiv/Debiteur manquant")
        tiers = [self.tiers(t, f"Tiers n° {n}") for n, t in enumerate(self.enfants(racine, "Tiers"), 1)]
        par_type = {code: [t for t in tiers if t.typ_tiers == code] for code in ("25", "26")}
        for code, libelle in (("25", "centre d'encaissement"), ("26", "centre des finances publiques")):
            if len(par_type[code]) != 1:
                raise self.refus(f"Tiers : {len(par_type[code])} TypTiers {code} ({libelle}), "
                                 f"il en faut un et un seul")
        suppl = self.enfant(emetteur, "InfoSuppl")
        mode = self.v(fi, "ModeRecouvrement", "FactureIndiv")
        talon = self.enfant(fi, "TalonOptique2Lignes")
        for bloc in ("TotalAPayer", "RefTitre", "TalonOptique2Lignes"):
            if self.enfant(fi, bloc) is None:
                raise self.refus(f"FactureIndiv/{bloc} manquant (obligatoire pour une ASAP)")
        return FactureAsap(
            annee=self.entier(racine, "Annee", "PES_Facture") or 0,
            date=self.date(racine, "Date", "PES_Facture"),
            emetteur=replace(self.tiers(emetteur, "Emetteur"),
                             telephone=self.v(suppl, "NumTel", "Emetteur/InfoSuppl"),
                             horaires=self.v(suppl, "HorairesOuv", "Emetteur/InfoSuppl")),
            ref_bdf=self.v(suppl, "RefBdf", "Emetteur/InfoSuppl"),
            signataire_nom=self.v(emetteur, "Signataire/Personne/Nom", "Emetteur"),
            signataire_prenom=self.v(emetteur, "Signataire/Personne/Prenom", "Emetteur"),
            signataire_role=self.v(emetteur, "Signataire/Role", "Emetteur"),
            centre_encaissement=par_type["25"][0], tresorerie=par_type["26"][0],
            date_emission=self.date(fi, "DateEmission", "FactureIndiv"),
            numero_facture=self.v(fi, "NumeroFacture", "FactureIndiv"),
            debiteur=self.tiers(debiteur, "FactureIndiv/Debiteur"),
            objet=self.v(fi, "Objet", "FactureIndiv"),
            lignes=tuple(self.ligne(l, n) for n, l in enumerate(self.enfants(fi, "LigneFacture"), 1)),
            total_ht=self.montant(fi, "TotalAPayer/MtTotalHT", "FactureIndiv"),
            total_tva=self.montant(fi, "TotalAPayer/MtTotalTVA", "FactureIndiv", requis=False),
            total_ttc=self.montant(fi, "TotalAPayer/MtTotalTTC", "FactureIndiv"),
            exercice_titre=self.entier(fi, "RefTitre/Exercice", "FactureIndiv"),
            num_bordereau=self.entier(fi, "RefTitre/NumBordereau", "FactureIndiv"),
            num_titre=self.entier(fi, "RefTitre/NumTitre", "FactureIndiv"),
            talon=(self.v(talon, "Ligne1", "TalonOptique2Lignes"),
                   self.v(talon, "Ligne2", "TalonOptique2Lignes")),
            modalites_reglement=self.v(fi, "ModalitesReglement", "FactureIndiv"),
            modalites_contestation=self.v(fi, "ModalitesContestation", "FactureIndiv"),
            mode_recouvrement={"0": "tip", "true": "tip", "1": "talon", "false": "talon"}.get(mode, ""),
            conditions_generales=self.v(fi, "ConditionsGen", "FactureIndiv"),
            type_fact=self.v(racine, "TypeFact", "PES_Facture"),
            avertissements=tuple(avertissements))


def lire(donnees: bytes, nom: str) -> FactureAsap:
    """The ASAP of a PES_Facture file's bytes; ``nom`` names the file in the messages."""
    lecteur = _Lecteur(nom)
    if len(donnees) > TAILLE_MAX:
        raise lecteur.refus(f"fichier trop volumineux pour une PES Facture ASAP "
                            f"({len(donnees) // 1024} Ko, {TAILLE_MAX // 1024 // 1024} Mo au plus)")
    if not donnees.strip():
        raise lecteur.refus("fichier vide")
    if b"<!doctype" in donnees[:4096].lower():
        raise lecteur.refus("DTD interdite dans une PES Facture (<!DOCTYPE>)")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                             huge_tree=False, remove_comments=True, remove_pis=True)
    try:
        racine = etree.fromstring(donnees, parser)
    except etree.XMLSyntaxError as exc:
        ligne = f" (ligne {exc.lineno})" if getattr(exc, "lineno", None) else ""
        raise lecteur.refus(f"ce n'est pas un fichier XML lisible{ligne}") from None
    except ValueError:
        raise lecteur.refus("XML invalide (nom d'élément ou d'attribut incorrect)") from None
    if racine.getroottree().docinfo.doctype:
        raise lecteur.refus("DTD interdite dans une PES Facture (<!DOCTYPE>)")
    if _local(racine) not in RACINES:
        raise lecteur.refus(f"ce n'est pas une PES Facture (élément racine « {_local(racine)} », "
                            f"attendu « PES_Facture »)")
    if etree.QName(racine).namespace not in (NS, _ANCIEN_NS, None):
        raise lecteur.refus(f"espace de noms « {etree.QName(racine).namespace} » inconnu pour une "
                            f"PES Facture (attendu {NS})")
    return lecteur.facture(racine)
