"""PES Aller writer (DGFiP PES V2): streamed, ISO-8859-1, every value in a ``V`` attribute.

``ecrire_pes_aller`` writes with lxml incremental writing (``etree.xmlfile``): the
envelope, then each bordereau opened as an element and its pièces written one small
tree at a time, then ``PES_PJ`` whose ``Fichier`` text is the PJ gzipped then
base64-encoded block by block from its stored chunks. Nothing holds the whole file,
nor a whole PJ, in memory. Child order follows the 2011 DGFiP schema set
(Rev0/PES_Aller.xsd, NS_Depense, NS_Recette, Class_PJ); ``Edition`` (ASAP) on a titre
and TypePJ ``006`` (PES_Facture) are newer than that set (formats-pes-v2.md §2).

The data are plain dataclasses built by ``services/pes_donnees.py``; this module
knows nothing of the database.
"""
from __future__ import annotations

import base64
import unicodedata
import zlib
from datetime import date
from decimal import Decimal
from typing import BinaryIO, Callable, Iterable, Iterator

from lxml import etree

from corail.formats.pes_aller_types import (
    BordereauPES, CompteBancairePES, DgpPES, EnTete, LignePES, PiecePES, PJPES, PJRefPES,
    RattachementPES, TiersPES,
)
from corail.jobs import NO_CONTROL, JobControl
from corail.money import to_money

__all__ = ["ecrire_pes_aller", "gzip_base64", "texte_pes", "montant_pes", "EnTete", "BordereauPES",
           "PiecePES", "LignePES", "TiersPES", "CompteBancairePES", "DgpPES", "PJPES", "PJRefPES",
           "RattachementPES"]

NS_ALLER = "http://www.minefi.gouv.fr/cp/helios/pes_v2/Rev0/aller"
ENCODAGE = "ISO-8859-1"
TYP_FIC = "PESALR2"
NIVEAU_GZIP = 6  # zlib's default: PDF are already compressed, a higher level buys nothing
BLOC_BASE64 = 3 * 256 * 1024  # base64 text is written in pieces of 1 MB

_TYPO = str.maketrans({
    "\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-",
    "\u2026": "...", "\u0153": "oe", "\u0152": "OE", "\u20ac": "EUR", "\u0141": "L", "\u0142": "l",
    "\u00a0": " ", "\u202f": " ", "\t": " ", "\n": " ", "\r": " "})


def texte_pes(valeur: object, longueur: int | None = None) -> str:
    """A value as the PES carries it: ISO-8859-1 characters only, no control characters, cut
    to the schema's length (Texte38…)."""
    s = unicodedata.normalize("NFC", str(valeur or "")).translate(_TYPO)
    out = []
    for c in s:
        if ord(c) < 32 or 127 <= ord(c) < 160:
            continue
        if ord(c) > 255:  # not Latin-1: keep its base letter (ł → l), else drop it
            base = unicodedata.normalize("NFKD", c)[:1]
            c = base if base and ord(base) < 256 else ""
        out.append(c)
    s = " ".join("".join(out).split())
    return s[:longueur] if longueur else s


def montant_pes(valeur: Decimal) -> str:
    """``1234.50``: a dot, two decimals, rounded by money.py's one rule."""
    return f"{to_money(valeur):.2f}"


# --- small trees ------------------------------------------------------------------------


def _v(parent: etree._Element, tag: str, valeur: object, longueur: int | None = None) -> None:
    """``<tag V="valeur"/>`` when there is a value (optional elements are left out)."""
    if valeur is None or valeur == "":
        return
    if isinstance(valeur, Decimal):
        texte = montant_pes(valeur)
    elif isinstance(valeur, date):
        texte = valeur.isoformat()
    elif isinstance(valeur, bool):
        texte = "1" if valeur else "0"
    else:
        texte = texte_pes(valeur, longueur)
    etree.SubElement(parent, tag, V=texte)


