"""*Récupérer les factures* (mode service): a button, and the automatic récupération — at once,
then every N minutes — when the Transfert tab says so (``RecuperationReglage.automatique`` and
``intervalle_minutes``). The work runs through ``ui.jobs.run_job`` (progress, *Annuler*):
``chorus.synchro.synchroniser_par_etapes``, each step in its own short transaction, so the
database stays free while Chorus Pro answers; *Annuler* keeps the steps already done (each is
consistent: an invoice downloaded is read in, or waits for the next récupération). A manual
run shows its errors; an automatic one only reports them in ``message`` (no dialog popping up
every N minutes).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QPushButton, QWidget

from corail.services.reglages_demat import lire_recuperation
from ui.common import afficher_erreur
from ui.jobs import JobRun, run_job
from ui.parametrage_recuperation import memoire_secrets
from ui.state import AppState

if TYPE_CHECKING:  # the Chorus Pro client (httpx) is imported when a récupération starts
    from corail.chorus.client import ConfigChorus
    from corail.chorus.synchro import Synchronisation

TITRE = "Récupérer les factures"
PORTAIL = ("Mode portail : téléchargez les flux depuis Chorus Pro puis « Lecture » (mode service : "
           "Gestion des collectivités › Transfert › Facture dématérialisée ⚙)")


class RecuperationFactures(QObject):
    #: the Synchronisation, once committed
    termine = Signal(object)
    #: a line for the screen's message area
    message = Signal(str)

    def __init__(self, state: AppState, parent: QWidget, *, automatique: bool = False) -> None:
        """``automatique``: this one runs the timer (the main window's, from the start of the
        app); the screens' buttons only run on demand."""
        super().__init__(parent)
        self.state, self.ecran, self.automatique = state, parent, automatique
        self.bouton = QPushButton(TITRE)
        self.bouton.clicked.connect(lambda: self.lancer())
        self.minuterie = QTimer(self)
        self.minuterie.timeout.connect(lambda: self.lancer(auto=True))
        self.run: JobRun | None = None
        self.service = False
        state.contexte_change.connect(lambda _ctx: self.configurer())
        state.donnees_modifiees.connect(lambda quoi: self.configurer() if quoi == "collectivite" else None)
        self.configurer(demarrage=True)

    def configurer(self, *, demarrage: bool = False) -> None:
        """Read the structure's settings: the button's state and the automatic timer."""
        self.minuterie.stop()
        reglage = None
        if self.state.a_contexte:
            with self.state.lecture() as s:
                reglage = lire_recuperation(s, self.state.ctx)
        self.service = reglage is not None and reglage.mode == "service"
        self.bouton.setEnabled(self.service)
        self.bouton.setToolTip("Chercher les nouvelles factures dans Chorus Pro, les intégrer, "
                               "et transmettre les statuts en attente" if self.service else PORTAIL)
        if self.service and reglage.automatique and self.automatique:
            self.minuterie.start(reglage.intervalle_minutes * 60_000)
            if demarrage:
                QTimer.singleShot(0, lambda: self.lancer(auto=True))

    def _config(self, auto: bool) -> ConfigChorus | None:
        from corail.chorus.client import config_depuis_reglage

        try:
            with self.state.lecture() as s:
                return config_depuis_reglage(lire_recuperation(s, self.state.ctx),
                                             self.state.ctx.collectivite_id,
                                             memoire=memoire_secrets(self.state))
        except Exception as exc:  # shown (manual) or reported (automatic), never raised
            self._erreur(exc, auto)
            return None

    def _erreur(self, exc: BaseException, auto: bool) -> None:
        self.message.emit(f"{TITRE} : {exc}")
        if not auto:
            afficher_erreur(self.ecran, exc, TITRE)

    def lancer(self, *, auto: bool = False, statuts_seulement: bool = False) -> JobRun | None:
        """Start a synchronisation (``statuts_seulement``: only send the queued statuses)."""
        if (self.run is not None and not self.run.termine) or not self.state.a_contexte:
            return None
        config = self._config(auto)
        if config is None:
            return None
        state, ctx = self.state, self.state.ctx

        from corail.chorus.client import ClientChorus
        from corail.chorus.synchro import synchroniser_par_etapes, transmettre_statuts

        def travail(control) -> Synchronisation:
            # each step in its own short transaction: the base stays free while Chorus Pro answers
            with ClientChorus(config) as client:
                if statuts_seulement:
                    return transmettre_statuts(state.transaction, ctx, client, control)
                return synchroniser_par_etapes(state.transaction, ctx, client, control)

        self.run = run_job(self.ecran, "Transmettre les statuts" if statuts_seulement else TITRE,
                           travail, self._fini, on_error=lambda exc: self._erreur(exc, auto))
        return self.run

    def _fini(self, res: Synchronisation) -> None:
        self.message.emit(res.resume())
        self.state.signaler("factures_demat")
        self.termine.emit(res)
