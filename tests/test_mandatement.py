"""Facturer, Mandater, Rejeter, Annuler le rejet — as an accountant would, on built fixtures."""
from decimal import Decimal

import pytest
from sqlalchemy import select

from corail.db.models import (
    CompteBancaire, Engagement, Facture, FactureDemat, Flux, Piece, PiecePJ, StatutChorus, Tiers, Train,
)
from corail.errors import InvalidTransition, ValidationError
from corail.formats.pivot_builder import build_pivot, exemple_facture, exemple_flux
from corail.services.collectivites import ajouter_budget
from corail.services.mandatement import facturer, mandater, repartir
from corail.services.pivot_import import importer_fichier
from corail.services.rejets import annuler_rejet, rejeter
from tests.pivot_fixtures import ecrire

SIRET = "21310555400017"


def _lire(session, ctx, tmp_path, *factures, nom="flux.xml"):
    data = build_pivot(exemple_flux(*factures))
    importer_fichier(session, ctx, ecrire(tmp_path, nom, data))
    return {fd.numero: fd for fd in session.scalars(select(FactureDemat))}


def _f(numero, **kw):
    kw.setdefault("siret_debiteur", SIRET)
    kw.setdefault("code_service", None)
    kw.setdefault("avec_pdf", False)
    return exemple_facture(numero, **kw)


def test_repartition_au_centime():
    parts = repartir(Decimal("100.00"), [Decimal("1"), Decimal("1"), Decimal("1")])
    assert parts == [Decimal("33.33"), Decimal("33.33"), Decimal("33.34")]
    assert sum(repartir(Decimal("1249.17"), [Decimal("416.39")] * 3)) == Decimal("1249.17")


def test_mandater_une_facture_avec_lignes_et_pj(session, ctx, tmp_path):
    fds = _lire(session, ctx, tmp_path, _f("F-1", montant_ht="1249.17", lignes=3,
                                           avec_pj_complementaire=True))
    res = mandater(session, ctx, [fds["F-1"].id])
    (t,) = res.traitees
    piece = session.get(Piece, t.piece_id)
    assert piece.etat == "brouillon" and piece.type_piece == "mandat"
    assert piece.montant == Decimal("1499.00")  # TTC = 1249.17 + 249.83
    assert [i.montant for i in piece.imputations] == [Decimal("499.67"), Decimal("499.67"), Decimal("499.66")]
    assert sum(i.montant for i in piece.imputations) == piece.montant
    assert all(i.article == "60632" for i in piece.imputations)
    assert piece.objet == "Facture N° F-1 du 03/10/2026 reçue le 05/10/2026"
    assert piece.pieces_justificatives == "Facture et 1 pièce(s) complémentaire(s)"
    assert piece.mode_reglement == "03" and piece.type_pce == "01" and piece.nat_pce == "01"
    assert len(session.scalars(select(PiecePJ).where(PiecePJ.piece_id == piece.id)).all()) == 2
    tiers = session.get(Tiers, piece.tiers_id)
    assert tiers.siret == "32682006500083" and tiers.cat_tiers == "60"
    compte = session.get(CompteBancaire, piece.compte_bancaire_id)
    assert compte.iban == "FR7630006000011234567890189" and compte.iban_valide
    fd = session.get(FactureDemat, fds["F-1"].id)
    assert fd.etat == "mandatee" and session.get(Flux, fd.flux_id).etat == "traite"
    assert [e.etape for e in fd.etapes] == ["lecture_flux", "mandatement"]


def test_budget_tva_mandat_en_ht(session, ctx, tmp_path):
    from corail.db.models import Budget
    session.get(Budget, ctx.budget_id).assujetti_tva = True
    fds = _lire(session, ctx, tmp_path, _f("F-2", montant_ht="1000.00", taux_tva="5.5"))
    (t,) = mandater(session, ctx, [fds["F-2"].id]).traitees
    assert t.montant == Decimal("1000.00")


def test_engagement_donne_l_article(session, ctx, tmp_path):
    session.add(Engagement(budget_id=ctx.budget_id, annee=2026, numero="ENG-7", article="6262",
                           montant=Decimal("5000"), date_engagement=ctx.today()))
    fds = _lire(session, ctx, tmp_path, _f("F-3", numero_engagement="ENG-7"))
    (t,) = mandater(session, ctx, [fds["F-3"].id]).traitees
    (imp,) = session.get(Piece, t.piece_id).imputations
    assert imp.article == "6262" and imp.engagement_id is not None