def _enveloppe(e: EnTete) -> etree._Element:
    env = etree.Element("Enveloppe")
    par = etree.SubElement(env, "Parametres")
    _v(par, "Version", "2")
    _v(par, "TypFic", TYP_FIC)
    _v(par, "NomFic", e.nom_fic, 100)
    em = etree.SubElement(env, "Emetteur")
    _v(em, "Sigle", e.emetteur, 32)
    _v(em, "Adresse", e.emetteur_adresse, 38)
    _v(etree.SubElement(env, "Recepteur"), "Sigle", "HELIOS")
    return env


def _entete_pes(e: EnTete) -> etree._Element:
    t = etree.Element("EnTetePES")
    _v(t, "DteStr", e.date_str)
    _v(t, "IdPost", e.id_post, 7)
    _v(t, "LibellePoste", e.libelle_poste, 38)
    _v(t, "IdColl", e.id_coll, 14)
    _v(t, "FinJur", e.fin_jur, 20)
    _v(t, "CodCol", e.cod_col, 3)
    _v(t, "CodBud", e.cod_bud, 2)
    _v(t, "LibelleColBud", e.libelle_col_bud, 38)
    return t


def _pjrefs(parent: etree._Element, refs: tuple[PJRefPES, ...]) -> None:
    for r in refs:
        ref = etree.SubElement(parent, "PJRef")
        _v(ref, "Support", "01")  # électronique: the PJ travels in PES_PJ
        _v(ref, "IdUnique", r.id_unique, 50)
        _v(ref, "NomPJ", r.nom_pj, 100)


def _tiers(parent: etree._Element, t: TiersPES, *, recette: bool) -> None:
    el = etree.SubElement(parent, "Tiers")
    info = etree.SubElement(el, "InfoTiers")
    _v(info, "IdTiers", t.id_tiers, 15)
    _v(info, "NatIdTiers", t.nat_id_tiers if t.id_tiers else "")
    _v(info, "RefTiers", t.ref_tiers, 30)
    _v(info, "CatTiers", t.cat_tiers)
    _v(info, "NatJur", t.nat_jur)
    if recette:
        _v(info, "TypTiers", t.typ_tiers)
    _v(info, "Civilite", t.civilite, 10)
    _v(info, "Nom", t.nom, 38)
    _v(info, "Prenom", t.prenom, 38)
    if t.adresse1 and t.ville:
        adr = etree.SubElement(el, "Adresse")
        _v(adr, "TypAdr", "1")  # principale
        _v(adr, "Adr2", t.adresse1, 38)
        _v(adr, "Adr3", t.adresse2, 38)
        etree.SubElement(adr, "CP", V=texte_pes(t.code_postal, 5))
        _v(adr, "Ville", t.ville, 38)
        _v(adr, "CodRes", not t.resident)  # 0: résident
    if t.compte is not None:
        c = t.compte
        cpte = etree.SubElement(el, "CpteBancaire")
        if c.bic:
            _v(cpte, "BIC", c.bic, 11)
            _v(cpte, "IBAN", c.iban, 34)
        else:  # a French IBAN without BIC: its RIB (CodeEtab, CodeGuic, IdCpte, CleRib)
            _v(cpte, "CodeEtab", c.iban[4:9])
            _v(cpte, "CodeGuic", c.iban[9:14])
            _v(cpte, "IdCpte", c.iban[14:25])
            _v(cpte, "CleRib", c.iban[25:27])
        _v(cpte, "LibBanc", c.banque, 24)
        _v(cpte, "TitCpte", c.titulaire, 32)


def _rattachement(parent: etree._Element, r: RattachementPES | None) -> None:
    if r is None:
        return
    el = etree.SubElement(parent, "RattachPiece")
    _v(el, "NatPceOrig", r.nat_pce_orig)
    _v(el, "ExerRat", r.exercice)
    _v(el, "IdPceOrig", r.id_pce)
    _v(el, "IdLigneOrig", r.id_ligne)


