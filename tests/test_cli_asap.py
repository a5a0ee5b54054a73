"""``corail asap saisir|importer|show|supprimer``: exit 0 and JSON on success, exit 2 with one
French message and nothing written when refused."""
import json

import pytest

from corail.cli.main import main
from corail.db.engine import Database
from corail.db.models import Bordereau, Piece
from corail.services.contexte import construire_contexte
from tests.asap_fixtures import (
    debiteur_public,
    facture_externe,
    parametrer,
    titre_asap,
    xml_externe,
)
from tests.test_cli_init import INIT, _dump


@pytest.fixture
def base(tmp_path):
    url = f"sqlite:///{tmp_path / 'd.db'}"
    assert main(["--database", url, "--exercice", "2026", *INIT]) == 0
    db = Database(url)
    with db.transaction() as s:
        ctx = construire_contexte(s, budget=None, exercice=2026, utilisateur="agent.test")
        parametrer(s, ctx)
        tiers = debiteur_public(s, ctx)
        titre = titre_asap(s, ctx, tiers)
        brouillon = titre_asap(s, ctx, tiers, numeroter=False)
        piece = s.get(Piece, titre)
        refs = (piece.annee, s.get(Bordereau, piece.bordereau_id).numero, piece.numero)
    db.dispose()
    return url, tmp_path / "d.db", titre, brouillon, refs


def _json(capsys, *args):
    capsys.readouterr()
    assert main(list(args)) == 0, capsys.readouterr().err
    return json.loads(capsys.readouterr().out)


def test_saisir_show_pdf(base, tmp_path, capsys):
    url, _, titre, _, _ = base
    d = _json(capsys, "--database", url, "--json", "asap", "saisir", str(titre),
              "--ligne", "Location de la salle des fêtes;2;150,00;20",
              "--ligne", "Ménage après location;1,5;33,33;20", "--code-service", "FIN")
    assert (d["montant_ttc"], d["montant_ht"], d["type_asap"], d["code_service"]) == ("420.00", "350.00", "02", "FIN")
    assert d["nom_pj"].endswith(".xml") and d["talon"][0]
    pdf = tmp_path / "avis.pdf"
    show = _json(capsys, "--database", url, "--json", "asap", "show", str(titre), "--pdf", str(pdf))
    assert show["pj_id"] == d["pj_id"] and pdf.read_bytes()[:4] == b"%PDF"
    capsys.readouterr()
    assert main(["--database", url, "asap", "show", str(titre)]) == 0
    texte = capsys.readouterr().out
    assert "Total HT 350,00 — TVA 70,00 — TTC 420,00" in texte and "TypePJ 006" in texte


def test_importer(base, tmp_path, capsys):
    url, _, titre, _, refs = base
    fichier = tmp_path / "fluo.xml"
    fichier.write_bytes(xml_externe(facture_externe(*refs)))
    d = _json(capsys, "--database", url, "--json", "asap", "importer", str(titre), str(fichier))
    assert (d["origine"], d["numero_facture"], d["montant_ttc"]) == ("import", "FLUO-2026-0042", "420.00")


def test_refus_code_2_rien_ecrit(base, tmp_path, capsys):
    url, path, titre, brouillon, refs = base
    mauvais = tmp_path / "mauvais.xml"
    mauvais.write_bytes(xml_externe(facture_externe(*refs), TypeFact="01"))
    avant = _dump(path)
    for args, message in (
        (["asap", "saisir", str(titre), "--ligne", "Location;1;100;20"], "total TTC 120,00 différent"),
        (["asap", "saisir", str(titre), "--ligne", "Location;1;100"], "ligne invalide"),
        (["asap", "importer", str(titre), str(mauvais)], "mauvais.xml : TypeFact « 01 »"),
        (["asap", "importer", str(brouillon), str(mauvais)], "TypeFact"),
        (["asap", "importer", str(titre), str(tmp_path / "absent.xml")], "introuvable"),
        (["asap", "show", str(titre)], "pas de facture ASAP"),
        (["asap", "show", "999"], "Titre 999 introuvable"),
        (["asap", "supprimer", str(titre)], "pas de facture ASAP"),
    ):
        capsys.readouterr()
        try:
            code = main(["--database", url, *args])
        except SystemExit as exc:  # argparse refuses the option itself
            code = exc.code
        assert code == 2, args
        err = capsys.readouterr().err
        assert message in err and "Traceback" not in err, (args, err)
    assert _dump(path) == avant
