"""Dépenses › Saisie des mandats: the exercice's mandats (filtered by état and train) and the
selected one in its six tabs (``ui.saisie_des_mandats_onglets``), with *Ajouter, Enregistrer,
Supprimer, Dupliquer, Valider, Annuler*.

Every rule is the services' (``corail.services.mandats``, ``mandats_pj``, ``numerotation``): each
action is one ``state.transaction()``, a refusal shows its French message — every reason, for
*Valider* — and nothing is written; then ``state.signaler("mandats")``. While the form holds
unsaved changes the list is locked: *Enregistrer*, *Valider* (saves and validates at once) or
*Annuler*. A numbered mandat is read-only: *Annuler* opens its annulation or réduction.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QStringListModel, Qt
from PySide6.QtWidgets import (
    QComboBox, QCompleter, QHBoxLayout, QLabel, QMessageBox, QPushButton, QSplitter,
    QVBoxLayout, QWidget,
)

from corail.domain.etats import EtatPiece, libelle_etat
from corail.errors import ValidationError
from corail.services.mandats import (
    EDITABLES, MandatDetail, MandatSaisie, creer_mandat, detail_mandat, dupliquer_mandat,
    modifier_mandat, supprimer_mandat, valider_mandat,
)
from corail.services.numerotation import ANNULABLES
from corail.services.tiers import lire_tiers
from ui.common import afficher_erreur, essayer
from ui.saisie_des_mandats_dialogues import (
    AnnulationDialog, Chargement, ChoixTiersDialog, ecrire, entete_mandat, joindre_pieces,
    ligne_choisie, modele_mandats, ouvrir_piece, retirer_piece,
)
from ui.modeles import tableau
from ui.saisie_des_mandats_modeles import charger, largeurs_au_contenu
from ui.saisie_des_mandats_onglets import FormulaireMandat
from ui.state import AppState

RAFRAICHIR = {"mandats", "factures_demat", "tiers", "nomenclature", "engagements", "trains",
              "budget", "collectivite", "factures"}
ORANGE = "#9a5b00"


class SaisieDesMandatsScreen(QWidget):
    titre = "Saisie des mandats"

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.detail: MandatDetail | None = None
        self.mandat_id: int | None = None
        self.creation = False  # a new mandat not saved yet
        self.modifie = False  # unsaved changes in the form
        self.dialogue: QWidget | None = None  # the last dialog opened (tests drive it)
        self.choix = Chargement()
        self.filtre_etat = QComboBox()
        for texte, code in (("Tous les états", None), *((libelle_etat(e), str(e)) for e in EtatPiece)):
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
        self.mandats = modele_mandats(self)
        self.vue = tableau(self.mandats, 2)
        largeurs_au_contenu(self.vue, 2)
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
        self.formulaire = FormulaireMandat()
        self.formulaire.modifie.connect(self._modifie)
        m = self.formulaire.mandat
        self.completion_tiers = QCompleter(QStringListModel(self), self)
        self.completion_tiers.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.completion_tiers.setFilterMode(Qt.MatchFlag.MatchContains)
        self.completion_tiers.activated.connect(self._tiers_complete)
        m.tiers.setCompleter(self.completion_tiers)
        m.tiers.editingFinished.connect(self._tiers_tape)
        m.bouton_tiers.clicked.connect(self.choisir_tiers)
        self.avertissements = QLabel()
        self.avertissements.setWordWrap(True)
        self.avertissements.setStyleSheet(f"color: {ORANGE};")
        self.boutons = {cle: QPushButton(cle.capitalize()) for cle in (
            "ajouter", "enregistrer", "supprimer", "dupliquer", "valider", "annuler")}
        ligne = QHBoxLayout()
        for cle, bouton in self.boutons.items():  # Ajouter, Enregistrer… call the method of that name
            bouton.clicked.connect(lambda _c=False, c=cle: getattr(self, c)())
            ligne.addWidget(bouton)
        ligne.addStretch(1)
        pj = self.formulaire.boutons_pj
        pj["ouvrir"].clicked.connect(self.ouvrir_pj)
        pj["ajouter"].clicked.connect(self.ajouter_pj)
        pj["retirer"].clicked.connect(self.retirer_pj)
        self.formulaire.vue_pj.selectionModel().selectionChanged.connect(
            lambda *_a: self._etat_boutons())
        self.formulaire.vue_pj.doubleClicked.connect(lambda _i: self.ouvrir_pj())
        panneau = QWidget()
        layout = QVBoxLayout(panneau)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addWidget(self.entete)
        layout.addWidget(self.formulaire, 1)
        layout.addWidget(self.avertissements)
        layout.addLayout(ligne)
        return panneau

    # -- loading ---------------------------------------------------------------------------

    def _contexte(self) -> None:
        self.modifie, self.creation, self.mandat_id = False, False, None
        self.recharger()

    def recharger(self) -> None:
        """The choices and the list again; the form too unless it holds unsaved changes."""
        if not self.state.a_contexte:
            self.choix = Chargement()
            self.mandats.remplacer([])
            self._afficher(None)
            return
        with self.state.lecture() as session:
            self.choix = charger(session, self.state.ctx, etat=self.filtre_etat.currentData(),
                                 train=self.filtre_train.currentData())
        self.formulaire.definir_contexte(self.choix.contexte)
        self.formulaire.grille.modele.definir_choix(self.choix.imputations)
        self.formulaire.grille.article_defaut = self.choix.defaut_article
        self.completion_tiers.model().setStringList(list(self.choix.tiers))
        garde = self.filtre_train.currentData()
        self.filtre_train.clear()
        self.filtre_train.addItem("Tous les trains", None)
        for nom, attente in self.choix.contexte.trains:
            self.filtre_train.addItem(f"{nom} (attente)" if attente else nom, nom)
        self.filtre_train.setCurrentIndex(max(0, self.filtre_train.findData(garde)))
        self.mandats.remplacer(self.choix.lignes)
        n = len(self.choix.lignes)
        self.compte.setText("Aucun mandat" if n == 0 else f"{n} mandat{'s' if n > 1 else ''}")
        rows = [r for r, l in enumerate(self.choix.lignes) if l.id == self.mandat_id]
        self.vue.selectionModel().blockSignals(True)
        self.vue.clearSelection()
        if rows or (not self.modifie and n):
            self.vue.selectRow(rows[0] if rows else 0)
        self.vue.selectionModel().blockSignals(False)
        if not self.modifie:
            self._selection()
        self._etat_boutons()

    def montrer_mandat(self, mandat_id: int) -> None:
        """Show that mandat (Accès from another screen): every état and train listed."""
        self.modifie, self.mandat_id = False, mandat_id
        self.filtre_etat.setCurrentIndex(0)
        self.filtre_train.setCurrentIndex(0)
        self.recharger()

    def _selection(self) -> None:
        row = ligne_choisie(self.vue)
        self._afficher(self.mandats.ligne(row).id if row is not None else None)

    def _afficher(self, mandat_id: int | None) -> None:
        self.creation = self.modifie = False
        detail, tiers = None, None
        if mandat_id is not None:
            def lire():
                with self.state.lecture() as session:
                    d = detail_mandat(session, self.state.ctx, mandat_id)
                    ident = d.saisie.tiers_id
                    t = lire_tiers(session, self.state.ctx, ident) if ident else None
                    return d, t
            detail, tiers = essayer(self, lire, self.titre) or (None, None)
        self.detail = detail
        self.mandat_id = detail.ligne.id if detail else None
        comptes = ()
        if tiers is not None:
            gardes = {c.id for c in tiers.comptes}
            comptes = tiers.comptes + tuple(c for c in tiers.historique if c.id not in gardes
                                            and c.id == detail.saisie.compte_bancaire_id)
        nom = self._texte_tiers(tiers.id, tiers.nom_complet) if tiers else ""
        self.formulaire.charger(detail, comptes, nom, self.choix.vide)
        self.formulaire.definir_lecture_seule(detail is None or detail.ligne.etat not in EDITABLES)
        self._etat_boutons()

    def _etat_boutons(self) -> None:
        d, sale = self.detail, self.modifie
        lecture_seule = d is not None and d.ligne.etat not in EDITABLES
        annulable = d is not None and d.ligne.etat in ANNULABLES and d.ligne.numero is not None
        permis = {
            "ajouter": self.state.a_contexte and not sale,
            "enregistrer": sale,
            "supprimer": not sale and d is not None and d.ligne.etat == EtatPiece.BROUILLON,
            "dupliquer": not sale and d is not None,
            "valider": sale or (d is not None and d.ligne.etat in (EtatPiece.BROUILLON,
                                                                     EtatPiece.REJETE)),
            "annuler": sale or (lecture_seule and annulable),
        }
        for cle, oui in permis.items():
            self.boutons[cle].setEnabled(bool(oui))
        self.boutons["annuler"].setToolTip(
            "Annulation ou réduction du mandat numéroté…" if not sale and lecture_seule
            else "Abandonner les modifications non enregistrées")
        self.vue.setEnabled(not sale)
        self.filtre_etat.setEnabled(not sale)
        self.filtre_train.setEnabled(not sale)
        pj_choisie = ligne_choisie(self.formulaire.vue_pj) is not None
        pj = self.formulaire.boutons_pj
        pj["ouvrir"].setEnabled(d is not None and not self.creation and pj_choisie)
        pj["ajouter"].setEnabled(d is not None and not self.creation and not lecture_seule)
        pj["retirer"].setEnabled(d is not None and not self.creation and not lecture_seule and pj_choisie)
        self.formulaire.note_pj.setText("Enregistrez d'abord le mandat" if self.creation else "")
        entete, note = entete_mandat(d, creation=self.creation, a_contexte=self.state.a_contexte)
        self.entete.setText(entete)
        if sale:
            note = "Modifications non enregistrées : Enregistrer, Valider ou Annuler."
        self.avertissements.setText(note)
        self.avertissements.setVisible(bool(note))

    def _modifie(self) -> None:
        if not self.modifie:
            self.modifie = True
            self._etat_boutons()

    # -- tiers -----------------------------------------------------------------------------

    def _texte_tiers(self, tiers_id: int | None, defaut: str = "") -> str:
        return next((texte for texte, i in self.choix.tiers.items() if i == tiers_id), defaut)

    def _tiers_complete(self, texte: str) -> None:
        if texte in self.choix.tiers:
            self.definir_tiers(self.choix.tiers[texte])

    def _tiers_tape(self) -> None:
        """Typed text: a tiers of the completion list, else no tiers (shown in red)."""
        m = self.formulaire.mandat
        texte = m.tiers.text().strip()
        if m.tiers.isReadOnly() or texte == m.texte_tiers:
            return
        if texte in self.choix.tiers:
            self.definir_tiers(self.choix.tiers[texte])
            return
        m.tiers_id, m.texte_tiers = None, texte
        m.definir_comptes((), None)
        m.tiers.setStyleSheet("color: #b00020;" if texte else "")
        m.tiers.setToolTip("Tiers inconnu : choisissez-le dans la liste proposée ou avec « … »")
        self._modifie()

    def choisir_tiers(self) -> ChoixTiersDialog | None:
        m = self.formulaire.mandat
        if not self.state.a_contexte or m.tiers.isReadOnly():
            return None
        dialogue = ChoixTiersDialog(self.state, "" if m.tiers_id else m.tiers.text(), self)
        dialogue.choisi.connect(self.definir_tiers)
        dialogue.open()
        self.dialogue = dialogue
        return dialogue

    def definir_tiers(self, tiers_id: int) -> None:
        """The mandat's tiers, its accounts in Banque (the principal one chosen)."""
        with self.state.lecture() as session:
            t = essayer(self, lambda: lire_tiers(session, self.state.ctx, tiers_id), self.titre)
        if t is None:
            return
        m = self.formulaire.mandat
        m.tiers_id, m.texte_tiers = t.id, self._texte_tiers(t.id, t.nom_complet)
        m.tiers.setText(m.texte_tiers)
        m.tiers.setStyleSheet("")
        m.tiers.setToolTip("")
        m.definir_comptes(t.comptes, None)
        self._modifie()

    # -- actions ---------------------------------------------------------------------------

    def _apres(self, mandat_id: int | None) -> None:
        """After a change: the list again, on ``mandat_id`` (filters cleared if they hide it)."""
        self.modifie = self.creation = False
        self.mandat_id = mandat_id
        self.state.signaler("mandats")
        if mandat_id is not None and self.mandat_id != mandat_id:
            self.filtre_etat.setCurrentIndex(0)
            self.filtre_train.setCurrentIndex(0)
            self.mandat_id = mandat_id
            self.recharger()

    def _saisie(self) -> MandatSaisie | None:
        try:
            return self.formulaire.saisie()
        except ValidationError as exc:
            afficher_erreur(self, exc, self.titre)
            return None

    def _sauver(self, session, ctx, saisie: MandatSaisie) -> MandatDetail:
        return creer_mandat(session, ctx, saisie) if self.creation \
            else modifier_mandat(session, ctx, self.mandat_id, saisie)

    def ajouter(self) -> None:
        """A new mandat in the form (saved by Enregistrer or Valider)."""
        if not self.state.a_contexte or self.modifie:
            return
        self.vue.selectionModel().blockSignals(True)
        self.vue.clearSelection()
        self.vue.selectionModel().blockSignals(False)
        self.detail, self.mandat_id = None, None
        self.formulaire.charger(None, (), "", self.choix.vide)
        self.formulaire.definir_lecture_seule(False)
        self.formulaire.setCurrentIndex(0)
        self.creation = self.modifie = True
        self._etat_boutons()
        self.formulaire.mandat.tiers.setFocus()

    def enregistrer(self) -> bool:
        saisie = self._saisie()
        if saisie is None:
            return False
        detail = ecrire(self, self.state, lambda s, ctx: self._sauver(s, ctx, saisie))
        if detail is not None:
            self._apres(detail.ligne.id)
        return detail is not None

    def valider(self) -> bool:
        """Validate (after saving the changes, in the same transaction): every reason why not."""
        if self.modifie:
            saisie = self._saisie()
            if saisie is None:
                return False
            detail = ecrire(self, self.state, lambda s, ctx: valider_mandat(
                s, ctx, self._sauver(s, ctx, saisie).ligne.id))
        elif self.mandat_id is not None:
            detail = ecrire(self, self.state, lambda s, ctx: valider_mandat(s, ctx, self.mandat_id))
        else:
            return False
        if detail is not None:
            self._apres(detail.ligne.id)
        return detail is not None

    def supprimer(self) -> None:
        d = self.detail
        if d is None or self.modifie:
            return
        reponse = QMessageBox.question(
            self, "Supprimer le mandat",
            f"Supprimer le brouillon « {d.ligne.objet or d.ligne.tiers} » ?"
            + ("\n\nSa facture redevient à traiter." if d.ligne.facture_demat_id else ""))
        if reponse != QMessageBox.StandardButton.Yes:
            return
        if ecrire(self, self.state, lambda s, ctx: supprimer_mandat(s, ctx, d.ligne.id) or True):
            self._apres(None)

    def dupliquer(self) -> None:
        if self.detail is None or self.modifie:
            return
        detail = ecrire(self, self.state, lambda s, ctx: dupliquer_mandat(s, ctx, self.detail.ligne.id))
        if detail is not None:
            self._apres(detail.ligne.id)

    def annuler(self) -> AnnulationDialog | None:
        """Unsaved changes: dropped. A numbered mandat: its annulation or réduction."""
        if self.modifie:
            self.modifie = self.creation = False
            self.recharger()
            return None
        d = self.detail
        if d is None or d.ligne.etat in EDITABLES:
            return None
        dialogue = AnnulationDialog(self.state, d.ligne, self)
        dialogue.enregistre.connect(self._apres)
        dialogue.open()
        self.dialogue = dialogue
        return dialogue

    # -- pièces jointes --------------------------------------------------------------------

    def _pj_choisie(self) -> tuple[int, str, str] | None:
        row = ligne_choisie(self.formulaire.vue_pj)
        return self.formulaire.pj.ligne(row) if row is not None else None

    def _apres_pj(self) -> None:
        with self.state.lecture() as session:
            detail = essayer(self, lambda: detail_mandat(session, self.state.ctx, self.mandat_id))
        if detail is not None:
            self.formulaire.afficher_pj(detail.pj)
        self.state.signaler("mandats")
        self._etat_boutons()

    def ouvrir_pj(self) -> Path | None:
        pj = self._pj_choisie()
        return ouvrir_piece(self, self.state, pj[0]) if pj else None

    def ajouter_pj(self) -> None:
        if self.mandat_id is not None and not self.creation \
                and joindre_pieces(self, self.state, self.mandat_id):
            self._apres_pj()

    def retirer_pj(self) -> None:
        pj = self._pj_choisie()
        if pj and self.mandat_id is not None and retirer_piece(self, self.state, self.mandat_id, pj):
            self._apres_pj()
