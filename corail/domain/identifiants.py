"""Identifiers checked with python-stdnum: SIRET, IBAN, BIC; French RIB converted to IBAN;
and the PES codes of a budget (CodCol, CodBud, IdPost)."""
from __future__ import annotations

import re

from stdnum import bic as _bic
from stdnum import iban as _iban
from stdnum.exceptions import ValidationError as _StdnumError
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
        raise ValidationError(f"Code collectivité (CodCol) invalide : « {valeur} » (1 à 3 caractères)")
    return v.zfill(3) if v.isdigit() else v.upper()


def valider_code_bud(valeur: str) -> str:
    v = (valeur or "").strip()
    if not re.fullmatch(r"[0-9A-Za-z]{1,2}", v):
        raise ValidationError(f"Code budget (CodBud) invalide : « {valeur} » (1 ou 2 caractères)")
    return v.zfill(2) if v.isdigit() else v.upper()


def valider_id_post(valeur: str) -> str:
    v = (valeur or "").strip()
    if not re.fullmatch(r"\d{6}", v):
        raise ValidationError(f"Poste comptable (IdPost) invalide : « {valeur} » (6 chiffres attendus)")
    return v
