"""Recettes through the command line: titres creer, valider, numeroter, imprimer, annuler,
emettre (from a pivot avoir); refusals exit 2 with one French message and write nothing."""
import json

import pytest

from corail.cli.main import main
from corail.formats.pivot_builder import build_pivot, exemple_facture, exemple_flux
from tests.pivot_fixtures import ecrire
from tests.test_cli_init import INIT, _dump
from tests.test_reports_pdf import textes

FOURNISSEUR = ("32682006500083", "SARL Structure 1 SIRET")


def _json(capsys, *args):
    capsys.readouterr()
    assert main(list(args)) == 0, capsys.readouterr().err
    return json.loads(capsys.readouterr().out)


@pytest.fixture
def base(tmp_path):
    """A collectivité with a pivot flux holding an avoir (its supplier becomes a tiers)."""
    url = f"sqlite:///{tmp_path / 'r.db'}"
    assert main(["--database", url, "--exercice", "2026", *INIT]) == 0
    flux = exemple_flux(
        exemple_facture("AV-1", avoir=True, montant_ht="100.00", fournisseur=FOURNISSEUR,
                        siret_debiteur="21310555400017", code_service=None, avec_pdf=False),
        exemple_facture("F-2", montant_ht="40.00", siret_debiteur="21310555400017", code_service=None,
                        avec_pdf=False))
    assert main(["--database", url, "pivot", "import", str(ecrire(tmp_path, "f.xml", build_pivot(flux)))]) == 0
    return url, tmp_path / "r.db"


def test_du_titre_au_pdf(base, tmp_path, capsys):
    url, _ = base
    db = ["--database", url, "--json"]
    avoir, _facture = sorted(_json(capsys, *db, "pivot", "list"), key=lambda f: f["numero"])
    emis = _json(capsys, *db, "titres", "emettre", str(avoir["id"]))
    assert (emis["montant"], emis["tiers"], emis["facture_demat_id"]) == ("120.00", FOURNISSEUR[1], avoir["id"])
    (apres,) = [f for f in _json(capsys, *db, "pivot", "list") if f["id"] == avoir["id"]]
    assert apres["etat"] == "titree"
    cree = _json(capsys, *db, "titres", "creer", "--tiers", FOURNISSEUR[0], "--objet", "Location de salle",
                 "--article", "752", "--montant", "1 200,00", "--taux-tva", "20", "--type-asap", "02")
    assert (cree["montant"], cree["type_asap"], cree["etat"]) == ("1200.00", "02", "brouillon")
    detail = _json(capsys, *db, "titres", "show", str(cree["id"]))
    assert (detail["montant_ht"], detail["montant_tva"]) == ("1000.00", "200.00")
    titres = _json(capsys, *db, "titres", "list")
    assert {"id", "numero", "tiers", "montant", "train", "bordereau_id", "etat"} <= set(titres[0])
    assert main(["--database", url, "titres", "valider", str(emis["id"]), str(cree["id"])]) == 0
    res = _json(capsys, *db, "titres", "numeroter", "--train", "Normal")
    (b,) = res["bordereaux"]
    assert (b["numero"], b["type_bord"], b["montant"]) == (1, "01", "1320.00")
    assert [t["numero"] for t in b["titres"]] == [1, 2]
    bordereaux = _json(capsys, *db, "bordereaux", "list", "--type", "titre")
    assert [(x["type"], x["numero"], x["nb_pieces"], x["montant"]) for x in bordereaux] == [
        ("titre", 1, 2, "1320.00")]
    assert _json(capsys, *db, "bordereaux", "list", "--type", "mandat") == []
    pdf = tmp_path / "titres.pdf"
    assert main(["--database", url, "titres", "imprimer", "--train", "Normal", "--out", str(pdf)]) == 0
    texte = " ".join(textes(pdf.read_bytes()))
    assert "TITRE DE RECETTES N° 1" in texte and "TITRE DE RECETTES N° 2" in texte
    assert "1 200,00" in texte and "Avoir N° AV-1" in texte
    bord = " ".join(textes((tmp_path / "titres_bordereau_1.pdf").read_bytes()))
    assert "BORDEREAU DES TITRES ÉMIS N° 1" in bord and "1 320,00" in bord
    annul = _json(capsys, *db, "titres", "annuler", str(cree["id"]), "--motif", "Salle non louée",
                  "--montant", "200")
    assert (annul["montant"], annul["titre_origine_id"], annul["etat"]) == ("-200.00", cree["id"], "valide")
    (b02,) = _json(capsys, *db, "titres", "numeroter", "--train", "tous")["bordereaux"]
    assert (b02["type_bord"], b02["numero"], b02["montant"]) == ("02", 1, "-200.00")
    assert [t["numero"] for t in _json(capsys, *db, "titres", "list", "--tiers", "structure")] == [1, 2, 3]


def test_refus_sans_rien_ecrire(base, tmp_path, capsys):
    url, path = base
    assert main(["--database", url, "titres", "imprimer", "--out", str(tmp_path / "t.pdf")]) == 2
    assert "Aucun titre à imprimer" in capsys.readouterr().err
    assert main(["--database", url, "titres", "emettre", "1"]) == 0  # its supplier becomes a tiers
    avant = _dump(path)
    creer = ["titres", "creer", "--tiers", FOURNISSEUR[0], "--objet", "o", "--montant", "1"]
    for args, message in (
        (["titres", "emettre", "1"], "un titre a déjà été émis"),
        (["titres", "emettre", "2"], "ce n'est pas un avoir"),
        (["titres", "emettre", "99"], "introuvable"),
        (["titres", "creer", "--tiers", "Inconnu SA", "--objet", "o", "--article", "752", "--montant", "1"],
         "Aucun tiers « Inconnu SA »"),
        (["titres", "creer", "--tiers", "x", "--objet", "o", "--article", "752", "--montant", "1"],
         "au moins 3 lettres"),
        ([*creer, "--article", "60632"], "pas un compte de recette"),
        ([*creer, "--article", "752", "--taux-tva", "200"], "Taux de TVA invalide"),
        ([*creer[:-1], "1,234", "--article", "752"], "deux décimales"),
        ([*creer, "--article", "752", "--ht"], "--ht ne s'emploie qu'avec --taux-tva"),
        (["titres", "numeroter", "--train", "Normal"], "Aucun titre validé"),
        (["titres", "annuler", "1", "--motif", "x"], "seul un titre numéroté"),
        (["titres", "imprimer", "--bordereau", "99", "--out", str(tmp_path / "t.pdf")],
         "Aucun titre à imprimer"),
        (["titres", "valider", "1", "999"], "Titre 999 introuvable"),
        (["titres", "show", "999"], "introuvable"),
    ):
        capsys.readouterr()
        assert main(["--database", url, *args]) == 2, args
        err = capsys.readouterr().err
        assert message in err and "Traceback" not in err, err
    assert _dump(path) == avant and not (tmp_path / "t.pdf").exists()
