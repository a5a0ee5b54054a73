"""Suivi démat › Facture démat: the search (every criterion, paging, perimeter), the files of the
reception folder never read, and one invoice's timeline — on fixtures built here."""
from __future__ import annotations

import hashlib
import zipfile
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from corail.context import FixedClock
from corail.dates import PARIS, UTC
from corail.db.models import (
    Collectivite, FactureDemat, Flux, FournisseurNom, PesAcquittement, PesAcquittementErreur, PesAller,
    PesAllerBordereau, Piece,
)
from corail.errors import NotFound, ValidationError
from corail.formats.pivot_builder import build_pivot, exemple_facture, exemple_flux
from corail.services import suivi, suivi_fichiers
from corail.services.collectivites import ajouter_budget
from corail.services.flux import enregistrer_flux
from corail.services.mandatement import facturer, mandater
from corail.services.mandats import valider_mandat
from corail.services.numerotation import numeroter
from corail.services.pivot_import import importer_fichier
from corail.services.rejets import rejeter
from corail.services.suivi import (
    CriteresSuivi, etapes, factures_du_flux, lire_criteres, rechercher_flux,
)
from corail.services.suivi_chronologie import A_VENIR, FAIT, REFUS, SANS_OBJET, chronologie
from corail.services.suivi_fichiers import fichiers_non_traites
from corail.texte import plier as _plier

SIRET = "21310555400017"
#: (flux, read on, [(numero, supplier, HT)]); TTC = HT × 1.2
FLUX = [
    ("flux_a.xml", datetime(2026, 9, 10, 8, 0, tzinfo=UTC),
     [("FAC-001", "Bâtiments Loiret Rénovation", "1000.00"), ("FAC-002", "Papeterie du Centre", "50.00")]),
    ("flux_b.xml", datetime(2026, 10, 5, 21, 30, tzinfo=UTC),  # 23h30 in Paris: still the 5th
     [("qm-77", "Quincaillerie Martin SARL", "300.00"), ("FAC-003", "Éloïse Traiteur", "5000.00")]),
    ("flux_c.xml", datetime(2026, 10, 14, 9, 0, tzinfo=UTC),
     [("PAP-9", "PAPETERIE DU CENTRE", "2731.18")]),
]


def _facture(numero, fournisseur, ht, siret=SIRET):
    return exemple_facture(numero, siret_debiteur=siret, code_service=None, avec_pdf=False,
                           fournisseur=("31245678300017", fournisseur), montant_ht=ht)


def _lire(session, ctx, dossier, nom, moment, factures):
    """The flux written where Chorus Pro downloads land, and recorded as read at ``moment``."""
    chemin = dossier / nom
    pivot = exemple_flux(*factures, id_flx=nom)
    chemin.write_bytes(data := build_pivot(pivot))
    enregistrer_flux(session, replace(ctx, clock=FixedClock(moment)), pivot, nom_fichier=nom,
                     sha256=hashlib.sha256(data).hexdigest(), taille=len(data))
    return chemin


@pytest.fixture
def jeu(session, ctx, tmp_path):
    """The three flux of FLUX read, FAC-002 rejected; returns {numero: id}."""
    for nom, moment, factures in FLUX:
        _lire(session, ctx, tmp_path, nom, moment, [_facture(*f) for f in factures])
    ids = dict(session.execute(select(FactureDemat.numero, FactureDemat.id)).all())
    rejeter(session, ctx, ids["FAC-002"], motif="Prestation non commandée")
    session.flush()
    return ids


def _trouvees(session, ctx, criteres) -> dict[str, set[str]]:
    """{flux name: invoice numbers} as the screen shows them: the flux, then their invoices."""
    page = rechercher_flux(session, ctx, criteres)
    assert page.total == len(page.lignes)
    out = {}
    for f in page.lignes:
        factures = factures_du_flux(session, ctx, f.id, criteres)
        assert f.nb_factures == factures.total == len(factures.lignes)
        out[f.nom] = {l.numero for l in factures.lignes}
    return out


