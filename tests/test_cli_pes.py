"""``corail pes``: export to a folder or the répertoire de transfert, list, acquittements; refusals
are one French message (exit 2), write nothing, and never show a traceback."""
import json

import pytest
from sqlalchemy import select

from corail.cli.main import main
from corail.context import Context
from corail.db.engine import Database
from corail.db.models import Budget, Collectivite
from tests.conftest import CLOCK
from tests.pes_fixtures import acquit_v2, bordereau_construit, element_bordereau
from tests.test_cli_init import INIT, _dump


def _json(capsys, *args):
    capsys.readouterr()
    assert main(list(args)) == 0
    return json.loads(capsys.readouterr().out)


@pytest.fixture
def base(tmp_path):
    url = f"sqlite:///{tmp_path / 'd.db'}"
    assert main(["--database", url, "--exercice", "2026", *INIT]) == 0
    db = Database(url)
    with db.transaction() as s:
        budget = s.scalars(select(Budget)).one()
        ctx = Context(budget.collectivite_id, budget.id, 2026, "agent.test", CLOCK)
        ok = bordereau_construit(s, ctx, [["10.00"], ["20.00"]])
        faux = bordereau_construit(s, ctx, [["5.00"]], iban="FR7630006000011234567890188")
    db.dispose()
    return url, tmp_path / "d.db", ok, faux


def _refus(capsys, url, *args):
    capsys.readouterr()
    assert main(["--database", url, *args]) == 2, args
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return err


def test_export_liste_et_acquittement(base, tmp_path, capsys):
    url, _, ok, _ = base
    sortie = tmp_path / "sortie"
    info = _json(capsys, "--database", url, "--json", "pes", "export", "--bordereau", str(ok),
                 "--out", str(sortie))
    assert (info["nb_pieces"], info["nb_pj"], info["montant"], info["etat"]) == (2, 2, "30.00", "transmis")
    assert [f.name for f in sortie.iterdir()] == [info["nom_fichier"]]
    (ligne,) = _json(capsys, "--database", url, "--json", "pes", "list")
    assert (ligne["nom_fic"], ligne["bordereaux"]) == (info["nom_fic"], ["Mandats n° 1/2026 (01)"])
    ack = tmp_path / "ACK.xml"
    ack.write_bytes(acquit_v2(info["nom_fic"], [element_bordereau(1, True)]))
    capsys.readouterr()
    assert main(["--database", url, "pes", "import-acquit", str(ack)]) == 0
    assert "Accepté — 1 accepté(s), 0 rejeté(s)" in capsys.readouterr().out
    err = _refus(capsys, url, "pes", "import-acquit", str(ack))
    assert "a déjà été lu le" in err
    (a,) = _json(capsys, "--database", url, "--json", "pes", "acquittements")
    assert (a["nom_fichier"], a["etat"], a["pes_aller"]) == ("ACK.xml", "accepte", info["nom_fichier"])


def test_repertoire_de_transfert_par_defaut(base, tmp_path, capsys):
    url, _, ok, _ = base
    err = _refus(capsys, url, "pes", "export", "--bordereau", str(ok))
    assert "Aucun répertoire de transfert" in err
    transfert = tmp_path / "transfert"
    transfert.mkdir()
    db = Database(url)
    with db.transaction() as s:
        s.scalars(select(Collectivite)).one().repertoire_transfert = str(transfert)
    db.dispose()
    assert main(["--database", url, "pes", "export", "--bordereau", str(ok)]) == 0
    (fichier,) = transfert.iterdir()
    assert fichier.suffix == ".xml" and f"PES Aller écrit : {fichier}" in capsys.readouterr().out


def test_refus_sans_rien_ecrire(base, tmp_path, capsys):
    url, path, ok, faux = base
    avant = _dump(path)
    sortie = tmp_path / "sortie"
    err = _refus(capsys, url, "pes", "export", "--bordereau", str(ok), "--bordereau", str(faux),
                 "--out", str(sortie))
    assert "PES Aller refusé, rien n'a été écrit : 1 problème(s)" in err
    assert "Mandat n° 3 : IBAN invalide : « FR7630006000011234567890188 »" in err
    assert not sortie.exists()
    err = _refus(capsys, url, "pes", "verifier", "--bordereau", str(faux))
    assert "1 problème(s) à corriger avant le PES Aller" in err and "IBAN invalide" in err
    casse = tmp_path / "casse.xml"
    casse.write_bytes(b"<PES_ACQUIT><Enveloppe>")
    assert "n'est pas un fichier XML lisible" in _refus(capsys, url, "pes", "import-acquit", str(casse))
    assert "introuvable" in _refus(capsys, url, "pes", "import-acquit", str(tmp_path / "absent.xml"))
    with pytest.raises(SystemExit) as exc:
        main(["--database", url, "pes", "export", "--bordereau", "x"])
    assert exc.value.code == 2 and "identifiant de bordereau invalide : « x »" in capsys.readouterr().err
    assert _dump(path) == avant
    capsys.readouterr()
    assert main(["--database", url, "pes", "verifier", "--bordereau", str(ok)]) == 0
    assert "aucun problème" in capsys.readouterr().out
