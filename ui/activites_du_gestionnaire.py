"""Environnement › *Activités du gestionnaire*: the gestionnaire's views of the structure en cours.

Tabs: *Utilisateurs* (``ui.activites_du_gestionnaire_utilisateurs``: activate, deactivate,
reactivate, delete, rôle, espaces and habilitations); *Demandes d'abonnements aux espaces*
(accept or refuse with an answer — the gestionnaire secondaire sees those of the espaces he
holds); *Transfert du rôle de gestionnaire principal* (successor by identifiant or adresse de
contact, then the confirmation window to tick before *Valider*); *Connexion* (a password at
sign-in). Somebody who is not a gestionnaire sees why, and nothing else.
"""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox, QFormLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit, QPlainTextEdit,
    QPushButton, QStackedWidget, QTabWidget, QVBoxLayout, QWidget,
)

from corail.domain import roles
from corail.domain.etats import EtatSollicitation
from corail.services import habilitations
from corail.services.connexion import mot_de_passe_requis, regler_mot_de_passe_requis
from corail.services.sollicitations import (
    SollicitationLigne, accepter_sollicitation, refuser_sollicitation, sollicitations_a_traiter,
)
from ui.activites_du_gestionnaire_dialogues import ConfirmationTransfertDialog
from ui.activites_du_gestionnaire_utilisateurs import TITRE, OngletUtilisateurs
from ui.mon_compte import modele_sollicitations
from ui.mon_compte_dialogues import STYLE_AIDE, ecrire
from ui.modeles import rangs_choisis, tableau
from ui.state import AppState


class OngletDemandes(QWidget):
    """*Demandes d'abonnements aux espaces*: Accepter (the espace is granted) or Refuser (the
    answer is mandatory); the requester reads the answer in *Mon compte*."""

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.traitees = QCheckBox("Afficher aussi les demandes traitées")
        self.traitees.toggled.connect(lambda _v: self.recharger())
        self.modele = modele_sollicitations(self, demandeur=True)
        self.vue = tableau(self.modele, self.modele.colonne("Description"), triable=True)
        self.vue.selectionModel().selectionChanged.connect(lambda *_: self._boutons())
        self.reponse = QPlainTextEdit(placeholderText="Réponse au demandeur (obligatoire pour un "
                                                      "refus)")
        self.reponse.setMaximumHeight(70)
        self.bouton_accepter = QPushButton("Accepter")
        self.bouton_accepter.clicked.connect(lambda: self.traiter(accepter=True))
        self.bouton_refuser = QPushButton("Refuser")
        self.bouton_refuser.clicked.connect(lambda: self.traiter(accepter=False))
        boutons = QHBoxLayout()
        boutons.addWidget(self.bouton_accepter)
        boutons.addWidget(self.bouton_refuser)
        boutons.addStretch(1)
        self.message = QLabel()
        self.message.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.traitees)
        layout.addWidget(self.vue, 1)
        layout.addWidget(QLabel("Réponse :"))
        layout.addWidget(self.reponse)
        layout.addLayout(boutons)
        layout.addWidget(self.message)

    def recharger(self) -> None:
        with self.state.lecture() as session:
            try:
                lignes = sollicitations_a_traiter(session, self.state.ctx,
                                                  toutes=self.traitees.isChecked())
            except habilitations.HabilitationManquante:
                lignes = []
        garde = {l.id for l in self.choisies()}
        self.modele.remplacer(lignes)
        self.vue.clearSelection()
        for r in range(self.modele.rowCount()):
            if self.modele.ligne(r).id in garde:
                self.vue.selectRow(self.vue.model().mapFromSource(self.modele.index(r, 0)).row())
        self._boutons()

    def choisies(self) -> list[SollicitationLigne]:
        return [self.modele.ligne(r) for r in rangs_choisis(self.vue)]

    def _boutons(self) -> None:
        choisies = self.choisies()
        ouverte = bool(choisies) and choisies[0].etat == EtatSollicitation.ENVOYEE
        self.bouton_accepter.setEnabled(ouverte)
        self.bouton_refuser.setEnabled(ouverte)

    def traiter(self, *, accepter: bool) -> bool:
        choisies = self.choisies()
        if not choisies:
            return False
        fonction = accepter_sollicitation if accepter else refuser_sollicitation
        l = ecrire(self, self.state, TITRE, lambda s: fonction(
            s, self.state.ctx, choisies[0].id, self.reponse.toPlainText()),
            "sollicitations", "utilisateurs")
        if l is None:
            return False
        self.reponse.clear()
        self.message.setText(f"Sollicitation n° {l.id} de « {l.demandeur} » "
                             f"{'acceptée' if accepter else 'refusée'} : {l.objet}.")
        return True


