"""The Chorus Pro API through PISTE (formats-chorus-pro.md §3), recipient side.

* OAuth2 *client credentials* on PISTE; the token is kept until shortly before it expires,
  then renewed (and renewed at once when Chorus Pro answers 401);
* every call is a JSON POST to ``<base>/cpro/<service>/v1/<path>`` with the ``cpro-account``
  header (base64 of ``login:password`` of the structure's *utilisateur technique*);
* timeouts; retries with exponential backoff on network errors, 5xx and 429 (``attendre`` is
  injectable, tests do not sleep); a functional refusal (HTTP 200 with ``codeRetour`` ≠ 0) or any
  other HTTP error becomes an ``ErreurChorus`` with a French message.
* The password and the client secret come from the OS keyring (``corail.secrets``); they are
  never logged, never written anywhere, and ``repr`` of the configuration hides them.
"""
from __future__ import annotations

import base64
import json
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable
from urllib.parse import urlsplit

import httpx

from corail.errors import CorailError, ValidationError
from corail.secrets import MOT_DE_PASSE, SECRET_CLIENT, MemoireSession, cle_structure, lire_mot_de_passe
from corail.services.reglages_demat import RecuperationReglage

log = logging.getLogger("corail.chorus")

#: refresh the token this long before Chorus Pro says it expires (seconds)
MARGE_JETON = 60.0
PAS_DE_RESULTAT = (20000, 20007)  # TRA_MSG_00.015: the search found nothing


class ErreurChorus(CorailError):
    """Chorus Pro refused the call or could not be reached (the French message says which)."""

    def __init__(self, message: str, *, code: object = None, statut_http: int | None = None) -> None:
        super().__init__(message)
        self.code, self.statut_http = code, statut_http


@dataclass(frozen=True)
class ConfigChorus:
    url_api: str
    url_oauth: str
    client_id: str
    client_secret: str = field(repr=False)
    compte: str = ""
    mot_de_passe: str = field(default="", repr=False)
    delai: float = 60.0  # seconds, per call (Pastell's value)
    essais: int = 4  # attempts on network errors and 5xx


#: hosts allowed without https: this machine only (a local test server)
LOCALES = frozenset({"127.0.0.1", "localhost", "::1"})


def config_depuis_reglage(reglage: RecuperationReglage, collectivite_id: int, *,
                          memoire: MemoireSession) -> ConfigChorus:
    """The API settings of a structure, its secrets read from the keyring; a French
    ``ValidationError`` when it is in mode portail or something is missing."""
    if reglage.mode != "service":
        raise ValidationError(f"Structure Chorus Pro SIRET {reglage.siret} en mode portail : la "
                              f"récupération par l'API demande le mode service (Paramétrage de la "
                              f"récupération des factures dématérialisées)")
    mot_de_passe = lire_mot_de_passe(cle_structure(collectivite_id, reglage.siret, MOT_DE_PASSE),
                                     memoire=memoire)
    secret = lire_mot_de_passe(cle_structure(collectivite_id, reglage.siret, SECRET_CLIENT),
                               memoire=memoire)
    manque = [nom for nom, valeur in (("compte de l'utilisateur technique", reglage.compte),
                                      ("mot de passe", mot_de_passe),
                                      ("identifiant client PISTE", reglage.client_id),
                                      ("secret client PISTE", secret)) if not valeur]
    if manque:
        raise ValidationError(f"Mode service non configuré pour la structure SIRET {reglage.siret} : "
                              f"{', '.join(manque)} manquant(s) (Paramétrage de la récupération des "
                              f"factures dématérialisées)")
    url = reglage.url.rstrip("/")
    oauth = reglage.url_oauth or f"{url}/api/oauth/token"
    for adresse in (url, oauth):  # a setting edited by hand is checked again: no secret in clear
        parts = urlsplit(adresse)
        if parts.scheme != "https" and parts.hostname not in LOCALES:
            raise ValidationError(f"Adresse de Chorus Pro refusée : « {adresse} » n'est pas en https ; "
                                  f"le mot de passe et le secret client ne partent qu'en https "
                                  f"(Paramétrage de la récupération des factures dématérialisées)")
    return ConfigChorus(url_api=url, url_oauth=oauth,
                        client_id=reglage.client_id, client_secret=secret, compte=reglage.compte,
                        mot_de_passe=mot_de_passe)


