"""The six tabs of a mandat in the Saisie des mandats: *Mandat* (description and *Imputations
comptables*), *Compl 1*, *Compl 2*, *Délai/Subv*, *Inventaire*, *P. Jointes (n)*.

``FormulaireMandat`` loads a ``MandatDetail`` (or a blank new mandat), gives back the
``MandatSaisie`` for the services, emits ``modifie`` when the user changes anything, and turns
read-only for a numbered mandat. It writes nothing itself.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QFormLayout, QGridLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit,
    QPushButton, QTabWidget, QVBoxLayout, QWidget,
)

from corail.dates import format_date, parse_date_fr
from corail.domain.dgp import Suspension, debut_semestre, delai, interets_moratoires
from corail.domain.identifiants import formater_iban
from corail.errors import ValidationError
from corail.money import format_eur
from corail.services.edition import MODES, TYPES_PCE
from corail.services.mandats import MandatDetail, MandatSaisie
from corail.services.tiers import CompteLigne
from ui.gestion_des_collectivites_tables import format_taux
from ui.modeles import tableau
from ui.saisie_des_mandats_dialogues import NATURES_PCE, Contexte, modele_pj
from ui.saisie_des_mandats_imputations import (
    ARTICLE, DESIGNATION, INVENTAIRE, ROUGE, GrilleImputations, vue_imputations,
)

CODE_INTERETS = "02 – Taux BCE + 8 points"


def combo(table: dict[str, str], aucun: str | None = None) -> QComboBox:
    c = QComboBox()
    for code, texte in ([(None, aucun)] if aucun else []) + [(k, f"{k} – {v}") for k, v in table.items()]:
        c.addItem(texte, code)
    return c


def choisir(c: QComboBox, code: str | None) -> None:
    i = c.findData(code)
    if i < 0 and code:  # a code the list does not offer: shown as it is
        c.addItem(code, code)
        i = c.count() - 1
    c.setCurrentIndex(max(0, i))


def ligne(longueur: int, aide: str = "") -> QLineEdit:
    champ = QLineEdit(placeholderText=aide)
    champ.setMaxLength(longueur)
    return champ


def formulaire(rangees, page: QWidget | None = None) -> QWidget:
    """Labelled fields on ``page`` (a label "" puts the widget alone on its row)."""
    page = page or QWidget()
    f = QFormLayout(page)
    for texte, champ in rangees:
        f.addRow(texte, champ)
    return page


def rangee(premier: QWidget, *autres: QWidget) -> QWidget:
    """Widgets side by side, the first one stretched."""
    boite = QWidget()
    h = QHBoxLayout(boite)
    h.setContentsMargins(0, 0, 0, 0)
    h.addWidget(premier, 1)
    for w in autres:
        h.addWidget(w)
    return boite


class ChampDate(QLineEdit):
    """A date typed JJ/MM/AAAA; empty means none."""

    def __init__(self, nom: str, parent: QWidget | None = None) -> None:
        super().__init__(parent, placeholderText="JJ/MM/AAAA")
        self.nom = nom
        self.setMaxLength(10)
        self.setMaximumWidth(110)

    def valeur(self) -> date | None:
        texte = self.text().strip()
        if not texte:
            return None
        try:
            return parse_date_fr(texte)
        except ValueError as exc:
            raise ValidationError(f"{self.nom} : {exc}") from None

    def definir(self, jour: date | None) -> None:
        self.setText(format_date(jour))


class OngletMandat(QWidget):
    """Tiers, Train, Réception, Banque, IBAN, Marché/Lot, Règl., Objets, Pièces; the grid."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tiers_id: int | None = None
        self.texte_tiers = ""  # what the Tiers field shows for ``tiers_id``
        self.comptes: tuple[CompteLigne, ...] = ()
        self.tiers = QLineEdit(placeholderText="Nom du tiers (complétion) ou « … » pour chercher")
        self.bouton_tiers = QPushButton("…")
        self.bouton_tiers.setToolTip("Choisir le tiers (recherche par nom, SIRET ou ville)")
        self.bouton_tiers.setFixedWidth(32)
        self.train = QComboBox()
        self.reception = ChampDate("Réception")
        self.banque = QComboBox()
        self.banque.setMinimumContentsLength(34)
        self.banque.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.iban = QLabel()
        self.iban.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.marche, self.lot = ligne(50), ligne(20)
        self.lot.setMaximumWidth(90)
        self.reglement = combo(MODES)
        self.objet, self.pieces = ligne(255), ligne(255)
        g = QGridLayout()
        g.setColumnStretch(1, 3)
        g.setColumnStretch(3, 2)
        rangees = (("Tiers :", rangee(self.tiers, self.bouton_tiers), "Train :", self.train),
                   ("Banque :", self.banque, "Réception :", self.reception),
                   ("IBAN :", self.iban, "Règl. :", self.reglement),
                   ("Marché :", rangee(self.marche, QLabel("Lot :"), self.lot), None, None),
                   ("Objets :", self.objet, None, None), ("Pièces :", self.pieces, None, None))
        for r, (l1, w1, l2, w2) in enumerate(rangees):
            g.addWidget(QLabel(l1), r, 0)
            g.addWidget(w1, r, 1, 1, 1 if w2 else 3)
            if w2 is not None:
                g.addWidget(QLabel(l2), r, 2)
                g.addWidget(w2, r, 3, Qt.AlignmentFlag.AlignLeft if w2 is self.reception
                            else Qt.AlignmentFlag(0))
        self.grille = GrilleImputations()
        layout = QVBoxLayout(self)
        layout.addLayout(g)
        layout.addWidget(self.grille, 1)
        self.banque.currentIndexChanged.connect(lambda _i: self._afficher_iban())

    def definir_comptes(self, comptes: tuple[CompteLigne, ...], choisi: int | None) -> None:
        """The tiers' accounts in Banque; ``choisi`` (else the principal one) selected."""
        self.comptes = comptes
        self.banque.blockSignals(True)
        self.banque.clear()
        self.banque.addItem("(aucun compte)", None)
        for c in comptes:
            texte = formater_iban(c.iban) + (" — principal" if c.principal else "") \
                + ("" if c.actif else " — clos") + ("" if c.iban_valide else " — IBAN invalide")
            self.banque.addItem(texte, c.id)
        if choisi is None:
            choisi = next((c.id for c in comptes if c.principal and c.actif), None)
        self.banque.setCurrentIndex(max(0, self.banque.findData(choisi)))
        self.banque.blockSignals(False)
        self._afficher_iban()

    def compte(self) -> CompteLigne | None:
        ident = self.banque.currentData()
        return next((c for c in self.comptes if c.id == ident), None)

    def _afficher_iban(self) -> None:
        c = self.compte()
        invalide = c is not None and not c.iban_valide
        bic = f"   BIC {c.bic}" if c and c.bic else ""
        self.iban.setText("—" if c is None else formater_iban(c.iban) + bic
                          + ("   IBAN invalide" if invalide else ""))
        self.iban.setStyleSheet(f"color: {ROUGE}; font-weight: bold;" if invalide else "")
        self.iban.setToolTip(f"Titulaire : {c.titulaire or '—'}" if c else "")


