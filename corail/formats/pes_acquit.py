"""Reading the acquittements Hélios returns for a PES Aller (formats-pes-v2.md §3.1).

Three shapes are accepted, recognised by their root element (any namespace):

* ``PES_ACQUIT`` v2 (…/Rev0/retour/v2): ``ElementACQUIT`` per domain (5 dépense, 6 recette:
  ``NumBord`` + ``ExerciceBord``; 4 PJ: ``IdUnique``; 0–3 the file or its signature) with
  ``Erreur`` (NumAnoAck, LibelleAnoAck) and ``DetailPiece``/``DetailLigne``;
* the 2011 ``PES_ACQUIT`` (…/Rev0/retour): flat ``NumBord``/``NumPiece``/``NumLigne``/
  ``IdUnique``/``NumAnoAck``/``LibelleAnoAck`` in each element;
* the older ``PES_Acquit`` (the whole file accepted) and ``PES_NonAcquit`` (refused, with
  its ``Motif``).

Parsing is safe: no DTD, no entities, no network, a size limit. Anything else is
refused in French (a PES_ACQUIT_RETOUR is our own answer to a PES Retour, not an
acquittement).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from lxml import etree

from corail.errors import ValidationError
from corail.formats.pivot_reader import detail_libxml

TAILLE_MAX = 50 * 1024 * 1024
DOMAINES = {"0": "technique", "1": "signature technique", "2": "signature globale",
            "3": "signature bordereau", "4": "PJ", "5": "dépense", "6": "recette", "7": "rôle",
            "8": "budget", "9": "état actif", "10": "état passif", "11": "marché", "12": "facture",
            "99": "paramétrage"}
DOMAINE_PJ, DOMAINE_DEPENSE, DOMAINE_RECETTE = "4", "5", "6"
ACQUIT_V2, ACQUIT_2011, ACQUIT_ANCIEN, NON_ACQUIT = "PES_ACQUIT", "PES_ACQUIT 2011", "PES_Acquit", "PES_NonAcquit"


@dataclass(frozen=True)
class Erreur:
    code: str
    libelle: str


@dataclass(frozen=True)
class DetailLigne:
    numero: str
    erreurs: tuple[Erreur, ...]


@dataclass(frozen=True)
class DetailPiece:
    numero: str
    erreurs: tuple[Erreur, ...]
    lignes: tuple[DetailLigne, ...]


@dataclass(frozen=True)
class Element:
    domaine: str
    accepte: bool
    num_bord: int | None = None
    exercice: int | None = None
    id_unique: str | None = None
    num_piece: str | None = None  # 2011 shape: the pièce in the element itself
    num_ligne: str | None = None
    erreurs: tuple[Erreur, ...] = ()
    pieces: tuple[DetailPiece, ...] = ()

    @property
    def libelle_domaine(self) -> str:
        return DOMAINES.get(self.domaine, f"domaine {self.domaine}")


@dataclass(frozen=True)
class Acquittement:
    format: str
    nom_fic: str
    typ_fic: str = ""
    date_str: date | None = None
    id_post: str = ""
    id_coll: str = ""
    cod_col: str = ""
    cod_bud: str = ""
    elements: tuple[Element, ...] = ()
    motif: str = ""  # PES_NonAcquit

    @property
    def global_accepte(self) -> bool | None:
        """The whole file's verdict for the old shapes (True/False), None for PES_ACQUIT."""
        return {ACQUIT_ANCIEN: True, NON_ACQUIT: False}.get(self.format)


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                           huge_tree=False, remove_comments=True, remove_pis=True)


def _local(el: etree._Element) -> str:
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


def _enfant(el: etree._Element | None, nom: str) -> etree._Element | None:
    if el is None:
        return None
    return next((c for c in el if _local(c) == nom), None)


def _enfants(el: etree._Element, nom: str) -> list[etree._Element]:
    return [c for c in el if _local(c) == nom]


def _v(el: etree._Element | None, *chemin: str) -> str:
    for nom in chemin:
        el = _enfant(el, nom)
    return (el.get("V") or "").strip() if el is not None else ""


def _entier(texte: str, champ: str, nom: str) -> int | None:
    if not texte:
        return None
    if not (texte.isascii() and texte.isdigit()):  # "²".isdigit() is True
        raise ValidationError(f"Acquittement « {nom} » : {champ} « {texte[:40]} » n'est pas un nombre")
    if len(texte) > 9:
        raise ValidationError(f"Acquittement « {nom} » : {champ} « {texte[:40]} » hors limites")
    return int(texte)


def _erreurs(el: etree._Element) -> tuple[Erreur, ...]:
    return tuple(Erreur(_v(e, "NumAnoAck") or "ERREUR_AUTRE", _v(e, "LibelleAnoAck"))
                 for e in _enfants(el, "Erreur"))


