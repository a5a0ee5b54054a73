"""What the printed mandat and bordereau show: plain data, built by the services
(``services/edition.py``) and drawn by the PDF writers (``reports/mandat_pdf.py``,
``reports/bordereau_pdf.py``). No database, no Qt."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal


@dataclass(frozen=True)
class EnTeteImpression:
    collectivite: str
    adresse: tuple[str, ...]  # lines of the collectivité's address
    siret: str
    budget: str  # "Budget principal"
    code_budget: str  # "045-01" (CodCol-CodBud)
    exercice: int
    poste_comptable: str  # "031000 — Trésorerie de ..."
    nomenclature: str = "M57"


@dataclass(frozen=True)
class ImputationImprimee:
    article: str
    libelle_article: str
    designation: str
    fonction: str
    operation: str
    service: str
    engagement: str
    montant: Decimal


@dataclass(frozen=True)
class MandatImprime:
    en_tete: EnTeteImpression
    numero: int | None  # None: not numbered yet (printed as a draft, "PROJET")
    bordereau: int | None
    date_emission: date | None
    tiers: str
    tiers_adresse: tuple[str, ...]
    tiers_siret: str
    iban: str  # formatted, or "" (mode de règlement without a bank account)
    bic: str
    mode_reglement: str  # "03 – Virement"
    objet: str
    pieces: str  # "Facture et 1 pièce(s) complémentaire(s)"
    facture: str  # "Facture N° X du JJ/MM/AAAA reçue le JJ/MM/AAAA" or ""
    marche: str
    type_piece: str  # "01 – Ordinaire", "05 – Émis après paiement (régularisation)"
    imputations: tuple[ImputationImprimee, ...]
    montant: Decimal
    pj: tuple[str, ...]  # names of the attached PJ
    sommes_admises: str = ""  # motif when a lower admitted amount is mandated
    signataire: str = "L'ordonnateur"
    lieu_date: str = ""  # "À Saint-Aubin-sur-Corail, le 15/10/2026"


@dataclass(frozen=True)
class LigneBordereau:
    numero: int  # mandat number
    tiers: str
    objet: str
    articles: str  # "60632, 6064"
    montant: Decimal


@dataclass(frozen=True)
class LigneBordereauTva(LigneBordereau):
    """A line with its HT and TVA, ``montant`` being the TTC (HT = TTC and TVA 0 without TVA)."""

    montant_ht: Decimal
    montant_tva: Decimal


@dataclass(frozen=True)
class BordereauImprime:
    en_tete: EnTeteImpression
    numero: int  # IdBord
    type_bordereau: str  # "01 – Ordinaire" | "02 – Annulation / réduction"
    type_pieces: str  # "mandats" | "titres"
    date_emission: date
    lignes: tuple[LigneBordereau, ...]
    total: Decimal
    cumul_precedent: Decimal  # total of the earlier bordereaux of the exercice (same type of pieces)
    cumul_annuel: Decimal  # cumul_precedent + total
    signataire: str = "L'ordonnateur"
    lieu_date: str = ""
    train: str = ""
    remarques: tuple[str, ...] = field(default_factory=tuple)
