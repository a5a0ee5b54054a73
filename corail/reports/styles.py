"""What the printed mandats and bordereaux share: page geometry, fonts, text
cleaning and wrapping, the collectivité's header, the footer, and ``Pages``,
a small layout recorder.

The writers draw straight on a reportlab canvas (no Platypus: a thousand
mandats must print at more than 100 pages a second). ``Pages`` records the
drawing operations page by page, so that a document knows its page count
before anything is drawn and can print "Page 2/3"; a mandat or a bordereau is
laid out, played on the canvas, then forgotten.

The fonts are the PDF standard Helvetica family: nothing to embed, identical on
Windows and Linux, and enough for French (WinAnsi: accents, œ, €, «», –, —).
A character outside that set is printed without its accent or as "?".
"""
from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import BinaryIO

from reportlab import rl_config
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from corail.money import format_eur
from corail.reports.donnees import EnTeteImpression
from corail.reports.montant_en_lettres import montant_en_lettres

LARGEUR, HAUTEUR = A4
MARGE = 42.5  # 15 mm
GAUCHE, DROITE = MARGE, LARGEUR - MARGE
UTILE = DROITE - GAUCHE
HAUT = HAUTEUR - 34.0
BAS = 48.0  # above the footer

NORMAL = "Helvetica"
GRAS = "Helvetica-Bold"
ITALIQUE = "Helvetica-Oblique"
GRIS_FOND = 0.9

_REMPLACEMENTS = {**dict.fromkeys(range(0x20)), **dict.fromkeys((0x09, 0x0A, 0x0D), " "),
                  0x202F: "\u00a0", 0x2007: "\u00a0", 0x2009: " ",
                  **str.maketrans("ŁłĐđıĦħ", "LlDdiHh")}  # control characters dropped


def _caractere(c: str) -> str:
    try:
        c.encode("cp1252")
        return c
    except UnicodeEncodeError:
        base = "".join(b for b in unicodedata.normalize("NFKD", c) if not unicodedata.combining(b))
        try:
            return base.encode("cp1252").decode("cp1252") or "?"
        except UnicodeEncodeError:
            return "?"


def lisible(texte: str | None) -> str:
    """The text as the standard fonts can print it: one line, WinAnsi characters only."""
    texte = (texte or "").translate(_REMPLACEMENTS)
    try:
        texte.encode("cp1252")
    except UnicodeEncodeError:
        texte = "".join(_caractere(c) for c in texte)
    return texte


def couper(texte: str, police: str, taille: float, largeur: float) -> list[str]:
    """``texte`` wrapped to ``largeur`` points; never empty.

    Lines break at ordinary spaces only: a no-break space (``3 277,42``) holds
    its amount together. A word too long for a line is cut.
    """
    texte = lisible(texte)
    if stringWidth(texte, police, taille) <= largeur:
        return [texte]
    espace = stringWidth(" ", police, taille)
    lignes: list[str] = []
    courante, occupe = "", 0.0
    for mot in texte.split(" "):
        if not mot:
            continue
        mesure = stringWidth(mot, police, taille)
        if courante and occupe + espace + mesure <= largeur:
            courante, occupe = f"{courante} {mot}", occupe + espace + mesure
            continue
        if courante:
            lignes.append(courante)
        while mesure > largeur and len(mot) > 1:
            n = max(1, min(len(mot) - 1, int(len(mot) * largeur / mesure)))
            while n > 1 and stringWidth(mot[:n], police, taille) > largeur:
                n -= 1
            lignes.append(mot[:n])
            mot = mot[n:]
            mesure = stringWidth(mot, police, taille)
        courante, occupe = mot, mesure
    lignes.append(courante)
    return lignes


def tronquer(texte: str, police: str, taille: float, largeur: float) -> str:
    """The text cut with "…" to fit on one line of ``largeur`` points."""
    texte = lisible(texte)
    mesure = stringWidth(texte, police, taille)
    if mesure <= largeur:
        return texte
    texte = texte[:int(len(texte) * largeur / mesure) + 2]  # near the cut, then letter by letter
    while texte and stringWidth(texte + "…", police, taille) > largeur:
        texte = texte[:-1]
    return texte.rstrip() + "…"


def format_siret(siret: str) -> str:
    """``213 105 554 00017`` for a 14-digit SIRET, the text as given otherwise."""
    s = (siret or "").replace(" ", "")
    return f"{s[:3]} {s[3:6]} {s[6:9]} {s[9:]}" if len(s) == 14 and s.isdigit() else siret


