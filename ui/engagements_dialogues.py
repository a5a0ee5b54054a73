"""*Nouvel engagement* (Dépenses › Engagements): numéro, date, tiers found by a search, article
of the budget's nomenclature with completion, montant typed the French way (``3 277,42``),
objet and marché.

Saving is one transaction through ``corail.services.engagements.creer_engagement``; a refusal
(duplicate number, amount not positive, unknown or grouping article…) shows its French message,
the dialog stays open and nothing is written.
"""
from __future__ import annotations

from PySide6.QtCore import QDate, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox, QCompleter, QDateEdit, QDialog, QDialogButtonBox, QFormLayout, QHBoxLayout, QLabel,
    QLineEdit, QVBoxLayout, QWidget,
)

from corail.money import MoneyError, format_eur, parse_fr
from corail.services.engagements import EngagementLigne, creer_engagement
from corail.services.nomenclature import ArticleLigne, rechercher_articles
from corail.services.tiers import rechercher_tiers
from ui.common import ALIGN_MONTANT, afficher_erreur
from ui.state import AppState

TITRE = "Nouvel engagement"
AUCUN_TIERS = "(aucun tiers)"
SEP = " — "
STYLE_AIDE = "color: #505050;"
STYLE_ERREUR = "color: #a01e1e;"


def articles_de_depense(articles: list[ArticleLigne]) -> list[ArticleLigne]:
    """The detailed accounts a mandat can be charged to: sens D, no sub-account under them."""
    codes = [a.code for a in articles]
    feuilles = []
    for i, a in enumerate(articles):
        regroupement = any(c.startswith(a.code) and c != a.code for c in codes[i + 1:i + 2])
        if "D" in a.sens and not regroupement:
            feuilles.append(a)
    return feuilles


class ChoixTiers(QWidget):
    """A search field and the matching tiers (first item: no tiers)."""

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.recherche = QLineEdit(placeholderText="Rechercher : nom, SIRET ou ville",
                                   clearButtonEnabled=True)
        self.choix = QComboBox()
        self.choix.setMinimumContentsLength(30)
        self.choix.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.recherche.setMaximumWidth(240)
        layout.addWidget(self.recherche)
        layout.addWidget(self.choix, 1)
        self._minuteur = QTimer(self, singleShot=True, interval=200)
        self._minuteur.timeout.connect(self.chercher)
        self.recherche.textChanged.connect(lambda _t: self._minuteur.start())
        self.chercher()

    def chercher(self) -> None:
        self._minuteur.stop()
        garde = self.tiers_id()
        with self.state.lecture() as session:
            lignes = rechercher_tiers(session, self.state.ctx, self.recherche.text(), limite=200)
        self.choix.clear()
        self.choix.addItem(AUCUN_TIERS, None)
        for t in lignes:
            if t.actif:
                self.choix.addItem(t.nom_complet + (f" — {t.ville}" if t.ville else ""), t.id)
                self.choix.setItemData(self.choix.count() - 1, ", ".join(
                    p for p in (t.nom_complet, t.identifiant, t.code_postal, t.ville) if p),
                    Qt.ItemDataRole.ToolTipRole)
        i = self.choix.findData(garde) if garde is not None else -1
        # a search that found tiers proposes the first one
        self.choix.setCurrentIndex(i if i >= 0 else (1 if self.recherche.text().strip()
                                                      and self.choix.count() > 1 else 0))

    def tiers_id(self) -> int | None:
        return self.choix.currentData()


