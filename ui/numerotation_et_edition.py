"""The *Numérotation et édition* screen of Dépenses (mandats) and of Recettes (titres): each
subclass gives a ``GenreEcran`` (``ui.numerotation_et_edition_modeles``: its services, its words)
and adds what only it has (the titres' ASAP).

Pick the *train à imprimer* (each train with its validated pièces and their amount; *Tous les
trains* leaves the waiting trains out — mandats only — and says so when one holds mandats), see
the validated pièces the numbering takes and the drafts it leaves out, **Numéroter**
(confirmation, then a background job with progress and *Annuler*: gapless numbers, one bordereau
per TypBord), then **Imprimer** the bordereau just created, or any bordereau of the exercice
chosen in the list: the pièces' PDF and its bordereaux' PDF beside it, then offer to open them.
Jobs run through ``ui.jobs.run_job``, each in its own transaction; after the numbering
``state.signaler("mandats" | "titres")``; reloads on ``contexte_change`` and ``donnees_modifiees``.
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
from corail.services.edition import Impression
from corail.services.numerotation import BordereauLigne, Numerotation, lister_bordereaux
from ui.ecrans import dernier_dossier, retenir_dossier
from ui.jobs import JobRun, run_job
from ui.numerotation_et_edition_modeles import (
    GenreEcran, avertissement_attente, compte_pieces, modele_bordereaux, modele_brouillons,
    modele_pieces, pluriel, tableau, texte_attente_choisi, texte_numerotation, texte_train, texte_tous,
)
from ui.state import AppState

TOUS = ""  # the combo's data for "Tous les trains" (a train's name is never empty)
DOSSIER = "editions"
STYLE_AVERTISSEMENT = ("QLabel { background: #fff4d6; border: 1px solid #e0b84a; border-radius: 3px;"
                       " padding: 6px; color: #5a4300; }")


def _lien(chemin: Path) -> str:
    return f'<a href="{QUrl.fromLocalFile(str(chemin)).toString()}">{chemin.name}</a>'


class NumerotationEtEditionScreen(QWidget):
    """The shared screen; subclasses set ``titre`` and ``genre_ecran``."""

    titre = ""
    genre_ecran: GenreEcran
    #: a numbering ended and the screen reloaded (argument: the ``Numerotation``)
    numerotation_terminee = Signal(object)
    #: a printing ended (argument: the ``Impression``, or what a subclass printed)
    impression_terminee = Signal(object)

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.trains_lignes: list = []
        self.dernier: Numerotation | None = None  # the last numbering done here
        self.numerotes: list = []  # its pièces, with their numbers (shown in bold)
        self._pieces_tous: list = []  # validated and draft pièces not yet numbered
        self.job: JobRun | None = None  # the running (or last) job: tests wait on it
        self.occupe = False  # a job runs: the actions wait for it

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
        self.avertissement = QLabel(wordWrap=True, styleSheet=STYLE_AVERTISSEMENT)
        self.avertissement.hide()

        separateur = QSplitter(Qt.Orientation.Vertical)
        separateur.addWidget(self._panneau_pieces())
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

    def _panneau_pieces(self) -> QWidget:
        g = self.genre_ecran
        self.groupe_pieces = QGroupBox(f"{g.genre.nom}s validés à numéroter")
        self.pieces = modele_pieces(lambda p: p.numero is not None, self)
        self.vue_pieces = tableau(self.pieces, self.pieces.colonne("Objet"))
        self.titre_brouillons = QLabel(wordWrap=True)
        self.brouillons = modele_brouillons(self)
        self.vue_brouillons = tableau(self.brouillons, self.brouillons.colonne("Objet"))
        self.vue_brouillons.setMaximumHeight(110)
        self.bouton_numeroter = QPushButton("&Numéroter…")
        self.bouton_numeroter.clicked.connect(self.numeroter)
        self.resultat = QLabel(wordWrap=True, openExternalLinks=True)
        self.resultat.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        bas = QHBoxLayout()
        bas.addWidget(self.resultat, 1)
        bas.addWidget(self.bouton_numeroter, 0, Qt.AlignmentFlag.AlignTop)
        layout = QVBoxLayout(self.groupe_pieces)
        layout.addWidget(self.vue_pieces, 1)
        layout.addWidget(self.titre_brouillons)
        layout.addWidget(self.vue_brouillons)
        layout.addLayout(bas)
        return self.groupe_pieces

    def _boutons_en_plus(self) -> list[QPushButton]:
        """Buttons shown before « Imprimer », enabled with it (a bordereau chosen, no job)."""
        return []

    def _panneau_bordereaux(self) -> QWidget:
        noms = self.genre_ecran.noms
        self.groupe_bordereaux = QGroupBox(f"Bordereaux de {noms} de l'exercice")
        self.bordereaux = modele_bordereaux(self)
        self.vue_bordereaux = tableau(self.bordereaux, self.bordereaux.colonne("Train"), multiple=True)
        self.vue_bordereaux.selectionModel().selectionChanged.connect(lambda *_a: self._etat_boutons())
        self.vue_bordereaux.doubleClicked.connect(lambda _i: self.imprimer())
        self.bouton_imprimer = QPushButton("&Imprimer…")
        self.bouton_imprimer.setToolTip(f"Imprime en PDF les {noms} du bordereau choisi et le bordereau")
        self.bouton_imprimer.clicked.connect(self.imprimer)
        self._boutons_impression = [*self._boutons_en_plus(), self.bouton_imprimer]
        aide = QLabel(f"Choisissez un bordereau (ou plusieurs) puis « Imprimer » : le PDF des {noms} "
                      "et celui du bordereau, côte à côte dans le dossier choisi.", wordWrap=True)
        bas = QHBoxLayout()
        bas.addWidget(aide, 1)
        for bouton in self._boutons_impression:
            bas.addWidget(bouton)
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

    def _train(self):
        nom = self.train_choisi()
        return next((t for t in self.trains_lignes if t.nom == nom), None)

    def recharger(self) -> None:
        g = self.genre_ecran
        trains, pieces, bordereaux = [], [], []
        if self.state.a_contexte:
            with self.state.lecture() as session:
                ctx = self.state.ctx
                trains = list(g.lister_trains(session, ctx))
                # only what is not numbered yet: a year's numbered pièces stay in the database
                pieces = [p for etat in (EtatPiece.VALIDE, EtatPiece.BROUILLON)
                          for p in g.lister(session, ctx, etat=etat) if p.numero is None]
                bordereaux = lister_bordereaux(session, ctx, type_piece=g.genre.type_piece)
            self.groupe_bordereaux.setTitle(f"Bordereaux de {g.noms} de l'exercice {ctx.exercice}")
        self.trains_lignes = trains
        self._pieces_tous = pieces
        choisi = self.trains.currentData() if self.trains.count() else TOUS
        self.trains.blockSignals(True)
        try:
            self.trains.clear()
            self.trains.addItem(texte_tous(g.nom, trains), TOUS)
            for t in trains:
                self.trains.addItem(texte_train(g.nom, t), t.nom)
            index = self.trains.findData(choisi)
            self.trains.setCurrentIndex(max(index, 0))
        finally:
            self.trains.blockSignals(False)
        selection = {b.id for b in self.bordereaux_choisis()}
        self.bordereaux.remplacer(bordereaux)
        self._choisir_bordereaux(selection)
        self._remplir_pieces()

    def _train_change(self) -> None:
        self.dernier = None
        self.numerotes = []
        self.resultat.clear()
        self._remplir_pieces()

    def _remplir_pieces(self) -> None:
        g = self.genre_ecran
        train = self._train()
        if train is None:
            inclus = {t.nom for t in self.trains_lignes if not t.attente}
        else:
            inclus = {train.nom}
        dans = [p for p in self._pieces_tous if p.train in inclus]
        valides = [p for p in dans if p.etat == EtatPiece.VALIDE]
        brouillons = [p for p in dans if p.etat == EtatPiece.BROUILLON]
        numerotes = self.numerotes
        self.pieces.remplacer(numerotes + valides)
        self.brouillons.remplacer(brouillons)
        montant = sum((p.montant for p in valides), ZERO)
        titre = f"{g.genre.nom}s validés à numéroter : {compte_pieces(g.nom, len(valides), montant)}"
        if numerotes:
            n = pluriel(len(numerotes), f"{g.nom} numéroté", f"{g.noms} numérotés")
            titre += f" — {n} à l'instant"
        self.groupe_pieces.setTitle(titre)
        if brouillons:
            comment = ("ils le seront à la libération du train, Dépenses › Trains"
                       if train is not None and train.attente
                       else f"validez-les dans {g.ou_valider} pour les numéroter")
            self.titre_brouillons.setText(
                f"Non validés, ne seront pas numérotés : {pluriel(len(brouillons), 'brouillon')}, "
                f"{format_eur(sum((p.montant for p in brouillons), ZERO))} € ({comment})")
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
        g, occupe, train = self.genre_ecran, self.occupe, self._train()
        valides = sum(1 for p in self.pieces.lignes() if p.numero is None)
        self.bouton_numeroter.setEnabled(self.state.a_contexte and not occupe and valides > 0
                                         and not (train is not None and train.attente))
        if train is not None and train.attente:
            self.bouton_numeroter.setToolTip(texte_attente_choisi(train))
        elif not valides:
            self.bouton_numeroter.setToolTip(f"Aucun {g.nom} validé à numéroter dans ce train")
        else:
            self.bouton_numeroter.setToolTip(f"Numérote les {g.noms} validés et crée leur bordereau")
        choisis = self.bordereaux_choisis()
        for bouton in self._boutons_impression:
            bouton.setEnabled(bool(choisis) and not occupe)
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
        g, nom = self.genre_ecran, self.train_choisi()
        valides = [p for p in self.pieces.lignes() if p.numero is None]
        montant = sum((p.montant for p in valides), ZERO)
        ou = f"du train « {nom} »" if nom else "de tous les trains"
        question = (f"Numéroter les {pluriel(len(valides), f'{g.nom} validé', f'{g.noms} validés')} {ou} "
                    f"({format_eur(montant)} €) et créer leur {g.bordereau} ?\n\nUn {g.nom} numéroté ne "
                    f"se modifie plus : il se corrige par une annulation ou une réduction (bordereau 02).")
        if nom is None and (attente := avertissement_attente(self.trains_lignes)):
            question += f"\n\n{attente}"
        if QMessageBox.question(self, "Numéroter", question) != QMessageBox.StandardButton.Yes:
            return None
        state, ctx = self.state, self.state.ctx

        def faire(control: JobControl) -> Numerotation:
            with state.transaction() as session:
                return g.numeroter(session, ctx, train=nom, control=control)

        return self._lancer("Numéroter", faire, self._numerote, f"Numérotation des {g.noms} {ou}…")

    def _suite_numerotation(self, res: Numerotation) -> str:
        """The line under a numbering's outcome."""
        numeros = ", ".join(f"n° {b.numero}" for b in res.bordereaux)
        return (f"Imprimez {'le bordereau' if len(res.bordereaux) == 1 else 'les bordereaux'} "
                f"{numeros} avec le bouton « Imprimer » ci-dessous.")

    def _numerote(self, res: Numerotation) -> None:
        g = self.genre_ecran
        self.dernier = res
        avant = {p.id: p for p in self._pieces_tous}
        self.numerotes = sorted((replace(avant[i], numero=n, etat=EtatPiece.NUMEROTE, bordereau_id=b.id)
                                 for b in res.bordereaux for i, n in b.pieces if i in avant),
                                key=lambda p: p.numero)
        self.state.signaler(g.noms)  # this screen reloads too
        self._remplir_pieces()
        self._choisir_bordereaux({b.id for b in res.bordereaux})
        bordereau = g.bordereau[0].upper() + g.bordereau[1:]
        self.resultat.setText(texte_numerotation(g.nom, bordereau, res).replace("\n", "<br>")
                              + "<br>" + self._suite_numerotation(res))
        self.numerotation_terminee.emit(res)

    # -- Imprimer --------------------------------------------------------------------------

    def _destination(self, titre: str, nom: str) -> Path | None:
        """The PDF file chosen (``.pdf`` added when missing), its folder remembered."""
        dossier = dernier_dossier(self.state.settings, DOSSIER, Path.home())
        chemin, _filtre = QFileDialog.getSaveFileName(self, titre, str(Path(dossier) / nom),
                                                      "Documents PDF (*.pdf)")
        if not chemin:
            return None
        chemin = Path(chemin)
        if chemin.suffix.lower() != ".pdf":
            chemin = chemin.with_name(chemin.name + ".pdf")
        retenir_dossier(self.state.settings, DOSSIER, chemin)
        return chemin

    def _texte_impression(self, choisis: list[BordereauLigne]) -> str:
        """The progress text of a printing."""
        quoi = (f"du bordereau n° {choisis[0].numero}" if len(choisis) == 1
                else f"des {len(choisis)} bordereaux")
        return f"Impression des {self.genre_ecran.noms} {quoi}…"

    def imprimer(self) -> JobRun | None:
        choisis = self.bordereaux_choisis()
        if not choisis or not self.bouton_imprimer.isEnabled():
            return None
        g = self.genre_ecran
        numeros = f"n{choisis[0].numero}" + (f"-{choisis[-1].numero}" if len(choisis) > 1 else "")
        chemin = self._destination(f"Imprimer les {g.noms} (PDF)",
                                   f"{g.noms}_{self.state.ctx.exercice}_{numeros}.pdf")
        if chemin is None:
            return None
        state, ctx, ids = self.state, self.state.ctx, [b.id for b in choisis]

        def faire(control: JobControl) -> Impression:
            with state.transaction() as session:
                if len(ids) == 1:
                    return g.imprimer(session, ctx, chemin, bordereau_id=ids[0], control=control)
                pieces = [p.id for p in g.lister(session, ctx) if p.bordereau_id in ids]
                return g.imprimer(session, ctx, chemin, pieces=pieces, control=control)

        def fait(res: Impression) -> None:
            quoi = f"{pluriel(g.imprimees(res), g.nom)}, {pluriel(res.pages, 'page')}"
            self._imprime([res.chemin, *res.bordereaux], quoi, res)

        return self._lancer("Imprimer", faire, fait, self._texte_impression(choisis))

    def _imprime(self, fichiers: list[Path], quoi: str, res) -> None:
        liens = ", ".join(_lien(f) for f in fichiers)
        self.resultat.setText(f"Imprimé : {quoi} — {liens}<br>Dossier : {fichiers[0].parent}")
        self.impression_terminee.emit(res)
        noms = "\n".join(f"  {f.name}" for f in fichiers)
        if QMessageBox.question(self, "Imprimer", f"PDF écrits dans {fichiers[0].parent} :\n{noms}\n\n"
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
