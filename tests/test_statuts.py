"""Chorus Pro status rules: what the recipient may set, the mandatory motif, the mandat number,
the refusals Chorus Pro would make, the 2025 amount rule (sommes admises) and the history."""
from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from corail.dates import UTC
from corail.db.models import FactureDemat, Piece, StatutChorus
from corail.errors import ValidationError
from corail.formats.pivot_builder import build_pivot, exemple_facture, exemple_flux
from corail.services.pivot_import import importer_fichier
from corail.services.rejets import annuler_rejet, rejeter
from corail.services.statuts import (
    ajouter_statut, definir_statut, historique_statuts, lister_statuts, marquer_saisis,
    motif_sommes_admises, statut_dans_chorus, statut_mandatement,
)
from tests.pivot_fixtures import ecrire

SIRET = "21310555400017"


def _lire(session, ctx, tmp_path, *numeros):
    factures = [exemple_facture(n, siret_debiteur=SIRET, code_service=None, avec_pdf=False,
                                montant_ht="1000.00") for n in numeros]
    importer_fichier(session, ctx, ecrire(tmp_path, "flux.xml", build_pivot(exemple_flux(*factures))))
    return {fd.numero: fd for fd in session.scalars(select(FactureDemat))}


def _lu_dans_chorus(session, fd, code, jours=1):
    """A status read from Chorus Pro's history (what Hélios set)."""
    session.add(StatutChorus(facture_demat_id=fd.id, code=code, horodatage=datetime(2026, 10, 15, tzinfo=UTC)
                             + timedelta(days=jours), envoi="transmis", origine="chorus",
                             utilisateur="DGFIP Hélios", tentatives=0))
    session.flush()


def test_motif_obligatoire_et_numero_de_mandat(session, ctx, tmp_path):
    fd = _lire(session, ctx, tmp_path, "F-1")["F-1"]
    for code in ("04", "05", "06"):
        with pytest.raises(ValidationError, match=rf"\({code}\) exige un motif"):
            ajouter_statut(session, ctx, fd, code, motif="  ")
    with pytest.raises(ValidationError, match="numéro du mandat"):
        ajouter_statut(session, ctx, fd, "08")
    with pytest.raises(ValidationError, match="« 17 » inconnu"):
        ajouter_statut(session, ctx, fd, "17")
    with pytest.raises(ValidationError, match="motif trop long"):
        ajouter_statut(session, ctx, fd, "05", motif="x" * 256)
    assert session.scalars(select(StatutChorus)).all() == []


def test_rejet_en_file_puis_definitif_une_fois_transmis(session, ctx, tmp_path):
    fds = _lire(session, ctx, tmp_path, "F-1", "F-2")
    res = rejeter(session, ctx, fds["F-1"].id, motif="facture en double", code="autre")
    (statut,) = lister_statuts(session, ctx)
    assert (statut.code, statut.envoi, statut.numero_facture) == ("05", "a_transmettre", "F-1")
    assert statut.motif == res.motif and statut.utilisateur == "agent.test"
    # a second status after a rejection: Chorus Pro would refuse it
    with pytest.raises(ValidationError, match="refuserait le statut « Service fait ».*attend d'y être transmis"):
        ajouter_statut(session, ctx, fds["F-1"], "07")
    marquer_saisis(session, ctx, [statut.id])
    assert lister_statuts(session, ctx) == []
    assert statut_dans_chorus(session, fds["F-1"].id)[0] == "05"
    with pytest.raises(ValidationError, match="y est « Rejetée par l.ordonnateur pour autre motif ».*définitif"):
        ajouter_statut(session, ctx, fds["F-1"], "08", numero_mandat="3")
    with pytest.raises(ValidationError, match="définitif"):
        annuler_rejet(session, ctx, fds["F-1"].id)  # services/rejets says so too
    (h,) = historique_statuts(session, ctx, fds["F-1"].id)
    assert h.envoi == "transmis" and h.mode == "portail" and "saisi sur le portail" in h.envoi_libelle


