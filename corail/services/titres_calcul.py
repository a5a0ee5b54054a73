"""What a titre de recettes is made of, with no database: the PES codes of the recette side
(formats-pes-v2.md §4.2, CommunRecette.xsd 5.3), the Type ASAP PES, and the exact HT / TVA /
TTC of a line (``money.to_money``'s one rounding rule: HT + TVA = TTC to the cent).

``services/titres`` re-exports all of it; screens and the ASAP and PES modules may import
from either.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from corail.errors import ValidationError
from corail.money import ZERO, to_money

#: PES TypPce of a titre (CommunRecette.xsd 5.3); 06, 07 (rôles) and 15 (ORMC) are not entered here
TYPES_PCE = {
    "01": "Titre ordinaire", "02": "Titre correctif", "03": "Ordre budgétaire", "04": "Ordre mixte",
    "05": "Émis après encaissement", "09": "Majoration", "10": "Plusieurs années",
    "11": "Rattachement", "12": "Ordre de recette ordonnateur", "14": "Produits constatés d'avance",
}
#: PES NatPce of a titre; 06 is given to the annulations/réductions only
NATURES_PCE = {
    "01": "Fonctionnement", "02": "Investissement", "03": "Inventaire", "04": "Emprunt",
    "05": "Régie", "06": "Annulation-réduction", "07": "Complémentaire", "08": "Réémis",
    "09": "Annulant un mandat", "10": "Annulation du titre de rattachement", "11": "Marché",
    "18": "Opération d'ordre liée aux cessions",
}
NAT_ANNULATION = "06"
#: Type ASAP PES (PES ``Edition``): how the avis des sommes à payer reaches the débiteur
TYPES_ASAP = {
    "01": "Avis des sommes à payer à éditer",
    "02": "Avis des sommes à payer CPP",
    "04": "Avis des sommes à payer sans traitement DGFIP",
}


@dataclass(frozen=True)
class MontantsLigne:
    ht: Decimal
    tva: Decimal
    ttc: Decimal


def calculer_ligne(montant: Decimal | str, taux_tva: Decimal | str | None, *, avec_tva: bool,
                   saisie_ttc: bool) -> MontantsLigne:
    """HT, TVA and TTC of a line, each to the cent (money.to_money's one rounding rule)."""
    m = to_money(montant)
    if not avec_tva:
        return MontantsLigne(m, ZERO, m)
    taux = lire_taux(taux_tva)
    if saisie_ttc:
        ht = to_money(m * 100 / (100 + taux))
        return MontantsLigne(ht, m - ht, m)
    tva = to_money(m * taux / 100)
    return MontantsLigne(m, tva, m + tva)


def lire_taux(taux: Decimal | str | None) -> Decimal:
    """A taux de TVA in percent: 0 to 99.99, two decimals at most ("20", "5,5")."""
    if taux is None or str(taux).strip() == "":
        raise ValidationError("Taux de TVA manquant (titre avec TVA)")
    if isinstance(taux, float):
        raise TypeError("un taux ne se construit jamais depuis un float")
    try:
        valeur = Decimal(str(taux).strip().replace(",", "."))
    except InvalidOperation:
        raise ValidationError(f"Taux de TVA illisible : « {taux} »") from None
    if not valeur.is_finite() or not ZERO <= valeur < 100 or valeur != valeur.quantize(Decimal("0.01")):
        raise ValidationError(f"Taux de TVA invalide : « {taux} » (0 à 99,99 %)")
    return valeur.normalize() if valeur == valeur.to_integral_value() else valeur
