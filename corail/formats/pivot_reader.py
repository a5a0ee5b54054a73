"""Streaming reader of Chorus Pro flux pivots (CPPFacturePivot V1_2x and V2_02).

The file is read in 64 KB blocks. An ``Aiguilleur`` (``pivot_contenu``) sends the base64 text
of the PJ ``Contenu`` straight to decoders (in memory up to 1 MB, in a temporary file beyond)
and everything else to lxml's pull parser, which builds each invoice as a small tree in C;
the tree is turned into data (``pivot_champs``) and dropped. So memory stays bounded whatever
the size of the flux or of a PJ. After each invoice the PJ are unzipped when they are a ZIP
(one entry, size and ratio limits) and their MIME type is sniffed; the caller stores them and
closes them.

Safe parsing: a DTD or an entity refuses the file, nothing is fetched from the network, no
namespace is assumed (tags are read by their local name), libxml2's limits stay on (no text
node of more than 10 MB but the PJ, which lxml never sees). Every refusal is a ``PivotRefuse``
whose French message names the file, the invoice and the element.
"""
from __future__ import annotations

import codecs
import re
import shutil
import zipfile
import zlib
from collections import deque
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import BinaryIO, Iterator

from lxml import etree

from corail.errors import ValidationError
from corail.formats import pivot_champs as champs
from corail.formats.mime import sniff
from corail.formats.pivot_contenu import ZIP, Aiguilleur, Base64, Empreinte, spool
from corail.formats.pivot_types import PivotFacture, PivotPJ
from corail.jobs import NO_CONTROL, JobControl

__all__ = ["BLOC", "Empreinte", "FactureLue", "LecteurPivot", "Limites", "PJLue", "PivotRefuse",
           "copier_borne", "sans_contenu", "vider_dossier"]

BLOC = 64 * 1024
RACINE = "CPPFacturePivot"
SPOOLS_EN_MEMOIRE = 8  # PJ files of up to 1 MB kept in memory per invoice; the others on disk


class PivotRefuse(ValidationError):
    """A pivot file refused as a whole: nothing of it is written."""


@dataclass(frozen=True)
class Limites:
    taille_pj_max: int = 150 * 1024 * 1024  # bytes of one PJ, decoded and unzipped
    ratio_zip_max: int = 100  # uncompressed / compressed, above 1 MB
    taille_xml_max: int = 2 * 1024 ** 3  # one XML of a downloaded ZIP


@dataclass(frozen=True)
class PJLue:
    """A PJ read: its metadata and its bytes (unzipped), hashed while they were decoded."""

    meta: PivotPJ  # ``contenu`` left empty: the bytes are in ``donnees``
    donnees: BinaryIO  # at its start; in memory up to 1 MB, else a temporary file; to close
    taille: int
    mime: str
    zippee: bool
    sha256: str


@dataclass(frozen=True)
class FactureLue:
    facture: PivotFacture  # ``pjs`` left empty: see ``pjs`` below
    pjs: tuple[PJLue, ...]


@dataclass
class EnTete:
    id_flx: str | None = None
    date_production: object = None
    version: str | None = None
    compteur: int | None = None
    nb_factures: int = 0
    extra: dict = field(default_factory=dict)


_local = champs._local


def _codec_large(debut: bytes) -> str | None:
    """The encoding of a file that is not ASCII-compatible (UTF-16/32, by BOM or by ``<?``)."""
    if debut.startswith((b"\x00\x00\xfe\xff", b"\xff\xfe\x00\x00")):
        return "utf-32"
    if debut.startswith((b"\xfe\xff", b"\xff\xfe")):
        return "utf-16"
    if debut.startswith(b"<\x00?\x00"):
        return "utf-16-le"
    if debut.startswith(b"\x00<\x00?"):
        return "utf-16-be"
    return None