class OngletDelai(QWidget):
    """Délai global de paiement from the reception date (suspension, reprise), and subvention."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.contexte = Contexte()
        self.reception = QLabel()
        self.suspension = ChampDate("Date de suspension")
        self.reprise = ChampDate("Date de reprise")
        self.echeance, self.situation = QLabel(), QLabel()
        self.code, self.taux, self.interets = QLabel(CODE_INTERETS), QLabel(), QLabel()
        self.subvention = QCheckBox("Mandat de subvention")
        dgp = formulaire((("Réception :", self.reception), ("Date de suspension :", self.suspension),
                          ("Date de reprise :", self.reprise), ("Date d'échéance :", self.echeance),
                          ("Situation :", self.situation), ("Code intérêts moratoires :", self.code),
                          ("Taux des intérêts moratoires :", self.taux),
                          ("Intérêts estimés :", self.interets)),
                         QGroupBox("Délai global de paiement"))
        subv = formulaire((("", self.subvention),), QGroupBox("Subvention"))
        layout = QVBoxLayout(self)
        layout.addWidget(dgp)
        layout.addWidget(subv)
        layout.addStretch(1)

    def actualiser(self, reception: date | None, montant: Decimal) -> None:
        self.reception.setText(format_date(reception) or "— (onglet Mandat)")
        try:
            debut, fin = self.suspension.valeur(), self.reprise.valeur()
        except ValidationError as exc:
            debut, fin, reception = None, None, None
            erreur = str(exc)
        else:
            erreur = "—"
        if reception is None:
            for label in (self.echeance, self.situation, self.taux, self.interets):
                label.setText("—")
            self.situation.setText(erreur)
            return
        d = delai(reception, [Suspension(debut, fin)] if debut else [], self.contexte.aujourd_hui,
                  jours=self.contexte.jours_delai)
        self.echeance.setText(f"{format_date(d.echeance)}  ({self.contexte.jours_delai} jours"
                              + (f" + {d.jours_suspendus} jours de suspension)" if d.jours_suspendus
                                 else ")"))
        situation = ("suspendu" if d.suspendue else f"en retard de {d.jours_retard} jours"
                     if d.jours_retard else f"{d.jours_restants} jours restants")
        self.situation.setText(situation)
        self.situation.setStyleSheet(f"color: {ROUGE};" if d.jours_retard else "")
        taux = self.contexte.taux.get(debut_semestre(d.echeance))
        self.taux.setText(f"{format_taux(taux)} (au {format_date(debut_semestre(d.echeance))})"
                          if taux is not None else "— (table des taux de Réglage)")
        self.interets.setText(f"{format_eur(interets_moratoires(montant, d.jours_retard, taux))} €"
                              if d.jours_retard else "aucun (dans le délai)")


class FormulaireMandat(QTabWidget):
    """The mandat's tabs; ``saisie()`` builds the ``MandatSaisie`` (ValidationError when a
    field cannot be read). Each simple field is tied to its ``MandatSaisie`` attribute."""

    modifie = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.contexte = Contexte()
        self._chargement = False
        self.mandat = m = OngletMandat()
        self.grille = m.grille
        self.type_pce = combo(TYPES_PCE)
        self.nat_pce = combo(NATURES_PCE, aucun="(selon les articles : fonctionnement ou investissement)")
        self.regularisation = QCheckBox("Mandat de régularisation (émis après paiement, TypPce 05)")
        self.sommes_admises = QCheckBox("Mandat de sommes admises (montant contesté : seules les "
                                        "sommes admises sont payées)")
        self.motif = ligne(255, "Motif de la contestation (obligatoire)")
        self.virement1, self.virement2 = ligne(100), ligne(100)
        self.date_echeance = ChampDate("Date d'échéance")
        self.compte_tiers = ligne(20)
        self.compte_tiers.setMaximumWidth(200)
        self.delai = d = OngletDelai()
        self.inventaire = ligne(50, "N° d'inventaire du bien (toutes les imputations)")
        #: (widget, MandatSaisie attribute): the fields read and shown the same way
        self.textes = ((m.marche, "marche"), (m.lot, "lot"), (m.objet, "objet"),
                       (m.pieces, "pieces_justificatives"), (self.motif, "motif_sommes_admises"),
                       (self.virement1, "libelle_virement1"), (self.virement2, "libelle_virement2"),
                       (self.compte_tiers, "compte_tiers"), (self.inventaire, "numero_inventaire"))
        self.dates = ((m.reception, "date_reception"), (self.date_echeance, "date_echeance"),
                      (d.suspension, "dgp_date_suspension"), (d.reprise, "dgp_date_reprise"))
        self.combos = ((m.train, "train"), (m.reglement, "mode_reglement"),
                       (self.type_pce, "type_pce"), (self.nat_pce, "nat_pce"))
        self.cases = ((self.sommes_admises, "sommes_admises"), (d.subvention, "subvention"))
        compl1 = formulaire((("Type de pièce PES (TypPce) :", self.type_pce),
                             ("Nature de pièce PES (NatPce) :", self.nat_pce),
                             ("", self.regularisation), ("", self.sommes_admises),
                             ("Motif des sommes admises :", self.motif)))
        compl2 = formulaire((("Libellé de virement 1 :", self.virement1),
                             ("Libellé de virement 2 :", self.virement2),
                             ("Date d'échéance :", self.date_echeance),
                             ("Compte tiers :", self.compte_tiers)))
        self.vue_inventaire = vue_imputations(self.grille.modele, (ARTICLE, DESIGNATION, INVENTAIRE))
        onglet_inv = formulaire((("N° d'inventaire du mandat :", self.inventaire),))
        note = QLabel("Obligatoire sur les articles d'investissement (classe 2) : un n° pour le "
                      "mandat, ou un n° par imputation ci-dessous.")
        note.setWordWrap(True)
        onglet_inv.layout().addRow(note)
        onglet_inv.layout().addRow(self.vue_inventaire)
        self.pj = modele_pj(self)
        self.vue_pj = tableau(self.pj, 0)
        self.boutons_pj = {"ouvrir": QPushButton("Ouvrir"), "ajouter": QPushButton("Ajouter…"),
                           "retirer": QPushButton("Retirer")}
        self.note_pj = QLabel()
        onglet_pj = QWidget()
        fp = QVBoxLayout(onglet_pj)
        fp.addWidget(self.vue_pj, 1)
        ligne_pj = QHBoxLayout()
        for w in (*self.boutons_pj.values(), None, self.note_pj):
            ligne_pj.addWidget(w) if w else ligne_pj.addStretch(1)
        fp.addLayout(ligne_pj)
        for widget, titre in ((m, "Mandat"), (compl1, "Compl 1"), (compl2, "Compl 2"),
                              (d, "Délai/Subv"), (onglet_inv, "Inventaire"),
                              (onglet_pj, "P. Jointes (0)")):
            self.addTab(widget, titre)
        self.setStyleSheet("QLineEdit[readOnly=\"true\"] { background: palette(window); }")
        self._connecter()

    def _connecter(self) -> None:
        m = self.mandat
        for champ, _a in (*self.textes, *self.dates, (m.tiers, "")):
            champ.textEdited.connect(self._modifie)
        for c, _a in (*self.combos, (m.banque, "")):
            c.activated.connect(self._modifie)
        for case, _a in self.cases:
            case.clicked.connect(self._modifie)
        self.regularisation.clicked.connect(self._regularisation)
        self.type_pce.activated.connect(
            lambda _i: self.regularisation.setChecked(self.type_pce.currentData() == "05"))
        self.sommes_admises.toggled.connect(self._sommes_admises)
        self.grille.modifie.connect(self._modifie)
        for sig in (self.grille.modele.dataChanged, self.grille.modele.rowsRemoved,
                    self.grille.modele.modelReset):
            sig.connect(lambda *_a: self._actualiser_delai())
        for champ in (m.reception, self.delai.suspension, self.delai.reprise):
            champ.textChanged.connect(lambda _t: self._actualiser_delai())

    def _modifie(self, *_args) -> None:
        if not self._chargement:
            self.modifie.emit()

    def _regularisation(self, oui: bool) -> None:
        choisir(self.type_pce, "05" if oui else "01")
        self._modifie()

    def _sommes_admises(self, oui: bool) -> None:
        self.motif.setEnabled(oui and not self.grille.modele.lecture_seule)
        self.grille.sommes_admises = oui
        self.grille.actualiser_total()

    def _actualiser_delai(self) -> None:
        try:
            reception = self.mandat.reception.valeur()
        except ValidationError:
            reception = None
        self.delai.actualiser(reception, self.grille.modele.total())

    def definir_contexte(self, contexte: Contexte) -> None:
        self.contexte = self.delai.contexte = contexte
        train = self.mandat.train
        garde = train.currentData()
        train.clear()
        for nom, attente in contexte.trains:
            train.addItem(f"{nom} (train d'attente)" if attente else nom, nom)
        train.setCurrentIndex(max(0, train.findData(garde)))
        self._actualiser_delai()

    def charger(self, detail: MandatDetail | None, comptes: tuple[CompteLigne, ...], nom_tiers: str,
                defaut: MandatSaisie) -> None:
        """Show ``detail`` (None: a new mandat with the budget's ``defaut`` values)."""
        self._chargement = True
        try:
            s = detail.saisie if detail else defaut
            m = self.mandat
            m.tiers_id, m.texte_tiers = s.tiers_id or None, nom_tiers
            m.tiers.setText(nom_tiers)
            m.tiers.setStyleSheet("")
            m.definir_comptes(comptes, s.compte_bancaire_id)
            for champ, attribut in self.textes:
                champ.setText(getattr(s, attribut) or "")
            for champ, attribut in self.dates:
                champ.definir(getattr(s, attribut))
            for c, attribut in self.combos:
                choisir(c, getattr(s, attribut))
            for case, attribut in self.cases:
                case.setChecked(getattr(s, attribut))
            self.regularisation.setChecked(s.type_pce == "05")
            self.grille.charger(s.imputations, detail.montant_du if detail else None, s.sommes_admises)
            self.afficher_pj(detail.pj if detail else ())
            self._sommes_admises(s.sommes_admises)
            self._actualiser_delai()
        finally:
            self._chargement = False

    def afficher_pj(self, pj: tuple[tuple[int, str, str], ...]) -> None:
        self.pj.remplacer(pj)
        self.setTabText(5, f"P. Jointes ({len(pj)})")

    def definir_lecture_seule(self, oui: bool) -> None:
        m = self.mandat
        for champ, _a in (*self.textes, *self.dates, (m.tiers, "")):
            champ.setReadOnly(oui)
            champ.style().unpolish(champ)  # the read-only background of the style sheet
            champ.style().polish(champ)
        for w, _a in (*self.combos, *self.cases, (m.banque, ""), (m.bouton_tiers, ""),
                      (self.regularisation, "")):
            w.setEnabled(not oui)
        self.grille.definir_lecture_seule(oui)
        self.motif.setEnabled(self.sommes_admises.isChecked() and not oui)

    def saisie(self) -> MandatSaisie:
        m = self.mandat
        if m.tiers_id is None:
            raise ValidationError("Tiers : choisissez le tiers du mandat (complétion ou « … »)")
        valeurs = {a: c.text().strip() or None for c, a in self.textes}
        valeurs.update({a: c.valeur() for c, a in self.dates})
        valeurs.update({a: c.currentData() for c, a in self.combos})
        valeurs.update({a: c.isChecked() for c, a in self.cases})
        valeurs.update(objet=valeurs["objet"] or "",
                       pieces_justificatives=valeurs["pieces_justificatives"] or "",
                       type_pce=valeurs["type_pce"] or "01")
        return MandatSaisie(tiers_id=m.tiers_id, imputations=self.grille.modele.saisies(),
                            compte_bancaire_id=m.banque.currentData(), **valeurs)
