"""The five tabs of a titre de recettes: *Titre* (débiteur, train, code produit, objets, pièces,
Saisie TTC / Avec TVA and the imputations), *Compl 1* (Type pièce PES, Nature pièce PES,
**Type ASAP PES**, Références de rattachement), *Compl 2*, *Inventaire*, *P. Jointes (n)*.

``FormulaireTitre`` loads a ``TitreDetail`` (or a blank new titre), gives back the
``TitreSaisie`` for the services, emits ``modifie`` when the user changes anything, and turns
read-only for a numbered titre. It writes nothing itself.
"""
from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox, QGridLayout, QHBoxLayout, QLabel, QLineEdit, QPlainTextEdit, QPushButton, QTabWidget,
    QVBoxLayout, QWidget,
)

from corail.errors import ValidationError
from corail.services.titres import (
    NAT_ANNULATION, NATURES_PCE, TYPES_ASAP, TYPES_PCE, TitreDetail, TitreSaisie,
)
from ui.modeles import tableau
from ui.saisie_des_mandats_onglets import ChampDate, choisir, combo, formulaire, ligne, rangee
from ui.titres_de_recettes_dialogues import modele_pj
from ui.titres_de_recettes_grille import GrilleImputationsTitre, vue_imputations
from ui.titres_de_recettes_imputations import ARTICLE, DESIGNATION, INVENTAIRE

NOTE_ASAP = ("01 : l'avis est imprimé et posté par le centre éditique de la DGFiP (adresse postale "
             "complète du débiteur) · 02 : envoyé au débiteur public par Chorus Pro (SIRET du "
             "débiteur) "
             "· 04 : pour information, sans traitement DGFiP. La facture ASAP se saisit ou s'importe "
             "avec le bouton « PES Facture ASAP ».")


