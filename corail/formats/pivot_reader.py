"""Streaming reader of Chorus Pro flux pivots (CPPFacturePivot V1_2x and V2_02).

The file is fed to lxml in 64 KB blocks through a *target* parser: each invoice
is built as a small element tree, except the PJ ``Contenu``, whose base64 text
arrives in pieces and is decoded straight into a temporary file. So memory stays
bounded whatever the size of the flux or of a PJ. After each invoice the PJ are
unzipped when they are a ZIP (one entry, size and ratio limits) and their MIME
type is sniffed; the caller stores them and deletes the temporary folder.

Safe parsing: a DTD or an entity refuses the file, nothing is fetched from the
network, no namespace is assumed (tags are read by their local name). Every
refusal is a ``PivotRefuse`` whose French message names the file, the invoice
and the element.
"""
from __future__ import annotations

import binascii
import hashlib
import re
import shutil
import zipfile
import zlib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import BinaryIO, Iterator

from lxml import etree

from corail.errors import ValidationError
from corail.formats import pivot_champs as champs
from corail.formats.mime import sniff
from corail.formats.pivot_types import PivotFacture, PivotPJ
from corail.jobs import NO_CONTROL, JobControl

BLOC = 64 * 1024
RACINE = "CPPFacturePivot"


class PivotRefuse(ValidationError):
    """A pivot file refused as a whole: nothing of it is written."""


@dataclass(frozen=True)
class Limites:
    taille_pj_max: int = 150 * 1024 * 1024  # bytes of one PJ, decoded and unzipped
    ratio_zip_max: int = 100  # uncompressed / compressed, above 1 MB
    taille_xml_max: int = 2 * 1024 ** 3  # one XML of a downloaded ZIP


@dataclass(frozen=True)
class PJLue:
    """A PJ read: its metadata and the temporary file holding its bytes (unzipped)."""

    meta: PivotPJ  # ``contenu`` left empty: the bytes are in ``fichier``
    fichier: Path
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


def _local(tag: str) -> str:
    return tag.rpartition("}")[2] if tag.startswith("{") else tag


class Empreinte:
    """Size, sha256 and first bytes of what goes through it (no second read of the file)."""

    def __init__(self) -> None:
        self.sha = hashlib.sha256()
        self.taille = 0
        self.debut = b""

    def update(self, data: bytes) -> None:
        self.sha.update(data)
        self.taille += len(data)
        if len(self.debut) < 4096:
            self.debut += data[:4096 - len(self.debut)]


class _Base64VersFichier:
    """Decode base64 text given in pieces into a file; count and bound the bytes."""

    def __init__(self, chemin: Path, limite: int, ou: str) -> None:
        self.chemin, self.limite, self.ou = chemin, limite, ou
        self.out = chemin.open("wb")
        self.reste = ""
        self.empreinte = Empreinte()

    def feed(self, texte: str) -> None:
        texte = self.reste + "".join(texte.split())  # line breaks and indentation
        coupe = len(texte) - len(texte) % 4
        self.reste = texte[coupe:]
        if coupe:
            self._ecrire(texte[:coupe])

    def _ecrire(self, texte: str) -> None:
        try:  # strict: any character outside the base64 alphabet, or data after padding, refuses
            data = binascii.a2b_base64(texte.encode("ascii"), strict_mode=True)
        except (binascii.Error, ValueError, UnicodeEncodeError):
            raise PivotRefuse(f"{self.ou} : Contenu (base64) invalide") from None
        self.empreinte.update(data)
        if self.empreinte.taille > self.limite:
            raise PivotRefuse(f"{self.ou} : PJ trop volumineuse (plus de {self.limite // 2**20} Mo)")
        self.out.write(data)

    def close(self) -> Empreinte:
        if self.reste:
            raise PivotRefuse(f"{self.ou} : Contenu (base64) invalide ou tronqué")
        self.out.close()
        return self.empreinte

    def abort(self) -> None:
        self.out.close()


