"""Téléprocédures › Suivi démat: tabs *PES Aller* (the files generated for Hélios, with the
result of their acquittement; *Ouvrir le XML*), *PES Retour* (what came back: the
acquittements and their errors) and *Facture démat* (``ui.suivi_demat_factures``: the flux,
their invoices, each invoice's étapes and timeline).

Read-only: every action that changes something is on its own screen (PES export and
acquittements, Intégration des flux pivots…); this one reloads on ``state.donnees_modifiees``.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QHBoxLayout, QLabel, QMessageBox, QPushButton, QSplitter, QTabWidget, QVBoxLayout, QWidget,
)

from corail.domain.etats import EtatPesAller, libelle_etat
from corail.services.pes import PesAllerInfo, lister_pes_aller
from corail.services.pes_acquit import AcquittementInfo, lister_acquittements
from ui.common import texte_cellule
from ui.modeles import Colonne, TableauModel, rangs_choisis, tableau
from ui.state import AppState
from ui.suivi_demat_factures import OngletFacturesDemat

REJETS = (EtatPesAller.REJETE, EtatPesAller.ACCEPTE_PARTIEL)


def etat_pes(etat: str, acquitte_le) -> str:
    """"Transmis", or the acquittement's result and its date."""
    if etat == EtatPesAller.TRANSMIS:
        return "Transmis, en attente d'acquittement"
    return f"{libelle_etat(etat)} le {texte_cellule(acquitte_le.date())}" if acquitte_le \
        else libelle_etat(etat)


def modele_pes_aller(parent=None) -> TableauModel[PesAllerInfo]:
    return TableauModel([
        Colonne("Date", lambda p: p.genere_le, infobulle=lambda p: f"Généré par {p.genere_par}"),
        Colonne("Nom", lambda p: p.nom_fichier,
                infobulle=lambda p: f"{p.chemin}\nNomFic {p.nom_fic}"),
        Colonne("Bordereaux", lambda p: ", ".join(p.bordereaux),
                infobulle=lambda p: "\n".join(p.bordereaux)),
        Colonne("Pièces", lambda p: p.nb_pieces, centre=True),
        Colonne("PJ", lambda p: p.nb_pj, centre=True),
        Colonne("Montant", lambda p: p.montant),
        Colonne("État", lambda p: etat_pes(p.etat, p.acquitte_le)),
    ], alerte=lambda p: p.etat in REJETS, parent=parent)


def modele_acquittements(parent=None) -> TableauModel[AcquittementInfo]:
    return TableauModel([
        Colonne("Reçu le", lambda a: a.importe_le, infobulle=lambda a: f"Lu par {a.importe_par}"),
        Colonne("Fichier", lambda a: a.nom_fichier),
        Colonne("Format", lambda a: a.format),
        Colonne("PES Aller", lambda a: a.pes_aller, infobulle=lambda a: f"NomFic {a.nom_fic}"),
        Colonne("Résultat", lambda a: libelle_etat(a.etat)),
        Colonne("Acceptés", lambda a: a.nb_acceptes, centre=True),
        Colonne("Rejetés", lambda a: a.nb_rejetes, centre=True),
        Colonne("Motif", lambda a: a.motif),
    ], alerte=lambda a: a.etat in REJETS, parent=parent)


def modele_erreurs(parent=None) -> TableauModel:
    return TableauModel([
        Colonne("Objet", lambda e: e.objet),
        Colonne("Code", lambda e: e.code),
        Colonne("Libellé", lambda e: e.libelle, infobulle=lambda e: e.libelle),
    ], alerte=lambda _e: True, parent=parent)


class OngletPesAller(QWidget):
    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.modele = modele_pes_aller(self)
        self.vue = tableau(self.modele, 2, triable=True)
        self.vue.doubleClicked.connect(lambda _i: self.ouvrir_xml())
        self.vue.selectionModel().selectionChanged.connect(lambda *_a: self._etat_boutons())
        self.bouton = QPushButton("Ouvrir le XML")
        self.bouton.setToolTip("Ouvrir le fichier PES Aller choisi avec l'application du poste")
        self.bouton.clicked.connect(self.ouvrir_xml)
        self.resume = QLabel()
        ligne = QHBoxLayout()
        ligne.addWidget(self.resume, 1)
        ligne.addWidget(self.bouton)
        layout = QVBoxLayout(self)
        layout.addWidget(self.vue, 1)
        layout.addLayout(ligne)

    def recharger(self) -> None:
        lignes: list[PesAllerInfo] = []
        if self.state.a_contexte:
            with self.state.lecture() as session:
                lignes = lister_pes_aller(session, self.state.ctx)
        self.modele.remplacer(lignes)
        attente = sum(p.etat == EtatPesAller.TRANSMIS for p in lignes)
        self.resume.setText("Aucun PES Aller généré pour ce budget" if not lignes else
                            f"{len(lignes)} fichier(s), dont {attente} en attente d'acquittement")
        self._etat_boutons()

    def choisi(self) -> PesAllerInfo | None:
        rangs = rangs_choisis(self.vue)
        return self.modele.ligne(rangs[0]) if rangs else None

    def _etat_boutons(self) -> None:
        self.bouton.setEnabled(self.choisi() is not None)

    def ouvrir_xml(self) -> Path | None:
        pes = self.choisi()
        if pes is None:
            return None
        chemin = Path(pes.chemin)
        if not chemin.is_file():
            QMessageBox.warning(self, "Ouvrir le XML", f"Le fichier « {chemin} » n'existe plus "
                                f"(déplacé ou supprimé depuis sa génération).")
            return None
        if not QDesktopServices.openUrl(QUrl.fromLocalFile(str(chemin))):
            QMessageBox.warning(self, "Ouvrir le XML", f"Aucune application du poste n'ouvre "
                                f"« {chemin} ».")
        return chemin


