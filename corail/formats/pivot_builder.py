"""Build Chorus Pro pivot files (CPPFacturePivot) from ``pivot_types`` data.

Used by the tests (fixtures without ../shared) and by ``corail demo``. Qt-free and
deterministic: the same data always gives the same bytes (XML, ZIP and PDF). Elements
follow the XSD order of ``version``; V2_02-only fields are written only for V2_02.
"""
from __future__ import annotations

import base64
import io
import zipfile
from dataclasses import replace
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from lxml import etree

from corail.formats.pivot_types import (
    TYPE_AVOIR, TYPE_FACTURE, TYPE_PJ_COMPLEMENTAIRE, TYPE_PJ_FACTURE,
    PivotFacture, PivotFlux, PivotLigne, PivotPJ, PivotTva,
)
from corail.money import format_eur, split_evenly, to_money

VERSIONS = ("V1_22", "V2_02")
XSI = "http://www.w3.org/2001/XMLSchema-instance"
_MICRO = Decimal("0.000001")
#: Fixed ZIP timestamp of ``zip_pivots`` (deterministic archives).
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
MODES_PAIEMENT = {"10": "Espèces", "20": "Chèque", "30": "Virement", "31": "Virement",
                  "42": "Virement", "48": "Carte bancaire", "49": "Prélèvement",
                  "97": "Compensation"}


def montant(value: Decimal | str | int) -> str:
    """An amount as Chorus Pro writes it: 6 decimals, ``3245.681450``."""
    return f"{_dec(value).quantize(_MICRO, rounding=ROUND_HALF_UP):f}"


def _dec(value: Decimal | str | int) -> Decimal:
    if isinstance(value, float):
        raise TypeError("un montant ne se construit jamais depuis un float")
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _nombre(value: Decimal | str | int) -> str:
    """A rate or a quantity as given, never in exponent form (``20``, ``5.5``)."""
    return f"{_dec(value):f}"


def _sub(parent, tag: str, text=None, **attrs):
    el = etree.SubElement(parent, tag, {k: str(v) for k, v in attrs.items()})
    if text is not None:
        el.text = text.isoformat() if isinstance(text, date) else str(text)
    return el


def _seq(parent, *pairs) -> None:
    """Children in the given (XSD) order; a ``None`` value is left out."""
    for tag, value in pairs:
        if value is not None:
            _sub(parent, tag, value)


def _zip(entries: dict[str, bytes], stamp=ZIP_EPOCH, target=None):
    buf = io.BytesIO() if target is None else target
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries.items():
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type, info.external_attr = zipfile.ZIP_DEFLATED, 0o644 << 16
            zf.writestr(info, data)
    return buf


def zip_one(name: str, data: bytes, when: date | None = None) -> bytes:
    """A ZIP holding one entry ``name`` (what a PJ Contenu decodes to); fixed timestamp."""
    return _zip({name: data}, (when.year, when.month, when.day, 0, 0, 0) if when else ZIP_EPOCH).getvalue()


def contenu_pj(pj: PivotPJ, *, zip_pj: bool = True, when: date | None = None,
               b64_width: int | None = None) -> str:
    """The base64 text of a PJ Contenu (of a one-entry ZIP when ``zip_pj``)."""
    text = base64.b64encode(zip_one(pj.nom, pj.contenu, when) if zip_pj else pj.contenu).decode("ascii")
    if b64_width:
        text = "\n".join(text[i:i + b64_width] for i in range(0, len(text), b64_width))
    return text


