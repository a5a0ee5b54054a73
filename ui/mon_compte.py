"""Environnement › *Mon compte*: my details, my rattachements, my espaces on the structure en
cours and my sollicitations with their answers.

*Enregistrer mes informations* saves nom, prénom and adresse de contact; *Demander un
rattachement* and *Nouvelle sollicitation* (Enregistrer / Valider et envoyer) open the dialogs of
``ui.mon_compte_dialogues``. A user Corail does not know yet sees only what he can do:
*Demander un rattachement*. Every refusal is the services' French message; nothing is written.
"""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFormLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget,
)

from corail.dates import format_horodatage
from corail.domain import roles
from corail.domain.etats import EtatSollicitation, libelle_etat
from corail.services.sollicitations import (
    SollicitationLigne, envoyer_sollicitation, mes_sollicitations, supprimer_brouillon,
)
from corail.services.utilisateurs import MonCompte, RattachementLigne, modifier_mon_compte, mon_compte
from ui.mon_compte_dialogues import MotDePasseDialog, RattachementDialog, SollicitationDialog, ecrire
from ui.modeles import Colonne, TableauModel, rangs_choisis, tableau
from ui.state import AppState

TITRE = "Mon compte"


def texte_espaces(espaces: tuple[tuple[str, str], ...]) -> str:
    if len(espaces) == len(roles.ESPACES) and len({n for _e, n in espaces}) == 1:
        return f"Tous les espaces ({espaces[0][1]})"
    return ", ".join(f"{roles.libelle_espace(e)} ({n})" for e, n in espaces) or "aucun espace"


def modele_sollicitations(parent=None, *, demandeur: bool = False) -> TableauModel[SollicitationLigne]:
    """Waiting ones in bold, refused ones in red (the gestionnaire's answer in the last column)."""
    colonnes = [Colonne("N°", lambda l: l.id, centre=True)]
    if demandeur:  # the gestionnaire's view: requests to the structure en cours
        colonnes.append(Colonne("Demandeur", lambda l: f"{l.demandeur_nom or l.demandeur} ({l.demandeur})"))
    else:
        colonnes.append(Colonne("Structure", lambda l: l.structure.split(" ")[0],
                                infobulle=lambda l: l.structure))
    colonnes += [
        Colonne("Demande", lambda l: l.demande, infobulle=lambda l: l.objet),
        Colonne("Description", lambda l: l.description, infobulle=lambda l: l.description),
        Colonne("État", lambda l: libelle_etat(l.etat), centre=True),
        Colonne("Envoyée le", lambda l: l.envoye_le),
        Colonne("Réponse", lambda l: l.reponse or "", infobulle=lambda l: l.reponse or ""),
        Colonne("Traitée par", lambda l: l.traite_par or ""),
    ]
    return TableauModel(colonnes, alerte=lambda l: l.etat == EtatSollicitation.REFUSEE,
                        gras=lambda l: l.etat == EtatSollicitation.ENVOYEE, parent=parent)


