"""Recettes › Titres de recettes: the exercice's titres (filtered by état and train) and the
selected one in its five tabs (``ui.titres_de_recettes_onglets``), with *Ajouter, Enregistrer,
Supprimer, Dupliquer, Valider, Annuler* and **PES Facture ASAP** (``ui.asap_saisie``).

Every rule is the services' (``corail.services.titres``, ``titres_emission``, ``asap*``): each
action is one ``state.transaction()``, a refusal shows its French message and writes nothing;
then ``state.signaler("titres")``. Unsaved changes lock the list. A numbered titre is read-only:
*Annuler* opens its annulation or réduction. The screen's skeleton, shared with *Saisie des
mandats*, is ``ui.piece_saisie``.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QHBoxLayout, QPushButton, QWidget

from corail.domain.etats import EtatPiece, libelle_etat
from corail.services.asap import AsapDetail, lire_asap_titre
from corail.services.titres import (
    EDITABLES, TitreDetail, creer_titre, detail_titre, dupliquer_titre, modifier_titre, supprimer_titre,
    valider_titre,
)
from ui.asap_saisie import SaisieAsapDialog, ouvrir_asap
from ui.common import essayer
from ui.modeles import tableau
from ui.piece_saisie import BOUTONS, MotsPiece, SaisiePieceScreen, ServicesPiece, alias
from ui.titres_de_recettes_dialogues import (
    AnnulationTitreDialog, Chargement, boutons_permis, charger, entete_titre, imprimer_avis, joindre_pieces,
    modele_titres, pj_du_titre, retirer_piece,
)
from ui.titres_de_recettes_onglets import FormulaireTitre

__all__ = ["BOUTONS", "TitresDeRecettesScreen"]
RAFRAICHIR = {"titres", "factures_demat", "tiers", "nomenclature", "trains", "budget", "collectivite"}


class TitresDeRecettesScreen(SaisiePieceScreen):
    titre = "Titres de recettes"
    mots = MotsPiece("titre", "titres",
                     "Débiteur inconnu : choisissez-le dans la liste proposée ou avec « … »",
                     "Son avoir redevient à traiter.", choix_tiers="Choisir le débiteur")
    services = ServicesPiece(creer_titre, modifier_titre, valider_titre, supprimer_titre, dupliquer_titre,
                             joindre_pieces, retirer_piece)
    rafraichir = frozenset(RAFRAICHIR)
    editables = EDITABLES
    dialogue_annulation = AnnulationTitreDialog
    titre_id = alias("piece_id")
    titres = alias("liste")
    detail: TitreDetail | None
    asap: AsapDetail | None = None  # the titre's ASAP entry

    def _chargement_vide(self) -> Chargement:
        return Chargement()

    def _etats(self):
        return ((libelle_etat(e, titre=True), str(e)) for e in EtatPiece)

    def _liste(self):
        modele = modele_titres(self)
        return modele, tableau(modele, modele.colonne("Objet"))

    def _formulaire(self):
        formulaire = FormulaireTitre()
        return formulaire, formulaire.titre

    def _boutons_en_plus(self, ligne: QHBoxLayout) -> None:
        self.boutons["asap"] = QPushButton("PES Facture ASAP…")
        self.boutons["asap"].setToolTip("Saisir la facture ASAP du titre, ou importer celle d'un logiciel "
                                        "de facturation")
        ligne.addWidget(self.boutons["asap"])
        self.boutons["asap"].clicked.connect(self.pes_facture_asap)

    def _actions_pj(self):
        return (*super()._actions_pj(), ("avis", self.imprimer_avis))

    def _charger(self, session) -> Chargement:
        return essayer(self, lambda: charger(session, self.state.ctx, etat=self.filtre_etat.currentData(),
                                             train=self.filtre_train.currentData()), self.titre) \
            or Chargement()

    def _definir_choix(self) -> None:
        self.formulaire.definir_trains(self.choix.trains)
        self.formulaire.grille.modele.definir_choix(self.choix.imputations)
        self.formulaire.grille.article_defaut = self.choix.contexte.article_defaut
        self.formulaire.grille.du_sur_ht = self.choix.contexte.assujetti_tva

    def _trains(self):
        return ((nom, nom) for nom, attente in self.choix.trains if not attente)

    def montrer_titre(self, titre_id: int) -> None:
        """This titre in the form (filters cleared), e.g. after *Emettre titre*."""
        if not self.modifie:
            self._montrer(titre_id)

    def _afficher(self, titre_id: int | None) -> None:
        self.creation = self.modifie = False
        detail = asap = None
        if titre_id is not None:
            def lire():
                with self.state.lecture() as session:
                    return (detail_titre(session, self.state.ctx, titre_id),
                            lire_asap_titre(session, self.state.ctx, titre_id))
            detail, asap = essayer(self, lire, self.titre) or (None, None)
        self.detail, self.asap = detail, asap
        self.titre_id = detail.ligne.id if detail else None
        nom = self._texte_tiers(detail.tiers_id, detail.ligne.tiers) if detail else ""
        self.formulaire.charger(detail, nom, self.choix.vide)
        self.formulaire.definir_lecture_seule(detail is None or detail.ligne.etat not in EDITABLES)
        self.formulaire.afficher_pj(*pj_du_titre(detail, asap))
        self._etat_boutons()

    def _permis(self) -> dict[str, bool]:
        return boutons_permis(self.detail, sale=self.modifie, a_contexte=self.state.a_contexte)

    def _etat_en_plus(self, existe: bool) -> None:
        self.boutons["asap"].setText("PES Facture ASAP…" + (" (enregistrée)" if self.asap else ""))
        self.formulaire.boutons_pj["avis"].setEnabled(existe and self.asap is not None)

    def _entete(self) -> tuple[str, str]:
        return entete_titre(self.detail, creation=self.creation, a_contexte=self.state.a_contexte)

    def _vider(self) -> None:
        self.asap = None
        self.formulaire.charger(None, "", self.choix.vide)
        self.formulaire.afficher_pj(())

    def definir_tiers(self, tiers_id: int) -> None:
        self._tiers_choisi(tiers_id, self._texte_tiers(tiers_id, self.formulaire.titre.tiers.text()))
        self._modifie()

    # -- PES Facture ASAP ------------------------------------------------------------------

    def pes_facture_asap(self) -> QWidget | None:
        """The ASAP entry of the titre; the paramétrage first when it is incomplete."""
        if self.detail is None or self.modifie:
            return None
        dialogue = ouvrir_asap(self, self.state, self.detail, self.asap)
        if isinstance(dialogue, SaisieAsapDialog):
            dialogue.enregistre.connect(lambda i: (self.state.signaler("titres"), self._afficher(i)))
        elif dialogue is not None:  # the paramétrage: once validated, the ASAP entry
            dialogue.accepted.connect(self.pes_facture_asap)
        self.dialogue = dialogue or self.dialogue
        return dialogue

    # -- pièces jointes --------------------------------------------------------------------

    def _apres_pj(self) -> None:
        self.state.signaler("titres")
        self._afficher(self.titre_id)

    def imprimer_avis(self) -> Path | None:
        """The avis des sommes à payer (PDF with its talon), then offered to open."""
        return imprimer_avis(self, self.state, self.detail.ligne) if self.detail and self.asap else None