def test_debit_d_office_train_d_attente(session, ctx, tmp_path):
    fds = _lire(session, ctx, tmp_path, _f("EDF-1", mode_paiement="49"))
    (t,) = mandater(session, ctx, [fds["EDF-1"].id]).traitees
    piece = session.get(Piece, t.piece_id)
    assert piece.regularisation and piece.type_pce == "05" and piece.mode_reglement == "10"
    assert session.get(Train, piece.train_id).attente
    assert any("débit d'office" in a for a in t.avertissements)


def test_iban_invalide_garde_et_signale(session, ctx, tmp_path):
    fds = _lire(session, ctx, tmp_path, _f("F-4", iban="FR2420020202260600024M02606"))
    (t,) = mandater(session, ctx, [fds["F-4"].id]).traitees
    compte = session.get(CompteBancaire, session.get(Piece, t.piece_id).compte_bancaire_id)
    assert compte.iban == "FR2420020202260600024M02606" and not compte.iban_valide
    assert any(a.startswith("IBAN invalide") for a in t.avertissements)


def test_iban_different_du_connu(session, ctx, tmp_path):
    fds = _lire(session, ctx, tmp_path, _f("F-5"), _f("F-6", iban="FR1420041010050500013M02606"))
    mandater(session, ctx, [fds["F-5"].id])
    (t,) = mandater(session, ctx, [fds["F-6"].id]).traitees
    assert any("différent de celui connu" in a for a in t.avertissements)
    assert len(session.scalars(select(Tiers)).all()) == 1


def test_sommes_admises(session, ctx, tmp_path):
    fds = _lire(session, ctx, tmp_path, _f("F-7", montant_ht="1000.00"))
    with pytest.raises(ValidationError, match="inférieures au montant dû"):
        mandater(session, ctx, [fds["F-7"].id], sommes_admises=Decimal("1300"), motif="x")
    (t,) = mandater(session, ctx, [fds["F-7"].id], sommes_admises=Decimal("950.00"),
                    motif="Remise non appliquée").traitees
    piece = session.get(Piece, t.piece_id)
    assert piece.sommes_admises and piece.montant == Decimal("950.00")
    assert piece.motif_sommes_admises == "Remise non appliquée"


def test_mandater_tout_ignore_les_avoirs(session, ctx, tmp_path):
    fds = _lire(session, ctx, tmp_path, _f("F-8"), _f("A-1", avoir=True), _f("F-9"))
    res = mandater(session, ctx, None)
    assert sorted(t.numero for t in res.traitees) == ["F-8", "F-9"]
    assert [(i.numero, "avoir" in i.raison) for i in res.ignorees] == [("A-1", True)]
    assert mandater(session, ctx, None).traitees == ()
    with pytest.raises(ValidationError, match="avoir"):
        mandater(session, ctx, [fds["A-1"].id])


def test_facturer_puis_mandater_depuis_le_registre(session, ctx, tmp_path):
    fds = _lire(session, ctx, tmp_path, _f("F-10"))
    facturer(session, ctx, [fds["F-10"].id])
    registre = session.scalars(select(Facture)).one()
    assert registre.etat == "a_mandater" and fds["F-10"].etat == "facturee"
    (t,) = mandater(session, ctx, [fds["F-10"].id]).traitees
    assert registre.etat == "mandatee" and session.get(Piece, t.piece_id).facture_id == registre.id


