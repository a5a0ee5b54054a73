"""End to end against the local fake Chorus Pro: search of several pages, download,
integration, rejection pushed with its motif, failures kept and retried, Hélios's statuses
picked up, ``corail chorus sync`` — and no secret anywhere but the keyring. The database is not
held while Chorus Pro answers, a stop in the middle is completed by the next synchronisation,
and one synchronisation runs at a time per structure."""
import base64
import logging
import subprocess
import sys
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, inspect, select, text

from corail.chorus import envoi_statuts, synchro, verrou
from corail.chorus.client import ClientChorus, ConfigChorus, ErreurChorus
from corail.chorus.synchro import synchroniser, synchroniser_par_etapes
from corail.chorus.verrou import PEREMPTION, SynchroEnCours, a_integrer
from corail.cli.main import main
from corail.dates import utcnow
from corail.db import engine
from corail.db.engine import Database
from corail.db.models import EtapeFacture, FactureDemat, Flux, SynchroChorus
from corail.formats.pivot_builder import build_pivot, exemple_facture, exemple_flux
from corail.secrets import MOT_DE_PASSE, SECRET_CLIENT, MemoireSession, cle_structure, enregistrer_mot_de_passe
from corail.services.reglages_demat import (
    RecuperationReglage, ecrire_parametre, enregistrer_recuperation, lire_recuperation,
)
from corail.services.rejets import annuler_rejet, rejeter
from corail.services.statuts import (
    ajouter_statut, definir_statut, historique_statuts, lister_statuts, marquer_saisis,
)
from tests.conftest import init_collectivite
from tests.fake_chorus import CLIENT_ID, CLIENT_SECRET, LOGIN, PASSWORD, FakeChorus

SIRET = "21310555400017"


@pytest.fixture
def fake():
    with FakeChorus() as f:
        for n in range(1, 6):
            f.ajouter(exemple_facture(f"CP-{n}", siret_debiteur=SIRET, code_service=None,
                                      avec_pdf=False, montant_ht=f"{n}00.00"))
        f.ajouter(exemple_facture("AUTRE-1", siret_debiteur="21930053000017", avec_pdf=False))
        yield f


def _client(fake, attentes=None):
    config = ConfigChorus(url_api=fake.url, url_oauth=f"{fake.url}/api/oauth/token",
                          client_id=CLIENT_ID, client_secret=CLIENT_SECRET, compte=LOGIN,
                          mot_de_passe=PASSWORD, delai=5.0)
    return ClientChorus(config, attendre=(attentes if attentes is not None else []).append)


def _sync(db, ctx, fake, attentes=None):
    with _client(fake, attentes) as client:
        return synchroniser_par_etapes(db.transaction, ctx, client)


def _par_page(monkeypatch, n):
    from corail.chorus.client import ClientChorus as C
    original = C.rechercher_recues
    monkeypatch.setattr(C, "rechercher_recues", lambda self, **kw: original(self, **{**kw, "par_page": n}))


def test_recuperation_integration_et_rejet_transmis(db, ctx, fake, monkeypatch):
    _par_page(monkeypatch, 2)
    res = _sync(db, ctx, fake)
    assert len(fake.appels("rechercher/recipiendaire")) == 3  # 6 invoices, 2 a page
    assert res.trouvees == 5 and res.nb_factures == 5 and res.erreurs == () and res.echecs == ()
    with db.lecture() as s:
        fds = {fd.numero: fd for fd in s.scalars(select(FactureDemat))}
        assert sorted(fds) == [f"CP-{n}" for n in range(1, 6)]  # AUTRE-1 is another structure's
        assert {fd.id_cpro for fd in fds.values()} == {1221, 1222, 1223, 1224, 1225}
        assert {f.source for f in s.scalars(select(Flux))} == {"api"}
        assert all(fd.etat == "a_traiter" for fd in fds.values())
    # a rejection goes to Chorus Pro with its motif at the next synchronisation
    with db.transaction() as s:
        rejeter(s, ctx, fds["CP-2"].id, motif="Facture adressée deux fois", code="autre")
        rejeter(s, ctx, fds["CP-3"].id, motif="Autre service", code="acheminement")
    res = _sync(db, ctx, fake)
    assert res.trouvees == 0 and res.nb_factures == 0  # downloaded already: not offered again
    appels = fake.appels("traiter/recue")
    assert [(a["idFacture"], a["nouveauStatut"]) for a in appels] == [(1222, "REJETEE"), (1223, "A_RECYCLER")]
    assert appels[0]["motif"] == "Autre motif : Facture adressée deux fois"
    assert fake.factures[1222].statut == "REJETEE"
    assert len(res.transmis) == 2
    with db.lecture() as s:
        assert lister_statuts(s, ctx) == []
        (h,) = historique_statuts(s, ctx, fds["CP-2"].id)
        assert (h.envoi, h.mode) == ("transmis", "service") and h.transmis_le is not None
        etape = s.scalars(select(EtapeFacture).where(EtapeFacture.facture_demat_id == fds["CP-2"].id,
                                                     EtapeFacture.etape == "statut_transmis")).one()
        assert "05 Rejetée" in etape.complement and "deux fois" in etape.complement


