"""A local fake Chorus Pro (PISTE) for the tests: a small HTTP server on 127.0.0.1.

It implements the OAuth token endpoint (tokens that expire), the four recipient calls Corail
uses — ``rechercher/recipiendaire`` (paged), ``telecharger/groupe`` (pivot files from the
project's builder, base64), ``traiter/recue`` (transitions and mandatory motif checked, history
kept) and ``consulter/historique`` — with the request and answer shapes of
``../shared/samples/chorus-api`` (Pastell's fixtures), and fails on demand: ``panne(chemin,
"500" | "401" | "codeRetour" | "coupure")`` spoils the next call to that path, and
``retenir(chemin)`` makes the next call to it wait until the test lets it go (Chorus Pro being
slow: the test acts meanwhile). Error codes other than those of the samples (20000, 20002,
GDP_MSG_11.008) are made up.
"""
from __future__ import annotations

import base64
import io
import json
import secrets
import threading
import time
import zipfile
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

from corail.formats.pivot_builder import build_pivot, exemple_flux
from corail.formats.pivot_types import PivotFacture

CLIENT_ID, CLIENT_SECRET = "corail-piste-test", "secret-client-4f7d"
LOGIN, PASSWORD = "tech-21310555400017@cpro.fr", "mot-de-passe-technique-9q"
SUIVANTS = {  # what the recipient may set (API codes), from a status
    "MISE_A_DISPOSITION": {"A_RECYCLER", "REJETEE", "SUSPENDUE", "SERVICE_FAIT", "MANDATEE"},
    "SUSPENDUE": {"A_RECYCLER", "REJETEE", "SERVICE_FAIT", "MANDATEE"},
    "SERVICE_FAIT": {"REJETEE", "SUSPENDUE", "MANDATEE"},
    "MANDATEE": {"MISE_A_DISPOSITION_COMPTABLE", "COMPTABILISEE", "MISE_EN_PAIEMENT"},
}


class Retenue:
    """A call held back: ``arrivee`` is set when it reaches the fake, which answers it once
    ``liberer()`` is called (or after ``ATTENTE_MAX`` seconds, so that a failing test ends)."""

    ATTENTE_MAX = 20.0

    def __init__(self) -> None:
        self.arrivee, self._libre = threading.Event(), threading.Event()

    def liberer(self) -> None:
        self._libre.set()

    def attendre(self) -> None:
        self.arrivee.set()
        self._libre.wait(self.ATTENTE_MAX)


@dataclass
class FactureFake:
    id: int
    facture: PivotFacture
    statut: str = "MISE_A_DISPOSITION"
    telechargee: bool = False
    historique: list[dict] = field(default_factory=list)


