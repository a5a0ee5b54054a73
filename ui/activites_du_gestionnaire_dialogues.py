"""Dialogs of *Activités du gestionnaire*: *Créer un utilisateur* and the confirmation window of
the *Transfert du rôle de gestionnaire principal* (its box must be ticked before *Valider*)."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QDialog, QFormLayout, QGridLayout, QLabel, QLineEdit, QVBoxLayout,
    QWidget,
)

from corail.domain import roles
from corail.services.gestionnaire_principal import CONFIRMATION, Transfert, transferer_role
from corail.services.utilisateurs import UtilisateurLigne, creer_utilisateur
from ui.mon_compte_dialogues import STYLE_AIDE, boutons_dialogue, ecrire
from ui.state import AppState

TITRE_TRANSFERT = "Transfert du rôle de gestionnaire principal"


class ChoixEspaces(QWidget):
    """One line per espace: Aucun / Consultation / Modification."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        grille = QGridLayout(self)
        grille.setContentsMargins(0, 0, 0, 0)
        self.combos: dict[str, QComboBox] = {}
        for i, (code, libelle) in enumerate(roles.ESPACES.items()):
            combo = QComboBox()
            combo.addItem("Aucune", None)
            for niveau, texte in roles.NIVEAUX.items():
                combo.addItem(texte, niveau)
            grille.addWidget(QLabel(libelle), i, 0)
            grille.addWidget(combo, i, 1)
            self.combos[code] = combo

    def afficher(self, espaces: dict[str, str]) -> None:
        for code, combo in self.combos.items():
            combo.setCurrentIndex(combo.findData(espaces.get(code)) if espaces.get(code) else 0)

    def valeurs(self) -> dict[str, str | None]:
        return {code: combo.currentData() for code, combo in self.combos.items()}


class CreationUtilisateurDialog(QDialog):
    """*Créer un utilisateur* of the structure: identifiant, nom, prénom, adresse de contact,
    rôle and espaces with their habilitation."""

    TITRE = "Créer un utilisateur"

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.resultat: UtilisateurLigne | None = None
        self.setWindowTitle(self.TITRE)
        self.login = QLineEdit(placeholderText="identifiant de connexion (session du poste)")
        self.login.setMaxLength(50)
        self.nom, self.prenom = QLineEdit(maxLength=100), QLineEdit(maxLength=100)
        self.email = QLineEdit(maxLength=150, placeholderText="prenom.nom@mairie.fr")
        self.role = QComboBox()
        for code in roles.ROLES_ATTRIBUABLES:
            self.role.addItem(roles.libelle_role(code), code)
        self.role.setCurrentIndex(self.role.findData(roles.UTILISATEUR))
        self.espaces = ChoixEspaces(self)
        form = QFormLayout()
        form.addRow("Identifiant :", self.login)
        form.addRow("Nom :", self.nom)
        form.addRow("Prénom :", self.prenom)
        form.addRow("Adresse de contact :", self.email)
        form.addRow("Rôle :", self.role)
        form.addRow("Espaces :", self.espaces)
        boite, (self.bouton_valider, _a) = boutons_dialogue(self, "Valider", "Annuler")
        self.bouton_valider.clicked.connect(self.valider)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(boite)
        self.setMinimumWidth(480)

    def valider(self) -> bool:
        espaces = {e: n for e, n in self.espaces.valeurs().items() if n}
        r = ecrire(self, self.state, self.TITRE, lambda s: creer_utilisateur(
            s, self.state.ctx, self.login.text(), nom=self.nom.text(), prenom=self.prenom.text(),
            email=self.email.text() or None, role=self.role.currentData(), espaces=espaces),
            "utilisateurs")
        if r is None:
            return False
        self.resultat = r
        self.accept()
        return True


class ConfirmationTransfertDialog(QDialog):
    """The confirmation window: *Valider* stays disabled until the box is ticked."""

    def __init__(self, state: AppState, successeur: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state, self.successeur = state, successeur
        self.resultat: Transfert | None = None
        self.setWindowTitle(TITRE_TRANSFERT)
        texte = QLabel(f"Vous allez transférer votre rôle de gestionnaire principal à "
                       f"<b>{successeur}</b>. Il gérera seul les utilisateurs, leurs espaces et "
                       f"habilitations ; vous resterez rattaché à la structure comme gestionnaire "
                       f"secondaire, avec vos espaces.", textFormat=Qt.TextFormat.RichText)
        texte.setWordWrap(True)
        texte.setMinimumHeight(texte.heightForWidth(500))
        self.confirmation = QCheckBox(CONFIRMATION)
        aide = QLabel("Cochez la case pour pouvoir valider.")
        aide.setStyleSheet(STYLE_AIDE)
        boite, (self.bouton_valider, _a) = boutons_dialogue(self, "Valider", "Annuler")
        self.bouton_valider.setEnabled(False)
        self.confirmation.toggled.connect(self.bouton_valider.setEnabled)
        self.bouton_valider.clicked.connect(self.valider)
        layout = QVBoxLayout(self)
        layout.addWidget(texte)
        layout.addWidget(self.confirmation)
        layout.addWidget(aide)
        layout.addWidget(boite)
        self.setMinimumWidth(520)

    def valider(self) -> bool:
        r = ecrire(self, self.state, TITRE_TRANSFERT, lambda s: transferer_role(
            s, self.state.ctx, self.successeur, confirme=self.confirmation.isChecked()),
            "utilisateurs")
        if r is None:
            return False
        self.resultat = r
        self.accept()
        return True
