"""Recettes › Titres de recettes: the exercice's titres (filtered by état and train) and the
selected one in its five tabs (``ui.titres_de_recettes_onglets``), with *Ajouter, Enregistrer,
Supprimer, Dupliquer, Valider, Annuler* and **PES Facture ASAP** (``ui.asap_saisie``).

Every rule is the services' (``corail.services.titres``, ``titres_emission``, ``asap*``): each
action is one ``state.transaction()``, a refusal shows its French message and writes nothing;
then ``state.signaler("titres")``. Unsaved changes lock the list. A numbered titre is read-only:
*Annuler* opens its annulation or réduction (the mandats screen's pattern).
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QStringListModel, Qt
from PySide6.QtWidgets import (
    QComboBox, QCompleter, QHBoxLayout, QLabel, QMessageBox, QPushButton, QSplitter, QVBoxLayout, QWidget,
)

from corail.domain.etats import EtatPiece, libelle_etat
from corail.errors import ValidationError
from corail.services.asap import AsapDetail, lire_asap_titre
from corail.services.titres import (
    EDITABLES, TitreDetail, TitreSaisie, creer_titre, detail_titre, dupliquer_titre, modifier_titre,
    supprimer_titre, valider_titre,
)
from ui.asap_saisie import SaisieAsapDialog, ouvrir_asap
from ui.common import afficher_erreur, essayer
from ui.modeles import tableau
from ui.saisie_des_mandats import ORANGE, SaisieDesMandatsScreen
from ui.saisie_des_mandats_dialogues import ChoixTiersDialog, ecrire, ligne_choisie, ouvrir_piece
from ui.state import AppState
from ui.titres_de_recettes_dialogues import (
    AnnulationTitreDialog, Chargement, boutons_permis, charger, entete_titre, imprimer_avis, joindre_pieces,
    modele_titres, pj_du_titre, retirer_piece,
)
from ui.titres_de_recettes_onglets import FormulaireTitre

RAFRAICHIR = {"titres", "factures_demat", "tiers", "nomenclature", "trains", "budget", "collectivite"}
BOUTONS = ("ajouter", "enregistrer", "supprimer", "dupliquer", "valider", "annuler")


class TitresDeRecettesScreen(QWidget):
    titre = "Titres de recettes"

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.detail: TitreDetail | None = None
        self.asap: AsapDetail | None = None
        self.titre_id: int | None = None
        self.creation = False  # a new titre not saved yet
        self.modifie = False  # unsaved changes in the form
        self.dialogue: QWidget | None = None  # the last dialog opened (tests drive it)
        self.choix = Chargement()
        self.filtre_etat = QComboBox()
        etats = ((libelle_etat(e, titre=True), str(e)) for e in EtatPiece)
        for texte, code in (("Tous les états", None), *etats):
            self.filtre_etat.addItem(texte, code)
        self.filtre_train = QComboBox()
        self.filtre_train.addItem("Tous les trains", None)
        self.filtre_train.setMinimumContentsLength(14)
        for filtre in (self.filtre_etat, self.filtre_train):
            filtre.activated.connect(lambda _i: self.recharger())
        self.compte = QLabel()
        barre = QHBoxLayout()
        for w in (QLabel("État :"), self.filtre_etat, QLabel("   Train :"), self.filtre_train, None,
                  self.compte):
            barre.addWidget(w) if w else barre.addStretch(1)
        self.titres = modele_titres(self)
        self.vue = tableau(self.titres, self.titres.colonne("Objet"))
        self.vue.selectionModel().selectionChanged.connect(lambda *_a: self._selection())
        separateur = QSplitter(Qt.Orientation.Vertical)
        separateur.addWidget(self.vue)
        separateur.addWidget(self._panneau())
        separateur.setChildrenCollapsible(False)
        separateur.setStretchFactor(1, 1)
        separateur.setSizes([170, 590])
        layout = QVBoxLayout(self)
        layout.addLayout(barre)
        layout.addWidget(separateur, 1)
        state.contexte_change.connect(lambda _ctx: self._contexte())
        state.donnees_modifiees.connect(lambda quoi: self.recharger() if quoi in RAFRAICHIR else None)
        self.recharger()

    def _panneau(self) -> QWidget:
        self.entete = QLabel(wordWrap=True, styleSheet="font-weight: bold;")
        self.formulaire = FormulaireTitre()
        self.formulaire.modifie.connect(self._modifie)
        t = self.formulaire.titre
        self.completion_tiers = QCompleter(QStringListModel(self), self)
        self.completion_tiers.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.completion_tiers.setFilterMode(Qt.MatchFlag.MatchContains)
        self.completion_tiers.activated.connect(self._tiers_complete)
        t.tiers.setCompleter(self.completion_tiers)
        t.tiers.editingFinished.connect(self._tiers_tape)
        t.bouton_tiers.clicked.connect(self.choisir_tiers)
        self.avertissements = QLabel(wordWrap=True, styleSheet=f"color: {ORANGE};")
        self.boutons = {cle: QPushButton(cle.capitalize()) for cle in BOUTONS}
        self.boutons["asap"] = QPushButton("PES Facture ASAP…")
        self.boutons["asap"].setToolTip("Saisir la facture ASAP du titre, ou importer celle d'un logiciel "
                                        "de facturation")
        ligne = QHBoxLayout()
        for cle in BOUTONS:  # Ajouter, Enregistrer… call the method of that name
            self.boutons[cle].clicked.connect(lambda _c=False, c=cle: getattr(self, c)())
            ligne.addWidget(self.boutons[cle])
        ligne.addStretch(1)
        ligne.addWidget(self.boutons["asap"])
        self.boutons["asap"].clicked.connect(self.pes_facture_asap)
        pj = self.formulaire.boutons_pj
        for cle, action in (("ouvrir", self.ouvrir_pj), ("ajouter", self.ajouter_pj),
                            ("retirer", self.retirer_pj), ("avis", self.imprimer_avis)):
            pj[cle].clicked.connect(lambda _c=False, a=action: a())
        self.formulaire.vue_pj.selectionModel().selectionChanged.connect(lambda *_a: self._etat_boutons())
        self.formulaire.vue_pj.doubleClicked.connect(lambda _i: self.ouvrir_pj())
        panneau = QWidget()
        layout = QVBoxLayout(panneau)
        layout.setContentsMargins(0, 4, 0, 0)
        for w in (self.entete, self.formulaire, self.avertissements):
            layout.addWidget(w, 1 if w is self.formulaire else 0)
        layout.addLayout(ligne)
        return panneau

    # -- loading ---------------------------------------------------------------------------

    def _contexte(self) -> None:
        self.modifie, self.creation, self.titre_id = False, False, None
        self.recharger()

    def recharger(self) -> None:
        """The choices and the list again; the form too unless it holds unsaved changes."""
        if not self.state.a_contexte:
            self.choix = Chargement()
            self.titres.remplacer([])
            self._afficher(None)
            return
        with self.state.lecture() as session:
            choix = essayer(self, lambda: charger(session, self.state.ctx,
                                                  etat=self.filtre_etat.currentData(),
                                                  train=self.filtre_train.currentData()), self.titre)
        self.choix = choix or Chargement()
        self.formulaire.definir_trains(self.choix.trains)
        self.formulaire.grille.modele.definir_choix(self.choix.imputations)
        self.formulaire.grille.article_defaut = self.choix.contexte.article_defaut
        self.formulaire.grille.du_sur_ht = self.choix.contexte.assujetti_tva
        self.completion_tiers.model().setStringList(list(self.choix.tiers))
        garde = self.filtre_train.currentData()
        self.filtre_train.clear()
        self.filtre_train.addItem("Tous les trains", None)
        for nom, attente in self.choix.trains:
            if not attente:
                self.filtre_train.addItem(nom, nom)
        self.filtre_train.setCurrentIndex(max(0, self.filtre_train.findData(garde)))
        self.titres.remplacer(self.choix.lignes)
        n = len(self.choix.lignes)
        self.compte.setText("Aucun titre" if n == 0 else f"{n} titre{'s' if n > 1 else ''}")
        rows = [r for r, l in enumerate(self.choix.lignes) if l.id == self.titre_id]
        self.vue.selectionModel().blockSignals(True)
        self.vue.clearSelection()
        if rows or (not self.modifie and n):
            self.vue.selectRow(rows[0] if rows else 0)
        self.vue.selectionModel().blockSignals(False)
        if not self.modifie:
            self._selection()
        self._etat_boutons()

    def _selection(self) -> None:
        row = ligne_choisie(self.vue)
        self._afficher(self.titres.ligne(row).id if row is not None else None)

    def montrer_titre(self, titre_id: int) -> None:
        """This titre in the form (filters cleared), e.g. after *Emettre titre*."""
        if self.modifie:
            return
        self.filtre_etat.setCurrentIndex(0)
        self.filtre_train.setCurrentIndex(0)
        self.titre_id = titre_id
        self.recharger()

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

    def _etat_boutons(self) -> None:
        d, sale = self.detail, self.modifie
        lecture_seule = d is not None and d.ligne.etat not in EDITABLES
        permis = boutons_permis(d, sale=sale, a_contexte=self.state.a_contexte)
        for cle, oui in permis.items():
            self.boutons[cle].setEnabled(bool(oui))
        self.boutons["annuler"].setToolTip("Annulation ou réduction du titre numéroté…"
                                           if not sale and lecture_seule
                                           else "Abandonner les modifications non enregistrées")
        self.boutons["asap"].setText("PES Facture ASAP…" + (" (enregistrée)" if self.asap else ""))
        for w in (self.vue, self.filtre_etat, self.filtre_train):
            w.setEnabled(not sale)
        pj_choisie = ligne_choisie(self.formulaire.vue_pj) is not None
        existe = d is not None and not self.creation
        pj = self.formulaire.boutons_pj
        pj["ouvrir"].setEnabled(existe and pj_choisie)
        pj["ajouter"].setEnabled(existe and not lecture_seule)
        pj["retirer"].setEnabled(existe and not lecture_seule and pj_choisie)
        pj["avis"].setEnabled(existe and self.asap is not None)
        entete, note = entete_titre(d, creation=self.creation, a_contexte=self.state.a_contexte)
        self.entete.setText(entete)
        if sale:
            note = "Modifications non enregistrées : Enregistrer, Valider ou Annuler."
        self.avertissements.setText(note)
        self.avertissements.setVisible(bool(note))

    def _modifie(self) -> None:
        if not self.modifie:
            self.modifie = True
            self._etat_boutons()

    # -- débiteur (the mandats screen's completion and « … », on this form) ----------------

    _texte_tiers = SaisieDesMandatsScreen._texte_tiers
    _tiers_complete = SaisieDesMandatsScreen._tiers_complete

    def _tiers_tape(self) -> None:
        """Typed text: a tiers of the completion list, else no débiteur (shown in red)."""
        t = self.formulaire.titre
        texte = t.tiers.text().strip()
        if t.tiers.isReadOnly() or texte == t.texte_tiers:
            return
        if texte in self.choix.tiers:
            self.definir_tiers(self.choix.tiers[texte])
            return
        t.tiers_id, t.texte_tiers = None, texte
        t.tiers.setStyleSheet("color: #b00020;" if texte else "")
        t.tiers.setToolTip("Débiteur inconnu : choisissez-le dans la liste proposée ou avec « … »")
        self._modifie()

    def choisir_tiers(self) -> ChoixTiersDialog | None:
        t = self.formulaire.titre
        if not self.state.a_contexte or t.tiers.isReadOnly():
            return None
        dialogue = ChoixTiersDialog(self.state, "" if t.tiers_id else t.tiers.text(), self)
        dialogue.setWindowTitle("Choisir le débiteur")
        dialogue.choisi.connect(self.definir_tiers)
        dialogue.open()
        self.dialogue = dialogue
        return dialogue

    def definir_tiers(self, tiers_id: int) -> None:
        t = self.formulaire.titre
        t.tiers_id = tiers_id
        t.texte_tiers = self._texte_tiers(tiers_id, t.tiers.text())
        t.tiers.setText(t.texte_tiers)
        t.tiers.setStyleSheet(""), t.tiers.setToolTip("")
        self._modifie()

    # -- actions ---------------------------------------------------------------------------

    def _ecrire(self, action):
        return ecrire(self, self.state, action, self.titre)

    def _apres(self, titre_id: int | None) -> None:
        """After a change: the list again, on ``titre_id`` (filters cleared if they hide it)."""
        self.modifie = self.creation = False
        self.titre_id = titre_id
        self.state.signaler("titres")
        if titre_id is not None and self.titre_id != titre_id:
            self.montrer_titre(titre_id)

    def _saisie(self) -> TitreSaisie | None:
        try:
            return self.formulaire.saisie()
        except ValidationError as exc:
            afficher_erreur(self, exc, self.titre)
            return None

    def _sauver(self, session, ctx, saisie: TitreSaisie) -> TitreDetail:
        return creer_titre(session, ctx, saisie) if self.creation \
            else modifier_titre(session, ctx, self.titre_id, saisie)

    def ajouter(self) -> None:
        """A new titre in the form (saved by Enregistrer or Valider)."""
        if not self.state.a_contexte or self.modifie:
            return
        self.vue.selectionModel().blockSignals(True)
        self.vue.clearSelection()
        self.vue.selectionModel().blockSignals(False)
        self.detail, self.asap, self.titre_id = None, None, None
        self.formulaire.charger(None, "", self.choix.vide)
        self.formulaire.definir_lecture_seule(False)
        self.formulaire.afficher_pj(())
        self.formulaire.setCurrentIndex(0)
        self.creation = self.modifie = True
        self._etat_boutons()
        self.formulaire.titre.tiers.setFocus()

    def enregistrer(self) -> bool:
        saisie = self._saisie()
        detail = saisie and self._ecrire(lambda s, ctx: self._sauver(s, ctx, saisie))
        if detail:
            self._apres(detail.ligne.id)
        return bool(detail)

    def valider(self) -> bool:
        """Validate (after saving the changes, in the same transaction): every reason why not."""
        if self.modifie:
            saisie = self._saisie()
            detail = saisie and self._ecrire(lambda s, ctx: valider_titre(
                s, ctx, self._sauver(s, ctx, saisie).ligne.id))
        elif self.titre_id is not None:
            detail = self._ecrire(lambda s, ctx: valider_titre(s, ctx, self.titre_id))
        else:
            return False
        if detail:
            self._apres(detail.ligne.id)
        return bool(detail)

    def supprimer(self) -> None:
        d = self.detail
        if d is None or self.modifie:
            return
        question = f"Supprimer le brouillon « {d.ligne.objet or d.ligne.tiers} » ?" \
            + ("\n\nSon avoir redevient à traiter." if d.ligne.facture_demat_id else "")
        if QMessageBox.question(self, "Supprimer le titre", question) != QMessageBox.StandardButton.Yes:
            return
        if self._ecrire(lambda s, ctx: supprimer_titre(s, ctx, d.ligne.id) or True):
            self._apres(None)

    def dupliquer(self) -> None:
        if self.detail is None or self.modifie:
            return
        detail = self._ecrire(lambda s, ctx: dupliquer_titre(s, ctx, self.detail.ligne.id))
        if detail is not None:
            self._apres(detail.ligne.id)

    def annuler(self) -> AnnulationTitreDialog | None:
        """Unsaved changes: dropped. A numbered titre: its annulation or réduction."""
        if self.modifie:
            self.modifie = self.creation = False
            self.recharger()
            return None
        d = self.detail
        if d is None or d.ligne.etat in EDITABLES:
            return None
        dialogue = AnnulationTitreDialog(self.state, d.ligne, self)
        dialogue.enregistre.connect(self._apres)
        dialogue.open()
        self.dialogue = dialogue
        return dialogue

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

    def _pj_choisie(self) -> tuple[int, str, str] | None:
        row = ligne_choisie(self.formulaire.vue_pj)
        return self.formulaire.pj.ligne(row) if row is not None else None

    def _apres_pj(self) -> None:
        self.state.signaler("titres")
        self._afficher(self.titre_id)

    def ouvrir_pj(self) -> Path | None:
        pj = self._pj_choisie()
        return ouvrir_piece(self, self.state, pj[0]) if pj else None

    def ajouter_pj(self) -> None:
        if self.titre_id is not None and not self.creation \
                and joindre_pieces(self, self.state, self.titre_id):
            self._apres_pj()

    def retirer_pj(self) -> None:
        pj = self._pj_choisie()
        if pj and self.titre_id is not None and retirer_piece(self, self.state, self.titre_id, pj):
            self._apres_pj()

    def imprimer_avis(self) -> Path | None:
        """The avis des sommes à payer (PDF with its talon), then offered to open."""
        return imprimer_avis(self, self.state, self.detail.ligne) if self.detail and self.asap else None
