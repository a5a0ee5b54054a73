"""``corail sauvegarde`` / ``restauration``: a hot copy of the SQLite database and its return."""
import sqlite3

import pytest

from corail.cli.main import main


def _dump(path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


@pytest.fixture
def base(tmp_path):
    fichier = tmp_path / "corail.db"
    assert main(["--database", str(fichier), "demo"]) == 0
    return fichier


def _corail(base, *args) -> int:
    return main(["--database", str(base), *args])


def test_sauvegarde_puis_restauration(base, tmp_path, capsys):
    copie = tmp_path / "sauvegardes" / "corail-2026-11-27.db"
    copie.parent.mkdir()
    avant = _dump(base)
    assert _corail(base, "sauvegarde", str(copie)) == 0
    assert "Sauvegarde écrite" in capsys.readouterr().out
    assert _dump(copie) == avant
    assert not list(copie.parent.glob(".*partiel"))

    with sqlite3.connect(base) as conn:  # work done after the sauvegarde
        conn.execute("UPDATE collectivite SET nom = 'MODIFIÉE'")
    modifiee = _dump(base)
    assert _corail(base, "restauration", str(copie)) == 0
    sortie = capsys.readouterr().out
    assert "Base restaurée" in sortie and "avant-restauration" in sortie
    assert _dump(base) == avant
    gardee = next(tmp_path.glob("corail.db.avant-restauration-*"))
    assert _dump(gardee) == modifiee


def test_sauvegarde_a_chaud_ignore_une_ecriture_en_cours(base, tmp_path):
    ecrivain = sqlite3.connect(base, isolation_level=None)
    try:
        ecrivain.execute("BEGIN IMMEDIATE")
        ecrivain.execute("UPDATE collectivite SET nom = 'PAS ENCORE VALIDÉ'")
        assert _corail(base, "sauvegarde", str(tmp_path / "s.db")) == 0
    finally:
        ecrivain.execute("ROLLBACK")
        ecrivain.close()
    with sqlite3.connect(tmp_path / "s.db") as conn:
        assert conn.execute("SELECT nom FROM collectivite").fetchone()[0] != "PAS ENCORE VALIDÉ"


def test_json(base, tmp_path, capsys):
    import json
    assert _corail(base, "--json", "sauvegarde", str(tmp_path / "s.db")) == 0
    res = json.loads(capsys.readouterr().out)
    assert res["fichier"] == str(tmp_path / "s.db") and res["factures"] > 0


def _refus(base, capsys, *args, message: str) -> None:
    avant = _dump(base)
    assert _corail(base, *args) == 2
    assert message in capsys.readouterr().err
    assert _dump(base) == avant
    assert not list(base.parent.glob("corail.db.avant-restauration-*"))


def test_refus_de_sauvegarde(base, tmp_path, capsys):
    existant = tmp_path / "deja.db"
    existant.write_bytes(b"important")
    _refus(base, capsys, "sauvegarde", str(existant), message="existe déjà")
    assert existant.read_bytes() == b"important"
    _refus(base, capsys, "sauvegarde", str(tmp_path / "absent" / "s.db"), message="introuvable")
    _refus(base, capsys, "sauvegarde", str(base), message="la base elle-même")


def test_refus_de_restauration(base, tmp_path, capsys):
    texte = tmp_path / "notes.txt"
    texte.write_text("pas une base")
    _refus(base, capsys, "restauration", str(texte), message="pas une base SQLite")
    _refus(base, capsys, "restauration", str(tmp_path / "absent.db"), message="introuvable")

    etrangere = tmp_path / "autre.db"
    with sqlite3.connect(etrangere) as conn:
        conn.execute("CREATE TABLE t (x)")
    _refus(base, capsys, "restauration", str(etrangere), message="pas une base Corail")

    future = tmp_path / "future.db"
    assert _corail(base, "sauvegarde", str(future)) == 0
    with sqlite3.connect(future) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999_futur'")
    _refus(base, capsys, "restauration", str(future), message="plus récente")

    abimee = tmp_path / "abimee.db"
    assert _corail(base, "sauvegarde", str(abimee)) == 0
    donnees = bytearray(abimee.read_bytes())
    taille_page = int.from_bytes(donnees[16:18], "big")
    for page in range(1, len(donnees) // taille_page):  # scramble every page but the header
        debut = page * taille_page
        donnees[debut:debut + 64] = b"\xff" * 64
    abimee.write_bytes(bytes(donnees))
    capsys.readouterr()
    _refus(base, capsys, "restauration", str(abimee), message="abimee.db")


def test_postgresql_renvoie_a_pg_dump(tmp_path, capsys):
    assert main(["--database", "postgresql://x@localhost/corail", "sauvegarde",
                 str(tmp_path / "s.db")]) == 2
    assert "pg_dump" in capsys.readouterr().err
    assert not (tmp_path / "s.db").exists()