def test_plus_rien_une_fois_chez_le_comptable(session, ctx, tmp_path):
    fd = _lire(session, ctx, tmp_path, "F-1")["F-1"]
    statut = ajouter_statut(session, ctx, fd, "08", numero_mandat="12")
    marquer_saisis(session, ctx, [statut.id])
    _lu_dans_chorus(session, fd, "09")
    with pytest.raises(ValidationError, match="« Mise à disposition du comptable » depuis le "
                                              "16/10/2026 \\(le mandat est parvenu au comptable\\)"):
        ajouter_statut(session, ctx, fd, "06", motif="pièce manquante")
    _lu_dans_chorus(session, fd, "11", jours=3)
    codes = [(l.code, l.origine) for l in historique_statuts(session, ctx, fd.id)]
    assert codes == [("08", "corail"), ("09", "chorus"), ("11", "chorus")]
    assert lister_statuts(session, ctx) == []  # nothing left to set in Chorus Pro


def test_mandat_transmis_au_comptable_bloque_le_service_fait(session, ctx, tmp_path):
    fd = _lire(session, ctx, tmp_path, "F-1")["F-1"]
    session.add(Piece(type_piece="mandat", budget_id=ctx.budget_id, annee=2026, etat="transmis",
                      numero=7, facture_demat_id=fd.id, montant=Decimal("1200.00"),
                      objet="x", cree_le=ctx.now(), cree_par="agent.test"))
    session.flush()
    with pytest.raises(ValidationError, match="mandat n° 7/2026 est déjà parvenu au comptable"):
        definir_statut(session, ctx, fd.id, "07")


def test_definir_statut_dit_d_ou_viennent_les_autres(session, ctx, tmp_path):
    fd = _lire(session, ctx, tmp_path, "F-1")["F-1"]
    with pytest.raises(ValidationError, match="se rejette par Rejeter"):
        definir_statut(session, ctx, fd.id, "05", motif="x")
    with pytest.raises(ValidationError, match="comptable \\(Hélios\\)"):
        definir_statut(session, ctx, fd.id, "11")
    with pytest.raises(ValidationError, match="donné par Chorus Pro"):
        definir_statut(session, ctx, fd.id, "01")
    ligne = definir_statut(session, ctx, fd.id, "07", motif="Livraison conforme")
    assert (ligne.code, ligne.libelle, ligne.envoi) == ("07", "Service fait", "a_transmettre")


def test_montant_errone_jamais_en_rejet(session, ctx, tmp_path):
    fd = _lire(session, ctx, tmp_path, "F-1")["F-1"]
    with pytest.raises(ValidationError, match="R.2192-34"):
        rejeter(session, ctx, fd.id, motif="écart", code="montant")
    with pytest.raises(ValidationError, match="R.2192-34.*« Mandatée »"):
        ajouter_statut(session, ctx, fd, "05", motif="Montant de la facture erroné : 10 € de trop")
    assert session.scalars(select(StatutChorus)).all() == []


def test_sommes_admises_partent_en_mandatee_avec_le_motif(session, ctx, tmp_path):
    fd = _lire(session, ctx, tmp_path, "F-1")["F-1"]
    piece = Piece(type_piece="mandat", budget_id=ctx.budget_id, annee=2026, etat="numerote",
                  numero=42, facture_demat_id=fd.id, montant=Decimal("950.00"), sommes_admises=True,
                  motif_sommes_admises="Remise contractuelle non appliquée", objet="x",
                  cree_le=ctx.now(), cree_par="agent.test")
    session.add(piece)
    session.flush()
    statut = statut_mandatement(session, ctx, piece)
    assert (statut.code, statut.numero_mandat) == ("08", "42")
    assert statut.motif.replace("\u00a0", " ") == (
        "Sommes admises : 950,00 € sur 1 200,00 € facturés (art. R.2192-34 CCP) "
        "— Remise contractuelle non appliquée")
    piece.sommes_admises = False
    assert motif_sommes_admises(piece, fd) is None


