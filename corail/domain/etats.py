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
    TITREE = "titree"  # an avoir turned into a titre de recettes (Emettre titre)


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


class EtatPesAller(StrEnum):
    """A PES Aller file (and each bordereau or PJ it carried), by its acquittement."""

    TRANSMIS = "transmis"
    ACCEPTE = "accepte"
    REJETE = "rejete"
    ACCEPTE_PARTIEL = "accepte_partiel"  # some bordereaux or PJ rejected, others accepted


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
    EMISSION_TITRE = "emission_titre"  # Emettre titre from an avoir
    FACTURE_ASAP = "facture_asap"  # the ASAP (PES Facture) of a titre entered or imported


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
    EtatFactureDemat.TITREE: "Titre émis",
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
    # PES Aller
    EtatPesAller.ACCEPTE_PARTIEL: "Accepté en partie",
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
    Etape.EMISSION_TITRE: "Émission du titre",
    Etape.FACTURE_ASAP: "PES Facture ASAP",
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
    # an avoir's titre de recettes (Emettre titre); its draft deleted, the avoir is back
    (D.A_TRAITER, D.TITREE), (D.TITREE, D.A_TRAITER),
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
    # rejected by Hélios with its bordereau, corrected, sent again under its number
    (P.REJETE, P.NUMEROTE),
    (P.ACCEPTE, P.PAYE), (P.ACCEPTE, P.ANNULE),
})

B = EtatBordereau
TRANSITIONS_BORDEREAU: frozenset[tuple[str, str]] = frozenset({
    (B.CREE, B.TRANSMIS), (B.TRANSMIS, B.ACCEPTE), (B.TRANSMIS, B.REJETE),
    (B.REJETE, B.TRANSMIS),  # rejected by Hélios, its pièces corrected: sent again
})

A = EtatPesAller
TRANSITIONS_PES_ALLER: frozenset[tuple[str, str]] = frozenset({
    (A.TRANSMIS, A.ACCEPTE), (A.TRANSMIS, A.REJETE), (A.TRANSMIS, A.ACCEPTE_PARTIEL),
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

del D, F, P, B, X, S, A

#: Chorus Pro statuses the recipient may set, from the invoice's status there (formats-chorus-pro.md
#: §2.3): 01–03 and 12 (received, completed) → à recycler, rejetée, suspendue, service fait,
#: mandatée; 04 and 05 are final; 09–11 (the comptable's, set by Hélios) close the way back.
_RECUE = ("04", "05", "06", "07", "08")
TRANSITIONS_STATUT_CHORUS: frozenset[tuple[str, str]] = frozenset(
    {(depuis, vers) for depuis in ("01", "02", "03", "12") for vers in _RECUE}
    | {("06", v) for v in ("04", "05", "07", "08")}
    | {("07", v) for v in ("05", "06", "08")}
    | {("08", "09"), ("08", "10"), ("08", "11"), ("09", "10"), ("09", "11"), ("10", "11")}
)
#: a motif is mandatory for these (Chorus Pro: « justifier son choix »)
STATUTS_AVEC_MOTIF = ("04", "05", "06")
#: set on the comptable's side (Hélios), read from Chorus Pro's history
STATUTS_COMPTABLE = ("09", "10", "11")
#: where a StatutChorus row comes from: queued here, or read from Chorus Pro's history
ORIGINES_STATUT = {"corail": "Corail", "chorus": "Chorus Pro"}
del _RECUE


# ---------------------------------------------------------------- sollicitations (Mon compte)

class EtatSollicitation(StrEnum):
    """A request to a structure's gestionnaire: *Enregistrer* keeps it as brouillon, *Valider et
    envoyer* sends it; the gestionnaire accepts (an espace is then granted) or refuses it."""

    BROUILLON = "brouillon"
    ENVOYEE = "envoyee"
    ACCEPTEE = "acceptee"
    REFUSEE = "refusee"


LIBELLES.update({
    EtatSollicitation.ENVOYEE: "Envoyée",
    EtatSollicitation.ACCEPTEE: "Acceptée",
    EtatSollicitation.REFUSEE: "Refusée",
})

TRANSITIONS_SOLLICITATION: frozenset[tuple[str, str]] = frozenset({
    (EtatSollicitation.BROUILLON, EtatSollicitation.ENVOYEE),
    (EtatSollicitation.ENVOYEE, EtatSollicitation.ACCEPTEE),
    (EtatSollicitation.ENVOYEE, EtatSollicitation.REFUSEE),
})
