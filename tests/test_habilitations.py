"""Enforcement in the services: consultation-only users cannot mandater, rejeter, create…; the
message names the missing habilitation; a refused action writes nothing (not even the connection
date). Passwords: only a salted hash, never the password."""
from dataclasses import replace
from decimal import Decimal

import pytest
from sqlalchemy import inspect, select, text

from corail.db.models import Engagement, Parametre, Utilisateur
from corail.domain import roles
from corail.services import connexion
from corail.services.engagements import creer_engagement, lister_engagements
from corail.services.habilitations import HabilitationManquante, exiger
from corail.services.mandatement import mandater
from corail.services.rejets import rejeter
from corail.services.tiers import TiersSaisie, creer_tiers, rechercher_tiers
from corail.services.trains import creer_train
from corail.services.utilisateurs import creer_utilisateur

MOT_DE_PASSE = "Bonjour-Corail-2026"


def _dump(db) -> dict[str, list]:
    """Every row of every table (what "nothing written" is checked against)."""
    with db.engine.connect() as conn:
        return {t: sorted(map(repr, conn.execute(text(f'SELECT * FROM "{t}"')).all()))
                for t in inspect(conn).get_table_names() if t != "alembic_version"}


@pytest.fixture
def consultant(db, ctx):
    """m.durand: Dépenses and Téléprocédures in consultation, Environnement in modification."""
    with db.transaction() as s:
        creer_utilisateur(s, ctx, "m.durand", espaces={
            roles.DEPENSES: roles.CONSULTATION, roles.TELEPROCEDURES: roles.CONSULTATION,
            roles.ENVIRONNEMENT: roles.MODIFICATION})
    return replace(ctx, utilisateur="m.durand")


@pytest.mark.parametrize("action, message", [
    (lambda s, c: mandater(s, c, None), "« Dépenses — modification » requise pour mandater"),
    (lambda s, c: creer_engagement(s, c, numero="E1", article="60632", montant=Decimal("10")),
     "« Dépenses — modification » requise pour créer un engagement"),
    (lambda s, c: creer_train(s, c, "Travaux"), "« Dépenses — modification » requise pour créer"),
    (lambda s, c: rejeter(s, c, 1, motif="x"),
     "« Téléprocédures — modification » requise pour rejeter"),
])
def test_consultation_seule_refusee_rien_n_est_ecrit(db, ctx, consultant, action, message):
    avant = _dump(db)
    with pytest.raises(HabilitationManquante, match=message) as refus:
        with db.transaction() as s:
            action(s, consultant)
            s.flush()
    assert "n'a que « " in str(refus.value) and "demandez-la au gestionnaire principal" in str(refus.value)
    assert _dump(db) == avant


def test_consultation_permet_de_lire_et_l_espace_detenu_d_agir(session, consultant):
    assert lister_engagements(session, consultant) == []
    t = creer_tiers(session, consultant, TiersSaisie(nom="PAPETERIE", type_identifiant="",
                                                     cat_tiers="01", nat_jur="01"))
    assert [x.id for x in rechercher_tiers(session, consultant, "papet")] == [t.id]


def test_espace_absent_inconnu_non_rattache(session, ctx, consultant):
    with pytest.raises(HabilitationManquante, match="n'a pas l'espace Recettes"):
        exiger(session, consultant, roles.RECETTES, roles.CONSULTATION, "consulter les titres")
    with pytest.raises(HabilitationManquante, match="inconnu de Corail.*Demander un rattachement"):
        exiger(session, replace(ctx, utilisateur="personne"), roles.DEPENSES, roles.CONSULTATION,
               "consulter les mandats")
    session.add(Utilisateur(login="ailleurs", nom="A", actif=True, cree_le=ctx.now()))
    session.flush()
    with pytest.raises(HabilitationManquante, match="n'est pas rattaché au budget 123-01"):
        exiger(session, replace(ctx, utilisateur="ailleurs"), roles.DEPENSES, roles.CONSULTATION,
               "consulter les mandats")
    # one of several espaces suffices
    exiger(session, consultant, (roles.RECETTES, roles.DEPENSES), roles.CONSULTATION, "lire")


