"""Administrators of the database: the first one declared by whoever opens a database that has
none, then only by an administrator; never the last one removed; every change in the journal
with its author and motif; the administrator's transfer of the gestionnaire principal rôle."""
import threading
from dataclasses import replace

import pytest
from sqlalchemy import select

from tests.conftest import init_collectivite
from corail.db.models import JournalGestion, Utilisateur
from corail.domain import roles
from corail.errors import NotFound, ValidationError
from corail.services import administrateurs as adm
from corail.services import connexion
from corail.services import gestionnaire_principal as gp
from corail.services import utilisateurs as us
from corail.services.habilitations import HabilitationManquante

MOT_DE_PASSE = "Corail-Admin-2026"


def journal(session, action):
    return session.scalars(select(JournalGestion).where(JournalGestion.action == action)
                           .order_by(JournalGestion.id)).all()


def admins(session, ctx):
    return [a.login for a in adm.lister_administrateurs(session, ctx)]


def test_le_premier_par_quiconque_puis_seulement_par_un_administrateur(session, ctx):
    us.creer_utilisateur(session, ctx, "m.durand", nom="Durand")
    si, durand = replace(ctx, utilisateur="admin.si"), replace(ctx, utilisateur="m.durand")
    assert admins(session, ctx) == []
    with pytest.raises(HabilitationManquante, match="Aucun administrateur de la base"):
        gp.transferer_par_administrateur(session, si, "m.durand", motif="Départ")
    # a login unknown to Corail only for oneself: a typing error makes no administrator nobody is
    with pytest.raises(NotFound, match="« admin.sj »"):
        adm.ajouter_administrateur(session, si, "admin.sj", motif="Prestataire")
    with pytest.raises(ValidationError, match="Motif manquant"):
        adm.ajouter_administrateur(session, si, "admin.si", motif="  ")
    assert us.trouver(session, "admin.si") is None and journal(session, "ajout_administrateur") == []

    a = adm.ajouter_administrateur(session, si, "admin.si", motif="Prestataire informatique")
    assert (a.login, a.declare_par, a.motif, a.declare_le) == (
        "admin.si", "admin.si", "Prestataire informatique", ctx.now())
    assert us.trouver(session, "admin.si").rattachements == []  # an account, no structure
    (trace,) = journal(session, roles.AJOUT_ADMINISTRATEUR)
    assert (trace.auteur, trace.cible, trace.budget_id) == ("admin.si", "admin.si", None)
    assert "Premier administrateur" in trace.detail

    with pytest.raises(HabilitationManquante, match="« m.durand » n'est pas administrateur.*admin.si"):
        adm.ajouter_administrateur(session, durand, "m.durand", motif="moi aussi")
    with pytest.raises(HabilitationManquante, match="n'est pas administrateur"):
        adm.retirer_administrateur(session, durand, "admin.si", motif="coup d'État")
    adm.ajouter_administrateur(session, si, "m.durand", motif="Secrétaire de mairie")
    assert admins(session, ctx) == ["admin.si", "m.durand"]
    assert "Premier" not in journal(session, roles.AJOUT_ADMINISTRATEUR)[1].detail
    with pytest.raises(ValidationError, match="déjà administrateur"):
        adm.ajouter_administrateur(session, durand, "admin.si", motif="encore")


def test_jamais_le_dernier(session, ctx):
    adm.ajouter_administrateur(session, ctx, "agent.test", motif="Secrétaire générale")
    with pytest.raises(ValidationError, match="dernier administrateur"):
        adm.retirer_administrateur(session, ctx, "agent.test", motif="départ")
    us.creer_utilisateur(session, ctx, "p.martin")
    adm.ajouter_administrateur(session, ctx, "p.martin", motif="Adjoint")
    with pytest.raises(NotFound, match="« m.durand » n'est pas administrateur"):
        adm.retirer_administrateur(session, ctx, "m.durand", motif="x")
    retire = adm.retirer_administrateur(session, ctx, "agent.test", motif="Départ à la retraite")
    assert retire.login == "agent.test" and admins(session, ctx) == ["p.martin"]
    (trace,) = journal(session, roles.RETRAIT_ADMINISTRATEUR)
    assert (trace.auteur, trace.cible, trace.detail) == ("agent.test", "agent.test",
                                                         "motif : Départ à la retraite")
    # no longer one: he may not put himself back
    with pytest.raises(HabilitationManquante, match="administrateurs : p.martin"):
        adm.ajouter_administrateur(session, ctx, "agent.test", motif="retour")
    with pytest.raises(ValidationError, match="dernier administrateur"):
        adm.retirer_administrateur(session, replace(ctx, utilisateur="p.martin"), "p.martin",
                                   motif="x" * 10)
    with pytest.raises(ValidationError, match="Motif trop long"):
        adm.retirer_administrateur(session, replace(ctx, utilisateur="p.martin"), "p.martin",
                                   motif="x" * 501)