class _Cible:
    """lxml target: envelope and invoices as small trees, PJ contents to files."""

    def __init__(self, lecteur: LecteurPivot) -> None:
        self.lecteur = lecteur
        self.pile: list[str] = []
        self.arbre: etree.TreeBuilder | None = None
        self.contenu: _Base64VersFichier | None = None
        self.fichiers: list[Path] = []
        self.empreintes: list[Empreinte] = []
        self.pret: list[etree._Element] = []

    @staticmethod
    def _sous_arbre(nom: str, parent: str | None) -> bool:
        return (nom, parent) in (("Enveloppe", RACINE), ("CPPFacturePivotUnitaire", "CPPFactures"))

    def doctype(self, nom, *args) -> None:
        if (nom or "").lower() == "html":
            raise PivotRefuse(f"{self.lecteur.nom} : c'est une page HTML (une page d'erreur du "
                              f"portail ?), pas un flux pivot Chorus Pro")
        raise PivotRefuse(f"{self.lecteur.nom} : DTD interdite dans un flux pivot (<!DOCTYPE>)")

    def start(self, tag, attrib) -> None:
        nom = _local(tag)
        if not self.pile:
            if nom != RACINE:
                raise PivotRefuse(
                    f"{self.lecteur.nom} : ce n'est pas un flux pivot Chorus Pro (élément racine "
                    f"« {nom} » au lieu de « {RACINE} »)")
            self.lecteur._racine({_local(k): v for k, v in attrib.items()})
        self.pile.append(nom)
        if nom == "CPPFactures":
            self.lecteur._compteur(attrib.get("Compteur"))
        if self._sous_arbre(nom, self.pile[-2] if len(self.pile) > 1 else None):
            self.arbre = etree.TreeBuilder()
            self.fichiers, self.empreintes = [], []
        if self.arbre is None:
            return
        if nom == "Contenu" and self.pile[-2] == "PJ":
            chemin = self.lecteur._temp(f"pj{len(self.fichiers)}.b64")
            self.fichiers.append(chemin)
            self.contenu = _Base64VersFichier(chemin, self.lecteur.limites.taille_pj_max,
                                              self.lecteur._ou_pj(len(self.fichiers)))
            self.arbre.start("Contenu", {"fichier": str(len(self.fichiers) - 1)})
            return
        self.arbre.start(nom, {_local(k): v for k, v in attrib.items()})

    def data(self, texte: str) -> None:
        if self.contenu is not None:
            self.contenu.feed(texte)
        elif self.arbre is not None:
            self.arbre.data(texte)

    def end(self, tag) -> None:
        nom = self.pile.pop()
        if self.arbre is None:
            return
        if self.contenu is not None and nom == "Contenu":
            self.empreintes.append(self.contenu.close())
            self.contenu = None
        self.arbre.end(nom)
        if self._sous_arbre(nom, self.pile[-1] if self.pile else None):
            element = self.arbre.close()
            self.arbre = None
            if nom == "Enveloppe":
                self.lecteur._enveloppe(element)
            else:
                self.pret.append((element, list(zip(self.fichiers, self.empreintes))))

    def comment(self, text) -> None:  # comments are ignored
        return None

    def pi(self, target, data=None) -> None:
        return None

    def close(self) -> None:
        if self.contenu is not None:
            self.contenu.abort()
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
        self._n_temp = 0
        self._facture_courante = 0
        self._racine_vue = False

    # -- callbacks of the target
    def _racine(self, attrib: dict) -> None:
        self._racine_vue = True
        schema = attrib.get("noNamespaceSchemaLocation", "")
        m = re.search(r"V\d+_\d+", schema or "")
        self.en_tete.version = attrib.get("Version") or (m.group(0) if m else None)

    def _compteur(self, valeur: str | None) -> None:
        self.en_tete.compteur = int(valeur) if valeur and valeur.strip().isdigit() else None

    def _enveloppe(self, element) -> None:
        for param in element.iter("ParametreIndiv"):
            code = (param.findtext("Code") or "").strip()
            valeur = (param.findtext("Valeurparametre") or "").strip()
            if code == "IdFlx":
                self.en_tete.id_flx = valeur or None
            elif code == "DtPrd" and valeur:
                self.en_tete.date_production = champs.date_pivot(valeur, f"{self.nom} : Enveloppe/DtPrd")
            elif code:
                self.en_tete.extra[code] = valeur

    def _temp(self, suffixe: str) -> Path:
        self._n_temp += 1
        return self.dossier / f"{self._n_temp:06d}_{suffixe}"

    def _ou_pj(self, numero: int) -> str:
        return f"{self.nom}, facture n° {self._facture_courante + 1} du flux, PJ n° {numero}"

    # -- iteration
    def __iter__(self) -> Iterator[FactureLue]:
        cible = _Cible(self)
        parser = etree.XMLParser(target=cible, resolve_entities=False, no_network=True,
                                 load_dtd=False, huge_tree=True, remove_comments=True)
        lu = 0
        try:
            while True:
                bloc = self.source.read(BLOC)
                if not bloc:
                    break
                lu += len(bloc)
                parser.feed(bloc)
                yield from self._vider(cible)
                self.control.step(lu, self.taille)
            parser.close()
        except etree.XMLSyntaxError as exc:
            ligne = f" (ligne {exc.lineno})" if getattr(exc, "lineno", None) else ""
            if not self._racine_vue:
                raise PivotRefuse(f"{self.nom} : ce n'est pas un fichier XML lisible{ligne}") from None
            raise PivotRefuse(f"{self.nom} : XML invalide ou tronqué{ligne}{_detail(exc.msg)}") from None
        except ValueError as exc:  # a name libxml2 lets through but lxml refuses ("Libell:")
            raise PivotRefuse(f"{self.nom} : XML invalide ({exc})") from None
        yield from self._vider(cible)
        if not self._racine_vue:
            raise PivotRefuse(f"{self.nom} : fichier vide")
        if self.en_tete.nb_factures == 0:
            raise PivotRefuse(f"{self.nom} : aucune facture (CPPFacturePivotUnitaire) dans le flux")

    def _vider(self, cible: _Cible) -> Iterator[FactureLue]:
        while cible.pret:
            element, fichiers = cible.pret.pop(0)
            self.en_tete.nb_factures += 1
            self._facture_courante = self.en_tete.nb_factures
            yield self._facture(element, fichiers)

    def _facture(self, element, fichiers: list[Path]) -> FactureLue:
        facture = champs.facture(element, self.nom, self.en_tete.nb_factures)
        ou = f"{self.nom}, facture {facture.numero}"
        pjs = []
        for n, pj_el in enumerate(element.findall("PJ"), 1):
            meta = champs.pj(pj_el, f"{ou}, PJ n° {n}")
            contenu = pj_el.find("Contenu")
            if contenu is None or contenu.get("fichier") is None:
                raise PivotRefuse(f"{ou}, PJ « {meta.nom} » : élément PJ/Contenu manquant")
            brut, empreinte = fichiers[int(contenu.get("fichier"))]
            pjs.append(self._pj(meta, brut, empreinte, f"{ou}, PJ « {meta.nom} »"))
        if not pjs:
            raise PivotRefuse(f"{ou} : aucune PJ (élément PJ manquant)")
        return FactureLue(facture, tuple(pjs))

    def _pj(self, meta: PivotPJ, brut: Path, empreinte: Empreinte, ou: str) -> PJLue:
        zippee = empreinte.debut.startswith(b"PK\x03\x04")
        fichier = brut
        if zippee:
            fichier, empreinte = self._dezipper(brut, ou)
        return PJLue(meta, fichier, empreinte.taille, sniff(empreinte.debut, declare=meta.mime),
                     zippee, empreinte.sha.hexdigest())

    def _dezipper(self, brut: Path, ou: str) -> tuple[Path, Empreinte]:
        cible = brut.with_suffix(".pj")
        try:
            with zipfile.ZipFile(brut) as archive:
                entrees = [i for i in archive.infolist() if not i.is_dir()]
                if len(entrees) != 1:
                    raise PivotRefuse(f"{ou} : archive ZIP de {len(entrees)} fichiers, un seul attendu")
                info = entrees[0]
                if info.flag_bits & 0x1:
                    raise PivotRefuse(f"{ou} : archive ZIP chiffrée")
                _verifier_taille_zip(info, self.limites, ou)
                empreinte = copier_borne(archive.open(info), cible, self.limites.taille_pj_max, ou)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, OSError,
                ValueError, zlib.error) as exc:  # a damaged archive fails in many ways
            raise PivotRefuse(f"{ou} : archive ZIP illisible ({exc})") from None
        brut.unlink()
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
)


