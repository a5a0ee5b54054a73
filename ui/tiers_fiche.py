"""The forms of the Tiers screen: a tiers (identity, PES codes, address, what Chorus Pro asks of
it as a public debtor, and its first bank account when it is new) and a bank account (add,
correct, change its IBAN).

The *Chorus Pro* group holds the debtor's requirements used by the ASAP 02 checks (code service
obligatoire, N° d'engagement obligatoire, code service par défaut — ``services.asap_regles``);
they are saved with the tiers, in the same transaction, only when changed.

Saving is one transaction through ``corail.services.tiers``; a refused input shows its French
message (``afficher_erreur``), the form stays open and nothing is written.
"""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFormLayout, QGridLayout, QGroupBox, QHBoxLayout,
    QLabel, QLineEdit, QPlainTextEdit, QVBoxLayout, QWidget,
)

from corail.domain.identifiants import (
    CATEGORIES_TIERS, NATURES_JURIDIQUES, TYPES_IDENTIFIANT, est_rib, formater_iban, lire_iban,
)
from corail.errors import CorailError, ValidationError
from corail.services.asap_regles import ExigencesChorus, enregistrer_exigences, lire_exigences
from corail.services.tiers import (
    CIVILITES, CompteLigne, CompteSaisie, TiersDetail, TiersSaisie, ajouter_compte, creer_tiers,
    modifier_compte, modifier_tiers,
)
from ui.common import afficher_erreur
from ui.state import AppState


def combo_codes(table: dict[str, str], *, aucun: str | None = None) -> QComboBox:
    """A combo of PES codes shown ``code – libellé``, the code as item data."""
    combo = QComboBox()
    if aucun is not None:
        combo.addItem(aucun, "")
    for code, libelle in table.items():
        combo.addItem(f"{code} – {libelle}", code)
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(28)
    combo.view().setMinimumWidth(combo.view().sizeHintForColumn(0) + 24)  # whole labels in the list
    return combo


def choisir_code(combo: QComboBox, code: str | None) -> None:
    combo.setCurrentIndex(max(0, combo.findData(code or "")))