def test_echec_garde_visible_puis_reessaye(db, ctx, fake):
    _sync(db, ctx, fake)
    with db.transaction() as s:
        fd = s.scalars(select(FactureDemat).where(FactureDemat.numero == "CP-1")).one()
        rejeter(s, ctx, fd.id, motif="bon de commande manquant", code="pieces")
        ajouter_statut(s, ctx, fd, "08", numero_mandat="17")  # waits behind the suspension
    fake.panne("traiter/recue", "codeRetour")
    res = _sync(db, ctx, fake)
    assert res.transmis == () and len(res.echecs) == 1
    assert "Erreur fonctionnelle simulée (code 99999)" in res.echecs[0]
    with db.lecture() as s:
        suspension, mandat = lister_statuts(s, ctx)
        assert (suspension.code, suspension.envoi, suspension.tentatives) == ("06", "echec", 1)
        assert "Erreur fonctionnelle simulée" in suspension.message
        assert mandat.envoi == "a_transmettre" and "statut précédent" in mandat.message
    res = _sync(db, ctx, fake)  # retried, in order
    assert [a["nouveauStatut"] for a in fake.appels("traiter/recue")] == ["SUSPENDUE", "SUSPENDUE", "MANDATEE"]
    assert fake.appels("traiter/recue")[-1]["numeroDPMandat"] == "17"
    with db.lecture() as s:
        assert lister_statuts(s, ctx) == []


def test_500_reessaye_et_statuts_d_helios_lus(db, ctx, fake):
    _sync(db, ctx, fake)
    with db.transaction() as s:
        fd = s.scalars(select(FactureDemat).where(FactureDemat.numero == "CP-4")).one()
        ajouter_statut(s, ctx, fd, "08", numero_mandat="21")
    fake.panne("traiter/recue", "500")
    attentes = []
    res = _sync(db, ctx, fake, attentes)
    assert len(res.transmis) == 1 and attentes == [1.0]
    fake.fixer_statut(1224, "MISE_A_DISPOSITION_COMPTABLE")
    fake.fixer_statut(1224, "MISE_EN_PAIEMENT", "Virement émis")
    res = _sync(db, ctx, fake)
    assert [r.split(" le ")[0] for r in res.recus] == [
        "Facture CP-4 : 09 Mise à disposition du comptable", "Facture CP-4 : 11 Mise en paiement"]
    assert _sync(db, ctx, fake).recus == ()  # paid: its history is not read again
    with db.lecture() as s:
        lignes = historique_statuts(s, ctx, fd.id)
        assert [(l.code, l.origine) for l in lignes] == [("08", "corail"), ("09", "chorus"), ("11", "chorus")]
        assert lignes[2].motif == "Virement émis" and lignes[2].utilisateur == "DGFIP Hélios"
        assert s.scalar(select(func.count()).select_from(EtapeFacture).where(
            EtapeFacture.facture_demat_id == fd.id, EtapeFacture.etape == "mise_en_paiement")) == 1


def test_connexion_refusee_n_ecrit_rien(db, ctx, fake):
    with db.transaction() as s:
        rejeter(s, ctx, _un_id(s, db, ctx, fake), motif="x", code="autre")
    config = ConfigChorus(url_api=fake.url, url_oauth=f"{fake.url}/api/oauth/token",
                          client_id=CLIENT_ID, client_secret="faux", compte=LOGIN, mot_de_passe=PASSWORD)
    with pytest.raises(ErreurChorus, match="Connexion à PISTE refusée"):
        with db.transaction() as s, ClientChorus(config) as client:
            synchroniser(s, ctx, client)
    with pytest.raises(ErreurChorus, match="Connexion à PISTE refusée"), ClientChorus(config) as client:
        synchroniser_par_etapes(db.transaction, ctx, client)
    with db.lecture() as s:
        (statut,) = lister_statuts(s, ctx)
        assert statut.envoi == "a_transmettre" and statut.message == "" and statut.tentatives == 0
        assert s.scalars(select(SynchroChorus)).one().jeton is None  # freed by the first sync


