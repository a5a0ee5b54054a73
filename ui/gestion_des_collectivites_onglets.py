"""Tabs *Exercice*, *Trésorerie* and *Budget* of Gestion des collectivités, and the dialog
*Ajouter un budget annexe*. Each change goes through a service in one transaction."""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFormLayout, QGridLayout, QGroupBox,
    QHBoxLayout, QInputDialog, QLabel, QLineEdit, QListWidget, QMessageBox, QPushButton,
    QVBoxLayout, QWidget,
)

from corail.context import Context
from corail.services import collectivites as svc
from corail.services import reglages as rg
from corail.services.reglages_demat import NATURES_JURIDIQUES
from ui.gestion_des_collectivites_tables import modele_exercices, executer, ligne_choisie, lire, table
from ui.state import AppState


class Onglet(QWidget):
    """A tab showing the settings of one budget (``ctx``); ``charger(ctx)`` reloads it."""

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.ctx: Context | None = None

    def charger(self, ctx: Context) -> None:
        self.ctx = ctx
        self.recharger()

    def recharger(self) -> None:
        raise NotImplementedError

    def executer(self, action, *quoi: str) -> bool:
        ok = executer(self, self.state, action, *quoi)
        if ok:
            self.recharger()
        return ok


def bouton_enregistrer(onglet: Onglet, layout: QVBoxLayout, *autres: QWidget) -> QPushButton:
    """The tab's bottom line: other buttons on the left, *Annuler les modifications* (reload)
    and *Enregistrer* on the right; returns *Enregistrer*."""
    bouton = QPushButton("Enregistrer")
    annuler = QPushButton("Annuler les modifications")
    annuler.clicked.connect(onglet.recharger)
    ligne = QHBoxLayout()
    for w in autres:
        ligne.addWidget(w)
    ligne.addStretch(1)
    ligne.addWidget(annuler)
    ligne.addWidget(bouton)
    layout.addLayout(ligne)
    return bouton


# --- Exercice ------------------------------------------------------------------------------


class OngletExercice(Onglet):
    #: the exercice courant of the collectivité en cours changed: the screen switches to it
    exercice_courant_change = Signal(int)

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(state, parent)
        self.modele = modele_exercices(self)
        self.vue = table(self.modele, self)
        self.ouvrir = QPushButton("Ouvrir un exercice…")
        self.courant = QPushButton("Définir comme exercice courant")
        self.clore = QPushButton("Clôturer l'exercice")
        self.rouvrir = QPushButton("Rouvrir l'exercice")
        boutons = QHBoxLayout()
        for b in (self.ouvrir, self.courant, self.clore, self.rouvrir):
            boutons.addWidget(b)
        boutons.addStretch(1)
        aide = QLabel("L'exercice courant est celui que Corail propose à l'ouverture. Un exercice "
                      "ne peut être clôturé que lorsque tous ses mandats et titres sont numérotés.")
        aide.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.vue, 1)
        layout.addLayout(boutons)
        layout.addWidget(aide)
        self.ouvrir.clicked.connect(self._ouvrir)
        self.courant.clicked.connect(self._courant)
        self.clore.clicked.connect(self._clore)
        self.rouvrir.clicked.connect(self._rouvrir)
        self.vue.selectionModel().selectionChanged.connect(self._boutons)

    def recharger(self) -> None:
        avant = self.choisi()
        lignes = lire(self, self.state, lambda s: svc.lister_exercices_detail(s, self.ctx))
        self.modele.remplacer(lignes or [])
        annees = [e.annee for e in self.modele.lignes()]
        row = (annees.index(avant.annee) if avant and avant.annee in annees
               else next((i for i, e in enumerate(self.modele.lignes()) if e.courant), None))
        if row is not None:
            self.vue.selectRow(row)
        self._boutons()

    def choisi(self):
        row = ligne_choisie(self.vue)
        return None if row is None else self.modele.ligne(row)

    def _boutons(self, *_args) -> None:
        e = self.choisi()
        self.courant.setEnabled(e is not None and not e.clos and not e.courant)
        self.clore.setEnabled(e is not None and not e.clos and not e.courant)
        self.clore.setToolTip("L'exercice courant ne peut pas être clôturé : définissez d'abord "
                              "un autre exercice courant." if e is not None and e.courant else "")
        self.rouvrir.setEnabled(e is not None and e.clos)

    def _ouvrir(self) -> None:
        annees = [e.annee for e in self.modele.lignes()]
        defaut = max(annees) + 1 if annees else self.state.clock.today().year
        annee, ok = QInputDialog.getInt(self, "Ouvrir un exercice", "Exercice (année) :",
                                        defaut, 2000, 2100)
        if ok:
            self.executer(lambda s: svc.ouvrir_exercice(s, self.ctx, annee, courant=False),
                          "exercice")

    def _courant(self) -> None:
        e = self.choisi()
        if e and self.executer(lambda s: svc.definir_exercice_courant(s, self.ctx, e.annee),
                               "exercice"):
            self.exercice_courant_change.emit(e.annee)

    def _clore(self) -> None:
        e = self.choisi()
        if e is None:
            return
        reponse = QMessageBox.question(
            self, "Clôturer l'exercice",
            f"Clôturer l'exercice {e.annee} ? Plus aucune pièce ne pourra y être numérotée "
            "(il pourra être rouvert).")
        if reponse == QMessageBox.StandardButton.Yes:
            self.executer(lambda s: svc.clore_exercice(s, self.ctx, e.annee), "exercice")

    def _rouvrir(self) -> None:
        e = self.choisi()
        if e:
            self.executer(lambda s: svc.rouvrir_exercice(s, self.ctx, e.annee), "exercice")


