"""The whole path through the command line: Lecture, list, show, Mandater, Rejeter, PJ."""
import json

import pytest

from corail.cli.main import main
from tests.pivot_fixtures import ecrire, flux_simple
from tests.test_cli_init import INIT, _dump


@pytest.fixture
def base(tmp_path):
    url = f"sqlite:///{tmp_path / 'c.db'}"
    assert main(["--database", url, "--exercice", "2026", *INIT]) == 0
    return url, tmp_path / "c.db"


def _json(capsys, *args) -> object:
    capsys.readouterr()
    assert main([*args]) == 0
    return json.loads(capsys.readouterr().out)


def test_chemin_complet(base, tmp_path, capsys):
    url, path = base
    flux = ecrire(tmp_path, "flux.xml", flux_simple("F-1", "F-2", "F-3"))
    lus = _json(capsys, "--database", url, "--json", "pivot", "import", str(flux))
    assert lus[0]["nb_factures"] == 3
    lignes = _json(capsys, "--database", url, "--json", "pivot", "list")
    assert {"id", "numero", "type", "fournisseur", "siret", "date_reception", "montant_ht",
            "montant_ttc", "montant_net", "etat", "nb_pj", "flux_id"} <= set(lignes[0])
    assert lignes[0]["montant_ttc"] == "1200.00" and lignes[0]["date_reception"] == "2026-10-05"
    ids = {l["numero"]: l["id"] for l in lignes}
    res = _json(capsys, "--database", url, "--json", "pivot", "mandater", str(ids["F-1"]))
    assert res["traitees"][0]["montant"] == "1200.00"
    assert main(["--database", url, "pivot", "rejeter", str(ids["F-2"]), "--motif",
                 "Prestation non commandée"]) == 0
    rejetees = _json(capsys, "--database", url, "--json", "pivot", "list", "--etat", "rejetee")
    assert [r["numero"] for r in rejetees] == ["F-2"]
    assert rejetees[0]["motif"] == "Rejet : Autre motif — Prestation non commandée"
    detail = _json(capsys, "--database", url, "--json", "pivot", "show", str(ids["F-1"]))
    assert [e["libelle"] for e in detail["etapes"]] == ["Lecture flux", "Mandatement"]
    assert detail["pj"][0]["type_pj"] == "01"
    sortie = tmp_path / "pj"
    assert main(["--database", url, "pivot", "pj", str(ids["F-1"]), "--out", str(sortie)]) == 0
    assert [p.read_bytes()[:4] for p in sortie.iterdir()] == [b"%PDF"]
    res = _json(capsys, "--database", url, "--json", "pivot", "mandater", "--all")
    assert [t["numero"] for t in res["traitees"]] == ["F-3"]
    capsys.readouterr()
    assert main(["--database", url, "pivot", "mandater", "--all"]) == 0
    assert "Aucune facture à mandater" in capsys.readouterr().out


@pytest.mark.parametrize("args, message", [
    (["pivot", "rejeter", "1", "--code", "montant", "--motif", "trop"], "--sommes-admises"),
    (["pivot", "mandater", "1", "--sommes-admises", "10"], "--motif obligatoire"),
    (["pivot", "mandater", "99"], "introuvable"),
    (["pivot", "mandater"], "ou --all"),
    (["pivot", "mandater", "1", "--train", "Inconnu"], "Train « Inconnu » inconnu"),
    (["pivot", "mandater", "1", "--article", "99999"], "Article 99999 absent"),
])
def test_refus_code_2_rien_ecrit(base, tmp_path, capsys, args, message):
    url, path = base
    assert main(["--database", url, "pivot", "import",
                 str(ecrire(tmp_path, "f.xml", flux_simple("F-1", numero_engagement=None)))]) == 0
    avant = _dump(path)
    capsys.readouterr()
    assert main(["--database", url, *args]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert _dump(path) == avant


def test_fichier_refuse_code_2(base, tmp_path, capsys):
    url, path = base
    avant = _dump(path)
    chemin = ecrire(tmp_path, "page.xml", b"<html><body>Erreur 502</body></html>")
    assert main(["--database", url, "pivot", "import", str(chemin)]) == 2
    assert "page.xml" in capsys.readouterr().err
    assert _dump(path) == avant


def test_echantillons_en_ligne_de_commande(tmp_path, capsys, shared):
    url = f"sqlite:///{tmp_path / 'e.db'}"
    assert main(["--database", url, "init", "--nom", "Commune de Noisy-le-Sec", "--siret",
                 "21930053000017", "--code-col", "93", "--code-bud", "01", "--poste", "093000",
                 "--service-chorus", "GN5CAFZ069"]) == 0
    dossier = shared / "samples" / "pivot"
    fichiers = [str(dossier / f"facture_122{i}.xml") for i in range(1, 5)]
    assert main(["--database", url, "pivot", "import", *fichiers,
                 str(dossier / "CPPFichierFormatPivot.xml")]) == 0
    anomalies = _json(capsys, "--database", url, "--json", "pivot", "list", "--etat", "anomalie")
    assert len(anomalies) == 4 and all("déjà reçue" in a["motif"] for a in anomalies)


def test_refus_de_saisie_code_2(base, tmp_path, capsys):
    url, path = base
    assert main(["--database", url, "pivot", "import",
                 str(ecrire(tmp_path, "f.xml", flux_simple("F-1")))]) == 0
    avant = _dump(path)
    fichier = ecrire(tmp_path, "un_fichier.txt", b"x")
    for args, message in (
        (["pivot", "mandater", "1", "--sommes-admises", "abc", "--motif", "x"], "montant illisible"),
        (["pivot", "mandater", "1", "--sommes-admises", "800.123", "--motif", "x"], "deux décimales"),
        (["pivot", "pj", "1", "--out", str(fichier)], "n'est pas un dossier"),
        (["pivot", "rejeter", "1", "--motif", "x", "--code", "acheminement", "--suspendre"],
         "ne peut pas être suspendue"),
        (["pivot", "import", str(tmp_path)], "est un dossier"),
    ):
        capsys.readouterr()
        assert main(["--database", url, *args]) == 2, args
        err = capsys.readouterr().err
        assert message in err and "Traceback" not in err
    assert _dump(path) == avant


def test_import_sans_budget_pour_une_collectivite(base, tmp_path, capsys):
    url, path = base
    from corail.db.engine import Database
    from corail.services.collectivites import ajouter_budget
    from corail.services.contexte import construire_contexte
    db = Database(url)
    with db.transaction() as s:
        ctx = construire_contexte(s, budget="123-01", exercice=None, utilisateur="agent.test")
        ajouter_budget(s, ctx, libelle="Eau", code_bud="02", services_chorus=("EAU",))
    db.dispose()
    flux = ecrire(tmp_path, "f.xml", flux_simple("F-1", code_service="EAU"))
    capsys.readouterr()
    assert main(["--database", url, "pivot", "import", str(flux)]) == 0
    assert "123-02 Eau : 1 facture(s)" in capsys.readouterr().out
    html = ecrire(tmp_path, "erreur.xml", b"<!DOCTYPE html><html><body>502</body></html>")
    autre = ecrire(tmp_path, "g.xml", flux_simple("F-2"))
    avant = _dump(path)
    assert main(["--database", url, "pivot", "import", str(autre), str(html)]) == 2
    assert _dump(path) == avant
    err = capsys.readouterr().err
    assert "page HTML" in err and "Aucun des 2 fichiers n'a été lu" in err
