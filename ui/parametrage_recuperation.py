"""*Paramétrage de la récupération des factures dématérialisées*: mode portail / service, URL
(PISTE qualification, production, or personnalisée), compte of the utilisateur technique,
PISTE client, and the passwords — which go to the OS keyring (``corail.secrets``), never to
the database nor a file.

When no keyring is usable, the dialog says so and the passwords are kept in the session's
``MemoireSession``. That object belongs to the ``AppState`` (a child QObject created on first
use by ``memoire_secrets(state)``): it lives exactly as long as the application's state, every
screen of that state sees the same one, and nothing is hidden in a module global.
"""
from __future__ import annotations

from PySide6.QtCore import QObject
from PySide6.QtWidgets import (
    QButtonGroup, QComboBox, QDialog, QDialogButtonBox, QFormLayout, QGroupBox, QHBoxLayout,
    QLabel, QLineEdit, QMessageBox, QRadioButton, QVBoxLayout, QWidget,
)

from corail.context import Context
from corail.errors import ValidationError
from corail.secrets import (
    MOT_DE_PASSE, SECRET_CLIENT, MemoireSession, Stockage, cle_structure, description_trousseau,
    enregistrer_mot_de_passe, lire_mot_de_passe, trousseau_disponible, verifier_mot_de_passe,
)
from corail.services import reglages_demat as rd
from ui.common import afficher_erreur
from ui.gestion_des_collectivites_tables import executer, lire
from ui.state import AppState

TITRE = "Paramétrage de la récupération des factures dématérialisées"
INCHANGE = "••••••••"  # shown when a password is stored; never the password itself


class _PorteMemoire(QObject):
    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        self.setObjectName("corail_memoire_secrets")
        self.memoire = MemoireSession()


def memoire_secrets(state: AppState) -> MemoireSession:
    """The session-memory password store of this ``AppState`` (created on first use)."""
    porte = state.findChild(_PorteMemoire, "corail_memoire_secrets")
    if porte is None:
        porte = _PorteMemoire(state)
    return porte.memoire


class ParametrageRecuperationDialog(QDialog):
    def __init__(self, state: AppState, ctx: Context, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state, self.ctx = state, ctx
        self.memoire = memoire_secrets(state)
        self.setWindowTitle(TITRE)
        self.setMinimumWidth(620)
        self.portail = QRadioButton("Mode portail (flux téléchargés depuis Chorus Pro)")
        self.service = QRadioButton("Mode service (API Chorus Pro via PISTE)")
        self.modes = QButtonGroup(self)
        self.modes.addButton(self.portail)
        self.modes.addButton(self.service)
        mode = QGroupBox("Mode")
        vm = QVBoxLayout(mode)
        vm.addWidget(self.portail)
        vm.addWidget(self.service)

        connexion = QGroupBox("Connexion")
        form = QFormLayout(connexion)
        self.environnement = QComboBox()
        for code, libelle in rd.ENVIRONNEMENTS.items():
            self.environnement.addItem(libelle, code)
        self.url = QLineEdit()
        ligne_url = QHBoxLayout()
        ligne_url.addWidget(self.environnement)
        ligne_url.addWidget(self.url, 1)
        self.compte = QLineEdit(placeholderText="login de l'utilisateur technique de la structure")
        self.mot_de_passe = QLineEdit(echoMode=QLineEdit.EchoMode.Password)
        self.client_id = QLineEdit(placeholderText="identifiant de l'application PISTE")
        self.secret_client = QLineEdit(echoMode=QLineEdit.EchoMode.Password)
        form.addRow("URL :", ligne_url)
        form.addRow("Compte :", self.compte)
        form.addRow("Mot de passe :", self.mot_de_passe)
        form.addRow("Client PISTE :", self.client_id)
        form.addRow("Secret client PISTE :", self.secret_client)
        self.trousseau = QLabel(description_trousseau())
        self.trousseau.setWordWrap(True)
        if not trousseau_disponible():
            self.trousseau.setStyleSheet("color: #9a5b00; font-weight: bold;")
        form.addRow(self.trousseau)

        self.structure = QLabel()
        self.structure.setWordWrap(True)
        boutons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        boutons.button(QDialogButtonBox.StandardButton.Ok).setText("Valider")
        boutons.button(QDialogButtonBox.StandardButton.Cancel).setText("Annuler")
        boutons.accepted.connect(self.valider)
        boutons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.structure)
        layout.addWidget(mode)
        layout.addWidget(connexion)
        layout.addWidget(boutons)
        self.environnement.currentIndexChanged.connect(self._url)
        self.service.toggled.connect(self._activer)
        self.charger()

    def charger(self) -> None:
        r = lire(self, self.state, lambda s: rd.lire_recuperation(s, self.ctx))
        if r is None:
            return
        self.reglage = r
        self.structure.setText(f"Structure Chorus Pro : SIRET {r.siret} (les budgets de ce "
                               "SIRET partagent ce paramétrage)")
        (self.service if r.mode == "service" else self.portail).setChecked(True)
        self.environnement.setCurrentIndex(max(0, self.environnement.findData(r.environnement)))
        self.url.setText(r.url)
        self.compte.setText(r.compte)
        self.client_id.setText(r.client_id)
        for champ, nom in ((self.mot_de_passe, MOT_DE_PASSE), (self.secret_client, SECRET_CLIENT)):
            present = lire_mot_de_passe(self._cle(nom), memoire=self.memoire) is not None
            champ.setPlaceholderText(INCHANGE + " (enregistré, laisser vide pour le garder)"
                                     if present else "")
        self._url()
        self._activer()

    def _cle(self, nom: str) -> str:
        return cle_structure(self.ctx.collectivite_id, self.reglage.siret, nom)

    def _url(self, *_args) -> None:
        code = self.environnement.currentData()
        personnalisee = code not in rd.URLS
        self.url.setReadOnly(not personnalisee)
        if not personnalisee:
            self.url.setText(rd.URLS[code])

    def _activer(self, *_args) -> None:
        for w in (self.environnement, self.url, self.compte, self.mot_de_passe, self.client_id,
                  self.secret_client):
            w.setEnabled(self.service.isChecked())

    def saisie(self) -> rd.RecuperationReglage:
        return rd.RecuperationReglage(
            siret=self.reglage.siret, mode="service" if self.service.isChecked() else "portail",
            environnement=self.environnement.currentData(), url=self.url.text(),
            compte=self.compte.text(), client_id=self.client_id.text(),
            automatique=self.reglage.automatique and self.service.isChecked())

    def valider(self) -> None:
        r = self.saisie()
        secrets = ((self.mot_de_passe, MOT_DE_PASSE, "Mot de passe"),
                   (self.secret_client, SECRET_CLIENT, "Secret client PISTE"))
        try:
            for champ, _nom, libelle in secrets:
                verifier_mot_de_passe(champ.text(), libelle)
        except ValidationError as exc:
            afficher_erreur(self, exc, TITRE)
            return
        if not executer(self, self.state, lambda s: rd.enregistrer_recuperation(s, self.ctx, r),
                        "collectivite"):
            return
        stockages = {enregistrer_mot_de_passe(self._cle(nom), champ.text(), memoire=self.memoire)
                     for champ, nom, _libelle in secrets if champ.text()}
        self.mot_de_passe.clear()
        self.secret_client.clear()
        if Stockage.MEMOIRE in stockages:
            QMessageBox.information(
                self, TITRE, "Aucun trousseau du système n'est disponible : le mot de passe est "
                "gardé en mémoire pour cette session seulement. Il faudra le saisir de nouveau "
                "au prochain lancement de Corail.")
        self.accept()
