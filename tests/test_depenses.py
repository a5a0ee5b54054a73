"""Dépenses, as an accountant would check them: invoice → mandat → validé → numéroté →
bordereau; unbalanced refused; numbered read-only; annulation on a type 02 bordereau; débit
d'office through the waiting train; délai de paiement paused by a suspension."""
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from corail.db.models import Bordereau, FactureDemat, Piece, StatutChorus, Tiers
from corail.domain.dgp import Suspension, delai, interets_moratoires
from corail.errors import ValidationError
from corail.formats.pivot_builder import build_pivot, exemple_facture, exemple_flux
from corail.services.engagements import creer_engagement, lister_engagements
from corail.services.mandatement import facturer, mandater
from corail.services.mandats import (
    ImputationSaisie, MandatSaisie, creer_mandat, detail_mandat, dupliquer_mandat, modifier_mandat,
    supprimer_mandat, valider_mandat,
)
from corail.services.numerotation import annuler_mandat, lister_bordereaux, numeroter
from corail.services.pivot_import import importer_fichier
from corail.services.registre import lister_registre
from corail.services.rejets import rejeter
from corail.services.trains import creer_train, deplacer_mandats, liberer_train, lister_trains
from tests.pivot_fixtures import ecrire


def _factures(session, ctx, tmp_path, *factures):
    tmp_path.mkdir(exist_ok=True)
    importer_fichier(session, ctx, ecrire(tmp_path, "f.xml", build_pivot(exemple_flux(*factures))))
    return {fd.numero: fd for fd in session.scalars(select(FactureDemat))}


def _f(numero, **kw):
    return exemple_facture(numero, siret_debiteur="21310555400017", code_service=None,
                           avec_pdf=False, **kw)


def _mandat(session, ctx, fd, **kw):
    (t,) = mandater(session, ctx, [fd.id], **kw).traitees
    return t.piece_id


def test_de_la_facture_au_bordereau(session, ctx, tmp_path):
    fds = _factures(session, ctx, tmp_path, _f("F-1", montant_ht="1000.00"), _f("F-2", montant_ht="250.00"))
    ids = [_mandat(session, ctx, fds[n]) for n in ("F-1", "F-2")]
    for i in ids:
        assert valider_mandat(session, ctx, i).ligne.etat == "valide"
    res = numeroter(session, ctx, train="Normal")
    (b,) = res.bordereaux
    assert (b.numero, b.type_bord, b.nb_pieces, b.montant) == (1, "01", 2, Decimal("1500.00"))
    assert [n for _, n in b.mandats] == [1, 2]
    assert [session.get(Piece, i).etat for i in ids] == ["numerote", "numerote"]
    statuts = session.scalars(select(StatutChorus).order_by(StatutChorus.id)).all()
    assert [(s.code, s.numero_mandat) for s in statuts] == [("08", "1"), ("08", "2")]
    assert [e.etape for e in fds["F-1"].etapes][-2:] == ["numerotation", "bordereau"]
    (ligne,) = lister_bordereaux(session, ctx)
    assert (ligne.numero, ligne.montant, ligne.etat) == (1, Decimal("1500.00"), "cree")
    with pytest.raises(ValidationError, match="Aucun mandat validé"):
        numeroter(session, ctx, train="Normal")


def test_mandat_desequilibre_refuse_avec_l_ecart(session, ctx, tmp_path):
    fds = _factures(session, ctx, tmp_path, _f("F-3", montant_ht="1000.00"))
    mid = _mandat(session, ctx, fds["F-3"])
    saisie = detail_mandat(session, ctx, mid).saisie
    moins = (ImputationSaisie("60632", Decimal("1199.99")),)
    modifier_mandat(session, ctx, mid, MandatSaisie(**{**saisie.__dict__, "imputations": moins}))
    with pytest.raises(ValidationError) as exc:
        valider_mandat(session, ctx, mid)
    assert "écart -0,01" in str(exc.value) and "1\u00a0199,99" in str(exc.value)


def test_mandat_numerote_en_lecture_seule(session, ctx, tmp_path):
    fds = _factures(session, ctx, tmp_path, _f("F-4"))
    mid = _mandat(session, ctx, fds["F-4"])
    valider_mandat(session, ctx, mid)
    numeroter(session, ctx, train="Normal")
    saisie = detail_mandat(session, ctx, mid).saisie
    with pytest.raises(ValidationError, match="ne se modifie plus"):
        modifier_mandat(session, ctx, mid, saisie)
    with pytest.raises(ValidationError, match="seul un brouillon se supprime"):
        supprimer_mandat(session, ctx, mid)