def test_compte_d_un_administrateur(session, ctx):
    """The gestionnaire principal neither deactivates an administrator nor deletes his account;
    an inactive account is not declared."""
    us.creer_utilisateur(session, ctx, "p.martin")
    us.creer_utilisateur(session, ctx, "m.durand")
    us.desactiver_utilisateur(session, ctx, "m.durand")
    with pytest.raises(ValidationError, match="inactif"):
        adm.ajouter_administrateur(session, ctx, "m.durand", motif="x")
    adm.ajouter_administrateur(session, ctx, "p.martin", motif="Informatique")
    with pytest.raises(ValidationError, match="administrateur de la base"):
        us.desactiver_utilisateur(session, ctx, "p.martin")
    us.supprimer_utilisateur(session, ctx, "p.martin")
    compte = us.trouver(session, "p.martin")
    assert compte is not None and compte.rattachements == [] and compte.administrateur
    assert us.mon_compte(session, replace(ctx, utilisateur="p.martin")).administrateur
    assert not us.mon_compte(session, ctx).administrateur


def test_transfert_par_un_administrateur_seulement(session, ctx):
    us.creer_utilisateur(session, ctx, "m.durand")
    us.creer_utilisateur(session, ctx, "p.martin")
    si = replace(ctx, utilisateur="admin.si")
    adm.ajouter_administrateur(session, si, "admin.si", motif="Prestataire")
    with pytest.raises(HabilitationManquante, match="« p.martin » n'est pas administrateur"):
        gp.transferer_par_administrateur(session, replace(ctx, utilisateur="p.martin"),
                                         "p.martin", motif="je prends")
    t = gp.transferer_par_administrateur(session, si, "m.durand", motif="Départ de agent.test")
    assert (t.ancien, t.nouveau, t.par) == ("agent.test", "m.durand", "admin.si")


def test_mot_de_passe_exige_partout_pour_un_administrateur(session, ctx):
    """An administrator acts on every structure: he signs in with a password as soon as one
    collectivité asks for it, so he needs one before it is asked, and to be declared then."""
    si = replace(ctx, utilisateur="admin.si")
    adm.ajouter_administrateur(session, si, "admin.si", motif="Prestataire")
    connexion.definir_mot_de_passe(session, ctx, MOT_DE_PASSE)
    with pytest.raises(ValidationError, match="admin.si"):
        connexion.regler_mot_de_passe_requis(session, ctx, True)
    assert not connexion.connexion_requise(session, "admin.si")
    connexion.definir_mot_de_passe(session, si, MOT_DE_PASSE)
    connexion.regler_mot_de_passe_requis(session, ctx, True)
    assert connexion.connexion_requise(session, "admin.si")  # not rattaché, yet asked
    with pytest.raises(connexion.ConnexionRefusee, match="incorrect"):
        connexion.authentifier(session, "admin.si", "faux-mot-de-passe")
    us.creer_utilisateur(session, ctx, "m.durand")
    with pytest.raises(ValidationError, match="n'a pas de mot de passe"):
        adm.ajouter_administrateur(session, si, "m.durand", motif="Secrétaire")


def test_deux_postes_ne_retirent_pas_les_deux_derniers(pg_db):
    """PostgreSQL: A removes B while B removes A; the second waits for the first, then sees
    that only one administrator is left and refuses."""
    ctx = init_collectivite(pg_db)
    with pg_db.transaction() as s:
        us.creer_utilisateur(s, ctx, "p.martin")
        adm.ajouter_administrateur(s, ctx, "agent.test", motif="DGS")
        adm.ajouter_administrateur(s, ctx, "p.martin", motif="Adjoint")
    martin = replace(ctx, utilisateur="p.martin")
    resultat: list[BaseException | None] = []

    def second() -> None:
        try:
            with pg_db.transaction() as s2:
                adm.retirer_administrateur(s2, martin, "agent.test", motif="B retire A")
            resultat.append(None)
        except BaseException as exc:  # noqa: BLE001 - reported to the test
            resultat.append(exc)

    with pg_db.transaction() as s1:
        adm.retirer_administrateur(s1, ctx, "p.martin", motif="A retire B")
        fil = threading.Thread(target=second)
        fil.start()
        fil.join(1.0)
        assert fil.is_alive()  # waiting for the first transaction
    fil.join(30)
    (refus,) = resultat
    assert isinstance(refus, HabilitationManquante)  # p.martin is no longer one
    with pg_db.transaction() as s:
        assert [u.login for u in s.scalars(select(Utilisateur).where(
            Utilisateur.administrateur.is_(True)))] == ["agent.test"]