def test_suspendue_puis_mandatee(session, ctx, tmp_path):
    fd = _lire(session, ctx, tmp_path, "F-1")["F-1"]
    rejeter(session, ctx, fd.id, motif="bon de livraison", code="pieces")
    (s,) = lister_statuts(session, ctx)
    marquer_saisis(session, ctx, [s.id])
    annuler_rejet(session, ctx, fd.id)  # a suspension is not final: the supplier completed it
    ajouter_statut(session, ctx, fd, "08", numero_mandat="5")
    assert [l.code for l in historique_statuts(session, ctx, fd.id)] == ["06", "08"]


def _suspensions(session, fd):
    return session.scalars(select(StatutChorus).where(StatutChorus.facture_demat_id == fd.id,
                                                      StatutChorus.code == "06")).all()


def test_une_seule_suspension_r2192_27(session, ctx, tmp_path):
    fds = _lire(session, ctx, tmp_path, "F-1", "F-2")
    fd = fds["F-1"]
    rejeter(session, ctx, fd.id, motif="bon de livraison", code="pieces")
    (s,) = lister_statuts(session, ctx)
    marquer_saisis(session, ctx, [s.id])  # the supplier was told: the délai is interrupted
    annuler_rejet(session, ctx, fd.id)  # completed by the supplier
    refus = (r"Facture F-1 : le délai de paiement ne peut être suspendu qu'une seule fois "
             r"\(article R\.2192-27 .*suspendue le 15/10/2026 : « Pièces")
    # in the caller's transaction (a savepoint here): the refused action writes nothing
    with pytest.raises(ValidationError, match=refus), session.begin_nested():
        rejeter(session, ctx, fd.id, motif="attestation", code="pieces")
    assert len(_suspensions(session, fd)) == 1 and session.get(FactureDemat, fd.id).etat == "a_traiter"
    # the transition table allows 06 → 07 → 06: the rule is checked on its own
    s07 = ajouter_statut(session, ctx, fd, "07")
    with pytest.raises(ValidationError, match="R.2192-27"):
        ajouter_statut(session, ctx, fd, "06", motif="autre pièce")
    marquer_saisis(session, ctx, [s07.id])
    with pytest.raises(ValidationError, match="une seule fois"):
        ajouter_statut(session, ctx, fd, "06", motif="autre pièce")
    # another invoice, and a suspension cancelled before reaching Chorus Pro, do not count
    rejeter(session, ctx, fds["F-2"].id, motif="devis", code="pieces")
    annuler_rejet(session, ctx, fds["F-2"].id)  # not transmitted: deleted, never notified
    assert _suspensions(session, fds["F-2"]) == []
    ajouter_statut(session, ctx, fds["F-2"], "06", motif="devis signé manquant")


def test_une_seule_suspension_meme_apres_renvoi_completee(session, ctx, tmp_path):
    facture = exemple_facture("F-9", siret_debiteur=SIRET, code_service=None, avec_pdf=False,
                              id_cpro=4321)
    importer_fichier(session, ctx, ecrire(tmp_path, "a.xml", build_pivot(exemple_flux(facture),
                                                                          version="V2_02")))
    premiere = session.scalars(select(FactureDemat)).one()
    rejeter(session, ctx, premiere.id, motif="RIB", code="pieces")
    marquer_saisis(session, ctx, [s.id for s in lister_statuts(session, ctx)])
    # the supplier completes it: Chorus Pro delivers it again (Renvoi « Complétée »)
    importer_fichier(session, ctx, ecrire(tmp_path, "b.xml", build_pivot(
        exemple_flux(replace(facture, renvoi="Complétée")), version="V2_02")))
    seconde = session.scalars(select(FactureDemat).where(FactureDemat.id != premiere.id)).one()
    assert seconde.facture_precedente_id == premiere.id
    with pytest.raises(ValidationError, match=r"R\.2192-27.*suspendue le 15/10/2026 \(livraison du "
                                              r"05/10/2026\) : « Pièces"):
        rejeter(session, ctx, seconde.id, motif="autre pièce", code="pieces")
