"""Hostile inputs for tests/test_hostile.py: a base ready for every reader (a collectivité, a
PES Aller written to the Répertoire de transfert, a numbered titre with its ASAP settings) and
the bad files, each one built from a valid file of Corail's own builders (so the suite means
something without ../shared).

A case is ``Cas(nom, commande, fabrique, motif)``: ``fabrique(base)`` gives the bytes (or, for
settings, the command-line arguments), ``motif`` a regular expression the French message on
stderr must match.
"""
from __future__ import annotations

import base64
import io
import random
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Callable

from corail.formats.cpp_statut import FluxStatut, StatutFacture, construire_cpp_statut
from tests.pivot_fixtures import flux_simple

INIT = ["init", "--nom", "COMMUNE TEST", "--siret", "21310555400017", "--code-col", "123",
        "--code-bud", "01", "--poste", "031000"]


@dataclass(frozen=True)
class Base:
    """What the cases need to know of the prepared database."""

    url: str
    dossier: Path  # transfert/, reception/ and the files of the cases
    nom_fic: str = ""  # NomFic of the PES Aller sent
    num_bord: int = 0  # its bordereau
    titre_id: int = 0  # a numbered titre (ASAP import)
    refs_titre: tuple[int, int, int] = (0, 0, 0)  # exercice, bordereau, titre numbers
    asap_valide: bytes = b""  # the PES_Facture ASAP of that titre, valid

    @property
    def transfert(self) -> Path:
        return self.dossier / "transfert"

    @property
    def reception(self) -> Path:
        return self.dossier / "reception"


@dataclass(frozen=True)
class Cas:
    nom: str  # the test id, French
    commande: str  # pivot | statuts | acquit | asap | init
    fabrique: Callable[[Base], bytes | list[str]]
    motif: str  # regex on stderr
    suffixe: str = ".xml"
    marks: tuple = field(default=())


# --------------------------------------------------------------------------- valid sources

PIVOT = flux_simple("H-1")
ALEA = random.Random(10).randbytes(4096)


def _sans_declaration(data: bytes) -> bytes:
    return data.split(b"?>", 1)[1].lstrip() if data.startswith(b"<?xml") else data


def _texte(data: bytes) -> str:
    """The text of an XML file, without its declaration (UTF-8 or the ISO-8859-1 it declares)."""
    latin1 = data.startswith(b"<?xml") and b"ISO-8859-1" in data.split(b"?>", 1)[0].upper()
    return _sans_declaration(data).decode("iso-8859-1" if latin1 else "utf-8")


def remplacer(data: bytes, avant: str | bytes, apres: str | bytes) -> bytes:
    avant = avant.encode() if isinstance(avant, str) else avant
    apres = apres.encode() if isinstance(apres, str) else apres
    assert avant in data, avant
    return data.replace(avant, apres, 1)


def _contenu_pj(data: bytes) -> bytes:
    debut = data.index(b"<Contenu>") + len(b"<Contenu>")
    return data[debut:data.index(b"</Contenu>")]


