"""The PISTE client against the local fake Chorus Pro: token, paging, retries, French errors,
and the streamed decoding of a download."""
import base64
import json
import os
import socket
from dataclasses import replace

import pytest

from corail.chorus import telechargement
from corail.chorus.client import ClientChorus, ConfigChorus, ErreurChorus, config_depuis_reglage
from corail.chorus.telechargement import extraire_fichier, lots, telecharger_lot
from corail.errors import ValidationError
from corail.formats.pivot_builder import exemple_facture
from corail.secrets import MOT_DE_PASSE, SECRET_CLIENT, MemoireSession, cle_structure, enregistrer_mot_de_passe
from corail.services.reglages_demat import RecuperationReglage
from tests.fake_chorus import CLIENT_ID, CLIENT_SECRET, LOGIN, PASSWORD, FakeChorus

SIRET = "21310555400017"


class Horloge:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def fake():
    with FakeChorus() as f:
        for n in range(7):
            f.ajouter(exemple_facture(f"F-{n + 1}", siret_debiteur=SIRET, code_service=None,
                                      avec_pdf=False))
        yield f


def client_de(fake, **kw):
    attentes = []
    horloge = Horloge()
    config = ConfigChorus(url_api=fake.url, url_oauth=f"{fake.url}/api/oauth/token",
                          client_id=kw.pop("client_id", CLIENT_ID),
                          client_secret=kw.pop("client_secret", CLIENT_SECRET),
                          compte=LOGIN, mot_de_passe=kw.pop("mot_de_passe", PASSWORD), delai=5.0)
    client = ClientChorus(config, attendre=attentes.append, horloge=horloge)
    return client, attentes, horloge


def test_recherche_de_toutes_les_pages_avec_un_seul_jeton(fake):
    client, attentes, _h = client_de(fake)
    with client:
        factures = client.rechercher_recues(par_page=3)
    assert [f["numeroFacture"] for f in factures] == [f"F-{n}" for n in range(1, 8)]
    pages = [c["paramRecherche"]["pageResultatDemandee"] for c in fake.appels("rechercher/recipiendaire")]
    assert pages == [1, 2, 3]
    assert client.nb_jetons == 1 and attentes == []
    compte = base64.b64decode(fake.requetes[-1][2]["cpro-account"]).decode()
    assert compte == f"{LOGIN}:{PASSWORD}"


def test_jeton_renouvele_a_expiration_et_sur_401(fake):
    client, _a, horloge = client_de(fake)
    with client:
        client.historique(1221)
        client.historique(1221)
        assert client.nb_jetons == 1
        horloge.t += 3600  # our clock says it expired: a new one before the call
        client.historique(1221)
        assert client.nb_jetons == 2
        fake.expirer_jetons()  # Chorus Pro says so (401): renewed, and the call goes through
        assert client.historique(1221)["statutCourantCode"] == "MISE_A_DISPOSITION"
        assert client.nb_jetons == 3


def test_500_une_fois_reessaye_avec_attente(fake):
    client, attentes, _h = client_de(fake)
    fake.panne("consulter/historique", "500")
    with client:
        assert client.historique(1222)["codeRetour"] == 0
    assert attentes == [1.0]
    assert len(fake.appels("consulter/historique")) == 2


def test_coupure_reessayee_puis_abandon_en_francais(fake):
    client, attentes, _h = client_de(fake)
    fake.panne("consulter/historique", "coupure")
    with client:
        client.historique(1221)
        fake.panne("consulter/historique", "500", "500", "500", "500")
        with pytest.raises(ErreurChorus, match=r"Chorus Pro indisponible .*HTTP 500.*4 essais"):
            client.historique(1221)
    assert attentes == [1.0, 1.0, 2.0, 4.0]


def test_serveur_injoignable():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed when the block ends: nobody listens there
    config = ConfigChorus(url_api=f"http://127.0.0.1:{port}",
                          url_oauth=f"http://127.0.0.1:{port}/api/oauth/token",
                          client_id="x", client_secret="y", compte="c", mot_de_passe="m", delai=2.0)
    attentes = []
    with ClientChorus(config, attendre=attentes.append) as client:
        with pytest.raises(ErreurChorus, match="Chorus Pro injoignable .*connexion impossible.*4 essais"):
            client.jeton()
    assert attentes == [1.0, 2.0, 4.0]


