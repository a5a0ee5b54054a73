"""*Détail* of a facture dématérialisée: every pivot field, the lines, the VAT, the PJ (each
opened in the system viewer with *Ouvrir*), the étapes and the Chorus Pro statuses.

Fed with ``FactureDematDetail`` (a frozen dataclass of ``corail.services.factures_demat``).
A PJ is written to a temporary folder of this session (``ecrire_pj``, checked against its
hash), then handed to the desktop with ``QDesktopServices.openUrl``.
"""
from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices, QFont
from PySide6.QtWidgets import (
    QDialog, QDialogButtonBox, QFormLayout, QGroupBox, QHBoxLayout, QLabel, QMessageBox,
    QPushButton, QScrollArea, QSplitter, QTableView, QTabWidget, QVBoxLayout, QWidget,
)

from corail.domain.etats import libelle_etat
from corail.money import format_eur
from corail.services.factures_demat import FactureDematDetail, PJLigne
from corail.services.pj import ecrire_pj
from ui.common import afficher_erreur
from ui.integration_des_flux_pivots_modeles import (
    modele_etapes, modele_lignes, modele_pjs, modele_statuts, modele_tvas,
)
from ui.modeles import TableauModel, rangs_choisis, tableau
from ui.state import AppState

_dossier_pj: Path | None = None


def dossier_pj() -> Path:
    """A temporary folder for the PJ opened during this session, removed when Corail quits."""
    global _dossier_pj
    if _dossier_pj is None or not _dossier_pj.is_dir():
        _dossier_pj = Path(tempfile.mkdtemp(prefix="corail-pj-"))
        atexit.register(shutil.rmtree, _dossier_pj, True)
    return _dossier_pj


def ouvrir_pj(parent: QWidget | None, state: AppState, pj: PJLigne) -> Path | None:
    """Write the PJ out and open it in the system viewer; the file written, or None."""
    try:
        with state.lecture() as session:
            chemin = ecrire_pj(session, pj.id, dossier_pj() / str(pj.id))
    except Exception as exc:  # shown in French, never a traceback
        afficher_erreur(parent, exc, "Ouvrir la pièce jointe")
        return None
    if not QDesktopServices.openUrl(QUrl.fromLocalFile(str(chemin))):
        QMessageBox.warning(parent, "Ouvrir la pièce jointe",
                            f"Aucune application n'ouvre « {pj.nom} » ({pj.mime}) sur ce poste.\n\n"
                            f"Le fichier a été enregistré ici :\n{chemin}")
    return chemin


def _page(*contenu: QWidget | QHBoxLayout) -> QWidget:
    """A tab: its table (and what goes below it), with the same margins in every tab."""
    page = QWidget()
    boite = QVBoxLayout(page)
    for element in contenu:
        if isinstance(element, QHBoxLayout):
            boite.addLayout(element)
        else:
            boite.addWidget(element)
    return page