def _un_id(s, db, ctx, fake):
    with _client(fake) as client:
        synchroniser(s, ctx, client)
    return s.scalars(select(FactureDemat.id).order_by(FactureDemat.id)).first()


def test_lot_trop_gros_coupe_en_deux_et_zip(db, ctx, fake):
    un = len(build_pivot(exemple_flux(fake.factures[1225].facture), version="V2_02"))
    fake.taille_max, fake.zipper = un + 200, True  # one invoice fits, two do not
    res = _sync(db, ctx, fake)
    assert res.nb_factures == 5 and res.erreurs == ()
    tailles = [len(a["listeFacture"]) for a in fake.appels("telecharger/groupe")]
    assert tailles == [5, 2, 1, 1, 3, 1, 2, 1, 1]  # split in two until each fits
    with db.lecture() as s:
        noms = [f.nom_fichier for f in s.scalars(select(Flux))]
        assert len(noms) == 5 and all(n.partition(" › ")[0].endswith(".zip") for n in noms)


def _configurer(db, ctx, fake, memoire=None):
    with db.transaction() as s:
        enregistrer_recuperation(s, ctx, RecuperationReglage(
            mode="service", environnement="qualification", compte=LOGIN, client_id=CLIENT_ID))
        # the fake listens on http://127.0.0.1: written as the dialog never would (https only)
        reglage = lire_recuperation(s, ctx)
        donnees = {k: v for k, v in reglage.__dict__.items() if k != "siret"}
        ecrire_parametre(s, f"recuperation_factures:{SIRET}", {**donnees, "url": fake.url,
                                                               "environnement": "personnalisee"},
                         collectivite_id=ctx.collectivite_id)
    memoire = memoire or MemoireSession()
    enregistrer_mot_de_passe(cle_structure(ctx.collectivite_id, SIRET, MOT_DE_PASSE), PASSWORD, memoire=memoire)
    enregistrer_mot_de_passe(cle_structure(ctx.collectivite_id, SIRET, SECRET_CLIENT), CLIENT_SECRET,
                             memoire=memoire)


def test_cli_chorus_sync(db, ctx, fake, capsys, monkeypatch):
    assert main(["--database", db.url, "chorus", "sync"]) == 2
    assert "mode portail" in capsys.readouterr().err
    _configurer(db, ctx, fake)
    monkeypatch.setattr("corail.chorus.client.time.sleep", lambda s: None)
    assert main(["--database", db.url, "chorus", "sync"]) == 0
    sortie = capsys.readouterr().out
    assert "5 facture(s) en attente dans Chorus Pro, 5 intégrée(s)" in sortie
    assert main(["--database", db.url, "--json", "chorus", "sync"]) == 0
    assert '"trouvees": 0' in capsys.readouterr().out


def test_aucun_secret_ni_en_base_ni_en_fichier_ni_en_journal(db, ctx, fake, caplog, tmp_path, monkeypatch):
    caplog.set_level(logging.DEBUG)
    _configurer(db, ctx, fake)
    monkeypatch.setattr("corail.chorus.client.time.sleep", lambda s: None)
    fake.panne("rechercher/recipiendaire", "500")  # warnings logged on the way
    assert main(["--database", db.url, "chorus", "sync"]) == 0
    with db.transaction() as s:
        rejeter(s, ctx, s.scalars(select(FactureDemat.id)).first(), motif="x", code="autre")
    fake.panne("traiter/recue", "codeRetour")
    assert main(["--database", db.url, "chorus", "sync"]) == 0
    interdits = [PASSWORD, CLIENT_SECRET, base64.b64encode(f"{LOGIN}:{PASSWORD}".encode()).decode()]
    with db.engine.connect() as conn:
        tables = inspect(conn).get_table_names()
        contenu = "\n".join(repr(row) for t in tables for row in conn.execute(text(f'SELECT * FROM "{t}"')))
    assert LOGIN in contenu  # the dump really holds the settings
    fichiers = "\n".join(p.read_bytes().decode("latin-1") for p in tmp_path.rglob("*") if p.is_file())
    journal = caplog.text + "\n".join(str(r.args) for r in caplog.records)
    assert "Chorus Pro" in journal  # the journal really recorded the calls
    for secret in interdits:
        assert secret not in contenu and secret not in fichiers and secret not in journal


