"""Downloading received invoices in pivot format (``telecharger/groupe``, formats-chorus-pro.md §3.3).

Chorus Pro answers with JSON whose ``fichierResultat`` is the pivot XML (or a ZIP of them) in
base64 — tens of megabytes. The answer is streamed to a file, then that string is decoded
block by block into the pivot file: neither the JSON nor the pivot is ever held in memory.
Invoices are asked for in batches well under the 120 MB Chorus Pro accepts per call; a batch it
still finds too big (HTTP 413) is split in two (``synchro``).
"""
from __future__ import annotations

import base64
import binascii
import json
from pathlib import Path
from typing import BinaryIO

from corail.chorus.client import ClientChorus, ErreurChorus, verifier_retour

BLOC = 1 << 16
CLE = b'"fichierResultat"'
#: a batch's expected size (the search's ``taille``), under Chorus Pro's 120 MB per call
LOT_OCTETS = 60 * 2**20
LOT_FACTURES = 50
_ECHAPPES = {ord("/"): b"/", ord("n"): b"", ord("r"): b"", ord("t"): b""}


def lots(factures: list[dict], *, octets: int = LOT_OCTETS, nombre: int = LOT_FACTURES) -> list[list[dict]]:
    """The invoices grouped by batches of at most ``nombre`` and about ``octets``."""
    resultat: list[list[dict]] = []
    courant: list[dict] = []
    taille = 0
    for f in factures:
        t = int(f.get("taille") or 0)
        if courant and (len(courant) >= nombre or taille + t > octets):
            resultat.append(courant)
            courant, taille = [], 0
        courant.append(f)
        taille += t
    if courant:
        resultat.append(courant)
    return resultat


class _Base64:
    """Decodes base64 text given in pieces of any length (keeps the incomplete quartet)."""

    def __init__(self, sortie: BinaryIO) -> None:
        self.sortie, self.reste, self.taille = sortie, b"", 0

    def ajouter(self, texte: bytes) -> None:
        texte = self.reste + texte
        coupe = len(texte) - len(texte) % 4
        self.reste = texte[coupe:]
        if coupe:
            try:
                data = base64.b64decode(texte[:coupe], validate=True)
            except binascii.Error:
                raise ErreurChorus("Téléchargement Chorus Pro illisible : fichierResultat n'est pas "
                                   "du base64") from None
            self.sortie.write(data)
            self.taille += len(data)

    def finir(self) -> None:
        if self.reste.strip(b"="):
            raise ErreurChorus("Téléchargement Chorus Pro tronqué (base64 incomplet)")


def extraire_fichier(reponse: Path, cible: Path) -> dict:
    """Decode ``fichierResultat`` of the JSON file ``reponse`` into ``cible``; the other fields
    of the answer (``codeRetour``, ``libelle``…) are returned."""
    avant, apres = bytearray(), bytearray()
    etat = "cle"  # cle → valeur (after the key) → chaine → apres
    echappe = False
    with reponse.open("rb") as source, cible.open("wb") as sortie:
        decodeur = _Base64(sortie)
        while bloc := source.read(BLOC):
            i = 0
            if etat == "cle":
                avant += bloc
                position = avant.find(CLE)
                if position < 0:
                    continue
                bloc, i = bytes(avant[position + len(CLE):]), 0
                del avant[position + len(CLE):]
                etat = "valeur"
            if etat == "valeur":
                while i < len(bloc) and bloc[i] in b" \t\r\n:":
                    i += 1
                if i == len(bloc):
                    continue
                if bloc[i] != ord('"'):  # null: no file in this answer
                    avant += b":"
                    etat = "apres"
                else:
                    avant += b':""'
                    i += 1
                    etat = "chaine"
            if etat == "chaine":
                morceau = bytearray()
                while i < len(bloc):
                    c = bloc[i]
                    if echappe:
                        if c not in _ECHAPPES:
                            raise ErreurChorus("Téléchargement Chorus Pro illisible (caractère "
                                               "échappé inattendu dans fichierResultat)")
                        morceau += _ECHAPPES[c]
                        echappe = False
                    elif c == ord("\\"):
                        echappe = True
                    elif c == ord('"'):
                        etat = "apres"
                        i += 1
                        break
                    else:
                        morceau.append(c)
                    i += 1
                decodeur.ajouter(bytes(morceau))
            if etat == "apres":
                apres += bloc[i:]
        decodeur.finir()
    if etat in ("cle", "valeur"):
        texte = bytes(avant)
    elif etat == "chaine":
        raise ErreurChorus("Téléchargement Chorus Pro tronqué (réponse incomplète)")
    else:
        texte = bytes(avant) + bytes(apres)
    try:
        autres = json.loads(texte)
    except ValueError:
        raise ErreurChorus("Réponse du téléchargement Chorus Pro illisible (JSON)") from None
    return autres if isinstance(autres, dict) else {}


def telecharger_lot(client: ClientChorus, ids: list[int], dossier: Path, nom: str) -> Path:
    """Download the invoices ``ids`` as one pivot file in ``dossier`` (``nom.xml`` or ``.zip``)."""
    brut, sortie = dossier / f"{nom}.json", dossier / f"{nom}.telecharge"
    operation = f"le téléchargement de {len(ids)} facture(s)"
    try:
        client.appeler("factures/v1/telecharger/groupe",
                       {"format": "PIVOT", "listeFacture": [{"idFacture": i} for i in ids]},
                       operation=operation, destination=brut)
        autres = extraire_fichier(brut, sortie)
    finally:
        brut.unlink(missing_ok=True)
    verifier_retour(autres, operation)
    if not sortie.exists() or sortie.stat().st_size == 0:
        sortie.unlink(missing_ok=True)
        raise ErreurChorus(f"Chorus Pro n'a renvoyé aucun fichier ({operation})")
    with sortie.open("rb") as f:
        zip_ = f.read(2) == b"PK"
    final = dossier / f"{nom}.{'zip' if zip_ else 'xml'}"
    sortie.replace(final)
    return final