class DetailDialog(QDialog):
    """Window-modal; ``ouvrir_pj_choisie`` opens the PJ selected in the *Pièces jointes* tab."""

    def __init__(self, state: AppState, detail: FactureDematDetail,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state, self.detail = state, detail
        l = detail.ligne
        genre = "l'avoir" if l.type == "avoir" else "la facture"
        self.setWindowTitle(f"Détail de {genre} N° {l.numero}")
        entete = QLabel(f"{'Avoir' if l.type == 'avoir' else 'Facture'} N° {l.numero} — "
                        f"{l.fournisseur} — net à payer {format_eur(l.montant_net, symbol=True)} — "
                        f"{libelle_etat(l.etat)}")
        police = QFont(entete.font())
        police.setBold(True)
        police.setPointSizeF(police.pointSizeF() * 1.15)
        entete.setFont(police)
        entete.setWordWrap(True)
        entete.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        separateur = QSplitter(Qt.Orientation.Horizontal)
        separateur.addWidget(self._champs())
        separateur.addWidget(self._onglets())
        separateur.setChildrenCollapsible(False)
        separateur.setStretchFactor(0, 2)
        separateur.setStretchFactor(1, 3)
        separateur.setSizes([430, 650])
        boutons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        boutons.button(QDialogButtonBox.StandardButton.Close).setText("Fermer")
        boutons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(entete)
        layout.addWidget(separateur, 1)
        layout.addWidget(boutons)
        self.resize(1120, 640)

    def _champs(self) -> QWidget:
        groupe = QGroupBox("Facture (flux pivot)")
        formulaire = QFormLayout(groupe)
        formulaire.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        formulaire.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
        self.valeurs: dict[str, QLabel] = {}
        for cle, valeur in self.detail.champs:
            label = QLabel(valeur)
            label.setWordWrap(True)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            label.setTextFormat(Qt.TextFormat.PlainText)
            if cle.startswith("Montant") or cle == "Net à payer":
                label.setText(f"{valeur} €")
            self.valeurs[cle] = label
            formulaire.addRow(f"{cle} :", label)
        defilement = QScrollArea()
        defilement.setWidget(groupe)
        defilement.setWidgetResizable(True)
        defilement.setMinimumWidth(360)
        return defilement

    def _table(self, model: TableauModel, lignes, etirer: int | None) -> QTableView:
        model.remplacer(lignes)
        vue = tableau(model, etirer)
        return vue

    def _onglets(self) -> QTabWidget:
        d = self.detail
        self.onglets = QTabWidget()
        self.lignes = modele_lignes(self)
        self.tvas = modele_tvas(self)
        self.pjs = modele_pjs(self)
        self.etapes = modele_etapes(self)
        self.statuts = modele_statuts(self)
        self.vue_lignes = self._table(self.lignes, d.lignes, 0)
        self.vue_tvas = self._table(self.tvas, d.tvas, None)
        self.vue_pjs = self._table(self.pjs, d.pjs, 1)
        self.vue_etapes = self._table(self.etapes, d.etapes, 2)
        self.vue_statuts = self._table(self.statuts, d.statuts, 1)
        self.bouton_ouvrir = QPushButton("Ouvrir")
        self.bouton_ouvrir.setToolTip("Ouvrir la pièce jointe choisie dans l'application du poste")
        self.bouton_ouvrir.clicked.connect(self.ouvrir_pj_choisie)
        self.vue_pjs.doubleClicked.connect(lambda _i: self.ouvrir_pj_choisie())
        self.vue_pjs.selectionModel().selectionChanged.connect(lambda *_a: self._bouton_ouvrir())
        ligne = QHBoxLayout()
        ligne.addWidget(self.bouton_ouvrir)
        ligne.addStretch(1)
        page_pj = _page(self.vue_pjs, ligne)
        vide = QLabel("Aucune ligne dans le flux : la facture est imputée par taux de TVA "
                      "ou sur une seule ligne.")
        vide.setWordWrap(True)
        page_lignes = _page(self.vue_lignes, *([vide] if not d.lignes else []))
        self.onglets.addTab(page_lignes, f"Lignes ({len(d.lignes)})")
        self.onglets.addTab(_page(self.vue_tvas), f"TVA ({len(d.tvas)})")
        self.onglets.addTab(page_pj, f"Pièces jointes ({len(d.pjs)})")
        self.onglets.addTab(_page(self.vue_etapes), f"Historique des étapes ({len(d.etapes)})")
        self.onglets.addTab(_page(self.vue_statuts), f"Statuts Chorus Pro ({len(d.statuts)})")
        if d.pjs:
            self.vue_pjs.selectRow(0)
        if not d.lignes:  # nothing to see in Lignes: the PJ first
            self.onglets.setCurrentWidget(page_pj)
        self._bouton_ouvrir()
        return self.onglets

    def _bouton_ouvrir(self) -> None:
        self.bouton_ouvrir.setEnabled(bool(rangs_choisis(self.vue_pjs)))

    def ouvrir_pj_choisie(self) -> Path | None:
        rangs = rangs_choisis(self.vue_pjs)
        if not rangs:
            return None
        return ouvrir_pj(self, self.state, self.pjs.ligne(rangs[0]))
