"""Identifiers checked with python-stdnum: SIRET, IBAN, BIC; French RIB converted to IBAN;
the PES codes of a budget (CodCol, CodBud, IdPost); a tiers' identifier by its PES type
(NatIdTiers: SIRET, SIREN, FINESS, NIR, TVA...), its CatTiers and NatJur code lists, and what a
user types in an IBAN field (an IBAN, or a French RIB to convert)."""
from __future__ import annotations

import re

from stdnum import bic as _bic
from stdnum import iban as _iban
from stdnum import numdb as _numdb
from stdnum.eu import vat as _vat
from stdnum.exceptions import ValidationError as _StdnumError
from stdnum.fr import nir as _nir
from stdnum.fr import siren as _siren
from stdnum.fr import siret as _siret

from corail.errors import ValidationError


def valider_siret(valeur: str, *, champ: str = "SIRET") -> str:
    """The compact SIRET, or a French ``ValidationError`` saying why it is refused."""
    compact = _siret.compact(valeur or "")
    if not compact:
        raise ValidationError(f"{champ} manquant")
    if not compact.isdigit() or len(compact) != 14:
        raise ValidationError(f"{champ} invalide : « {valeur} » (14 chiffres attendus)")
    try:
        return _siret.validate(compact)
    except _StdnumError:
        raise ValidationError(
            f"{champ} invalide : « {valeur} » (clé de contrôle incorrecte)"
        ) from None


def siret_valide(valeur: str) -> bool:
    return _siret.is_valid(valeur or "")


def valider_iban(valeur: str) -> str:
    compact = _iban.compact(valeur or "")
    if not compact:
        raise ValidationError("IBAN manquant")
    try:
        return _iban.validate(compact)
    except _StdnumError:
        raise ValidationError(f"IBAN invalide : « {valeur} »") from None


def iban_valide(valeur: str) -> bool:
    return _iban.is_valid(valeur or "")


def valider_bic(valeur: str) -> str:
    compact = _bic.compact(valeur or "")
    try:
        return _bic.validate(compact)
    except _StdnumError:
        raise ValidationError(f"BIC invalide : « {valeur} »") from None


_RIB_LETTERS = {c: str(v) for v, cs in enumerate(
    ("", "AJ", "BKS", "CLT", "DMU", "ENV", "FOW", "GPX", "HQY", "IRZ")) for c in cs}


def _rib_digits(text: str) -> str:
    return "".join(_RIB_LETTERS.get(c, c) for c in text.upper())


def rib_vers_iban(rib: str) -> str:
    """A French RIB (banque 5, guichet 5, compte 11, clé 2) as an IBAN, the RIB key checked."""
    compact = re.sub(r"[\s-]", "", rib or "").upper()
    if len(compact) != 23 or not compact.isalnum():
        raise ValidationError(f"RIB invalide : « {rib} » (23 caractères attendus)")
    banque, guichet, compte, cle = compact[:5], compact[5:10], compact[10:21], compact[21:]
    if not (banque.isdigit() and guichet.isdigit() and cle.isdigit()):
        raise ValidationError(f"RIB invalide : « {rib} »")
    attendu = 97 - (89 * int(banque) + 15 * int(guichet) + 3 * int(_rib_digits(compte))) % 97
    if attendu != int(cle):
        raise ValidationError(f"RIB invalide : « {rib} » (clé RIB incorrecte)")
    bban = banque + guichet + compte + cle
    return "FR" + _iban.calc_check_digits("FR00" + bban) + bban


def valider_code_col(valeur: str) -> str:
    v = (valeur or "").strip()
    if not re.fullmatch(r"[0-9A-Za-z]{1,3}", v):
        raise ValidationError(f"Code collectivité (CodCol) invalide : « {valeur} » "
                              f"(1 à 3 lettres ou chiffres, sans accent)")
    return v.zfill(3) if v.isdigit() else v.upper()


def valider_code_bud(valeur: str) -> str:
    v = (valeur or "").strip()
    if not re.fullmatch(r"[0-9A-Za-z]{1,2}", v):
        raise ValidationError(f"Code budget (CodBud) invalide : « {valeur} » "
                              f"(1 ou 2 lettres ou chiffres, sans accent)")
    return v.zfill(2) if v.isdigit() else v.upper()


def valider_id_post(valeur: str) -> str:
    v = (valeur or "").strip()
    if not re.fullmatch(r"\d{6}", v):
        raise ValidationError(f"Poste comptable (IdPost) invalide : « {valeur} » (6 chiffres attendus)")
    return v


