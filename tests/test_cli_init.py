"""``corail init`` / ``demo`` / context choice, as a script would use them."""
import json
import sqlite3
import subprocess
import sys

import pytest
from sqlalchemy import func, select

from corail.cli.main import main
from corail.db.engine import Database
from corail.db.models import (
    Article, Budget, Chapitre, Collectivite, Exercice, FactureDemat, Fonction, Habilitation,
    Piece, PosteComptable, Rattachement, TauxInterets, Train, Utilisateur, ESPACES,
)

INIT = ["init", "--nom", "COMMUNE TEST", "--siret", "21310555400017", "--code-col", "123",
        "--code-bud", "01", "--poste", "031000"]


def _dump(path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


def test_init_cree_tout(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'x.db'}"
    assert main(["--database", url, "--exercice", "2026", *INIT]) == 0
    assert "COMMUNE TEST" in capsys.readouterr().out
    db = Database(url)
    with db.lecture() as s:
        coll = s.scalars(select(Collectivite)).one()
        budget = s.scalars(select(Budget)).one()
        assert (coll.nom, coll.siret, budget.code_col, budget.code_bud) == (
            "COMMUNE TEST", "21310555400017", "123", "01")
        assert s.scalars(select(PosteComptable.id_post)).one() == "031000"
        assert s.scalars(select(Exercice.annee)).all() == [2026]
        assert s.scalar(select(func.count()).select_from(Article)) > 300
        assert s.scalar(select(func.count()).select_from(Chapitre)) > 20
        assert s.scalar(select(func.count()).select_from(Fonction)) > 200
        assert budget.article_defaut == "60632" and budget.mode_reglement_defaut == "03"
        trains = {t.nom: t.attente for t in s.scalars(select(Train))}
        assert trains == {"Normal": False, "attente": True}
        user = s.scalars(select(Utilisateur)).one()
        assert user.login == "agent.test" and user.derniere_connexion is not None
        ratt = s.scalars(select(Rattachement)).one()
        assert ratt.role == "gestionnaire_principal"
        habil = {h.espace: h.niveau for h in s.scalars(select(Habilitation))}
        assert habil == {e: "modification" for e in ESPACES}
        assert s.scalar(select(func.count()).select_from(TauxInterets)) >= 6
    db.dispose()


@pytest.mark.parametrize("option, valeur, message", [
    ("--siret", "21310555400018", "SIRET invalide"),
    ("--siret", "2131055540001", "14 chiffres"),
    ("--poste", "31000", "IdPost"),
    ("--code-bud", "ABC", "CodBud"),
])
def test_init_refuse_n_ecrit_rien(tmp_path, capsys, option, valeur, message):
    path = tmp_path / "x.db"
    url = f"sqlite:///{path}"
    args = list(INIT)
    args[args.index(option) + 1] = valeur
    assert main(["--database", url, *INIT[:0], *args]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    # nothing written at all: no collectivité, no user, no last-connection date
    dump = "\n".join(_dump(path))
    assert "INSERT INTO \"collectivite\"" not in dump and "INSERT INTO \"utilisateur\"" not in dump
    assert "INSERT INTO \"article\"" not in dump


def test_init_deux_fois_le_meme_budget_refuse(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'x.db'}"
    assert main(["--database", url, *INIT]) == 0
    avant = _dump(tmp_path / "x.db")
    assert main(["--database", url, *INIT]) == 2
    assert "existe déjà" in capsys.readouterr().err
    assert _dump(tmp_path / "x.db") == avant


def test_demo_puis_contexte_ambigu(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'x.db'}"
    assert main(["--database", url, "--exercice", "2026", "demo"]) == 0
    assert "Démo créée" in capsys.readouterr().out
    avant = _dump(tmp_path / "x.db")
    assert main(["--database", url, "demo"]) == 0
    assert "existe déjà" in capsys.readouterr().out
    # the second run wrote only the user's last-connection date
    diff = set(_dump(tmp_path / "x.db")) ^ set(avant)
    assert all("utilisateur" in line for line in diff)
    assert main(["--database", url, "compteurs"]) == 2
    err = capsys.readouterr().err
    assert "Plusieurs budgets" in err and "045-01" in err and "045-02" in err
    assert main(["--database", url, "--budget", "045-01", "--exercice", "2031", "compteurs"]) == 2
    assert "Exercice 2031 inconnu" in capsys.readouterr().err
    assert main(["--database", url, "--budget", "45-1", "--json", "compteurs"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {d["nature"]: d["prochain"] for d in data}["mandat"] == 4


def test_demo_contenu(tmp_path):
    url = f"sqlite:///{tmp_path / 'x.db'}"
    assert main(["--database", url, "--exercice", "2026", "demo"]) == 0
    db = Database(url)
    with db.lecture() as s:
        assert s.scalar(select(func.count()).select_from(Budget)) == 2
        etats_fd = {fd.numero: fd.etat for fd in s.scalars(select(FactureDemat))}
        assert etats_fd["PAP-88305"] == "rejetee"
        assert etats_fd["SEV-2026-119"] == "anomalie"
        assert etats_fd["QM-2026-0431"] == "facturee" and etats_fd["PAP-87990"] == "facturee"
        etats_mandats = sorted(p.etat for p in s.scalars(select(Piece).where(Piece.type_piece == "mandat")))
        assert etats_mandats == ["brouillon", "numerote", "transmis", "transmis", "valide", "valide"]
        etats_titres = sorted(p.etat for p in s.scalars(select(Piece).where(Piece.type_piece == "titre")))
        assert etats_titres == ["brouillon", "numerote", "numerote", "valide"]
        assert etats_fd["QM-2026-0470"] == "a_traiter"  # the avoir, ready for Emettre titre
    db.dispose()
    # the demo's folders sit beside its database, not in the user's data folder
    assert (tmp_path / "x-demo" / "flux-demo" / "flux_pivot_3.xml").exists()
    assert list((tmp_path / "x-demo" / "pes-demo").glob("*.xml"))
    assert not (tmp_path / "donnees" / "flux-demo").exists()


def test_base_inaccessible_code_3(capsys, tmp_path):
    assert main(["--database", f"sqlite:///{tmp_path}/absent/x.db", "budgets"]) == 3
    err = capsys.readouterr().err
    assert "n'existe pas" in err and "Traceback" not in err


def test_option_invalide_code_2(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--exercice", "26", "budgets"])
    assert exc.value.code == 2
    assert "exercice invalide" in capsys.readouterr().err


def test_script_console_base_absente_non_creee(tmp_path):
    out = subprocess.run([sys.executable, "-m", "corail.cli.main", "--database",
                          str(tmp_path / "y.db"), "--json", "budgets"],
                         capture_output=True, text=True)
    assert out.returncode == 2, out.stderr
    assert "absente" in out.stderr and not (tmp_path / "y.db").exists()


def test_aide_en_francais(capsys):
    with pytest.raises(SystemExit):
        main(["pivot", "rejeter"])
    err = capsys.readouterr().err
    assert "arguments obligatoires manquants" in err and "usage :" in err
    with pytest.raises(SystemExit) as exc:
        main(["pivot", "show", "99999999999999999999"])
    assert exc.value.code == 2 and "numéro de facture invalide" in capsys.readouterr().err


def test_un_siret_pour_une_seule_collectivite(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'x.db'}"
    assert main(["--database", url, *INIT]) == 0
    autre = ["init", "--nom", "X", "--siret", "21310555400017", "--code-col", "124",
             "--code-bud", "01", "--poste", "031000"]
    assert main(["--database", url, *autre]) == 2
    assert "déjà celui de « COMMUNE TEST »" in capsys.readouterr().err
    vide = ["init", "--nom", "Y", "--siret", "21930053000017", "--code-col", "125", "--code-bud",
            "01", "--poste", "031000", "--service-chorus", " "]
    assert main(["--database", url, *vide]) == 2
    assert "Code service Chorus Pro vide" in capsys.readouterr().err


def test_base_occupee_message_francais_code_3(tmp_path, capsys, monkeypatch):
    """A lock timeout or a deadlock (another workstation): French, exit 3, no traceback."""
    from sqlalchemy.exc import OperationalError

    import corail.cli.environnement as environnement

    def occupee(*_a, **_k):
        raise OperationalError("SELECT", {}, Exception("database is locked"))

    url = f"sqlite:///{tmp_path / 'x.db'}"
    assert main(["--database", url, "--exercice", "2026", *INIT]) == 0
    capsys.readouterr()
    monkeypatch.setattr(environnement, "lister_budgets", occupee)
    assert main(["--database", url, "budgets"]) == 3
    err = capsys.readouterr().err
    assert "database is locked" in err and "rien n'a été modifié" in err and "Traceback" not in err
