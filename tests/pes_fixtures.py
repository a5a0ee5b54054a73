"""Builders shared by the PES tests: bordereaux of mandats through the real services, a
bordereau built row by row (to break it on purpose), acquittements as Hélios writes them,
and the reading of a PES Aller file (PJ decoded back)."""
from __future__ import annotations

import base64
import gzip
from datetime import date
from decimal import Decimal
from pathlib import Path

from lxml import etree
from sqlalchemy import select

from corail.db.models import (
    MANDAT, Bordereau, CompteBancaire, FactureDemat, Imputation, PiecePJ, Piece, Tiers,
)
from corail.formats.pivot_builder import build_pivot, exemple_facture, exemple_flux
from corail.services.compteurs import prendre_numero
from corail.services.mandatement import mandater
from corail.services.mandats import valider_mandat
from corail.services.numerotation import numeroter
from corail.services.pivot_import import importer_fichier
from corail.services.pj import enregistrer_pj
from tests.pivot_fixtures import ecrire

NS_ACQUIT_V2 = "http://www.minefi.gouv.fr/cp/helios/pes_v2/Rev0/retour/v2"
XSD_2011 = "reference/pes/xemelios_schema-pes_2.1.a/Schemas_PES/PES_V2/Rev0/PES_Aller.xsd"


def bordereau_de_factures(session, ctx, dossier: Path, *montants: str, prefixe: str = "F",
                          avec_pdf: bool = True) -> int:
    """Invoices read from a pivot flux, mandated, validated and numbered: the bordereau's id.
    Their tiers get the nature juridique Chorus Pro does not give."""
    dossier.mkdir(parents=True, exist_ok=True)
    factures = [exemple_facture(f"{prefixe}-{i}", siret_debiteur="21310555400017", code_service=None,
                                montant_ht=m, avec_pdf=avec_pdf, numordre=i)
                for i, m in enumerate(montants, 1)]
    importer_fichier(session, ctx, ecrire(dossier, f"{prefixe}.xml", build_pivot(exemple_flux(*factures))))
    numeros = [f.numero for f in factures]
    for fd in session.scalars(select(FactureDemat).where(FactureDemat.numero.in_(numeros))):
        (t,) = mandater(session, ctx, [fd.id]).traitees
        valider_mandat(session, ctx, t.piece_id)
    for t in session.scalars(select(Tiers).where(Tiers.nat_jur.is_(None))):
        t.nat_jur = "03"
    (b,) = numeroter(session, ctx, train="Normal").bordereaux
    return b.id


def bordereau_construit(session, ctx, lignes: list[list[str]], *, type_bord: str = "01",
                        mode: str = "03", iban: str | None = "FR7630006000011234567890189",
                        bic: str | None = None, nat_jur: str | None = "03", nat_pce: str | None = None,
                        pj: tuple[str, bytes] | None = ("facture.pdf", b"%PDF-1.4 facture"),
                        numero: int | None = None) -> int:
    """A bordereau of numbered mandats written row by row: one mandat per item of ``lignes``
    (its lines' amounts), one tiers with one account, a PJ on each mandat."""
    tiers = Tiers(collectivite_id=ctx.collectivite_id, nom="Fournitures du Midi",
                  cat_tiers="60", nat_jur=nat_jur, adresse1="3 rue des Lilas", code_postal="31000",
                  ville="Toulouse", cree_le=ctx.now())
    session.add(tiers)
    session.flush()
    compte = None
    if iban:
        compte = CompteBancaire(tiers_id=tiers.id, iban=iban, bic=bic, titulaire="FOURNITURES DU MIDI",
                                principal=True, cree_le=ctx.now())
        session.add(compte)
        session.flush()
    nature = "bordereau_mandat" if type_bord == "01" else "bordereau_mandat_02"
    b = Bordereau(budget_id=ctx.budget_id, annee=ctx.exercice, type_piece=MANDAT,
                  numero=numero or prendre_numero(session, ctx.budget_id, ctx.exercice, nature),
                  type_bord=type_bord, date_emission=ctx.today(), cree_le=ctx.now(),
                  cree_par=ctx.utilisateur)
    session.add(b)
    session.flush()
    total = Decimal("0.00")
    for montants in lignes:
        montants = [Decimal(m) for m in montants]
        p = Piece(type_piece=MANDAT, budget_id=ctx.budget_id, annee=ctx.exercice, etat="numerote",
                  numero=prendre_numero(session, ctx.budget_id, ctx.exercice, "mandat"),
                  tiers_id=tiers.id, compte_bancaire_id=compte.id if compte else None, bordereau_id=b.id,
                  montant=sum(montants, Decimal("0.00")), objet="Fournitures de bureau",
                  mode_reglement=mode, nat_pce=nat_pce, date_emission=ctx.today(),
                  date_reception=date(2026, 10, 1), cree_le=ctx.now(), cree_par=ctx.utilisateur)
        p.imputations = [Imputation(ordre=i, article="60632", montant=m) for i, m in enumerate(montants, 1)]
        session.add(p)
        session.flush()
        if pj is not None:
            row = enregistrer_pj(session, ctx, pj[1], nom=pj[0], mime="application/pdf")
            session.add(PiecePJ(piece_id=p.id, pj_id=row.id))
        total += p.montant
    b.nb_pieces, b.montant = len(lignes), total
    session.flush()
    return b.id


