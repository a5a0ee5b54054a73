"""Environnement › Tiers: search the suppliers and debtors (name, SIRET, city), create and
edit them (``ui.tiers_fiche``), manage their bank accounts and see the history of IBAN changes;
the fiche shows what Chorus Pro asks of a public debtor (ASAP 02: code service, N° d'engagement).

Tables are fed with the services' frozen dataclasses (``TiersLigne``, ``CompteLigne``), never
with ORM objects. Every change is one transaction, then ``state.signaler("tiers")``.
"""
from __future__ import annotations

from typing import Callable, TypeVar

from PySide6.QtCore import (
    QAbstractTableModel, QModelIndex, QPersistentModelIndex, QSortFilterProxyModel, Qt, QTimer,
)
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView, QFormLayout, QGroupBox, QHBoxLayout, QHeaderView, QLabel, QLineEdit,
    QMessageBox, QPushButton, QSplitter, QTableView, QVBoxLayout, QWidget,
)

from corail.domain.identifiants import (
    CATEGORIES_TIERS, NATURES_JURIDIQUES, TYPES_IDENTIFIANT, formater_iban, libelle_code,
)
from corail.errors import CorailError
from corail.services.asap_regles import ExigencesChorus, lire_exigences
from corail.services.tiers import (
    CompteLigne, TiersDetail, TiersLigne, definir_principal, lire_tiers, rechercher_tiers,
    retirer_compte,
)
from ui.modeles import TableauModel
from ui.common import essayer
from ui.state import AppState
from ui.tiers_fiche import CompteDialog, TiersDialog

T = TypeVar("T")
Index = QModelIndex | QPersistentModelIndex
LIMITE = 1000
GRIS = QBrush(QColor(120, 120, 120))


def modele_tiers(parent=None) -> TableauModel[TiersLigne]:
    return TableauModel([
        ("Nom", lambda t: t.nom_complet),
        ("Identifiant", lambda t: t.identifiant),
        ("Type", lambda t: TYPES_IDENTIFIANT.get(t.type_identifiant or "", "")),
        ("Code postal", lambda t: t.code_postal),
        ("Ville", lambda t: t.ville),
        ("IBAN principal", lambda t: formater_iban(t.iban_principal)),
        ("Comptes", lambda t: t.nb_comptes),
        ("Actif", lambda t: t.actif),
    ], grise=lambda t: not t.actif, parent=parent)


def modele_comptes(parent=None) -> TableauModel[CompteLigne]:
    """The accounts in use."""
    return TableauModel([
        ("IBAN", lambda c: c.iban_affiche + ("" if c.iban_valide else "  (IBAN invalide)")),
        ("BIC", lambda c: c.bic), ("Titulaire", lambda c: c.titulaire),
        ("Établissement", lambda c: c.etablissement), ("Principal", lambda c: c.principal),
        ("Depuis le", lambda c: c.date_debut),
    ], parent=parent)


def modele_historique(parent=None) -> TableauModel[CompteLigne]:
    """Every account the tiers had: the closed ones are the old IBANs."""
    return TableauModel([
        ("IBAN", lambda c: c.iban_affiche), ("BIC", lambda c: c.bic),
        ("Titulaire", lambda c: c.titulaire), ("Du", lambda c: c.date_debut),
        ("Au", lambda c: c.date_fin), ("Saisi par", lambda c: c.cree_par),
        ("Saisi le", lambda c: c.cree_le), ("État", lambda c: "En cours" if c.actif else "Clos"),
    ], grise=lambda c: not c.actif, parent=parent)


def _tableau(model: QAbstractTableModel, etirer: int, *, triable: bool = False) -> QTableView:
    vue = QTableView()
    if triable:
        proxy = QSortFilterProxyModel(vue)
        proxy.setSourceModel(model)
        proxy.setSortCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        proxy.setSortLocaleAware(True)
        vue.setModel(proxy)
        vue.setSortingEnabled(True)
        vue.sortByColumn(0, Qt.SortOrder.AscendingOrder)
    else:
        vue.setModel(model)
    vue.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    vue.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    vue.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    vue.setAlternatingRowColors(True)
    vue.verticalHeader().setVisible(False)
    vue.verticalHeader().setDefaultSectionSize(24)
    entete = vue.horizontalHeader()
    entete.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    entete.setSectionResizeMode(etirer, QHeaderView.ResizeMode.Stretch)
    return vue