class LecteurPivot:
    """Iterate the invoices of one pivot XML (``source`` a binary stream)."""

    def __init__(self, source: BinaryIO, nom: str, dossier_temp: Path, *,
                 limites: Limites | None = None, control: JobControl = NO_CONTROL,
                 taille: int = -1) -> None:
        self.source, self.nom, self.dossier = source, nom, dossier_temp
        self.limites = limites or Limites()
        self.control, self.taille = control, taille
        self.en_tete = EnTete()
        self._racine_vue = False
        self._profondeur = 0
        self._file: deque[Base64] = deque()  # decoders of the Contenu the parser has not reached
        self._contenus: list[tuple[object, Base64 | None]] = []  # Contenu elements of the invoice
        self._spools = 0  # files opened since the last invoice given: memory stays bounded

    # -- what the parser and the switch meet
    def _racine(self, nom: str, attrib) -> None:
        if nom != RACINE:
            raise PivotRefuse(f"{self.nom} : ce n'est pas un flux pivot Chorus Pro (élément racine "
                              f"« {nom} » au lieu de « {RACINE} »)")
        self._racine_vue = True
        attrib = {_local(k): v for k, v in attrib.items()}
        m = re.search(r"V\d+_\d+", attrib.get("noNamespaceSchemaLocation") or "")
        self.en_tete.version = attrib.get("Version") or (m.group(0) if m else None)

    def _compteur(self, valeur: str | None) -> None:
        valeur = (valeur or "").strip()
        self.en_tete.compteur = int(valeur) if champs.chiffres(valeur) and len(valeur) < 10 else None

    def _enveloppe(self, element) -> None:
        for param in element.iter("{*}ParametreIndiv"):
            code = (param.findtext("{*}Code") or "").strip()
            valeur = (param.findtext("{*}Valeurparametre") or "").strip()
            if code == "IdFlx":
                self.en_tete.id_flx = valeur or None
            elif code == "DtPrd" and valeur:
                self.en_tete.date_production = champs.date_pivot(valeur, f"{self.nom} : Enveloppe/DtPrd")
            elif code:
                self.en_tete.extra[code] = valeur

    def _refuser_dtd(self, nom: str) -> None:
        if nom.lower() == "html":
            raise PivotRefuse(f"{self.nom} : c'est une page HTML (une page d'erreur du "
                              f"portail ?), pas un flux pivot Chorus Pro")
        raise PivotRefuse(f"{self.nom} : DTD interdite dans un flux pivot (<!DOCTYPE>)")

    def _en_memoire(self) -> bool:
        self._spools += 1
        return self._spools <= SPOOLS_EN_MEMOIRE

    def _nouveau_contenu(self) -> Base64:
        decodeur = Base64(self.limites.taille_pj_max, self.dossier, en_memoire=self._en_memoire())
        self._file.append(decodeur)
        return decodeur

    # -- iteration
    def __iter__(self) -> Iterator[FactureLue]:
        bloc = self.source.read(BLOC)
        codec = _codec_large(bloc)
        parser = etree.XMLPullParser(
            events=("start", "end"), resolve_entities=False, no_network=True, load_dtd=False,
            remove_comments=True, remove_pis=True, **({"encoding": "utf-8"} if codec else {}))
        aiguilleur = Aiguilleur(parser.feed, self._nouveau_contenu, self._refuser_dtd)
        transcodeur = codecs.getincrementaldecoder(codec)() if codec else None
        lu = 0
        try:
            while bloc:
                lu += len(bloc)
                aiguilleur.feed(transcodeur.decode(bloc).encode() if transcodeur else bloc)
                yield from self._evenements(parser)
                self.control.step(lu, self.taille)
                bloc = self.source.read(BLOC)
            aiguilleur.feed(transcodeur.decode(b"", True).encode() if transcodeur else b"", fin=True)
            parser.close()
            yield from self._evenements(parser)
        except etree.XMLSyntaxError as exc:
            self._racine_attendue(parser)
            ligne = f" (ligne {exc.lineno})" if getattr(exc, "lineno", None) else ""
            if not self._racine_vue:
                raise PivotRefuse(f"{self.nom} : ce n'est pas un fichier XML lisible{ligne}") from None
            raise PivotRefuse(f"{self.nom} : XML invalide ou tronqué{ligne}{_detail(exc.msg)}") from None
        except UnicodeDecodeError:
            raise PivotRefuse(f"{self.nom} : caractères mal encodés (UTF-16 ou UTF-32 invalide)") from None
        except ValueError:  # a name libxml2 lets through but lxml refuses ("Libell:")
            raise PivotRefuse(f"{self.nom} : XML invalide (nom d'élément ou d'attribut "
                              f"incorrect)") from None
        finally:
            self._abandonner()
        if not self._racine_vue:
            raise PivotRefuse(f"{self.nom} : fichier vide")
        if self.en_tete.nb_factures == 0:
            raise PivotRefuse(f"{self.nom} : aucune facture (CPPFacturePivotUnitaire) dans le flux")

    def _racine_attendue(self, parser) -> None:
        """After a syntax error: a wrong root element met before it is said first."""
        if self._racine_vue:
            return
        for evenement, el in parser.read_events():
            if evenement == "start":
                self._racine(_local(el.tag), el.attrib)
                return

    def _evenements(self, parser) -> Iterator[FactureLue]:
        for evenement, el in parser.read_events():
            nom = el.tag
            if nom[0] == "{":
                nom = nom[nom.index("}") + 1:]
            if evenement == "start":
                self._profondeur += 1
                if nom == "Contenu":  # its decoder, met by the switch in the same order
                    self._contenus.append((el, self._file.popleft() if self._file else None))
                elif self._profondeur == 1:
                    self._racine(nom, el.attrib)
                elif nom == "CPPFactures":
                    self._compteur(el.get("Compteur"))
                continue
            self._profondeur -= 1
            if nom == "CPPFacturePivotUnitaire" or nom == "Enveloppe":
                parent = el.getparent()
                dessus = "" if parent is None else _local(parent.tag)
                if nom == "Enveloppe" and dessus == RACINE:
                    self._enveloppe(el)
                    self._liberer(el)
                elif nom == "CPPFacturePivotUnitaire" and dessus == "CPPFactures":
                    self.en_tete.nb_factures += 1
                    try:
                        lue = self._facture(el)
                    finally:
                        self._liberer(el)
                    self._spools = 0
                    yield lue
            elif self._profondeur == 1:  # another child of the root: not kept
                self._liberer(el)

    def _liberer(self, el) -> None:
        """Drop an element read (its tree is no longer needed) and the decoders nobody took."""
        el.clear()
        parent = el.getparent()
        if parent is not None:
            parent.remove(el)
        for _, decodeur in self._contenus:
            if decodeur is not None:
                decodeur.abandonner()
        self._contenus.clear()

    def _abandonner(self) -> None:
        for decodeur in self._file:
            decodeur.abandonner()
        self._file.clear()
        for _, decodeur in self._contenus:
            if decodeur is not None:
                decodeur.abandonner()
        self._contenus.clear()

    def _facture(self, element) -> FactureLue:
        racine = champs.Noeud(element)
        facture = champs.facture(racine, self.nom, self.en_tete.nb_factures)
        ou = f"{self.nom}, facture {facture.numero}"
        pjs: list[PJLue] = []
        try:
            for n, pj_el in enumerate(racine.findall("PJ"), 1):
                noeud = champs.Noeud(pj_el)
                meta = champs.pj(noeud, f"{ou}, PJ n° {n}")
                pjs.append(self._pj(meta, noeud.find("Contenu"), f"{ou}, PJ « {meta.nom} »"))
        except BaseException:
            for pj in pjs:
                pj.donnees.close()
            raise
        if not pjs:
            raise PivotRefuse(f"{ou} : aucune PJ (élément PJ manquant)")
        return FactureLue(facture, tuple(pjs))

    def _decodeur(self, contenu) -> Base64 | None:
        for i, (el, decodeur) in enumerate(self._contenus):
            if el is contenu:
                del self._contenus[i]  # it is the PJ's now (closed with it)
                return decodeur
        return None

    def _pj(self, meta: PivotPJ, contenu, ou: str) -> PJLue:
        if contenu is None:
            raise PivotRefuse(f"{ou} : élément PJ/Contenu manquant")
        decodeur = self._decodeur(contenu)
        if decodeur is not None and decodeur.erreur:
            decodeur.abandonner()
            raise PivotRefuse(f"{ou} : {decodeur.erreur}")
        if decodeur is None or not decodeur.ferme or (contenu.text or "").strip() or len(contenu):
            if decodeur is not None:  # the switch missed it (never seen: a tag of kilobytes)
                decodeur.abandonner()
            raise PivotRefuse(f"{ou} : élément PJ/Contenu illisible")
        donnees, empreinte = decodeur.sortie, decodeur.empreinte
        zippee = empreinte.debut.startswith(ZIP)
        if zippee:
            donnees, empreinte = self._dezipper(donnees, ou)
        return PJLue(meta, donnees, empreinte.taille, sniff(empreinte.debut, declare=meta.mime),
                     zippee, empreinte.sha.hexdigest())

    def _dezipper(self, brut: BinaryIO, ou: str) -> tuple[BinaryIO, Empreinte]:
        cible = spool(self.dossier, self._en_memoire())
        try:
            with zipfile.ZipFile(brut) as archive:
                # a name starting with a NUL byte is read as "" (and is_dir() fails on it)
                entrees = [i for i in archive.infolist() if i.filename and not i.is_dir()]
                if len(entrees) != 1:
                    raise PivotRefuse(f"{ou} : archive ZIP de {len(entrees)} fichiers, un seul attendu")
                info = entrees[0]
                if info.flag_bits & 0x1:
                    raise PivotRefuse(f"{ou} : archive ZIP chiffrée")
                _verifier_taille_zip(info, self.limites, ou)
                empreinte = copier_borne(archive.open(info), cible, self.limites.taille_pj_max, ou)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, OSError,
                ValueError, zlib.error):  # a damaged archive fails in many ways
            cible.close()
            raise PivotRefuse(f"{ou} : archive ZIP illisible (abîmée ou tronquée)") from None
        except BaseException:
            cible.close()
            raise
        finally:
            brut.close()
        cible.seek(0)
        return cible, empreinte