def build_pivot(flux: PivotFlux, *, version: str = "V1_22", encoding: str = "UTF-8",
                zip_pj: bool = True, pretty: bool = True, compteur: int | None = None,
                b64_width: int | None = None) -> bytes:
    """The CPPFacturePivot XML of ``flux``.

    ``compteur`` overrides ``CPPFactures/@Compteur`` (default: number of invoices) so
    tests can make inconsistent files. ``b64_width`` wraps PJ Contenu every N chars
    (default None: one line, as in every public sample). Nothing is validated here.
    """
    if version not in VERSIONS:
        raise ValueError(f"version de format pivot inconnue : {version!r} (attendu {VERSIONS})")
    root = etree.Element("CPPFacturePivot", nsmap={"xsi": XSI})
    root.set(f"{{{XSI}}}noNamespaceSchemaLocation", f"CPPFacturePivot_{version}.xsd")
    env = _sub(_sub(root, "Enveloppe"), "EnveloppeUnitaire", NumOrdre=1)
    params = _sub(env, "Parametres")
    for num, (code, value) in enumerate((("DtPrd", flux.date_production), ("IdFlx", flux.id_flx)), 1):
        _seq(_sub(params, "ParametreIndiv", NumOrdre=f"{num:04d}"), ("Code", code), ("Valeurparametre", value))
    partenaires = _sub(env, "Partenaires")
    _seq(_sub(partenaires, "Recepteur"), ("Id", flux.recepteur_id), ("Libelle", flux.recepteur_libelle))
    _seq(_sub(partenaires, "Emetteur"), ("Id", flux.emetteur_id), ("Libelle", flux.emetteur_libelle))
    factures = _sub(root, "CPPFactures", Compteur=len(flux.factures) if compteur is None else compteur)
    for f in flux.factures:
        _facture(factures, f, v2=version == "V2_02", zip_pj=zip_pj, when=flux.date_production,
                 b64_width=b64_width)
    if pretty:
        etree.indent(root, space="    ")
    return etree.tostring(root, xml_declaration=True, encoding=encoding)


def _facture(parent, f: PivotFacture, *, v2: bool, zip_pj: bool, when: date, b64_width) -> None:
    def v2_only(value):
        return value if v2 else None

    u = _sub(parent, "CPPFacturePivotUnitaire", NumOrdre=f.numordre)
    four = _sub(u, "Fournisseur")
    _seq(four, ("TypeIdentifiant", f.fournisseur_type_identifiant),
         ("Identifiant", f.fournisseur_identifiant), ("RaisonSociale", f.fournisseur_raison_sociale),
         ("CodePays", f.fournisseur_code_pays))
    if f.reference_bancaire_type or f.reference_bancaire_compte or f.reference_bancaire_etablissement:
        ref = _sub(four, "ReferenceBancaire")
        if f.reference_bancaire_type:
            ref.set("Type", f.reference_bancaire_type)
        _seq(ref, ("Compte", f.reference_bancaire_compte),
             ("Etablissement", f.reference_bancaire_etablissement))
    _seq(four, ("ModeEmission", f.mode_emission))
    _seq(_sub(u, "Debiteur"), ("TypeIdentifiant", "1"), ("Identifiant", f.debiteur_identifiant),
         ("Nom", f.debiteur_nom), ("CodeService", f.code_service), ("NomService", f.nom_service))
    d = _sub(u, "DonneesFacture")
    _seq(d, ("Id", f.numero), ("IdCPRO", v2_only(f.id_cpro)), ("Renvoi", v2_only(f.renvoi)),
         ("IdFactureOrigine", f.id_facture_origine), ("Type", f.type_facture), ("Cadre", f.cadre),
         ("DateEmissionFacture", f.date_emission), ("DateLivraison", v2_only(f.date_livraison)))
    _seq(_sub(d, "ModePaiement"), ("Code", f.mode_paiement_code), ("Libelle", f.mode_paiement_libelle))
    # V2_02 DateMiseADispositionMOE (after DateReception) is not in PivotFacture: never written.
    _seq(d, ("DateReception", f.date_reception), ("Devise", f.devise))
    _seq(_sub(d, "Montants"), ("MontantHT", montant(f.montant_ht)),
         ("MontantTTC", montant(f.montant_ttc)), ("MontantNetAPayer", montant(f.montant_net)))
    if f.tvas:
        tvas = _sub(d, "TVAs")
        for t in f.tvas:
            _seq(_sub(tvas, "TVA"), ("Taux", _nombre(t.taux)), ("BaseHt", montant(t.base_ht)),
                 ("MontantTVA", montant(t.montant_tva)))
    if f.numero_marche is not None or f.numero_engagement is not None:
        _seq(_sub(d, "Engagement"), ("NumeroMarche", f.numero_marche),
             ("NumeroEngagement", f.numero_engagement))
    lignes = _sub(d, "Lignes")  # Chorus Pro writes <Lignes/> even when empty
    for li in f.lignes:
        _seq(_sub(lignes, "Ligne", NumOrdre=li.numordre), ("ReferenceProduit", li.reference_produit),
             ("PrixUnitaire", montant(li.prix_unitaire)), ("Quantite", _nombre(li.quantite)),
             ("MontantHT", montant(li.montant_ht)),
             ("TauxTVA", None if li.taux_tva is None else _nombre(li.taux_tva)))
    for pj in f.pjs:
        _seq(_sub(u, "PJ", NumOrdre=pj.numordre), ("IdOriginal", pj.id_original),
             ("Contenu", contenu_pj(pj, zip_pj=zip_pj, when=when, b64_width=b64_width)),
             ("NomPJ", pj.nom), ("NomPJOrigine", v2_only(pj.nom_origine)),
             ("CategoriePJ", v2_only(pj.categorie)), ("TypePJ", pj.type_pj), ("MimeTypePJ", pj.mime))


