"""*PES Facture ASAP (Paramétrage global)*: what every ASAP (avis des sommes à payer) of the
collectivité carries — tabs Collectivité, Trésorerie, Modalités; buttons *Récup. paramétrage*
(fills from Corail's own collectivité and poste comptable), *Valider*, *Annuler*."""
from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QDialog, QFormLayout, QGroupBox, QHBoxLayout, QLineEdit,
    QPlainTextEdit, QPushButton, QTabWidget, QVBoxLayout, QWidget,
)

from corail.context import Context
from corail.services import reglages_demat as rd
from ui.gestion_des_collectivites_tables import executer, lire
from ui.state import AppState

TITRE = "PES Facture ASAP (Paramétrage global)"


class PesFactureAsapDialog(QDialog):
    def __init__(self, state: AppState, ctx: Context, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state, self.ctx = state, ctx
        self.setWindowTitle(TITRE)
        self.setMinimumSize(640, 500)
        self.champs: dict[str, QLineEdit | QPlainTextEdit] = {}
        self.onglets = QTabWidget()
        self.onglets.addTab(self._onglet_collectivite(), "Collectivité")
        self.onglets.addTab(self._onglet_tresorerie(), "Trésorerie")
        self.onglets.addTab(self._onglet_modalites(), "Modalités")
        self.recup = QPushButton("Récup. paramétrage")
        self.recup.setToolTip("Reprendre le nom, l'adresse et la trésorerie déjà saisis dans "
                              "Corail (rien n'est enregistré avant Valider)")
        self.valider_bouton, self.annuler = QPushButton("Valider"), QPushButton("Annuler")
        self.valider_bouton.setDefault(True)
        boutons = QHBoxLayout()
        boutons.addWidget(self.recup)
        boutons.addStretch(1)
        boutons.addWidget(self.valider_bouton)
        boutons.addWidget(self.annuler)
        layout = QVBoxLayout(self)
        layout.addWidget(self.onglets, 1)
        layout.addLayout(boutons)
        self.recup.clicked.connect(self.recuperer)
        self.valider_bouton.clicked.connect(self.valider)
        self.annuler.clicked.connect(self.reject)
        self.signataire.toggled.connect(self._signataire)
        r = lire(self, state, lambda s: rd.lire_asap(s, ctx))
        self.afficher(r or rd.AsapReglage())

    # -- tabs ------------------------------------------------------------------------------

    def _ligne(self, form: QFormLayout, nom: str, libelle: str) -> QLineEdit:
        w = QLineEdit(maxLength=rd.LIMITES_ASAP[nom][1])
        self.champs[nom] = w
        form.addRow(libelle, w)
        return w

    def _onglet_collectivite(self) -> QWidget:
        page = QWidget()
        ident = QGroupBox("Collectivité")
        f = QFormLayout(ident)
        self._ligne(f, "collectivite", "Collectivité :")
        self._ligne(f, "adresse1", "Adresse :")
        self._ligne(f, "adresse2", "Complément :")
        self._ligne(f, "code_postal", "Code postal :").setMaximumWidth(90)
        self._ligne(f, "ville", "Ville :")
        self._ligne(f, "telephone", "Téléphone :")
        self._ligne(f, "horaires_ouverture", "Horaires d'ouverture :")
        self.categorie = QComboBox()
        for code, libelle in rd.CATEGORIES.items():
            self.categorie.addItem(f"{code} — {libelle}", code)
        self.nature = QComboBox()
        for code, libelle in rd.NATURES_JURIDIQUES.items():
            self.nature.addItem(f"{code} — {libelle}", code)
        f.addRow("Catégorie :", self.categorie)
        f.addRow("Nature juridique :", self.nature)
        sign = QGroupBox("Signataire")
        fs = QFormLayout(sign)
        self.signataire = QCheckBox("Signataire par défaut")
        fs.addRow(self.signataire)
        self._ligne(fs, "signataire_nom", "Nom :")
        self._ligne(fs, "signataire_prenom", "Prénom :")
        self._ligne(fs, "signataire_fonction", "Fonction :")
        v = QVBoxLayout(page)
        v.addWidget(ident)
        v.addWidget(sign)
        v.addStretch(1)
        return page

    def _onglet_tresorerie(self) -> QWidget:
        page = QWidget()
        groupe = QGroupBox("Centre des finances publiques (comptable émetteur)")
        f = QFormLayout(groupe)
        self._ligne(f, "tresorerie_nom", "Trésorerie :")
        self._ligne(f, "tresorerie_adresse1", "Adresse :")
        self._ligne(f, "tresorerie_adresse2", "Complément :")
        self._ligne(f, "tresorerie_code_postal", "Code postal :").setMaximumWidth(90)
        self._ligne(f, "tresorerie_ville", "Ville :")
        self._ligne(f, "tresorerie_telephone", "Téléphone :")
        self._ligne(f, "tresorerie_email", "E-mail :")
        v = QVBoxLayout(page)
        v.addWidget(groupe)
        v.addStretch(1)
        return page

    def _onglet_modalites(self) -> QWidget:
        page = QWidget()
        f = QFormLayout(page)
        for nom, libelle in (("modalites_reglement", "Modalités de règlement :"),
                             ("modalites_contestation", "Modalités de contestation :")):
            w = QPlainTextEdit()
            w.setPlaceholderText(f"{rd.LIMITES_ASAP[nom][1]} caractères au plus")
            w.setMaximumHeight(110)
            self.champs[nom] = w
            f.addRow(libelle, w)
        self.mode = QComboBox()
        for code, libelle in rd.MODES_RECOUVREMENT.items():
            self.mode.addItem(libelle, code)
        f.addRow("Mode de recouvrement :", self.mode)
        self._ligne(f, "ref_bdf", "Référence Banque de France :")
        return page

    # -- values ----------------------------------------------------------------------------

    def afficher(self, r: rd.AsapReglage) -> None:
        for nom, w in self.champs.items():
            (w.setPlainText if isinstance(w, QPlainTextEdit) else w.setText)(getattr(r, nom))
        self.categorie.setCurrentIndex(max(0, self.categorie.findData(r.categorie)))
        self.nature.setCurrentIndex(max(0, self.nature.findData(r.nature_juridique)))
        self.mode.setCurrentIndex(max(0, self.mode.findData(r.mode_recouvrement)))
        self.signataire.setChecked(r.signataire_par_defaut)
        self._signataire()

    def _signataire(self, *_args) -> None:
        for nom in ("signataire_nom", "signataire_prenom", "signataire_fonction"):
            self.champs[nom].setEnabled(self.signataire.isChecked())

    def saisie(self) -> rd.AsapReglage:
        valeurs = {nom: (w.toPlainText() if isinstance(w, QPlainTextEdit) else w.text())
                   for nom, w in self.champs.items()}
        valeurs.update(categorie=self.categorie.currentData(),
                       nature_juridique=self.nature.currentData(),
                       mode_recouvrement=self.mode.currentData(),
                       signataire_par_defaut=self.signataire.isChecked())
        return rd.AsapReglage(**valeurs)

    def recuperer(self) -> None:
        actuel = self.saisie()
        r = lire(self, self.state, lambda s: rd.asap_depuis_corail(s, self.ctx, actuel))
        if r is not None:
            self.afficher(r)

    def valider(self) -> None:
        r = self.saisie()
        if executer(self, self.state, lambda s: rd.enregistrer_asap(s, self.ctx, r),
                    "collectivite"):
            self.accept()