_MESSAGES_LIBXML = (
    ("Premature end of data", "le fichier s'arrête avant la fin (fichier tronqué ?)"),
    ("Opening and ending tag mismatch", "balise fermée sans avoir été ouverte"),
    ("EndTag: '</' not found", "balise non fermée en fin de fichier"),
    ("Extra content at the end of the document", "contenu après la fin du document"),
    ("Start tag expected", "balise attendue"),
    ("not defined", "entité inconnue (&…;)"),
    ("invalid character", "caractère interdit"),
    ("Input is not proper UTF-8", "caractères mal encodés (l'encodage déclaré n'est pas le bon)"),
    ("Char 0x0 out of allowed range", "octet nul dans le fichier"),
    ("Document is empty", "fichier vide"),
    ("Excessive depth", "éléments imbriqués trop profondément"),
    ("amplification", "entités trop nombreuses"),
    ("Invalid bytes in character encoding", "caractères mal encodés"),
)


def _detail(message: str | None) -> str:
    """libxml2's English message, said in French when we know it (else left out)."""
    for anglais, francais in _MESSAGES_LIBXML:
        if anglais.lower() in (message or "").lower():
            return f" : {francais}"
    return ""


def detail_libxml(exc: etree.XMLSyntaxError) -> str:
    """`` (ligne 3) : fichier tronqué…``: where and what, in French, for any reader's message."""
    ligne = f" (ligne {exc.lineno})" if getattr(exc, "lineno", None) else ""
    return ligne + _detail(getattr(exc, "msg", None) or str(exc))