def test_annulation_et_reduction_sur_bordereau_02(session, ctx, tmp_path):
    fds = _factures(session, ctx, tmp_path, _f("F-5", montant_ht="1000.00"))
    mid = _mandat(session, ctx, fds["F-5"])
    valider_mandat(session, ctx, mid)
    numeroter(session, ctx, train="Normal")
    reduction = annuler_mandat(session, ctx, mid, motif="Remise oubliée", montant=Decimal("200.00"))
    assert session.get(Piece, reduction).montant == Decimal("-200.00")
    with pytest.raises(ValidationError, match="reste 1\u00a0000,00"):
        annuler_mandat(session, ctx, mid, motif="trop", montant=Decimal("1000.01"))
    annulation = annuler_mandat(session, ctx, mid, motif="Facture annulée")
    assert session.get(Piece, annulation).montant == Decimal("-1000.00")
    (b,) = numeroter(session, ctx, train="Normal").bordereaux
    assert (b.type_bord, b.numero, b.montant) == ("02", 1, Decimal("-1200.00"))
    assert session.get(Piece, mid).etat == "annule"
    with pytest.raises(ValidationError, match="déjà une annulation"):
        annuler_mandat(session, ctx, reduction, motif="x")
    brouillon = _mandat(session, ctx, _factures(session, ctx, tmp_path / "b", _f("F-5b"))["F-5b"])
    with pytest.raises(ValidationError, match="seul un mandat numéroté"):
        annuler_mandat(session, ctx, brouillon, motif="x")


def test_debit_d_office_train_d_attente_puis_liberation(session, ctx, tmp_path):
    fds = _factures(session, ctx, tmp_path, _f("EDF-1", mode_paiement="49", montant_ht="100.00"))
    mid = _mandat(session, ctx, fds["EDF-1"])
    with pytest.raises(ValidationError, match="train d'attente"):
        numeroter(session, ctx, train="attente")
    with pytest.raises(ValidationError, match="régularisation"):
        deplacer_mandats(session, ctx, [mid], "Normal")
    with pytest.raises(ValidationError, match="dans le futur"):
        liberer_train(session, ctx, "attente", reference="BR-12", le=ctx.today() + timedelta(days=3))
    res = liberer_train(session, ctx, "attente", reference="BR-12", le=date(2026, 10, 14))
    (b,) = res.bordereaux
    bord = session.get(Bordereau, b.id)
    assert (bord.reference_regularisation, bord.date_regularisation) == ("BR-12", date(2026, 10, 14))
    piece = session.get(Piece, mid)
    assert piece.etat == "numerote" and piece.type_pce == "05" and piece.numero == 1


def test_tous_les_trains_avertit_du_train_d_attente(session, ctx, tmp_path):
    fds = _factures(session, ctx, tmp_path, _f("T-1"), _f("EDF-2", mode_paiement="49"))
    valider_mandat(session, ctx, _mandat(session, ctx, fds["T-1"]))
    _mandat(session, ctx, fds["EDF-2"])
    res = numeroter(session, ctx, train=None)
    assert res.avertissements == ("Trains d'attente non numérotés : attente",)
    trains = {t.nom: t for t in lister_trains(session, ctx)}
    assert trains["attente"].brouillons == 1


def test_saisie_directe_duplication_suppression(session, ctx, tmp_path):
    tiers = Tiers(collectivite_id=ctx.collectivite_id, nom="Association des fêtes", cree_le=ctx.now())
    session.add(tiers)
    session.flush()
    saisie = MandatSaisie(tiers_id=tiers.id, objet="Subvention 2026", mode_reglement="02",
                          imputations=(ImputationSaisie("6281", Decimal("1500.00"), "Cotisation"),))
    d = creer_mandat(session, ctx, saisie)
    assert d.ligne.montant == Decimal("1500.00") and d.ligne.etat == "brouillon"
    copie = dupliquer_mandat(session, ctx, d.ligne.id)
    assert copie.ligne.id != d.ligne.id and copie.saisie.imputations == d.saisie.imputations
    supprimer_mandat(session, ctx, copie.ligne.id)
    assert valider_mandat(session, ctx, d.ligne.id).ligne.etat == "valide"