def test_refus_au_cli_n_ecrit_pas_la_date_de_connexion(db, ctx, consultant, capsys, monkeypatch):
    from corail.cli.main import main
    url = db.url
    db.dispose()
    avant = _dump(db)
    monkeypatch.setenv("CORAIL_UTILISATEUR", "m.durand")
    assert main(["--database", url, "engagements", "create", "E1", "--article", "60632",
                 "--montant", "10"]) == 2
    assert "Dépenses — modification" in capsys.readouterr().err
    assert _dump(db) == avant
    assert main(["--database", url, "engagements", "list"]) == 0
    with db.lecture() as s:
        u = s.scalars(select(Utilisateur).where(Utilisateur.login == "m.durand")).one()
        assert u.derniere_connexion is not None  # noted by the successful command only


def test_mot_de_passe_jamais_en_clair(db, ctx):
    with db.transaction() as s:
        connexion.definir_mot_de_passe(s, ctx, MOT_DE_PASSE)
        with pytest.raises(connexion.ConnexionRefusee, match="actuel incorrect"):
            connexion.definir_mot_de_passe(s, ctx, "Autre-mot-2026", actuel="faux")
        connexion.regler_mot_de_passe_requis(s, ctx, True)
    with db.engine.connect() as conn:
        for table in ("utilisateur", "parametre", "journal_gestion"):
            for ligne in conn.execute(text(f"SELECT * FROM {table}")):
                assert MOT_DE_PASSE not in repr(ligne)
    if db.url.startswith("sqlite"):
        fichier = db.url.removeprefix("sqlite:///")
        db.dispose()
        for suffixe in ("", "-wal"):
            try:
                with open(fichier + suffixe, "rb") as f:
                    assert MOT_DE_PASSE.encode() not in f.read()
            except FileNotFoundError:
                pass
    with db.lecture() as s:
        empreinte = s.scalars(select(Utilisateur.mot_de_passe)
                              .where(Utilisateur.login == "agent.test")).one()
        assert empreinte.startswith("scrypt$") and connexion.verifier(MOT_DE_PASSE, empreinte)
        assert not connexion.verifier(MOT_DE_PASSE + "x", empreinte)
    assert connexion.hacher(MOT_DE_PASSE) != connexion.hacher(MOT_DE_PASSE)  # salted


def test_connexion_par_mot_de_passe(db, ctx):
    with db.transaction() as s:
        creer_utilisateur(s, ctx, "m.durand", espaces={roles.DEPENSES: roles.CONSULTATION})
        # not required until the gestionnaire principal has a password himself
        with pytest.raises(Exception, match="votre propre mot de passe"):
            connexion.regler_mot_de_passe_requis(s, ctx, True)
        assert connexion.se_connecter(s, ctx.clock, "m.durand").avec_mot_de_passe is False
    with db.transaction() as s:
        connexion.definir_mot_de_passe(s, ctx, MOT_DE_PASSE)
        connexion.regler_mot_de_passe_requis(s, ctx, True)
        s.get(Utilisateur, s.scalars(select(Utilisateur.id).where(
            Utilisateur.login == "m.durand")).one()).derniere_connexion = None
    avant = _dump(db)
    for login, mot, message in (("agent.test", "faux", "incorrect"), ("m.durand", None, "n'en a pas"),
                                ("personne", MOT_DE_PASSE, "inconnu")):
        with pytest.raises(connexion.ConnexionRefusee, match=message):
            with db.transaction() as s:
                connexion.se_connecter(s, ctx.clock, login, mot)
    assert _dump(db) == avant
    with db.transaction() as s:
        assert connexion.se_connecter(s, ctx.clock, "agent.test", MOT_DE_PASSE).avec_mot_de_passe
        assert s.scalars(select(Parametre.valeur).where(
            Parametre.cle == connexion.CLE_MOT_DE_PASSE)).one() == "true"
    with db.lecture() as s:
        assert s.scalars(select(Utilisateur.derniere_connexion)
                         .where(Utilisateur.login == "agent.test")).one() == ctx.now()


def test_compte_desactive_refuse_a_la_connexion(db, ctx):
    from corail.services.utilisateurs import desactiver_utilisateur
    with db.transaction() as s:
        creer_utilisateur(s, ctx, "m.durand", espaces={roles.DEPENSES: roles.MODIFICATION})
        desactiver_utilisateur(s, ctx, "m.durand")
    with pytest.raises(connexion.ConnexionRefusee, match="désactivé"):
        with db.transaction() as s:
            connexion.se_connecter(s, ctx.clock, "m.durand")
    with pytest.raises(HabilitationManquante, match="désactivé"):
        with db.transaction() as s:
            creer_engagement(s, replace(ctx, utilisateur="m.durand"), numero="E1",
                             article="60632", montant=Decimal("10"))
    with db.lecture() as s:
        assert s.scalars(select(Engagement)).all() == []