@dataclass
class Pages:
    """Drawing operations recorded page by page, played on a canvas once the page count is known.

    ``y`` is the top of the free space: everything is drawn below it, then ``y``
    moves down. ``suite`` draws the top of every page after the first (a short
    header, the table header again...) and moves ``y`` down.
    """

    suite: Callable[[Pages], None]
    bas: float = BAS
    pages: list[list[tuple]] = field(default_factory=list)
    y: float = HAUT

    def __post_init__(self) -> None:
        self.pages.append([])

    def nouvelle_page(self) -> None:
        self.pages.append([])
        self.y = HAUT
        self.suite(self)

    def place(self, hauteur: float, reserve: float = 0.0) -> bool:
        """Make room for ``hauteur`` points (plus ``reserve`` kept free below); True when a page was opened."""
        if self.y - hauteur - reserve < self.bas:
            self.nouvelle_page()
            return True
        return False

    def texte(self, x: float, y: float, texte: str, police: str = NORMAL, taille: float = 9,
              aligne: str = "g") -> None:
        """``aligne``: "g" left from x, "d" right ending at x, "c" centred on x."""
        self.pages[-1].append(("t", police, taille, x, y, lisible(texte), aligne))

    def ligne(self, texte: str, x: float, police: str = NORMAL, taille: float = 9,
              aligne: str = "g") -> None:
        """One line of text just under ``y`` (the top of the free space); moves y below it."""
        self.texte(x, self.y - taille * 0.95, texte, police, taille, aligne)
        self.y -= taille * 1.25

    def trait(self, x1: float, y1: float, x2: float, y2: float, epaisseur: float = 0.5) -> None:
        self.pages[-1].append(("l", x1, y1, x2, y2, epaisseur))

    def cadre(self, x: float, y: float, largeur: float, hauteur: float, fond: float | None = None,
              bord: bool = True) -> None:
        """A rectangle whose bottom-left corner is (x, y); ``fond``: grey level of the fill."""
        self.pages[-1].append(("r", x, y, largeur, hauteur, fond, bord))

    def filigrane(self, texte: str) -> None:
        """A large grey diagonal word under the page's content (drawn first)."""
        self.pages[-1].insert(0, ("w", lisible(texte)))

    def rendre(self, canvas: Canvas, pied: Callable[[Canvas, int, int], None],
               apres_page: Callable[[int, int], None] | None = None) -> int:
        """Draw every page and its ``pied(canvas, n, total)``, calling ``apres_page(n, total)``
        after each (a JobControl's ``step``); returns the number of pages."""
        total = len(self.pages)
        for numero, operations in enumerate(self.pages, 1):
            _jouer(canvas, operations)
            pied(canvas, numero, total)
            canvas.showPage()
            if apres_page is not None:
                apres_page(numero, total)
        return total


def _jouer(canvas: Canvas, operations: list[tuple]) -> None:
    police_courante = None
    for op in operations:
        kind = op[0]
        if kind == "t":
            _, police, taille, x, y, texte, aligne = op
            if (police, taille) != police_courante:
                canvas.setFont(police, taille)
                police_courante = (police, taille)
            if aligne == "d":
                canvas.drawRightString(x, y, texte)
            elif aligne == "c":
                canvas.drawCentredString(x, y, texte)
            else:
                canvas.drawString(x, y, texte)
        elif kind == "l":
            canvas.setLineWidth(op[5])
            canvas.line(op[1], op[2], op[3], op[4])
        elif kind == "r":
            _, x, y, largeur, hauteur, fond, bord = op
            if fond is not None:
                canvas.setFillGray(fond)
            canvas.setLineWidth(0.5)
            canvas.rect(x, y, largeur, hauteur, stroke=int(bord), fill=int(fond is not None))
            canvas.setFillGray(0)
        elif kind == "w":
            canvas.saveState()
            canvas.setFillGray(0.86)
            canvas.translate(LARGEUR / 2, HAUTEUR / 2)
            canvas.rotate(45)
            canvas.setFont(GRAS, 120)
            canvas.drawCentredString(0, -40, op[1])
            canvas.restoreState()
            police_courante = None


def enregistrer(canvas: Canvas) -> None:
    """``canvas.save()`` with the page streams only deflated, not also ASCII85-encoded.

    reportlab reads this choice from its global ``rl_config.useA85`` when it
    writes the file; encoding 1,000 pages in pure Python costs a third of the
    time of a batch of mandats, for a file 25 % larger. The setting is restored.
    """
    avant = rl_config.useA85
    rl_config.useA85 = 0
    try:
        canvas.save()
    finally:
        rl_config.useA85 = avant


