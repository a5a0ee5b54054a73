"""Tabs *Réglage* (seuil des marchés, délai global de paiement, taux des intérêts moratoires,
indemnité forfaitaire), *Défaut* (article, mode de règlement, train) and *Numérotation* of
Gestion des collectivités."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QComboBox, QCompleter, QDateEdit, QDialog, QDialogButtonBox, QFormLayout, QGroupBox,
    QHBoxLayout, QLabel, QLineEdit, QMessageBox, QPushButton, QSpinBox, QVBoxLayout, QWidget,
)

from corail.errors import ValidationError
from corail.services import collectivites as svc
from corail.services import reglages as rg
from corail.services.collectivites import MAJORATION_LEGALE, TauxLigne
from ui.common import afficher_erreur
from ui.gestion_des_collectivites_onglets import Onglet, bouton_enregistrer
from ui.gestion_des_collectivites_tables import (
    ChampMontant, modele_numerotation, modele_taux, format_taux, ligne_choisie, lire, table,
)
from ui.state import AppState


class OngletReglage(Onglet):
    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(state, parent)
        delais = QGroupBox("Seuil des marchés et délai de paiement")
        form = QFormLayout(delais)
        self.seuil = ChampMontant("Seuil des marchés", facultatif=True)
        self.delai = QSpinBox(minimum=1, maximum=90, suffix=" jours")
        self.delai.setMaximumWidth(160)
        self.indemnite = ChampMontant("Indemnité forfaitaire")
        form.addRow("Seuil des marchés (€) :", self.seuil)
        form.addRow("Délai global de paiement :", self.delai)
        form.addRow("Indemnité forfaitaire (€) :", self.indemnite)
        enregistrer = QPushButton("Enregistrer")
        ligne = QHBoxLayout()
        ligne.addWidget(enregistrer)
        ligne.addStretch(1)
        form.addRow("", ligne)

        taux = QGroupBox("Taux des intérêts moratoires : taux BCE + 8 points (table datée, "
                         "commune à toutes les collectivités)")
        self.modele = modele_taux(self)
        self.vue = table(self.modele, self)
        self.ajouter, self.modifier = QPushButton("Ajouter un taux…"), QPushButton("Modifier…")
        self.supprimer = QPushButton("Supprimer")
        boutons = QHBoxLayout()
        for b in (self.ajouter, self.modifier, self.supprimer):
            boutons.addWidget(b)
        boutons.addStretch(1)
        vt = QVBoxLayout(taux)
        vt.addWidget(self.vue, 1)
        vt.addLayout(boutons)
        self.taux_du_jour = QLabel()
        vt.addWidget(self.taux_du_jour)
        layout = QVBoxLayout(self)
        layout.addWidget(delais)
        layout.addWidget(taux, 1)
        enregistrer.clicked.connect(self.enregistrer)
        self.ajouter.clicked.connect(lambda: self.editer_taux(None))
        self.modifier.clicked.connect(lambda: self.editer_taux(self._taux_choisi()))
        self.vue.doubleClicked.connect(lambda _i: self.editer_taux(self._taux_choisi()))
        self.supprimer.clicked.connect(self.supprimer_taux)

    def recharger(self) -> None:
        donnees = lire(self, self.state, lambda s: (
            rg.lire_reglage(s, self.ctx), svc.lister_taux(s),
            svc.taux_interets_au(s, self.ctx.today())))
        if donnees is None:
            return
        r, lignes, du_jour = donnees
        self.seuil.afficher(r.seuil_marches)
        self.delai.setValue(r.delai_paiement_jours)
        self.indemnite.afficher(r.indemnite_forfaitaire)
        self.modele.remplacer(lignes)
        self.taux_du_jour.setText(
            f"Taux applicable au {self.ctx.today():%d/%m/%Y} : {format_taux(du_jour)}"
            if du_jour is not None else "Aucun taux en vigueur aujourd'hui.")

    def enregistrer(self) -> bool:
        def action(s):
            r = rg.ReglageDelais(self.seuil.montant(), self.delai.value(), self.indemnite.montant())
            rg.enregistrer_reglage(s, self.ctx, r)
        return self.executer(action, "budget")

    def _taux_choisi(self) -> TauxLigne | None:
        row = ligne_choisie(self.vue)
        return None if row is None else self.modele.ligne(row)

    def editer_taux(self, ligne: TauxLigne | None) -> None:
        dialogue = TauxDialog(ligne, self.ctx.today(), self)
        if not dialogue.exec():
            return

        def action(s):
            jour, bce, majoration = dialogue.valeurs()
            svc.enregistrer_taux(s, self.ctx, date_debut=jour, taux_bce=bce, majoration=majoration,
                                 taux_id=ligne.id if ligne else None)
        self.executer(action, "taux")

    def supprimer_taux(self) -> None:
        ligne = self._taux_choisi()
        if ligne is None:
            return
        if QMessageBox.question(self, "Supprimer un taux",
                                f"Supprimer le taux du {ligne.date_debut:%d/%m/%Y} ?"
                                ) == QMessageBox.StandardButton.Yes:
            self.executer(lambda s: svc.supprimer_taux(s, self.ctx, ligne.id), "taux")


class TauxDialog(QDialog):
    """One dated rate: date de début, taux BCE, majoration (8 points)."""

    def __init__(self, ligne: TauxLigne | None, aujourd_hui: date,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Modifier le taux" if ligne else "Ajouter un taux")
        jour = ligne.date_debut if ligne else aujourd_hui
        self.date = QDateEdit(QDate(jour.year, jour.month, jour.day), calendarPopup=True)
        self.date.setDisplayFormat("dd/MM/yyyy")
        self.bce = QLineEdit(format_taux(ligne.taux_bce).removesuffix("\u00a0%") if ligne else "")
        self.majoration = QLineEdit(
            format_taux(ligne.majoration if ligne else MAJORATION_LEGALE).removesuffix("\u00a0%"))
        form = QFormLayout(self)
        form.addRow("Date de début :", self.date)
        form.addRow("Taux BCE (%) :", self.bce)
        form.addRow("Majoration (points) :", self.majoration)
        boutons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        boutons.button(QDialogButtonBox.StandardButton.Cancel).setText("Annuler")
        boutons.accepted.connect(self.accept)
        boutons.rejected.connect(self.reject)
        form.addRow(boutons)

    def accept(self) -> None:
        """Refused rates keep the dialog open with the message."""
        try:
            self.valeurs()
        except ValidationError as exc:
            afficher_erreur(self, exc, "Taux des intérêts moratoires")
            return
        super().accept()

    def valeurs(self) -> tuple[date, Decimal, Decimal]:
        jour = self.date.date().toPython()
        return (jour, svc.lire_taux(self.bce.text(), champ="Taux BCE"),
                svc.lire_taux(self.majoration.text(), champ="Majoration"))


class OngletDefaut(Onglet):
    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(state, parent)
        groupe = QGroupBox("Valeurs proposées à la saisie des mandats")
        form = QFormLayout(groupe)
        self.article = QComboBox(editable=True)
        self.article.setMinimumWidth(420)
        self.article.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.article.completer().setFilterMode(Qt.MatchFlag.MatchContains)
        self.article.completer().setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.mode = QComboBox()
        self.train = QComboBox()
        form.addRow("Article :", self.article)
        form.addRow("Mode de règlement :", self.mode)
        form.addRow("Train :", self.train)
        aide = QLabel("L'article vient de la nomenclature du budget ; il impute les mandats que "
                      "rien d'autre ne pré-remplit (par exemple une facture sans engagement).")
        aide.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(groupe)
        layout.addWidget(aide)
        layout.addStretch(1)
        bouton_enregistrer(self, layout).clicked.connect(self.enregistrer)

    def recharger(self) -> None:
        donnees = lire(self, self.state, lambda s: (rg.lire_defaut(s, self.ctx),
                                                    rg.choix_defaut(s, self.ctx)))
        if donnees is None:
            return
        r, choix = donnees
        self.article.clear()
        for code, libelle in choix.articles:
            self.article.addItem(f"{code} — {libelle}", code)
        i = self.article.findData(r.article)
        if i >= 0:
            self.article.setCurrentIndex(i)
        else:
            self.article.setEditText(r.article or "")
        self.mode.clear()
        for code, libelle in choix.modes_reglement:
            self.mode.addItem(f"{code} {libelle}", code)
        self.mode.setCurrentIndex(max(0, self.mode.findData(r.mode_reglement)))
        self.train.clear()
        self.train.addItems(list(choix.trains))
        self.train.setCurrentText(r.train or "")

    def code_article(self) -> str:
        texte = self.article.currentText().strip()
        return texte.split(" ", 1)[0] if texte else ""

    def enregistrer(self) -> bool:
        r = rg.ReglageDefaut(self.code_article(), self.mode.currentData(), self.train.currentText())
        return self.executer(lambda s: rg.enregistrer_defaut(s, self.ctx, r), "budget")


class OngletNumerotation(Onglet):
    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(state, parent)
        self.exercice = QComboBox()
        self.modele = modele_numerotation(self)
        self.vue = table(self.modele, self)
        self.prochain = QSpinBox(minimum=1, maximum=9_999_999)
        self.prochain.setMaximumWidth(140)
        self.modifier = QPushButton("Modifier le prochain numéro")
        self.raison = QLabel()
        self.raison.setWordWrap(True)
        haut = QHBoxLayout()
        haut.addWidget(QLabel("Exercice :"))
        haut.addWidget(self.exercice)
        haut.addStretch(1)
        bas = QHBoxLayout()
        bas.addWidget(QLabel("Prochain numéro :"))
        bas.addWidget(self.prochain)
        bas.addWidget(self.modifier)
        bas.addStretch(1)
        aide = QLabel("Le prochain numéro se fixe en début d'exercice (reprise d'un autre "
                      "logiciel) ; dès qu'un numéro a été attribué, il ne peut plus changer.")
        aide.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addLayout(haut)
        layout.addWidget(self.vue, 1)
        layout.addLayout(bas)
        layout.addWidget(self.raison)
        layout.addWidget(aide)
        self.exercice.activated.connect(lambda _i: self._charger_compteurs())
        self.vue.selectionModel().selectionChanged.connect(self._selection)
        self.modifier.clicked.connect(self.enregistrer)

    def recharger(self) -> None:
        exercices = lire(self, self.state, lambda s: svc.lister_exercices_detail(s, self.ctx)) or []
        annee = self.exercice.currentData() or self.ctx.exercice
        self.exercice.clear()
        for e in exercices:
            self.exercice.addItem(f"{e.annee}{' (clos)' if e.clos else ''}", e.annee)
        i = self.exercice.findData(annee)
        if i < 0:
            i = next((n for n, e in enumerate(exercices) if e.courant), 0)
        self.exercice.setCurrentIndex(i)
        self._charger_compteurs()

    def _charger_compteurs(self) -> None:
        annee = self.exercice.currentData()
        lignes = [] if annee is None else lire(
            self, self.state, lambda s: rg.lister_numerotation(s, self.ctx, annee)) or []
        row = ligne_choisie(self.vue) or 0
        self.modele.remplacer(lignes)
        if lignes:
            self.vue.selectRow(min(row, len(lignes) - 1))
        self._selection()

    def _selection(self, *_args) -> None:
        row = ligne_choisie(self.vue)
        e = None if row is None else self.modele.ligne(row)
        self.prochain.setEnabled(e is not None and not e.utilise)
        self.modifier.setEnabled(e is not None and not e.utilise)
        if e is not None:
            self.prochain.setValue(e.prochain)
        self.raison.setText(f"{e.libelle} {e.annee} : {rg.RAISON_NON_MODIFIABLE}."
                            if e is not None and e.utilise else "")

    def enregistrer(self) -> bool:
        row, annee = ligne_choisie(self.vue), self.exercice.currentData()
        if row is None or annee is None:
            return False
        nature, prochain = self.modele.ligne(row).nature, self.prochain.value()
        ok = self.executer(
            lambda s: rg.fixer_numerotation(s, self.ctx, annee, nature, prochain), "numerotation")
        return ok
