"""Tab *Transfert* of Gestion des collectivités: protocole and its *Paramétrage*, PES V2,
Répertoire de réception des flux pivots, Facture dématérialisée (with the two ⚙ dialogs) and
the Identification informatique (CodCol, CodBud)."""
from __future__ import annotations

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFileDialog, QFormLayout, QGridLayout,
    QGroupBox, QHBoxLayout, QLabel, QLineEdit, QMessageBox, QPushButton, QToolButton, QVBoxLayout,
    QWidget,
)

from corail.services import reglages as rg
from corail.services import reglages_demat as rd
from ui.gestion_des_collectivites_onglets import Onglet, bouton_enregistrer
from ui.gestion_des_collectivites_tables import executer, lire
from ui.parametrage_recuperation import ParametrageRecuperationDialog
from ui.pes_facture_asap import PesFactureAsapDialog
from ui.state import AppState

NON_GERE = "non géré : déposez le PES via votre TdT"


def bouton_reglages(info: str) -> QToolButton:
    bouton = QToolButton(text="⚙")
    bouton.setToolTip(info)
    bouton.setAccessibleName(info)
    return bouton


class ChoixRepertoire(QWidget):
    """A folder path with its *…* button (QFileDialog.getExistingDirectory)."""

    def __init__(self, titre: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.titre = titre
        self.chemin = QLineEdit()
        self.parcourir = QPushButton("Parcourir…")
        ligne = QHBoxLayout(self)
        ligne.setContentsMargins(0, 0, 0, 0)
        ligne.addWidget(self.chemin, 1)
        ligne.addWidget(self.parcourir)
        self.parcourir.clicked.connect(self.choisir)

    def choisir(self) -> None:
        dossier = QFileDialog.getExistingDirectory(self, self.titre, self.chemin.text())
        if dossier:
            self.chemin.setText(dossier)


class OngletTransfert(Onglet):
    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(state, parent)
        protocole = QGroupBox("Protocole")
        fp = QFormLayout(protocole)
        self.protocole = QComboBox()
        for code, libelle in rg.PROTOCOLES.items():
            self.protocole.addItem(libelle, code)
        self.parametrage = QPushButton("Paramétrage…")
        ligne = QHBoxLayout()
        ligne.addWidget(self.protocole, 1)
        ligne.addWidget(self.parametrage)
        fp.addRow("Protocole :", ligne)
        self.helios = QCheckBox("Avec seuil des marchés et délai de paiement (HELIOS)")
        fp.addRow(self.helios)

        pes = QGroupBox("PES V2")
        fpes = QFormLayout(pes)
        self.transmettre = QCheckBox("Transmettre les fichiers PES V2")
        self.repertoire_transfert = ChoixRepertoire("Répertoire de transfert")
        self.signer = QCheckBox("Signer électroniquement")
        self.iconnect = QCheckBox("Utiliser iConnect")
        self.non_gere = QLabel(f"Signature électronique et iConnect — {NON_GERE}.")
        self.non_gere.setWordWrap(True)
        self.non_gere.setStyleSheet("color: #9a5b00;")
        self.portail = QPushButton("Ouvrir le portail DGFIP")
        fpes.addRow(self.transmettre)
        fpes.addRow("Répertoire de transfert :", self.repertoire_transfert)
        fpes.addRow(self.signer)
        fpes.addRow(self.iconnect)
        fpes.addRow(self.non_gere)
        ligne_portail = QHBoxLayout()
        ligne_portail.addWidget(self.portail)
        ligne_portail.addStretch(1)
        fpes.addRow(ligne_portail)

        flux = QGroupBox("Répertoire de réception des flux pivots")
        ff = QVBoxLayout(flux)
        self.repertoire_flux = ChoixRepertoire("Répertoire de réception des flux pivots")
        ff.addWidget(self.repertoire_flux)
        note = QLabel("Les flux téléchargés depuis Chorus Pro y sont enregistrés ; le Suivi démat "
                      "signale ceux qui n'ont jamais été lus.")
        note.setWordWrap(True)
        ff.addWidget(note)

        demat = QGroupBox("Facture dématérialisée")
        fd = QGridLayout(demat)
        self.recuperation = QCheckBox("Récupérer automatiquement les factures dématérialisées")
        self.reglages_recuperation = bouton_reglages(
            "Paramétrage de la récupération des factures dématérialisées")
        self.asap = QCheckBox("Génération de PES Facture ASAP depuis un titre")
        self.reglages_asap = bouton_reglages("PES Facture ASAP (Paramétrage global)")
        self.etat_recuperation = QLabel()
        self.etat_recuperation.setWordWrap(True)
        fd.addWidget(self.recuperation, 0, 0)
        fd.addWidget(self.reglages_recuperation, 0, 1)
        fd.addWidget(self.etat_recuperation, 1, 0, 1, 2)
        fd.addWidget(self.asap, 2, 0)
        fd.addWidget(self.reglages_asap, 2, 1)
        fd.setColumnStretch(0, 1)

        ident = QGroupBox("Identification informatique")
        fi = QFormLayout(ident)
        self.code_col, self.code_bud = QLabel(), QLabel()
        fi.addRow("Code collectivité (CodCol) :", self.code_col)
        fi.addRow("Code budget (CodBud) :", self.code_bud)

        grille = QGridLayout()
        grille.addWidget(protocole, 0, 0)
        grille.addWidget(pes, 1, 0, 2, 1)
        grille.addWidget(flux, 0, 1)
        grille.addWidget(demat, 1, 1)
        grille.addWidget(ident, 2, 1)
        grille.setColumnStretch(0, 1)
        grille.setColumnStretch(1, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(grille)
        layout.addStretch(1)
        bouton_enregistrer(self, layout).clicked.connect(self.enregistrer)

        self.parametrage.clicked.connect(self.parametrer_protocole)
        self.portail.clicked.connect(self.ouvrir_portail)
        self.reglages_recuperation.clicked.connect(self.parametrer_recuperation)
        self.reglages_asap.clicked.connect(self.parametrer_asap)
        self.transmettre.toggled.connect(self._activer)

    def ouvrir_portail(self) -> None:
        if not QDesktopServices.openUrl(QUrl(rg.PORTAIL_DGFIP)):
            QMessageBox.information(self, "Ouvrir le portail DGFIP",
                                    f"Aucun navigateur n'a pu être lancé. Adresse du portail : "
                                    f"{rg.PORTAIL_DGFIP}")

    def _activer(self, *_args) -> None:
        self.repertoire_transfert.setEnabled(self.transmettre.isChecked())

    def recharger(self) -> None:
        donnees = lire(self, self.state, lambda s: (rg.lire_transfert(s, self.ctx),
                                                    rd.lire_recuperation(s, self.ctx)))
        if donnees is None:
            return
        t, recup = donnees
        self.protocole.setCurrentIndex(max(0, self.protocole.findData(t.protocole)))
        self.helios.setChecked(t.avec_seuil_helios)
        self.transmettre.setChecked(t.transmettre_pes)
        self.repertoire_transfert.chemin.setText(t.repertoire_transfert)
        self.signer.setChecked(t.signer)
        self.iconnect.setChecked(t.iconnect)
        self.repertoire_flux.chemin.setText(t.repertoire_flux)
        self.recuperation.setChecked(t.recuperation_auto)
        self.asap.setChecked(t.generation_asap)
        self.code_col.setText(t.code_col)
        self.code_bud.setText(t.code_bud)
        self.etat_recuperation.setText(
            f"{rd.MODES[recup.mode]} — structure Chorus Pro SIRET {recup.siret}"
            + (f", compte {recup.compte}" if recup.compte else ""))
        self._activer()

    def saisie(self) -> rg.TransfertReglage:
        return rg.TransfertReglage(
            protocole=self.protocole.currentData(), avec_seuil_helios=self.helios.isChecked(),
            transmettre_pes=self.transmettre.isChecked(),
            repertoire_transfert=self.repertoire_transfert.chemin.text(),
            signer=self.signer.isChecked(), iconnect=self.iconnect.isChecked(),
            repertoire_flux=self.repertoire_flux.chemin.text(),
            recuperation_auto=self.recuperation.isChecked(), generation_asap=self.asap.isChecked())

    def enregistrer(self) -> bool:
        r = self.saisie()
        return self.executer(lambda s: rg.enregistrer_transfert(s, self.ctx, r), "collectivite")

    def parametrer_protocole(self) -> None:
        ParametrageProtocoleDialog(self.state, self.ctx, self.protocole.currentText(), self).exec()

    def parametrer_recuperation(self) -> None:
        if ParametrageRecuperationDialog(self.state, self.ctx, self).exec():
            self.recharger()

    def parametrer_asap(self) -> None:
        PesFactureAsapDialog(self.state, self.ctx, self).exec()


class ParametrageProtocoleDialog(QDialog):
    """*Paramétrage* of the protocole: the PES header fields Corail cannot guess."""

    def __init__(self, state: AppState, ctx, protocole: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state, self.ctx = state, ctx
        self.setWindowTitle(f"Paramétrage du protocole {protocole}")
        self.setMinimumWidth(600)
        self.libelle = QLineEdit(maxLength=38)
        self.fin_jur = QLineEdit(maxLength=20)
        form = QFormLayout(self)
        form.addRow("Libellé collectivité/budget (LibelleColBud) :", self.libelle)
        form.addRow("N° FINESS juridique (FinJur, Hospitalier) :", self.fin_jur)
        boutons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        boutons.button(QDialogButtonBox.StandardButton.Ok).setText("Valider")
        boutons.button(QDialogButtonBox.StandardButton.Cancel).setText("Annuler")
        boutons.accepted.connect(self.valider)
        boutons.rejected.connect(self.reject)
        form.addRow(boutons)
        r = lire(self, state, lambda s: rd.lire_protocole(s, ctx))
        if r is not None:
            self.libelle.setText(r.libelle_col_bud)
            self.fin_jur.setText(r.fin_jur)

    def valider(self) -> None:
        r = rd.ProtocoleReglage(self.libelle.text(), self.fin_jur.text())
        if executer(self, self.state, lambda s: rd.enregistrer_protocole(s, self.ctx, r), "budget"):
            self.accept()