def nouveau_canvas(out: BinaryIO, titre: str, sujet: str) -> Canvas:
    """A canvas writing to ``out`` with byte-stable output (same input, same bytes)."""
    canvas = Canvas(out, pagesize=A4, invariant=1, pageCompression=1)
    canvas.setTitle(lisible(titre))
    canvas.setSubject(lisible(sujet))
    canvas.setCreator("Corail")
    canvas.setAuthor("Corail")
    return canvas


def en_tete(p: Pages, e: EnTeteImpression) -> None:
    """The collectivité (left) and its budget, exercice and poste comptable (right); moves y down."""
    haut = p.y
    x = GAUCHE + UTILE * 0.56
    for ligne in couper(e.collectivite, GRAS, 11, x - GAUCHE - 10):
        p.ligne(ligne, GAUCHE, GRAS, 11)
    for ligne in e.adresse:
        p.ligne(tronquer(ligne, NORMAL, 8.5, x - GAUCHE - 10), GAUCHE, NORMAL, 8.5)
    if e.siret:
        p.ligne(f"SIRET : {format_siret(e.siret)}", GAUCHE, NORMAL, 8.5)
    bas_gauche, p.y = p.y, haut
    p.ligne(tronquer(f"Budget : {e.budget}", GRAS, 9.5, DROITE - x), x, GRAS, 9.5)
    p.ligne(f"Code budget : {e.code_budget}", x, NORMAL, 8.5)
    p.ligne(f"Exercice : {e.exercice}   —   Nomenclature {e.nomenclature}", x, NORMAL, 8.5)
    for ligne in couper(f"Poste comptable : {e.poste_comptable}", NORMAL, 8.5, DROITE - x):
        p.ligne(ligne, x, NORMAL, 8.5)
    p.y = min(p.y, bas_gauche) - 4
    p.trait(GAUCHE, p.y, DROITE, p.y, 0.8)
    p.y -= 10


def en_tete_suite(p: Pages, e: EnTeteImpression, titre: str) -> None:
    """The short header of a continuation page."""
    p.ligne(tronquer(f"{e.collectivite} — {e.budget} ({e.code_budget}) — Exercice {e.exercice}",
                     NORMAL, 8.5, UTILE), GAUCHE, NORMAL, 8.5)
    p.y -= 4
    p.ligne(titre, GAUCHE, GRAS, 11)
    p.trait(GAUCHE, p.y, DROITE, p.y, 0.8)
    p.y -= 10


def pied_de_page(gauche: str) -> Callable[[Canvas, int, int], None]:
    """The footer: a rule, ``gauche`` on the left, "Page n/total" on the right."""
    texte = tronquer(gauche, NORMAL, 7.5, UTILE - 70)

    def dessiner(canvas: Canvas, numero: int, total: int) -> None:
        canvas.setLineWidth(0.5)
        canvas.line(GAUCHE, 36, DROITE, 36)
        canvas.setFont(NORMAL, 7.5)
        canvas.drawString(GAUCHE, 26, texte)
        canvas.drawRightString(DROITE, 26, f"Page {numero}/{total}")

    return dessiner


def signature(p: Pages, lieu_date: str, signataire: str) -> None:
    """The signature block on the right half; the caller has made room (``HAUTEUR_SIGNATURE``)."""
    x = GAUCHE + UTILE * 0.56
    p.y -= 8
    if lieu_date:
        p.ligne(tronquer(lieu_date, NORMAL, 9, DROITE - x), x, NORMAL, 9)
        p.y -= 2
    p.ligne(tronquer(signataire, GRAS, 9, DROITE - x), x, GRAS, 9)
    p.ligne("(signature et cachet)", x, ITALIQUE, 7.5)
    p.y -= 50


HAUTEUR_SIGNATURE = 96.0


@dataclass(frozen=True)
class Colonne:
    titre: str
    largeur: float
    aligne: str = "g"  # "g" left, "d" right (amounts), "c" centred


PADDING = 3.0
LIGNES_PAR_CELLULE = 30