def piece_depense(p: PiecePES) -> etree._Element:
    piece = etree.Element("Piece")
    bloc = etree.SubElement(piece, "BlocPiece")
    info = etree.SubElement(bloc, "InfoPce")
    _v(info, "IdPce", p.id_pce)
    _v(info, "TypPce", p.typ_pce)
    _v(info, "NatPce", p.nat_pce)
    _v(info, "Obj", p.objet, 100)
    _v(info, "DteEch", p.date_echeance)
    _pjrefs(info, p.pj_refs)
    _v(info, "PJ", p.pieces_justificatives, 250)
    if p.dgp is not None:
        d = etree.SubElement(bloc, "DGP")
        _v(d, "Dgp", "true")
        _v(d, "DteDebDgp", p.dgp.debut)
        _v(d, "DteFinDgp", p.dgp.fin)
        _v(d, "DureeDgp", f"{p.dgp.duree:02d}")
        _v(d, "CodIntMor", p.dgp.code_interets)
        _v(d, "TxIntMor", p.dgp.taux)
    for l in p.lignes:
        ligne = etree.SubElement(piece, "LigneDePiece")
        bl = etree.SubElement(ligne, "BlocLignePiece")
        il = etree.SubElement(bl, "InfoLignePce")
        _v(il, "IdLigne", l.id_ligne)
        _v(il, "Nature", l.nature, 12)
        _v(il, "Fonction", l.fonction, 10)
        _v(il, "Operation", l.operation, 10)
        _v(il, "Facture", p.facture, 20)
        _v(il, "LibVir1", p.libelle_vir1, 70)
        _v(il, "LibVir2", p.libelle_vir2, 70)
        _v(il, "ModRegl", p.mode_reglement)
        _v(il, "TVAIntraCom", False)
        _v(il, "CpteTiers", p.compte_tiers, 12)
        _v(il, "MtHT", l.mt_ht)
        _v(il, "MtTVA", l.mt_tva)
        _rattachement(bl, l.rattachement)
        if p.marche:
            _v(etree.SubElement(bl, "LiensIdent"), "IdMarche", p.marche, 30)
        if p.tiers is not None:
            _tiers(ligne, p.tiers, recette=False)
    return piece


def piece_recette(p: PiecePES) -> etree._Element:
    piece = etree.Element("Piece")
    bloc = etree.SubElement(piece, "BlocPiece")
    _v(bloc, "IdPce", p.id_pce)
    _v(bloc, "TypPce", p.typ_pce)
    _v(bloc, "NatPce", p.nat_pce)
    _v(bloc, "Edition", p.edition)  # ASAP (schema 5.3: after IdRol/DteAsp, before ObjPce)
    _v(bloc, "ObjPce", p.objet, 160)
    _pjrefs(bloc, p.pj_refs)
    _v(bloc, "NumeroEngagement", p.numero_engagement, 50)  # ASAP 02 (schema 5.3)
    _v(bloc, "CodeService", p.code_service, 100)
    for l in p.lignes:
        ligne = etree.SubElement(piece, "LigneDePiece")
        bl = etree.SubElement(ligne, "BlocLignePiece")
        il = etree.SubElement(bl, "InfoLignePiece")
        _v(il, "IdLigne", l.id_ligne)
        _v(il, "ObjLignePce", l.libelle, 160)
        _v(il, "CodProdLoc", l.code_produit, 4)
        _v(il, "Nature", l.nature, 12)
        _v(il, "Fonction", l.fonction, 10)
        _v(il, "Operation", l.operation, 10)
        _v(il, "TxTva", l.tx_tva)
        _v(il, "Majo", False)
        _v(il, "CpteTiers", p.compte_tiers, 12)
        _v(il, "TvaIntraCom", False)
        _v(il, "MtHT", l.mt_ht)
        _v(il, "MtTVA", l.mt_tva)
        _rattachement(bl, l.rattachement)
        if p.marche:
            _v(etree.SubElement(bl, "LiensIdent"), "IdMarche", p.marche, 30)
        if p.tiers is not None:
            _tiers(ligne, p.tiers, recette=True)
    return piece


def bloc_bordereau(b: BordereauPES, *, recette: bool) -> etree._Element:
    bloc = etree.Element("BlocBordereau")
    _v(bloc, "Exer", b.exercice)
    _v(bloc, "IdBord", b.id_bord)
    _v(bloc, "DteBordEm", b.date_emission)
    _v(bloc, "TypBord", b.typ_bord)
    _v(bloc, "NbrPce", len(b.pieces))
    _v(bloc, "MtBordHt" if recette else "MtBordHT", b.mt_ht)
    _v(bloc, "MtBordTVA", b.mt_tva)
    return bloc


