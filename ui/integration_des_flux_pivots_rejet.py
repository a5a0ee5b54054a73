"""*Rejeter*: the dialog *Informations complémentaires sur la nature du rejet ou de la
suspension*, and *Mandater les sommes admises* offered instead for an amount dispute.

Today's Chorus Pro rules (``corail.services.rejets``): a wrong recipient is sent back **à
recycler** (04), missing pièces **suspend** the invoice (06), another motif **rejects** it (05)
or suspends it; since February 2025 an amount error is no longer a full rejection (Code de la
commande publique R.2192-34): the admitted amount is mandated, with the motif. The motif and
its *Compléments d'information* make 255 characters at most. Each dialog writes in one
transaction through the services; a refusal shows its French message and the dialog stays open.
"""
from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QStandardItemModel
from PySide6.QtWidgets import (
    QButtonGroup, QComboBox, QDialog, QDialogButtonBox, QFormLayout, QGroupBox, QHBoxLayout,
    QLabel, QLineEdit, QPlainTextEdit, QRadioButton, QVBoxLayout, QWidget,
)

from corail.domain.etats import EtatFactureDemat as D
from corail.money import MoneyError, format_eur, parse_fr
from corail.services.factures_demat import FactureDematLigne
from corail.services.mandatement import mandater
from corail.services.rejets import MAX_MOTIF, MOTIFS, rejeter
from ui.common import ALIGN_MONTANT, afficher_erreur
from ui.state import AppState

TITRE_REJET = "Informations complémentaires sur la nature du rejet ou de la suspension"
TITRE_SOMMES = "Mandater les sommes admises"
#: the motifs in the order of the dialog
ORDRE_MOTIFS = ("acheminement", "montant", "pieces", "autre")
REGLE_2025 = ("Depuis février 2025, une facture ne peut plus être rejetée en totalité pour un "
              "montant erroné (article R.2192-34 du Code de la commande publique) : les sommes "
              "admises sont mandatées, avec le motif de la différence.")
EXPLICATIONS = {
    "acheminement": "La facture est renvoyée au fournisseur « à recycler » (statut 04) : il "
                    "l'adresse à la bonne structure sans en changer le numéro.",
    "pieces": "La facture est suspendue (statut 06) jusqu'à réception des pièces : le délai "
              "global de paiement est interrompu.",
    "rejet": "La facture est rejetée (statut 05) : le fournisseur devra en déposer une nouvelle.",
    "suspension": "La facture est suspendue (statut 06) : le délai global de paiement est "
                  "interrompu jusqu'à la reprise.",
}
STYLE_ALERTE = "color: #a01e1e;"


def _texte(ligne: FactureDematLigne) -> str:
    return f"Facture N° {ligne.numero} — {ligne.fournisseur} — {format_eur(ligne.montant_net)} €"


def normaliser(texte: str) -> str:
    """One line, single spaces: what Chorus Pro receives as the motif."""
    return " ".join(texte.split())


