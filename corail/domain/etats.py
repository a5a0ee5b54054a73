"""The one vocabulary of états and étapes (PRODUCT.md §3), with each object's transition table.

Codes are what the database, the command line (``--etat``, ``--json``) and the
tests use; labels are what the screens show. Anything not in a table is refused
with the reason (``InvalidTransition``).
"""
from __future__ import annotations

from enum import StrEnum


class EtatFlux(StrEnum):
    LU = "lu"
    PARTIEL = "partiel"
    TRAITE = "traite"


class EtatFactureDemat(StrEnum):
    A_TRAITER = "a_traiter"
    ANOMALIE = "anomalie"
    FACTUREE = "facturee"
    MANDATEE = "mandatee"
    REJETEE = "rejetee"
    SUSPENDUE = "suspendue"
    A_RECYCLER = "a_recycler"


class EtatFacture(StrEnum):
    """A facture of the register (Dépenses › Factures)."""

    A_MANDATER = "a_mandater"
    MANDATEE = "mandatee"
    SUSPENDUE = "suspendue"


class EtatPiece(StrEnum):
    """A mandat or a titre."""

    BROUILLON = "brouillon"
    VALIDE = "valide"
    NUMEROTE = "numerote"
    TRANSMIS = "transmis"
    ACCEPTE = "accepte"
    REJETE = "rejete"
    PAYE = "paye"
    ANNULE = "annule"


class EtatBordereau(StrEnum):
    CREE = "cree"
    TRANSMIS = "transmis"
    ACCEPTE = "accepte"
    REJETE = "rejete"


class EnvoiStatut(StrEnum):
    """Our side of a Chorus Pro status: has it reached Chorus Pro?"""

    A_TRANSMETTRE = "a_transmettre"
    TRANSMIS = "transmis"
    ECHEC = "echec"


class Etape(StrEnum):
    LECTURE_FLUX = "lecture_flux"
    ANOMALIE = "anomalie"
    FACTURATION = "facturation"
    MANDATEMENT = "mandatement"
    REJET = "rejet"
    SUSPENSION = "suspension"
    A_RECYCLER = "a_recycler"
    ANNULATION_REJET = "annulation_rejet"
    NUMEROTATION = "numerotation"
    BORDEREAU = "bordereau"
    IMPRESSION = "impression"
    PES_ALLER = "pes_aller"
    ACQUITTEMENT = "acquittement"
    STATUT_TRANSMIS = "statut_transmis"
    MISE_EN_PAIEMENT = "mise_en_paiement"


#: Chorus Pro status codes (CPPStatut IdStatut ↔ API code ↔ label), formats-chorus-pro.md §2.2.
STATUTS_CHORUS: dict[str, tuple[str, str]] = {
    "01": ("DEPOSEE", "Déposée"),
    "02": ("EN_COURS_ACHEMINEMENT", "En cours d'acheminement vers le destinataire"),
    "03": ("MISE_A_DISPOSITION", "Mise à disposition du destinataire"),
    "04": ("A_RECYCLER", "Rejetée par l'ordonnateur pour erreur données d'acheminement"),
    "05": ("REJETEE", "Rejetée par l'ordonnateur pour autre motif"),
    "06": ("SUSPENDUE", "Suspendue"),
    "07": ("SERVICE_FAIT", "Service fait"),
    "08": ("MANDATEE", "Mandatée / DP validée"),
    "09": ("MISE_A_DISPOSITION_COMPTABLE", "Mise à disposition du comptable"),
    "10": ("COMPTABILISEE", "Comptabilisée"),
    "11": ("MISE_EN_PAIEMENT", "Mise en paiement"),
    "12": ("COMPLETEE", "Complétée"),
}

LIBELLES: dict[str, str] = {
    # flux
    EtatFlux.LU: "Lu",
    EtatFlux.PARTIEL: "Partiellement traité",
    EtatFlux.TRAITE: "Traité",
    # facture dématérialisée
    EtatFactureDemat.A_TRAITER: "À traiter",
    EtatFactureDemat.ANOMALIE: "En anomalie",
    EtatFactureDemat.FACTUREE: "Facturée",
    EtatFactureDemat.MANDATEE: "Mandatée",
    EtatFactureDemat.REJETEE: "Rejetée",
    EtatFactureDemat.SUSPENDUE: "Suspendue",
    EtatFactureDemat.A_RECYCLER: "À recycler",
    # facture (register)
    EtatFacture.A_MANDATER: "À mandater",
    # mandat / titre
    EtatPiece.BROUILLON: "Brouillon",
    EtatPiece.VALIDE: "Validé",
    EtatPiece.NUMEROTE: "Numéroté",
    EtatPiece.TRANSMIS: "Transmis",
    EtatPiece.ACCEPTE: "Accepté",
    EtatPiece.REJETE: "Rejeté",
    EtatPiece.PAYE: "Payé",
    EtatPiece.ANNULE: "Annulé",
    # bordereau
    EtatBordereau.CREE: "Créé",
    # statut, our side
    EnvoiStatut.A_TRANSMETTRE: "À transmettre",
    EnvoiStatut.ECHEC: "Échec",
}

