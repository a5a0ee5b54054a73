"""Dépenses › Numérotation et édition des mandats.

Pick the *train à imprimer* (each train with its validated mandats and their amount; *Tous les
trains* leaves the waiting trains out, and says so when one holds mandats), see the validated
mandats the numbering takes and the drafts it leaves out, **Numéroter** (confirmation, then a
background job with progress and *Annuler*: gapless numbers, one bordereau per TypBord), then
**Imprimer** the bordereau just created, or any bordereau of the exercice chosen in the list:
the mandats PDF and its bordereaux' PDF next to it (named by the service), then offer to open them.

Both actions run through ``ui.jobs.run_job``; each job opens its own transaction. After the
numbering ``state.signaler("mandats")``; the screen reloads on ``contexte_change`` and
``donnees_modifiees``.
"""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QItemSelectionModel, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QComboBox, QFileDialog, QGroupBox, QHBoxLayout, QLabel, QMessageBox, QPushButton, QSplitter,
    QVBoxLayout, QWidget,
)
from shiboken6 import isValid

from corail.domain.etats import EtatPiece
from corail.jobs import JobControl
from corail.money import ZERO, format_eur
from corail.services.edition import Impression, imprimer_mandats
from corail.services.mandats import MandatLigne, lister_mandats
from corail.services.numerotation import BordereauLigne, Numerotation, lister_bordereaux, numeroter
from corail.services.trains import TrainLigne, lister_trains
from ui.ecrans import dernier_dossier, retenir_dossier
from ui.jobs import JobRun, run_job
from ui.numerotation_et_edition_des_mandats_modeles import (
    avertissement_attente, compte_mandats, modele_bordereaux, modele_brouillons, modele_mandats,
    pluriel, tableau, texte_attente_choisi, texte_numerotation, texte_train, texte_tous,
)
from ui.state import AppState

TOUS = ""  # the combo's data for "Tous les trains" (a train's name is never empty)
DOSSIER = "editions"
STYLE_AVERTISSEMENT = ("QLabel { background: #fff4d6; border: 1px solid #e0b84a; border-radius: 3px;"
                       " padding: 6px; color: #5a4300; }")


def _lien(chemin: Path) -> str:
    return f'<a href="{QUrl.fromLocalFile(str(chemin)).toString()}">{chemin.name}</a>'