def test_rejets_selon_le_motif(session, ctx, tmp_path):
    fds = _lire(session, ctx, tmp_path, _f("R-1"), _f("R-2"), _f("R-3"), _f("R-4"))
    assert rejeter(session, ctx, fds["R-1"].id, motif="", code="acheminement").etat == "a_recycler"
    assert rejeter(session, ctx, fds["R-2"].id, motif="BC absent", code="pieces").etat == "suspendue"
    res = rejeter(session, ctx, fds["R-3"].id, motif="Prestation non commandée")
    assert (res.etat, res.code_statut) == ("rejetee", "05")
    with pytest.raises(ValidationError, match="R.2192-34"):
        rejeter(session, ctx, fds["R-4"].id, motif="trop cher", code="montant")
    with pytest.raises(ValidationError, match="255 au plus"):
        rejeter(session, ctx, fds["R-4"].id, motif="x" * 250)
    statuts = {s.code: s.motif for s in session.scalars(select(StatutChorus))}
    assert statuts["04"] == "Cette facture ne nous est pas destinée"
    assert statuts["06"] == "Pièces justificatives manquantes : BC absent"
    with pytest.raises(ValidationError, match="état « Rejetée »"):
        mandater(session, ctx, [fds["R-3"].id])  # a rejected invoice is not mandated
    with pytest.raises(InvalidTransition, match="« Rejetée » à « Suspendue » impossible"):
        rejeter(session, ctx, fds["R-3"].id, motif="x", suspendre=True)
    res = annuler_rejet(session, ctx, fds["R-3"].id)
    assert res.etat == "a_traiter"
    assert session.scalars(select(StatutChorus).where(StatutChorus.code == "05")).all() == []
    assert [e.etape for e in fds["R-3"].etapes][-2:] == ["rejet", "annulation_rejet"]


def test_annuler_rejet_deja_transmis_refuse(session, ctx, tmp_path):
    fds = _lire(session, ctx, tmp_path, _f("R-9"))
    rejeter(session, ctx, fds["R-9"].id, motif="Erreur de destinataire", code="autre")
    statut = session.scalars(select(StatutChorus)).one()
    statut.envoi, statut.transmis_le = "transmis", ctx.now()
    with pytest.raises(ValidationError, match="définitif"):
        annuler_rejet(session, ctx, fds["R-9"].id)


def test_annexe_par_code_service(session, ctx, tmp_path):
    annexe = ajouter_budget(session, ctx, libelle="Eau", code_bud="02", services_chorus=("EAU",))
    fds = _lire(session, ctx, tmp_path, _f("E-1", code_service="EAU"))
    assert fds["E-1"].budget_id == annexe.id


def test_article_imputable(session, ctx, tmp_path):
    fds = _lire(session, ctx, tmp_path, _f("F-20"), _f("F-21"), _f("F-22"))
    with pytest.raises(ValidationError, match="pas un compte de dépense"):
        mandater(session, ctx, [fds["F-20"].id], article="7067")
    with pytest.raises(ValidationError, match="compte de regroupement"):
        mandater(session, ctx, [fds["F-20"].id], article="60")
    with pytest.raises(ValidationError, match="Article vide"):
        mandater(session, ctx, [fds["F-20"].id], article=" ")
    (t,) = mandater(session, ctx, [fds["F-21"].id], article="2183").traitees
    assert any("n° d'inventaire" in a for a in t.avertissements)


def test_rejeter_un_doublon_n_envoie_rien_a_chorus(session, ctx, tmp_path):
    f = _f("D-1")
    _lire(session, ctx, tmp_path, f, nom="a.xml")
    fds = _lire(session, ctx, tmp_path, f, _f("D-2"), nom="b.xml")
    doublon = session.scalars(select(FactureDemat).where(FactureDemat.etat == "anomalie")).one()
    assert doublon.code_anomalie == "doublon"
    res = rejeter(session, ctx, doublon.id, motif="Doublon du flux précédent")
    assert res.etat == "rejetee" and res.code_statut == ""
    assert session.scalars(select(StatutChorus)).all() == []
    assert fds["D-2"].etat == "a_traiter"


def test_mal_adressee_ne_se_suspend_pas(session, ctx, tmp_path):
    fds = _lire(session, ctx, tmp_path, _f("S-1"))
    with pytest.raises(ValidationError, match="ne peut pas être suspendue"):
        rejeter(session, ctx, fds["S-1"].id, motif="", code="acheminement", suspendre=True)


def test_mandater_tout_liste_les_anomalies_ignorees(session, ctx, tmp_path):
    _lire(session, ctx, tmp_path, _f("M-1"))
    data = build_pivot(exemple_flux(_f("M-2")))
    importer_fichier(session, ctx, ecrire(tmp_path, "m.xml", data.replace(
        b"<MontantTTC>1200.000000", b"<MontantTTC>1300.000000")))
    res = mandater(session, ctx, None)
    assert [t.numero for t in res.traitees] == ["M-1"]
    assert [i.numero for i in res.ignorees] == ["M-2"] and "Montants incohérents" in res.ignorees[0].raison