def cellules(colonnes: tuple[Colonne, ...], valeurs: tuple[str, ...], police: str = NORMAL,
             taille: float = 8.0) -> tuple[list[list[str]], float]:
    """Each value wrapped to its column, and the height of the row."""
    lignes = [couper(v, police, taille, c.largeur - 2 * PADDING) for c, v in zip(colonnes, valeurs)]
    for n, texte in enumerate(lignes):
        if len(texte) > LIGNES_PAR_CELLULE:  # a row always fits on a page
            lignes[n] = texte[:LIGNES_PAR_CELLULE - 1] + [texte[LIGNES_PAR_CELLULE - 1] + " […]"]
    return lignes, max(len(l) for l in lignes) * taille * 1.2 + 2 * PADDING - 0.5


def ligne_tableau(p: Pages, colonnes: tuple[Colonne, ...], lignes: list[list[str]], hauteur: float,
                  police: str = NORMAL, taille: float = 8.0, fond: float | None = None) -> None:
    """Draw one row whose top is ``p.y`` (a grid cell per column); moves y below it."""
    haut = p.y
    p.cadre(GAUCHE, haut - hauteur, UTILE, hauteur, fond)
    x = GAUCHE
    for n, (colonne, texte) in enumerate(zip(colonnes, lignes)):
        if n:
            p.trait(x, haut, x, haut - hauteur)
        y = haut - PADDING - taille * 0.92
        for ligne in texte:
            if colonne.aligne == "d":
                p.texte(x + colonne.largeur - PADDING, y, ligne, police, taille, "d")
            elif colonne.aligne == "c":
                p.texte(x + colonne.largeur / 2, y, ligne, police, taille, "c")
            else:
                p.texte(x + PADDING, y, ligne, police, taille)
            y -= taille * 1.2
        x += colonne.largeur
    p.y = haut - hauteur


def entete_tableau(p: Pages, colonnes: tuple[Colonne, ...], taille: float = 8.0) -> None:
    """The header row of a table, bold on a grey background."""
    lignes, hauteur = cellules(colonnes, tuple(c.titre for c in colonnes), GRAS, taille)
    ligne_tableau(p, colonnes, lignes, hauteur, GRAS, taille, GRIS_FOND)


def paragraphe(p: Pages, texte: str, x: float, largeur: float, police: str = NORMAL,
               taille: float = 9.0, reserve: float = 0.0) -> None:
    """Wrapped text from the top of the free space down; may continue on the next page."""
    for ligne in couper(texte, police, taille, largeur):
        p.place(taille * 1.25, reserve)
        p.ligne(ligne, x, police, taille)


def cadre_titre(p: Pages, x: float, haut: float, largeur: float, hauteur: float, titre: str) -> None:
    """A framed box whose top is ``haut``, with a small bold title on a grey band."""
    p.cadre(x, haut - hauteur, largeur, hauteur)
    p.cadre(x, haut - 12, largeur, 12, GRIS_FOND)
    p.texte(x + PADDING + 2, haut - 8.8, titre, GRAS, 7.5)


def ligne_somme(p: Pages, colonnes: tuple[Colonne, ...], libelle: str, montants: tuple[str, ...],
                fond: float | None = GRIS_FOND, taille: float = 9.0, taille_montants: float | None = None,
                hauteur: float = 15.0) -> None:
    """A full-width row under a table: ``montants`` in the last columns (one each, "" leaves a cell
    empty), ``libelle`` right-aligned before them; moves y below it."""
    haut = p.y
    p.cadre(GAUCHE, haut - hauteur, UTILE, hauteur, fond)
    derniers = colonnes[-len(montants):]
    debut = x = DROITE - sum(c.largeur for c in derniers)
    for colonne in derniers:
        p.trait(x, haut, x, haut - hauteur)
        x += colonne.largeur
    p.texte(debut - PADDING, haut - 10.5, libelle, GRAS, taille, "d")
    x = debut
    for colonne, montant in zip(derniers, montants):
        if montant:
            p.texte(x + colonne.largeur - PADDING, haut - 10.5, montant, GRAS, taille_montants or taille, "d")
        x += colonne.largeur
    p.y = haut - hauteur


def arrete(p: Pages, phrase: str, montant: Decimal, suite: str = "") -> None:
    """"Arrêté le présent … à la somme de :" then the amount in words and in figures, in bold."""
    paragraphe(p, phrase, GAUCHE, UTILE, NORMAL, 9, 24)
    paragraphe(p, f"{montant_en_lettres(montant)} ({format_eur(montant, symbol=True)}){suite}",
               GAUCHE + 12, UTILE - 12, GRAS, 9.5)
