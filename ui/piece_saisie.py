"""What *Saisie des mandats* and *Titres de recettes* share: the list of the exercice's pièces
(filtered by état and train) over the selected one's tabs, the tiers' completion and « … », and
*Ajouter, Enregistrer, Supprimer, Dupliquer, Valider, Annuler* with the P. Jointes buttons.

``SaisiePieceScreen`` is the skeleton; each screen says what differs: its services
(``ServicesPiece``), its words (``MotsPiece``), its form and list, and a few hooks (how it reads,
shows and empties a pièce). Every action is one ``state.transaction()`` through ``ecrire``; a
refusal shows its French message and writes nothing; then ``state.signaler(signal)``.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QStringListModel, Qt
from PySide6.QtWidgets import (
    QComboBox, QCompleter, QHBoxLayout, QLabel, QMessageBox, QPushButton, QSplitter, QVBoxLayout, QWidget,
)

from corail.errors import ValidationError
from ui.common import afficher_erreur
from ui.saisie_des_mandats_dialogues import ChoixTiersDialog, ecrire, ligne_choisie, ouvrir_piece
from ui.state import AppState

ORANGE = "#9a5b00"
BOUTONS = ("ajouter", "enregistrer", "supprimer", "dupliquer", "valider", "annuler")
NON_ENREGISTREES = "Modifications non enregistrées : Enregistrer, Valider ou Annuler."


@dataclass(frozen=True)
class ServicesPiece:
    """The services of one genre of pièce, each ``(session, ctx, …)``."""

    creer: Callable
    modifier: Callable
    valider: Callable
    supprimer: Callable
    dupliquer: Callable
    joindre: Callable  # (parent, state, piece_id) -> bool: files chosen and attached
    retirer: Callable  # (parent, state, piece_id, pj) -> bool: after a confirmation


@dataclass(frozen=True)
class MotsPiece:
    """The words of the screen: ``mandat`` / ``titre`` and the texts that differ."""

    nom: str  # "mandat", "titre"
    signal: str  # what ``state.signaler`` says after a change
    inconnu: str  # tooltip of a typed tiers that is not in the list
    suppression: str  # added to the Supprimer question when the pièce comes from an invoice
    choix_tiers: str = "Choisir le tiers"


def alias(nom: str) -> property:
    """An attribute read and written under another name (``mandat_id`` for ``piece_id``)."""
    return property(lambda self: getattr(self, nom), lambda self, v: setattr(self, nom, v))


class SaisiePieceScreen(QWidget):
    titre = ""
    mots: MotsPiece
    services: ServicesPiece
    rafraichir: frozenset[str] = frozenset()
    editables: frozenset = frozenset()  # the états in which the pièce can be changed
    dialogue_annulation: type = QWidget

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.detail = None
        self.piece_id: int | None = None
        self.creation = False  # a new pièce not saved yet
        self.modifie = False  # unsaved changes in the form
        self.dialogue: QWidget | None = None  # the last dialog opened (tests drive it)
        self.choix = self._chargement_vide()
        self.filtre_etat = QComboBox()
        for texte, code in (("Tous les états", None), *self._etats()):
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
        self.liste, self.vue = self._liste()
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
        state.donnees_modifiees.connect(lambda quoi: self.recharger() if quoi in self.rafraichir else None)
        self.recharger()

    # -- what each screen says -------------------------------------------------------------

    def _chargement_vide(self): raise NotImplementedError
    def _etats(self): raise NotImplementedError  # (texte, code) of the État filter
    def _liste(self): raise NotImplementedError  # (list model, its view)
    def _formulaire(self): raise NotImplementedError  # (tabs, the first tab with the tiers)
    def _charger(self, session): raise NotImplementedError  # one refresh: the Chargement
    def _definir_choix(self) -> None: raise NotImplementedError  # the form's choices
    def _trains(self): raise NotImplementedError  # (texte, nom) of the Train filter
    def _afficher(self, piece_id: int | None) -> None: raise NotImplementedError
    def _permis(self) -> dict[str, bool]: raise NotImplementedError
    def _entete(self) -> tuple[str, str]: raise NotImplementedError
    def _vider(self) -> None: raise NotImplementedError  # the form of a new pièce
    def _apres_pj(self) -> None: raise NotImplementedError

    def _boutons_en_plus(self, ligne: QHBoxLayout) -> None:
        """Buttons after the six actions' (at the right)."""

    def _etat_en_plus(self, existe: bool) -> None:
        """What the screen enables beyond the six actions and the three P. Jointes buttons."""

    def _actions_pj(self):
        return (("ouvrir", self.ouvrir_pj), ("ajouter", self.ajouter_pj), ("retirer", self.retirer_pj))

    # -- the panel -------------------------------------------------------------------------

    def _panneau(self) -> QWidget:
        self.entete = QLabel(wordWrap=True, styleSheet="font-weight: bold;")
        self.formulaire, self.onglet = self._formulaire()  # onglet: the tab with the tiers
        onglet = self.onglet
        self.formulaire.modifie.connect(self._modifie)
        self.completion_tiers = QCompleter(QStringListModel(self), self)
        self.completion_tiers.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.completion_tiers.setFilterMode(Qt.MatchFlag.MatchContains)
        self.completion_tiers.activated.connect(self._tiers_complete)
        onglet.tiers.setCompleter(self.completion_tiers)
        onglet.tiers.editingFinished.connect(self._tiers_tape)
        onglet.bouton_tiers.clicked.connect(self.choisir_tiers)
        self.avertissements = QLabel(wordWrap=True, styleSheet=f"color: {ORANGE};")
        self.boutons = {cle: QPushButton(cle.capitalize()) for cle in BOUTONS}
        ligne = QHBoxLayout()
        for cle in BOUTONS:  # Ajouter, Enregistrer… call the method of that name
            self.boutons[cle].clicked.connect(lambda _c=False, c=cle: getattr(self, c)())
            ligne.addWidget(self.boutons[cle])
        ligne.addStretch(1)
        self._boutons_en_plus(ligne)
        pj = self.formulaire.boutons_pj
        for cle, action in self._actions_pj():
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
        self.modifie, self.creation, self.piece_id = False, False, None
        self.recharger()

    def recharger(self) -> None:
        """The choices and the list again; the form too unless it holds unsaved changes."""
        if not self.state.a_contexte:
            self.choix = self._chargement_vide()
            self.liste.remplacer([])
            self._afficher(None)
            return
        with self.state.lecture() as session:
            self.choix = self._charger(session)
        self._definir_choix()
        self.completion_tiers.model().setStringList(list(self.choix.tiers))
        garde = self.filtre_train.currentData()
        self.filtre_train.clear()
        self.filtre_train.addItem("Tous les trains", None)
        for texte, nom in self._trains():
            self.filtre_train.addItem(texte, nom)
        self.filtre_train.setCurrentIndex(max(0, self.filtre_train.findData(garde)))
        self.liste.remplacer(self.choix.lignes)
        n, nom = len(self.choix.lignes), self.mots.nom
        self.compte.setText(f"Aucun {nom}" if n == 0 else f"{n} {nom}{'s' if n > 1 else ''}")
        rows = [r for r, l in enumerate(self.choix.lignes) if l.id == self.piece_id]
        self.vue.selectionModel().blockSignals(True)
        self.vue.clearSelection()
        if rows or (not self.modifie and n):
            self.vue.selectRow(rows[0] if rows else 0)
        self.vue.selectionModel().blockSignals(False)
        if not self.modifie:
            self._selection()
        self._etat_boutons()

    def _montrer(self, piece_id: int) -> None:
        """That pièce in the form: every état and train listed."""
        self.filtre_etat.setCurrentIndex(0)
        self.filtre_train.setCurrentIndex(0)
        self.piece_id = piece_id
        self.recharger()

    def _selection(self) -> None:
        row = ligne_choisie(self.vue)
        self._afficher(self.liste.ligne(row).id if row is not None else None)

    def _lecture_seule(self) -> bool:
        return self.detail is not None and self.detail.ligne.etat not in self.editables

    def _etat_boutons(self) -> None:
        sale, lecture_seule = self.modifie, self._lecture_seule()
        for cle, oui in self._permis().items():
            self.boutons[cle].setEnabled(bool(oui))
        self.boutons["annuler"].setToolTip(
            f"Annulation ou réduction du {self.mots.nom} numéroté…" if not sale and lecture_seule
            else "Abandonner les modifications non enregistrées")
        for w in (self.vue, self.filtre_etat, self.filtre_train):
            w.setEnabled(not sale)
        pj_choisie = ligne_choisie(self.formulaire.vue_pj) is not None
        existe = self.detail is not None and not self.creation
        pj = self.formulaire.boutons_pj
        pj["ouvrir"].setEnabled(existe and pj_choisie)
        pj["ajouter"].setEnabled(existe and not lecture_seule)
        pj["retirer"].setEnabled(existe and not lecture_seule and pj_choisie)
        self._etat_en_plus(existe)
        entete, note = self._entete()
        self.entete.setText(entete)
        note = NON_ENREGISTREES if sale else note
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

    def _tiers_inconnu(self) -> None:
        """A typed tiers that is not in the list: what else the form forgets."""

    def _tiers_tape(self) -> None:
        """Typed text: a tiers of the completion list, else no tiers (shown in red)."""
        o = self.onglet
        texte = o.tiers.text().strip()
        if o.tiers.isReadOnly() or texte == o.texte_tiers:
            return
        if texte in self.choix.tiers:
            self.definir_tiers(self.choix.tiers[texte])
            return
        o.tiers_id, o.texte_tiers = None, texte
        self._tiers_inconnu()
        o.tiers.setStyleSheet("color: #b00020;" if texte else "")
        o.tiers.setToolTip(self.mots.inconnu)
        self._modifie()

    def choisir_tiers(self) -> ChoixTiersDialog | None:
        o = self.onglet
        if not self.state.a_contexte or o.tiers.isReadOnly():
            return None
        dialogue = ChoixTiersDialog(self.state, "" if o.tiers_id else o.tiers.text(), self)
        dialogue.setWindowTitle(self.mots.choix_tiers)
        dialogue.choisi.connect(self.definir_tiers)
        dialogue.open()
        self.dialogue = dialogue
        return dialogue

    def _tiers_choisi(self, tiers_id: int, texte: str) -> None:
        o = self.onglet
        o.tiers_id, o.texte_tiers = tiers_id, texte
        o.tiers.setText(texte)
        o.tiers.setStyleSheet("")
        o.tiers.setToolTip("")

    # -- actions ---------------------------------------------------------------------------

    def _ecrire(self, action):
        return ecrire(self, self.state, action, self.titre)

    def _apres(self, piece_id: int | None) -> None:
        """After a change: the list again, on ``piece_id`` (filters cleared if they hide it)."""
        self.modifie = self.creation = False
        self.piece_id = piece_id
        self.state.signaler(self.mots.signal)
        if piece_id is not None and self.piece_id != piece_id:
            self._montrer(piece_id)

    def _saisie(self):
        try:
            return self.formulaire.saisie()
        except ValidationError as exc:
            afficher_erreur(self, exc, self.titre)
            return None

    def _sauver(self, session, ctx, saisie):
        return self.services.creer(session, ctx, saisie) if self.creation \
            else self.services.modifier(session, ctx, self.piece_id, saisie)

    def ajouter(self) -> None:
        """A new pièce in the form (saved by Enregistrer or Valider)."""
        if not self.state.a_contexte or self.modifie:
            return
        self.vue.selectionModel().blockSignals(True)
        self.vue.clearSelection()
        self.vue.selectionModel().blockSignals(False)
        self.detail, self.piece_id = None, None
        self._vider()
        self.formulaire.definir_lecture_seule(False)
        self.formulaire.setCurrentIndex(0)
        self.creation = self.modifie = True
        self._etat_boutons()
        self.onglet.tiers.setFocus()

    def enregistrer(self) -> bool:
        saisie = self._saisie()
        detail = saisie and self._ecrire(lambda s, ctx: self._sauver(s, ctx, saisie))
        if detail:
            self._apres(detail.ligne.id)
        return bool(detail)

    def valider(self) -> bool:
        """Validate (after saving the changes, in the same transaction): every reason why not."""
        valider = self.services.valider
        if self.modifie:
            saisie = self._saisie()
            detail = saisie and self._ecrire(
                lambda s, ctx: valider(s, ctx, self._sauver(s, ctx, saisie).ligne.id))
        elif self.piece_id is not None:
            detail = self._ecrire(lambda s, ctx: valider(s, ctx, self.piece_id))
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
            + (f"\n\n{self.mots.suppression}" if d.ligne.facture_demat_id else "")
        if QMessageBox.question(self, f"Supprimer le {self.mots.nom}", question) \
                != QMessageBox.StandardButton.Yes:
            return
        if self._ecrire(lambda s, ctx: self.services.supprimer(s, ctx, d.ligne.id) or True):
            self._apres(None)

    def dupliquer(self) -> None:
        if self.detail is None or self.modifie:
            return
        detail = self._ecrire(lambda s, ctx: self.services.dupliquer(s, ctx, self.detail.ligne.id))
        if detail is not None:
            self._apres(detail.ligne.id)

    def annuler(self):
        """Unsaved changes: dropped. A numbered pièce: its annulation or réduction."""
        if self.modifie:
            self.modifie = self.creation = False
            self.recharger()
            return None
        d = self.detail
        if d is None or d.ligne.etat in self.editables:
            return None
        dialogue = self.dialogue_annulation(self.state, d.ligne, self)
        dialogue.enregistre.connect(self._apres)
        dialogue.open()
        self.dialogue = dialogue
        return dialogue

    # -- pièces jointes --------------------------------------------------------------------

    def _pj_choisie(self) -> tuple[int, str, str] | None:
        row = ligne_choisie(self.formulaire.vue_pj)
        return self.formulaire.pj.ligne(row) if row is not None else None

    def ouvrir_pj(self) -> Path | None:
        pj = self._pj_choisie()
        return ouvrir_piece(self, self.state, pj[0]) if pj else None

    def ajouter_pj(self) -> None:
        if self.piece_id is not None and not self.creation \
                and self.services.joindre(self, self.state, self.piece_id):
            self._apres_pj()

    def retirer_pj(self) -> None:
        pj = self._pj_choisie()
        if pj and self.piece_id is not None and self.services.retirer(self, self.state, self.piece_id, pj):
            self._apres_pj()