# --- Trésorerie ----------------------------------------------------------------------------


def champs_adresse(form: QFormLayout, prefixe: str = "") -> dict[str, QLineEdit]:
    champs = {k: QLineEdit() for k in ("adresse1", "adresse2", "code_postal", "ville", "email",
                                       "telephone")}
    champs["code_postal"].setMaximumWidth(90)
    form.addRow("Adresse :", champs["adresse1"])
    form.addRow("Complément :", champs["adresse2"])
    cp_ville = QHBoxLayout()
    cp_ville.addWidget(champs["code_postal"])
    cp_ville.addWidget(champs["ville"], 1)
    form.addRow("Code postal, ville :", cp_ville)
    form.addRow("E-mail :", champs["email"])
    form.addRow("Téléphone :", champs["telephone"])
    return champs


class OngletTresorerie(Onglet):
    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(state, parent)
        groupe = QGroupBox("Poste comptable (trésorerie)")
        form = QFormLayout(groupe)
        self.id_post = QLineEdit(maxLength=6, placeholderText="6 chiffres")
        self.id_post.setMaximumWidth(90)
        self.nom = QLineEdit()
        form.addRow("IdPost :", self.id_post)
        form.addRow("Nom :", self.nom)
        self.champs = champs_adresse(form)
        aide = QLabel("L'IdPost est le code du poste comptable (6 chiffres) porté par chaque "
                      "fichier PES V2. Plusieurs collectivités peuvent partager un poste.")
        aide.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(groupe)
        layout.addWidget(aide)
        layout.addStretch(1)
        bouton_enregistrer(self, layout).clicked.connect(self.enregistrer)

    def recharger(self) -> None:
        r = lire(self, self.state, lambda s: rg.lire_tresorerie(s, self.ctx))
        if r is None:
            return
        self.id_post.setText(r.id_post)
        self.nom.setText(r.nom)
        for k, w in self.champs.items():
            w.setText(getattr(r, k))

    def saisie(self) -> rg.TresorerieReglage:
        return rg.TresorerieReglage(self.id_post.text(), self.nom.text(),
                                    **{k: w.text() for k, w in self.champs.items()})

    def enregistrer(self) -> bool:
        r = self.saisie()
        return self.executer(lambda s: rg.enregistrer_tresorerie(s, self.ctx, r), "collectivite")


# --- Budget (and its collectivité) -----------------------------------------------------------


