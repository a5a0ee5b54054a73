"""An amount written in French words, as on a mandat or a bordereau.

``montant_en_lettres(Decimal("3277.42"))`` →
``"trois mille deux cent soixante-dix-sept euros et quarante-deux centimes"``.

The numbers come from num2words (``lang="fr"``, traditional spelling:
*quatre-vingts*, *deux cents*, *vingt et un*); this module adds what the
currency mode of num2words gets wrong:

* singular and plural: *zéro euro*, *un euro*, *deux euros*, *un centime*;
* *d'euros* after a round *million(s)* / *milliard(s)*: *un million d'euros*
  but *un million deux cent mille euros*;
* no *et zéro centime*: ``80`` → *quatre-vingts euros*; less than one euro
  is said in centimes only: ``0.01`` → *un centime*;
* a negative amount (annulation / réduction) starts with *moins*.

(num2words' own ``to="currency"`` reads an ``int`` as centimes and says
*zéro euros*: it is not used.)
"""
from __future__ import annotations

from decimal import Decimal

from num2words import num2words

from corail.money import to_money

__all__ = ["montant_en_lettres", "nombre_en_lettres"]


def nombre_en_lettres(nombre: int) -> str:
    """A whole number ≥ 0 in French words: ``80`` → ``"quatre-vingts"``."""
    if nombre < 0:
        raise ValueError("nombre_en_lettres attend un entier positif ou nul")
    return num2words(nombre, lang="fr")


def _unite(nombre: int, singulier: str, pluriel: str) -> str:
    mots = nombre_en_lettres(nombre)
    if nombre < 2:  # « zéro euro », « un euro »
        return f"{mots} {singulier}"
    if mots.endswith(("million", "millions", "milliard", "milliards")):
        return f"{mots} d'{pluriel}" if pluriel[0] in "aeiouy" else f"{mots} de {pluriel}"
    return f"{mots} {pluriel}"


def montant_en_lettres(montant: Decimal | str | int) -> str:
    """The amount in words, in euros and centimes (rounded to the cent first)."""
    valeur = to_money(montant)
    signe = "moins " if valeur < 0 else ""
    centimes_total = int(abs(valeur).scaleb(2))
    euros, centimes = divmod(centimes_total, 100)
    if centimes == 0:
        texte = _unite(euros, "euro", "euros")
    elif euros == 0:
        texte = _unite(centimes, "centime", "centimes")
    else:
        texte = f"{_unite(euros, 'euro', 'euros')} et {_unite(centimes, 'centime', 'centimes')}"
    return signe + texte