def lire_pes(chemin: Path) -> etree._ElementTree:
    return etree.parse(str(chemin), etree.XMLParser(resolve_entities=False, huge_tree=True))


def pj_du_fichier(arbre: etree._ElementTree) -> dict[str, tuple[str, bytes]]:
    """IdUnique → (TypePJ, bytes) of every PES_PJ, ungzipped."""
    out = {}
    for pj in arbre.iterfind("PES_PJ/PJ"):
        contenu = gzip.decompress(base64.b64decode(pj.findtext("Contenu/Fichier")))
        out[pj.find("IdUnique").get("V")] = (pj.find("TypePJ").get("V"), contenu)
    return out


def acquit_v2(nom_fic: str, elements: list[str], *, cod_col: str = "123", cod_bud: str = "01") -> bytes:
    """A PES_ACQUIT v2 as Hélios returns it; ``elements``: ElementACQUIT bodies."""
    corps = "".join(f"<ElementACQUIT>{e}</ElementACQUIT>" for e in elements)
    return (f'<?xml version="1.0" encoding="ISO-8859-1"?>\n<n:PES_ACQUIT xmlns:n="{NS_ACQUIT_V2}">'
            f'<Enveloppe><Parametres><Version V="2"/><TypFic V="PESALR2"/><NomFic V="{nom_fic}"/>'
            f'</Parametres></Enveloppe><EnTetePES><DteStr V="2026-10-16"/><IdPost V="031000"/>'
            f'<IdColl V="21310555400017"/><CodCol V="{cod_col}"/><CodBud V="{cod_bud}"/></EnTetePES>'
            f'<ACQUIT><EnTeteAcquit><IdVer V="2"/></EnTeteAcquit>{corps}</ACQUIT></n:PES_ACQUIT>'
            ).encode("iso-8859-1")


def element_bordereau(numero: int, accepte: bool, exercice: int = 2026, domaine: str = "5",
                      erreurs: str = "") -> str:
    return (f'<DomaineAck V="{domaine}"/><EtatAck V="{int(accepte)}"/><NumBord V="{numero}"/>'
            f'<ExerciceBord V="{exercice}"/>{erreurs}')


def element_pj(id_unique: str, accepte: bool, erreurs: str = "") -> str:
    return f'<DomaineAck V="4"/><EtatAck V="{int(accepte)}"/><IdUnique V="{id_unique}"/>{erreurs}'


def erreur(code: str, libelle: str) -> str:
    return f'<Erreur><NumAnoAck V="{code}"/><LibelleAnoAck V="{libelle}"/></Erreur>'


def pieces_du_bordereau(session, bordereau_id: int) -> list[Piece]:
    return list(session.scalars(select(Piece).where(Piece.bordereau_id == bordereau_id).order_by(Piece.numero)))
