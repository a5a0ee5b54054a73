"""All Corail tables. Import from here: ``from corail.db.models import Budget``."""
from corail.db.base import Base
from corail.db.models.asap import AsapFacture, AsapLigne
from corail.db.models.chorus_synchro import SynchroChorus
from corail.db.models.flux import (
    EtapeFacture, FactureDemat, FactureDematLigne, FactureDematTva, Flux, FournisseurNom, StatutChorus,
)
from corail.db.models.nomenclature import (
    Article, ArticleBudget, Chapitre, Fonction, Operation, Service,
)
from corail.db.models.pes import (
    PesAcquittement, PesAcquittementErreur, PesAller, PesAllerBordereau, PesAllerPJ,
)
from corail.db.models.pieces import (
    MANDAT, TITRE, Bordereau, Engagement, Facture, Imputation, Piece, SuspensionFacture, Train,
)
from corail.db.models.pj import CHUNK_SIZE, PJ, PJChunk, PJContenu, PiecePJ
from corail.db.models.referentiel import (
    Budget, Collectivite, Compteur, Exercice, Parametre, PosteComptable, ServiceChorus,
    TauxInterets,
)
from corail.db.models.tiers import CompteBancaire, Tiers
from corail.db.models.utilisateurs import (
    ESPACES, HABILITATIONS, ROLES, Habilitation, JournalGestion, Rattachement, Sollicitation,
    Utilisateur,
)

__all__ = [
    "Base", "AsapFacture", "AsapLigne", "Flux", "FactureDemat", "FactureDematTva", "FactureDematLigne", "EtapeFacture",
    "StatutChorus", "Article", "ArticleBudget", "Chapitre", "Fonction", "Operation", "Service",
    "MANDAT", "TITRE", "Bordereau", "Engagement", "Facture", "Imputation", "Piece",
    "SuspensionFacture", "Train", "CHUNK_SIZE", "PJ", "PJChunk", "PJContenu", "PiecePJ", "Budget",
    "Collectivite", "Compteur", "Exercice", "Parametre", "PosteComptable", "ServiceChorus",
    "TauxInterets", "CompteBancaire", "Tiers", "ESPACES", "HABILITATIONS", "ROLES",
    "Habilitation", "Rattachement", "Sollicitation", "Utilisateur", "JournalGestion",
    "PesAller", "PesAllerBordereau", "PesAllerPJ", "PesAcquittement", "PesAcquittementErreur",
    "SynchroChorus", "FournisseurNom",
]