class NumerotationEtEditionDesMandatsScreen(QWidget):
    titre = "Numérotation et édition des mandats"
    #: a numbering ended and the screen reloaded (argument: the ``Numerotation``)
    numerotation_terminee = Signal(object)
    #: a printing ended (argument: the ``Impression``)
    impression_terminee = Signal(object)

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.trains_lignes: list[TrainLigne] = []
        self.dernier: Numerotation | None = None  # the last numbering done here
        self.numerotes: list[MandatLigne] = []  # its mandats, with their numbers (shown in bold)
        self._mandats_tous: list[MandatLigne] = []  # validated and draft mandats not yet numbered
        self.job: JobRun | None = None  # the running (or last) job: tests wait on it
        self.occupe = False  # a job runs: both actions wait for it

        self.trains = QComboBox()
        self.trains.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.trains.setMinimumContentsLength(40)
        self.trains.currentIndexChanged.connect(lambda _i: self._train_change())
        barre = QHBoxLayout()
        etiquette = QLabel("&Train à imprimer :")
        etiquette.setBuddy(self.trains)
        barre.addWidget(etiquette)
        barre.addWidget(self.trains)
        barre.addStretch(1)
        self.avertissement = QLabel()
        self.avertissement.setWordWrap(True)
        self.avertissement.setStyleSheet(STYLE_AVERTISSEMENT)
        self.avertissement.hide()

        separateur = QSplitter(Qt.Orientation.Vertical)
        separateur.addWidget(self._panneau_mandats())
        separateur.addWidget(self._panneau_bordereaux())
        separateur.setChildrenCollapsible(False)
        separateur.setStretchFactor(0, 3)
        separateur.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.addLayout(barre)
        layout.addWidget(self.avertissement)
        layout.addWidget(separateur, 1)
        state.contexte_change.connect(lambda _ctx: self._contexte_change())
        state.donnees_modifiees.connect(lambda _quoi: self.recharger())
        self.recharger()

    # -- layout ----------------------------------------------------------------------------

    def _panneau_mandats(self) -> QWidget:
        self.groupe_mandats = QGroupBox("Mandats validés à numéroter")
        self.mandats = modele_mandats(lambda m: m.numero is not None, self)
        self.vue_mandats = tableau(self.mandats, self.mandats.colonne("Objet"))
        self.titre_brouillons = QLabel()
        self.titre_brouillons.setWordWrap(True)
        self.brouillons = modele_brouillons(self)
        self.vue_brouillons = tableau(self.brouillons, self.brouillons.colonne("Objet"))
        self.vue_brouillons.setMaximumHeight(110)
        self.bouton_numeroter = QPushButton("&Numéroter…")
        self.bouton_numeroter.clicked.connect(self.numeroter)
        self.resultat = QLabel()
        self.resultat.setWordWrap(True)
        self.resultat.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        self.resultat.setOpenExternalLinks(True)
        bas = QHBoxLayout()
        bas.addWidget(self.resultat, 1)
        bas.addWidget(self.bouton_numeroter, 0, Qt.AlignmentFlag.AlignTop)
        layout = QVBoxLayout(self.groupe_mandats)
        layout.addWidget(self.vue_mandats, 1)
        layout.addWidget(self.titre_brouillons)
        layout.addWidget(self.vue_brouillons)
        layout.addLayout(bas)
        return self.groupe_mandats

    def _panneau_bordereaux(self) -> QWidget:
        self.groupe_bordereaux = QGroupBox("Bordereaux de mandats de l'exercice")
        self.bordereaux = modele_bordereaux(self)
        self.vue_bordereaux = tableau(self.bordereaux, self.bordereaux.colonne("Train"), multiple=True)
        self.vue_bordereaux.selectionModel().selectionChanged.connect(lambda *_a: self._etat_boutons())
        self.vue_bordereaux.doubleClicked.connect(lambda _i: self.imprimer())
        self.bouton_imprimer = QPushButton("&Imprimer…")
        self.bouton_imprimer.setToolTip("Imprime en PDF les mandats du bordereau choisi et le bordereau")
        self.bouton_imprimer.clicked.connect(self.imprimer)
        aide = QLabel("Choisissez un bordereau (ou plusieurs) puis « Imprimer » : le PDF des mandats "
                      "et celui du bordereau, côte à côte dans le dossier choisi.")
        aide.setWordWrap(True)
        bas = QHBoxLayout()
        bas.addWidget(aide, 1)
        bas.addWidget(self.bouton_imprimer)
        layout = QVBoxLayout(self.groupe_bordereaux)
        layout.addWidget(self.vue_bordereaux, 1)
        layout.addLayout(bas)
        return self.groupe_bordereaux

    # -- data ------------------------------------------------------------------------------

    def _contexte_change(self) -> None:
        self.dernier = None
        self.numerotes = []
        self.resultat.clear()
        self.recharger()

    def train_choisi(self) -> str | None:
        """The chosen train's name; None for "Tous les trains"."""
        return self.trains.currentData() or None

    def choisir_train(self, nom: str | None) -> None:
        index = self.trains.findData(nom or TOUS)
        if index >= 0:
            self.trains.setCurrentIndex(index)

    def _train(self) -> TrainLigne | None:
        nom = self.train_choisi()
        return next((t for t in self.trains_lignes if t.nom == nom), None)

    def recharger(self) -> None:
        trains: list[TrainLigne] = []
        mandats: list[MandatLigne] = []
        bordereaux: list[BordereauLigne] = []
        if self.state.a_contexte:
            with self.state.lecture() as session:
                ctx = self.state.ctx
                trains = lister_trains(session, ctx)
                # only what is not numbered yet: a year's numbered mandats stay in the database
                mandats = [m for etat in (EtatPiece.VALIDE, EtatPiece.BROUILLON)
                           for m in lister_mandats(session, ctx, etat=etat) if m.numero is None]
                bordereaux = [b for b in lister_bordereaux(session, ctx) if b.type == "mandat"]
            self.groupe_bordereaux.setTitle(f"Bordereaux de mandats de l'exercice {ctx.exercice}")
        self.trains_lignes = trains
        self._mandats_tous = mandats
        choisi = self.trains.currentData() if self.trains.count() else TOUS
        self.trains.blockSignals(True)
        try:
            self.trains.clear()
            self.trains.addItem(texte_tous(trains), TOUS)
            for t in trains:
                self.trains.addItem(texte_train(t), t.nom)
            index = self.trains.findData(choisi)
            self.trains.setCurrentIndex(max(index, 0))
        finally:
            self.trains.blockSignals(False)
        selection = {b.id for b in self.bordereaux_choisis()}
        self.bordereaux.remplacer(bordereaux)
        self._choisir_bordereaux(selection)
        self._remplir_mandats()

    def _train_change(self) -> None:
        self.dernier = None
        self.numerotes = []
        self.resultat.clear()
        self._remplir_mandats()

    def _remplir_mandats(self) -> None:
        train = self._train()
        if train is None:
            inclus = {t.nom for t in self.trains_lignes if not t.attente}
        else:
            inclus = {train.nom}
        dans = [m for m in self._mandats_tous if m.train in inclus]
        valides = [m for m in dans if m.etat == EtatPiece.VALIDE]
        brouillons = [m for m in dans if m.etat == EtatPiece.BROUILLON]
        numerotes = self.numerotes
        self.mandats.remplacer(numerotes + valides)
        self.brouillons.remplacer(brouillons)
        montant = sum((m.montant for m in valides), ZERO)
        titre = f"Mandats validés à numéroter : {compte_mandats(len(valides), montant)}"
        if numerotes:
            titre += f" — {pluriel(len(numerotes), 'mandat numéroté', 'mandats numérotés')} à l'instant"
        self.groupe_mandats.setTitle(titre)
        if brouillons:
            comment = ("ils le seront à la libération du train, Dépenses › Trains"
                       if train is not None and train.attente
                       else "validez-les dans Saisie des mandats pour les numéroter")
            self.titre_brouillons.setText(
                f"Non validés, ne seront pas numérotés : {pluriel(len(brouillons), 'brouillon')}, "
                f"{format_eur(sum((m.montant for m in brouillons), ZERO))} € ({comment})")
        else:
            self.titre_brouillons.setText("Non validés, ne seront pas numérotés : aucun brouillon.")
        self.vue_brouillons.setVisible(bool(brouillons))
        if train is None:
            texte = avertissement_attente(self.trains_lignes)
        else:
            texte = texte_attente_choisi(train) if train.attente else ""
        self.avertissement.setText(texte)
        self.avertissement.setVisible(bool(texte))
        self._etat_boutons()

    def _choisir_bordereaux(self, ids: set[int]) -> None:
        vue, selection = self.vue_bordereaux, self.vue_bordereaux.selectionModel()
        vue.clearSelection()
        for row, b in enumerate(self.bordereaux.lignes()):
            if b.id in ids:
                index = self.bordereaux.index(row, 0)
                selection.select(index, QItemSelectionModel.SelectionFlag.Select
                                 | QItemSelectionModel.SelectionFlag.Rows)
                vue.scrollTo(index)
        self._etat_boutons()

    def bordereaux_choisis(self) -> list[BordereauLigne]:
        rows = sorted({i.row() for i in self.vue_bordereaux.selectionModel().selectedRows()})
        return [self.bordereaux.ligne(r) for r in rows]

    def _etat_boutons(self) -> None:
        occupe = self.occupe
        train = self._train()
        valides = sum(1 for m in self.mandats.lignes() if m.numero is None)
        self.bouton_numeroter.setEnabled(self.state.a_contexte and not occupe and valides > 0
                                         and not (train is not None and train.attente))
        if train is not None and train.attente:
            self.bouton_numeroter.setToolTip(texte_attente_choisi(train))
        elif not valides:
            self.bouton_numeroter.setToolTip("Aucun mandat validé à numéroter dans ce train")
        else:
            self.bouton_numeroter.setToolTip("Numérote les mandats validés et crée leur bordereau")
        choisis = self.bordereaux_choisis()
        self.bouton_imprimer.setEnabled(bool(choisis) and not occupe)
        if len(choisis) == 1:
            self.bouton_imprimer.setText(f"&Imprimer le bordereau n° {choisis[0].numero}…")
        elif choisis:
            self.bouton_imprimer.setText(f"&Imprimer les {len(choisis)} bordereaux…")
        else:
            self.bouton_imprimer.setText("&Imprimer…")

    # -- Numéroter -------------------------------------------------------------------------

    def numeroter(self) -> JobRun | None:
        if not self.bouton_numeroter.isEnabled():
            return None
        nom = self.train_choisi()
        valides = [m for m in self.mandats.lignes() if m.numero is None]
        montant = sum((m.montant for m in valides), ZERO)
        ou = f"du train « {nom} »" if nom else "de tous les trains"
        question = (f"Numéroter les {pluriel(len(valides), 'mandat validé', 'mandats validés')} {ou} "
                    f"({format_eur(montant)} €) et créer leur bordereau ?\n\nUn mandat numéroté ne se "
                    f"modifie plus : il se corrige par une annulation ou une réduction (bordereau 02).")
        if nom is None and (attente := avertissement_attente(self.trains_lignes)):
            question += f"\n\n{attente}"
        if QMessageBox.question(self, "Numéroter", question) != QMessageBox.StandardButton.Yes:
            return None
        state, ctx = self.state, self.state.ctx

        def faire(control: JobControl) -> Numerotation:
            with state.transaction() as session:
                return numeroter(session, ctx, train=nom, control=control)

        return self._lancer("Numéroter", faire, self._numerote,
                            f"Numérotation des mandats {ou}…")

    def _numerote(self, res: Numerotation) -> None:
        self.dernier = res
        avant = {m.id: m for m in self._mandats_tous}
        self.numerotes = sorted((replace(avant[i], numero=n, etat=EtatPiece.NUMEROTE, bordereau_id=b.id)
                                 for b in res.bordereaux for i, n in b.mandats if i in avant),
                                key=lambda m: m.numero)
        self.state.signaler("mandats")  # this screen reloads too
        self._remplir_mandats()
        self._choisir_bordereaux({b.id for b in res.bordereaux})
        numeros = ", ".join(f"n° {b.numero}" for b in res.bordereaux)
        suite = (f"Imprimez {'le bordereau' if len(res.bordereaux) == 1 else 'les bordereaux'} "
                 f"{numeros} avec le bouton « Imprimer » ci-dessous.")
        self.resultat.setText(texte_numerotation(res).replace("\n", "<br>") + "<br>" + suite)
        self.numerotation_terminee.emit(res)

    # -- Imprimer --------------------------------------------------------------------------

    def _nom_pdf(self, choisis: list[BordereauLigne]) -> str:
        exercice = self.state.ctx.exercice
        if len(choisis) == 1:
            return f"mandats_{exercice}_n{choisis[0].numero}.pdf"
        return f"mandats_{exercice}_n{choisis[0].numero}-{choisis[-1].numero}.pdf"

    def imprimer(self) -> JobRun | None:
        choisis = self.bordereaux_choisis()
        if not choisis or not self.bouton_imprimer.isEnabled():
            return None
        settings = self.state.settings
        dossier = dernier_dossier(settings, DOSSIER, Path.home())
        chemin, _filtre = QFileDialog.getSaveFileName(
            self, "Imprimer les mandats (PDF)", str(Path(dossier) / self._nom_pdf(choisis)),
            "Documents PDF (*.pdf)")
        if not chemin:
            return None
        chemin = Path(chemin)
        if chemin.suffix.lower() != ".pdf":
            chemin = chemin.with_name(chemin.name + ".pdf")
        retenir_dossier(settings, DOSSIER, chemin)
        state, ctx = self.state, self.state.ctx
        ids = {b.id for b in choisis}

        def faire(control: JobControl) -> Impression:
            with state.transaction() as session:
                if len(ids) == 1:
                    return imprimer_mandats(session, ctx, chemin, bordereau_id=next(iter(ids)),
                                            control=control)
                mandats = [m.id for m in lister_mandats(session, ctx) if m.bordereau_id in ids]
                return imprimer_mandats(session, ctx, chemin, mandat_ids=mandats, control=control)

        quoi = (f"du bordereau n° {choisis[0].numero}" if len(choisis) == 1
                else f"des {len(choisis)} bordereaux")
        return self._lancer("Imprimer", faire, self._imprime,
                            f"Impression des mandats {quoi}…")

    def _imprime(self, res: Impression) -> None:
        fichiers = [res.chemin, *res.bordereaux]
        liens = ", ".join(_lien(f) for f in fichiers)
        self.resultat.setText(f"Imprimé : {pluriel(res.mandats, 'mandat')}, "
                              f"{pluriel(res.pages, 'page')} — {liens}<br>Dossier : "
                              f"{res.chemin.parent}")
        self.impression_terminee.emit(res)
        noms = "\n".join(f"  {f.name}" for f in fichiers)
        if QMessageBox.question(self, "Imprimer", f"PDF écrits dans {res.chemin.parent} :\n{noms}\n\n"
                                f"Les ouvrir maintenant ?") == QMessageBox.StandardButton.Yes:
            for f in fichiers:
                QDesktopServices.openUrl(QUrl.fromLocalFile(str(f)))

    # -- jobs ------------------------------------------------------------------------------

    def _lancer(self, titre: str, faire, on_done, texte: str) -> JobRun:
        def fini(resultat) -> None:
            if isValid(self):  # the screen may have been closed meanwhile
                self._libre()
                on_done(resultat)

        self.occupe = True
        self.job = run_job(self, titre, faire, fini, texte=texte)
        self.job.failed.connect(lambda _exc: self._libre())
        self.job.cancelled.connect(self._libre)
        self._etat_boutons()
        return self.job

    def _libre(self) -> None:
        if isValid(self):
            self.occupe = False
            self._etat_boutons()