# --- Tiers: the other PES identifiers, and what a user types in an IBAN field ----------------

def valider_siren(valeur: str, *, champ: str = "SIREN") -> str:
    compact = _siren.compact(valeur or "")
    if not compact.isdigit() or len(compact) != 9:
        raise ValidationError(f"{champ} invalide : « {valeur} » (9 chiffres attendus)")
    if not _siren.is_valid(compact):
        raise ValidationError(f"{champ} invalide : « {valeur} » (clé de contrôle incorrecte)")
    return compact


def valider_nir(valeur: str, *, champ: str = "NIR") -> str:
    try:
        return _nir.validate(valeur or "")
    except _StdnumError:
        raise ValidationError(
            f"{champ} invalide : « {valeur} » (15 caractères, clé comprise, attendus)"
        ) from None


def valider_tva_intracom(valeur: str, *, champ: str = "N° de TVA intracommunautaire") -> str:
    try:
        return _vat.validate(valeur or "")
    except _StdnumError:
        raise ValidationError(f"{champ} invalide : « {valeur} »") from None


def valider_finess(valeur: str, *, champ: str = "FINESS") -> str:
    """9 characters: the département (2 digits, or 2A / 2B) then 7 digits."""
    compact = re.sub(r"\s", "", valeur or "").upper()
    if not re.fullmatch(r"(\d{2}|2[AB])\d{7}", compact):
        raise ValidationError(f"{champ} invalide : « {valeur} » (9 caractères attendus)")
    return compact


def est_rib(valeur: str) -> bool:
    """A French RIB typed where an IBAN is expected: 23 characters, no country code."""
    compact = re.sub(r"[\s-]", "", valeur or "")
    return len(compact) == 23 and not compact[:2].isalpha()


def lire_iban(valeur: str, *, champ: str = "IBAN") -> tuple[str, bool]:
    """What a user typed in an IBAN field, as a checked compact IBAN, and whether it was a RIB.

    A French RIB (banque 5, guichet 5, compte 11, clé 2) is converted, its key checked. An IBAN is
    checked by python-stdnum (country format and check digits) and, when French, its RIB key too.
    """
    if not (valeur or "").strip():
        raise ValidationError(f"{champ} manquant")
    if est_rib(valeur):
        try:
            return rib_vers_iban(valeur), True
        except ValidationError as exc:
            raise ValidationError(f"{champ} : {exc}") from None
    compact = _iban.compact(valeur)
    if not compact[:2].isalpha():
        raise ValidationError(
            f"{champ} invalide : « {valeur} » (un IBAN commence par le code du pays ; "
            "un RIB français compte 23 caractères)")
    try:
        iban = _iban.validate(compact)
    except _StdnumError:
        raise ValidationError(f"{champ} invalide : « {valeur} » ({_raison_iban(compact)})") from None
    if iban.startswith("FR"):
        try:
            rib_vers_iban(iban[4:])
        except ValidationError:
            raise ValidationError(f"{champ} invalide : « {valeur} » (clé RIB incorrecte)") from None
    return iban, False


def _raison_iban(compact: str) -> str:
    """Why stdnum refused an IBAN: its structure (tried with the right check digits), else its key."""
    pays, bban = compact[:2], compact[4:]
    try:
        _iban.validate(pays + _iban.calc_check_digits(pays + "00" + bban) + bban)
    except _StdnumError as exc:
        if type(exc).__name__ == "InvalidComponent":
            return f"pays « {pays} » inconnu"
        structure = _numdb.get("iban").info(compact)[0][1].get("bban", "")
        longueur = 4 + sum(int(n) for n in re.findall(r"(\d+)!", structure))
        if len(compact) != longueur:
            return f"un IBAN {pays} compte {longueur} caractères, {len(compact)} saisis"
        return f"format incorrect pour un IBAN {pays}"
    return "clé de contrôle incorrecte"


def bic_du_compte(bic: str | None, iban: str, *, champ: str = "BIC") -> str | None:
    """The checked BIC of an account, or None.

    Rule applied: a BIC is required when the IBAN is not French (country code other than FR:
    SEPA transfers outside France, and a fortiori outside SEPA); for a French IBAN it is
    optional (SEPA transfers inside France need only the IBAN). A BIC given is always checked.
    """
    compact = _bic.compact(bic or "")
    if not compact:
        pays = iban[:2].upper()
        if pays != "FR":
            raise ValidationError(f"{champ} manquant : obligatoire pour un IBAN hors de France ({pays})")
        return None
    try:
        return _bic.validate(compact)
    except _StdnumError:
        raise ValidationError(
            f"{champ} invalide : « {bic} » (8 ou 11 caractères : banque, pays, ville, agence)"
        ) from None


