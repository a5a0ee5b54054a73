"""*Activités du gestionnaire › Utilisateurs*: the users of the structure en cours, what only the
gestionnaire principal does to them (Créer, Activer, Désactiver, Réactiver, Supprimer, rôle), and
the *Espaces et habilitations* of the user chosen. A gestionnaire secondaire sees the list."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox, QGroupBox, QHBoxLayout, QLabel, QMessageBox, QPushButton, QVBoxLayout, QWidget,
)

from corail.dates import format_date
from corail.domain import roles
from corail.services import habilitations, utilisateurs as us
from corail.services.utilisateurs import UtilisateurLigne
from ui.activites_du_gestionnaire_dialogues import ChoixEspaces, CreationUtilisateurDialog
from ui.mon_compte_dialogues import MotDePasseDialog, ecrire
from ui.modeles import Colonne, TableauModel, rangs_choisis, tableau
from ui.state import AppState

TITRE = "Activités du gestionnaire"


def modele_utilisateurs(parent=None) -> TableauModel[UtilisateurLigne]:
    """Inactive accounts in grey, the gestionnaire principal in bold."""
    return TableauModel([
        Colonne("Identifiant", lambda u: u.login),
        Colonne("Nom", lambda u: u.nom),
        Colonne("Prénom", lambda u: u.prenom),
        Colonne("Adresse de contact", lambda u: u.email or ""),
        Colonne("Rôle", lambda u: roles.libelle_role(u.role),
                infobulle=lambda u: "\n".join(roles.libelle_habilitation(e, n) for e, n in u.espaces)
                or "aucun espace"),
        Colonne("Statut", lambda u: u.statut, centre=True, infobulle=lambda u: ", ".join(
            t for t in (u.date_desactivation and f"désactivé le {format_date(u.date_desactivation)}",
                        u.date_reactivation and f"réactivé le {format_date(u.date_reactivation)}")
            if t) or u.statut),
        Colonne("Dernière connexion", lambda u: u.derniere_connexion),
    ], grise=lambda u: not u.actif, gras=lambda u: u.role == roles.GESTIONNAIRE_PRINCIPAL,
        parent=parent)


class OngletUtilisateurs(QWidget):
    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.principal = False  # is the context's user the gestionnaire principal?
        self.dialogue = None
        self.bouton_creer = QPushButton("Créer un utilisateur…")
        self.bouton_creer.clicked.connect(self.creer)
        self.actions: dict[str, QPushButton] = {}
        barre = QHBoxLayout()
        barre.addWidget(self.bouton_creer)
        for nom, fonction in (("Activer", us.activer_utilisateur),
                              ("Désactiver", us.desactiver_utilisateur),
                              ("Réactiver", us.reactiver_utilisateur),
                              ("Supprimer", us.supprimer_utilisateur)):
            bouton = QPushButton(nom)
            bouton.clicked.connect(lambda _c=False, n=nom, f=fonction: self.agir(n, f))
            self.actions[nom] = bouton
            barre.addWidget(bouton)
        barre.addSpacing(16)
        barre.addWidget(QLabel("Rôle :"))
        self.role = QComboBox()
        for code in roles.ROLES_ATTRIBUABLES:
            self.role.addItem(roles.libelle_role(code), code)
        self.bouton_role = QPushButton("Changer le rôle")
        self.bouton_role.clicked.connect(self.changer_role)
        barre.addWidget(self.role)
        barre.addWidget(self.bouton_role)
        barre.addStretch(1)
        self.modele = modele_utilisateurs(self)
        self.vue = tableau(self.modele, None, triable=True)
        self.vue.selectionModel().selectionChanged.connect(lambda *_: self._choix())
        # -- Espaces et habilitations of the chosen user
        self.espaces = ChoixEspaces(self)
        self.bouton_espaces = QPushButton("Enregistrer les espaces")
        self.bouton_espaces.clicked.connect(self.enregistrer_espaces)
        self.bouton_mot_de_passe = QPushButton("Définir son mot de passe…")
        self.bouton_mot_de_passe.clicked.connect(self.mot_de_passe)
        self.boite_espaces = QGroupBox("Espaces et habilitations")
        colonne = QVBoxLayout(self.boite_espaces)
        colonne.addWidget(self.espaces)
        colonne.addWidget(self.bouton_espaces)
        colonne.addWidget(self.bouton_mot_de_passe)
        colonne.addStretch(1)
        self.boite_espaces.setMaximumWidth(290)
        corps = QHBoxLayout()
        corps.addWidget(self.vue, 3)
        corps.addWidget(self.boite_espaces, 1)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.addLayout(barre)
        layout.addLayout(corps, 1)
        layout.addWidget(self.message)

    def recharger(self) -> str | None:
        """Reload; the French reason when the user may not see the list (None when he may)."""
        with self.state.lecture() as session:
            a = habilitations.acces(session, self.state.ctx.utilisateur, self.state.ctx.budget_id)
            try:
                lignes = us.lister_utilisateurs(session, self.state.ctx)
                refus = None
            except habilitations.HabilitationManquante as exc:
                lignes, refus = [], str(exc)
        self.principal = a.role == roles.GESTIONNAIRE_PRINCIPAL
        garde = {u.login for u in self.choisis()} or {l.login for l in lignes[:1]}
        self.modele.remplacer(lignes)
        self.choisir(garde)
        self.bouton_creer.setEnabled(self.principal)
        self._choix()
        return refus

    def choisis(self) -> list[UtilisateurLigne]:
        return [self.modele.ligne(r) for r in rangs_choisis(self.vue)]

    def choisir(self, logins: set[str]) -> None:
        self.vue.clearSelection()
        for r in range(self.modele.rowCount()):
            if self.modele.ligne(r).login in logins:
                self.vue.selectRow(self.vue.model().mapFromSource(self.modele.index(r, 0)).row())

    def _choix(self) -> None:
        u = next(iter(self.choisis()), None)
        autre = u is not None and self.principal and u.role != roles.GESTIONNAIRE_PRINCIPAL \
            and u.login != self.state.ctx.utilisateur
        self.actions["Activer"].setEnabled(autre and not u.actif and u.date_desactivation is None)
        self.actions["Désactiver"].setEnabled(autre and u.actif)
        self.actions["Réactiver"].setEnabled(autre and not u.actif and u.date_desactivation is not None)
        self.actions["Supprimer"].setEnabled(autre)
        self.role.setEnabled(autre)
        self.bouton_role.setEnabled(autre)
        if autre:
            self.role.setCurrentIndex(max(self.role.findData(u.role), 0))
        self.espaces.afficher(dict(u.espaces) if u else {})
        self.espaces.setEnabled(autre)
        self.bouton_espaces.setEnabled(autre)
        self.bouton_mot_de_passe.setEnabled(autre)
        self.boite_espaces.setTitle(f"Espaces et habilitations de {u.login}" if u
                                    else "Espaces et habilitations")

    def agir(self, nom: str, fonction) -> bool:
        u = next(iter(self.choisis()), None)
        if u is None:
            return False
        if nom == "Supprimer" and QMessageBox.question(
                self, TITRE, f"Retirer {u.login} de la structure ? Son compte est supprimé s'il "
                             f"n'est rattaché à aucune autre.") != QMessageBox.StandardButton.Yes:
            return False
        ok = ecrire(self, self.state, TITRE, lambda s: fonction(s, self.state.ctx, u.login),
                    "utilisateurs") is not None
        if ok:
            self.message.setText(f"{nom} : « {u.login} » — fait.")
        return ok

    def changer_role(self) -> bool:
        u = next(iter(self.choisis()), None)
        role = self.role.currentData()
        ok = u is not None and ecrire(self, self.state, TITRE, lambda s: us.changer_role(
            s, self.state.ctx, u.login, role), "utilisateurs") is not None
        if ok:
            self.message.setText(f"« {u.login} » est désormais {roles.libelle_role(role).lower()}.")
        return ok

    def enregistrer_espaces(self) -> bool:
        u = next(iter(self.choisis()), None)
        if u is None:
            return False
        avant = dict(u.espaces)
        changes = {e: n for e, n in self.espaces.valeurs().items() if avant.get(e) != n}

        def enregistrer(session) -> None:
            for espace, niveau in changes.items():
                habilitations.definir_habilitation(session, self.state.ctx, u.login, espace, niveau)
        ok = ecrire(self, self.state, TITRE, enregistrer, "utilisateurs") is not None
        if ok:
            self.message.setText(f"Espaces de « {u.login} » enregistrés ({len(changes)} changement(s)).")
        return ok

    def creer(self) -> None:
        dialogue = CreationUtilisateurDialog(self.state, self)
        dialogue.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialogue.accepted.connect(lambda: self.message.setText(
            f"Utilisateur « {dialogue.resultat.login} » créé et rattaché à la structure."))
        self.dialogue = dialogue
        dialogue.open()

    def mot_de_passe(self) -> None:
        u = next(iter(self.choisis()), None)
        if u is not None:
            dialogue = MotDePasseDialog(self.state, self, login=u.login)
            dialogue.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            self.dialogue = dialogue
            dialogue.open()
