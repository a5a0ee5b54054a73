"""Téléprocédures › Statuts Chorus Pro, and the dialog *Génération du fichier de transfert des
statuts des factures dématérialisées*.

The screen lists the statuses still to set in Chorus Pro (or all of them, with the ones read
from Chorus Pro's history), with *Générer le fichier de transfert…*, *Marquer saisi dans Chorus
Pro* (mode portail) and *Récupérer / transmettre* (mode service, ``ui.recuperation_factures``).
In mode portail the seed's warning stands: a rejection does not reach Chorus Pro by itself.
The dialog — Tous les statuts / Un statut; Toutes les factures / Une facture; Répertoire de
transfert — writes one CPPStatut file through ``services.statuts_export``.
"""
from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QButtonGroup, QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFileDialog, QFormLayout,
    QGridLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit, QPushButton, QRadioButton, QVBoxLayout,
    QWidget,
)

from corail.domain.etats import STATUTS_CHORUS
from corail.services.reglages_demat import lire_recuperation
from corail.services.statuts import StatutLigne, lister_statuts, marquer_saisis
from corail.services.statuts_export import ExportStatuts, exporter_statuts, repertoire_transfert
from corail.errors import ValidationError
from ui.common import afficher_erreur, essayer
from ui.modeles import Colonne, TableauModel, rangs_choisis, tableau
from ui.state import AppState

TITRE_GENERATION = "Génération du fichier de transfert des statuts des factures dématérialisées"
AVERTISSEMENT_PORTAIL = (
    "Mode portail : un rejet, une suspension ou un mandatement n'atteint pas Chorus Pro de "
    "lui-même : chaque statut doit aussi être saisi dans Chorus Pro (le fichier de transfert en "
    "garde la trace), puis noté « Marquer saisi dans Chorus Pro ».")
SERVICE = "Mode service : les statuts partent vers Chorus Pro à chaque récupération des factures."
STYLE_ALERTE = "color: #9a5b00; font-weight: bold;"


def modele_statuts(parent=None) -> TableauModel[StatutLigne]:
    return TableauModel([
        Colonne("Date", lambda l: l.horodatage),
        Colonne("N° facture", lambda l: l.numero_facture),
        Colonne("Fournisseur", lambda l: l.fournisseur),
        Colonne("Statut", lambda l: f"{l.code} – {l.libelle}"),
        Colonne("Motif / mandat", lambda l: " — ".join(x for x in (
            f"Mandat n° {l.numero_mandat}" if l.numero_mandat else "", l.motif) if x),
            infobulle=lambda l: l.motif),
        Colonne("Envoi", lambda l: l.envoi_libelle, infobulle=lambda l: l.message),
        Colonne("Utilisateur", lambda l: l.utilisateur),
    ], alerte=lambda l: l.envoi == "echec", grise=lambda l: l.origine == "chorus", parent=parent)