def _attendues(criteres: CriteresSuivi, etats: dict[str, str]) -> dict[str, set[str]]:
    """The same search done by hand on FLUX (dates in Paris, amounts TTC = HT × 1.2)."""
    out: dict[str, set[str]] = {}
    for nom, moment, factures in FLUX:
        jour = moment.astimezone(PARIS).date()
        if (criteres.lu_du and jour < criteres.lu_du) or (criteres.lu_au and jour > criteres.lu_au):
            continue
        for numero, fournisseur, ht in factures:
            ttc = (Decimal(ht) * Decimal("1.2")).quantize(Decimal("0.01"))
            if criteres.ttc_min is not None and ttc < criteres.ttc_min:
                continue
            if criteres.ttc_max is not None and ttc > criteres.ttc_max:
                continue
            if criteres.etat_facture and etats[numero] != criteres.etat_facture:
                continue
            if criteres.numero and not any(numero.startswith(v) for v in (
                    criteres.numero, criteres.numero.upper(), criteres.numero.lower())):
                continue
            if not all(m in _plier(fournisseur) for m in _plier(criteres.fournisseur).split()):
                continue
            out.setdefault(nom, set()).add(numero)
    return out


CRITERES = [
    CriteresSuivi(),
    CriteresSuivi(lu_du=date(2026, 10, 1), lu_au=date(2026, 10, 5)),
    CriteresSuivi(lu_du=date(2026, 10, 6)),
    CriteresSuivi(lu_au=date(2026, 9, 10)),
    CriteresSuivi(ttc_min=Decimal("100"), ttc_max=Decimal("1200.00")),
    CriteresSuivi(ttc_min=Decimal("1200.01")),
    CriteresSuivi(fournisseur="eloise"),
    CriteresSuivi(fournisseur="RENOVATION loiret"),
    CriteresSuivi(fournisseur="papeterie"),
    CriteresSuivi(fournisseur="introuvable"),
    CriteresSuivi(numero="fac-00"),
    CriteresSuivi(numero="QM"),
    CriteresSuivi(numero="FAC-0%"),
    CriteresSuivi(etat_facture="rejetee"),
    CriteresSuivi(etat_facture="a_traiter", ttc_max=Decimal("500"), fournisseur="martin"),
]


@pytest.mark.parametrize("criteres", CRITERES, ids=lambda c: repr({
    k: str(v) for k, v in vars(c).items() if v not in (None, "")}))
def test_chaque_critere_trouve_ce_qu_un_comptable_trouverait(session, ctx, jeu, criteres):
    etats = dict(session.execute(select(FactureDemat.numero, FactureDemat.etat)).all())
    assert _trouvees(session, ctx, criteres) == _attendues(criteres, etats)


def test_etat_du_flux_et_ordre(session, ctx, jeu):
    flux = rechercher_flux(session, ctx).lignes
    assert [f.nom for f in flux] == ["flux_c.xml", "flux_b.xml", "flux_a.xml"]  # last read first
    assert [f.nb_total for f in flux] == [1, 2, 2]
    facturer(session, ctx, [jeu["FAC-001"]])  # flux_a: FAC-002 rejected, FAC-001 facturée
    session.flush()
    traites = rechercher_flux(session, ctx, CriteresSuivi(etat_flux="traite")).lignes
    assert [(f.nom, f.etat_libelle) for f in traites] == [("flux_a.xml", "Traité")]
    assert {f.nom for f in rechercher_flux(session, ctx, CriteresSuivi(etat_flux="lu")).lignes} \
        == {"flux_b.xml", "flux_c.xml"}


def test_pages(session, ctx, tmp_path):
    for i in range(7):
        _lire(session, ctx, tmp_path, f"flux_{i}.xml", datetime(2026, 10, 1 + i, 9, tzinfo=UTC),
              [_facture(f"F-{i}-{k}", "Garage Noël", "10.00") for k in range(3)])
    pages = [rechercher_flux(session, ctx, debut=d, taille=3) for d in (0, 3, 6)]
    assert [p.total for p in pages] == [7, 7, 7]
    assert [len(p.lignes) for p in pages] == [3, 3, 1]
    noms = [f.nom for p in pages for f in p.lignes]
    assert noms == [f"flux_{i}.xml" for i in reversed(range(7))]
    assert pages[0].libelle == "1–3 sur 7" and pages[0].precedente is None
    assert pages[1].precedente == 0 and pages[1].suivante == 6 and pages[2].suivante is None
    assert rechercher_flux(session, ctx, debut=9, taille=3).total == 7  # past the end
    flux_id = pages[0].lignes[0].id
    deux = factures_du_flux(session, ctx, flux_id, taille=2, debut=1)
    assert deux.total == 3 and [l.numero for l in deux.lignes] == ["F-6-1", "F-6-2"]


