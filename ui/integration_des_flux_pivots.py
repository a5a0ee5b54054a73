"""Téléprocédures › Factures dématérialisées (CPP) › Intégration des flux pivots.

Choose pivot files (XML, or the ZIP Chorus Pro downloads; several at once; or drop them on the
screen), *Lecture* in the background (progress, *Annuler* writes nothing), then the three
lists — *Factures à créer*, *Factures déjà créées*, *Factures en anomalie ou rejetées* — with
*Détail*, **Facturer**, **Facturer tout**, **Mandater**, **Rejeter**, **Annul. rejet** and
*Accès*. Every action is one transaction through the services, then
``state.signaler("factures_demat")``. **Emettre titre** makes an avoir's titre de recettes
(``services.titres_emission.emettre_titre``), then offers to open it in *Titres de recettes*.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QMessageBox, QTabWidget, QVBoxLayout, QWidget

from corail.domain.etats import EtatFactureDemat as D
from corail.domain.etats import libelle_etat
from corail.money import format_eur
from corail.services.factures_demat import FactureDematLigne, detail_facture, lister_factures
from corail.services.mandatement import Traitement, facturer, mandater, resume
from corail.services.reglages_demat import lire_recuperation
from corail.services.rejets import annuler_rejet
from corail.services.titres_emission import TitreEmis, emettre_titre
from ui.common import essayer
from ui.integration_des_flux_pivots_detail import DetailDialog
from ui.integration_des_flux_pivots_lecture import Lecture, LectureFlux, deposables
from ui.integration_des_flux_pivots_modeles import BOUTONS, LISTES, ListeFactures
from ui.modeles import source_row
from ui.integration_des_flux_pivots_rejet import RejetDialog, SommesAdmisesDialog
from ui.recuperation_factures import RecuperationFactures
from ui.state import AppState

AVOIR = "Un avoir s'émet en titre de recettes (bouton Emettre titre)"
PEUT_MANDATER = (D.A_TRAITER, D.FACTUREE)
PEUT_REJETER = (D.A_TRAITER, D.FACTUREE, D.ANOMALIE)
REJETEES = (D.REJETEE, D.SUSPENDUE, D.A_RECYCLER)


class IntegrationDesFluxPivotsScreen(QWidget):
    titre = "Intégration des flux pivots"
    #: after a *Lecture* and the lists' refresh (argument: the ``Lecture``)
    lecture_terminee = Signal(object)

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.dialogue: QWidget | None = None  # the last dialog opened (tests drive it)
        self.setAcceptDrops(True)
        self.lecteur = LectureFlux(state, self)
        self.lecteur.lue.connect(self._lue)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.lecteur.message.connect(self.message.setText)
        self.onglets = QTabWidget()
        self.listes: dict[str, ListeFactures] = {}
        actions = {"detail": self.detail, "facturer": self.facturer,
                   "facturer_tout": self.facturer_tout, "mandater": self.mandater,
                   "rejeter": self.rejeter, "annuler_rejet": self.annuler_rejet,
                   "acces": self.acces, "emettre_titre": self.emettre_titre}
        for cle, titre in LISTES.items():
            liste = ListeFactures(cle, self)
            self.listes[cle] = liste
            self.onglets.addTab(liste, titre)
            liste.vue.selectionModel().selectionChanged.connect(
                lambda *_a, c=cle: self._etat_boutons(c))
            liste.vue.doubleClicked.connect(lambda index, c=cle: self._double_clic(c, index))
            liste.vue.clicked.connect(lambda index, c=cle: self._clic(c, index))
            for action, bouton in liste.boutons.items():
                bouton.clicked.connect(lambda _c=False, a=actions[action], c=cle: a(c))
        layout = QVBoxLayout(self)
        layout.addWidget(self.lecteur)
        self.recuperation = RecuperationFactures(state, self)  # mode service (API Chorus Pro)
        self.recuperation.message.connect(self.message.setText)
        ligne_recuperation = QHBoxLayout()
        ligne_recuperation.addWidget(self.recuperation.bouton)
        ligne_recuperation.addStretch(1)
        layout.addLayout(ligne_recuperation)
        layout.addWidget(self.onglets, 1)
        layout.addWidget(self.message)
        state.contexte_change.connect(lambda _ctx: self.recharger())
        state.donnees_modifiees.connect(lambda _quoi: self.recharger())
        self.recharger()

    # -- Lecture ---------------------------------------------------------------------------

    def lecture(self):
        return self.lecteur.lecture()

    def _lue(self, lecture: Lecture) -> None:
        if lecture.lus:
            self.state.signaler("factures_demat")  # this screen reloads too
            flux = lecture.flux
            seules_anomalies = not any(f.a_traiter for f in flux) and any(f.anomalies for f in flux)
            self.onglets.setCurrentWidget(self.listes["anomalies" if seules_anomalies else "a_creer"])
        self.lecture_terminee.emit(lecture)

    @staticmethod
    def _urls(event: QDragEnterEvent | QDragMoveEvent | QDropEvent) -> list[Path]:
        if not event.mimeData().hasUrls():
            return []
        return deposables([Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()])

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self.state.a_contexte and self._urls(event):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        chemins = self._urls(event)
        if not chemins or not self.state.a_contexte:
            event.ignore()
            return
        event.acceptProposedAction()
        self.lecteur.definir_fichiers(chemins)
        self.message.setText(f"{len(chemins)} fichier(s) déposé(s) : cliquez sur « Lecture ».")

    # -- lists -----------------------------------------------------------------------------

    def recharger(self) -> None:
        donnees: dict[str, list[FactureDematLigne]] = {cle: [] for cle in LISTES}
        if self.state.a_contexte:
            with self.state.lecture() as session:
                for cle in LISTES:
                    donnees[cle] = lister_factures(session, self.state.ctx, liste=cle)
        for i, (cle, lignes) in enumerate(donnees.items()):
            self.listes[cle].remplacer(lignes)
            self.onglets.setTabText(i, f"{LISTES[cle]} ({len(lignes)})")
            self._etat_boutons(cle)
        self.lecteur.actualiser()

    def _etat_boutons(self, cle: str) -> None:
        liste = self.listes[cle]
        choisies = liste.choisies()
        n, etats = len(choisies), {l.etat for l in choisies}
        avoirs = any(l.type == "avoir" for l in choisies)
        permis = {
            "detail": n == 1,
            "acces": n == 1,
            "facturer": n > 0 and not avoirs and etats <= {D.A_TRAITER},
            "facturer_tout": any(l.type != "avoir" and l.etat == D.A_TRAITER
                                 for l in liste.modele.lignes()),
            "mandater": n > 0 and not avoirs and etats <= set(PEUT_MANDATER),
            "emettre_titre": n == 1 and avoirs and etats == {D.A_TRAITER},
            "rejeter": n > 0 and etats <= set(PEUT_REJETER),
            "annuler_rejet": n > 0 and etats <= set(REJETEES),
        }
        for action, bouton in liste.boutons.items():
            bouton.setEnabled(permis[action])
            if action in ("facturer", "mandater"):
                bouton.setToolTip(AVOIR if avoirs else BOUTONS[action][1])

    def _clic(self, cle: str, index: QModelIndex) -> None:
        liste = self.listes[cle]
        if index.isValid() and index.column() == liste.modele.colonne("Détail"):
            ligne = liste.modele.ligne(source_row(liste.vue, index))
            self.ouvrir_detail(ligne.id)

    def _double_clic(self, cle: str, index: QModelIndex) -> None:
        liste = self.listes[cle]
        if index.isValid() and index.column() != liste.modele.colonne("Détail"):
            self.ouvrir_detail(liste.modele.ligne(source_row(liste.vue, index)).id)

    # -- actions ---------------------------------------------------------------------------

    def detail(self, cle: str) -> DetailDialog | None:
        choisies = self.listes[cle].choisies()
        return self.ouvrir_detail(choisies[0].id) if len(choisies) == 1 else None

    def ouvrir_detail(self, facture_id: int) -> DetailDialog | None:
        with self.state.lecture() as session:
            d = essayer(self, lambda: detail_facture(session, self.state.ctx, facture_id), "Détail")
        if d is None:
            return None
        self.dialogue = DetailDialog(self.state, d, self)
        self.dialogue.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dialogue.open()
        return self.dialogue

    def _apres(self, message: str) -> None:
        self.message.setText(message)
        self.state.signaler("factures_demat")

    def _traiter(self, titre: str, action, verbe: str) -> Traitement | None:
        def faire() -> Traitement:
            with self.state.transaction() as session:
                return action(session, self.state.ctx)

        res = essayer(self, faire, titre)
        if res is not None:
            self._apres_traitement(res, verbe, titre)
        return res

    def _apres_traitement(self, res: Traitement, verbe: str, titre: str) -> None:
        texte = resume(res, verbe)
        self._apres(texte)
        if res.ignorees or any(t.avertissements for t in res.traitees):
            QMessageBox.warning(self, titre, f"{len(res.traitees)} facture(s) {verbe}(s). "
                                f"À vérifier :\n\n{texte}")

    def facturer(self, cle: str) -> Traitement | None:
        ids = [l.id for l in self.listes[cle].choisies()]
        return self._traiter("Facturer", lambda s, ctx: facturer(s, ctx, ids), "facturée") if ids else None

    def facturer_tout(self, cle: str = "a_creer") -> Traitement | None:
        lignes = [l for l in self.listes["a_creer"].modele.lignes()
                  if l.type != "avoir" and l.etat == D.A_TRAITER]
        if not lignes:
            return None
        avoirs = sum(l.type == "avoir" for l in self.listes["a_creer"].modele.lignes())
        question = (f"Inscrire les {len(lignes)} facture(s) à créer au registre des factures "
                    f"(Dépenses › Factures) ?"
                    + (f"\n\n{avoirs} avoir(s) restent dans la liste : {AVOIR.lower()}." if avoirs else ""))
        if QMessageBox.question(self, "Facturer tout", question) != QMessageBox.StandardButton.Yes:
            return None
        ids = [l.id for l in lignes]
        return self._traiter("Facturer tout", lambda s, ctx: facturer(s, ctx, ids), "facturée")

    def mandater(self, cle: str) -> Traitement | None:
        ids = [l.id for l in self.listes[cle].choisies()]
        return self._traiter("Mandater", lambda s, ctx: mandater(s, ctx, ids), "mandatée") if ids else None

    def emettre_titre(self, cle: str = "a_creer") -> TitreEmis | None:
        """The chosen avoir's titre de recettes (a draft), then offered to open."""
        choisies = self.listes[cle].choisies()
        if len(choisies) != 1 or choisies[0].type != "avoir":
            return None
        avoir = choisies[0]

        def faire() -> TitreEmis:
            with self.state.transaction() as session:
                return emettre_titre(session, self.state.ctx, avoir.id)

        res = essayer(self, faire, "Emettre titre")
        if res is None:
            return None
        t = res.titre.ligne
        texte = (f"Avoir {avoir.numero} : titre de recettes (brouillon) de {format_eur(t.montant)} € émis "
                 f"sur {t.tiers}, train {t.train}.")
        self._apres(texte)
        a_verifier = "".join(f"\n  - {a}" for a in (*res.avertissements, *res.titre.avertissements))
        if QMessageBox.question(self, "Emettre titre", texte + (f"\n\nÀ vérifier :{a_verifier}" if a_verifier
                                else "") + "\n\nOuvrir le titre dans Recettes › Titres de recettes ?"
                                ) == QMessageBox.StandardButton.Yes:
            self.ouvrir_titre(t.id)
        return res

    def ouvrir_titre(self, titre_id: int) -> None:
        """*Titres de recettes* (main window) on that titre."""
        fenetre = self.window()
        ecran = fenetre.ouvrir("titres_de_recettes") if hasattr(fenetre, "ouvrir") else None
        if hasattr(ecran, "montrer_titre"):
            ecran.montrer_titre(titre_id)
        else:
            QMessageBox.information(self, "Accès", "Le titre est dans Recettes › Titres de recettes.")

    def rejeter(self, cle: str) -> RejetDialog | None:
        choisies = self.listes[cle].choisies()
        if not choisies:
            return None
        dialogue = RejetDialog(self.state, choisies, self)
        dialogue.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialogue.fait.connect(self._apres_rejet)
        dialogue.sommes_admises.connect(self.sommes_admises)
        self.dialogue = dialogue
        dialogue.open()
        return dialogue

    def _apres_rejet(self, resultats: list) -> None:
        self._apres("\n".join(f"Facture {r.numero} : {libelle_etat(r.etat)} — {r.motif}"
                              for r in resultats))
        with self.state.lecture() as session:
            portail = lire_recuperation(session, self.state.ctx).mode == "portail"
        resultats = [r for r in resultats if r.code_statut]  # a doublon sends no status
        if portail and resultats:
            etats = ", ".join(dict.fromkeys(f"« {libelle_etat(r.etat)} »" for r in resultats))
            qui = "cette facture" if len(resultats) == 1 else f"ces {len(resultats)} factures"
            if QMessageBox.question(self, "Rejeter", f"Mode portail : le statut {etats} de {qui} "
                                    f"n'atteint pas Chorus Pro de lui-même, il doit aussi y être "
                                    f"saisi.\n\nVoulez-vous créer un flux de statut ?"
                                    ) == QMessageBox.StandardButton.Yes:
                self.flux_de_statut(resultats[0].facture_id if len(resultats) == 1 else None)
        elif resultats and self.recuperation.service:  # mode service: sent at once
            self.recuperation.lancer(statuts_seulement=True)

    def flux_de_statut(self, facture_id: int | None = None):
        from ui.statuts_chorus import GenerationStatutsDialog
        dialogue = GenerationStatutsDialog(self.state, facture_id, self)
        dialogue.genere.connect(lambda r: self.message.setText(
            f"{r.chemin} : {r.nb_statuts} statut(s) écrit(s) — à saisir aussi dans Chorus Pro."))
        self.dialogue = dialogue
        dialogue.open()
        return dialogue

    def sommes_admises(self, ligne: FactureDematLigne, complement: str = "") -> SommesAdmisesDialog:
        dialogue = SommesAdmisesDialog(self.state, ligne, complement, self)
        dialogue.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialogue.fait.connect(lambda res: self._apres_traitement(res, "mandatée", "Sommes admises"))
        self.dialogue = dialogue
        dialogue.open()
        return dialogue

    def annuler_rejet(self, cle: str) -> list | None:
        choisies = self.listes[cle].choisies()
        if not choisies:
            return None
        numeros = ", ".join(l.numero for l in choisies)
        if QMessageBox.question(self, "Annul. rejet",
                                f"Annuler le rejet de {numeros} ? La facture revient dans les "
                                f"factures à créer (le statut pas encore transmis à Chorus Pro "
                                f"est retiré).") != QMessageBox.StandardButton.Yes:
            return None

        def faire() -> list:
            with self.state.transaction() as session:
                return [annuler_rejet(session, self.state.ctx, l.id) for l in choisies]

        resultats = essayer(self, faire, "Annul. rejet")
        if resultats is not None:
            self._apres("\n".join(f"Facture {r.numero} : rejet annulé, {libelle_etat(r.etat).lower()}"
                                  for r in resultats))
        return resultats

    def acces(self, cle: str) -> None:
        choisies = self.listes[cle].choisies()
        if len(choisies) != 1:
            return
        l = choisies[0]
        if l.etat == D.TITREE and l.piece_id is not None:
            self.ouvrir_titre(l.piece_id)
            return
        if l.piece_id is not None:
            texte = f"Facture N° {l.numero} : mandat (id {l.piece_id})."
        else:
            texte = (f"Facture N° {l.numero} : inscrite au registre des factures "
                     f"(Dépenses › Factures), pas encore mandatée.")
        QMessageBox.information(self, "Accès", texte + "\n\nL'ouverture du mandat depuis cet écran "
                                "arrivera avec le module Dépenses.")
