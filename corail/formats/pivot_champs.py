"""Fields of one CPPFacturePivotUnitaire (a small element tree) turned into ``PivotFacture``,
every value checked: mandatory elements, dates, decimals, codes. Elements are found by their
local names (no namespace assumed) through a ``Noeud``: the paths of a tree indexed once.

Amounts stay exact Decimals as written (up to 6 decimals); the rounding to the cent
happens when they are recorded (``money.to_money``).
"""
from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation

from corail.errors import ValidationError
from corail.formats.pivot_types import (
    TYPE_AVOIR, TYPE_FACTURE, PivotFacture, PivotLigne, PivotPJ, PivotTva,
)

_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:Z|[+-]\d{2}:\d{2}|T.*)?$")
_DECIMAL = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
MAX_MONTANT = Decimal("1e12")
MAX_NUMORDRE = 2**31 - 1  # an INTEGER column
MAX_ID_CPRO = 2**63 - 1  # a BIGINT column


def chiffres(valeur: str | None) -> bool:
    """Only the ASCII digits 0-9 ("²".isdigit() is True, but int("²") fails)."""
    return bool(valeur) and valeur.isascii() and valeur.isdigit()


def numordre(valeur: str | None, defaut: int, ou: str) -> int:
    """A ``NumOrdre`` attribute: its rank when absent or not a number, refused beyond an INTEGER."""
    if not chiffres(valeur):
        return defaut
    if len(valeur) > 10 or int(valeur) > MAX_NUMORDRE:
        raise _refus(f"{ou} : attribut NumOrdre « {valeur[:40]} » hors limites")
    return int(valeur)


def _refus(message: str) -> ValidationError:
    from corail.formats.pivot_reader import PivotRefuse

    return PivotRefuse(message)


def _local(tag: str) -> str:
    return tag.rpartition("}")[2] if tag[:1] == "{" else tag


class Noeud:
    """An element and its descendants indexed once by local-name path (``DonneesFacture/Id``):
    each lookup is a dict access, whatever the namespaces. ``find`` gives the first element
    of a path in document order, as ElementPath does."""

    __slots__ = ("element", "_chemins")

    def __init__(self, element) -> None:
        self.element = element
        self._chemins: dict[str, list] = {}
        self._indexer(element, "")

    def _indexer(self, element, prefixe: str) -> None:
        for enfant in element:
            tag = enfant.tag
            if not isinstance(tag, str):  # a comment or an entity left by the parser
                continue
            chemin = prefixe + (tag if tag[0] != "{" else tag[tag.index("}") + 1:])
            deja = self._chemins.get(chemin)
            if deja is None:
                self._chemins[chemin] = [enfant]
            else:
                deja.append(enfant)
            if len(enfant):
                self._indexer(enfant, chemin + "/")

    def find(self, chemin: str):
        trouves = self._chemins.get(chemin)
        return trouves[0] if trouves else None

    def findall(self, chemin: str) -> list:
        return self._chemins.get(chemin, [])

    def get(self, attribut: str) -> str | None:
        """An attribute by its local name."""
        valeur = self.element.get(attribut)
        if valeur is None:
            for cle, v in self.element.attrib.items():
                if _local(cle) == attribut:
                    return v
        return valeur


def noeud(el) -> Noeud:
    return el if isinstance(el, Noeud) else Noeud(el)


def texte(el: Noeud, chemin: str, ou: str, *, obligatoire: bool = False,
          max_len: int | None = None) -> str | None:
    """The stripped text at ``chemin`` (``A/B``), None when absent or empty."""
    trouve = el.find(chemin)
    valeur = None if trouve is None else (trouve.text or "").strip() or None
    if valeur is None and obligatoire:
        raise _refus(f"{ou} : élément {chemin} manquant")
    if valeur is not None and max_len is not None and len(valeur) > max_len:
        raise _refus(f"{ou} : élément {chemin} trop long ({len(valeur)} caractères, {max_len} au plus)")
    return valeur


