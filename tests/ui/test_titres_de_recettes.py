"""Recettes › Titres de recettes (pytest-qt, SQLite): a titre typed through the form, saved and
validated; *Avec TVA* totals computed exactly; Valider gives every reason and writes nothing;
the *PES Facture ASAP* dialog (live totals, refusal when they differ, saved), the missing
paramétrage named with its dialog offered, an imported PES Facture attached or refused; a
numbered titre reduced through *Annuler*."""
from __future__ import annotations

from decimal import Decimal

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog
from sqlalchemy import func, select

from corail.db.models import PJ, Piece, PiecePJ
from corail.domain.etats import EtatPiece
from corail.services.asap import lire_asap_titre
from corail.services.numerotation import lister_bordereaux
from corail.services.tiers import TiersSaisie, creer_tiers
from corail.services.titres import lister_titres
from tests.asap_fixtures import LIGNES, debiteur_public, facture_externe, parametrer, titre_asap, xml_externe
from ui.asap_saisie import LIBELLE, PRIX, QUANTITE, TAUX, TTC, SaisieAsapDialog
from ui.ecrans import classe_ecran
from ui.ecrans import ecran as ecran_du_registre
from ui.pes_facture_asap import PesFactureAsapDialog
from ui.titres_de_recettes import TitresDeRecettesScreen
from ui.titres_de_recettes_imputations import ARTICLE, AXES, FONCTION, TOTAL, ligne_vide
from ui.titres_de_recettes_imputations import TAUX as TAUX_TITRE

pytestmark = pytest.mark.gui


@pytest.fixture
def ecran(qtbot, state) -> TitresDeRecettesScreen:
    widget = TitresDeRecettesScreen(state)
    qtbot.addWidget(widget)
    return widget


@pytest.fixture
def debiteur(state) -> int:
    with state.transaction() as session:
        return debiteur_public(session, state.ctx)


def _titres(state):
    with state.lecture() as session:
        return lister_titres(session, state.ctx)


def _choisir(ecran, titre_id: int) -> None:
    ecran.montrer_titre(titre_id)
    assert ecran.titre_id == titre_id


def _saisir(ecran, debiteur: int, lignes: list[tuple[str, str, str | None]], *, asap: str | None = None,
            avec_tva: bool = False, saisie_ttc: bool = True) -> None:
    """A new titre in the form: the débiteur, Avec TVA / Saisie TTC, lines (article, montant, taux)."""
    ecran.ajouter()
    ecran.definir_tiers(debiteur)
    f = ecran.formulaire
    f.titre.objet.setText("Location de la salle des fêtes")
    f.titre.avec_tva.setChecked(avec_tva)
    f.titre.saisie_ttc.setChecked(saisie_ttc)
    f.type_asap.setCurrentIndex(f.type_asap.findData(asap))
    modele = f.grille.modele
    for article, montant, taux in lignes:
        row = modele.ajouter(ligne_vide())
        assert modele.setData(modele.index(row, ARTICLE), article)
        assert modele.setData(modele.index(row, TOTAL), montant)
        if taux is not None:
            assert modele.setData(modele.index(row, TAUX_TITRE), taux)


def test_registre_menu_recettes_et_modeles(qtmodeltester, qtbot, demo_state):
    e = ecran_du_registre("titres_de_recettes")
    assert (e.menu, e.raccourci) == ("Recettes", "Ctrl+Shift+1")
    assert classe_ecran(e) is TitresDeRecettesScreen
    widget = TitresDeRecettesScreen(demo_state)
    qtbot.addWidget(widget)
    m = widget.titres
    assert m.rowCount() == 4
    colonne = [m.data(m.index(r, m.colonne("Montant"))) for r in range(4)]
    assert colonne[2] == "6\u00a0240,00"
    assert m.data(m.index(2, m.colonne("ASAP"))) == "02"
    assert m.data(m.index(0, m.colonne("Montant")), Qt.ItemDataRole.TextAlignmentRole) is not None
    qtmodeltester.check(m)
    qtmodeltester.check(widget.formulaire.grille.modele)
    qtmodeltester.check(widget.formulaire.pj)