def _message_http(statut: int, operation: str) -> str:
    if statut == 401:
        return (f"Chorus Pro refuse l'authentification ({operation}, HTTP 401) : vérifiez le compte "
                f"de l'utilisateur technique, son mot de passe (il expire) et le client PISTE")
    if statut == 403:
        return (f"Accès refusé par Chorus Pro ({operation}, HTTP 403) : l'application PISTE doit "
                f"être abonnée à l'API Chorus Pro et le compte technique rattaché à la structure")
    if statut == 404:
        return f"Service Chorus Pro introuvable ({operation}, HTTP 404) : vérifiez l'URL"
    if statut == 413:
        return (f"Demande trop volumineuse pour Chorus Pro ({operation}, HTTP 413 : 120 Mo au plus "
                f"par téléchargement)")
    if statut >= 500 or statut == 429:
        return f"Chorus Pro indisponible ({operation}, HTTP {statut}) : réessayez plus tard"
    return f"Chorus Pro a répondu HTTP {statut} ({operation})"


def verifier_retour(reponse: dict, operation: str) -> dict:
    """Raise ``ErreurChorus`` on a functional refusal (``codeRetour`` ≠ 0, or
    ``retourFonctionnel``), with Chorus Pro's own label."""
    fonctionnel = reponse.get("retourFonctionnel")
    if isinstance(fonctionnel, dict) and fonctionnel.get("codeRetourFonctionnel"):
        code = fonctionnel["codeRetourFonctionnel"]
        libelle = fonctionnel.get("libelleRetourFonctionnel") or "sans libellé"
        raise ErreurChorus(f"Chorus Pro a refusé {operation} : {libelle} (code {code})", code=code)
    code = reponse.get("codeRetour", 0)
    if code not in (0, "0", None):
        libelle = reponse.get("libelle") or "sans libellé"
        raise ErreurChorus(f"Chorus Pro a refusé {operation} : {libelle} (code {code})", code=code)
    return reponse