def test_perimetre_budget_et_collectivite(session, ctx, tmp_path):
    annexe = ajouter_budget(session, ctx, libelle="Eau", code_bud="02", services_chorus=("EAU",))
    _lire(session, ctx, tmp_path, "eau.xml", datetime(2026, 10, 2, tzinfo=UTC), [
        exemple_facture("EAU-1", siret_debiteur=SIRET, code_service="EAU", avec_pdf=False)])
    assert rechercher_flux(session, ctx).total == 0  # its only invoice is the budget annexe's
    vue_annexe = rechercher_flux(session, replace(ctx, budget_id=annexe.id))
    assert [f.nom for f in vue_annexe.lignes] == ["eau.xml"]
    (eau,) = factures_du_flux(session, replace(ctx, budget_id=annexe.id),
                              vue_annexe.lignes[0].id).lignes
    with pytest.raises(NotFound):
        etapes(session, ctx, eau.id)
    with pytest.raises(NotFound):
        factures_du_flux(session, replace(ctx, collectivite_id=ctx.collectivite_id + 99),
                         vue_annexe.lignes[0].id)


def test_criteres_tapes_a_la_francaise():
    c = lire_criteres(du="01/10/2026", au="2026-10-31", ttc_min="1 000,5", ttc_max="3\u00a0277,42",
                      etat_facture="mandatee", numero=" qm ", fournisseur="  Éloïse ")
    assert (c.lu_du, c.lu_au, c.ttc_min, c.ttc_max) == (
        date(2026, 10, 1), date(2026, 10, 31), Decimal("1000.50"), Decimal("3277.42"))
    assert (c.numero, c.fournisseur, c.etat_flux) == ("qm", "Éloïse", None)
    for saisie, message in ((dict(du="32/10/2026"), "Flux lu entre le : date invalide"),
                            (dict(au="demain"), "Flux lu et le : date invalide"),
                            (dict(du="02/10/2026", au="01/10/2026"), "première date est après"),
                            (dict(ttc_min="12,345"), "Montant TTC de : montant illisible"),
                            (dict(ttc_min="20", ttc_max="10"), "minimum est plus grand"),
                            (dict(etat_facture="payee"), "État de facture inconnu"),
                            (dict(etat_flux="fini"), "État du flux inconnu")):
        with pytest.raises(ValidationError, match=message):
            lire_criteres(**saisie)


# --- fichiers téléchargés non traités ---------------------------------------------------------

