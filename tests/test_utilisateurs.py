"""Users and rôles of a structure: one gestionnaire principal (service and database), what only he
does, the transfer of his rôle (only by him, confirmed) and the administrator's path."""
from dataclasses import replace

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from corail.db.models import JournalGestion, Rattachement, Sollicitation, Utilisateur
from corail.domain import roles
from corail.errors import CorailError, NotFound, ValidationError
from corail.services import gestionnaire_principal as gp
from corail.services import utilisateurs as us
from corail.services.administrateurs import ajouter_administrateur, retirer_administrateur
from corail.services.habilitations import HabilitationManquante, definir_habilitation, exiger
from corail.services.sollicitations import SollicitationSaisie, enregistrer_sollicitation

GP = roles.GESTIONNAIRE_PRINCIPAL


def equipe(session, ctx):
    """agent.test (gestionnaire principal of the init), a secondaire and a utilisateur."""
    us.creer_utilisateur(session, ctx, "p.martin", nom="Martin", prenom="Paul",
                         email="paul.martin@mairie.fr", role=roles.GESTIONNAIRE_SECONDAIRE,
                         espaces={"recettes": "modification", "activites_gestionnaire": "modification"})
    us.creer_utilisateur(session, ctx, "m.durand", nom="Durand", prenom="Marie",
                         email="Marie.Durand@mairie.fr", espaces={"depenses": "consultation"})
    return replace(ctx, utilisateur="p.martin"), replace(ctx, utilisateur="m.durand")


def principaux(session, budget_id):
    return session.scalars(select(Utilisateur.login).join(Rattachement).where(
        Rattachement.budget_id == budget_id, Rattachement.role == GP,
        Rattachement.actif.is_(True))).all()


def test_init_fait_du_createur_le_seul_gestionnaire_principal(session, ctx):
    assert principaux(session, ctx.budget_id) == ["agent.test"]
    (moi,) = us.lister_utilisateurs(session, ctx)
    assert moi.role == GP and dict(moi.espaces) == {e: "modification" for e in roles.ESPACES}
    # a second person made "gestionnaire principal" of the same budget is only a utilisateur
    us.rattacher_gestionnaire_principal(session, ctx.clock, "autre", ctx.budget_id)
    assert principaux(session, ctx.budget_id) == ["agent.test"]


def test_deux_gestionnaires_principaux_refuses_par_la_base(db, ctx):
    with db.transaction() as s:
        us.creer_utilisateur(s, ctx, "m.durand")
    with pytest.raises(IntegrityError):
        with db.transaction() as s:
            lien = s.scalars(select(Rattachement).join(Utilisateur)
                             .where(Utilisateur.login == "m.durand")).one()
            lien.role = GP
            s.flush()
    with db.lecture() as s:
        assert principaux(s, ctx.budget_id) == ["agent.test"]
        # an inactive one does not count: the index is partial
    with db.transaction() as s:
        lien = s.scalars(select(Rattachement).join(Utilisateur)
                         .where(Utilisateur.login == "m.durand")).one()
        lien.role, lien.actif = GP, False
    with db.lecture() as s:
        assert principaux(s, ctx.budget_id) == ["agent.test"]


def test_seul_le_gestionnaire_principal_gere_les_utilisateurs(session, ctx):
    secondaire, utilisateur = equipe(session, ctx)
    for qui in (secondaire, utilisateur):
        with pytest.raises(HabilitationManquante, match="Seul le gestionnaire principal"):
            us.desactiver_utilisateur(session, qui, "m.durand")
        with pytest.raises(HabilitationManquante, match="gestionnaire principal"):
            definir_habilitation(session, qui, "m.durand", "depenses", "modification")
        with pytest.raises(HabilitationManquante):
            us.creer_utilisateur(session, qui, "x.y")
    # the secondaire sees the users, the utilisateur does not
    assert {u.login for u in us.lister_utilisateurs(session, secondaire)} == {
        "agent.test", "p.martin", "m.durand"}
    with pytest.raises(HabilitationManquante):
        us.lister_utilisateurs(session, utilisateur)
    with pytest.raises(ValidationError, match="propre compte"):
        us.desactiver_utilisateur(session, ctx, "agent.test")
    with pytest.raises(ValidationError, match="tous les espaces"):
        definir_habilitation(session, ctx, "agent.test", "depenses", None)
    with pytest.raises(ValidationError, match="transf"):
        us.changer_role(session, ctx, "m.durand", GP)