# ------------------------------------------------------------------ short transactions

def _en_fond(fonction):
    """Run ``fonction`` in a thread; ``(thread, result)`` where result gets "ok" or "erreur"."""
    resultat: dict = {}

    def lancer():
        try:
            resultat["ok"] = fonction()
        except Exception as exc:  # noqa: BLE001 (reported to the test)
            resultat["erreur"] = exc
    fil = threading.Thread(target=lancer, daemon=True)
    fil.start()
    return fil, resultat


def _id(db, numero):
    with db.lecture() as s:
        return s.scalars(select(FactureDemat.id).where(FactureDemat.numero == numero)).one()


def test_la_base_reste_libre_pendant_les_appels_a_chorus(sqlite_db, fake, monkeypatch):
    db, ctx = sqlite_db, init_collectivite(sqlite_db)
    _sync(db, ctx, fake)
    with db.transaction() as s:
        rejeter(s, ctx, _id(db, "CP-2"), motif="adressée deux fois", code="autre")
        fd4 = s.get(FactureDemat, _id(db, "CP-4"))
        marquer_saisis(s, ctx, [ajouter_statut(s, ctx, fd4, "08", numero_mandat="9").id])
    fake.ajouter(exemple_facture("CP-6", siret_debiteur=SIRET, code_service=None, avec_pdf=False))
    # another workstation: it gives up after 1 s when the database is held (instead of 30 s)
    monkeypatch.setattr(engine, "BUSY_TIMEOUT_MS", 1000)
    autre = Database(db.url)
    ecritures = {  # what it does while Chorus Pro is answering each call
        "rechercher/recipiendaire": lambda s: rejeter(s, ctx, _id(db, "CP-1"), motif="x", code="autre"),
        "telecharger/groupe": lambda s: rejeter(s, ctx, _id(db, "CP-3"), motif="y", code="acheminement"),
        "traiter/recue": lambda s: annuler_rejet(s, ctx, _id(db, "CP-1")),  # queued, not sent yet
        "consulter/historique": lambda s: definir_statut(s, ctx, _id(db, "CP-5"), "07"),
    }
    retenues = {chemin: fake.retenir(chemin) for chemin in ecritures}
    with _client(fake) as client:
        fil, resultat = _en_fond(lambda: synchroniser_par_etapes(db.transaction, ctx, client))
        try:
            for chemin, ecrire in ecritures.items():
                assert retenues[chemin].arrivee.wait(10), f"{chemin} jamais appelé"
                with autre.transaction() as s:  # "database is locked" if the sync held it
                    ecrire(s)
                retenues[chemin].liberer()
        finally:
            for retenue in retenues.values():
                retenue.liberer()
            fil.join(20)
    autre.dispose()
    assert "erreur" not in resultat, resultat.get("erreur")
    res = resultat["ok"]
    assert res.nb_factures == 1 and res.erreurs == () and res.echecs == ()
    # CP-1's rejection, cancelled while the sync was sending, is not sent; CP-3's went with CP-2's
    assert [(a["idFacture"], a["nouveauStatut"]) for a in fake.appels("traiter/recue")] == [
        (1222, "REJETEE"), (1223, "A_RECYCLER")]
    with db.lecture() as s:
        assert [(l.numero_facture, l.code) for l in lister_statuts(s, ctx)] == [("CP-5", "07")]
        assert s.get(FactureDemat, _id(db, "CP-1")).etat == "a_traiter"
        assert s.scalars(select(SynchroChorus)).one().jeton is None


