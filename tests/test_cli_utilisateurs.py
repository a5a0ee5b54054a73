"""``corail users``: the gestionnaire's commands, a sollicitation from request to espace, the
transfer (confirmed) and the administrator's path; refusals exit 2 and write nothing."""
import json
import sqlite3

import pytest

from corail.cli.main import main
from tests.test_cli_init import INIT, _dump


@pytest.fixture
def base(tmp_path, monkeypatch):
    """COMMUNE TEST by agent.test (gestionnaire principal), m.durand with Dépenses consultation."""
    url = f"sqlite:///{tmp_path / 'u.db'}"
    assert main(["--database", url, "--exercice", "2026", *INIT]) == 0
    assert main(["--database", url, "users", "create", "m.durand", "--nom", "Durand", "--prenom",
                 "Marie", "--email", "marie.durand@mairie.fr", "--espace", "depenses"]) == 0
    return url, tmp_path / "u.db"


def _json(capsys, *args):
    capsys.readouterr()
    assert main(list(args)) == 0, capsys.readouterr().err
    return json.loads(capsys.readouterr().out)


def _refus(capsys, *args) -> str:
    capsys.readouterr()
    try:
        code = main(list(args))
    except SystemExit as fin:  # refused by argparse
        code = fin.code
    assert code == 2
    return capsys.readouterr().err


def test_de_la_sollicitation_a_l_espace(base, capsys, monkeypatch):
    url, path = base
    lignes = _json(capsys, "--database", url, "--json", "users", "list")
    assert [(u["login"], u["role"], u["actif"]) for u in lignes] == [
        ("agent.test", "gestionnaire_principal", True), ("m.durand", "utilisateur", True)]
    assert lignes[1]["espaces"] == [["depenses", "consultation"]]
    engagement = ["--database", url, "engagements", "create", "E1", "--article", "60632",
                  "--montant", "10"]
    monkeypatch.setenv("CORAIL_UTILISATEUR", "m.durand")
    avant = _dump(path)
    err = _refus(capsys, *engagement)
    assert "Habilitation « Dépenses — modification » requise pour créer un engagement" in err
    assert _dump(path) == avant  # not even a connection date
    err = _refus(capsys, "--database", url, "users", "list")
    assert "Seul le gestionnaire principal ou gestionnaire secondaire" in err
    s = _json(capsys, "--database", url, "--json", "users", "solliciter", "--categorie", "espaces",
              "--sous-categorie", "habilitation", "--espace", "depenses", "--description",
              "Je mandate", "--envoyer")
    assert (s["etat"], s["niveau"]) == ("envoyee", "modification")
    monkeypatch.setenv("CORAIL_UTILISATEUR", "agent.test")
    (a_traiter,) = _json(capsys, "--database", url, "--json", "users", "sollicitations",
                         "--a-traiter")
    assert a_traiter["id"] == s["id"] and a_traiter["demandeur"] == "m.durand"
    assert _json(capsys, "--database", url, "--json", "users", "accepter", str(s["id"]),
                 "--reponse", "Accordé")["etat"] == "acceptee"
    monkeypatch.setenv("CORAIL_UTILISATEUR", "m.durand")
    assert main(engagement) == 0
    (mienne,) = _json(capsys, "--database", url, "--json", "users", "sollicitations")
    assert (mienne["etat"], mienne["reponse"], mienne["traite_par"]) == ("acceptee", "Accordé", "agent.test")