class MonCompteScreen(QWidget):
    titre = TITRE

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.compte: MonCompte | None = None
        self.dialogue = None  # the last dialog opened (tests drive it)
        # -- Mes informations
        self.identifiant, self.statut, self.connexion = QLabel(), QLabel(), QLabel()
        self.nom, self.prenom = QLineEdit(maxLength=100), QLineEdit(maxLength=100)
        self.email = QLineEdit(maxLength=150, placeholderText="prenom.nom@mairie.fr")
        self.bouton_enregistrer = QPushButton("Enregistrer mes informations")
        self.bouton_enregistrer.clicked.connect(self.enregistrer)
        self.bouton_mot_de_passe = QPushButton("Changer de mot de passe…")
        self.bouton_mot_de_passe.clicked.connect(self.changer_mot_de_passe)
        form = QFormLayout()
        form.addRow("Identifiant :", self.identifiant)
        form.addRow("Nom :", self.nom)
        form.addRow("Prénom :", self.prenom)
        form.addRow("Adresse de contact :", self.email)
        form.addRow("Statut :", self.statut)
        form.addRow("Dernière connexion :", self.connexion)
        boutons_info = QHBoxLayout()
        boutons_info.addWidget(self.bouton_enregistrer)
        boutons_info.addWidget(self.bouton_mot_de_passe)
        boutons_info.addStretch(1)
        infos = QGroupBox("Mes informations")
        colonne = QVBoxLayout(infos)
        colonne.addLayout(form)
        colonne.addLayout(boutons_info)
        # -- Mes espaces (structure en cours)
        self.modele_espaces = TableauModel([
            Colonne("Espace", lambda e: roles.libelle_espace(e[0])),
            Colonne("Habilitation", lambda e: roles.libelle_niveau(e[1])),
        ], parent=self)
        self.vue_espaces = tableau(self.modele_espaces, 0, selection=False)
        self.boite_espaces = QGroupBox("Mes espaces")
        QVBoxLayout(self.boite_espaces).addWidget(self.vue_espaces)
        haut = QHBoxLayout()
        haut.addWidget(infos, 3)
        haut.addWidget(self.boite_espaces, 2)
        # -- Mes rattachements
        self.modele_rattachements: TableauModel[RattachementLigne] = TableauModel([
            Colonne("Structure", lambda r: r.structure),
            Colonne("Rôle", lambda r: roles.libelle_role(r.role)),
            Colonne("Espaces", lambda r: texte_espaces(r.espaces),
                    infobulle=lambda r: texte_espaces(r.espaces)),
        ], gras=lambda r: self.state.a_contexte and r.budget_id == self.state.ctx.budget_id,
            parent=self)
        self.vue_rattachements = tableau(self.modele_rattachements, 2, selection=False)
        self.bouton_rattachement = QPushButton("Demander un rattachement…")
        self.bouton_rattachement.clicked.connect(self.demander_rattachement)
        rattachements = QGroupBox("Mes rattachements")
        boite = QVBoxLayout(rattachements)
        boite.addWidget(self.vue_rattachements)
        ligne = QHBoxLayout()
        ligne.addWidget(self.bouton_rattachement)
        ligne.addStretch(1)
        boite.addLayout(ligne)
        # -- Mes sollicitations
        self.modele_sollicitations = modele_sollicitations(self)
        self.vue_sollicitations = tableau(self.modele_sollicitations,
                                          self.modele_sollicitations.colonne("Réponse"), triable=True)
        self.vue_sollicitations.selectionModel().selectionChanged.connect(lambda *_: self._boutons())
        self.vue_sollicitations.doubleClicked.connect(lambda _i: self.modifier_brouillon())
        self.bouton_nouvelle = QPushButton("Nouvelle sollicitation…")
        self.bouton_nouvelle.clicked.connect(self.nouvelle_sollicitation)
        self.bouton_envoyer = QPushButton("Valider et envoyer")
        self.bouton_envoyer.clicked.connect(self.envoyer)
        self.bouton_supprimer = QPushButton("Supprimer le brouillon")
        self.bouton_supprimer.clicked.connect(self.supprimer)
        sollicitations = QGroupBox("Mes sollicitations")
        boite = QVBoxLayout(sollicitations)
        boite.addWidget(self.vue_sollicitations)
        ligne = QHBoxLayout()
        for b in (self.bouton_nouvelle, self.bouton_envoyer, self.bouton_supprimer):
            ligne.addWidget(b)
        ligne.addStretch(1)
        boite.addLayout(ligne)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.addLayout(haut, 3)
        layout.addWidget(rattachements, 2)
        layout.addWidget(sollicitations, 3)
        layout.addWidget(self.message)
        state.contexte_change.connect(lambda _ctx: self.recharger())
        state.donnees_modifiees.connect(lambda _quoi: self.recharger())
        self.recharger()

    # -- reading -------------------------------------------------------------------------------

    def recharger(self) -> None:
        if not self.state.a_contexte:
            return
        with self.state.lecture() as session:
            self.compte = mon_compte(session, self.state.ctx)
            sollicitations = mes_sollicitations(session, self.state.ctx)
        c = self.compte
        self.identifiant.setText(f"<b>{c.login}</b>")
        self.nom.setText(c.nom)
        self.prenom.setText(c.prenom)
        self.email.setText(c.email or "")
        self.statut.setText("Compte inconnu de Corail : demandez un rattachement" if not c.connu
                            else ("Actif" if c.actif else "Inactif (en attente d'activation "
                                  "ou désactivé par le gestionnaire principal)")
                            + (" — administrateur de la base" if c.administrateur else ""))
        self.connexion.setText(format_horodatage(c.derniere_connexion) if c.derniere_connexion
                               else "—")
        courant = next((r for r in c.rattachements if r.budget_id == self.state.ctx.budget_id), None)
        self.modele_espaces.remplacer(list(courant.espaces) if courant else [])
        self.boite_espaces.setTitle("Mes espaces — " + (courant.structure if courant
                                                        else "non rattaché à la structure en cours"))
        self.modele_rattachements.remplacer(list(c.rattachements))
        garde = {l.id for l in self.choisies()}
        self.modele_sollicitations.remplacer(sollicitations)
        self._choisir(garde)
        for champ in (self.nom, self.prenom, self.email, self.bouton_enregistrer,
                      self.bouton_mot_de_passe):
            champ.setEnabled(c.connu and c.actif)
        self.bouton_nouvelle.setEnabled(courant is not None and c.actif)
        self._boutons()

    def choisies(self) -> list[SollicitationLigne]:
        return [self.modele_sollicitations.ligne(r) for r in rangs_choisis(self.vue_sollicitations)]

    def _choisir(self, ids: set[int]) -> None:
        self.vue_sollicitations.clearSelection()
        for r in range(self.modele_sollicitations.rowCount()):
            if self.modele_sollicitations.ligne(r).id in ids:
                index = self.vue_sollicitations.model().mapFromSource(self.modele_sollicitations.index(r, 0))
                self.vue_sollicitations.selectRow(index.row())

    def _boutons(self) -> None:
        choisies = self.choisies()
        brouillon = bool(choisies) and choisies[0].etat == EtatSollicitation.BROUILLON
        self.bouton_envoyer.setEnabled(brouillon)
        self.bouton_supprimer.setEnabled(brouillon)

    # -- actions -------------------------------------------------------------------------------

    def enregistrer(self) -> bool:
        r = ecrire(self, self.state, TITRE, lambda s: modifier_mon_compte(
            s, self.state.ctx, nom=self.nom.text(), prenom=self.prenom.text(),
            email=self.email.text() or None), "utilisateurs")
        if r is not None:
            self.message.setText("Vos informations sont enregistrées.")
        return r is not None

    def _ouvrir(self, dialogue, apres) -> None:
        dialogue.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialogue.accepted.connect(lambda: apres(dialogue))
        self.dialogue = dialogue
        dialogue.open()

    def changer_mot_de_passe(self) -> None:
        self._ouvrir(MotDePasseDialog(self.state, self,
                                      avec_actuel=bool(self.compte and self.compte.mot_de_passe)),
                     lambda _d: self.message.setText("Mot de passe enregistré."))

    def demander_rattachement(self) -> None:
        self._ouvrir(RattachementDialog(self.state, self, connu=bool(self.compte and self.compte.connu)),
                     lambda d: self.message.setText(
                         f"Demande de rattachement n° {d.resultat.id} envoyée au gestionnaire "
                         f"principal de {d.resultat.structure}."))

    def nouvelle_sollicitation(self, brouillon: SollicitationLigne | None = None) -> None:
        self._ouvrir(SollicitationDialog(self.state, self, brouillon), self._apres_sollicitation)

    def modifier_brouillon(self) -> None:
        choisies = self.choisies()
        if choisies and choisies[0].etat == EtatSollicitation.BROUILLON:
            self.nouvelle_sollicitation(choisies[0])

    def _apres_sollicitation(self, dialogue: SollicitationDialog) -> None:
        l = dialogue.resultat
        envoyee = l.etat == EtatSollicitation.ENVOYEE
        self.message.setText(f"Sollicitation n° {l.id} {'envoyée' if envoyee else 'enregistrée en brouillon'}"
                             f" : {l.objet}.")
        self._choisir({l.id})

    def envoyer(self) -> None:
        choisies = self.choisies()
        if not choisies:
            return
        l = ecrire(self, self.state, TITRE,
                   lambda s: envoyer_sollicitation(s, self.state.ctx, choisies[0].id), "sollicitations")
        if l is not None:
            self.message.setText(f"Sollicitation n° {l.id} envoyée au gestionnaire : {l.objet}.")

    def supprimer(self) -> None:
        choisies = self.choisies()
        if choisies and ecrire(self, self.state, TITRE, lambda s: supprimer_brouillon(
                s, self.state.ctx, choisies[0].id), "sollicitations") is not None:
            self.message.setText(f"Brouillon n° {choisies[0].id} supprimé.")
