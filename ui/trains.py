"""Dépenses › Trains: *Normal* by default, the user's trains, and the waiting trains (*attente*)
where the mandats de régularisation of direct debits (débit d'office) wait for the trésorier's
bordereau de régularisation.

The list of trains (validés, brouillons, montant à numéroter, référence de régularisation),
the mandats of the chosen train, *Nouveau train*, *Déplacer* the chosen mandats to another
train, and *Libérer* a waiting train: its mandats are validated, numbered and put in a
bordereau carrying the reference and date, in the background (``run_job``). Every change is
one transaction through ``corail.services.trains``, then ``state.signaler("trains")``.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QGroupBox, QHBoxLayout, QLabel, QMessageBox, QPushButton, QSplitter,
    QVBoxLayout, QWidget,
)

from corail.domain.etats import EtatPiece, libelle_etat
from corail.services.mandats import MandatLigne, lister_mandats
from corail.services.numerotation import Numerotation
from corail.services.trains import TrainLigne, deplacer_mandats, liberer_train, lister_trains
from ui.common import essayer, texte_cellule
from ui.modeles import Colonne, TableauModel, rangs_choisis, tableau
from ui.jobs import JobRun, run_job
from ui.state import AppState
from ui.trains_dialogues import LiberationDialog, NouveauTrainDialog, texte_numerotation

EN_COURS = (EtatPiece.BROUILLON, EtatPiece.VALIDE)


def regularisation(t: TrainLigne) -> str:
    if not t.reference_regularisation:
        return ""
    return t.reference_regularisation + (f" du {texte_cellule(t.date_regularisation)}"
                                         if t.date_regularisation else "")


def modele_trains(en_attente: dict[str, Decimal] | None = None,
                  parent=None) -> TableauModel[TrainLigne]:
    """``en_attente``: the amount of a waiting train's mandats (drafts included: the release
    validates them), by train name."""
    en_attente = {} if en_attente is None else en_attente
    return TableauModel([
        Colonne("Train", lambda t: t.nom),
        Colonne("Attente", lambda t: "Train d'attente" if t.attente else "",
                infobulle=lambda t: "Numéroté quand le bordereau de régularisation du comptable "
                                    "arrive (Libérer)" if t.attente else "Train ordinaire"),
        Colonne("Validés", lambda t: t.valides, droite=True),
        Colonne("Brouillons", lambda t: t.brouillons, droite=True),
        Colonne("Montant à numéroter", lambda t: t.montant_a_numeroter,
                infobulle=lambda _t: "Total des mandats validés, pas encore numérotés"),
        Colonne("Montant en attente", lambda t: en_attente.get(t.nom) if t.attente else None,
                infobulle=lambda t: "Mandats de régularisation en attente du bordereau du comptable, "
                                    "brouillons compris (la libération les valide)" if t.attente else ""),
        Colonne("Régularisation", regularisation,
                infobulle=lambda t: f"Dernier bordereau de régularisation : {regularisation(t)}"
                if t.reference_regularisation else ""),
    ], parent=parent)


def modele_mandats(parent=None) -> TableauModel[MandatLigne]:
    return TableauModel([
        Colonne("Mandat", lambda m: f"n° {m.numero}" if m.numero else f"{m.id} (non numéroté)",
                droite=True),
        Colonne("État", lambda m: libelle_etat(m.etat)),
        Colonne("Tiers", lambda m: m.tiers),
        Colonne("Objet", lambda m: m.objet),
        Colonne("Montant", lambda m: m.montant),
        Colonne("Régularisation", lambda m: "Débit d'office" if m.regularisation else "",
                infobulle=lambda m: "Mandat de régularisation (TypPce 05) : facture déjà payée "
                                    "par prélèvement" if m.regularisation else ""),
    ], parent=parent)


class TrainsScreen(QWidget):
    titre = "Trains"

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.dialogue: QWidget | None = None  # the last dialog opened (tests drive it)
        self.job: JobRun | None = None  # the last release started
        self.bouton_nouveau = QPushButton("Nouveau train…")
        self.bouton_nouveau.clicked.connect(self.nouveau)
        self.bouton_liberer = QPushButton("Libérer…")
        self.bouton_liberer.setToolTip("Le bordereau de régularisation du comptable est arrivé : "
                                       "numéroter les mandats du train d'attente")
        self.bouton_liberer.clicked.connect(self.liberer)
        barre = QHBoxLayout()
        barre.addWidget(self.bouton_nouveau)
        barre.addWidget(self.bouton_liberer)
        barre.addStretch(1)
        self._en_attente: dict[str, Decimal] = {}
        self.trains = modele_trains(self._en_attente, self)
        self.vue_trains = tableau(self.trains, self.trains.colonne("Régularisation"))
        self.vue_trains.selectionModel().selectionChanged.connect(lambda *_a: self._train_choisi())
        haut = QWidget()
        boite = QVBoxLayout(haut)
        boite.setContentsMargins(0, 0, 0, 0)
        boite.addLayout(barre)
        boite.addWidget(self.vue_trains)
        separateur = QSplitter(Qt.Orientation.Vertical)
        separateur.addWidget(haut)
        separateur.addWidget(self._panneau_mandats())
        separateur.setChildrenCollapsible(False)
        separateur.setSizes([260, 440])
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.addWidget(separateur, 1)
        layout.addWidget(self.message)
        state.contexte_change.connect(lambda _ctx: self.recharger())
        state.donnees_modifiees.connect(lambda _quoi: self.recharger())
        self.recharger()

    def _panneau_mandats(self) -> QWidget:
        self.groupe = QGroupBox("Mandats du train")
        self.numerotes = QCheckBox("Afficher aussi les mandats numérotés")
        self.numerotes.toggled.connect(lambda _c: self._charger_mandats())
        self.mandats = modele_mandats(self)
        self.vue_mandats = tableau(self.mandats, self.mandats.colonne("Objet"), multiple=True)
        self.vue_mandats.selectionModel().selectionChanged.connect(lambda *_a: self._etat_boutons())
        self.cible = QComboBox()
        self.cible.setMinimumContentsLength(16)
        self.cible.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.bouton_deplacer = QPushButton("Déplacer")
        self.bouton_deplacer.setToolTip("Déplacer les mandats choisis (non numérotés) vers ce train")
        self.bouton_deplacer.clicked.connect(self.deplacer)
        self.compte = QLabel()
        ligne = QHBoxLayout()
        ligne.addWidget(QLabel("Déplacer les mandats choisis vers le train :"))
        ligne.addWidget(self.cible)
        ligne.addWidget(self.bouton_deplacer)
        ligne.addStretch(1)
        ligne.addWidget(self.compte)
        boite = QVBoxLayout(self.groupe)
        boite.addWidget(self.numerotes)
        boite.addWidget(self.vue_mandats, 1)
        boite.addLayout(ligne)
        return self.groupe

    # -- loading -------------------------------------------------------------------------------

    def recharger(self) -> None:
        garde = self.train_choisi()
        lignes: list[TrainLigne] = []
        if self.state.a_contexte:
            with self.state.lecture() as session:
                lignes = lister_trains(session, self.state.ctx)
                self._en_attente.clear()
                for t in lignes:
                    if t.attente:
                        self._en_attente[t.nom] = sum(
                            (m.montant for m in lister_mandats(session, self.state.ctx, train=t.nom)
                             if m.numero is None and m.etat in EN_COURS), Decimal("0.00"))
        self.trains.remplacer(lignes)
        self.bouton_nouveau.setEnabled(self.state.a_contexte)
        self.choisir_train(garde.nom if garde else None)

    def choisir_train(self, nom: str | None) -> None:
        """Select the train ``nom`` (else the first one) and list its mandats."""
        rows = [r for r in range(self.trains.rowCount()) if self.trains.ligne(r).nom == nom]
        self.vue_trains.clearSelection()
        if rows or self.trains.rowCount():
            self.vue_trains.selectRow(rows[0] if rows else 0)
        self._train_choisi()

    def train_choisi(self) -> TrainLigne | None:
        rows = rangs_choisis(self.vue_trains)
        return self.trains.ligne(rows[0]) if rows and rows[0] < self.trains.rowCount() else None

    def _train_choisi(self) -> None:
        train = self.train_choisi()
        self.groupe.setTitle(f"Mandats du train « {train.nom} »" if train else "Mandats du train")
        self.cible.clear()
        for t in self.trains.lignes():
            if train is None or t.nom != train.nom:
                self.cible.addItem(t.nom + (" (train d'attente)" if t.attente else ""), t.nom)
        self._charger_mandats()

    def _charger_mandats(self) -> None:
        train = self.train_choisi()
        lignes: list[MandatLigne] = []
        if train is not None and self.state.a_contexte:
            with self.state.lecture() as session:
                lignes = lister_mandats(session, self.state.ctx, train=train.nom)
            if not self.numerotes.isChecked():
                lignes = [m for m in lignes if m.numero is None and m.etat in EN_COURS]
        garde = {m.id for m in self.mandats_choisis()}
        self.mandats.remplacer(lignes)
        self.choisir_mandats(*garde)
        self.compte.setText(f"{len(lignes)} mandat(s)" if lignes else "Aucun mandat")
        self._etat_boutons()

    def mandats_choisis(self) -> list[MandatLigne]:
        return [self.mandats.ligne(r) for r in rangs_choisis(self.vue_mandats)
                if r < self.mandats.rowCount()]

    def choisir_mandats(self, *ids: int) -> None:
        self.vue_mandats.clearSelection()
        for r in range(self.mandats.rowCount()):
            if self.mandats.ligne(r).id in ids:
                self.vue_mandats.selectionModel().select(
                    self.mandats.index(r, 0),
                    QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows)

    def _etat_boutons(self) -> None:
        train = self.train_choisi()
        choisis = self.mandats_choisis()
        self.bouton_liberer.setEnabled(bool(train and train.attente
                                            and train.valides + train.brouillons > 0))
        self.bouton_deplacer.setEnabled(bool(choisis) and self.cible.count() > 0 and all(
            m.numero is None and m.etat in EN_COURS for m in choisis))

    # -- actions -------------------------------------------------------------------------------

    def _apres(self, message: str, train: str | None = None) -> None:
        self.message.setText(message)
        self.state.signaler("trains")  # this screen reloads too
        if train:
            self.choisir_train(train)

    def nouveau(self) -> NouveauTrainDialog | None:
        if not self.state.a_contexte:
            return None
        dialogue = NouveauTrainDialog(self.state, self)
        dialogue.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialogue.enregistre.connect(lambda t: self._apres(
            f"Train « {t.nom} » créé" + (" (train d'attente)." if t.attente else "."), t.nom))
        self.dialogue = dialogue
        dialogue.open()
        return dialogue

    def deplacer(self) -> int | None:
        ids = [m.id for m in self.mandats_choisis()]
        cible = self.cible.currentData()
        if not ids or not cible:
            return None

        def faire() -> int:
            with self.state.transaction() as session:
                return deplacer_mandats(session, self.state.ctx, ids, cible)

        n = essayer(self, faire, "Déplacer")
        if n is not None:
            self._apres(f"{n} mandat(s) déplacé(s) vers le train « {cible} ».")
        return n

    def liberer(self) -> LiberationDialog | None:
        train = self.train_choisi()
        if train is None or not train.attente:
            return None
        dialogue = LiberationDialog(self.state, train, self)
        dialogue.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialogue.choisi.connect(lambda reference, le: self.lancer_liberation(train.nom, reference, le))
        self.dialogue = dialogue
        dialogue.open()
        return dialogue

    def lancer_liberation(self, nom: str, reference: str, le: date) -> JobRun:
        """Release the waiting train ``nom`` in the background; the bordereau is shown after."""
        ctx = self.state.ctx

        def faire(_control) -> Numerotation:
            with self.state.transaction() as session:
                return liberer_train(session, ctx, nom, reference=reference, le=le)

        def fait(num: Numerotation) -> None:
            texte = texte_numerotation(num, reference, le)
            self._apres(f"Train « {nom} » libéré.\n{texte}", nom)
            QMessageBox.information(self, "Libérer le train d'attente",
                                    f"Train « {nom} » libéré.\n\n{texte}\n\nLes mandats et le "
                                    f"bordereau s'impriment depuis Numérotation et édition des "
                                    f"mandats.")

        self.job = run_job(self, "Libérer le train d'attente", faire, fait,
                           texte=f"Numérotation des mandats du train « {nom} »…")
        return self.job