def test_erreurs_fonctionnelles_et_authentification(fake):
    client, _a, _h = client_de(fake)
    with client:
        fake.panne("traiter/recue", "codeRetour")
        with pytest.raises(ErreurChorus, match="Chorus Pro a refusé le statut REJETEE : Erreur "
                                               "fonctionnelle simulée \\(code 99999\\)"):
            client.traiter(1221, "REJETEE", motif="Doublon")
        with pytest.raises(ErreurChorus, match="demande de paiement est inconnue.*GDP_MSG_11.008"):
            client.traiter(9999, "REJETEE", motif="Doublon")
        with pytest.raises(ErreurChorus, match="Incohérence .*code 20002"):
            client.traiter(1221, "MISE_EN_PAIEMENT")
    mauvais, _a, _h = client_de(fake, client_secret="faux")
    with mauvais, pytest.raises(ErreurChorus, match="Connexion à PISTE refusée"):
        mauvais.jeton()
    sans_compte, _a, _h = client_de(fake, mot_de_passe="expire")
    with sans_compte, pytest.raises(ErreurChorus, match="refuse l'authentification.*mot de passe"):
        sans_compte.historique(1221)


def test_telechargement_decode_en_morceaux(fake, tmp_path, monkeypatch):
    monkeypatch.setattr(telechargement, "BLOC", 1000)  # the base64 crosses many blocks
    client, _a, _h = client_de(fake)
    dossier = tmp_path / "telechargement"
    dossier.mkdir()
    with client:
        chemin = telecharger_lot(client, [1221, 1222], dossier, "lot")
    assert chemin.name == "lot.xml" and chemin.read_bytes().startswith(b"<?xml")
    assert b"<IdCPRO>1222</IdCPRO>" in chemin.read_bytes()
    assert sorted(p.name for p in dossier.iterdir()) == ["lot.xml"]  # the JSON answer is gone
    assert fake.factures[1221].telechargee and not fake.factures[1223].telechargee


def test_extraire_fichier_echappements_et_refus(tmp_path, monkeypatch):
    monkeypatch.setattr(telechargement, "BLOC", 7)
    data = os.urandom(5000)
    b64 = base64.b64encode(data).decode()
    lignes = "\\n".join(b64[i:i + 76] for i in range(0, len(b64), 76)).replace("/", "\\/")
    (tmp_path / "r.json").write_text('{"codeRetour": 0, "fichierResultat" : "%s", "libelle":"OK"}' % lignes)
    assert extraire_fichier(tmp_path / "r.json", tmp_path / "out") == {
        "codeRetour": 0, "fichierResultat": "", "libelle": "OK"}
    assert (tmp_path / "out").read_bytes() == data
    (tmp_path / "r.json").write_text(json.dumps({"codeRetour": 0, "fichierResultat": b64[:-10]}))
    with pytest.raises(ErreurChorus, match="tronqué"):
        extraire_fichier(tmp_path / "r.json", tmp_path / "out")
    (tmp_path / "r.json").write_text('{"codeRetour": 20010, "libelle": "x", "fichierResultat": null}')
    assert extraire_fichier(tmp_path / "r.json", tmp_path / "out")["codeRetour"] == 20010


def test_lots_sous_la_limite():
    factures = [{"idFacture": i, "taille": 30} for i in range(10)]
    assert [len(l) for l in lots(factures, octets=100, nombre=50)] == [3, 3, 3, 1]
    assert [len(l) for l in lots(factures, octets=10**9, nombre=4)] == [4, 4, 2]
    assert lots([]) == []


def test_config_depuis_le_reglage_et_le_trousseau():
    memoire = MemoireSession()
    reglage = RecuperationReglage(siret=SIRET, mode="portail")
    with pytest.raises(ValidationError, match="mode portail"):
        config_depuis_reglage(reglage, 1, memoire=memoire)
    service = replace(reglage, mode="service", compte=LOGIN, client_id=CLIENT_ID)
    with pytest.raises(ValidationError, match="mot de passe, secret client PISTE manquant"):
        config_depuis_reglage(service, 1, memoire=memoire)
    enregistrer_mot_de_passe(cle_structure(1, SIRET, MOT_DE_PASSE), PASSWORD, memoire=memoire)
    enregistrer_mot_de_passe(cle_structure(1, SIRET, SECRET_CLIENT), CLIENT_SECRET, memoire=memoire)
    config = config_depuis_reglage(service, 1, memoire=memoire)
    assert config.url_oauth == "https://sandbox-oauth.piste.gouv.fr/api/oauth/token"
    assert config.mot_de_passe == PASSWORD and PASSWORD not in repr(config)
    assert CLIENT_SECRET not in repr(config)
    # a setting edited by hand is checked again: secrets never leave in clear (but a local server may)
    for url in ("http://chorus-pro.example.fr", "ftp://piste.gouv.fr"):
        with pytest.raises(ValidationError, match="n'est pas en https"):
            config_depuis_reglage(replace(service, environnement="personnalisee", url=url), 1,
                                  memoire=memoire)
    local = config_depuis_reglage(replace(service, environnement="personnalisee",
                                          url="http://127.0.0.1:8123"), 1, memoire=memoire)
    assert local.url_api == "http://127.0.0.1:8123"
