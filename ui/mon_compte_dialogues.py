"""The dialogs of *Mon compte*: *Nouvelle sollicitation* (Enregistrer / Valider et envoyer),
*Demander un rattachement*, *Changer de mot de passe*, and the sign-in at start when the
collectivité asks for a password (*Connexion à Corail*).

Each one is a single transaction through ``corail.services``; a refusal shows its French
message, the dialog stays open and nothing is written. The password fields never leave the
dialog except to the service, which keeps only a salted hash.
"""
from __future__ import annotations

from typing import Callable, TypeVar

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QPlainTextEdit,
    QPushButton, QVBoxLayout, QWidget,
)

from corail.domain import roles
from corail.errors import CorailError
from corail.services.connexion import LONGUEUR_MIN, definir_mot_de_passe, se_connecter
from corail.services.contexte import lister_budgets
from corail.services.sollicitations import (
    SollicitationLigne, SollicitationSaisie, demander_rattachement, enregistrer_sollicitation,
)
from ui.common import afficher_erreur
from ui.state import AppState

T = TypeVar("T")
STYLE_AIDE = "color: #505050;"
STYLE_ERREUR = "color: #a01e1e;"


def ecrire(parent: QWidget, state: AppState, titre: str, action: Callable[..., T],
           *quoi: str) -> T | None:
    """``action(session)`` in one transaction; a refusal shows its message (nothing written)
    and gives None. On success ``state.signaler(quoi...)``; an action returning None gives True."""
    try:
        with state.transaction() as session:
            resultat = action(session)
    except Exception as exc:  # shown to the user, the transaction rolled back
        afficher_erreur(parent, exc, titre)
        return None
    for q in quoi:
        state.signaler(q)
    return True if resultat is None else resultat


def choix_espace(avec_aucun: bool = False) -> QComboBox:
    combo = QComboBox()
    if avec_aucun:
        combo.addItem("(aucun)", None)
    for code, libelle in roles.ESPACES.items():
        combo.addItem(libelle, code)
    return combo


def choix_niveau() -> QComboBox:
    combo = QComboBox()
    for code, libelle in roles.NIVEAUX.items():
        combo.addItem(libelle, code)
    return combo


def boutons_dialogue(dialogue: QDialog, *libelles: str) -> tuple[QDialogButtonBox, list[QPushButton]]:
    """The buttons in the order given (the last one cancels)."""
    boite = QDialogButtonBox()
    boutons = []
    for i, libelle in enumerate(libelles):
        role = (QDialogButtonBox.ButtonRole.RejectRole if i == len(libelles) - 1
                else QDialogButtonBox.ButtonRole.AcceptRole if len(libelles) == 2
                else QDialogButtonBox.ButtonRole.ActionRole)
        boutons.append(boite.addButton(libelle, role))
    boite.rejected.connect(dialogue.reject)
    return boite, boutons