def test_titre_saisi_enregistre_puis_valide(ecran, state, debiteur, boites):
    _saisir(ecran, debiteur, [("70323", "300,00", None), ("70323", "120", None)], asap="02")
    assert ecran.modifie and not ecran.vue.isEnabled()
    assert "Total : 420,00" in ecran.formulaire.grille.total.text()
    assert ecran.enregistrer(), boites
    (t,) = _titres(state)
    assert (t.montant, t.etat, t.type_asap, t.tiers) == (Decimal("420.00"), EtatPiece.BROUILLON, "02",
                                                         "Communauté de communes du Val")
    assert ecran.titre_id == t.id and not ecran.modifie
    assert ecran.valider()
    assert _titres(state)[0].etat == EtatPiece.VALIDE
    assert "Validé" in ecran.entete.text()


def test_avec_tva_totaux_exacts_et_axes(ecran, state, debiteur):
    _saisir(ecran, debiteur, [("70323", "100,00", "20"), ("70323", "33,33", "5,5")],
            avec_tva=True, saisie_ttc=False)
    modele, grille = ecran.formulaire.grille.modele, ecran.formulaire.grille
    assert not grille.vue.isColumnHidden(TAUX_TITRE)
    assert modele.headerData(TOTAL, Qt.Orientation.Horizontal) == "Total HT"
    # 100,00 HT + 20,00 ; 33,33 HT + 1,83315 → 1,83 : TTC 155,16
    assert grille.total.text() == ("Total HT : 133,33   TVA : 21,83   <b>Total TTC : 155,16</b>")
    assert modele.setData(modele.index(0, FONCTION), "")  # no fonction: the Axes cell is empty
    assert modele.data(modele.index(0, AXES)) == ""
    assert ecran.enregistrer()
    with state.lecture() as session:
        piece = session.scalars(select(Piece)).one()
        assert (piece.montant, piece.montant_ht) == (Decimal("155.16"), Decimal("133.33"))
    # Saisie TTC: 100,00 TTC at 5,5 % → HT 94,79, TVA 5,21
    ecran.formulaire.titre.saisie_ttc.setChecked(True)
    modele.setData(modele.index(0, TAUX_TITRE), "5,5")
    assert modele.montants(modele.lignes()[0]).ht == Decimal("94.79")
    assert modele.headerData(TOTAL, Qt.Orientation.Horizontal) == "Total TTC"


def test_refus_de_valider_toutes_les_raisons_rien_ecrit(ecran, state, boites):
    with state.transaction() as session:
        sans_adresse = creer_tiers(session, state.ctx, TiersSaisie(
            nom="Martin", prenom="Paul", type_identifiant="09", cat_tiers="01", nat_jur="01")).id
    _saisir(ecran, sans_adresse, [("70323", "0", None)], asap="01")
    assert not ecran.valider()
    (boite,) = [b for b in boites if b.genre == "warning"]
    assert "ne peut pas être validé" in boite.texte
    assert "montant nul" in boite.texte and "adresse postale" in boite.texte
    assert _titres(state) == []  # the save and the validation were one refused transaction


def test_article_de_depense_refuse_dans_la_cellule(ecran, debiteur):
    _saisir(ecran, debiteur, [])
    modele = ecran.formulaire.grille.modele
    row = modele.ajouter(ligne_vide())
    assert not modele.setData(modele.index(row, ARTICLE), "60632")
    assert "recette" in ecran.formulaire.grille.message.text()


def _titre_asap(state, debiteur, *, numeroter=False) -> int:
    with state.transaction() as session:
        return titre_asap(session, state.ctx, debiteur, numeroter=numeroter)


def test_parametrage_manquant_nomme_les_champs_et_ouvre_le_dialogue(ecran, state, debiteur, boites):
    titre = _titre_asap(state, debiteur)
    _choisir(ecran, titre)
    dialogue = ecran.pes_facture_asap()
    (question,) = [b for b in boites if b.genre == "question"]
    assert "PES Facture ASAP (Paramétrage global)" in question.texte
    assert "Horaires d'ouverture" in question.texte and "Trésorerie" in question.texte
    assert isinstance(dialogue, PesFactureAsapDialog)
    dialogue.close()


def _taper_lignes(dialogue: SaisieAsapDialog, lignes) -> None:
    m = dialogue.modele
    for n, l in enumerate(lignes):
        row = n if n < m.rowCount() else m.ajouter()
        for col, valeur in ((LIBELLE, l.libelle), (QUANTITE, str(l.quantite).replace(".", ",")),
                            (PRIX, str(l.prix_unitaire_ht).replace(".", ",")), (TAUX, str(l.taux_tva))):
            assert m.setData(m.index(row, col), valeur)