def gzip_base64(blocs: Iterable[bytes]) -> Iterator[str]:
    """The bytes gzipped then base64-encoded, as text pieces (3-byte aligned: they join)."""
    comp = zlib.compressobj(NIVEAU_GZIP, zlib.DEFLATED, 31)  # 31: gzip container
    reste = b""
    for bloc in blocs:
        data = reste + comp.compress(bloc)
        coupe = len(data) - len(data) % 3
        for i in range(0, coupe, BLOC_BASE64):
            yield base64.b64encode(data[i:min(i + BLOC_BASE64, coupe)]).decode("ascii")
        reste = data[coupe:]
    yield base64.b64encode(reste + comp.flush()).decode("ascii")


# --- the file ---------------------------------------------------------------------------


def _section(xf, nom: str, bordereaux: Iterable[BordereauPES], *, recette: bool,
             avancer: Callable[[], None]) -> None:
    with xf.element(nom):
        entete = etree.Element("EnTeteRecette" if recette else "EnTeteDepense")
        _v(entete, "IdVer", "2")
        _v(entete, "InfoDematerialisee", False)  # 1 requires an electronic signature
        xf.write(entete, pretty_print=True)
        ecrire_piece = piece_recette if recette else piece_depense
        for b in bordereaux:
            ident = f"{'R' if recette else 'D'}{b.exercice}_{b.typ_bord}_{b.id_bord}"
            with xf.element("Bordereau", Id=f"BORD{ident}"):
                xf.write(bloc_bordereau(b, recette=recette), pretty_print=True)
                for p in b.pieces:
                    xf.write(ecrire_piece(p), pretty_print=True)
                    avancer()


def ecrire_pes_aller(sortie: BinaryIO, entete: EnTete, *,
                     depenses: Iterable[BordereauPES] = (), recettes: Iterable[BordereauPES] = (),
                     pjs: Iterable[PJPES] = (), control: JobControl = NO_CONTROL,
                     total: int = -1) -> None:
    """Write the PES Aller into ``sortie`` (an open binary file). ``control`` is stepped after
    each pièce and each PJ (``total``: their number), so a cancel stops the writing."""
    fait = 0

    def avancer() -> None:
        nonlocal fait
        fait += 1
        control.step(fait, total)

    depenses, recettes = list(depenses), list(recettes)
    with etree.xmlfile(sortie, encoding=ENCODAGE, close=False) as xf:
        xf.write_declaration()
        with xf.element(f"{{{NS_ALLER}}}PES_Aller", nsmap={"n": NS_ALLER}):
            xf.write(_enveloppe(entete), pretty_print=True)
            xf.write(_entete_pes(entete), pretty_print=True)
            if depenses:
                _section(xf, "PES_DepenseAller", depenses, recette=False, avancer=avancer)
            if recettes:
                _section(xf, "PES_RecetteAller", recettes, recette=True, avancer=avancer)
            with xf.element("PES_PJ"):
                tete = etree.Element("EnTetePES_PJ")
                _v(tete, "IdVer", "1")
                xf.write(tete, pretty_print=True)
                for pj in pjs:
                    with xf.element("PJ"):
                        with xf.element("Contenu"):
                            with xf.element("Fichier", MIMEType=pj.mime or "application/octet-stream"):
                                for morceau in gzip_base64(pj.blocs()):
                                    xf.write(morceau)
                                    control.check()
                        fin = etree.Element("PJ")  # a holder: only its children are written
                        _v(fin, "IdUnique", pj.id_unique, 50)
                        _v(fin, "NomPJ", pj.nom_pj, 100)
                        _v(fin, "TypePJ", pj.type_pj)
                        _v(fin, "Description", pj.description or pj.nom_pj, 250)
                        for el in fin:
                            xf.write(el, pretty_print=True)
                    avancer()