def _detail(message: str | None) -> str:
    """libxml2's English message, said in French when we know it (else left out)."""
    for anglais, francais in _MESSAGES_LIBXML:
        if anglais.lower() in (message or "").lower():
            return f" : {francais}"
    return ""


def _verifier_taille_zip(info: zipfile.ZipInfo, limites: Limites, ou: str) -> None:
    if info.file_size > limites.taille_pj_max:
        raise PivotRefuse(f"{ou} : PJ trop volumineuse une fois décompressée "
                          f"({info.file_size // 2**20} Mo)")
    if info.file_size > 2**20 and info.file_size > limites.ratio_zip_max * max(info.compress_size, 1):
        raise PivotRefuse(f"{ou} : archive ZIP suspecte (taux de compression "
                          f"{info.file_size // max(info.compress_size, 1)} pour 1)")


def copier_borne(source: BinaryIO, cible: Path, limite: int, ou: str) -> Empreinte:
    """Copy ``source`` to ``cible``, refusing past ``limite`` bytes (a lying ZIP header)."""
    empreinte = Empreinte()
    with source, cible.open("wb") as out:
        while bloc := source.read(BLOC):
            empreinte.update(bloc)
            if empreinte.taille > limite:
                raise PivotRefuse(f"{ou} : PJ trop volumineuse une fois décompressée")
            out.write(bloc)
    return empreinte


def sans_contenu(facture: FactureLue) -> PivotFacture:
    """The invoice with its PJ metadata (no bytes), for display and recording."""
    return replace(facture.facture, pjs=tuple(p.meta for p in facture.pjs))


def vider_dossier(dossier: Path) -> None:
    shutil.rmtree(dossier, ignore_errors=True)