def test_fichiers_non_traites(session, ctx, tmp_path, monkeypatch):
    dossier = tmp_path / "reception"
    dossier.mkdir()
    assert "non renseigné" in fichiers_non_traites(session, ctx).message
    session.get(Collectivite, ctx.collectivite_id).repertoire_flux = str(dossier)
    lu = _lire(session, ctx, dossier, "lu.xml", datetime(2026, 10, 1, tzinfo=UTC),
               [_facture("L-1", "Garage Noël", "10.00")])
    jamais = dossier / "jamais.xml"
    jamais.write_bytes(build_pivot(exemple_flux(_facture("N-1", "Garage Noël", "20.00"))))
    with zipfile.ZipFile(dossier / "melange.zip", "w") as z:
        z.write(lu, "a/lu.xml")
        z.write(jamais, "b/jamais.xml")
    with zipfile.ZipFile(dossier / "deja.zip", "w") as z:
        z.write(lu, "lu.xml")
    (dossier / "casse.zip").write_bytes(b"PK\x03\x04 pas une archive")
    (dossier / "notes.txt").write_text("rien")
    (dossier / ".flux.xml.partiel").write_bytes(b"<en cours")
    appels = []
    original = suivi_fichiers._empreintes_sans_cache
    monkeypatch.setattr(suivi_fichiers, "_empreintes_sans_cache",
                        lambda chemin: appels.append(chemin.name) or original(chemin))
    res = fichiers_non_traites(session, ctx)
    assert res.message == "" and res.dossier == str(dossier)
    details = {f.nom: f.detail for f in res.fichiers}
    assert details.pop("jamais.xml") == "jamais lu"
    assert details.pop("melange.zip") == "ZIP : 1 flux sur 2 jamais lus"
    assert details.pop("casse.zip").startswith("illisible")
    assert details == {}
    assert sorted(appels) == ["casse.zip", "deja.zip", "jamais.xml", "lu.xml", "melange.zip"]
    appels.clear()
    importer_fichier(session, ctx, jamais)  # read now (same empreinte): only the broken ZIP left
    assert [f.nom for f in fichiers_non_traites(session, ctx).fichiers] == ["casse.zip"]
    assert appels == []  # nothing hashed again
    jamais.write_bytes(build_pivot(exemple_flux(_facture("N-2", "Garage Noël", "30.00"))))
    assert {f.nom for f in fichiers_non_traites(session, ctx).fichiers} == {"casse.zip", "jamais.xml"}
    assert appels == ["jamais.xml"]  # changed: hashed again, alone
    assert "introuvable" in fichiers_non_traites(session, ctx, tmp_path / "absent").message


# --- timeline ---------------------------------------------------------------------------------

def _statuts(c):
    return [(j.libelle, j.statut) for j in c.jalons]


def test_chronologie_d_une_facture_mandatee_puis_rejetee_par_helios(session, ctx, jeu):
    facture_id = jeu["FAC-001"]
    c = chronologie(session, ctx, facture_id)
    assert _statuts(c) == [("Lecture flux", FAIT), ("Facturée / Mandatée", A_VENIR),
                           ("Bordereau", A_VENIR), ("PES Aller", A_VENIR),
                           ("Acquitté", A_VENIR), ("Statut Chorus Pro", A_VENIR)]
    assert c.jalons[0].detail == "flux_a.xml" and c.jalons[0].quand == FLUX[0][1]
    (t,) = mandater(session, ctx, [facture_id]).traitees
    valider_mandat(session, ctx, t.piece_id)
    (bordereau,) = numeroter(session, ctx, train="Normal").bordereaux
    piece = session.get(Piece, t.piece_id)
    c = chronologie(session, ctx, facture_id)
    assert _statuts(c)[1:4] == [("Mandatée", FAIT), ("Bordereau", FAIT), ("PES Aller", A_VENIR)]
    assert c.jalons[1].detail == f"Mandat n° {piece.numero} (numéroté)"
    assert c.jalons[2].detail.startswith(f"Bordereau n° {bordereau.numero} du ")
    assert c.jalons[5].statut == A_VENIR and c.jalons[5].detail.startswith("08 Mandatée")
    # the PES Aller carrying the bordereau, then Hélios rejecting it with an error on the mandat
    pa = PesAller(budget_id=ctx.budget_id, nom_fichier="PES_1.xml", chemin="/tmp/PES_1.xml",
                  nom_fic="PES_1", sha256="0" * 64, taille=10, date_str=date(2026, 10, 15),
                  nb_bordereaux=1, nb_pieces=1, montant=piece.montant, etat="rejete",
                  genere_le=datetime(2026, 10, 15, 10, tzinfo=UTC), genere_par="agent.test",
                  acquitte_le=datetime(2026, 10, 16, 7, tzinfo=UTC))
    session.add(pa)
    session.flush()
    session.add(PesAllerBordereau(pes_aller_id=pa.id, bordereau_id=bordereau.id, type_piece="mandat",
                                  annee=2026, numero=bordereau.numero, type_bord="01", nb_pieces=1,
                                  montant=piece.montant, etat="rejete"))
    acq = PesAcquittement(pes_aller_id=pa.id, nom_fichier="ACK.xml", sha256="1" * 64, taille=5,
                          format="PES_ACQUIT", nom_fic="PES_1", etat="rejete", importe_le=pa.acquitte_le,
                          importe_par="agent.test")
    session.add(acq)
    session.flush()
    session.add(PesAcquittementErreur(acquittement_id=acq.id, piece_id=piece.id, code="1234",
                                      libelle="IBAN du tiers invalide"))
    session.flush()
    c = chronologie(session, ctx, facture_id)
    assert c.jalons[3] == replace(c.jalons[3], libelle="PES Aller", statut=FAIT, detail="PES_1.xml")
    assert (c.jalons[4].statut, c.jalons[4].detail) == (REFUS, "1234 IBAN du tiers invalide")
    assert c.jalons[4].quand == pa.acquitte_le and c.dernier_fait == c.jalons[4]