def test_supprimer_un_brouillon_rend_la_facture(session, ctx, tmp_path):
    fds = _factures(session, ctx, tmp_path, _f("F-6"))
    supprimer_mandat(session, ctx, _mandat(session, ctx, fds["F-6"]))
    assert fds["F-6"].etat == "a_traiter"


def test_inventaire_obligatoire_en_investissement(session, ctx, tmp_path):
    fds = _factures(session, ctx, tmp_path, _f("F-7"))
    mid = _mandat(session, ctx, fds["F-7"], article="2183")
    with pytest.raises(ValidationError) as exc:
        valider_mandat(session, ctx, mid)
    assert "n° d'inventaire obligatoire" in str(exc.value)
    saisie = detail_mandat(session, ctx, mid).saisie
    modifier_mandat(session, ctx, mid, MandatSaisie(**{**saisie.__dict__, "numero_inventaire": "INV-2026-4"}))
    assert valider_mandat(session, ctx, mid).ligne.etat == "valide"


def test_engagement_consomme_et_depassement_refuse(session, ctx, tmp_path):
    creer_engagement(session, ctx, numero="E-1", article="60632", montant=Decimal("1500.00"))
    fds = _factures(session, ctx, tmp_path, _f("F-8", montant_ht="1000.00", numero_engagement="E-1"),
                    _f("F-9", montant_ht="1000.00", numero_engagement="E-1"))
    valider_mandat(session, ctx, _mandat(session, ctx, fds["F-8"]))
    (e,) = lister_engagements(session, ctx)
    assert (e.consomme, e.solde) == (Decimal("1200.00"), Decimal("300.00"))
    with pytest.raises(ValidationError, match="engagement insuffisant"):
        valider_mandat(session, ctx, _mandat(session, ctx, fds["F-9"]))


def test_delai_de_paiement_suspendu_et_interets():
    reception = date(2026, 9, 1)
    d = delai(reception, [], date(2026, 9, 28))
    assert (d.echeance, d.jours_restants, d.alerte) == (date(2026, 10, 1), 3, "proche")
    suspendu = delai(reception, [Suspension(date(2026, 9, 10), date(2026, 9, 20))], date(2026, 10, 5))
    assert (suspendu.echeance, suspendu.jours_suspendus, suspendu.alerte) == (date(2026, 10, 11), 10, "")
    en_cours = delai(reception, [Suspension(date(2026, 9, 10), None)], date(2026, 10, 20))
    assert en_cours.alerte == "suspendue" and en_cours.jours_restants == 21
    retard = delai(reception, [], date(2026, 10, 31))
    assert (retard.jours_retard, retard.alerte) == (30, "retard")
    assert interets_moratoires(Decimal("10000.00"), 30, Decimal("10.15")) == Decimal("83.42")


def test_registre_et_suspension(session, ctx, tmp_path):
    fds = _factures(session, ctx, tmp_path, _f("R-1", montant_ht="1000.00",
                                               date_reception=date(2026, 8, 1)))
    facturer(session, ctx, [fds["R-1"].id])
    (f,) = lister_registre(session, ctx)
    assert f.echeance == date(2026, 8, 31) and f.alerte == "retard" and f.jours_restants == -45
    assert f.taux_interets == Decimal("10.15") and f.indemnite == Decimal("40.00")
    assert f.interets == interets_moratoires(Decimal("1200.00"), 45, Decimal("10.15"))
    rejeter(session, ctx, fds["R-1"].id, motif="BC manquant", code="pieces")
    (f,) = lister_registre(session, ctx)
    assert f.etat == "suspendue" and f.alerte == "suspendue"


def test_trains_utilisateur(session, ctx, tmp_path):
    creer_train(session, ctx, "Investissement")
    with pytest.raises(ValidationError, match="existe déjà"):
        creer_train(session, ctx, "Investissement")
    fds = _factures(session, ctx, tmp_path, _f("F-10"))
    mid = _mandat(session, ctx, fds["F-10"])
    deplacer_mandats(session, ctx, [mid], "Investissement")
    valider_mandat(session, ctx, mid)
    (b,) = numeroter(session, ctx, train="Investissement").bordereaux
    assert b.mandats == ((mid, 1),)


