"""CPPStatut files (schema CPPStatutPivot_V1_19.xsd, no namespace): the statuses of received
invoices that a recipient sends back to Chorus Pro (formats-chorus-pro.md §2.1).

* ``construire_cpp_statut`` writes ``CPPStatut / Enveloppe (DtPrd, IdFlx) / CPPFactureStatuts``
  in the XSD's order — ``IdStatut`` two digits, ``Commentaire`` = motif, ``Horodatage`` with its
  offset, ``IdFacture`` = the supplier's invoice number, ``IdMandatDP`` = the mandat number;
* ``ecrire_cpp_statut`` writes it beside the target, then renames it: never a partial file;
* ``lire_cpp_statut`` reads one back and refuses, with the reason, what Pastell refuses: flow
  statuses (``CPPFluxStatuts``: invoice statuses must be in ``CPPFactureStatuts``), an unknown
  status (13–41 are in the schema but undocumented), a date or timestamp that does not exist.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from lxml import etree

from corail.dates import PARIS, to_paris
from corail.domain.etats import STATUTS_CHORUS
from corail.errors import ValidationError
from corail.formats.pivot_reader import detail_libxml

EMETTEUR = "CORAIL"  # our Id in the envelope (3 to 8 characters)
CHORUS = "CPP001"


class StatutRefuse(ValidationError):
    """A status file that cannot be used (its name and the reason in the message)."""


@dataclass(frozen=True)
class StatutFacture:
    """One CPPFactureStatutUnitaire."""

    id_statut: str  # "05"
    horodatage: datetime  # aware; written in Paris time with its offset
    id_facture: str  # DonneesFacture/Id of the pivot: the supplier's invoice number
    fournisseur_identifiant: str
    fournisseur_raison_sociale: str
    debiteur_identifiant: str  # SIRET, 14 characters
    fournisseur_type_identifiant: str = "1"
    fournisseur_code_pays: str | None = "FR"
    debiteur_nom: str | None = None
    code_service: str | None = None
    nom_service: str | None = None
    complement_statut: str | None = None
    commentaire: str | None = None  # the motif
    date_facture: date | None = None
    id_mandat_dp: str | None = None


@dataclass(frozen=True)
class FluxStatut:
    id_flx: str
    date_production: date
    statuts: tuple[StatutFacture, ...]
    emetteur_id: str = EMETTEUR
    emetteur_libelle: str | None = None
    recepteur_id: str = CHORUS
    recepteur_libelle: str | None = "Chorus Pro"


# --------------------------------------------------------------------------------- writing

def _sub(parent, tag: str, texte: object = None, **attrs):
    el = etree.SubElement(parent, tag, {k: str(v) for k, v in attrs.items()})
    if texte is not None:
        el.text = str(texte)
    return el


def _seq(parent, *paires) -> None:
    for tag, valeur in paires:
        if valeur not in (None, ""):
            _sub(parent, tag, valeur)


def horodatage_xml(moment: datetime) -> str:
    """``2026-10-15T11:30:00.000+02:00``: Paris time with its offset (xs:dateTime)."""
    return to_paris(moment).isoformat(timespec="milliseconds")


def _verifier(s: StatutFacture) -> None:
    ou = f"facture {s.id_facture or '?'}"
    if s.id_statut not in STATUTS_CHORUS:
        raise ValidationError(f"Statut « {s.id_statut} » inconnu ({ou}) : codes 01 à 12")
    if not s.id_facture:
        raise ValidationError("Numéro de facture (IdFacture) manquant")
    if len(s.debiteur_identifiant or "") != 14:
        raise ValidationError(f"SIRET du destinataire « {s.debiteur_identifiant} » invalide ({ou}) : "
                              f"14 caractères attendus")
    if s.fournisseur_type_identifiant not in tuple("1234567"):
        raise ValidationError(f"Type d'identifiant du fournisseur « {s.fournisseur_type_identifiant} »"
                              f" invalide ({ou}) : 1 à 7")
    if s.horodatage.tzinfo is None:
        raise ValueError("un horodatage de statut est toujours daté avec son fuseau")


def construire_cpp_statut(flux: FluxStatut) -> bytes:
    """The CPPStatut XML (UTF-8) of ``flux``; a French ``ValidationError`` on a field Chorus Pro
    would refuse."""
    if not flux.statuts:
        raise ValidationError("Aucun statut à écrire")
    for s in flux.statuts:
        _verifier(s)
    racine = etree.Element("CPPStatut")
    unitaire = _sub(_sub(racine, "Enveloppe"), "EnveloppeUnitaire", NumOrdre=1)
    parametres = _sub(unitaire, "Parametres")
    for n, (code, valeur) in enumerate((("DtPrd", flux.date_production.isoformat()),
                                        ("IdFlx", flux.id_flx)), 1):
        p = _sub(parametres, "ParametreIndiv", NumOrdre=f"{n:04d}")
        _seq(p, ("Code", code), ("Valeurparametre", valeur))
    partenaires = _sub(unitaire, "Partenaires")
    _seq(_sub(partenaires, "Recepteur"), ("Id", flux.recepteur_id), ("Libelle", flux.recepteur_libelle))
    _seq(_sub(partenaires, "Emetteur"), ("Id", flux.emetteur_id), ("Libelle", flux.emetteur_libelle))
    statuts = _sub(racine, "CPPFactureStatuts", compteur=len(flux.statuts))
    for n, s in enumerate(flux.statuts, 1):
        u = _sub(statuts, "CPPFactureStatutUnitaire", NumOrdre=n)
        _seq(_sub(u, "Fournisseur"), ("TypeIdentifiant", s.fournisseur_type_identifiant),
             ("Identifiant", s.fournisseur_identifiant), ("RaisonSociale", s.fournisseur_raison_sociale),
             ("CodePays", s.fournisseur_code_pays))
        _seq(_sub(u, "Debiteur"), ("TypeIdentifiant", "1"), ("Identifiant", s.debiteur_identifiant),
             ("Nom", s.debiteur_nom), ("CodeService", s.code_service), ("NomService", s.nom_service))
        _seq(_sub(u, "DonneesStatut"), ("IdStatut", s.id_statut),
             ("ComplementStatut", s.complement_statut or STATUTS_CHORUS[s.id_statut][1]),
             ("Commentaire", s.commentaire), ("Horodatage", horodatage_xml(s.horodatage)),
             ("IdFacture", s.id_facture),
             ("DateFacture", s.date_facture.isoformat() if s.date_facture else None),
             ("IdMandatDP", s.id_mandat_dp))
    return etree.tostring(racine, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def ecrire_cpp_statut(chemin: Path, flux: FluxStatut) -> Path:
    """Write the file beside ``chemin`` then rename it (a reader never sees half a file)."""
    data = construire_cpp_statut(flux)
    chemin = Path(chemin)
    temp = chemin.with_name(f".{chemin.name}.partiel")
    try:
        temp.write_bytes(data)
        os.replace(temp, chemin)
    except OSError as exc:
        raise ValidationError(f"Écriture impossible de « {chemin} » : {exc.strerror or exc}") from None
    finally:
        temp.unlink(missing_ok=True)
    return chemin


# --------------------------------------------------------------------------------- reading

def _nom(el) -> str:
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


def _enfant(el, nom: str):
    return next((c for c in el if _nom(c) == nom), None) if el is not None else None


def _texte(el, *chemin: str) -> str | None:
    for nom in chemin:
        el = _enfant(el, nom)
    return None if el is None or el.text is None else el.text.strip()


def _horodatage(texte: str | None, ou: str) -> datetime:
    try:
        moment = datetime.fromisoformat(texte or "")
    except ValueError:
        raise ValidationError(f"Horodatage « {texte} » invalide ({ou}) : date et heure "
                              f"AAAA-MM-JJThh:mm:ss attendues") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=PARIS)


def _date(texte: str | None, champ: str, ou: str) -> date | None:
    if not texte:
        return None
    try:
        return date.fromisoformat(texte)
    except ValueError:
        raise ValidationError(f"{champ} « {texte} » invalide ({ou}) : AAAA-MM-JJ attendu") from None


def _statut(u, n: int) -> StatutFacture:
    donnees = _enfant(u, "DonneesStatut")
    id_facture = _texte(donnees, "IdFacture")
    ou = f"statut n° {n}" + (f", facture {id_facture}" if id_facture else "")
    code = _texte(donnees, "IdStatut") or ""
    if code.isascii() and code.isdigit() and len(code) == 1:
        code = "0" + code  # xs:nonNegativeInteger: "7" is "07"
    if code not in STATUTS_CHORUS:
        raise ValidationError(f"statut « {code} » inconnu ({ou}) : Chorus Pro ne documente que "
                              f"les codes 01 à 12")
    if not id_facture:
        raise ValidationError(f"IdFacture manquant ({ou})")
    fournisseur, debiteur = _enfant(u, "Fournisseur"), _enfant(u, "Debiteur")
    if not _texte(fournisseur, "Identifiant") or len(_texte(debiteur, "Identifiant") or "") != 14:
        raise ValidationError(f"fournisseur ou destinataire (SIRET, 14 caractères) manquant ({ou})")
    return StatutFacture(
        id_statut=code, horodatage=_horodatage(_texte(donnees, "Horodatage"), ou),
        id_facture=id_facture, fournisseur_identifiant=_texte(fournisseur, "Identifiant"),
        fournisseur_raison_sociale=_texte(fournisseur, "RaisonSociale") or "",
        debiteur_identifiant=_texte(debiteur, "Identifiant"),
        fournisseur_type_identifiant=_texte(fournisseur, "TypeIdentifiant") or "1",
        fournisseur_code_pays=_texte(fournisseur, "CodePays"), debiteur_nom=_texte(debiteur, "Nom"),
        code_service=_texte(debiteur, "CodeService"), nom_service=_texte(debiteur, "NomService"),
        complement_statut=_texte(donnees, "ComplementStatut"),
        commentaire=_texte(donnees, "Commentaire"),
        date_facture=_date(_texte(donnees, "DateFacture"), "DateFacture", ou),
        id_mandat_dp=_texte(donnees, "IdMandatDP"))


def lire_cpp_statut(source: Path | bytes, *, nom: str | None = None) -> FluxStatut:
    """Read a CPPStatut file; ``StatutRefuse`` (file name and reason) when it cannot be used."""
    if isinstance(source, (str, Path)):
        nom = nom or Path(source).name
        try:
            data = Path(source).read_bytes()
        except OSError as exc:
            raise StatutRefuse(f"{nom} : lecture impossible ({exc.strerror or exc})") from None
    else:
        data, nom = source, nom or "statuts.xml"
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        racine = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise StatutRefuse(f"{nom} : XML illisible{detail_libxml(exc)}") from None
    if racine.getroottree().docinfo.doctype:
        raise StatutRefuse(f"{nom} : DTD interdite dans un fichier de statuts (<!DOCTYPE>)")
    try:
        if _nom(racine) != "CPPStatut":
            raise ValidationError(f"ce n'est pas un fichier de statuts CPPStatut (racine "
                                  f"« {_nom(racine)} »)")
        unitaire = _enfant(_enfant(racine, "Enveloppe"), "EnveloppeUnitaire")
        parametres = _enfant(unitaire, "Parametres")
        params = {_texte(p, "Code"): _texte(p, "Valeurparametre")
                  for p in (parametres if parametres is not None else [])}
        if not params.get("DtPrd") or not params.get("IdFlx"):
            raise ValidationError("enveloppe incomplète : les paramètres DtPrd et IdFlx sont obligatoires")
        production = _date(params["DtPrd"], "DtPrd", "enveloppe")
        partenaires = _enfant(unitaire, "Partenaires")
        if _enfant(racine, "CPPFluxStatuts") is not None:
            codes = ", ".join(_texte(u, "DonneesStatut", "IdStatut") or "?"
                              for u in _enfant(racine, "CPPFluxStatuts"))
            raise ValidationError(
                f"statuts de flux (CPPFluxStatuts, IdStatut {codes}) : les statuts des factures "
                f"doivent être dans l'élément CPPFactureStatuts")
        bloc = _enfant(racine, "CPPFactureStatuts")
        unites = [u for u in (bloc if bloc is not None else []) if _nom(u) == "CPPFactureStatutUnitaire"]
        if not unites:
            raise ValidationError("aucun statut de facture (CPPFactureStatuts vide ou absent)")
        statuts = tuple(_statut(u, n) for n, u in enumerate(unites, 1))
    except StatutRefuse:
        raise
    except ValidationError as exc:
        raise StatutRefuse(f"{nom} : {exc.message}") from None
    return FluxStatut(
        id_flx=params["IdFlx"], date_production=production, statuts=statuts,
        emetteur_id=_texte(partenaires, "Emetteur", "Id") or "",
        emetteur_libelle=_texte(partenaires, "Emetteur", "Libelle"),
        recepteur_id=_texte(partenaires, "Recepteur", "Id") or "",
        recepteur_libelle=_texte(partenaires, "Recepteur", "Libelle"))
