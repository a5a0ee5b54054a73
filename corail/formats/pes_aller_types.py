"""The data a PES Aller carries, as plain dataclasses (built by ``services/pes_donnees.py``,
written by ``formats/pes_aller.py``). Amounts are Decimal, dates ``date``; texts are cut
and cleaned by the writer."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Callable, Iterable


@dataclass(frozen=True)
class EnTete:
    nom_fic: str
    date_str: date
    id_post: str
    id_coll: str  # SIRET of the budget
    cod_col: str
    cod_bud: str
    libelle_col_bud: str = ""
    libelle_poste: str = ""
    fin_jur: str = ""
    emetteur: str = "CORAIL"
    emetteur_adresse: str = ""


@dataclass(frozen=True)
class CompteBancairePES:
    iban: str
    bic: str | None
    titulaire: str = ""
    banque: str = ""


@dataclass(frozen=True)
class TiersPES:
    nom: str
    cat_tiers: str
    nat_jur: str
    prenom: str = ""
    civilite: str = ""
    id_tiers: str = ""
    nat_id_tiers: str = ""
    ref_tiers: str = ""
    typ_tiers: str = "01"  # recette only: 01 débiteur principal
    adresse1: str = ""
    adresse2: str = ""
    code_postal: str = ""
    ville: str = ""
    resident: bool = True
    compte: CompteBancairePES | None = None


@dataclass(frozen=True)
class RattachementPES:
    nat_pce_orig: str  # 01 mandat, 02 titre
    exercice: int
    id_pce: int
    id_ligne: int | None = None


@dataclass(frozen=True)
class LignePES:
    id_ligne: int
    nature: str
    mt_ht: Decimal
    mt_tva: Decimal | None = None
    fonction: str = ""
    operation: str = ""
    libelle: str = ""  # recette: ObjLignePce
    code_produit: str = ""  # recette: CodProdLoc
    tx_tva: Decimal | None = None  # recette: TxTva
    rattachement: RattachementPES | None = None


@dataclass(frozen=True)
class DgpPES:
    debut: date
    fin: date
    duree: int
    code_interets: str = ""
    taux: Decimal | None = None


@dataclass(frozen=True)
class PJRefPES:
    id_unique: str
    nom_pj: str


@dataclass(frozen=True)
class PiecePES:
    id_pce: int
    typ_pce: str
    nat_pce: str
    objet: str
    lignes: tuple[LignePES, ...]
    tiers: TiersPES | None = None
    pj_refs: tuple[PJRefPES, ...] = ()
    date_echeance: date | None = None  # dépense: DteEch
    mode_reglement: str = ""  # dépense: ModRegl of each line
    libelle_vir1: str = ""
    libelle_vir2: str = ""
    compte_tiers: str = ""
    facture: str = ""  # dépense: the invoice number (Facture, 20)
    marche: str = ""  # LiensIdent/IdMarche
    pieces_justificatives: str = ""  # dépense: InfoPce/PJ (250)
    dgp: DgpPES | None = None
    edition: str = ""  # titre ASAP: Edition 01|02|03|04 (newer than the 2011 schema)
    code_service: str = ""  # titre ASAP 02 (Chorus Pro): CodeService, NumeroEngagement (newer)
    numero_engagement: str = ""


@dataclass(frozen=True)
class BordereauPES:
    id_bord: int
    exercice: int
    date_emission: date
    typ_bord: str
    pieces: tuple[PiecePES, ...]

    @property
    def mt_ht(self) -> Decimal:
        return sum((l.mt_ht for p in self.pieces for l in p.lignes), Decimal("0.00"))

    @property
    def mt_tva(self) -> Decimal | None:
        tva = [l.mt_tva for p in self.pieces for l in p.lignes if l.mt_tva is not None]
        return sum(tva, Decimal("0.00")) if tva else None


@dataclass(frozen=True)
class PJPES:
    id_unique: str
    nom_pj: str
    type_pj: str  # 002 recette, 003 dépense, 006 PES_Facture (ASAP)
    description: str
    mime: str
    blocs: Callable[[], Iterable[bytes]]  # the file's bytes, block by block
