"""Chargement des données de nomenclature (M57) livrées avec Corail.

Sans Qt ni base de données : lit les fichiers CSV du paquet ``corail.data``
(séparateur ``;``, UTF-8) et renvoie des dataclasses figées.
Voir ``corail/data/M57.md`` pour les sources et les règles appliquées.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from importlib import resources

# nomenclature -> préfixe des fichiers dans corail/data
_NOMENCLATURES: dict[str, str] = {"M57": "m57"}

_ARTICLE_COLUMNS = ["code", "libelle", "chapitre", "section", "sens", "niveau", "verifie"]
_CHAPITRE_COLUMNS = ["code", "libelle", "section"]
_FONCTION_COLUMNS = ["code", "libelle", "niveau"]

_SECTIONS = {"F", "I"}
_SENS = {"D", "R", "DR"}
_BOOLEENS = {"oui": True, "non": False}


@dataclass(frozen=True)
class ArticleData:
    code: str
    libelle: str
    chapitre: str
    section: str
    sens: str
    niveau: int
    verifie: bool


@dataclass(frozen=True)
class ChapitreData:
    code: str
    libelle: str
    section: str


@dataclass(frozen=True)
class FonctionData:
    code: str
    libelle: str
    niveau: int


def _prefixe(nomenclature: str) -> str:
    try:
        return _NOMENCLATURES[nomenclature]
    except KeyError:
        disponibles = ", ".join(sorted(_NOMENCLATURES))
        raise ValueError(
            f"Nomenclature inconnue : {nomenclature} (disponible : {disponibles})"
        ) from None


def _lire(nomenclature: str, suffixe: str, colonnes: list[str]) -> list[dict[str, str]]:
    nom = f"{_prefixe(nomenclature)}_{suffixe}.csv"
    texte = resources.files("corail.data").joinpath(nom).read_text(encoding="utf-8")
    lecteur = csv.DictReader(io.StringIO(texte), delimiter=";")
    if lecteur.fieldnames != colonnes:
        raise ValueError(f"{nom} : en-tête inattendu {lecteur.fieldnames!r}, attendu {colonnes!r}")
    lignes = list(lecteur)
    for numero, ligne in enumerate(lignes, start=2):
        if None in ligne or any(v is None or not v.strip() for v in ligne.values()):
            raise ValueError(f"{nom}, ligne {numero} : champ manquant ou en trop")
    return lignes


def _choix(valeur: str, permis: set[str], quoi: str, code: str) -> str:
    if valeur not in permis:
        raise ValueError(f"{quoi} invalide pour {code} : {valeur!r}")
    return valeur


def load_articles(nomenclature: str = "M57") -> list[ArticleData]:
    """Articles (comptes par nature), y compris les lignes de titre de chapitre."""
    return [
        ArticleData(
            code=l["code"],
            libelle=l["libelle"],
            chapitre=l["chapitre"],
            section=_choix(l["section"], _SECTIONS, "Section", l["code"]),
            sens=_choix(l["sens"], _SENS, "Sens", l["code"]),
            niveau=int(l["niveau"]),
            verifie=_BOOLEENS[_choix(l["verifie"], set(_BOOLEENS), "Vérifié", l["code"])],
        )
        for l in _lire(nomenclature, "natures", _ARTICLE_COLUMNS)
    ]


def load_chapitres(nomenclature: str = "M57") -> list[ChapitreData]:
    """Chapitres budgétaires (dont chapitres globalisés et opérations d'ordre)."""
    return [
        ChapitreData(
            code=l["code"],
            libelle=l["libelle"],
            section=_choix(l["section"], _SECTIONS, "Section", l["code"]),
        )
        for l in _lire(nomenclature, "chapitres", _CHAPITRE_COLUMNS)
    ]


def load_fonctions(nomenclature: str = "M57") -> list[FonctionData]:
    """Codes de la présentation fonctionnelle."""
    return [
        FonctionData(code=l["code"], libelle=l["libelle"], niveau=int(l["niveau"]))
        for l in _lire(nomenclature, "fonctions", _FONCTION_COLUMNS)
    ]