def date_pivot(valeur: str, ou: str) -> date:
    m = _DATE.match(valeur.strip())
    try:
        if not m:
            raise ValueError
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        raise _refus(f"{ou} : date invalide « {valeur} » (AAAA-MM-JJ attendu)") from None


def decimal_pivot(valeur: str, ou: str) -> Decimal:
    if not _DECIMAL.match(valeur.strip()):
        raise _refus(f"{ou} : nombre invalide « {valeur[:40]} »")
    try:
        nombre = Decimal(valeur.strip())
    except InvalidOperation:
        raise _refus(f"{ou} : nombre invalide « {valeur[:40]} »") from None
    if abs(nombre) >= MAX_MONTANT:
        raise _refus(f"{ou} : nombre hors limites « {valeur[:40]} »")
    return nombre


def _date(el, chemin: str, ou: str, obligatoire: bool = False) -> date | None:
    valeur = texte(el, chemin, ou, obligatoire=obligatoire)
    return None if valeur is None else date_pivot(valeur, f"{ou}, élément {chemin}")


def _dec(el, chemin: str, ou: str, obligatoire: bool = False) -> Decimal | None:
    valeur = texte(el, chemin, ou, obligatoire=obligatoire)
    return None if valeur is None else decimal_pivot(valeur, f"{ou}, élément {chemin}")