def test_activer_desactiver_reactiver_supprimer(session, ctx):
    _secondaire, utilisateur = equipe(session, ctx)
    with pytest.raises(ValidationError, match="déjà actif"):
        us.activer_utilisateur(session, ctx, "m.durand")
    u = us.desactiver_utilisateur(session, ctx, "m.durand")
    assert (u.actif, u.statut, u.date_desactivation) == (False, "Inactif", ctx.today())
    with pytest.raises(HabilitationManquante, match="désactivé"):
        exiger(session, utilisateur, "depenses", "consultation", "consulter les mandats")
    with pytest.raises(ValidationError, match="Réactiver"):
        us.activer_utilisateur(session, ctx, "m.durand")
    u = us.reactiver_utilisateur(session, ctx, "m.durand")
    assert u.actif and u.date_reactivation == ctx.today()
    exiger(session, utilisateur, "depenses", "consultation", "consulter les mandats")
    enregistrer_sollicitation(session, utilisateur, SollicitationSaisie("compte", "autre", "x"))
    us.supprimer_utilisateur(session, ctx, "m.durand")
    assert us.trouver(session, "m.durand") is None
    assert session.scalar(select(func.count()).select_from(Sollicitation)) == 0
    actions = session.scalars(select(JournalGestion.action).where(
        JournalGestion.cible == "m.durand").order_by(JournalGestion.id)).all()
    assert actions == ["creation", "desactivation", "reactivation", "suppression"]


def test_transfert_seulement_par_le_titulaire(session, ctx):
    secondaire, utilisateur = equipe(session, ctx)
    for qui in (secondaire, utilisateur):
        with pytest.raises(HabilitationManquante, match="Seul le gestionnaire principal"):
            gp.transferer_role(session, qui, "p.martin", confirme=True)
    with pytest.raises(ValidationError, match="non confirmé"):
        gp.transferer_role(session, ctx, "m.durand", confirme=False)
    with pytest.raises(NotFound, match="inconnu@"):
        gp.transferer_role(session, ctx, "inconnu@mairie.fr", confirme=True)
    assert principaux(session, ctx.budget_id) == ["agent.test"]
    # the successor by his contact address, whatever its case
    t = gp.transferer_role(session, ctx, "marie.durand@MAIRIE.fr", confirme=True)
    assert (t.ancien, t.nouveau, t.par) == ("agent.test", "m.durand", "agent.test")
    assert principaux(session, ctx.budget_id) == ["m.durand"]
    lignes = {u.login: u for u in us.lister_utilisateurs(session, utilisateur)}
    assert lignes["agent.test"].role == roles.GESTIONNAIRE_SECONDAIRE
    assert dict(lignes["m.durand"].espaces) == {e: "modification" for e in roles.ESPACES}
    # the former holder may no longer transfer it back
    with pytest.raises(HabilitationManquante, match="Seul le gestionnaire principal"):
        gp.transferer_role(session, ctx, "agent.test", confirme=True)


def test_successeur_actif_et_rattache(session, ctx):
    equipe(session, ctx)
    us.desactiver_utilisateur(session, ctx, "m.durand")
    with pytest.raises(ValidationError, match="inactif"):
        gp.transferer_role(session, ctx, "m.durand", confirme=True)
    session.add(Utilisateur(login="ailleurs", nom="Ailleurs", actif=True, cree_le=ctx.now()))
    session.flush()
    with pytest.raises(ValidationError, match="rattachez-le"):
        gp.transferer_role(session, ctx, "ailleurs", confirme=True)
    assert principaux(session, ctx.budget_id) == ["agent.test"]


