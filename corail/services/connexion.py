"""Sign-in: the OS user by default on a single workstation; a password when the collectivité asks
for it (Activités du gestionnaire › Connexion). Only a salted scrypt hash is stored
(``scrypt$n$r$p$sel$empreinte``), compared in constant time; the password itself never reaches
the database, a file or a message. A refused sign-in writes nothing, not even the date.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from corail.context import Clock, Context
from corail.db.models import Budget, Collectivite, Rattachement, Utilisateur
from corail.domain import roles
from corail.errors import CorailError, ValidationError
from corail.services.habilitations import (
    administrateurs_actifs, exiger_droit, journaliser, rattachement,
)
from corail.services.reglages_demat import ecrire_parametre, lire_parametre
from corail.services.utilisateurs import noter_connexion, trouver

CLE_MOT_DE_PASSE = "connexion.mot_de_passe_requis"
LONGUEUR_MIN = 8
_N, _R, _P = 2 ** 14, 8, 1


class ConnexionRefusee(CorailError):
    """Unknown user, deactivated account or wrong password (one message for the last two
    would hide which; Corail says which, the workstation being the town hall's)."""


@dataclass(frozen=True)
class Connexion:
    login: str
    nom: str
    prenom: str
    avec_mot_de_passe: bool


def _b64(octets: bytes) -> str:
    return base64.b64encode(octets).decode("ascii")


def hacher(mot_de_passe: str) -> str:
    sel = secrets.token_bytes(16)
    empreinte = hashlib.scrypt(mot_de_passe.encode("utf-8"), salt=sel, n=_N, r=_R, p=_P, dklen=32)
    return f"scrypt${_N}${_R}${_P}${_b64(sel)}${_b64(empreinte)}"


def verifier(mot_de_passe: str, stocke: str | None) -> bool:
    try:
        algo, n, r, p, sel, attendu = (stocke or "").split("$")
        if algo != "scrypt":
            return False
        calcule = hashlib.scrypt(mot_de_passe.encode("utf-8"), salt=base64.b64decode(sel),
                                 n=int(n), r=int(r), p=int(p), dklen=len(base64.b64decode(attendu)))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(calcule, base64.b64decode(attendu))


def _verifier_nouveau(mot_de_passe: str) -> None:
    if len(mot_de_passe or "") < LONGUEUR_MIN:
        raise ValidationError(f"Mot de passe trop court : {LONGUEUR_MIN} caractères au moins")
    if len(mot_de_passe) > 200:
        raise ValidationError("Mot de passe trop long : 200 caractères au plus")


def mot_de_passe_requis(session: Session, collectivite_id: int) -> bool:
    return bool(lire_parametre(session, CLE_MOT_DE_PASSE, collectivite_id=collectivite_id,
                               defaut=False))


def connexion_requise(session: Session, login: str) -> bool:
    """Does a collectivité where ``login`` is rattaché ask for a password? For an administrator
    of the database (who acts on every structure, rattaché or not): does any collectivité?"""
    u = trouver(session, login)
    if u is not None and u.administrateur:
        return exige_quelque_part(session)
    ids = session.scalars(select(Budget.collectivite_id).join(Rattachement)
                          .join(Utilisateur).where(Utilisateur.login == login)).all()
    return any(mot_de_passe_requis(session, c) for c in set(ids))


def exige_quelque_part(session: Session) -> bool:
    """Does any collectivité of the database ask for a password?"""
    return any(mot_de_passe_requis(session, c) for c in session.scalars(select(Collectivite.id)))


def regler_mot_de_passe_requis(session: Session, ctx: Context, requis: bool) -> None:
    """The gestionnaire principal asks (or stops asking) for a password at sign-in; he must
    have one himself first, so that nobody is locked out."""
    exiger_droit(session, ctx, roles.REGLER_CONNEXION)
    moi = trouver(session, ctx.utilisateur)
    if requis and (moi is None or not moi.mot_de_passe):
        raise ValidationError("Définissez d'abord votre propre mot de passe (Mon compte) avant "
                              "de l'exiger à la connexion")
    sans = [u.login for u in administrateurs_actifs(session) if not u.mot_de_passe]
    if requis and sans:  # administrators sign in to every collectivité
        raise ValidationError("Administrateur(s) de la base sans mot de passe : " + ", ".join(sans)
                              + " ; qu'ils en définissent un (corail users mot-de-passe) avant "
                              "qu'il soit exigé à la connexion")
    ecrire_parametre(session, CLE_MOT_DE_PASSE, bool(requis), collectivite_id=ctx.collectivite_id)
    journaliser(session, ctx.clock, ctx.utilisateur, ctx.budget_id, "connexion", None,
                "Mot de passe exigé" if requis else "Mot de passe non exigé")


def definir_mot_de_passe(session: Session, ctx: Context, nouveau: str, *,
                         actuel: str | None = None, login: str | None = None) -> None:
    """My password (the current one asked if I have one), or — by the gestionnaire principal —
    a first password for a user of the structure (``login``)."""
    _verifier_nouveau(nouveau)
    cible = login or ctx.utilisateur
    if cible != ctx.utilisateur:
        exiger_droit(session, ctx, roles.GERER_UTILISATEURS)
        u = rattachement(session, cible, ctx.budget_id).utilisateur
        journaliser(session, ctx.clock, ctx.utilisateur, ctx.budget_id, "mot_de_passe", cible,
                    "Mot de passe défini par le gestionnaire principal")
    else:
        u = trouver(session, cible)
        if u is None or not u.actif:
            raise ConnexionRefusee(f"Compte « {cible} » inconnu ou désactivé")
        if u.mot_de_passe and not verifier(actuel or "", u.mot_de_passe):
            raise ConnexionRefusee("Mot de passe actuel incorrect : rien n'a été modifié")
    u.mot_de_passe = hacher(nouveau)
    session.flush()


def se_connecter(session: Session, clock: Clock, login: str,
                 mot_de_passe: str | None = None) -> Connexion:
    """Sign ``login`` in (``authentifier``) and note the connection date; a refusal writes
    nothing."""
    connexion = authentifier(session, login, mot_de_passe)
    noter_connexion(session, clock, login)
    return connexion


def authentifier(session: Session, login: str, mot_de_passe: str | None = None) -> Connexion:
    """A known, active account, and its password when one of its collectivités asks for it
    (checked only then). Reads only."""
    u = trouver(session, login)
    if u is None:
        raise ConnexionRefusee(f"Utilisateur « {login} » inconnu de Corail : demandez un "
                               f"rattachement au gestionnaire principal de la structure")
    if not u.actif:
        raise ConnexionRefusee(f"Compte « {login} » désactivé : seul le gestionnaire principal "
                               f"de la structure peut le réactiver")
    requis = connexion_requise(session, login)
    if requis:
        if not u.mot_de_passe:
            raise ConnexionRefusee(f"La collectivité exige un mot de passe et « {login} » n'en a "
                                   f"pas : demandez-en un au gestionnaire principal")
        if not verifier(mot_de_passe or "", u.mot_de_passe):
            raise ConnexionRefusee(f"Mot de passe incorrect pour « {login} »")
    return Connexion(u.login, u.nom, u.prenom, requis)
