"""Téléprocédures › Suivi démat: the models, a search, a flux showing its invoices, an invoice
showing its étapes and timeline, Accès and Ouvrir le XML — on data built here."""
from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import date, datetime

import pytest
from sqlalchemy import select

from corail.context import FixedClock
from corail.dates import UTC
from corail.db.models import Collectivite, FactureDemat, PesAller
from corail.formats.pivot_builder import build_pivot, exemple_facture, exemple_flux
from corail.services.flux import enregistrer_flux
from corail.services.mandatement import mandater
from ui.suivi_demat import SuiviDematScreen

pytestmark = pytest.mark.gui
FOURNISSEURS = {"FAC-1": "Bâtiments Loiret Rénovation", "FAC-2": "Papeterie du Centre",
                "QM-7": "Quincaillerie Martin SARL"}


@pytest.fixture
def ecran(qtbot, state, tmp_path):
    """Two flux read (FAC-1 and FAC-2 on 01/10, QM-7 on 05/10, mandated), one downloaded file
    never read, one PES Aller."""
    reception = tmp_path / "reception"
    reception.mkdir()
    with state.transaction() as s:
        s.get(Collectivite, state.ctx.collectivite_id).repertoire_flux = str(reception)
        for jour, numeros in ((1, ("FAC-1", "FAC-2")), (5, ("QM-7",))):
            pivot = exemple_flux(*(exemple_facture(
                n, siret_debiteur="21310555400017", code_service=None, avec_pdf=False,
                fournisseur=("31245678300017", FOURNISSEURS[n])) for n in numeros))
            data = build_pivot(pivot)
            enregistrer_flux(s, replace(state.ctx, clock=FixedClock(datetime(2026, 10, jour, 8, tzinfo=UTC))),
                             pivot, nom_fichier=f"flux_{jour}.xml",
                             sha256=hashlib.sha256(data).hexdigest(), taille=len(data))
        s.flush()
        mandater(s, state.ctx, [s.scalar(select(FactureDemat.id).where(FactureDemat.numero == "QM-7"))])
        (reception / "nouveau.xml").write_bytes(build_pivot(exemple_flux(exemple_facture(
            "NEW-1", siret_debiteur="21310555400017", code_service=None, avec_pdf=False))))
        xml = tmp_path / "PES_1.xml"
        xml.write_text("<PES_Aller/>")
        s.add(PesAller(budget_id=state.ctx.budget_id, nom_fichier=xml.name, chemin=str(xml),
                       nom_fic="PES_1", sha256="0" * 64, taille=12, date_str=date(2026, 10, 15),
                       nb_bordereaux=1, nb_pieces=2, montant="1234.50", etat="transmis",
                       genere_le=datetime(2026, 10, 15, 10, tzinfo=UTC), genere_par="agent.test"))
    w = SuiviDematScreen(state)
    qtbot.addWidget(w)
    return w


def _textes(modele, colonne):
    c = modele.colonne(colonne)
    return [modele.data(modele.index(r, c)) for r in range(modele.rowCount())]


def test_modeles(ecran, qtmodeltester):
    f = ecran.factures
    for modele in (f.flux, f.factures, f.etapes, ecran.pes_aller.modele, ecran.pes_retour.modele):
        qtmodeltester.check(modele)
    assert [o for o in (ecran.onglets.tabText(i) for i in range(3))] == [
        "PES Aller", "PES Retour", "Facture démat"]


def test_flux_factures_etapes_et_chronologie(ecran, qtbot):
    f = ecran.factures
    assert _textes(f.flux, "Nom") == ["flux_5.xml", "flux_1.xml"]  # last read first
    assert f.pager_flux.libelle.text() == "1–2 sur 2"
    assert _textes(f.factures, "N° facture") == ["QM-7"]  # the first flux is chosen
    assert _textes(f.factures, "Accès") == ["Mandat non numéroté (brouillon)"]
    f.vue_flux.selectRow(1)
    assert _textes(f.factures, "N° facture") == ["FAC-1", "FAC-2"]
    assert _textes(f.factures, "Montant TTC")[0] == "1\u00a0200,00"
    f.vue_factures.selectRow(0)
    assert _textes(f.etapes, "Étape") == ["Lecture flux"]
    assert _textes(f.etapes, "Date") == ["01/10/2026 10h00"]  # Paris time
    assert "Lecture flux" in f.chronologie.text() and "flux_1.xml" in f.chronologie.text()
    assert not f.bouton_acces.isEnabled()


def test_recherche(ecran, boites):
    f = ecran.factures
    f.fournisseur.setText("renovation LOIRET")
    f.rechercher()
    assert _textes(f.flux, "Nom") == ["flux_1.xml"]
    assert _textes(f.flux, "Factures") == ["1"]
    assert _textes(f.factures, "N° facture") == ["FAC-1"]
    f.effacer()
    f.du.setText("02/10/2026")
    f.rechercher()
    assert _textes(f.flux, "Nom") == ["flux_5.xml"]
    f.ttc_min.setText("2 000,00")
    f.rechercher()
    assert f.flux.rowCount() == 0 and "Aucun flux" in f.message.text()
    f.du.setText("31/02/2026")
    f.rechercher()
    assert boites[-1].genre == "warning" and "Flux lu entre le" in boites[-1].texte
    assert f.criteres.ttc_min is not None  # the refused search changed nothing


def test_fichiers_non_traites_et_pes(ecran, boites):
    f = ecran.factures
    assert f.bloc_fichiers.isHidden()
    f.non_traites.setChecked(True)
    assert not f.bloc_fichiers.isHidden()
    assert _textes(f.fichiers, "Fichier") == ["nouveau.xml"]
    assert "(1)" in f.titre_fichiers.text()
    pes = ecran.pes_aller
    assert _textes(pes.modele, "Nom") == ["PES_1.xml"]
    assert _textes(pes.modele, "État") == ["Transmis, en attente d'acquittement"]
    pes.vue.selectRow(0)
    assert pes.ouvrir_xml().name == "PES_1.xml"
    assert boites[-1].genre == "openUrl" and boites[-1].texte.endswith("PES_1.xml")


def test_acces_ouvre_le_mandat_dans_saisie_des_mandats(ecran, state, qtbot):
    from ui.main_window import MainWindow

    fenetre = MainWindow(state)
    qtbot.addWidget(fenetre)
    suivi = fenetre.ouvrir("suivi_demat")
    f = suivi.factures
    f.vue_factures.selectRow(0)
    piece_id = f.ligne_facture().piece_id
    assert piece_id is not None and f.bouton_acces.isEnabled()
    f.bouton_acces.click()
    assert fenetre.ecran_courant() == "saisie_des_mandats"
    saisie = fenetre.ecrans["saisie_des_mandats"]
    assert saisie.mandat_id == piece_id and saisie.detail.ligne.id == piece_id
