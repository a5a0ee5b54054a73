"""Dépenses through the command line: list, valider, numéroter, imprimer, trains, bordereaux."""
import json

import pytest

from corail.cli.main import main
from tests.pivot_fixtures import ecrire, flux_simple
from tests.test_cli_init import INIT, _dump


def _json(capsys, *args):
    capsys.readouterr()
    assert main(list(args)) == 0
    return json.loads(capsys.readouterr().out)


@pytest.fixture
def base(tmp_path):
    url = f"sqlite:///{tmp_path / 'd.db'}"
    assert main(["--database", url, "--exercice", "2026", *INIT]) == 0
    flux = ecrire(tmp_path, "f.xml", flux_simple("F-1", "F-2"))
    assert main(["--database", url, "pivot", "import", str(flux)]) == 0
    assert main(["--database", url, "pivot", "mandater", "--all"]) == 0
    return url, tmp_path / "d.db"


def test_du_mandat_au_pdf(base, tmp_path, capsys):
    url, path = base
    mandats = _json(capsys, "--database", url, "--json", "mandats", "list")
    assert {"id", "numero", "tiers", "montant", "train", "bordereau_id", "etat"} <= set(mandats[0])
    assert [m["etat"] for m in mandats] == ["brouillon", "brouillon"]
    ids = [str(m["id"]) for m in mandats]
    assert main(["--database", url, "mandats", "valider", *ids]) == 0
    res = _json(capsys, "--database", url, "--json", "mandats", "numeroter", "--train", "Normal")
    assert res["bordereaux"][0]["numero"] == 1 and res["bordereaux"][0]["montant"] == "2400.00"
    bordereaux = _json(capsys, "--database", url, "--json", "bordereaux", "list")
    assert {"id", "type", "exercice", "numero", "nb_pieces", "montant", "etat"} <= set(bordereaux[0])
    assert (bordereaux[0]["type"], bordereaux[0]["nb_pieces"], bordereaux[0]["etat"]) == ("mandat", 2, "cree")
    pdf = tmp_path / "mandats.pdf"
    assert main(["--database", url, "mandats", "imprimer", "--train", "Normal", "--out", str(pdf)]) == 0
    assert pdf.read_bytes()[:4] == b"%PDF" and (tmp_path / "mandats_bordereau_1.pdf").exists()
    detail = _json(capsys, "--database", url, "--json", "mandats", "show", ids[0])
    assert detail["numero"] == 1 and detail["etat"] == "numerote"


def test_refus(base, tmp_path, capsys):
    url, path = base
    avant = _dump(path)
    for args, message in (
        (["mandats", "numeroter", "--train", "Normal"], "Aucun mandat validé"),
        (["mandats", "numeroter", "--train", "attente"], "train d'attente"),
        (["mandats", "annuler", "1", "--motif", "x"], "seul un mandat numéroté"),
        (["trains", "liberer", "Normal", "--reference", "R", "--date", "2026-10-01"],
         "n'est pas un train d'attente"),
        (["trains", "liberer", "attente", "--reference", "R", "--date", "2026-10-01"],
         "aucun mandat à libérer"),
        (["mandats", "imprimer", "--train", "Normal", "--out", str(tmp_path / "absent" / "x.pdf")],
         "introuvable"),
        (["engagements", "create", "E-1", "--article", "7067", "--montant", "10"],
         "pas un compte de dépense"),
    ):
        capsys.readouterr()
        assert main(["--database", url, *args]) == 2, args
        err = capsys.readouterr().err
        assert message in err and "Traceback" not in err, err
    assert _dump(path) == avant


def test_trains_et_registre(base, capsys):
    url, _ = base
    assert main(["--database", url, "trains", "create", "Investissement"]) == 0
    trains = _json(capsys, "--database", url, "--json", "trains", "list")
    assert [t["nom"] for t in trains] == ["Normal", "attente", "Investissement"]
    assert main(["--database", url, "engagements", "create", "E-9", "--article", "60632",
                 "--montant", "5 000,00"]) == 0
    (e,) = _json(capsys, "--database", url, "--json", "engagements", "list")
    assert (e["montant"], e["solde"]) == ("5000.00", "5000.00")
    assert _json(capsys, "--database", url, "--json", "factures") == []