def _source_row(vue: QTableView) -> int | None:
    index = vue.selectionModel().currentIndex() if vue.selectionModel() else QModelIndex()
    rows = vue.selectionModel().selectedRows() if vue.selectionModel() else []
    if rows:
        index = rows[0]
    if not index.isValid():
        return None
    modele = vue.model()
    return modele.mapToSource(index).row() if isinstance(modele, QSortFilterProxyModel) else index.row()


def texte_exigences(e: ExigencesChorus | None) -> str:
    """The fiche's line: what Chorus Pro asks of the tiers as a public debtor."""
    if e is None:
        return "—"
    parties = [texte for oui, texte in ((e.code_service_obligatoire, "Code service obligatoire"),
                                        (e.engagement_obligatoire, "N° d'engagement obligatoire")) if oui]
    if e.code_service:
        parties.append(f"code service par défaut : {e.code_service}")
    return " · ".join(parties) or "Aucune exigence"


class TiersScreen(QWidget):
    titre = "Tiers"

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.detail: TiersDetail | None = None
        self.recherche = QLineEdit(placeholderText="Nom, SIRET ou ville", clearButtonEnabled=True)
        self.recherche.textChanged.connect(lambda _t: self._minuteur.start())
        self.recherche.returnPressed.connect(self.recharger)
        self.bouton_nouveau = QPushButton("Nouveau tiers…")
        self.bouton_nouveau.clicked.connect(lambda: self.ouvrir_fiche(None))
        self.bouton_modifier = QPushButton("Modifier le tiers…")
        self.bouton_modifier.clicked.connect(lambda: self.ouvrir_fiche(self._id_choisi()))
        self.compte = QLabel()
        barre = QHBoxLayout()
        barre.addWidget(QLabel("Rechercher :"))
        barre.addWidget(self.recherche, 1)
        barre.addWidget(self.bouton_nouveau)
        barre.addWidget(self.bouton_modifier)
        barre.addWidget(self.compte)
        self.tiers = modele_tiers(self)
        self.vue_tiers = _tableau(self.tiers, 0, triable=True)
        self.vue_tiers.selectionModel().selectionChanged.connect(lambda *_a: self._afficher_choisi())
        self.vue_tiers.doubleClicked.connect(lambda _i: self.ouvrir_fiche(self._id_choisi()))
        separateur = QSplitter(Qt.Orientation.Vertical)
        separateur.addWidget(self.vue_tiers)
        separateur.addWidget(self._panneau_fiche())
        separateur.setChildrenCollapsible(False)
        separateur.setSizes([320, 440])
        layout = QVBoxLayout(self)
        layout.addLayout(barre)
        layout.addWidget(separateur)
        self._minuteur = QTimer(self, singleShot=True, interval=250)
        self._minuteur.timeout.connect(self.recharger)
        state.contexte_change.connect(lambda _ctx: self.recharger())
        state.donnees_modifiees.connect(lambda _quoi: self.recharger())
        self.recharger()

    def _panneau_fiche(self) -> QWidget:
        self.nom = QLabel()
        police = QFont(self.nom.font())
        police.setBold(True)
        police.setPointSizeF(police.pointSizeF() * 1.2)
        self.nom.setFont(police)
        self.infos: dict[str, QLabel] = {}
        fiche = QGroupBox("Fiche du tiers")
        formulaire = QFormLayout(fiche)
        for cle in ("Identifiant", "Catégorie (CatTiers)", "Nature juridique (NatJur)",
                    "Adresse", "Contact", "Chorus Pro (ASAP 02)"):
            label = QLabel()
            label.setWordWrap(True)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.infos[cle] = label
            formulaire.addRow(f"{cle} :", label)
        self.comptes = modele_comptes(self)
        self.vue_comptes = _tableau(self.comptes, 2)
        self.vue_comptes.doubleClicked.connect(lambda _i: self.modifier_compte())
        self.vue_comptes.selectionModel().selectionChanged.connect(lambda *_a: self._boutons_compte())
        self.boutons_compte = {
            "ajouter": QPushButton("Ajouter un compte…"),
            "modifier": QPushButton("Modifier / changer l'IBAN…"),
            "principal": QPushButton("Compte principal"),
            "retirer": QPushButton("Retirer le compte"),
        }
        self.boutons_compte["ajouter"].clicked.connect(self.ajouter_compte)
        self.boutons_compte["modifier"].clicked.connect(self.modifier_compte)
        self.boutons_compte["principal"].clicked.connect(self.definir_principal)
        self.boutons_compte["retirer"].clicked.connect(self.retirer_compte)
        ligne_boutons = QHBoxLayout()
        for bouton in self.boutons_compte.values():
            ligne_boutons.addWidget(bouton)
        ligne_boutons.addStretch(1)
        groupe_comptes = QGroupBox("Comptes bancaires")
        boite = QVBoxLayout(groupe_comptes)
        boite.addWidget(self.vue_comptes)
        boite.addLayout(ligne_boutons)
        self.historique = modele_historique(self)
        self.vue_historique = _tableau(self.historique, 2)
        groupe_historique = QGroupBox("Historique des IBAN (comptes clos et en cours)")
        QVBoxLayout(groupe_historique).addWidget(self.vue_historique)
        droite = QVBoxLayout()
        droite.addWidget(groupe_comptes, 1)
        droite.addWidget(groupe_historique, 1)
        gauche = QVBoxLayout()
        gauche.addWidget(self.nom)
        gauche.addWidget(fiche)
        gauche.addStretch(1)
        panneau = QWidget()
        layout = QHBoxLayout(panneau)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addLayout(gauche, 2)
        layout.addLayout(droite, 5)
        return panneau

    # -- loading -------------------------------------------------------------------------------

    def recharger(self) -> None:
        """The search again, keeping the selected tiers."""
        self._minuteur.stop()
        garde = self.detail.id if self.detail else None
        lignes: list[TiersLigne] = []
        if self.state.a_contexte:
            with self.state.lecture() as session:
                lignes = rechercher_tiers(session, self.state.ctx, self.recherche.text(),
                                          limite=LIMITE + 1)
        self.tiers.remplacer(lignes[:LIMITE])
        n = len(lignes)
        self.compte.setText("Aucun tiers" if n == 0 else f"{LIMITE} premiers tiers" if n > LIMITE
                            else f"{n} tiers")
        self.bouton_nouveau.setEnabled(self.state.a_contexte)
        self.choisir(garde)

    def choisir(self, tiers_id: int | None) -> None:
        """Select the tiers ``tiers_id`` in the list (else the first one) and show its fiche."""
        vue, modele = self.vue_tiers, self.vue_tiers.model()
        vue.clearSelection()
        rows = [r for r in range(self.tiers.rowCount()) if self.tiers.ligne(r).id == tiers_id]
        if rows:
            vue.selectRow(modele.mapFromSource(self.tiers.index(rows[0], 0)).row())
        elif modele.rowCount() > 0:  # the first one of the list rather than an empty fiche
            vue.selectRow(0)
        self._afficher_choisi()

    def _id_choisi(self) -> int | None:
        row = _source_row(self.vue_tiers)
        return self.tiers.ligne(row).id if row is not None else None

    def _afficher_choisi(self) -> None:
        tiers_id = self._id_choisi()
        detail = exigences = None
        if tiers_id is not None:
            with self.state.lecture() as session:
                detail = essayer(self, lambda: lire_tiers(session, self.state.ctx, tiers_id), "Tiers")
                try:
                    exigences = lire_exigences(session, self.state.ctx, tiers_id) if detail else None
                except CorailError:  # not the user's espace: the line shows « — »
                    exigences = None
        self.afficher(detail, exigences)

    def afficher(self, d: TiersDetail | None, exigences: ExigencesChorus | None = None) -> None:
        self.detail = d
        self.nom.setText(d.nom_complet + ("" if d.actif else "  (inactif)") if d
                         else "Choisissez un tiers dans la liste")
        ident = f"{d.identifiant or '—'} ({TYPES_IDENTIFIANT[d.type_identifiant]})" \
            if d and d.type_identifiant else "—"
        adresse = ", ".join(p for p in (d.adresse1, d.adresse2, " ".join(
            p for p in (d.code_postal, d.ville) if p), None if d.code_pays == "FR" else d.code_pays)
            if p) if d else ""
        textes = {
            "Identifiant": ident if d else "",
            "Catégorie (CatTiers)": libelle_code(CATEGORIES_TIERS, d.cat_tiers) if d else "",
            "Nature juridique (NatJur)": libelle_code(NATURES_JURIDIQUES, d.nat_jur) if d else "",
            "Adresse": adresse,
            "Contact": " · ".join(p for p in (d.email, d.telephone) if p) if d else "",
            "Chorus Pro (ASAP 02)": texte_exigences(exigences) if d else "",
        }
        for cle, texte in textes.items():
            self.infos[cle].setText(texte)
        self.comptes.remplacer(d.comptes if d else ())
        self.historique.remplacer(d.historique if d else ())
        self.bouton_modifier.setEnabled(d is not None)
        self.boutons_compte["ajouter"].setEnabled(d is not None)
        self._boutons_compte()
        if d and d.comptes:
            self.vue_comptes.selectRow(0)

    def _boutons_compte(self) -> None:
        choisi = self._compte_choisi() is not None
        for cle in ("modifier", "principal", "retirer"):
            self.boutons_compte[cle].setEnabled(choisi)

    def _compte_choisi(self) -> CompteLigne | None:
        row = _source_row(self.vue_comptes)
        return self.comptes.ligne(row) if row is not None and row < self.comptes.rowCount() else None

    # -- changes -------------------------------------------------------------------------------

    def _apres(self, detail: TiersDetail) -> None:
        """After a saved change: tell every screen (this one reloads), and show the tiers even
        when it does not match the search."""
        self.detail = detail
        self.state.signaler("tiers")
        if self._id_choisi() != detail.id:
            self.recherche.blockSignals(True)
            self.recherche.clear()
            self.recherche.blockSignals(False)
            self.detail = detail
            self.recharger()

    def ouvrir_fiche(self, tiers_id: int | None) -> TiersDialog | None:
        """The form of a new tiers (``None``) or of ``tiers_id``; opened window-modal."""
        if not self.state.a_contexte:
            return None
        detail = None
        if tiers_id is not None:
            with self.state.lecture() as session:
                detail = essayer(self, lambda: lire_tiers(session, self.state.ctx, tiers_id), "Tiers")
            if detail is None:
                return None
        dialogue = TiersDialog(self.state, detail, self)
        dialogue.enregistre.connect(self._apres)
        dialogue.open()
        return dialogue

    def _dialogue_compte(self, compte: CompteLigne | None) -> CompteDialog | None:
        if self.detail is None:
            return None
        dialogue = CompteDialog(self.state, self.detail, compte, self)
        dialogue.enregistre.connect(self._apres)
        dialogue.open()
        return dialogue

    def ajouter_compte(self) -> CompteDialog | None:
        return self._dialogue_compte(None)

    def modifier_compte(self) -> CompteDialog | None:
        compte = self._compte_choisi()
        return self._dialogue_compte(compte) if compte else None

    def _ecrire(self, action: Callable) -> None:
        def faire() -> TiersDetail:
            with self.state.transaction() as session:
                return action(session, self.state.ctx)

        detail = essayer(self, faire, "Tiers")
        if detail is not None:
            self._apres(detail)

    def definir_principal(self) -> None:
        compte = self._compte_choisi()
        if compte is not None:
            self._ecrire(lambda s, ctx: definir_principal(s, ctx, compte.id))

    def retirer_compte(self) -> None:
        compte = self._compte_choisi()
        if compte is None:
            return
        reponse = QMessageBox.question(
            self, "Retirer le compte",
            f"Retirer le compte {formater_iban(compte.iban)} ?\n\nIl sera clos à la date du jour "
            "et restera dans l'historique des IBAN du tiers.")
        if reponse == QMessageBox.StandardButton.Yes:
            self._ecrire(lambda s, ctx: retirer_compte(s, ctx, compte.id))