def test_chronologie_d_une_facture_rejetee(session, ctx, jeu):
    c = chronologie(session, ctx, jeu["FAC-002"])
    assert _statuts(c) == [("Lecture flux", FAIT), ("Rejetée", REFUS), ("Bordereau", SANS_OBJET),
                           ("PES Aller", SANS_OBJET), ("Acquitté", SANS_OBJET),
                           ("Statut Chorus Pro", A_VENIR)]
    assert "Prestation non commandée" in c.jalons[1].detail
    assert c.jalons[5].detail.startswith("05 ")


def test_acces_et_etapes_d_une_facture(session, ctx, jeu):
    facturer(session, ctx, [jeu["FAC-001"]])
    (t,) = mandater(session, ctx, [jeu["qm-77"]]).traitees
    session.flush()
    lignes = {l.numero: l for f in rechercher_flux(session, ctx).lignes
              for l in factures_du_flux(session, ctx, f.id).lignes}
    assert lignes["FAC-001"].acces == "Facture (registre)" and lignes["FAC-001"].piece_id is None
    assert lignes["qm-77"].piece_id == t.piece_id and lignes["qm-77"].acces == "Mandat non numéroté (brouillon)"
    assert lignes["FAC-003"].acces == "" and lignes["FAC-003"].etat_libelle == "À traiter"
    assert lignes["FAC-003"].montant_ttc == Decimal("6000.00")
    libelles = [(e.libelle, e.utilisateur) for e in etapes(session, ctx, jeu["qm-77"])]
    assert libelles == [("Lecture flux", "agent.test"), ("Mandatement", "agent.test")]
    assert session.scalar(select(Flux.lu_par).where(Flux.nom_fichier == "flux_b.xml")) == "agent.test"


# --- pages under every kind of criterion -----------------------------------------------------

def _huit_flux(session, ctx, tmp_path) -> list[tuple[str, str]]:
    """Eight flux, one a day, of two invoices; the odd ones from a plumber. Returns, the last
    read first, (flux name, supplier) — what a search must page through."""
    lus = []
    for i in range(8):
        fournisseur = "Plomberie Noël SARL" if i % 2 else "Garage Martin"
        _lire(session, ctx, tmp_path, f"p_{i}.xml", datetime(2026, 10, 1 + i, 9, tzinfo=UTC),
              [_facture(f"PG-{i}-{k}", fournisseur, "10.00") for k in range(2)])
        lus.append((f"p_{i}.xml", fournisseur))
    return lus[::-1]


@pytest.mark.parametrize("criteres, taille", [
    (CriteresSuivi(), 3), (CriteresSuivi(), 4), (CriteresSuivi(etat_facture="a_traiter"), 4),
    (CriteresSuivi(numero="pg-"), 3), (CriteresSuivi(numero="PG-"), 8),
    (CriteresSuivi(fournisseur="plomberie noel"), 2), (CriteresSuivi(fournisseur="plomberie"), 3),
    (CriteresSuivi(fournisseur="martin", ttc_max=Decimal("12.00")), 1),
    (CriteresSuivi(fournisseur="introuvable"), 2),
], ids=lambda v: v if isinstance(v, int) else repr({k: str(x) for k, x in vars(v).items()
                                                    if x not in (None, "")}))