def test_transfert_confirme_puis_par_l_administrateur(base, capsys, monkeypatch):
    url, path = base
    avant = _dump(path)
    err = _refus(capsys, "--database", url, "users", "transferer", "--vers", "marie.durand@mairie.fr")
    assert "Transfert non confirmé" in err
    assert _dump(path) == avant
    t = _json(capsys, "--database", url, "--json", "users", "transferer", "--vers",
              "marie.durand@mairie.fr", "--confirmer")
    assert (t["ancien"], t["nouveau"]) == ("agent.test", "m.durand")
    err = _refus(capsys, "--database", url, "users", "transferer", "--vers", "m.durand", "--confirmer")
    assert "Seul le gestionnaire principal" in err
    # m.durand left without transferring: the administrator names agent.test again
    monkeypatch.setenv("CORAIL_UTILISATEUR", "admin.si")
    assert "--motif" in _refus(capsys, "--database", url, "users", "transferer-admin",
                               "--budget", "123-01", "--vers", "agent.test")
    assert "Aucun administrateur" in _refus(capsys, "--database", url, "users", "transferer-admin",
                                            "--vers", "agent.test", "--motif", "Départ")
    assert main(["--database", url, "users", "admin", "ajouter", "admin.si", "--motif",
                 "Prestataire informatique"]) == 0
    t = _json(capsys, "--database", url, "--json", "users", "transferer-admin", "--budget", "123-01",
              "--vers", "agent.test", "--motif", "Départ de Marie Durand")
    assert (t["ancien"], t["nouveau"], t["par"]) == ("m.durand", "agent.test", "admin.si")
    conn = sqlite3.connect(path)
    try:
        (auteur, detail), = conn.execute("SELECT auteur, detail FROM journal_gestion "
                                         "WHERE action = 'transfert_administrateur'").fetchall()
    finally:
        conn.close()
    assert auteur == "admin.si" and "Départ de Marie Durand" in detail


def test_statuts_espaces_et_saisies_refusees(base, capsys):
    url, path = base
    db = ["--database", url]
    assert _json(capsys, *db, "--json", "users", "desactiver", "m.durand")["actif"] is False
    u = _json(capsys, *db, "--json", "users", "reactiver", "m.durand")
    assert u["actif"] and u["date_reactivation"]
    espaces = _json(capsys, *db, "--json", "users", "espaces", "m.durand", "--ajouter",
                    "recettes=modification", "--retirer", "depenses")
    assert espaces == {"recettes": "modification"}
    avant = _dump(path)
    assert "invalide" in _refus(capsys, *db, "users", "create", "a b")
    assert "ESPACE=NIVEAU" in _refus(capsys, *db, "users", "espaces", "m.durand", "--ajouter",
                                     "compta=modification")
    assert "n'est pas rattaché" in _refus(capsys, *db, "users", "show", "personne")
    assert "propre compte" in _refus(capsys, *db, "users", "desactiver", "agent.test")
    assert "Réponse manquante" in _refus(capsys, *db, "users", "refuser", "1", "--reponse", "")
    assert _dump(path) == avant


def test_mot_de_passe_exige(base, capsys, monkeypatch):
    url, path = base
    db = ["--database", url]
    assert "propre mot de passe" in _refus(capsys, *db, "users", "connexion", "--mot-de-passe", "exige")
    monkeypatch.setenv("CORAIL_NOUVEAU_MOT_DE_PASSE", "court")
    assert "trop court" in _refus(capsys, *db, "users", "mot-de-passe")
    monkeypatch.setenv("CORAIL_NOUVEAU_MOT_DE_PASSE", "Secret-de-mairie-1")
    assert main([*db, "users", "mot-de-passe"]) == 0
    assert main([*db, "users", "connexion", "--mot-de-passe", "exige"]) == 0
    assert "Secret-de-mairie-1" not in "\n".join(_dump(path))
    avant = _dump(path)
    assert "CORAIL_MOT_DE_PASSE" in _refus(capsys, *db, "users", "list")  # no terminal in tests
    monkeypatch.setenv("CORAIL_MOT_DE_PASSE", "faux-mot-de-passe")
    assert "incorrect" in _refus(capsys, *db, "users", "list")
    assert _dump(path) == avant
    monkeypatch.setenv("CORAIL_MOT_DE_PASSE", "Secret-de-mairie-1")
    assert main([*db, "users", "list"]) == 0