class ChampIban(QWidget):
    """The IBAN field, with a live hint: a French RIB converted, or why the value is refused."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.saisie = QLineEdit(placeholderText="IBAN, ou RIB français (banque guichet compte clé)")
        self.saisie.setMaxLength(42)
        self.aide = QLabel()
        self.aide.setWordWrap(True)
        self.aide.setTextFormat(Qt.TextFormat.PlainText)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.saisie)
        layout.addWidget(self.aide)
        self.saisie.textChanged.connect(self._verifier)
        self._verifier("")

    def texte(self) -> str:
        return self.saisie.text()

    def _verifier(self, texte: str) -> None:
        compact = "".join(texte.split())
        couleur = "palette(mid)"
        if len(compact) < 15 and not est_rib(texte):
            message = "" if not compact else "Saisie en cours…"
        else:
            try:
                iban, converti = lire_iban(texte)
                message = (f"RIB converti en IBAN : {formater_iban(iban)}" if converti
                           else f"IBAN valide ({iban[:2]})")
                couleur = "#1b6e20"
            except ValidationError as exc:
                message, couleur = str(exc), "#a11a1a"
        self.aide.setText(message)
        self.aide.setStyleSheet(f"color: {couleur};")


class _Formulaire(QDialog):
    """A form that saves through ``_sauver`` in one transaction and emits ``enregistre``."""

    enregistre = Signal(object)  # the TiersDetail after the change

    def __init__(self, state: AppState, titre: str, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.state = state
        self.resultat: TiersDetail | None = None
        self.setWindowTitle(titre)
        self.boutons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.boutons.button(QDialogButtonBox.StandardButton.Save).setText("Enregistrer")
        self.boutons.button(QDialogButtonBox.StandardButton.Cancel).setText("Annuler")
        self.boutons.accepted.connect(self.enregistrer)
        self.boutons.rejected.connect(self.reject)

    def _sauver(self, session) -> TiersDetail:
        raise NotImplementedError

    def enregistrer(self) -> bool:
        try:
            with self.state.transaction() as session:
                self.resultat = self._sauver(session)
        except Exception as exc:  # refused: the message, the form stays open, nothing written
            afficher_erreur(self, exc, self.windowTitle())
            return False
        self.enregistre.emit(self.resultat)
        self.accept()
        return True


class TiersDialog(_Formulaire):
    """Create a tiers (with an optional first account) or edit one."""

    def __init__(self, state: AppState, detail: TiersDetail | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(state, "Modifier le tiers" if detail else "Nouveau tiers", parent)
        self.detail = detail
        s = detail.saisie() if detail else TiersSaisie(nom="")
        self.nom = self._ligne(s.nom, 100)
        self.civilite = QComboBox(editable=True)
        self.civilite.addItems(["", *CIVILITES])
        self.civilite.setCurrentText(s.civilite)
        self.civilite.setMinimumWidth(90)
        self.prenom = self._ligne(s.prenom, 50)
        self.type_identifiant = combo_codes(TYPES_IDENTIFIANT, aucun="(aucun identifiant)")
        choisir_code(self.type_identifiant, s.type_identifiant)
        self.identifiant = self._ligne(s.identifiant, 50)
        self.identifiant.setPlaceholderText("SIRET : 14 chiffres")
        self.cat_tiers = combo_codes(CATEGORIES_TIERS)
        choisir_code(self.cat_tiers, s.cat_tiers)
        self.nat_jur = combo_codes(NATURES_JURIDIQUES)
        choisir_code(self.nat_jur, s.nat_jur)
        self.actif = QCheckBox("Tiers actif")
        self.actif.setChecked(s.actif)
        identite = QGroupBox("Identité")
        f = QFormLayout(identite)
        f.addRow("Nom ou raison sociale :", self.nom)
        civ = QHBoxLayout()
        civ.addWidget(self.civilite)
        civ.addWidget(QLabel("Prénom :"))
        civ.addWidget(self.prenom, 1)
        f.addRow("Civilité :", civ)
        f.addRow("Type d'identifiant :", self.type_identifiant)
        f.addRow("Identifiant :", self.identifiant)
        f.addRow("Catégorie (CatTiers) :", self.cat_tiers)
        f.addRow("Nature juridique (NatJur) :", self.nat_jur)
        f.addRow("", self.actif)
        self.adresse1, self.adresse2 = self._ligne(s.adresse1, 100), self._ligne(s.adresse2, 100)
        self.code_postal, self.ville = self._ligne(s.code_postal, 10), self._ligne(s.ville, 100)
        self.code_postal.setMaximumWidth(90)
        self.code_pays = self._ligne(s.code_pays, 2)
        self.code_pays.setMaximumWidth(50)
        self.email, self.telephone = self._ligne(s.email, 150), self._ligne(s.telephone, 30)
        self.telephone.setFixedWidth(220)
        self.notes = QPlainTextEdit(s.notes)
        self.notes.setFixedHeight(48)
        adresse = QGroupBox("Adresse et contact")
        g = QGridLayout(adresse)
        g.setColumnStretch(3, 1)
        rangees = (
            (("Adresse :", self.adresse1, 5),),
            (("Complément :", self.adresse2, 5),),
            (("Code postal :", self.code_postal, 1), ("Ville :", self.ville, 1),
             ("Pays :", self.code_pays, 1)),
            (("E-mail :", self.email, 5),),
            (("Téléphone :", self.telephone, 5),),
            (("Notes :", self.notes, 5),),
        )
        for r, rangee in enumerate(rangees):
            colonne = 0
            for texte, champ, largeur in rangee:
                g.addWidget(QLabel(texte), r, colonne)
                g.addWidget(champ, r, colonne + 1, 1, largeur,
                            Qt.AlignmentFlag.AlignLeft if champ is self.telephone else Qt.AlignmentFlag(0))
                colonne += 1 + largeur
        self.chorus = ExigencesForm(self._exigences_lues())
        layout = QVBoxLayout(self)
        layout.addWidget(identite)
        layout.addWidget(adresse)
        layout.addWidget(self.chorus)
        self.compte: CompteForm | None = None
        if detail is None:
            self.compte = CompteForm(None, principal=False)
            groupe = QGroupBox("Compte bancaire (facultatif ; d'autres comptes s'ajoutent ensuite)")
            QVBoxLayout(groupe).addWidget(self.compte)
            layout.addWidget(groupe)
        layout.addWidget(self.boutons)
        self.setMinimumWidth(780)
        self.nom.setFocus()

    @staticmethod
    def _ligne(texte: str, longueur: int) -> QLineEdit:
        champ = QLineEdit(texte)
        champ.setMaxLength(longueur)
        return champ

    def saisie(self) -> TiersSaisie:
        return TiersSaisie(
            nom=self.nom.text(), civilite=self.civilite.currentText(), prenom=self.prenom.text(),
            type_identifiant=self.type_identifiant.currentData(), identifiant=self.identifiant.text(),
            cat_tiers=self.cat_tiers.currentData(), nat_jur=self.nat_jur.currentData(),
            adresse1=self.adresse1.text(), adresse2=self.adresse2.text(),
            code_postal=self.code_postal.text(), ville=self.ville.text(),
            code_pays=self.code_pays.text() or "FR", email=self.email.text(),
            telephone=self.telephone.text(), actif=self.actif.isChecked(),
            notes=self.notes.toPlainText())

    def _exigences_lues(self) -> ExigencesChorus | None:
        """The tiers' Chorus Pro requirements (defaults for a new one); None if the user may
        not see them."""
        if self.detail is None:
            return ExigencesChorus()
        try:
            with self.state.lecture() as session:
                return lire_exigences(session, self.state.ctx, self.detail.id)
        except CorailError:
            return None

    def _sauver(self, session) -> TiersDetail:
        ctx = self.state.ctx
        if self.detail is not None:
            detail = modifier_tiers(session, ctx, self.detail.id, self.saisie())
        else:
            compte = self.compte.saisie() if self.compte else None
            comptes = [compte] if compte and compte.iban.strip() else []
            detail = creer_tiers(session, ctx, self.saisie(), comptes)
        if self.chorus.modifiees():  # refused (rights, length): nothing of the tiers is written
            enregistrer_exigences(session, ctx, detail.id, self.chorus.saisie())
        return detail


class ExigencesForm(QGroupBox):
    """What Chorus Pro asks of the tiers as a public debtor (ASAP 02): shown, and set."""

    def __init__(self, exigences: ExigencesChorus | None, parent: QWidget | None = None) -> None:
        super().__init__("Chorus Pro — débiteur public (ASAP 02 : avis des sommes à payer CPP)", parent)
        self.initiales = exigences or ExigencesChorus()
        self.code_service_obligatoire = QCheckBox("Code service obligatoire")
        self.engagement_obligatoire = QCheckBox("N° d'engagement obligatoire")
        self.code_service = QLineEdit(placeholderText="Code du service exécutant dans Chorus Pro")
        self.code_service.setMaxLength(100)
        self.code_service_obligatoire.setChecked(self.initiales.code_service_obligatoire)
        self.engagement_obligatoire.setChecked(self.initiales.engagement_obligatoire)
        self.code_service.setText(self.initiales.code_service)
        ligne = QHBoxLayout()
        ligne.addWidget(self.code_service_obligatoire)
        ligne.addWidget(self.engagement_obligatoire)
        ligne.addSpacing(12)
        ligne.addWidget(QLabel("Code service par défaut :"))
        ligne.addWidget(self.code_service, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(ligne)
        self.setToolTip("Contrôlées sur les titres dont le type ASAP PES est 02 "
                        "(Avis des sommes à payer CPP)")
        if exigences is None:
            note = QLabel("Vous n'avez pas accès aux exigences Chorus Pro de ce tiers (espace Recettes).")
            note.setWordWrap(True)
            layout.addWidget(note)
        for champ in (self.code_service_obligatoire, self.engagement_obligatoire, self.code_service):
            champ.setEnabled(exigences is not None)

    def saisie(self) -> ExigencesChorus:
        return ExigencesChorus(self.code_service_obligatoire.isChecked(),
                               self.engagement_obligatoire.isChecked(), self.code_service.text().strip())

    def modifiees(self) -> bool:
        return self.isEnabled() and self.code_service.isEnabled() and self.saisie() != self.initiales


class CompteForm(QWidget):
    """IBAN (or RIB), BIC, titulaire, établissement, principal."""

    def __init__(self, compte: CompteLigne | None, *, principal: bool = True,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.iban = ChampIban()
        self.bic = QLineEdit(placeholderText="Obligatoire pour un IBAN hors de France")
        self.bic.setMaxLength(14)
        self.titulaire, self.etablissement = QLineEdit(), QLineEdit()
        self.titulaire.setMaxLength(100)
        self.etablissement.setMaxLength(100)
        self.principal = QCheckBox("Compte principal (proposé sur les mandats)")
        if compte is not None:
            self.iban.saisie.setText(formater_iban(compte.iban))
            self.bic.setText(compte.bic or "")
            self.titulaire.setText(compte.titulaire or "")
            self.etablissement.setText(compte.etablissement or "")
        self.principal.setChecked(compte.principal if compte else False)
        f = QFormLayout(self)
        f.setContentsMargins(0, 0, 0, 0)
        f.addRow("IBAN ou RIB :", self.iban)
        f.addRow("BIC :", self.bic)
        f.addRow("Titulaire :", self.titulaire)
        f.addRow("Établissement :", self.etablissement)
        if principal:
            f.addRow("", self.principal)

    def saisie(self) -> CompteSaisie:
        return CompteSaisie(self.iban.texte(), self.bic.text(), self.titulaire.text(),
                            self.etablissement.text(), self.principal.isChecked())


class CompteDialog(_Formulaire):
    """Add an account to a tiers, or correct one; a new IBAN closes the old account (history)."""

    def __init__(self, state: AppState, tiers: TiersDetail, compte: CompteLigne | None = None,
                 parent: QWidget | None = None) -> None:
        titre = "Modifier le compte bancaire" if compte else "Ajouter un compte bancaire"
        super().__init__(state, titre, parent)
        self.tiers, self.compte = tiers, compte
        self.formulaire = CompteForm(compte)
        if compte is None:
            self.formulaire.principal.setChecked(not tiers.comptes)
        entete = QLabel(f"Tiers : {tiers.nom_complet}")
        entete.setTextFormat(Qt.TextFormat.PlainText)
        layout = QVBoxLayout(self)
        layout.addWidget(entete)
        layout.addWidget(self.formulaire)
        if compte is not None:
            note = QLabel(f"Si vous changez l'IBAN, le compte actuel ({formater_iban(compte.iban)}, "
                          "depuis le " + (f"{compte.date_debut:%d/%m/%Y}" if compte.date_debut else "—")
                          + ") est clos à la date du jour et reste dans l'historique des IBAN.")
            note.setWordWrap(True)
            note.setTextFormat(Qt.TextFormat.PlainText)
            layout.addWidget(note)
        layout.addWidget(self.boutons)
        self.setMinimumWidth(560)

    def _sauver(self, session) -> TiersDetail:
        saisie = self.formulaire.saisie()
        if self.compte is None:
            return ajouter_compte(session, self.state.ctx, self.tiers.id, saisie)
        return modifier_compte(session, self.state.ctx, self.compte.id, saisie)
