"""*PES Facture ASAP* of a titre: the avis des sommes à payer entered line by line (libellé,
quantité, prix unitaire HT, taux de TVA), its totals computed as the user types — by the
service's own rule (``services.asap.calculer_lignes``: each line's HT to the cent, its TVA to
the cent, TTC = HT + TVA) — and compared with the titre's total; *Enregistrer* stores it
(``saisir_asap``). *Importer un fichier PES Facture…* attaches instead the file a billing
program produced (``importer_asap``: TypeFact 09, totals and debtor checked). Either way a
refusal is shown in French and nothing is written.
"""
from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView, QCheckBox, QDialog, QFileDialog, QFormLayout, QGroupBox, QHBoxLayout, QHeaderView,
    QLabel, QLineEdit, QMessageBox, QPushButton, QTableView, QVBoxLayout, QWidget,
)

from corail.errors import ValidationError
from corail.money import format_eur
from corail.services.asap import AsapDetail, LigneCalculee, LigneSaisie, calculer_lignes, saisir_asap
from corail.services.asap_import import importer_asap
from corail.services.asap_regles import Signataire
from corail.services.recettes_ui import parametrage_asap_manquant
from corail.services.titres import TYPES_ASAP, TitreDetail
from ui.common import ALIGN_MONTANT, afficher_erreur
from ui.ecrans import dernier_dossier, retenir_dossier
from ui.gestion_des_collectivites_tables import format_taux
from ui.pes_facture_asap import TITRE as TITRE_PARAMETRAGE
from ui.pes_facture_asap import PesFactureAsapDialog
from ui.saisie_des_mandats_imputations import ROUGE, VERT
from ui.state import AppState

Index = QModelIndex | QPersistentModelIndex
COLONNES = ("Libellé", "Quantité", "Prix unitaire HT", "Taux TVA", "Montant HT", "TVA", "Montant TTC")
LIBELLE, QUANTITE, PRIX, TAUX, HT, TVA, TTC = range(len(COLONNES))
SAISIES = (LIBELLE, QUANTITE, PRIX, TAUX)
FICHIERS = "PES Facture ASAP (*.xml);;Tous les fichiers (*)"


def montant_du_titre(d: TitreDetail) -> tuple[Decimal, str]:
    """What the ASAP must equal (``services.asap.montant_reference``): HT on a titre saisi HT."""
    if d.saisie.avec_tva and not d.saisie.saisie_ttc:
        return d.montant_ht, "HT"
    return d.ligne.montant, "TTC"


def _nombre(valeur: Decimal) -> str:
    return format(valeur.normalize(), "f").replace(".", ",")