def formater_iban(iban: str | None) -> str:
    """``FR76 3000 4008 2500 0123 4567 886``; ``""`` for None."""
    return " ".join(iban[i:i + 4] for i in range(0, len(iban), 4)) if iban else ""


# --- PES codes of a tiers (DGFiP schema CommunPES.xsd, PES 5.3: codes and their labels) ------

#: PES NatIdTiers (TNatIdTiers): the type of the tiers' identifier.
TYPES_IDENTIFIANT = {
    "01": "SIRET", "02": "SIREN", "03": "FINESS", "04": "NIR", "05": "TVA intracommunautaire",
    "06": "Hors UE", "07": "TAHITI", "08": "RIDET", "09": "En cours d'immatriculation",
}
#: PES CatTiers (TCatTiers): the tiers' category.
CATEGORIES_TIERS = {
    "01": "Personnes physiques",
    "20": "État et établissements publics nationaux",
    "21": "Régions", "22": "Départements", "23": "Communes", "24": "Groupements de collectivités",
    "25": "Caisses des écoles", "26": "CCAS", "27": "Établissements publics de santé",
    "28": "École nationale de la santé publique",
    "29": "Autres établissements publics et organismes internationaux",
    "50": "Autres organismes sociaux",
    "60": "Personnes morales de droit privé autres qu'organismes sociaux",
    "61": "Caisses de sécurité sociale régime général",
    "62": "Caisses de sécurité sociale régime agricole",
    "63": "Sécurité sociale des travailleurs non salariés et professions non agricoles",
    "64": "Autres régimes obligatoires de sécurité sociale",
    "65": "Mutuelles et organismes d'assurance", "70": "Divers autres tiers payants",
    "71": "CNRACL", "72": "IRCANTEC", "73": "ASSEDIC",
    "74": "Caisses mutualistes de retraite complémentaires",
}
#: PES NatJur (TNatJur): the tiers' nature juridique (00 is withdrawn from the 5.3 schema).
NATURES_JURIDIQUES = {
    "01": "Particuliers", "02": "Artisan / Commerçant / Agriculteur", "03": "Société",
    "04": "CAM ou caisse appliquant les mêmes règles", "05": "Caisse complémentaire",
    "06": "Association", "07": "État ou organisme d'État", "08": "Établissement public national",
    "09": "Collectivité territoriale / EPL / EPS", "10": "État étranger / ambassade", "11": "CAF",
}
_CONTROLES_IDENTIFIANT = {"01": valider_siret, "02": valider_siren, "03": valider_finess,
                          "04": valider_nir, "05": valider_tva_intracom}


def libelle_code(table: dict[str, str], code: str | None) -> str:
    """``"60 – Personnes morales..."``; ``""`` for no code."""
    return f"{code} – {table.get(code, 'code inconnu')}" if code else ""


def valider_identifiant_tiers(type_id: str | None, valeur: str | None) -> tuple[str | None, str | None]:
    """A tiers' (NatIdTiers, identifier), the identifier checked according to its type: SIRET,
    SIREN, FINESS, NIR and TVA by their keys, the others (hors UE, TAHITI, RIDET) by length."""
    type_id, brut = (type_id or "").strip() or None, (valeur or "").strip()
    if type_id is None:
        if brut:
            raise ValidationError(f"Type d'identifiant manquant pour l'identifiant « {brut} »")
        return None, None
    if type_id not in TYPES_IDENTIFIANT:
        raise ValidationError(f"Type d'identifiant inconnu : « {type_id} »")
    nom = TYPES_IDENTIFIANT[type_id]
    if not brut:
        if type_id == "09":
            return type_id, None
        raise ValidationError(f"Identifiant manquant ({nom})")
    if type_id in _CONTROLES_IDENTIFIANT:
        return type_id, _CONTROLES_IDENTIFIANT[type_id](brut, champ=nom)
    if len(brut) > 50:
        raise ValidationError(f"Identifiant ({nom}) trop long : {len(brut)} caractères (50 au plus)")
    return type_id, brut