def test_administrateurs_de_la_base(base, capsys, monkeypatch):
    url, path = base
    db = ["--database", url]
    assert _json(capsys, *db, "--json", "users", "admin", "list") == []
    monkeypatch.setenv("CORAIL_UTILISATEUR", "m.durand")  # whoever opens it declares the first
    (a,) = [_json(capsys, *db, "--json", "users", "admin", "ajouter", "m.durand", "--motif",
                  "Secrétaire de mairie")]
    assert (a["login"], a["declare_par"], a["motif"]) == ("m.durand", "m.durand",
                                                          "Secrétaire de mairie")
    monkeypatch.setenv("CORAIL_UTILISATEUR", "agent.test")
    avant = _dump(path)
    assert "n'est pas administrateur de la base" in _refus(
        capsys, *db, "users", "admin", "ajouter", "agent.test", "--motif", "Je suis le GP")
    assert "--motif" in _refus(capsys, *db, "users", "admin", "retirer", "m.durand")
    assert "administrateur de la base" in _refus(capsys, *db, "users", "desactiver", "m.durand")
    monkeypatch.setenv("CORAIL_UTILISATEUR", "m.durand")
    assert "dernier administrateur" in _refus(capsys, *db, "users", "admin", "retirer",
                                              "m.durand", "--motif", "Départ")
    assert _dump(path) == avant  # refusals write nothing, not even a connection date
    assert main([*db, "users", "admin", "ajouter", "agent.test", "--motif", "DGS"]) == 0
    assert main([*db, "users", "admin", "retirer", "m.durand", "--motif", "Mutation"]) == 0
    capsys.readouterr()
    assert main([*db, "users", "admin", "lister"]) == 0
    sortie = capsys.readouterr().out
    (ligne,) = sortie.splitlines()  # m.durand is no longer one
    assert ligne.startswith("agent.test ") and ligne.endswith("par m.durand : DGS")
    conn = sqlite3.connect(path)
    try:
        traces = conn.execute("SELECT auteur, action, cible, budget_id, detail FROM journal_gestion "
                              "WHERE action LIKE '%administrateur' ORDER BY id").fetchall()
    finally:
        conn.close()
    assert [t[:4] for t in traces] == [
        ("m.durand", "ajout_administrateur", "m.durand", None),
        ("m.durand", "ajout_administrateur", "agent.test", None),
        ("m.durand", "retrait_administrateur", "m.durand", None)]
    assert traces[0][4].startswith("Premier administrateur") and traces[2][4] == "motif : Mutation"


def test_administrateur_et_mot_de_passe_d_une_autre_collectivite(base, capsys, monkeypatch):
    """The administrator acts on every structure: a collectivité that asks for a password asks
    it of him even when he works on another one."""
    url, _path = base
    db = ["--database", url]
    assert main([*db, "--exercice", "2026", "init", "--nom", "SYNDICAT DES EAUX", "--siret",
                 "21450123100010", "--code-col", "456", "--code-bud", "01", "--poste",
                 "045000"]) == 0
    monkeypatch.setenv("CORAIL_NOUVEAU_MOT_DE_PASSE", "Secret-de-mairie-1")
    assert main([*db, "--budget", "123-01", "users", "mot-de-passe"]) == 0
    assert main([*db, "users", "admin", "ajouter", "agent.test", "--budget", "123-01",
                 "--motif", "DGS"]) == 0
    assert main([*db, "--budget", "456-01", "users", "connexion", "--mot-de-passe", "exige"]) == 0
    # 123-01 asks for nothing, but its administrator is asked for his password
    assert "CORAIL_MOT_DE_PASSE" in _refus(capsys, *db, "--budget", "123-01", "users", "admin",
                                           "list")
    monkeypatch.setenv("CORAIL_MOT_DE_PASSE", "faux-mot-de-passe")
    assert "incorrect" in _refus(capsys, *db, "users", "admin", "list", "--budget", "123-01")
    monkeypatch.setenv("CORAIL_MOT_DE_PASSE", "Secret-de-mairie-1")
    assert [a["login"] for a in _json(capsys, *db, "--json", "users", "admin", "list")] == [
        "agent.test"]
