"""Recettes › Numérotation et édition des titres.

Pick the *train à imprimer* (each train with its validated titres and their amount), see the
validated titres the numbering takes and the drafts it leaves out, **Numéroter** (confirmation,
then a background job with progress and *Annuler*: gapless numbers, one bordereau de titres per
TypBord — 01 ordinaire, 02 annulation/réduction), then **Imprimer** the chosen bordereaux (the
titres PDF and each ``<nom>_bordereau_<n>.pdf`` beside it) and **Imprimer les ASAP** of their
titres (one avis des sommes à payer per titre, with its talon, in the folder chosen).

The mandats screen's tables and wording helpers are reused; each job opens its own transaction
(``ui.jobs.run_job``). After the numbering ``state.signaler("titres")``.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from PySide6.QtCore import QItemSelectionModel, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QComboBox, QFileDialog, QGroupBox, QHBoxLayout, QLabel, QMessageBox, QPushButton, QSplitter,
    QVBoxLayout, QWidget,
)
from shiboken6 import isValid

from corail.db.models import TITRE
from corail.domain.etats import EtatPiece
from corail.jobs import JobControl
from corail.money import ZERO, format_eur
from corail.services.asap_avis import imprimer_asap
from corail.services.edition import Impression, imprimer_titres
from corail.services.numerotation import BordereauLigne, Numerotation, lister_bordereaux
from corail.services.recettes_ui import TrainTitres, titres_avec_asap, trains_des_titres
from corail.services.titres import TitreLigne, lister_titres
from corail.services.titres_emission import numeroter_titres
from ui.ecrans import dernier_dossier, retenir_dossier
from ui.jobs import JobRun, run_job
from ui.numerotation_et_edition_des_mandats import STYLE_AVERTISSEMENT, _lien
from ui.numerotation_et_edition_des_mandats_modeles import (
    TYPES_BORD, modele_bordereaux, modele_brouillons, modele_mandats, pluriel, tableau,
)
from ui.state import AppState

TOUS = ""  # the combo's data for "Tous les trains"
DOSSIER = "editions"


@dataclass(frozen=True)
class AsapImprimees:
    dossier: Path
    fichiers: tuple[Path, ...]


def compte_titres(valides: int, montant, brouillons: int = 0) -> str:
    texte = (f"{pluriel(valides, 'titre validé', 'titres validés')}, {format_eur(montant)} €"
             if valides else "aucun titre validé")
    return texte + (f", {pluriel(brouillons, 'brouillon')}" if brouillons else "")


def texte_numerotation(res: Numerotation) -> str:
    lignes = []
    for b in res.bordereaux:
        numeros = sorted(n for _i, n in b.pieces)
        plage = (f"titre n° {numeros[0]}" if len(numeros) == 1
                 else f"titres n° {numeros[0]} à {numeros[-1]}" if numeros else "")
        lignes.append(f"Bordereau de titres n° {b.numero} ({TYPES_BORD.get(b.type_bord, b.type_bord)}) "
                      f"créé : {pluriel(b.nb_pieces, 'titre')}, {format_eur(b.montant)} €, {plage}.")
    if res.ignores:
        lignes.append(f"{pluriel(len(res.ignores), 'brouillon non validé', 'brouillons non validés')} "
                      f"laissé{'s' if len(res.ignores) > 1 else ''} de côté.")
    return "\n".join(lignes + list(res.avertissements))


class NumerotationEtEditionDesTitresScreen(QWidget):
    titre = "Numérotation et édition des titres"
    #: a numbering ended and the screen reloaded (argument: the ``Numerotation``)
    numerotation_terminee = Signal(object)
    #: a printing ended (argument: the ``Impression`` or ``AsapImprimees``)
    impression_terminee = Signal(object)

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.trains_lignes: list[TrainTitres] = []
        self.numerotes: list[TitreLigne] = []  # numbered here just now (shown in bold)
        self._titres: list[TitreLigne] = []  # validated and draft titres not yet numbered
        self.job: JobRun | None = None  # the running (or last) job: tests wait on it
        self.occupe = False
        self.trains = QComboBox()
        self.trains.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.trains.setMinimumContentsLength(40)
        self.trains.currentIndexChanged.connect(lambda _i: self._train_change())
        etiquette = QLabel("&Train à imprimer :")
        etiquette.setBuddy(self.trains)
        barre = QHBoxLayout()
        for w in (etiquette, self.trains, None):
            barre.addWidget(w) if w else barre.addStretch(1)
        self.avertissement = QLabel(wordWrap=True, styleSheet=STYLE_AVERTISSEMENT)
        self.avertissement.hide()
        separateur = QSplitter(Qt.Orientation.Vertical)
        separateur.addWidget(self._panneau_titres())
        separateur.addWidget(self._panneau_bordereaux())
        separateur.setChildrenCollapsible(False)
        separateur.setStretchFactor(0, 3)
        separateur.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.addLayout(barre)
        layout.addWidget(self.avertissement)
        layout.addWidget(separateur, 1)
        state.contexte_change.connect(lambda _ctx: self._train_change(recharger=True))
        state.donnees_modifiees.connect(lambda _quoi: self.recharger())
        self.recharger()

    def _panneau_titres(self) -> QWidget:
        self.groupe_titres = QGroupBox("Titres validés à numéroter")
        self.titres = modele_mandats(lambda t: t.numero is not None, self)
        self.vue_titres = tableau(self.titres, self.titres.colonne("Objet"))
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
        layout = QVBoxLayout(self.groupe_titres)
        for w in (self.vue_titres, self.titre_brouillons, self.vue_brouillons):
            layout.addWidget(w, 1 if w is self.vue_titres else 0)
        layout.addLayout(bas)
        return self.groupe_titres

    def _panneau_bordereaux(self) -> QWidget:
        self.groupe_bordereaux = QGroupBox("Bordereaux de titres de l'exercice")
        self.bordereaux = modele_bordereaux(self)
        self.vue_bordereaux = tableau(self.bordereaux, self.bordereaux.colonne("Train"), multiple=True)
        self.vue_bordereaux.selectionModel().selectionChanged.connect(lambda *_a: self._etat_boutons())
        self.vue_bordereaux.doubleClicked.connect(lambda _i: self.imprimer())
        self.bouton_imprimer = QPushButton("&Imprimer…")
        self.bouton_imprimer.setToolTip("Imprime en PDF les titres du bordereau choisi et le bordereau")
        self.bouton_imprimer.clicked.connect(self.imprimer)
        self.bouton_asap = QPushButton("Imprimer les &ASAP…")
        self.bouton_asap.setToolTip("Un avis des sommes à payer (PDF avec son talon) par titre du "
                                    "bordereau qui a une facture ASAP")
        self.bouton_asap.clicked.connect(self.imprimer_asap)
        aide = QLabel("Choisissez un bordereau (ou plusieurs) puis « Imprimer » : le PDF des titres et "
                      "celui du bordereau, côte à côte dans le dossier choisi.", wordWrap=True)
        bas = QHBoxLayout()
        for w in (aide, self.bouton_asap, self.bouton_imprimer):
            bas.addWidget(w, 1 if w is aide else 0)
        layout = QVBoxLayout(self.groupe_bordereaux)
        layout.addWidget(self.vue_bordereaux, 1)
        layout.addLayout(bas)
        return self.groupe_bordereaux

    # -- data ------------------------------------------------------------------------------

    def train_choisi(self) -> str | None:
        """The chosen train's name; None for "Tous les trains"."""
        return self.trains.currentData() or None

    def choisir_train(self, nom: str | None) -> None:
        index = self.trains.findData(nom or TOUS)
        if index >= 0:
            self.trains.setCurrentIndex(index)

    def _train(self) -> TrainTitres | None:
        return next((t for t in self.trains_lignes if t.nom == self.train_choisi()), None)

    def recharger(self) -> None:
        trains, titres, bordereaux = [], [], []
        if self.state.a_contexte:
            ctx = self.state.ctx
            with self.state.lecture() as session:
                trains = [t for t in trains_des_titres(session, ctx) if not t.attente]
                titres = [t for etat in (EtatPiece.VALIDE, EtatPiece.BROUILLON)
                          for t in lister_titres(session, ctx, etat=etat) if t.numero is None]
                bordereaux = lister_bordereaux(session, ctx, type_piece=TITRE)
            self.groupe_bordereaux.setTitle(f"Bordereaux de titres de l'exercice {ctx.exercice}")
        self.trains_lignes, self._titres = trains, titres
        choisi = self.trains.currentData() if self.trains.count() else TOUS
        self.trains.blockSignals(True)
        self.trains.clear()
        self.trains.addItem("Tous les trains — " + compte_titres(
            sum(t.valides for t in trains), sum((t.montant_a_numeroter for t in trains), ZERO),
            sum(t.brouillons for t in trains)), TOUS)
        for t in trains:
            texte = compte_titres(t.valides, t.montant_a_numeroter, t.brouillons)
            self.trains.addItem(f"{t.nom} — {texte}", t.nom)
        self.trains.setCurrentIndex(max(self.trains.findData(choisi), 0))
        self.trains.blockSignals(False)
        selection = {b.id for b in self.bordereaux_choisis()}
        self.bordereaux.remplacer(bordereaux)
        self._choisir_bordereaux(selection)
        self._remplir_titres()

    def _train_change(self, *, recharger: bool = False) -> None:
        self.numerotes = []
        self.resultat.clear()
        self.recharger() if recharger else self._remplir_titres()

    def _remplir_titres(self) -> None:
        train = self._train()
        inclus = {train.nom} if train else {t.nom for t in self.trains_lignes}
        dans = [t for t in self._titres if t.train in inclus]
        valides = [t for t in dans if t.etat == EtatPiece.VALIDE]
        brouillons = [t for t in dans if t.etat == EtatPiece.BROUILLON]
        self.titres.remplacer(self.numerotes + valides)
        self.brouillons.remplacer(brouillons)
        montant = sum((t.montant for t in valides), ZERO)
        titre = f"Titres validés à numéroter : {compte_titres(len(valides), montant)}"
        if self.numerotes:
            n = pluriel(len(self.numerotes), 'titre numéroté', 'titres numérotés')
            titre += f" — {n} à l'instant"
        self.groupe_titres.setTitle(titre)
        self.titre_brouillons.setText(
            f"Non validés, ne seront pas numérotés : {pluriel(len(brouillons), 'brouillon')}, "
            f"{format_eur(sum((t.montant for t in brouillons), ZERO))} € (validez-les dans Recettes › "
            f"Titres de recettes pour les numéroter)" if brouillons
            else "Non validés, ne seront pas numérotés : aucun brouillon.")
        self.vue_brouillons.setVisible(bool(brouillons))
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
        valides = sum(1 for t in self.titres.lignes() if t.numero is None)
        self.bouton_numeroter.setEnabled(self.state.a_contexte and not self.occupe and valides > 0)
        self.bouton_numeroter.setToolTip("Numérote les titres validés et crée leur bordereau" if valides
                                         else "Aucun titre validé à numéroter dans ce train")
        choisis = self.bordereaux_choisis()
        for bouton in (self.bouton_imprimer, self.bouton_asap):
            bouton.setEnabled(bool(choisis) and not self.occupe)
        self.bouton_imprimer.setText(
            f"&Imprimer le bordereau n° {choisis[0].numero}…" if len(choisis) == 1
            else f"&Imprimer les {len(choisis)} bordereaux…" if choisis else "&Imprimer…")

    # -- Numéroter -------------------------------------------------------------------------

    def numeroter(self) -> JobRun | None:
        if not self.bouton_numeroter.isEnabled():
            return None
        nom = self.train_choisi()
        valides = [t for t in self.titres.lignes() if t.numero is None]
        ou = f"du train « {nom} »" if nom else "de tous les trains"
        question = (f"Numéroter les {pluriel(len(valides), 'titre validé', 'titres validés')} {ou} "
                    f"({format_eur(sum((t.montant for t in valides), ZERO))} €) et créer leur bordereau "
                    f"de titres ?\n\nUn titre numéroté ne se modifie plus : il se corrige par une "
                    f"annulation ou une réduction (bordereau 02).")
        if QMessageBox.question(self, "Numéroter", question) != QMessageBox.StandardButton.Yes:
            return None
        state, ctx = self.state, self.state.ctx

        def faire(control: JobControl) -> Numerotation:
            with state.transaction() as session:
                return numeroter_titres(session, ctx, train=nom, control=control)

        return self._lancer("Numéroter", faire, self._numerote, f"Numérotation des titres {ou}…")

    def _numerote(self, res: Numerotation) -> None:
        avant = {t.id: t for t in self._titres}
        numerotes = sorted((replace(avant[i], numero=n, etat=EtatPiece.NUMEROTE, bordereau_id=b.id)
                            for b in res.bordereaux for i, n in b.pieces if i in avant),
                           key=lambda t: t.numero)
        self.state.signaler("titres")  # this screen reloads too
        self.numerotes = numerotes
        self._remplir_titres()
        self._choisir_bordereaux({b.id for b in res.bordereaux})
        self.resultat.setText(texte_numerotation(res).replace("\n", "<br>")
                              + "<br>Imprimez-les avec le bouton « Imprimer » ci-dessous.")
        self.numerotation_terminee.emit(res)

    # -- Imprimer --------------------------------------------------------------------------

    def _destination(self, titre: str, nom: str) -> Path | None:
        dossier = dernier_dossier(self.state.settings, DOSSIER, Path.home())
        chemin, _f = QFileDialog.getSaveFileName(self, titre, str(Path(dossier) / nom),
                                                 "Documents PDF (*.pdf)")
        if not chemin:
            return None
        chemin = Path(chemin) if chemin.lower().endswith(".pdf") else Path(chemin + ".pdf")
        retenir_dossier(self.state.settings, DOSSIER, chemin)
        return chemin

    def imprimer(self) -> JobRun | None:
        choisis = self.bordereaux_choisis()
        if not choisis or not self.bouton_imprimer.isEnabled():
            return None
        numeros = f"n{choisis[0].numero}" + (f"-{choisis[-1].numero}" if len(choisis) > 1 else "")
        chemin = self._destination("Imprimer les titres (PDF)",
                                   f"titres_{self.state.ctx.exercice}_{numeros}.pdf")
        if chemin is None:
            return None
        state, ctx, ids = self.state, self.state.ctx, [b.id for b in choisis]

        def faire(control: JobControl) -> Impression:
            with state.transaction() as session:
                if len(ids) == 1:
                    return imprimer_titres(session, ctx, chemin, bordereau_id=ids[0], control=control)
                titres = [t.id for t in lister_titres(session, ctx) if t.bordereau_id in ids]
                return imprimer_titres(session, ctx, chemin, titre_ids=titres, control=control)

        def fait(res: Impression) -> None:
            quoi = f"{pluriel(res.titres, 'titre')}, {pluriel(res.pages, 'page')}"
            self._imprime([res.chemin, *res.bordereaux], quoi, res)

        return self._lancer("Imprimer", faire, fait, "Impression des titres…")

    def imprimer_asap(self) -> JobRun | None:
        choisis = self.bordereaux_choisis()
        if not choisis or not self.bouton_asap.isEnabled():
            return None
        ids = [b.id for b in choisis]
        with self.state.lecture() as session:
            titres = titres_avec_asap(session, self.state.ctx, ids)
        if not titres:
            QMessageBox.information(self, "Imprimer les ASAP", "Aucun titre de ces bordereaux n'a de "
                                    "facture ASAP (bouton « PES Facture ASAP » de Recettes › Titres "
                                    "de recettes).")
            return None
        dossier = QFileDialog.getExistingDirectory(
            self, "Dossier des avis des sommes à payer",
            dernier_dossier(self.state.settings, DOSSIER, Path.home()))
        if not dossier:
            return None
        retenir_dossier(self.state.settings, DOSSIER, dossier)
        state, ctx, exercice = self.state, self.state.ctx, self.state.ctx.exercice

        def faire(control: JobControl) -> AsapImprimees:
            ecrits = []
            with state.lecture() as session:
                for n, (titre_id, numero) in enumerate(titres, 1):
                    control.step(n - 1, len(titres))
                    ecrits.append(imprimer_asap(session, ctx, titre_id,
                                                Path(dossier) / f"asap_{exercice}_n{numero}.pdf"))
                control.step(len(titres), len(titres))
            return AsapImprimees(Path(dossier), tuple(ecrits))

        return self._lancer("Imprimer les ASAP", faire, lambda res: self._imprime(
            list(res.fichiers), pluriel(len(res.fichiers), "avis des sommes à payer",
                                        "avis des sommes à payer"), res), "Impression des ASAP…")

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