class ClientChorus:
    """One connection to Chorus Pro (close it, or use ``with``)."""

    def __init__(self, config: ConfigChorus, *, transport: httpx.BaseTransport | None = None,
                 attendre: Callable[[float], None] = time.sleep,
                 horloge: Callable[[], float] = time.monotonic) -> None:
        self.config = config
        self.attendre, self.horloge = attendre, horloge
        self._http = httpx.Client(timeout=httpx.Timeout(config.delai, connect=min(config.delai, 15.0)),
                                  transport=transport, follow_redirects=False)
        self._jeton: str | None = None
        self._expire = 0.0
        self.nb_jetons = 0  # tokens obtained (tests check the cache)
        compte = f"{config.compte}:{config.mot_de_passe}".encode()
        self._compte = base64.b64encode(compte).decode("ascii")

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> ClientChorus:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- transport, retries ------------------------------------------------------------------

    def _envoyer(self, faire: Callable[[], tuple[int, bytes]], operation: str) -> tuple[int, bytes]:
        """``faire()`` with retries on network errors, 5xx and 429 (backoff 1, 2, 4… s)."""
        essais = max(1, self.config.essais)
        for essai in range(essais):
            try:
                statut, contenu = faire()
            except httpx.TimeoutException:
                raison, statut = "délai dépassé", None
            except httpx.TransportError as exc:
                raison, statut = f"connexion impossible : {type(exc).__name__}", None
            else:
                if statut < 500 and statut != 429:
                    return statut, contenu
                raison = f"HTTP {statut}"
            log.warning("Chorus Pro %s : %s (essai %d/%d)", operation, raison, essai + 1, essais)
            if essai + 1 < essais:
                self.attendre(min(2.0 ** essai, 30.0))
        if statut is None:
            raise ErreurChorus(f"Chorus Pro injoignable ({operation}, {raison}) après {essais} essais : "
                               f"vérifiez la connexion Internet et l'URL {self.config.url_api}")
        raise ErreurChorus(_message_http(statut, operation) + f" — {essais} essais", statut_http=statut)

    def _post(self, url: str, *, operation: str, destination: Path | None = None,
              **kwargs) -> tuple[int, bytes]:
        def faire() -> tuple[int, bytes]:
            with self._http.stream("POST", url, **kwargs) as r:
                if r.status_code == 200 and destination is not None:
                    with destination.open("wb") as out:
                        for bloc in r.iter_bytes(1 << 16):
                            out.write(bloc)
                    return r.status_code, b""
                return r.status_code, r.read()
        statut, contenu = self._envoyer(faire, operation)
        log.info("Chorus Pro %s : HTTP %d", operation, statut)
        return statut, contenu

    # -- OAuth ---------------------------------------------------------------------------------

    def jeton(self) -> str:
        """The PISTE access token, kept until shortly before it expires."""
        if self._jeton is not None and self.horloge() < self._expire:
            return self._jeton
        statut, contenu = self._post(
            self.config.url_oauth, operation="connexion à PISTE",
            data={"grant_type": "client_credentials", "client_id": self.config.client_id,
                  "client_secret": self.config.client_secret, "scope": "openid"})
        if statut in (400, 401):
            raise ErreurChorus("Connexion à PISTE refusée : identifiant ou secret client invalide "
                               "(Paramétrage de la récupération des factures dématérialisées)",
                               statut_http=statut)
        if statut != 200:
            raise ErreurChorus(_message_http(statut, "connexion à PISTE"), statut_http=statut)
        try:
            donnees = json.loads(contenu)
            jeton, duree = str(donnees["access_token"]), float(donnees.get("expires_in") or 3600)
        except (ValueError, KeyError, TypeError):
            raise ErreurChorus("Réponse de PISTE illisible (jeton d'accès absent)") from None
        self._jeton = jeton
        self._expire = self.horloge() + max(duree - min(MARGE_JETON, duree / 2), 0.0)
        self.nb_jetons += 1
        return jeton

    def oublier_jeton(self) -> None:
        self._jeton, self._expire = None, 0.0

    # -- calls ---------------------------------------------------------------------------------

    def appeler(self, chemin: str, corps: dict, *, operation: str,
                destination: Path | None = None) -> dict:
        """POST ``corps`` to ``/cpro/<chemin>``; the JSON answer (``destination``: the raw answer
        streamed into that file instead, and ``{}`` returned)."""
        url = f"{self.config.url_api}/cpro/{chemin.lstrip('/')}"
        for renouvele in (False, True):
            entetes = {"Authorization": f"Bearer {self.jeton()}", "cpro-account": self._compte,
                       "Content-Type": "application/json;charset=utf-8",
                       "Accept": "application/json"}
            statut, contenu = self._post(url, operation=operation, destination=destination,
                                         headers=entetes, content=json.dumps(corps).encode())
            if statut == 401 and not renouvele:
                self.oublier_jeton()  # expired or revoked: one new token, one more try
                continue
            break
        if statut != 200:
            message = _message_http(statut, operation)
            try:
                detail = json.loads(contenu)
                message += f" : {detail.get('libelle') or detail.get('message') or ''}".rstrip(" :")
            except (ValueError, AttributeError):
                pass
            raise ErreurChorus(message, statut_http=statut)
        if destination is not None:
            return {}
        try:
            reponse = json.loads(contenu) if contenu.strip() else {}
        except ValueError:
            raise ErreurChorus(f"Réponse de Chorus Pro illisible ({operation})") from None
        if not isinstance(reponse, dict):
            raise ErreurChorus(f"Réponse de Chorus Pro inattendue ({operation})")
        return reponse

    def rechercher_recues(self, *, non_telechargees: bool = True, numero: str | None = None,
                          par_page: int = 100, etape: Callable[[int, int], None] | None = None) -> list[dict]:
        """Every received invoice of the search (``rechercher/recipiendaire``), page after page."""
        factures: list[dict] = []
        page = 1
        while True:
            corps: dict = {"typeDemandePaiement": "FACTURE", "recupererTaille": True,
                           "paramRecherche": {"pageResultatDemandee": page,
                                              "nbResultatsParPage": par_page,
                                              "triColonne": "IdFacture", "triSens": "Ascendant"}}
            if non_telechargees:
                corps["factureTelechargeeParDestinataire"] = False
            if numero:
                corps["numeroFacture"] = numero
            reponse = self.appeler("factures/v1/rechercher/recipiendaire", corps,
                                   operation="la recherche des factures reçues")
            if reponse.get("codeRetour") in PAS_DE_RESULTAT:
                break
            verifier_retour(reponse, "la recherche des factures reçues")
            factures += reponse.get("listeFactures") or []
            pages = int(reponse.get("pages") or 1)
            if etape is not None:
                etape(page, pages)
            if page >= pages or page >= 10_000:
                break
            page += 1
        return factures

    def traiter(self, id_facture: int, statut_api: str, *, motif: str | None = None,
                numero_mandat: str | None = None) -> dict:
        corps: dict = {"idFacture": id_facture, "nouveauStatut": statut_api}
        if motif:
            corps["motif"] = motif[:255]
        if numero_mandat:
            corps["numeroDPMandat"] = numero_mandat
        return verifier_retour(self.appeler("factures/v1/traiter/recue", corps,
                                            operation=f"le statut {statut_api}"),
                               f"le statut {statut_api}")

    def historique(self, id_facture: int) -> dict:
        return verifier_retour(self.appeler("factures/v1/consulter/historique",
                                            {"idFacture": id_facture, "nbResultatsMaximum": 100},
                                            operation="la lecture de l'historique"),
                               "la lecture de l'historique")
