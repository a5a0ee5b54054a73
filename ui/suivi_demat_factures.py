"""Suivi démat › *Facture démat*: the search (flux lu entre le … et le …, montant TTC de … à …,
états, n° de facture, nom fournisseur, fichiers téléchargés non traités), the flux found, the
invoices of the selected flux, and the selected invoice's étapes and timeline.

Every list comes from ``corail.services.suivi`` one page at a time (*Précédents* / *Suivants*),
the filters done in SQL. *Accès* (or a double-click on an invoice) opens the mandat in *Saisie
des mandats*, or the invoice in *Factures* when it is still in the register.
"""
from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QGridLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit, QPushButton,
    QSplitter, QVBoxLayout, QWidget,
)

from corail.dates import format_horodatage
from corail.domain.etats import EtatFactureDemat, EtatFlux, libelle_etat
from corail.services.suivi import (
    CriteresSuivi, FactureSuivi, FluxSuivi, Page, etapes, factures_du_flux, lire_criteres,
    rechercher_flux,
)
from corail.services.suivi_chronologie import A_VENIR, FAIT, REFUS, Chronologie, chronologie
from corail.services.suivi_fichiers import FichierNonTraite, fichiers_non_traites
from ui.common import essayer, texte_cellule
from ui.gestion_des_collectivites_tables import ChampMontant
from ui.modeles import Colonne, TableauModel, rangs_choisis, tableau
from ui.saisie_des_mandats_onglets import ChampDate
from ui.state import AppState

#: how each step of the timeline is drawn: mark, colour
MARQUES = {FAIT: ("✔", "#1e6b2e"), REFUS: ("✖", "#a31515"), A_VENIR: ("○", "#6b6b6b")}


def modele_flux(parent=None) -> TableauModel[FluxSuivi]:
    return TableauModel([
        Colonne("État", lambda f: f.etat_libelle),
        Colonne("Lu le", lambda f: f.lu_le, infobulle=lambda f: f"Lu par {f.lu_par}"),
        Colonne("Nom", lambda f: f.nom, infobulle=lambda f: f"{f.nom} — {f.id_flx or ''}"),
        Colonne("Factures", lambda f: f.nb_factures, centre=True,
                infobulle=lambda f: f"{f.nb_factures} facture(s) trouvée(s) de ce budget, "
                                    f"{f.nb_total} dans le fichier"),
    ], parent=parent)


def modele_factures(parent=None) -> TableauModel[FactureSuivi]:
    return TableauModel([
        Colonne("État", lambda l: l.etat_libelle),
        Colonne("N° facture", lambda l: l.numero,
                infobulle=lambda l: ("Avoir " if l.type_facture == "avoir" else "Facture ")
                + f"{l.numero} reçue dans Chorus Pro le {texte_cellule(l.date_reception)}"),
        Colonne("Tiers", lambda l: l.tiers),
        Colonne("Montant TTC", lambda l: l.montant_ttc),
        Colonne("Accès", lambda l: l.acces, lien=True,
                infobulle=lambda l: "Double-clic : ouvrir " + (
                    "le mandat dans Saisie des mandats" if l.piece_id else
                    "la facture dans Factures" if l.facture_id else "") if l.acces else ""),
    ], alerte=lambda l: l.etat in (EtatFactureDemat.ANOMALIE, EtatFactureDemat.REJETEE),
        parent=parent)


def modele_etapes(parent=None) -> TableauModel:
    return TableauModel([
        Colonne("Date", lambda e: e.horodatage_affiche),
        Colonne("Étape", lambda e: e.libelle),
        Colonne("Complément", lambda e: " — ".join(x for x in (e.complement, e.utilisateur) if x),
                infobulle=lambda e: f"{e.complement}\n(par {e.utilisateur})".strip()),
    ], parent=parent)