class GenerationStatutsDialog(QDialog):
    """Tous les statuts / Un statut; Toutes les factures / Une facture; Répertoire de transfert."""

    #: ExportStatuts, after the file is written and the transaction committed
    genere = Signal(object)

    def __init__(self, state: AppState, facture_id: int | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.resultat: ExportStatuts | None = None
        self.setWindowTitle(TITRE_GENERATION)
        self.setMinimumWidth(620)
        with state.lecture() as s:
            lignes = lister_statuts(s, state.ctx)
            dossier = repertoire_transfert(s, state.ctx)
            portail = lire_recuperation(s, state.ctx).mode == "portail"
        self.tous_statuts, self.un_statut = QRadioButton("Tous les statuts"), QRadioButton("Un statut")
        self.statut = QComboBox()
        for code in dict.fromkeys(l.code for l in lignes):
            self.statut.addItem(f"{code} – {STATUTS_CHORUS[code][1]}", code)
        self.toutes, self.une = QRadioButton("Toutes les factures"), QRadioButton("Une facture")
        self.facture = QComboBox()
        for fid, numero in dict.fromkeys((l.facture_id, l.numero_facture) for l in lignes):
            self.facture.addItem(f"{numero} (id {fid})", fid)
        grille = QGridLayout()
        for ligne, (a, b, combo) in enumerate(((self.tous_statuts, self.un_statut, self.statut),
                                               (self.toutes, self.une, self.facture))):
            groupe = QButtonGroup(self)
            groupe.addButton(a)
            groupe.addButton(b)
            a.setChecked(True)
            grille.addWidget(a, ligne, 0)
            grille.addWidget(b, ligne, 1)
            grille.addWidget(combo, ligne, 2)
            b.toggled.connect(self._activer)
        if facture_id is not None and self.facture.findData(facture_id) >= 0:
            self.une.setChecked(True)
            self.facture.setCurrentIndex(self.facture.findData(facture_id))
        self.dossier = QLineEdit(dossier)
        parcourir = QPushButton("Parcourir…")
        parcourir.clicked.connect(self.choisir_dossier)
        ligne_dossier = QHBoxLayout()
        ligne_dossier.addWidget(self.dossier, 1)
        ligne_dossier.addWidget(parcourir)
        self.reexporter = QCheckBox("Reprendre aussi les statuts déjà écrits dans un fichier")
        form = QFormLayout()
        form.addRow("Répertoire de transfert :", ligne_dossier)
        form.addRow(self.reexporter)
        self.info = QLabel(f"{len(lignes)} statut(s) à saisir dans Chorus Pro."
                           + (f"\n{AVERTISSEMENT_PORTAIL}" if portail else f"\n{SERVICE}"))
        self.info.setWordWrap(True)
        if portail:
            self.info.setStyleSheet(STYLE_ALERTE)
        boutons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        boutons.button(QDialogButtonBox.StandardButton.Ok).setText("Générer")
        boutons.button(QDialogButtonBox.StandardButton.Cancel).setText("Fermer")
        boutons.accepted.connect(self.generer)
        boutons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(grille)
        layout.addLayout(form)
        layout.addWidget(self.info)
        layout.addWidget(boutons)
        self._activer()

    def _activer(self, *_args) -> None:
        self.statut.setEnabled(self.un_statut.isChecked())
        self.facture.setEnabled(self.une.isChecked())

    def choisir_dossier(self) -> None:
        dossier = QFileDialog.getExistingDirectory(self, "Répertoire de transfert", self.dossier.text())
        if dossier:
            self.dossier.setText(dossier)

    def generer(self) -> ExportStatuts | None:
        statut = self.statut.currentData() if self.un_statut.isChecked() else None
        facture = self.facture.currentData() if self.une.isChecked() else None
        if (self.un_statut.isChecked() and statut is None) or (self.une.isChecked() and facture is None):
            afficher_erreur(self, ValidationError("Aucun statut à transférer : choisissez un statut "
                                                  "et une facture de la liste"), TITRE_GENERATION)
            return None

        def faire() -> ExportStatuts:
            with self.state.transaction() as s:
                return exporter_statuts(s, self.state.ctx, self.dossier.text(), statut=statut,
                                        facture_id=facture, reexporter=self.reexporter.isChecked())

        res = essayer(self, faire, TITRE_GENERATION)
        if res is not None:
            self.resultat = res
            self.state.signaler("statuts_chorus")
            self.genere.emit(res)
            self.accept()
        return res


class StatutsChorusScreen(QWidget):
    titre = "Statuts Chorus Pro"

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.dialogue: QDialog | None = None
        self.avertissement = QLabel(AVERTISSEMENT_PORTAIL)
        self.avertissement.setWordWrap(True)
        self.tous = QCheckBox("Afficher tous les statuts (transmis, lus dans Chorus Pro)")
        self.tous.toggled.connect(lambda _c: self.recharger())
        self.modele = modele_statuts(self)
        self.vue = tableau(self.modele, 4, multiple=True)
        self.generation = QPushButton("Générer le fichier de transfert…")
        self.saisis = QPushButton("Marquer saisi dans Chorus Pro")
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.generation.clicked.connect(lambda: self.generer())
        self.saisis.clicked.connect(self.marquer_saisis)
        boutons = QHBoxLayout()
        boutons.addWidget(self.generation)
        boutons.addWidget(self.saisis)
        from ui.recuperation_factures import RecuperationFactures
        self.recuperation = RecuperationFactures(state, self)
        boutons.addWidget(self.recuperation.bouton)
        boutons.addStretch(1)
        groupe = QGroupBox("Statuts à saisir dans Chorus Pro")
        vg = QVBoxLayout(groupe)
        vg.addWidget(self.tous)
        vg.addWidget(self.vue, 1)
        vg.addLayout(boutons)
        layout = QVBoxLayout(self)
        layout.addWidget(self.avertissement)
        layout.addWidget(groupe, 1)
        layout.addWidget(self.message)
        self.vue.selectionModel().selectionChanged.connect(lambda *_a: self._etat())
        state.contexte_change.connect(lambda _ctx: self.recharger())
        state.donnees_modifiees.connect(lambda _quoi: self.recharger())
        self.recharger()

    def recharger(self) -> None:
        lignes, portail = [], True
        if self.state.a_contexte:
            with self.state.lecture() as s:
                lignes = lister_statuts(s, self.state.ctx, a_saisir=not self.tous.isChecked())
                portail = lire_recuperation(s, self.state.ctx).mode == "portail"
        self.modele.remplacer(lignes)
        self.avertissement.setText(AVERTISSEMENT_PORTAIL if portail else SERVICE)
        self.avertissement.setStyleSheet(STYLE_ALERTE if portail else "")
        self.portail = portail
        self._etat()

    def choisis(self) -> list[StatutLigne]:
        return [self.modele.ligne(r) for r in rangs_choisis(self.vue)]

    def _etat(self) -> None:
        a_saisir = [l for l in self.choisis() if l.origine == "corail" and l.envoi != "transmis"]
        self.saisis.setEnabled(self.portail and bool(a_saisir))
        self.saisis.setVisible(self.portail)
        self.generation.setEnabled(any(l.envoi != "transmis" and l.origine == "corail"
                                       for l in self.modele.lignes()))

    def generer(self, facture_id: int | None = None) -> GenerationStatutsDialog:
        dialogue = GenerationStatutsDialog(self.state, facture_id, self)
        dialogue.genere.connect(lambda r: self.message.setText(
            f"{r.chemin} : {r.nb_statuts} statut(s) écrit(s) — à saisir aussi dans Chorus Pro."))
        self.dialogue = dialogue
        dialogue.open()
        return dialogue

    def marquer_saisis(self) -> list[StatutLigne] | None:
        ids = [l.id for l in self.choisis() if l.origine == "corail" and l.envoi != "transmis"]
        if not ids:
            return None

        def faire() -> list[StatutLigne]:
            with self.state.transaction() as s:
                return marquer_saisis(s, self.state.ctx, ids)

        faits = essayer(self, faire, "Marquer saisi dans Chorus Pro")
        if faits is not None:
            self.message.setText("\n".join(f"Facture {l.numero_facture} : {l.code} {l.libelle} — "
                                           f"saisi dans Chorus Pro" for l in faits))
            self.state.signaler("statuts_chorus")
        return faits