class OngletTransfert(QWidget):
    """The successor, then the confirmation window (ticked before *Valider*)."""

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.dialogue: ConfirmationTransfertDialog | None = None
        self.successeur = QLineEdit(placeholderText="identifiant ou adresse de contact")
        self.bouton = QPushButton("Transférer le rôle…")
        self.bouton.clicked.connect(self.transferer)
        ligne = QHBoxLayout()
        ligne.addWidget(self.successeur, 1)
        ligne.addWidget(self.bouton)
        aide = QLabel("Seul le gestionnaire principal transfère son rôle, à un utilisateur actif "
                      "de la structure. Pour quitter une structure dont vous êtes le gestionnaire "
                      "principal, nommez d'abord votre successeur. S'il est parti sans le faire, "
                      "un administrateur de la base le nomme : corail users transferer-admin "
                      "--budget … --vers … --motif … (administrateurs : corail users admin list ; "
                      "le premier se déclare par corail users admin ajouter)")
        aide.setWordWrap(True)
        aide.setStyleSheet(STYLE_AIDE)
        boite = QGroupBox("Successeur")
        colonne = QVBoxLayout(boite)
        colonne.addLayout(ligne)
        colonne.addWidget(aide)
        self.message = QLabel()
        self.message.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(boite)
        layout.addWidget(self.message)
        layout.addStretch(1)

    def transferer(self) -> ConfirmationTransfertDialog | None:
        qui = self.successeur.text().strip()
        if not qui:
            self.message.setText("Indiquez l'identifiant ou l'adresse de contact du successeur.")
            return None
        dialogue = ConfirmationTransfertDialog(self.state, qui, self)
        dialogue.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialogue.accepted.connect(lambda: self.message.setText(
            f"« {dialogue.resultat.nouveau} » est désormais gestionnaire principal ; vous êtes "
            f"gestionnaire secondaire."))
        self.dialogue = dialogue
        dialogue.open()
        return dialogue


class OngletConnexion(QWidget):
    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.exiger = QCheckBox("Exiger un mot de passe à la connexion (sinon : l'utilisateur de "
                                "la session du poste)")
        self.bouton = QPushButton("Enregistrer")
        self.bouton.clicked.connect(self.enregistrer)
        aide = QLabel("Définissez d'abord votre propre mot de passe (Mon compte), puis celui de "
                      "chaque utilisateur (onglet Utilisateurs). Seule une empreinte salée du mot "
                      "de passe est conservée.")
        aide.setWordWrap(True)
        aide.setStyleSheet(STYLE_AIDE)
        form = QFormLayout()
        form.addRow(self.exiger)
        form.addRow(self.bouton)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(aide)
        layout.addStretch(1)

    def recharger(self, principal: bool) -> None:
        with self.state.lecture() as session:
            self.exiger.setChecked(mot_de_passe_requis(session, self.state.ctx.collectivite_id))
        self.exiger.setEnabled(principal)
        self.bouton.setEnabled(principal)

    def enregistrer(self) -> bool:
        return ecrire(self, self.state, TITRE, lambda s: regler_mot_de_passe_requis(
            s, self.state.ctx, self.exiger.isChecked()), "utilisateurs") is not None


class ActivitesDuGestionnaireScreen(QWidget):
    titre = TITRE

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.utilisateurs = OngletUtilisateurs(state, self)
        self.demandes = OngletDemandes(state, self)
        self.transfert = OngletTransfert(state, self)
        self.connexion = OngletConnexion(state, self)
        self.onglets = QTabWidget()
        self.onglets.addTab(self.utilisateurs, "Utilisateurs")
        self.onglets.addTab(self.demandes, "Demandes d'abonnements aux espaces")
        self.onglets.addTab(self.transfert, "Transfert du rôle de gestionnaire principal")
        self.onglets.addTab(self.connexion, "Connexion")
        self.refus = QLabel()
        self.refus.setWordWrap(True)
        self.refus.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.refus.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.pile = QStackedWidget()
        self.pile.addWidget(self.onglets)
        self.pile.addWidget(self.refus)
        self.entete = QLabel()
        layout = QVBoxLayout(self)
        layout.addWidget(self.entete)
        layout.addWidget(self.pile, 1)
        state.contexte_change.connect(lambda _ctx: self.recharger())
        state.donnees_modifiees.connect(lambda _quoi: self.recharger())
        self.recharger()

    def recharger(self) -> None:
        if not self.state.a_contexte:
            return
        refus = self.utilisateurs.recharger()
        if refus:
            self.refus.setText("Activités du gestionnaire : réservées aux gestionnaires de la "
                               f"structure.\n\n{refus}")
            self.pile.setCurrentWidget(self.refus)
            self.entete.clear()
            return
        self.pile.setCurrentWidget(self.onglets)
        principal = self.utilisateurs.principal
        self.demandes.recharger()
        self.connexion.recharger(principal)
        self.onglets.setTabEnabled(self.onglets.indexOf(self.transfert), principal)
        with self.state.lecture() as session:
            structure = habilitations.nom_budget(session, self.state.ctx.budget_id)
            a = habilitations.acces(session, self.state.ctx.utilisateur, self.state.ctx.budget_id)
        n = sum(1 for l in self.demandes.modele.lignes() if l.etat == EtatSollicitation.ENVOYEE)
        self.entete.setText(f"Structure : <b>{structure}</b> — vous êtes "
                            f"{roles.libelle_role(a.role or '').lower()} — {n} demande(s) en "
                            f"attente")
