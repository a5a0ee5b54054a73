"""Plain data of a Chorus Pro flux pivot (CPPFacturePivot), with no XML and no database.

The builder (``pivot_builder``) turns these into a pivot file; the reader turns a
pivot file into these; the services record them. Amounts are Decimal exactly as
written in the file (up to 6 decimals): rounding to the cent happens once, when
they are recorded (``corail.money.to_money``).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

TYPE_FACTURE = "380"
TYPE_AVOIR = "381"

TYPE_PJ_FACTURE = "01"
TYPE_PJ_COMPLEMENTAIRE = "02"


@dataclass(frozen=True)
class PivotTva:
    taux: Decimal
    base_ht: Decimal
    montant_tva: Decimal


@dataclass(frozen=True)
class PivotLigne:
    numordre: int
    prix_unitaire: Decimal
    quantite: Decimal
    montant_ht: Decimal
    reference_produit: str | None = None
    taux_tva: Decimal | None = None


@dataclass(frozen=True)
class PivotPJ:
    """An attachment. ``contenu`` holds the file's own bytes (the PDF, not the zip)."""

    numordre: int
    nom: str
    type_pj: str = TYPE_PJ_FACTURE
    mime: str = "application/pdf"
    contenu: bytes = b""
    nom_origine: str | None = None
    categorie: str | None = None
    id_original: str | None = None


@dataclass(frozen=True)
class PivotFacture:
    """One CPPFacturePivotUnitaire."""

    numero: str  # DonneesFacture/Id
    fournisseur_identifiant: str
    fournisseur_raison_sociale: str
    debiteur_identifiant: str
    date_emission: date
    date_reception: date
    montant_ht: Decimal
    montant_ttc: Decimal
    montant_net: Decimal
    type_facture: str = TYPE_FACTURE
    cadre: str = "A1"
    fournisseur_type_identifiant: str = "1"
    fournisseur_code_pays: str = "FR"
    mode_emission: str = "flux"
    reference_bancaire_type: str | None = None  # "IBAN" | "RIB"
    reference_bancaire_compte: str | None = None
    reference_bancaire_etablissement: str | None = None
    debiteur_nom: str | None = None
    code_service: str | None = None
    nom_service: str | None = None
    id_cpro: int | None = None
    renvoi: str | None = None
    id_facture_origine: str | None = None
    date_livraison: date | None = None
    mode_paiement_code: str = "30"
    mode_paiement_libelle: str | None = "Virement"
    devise: str = "EUR"
    tvas: tuple[PivotTva, ...] = ()
    numero_marche: str | None = None
    numero_engagement: str | None = None
    lignes: tuple[PivotLigne, ...] = ()
    pjs: tuple[PivotPJ, ...] = field(default_factory=tuple)
    numordre: int = 1

    @property
    def est_avoir(self) -> bool:
        return self.type_facture == TYPE_AVOIR


@dataclass(frozen=True)
class PivotFlux:
    """The envelope of a flux and its invoices."""

    id_flx: str
    date_production: date
    factures: tuple[PivotFacture, ...]
    recepteur_id: str = "COR001"
    recepteur_libelle: str | None = "Corail"
    emetteur_id: str = "CPP001"
    emetteur_libelle: str | None = "Application Chorus Portail Pro"