def write_pivot(path, flux: PivotFlux, **kw) -> Path:
    """Write ``build_pivot(flux, **kw)`` to ``path`` (parents created)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(build_pivot(flux, **kw))
    return path


def zip_pivots(path, files: dict[str, bytes]) -> Path:
    """A ZIP of several pivot XML (name → bytes), as Chorus Pro downloads them."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fh:
        _zip(files, target=fh)
    return path


# --------------------------------------------------------------------------- PDF

def _fr(value) -> str:
    return _nombre(value).replace(".", ",")


def _pdf(title: str, draw) -> bytes:
    """A one-page A4 PDF; ``invariant=1`` fixes dates and ids: same input, same bytes."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, invariant=1, pageCompression=1)
    c.setTitle(title)
    c.setAuthor("Corail (démonstration)")
    draw(c)
    c.setFont("Helvetica-Oblique", 8)
    c.drawString(50, 40, "Document déposé sur Chorus Pro - exemple généré par Corail, sans valeur.")
    c.showPage()
    c.save()
    return buf.getvalue()


def _text(c, x, y, text, size=10, font="Helvetica", right=False, width=None):
    while width and size > 6 and c.stringWidth(text, font, size) > width:
        size -= 0.5  # shrink long names / numbers to their column
    c.setFont(font, size)
    (c.drawRightString if right else c.drawString)(x, y, text)


def facture_pdf(facture: PivotFacture) -> bytes:
    """A one-page invoice PDF of ``facture`` (amounts ``3 277,42``); deterministic."""
    f = facture
    nature = "AVOIR" if f.est_avoir else "FACTURE"

    def draw(c):
        _text(c, 50, 790, f.fournisseur_raison_sociale, 14, "Helvetica-Bold", width=260)
        _text(c, 50, 776, f"SIRET {f.fournisseur_identifiant} - {f.fournisseur_code_pays}", 9)
        _text(c, 50, 730, f"{nature} N° {f.numero}", 18, "Helvetica-Bold", width=260)
        infos = [f"Date d'émission : {f.date_emission:%d/%m/%Y}"]
        if f.date_livraison:
            infos.append(f"Date de livraison : {f.date_livraison:%d/%m/%Y}")
        if f.id_facture_origine and f.est_avoir:
            infos.append(f"Facture d'origine : {f.id_facture_origine}")
        for label, value in (("N° d'engagement", f.numero_engagement), ("N° de marché", f.numero_marche)):
            if value:
                infos.append(f"{label} : {value}")
        for i, text in enumerate(infos):
            _text(c, 50, 710 - 14 * i, text, width=495 if i else 260)
        c.rect(320, 700, 225, 90)
        dest = [f.debiteur_nom, f"SIRET {f.debiteur_identifiant}",
                f"Service : {f.code_service}" if f.code_service else None, f.nom_service]
        _text(c, 330, 774, "Destinataire", font="Helvetica-Bold")
        for i, text in enumerate(t for t in dest if t):
            _text(c, 330, 758 - 14 * i, text, width=205)
        y = 610
        for x, head in ((50, "Référence"), (300, "Qté"), (390, "Prix unitaire HT"),
                        (450, "TVA %"), (545, "Montant HT")):
            _text(c, x, y, head, 9, "Helvetica-Bold", right=x > 50)
        c.line(50, y - 4, 545, y - 4)
        rows = f.lignes or (PivotLigne(1, f.montant_ht, Decimal(1), f.montant_ht,
                                       "Prestations selon engagement"),)
        for li in rows[:25]:
            y -= 15
            _text(c, 50, y, li.reference_produit or f"Ligne {li.numordre}", 9, width=215)
            for x, value in ((300, _fr(li.quantite)), (390, format_eur(li.prix_unitaire)),
                             (450, "" if li.taux_tva is None else _fr(li.taux_tva)),
                             (545, format_eur(li.montant_ht))):
                _text(c, x, y, value, 9, right=True)
        if len(rows) > 25:
            y -= 15
            _text(c, 50, y, f"... et {len(rows) - 25} autres lignes", 9)
        totals = [("Total HT", f.montant_ht)]
        totals += [(f"TVA {_fr(t.taux)} % sur {format_eur(t.base_ht)}", t.montant_tva) for t in f.tvas]
        totals += [("Total TTC", f.montant_ttc), (f"Net à payer ({f.devise})", f.montant_net)]
        y -= 30
        for i, (label, value) in enumerate(totals):
            font = "Helvetica-Bold" if i >= len(totals) - 2 else "Helvetica"
            _text(c, 430, y, label, font=font, right=True)
            _text(c, 545, y, format_eur(value), font=font, right=True)
            y -= 15
        mode = f.mode_paiement_libelle or MODES_PAIEMENT.get(f.mode_paiement_code, f.mode_paiement_code)
        _text(c, 50, y - 20, f"Mode de paiement : {mode}", 9)
        if f.reference_bancaire_compte:
            banque = f" ({f.reference_bancaire_etablissement})" if f.reference_bancaire_etablissement else ""
            _text(c, 50, y - 33, f"{f.reference_bancaire_type or 'Compte'} : "
                                 f"{f.reference_bancaire_compte}{banque}", 9)

    return _pdf(f"{nature.title()} {f.numero}", draw)


def _piece_pdf(titre: str, lignes: list[str]) -> bytes:
    def draw(c):
        _text(c, 50, 790, titre, 16, "Helvetica-Bold")
        for i, text in enumerate(lignes):
            _text(c, 50, 760 - 15 * i, text)
    return _pdf(titre, draw)


# --------------------------------------------------------------------- exemples

def exemple_facture(numero: str, *, siret_debiteur: str = "21930053000017",
                    code_service: str | None = "GN5CAFZ069",
                    fournisseur: tuple[str, str] = ("32682006500083", "SARL Structure 1 SIRET"),
                    montant_ht="1000.00", taux_tva="20",
                    date_reception: date = date(2026, 10, 5),
                    avec_pj_complementaire: bool = False, avoir: bool = False,
                    mode_paiement: str = "30", iban: str | None = "FR7630006000011234567890189",
                    lignes: int = 0, numero_engagement: str | None = None,
                    numero_marche: str | None = None, date_emission: date | None = None,
                    date_livraison: date | None = None, facture_origine: str | None = None,
                    debiteur_nom: str | None = "Commune de Noisy-le-Sec",
                    nom_service: str | None = None, etablissement: str | None = "Crédit Agricole",
                    id_cpro: int | None = None, cadre: str = "A1", numordre: int = 1,
                    avec_pdf: bool = True) -> PivotFacture:
    """A consistent invoice: TVA = HT × taux / 100 rounded to the cent (half up),
    TTC = net = HT + TVA, lines (when ``lignes`` > 0) summing exactly to HT,
    PJ 01 = ``facture_pdf`` (``avec_pdf=False``: a tiny placeholder, faster)."""
    ht = to_money(montant_ht)
    taux = _dec(taux_tva)
    tva = to_money(ht * taux / 100)
    ttc = ht + tva
    siret, raison = fournisseur
    lignes_t: tuple[PivotLigne, ...] = ()
    if lignes > 0:
        built = []
        for i, part in enumerate(split_evenly(ht, lignes), 1):
            cents = int(part * 100)  # even lines get a quantity dividing the amount exactly
            qte = next((q for q in (4, 2, 5) if i % 2 == 0 and cents and cents % q == 0), 1)
            built.append(PivotLigne(i, part / qte, Decimal(qte), part, f"REF-{i:03d}", taux))
        lignes_t = tuple(built)
    facture = PivotFacture(
        numero=numero, fournisseur_identifiant=siret, fournisseur_raison_sociale=raison,
        debiteur_identifiant=siret_debiteur,
        date_emission=date_emission or date_reception - timedelta(days=2),
        date_reception=date_reception, montant_ht=ht, montant_ttc=ttc, montant_net=ttc,
        type_facture=TYPE_AVOIR if avoir else TYPE_FACTURE, cadre=cadre,
        reference_bancaire_type="IBAN" if iban else None, reference_bancaire_compte=iban,
        reference_bancaire_etablissement=etablissement if iban else None,
        debiteur_nom=debiteur_nom, code_service=code_service,
        nom_service=nom_service or ("COMPTABILITE" if code_service else None),
        id_cpro=id_cpro, id_facture_origine=facture_origine, date_livraison=date_livraison,
        mode_paiement_code=mode_paiement,
        mode_paiement_libelle=MODES_PAIEMENT.get(mode_paiement),
        tvas=(PivotTva(taux, ht, tva),), numero_marche=numero_marche,
        numero_engagement=numero_engagement, lignes=lignes_t, numordre=numordre)
    prefix = "AVO" if avoir else "FAC"
    pdf = facture_pdf(facture) if avec_pdf else b"%PDF-1.4\n% placeholder\n%%EOF\n"
    pjs = [PivotPJ(1, f"{prefix}{siret}{numero}.pdf"[:50], TYPE_PJ_FACTURE,
                   "application/pdf", pdf, categorie="Facture PDF")]
    if avec_pj_complementaire:
        bl = _piece_pdf(f"Bon de livraison - {raison}",
                        [f"Relatif à la facture {numero}", f"Destinataire : SIRET {siret_debiteur}",
                         f"Livré le {(date_livraison or facture.date_emission):%d/%m/%Y}"])
        pjs.append(PivotPJ(2, f"PJ{prefix}{siret}{numero}.pdf"[:50], TYPE_PJ_COMPLEMENTAIRE,
                           "application/pdf", bl, nom_origine="bon_livraison.pdf",
                           categorie="Bon de livraison"))
    return replace(facture, pjs=tuple(pjs))


def exemple_flux(*factures: PivotFacture, id_flx: str = "CPP0020036000000000000001",
                 date_production: date | None = None, renumeroter: bool = True) -> PivotFlux:
    """A flux of ``factures``, NumOrdre renumbered 1..n unless ``renumeroter=False``."""
    if renumeroter:
        factures = tuple(replace(f, numordre=i) for i, f in enumerate(factures, 1))
    when = date_production or max((f.date_reception for f in factures), default=date(2026, 10, 5))
    return PivotFlux(id_flx=id_flx, date_production=when, factures=tuple(factures))