def _element(el: etree._Element, nom: str) -> Element:
    domaine, etat = _v(el, "DomaineAck"), _v(el, "EtatAck").lower()
    if not domaine:
        raise ValidationError(f"Acquittement « {nom} » : élément sans DomaineAck")
    if domaine not in DOMAINES:
        raise ValidationError(f"Acquittement « {nom} » : DomaineAck « {domaine[:40]} » inconnu")
    if etat not in ("0", "1", "true", "false"):
        raise ValidationError(f"Acquittement « {nom} » : EtatAck « {etat} » illisible (0 ou 1 attendu)")
    erreurs = _erreurs(el)
    if _v(el, "NumAnoAck"):  # 2011 shape: one error in the element itself
        erreurs += (Erreur(_v(el, "NumAnoAck"), _v(el, "LibelleAnoAck")),)
    pieces = tuple(
        DetailPiece(_v(d, "NumPiece"), _erreurs(d),
                    tuple(DetailLigne(_v(l, "NumLigne"), _erreurs(l)) for l in _enfants(d, "DetailLigne")))
        for d in _enfants(el, "DetailPiece"))
    return Element(domaine, etat in ("1", "true"), _entier(_v(el, "NumBord"), "NumBord", nom),
                   _entier(_v(el, "ExerciceBord"), "ExerciceBord", nom), _v(el, "IdUnique") or None,
                   _v(el, "NumPiece") or None, _v(el, "NumLigne") or None, erreurs, pieces)


def lire_acquittement(chemin: Path | str) -> Acquittement:
    """The acquittement in ``chemin``; refused (ValidationError) when it is not one."""
    chemin = Path(chemin)
    nom = chemin.name
    if not chemin.is_file():
        raise ValidationError(f"Fichier « {chemin} » introuvable")
    if chemin.stat().st_size > TAILLE_MAX:
        raise ValidationError(f"« {nom} » : trop volumineux pour un acquittement "
                              f"({TAILLE_MAX // 1_048_576} Mo au plus)")
    try:
        arbre = etree.fromstring(chemin.read_bytes(), _parser()).getroottree()
    except etree.XMLSyntaxError as exc:
        raise ValidationError(f"« {nom} » n'est pas un fichier XML lisible{detail_libxml(exc)}") from None
    if arbre.docinfo.internalDTD is not None or arbre.docinfo.doctype:
        raise ValidationError(f"« {nom} » : déclaration DOCTYPE refusée dans un acquittement")
    racine = arbre.getroot()
    quoi = _local(racine)
    if quoi == "PES_ACQUIT_RETOUR":
        raise ValidationError(f"« {nom} » est un accusé de réception de PES Retour "
                              f"(PES_ACQUIT_RETOUR), pas l'acquittement d'un PES Aller")
    if quoi not in ("PES_ACQUIT", "PES_Acquit", "PES_NonAcquit"):
        raise ValidationError(f"« {nom} » n'est pas un acquittement PES (racine « {quoi} » ; "
                              f"PES_ACQUIT, PES_Acquit ou PES_NonAcquit attendu)")
    parametres = _enfant(_enfant(racine, "Enveloppe"), "Parametres")
    if quoi != "PES_ACQUIT":
        corps = _enfant(racine, "Acquit" if quoi == "PES_Acquit" else "NonAcquit")
        nom_fic = _v(corps, "NomFic") or _v(parametres, "NomFic")
        if not nom_fic:
            raise ValidationError(f"« {nom} » : NomFic du PES Aller acquitté absent")
        return Acquittement(ACQUIT_ANCIEN if quoi == "PES_Acquit" else NON_ACQUIT, nom_fic,
                            _v(parametres, "TypFic"), motif=_v(corps, "Motif"))
    nom_fic = _v(parametres, "NomFic")
    if not nom_fic:
        raise ValidationError(f"« {nom} » : Enveloppe/Parametres/NomFic absent (le PES Aller "
                              f"acquitté ne peut être retrouvé)")
    tete = _enfant(racine, "EnTetePES")
    acquit = _enfant(racine, "ACQUIT")
    if acquit is None:
        raise ValidationError(f"« {nom} » : bloc ACQUIT absent")
    elements = tuple(_element(e, nom) for e in _enfants(acquit, "ElementACQUIT"))
    if not elements:
        raise ValidationError(f"« {nom} » : aucun ElementACQUIT")
    try:
        dte = date.fromisoformat(_v(tete, "DteStr")) if _v(tete, "DteStr") else None
    except ValueError:
        raise ValidationError(f"« {nom} » : DteStr « {_v(tete, 'DteStr')} » n'est pas une date") from None
    forme = ACQUIT_V2 if (etree.QName(racine).namespace or "").endswith("/v2") else ACQUIT_2011
    return Acquittement(forme, nom_fic, _v(parametres, "TypFic"), dte, _v(tete, "IdPost"),
                        _v(tete, "IdColl"), _v(tete, "CodCol"), _v(tete, "CodBud"), elements)