class RejetDialog(QDialog):
    """Rejeter / suspendre / renvoyer à recycler ``lignes`` (several at once, one motif)."""

    #: list[RejetResultat], after the transaction
    fait = Signal(object)
    #: (FactureDematLigne, complément): the user chose *Mandater les sommes admises*
    sommes_admises = Signal(object, str)

    def __init__(self, state: AppState, lignes: list[FactureDematLigne],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state, self.lignes = state, list(lignes)
        self.setWindowTitle(TITRE_REJET)
        etats = {l.etat for l in self.lignes}
        if len(self.lignes) == 1:
            qui = QLabel(_texte(self.lignes[0]))
        else:
            qui = QLabel(f"{len(self.lignes)} factures : "
                         + ", ".join(l.numero for l in self.lignes[:6])
                         + (" …" if len(self.lignes) > 6 else ""))
        qui.setWordWrap(True)
        self.rejeter_radio = QRadioButton("Rejeter la facture")
        self.suspendre_radio = QRadioButton("Suspendre la facture")
        self.rejeter_radio.setChecked(True)
        self._radios = QButtonGroup(self)
        for r in (self.rejeter_radio, self.suspendre_radio):
            self._radios.addButton(r)
            r.toggled.connect(lambda _c: self._maj())
        nature = QHBoxLayout()
        nature.addWidget(self.rejeter_radio)
        nature.addWidget(self.suspendre_radio)
        nature.addStretch(1)
        self.motif = QComboBox()
        self.motif.setPlaceholderText("Choisissez le motif")
        for code in ORDRE_MOTIFS:
            self.motif.addItem(MOTIFS[code], code)
        self.motif.setCurrentIndex(-1)
        # transitions the selection does not allow (an anomaly is never suspended; an invoice
        # already in the register is not sent back à recycler)
        self._suspension_possible = D.ANOMALIE not in etats
        items: QStandardItemModel = self.motif.model()
        if not self._suspension_possible:
            items.item(ORDRE_MOTIFS.index("pieces")).setEnabled(False)
        if D.FACTUREE in etats:
            items.item(ORDRE_MOTIFS.index("acheminement")).setEnabled(False)
        self.motif.currentIndexChanged.connect(lambda _i: self._maj())
        self.explication = QLabel()
        self.explication.setWordWrap(True)
        self.explication.setMinimumHeight(48)
        self.explication.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.complement = QPlainTextEdit()
        self.complement.setPlaceholderText("Précisez le motif (il est transmis au fournisseur "
                                           "par Chorus Pro)")
        self.complement.setTabChangesFocus(True)
        self.complement.setFixedHeight(90)
        self.complement.textChanged.connect(self._maj)
        self.compteur = QLabel()
        self.compteur.setAlignment(Qt.AlignmentFlag.AlignRight)
        groupe = QGroupBox("Nature")
        groupe.setLayout(nature)
        formulaire = QFormLayout()
        formulaire.addRow("Motif :", self.motif)
        formulaire.addRow("", self.explication)
        formulaire.addRow("Compléments d'information :", self.complement)
        formulaire.addRow("", self.compteur)
        self.boutons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.valider = self.boutons.button(QDialogButtonBox.StandardButton.Ok)
        self.boutons.button(QDialogButtonBox.StandardButton.Cancel).setText("Annuler")
        self.boutons.accepted.connect(self.valider_choix)
        self.boutons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(qui)
        layout.addWidget(groupe)
        layout.addLayout(formulaire)
        layout.addWidget(self.boutons)
        self.setMinimumWidth(640)
        self._maj()

    def code(self) -> str | None:
        return self.motif.currentData()

    def choisir_motif(self, code: str) -> None:
        self.motif.setCurrentIndex(self.motif.findData(code))

    def texte_complement(self) -> str:
        return normaliser(self.complement.toPlainText())

    def longueur(self) -> int:
        """The motif sent to Chorus Pro: ``Motif : complément``."""
        code, complement = self.code(), self.texte_complement()
        if code is None:
            return len(complement)
        return len(MOTIFS[code]) + (len(complement) + 3 if complement else 0)

    def _maj(self) -> None:
        code = self.code()
        fixe = code in ("acheminement", "pieces", "montant")
        if code == "pieces":
            self.suspendre_radio.setChecked(True)
        elif code in ("acheminement", "montant"):
            self.rejeter_radio.setChecked(True)
        self.rejeter_radio.setEnabled(not fixe)
        self.suspendre_radio.setEnabled(not fixe and self._suspension_possible)
        if code == "montant":
            texte = REGLE_2025
            if not self._sommes_possibles():
                texte += " Choisissez une seule facture à traiter, non encore mandatée."
        elif code == "autre":
            texte = EXPLICATIONS["suspension" if self.suspendre_radio.isChecked() else "rejet"]
        else:
            texte = EXPLICATIONS.get(code or "", "")
        self.explication.setText(texte)
        self.explication.setStyleSheet(STYLE_ALERTE if code == "montant" else "")
        reste = MAX_MOTIF - self.longueur()
        self.compteur.setText(f"{reste} caractère(s) restant(s) — {MAX_MOTIF} au plus, motif compris"
                              if reste >= 0 else
                              f"{-reste} caractère(s) de trop — {MAX_MOTIF} au plus, motif compris")
        self.compteur.setStyleSheet("" if reste >= 0 else STYLE_ALERTE)
        self.valider.setText("Mandater les sommes admises…" if code == "montant" else "Valider")
        ok = code is not None and reste >= 0
        if code == "montant":
            ok = ok and self._sommes_possibles()
        elif code == "autre":
            ok = ok and bool(self.texte_complement())
        self.valider.setEnabled(ok)
        self.valider.setToolTip("" if ok or code is None else
                                "Précisez le motif dans « Compléments d'information »"
                                if code == "autre" and not self.texte_complement() else "")

    def _sommes_possibles(self) -> bool:
        return len(self.lignes) == 1 and self.lignes[0].type != "avoir" \
            and self.lignes[0].etat in (D.A_TRAITER, D.FACTUREE)

    def valider_choix(self) -> None:
        code = self.code()
        if code is None or not self.valider.isEnabled():
            return
        if code == "montant":
            self.accept()
            self.sommes_admises.emit(self.lignes[0], self.texte_complement())
            return
        suspendre = self.suspendre_radio.isChecked()
        try:
            with self.state.transaction() as session:
                resultats = [rejeter(session, self.state.ctx, l.id, motif=self.texte_complement(),
                                     code=code, suspendre=suspendre) for l in self.lignes]
        except Exception as exc:  # the transaction rolled back: nothing was written
            afficher_erreur(self, exc, "Rejeter")
            return
        self.accept()
        self.fait.emit(resultats)


class SommesAdmisesDialog(QDialog):
    """The admitted amount (lower than the amount due) and its motif, then *Mandater*."""

    #: the ``Traitement`` of ``mandater``
    fait = Signal(object)

    def __init__(self, state: AppState, ligne: FactureDematLigne, complement: str = "",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state, self.ligne = state, ligne
        self.setWindowTitle(TITRE_SOMMES)
        regle = QLabel(REGLE_2025)
        regle.setWordWrap(True)
        self.montant = QLineEdit(placeholderText="0,00")
        self.montant.setAlignment(ALIGN_MONTANT)
        self.montant.setMaxLength(20)
        self.motif = QLineEdit(MOTIFS["montant"] + (f" : {complement}" if complement else ""))
        self.motif.setMaxLength(MAX_MOTIF)
        self.erreur = QLabel()
        self.erreur.setStyleSheet(STYLE_ALERTE)
        self.erreur.setWordWrap(True)
        du = QLabel(f"{format_eur(ligne.montant_net)} €")
        formulaire = QFormLayout()
        formulaire.addRow("Facture :", QLabel(f"N° {ligne.numero} — {ligne.fournisseur}"))
        formulaire.addRow("Montant net à payer :", du)
        formulaire.addRow("Sommes admises :", self.montant)
        formulaire.addRow("Motif :", self.motif)
        formulaire.addRow("", self.erreur)
        self.boutons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.boutons.button(QDialogButtonBox.StandardButton.Ok).setText("Mandater")
        self.boutons.button(QDialogButtonBox.StandardButton.Cancel).setText("Annuler")
        self.boutons.accepted.connect(self.mandater)
        self.boutons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(regle)
        layout.addLayout(formulaire)
        layout.addWidget(self.boutons)
        self.setMinimumWidth(560)

    def lire_montant(self) -> Decimal | None:
        try:
            return parse_fr(self.montant.text())
        except MoneyError as exc:
            self.erreur.setText(f"Sommes admises : {exc}")
            self.montant.setFocus()
            return None

    def mandater(self) -> None:
        montant = self.lire_montant()
        if montant is None:
            return
        self.erreur.clear()
        try:
            with self.state.transaction() as session:
                res = mandater(session, self.state.ctx, [self.ligne.id], sommes_admises=montant,
                               motif=normaliser(self.motif.text()))
        except Exception as exc:  # refused (amount not lower than due, no motif…): nothing written
            afficher_erreur(self, exc, TITRE_SOMMES)
            return
        self.accept()
        self.fait.emit(res)