class OngletTitre(QWidget):
    """Tiers (débiteur), Train, Code produit, Objets, Pièces, Saisie TTC / Avec TVA; the grid."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tiers_id: int | None = None
        self.texte_tiers = ""  # what the Tiers field shows for ``tiers_id``
        self.tiers = QLineEdit(placeholderText="Nom du débiteur (complétion) ou « … » pour chercher")
        self.bouton_tiers = QPushButton("…")
        self.bouton_tiers.setToolTip("Choisir le débiteur (recherche par nom, SIRET ou ville)")
        self.bouton_tiers.setFixedWidth(32)
        self.train = combo({})
        self.code_produit = ligne(10, "CodProdLoc")
        self.code_produit.setMaximumWidth(120)
        self.objet, self.pieces = ligne(255), ligne(255)
        self.saisie_ttc = QCheckBox("Saisie TTC")
        self.saisie_ttc.setToolTip("Montants saisis TTC (sinon HT, la TVA ajoutée à chaque ligne)")
        self.avec_tva = QCheckBox("Avec TVA")
        self.avec_tva.setToolTip("Un taux de TVA par imputation ; le titre porte son HT, sa TVA et son TTC")
        g = QGridLayout()
        g.setColumnStretch(1, 3)
        rangees = (("Tiers :", rangee(self.tiers, self.bouton_tiers), "Train :", self.train),
                   ("Objets :", self.objet, "Code produit :", self.code_produit),
                   ("Pièces :", self.pieces, "", rangee(self.saisie_ttc, self.avec_tva)))
        for r, (l1, w1, l2, w2) in enumerate(rangees):
            g.addWidget(QLabel(l1), r, 0)
            g.addWidget(w1, r, 1)
            g.addWidget(QLabel(l2), r, 2)
            g.addWidget(w2, r, 3)
        self.grille = GrilleImputationsTitre()
        layout = QVBoxLayout(self)
        layout.addLayout(g)
        layout.addWidget(self.grille, 1)


class FormulaireTitre(QTabWidget):
    """The titre's tabs; ``saisie()`` builds the ``TitreSaisie`` (ValidationError when a field
    cannot be read). Each simple field is tied to its ``TitreSaisie`` attribute."""

    modifie = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._chargement = False
        self.titre = t = OngletTitre()
        self.grille = t.grille
        self.type_pce = combo(TYPES_PCE)
        natures = {c: l for c, l in NATURES_PCE.items() if c != NAT_ANNULATION}
        self.nat_pce = combo(natures, aucun="(selon les articles : fonctionnement ou investissement)")
        self.type_asap = combo(TYPES_ASAP, aucun="(aucun : pas d'avis des sommes à payer)")
        self.references = ligne(100, "Titre ou facture de rattachement")
        for c in (self.type_pce, self.nat_pce, self.type_asap, self.references):
            c.setMaximumWidth(520)
        self.date_echeance = ChampDate("Date d'échéance")
        self.marche, self.compte_tiers = ligne(50), ligne(20)
        self.compte_tiers.setMaximumWidth(200)
        self.notes = QPlainTextEdit()
        self.notes.setMaximumHeight(90)
        self.inventaire = ligne(50, "N° d'inventaire du bien (toutes les imputations)")
        #: (widget, TitreSaisie attribute): the fields read and shown the same way
        self.textes = ((t.objet, "objet"), (t.pieces, "pieces_justificatives"),
                       (t.code_produit, "code_produit"), (self.references, "references_rattachement"),
                       (self.marche, "marche"), (self.compte_tiers, "compte_tiers"),
                       (self.inventaire, "numero_inventaire"))
        self.combos = ((t.train, "train"), (self.type_pce, "type_pce"), (self.nat_pce, "nat_pce"),
                       (self.type_asap, "type_asap"))
        self.cases = ((t.saisie_ttc, "saisie_ttc"), (t.avec_tva, "avec_tva"))
        note = QLabel(NOTE_ASAP, wordWrap=True)
        compl1 = formulaire((("Type pièce PES :", self.type_pce), ("Nature pièce PES :", self.nat_pce),
                             ("Type ASAP PES :", self.type_asap), ("", note),
                             ("Références de rattachement :", self.references)))
        compl2 = formulaire((("Date d'échéance :", self.date_echeance), ("N° de marché :", self.marche),
                             ("Compte tiers :", self.compte_tiers), ("Observations :", self.notes)))
        self.vue_inventaire = vue_imputations(self.grille.modele, (ARTICLE, DESIGNATION, INVENTAIRE))
        onglet_inv = formulaire((("N° d'inventaire du titre :", self.inventaire),))
        onglet_inv.layout().addRow(QLabel("Un n° pour le titre, ou un n° par imputation ci-dessous "
                                          "(cession d'un bien de l'inventaire).", wordWrap=True))
        onglet_inv.layout().addRow(self.vue_inventaire)
        self.pj = modele_pj(self)
        self.vue_pj = tableau(self.pj, 0)
        self.boutons_pj = {"ouvrir": QPushButton("Ouvrir"), "ajouter": QPushButton("Ajouter…"),
                           "retirer": QPushButton("Retirer"),
                           "avis": QPushButton("Imprimer l'avis des sommes à payer…")}
        self.boutons_pj["avis"].setToolTip("Le PDF de l'ASAP tel que le débiteur le reçoit, avec son talon")
        self.note_pj = QLabel(wordWrap=True)
        onglet_pj = QWidget()
        fp = QVBoxLayout(onglet_pj)
        fp.addWidget(self.vue_pj, 1)
        fp.addWidget(self.note_pj)
        ligne_pj = QHBoxLayout()
        for w in (*self.boutons_pj.values(), None):
            ligne_pj.addWidget(w) if w else ligne_pj.addStretch(1)
        fp.addLayout(ligne_pj)
        for widget, titre in ((t, "Titre"), (compl1, "Compl 1"), (compl2, "Compl 2"),
                              (onglet_inv, "Inventaire"), (onglet_pj, "P. Jointes (0)")):
            self.addTab(widget, titre)
        self.setStyleSheet("QLineEdit[readOnly=\"true\"] { background: palette(window); }")
        self._connecter()

    def _connecter(self) -> None:
        t = self.titre
        for champ, _a in (*self.textes, (self.date_echeance, ""), (t.tiers, "")):
            champ.textEdited.connect(self._modifie)
        self.notes.textChanged.connect(self._modifie)
        for c, _a in self.combos:
            c.activated.connect(self._modifie)
        for case, _a in self.cases:
            case.clicked.connect(self._modifie)
            case.toggled.connect(lambda _o: self._mode())
        self.grille.modifie.connect(self._modifie)

    def _modifie(self, *_args) -> None:
        if not self._chargement:
            self.modifie.emit()

    def _mode(self) -> None:
        t = self.titre
        t.saisie_ttc.setEnabled(t.avec_tva.isChecked() and not self.grille.modele.lecture_seule)
        self.grille.definir_mode(avec_tva=t.avec_tva.isChecked(),
                                 saisie_ttc=t.saisie_ttc.isChecked() or not t.avec_tva.isChecked())

    def definir_trains(self, trains: tuple[tuple[str, bool], ...]) -> None:
        train = self.titre.train
        garde = train.currentData()
        train.clear()
        for nom, attente in trains:
            if not attente:  # a waiting train holds the mandats de régularisation only
                train.addItem(nom, nom)
        train.setCurrentIndex(max(0, train.findData(garde)))

    def charger(self, detail: TitreDetail | None, nom_tiers: str, defaut: TitreSaisie) -> None:
        """Show ``detail`` (None: a new titre with the budget's ``defaut`` values)."""
        self._chargement = True
        try:
            s = detail.saisie if detail else defaut
            t = self.titre
            t.tiers_id, t.texte_tiers = s.tiers_id or None, nom_tiers
            t.tiers.setText(nom_tiers)
            t.tiers.setStyleSheet("")
            for champ, attribut in self.textes:
                champ.setText(getattr(s, attribut) or "")
            self.date_echeance.definir(s.date_echeance)
            self.notes.setPlainText(s.notes or "")
            for c, attribut in self.combos:
                choisir(c, getattr(s, attribut))
            for case, attribut in self.cases:
                case.setChecked(getattr(s, attribut))
            self.grille.charger(s.imputations, detail.montant_du if detail else None,
                                avec_tva=s.avec_tva, saisie_ttc=s.saisie_ttc or not s.avec_tva)
            self._mode()
        finally:
            self._chargement = False

    def afficher_pj(self, pj: tuple[tuple[int, str, str], ...], note: str = "") -> None:
        self.pj.remplacer(pj)
        self.note_pj.setText(note)
        self.note_pj.setVisible(bool(note))
        self.setTabText(4, f"P. Jointes ({len(pj)})")

    def definir_lecture_seule(self, oui: bool) -> None:
        t = self.titre
        for champ, _a in (*self.textes, (self.date_echeance, ""), (t.tiers, "")):
            champ.setReadOnly(oui)
            champ.style().unpolish(champ)  # the read-only background of the style sheet
            champ.style().polish(champ)
        self.notes.setReadOnly(oui)
        for w, _a in (*self.combos, *self.cases, (t.bouton_tiers, "")):
            w.setEnabled(not oui)
        self.grille.definir_lecture_seule(oui)
        self._mode()

    def saisie(self) -> TitreSaisie:
        t = self.titre
        if t.tiers_id is None:
            raise ValidationError("Tiers : choisissez le débiteur du titre (complétion ou « … »)")
        valeurs = {a: c.text().strip() or None for c, a in self.textes}
        valeurs.update({a: c.currentData() for c, a in self.combos})
        valeurs.update({a: c.isChecked() for c, a in self.cases})
        valeurs.update(objet=valeurs["objet"] or "",
                       pieces_justificatives=valeurs["pieces_justificatives"] or "",
                       type_pce=valeurs["type_pce"] or "01", date_echeance=self.date_echeance.valeur(),
                       notes=self.notes.toPlainText().strip() or None)
        if not valeurs["avec_tva"]:
            valeurs["saisie_ttc"] = True
        return TitreSaisie(tiers_id=t.tiers_id, imputations=self.grille.modele.saisies(), **valeurs)