def _decrire(session, res):
    """What a user sees of each mandat made (ids of the new rows left out)."""
    from corail.db.models import EtapeFacture

    out = []
    for t in res.traitees:
        p = session.get(Piece, t.piece_id)
        compte = session.get(CompteBancaire, p.compte_bancaire_id) if p.compte_bancaire_id else None
        out.append((t.numero, t.montant, t.avertissements, session.get(Tiers, p.tiers_id).siret,
                    compte.iban if compte else None, compte.principal if compte else None,
                    session.get(Train, p.train_id).nom, p.type_pce, p.objet, p.pieces_justificatives,
                    [(i.ordre, i.article, i.designation, i.montant) for i in p.imputations],
                    session.scalars(select(PiecePJ.pj_id).where(PiecePJ.piece_id == p.id)
                                    .order_by(PiecePJ.ordre)).all(),
                    session.scalars(select(EtapeFacture.complement).where(
                        EtapeFacture.piece_id == p.id)).all()))
    return out


def test_mandater_tout_par_lots_comme_une_a_une(session, ctx, tmp_path, monkeypatch):
    """Mandater tout reads its invoices by lots: the mandats are those made one invoice at a time
    (same tiers created once, accounts added in order, lines, PJ, trains, warnings)."""
    from corail.services import mandatement

    x, y = ("32682006500083", "SARL X"), ("44306184100047", "SAS Y")
    fds = _lire(session, ctx, tmp_path,
                _f("L-1", fournisseur=x, lignes=3, avec_pj_complementaire=True, numordre=1),
                _f("L-2", fournisseur=x, montant_ht="10.01", numordre=2),
                _f("L-3", fournisseur=y, mode_paiement="49", numordre=3),
                _f("L-4", fournisseur=x, iban="FR1420041010050500013M02606", lignes=2, numordre=4),
                _f("L-5", fournisseur=y, iban="FR2420020202260600024M02606", numordre=5))
    ids = sorted(fd.id for fd in fds.values())
    with session.begin_nested() as essai:
        une_a_une = [_decrire(session, mandater(session, ctx, [i]))[0] for i in ids]
        essai.rollback()
    monkeypatch.setattr(mandatement, "TAILLE_LOT", 2)  # lots of 2, 2 and 1 invoices
    en_lots = _decrire(session, mandater(session, ctx, None))
    assert en_lots == une_a_une
    assert [sum("créé" in a for a in m[2]) for m in en_lots] == [1, 0, 1, 0, 0]
    assert len(session.scalars(select(Tiers)).all()) == 2
    assert session.scalars(select(Flux.etat)).all() == ["traite"]


def test_mandater_tout_siret_cree_entre_temps_par_un_autre_poste(session, ctx, tmp_path, monkeypatch):
    """The supplier's tiers is created by another workstation between the lookup and the
    creation: the invoices go to that tiers, the other new tiers are still created."""
    from datetime import datetime

    from sqlalchemy import insert

    from corail.services.fournisseurs import FournisseursDuLot

    x, y = ("32682006500083", "SARL X"), ("44306184100047", "SAS Y")
    fds = _lire(session, ctx, tmp_path, _f("C-1", fournisseur=x, numordre=1),
                _f("C-2", fournisseur=y, numordre=2), _f("C-3", fournisseur=x, numordre=3))
    creer = FournisseursDuLot._creer

    def autre_poste_d_abord(self, inconnues):
        session.execute(insert(Tiers.__table__).values(
            collectivite_id=ctx.collectivite_id, nom="X (autre poste)", siret=x[0],
            cree_le=datetime(2026, 1, 1)))
        return creer(self, inconnues)

    monkeypatch.setattr(FournisseursDuLot, "_creer", autre_poste_d_abord)
    res = mandater(session, ctx, sorted(fd.id for fd in fds.values()))
    tiers = {t.siret: t for t in session.scalars(select(Tiers))}
    assert set(tiers) == {x[0], y[0]} and tiers[x[0]].nom == "X (autre poste)"
    par_numero = {t.numero: t for t in res.traitees}
    assert [session.get(Piece, par_numero[n].piece_id).tiers_id for n in ("C-1", "C-2", "C-3")] == [
        tiers[x[0]].id, tiers[y[0]].id, tiers[x[0]].id]
    assert [any("créé" in a for a in par_numero[n].avertissements) for n in ("C-1", "C-2", "C-3")] == [
        False, True, False]
    assert len(tiers[x[0]].comptes) == 1  # the pivot's IBAN added once to the existing tiers