LIBELLES_ETAPES: dict[Etape, str] = {
    Etape.LECTURE_FLUX: "Lecture flux",
    Etape.ANOMALIE: "Anomalie",
    Etape.FACTURATION: "Facturation",
    Etape.MANDATEMENT: "Mandatement",
    Etape.REJET: "Rejet",
    Etape.SUSPENSION: "Suspension",
    Etape.A_RECYCLER: "À recycler",
    Etape.ANNULATION_REJET: "Annulation du rejet",
    Etape.NUMEROTATION: "Numérotation",
    Etape.BORDEREAU: "Bordereau",
    Etape.IMPRESSION: "Impression",
    Etape.PES_ALLER: "PES Aller",
    Etape.ACQUITTEMENT: "Acquittement",
    Etape.STATUT_TRANSMIS: "Statut transmis à Chorus Pro",
    Etape.MISE_EN_PAIEMENT: "Mise en paiement",
}


def libelle_etat(code: str, *, titre: bool = False) -> str:
    """The label shown for an état code; a titre that is paid is "Encaissé"."""
    if titre and code == EtatPiece.PAYE:
        return "Encaissé"
    if code in STATUTS_CHORUS:
        return STATUTS_CHORUS[code][1]
    return LIBELLES.get(code, code)


def libelle_etape(code: str) -> str:
    return LIBELLES_ETAPES.get(Etape(code), code) if code in Etape._value2member_map_ else code


# ---------------------------------------------------------------- transition tables

D = EtatFactureDemat
TRANSITIONS_FACTURE_DEMAT: frozenset[tuple[str, str]] = frozenset({
    (D.A_TRAITER, D.FACTUREE), (D.A_TRAITER, D.MANDATEE), (D.A_TRAITER, D.REJETEE),
    (D.A_TRAITER, D.SUSPENDUE), (D.A_TRAITER, D.A_RECYCLER), (D.A_TRAITER, D.ANOMALIE),
    (D.ANOMALIE, D.A_TRAITER), (D.ANOMALIE, D.REJETEE), (D.ANOMALIE, D.A_RECYCLER),
    (D.FACTUREE, D.MANDATEE), (D.FACTUREE, D.SUSPENDUE), (D.FACTUREE, D.REJETEE),
    (D.FACTUREE, D.A_TRAITER),
    (D.SUSPENDUE, D.A_TRAITER), (D.SUSPENDUE, D.FACTUREE), (D.SUSPENDUE, D.MANDATEE),
    (D.REJETEE, D.A_TRAITER), (D.A_RECYCLER, D.A_TRAITER),
    # the mandat was deleted while still a draft: the invoice is back to be processed
    (D.MANDATEE, D.A_TRAITER), (D.MANDATEE, D.FACTUREE),
})

F = EtatFacture
TRANSITIONS_FACTURE: frozenset[tuple[str, str]] = frozenset({
    (F.A_MANDATER, F.MANDATEE), (F.A_MANDATER, F.SUSPENDUE),
    (F.SUSPENDUE, F.A_MANDATER), (F.MANDATEE, F.A_MANDATER),
})

P = EtatPiece
TRANSITIONS_PIECE: frozenset[tuple[str, str]] = frozenset({
    (P.BROUILLON, P.VALIDE), (P.VALIDE, P.BROUILLON), (P.BROUILLON, P.ANNULE),
    (P.VALIDE, P.ANNULE), (P.VALIDE, P.NUMEROTE),
    (P.NUMEROTE, P.TRANSMIS), (P.NUMEROTE, P.ANNULE),
    (P.TRANSMIS, P.ACCEPTE), (P.TRANSMIS, P.REJETE), (P.TRANSMIS, P.ANNULE),
    (P.REJETE, P.BROUILLON), (P.REJETE, P.VALIDE), (P.REJETE, P.ANNULE),
    (P.ACCEPTE, P.PAYE), (P.ACCEPTE, P.ANNULE),
})

B = EtatBordereau
TRANSITIONS_BORDEREAU: frozenset[tuple[str, str]] = frozenset({
    (B.CREE, B.TRANSMIS), (B.TRANSMIS, B.ACCEPTE), (B.TRANSMIS, B.REJETE),
})

X = EtatFlux
TRANSITIONS_FLUX: frozenset[tuple[str, str]] = frozenset({
    (X.LU, X.PARTIEL), (X.LU, X.TRAITE), (X.PARTIEL, X.TRAITE),
    (X.PARTIEL, X.LU), (X.TRAITE, X.PARTIEL), (X.TRAITE, X.LU),
})

S = EnvoiStatut
TRANSITIONS_ENVOI_STATUT: frozenset[tuple[str, str]] = frozenset({
    (S.A_TRANSMETTRE, S.TRANSMIS), (S.A_TRANSMETTRE, S.ECHEC),
    (S.ECHEC, S.A_TRANSMETTRE), (S.ECHEC, S.TRANSMIS),
})

del D, F, P, B, X, S