class EngagementDialog(QDialog):
    """Create an engagement; ``enregistre`` carries the new ``EngagementLigne``."""

    enregistre = Signal(object)

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.resultat: EngagementLigne | None = None
        self.setWindowTitle(TITRE)
        jour = state.ctx.today()
        self.numero = QLineEdit(placeholderText=f"Par exemple ENG-{state.ctx.exercice}-001")
        self.numero.setMaxLength(50)
        self.date = QDateEdit(QDate(jour.year, jour.month, jour.day), calendarPopup=True)
        self.date.setDisplayFormat("dd/MM/yyyy")
        self.tiers = ChoixTiers(state, self)
        self.article = QComboBox(editable=True)
        self.article.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.article.setMinimumContentsLength(40)
        self.article.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.article.completer().setFilterMode(Qt.MatchFlag.MatchContains)
        self.article.completer().setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.article.lineEdit().setPlaceholderText("Code ou libellé, par exemple 6064")
        with state.lecture() as session:
            articles = articles_de_depense(rechercher_articles(session, state.ctx, limite=100000))
        self._libelles = {a.code: a.libelle for a in articles}
        for a in articles:
            self.article.addItem(f"{a.code}{SEP}{a.libelle}", a.code)
        self.article.setCurrentIndex(-1)
        self.libelle_article = QLabel()
        self.libelle_article.setWordWrap(True)
        self.article.currentTextChanged.connect(lambda _t: self._lire_article())
        colonne_article = QVBoxLayout()
        colonne_article.setSpacing(2)
        colonne_article.addWidget(self.article)
        colonne_article.addWidget(self.libelle_article)
        self.montant = QLineEdit(placeholderText="0,00")
        self.montant.setAlignment(ALIGN_MONTANT)
        self.montant.setMaximumWidth(180)
        self.lecture_montant = QLabel()
        self.montant.textChanged.connect(self._lire_montant)
        ligne_montant = QHBoxLayout()
        ligne_montant.addWidget(self.montant)
        ligne_montant.addWidget(QLabel("€"))
        ligne_montant.addWidget(self.lecture_montant, 1)
        self.objet = QLineEdit(placeholderText="Objet de l'engagement")
        self.objet.setMaxLength(255)
        self.marche = QLineEdit(placeholderText="N° du marché, s'il y en a un")
        self.marche.setMaxLength(50)
        form = QFormLayout()
        form.addRow("N° d'engagement :", self.numero)
        form.addRow("Date :", self.date)
        form.addRow("Tiers :", self.tiers)
        form.addRow("Article :", colonne_article)
        form.addRow("Montant :", ligne_montant)
        form.addRow("Objet :", self.objet)
        form.addRow("Marché :", self.marche)
        aide = QLabel("Le reste de l'engagement diminue à chaque imputation de mandat qui le cite "
                      "(colonne N° Eng.) ; une facture Chorus Pro portant ce numéro d'engagement "
                      "pré-remplit l'article de son mandat.")
        aide.setWordWrap(True)
        self.boutons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.boutons.button(QDialogButtonBox.StandardButton.Save).setText("Enregistrer")
        self.boutons.button(QDialogButtonBox.StandardButton.Cancel).setText("Annuler")
        self.boutons.accepted.connect(self.enregistrer)
        self.boutons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(aide)
        layout.addWidget(self.boutons)
        self.setMinimumWidth(720)
        self._lire_article()

    def _lire_article(self) -> None:
        code = self.code_article()
        if not code:
            self.libelle_article.setText("Article de dépense de la nomenclature du budget")
            self.libelle_article.setStyleSheet(STYLE_AIDE)
        elif code in self._libelles:
            self.libelle_article.setText(f"{code} : {self._libelles[code]}")
            self.libelle_article.setStyleSheet(STYLE_AIDE)
        else:
            self.libelle_article.setText(f"« {code} » n'est pas un compte de dépense détaillé de la "
                                         f"nomenclature")
            self.libelle_article.setStyleSheet(STYLE_ERREUR)

    def _lire_montant(self, texte: str) -> None:
        if not texte.strip():
            self.lecture_montant.setText("")
            return
        try:
            self.lecture_montant.setText(f"soit {format_eur(parse_fr(texte))} €")
            self.lecture_montant.setStyleSheet(STYLE_AIDE)
        except MoneyError as exc:
            self.lecture_montant.setText(str(exc))
            self.lecture_montant.setStyleSheet(STYLE_ERREUR)

    def code_article(self) -> str:
        """The chosen article's code, or what was typed (its code part)."""
        texte = self.article.currentText().strip()
        i = self.article.findText(texte)
        if i >= 0:
            return self.article.itemData(i)
        return texte.split(SEP)[0].split()[0] if texte else ""

    def enregistrer(self) -> bool:
        try:
            try:
                montant = parse_fr(self.montant.text())
            except MoneyError as exc:
                raise MoneyError(f"Montant de l'engagement : {exc}") from None
            with self.state.transaction() as session:
                self.resultat = creer_engagement(
                    session, self.state.ctx, numero=self.numero.text(), article=self.code_article(),
                    montant=montant, objet=self.objet.text().strip(), tiers_id=self.tiers.tiers_id(),
                    date_engagement=self.date.date().toPython(),
                    numero_marche=self.marche.text().strip() or None)
        except Exception as exc:  # refused: the message, the dialog stays open, nothing written
            afficher_erreur(self, exc, TITRE)
            return False
        self.enregistre.emit(self.resultat)
        self.accept()
        return True
