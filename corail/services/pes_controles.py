"""Checks of a PES Aller before anything is written: codes, triplets, bank accounts, PJ.

Pure functions: each returns the French reason of a problem, or None. The codes are
those of the DGFiP schemas (NS_Depense/CommunDepense.xsd, NS_Recette/CommunRecette.xsd,
CommunPES.xsd; formats-pes-v2.md §4). The grid of allowed TypBord/TypPce/NatPce triplets
of the cahier des charges is not public: the rules below are the ones the codes
themselves imply (an annulation/réduction nature only on an annulation bordereau, ORMC
only with ORMC…), and the sections the accounts belong to. **[inferred]**
"""
from __future__ import annotations

import re
from datetime import date

from corail.domain.identifiants import iban_valide, rib_vers_iban, siret_valide
from corail.errors import ValidationError

#: TypBord allowed in a PES Aller (04 is a retour code, rejected in an aller).
TYP_BORD = {"mandat": {"01": "ordinaire", "02": "annulation/réduction"},
            "titre": {"01": "ordinaire", "02": "annulation/réduction", "03": "ordres de recette",
                      "05": "bordereau 05", "06": "ORMC"}}
TYP_PCE = {
    "mandat": {"01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "12", "13"},
    "titre": {"01", "02", "03", "04", "05", "06", "07", "09", "10", "11", "12", "14", "15"},
}
NAT_PCE = {
    "mandat": {"01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "12", "13", "14",
               "18"},
    "titre": {"01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "12", "18"},
}
#: NatPce that undo a pièce: only on an annulation/réduction bordereau (TypBord 02).
NAT_ANNULATION = {"06", "10"}
#: ModRegl (TCodePaiement) of a mandat; 03 and 05 pay by transfer to the tiers' account.
MODES_REGLEMENT = {"01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11"}
MODES_AVEC_COMPTE = {"03", "05", "06"}
MODES_COMPTE_OBLIGATOIRE = {"03", "05", "06"}
CAT_TIERS = {"01", "20", "21", "22", "23", "24", "25", "26", "27", "28", "29", "50", "60", "61",
             "62", "63", "64", "65", "70", "71", "72", "73", "74"}
NAT_JUR = {"00", "01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11"}
EDITIONS_ASAP = {"01", "02", "03", "04"}

MAX_ID_BORD = 9_999_999  # IdBord: Num7
MAX_ID_PCE = 9_999_999_999_999  # IdPce: Num13
MAX_NBR_PCE = 99_999  # NbrPce: Num5
#: Largest PJ sent (bytes). Hélios' own limit is in the cahier des charges, not public. [inferred]
TAILLE_MAX_PJ = 20 * 1024 * 1024
_EXTENSION = re.compile(r"\.[0-9A-Za-z]{1,4}$")
_ALPHANUM = re.compile(r"^[0-9A-Za-z]+$")


def probleme_triplet(type_piece: str, typ_bord: str, typ_pce: str, nat_pce: str) -> str | None:
    """Why this TypBord/TypPce/NatPce combination is refused, or None."""
    if typ_bord not in TYP_BORD[type_piece]:
        return f"type de bordereau (TypBord) {typ_bord} impossible dans un PES Aller"
    if typ_pce not in TYP_PCE[type_piece]:
        return f"type de pièce (TypPce) {typ_pce} inconnu"
    if nat_pce not in NAT_PCE[type_piece]:
        return f"nature de pièce (NatPce) {nat_pce} inconnue"
    if (nat_pce in NAT_ANNULATION) != (typ_bord == "02"):
        if typ_bord == "02":
            return (f"nature {nat_pce} sur un bordereau d'annulation/réduction (TypBord 02) : "
                    f"nature 06 (annulation/réduction) attendue")
        return (f"nature {nat_pce} (annulation) sur un bordereau {typ_bord} : "
                f"elle va sur un bordereau d'annulation/réduction (TypBord 02)")
    if type_piece == "titre" and (typ_pce == "15") != (typ_bord == "06"):
        return "un titre ORMC (TypPce 15) va sur un bordereau ORMC (TypBord 06), et lui seul"
    return None


def probleme_section(nat_pce: str, articles: list[str]) -> str | None:
    """A pièce of fonctionnement (01) on investment accounts (classes 1 and 2), or the reverse."""
    if nat_pce == "01" and any(a[:1] in "12" for a in articles):
        return "nature 01 (fonctionnement) avec un article d'investissement (classe 1 ou 2)"
    if nat_pce == "02" and any(a[:1] in "67" for a in articles):
        return "nature 02 (investissement) avec un article de fonctionnement (classe 6 ou 7)"
    return None


def nat_pce_par_defaut(typ_bord: str, articles: list[str]) -> str:
    if typ_bord == "02":
        return "06"
    return "02" if articles and all(a[:1] in "12" for a in articles) else "01"


def probleme_compte(iban: str | None, bic: str | None, *, valide: bool = True,
                    date_fin: date | None = None, aujourd_hui: date | None = None) -> str | None:
    """A transfer's account: a valid IBAN (and its RIB key when French); a BIC when the IBAN is
    not French — the PES writes a French account without BIC in its RIB form."""
    from stdnum import bic as _bic

    if not iban:
        return "IBAN manquant"
    if not valide or not iban_valide(iban):
        return f"IBAN invalide : « {iban} »"
    if iban.startswith("FR"):
        try:
            rib_vers_iban(iban[4:])
        except ValidationError:
            return f"IBAN invalide : « {iban} » (clé RIB incorrecte)"
    if bic:
        if not _bic.is_valid(bic):
            return f"BIC invalide : « {bic} »"
    elif not iban.startswith("FR"):
        return f"BIC manquant : obligatoire avec un IBAN hors de France ({iban[:2]})"
    if date_fin is not None and aujourd_hui is not None and date_fin <= aujourd_hui:
        return f"compte bancaire clôturé le {date_fin:%d/%m/%Y}"
    return None


def probleme_nom_pj(nom: str, taille: int) -> str | None:
    if not nom.strip():
        return "nom de fichier vide"
    if len(nom) > 100:
        return f"nom de fichier trop long ({len(nom)} caractères, 100 au plus)"
    if not _EXTENSION.search(nom):
        return "nom de fichier sans extension de 1 à 4 lettres ou chiffres (Hélios la refuse)"
    if taille <= 0:
        return "fichier vide"
    if taille > TAILLE_MAX_PJ:
        return (f"fichier trop volumineux ({taille / 1_048_576:.1f} Mo, "
                f"{TAILLE_MAX_PJ // 1_048_576} Mo au plus)")
    return None


def problemes_collectivite(siret: str | None, code_col: str | None, code_bud: str | None,
                           id_post: str | None) -> list[str]:
    """The EnTetePES codes: IdColl (SIRET), CodCol, CodBud, IdPost."""
    out = []
    if not siret or not siret_valide(siret):
        out.append(f"SIRET du budget (IdColl) {'invalide : « ' + siret + ' »' if siret else 'manquant'}")
    if not code_col or len(code_col) > 3 or not _ALPHANUM.match(code_col):
        out.append(f"code collectivité (CodCol) {'invalide : « ' + code_col + ' »' if code_col else 'manquant'}")
    if not code_bud or len(code_bud) > 2 or not _ALPHANUM.match(code_bud):
        out.append(f"code budget (CodBud) {'invalide : « ' + code_bud + ' »' if code_bud else 'manquant'}")
    if not id_post or len(id_post) > 7:
        out.append("poste comptable (IdPost) manquant : Environnement › Gestion des collectivités "
                   "› Trésorerie" if not id_post else f"poste comptable (IdPost) invalide : « {id_post} »")
    return out


def probleme_code_num(valeur: str | None, longueur: int, champ: str) -> str | None:
    if valeur and (not valeur.isdigit() or len(valeur) > longueur):
        return f"{champ} « {valeur} » invalide ({longueur} chiffres au plus)"
    return None