class FakeChorus:
    def __init__(self, *, duree_jeton: int = 3600, taille_max: int | None = None,
                 zipper: bool = False) -> None:
        self.duree_jeton, self.taille_max, self.zipper = duree_jeton, taille_max, zipper
        self.factures: dict[int, FactureFake] = {}
        self.jetons: dict[str, float] = {}
        self.requetes: list[tuple[str, dict | None, dict]] = []  # (path, json body, headers)
        self.pannes: dict[str, list[str]] = {}
        self.retenues: dict[str, list[Retenue]] = {}
        self.verrou = threading.Lock()
        self._serveur = ThreadingHTTPServer(("127.0.0.1", 0), self._gestionnaire())
        self._fil = threading.Thread(target=self._serveur.serve_forever, daemon=True)
        self._histo = 0

    # -- test side -----------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._serveur.server_address[1]}"

    def __enter__(self) -> FakeChorus:
        self._fil.start()
        return self

    def __exit__(self, *exc) -> None:
        self._serveur.shutdown()
        self._serveur.server_close()

    def ajouter(self, facture: PivotFacture) -> int:
        ident = 1221 + len(self.factures)
        self.factures[ident] = FactureFake(ident, replace(facture, id_cpro=ident))
        self._noter(ident, "MISE_A_DISPOSITION", "")
        return ident

    def fixer_statut(self, ident: int, statut: str, commentaire: str = "", *, qui=("DGFIP", "Hélios")) -> None:
        """What Hélios or someone on the portal does."""
        self.factures[ident].statut = statut
        self._noter(ident, statut, commentaire, qui)

    def panne(self, chemin: str, *genres: str) -> None:
        self.pannes.setdefault(chemin, []).extend(genres)

    def retenir(self, chemin: str) -> Retenue:
        """The next call to ``chemin`` waits for ``liberer()``."""
        retenue = Retenue()
        with self.verrou:
            self.retenues.setdefault(chemin, []).append(retenue)
        return retenue

    def _retenue(self, chemin: str) -> Retenue | None:
        with self.verrou:
            file = self.retenues.get(chemin.rsplit("/v1/", 1)[-1], [])
            return file.pop(0) if file else None

    def expirer_jetons(self) -> None:
        self.jetons.clear()

    def appels(self, chemin: str) -> list[dict]:
        return [corps for p, corps, _h in self.requetes if p.endswith(chemin)]

    def _noter(self, ident: int, statut: str, commentaire: str, qui=("Fournisseur", "Test")) -> None:
        self._histo += 1
        self.factures[ident].historique.insert(0, {
            "histoStatutId": self._histo, "histoStatutCode": statut,
            "histoStatutDatePassage": time.strftime("%Y-%m-%d %H:%M"),
            "histoStatutCommentaire": commentaire, "histoStatutUtilisateurNom": qui[1],
            "histoStatutUtilisateurPrenom": qui[0]})

    # -- the four calls ------------------------------------------------------------------------

    def rechercher(self, corps: dict) -> dict:
        pagination = corps.get("paramRecherche") or {}
        page, par_page = int(pagination.get("pageResultatDemandee", 1)), int(pagination.get("nbResultatsParPage", 100))
        choisies = [f for f in self.factures.values()
                    if corps.get("factureTelechargeeParDestinataire") is not False or not f.telechargee]
        if corps.get("numeroFacture"):
            choisies = [f for f in choisies if f.facture.numero == corps["numeroFacture"]]
        if not choisies:
            return {"codeRetour": 20000, "libelle": "TRA_MSG_00.015 : aucune facture trouvée"}
        pages = -(-len(choisies) // par_page)
        return {"codeRetour": 0, "libelle": "CODE PAR DEFAUT", "pageCourante": page, "pages": pages,
                "nbResultatsParPage": par_page, "total": len(choisies),
                "listeFactures": [self._resume(f) for f in choisies[(page - 1) * par_page:page * par_page]]}

    @staticmethod
    def _resume(f: FactureFake) -> dict:
        p = f.facture
        return {"idFacture": f.id, "numeroFacture": p.numero, "typeFacture": "FACTURE",
                "typeDemandePaiement": "FACTURE", "statut": f.statut,
                "dateFacture": p.date_emission.isoformat(), "dateDepot": p.date_reception.isoformat(),
                "codeFournisseur": p.fournisseur_identifiant, "typeIdentifiantFournisseur": "SIRET",
                "designationFournisseur": p.fournisseur_raison_sociale,
                "codeDestinataire": p.debiteur_identifiant, "idDestinataire": 164,
                "montantHT": float(p.montant_ht), "montantTTC": float(p.montant_ttc),
                "montantAPayer": float(p.montant_net), "devise": "EUR",
                "factureTelechargeeParDestinataire": f.telechargee, "taille": 20_000}

    def telecharger(self, corps: dict) -> tuple[int, dict]:
        ids = [int(x["idFacture"]) for x in corps.get("listeFacture") or []]
        if not ids or any(i not in self.factures for i in ids):
            return 200, {"codeRetour": 20010, "libelle": "Facture inconnue ou non téléchargeable"}
        pivot = build_pivot(exemple_flux(*(self.factures[i].facture for i in ids),
                                         id_flx=f"CPP{ids[0]:022d}"), version="V2_02")
        if self.taille_max is not None and len(pivot) > self.taille_max:
            return 413, {"libelle": "Request Entity Too Large"}
        if self.zipper:  # Chorus Pro may wrap the pivot in a ZIP
            buf = io.BytesIO()
            with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
                zf.writestr(f"{ids[0]}.xml", pivot)
            pivot = buf.getvalue()
        for i in ids:
            self.factures[i].telechargee = True
        return 200, {"codeRetour": 0, "libelle": "OK", "fichierResultat": base64.b64encode(pivot).decode()}

    def traiter(self, corps: dict) -> dict:
        ident = int(corps.get("idFacture") or 0)
        if ident not in self.factures:
            return {"retourFonctionnel": {"codeRetourFonctionnel": "GDP_MSG_11.008",
                                          "libelleRetourFonctionnel": "La demande de paiement est inconnue du système."}}
        f, nouveau = self.factures[ident], corps.get("nouveauStatut")
        if nouveau in ("REJETEE", "SUSPENDUE") and not corps.get("motif"):
            return {"codeRetour": 20001, "libelle": "Le motif est obligatoire pour ce statut."}
        if nouveau not in SUIVANTS.get(f.statut, set()):
            return {"codeRetour": 20002,
                    "libelle": "Incohérence au niveau du statut d'origine ou de destination de la facture."}
        f.statut = nouveau
        self._noter(ident, nouveau, corps.get("motif") or "", ("Corail", "Technique"))
        return {"codeRetour": 0, "libelle": "CODE PAR DEFAUT", "dateTraitement": time.strftime("%Y-%m-%d"),
                "idFacture": ident, "nouveauStatut": nouveau, "numeroFacture": f.facture.numero}

    def historique(self, corps: dict) -> dict:
        f = self.factures.get(int(corps.get("idFacture") or 0))
        if f is None:
            return {"codeRetour": 20010, "libelle": "Facture inconnue"}
        return {"codeRetour": 0, "statutCourantCode": f.statut,
                "historiquesDesStatuts": {"histoStatut": list(f.historique)}}

    # -- HTTP ----------------------------------------------------------------------------------

    def _repondre(self, chemin: str, entetes: dict, brut: bytes) -> tuple[int, dict] | None:
        with self.verrou:
            corps = None
            if chemin.startswith("/cpro/"):
                try:
                    corps = json.loads(brut or b"{}")
                except ValueError:
                    return 400, {"libelle": "JSON invalide"}
            self.requetes.append((chemin, corps, dict(entetes)))
            panne = self.pannes.get(chemin.rsplit("/v1/", 1)[-1], [])
            genre = panne.pop(0) if panne else None
            if genre == "coupure":
                return None
            if genre == "500":
                return 500, {"libelle": "Erreur interne simulée"}
            if chemin == "/api/oauth/token":
                form = {k: v[0] for k, v in parse_qs(brut.decode()).items()}
                if (form.get("grant_type"), form.get("client_id"), form.get("client_secret")) != (
                        "client_credentials", CLIENT_ID, CLIENT_SECRET):
                    return 401, {"error": "invalid_client"}
                jeton = secrets.token_hex(12)
                self.jetons[jeton] = time.monotonic() + self.duree_jeton
                return 200, {"access_token": jeton, "token_type": "Bearer",
                             "expires_in": self.duree_jeton, "scope": "openid"}
            jeton = entetes.get("authorization", "").removeprefix("Bearer ")
            compte = base64.b64encode(f"{LOGIN}:{PASSWORD}".encode()).decode()
            if genre == "401" or self.jetons.get(jeton, 0) < time.monotonic():
                return 401, {"error": "invalid_token"}
            if entetes.get("cpro-account") != compte:
                return 401, {"libelle": "Compte utilisateur technique invalide"}
            if genre == "codeRetour":
                return 200, {"codeRetour": 99999, "libelle": "Erreur fonctionnelle simulée"}
            action = chemin.removeprefix("/cpro/factures/v1/")
            if action == "rechercher/recipiendaire":
                return 200, self.rechercher(corps)
            if action == "telecharger/groupe":
                return self.telecharger(corps)
            if action == "traiter/recue":
                return 200, self.traiter(corps)
            if action == "consulter/historique":
                return 200, self.historique(corps)
            return 404, {"libelle": "Service inconnu"}

    def _gestionnaire(self):
        fake = self

        class Gestionnaire(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                brut = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                entetes = {k.lower(): v for k, v in self.headers.items()}
                retenue = fake._retenue(self.path)
                if retenue is not None:  # outside the fake's lock: other calls go on
                    retenue.attendre()
                reponse = fake._repondre(self.path, entetes, brut)
                if reponse is None:
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                statut, corps = reponse
                data = json.dumps(corps).encode()
                self.send_response(statut)
                self.send_header("Content-Type", "application/json;charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args) -> None:
                pass

        return Gestionnaire
