"""The dialog of *Suspendre* in Dépenses › Factures: the motif of the suspension.

A suspension interrupts the délai global de paiement until the invoice is resumed
(*Reprendre*); Chorus Pro receives the status « Suspendue » (06) with the motif. The motif is
*Pièces justificatives manquantes* or *Autre motif* with its *Compléments d'information*
(255 characters in all, as Chorus Pro truncates it). Saving is one transaction through
``corail.services.rejets.rejeter``; a refusal shows its French message and the dialog stays
open.
"""
from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QPlainTextEdit, QVBoxLayout,
    QWidget,
)

from corail.money import format_eur
from corail.services.registre import FactureRegistre
from corail.services.rejets import MAX_MOTIF, MOTIFS, rejeter
from ui.common import afficher_erreur
from ui.state import AppState

TITRE_SUSPENSION = "Suspendre la facture"
#: the motifs a suspension may carry (a wrong recipient is sent back, never suspended)
MOTIFS_SUSPENSION = ("pieces", "autre")
AIDE_SUSPENSION = ("La facture est suspendue (statut 06 transmis à Chorus Pro) : le délai global de "
                   "paiement est interrompu jusqu'à la reprise, et l'échéance recule d'autant. "
                   "Elle ne peut pas être mandatée tant qu'elle est suspendue.")


def normaliser(texte: str) -> str:
    """One line, single spaces: what Chorus Pro receives as the motif."""
    return " ".join(texte.split())


class SuspensionDialog(QDialog):
    """Suspend ``lignes`` of the register (several at once, one motif)."""

    #: list[RejetResultat], after the transaction
    fait = Signal(object)

    def __init__(self, state: AppState, lignes: list[FactureRegistre],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state, self.lignes = state, list(lignes)
        self.resultats: list = []
        self.setWindowTitle(TITRE_SUSPENSION)
        if len(self.lignes) == 1:
            l = self.lignes[0]
            qui = QLabel(f"Facture N° {l.numero} — {l.tiers} — {format_eur(l.montant_net)} €")
        else:
            qui = QLabel(f"{len(self.lignes)} factures : "
                         + ", ".join(l.numero for l in self.lignes[:6])
                         + (" …" if len(self.lignes) > 6 else ""))
        qui.setWordWrap(True)
        self.motif = QComboBox()
        for code in MOTIFS_SUSPENSION:
            self.motif.addItem(MOTIFS[code], code)
        self.complement = QPlainTextEdit()
        self.complement.setPlaceholderText("Par exemple : bon de livraison manquant")
        self.complement.setFixedHeight(72)
        self.compteur = QLabel()
        aide = QLabel(AIDE_SUSPENSION)
        aide.setWordWrap(True)
        form = QFormLayout()
        form.addRow("Motif :", self.motif)
        form.addRow("Compléments d'information :", self.complement)
        form.addRow("", self.compteur)
        self.boutons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.boutons.button(QDialogButtonBox.StandardButton.Ok).setText("Suspendre")
        self.boutons.button(QDialogButtonBox.StandardButton.Cancel).setText("Annuler")
        self.boutons.accepted.connect(self.valider)
        self.boutons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(qui)
        layout.addLayout(form)
        layout.addWidget(aide)
        layout.addWidget(self.boutons)
        self.setMinimumWidth(560)
        self.motif.currentIndexChanged.connect(lambda _i: self._compter())
        self.complement.textChanged.connect(self._compter)
        self._compter()

    def code(self) -> str:
        return self.motif.currentData()

    def texte_complement(self) -> str:
        return normaliser(self.complement.toPlainText())

    def _compter(self) -> None:
        complement = self.texte_complement()
        n = len(MOTIFS[self.code()]) + (len(complement) + 3 if complement else 0)
        self.compteur.setText(f"{n} / {MAX_MOTIF} caractères (motif compris)")
        self.compteur.setStyleSheet("color: #a01e1e;" if n > MAX_MOTIF else "color: palette(mid);")

    def valider(self) -> bool:
        code, complement = self.code(), self.texte_complement()
        try:
            with self.state.transaction() as session:
                self.resultats = [rejeter(session, self.state.ctx, l.facture_demat_id, motif=complement,
                                          code=code, suspendre=True) for l in self.lignes]
        except Exception as exc:  # refused: the message, the dialog stays open, nothing written
            afficher_erreur(self, exc, TITRE_SUSPENSION)
            return False
        self.fait.emit(self.resultats)
        self.accept()
        return True