def _numeroter_en_parallele(url: str, ctx, train: str, tiers_id: int, tours: int, par_tour: int, queue):
    from corail.db.engine import Database

    db = Database(url)
    numeros, bordereaux = [], []
    saisie = MandatSaisie(tiers_id=tiers_id, objet="Fournitures", mode_reglement="02", train=train,
                          imputations=(ImputationSaisie("60632", Decimal("10.00")),))
    for _ in range(tours):
        with db.transaction() as s:
            for _ in range(par_tour):
                valider_mandat(s, ctx, creer_mandat(s, ctx, saisie).ligne.id)
        with db.transaction() as s:
            for b in numeroter(s, ctx, train=train).bordereaux:
                bordereaux.append(b.numero)
                numeros += [n for _, n in b.mandats]
    db.dispose()
    queue.put((numeros, bordereaux))


@pytest.mark.postgres
def test_deux_postes_numerotent_en_meme_temps(pg_db):
    import multiprocessing

    from tests.conftest import init_collectivite
    ctx = init_collectivite(pg_db)
    with pg_db.transaction() as s:
        tiers = Tiers(collectivite_id=ctx.collectivite_id, nom="Fournisseur", cree_le=ctx.now())
        s.add(tiers)
        s.flush()
        tiers_id = tiers.id
        creer_train(s, ctx, "Poste 1")
        creer_train(s, ctx, "Poste 2")
    mp = multiprocessing.get_context("spawn")
    queue = mp.Queue()
    procs = [mp.Process(target=_numeroter_en_parallele, args=(pg_db.url, ctx, f"Poste {i}", tiers_id,
                                                              5, 20, queue)) for i in (1, 2)]
    for p in procs:
        p.start()
    resultats = [queue.get(timeout=600) for _ in procs]
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    numeros = sorted(resultats[0][0] + resultats[1][0])
    bordereaux = sorted(resultats[0][1] + resultats[1][1])
    assert numeros == list(range(1, 201))
    assert bordereaux == list(range(1, 11))


def test_pieces_jointes_du_mandat(session, ctx, tmp_path):
    from corail.services.mandats_pj import ajouter_pj, retirer_pj
    fds = _factures(session, ctx, tmp_path, _f("P-1", avec_pj_complementaire=True))
    mid = _mandat(session, ctx, fds["P-1"])
    bon = tmp_path / "bon_de_commande.pdf"
    bon.write_bytes(b"%PDF-1.4 bon de commande")
    pj_id = ajouter_pj(session, ctx, mid, bon)
    assert [p[1] for p in detail_mandat(session, ctx, mid).pj][-1] == "bon_de_commande.pdf"
    chorus = detail_mandat(session, ctx, mid).pj[0][0]
    with pytest.raises(ValidationError, match="vient de Chorus Pro"):
        retirer_pj(session, ctx, mid, chorus)
    retirer_pj(session, ctx, mid, pj_id)
    assert len(detail_mandat(session, ctx, mid).pj) == 2


def test_imprimer_un_bordereau(session, ctx, tmp_path):
    from pypdf import PdfReader

    from corail.services.edition import imprimer_mandats
    fds = _factures(session, ctx, tmp_path, _f("I-1", montant_ht="2731.18"), _f("I-2", montant_ht="96.50"))
    for fd in fds.values():
        valider_mandat(session, ctx, _mandat(session, ctx, fd))
    (b,) = numeroter(session, ctx, train="Normal").bordereaux
    res = imprimer_mandats(session, ctx, tmp_path / "mandats.pdf", bordereau_id=b.id)
    assert (res.mandats, res.pages) == (2, 3)
    texte = " ".join(p.extract_text() for p in PdfReader(tmp_path / "mandats.pdf").pages).replace("\xa0", " ")
    assert "MANDAT DE PAIEMENT N° 1" in texte and "3 277,42" in texte
    assert "trois mille deux cent soixante-dix-sept euros et quarante-deux centimes" in texte
    bord = " ".join(p.extract_text() for p in PdfReader(tmp_path / "mandats_bordereau_1.pdf").pages)
    assert "3 393,22" in bord.replace("\xa0", " ")
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix == ".pdf") == [
        "mandats.pdf", "mandats_bordereau_1.pdf"]
    assert [e.etape for e in fds["I-1"].etapes][-1] == "impression"