def _verifier_taille_zip(info: zipfile.ZipInfo, limites: Limites, ou: str) -> None:
    if info.file_size > limites.taille_pj_max:
        raise PivotRefuse(f"{ou} : PJ trop volumineuse une fois décompressée "
                          f"({info.file_size // 2**20} Mo)")
    if info.file_size > 2**20 and info.file_size > limites.ratio_zip_max * max(info.compress_size, 1):
        raise PivotRefuse(f"{ou} : archive ZIP suspecte (taux de compression "
                          f"{info.file_size // max(info.compress_size, 1)} pour 1)")


def copier_borne(source: BinaryIO, cible: Path | BinaryIO, limite: int, ou: str) -> Empreinte:
    """Copy ``source`` to ``cible`` (a path or an open file), refusing past ``limite`` bytes (a
    lying ZIP header)."""
    if isinstance(cible, Path):
        with cible.open("wb") as out:
            return copier_borne(source, out, limite, ou)
    empreinte = Empreinte()
    with source:
        while bloc := source.read(BLOC):
            empreinte.update(bloc)
            if empreinte.taille > limite:
                raise PivotRefuse(f"{ou} : PJ trop volumineuse une fois décompressée")
            cible.write(bloc)
    return empreinte


def sans_contenu(facture: FactureLue) -> PivotFacture:
    """The invoice with its PJ metadata (no bytes), for display and recording."""
    return replace(facture.facture, pjs=tuple(p.meta for p in facture.pjs))


def vider_dossier(dossier: Path) -> None:
    shutil.rmtree(dossier, ignore_errors=True)
