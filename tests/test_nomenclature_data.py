"""Données de nomenclature M57 livrées avec Corail (sans Qt, sans base de données)."""

import dataclasses

import pytest

from corail.nomenclature_data import (
    ArticleData,
    ChapitreData,
    FonctionData,
    load_articles,
    load_chapitres,
    load_fonctions,
)


@pytest.fixture(scope="module")
def articles() -> dict[str, ArticleData]:
    return {a.code: a for a in load_articles()}


@pytest.fixture(scope="module")
def chapitres() -> dict[str, ChapitreData]:
    return {c.code: c for c in load_chapitres()}


@pytest.fixture(scope="module")
def fonctions() -> list[FonctionData]:
    return load_fonctions()


def test_les_csv_se_chargent():
    arts, chaps, fcts = load_articles("M57"), load_chapitres("M57"), load_fonctions("M57")
    assert len(arts) > 300 and len(chaps) > 30 and len(fcts) > 200
    assert all(isinstance(a, ArticleData) for a in arts)
    assert all(isinstance(c, ChapitreData) for c in chaps)
    assert all(isinstance(f, FonctionData) for f in fcts)
    assert any(a.verifie for a in arts) and not all(a.verifie for a in arts)


def test_objets_figes_et_listes_independantes():
    arts = load_articles()
    with pytest.raises(dataclasses.FrozenInstanceError):
        arts[0].libelle = "autre"  # type: ignore[misc]
    arts.clear()
    assert load_articles()


def test_codes_uniques():
    for liste in (load_articles(), load_chapitres(), load_fonctions()):
        codes = [x.code for x in liste]
        assert len(codes) == len(set(codes))


def test_codes_et_niveaux(articles, fonctions):
    for a in articles.values():
        assert a.code.isdigit() and a.niveau == len(a.code), a
        assert a.code[:2] in articles, f"titre de chapitre {a.code[:2]} absent ({a.code})"
    for f in fonctions:
        assert f.code.isdigit() and f.niveau == len(f.code), f
        assert f.libelle.strip()


def test_fonctions_ont_leur_parent(fonctions):
    codes = {f.code for f in fonctions}
    for f in fonctions:
        if len(f.code) > 1:
            assert f.code[:-1] in codes, f.code


def test_chapitre_de_chaque_article_existe(articles, chapitres):
    inconnus = {a.code: a.chapitre for a in articles.values() if a.chapitre not in chapitres}
    assert not inconnus


def test_section_coherente_avec_la_classe(articles, chapitres):
    for a in articles.values():
        attendu = "I" if a.code[0] in "12" else "F"
        assert a.code[0] in "1267", a.code
        assert a.section == attendu, a
        assert chapitres[a.chapitre].section == a.section, a


@pytest.mark.parametrize(
    "code, chapitre",
    [
        ("60611", "011"), ("60612", "011"), ("60622", "011"), ("60632", "011"),
        ("6064", "011"), ("615221", "011"), ("6156", "011"), ("6231", "011"),
        ("6262", "011"), ("6281", "011"), ("2183", "21"), ("2184", "21"),
        ("2188", "21"), ("70323", "70"), ("7067", "70"), ("74121", "74"),
    ],
)
def test_articles_du_glossaire(articles, code, chapitre):
    assert code in articles
    assert articles[code].chapitre == chapitre
    assert articles[code].libelle.strip()


@pytest.mark.parametrize(
    "code, chapitre",
    [
        ("621", "012"), ("6336", "012"), ("64111", "012"), ("6355", "011"), ("637", "011"),
        ("6419", "013"), ("6459", "013"), ("6479", "013"), ("739", "014"),
        ("6586", "656"), ("6553", "65"), ("6811", "042"), ("73111", "731"), ("73211", "73"),
        ("1068", "10"), ("10222", "10"), ("1641", "16"), ("2041", "204"), ("2031", "20"),
        ("2313", "23"), ("28", "040"), ("775", "77"), ("78", "78"),
    ],
)
def test_chapitres_globalises_et_exceptions(articles, code, chapitre):
    assert articles[code].chapitre == chapitre


def test_sens(articles):
    for a in articles.values():
        if a.chapitre == "013":
            assert a.sens == "R", a
        elif a.chapitre == "014":
            assert a.sens == "D", a
    assert {articles[c].sens for c in ("60632", "6262", "2183", "2313", "10229")} == {"D"}
    assert {articles[c].sens for c in ("7067", "74121", "1068", "1321", "28")} == {"R"}
    assert {articles[c].sens for c in ("16", "1641", "274", "64")} == {"DR"}


def test_libelles_en_casse_de_phrase(articles, chapitres):
    for x in list(articles.values()) + list(chapitres.values()):
        assert x.libelle == x.libelle.strip() and "’" not in x.libelle, x
        assert x.libelle != x.libelle.upper() or " " not in x.libelle, x
    assert articles["60"].libelle == "Achats et variation des stocks"
    assert articles["656"].libelle == "Frais de fonctionnement des groupes d'élus"


@pytest.mark.parametrize("loader", [load_articles, load_chapitres, load_fonctions])
def test_nomenclature_inconnue(loader):
    with pytest.raises(ValueError, match=r"Nomenclature inconnue : M14 \(disponible : M57\)"):
        loader("M14")