def zip_memoire(entrees: dict[str, bytes], methode=zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", methode) as z:
        for nom, contenu in entrees.items():
            z.writestr(zipfile.ZipInfo(nom) if nom.startswith("/") else nom, contenu,
                       compress_type=methode)
    return buf.getvalue()


def _pivot_pj(entrees: dict[str, bytes]) -> bytes:
    return remplacer(PIVOT, _contenu_pj(PIVOT), base64.b64encode(zip_memoire(entrees)))


def statut_valide() -> bytes:
    s = StatutFacture(id_statut="05", horodatage=datetime(2026, 10, 15, 9, 30, tzinfo=timezone.utc),
                      id_facture="H-1", fournisseur_identifiant="32682006500083",
                      fournisseur_raison_sociale="SARL Structure 1",
                      debiteur_identifiant="21310555400017", date_facture=date(2026, 10, 3))
    return construire_cpp_statut(FluxStatut(id_flx="CORAIL20261015113000000001",
                                            date_production=date(2026, 10, 15), statuts=(s,)))


STATUT = statut_valide()


def acquit_valide(base: Base, element: str | None = None, *, piece: str | None = None) -> bytes:
    from tests.pes_fixtures import acquit_v2, element_bordereau

    detail = f'<DetailPiece><NumPiece V="{piece}"/></DetailPiece>' if piece is not None else ""
    return acquit_v2(base.nom_fic, [element or element_bordereau(base.num_bord, True) + detail])


# ------------------------------------------------------------------------ hostile families

BILLION_LAUGHS = ('<?xml version="1.0"?><!DOCTYPE {r} [<!ENTITY a "aaaaaaaaaa">'
                  + "".join(f'<!ENTITY {c} "{("&" + p + ";") * 10}">'
                            for p, c in zip("abcdefgh", "bcdefghi"))
                  + ']><{r}>&i;</{r}>')
EXTERNE = '<?xml version="1.0"?><!DOCTYPE {r} [<!ENTITY x SYSTEM "{url}">]><{r}>&x;</{r}>'
HTML = (b'<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head><body><center>'
        b'<h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>\n')
HTML_SANS_DOCTYPE = b"<html><body><h1>Erreur proxy : acc\xc3\xa8s refus\xc3\xa9</h1></body></html>"
JSON = b'{"codeRetour": 500, "libelle": "Erreur interne", "factures": []}'


def _imbrique(racine: str, profondeur: int = 5000) -> bytes:
    return (f"<{racine}>" + "<a>" * profondeur + "</a>" * profondeur + f"</{racine}>").encode()


def _communs(commande: str, valide: Callable[[Base], bytes], racine: str,
             motifs: dict[str, str]) -> list[Cas]:
    """The families every XML reader meets; ``motifs`` overrides the expected message."""
    m = {"vide": "vide|lisible|illisible", "tronque": "tronqué|lisible|illisible|invalide",
         "alea": "lisible|illisible", "utf16": "lisible|illisible|encod|invalide",
         "dtd": "DTD|DOCTYPE|entités trop nombreuses", "racine": "racine|HTML|lisible|illisible", "profond": ".",
         "json": "lisible|illisible", "latin1": "encod|lisible|illisible"}
    m.update(motifs)
    utf16 = lambda b: _texte(valide(b)).encode("utf-16-le")  # noqa: E731
    return [
        Cas(f"{commande}-fichier_vide", commande, lambda b: b"", m["vide"]),
        Cas(f"{commande}-tronque_au_milieu", commande, lambda b: valide(b)[:len(valide(b)) // 2],
            m["tronque"]),
        Cas(f"{commande}-octets_aleatoires", commande, lambda b: ALEA, m["alea"]),
        Cas(f"{commande}-utf16_sans_declaration_ni_bom", commande, utf16, m["utf16"]),
        Cas(f"{commande}-utf16_bom_nombre_impair_d_octets", commande,
            lambda b: b"\xff\xfe" + utf16(b)[:-1], m["utf16"]),
        Cas(f"{commande}-milliard_de_rires_dtd", commande,
            lambda b: BILLION_LAUGHS.format(r=racine).encode(), m["dtd"]),
        Cas(f"{commande}-entite_externe_fichier_local", commande,
            lambda b: EXTERNE.format(r=racine, url="file:///etc/passwd").encode(), m["dtd"]),
        Cas(f"{commande}-entite_externe_http", commande,
            lambda b: EXTERNE.format(r=racine, url="http://127.0.0.1:9/x.xml").encode(), m["dtd"]),
        Cas(f"{commande}-page_html_d_un_proxy", commande, lambda b: HTML, m["racine"]),
        Cas(f"{commande}-html_sans_doctype", commande, lambda b: HTML_SANS_DOCTYPE, m["racine"]),
        Cas(f"{commande}-corps_json", commande, lambda b: JSON, m["json"], suffixe=".json"),
        Cas(f"{commande}-imbrication_profonde", commande, lambda b: _imbrique(racine), m["profond"]),
        Cas(f"{commande}-latin1_sans_declaration", commande,
            lambda b: _sans_declaration(valide(b)).replace(b"<", "<!-- é -->".encode("latin-1") + b"<", 1),
            m["latin1"]),
    ]


def _cas_pivot() -> list[Cas]:
    v = lambda b: PIVOT  # noqa: E731
    remp = lambda avant, apres: (lambda b: remplacer(PIVOT, avant, apres))  # noqa: E731
    communs = _communs("pivot", v, "CPPFacturePivot", {"racine": "racine|HTML"})
    propres = [
        Cas("pivot-racine_pes_aller", "pivot", lambda b: b'<?xml version="1.0"?><PES_Aller><Enveloppe/></PES_Aller>',
            "racine « PES_Aller »"),
        Cas("pivot-racine_cppstatut", "pivot", lambda b: STATUT, "racine « CPPStatut »"),
        Cas("pivot-numero_de_facture_manquant", "pivot", remp("<Id>H-1</Id>", ""), "DonneesFacture/Id manquant"),
        Cas("pivot-date_inexistante_30_fevrier", "pivot",
            remp("<DateReception>2026-10-05", "<DateReception>2026-02-30"), "facture H-1.*2026-02-30"),
        Cas("pivot-montant_1e309", "pivot", remp("<MontantTTC>1200.000000", "<MontantTTC>1e309"),
            "facture H-1.*MontantTTC.*nombre invalide"),
        Cas("pivot-montant_10_puissance_15", "pivot",
            remp("<MontantTTC>1200.000000", "<MontantTTC>1000000000000000.00"), "facture H-1.*hors limites"),
        Cas("pivot-montant_infini", "pivot", remp("<MontantHT>1000.000000", "<MontantHT>Infinity"),
            "facture H-1.*MontantHT.*nombre invalide"),
        Cas("pivot-base64_invalide", "pivot", lambda b: remplacer(PIVOT, _contenu_pj(PIVOT)[:8], b"!!!!$$$$"),
            "facture H-1, PJ .*base64"),
        Cas("pivot-base64_tronque", "pivot", lambda b: remplacer(PIVOT, _contenu_pj(PIVOT),
                                                                  _contenu_pj(PIVOT)[:-3]),
            "facture H-1, PJ .*base64"),
        Cas("pivot-nom_de_pj_avec_octet_nul", "pivot",
            remp("<NomPJ>FAC32682006500083H-1.pdf", "<NomPJ>facture&#0;.pdf"), "lisible|invalide"),
        Cas("pivot-zip_bombe_dans_une_pj", "pivot",
            lambda b: _pivot_pj({"facture.pdf": b"\0" * (4 * 2**20)}), "facture H-1.*archive ZIP suspecte"),
        Cas("pivot-zip_de_deux_fichiers_dans_une_pj", "pivot",
            lambda b: _pivot_pj({"a.pdf": b"%PDF-1.4", "b.pdf": b"%PDF-1.4"}), "facture H-1.*2 fichiers"),
        Cas("pivot-zip_abime_dans_une_pj", "pivot",
            lambda b: remplacer(PIVOT, _contenu_pj(PIVOT),
                                base64.b64encode(zip_memoire({"f.pdf": b"%PDF" * 500})[:-30])),
            "facture H-1.*archive ZIP illisible"),
        Cas("pivot-zip_de_zero_octet", "pivot", lambda b: b"", "vide|lisible", suffixe=".zip"),
        Cas("pivot-zip_sans_aucune_entree", "pivot", lambda b: zip_memoire({}), "aucun fichier XML",
            suffixe=".zip"),
        Cas("pivot-zip_de_non_xml", "pivot", lambda b: zip_memoire({"flux.xml": b"%PDF-1.4 " + ALEA}),
            "flux.xml.*lisible", suffixe=".zip"),
        Cas("pivot-zip_chemins_traversants_et_absolus", "pivot",
            lambda b: zip_memoire({"../../../tmp/evil.xml": HTML, "/etc/cron.d/evil.xml": HTML}),
            "evil.xml.*HTML", suffixe=".zip"),
        Cas("pivot-zip_nom_d_entree_commencant_par_nul", "pivot",
            lambda b: zip_memoire({"a.xml": PIVOT}).replace(b"a.xml", b"\0.xml"), "aucun fichier XML",
            suffixe=".zip"),
        Cas("pivot-zip_de_pj_nom_d_entree_nul", "pivot", lambda b: remplacer(
            PIVOT, _contenu_pj(PIVOT), base64.b64encode(zip_memoire({"f.pdf": b"%PDF"}).replace(b"f.pdf", b"\0.pdf"))),
            "facture H-1.*archive ZIP de 0 fichiers"),
        Cas("pivot-zip_bombe_de_flux", "pivot", lambda b: zip_memoire({"a.xml": b" " * (8 * 2**20)}),
            "a.xml.*suspecte", suffixe=".zip"),
        Cas("pivot-utf8_declare_octets_latin1", "pivot",
            remp("SARL Structure 1 SIRET", "Soci\xe9t\xe9".encode("latin-1")), "mal encodés"),
        Cas("pivot-attribut_de_12_mo", "pivot",
            remp('<PJ NumOrdre="1">', b'<PJ NumOrdre="1" x="' + b"A" * (12 * 2**20) + b'">'),
            "invalide|trop long"),
        Cas("pivot-ligne_de_12_mo", "pivot",
            remp("SARL Structure 1 SIRET", b"B" * (12 * 2**20)), "invalide|trop long"),
        Cas("pivot-numordre_de_facture_de_12_chiffres", "pivot",
            remp('<CPPFacturePivotUnitaire NumOrdre="1">', '<CPPFacturePivotUnitaire NumOrdre="999999999999">'),
            "facture H-1.*NumOrdre.*hors limites"),
        Cas("pivot-numordre_de_pj_de_25_chiffres", "pivot",
            remp('<PJ NumOrdre="1">', '<PJ NumOrdre="' + "9" * 25 + '">'), "facture H-1.*NumOrdre"),
        Cas("pivot-idcpro_de_25_chiffres", "pivot", remp("<Type>380", "<IdCPRO>" + "9" * 25 + "</IdCPRO><Type>380"),
            "facture H-1.*IdCPRO"),
        Cas("pivot-idcpro_chiffres_exposants", "pivot", remp("<Type>380", "<IdCPRO>²³</IdCPRO><Type>380"),
            "facture H-1.*IdCPRO"),
    ]
    return communs + propres


def _cas_statuts() -> list[Cas]:
    v = lambda b: STATUT  # noqa: E731
    remp = lambda avant, apres: (lambda b: remplacer(STATUT, avant, apres))  # noqa: E731
    return _communs("statuts", v, "CPPStatut", {}) + [
        Cas("statuts-racine_flux_pivot", "statuts", lambda b: PIVOT, "racine « CPPFacturePivot »"),
        Cas("statuts-date_de_production_30_fevrier", "statuts",
            remp("<Valeurparametre>2026-10-15", "<Valeurparametre>2026-02-30"), "DtPrd « 2026-02-30 »"),
        Cas("statuts-horodatage_inexistant", "statuts",
            remp("<Horodatage>2026-10-15T11", "<Horodatage>2026-13-45T11"), "Horodatage.*invalide.*H-1"),
        Cas("statuts-statut_inconnu", "statuts", remp("<IdStatut>05", "<IdStatut>99"),
            "statut « 99 » inconnu.*facture H-1"),
        Cas("statuts-enveloppe_sans_parametres", "statuts",
            lambda b: remplacer(STATUT, STATUT[STATUT.index(b"<Parametres>"):
                                               STATUT.index(b"</Parametres>") + len(b"</Parametres>")], b""),
            "DtPrd et IdFlx sont obligatoires"),
        Cas("statuts-idfacture_manquante", "statuts", remp("<IdFacture>H-1</IdFacture>", ""),
            "IdFacture manquant"),
        Cas("statuts-siret_du_destinataire_tronque", "statuts",
            remp("<Identifiant>21310555400017", "<Identifiant>2131055540"), "14 caractères.*H-1"),
        Cas("statuts-statut_en_chiffres_exposants", "statuts", remp("<IdStatut>05", "<IdStatut>²"),
            "statut « ² » inconnu"),
    ]


def _cas_acquit() -> list[Cas]:
    from tests.pes_fixtures import element_bordereau

    return _communs("acquit", acquit_valide, "PES_ACQUIT", {"racine": "racine « html »|lisible"}) + [
        Cas("acquit-racine_flux_pivot", "acquit", lambda b: PIVOT, "racine « CPPFacturePivot »"),
        Cas("acquit-nomfic_absent", "acquit",
            lambda b: remplacer(acquit_valide(b), f'<NomFic V="{b.nom_fic}"/>', ""), "NomFic absent"),
        Cas("acquit-nomfic_inconnu", "acquit",
            lambda b: remplacer(acquit_valide(b), b.nom_fic, "PESALR2_INCONNU"), "PESALR2_INCONNU"),
        Cas("acquit-dtestr_30_fevrier", "acquit",
            lambda b: remplacer(acquit_valide(b), "2026-10-16", "2026-02-30"), "DteStr « 2026-02-30 »"),
        Cas("acquit-etatack_illisible", "acquit",
            lambda b: acquit_valide(b, element_bordereau(b.num_bord, True).replace('EtatAck V="1"',
                                                                                  'EtatAck V="-0"')),
            "EtatAck « -0 »"),
        Cas("acquit-numbord_chiffres_exposants", "acquit",
            lambda b: acquit_valide(b, element_bordereau(b.num_bord, True).replace(
                f'NumBord V="{b.num_bord}"', 'NumBord V="²"')), "NumBord « ² »"),
        Cas("acquit-numbord_de_5000_chiffres", "acquit",
            lambda b: acquit_valide(b, element_bordereau(b.num_bord, True).replace(
                f'NumBord V="{b.num_bord}"', f'NumBord V="{"9" * 5000}"')), "NumBord"),
        Cas("acquit-domaine_inconnu", "acquit",
            lambda b: acquit_valide(b, element_bordereau(b.num_bord, True, domaine="999")),
            "DomaineAck « 999 » inconnu"),
        Cas("acquit-codcol_d_une_autre_collectivite", "acquit",
            lambda b: remplacer(acquit_valide(b), 'CodCol V="123"', 'CodCol V="999"'), "CodCol « 999 »"),
    ]


def _asap(base: Base, **changements: str) -> bytes:
    from lxml import etree

    racine = etree.fromstring(base.asap_valide)
    for chemin, valeur in changements.items():
        racine.find(chemin).set("V", valeur)
    return etree.tostring(racine, xml_declaration=True, encoding="ISO-8859-1")


def _cas_asap() -> list[Cas]:
    v = lambda b: b.asap_valide  # noqa: E731
    ligne = "FactureIndiv/LigneFacture"
    return _communs("asap", v, "PES_Facture", {"racine": "racine|HTML|DOCTYPE|DTD"}) + [
        Cas("asap-racine_flux_pivot", "asap", lambda b: PIVOT, "CPPFacturePivot"),
        Cas("asap-type_de_facture_01", "asap", lambda b: _asap(b, TypeFact="01"),
            "TypeFact « 01 »"),
        Cas("asap-date_30_fevrier", "asap", lambda b: _asap(b, Date="2026-02-30"),
            "2026-02-30"),
        Cas("asap-montant_1e309", "asap", lambda b: _asap(b, **{f"{ligne}/MtUnitaire": "1e309"}),
            "MtUnitaire.*1e309"),
        Cas("asap-montant_10_puissance_15", "asap",
            lambda b: _asap(b, **{f"{ligne}/MtUnitaire": "1000000000000000"}), "MtUnitaire"),
        Cas("asap-montant_moins_zero_vingt_decimales", "asap",
            lambda b: _asap(b, **{f"{ligne}/MtUnitaire": "-0.00000000000000000001"}), "."),
        Cas("asap-ordre_en_chiffres_exposants", "asap", lambda b: _asap(b, **{f"{ligne}/Ordre": "²"}),
            "Ordre"),
        Cas("asap-reftitre_d_un_autre_titre", "asap",
            lambda b: _asap(b, **{"FactureIndiv/RefTitre/NumTitre": "999"}), "RefTitre"),
        Cas("asap-fichier_de_6_mo", "asap", lambda b: b.asap_valide + b" " * (6 * 2**20), "trop volumineux"),
    ]


def _init(option: str, valeur: str, *avant: str) -> Callable[[Base], list[str]]:
    """``corail init`` of a second collectivité (another SIRET and CodCol) with one bad value."""
    def fabrique(base: Base) -> list[str]:
        args = list(INIT)
        args[args.index("--code-col") + 1] = "124"
        args[args.index("--siret") + 1] = "26330582300019"
        if option:
            args[args.index(option) + 1] = valeur
        return [*avant, *args]
    return fabrique


def _cas_init() -> list[Cas]:
    return [
        Cas("reglage-siret_mauvaise_cle", "init", _init("--siret", "21310555400018"), "SIRET invalide"),
        Cas("reglage-siret_13_chiffres", "init", _init("--siret", "2131055540001"), "14 chiffres"),
        Cas("reglage-siret_lettre_o_pour_zero", "init", _init("--siret", "2633O582300019"), "SIRET"),
        Cas("reglage-idpost_5_chiffres", "init", _init("--poste", "31000"), "IdPost"),
        Cas("reglage-idpost_lettres", "init", _init("--poste", "03100A"), "IdPost"),
        Cas("reglage-idpost_chiffres_exposants", "init", _init("--poste", "²³⁴⁵⁶⁷"), "IdPost"),
        Cas("reglage-codbud_lettres", "init", _init("--code-bud", "ABC"), "CodBud"),
        Cas("reglage-codcol_vide", "init", _init("--code-col", ""), "CodCol|code"),
        Cas("reglage-nom_vide", "init", _init("--nom", "   "), "nom|Nom"),
        Cas("reglage-exercice_non_numerique", "init",
            _init("", "", "--exercice", "20x6"), "exercice invalide"),
        Cas("reglage-exercice_an_0", "init", _init("", "", "--exercice", "0000"), "Exercice invalide : 0"),
    ]


def tous_les_cas() -> list[Cas]:
    return _cas_pivot() + _cas_statuts() + _cas_acquit() + _cas_asap() + _cas_init()


# ------------------------------------------------------------------------------ the base

def preparer_base(url: str, dossier: Path) -> Base:
    """``corail init``, then through the services: the Répertoire de transfert and de réception,
    a PES Aller written there (its acquittement is awaited), a numbered titre with the ASAP
    settings (a PES_Facture for it can be imported)."""
    from corail.cli.main import main
    from corail.db.engine import Database
    from corail.db.models import Bordereau, PesAller, Piece
    from corail.services.contexte import construire_contexte
    from corail.services.pes import exporter_pes
    from corail.services.reglages import TransfertReglage, enregistrer_transfert
    from tests.asap_fixtures import debiteur_public, facture_externe, parametrer, titre_asap, xml_externe
    from tests.pes_fixtures import bordereau_construit

    for sous in ("transfert", "reception", "cas"):
        (dossier / sous).mkdir(parents=True, exist_ok=True)
    assert main(["--database", url, "--exercice", "2026", *INIT]) == 0
    db = Database(url)
    try:
        with db.transaction() as s:
            ctx = construire_contexte(s, budget=None, exercice=2026, utilisateur="agent.test")
            enregistrer_transfert(s, ctx, TransfertReglage(
                repertoire_transfert=str(dossier / "transfert"), transmettre_pes=True,
                repertoire_flux=str(dossier / "reception")))
            parametrer(s, ctx)
            titre = titre_asap(s, ctx, debiteur_public(s, ctx))
            piece = s.get(Piece, titre)
            refs = (piece.annee, s.get(Bordereau, piece.bordereau_id).numero, piece.numero)
            bordereau = bordereau_construit(s, ctx, [["100.00"], ["250.00"]])
            info = exporter_pes(s, ctx, [bordereau], dossier / "transfert")
            num_bord = s.get(Bordereau, bordereau).numero
            assert s.get(PesAller, info.id).nom_fic == info.nom_fic
    finally:
        db.dispose()
    return Base(url=url, dossier=dossier, nom_fic=info.nom_fic, num_bord=num_bord, titre_id=titre,
                refs_titre=refs, asap_valide=xml_externe(facture_externe(*refs)))


def arguments(cas: Cas, base: Base, chemin: Path) -> list[str]:
    """The command line of a case (``chemin``: where its bytes were written)."""
    commun = ["--database", base.url]
    if cas.commande == "init":
        return commun + cas.fabrique(base)
    return commun + {
        "pivot": ["pivot", "import", str(chemin)],
        "statuts": ["statuts", "lire", str(chemin)],
        "acquit": ["pes", "import-acquit", str(chemin)],
        "asap": ["asap", "importer", str(base.titre_id), str(chemin)],
    }[cas.commande]