def test_asap_saisie_totaux_en_direct_refus_puis_enregistree(qtmodeltester, ecran, state, debiteur, boites):
    with state.transaction() as session:
        parametrer(session, state.ctx)
    titre = _titre_asap(state, debiteur)
    _choisir(ecran, titre)
    dialogue = ecran.pes_facture_asap()
    assert isinstance(dialogue, SaisieAsapDialog)
    _taper_lignes(dialogue, LIGNES[:1])  # 2 × 150,00 HT at 20 %: 360,00 TTC, the titre is 420,00
    assert "Total TTC : 360,00" in dialogue.totaux.text()
    assert "Écart avec le titre : -60,00" in dialogue.ecart.text()
    assert dialogue.enregistrer() is None  # refused by the service: nothing written
    assert "différent du montant TTC" in boites[-1].texte
    with state.lecture() as session:
        assert lire_asap_titre(session, state.ctx, titre) is None
    _taper_lignes(dialogue, LIGNES)
    m = dialogue.modele
    qtmodeltester.check(m)
    assert m.data(m.index(1, TTC)) == "60,00"  # 1,5 × 33,33 = 49,995 → 50,00 HT + 10,00
    assert "Égal au titre (TTC)" in dialogue.ecart.text()
    m.setData(m.index(1, QUANTITE), "1,555")
    assert "quantité" in dialogue.erreurs.text() and not dialogue.bouton_enregistrer.isEnabled()
    m.setData(m.index(1, QUANTITE), "1,5")
    assert dialogue.enregistrer() is not None
    with state.lecture() as session:
        asap = lire_asap_titre(session, state.ctx, titre)
    assert (asap.montant_ttc, len(asap.lignes), asap.origine) == (Decimal("420.00"), 2, "saisie")
    assert ecran.asap is not None and "(enregistrée)" in ecran.boutons["asap"].text()
    assert "joint à la numérotation" in ecran.formulaire.note_pj.text()


def test_asap_importee_attachee_ou_refusee(ecran, state, debiteur, boites, tmp_path, monkeypatch):
    with state.transaction() as session:
        parametrer(session, state.ctx)
    titre = _titre_asap(state, debiteur, numeroter=True)
    with state.lecture() as session:
        (bord,) = lister_bordereaux(session, state.ctx)
    numero = _titres(state)[0].numero
    faux = tmp_path / "fluo_faux.xml"
    faux.write_bytes(xml_externe(facture_externe(2026, bord.numero, numero, total=Decimal("400.00"))))
    bon = tmp_path / "fluo.xml"
    bon.write_bytes(xml_externe(facture_externe(2026, bord.numero, numero)))
    _choisir(ecran, titre)
    dialogue = ecran.pes_facture_asap()
    for fichier in (faux, bon):
        monkeypatch.setattr(QFileDialog, "getOpenFileName",
                            staticmethod(lambda *a, f=fichier, **k: (str(f), "")))
        dialogue.importer()
        if fichier is faux:
            assert "fluo_faux.xml" in boites[-1].texte and "différent" in boites[-1].texte
            with state.lecture() as session:
                assert not session.scalar(select(func.count()).select_from(PiecePJ))
    with state.lecture() as session:
        (nom,) = session.scalars(select(PJ.nom).join(PiecePJ, PiecePJ.pj_id == PJ.id)).all()
    assert nom.startswith("PES_Facture_ASAP_2026_T")
    assert [p[2] for p in ecran.formulaire.pj.lignes()] == ["asap"]
    assert ecran.formulaire.tabText(4) == "P. Jointes (1)"
    assert ecran.formulaire.boutons_pj["avis"].isEnabled()
    sortie = tmp_path / "avis.pdf"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(sortie), "")))
    assert ecran.imprimer_avis() == sortie and sortie.read_bytes().startswith(b"%PDF")


def test_titre_numerote_lecture_seule_et_reduction(ecran, state, debiteur):
    titre = _titre_asap(state, debiteur, numeroter=True)
    _choisir(ecran, titre)
    assert ecran.formulaire.titre.objet.isReadOnly() and not ecran.boutons["supprimer"].isEnabled()
    dialogue = ecran.annuler()
    dialogue.reduction.setChecked(True)
    dialogue.montant.setText("20,00")
    dialogue.motif.setText("Salle rendue un jour plus tôt")
    assert dialogue.enregistrer()
    reduction = next(t for t in _titres(state) if t.montant < 0)
    assert (reduction.montant, reduction.etat, reduction.piece_origine_id) == (
        Decimal("-20.00"), EtatPiece.VALIDE, titre)