class LignesAsapModel(QAbstractTableModel):
    """The lines as typed (text) and, beside them, what the service computes from each one."""

    modifie = Signal()

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._lignes: list[list[str]] = []
        self._calculs: list[LigneCalculee | str] = []  # the computed line, or why not

    def remplacer(self, lignes: list[list[str]]) -> None:
        self.beginResetModel()
        self._lignes = [list(l) for l in lignes]
        self._calculer()
        self.endResetModel()

    def _calculer(self) -> None:
        self._calculs = []
        for l in self._lignes:
            try:
                (c,) = calculer_lignes([self.saisie(l)]).lignes
            except ValidationError as exc:
                c = exc.message.removeprefix("Ligne 1 : ")
            self._calculs.append(c)

    @staticmethod
    def saisie(l: list[str]) -> LigneSaisie:
        return LigneSaisie(l[LIBELLE], l[QUANTITE], l[PRIX], l[TAUX])  # type: ignore[arg-type]

    def saisies(self) -> list[LigneSaisie]:
        return [self.saisie(l) for l in self._lignes]

    def erreurs(self) -> list[str]:
        return [f"Ligne {n} : {c}" for n, c in enumerate(self._calculs, 1) if isinstance(c, str)]

    def ajouter(self, taux: str = "20") -> int:
        row = len(self._lignes)
        self.beginInsertRows(QModelIndex(), row, row)
        self._lignes.append(["", "1", "", taux])
        self._calculer()
        self.endInsertRows()
        self.modifie.emit()
        return row

    def enlever(self, row: int) -> None:
        if 0 <= row < len(self._lignes):
            self.beginRemoveRows(QModelIndex(), row, row)
            del self._lignes[row]
            self._calculer()
            self.endRemoveRows()
            self.modifie.emit()

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._lignes)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLONNES)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return COLONNES[section] if 0 <= section < len(COLONNES) else None
        return str(section + 1) if 0 <= section < len(self._lignes) else None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        return base | Qt.ItemFlag.ItemIsEditable if index.column() in SAISIES else base

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._lignes) \
                or not 0 <= index.column() < len(COLONNES):
            return None
        row, col = index.row(), index.column()
        calcul = self._calculs[row]
        if role == Qt.ItemDataRole.EditRole and col in SAISIES:
            return self._lignes[row][col]
        if role == Qt.ItemDataRole.DisplayRole:
            if col in SAISIES:
                texte = self._lignes[row][col]
                if isinstance(calcul, LigneCalculee) and col == TAUX:
                    return format_taux(calcul.taux_tva)
                if isinstance(calcul, LigneCalculee) and col == PRIX:
                    return format_eur(calcul.prix_unitaire_ht)
                if isinstance(calcul, LigneCalculee) and col == QUANTITE:
                    return _nombre(calcul.quantite)
                return texte
            if isinstance(calcul, str):
                return "—"
            return format_eur({HT: calcul.montant_ht, TVA: calcul.montant_tva, TTC: calcul.montant_ttc}[col])
        if role == Qt.ItemDataRole.ToolTipRole:
            return calcul if isinstance(calcul, str) else self._lignes[row][LIBELLE] or None
        if role == Qt.ItemDataRole.TextAlignmentRole and col != LIBELLE:
            return int(ALIGN_MONTANT.value)
        if role == Qt.ItemDataRole.ForegroundRole and isinstance(calcul, str) and col != LIBELLE:
            return QBrush(QColor(ROUGE))
        return None

    def setData(self, index: Index, value, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or not index.isValid() or index.column() not in SAISIES \
                or not 0 <= index.row() < len(self._lignes):
            return False
        texte = "" if value is None else str(value).strip()
        if index.column() == TAUX:
            texte = texte.removesuffix("%").strip()
        if texte == self._lignes[index.row()][index.column()]:
            return True
        self._lignes[index.row()][index.column()] = texte
        self._calculer()
        self.dataChanged.emit(self.index(index.row(), 0), self.index(index.row(), len(COLONNES) - 1))
        self.modifie.emit()
        return True


class SaisieAsapDialog(QDialog):
    """The ASAP of one titre: enter (or replace) it, or import the billing program's file."""

    enregistre = Signal(int)  # the titre's id, once its ASAP is stored

    def __init__(self, state: AppState, titre: TitreDetail, existante: AsapDetail | None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state, self.detail = state, titre
        self.setWindowTitle("PES Facture ASAP")
        l = titre.ligne
        self.attendu, self.nature = montant_du_titre(titre)
        code = l.type_asap or ""
        entete = QLabel(f"<b>{nom_titre(titre)}</b> — {l.tiers}<br>Type ASAP PES {code} – "
                        f"{TYPES_ASAP.get(code, '?')} — montant "
                        f"du titre : <b>{format_eur(self.attendu)} € {self.nature}</b>", wordWrap=True)
        self.origine = QLabel(wordWrap=True)
        if existante is not None:
            comment = "importée d'un logiciel de facturation" if existante.origine == "import" else "saisie"
            self.origine.setText(f"ASAP {comment} ({format_eur(existante.montant_ttc)} € TTC, "
                                 f"{existante.nom_pj or 'fichier construit à la numérotation du titre'}) : "
                                 f"l'enregistrer de nouveau la remplace.")
        self.origine.setVisible(existante is not None)
        self.objet = QLineEdit(existante.objet if existante else l.objet)
        self.objet.setMaxLength(160)
        self.modele = LignesAsapModel(self)
        self.modele.remplacer([[c.libelle, _nombre(c.quantite), _nombre(c.prix_unitaire_ht),
                                _nombre(c.taux_tva)]
                               for c in (existante.lignes if existante else ())])
        self.vue = self._vue()
        ajouter, enlever = QPushButton("Ajouter une ligne"), QPushButton("Enlever la ligne")
        ajouter.clicked.connect(self.ajouter_ligne)
        enlever.clicked.connect(self.enlever_ligne)
        self.totaux, self.ecart = QLabel(), QLabel()
        self.erreurs = QLabel(wordWrap=True, styleSheet=f"color: {ROUGE};")
        bas = QHBoxLayout()
        for w in (ajouter, enlever, None, self.totaux, self.ecart):
            bas.addWidget(w) if w else bas.addStretch(1)
        self.defaut = QCheckBox("Signataire par défaut du paramétrage", checked=True)
        self.signataire = {c: QLineEdit(maxLength=n)
                           for c, n in (("nom", 38), ("prenom", 38), ("fonction", 50))}
        signe = QGroupBox("Signataire")
        fs = QFormLayout(signe)
        fs.addRow(self.defaut)
        for cle, texte in (("nom", "Nom :"), ("prenom", "Prénom :"), ("fonction", "Fonction :")):
            fs.addRow(texte, self.signataire[cle])
        self.defaut.toggled.connect(self._signataire_par_defaut)
        self._signataire_par_defaut(True)
        self.code_service = QLineEdit(existante.code_service or "" if existante else "", maxLength=100)
        self.engagement = QLineEdit(existante.numero_engagement or "" if existante else "", maxLength=50)
        chorus = QGroupBox("Chorus Pro (ASAP 02)")
        fc = QFormLayout(chorus)
        fc.addRow("Code service du débiteur :", self.code_service)
        fc.addRow("N° d'engagement :", self.engagement)
        chorus.setVisible(code == "02")
        self.bouton_importer = QPushButton("Importer un fichier PES Facture…")
        self.bouton_importer.setToolTip("La facture produite par un logiciel de facturation (TypeFact 09) ; "
                                        "le titre doit être numéroté")
        self.bouton_enregistrer, fermer = QPushButton("Enregistrer"), QPushButton("Fermer")
        self.bouton_enregistrer.setDefault(True)
        self.bouton_importer.clicked.connect(self.importer)
        self.bouton_enregistrer.clicked.connect(self.enregistrer)
        fermer.clicked.connect(self.reject)
        boutons = QHBoxLayout()
        for w in (self.bouton_importer, None, self.bouton_enregistrer, fermer):
            boutons.addWidget(w) if w else boutons.addStretch(1)
        cote = QHBoxLayout()
        cote.addWidget(signe, 1)
        cote.addWidget(chorus, 1)
        layout = QVBoxLayout(self)
        objet = QFormLayout()
        objet.addRow("Objet :", self.objet)
        for w in (entete, self.origine, objet, self.vue, bas, self.erreurs, cote, boutons):
            layout.addLayout(w) if isinstance(w, QHBoxLayout | QFormLayout) else layout.addWidget(w)
        self.resize(1000, 580)
        for sig in (self.modele.modelReset, self.modele.rowsInserted, self.modele.rowsRemoved,
                    self.modele.dataChanged):
            sig.connect(lambda *_a: self.actualiser())
        if not self.modele.rowCount():
            self.modele.ajouter()
        self.actualiser()

    def _vue(self) -> QTableView:
        vue = QTableView()
        vue.setModel(self.modele)
        vue.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        vue.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        declencheurs = QAbstractItemView.EditTrigger
        vue.setEditTriggers(declencheurs.DoubleClicked | declencheurs.EditKeyPressed
                            | QAbstractItemView.EditTrigger.AnyKeyPressed)
        vue.setAlternatingRowColors(True)
        vue.verticalHeader().setDefaultSectionSize(24)
        entete = vue.horizontalHeader()
        entete.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for c, largeur in ((QUANTITE, 80), (PRIX, 120), (TAUX, 80), (HT, 110), (TVA, 90), (TTC, 110)):
            vue.setColumnWidth(c, largeur)
        entete.setSectionResizeMode(LIBELLE, QHeaderView.ResizeMode.Stretch)
        return vue

    def _signataire_par_defaut(self, oui: bool) -> None:
        for champ in self.signataire.values():
            champ.setEnabled(not oui)

    # -- live totals -------------------------------------------------------------------------

    def actualiser(self) -> bool:
        """Totals and the gap with the titre; True when the lines can be saved as they are."""
        erreurs = self.modele.erreurs()
        self.erreurs.setText("\n".join(erreurs))
        self.erreurs.setVisible(bool(erreurs))
        if erreurs or not self.modele.rowCount():
            self.totaux.setText("Total : —")
            self.ecart.setText("")
            self.bouton_enregistrer.setEnabled(False)
            return False
        t = calculer_lignes(self.modele.saisies())
        self.totaux.setText(f"Total HT : {format_eur(t.ht)}   TVA : {format_eur(t.tva)}   "
                            f"<b>Total TTC : {format_eur(t.ttc)}</b>")
        ecart = (t.ht if self.nature == "HT" else t.ttc) - self.attendu
        self.ecart.setText(f"   Égal au titre ({self.nature})" if ecart == 0
                           else f"   Écart avec le titre : {format_eur(ecart)} € {self.nature}")
        self.ecart.setStyleSheet(f"color: {VERT if ecart == 0 else ROUGE}; font-weight: bold;")
        self.bouton_enregistrer.setEnabled(True)
        return ecart == 0

    def ajouter_ligne(self) -> None:
        row = self.modele.ajouter(self.modele.data(self.modele.index(self.modele.rowCount() - 1, TAUX),
                                                   Qt.ItemDataRole.EditRole) or "20")
        index = self.modele.index(row, LIBELLE)
        self.vue.setCurrentIndex(index)
        self.vue.edit(index)

    def enlever_ligne(self) -> None:
        index = self.vue.currentIndex()
        if index.isValid():
            self.modele.enlever(index.row())

    # -- saving ------------------------------------------------------------------------------

    def _signataire(self) -> Signataire | None:
        if self.defaut.isChecked():
            return None
        return Signataire(*(self.signataire[c].text() for c in ("nom", "prenom", "fonction")))

    def _ecrire(self, action) -> AsapDetail | None:
        try:
            with self.state.transaction() as session:
                return action(session, self.state.ctx)
        except Exception as exc:  # refused: the message, the dialog stays open, nothing written
            afficher_erreur(self, exc, self.windowTitle())
            return None

    def enregistrer(self) -> AsapDetail | None:
        lignes = self.modele.saisies()
        res = self._ecrire(lambda s, ctx: saisir_asap(
            s, ctx, self.detail.ligne.id, lignes, objet=self.objet.text(), signataire=self._signataire(),
            code_service=self.code_service.text(), numero_engagement=self.engagement.text()))
        if res is not None:
            self._fin(res, "saisie")
        return res

    def importer(self) -> AsapDetail | None:
        settings = self.state.settings
        chemin, _f = QFileDialog.getOpenFileName(self, "Importer un fichier PES Facture ASAP",
                                                 dernier_dossier(settings, "asap"), FICHIERS)
        if not chemin:
            return None
        retenir_dossier(settings, "asap", chemin)
        res = self._ecrire(lambda s, ctx: importer_asap(
            s, ctx, self.detail.ligne.id, chemin, code_service=self.code_service.text(),
            numero_engagement=self.engagement.text()))
        if res is not None:
            self._fin(res, "importée")
        return res

    def _fin(self, res: AsapDetail, comment: str) -> None:
        suite = (f"Fichier joint au titre : {res.nom_pj}." if res.nom_pj
                 else "Son fichier PES Facture sera construit et joint à la numérotation du titre.")
        QMessageBox.information(self, self.windowTitle(),
                                f"Facture ASAP {comment} : {format_eur(res.montant_ttc)} € TTC, "
                                f"{len(res.lignes)} ligne(s).\n{suite}")
        self.enregistre.emit(self.detail.ligne.id)
        self.accept()


def proposer_parametrage(parent: QWidget, state: AppState,
                         manquants: list[str]) -> PesFactureAsapDialog | None:
    """The paramétrage is incomplete: name the missing fields, offer to open its dialog."""
    liste = "\n".join(f"  - {m}" for m in manquants)
    if QMessageBox.question(
            parent, "PES Facture ASAP",
            f"Le paramétrage « {TITRE_PARAMETRAGE} » est incomplet (Environnement › Gestion des "
            f"collectivités › Transfert). À renseigner avant toute ASAP :\n{liste}\n\n"
            f"Ouvrir le paramétrage maintenant ?") != QMessageBox.StandardButton.Yes:
        return None
    dialogue = PesFactureAsapDialog(state, state.ctx, parent)
    dialogue.open()
    return dialogue


def ouvrir_asap(parent: QWidget, state: AppState, titre: TitreDetail,
                existante: AsapDetail | None) -> QDialog | None:
    """*PES Facture ASAP* on a titre: its entry dialog (opened), or — paramétrage incomplete —
    the missing fields named and the paramétrage dialog offered; None when nothing opens."""
    if titre.ligne.type_asap is None:
        QMessageBox.warning(parent, "PES Facture ASAP", (
            f"{nom_titre(titre)} : pas de Type ASAP PES. Choisissez-le dans l'onglet Compl 1 (01 à "
            f"éditer, 02 Chorus Pro, 04 sans traitement DGFIP), enregistrez, puis saisissez l'ASAP."))
        return None
    try:
        with state.lecture() as session:
            manquants = parametrage_asap_manquant(session, state.ctx)
    except Exception as exc:  # shown, never a traceback
        afficher_erreur(parent, exc, "PES Facture ASAP")
        return None
    if manquants:
        return proposer_parametrage(parent, state, manquants)
    dialogue = SaisieAsapDialog(state, titre, existante, parent)
    dialogue.open()
    return dialogue


def nom_titre(titre: TitreDetail) -> str:
    l = titre.ligne
    return f"Titre n° {l.numero}" if l.numero else f"Titre {l.id} (non numéroté)"