def test_une_panne_au_milieu_la_suivante_termine(db, ctx, fake, monkeypatch):
    monkeypatch.setattr(synchro, "lots", lambda factures: [factures[i:i + 2] for i in range(0, len(factures), 2)])
    vraie, appels = synchro.importer_fichier, []

    def importer(*args, **kw):
        appels.append(1)
        if len(appels) == 2:
            raise RuntimeError("coupure de courant simulée")
        return vraie(*args, **kw)
    monkeypatch.setattr(synchro, "importer_fichier", importer)
    with pytest.raises(RuntimeError, match="coupure"):
        _sync(db, ctx, fake)
    # the first batch is in; the second was downloaded (Chorus Pro no longer offers it) but
    # is kept on the list; the third was never asked for
    assert [f.telechargee for f in list(fake.factures.values())[:5]] == [True] * 4 + [False]
    with db.lecture() as s:
        assert sorted(s.scalars(select(FactureDemat.id_cpro))) == [1221, 1222]
        ligne = s.scalars(select(SynchroChorus)).one()
        assert ligne.jeton is None and [f["idFacture"] for f in a_integrer(ligne)] == [1223, 1224, 1225]
    monkeypatch.setattr(synchro, "importer_fichier", vraie)
    res = _sync(db, ctx, fake)
    assert fake.appels("rechercher/recipiendaire")[-1]["factureTelechargeeParDestinataire"] is False
    assert (res.trouvees, res.nb_factures, res.erreurs) == (3, 3, ())  # 1 offered, 2 kept here
    with db.lecture() as s:
        fds = s.scalars(select(FactureDemat)).all()
        assert sorted(fd.id_cpro for fd in fds) == [1221, 1222, 1223, 1224, 1225]
        assert {fd.code_anomalie for fd in fds} == {None}  # nothing read twice
        assert a_integrer(s.scalars(select(SynchroChorus)).one()) == []
    # a stop after Chorus Pro accepted a status, before it was written down here
    with db.transaction() as s:
        rejeter(s, ctx, _id(db, "CP-1"), motif="adressée deux fois", code="autre")
    monkeypatch.setattr(envoi_statuts, "noter_transmis", lambda *a, **kw: (_ for _ in ()).throw(
        RuntimeError("arrêt du poste simulé")))
    with pytest.raises(RuntimeError, match="arrêt"):
        _sync(db, ctx, fake)
    assert fake.factures[1221].statut == "REJETEE"
    with db.lecture() as s:
        (statut,) = lister_statuts(s, ctx)
        assert (statut.envoi, statut.tentatives) == ("a_transmettre", 1)
    monkeypatch.undo()
    res = _sync(db, ctx, fake)
    assert len(fake.appels("traiter/recue")) == 1  # not sent twice: found in its history
    assert res.transmis == ("Facture CP-1 : 05 Rejetée par l'ordonnateur pour autre motif",)
    with db.lecture() as s:
        assert lister_statuts(s, ctx) == []
        (h,) = historique_statuts(s, ctx, _id(db, "CP-1"))
        assert (h.envoi, h.tentatives) == ("transmis", 1)


def test_une_synchronisation_a_la_fois(db, ctx, fake, capsys, monkeypatch):
    retenue = fake.retenir("rechercher/recipiendaire")
    with _client(fake) as client:
        fil, resultat = _en_fond(lambda: synchroniser_par_etapes(db.transaction, ctx, client))
        try:
            assert retenue.arrivee.wait(10)
            with pytest.raises(SynchroEnCours, match=r"SIRET 21310555400017 déjà en cours \(agent\.test "
                                                     r"sur le poste .*15/10/2026 11h30\)"):
                _sync(db, ctx, fake)
        finally:
            retenue.liberer()
            fil.join(20)
    assert resultat["ok"].nb_factures == 5
    # a reservation left by a stopped workstation
    _configurer(db, ctx, fake)
    monkeypatch.setattr("corail.chorus.client.time.sleep", lambda s: None)

    def laisser(**valeurs):
        with db.transaction() as s:
            ligne = s.scalars(select(SynchroChorus)).one()
            for cle, valeur in {"jeton": "abandonne", "utilisateur": "agent.mairie", **valeurs}.items():
                setattr(ligne, cle, valeur)
    maintenant = utcnow()  # the command line's clock is the real one
    laisser(machine="POSTE-2", pid=1, vu_le=maintenant - timedelta(minutes=5))
    assert main(["--database", db.url, "chorus", "sync"]) == 2  # refused, nothing written
    assert "agent.mairie sur le poste POSTE-2" in capsys.readouterr().err
    laisser(machine="POSTE-2", pid=1, vu_le=maintenant - PEREMPTION - timedelta(minutes=1))
    assert main(["--database", db.url, "chorus", "sync"]) == 0  # too old: taken over
    fini = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    laisser(machine=verrou.machine(), pid=int(fini.stdout), vu_le=maintenant)
    assert verrou.processus_vivant(int(fini.stdout)) is False  # this machine: its process is gone
    assert main(["--database", db.url, "chorus", "sync"]) == 0  # taken over at once
    with db.lecture() as s:
        assert s.scalars(select(SynchroChorus)).one().jeton is None