def modele_fichiers(parent=None) -> TableauModel[FichierNonTraite]:
    return TableauModel([
        Colonne("Fichier", lambda f: f.nom, infobulle=lambda f: str(f.chemin)),
        Colonne("Modifié le", lambda f: f.modifie_le),
        Colonne("Taille (Ko)", lambda f: max(1, f.taille // 1024)),
        Colonne("Pourquoi", lambda f: f.detail),
    ], grise=lambda _f: True, parent=parent)


class Pager(QWidget):
    """*Précédents* · "1–100 sur 5 000" · *Suivants*; ``aller`` gives the first row wanted."""

    aller = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.page: Page | None = None
        self.precedents = QPushButton("◀ Précédents")
        self.suivants = QPushButton("Suivants ▶")
        self.libelle = QLabel()
        h = QHBoxLayout(self)
        h.setContentsMargins(0, 0, 0, 0)
        for w in (self.libelle, None, self.precedents, self.suivants):
            h.addWidget(w) if w else h.addStretch(1)
        self.precedents.clicked.connect(lambda: self.aller.emit(self.page.precedente))
        self.suivants.clicked.connect(lambda: self.aller.emit(self.page.suivante))
        self.montrer(None)

    def montrer(self, page: Page | None) -> None:
        self.page = page
        self.libelle.setText(page.libelle if page else "")
        self.precedents.setVisible(bool(page and page.precedente is not None
                                        or page and page.suivante is not None))
        self.suivants.setVisible(self.precedents.isVisible())
        self.precedents.setEnabled(bool(page) and page.precedente is not None)
        self.suivants.setEnabled(bool(page) and page.suivante is not None)


class OngletFacturesDemat(QWidget):
    """The *Facture démat* tab."""

    #: the user asked to open a mandat (piece id) or a register invoice (facture id)
    ouvrir_mandat = Signal(int)
    ouvrir_facture = Signal(int)

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.criteres = CriteresSuivi()
        self.debut_flux = self.debut_factures = 0
        self.flux = modele_flux(self)
        self.factures = modele_factures(self)
        self.etapes = modele_etapes(self)
        self.fichiers = modele_fichiers(self)
        self.vue_flux = tableau(self.flux, 2)
        self.vue_factures = tableau(self.factures, 2)
        self.vue_etapes = tableau(self.etapes, 2, selection=False)
        self.vue_fichiers = tableau(self.fichiers, 3, selection=False)
        self.pager_flux, self.pager_factures = Pager(), Pager()
        self.pager_flux.aller.connect(self._page_flux)
        self.pager_factures.aller.connect(self._page_factures)
        self.vue_flux.selectionModel().selectionChanged.connect(lambda *_a: self._flux_choisi())
        self.vue_factures.selectionModel().selectionChanged.connect(
            lambda *_a: self._facture_choisie())
        self.vue_factures.doubleClicked.connect(lambda _i: self.acces())
        self.bouton_acces = QPushButton("Accès")
        self.bouton_acces.setToolTip("Ouvrir le mandat (Saisie des mandats) ou la facture "
                                     "(Factures) créés depuis la facture choisie")
        self.bouton_acces.clicked.connect(self.acces)
        self.chronologie = QLabel(wordWrap=True, textFormat=Qt.TextFormat.RichText)
        self.message = QLabel(wordWrap=True)
        self.message.setStyleSheet("color: #a31515;")
        self.titre_fichiers = QLabel()
        self.titre_fichiers.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self._formulaire())
        layout.addWidget(self.message)
        layout.addWidget(self._listes(), 1)

    # -- layout ----------------------------------------------------------------------------

    def _formulaire(self) -> QGroupBox:
        self.du, self.au = ChampDate("Flux lu entre le"), ChampDate("Flux lu et le")
        self.ttc_min = ChampMontant("Montant TTC de", facultatif=True)
        self.ttc_max = ChampMontant("Montant TTC à", facultatif=True)
        self.etat_flux, self.etat_facture = QComboBox(), QComboBox()
        for combo, etats in ((self.etat_flux, EtatFlux), (self.etat_facture, EtatFactureDemat)):
            combo.addItem("Tous", None)
            for e in etats:
                combo.addItem(libelle_etat(e), e.value)
        self.numero = QLineEdit(placeholderText="début du numéro")
        self.fournisseur = QLineEdit(placeholderText="mots du nom, accents indifférents")
        self.non_traites = QCheckBox("Afficher les fichiers téléchargés non traités")
        self.non_traites.toggled.connect(lambda _c: self._charger_fichiers())
        rechercher, effacer = QPushButton("Rechercher"), QPushButton("Effacer")
        rechercher.setDefault(True)
        rechercher.clicked.connect(self.rechercher)
        effacer.clicked.connect(self.effacer)
        for champ in (self.du, self.au, self.ttc_min, self.ttc_max, self.numero, self.fournisseur):
            champ.returnPressed.connect(self.rechercher)
        g = QGridLayout()
        lignes = [
            [QLabel("Flux lu entre le"), self.du, QLabel("et le"), self.au,
             QLabel("Montant TTC de"), self.ttc_min, QLabel("à"), self.ttc_max],
            [QLabel("État actuel flux"), self.etat_flux, QLabel("N° de facture"), self.numero,
             QLabel("Nom fournisseur"), self.fournisseur],
            [QLabel("État actuel facture"), self.etat_facture],
        ]
        for r, ligne in enumerate(lignes):
            for c, w in enumerate(ligne):
                g.addWidget(w, r, c, 1, 3 if w is self.fournisseur else 1)
        g.addWidget(self.non_traites, 2, 2, 1, 4)
        boutons = QHBoxLayout()
        boutons.addStretch(1)
        boutons.addWidget(effacer)
        boutons.addWidget(rechercher)
        g.addLayout(boutons, 2, 6, 1, 2)
        boite = QGroupBox("Recherche")
        boite.setLayout(g)
        return boite

    def _listes(self) -> QSplitter:
        def bloc(titre: QLabel | str, *widgets: QWidget) -> QWidget:
            w = QWidget()
            v = QVBoxLayout(w)
            v.setContentsMargins(0, 4, 0, 0)
            v.addWidget(titre if isinstance(titre, QLabel) else QLabel(f"<b>{titre}</b>"))
            for x in widgets:
                v.addWidget(x, 1 if isinstance(x, type(self.vue_flux)) else 0)
            return w

        self.bloc_fichiers = bloc(self.titre_fichiers, self.vue_fichiers)
        self.bloc_fichiers.setVisible(False)
        haut = QSplitter(Qt.Orientation.Horizontal)
        haut.addWidget(bloc("Flux", self.vue_flux, self.pager_flux))
        ligne = QHBoxLayout()
        factures = bloc("Factures du flux", self.vue_factures, self.pager_factures)
        ligne.addStretch(1)
        ligne.addWidget(self.bouton_acces)
        factures.layout().addLayout(ligne)
        haut.addWidget(factures)
        haut.setSizes([420, 620])
        bas = bloc("Étapes de la facture", self.chronologie, self.vue_etapes)
        separateur = QSplitter(Qt.Orientation.Vertical)
        for w in (self.bloc_fichiers, haut, bas):
            separateur.addWidget(w)
        separateur.setChildrenCollapsible(False)
        separateur.setSizes([120, 330, 220])
        return separateur

    # -- search ----------------------------------------------------------------------------

    def rechercher(self) -> None:
        criteres = essayer(self, lambda: lire_criteres(
            du=self.du.text(), au=self.au.text(), ttc_min=self.ttc_min.text(),
            ttc_max=self.ttc_max.text(), etat_flux=self.etat_flux.currentData(),
            etat_facture=self.etat_facture.currentData(), numero=self.numero.text(),
            fournisseur=self.fournisseur.text()), "Rechercher")
        if criteres is None:
            return
        self.criteres, self.debut_flux = criteres, 0
        self.recharger()

    def effacer(self) -> None:
        for champ in (self.du, self.au, self.ttc_min, self.ttc_max, self.numero, self.fournisseur):
            champ.clear()
        self.etat_flux.setCurrentIndex(0)
        self.etat_facture.setCurrentIndex(0)
        self.rechercher()

    def recharger(self) -> None:
        """The flux page again (same criteria, same page), keeping the flux and invoice chosen."""
        flux_id, facture_id = self.flux_choisi(), self.facture_choisie()
        page = None
        if self.state.a_contexte:
            with self.state.lecture() as session:
                page = rechercher_flux(session, self.state.ctx, self.criteres, debut=self.debut_flux)
        self.flux.remplacer(page.lignes if page else ())
        self.pager_flux.montrer(page)
        self._selectionner(self.vue_flux, self.flux, flux_id)
        self._flux_choisi(facture_id)
        self._charger_fichiers()
        if page is not None and not page.total:
            self.message.setText("Aucun flux ne correspond à la recherche.")
        else:
            self.message.clear()

    def _page_flux(self, debut: int) -> None:
        self.debut_flux = debut
        self.recharger()

    def _page_factures(self, debut: int) -> None:
        self.debut_factures = debut
        self._flux_choisi(garder_page=True)

    @staticmethod
    def _selectionner(vue, modele: TableauModel, ident: int | None) -> None:
        rangs = [r for r, l in enumerate(modele.lignes()) if l.id == ident]
        if rangs or modele.rowCount():
            vue.selectRow(rangs[0] if rangs else 0)

    def flux_choisi(self) -> int | None:
        rangs = rangs_choisis(self.vue_flux)
        return self.flux.ligne(rangs[0]).id if rangs else None

    def facture_choisie(self) -> int | None:
        ligne = self.ligne_facture()
        return ligne.id if ligne else None

    def ligne_facture(self) -> FactureSuivi | None:
        rangs = rangs_choisis(self.vue_factures)
        return self.factures.ligne(rangs[0]) if rangs else None

    def _flux_choisi(self, facture_id: int | None = None, *, garder_page: bool = False) -> None:
        flux_id = self.flux_choisi()
        if not garder_page:
            self.debut_factures = 0
        page = None
        if flux_id is not None:
            with self.state.lecture() as session:
                page = factures_du_flux(session, self.state.ctx, flux_id, self.criteres,
                                        debut=self.debut_factures)
        self.factures.remplacer(page.lignes if page else ())
        self.pager_factures.montrer(page)
        self._selectionner(self.vue_factures, self.factures, facture_id)
        self._facture_choisie()

    def _facture_choisie(self) -> None:
        ligne = self.ligne_facture()
        self.bouton_acces.setEnabled(bool(ligne and ligne.acces))
        if ligne is None:
            self.etapes.remplacer(())
            self.chronologie.clear()
            return
        with self.state.lecture() as session:
            self.etapes.remplacer(etapes(session, self.state.ctx, ligne.id))
            self.chronologie.setText(texte_chronologie(chronologie(session, self.state.ctx, ligne.id)))

    def _charger_fichiers(self) -> None:
        visible = self.non_traites.isChecked() and self.state.a_contexte
        self.bloc_fichiers.setVisible(visible)
        if not visible:
            return
        with self.state.lecture() as session:
            res = fichiers_non_traites(session, self.state.ctx)
        self.fichiers.remplacer(res.fichiers)
        n = len(res.fichiers)
        self.titre_fichiers.setText(
            f"<b>Fichiers téléchargés non traités</b> — {res.message}" if res.message else
            f"<b>Fichiers téléchargés non traités</b> ({n}) dans {res.dossier} : "
            + ("à lire dans Intégration des flux pivots" if n else "aucun, tout a été lu"))

    # -- Accès -----------------------------------------------------------------------------

    def acces(self) -> None:
        ligne = self.ligne_facture()
        if ligne is None:
            return
        if ligne.piece_id is not None:
            self.ouvrir_mandat.emit(ligne.piece_id)
        elif ligne.facture_id is not None:
            self.ouvrir_facture.emit(ligne.facture_id)


def texte_chronologie(c: Chronologie) -> str:
    """The six steps on one line: ✔ done, ✖ refused, ○ to come, greyed without object; under
    each, its date and what it produced."""
    morceaux = []
    for j in c.jalons:
        marque, couleur = MARQUES.get(j.statut, ("–", "#a0a0a0"))
        lignes = [format_horodatage(j.quand) if j.quand and j.statut != A_VENIR else "", j.detail]
        dessous = "".join(f"<br><small>{html.escape(x)}</small>" for x in lignes if x)
        morceaux.append(f"<td style='padding: 2px 6px; color: {couleur}'>{marque} "
                        f"<b>{html.escape(j.libelle)}</b>{dessous}</td>")
    return "<table><tr>" + "<td style='color:#999'>→</td>".join(morceaux) + "</tr></table>"