class OngletBudget(Onglet):
    #: a budget annexe was added (its id): the screen selects it
    budget_ajoute = Signal(int)

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(state, parent)
        coll = QGroupBox("Collectivité")
        fc = QFormLayout(coll)
        self.coll_nom, self.coll_siret = QLineEdit(), QLineEdit(maxLength=17)
        self.categorie = QComboBox(editable=True)
        self.categorie.addItems(["Commune", "EPCI", "Syndicat", "CCAS", "Département", "Région"])
        self.nat_jur = QComboBox()
        self.nat_jur.addItem("", "")
        for code, libelle in NATURES_JURIDIQUES.items():
            self.nat_jur.addItem(f"{code} — {libelle}", code)
        fc.addRow("Nom :", self.coll_nom)
        fc.addRow("SIRET :", self.coll_siret)
        self.coll_champs = champs_adresse(fc)
        fc.addRow("Catégorie :", self.categorie)
        fc.addRow("Nature juridique :", self.nat_jur)

        bud = QGroupBox("Budget")
        fb = QFormLayout(bud)
        self.libelle, self.siret = QLineEdit(), QLineEdit(maxLength=17)
        self.code_col, self.code_bud = QLineEdit(maxLength=3), QLineEdit(maxLength=2)
        self.code_col.setMaximumWidth(60)
        self.code_bud.setMaximumWidth(50)
        codes = QHBoxLayout()
        codes.addWidget(QLabel("CodCol"))
        codes.addWidget(self.code_col)
        codes.addWidget(QLabel("CodBud"))
        codes.addWidget(self.code_bud)
        codes.addStretch(1)
        self.nomenclature = QComboBox()
        for n in rg.NOMENCLATURES_AFFICHEES:
            dispo = n in svc.NOMENCLATURES
            self.nomenclature.addItem(n if dispo else f"{n} (non disponible)", n)
        self.tva = QCheckBox("Budget assujetti à la TVA (mandats sur le HT)")
        self.rattache = QComboBox()
        self.services = QListWidget()
        self.services.setMaximumHeight(90)
        self.service = QLineEdit(placeholderText="Code service")
        ajouter, retirer = QPushButton("Ajouter"), QPushButton("Retirer")
        ligne_services = QHBoxLayout()
        ligne_services.addWidget(self.service, 1)
        ligne_services.addWidget(ajouter)
        ligne_services.addWidget(retirer)
        fb.addRow("Libellé :", self.libelle)
        fb.addRow("SIRET :", self.siret)
        fb.addRow("Codes PES :", codes)
        fb.addRow("Nomenclature :", self.nomenclature)
        fb.addRow("", self.tva)
        fb.addRow("Budget rattaché à :", self.rattache)
        fb.addRow("Services Chorus Pro :", self.services)
        fb.addRow("", ligne_services)
        aide = QLabel("Des budgets peuvent partager un SIRET (une seule structure Chorus Pro) : "
                      "leurs codes service Chorus Pro les distinguent.")
        aide.setWordWrap(True)
        fb.addRow(aide)
        self.annexe = QPushButton("Ajouter un budget annexe…")
        colonnes = QGridLayout()
        colonnes.addWidget(coll, 0, 0)
        colonnes.addWidget(bud, 0, 1)
        colonnes.setColumnStretch(0, 1)
        colonnes.setColumnStretch(1, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(colonnes)
        layout.addStretch(1)
        bouton_enregistrer(self, layout, self.annexe).clicked.connect(self.enregistrer)
        ajouter.clicked.connect(self._ajouter_service)
        self.service.returnPressed.connect(self._ajouter_service)
        retirer.clicked.connect(self._retirer_service)
        self.annexe.clicked.connect(self.ajouter_annexe)

    def recharger(self) -> None:
        def lecture(s):
            return (rg.lire_collectivite(s, self.ctx), rg.lire_budget(s, self.ctx),
                    rg.budgets_rattachables(s, self.ctx))
        donnees = lire(self, self.state, lecture)
        if donnees is None:
            return
        c, b, autres = donnees
        self.coll_nom.setText(c.nom)
        self.coll_siret.setText(c.siret)
        for k, w in self.coll_champs.items():
            w.setText(getattr(c, k))
        self.categorie.setCurrentText(c.categorie)
        self.nat_jur.setCurrentIndex(max(0, self.nat_jur.findData(c.nature_juridique)))
        self.libelle.setText(b.libelle)
        self.siret.setText(b.siret)
        self.code_col.setText(b.code_col)
        self.code_bud.setText(b.code_bud)
        self.nomenclature.setCurrentIndex(max(0, self.nomenclature.findData(b.nomenclature)))
        self.tva.setChecked(b.assujetti_tva)
        self.rattache.clear()
        self.rattache.addItem("Aucun (budget autonome)", None)
        for choix in autres:
            self.rattache.addItem(choix.libelle, choix.id)
        self.rattache.setCurrentIndex(max(0, self.rattache.findData(b.budget_rattache_id)))
        self.services.clear()
        self.services.addItems(list(b.services_chorus))

    def _ajouter_service(self) -> None:
        code = self.service.text().strip()
        if code and not self.services.findItems(code, Qt.MatchFlag.MatchExactly):
            self.services.addItem(code)
        self.service.clear()

    def _retirer_service(self) -> None:
        for item in self.services.selectedItems():
            self.services.takeItem(self.services.row(item))

    def saisie(self) -> tuple[rg.CollectiviteReglage, rg.BudgetReglage]:
        c = rg.CollectiviteReglage(
            self.coll_nom.text(), self.coll_siret.text(),
            **{k: w.text() for k, w in self.coll_champs.items()},
            categorie=self.categorie.currentText(), nature_juridique=self.nat_jur.currentData())
        b = rg.BudgetReglage(
            self.libelle.text(), self.siret.text(), self.code_col.text(), self.code_bud.text(),
            self.nomenclature.currentData(), self.tva.isChecked(), self.rattache.currentData(),
            tuple(self.services.item(i).text() for i in range(self.services.count())))
        return c, b

    def enregistrer(self) -> bool:
        c, b = self.saisie()

        def action(s):
            rg.enregistrer_collectivite(s, self.ctx, c)
            rg.enregistrer_budget(s, self.ctx, b)
        return self.executer(action, "collectivite", "budget")

    def ajouter_annexe(self) -> None:
        dialogue = BudgetAnnexeDialog(self)
        if not dialogue.exec():
            return
        params = dialogue.parametres()
        cree: list[int] = []
        if executer(self, self.state,
                    lambda s: cree.append(svc.ajouter_budget(s, self.ctx, **params).id), "budget"):
            self.budget_ajoute.emit(cree[0])


class BudgetAnnexeDialog(QDialog):
    """*Ajouter un budget annexe*: same CodCol, its own CodBud; SIRET of the collectivité
    unless it is its own Chorus Pro structure."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Ajouter un budget annexe")
        form = QFormLayout(self)
        self.libelle = QLineEdit(placeholderText="ex. : Eau et assainissement")
        self.code_bud = QLineEdit(maxLength=2)
        self.code_bud.setMaximumWidth(60)
        self.siret = QLineEdit(placeholderText="vide : SIRET de la collectivité")
        self.tva = QCheckBox("Budget assujetti à la TVA")
        self.services = QLineEdit(placeholderText="codes séparés par des virgules")
        form.addRow("Libellé :", self.libelle)
        form.addRow("CodBud :", self.code_bud)
        form.addRow("SIRET :", self.siret)
        form.addRow("", self.tva)
        form.addRow("Services Chorus Pro :", self.services)
        boutons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        boutons.button(QDialogButtonBox.StandardButton.Ok).setText("Créer le budget")
        boutons.button(QDialogButtonBox.StandardButton.Cancel).setText("Annuler")
        boutons.accepted.connect(self.accept)
        boutons.rejected.connect(self.reject)
        form.addRow(boutons)
        self.setMinimumWidth(460)

    def parametres(self) -> dict:
        codes = tuple(c.strip() for c in self.services.text().split(",") if c.strip())
        return dict(libelle=self.libelle.text(), code_bud=self.code_bud.text(),
                    siret=self.siret.text().strip() or None, assujetti_tva=self.tva.isChecked(),
                    services_chorus=codes)