class SollicitationDialog(QDialog):
    """*Nouvelle sollicitation* to the gestionnaire of the structure en cours: catégorie and
    sous-catégorie (mandatory), espace and habilitation when one is asked, description."""

    TITRE = "Nouvelle sollicitation"

    def __init__(self, state: AppState, parent: QWidget | None = None,
                 brouillon: SollicitationLigne | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.brouillon = brouillon
        self.resultat: SollicitationLigne | None = None
        self.setWindowTitle(self.TITRE if brouillon is None else f"Sollicitation n° {brouillon.id}")
        self.categorie = QComboBox()
        self.categorie.addItem("(choisir)", None)
        for code, (libelle, _sous) in roles.CATEGORIES.items():
            if code != roles.CAT_RATTACHEMENT:  # that one is Demander un rattachement
                self.categorie.addItem(libelle, code)
        self.sous_categorie = QComboBox()
        self.espace = choix_espace()
        self.niveau = choix_niveau()
        self.description = QPlainTextEdit(placeholderText="Ce dont vous avez besoin, et pourquoi")
        self.description.setMaximumHeight(110)
        self.categorie.currentIndexChanged.connect(self._sous_categories)
        self.sous_categorie.currentIndexChanged.connect(self._espace_utile)
        form = QFormLayout()
        form.addRow("Catégorie * :", self.categorie)
        form.addRow("Sous-catégorie * :", self.sous_categorie)
        form.addRow("Espace :", self.espace)
        form.addRow("Habilitation :", self.niveau)
        form.addRow("Description :", self.description)
        aide = QLabel("* obligatoire. Enregistrer garde la sollicitation en brouillon ; Valider et "
                      "envoyer l'adresse au gestionnaire de la structure, qui l'accepte ou la "
                      "refuse : sa réponse s'affiche dans Mon compte.")
        aide.setWordWrap(True)
        aide.setStyleSheet(STYLE_AIDE)
        boite, (self.bouton_enregistrer, self.bouton_envoyer, _annuler) = boutons_dialogue(
            self, "Enregistrer", "Valider et envoyer", "Annuler")
        self.bouton_enregistrer.clicked.connect(lambda: self.enregistrer(envoyer=False))
        self.bouton_envoyer.clicked.connect(lambda: self.enregistrer(envoyer=True))
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(aide)
        layout.addWidget(boite)
        self.setMinimumWidth(560)
        if brouillon is not None:
            self.categorie.setCurrentIndex(self.categorie.findData(brouillon.categorie))
            self.sous_categorie.setCurrentIndex(self.sous_categorie.findData(brouillon.sous_categorie))
            if brouillon.espace:
                self.espace.setCurrentIndex(self.espace.findData(brouillon.espace))
                self.niveau.setCurrentIndex(self.niveau.findData(brouillon.niveau))
            self.description.setPlainText(brouillon.description)
        self._sous_categories()

    def _sous_categories(self) -> None:
        garde = self.sous_categorie.currentData()
        self.sous_categorie.clear()
        code = self.categorie.currentData()
        self.sous_categorie.addItem("(choisir)", None)
        for sous, libelle in (roles.CATEGORIES[code][1].items() if code else ()):
            self.sous_categorie.addItem(libelle, sous)
        i = self.sous_categorie.findData(garde) if garde else -1
        self.sous_categorie.setCurrentIndex(max(i, 0))
        self._espace_utile()

    def _espace_utile(self) -> None:
        utile = (self.categorie.currentData(), self.sous_categorie.currentData()) \
            in roles.OCTROIENT_UN_ESPACE
        self.espace.setEnabled(utile)
        self.niveau.setEnabled(utile and self.sous_categorie.currentData() != "habilitation")
        if self.sous_categorie.currentData() == "habilitation":
            self.niveau.setCurrentIndex(self.niveau.findData(roles.MODIFICATION))

    def saisie(self) -> SollicitationSaisie:
        espace = self.espace.currentData() if self.espace.isEnabled() else None
        return SollicitationSaisie(self.categorie.currentData() or "",
                                   self.sous_categorie.currentData() or "",
                                   self.description.toPlainText(), espace,
                                   self.niveau.currentData() if espace else None)

    def enregistrer(self, *, envoyer: bool) -> bool:
        ident = self.brouillon.id if self.brouillon else None
        r = ecrire(self, self.state, self.TITRE, lambda s: enregistrer_sollicitation(
            s, self.state.ctx, self.saisie(), sollicitation_id=ident, envoyer=envoyer),
            "sollicitations")
        if r is None:
            return False
        self.resultat = r
        self.accept()
        return True


class RattachementDialog(QDialog):
    """*Demander un rattachement* to a structure (a budget of the database): sent at once to its
    gestionnaire principal; an account unknown so far is created, waiting for activation."""

    TITRE = "Demander un rattachement"

    def __init__(self, state: AppState, parent: QWidget | None = None, *, connu: bool = True) -> None:
        super().__init__(parent)
        self.state = state
        self.resultat: SollicitationLigne | None = None
        self.setWindowTitle(self.TITRE)
        self.structure = QComboBox()
        with state.lecture() as session:
            for b in lister_budgets(session):
                self.structure.addItem(f"{b.collectivite} — {b.libelle} ({b.code})", b.id)
        i = self.structure.findData(state.ctx.budget_id) if state.a_contexte else -1
        self.structure.setCurrentIndex(max(i, 0))
        self.nom, self.prenom = QLineEdit(), QLineEdit()
        self.email = QLineEdit(placeholderText="prenom.nom@mairie.fr")
        self.espace = choix_espace(avec_aucun=True)
        self.niveau = choix_niveau()
        self.description = QPlainTextEdit(placeholderText="Votre service, votre fonction")
        self.description.setMaximumHeight(90)
        form = QFormLayout()
        form.addRow("Structure :", self.structure)
        if not connu:  # a first request creates the account
            form.addRow("Nom :", self.nom)
            form.addRow("Prénom :", self.prenom)
            form.addRow("Adresse de contact :", self.email)
        form.addRow("Espace souhaité :", self.espace)
        form.addRow("Habilitation :", self.niveau)
        form.addRow("Description :", self.description)
        boite, (self.bouton_envoyer, _a) = boutons_dialogue(self, "Valider et envoyer", "Annuler")
        self.bouton_envoyer.clicked.connect(self.envoyer)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(boite)
        self.setMinimumWidth(520)

    def envoyer(self) -> bool:
        espace = self.espace.currentData()
        r = ecrire(self, self.state, self.TITRE, lambda s: demander_rattachement(
            s, self.state.ctx, self.structure.currentData(), nom=self.nom.text(),
            prenom=self.prenom.text(), email=self.email.text() or None,
            description=self.description.toPlainText(), espace=espace,
            niveau=self.niveau.currentData() if espace else None), "sollicitations")
        if r is None:
            return False
        self.resultat = r
        self.accept()
        return True


def _champ_secret(texte: str = "") -> QLineEdit:
    champ = QLineEdit(placeholderText=texte)
    champ.setEchoMode(QLineEdit.EchoMode.Password)
    return champ


class MotDePasseDialog(QDialog):
    """*Changer de mot de passe* (mine: the current one first if I have one), or — by the
    gestionnaire principal — *Définir le mot de passe* of a user (``login``)."""

    def __init__(self, state: AppState, parent: QWidget | None = None, *, login: str | None = None,
                 avec_actuel: bool = True) -> None:
        super().__init__(parent)
        self.state, self.login = state, login
        self.titre = f"Mot de passe de {login}" if login else "Changer de mot de passe"
        self.setWindowTitle(self.titre)
        self.actuel = _champ_secret()
        self.nouveau = _champ_secret(f"{LONGUEUR_MIN} caractères au moins")
        self.confirmation = _champ_secret()
        form = QFormLayout()
        if avec_actuel and login is None:
            form.addRow("Mot de passe actuel :", self.actuel)
        form.addRow("Nouveau mot de passe :", self.nouveau)
        form.addRow("Confirmation :", self.confirmation)
        boite, (self.bouton_valider, _a) = boutons_dialogue(self, "Valider", "Annuler")
        self.bouton_valider.clicked.connect(self.valider)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(boite)

    def valider(self) -> bool:
        if self.nouveau.text() != self.confirmation.text():
            afficher_erreur(self, ValueError("Les deux saisies du mot de passe diffèrent"), self.titre)
            return False
        r = ecrire(self, self.state, self.titre, lambda s: definir_mot_de_passe(
            s, self.state.ctx, self.nouveau.text(), actuel=self.actuel.text() or None,
            login=self.login), "utilisateurs")
        for champ in (self.actuel, self.nouveau, self.confirmation):
            champ.clear()
        if r is None:
            return False
        self.accept()
        return True


class ConnexionDialog(QDialog):
    """*Connexion à Corail*: the collectivité asks for a password. A refusal says why in the
    dialog (nothing written); *Quitter* leaves Corail."""

    def __init__(self, state: AppState, login: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state, self.login = state, login
        self.setWindowTitle("Connexion à Corail")
        self.mot_de_passe = _champ_secret()
        self.message = QLabel("La collectivité demande un mot de passe à la connexion.")
        self.message.setWordWrap(True)
        self.message.setStyleSheet(STYLE_AIDE)
        form = QFormLayout()
        form.addRow("Utilisateur :", QLabel(f"<b>{login}</b>", textFormat=Qt.TextFormat.RichText))
        form.addRow("Mot de passe :", self.mot_de_passe)
        boite, (self.bouton_connecter, _q) = boutons_dialogue(self, "Se connecter", "Quitter")
        self.bouton_connecter.clicked.connect(self.connecter)
        self.bouton_connecter.setDefault(True)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(boite)
        self.setMinimumWidth(420)

    def connecter(self) -> bool:
        try:
            with self.state.transaction() as session:
                se_connecter(session, self.state.clock, self.login, self.mot_de_passe.text())
        except CorailError as exc:  # said in the dialog; nothing written
            self.message.setText(str(exc))
            self.message.setStyleSheet(STYLE_ERREUR)
            self.mot_de_passe.clear()
            self.mot_de_passe.setFocus()
            return False
        except Exception as exc:  # an internal error: said, never a traceback
            afficher_erreur(self, exc, "Connexion à Corail")
            return False
        self.accept()
        return True