def test_quitter_la_structure_successeur_d_abord(session, ctx):
    secondaire, _utilisateur = equipe(session, ctx)
    with pytest.raises(ValidationError, match="nommez d'abord votre successeur"):
        gp.quitter_structure(session, ctx, confirme=True)
    assert principaux(session, ctx.budget_id) == ["agent.test"]
    t = gp.quitter_structure(session, ctx, successeur="p.martin", confirme=True)
    assert t.nouveau == "p.martin"
    assert principaux(session, ctx.budget_id) == ["p.martin"]
    assert "agent.test" not in {u.login for u in us.lister_utilisateurs(session, secondaire)}


def test_transfert_par_l_administrateur(session, ctx):
    equipe(session, ctx)
    admin = replace(ctx, utilisateur="admin.si")
    with pytest.raises(ValidationError, match="Motif manquant"):
        gp.transferer_par_administrateur(session, admin, "m.durand", motif=" ")
    # nobody may until an administrator is declared (services/administrateurs.py)
    with pytest.raises(HabilitationManquante, match="Aucun administrateur"):
        gp.transferer_par_administrateur(session, admin, "m.durand", motif="Départ")
    ajouter_administrateur(session, admin, "admin.si", motif="Prestataire informatique")
    t = gp.transferer_par_administrateur(session, admin, "m.durand",
                                         motif="Départ de l'ancien gestionnaire")
    assert (t.ancien, t.nouveau, t.par) == ("agent.test", "m.durand", "admin.si")
    assert principaux(session, ctx.budget_id) == ["m.durand"]
    trace = session.scalars(select(JournalGestion).where(
        JournalGestion.action == "transfert_administrateur")).one()
    assert trace.auteur == "admin.si" and "Départ de l'ancien gestionnaire" in trace.detail
    # only the declared administrators may
    ajouter_administrateur(session, admin, "p.martin", motif="Adjoint")
    retirer_administrateur(session, admin, "admin.si", motif="Fin du contrat")
    with pytest.raises(HabilitationManquante, match="p.martin"):
        gp.transferer_par_administrateur(session, admin, "agent.test", motif="essai")
    t = gp.transferer_par_administrateur(session, replace(ctx, utilisateur="p.martin"),
                                         "agent.test", motif="retour")
    assert principaux(session, ctx.budget_id) == ["agent.test"] and t.ancien == "m.durand"


def test_saisies_refusees(session, ctx):
    with pytest.raises(ValidationError, match="Identifiant"):
        us.creer_utilisateur(session, ctx, "avec espace")
    with pytest.raises(ValidationError, match="Adresse de contact invalide"):
        us.creer_utilisateur(session, ctx, "x.y", email="pas-une-adresse")
    with pytest.raises(ValidationError, match="Espace « compta » inconnu"):
        us.creer_utilisateur(session, ctx, "x.y", espaces={"compta": "modification"})
    with pytest.raises(ValidationError, match="Rôle"):
        us.creer_utilisateur(session, ctx, "x.y", role=GP)
    assert us.trouver(session, "x.y") is None
    us.creer_utilisateur(session, ctx, "x.y")
    with pytest.raises(CorailError, match="déjà rattaché"):
        us.creer_utilisateur(session, ctx, "x.y")


def test_mon_compte(session, ctx):
    inconnu = us.mon_compte(session, replace(ctx, utilisateur="nouveau"))
    assert not inconnu.connu and inconnu.rattachements == ()
    c = us.modifier_mon_compte(session, ctx, nom="Dupont", prenom="Jeanne",
                               email="j.dupont@mairie.fr")
    assert (c.nom, c.prenom, c.email) == ("Dupont", "Jeanne", "j.dupont@mairie.fr")
    (r,) = c.rattachements
    assert r.budget_id == ctx.budget_id and r.role == GP and "COMMUNE TEST" in r.structure