class OngletPesRetour(QWidget):
    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.modele = modele_acquittements(self)
        self.erreurs = modele_erreurs(self)
        self.vue = tableau(self.modele, 7)
        self.vue_erreurs = tableau(self.erreurs, 2, selection=False)
        self.vue.selectionModel().selectionChanged.connect(lambda *_a: self._choisi())
        note = QLabel("Acquittements (PES_ACQUIT, PES_Acquit, PES_NonAcquit) lus pour ce budget. "
                      "Les PES Retour de paiement s'afficheront ici quand leur lecture existera.")
        note.setWordWrap(True)
        self.titre_erreurs = QLabel()
        bas = QWidget()
        v = QVBoxLayout(bas)
        v.setContentsMargins(0, 4, 0, 0)
        v.addWidget(self.titre_erreurs)
        v.addWidget(self.vue_erreurs, 1)
        separateur = QSplitter(Qt.Orientation.Vertical)
        separateur.addWidget(self.vue)
        separateur.addWidget(bas)
        separateur.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addWidget(separateur, 1)

    def recharger(self) -> None:
        garde = self.choisi()
        lignes: list[AcquittementInfo] = []
        if self.state.a_contexte:
            with self.state.lecture() as session:
                lignes = lister_acquittements(session, self.state.ctx)
        self.modele.remplacer(lignes)
        rangs = [r for r, a in enumerate(lignes) if garde and a.id == garde.id]
        if lignes:
            self.vue.selectRow(rangs[0] if rangs else 0)
        self._choisi()

    def choisi(self) -> AcquittementInfo | None:
        rangs = rangs_choisis(self.vue)
        return self.modele.ligne(rangs[0]) if rangs else None

    def _choisi(self) -> None:
        acq = self.choisi()
        self.erreurs.remplacer(acq.erreurs if acq else ())
        self.titre_erreurs.setText(
            "Aucun acquittement lu pour ce budget" if acq is None else f"<b>Erreurs de « {acq.nom_fichier} »</b> ({len(acq.erreurs)})"
            if acq.erreurs else f"« {acq.nom_fichier} » : aucune erreur")


class SuiviDematScreen(QWidget):
    titre = "Suivi démat"

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.pes_aller = OngletPesAller(state)
        self.pes_retour = OngletPesRetour(state)
        self.factures = OngletFacturesDemat(state)
        self.factures.ouvrir_mandat.connect(self.ouvrir_mandat)
        self.factures.ouvrir_facture.connect(self.ouvrir_facture)
        self.onglets = QTabWidget()
        self.onglets.addTab(self.pes_aller, "PES Aller")
        self.onglets.addTab(self.pes_retour, "PES Retour")
        self.onglets.addTab(self.factures, "Facture démat")
        self.onglets.setCurrentWidget(self.factures)
        layout = QVBoxLayout(self)
        layout.addWidget(self.onglets)
        state.contexte_change.connect(lambda _ctx: self.recharger())
        state.donnees_modifiees.connect(lambda _quoi: self.recharger())
        self.recharger()

    def recharger(self) -> None:
        for onglet in (self.pes_aller, self.pes_retour, self.factures):
            onglet.recharger()

    # -- Accès: another screen of the main window ------------------------------------------

    def _ecran(self, cle: str) -> QWidget | None:
        fenetre = self.window()
        return fenetre.ouvrir(cle) if hasattr(fenetre, "ouvrir") else None

    def ouvrir_mandat(self, piece_id: int) -> None:
        """*Saisie des mandats* on that mandat (every état and train shown)."""
        ecran = self._ecran("saisie_des_mandats")
        if ecran is None or not hasattr(ecran, "montrer_mandat"):
            QMessageBox.information(self, "Accès", "La facture est mandatée : le mandat est dans "
                                    "Dépenses › Saisie des mandats.")
            return
        ecran.montrer_mandat(piece_id)

    def ouvrir_facture(self, facture_id: int) -> None:
        """*Factures* (the register), that invoice chosen."""
        ecran = self._ecran("factures")
        if ecran is None or not hasattr(ecran, "choisir"):
            QMessageBox.information(self, "Accès", "La facture est au registre : Dépenses › "
                                    "Factures.")
            return
        if hasattr(ecran, "filtre"):
            ecran.filtre.setCurrentIndex(max(0, ecran.filtre.findData("toutes")))
        ecran.choisir({facture_id})