def test_pages_et_total_quel_que_soit_le_critere(session, ctx, tmp_path, criteres, taille):
    """The flux lead (no criterion on the invoices) or the invoices do (number, supplier,
    amount): the pages hold every flux once, the last read first, each with the same total,
    whether the last page is full or not, and past the end."""
    mots = _plier(criteres.fournisseur).split()
    attendus = [nom for nom, fournisseur in _huit_flux(session, ctx, tmp_path)
                if all(m in _plier(fournisseur) for m in mots)]
    pages, debut = [], 0
    while True:
        pages.append(page := rechercher_flux(session, ctx, criteres, debut=debut, taille=taille))
        if page.suivante is None:
            break
        debut = page.suivante
    assert [f.nom for p in pages for f in p.lignes] == attendus
    assert {p.total for p in pages} == {len(attendus)}
    assert all(len(p.lignes) == taille for p in pages[:-1]) and len(pages) == max(
        1, -(-len(attendus) // taille))
    assert {f.nb_factures for p in pages for f in p.lignes} <= {2}
    loin = rechercher_flux(session, ctx, criteres, debut=len(attendus) + taille, taille=taille)
    assert (loin.lignes, loin.total) == ((), len(attendus))


def _noms_connus(session) -> list[str]:
    return sorted(session.scalars(select(FournisseurNom.nom)).all())


def test_raisons_sociales_distinctes(session, ctx, tmp_path):
    """``fournisseur_nom`` holds the names a DISTINCT gives, written with the invoices: each
    once, those that begin another one, and those that differ only by case or accents too."""
    noms = ["Garage", "Garage Noël", "GARAGE NOËL", "Garage Noel", "Garage Noël SA", "Éloïse",
            "Eloise", "Zinc & Cie"]
    _lire(session, ctx, tmp_path, "noms.xml", datetime(2026, 10, 1, 9, tzinfo=UTC),
          [_facture(f"N-{i}", nom, "10.00") for i, nom in enumerate(noms + noms[:3])])
    distincts = session.scalars(select(FactureDemat.fournisseur_raison_sociale).distinct()).all()
    assert _noms_connus(session) == sorted(distincts)
    assert sorted(suivi.fournisseurs_correspondants(session, "garage NOEL")) == sorted(
        n for n in set(noms) if {"garage", "noel"} <= set(_plier(n).split()))
    assert sorted(suivi.fournisseurs_correspondants(session, "eloise")) == ["Eloise", "Éloïse"]
    _lire(session, ctx, tmp_path, "autre.xml", datetime(2026, 10, 2, 9, tzinfo=UTC),
          [_facture("A-1", "Garage du Port", "10.00"), _facture("A-2", "Éloïse", "10.00")])
    autre = session.scalar(select(Flux.id).where(Flux.nom_fichier == "autre.xml"))
    assert suivi.fournisseurs_correspondants(session, "GARAGE", autre) == ["Garage du Port"]
    assert _noms_connus(session) == sorted({*distincts, "Garage du Port"})
    session.info.clear()
    assert suivi.fournisseurs_correspondants(session, "50%_") == []  # LIKE's wildcards are text
    assert suivi.fournisseurs_correspondants(session, "& cie") == ["Zinc & Cie"]


def test_migration_0009_reprend_les_noms_deja_recus(db, ctx, tmp_path):
    """The names of the invoices read before ``fournisseur_nom`` existed are copied into it."""
    from alembic import command
    from sqlalchemy import text

    from corail.db.migrate import alembic_config

    with db.transaction() as s:
        _lire(s, ctx, tmp_path, "avant.xml", datetime(2026, 10, 1, 9, tzinfo=UTC),
              [_facture("B-1", "Éloïse", "10.00"), _facture("B-2", "Garage Noël", "10.00"),
               _facture("B-3", "Éloïse", "12.00")])
    with db.engine.begin() as conn:
        command.downgrade(alembic_config(conn), "0008")
    with db.engine.begin() as conn:
        command.upgrade(alembic_config(conn), "head")
    with db.engine.connect() as conn:
        assert sorted(conn.execute(text("SELECT nom, nom_plie FROM fournisseur_nom")).all()) == [
            ("Garage Noël", "garage noel"), ("Éloïse", "eloise")]