def facture(el, nom_fichier: str, rang: int) -> PivotFacture:
    """One invoice (an element or its ``Noeud``); ``rang`` is its position in the flux (for
    messages before its number is known)."""
    el = noeud(el)
    numero = texte(el, "DonneesFacture/Id", f"{nom_fichier}, facture n° {rang} du flux",
                   obligatoire=True, max_len=50)
    ou = f"{nom_fichier}, facture {numero}"
    type_code = texte(el, "DonneesFacture/Type", ou, obligatoire=True)
    if type_code not in (TYPE_FACTURE, TYPE_AVOIR):
        raise _refus(f"{ou} : élément DonneesFacture/Type « {type_code} » inconnu "
                     f"(380 facture, 381 avoir)")
    id_cpro = texte(el, "DonneesFacture/IdCPRO", ou)
    if id_cpro is not None and not chiffres(id_cpro):
        raise _refus(f"{ou} : élément DonneesFacture/IdCPRO « {id_cpro[:40]} » non numérique")
    if id_cpro is not None and (len(id_cpro) > 19 or int(id_cpro) > MAX_ID_CPRO):
        raise _refus(f"{ou} : élément DonneesFacture/IdCPRO « {id_cpro[:40]} » hors limites")
    tvas = tuple(
        PivotTva(taux=_dec(t, "Taux", f"{ou}, TVA", True), base_ht=_dec(t, "BaseHt", f"{ou}, TVA", True),
                 montant_tva=_dec(t, "MontantTVA", f"{ou}, TVA", True))
        for t in map(Noeud, el.findall("DonneesFacture/TVAs/TVA")))
    lignes = []
    for i, lg in enumerate(map(Noeud, el.findall("DonneesFacture/Lignes/Ligne")), 1):
        lou = f"{ou}, ligne {lg.get('NumOrdre') or i}"
        lignes.append(PivotLigne(
            numordre=numordre(lg.get("NumOrdre"), i, lou),
            prix_unitaire=_dec(lg, "PrixUnitaire", lou, True), quantite=_dec(lg, "Quantite", lou, True),
            montant_ht=_dec(lg, "MontantHT", lou, True),
            reference_produit=texte(lg, "ReferenceProduit", lou, max_len=100),
            taux_tva=_dec(lg, "TauxTVA", lou)))
    ref = el.find("Fournisseur/ReferenceBancaire")
    rang_flux = numordre(el.get("NumOrdre"), rang, ou)
    return PivotFacture(
        numero=numero,
        fournisseur_identifiant=texte(el, "Fournisseur/Identifiant", ou, obligatoire=True, max_len=50),
        fournisseur_raison_sociale=texte(el, "Fournisseur/RaisonSociale", ou, obligatoire=True,
                                         max_len=255),
        debiteur_identifiant=texte(el, "Debiteur/Identifiant", ou, obligatoire=True, max_len=14),
        date_emission=_date(el, "DonneesFacture/DateEmissionFacture", ou, True),
        date_reception=_date(el, "DonneesFacture/DateReception", ou, True),
        montant_ht=_dec(el, "DonneesFacture/Montants/MontantHT", ou, True),
        montant_ttc=_dec(el, "DonneesFacture/Montants/MontantTTC", ou, True),
        montant_net=_dec(el, "DonneesFacture/Montants/MontantNetAPayer", ou, True),
        type_facture=type_code,
        cadre=texte(el, "DonneesFacture/Cadre", ou, max_len=5) or "A1",
        fournisseur_type_identifiant=texte(el, "Fournisseur/TypeIdentifiant", ou, max_len=2) or "1",
        fournisseur_code_pays=texte(el, "Fournisseur/CodePays", ou, max_len=2) or "FR",
        mode_emission=texte(el, "Fournisseur/ModeEmission", ou, max_len=20) or "flux",
        reference_bancaire_type=None if ref is None else (ref.get("Type") or None),
        reference_bancaire_compte=texte(el, "Fournisseur/ReferenceBancaire/Compte", ou, max_len=50),
        reference_bancaire_etablissement=texte(el, "Fournisseur/ReferenceBancaire/Etablissement", ou,
                                               max_len=100),
        debiteur_nom=texte(el, "Debiteur/Nom", ou, max_len=255),
        code_service=texte(el, "Debiteur/CodeService", ou, max_len=100),
        nom_service=texte(el, "Debiteur/NomService", ou, max_len=255),
        id_cpro=None if id_cpro is None else int(id_cpro),
        renvoi=texte(el, "DonneesFacture/Renvoi", ou, max_len=20),
        id_facture_origine=texte(el, "DonneesFacture/IdFactureOrigine", ou, max_len=50),
        date_livraison=_date(el, "DonneesFacture/DateLivraison", ou),
        mode_paiement_code=texte(el, "DonneesFacture/ModePaiement/Code", ou, max_len=2) or "30",
        mode_paiement_libelle=texte(el, "DonneesFacture/ModePaiement/Libelle", ou, max_len=100),
        devise=texte(el, "DonneesFacture/Devise", ou, max_len=3) or "EUR",
        tvas=tvas,
        numero_marche=texte(el, "DonneesFacture/Engagement/NumeroMarche", ou, max_len=50),
        numero_engagement=texte(el, "DonneesFacture/Engagement/NumeroEngagement", ou, max_len=50),
        lignes=tuple(lignes),
        numordre=rang_flux,
    )


def pj(el, ou: str) -> PivotPJ:
    """A PJ's metadata (its bytes are read elsewhere); ``el`` an element or its ``Noeud``."""
    el = noeud(el)
    rang = numordre(el.get("NumOrdre"), 1, ou)
    type_pj = texte(el, "TypePJ", ou, obligatoire=True)
    if type_pj not in ("01", "02"):
        raise _refus(f"{ou} : élément TypePJ « {type_pj} » inconnu (01 facture, 02 pièce complémentaire)")
    return PivotPJ(
        numordre=rang,
        nom=texte(el, "NomPJ", ou, obligatoire=True, max_len=255),
        type_pj=type_pj,
        mime=texte(el, "MimeTypePJ", ou, max_len=100) or "application/octet-stream",
        nom_origine=texte(el, "NomPJOrigine", ou, max_len=255),
        categorie=texte(el, "CategoriePJ", ou, max_len=50),
        id_original=texte(el, "IdOriginal", ou, max_len=50),
    )
