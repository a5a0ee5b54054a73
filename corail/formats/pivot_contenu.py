"""The bytes of a pivot file split in two before lxml: PJ ``Contenu`` text to a base64 decoder,
everything else to the XML parser.

A PJ's ``Contenu`` is base64 text of up to hundreds of megabytes. ``Aiguilleur`` finds
``<Contenu …>`` start tags in the raw bytes (outside comments, CDATA sections and processing
instructions; any namespace prefix) and sends the text that follows, up to ``</Contenu>``,
straight to a ``Base64`` decoder, so lxml only sees an empty element (with the same line
breaks, so its line numbers stay right) and builds the rest of the tree in C. A DTD is refused
here, before lxml sees it. Works on ASCII-compatible encodings (UTF-8, ISO-8859-1…); the
reader transcodes UTF-16/32 to UTF-8 first.

The decoder accepts what XML allows around base64 (line breaks, indentation, character
references, CDATA) and refuses anything else; its bytes go to a ``SpooledTemporaryFile``: in
memory up to ``EN_MEMOIRE``, on disk beyond, so memory stays bounded whatever the PJ size.
"""
from __future__ import annotations

import binascii
import hashlib
import re
from tempfile import SpooledTemporaryFile
from typing import Callable

EN_MEMOIRE = 1024 * 1024  # a PJ up to this size stays in memory, beyond it in a temporary file
ZIP = b"PK\x03\x04"
_ESPACES = b" \t\r\n"
_MARGE = 4096  # a start or end tag cut by the end of a block waits for the next block

# what matters in the markup: comments, CDATA, PI, DOCTYPE and the start tag of a Contenu
_REPERE = re.compile(rb"<(?:(!--)|(!\[CDATA\[)|(\?)|(!DOCTYPE)|([^\s<>/:=!?\"']+:)?Contenu(?=[\s/>]))")
_BALISE = re.compile(rb"""<(?:[^\s<>/:=!?"']+:)?Contenu(?:\s+[^\s<>/=]+\s*=\s*(?:"[^"<]*"|'[^'<]*'))*\s*(/?)>""")
_DOCTYPE = re.compile(rb"<!DOCTYPE\s+([^\s>\[]*)[\s>\[]")
_FIN_BALISE = re.compile(rb"\s*>")
_REFERENCE = re.compile(rb"&(?:#([0-9]{1,7})|#x([0-9A-Fa-f]{1,6})|(lt|gt|amp|quot|apos));")
_ENTITES = {b"lt": b"<", b"gt": b">", b"amp": b"&", b"quot": b'"', b"apos": b"'"}
_FINS = {1: b"-->", 2: b"]]>", 3: b"?>"}


class Empreinte:
    """Size, sha256 and first bytes of what goes through it (no second read of the file).
    ``hacher=False``: size and first bytes only (a ZIP, hashed once unzipped)."""

    def __init__(self, hacher: bool = True) -> None:
        self.sha = hashlib.sha256() if hacher else None
        self.taille = 0
        self.debut = b""

    def update(self, data: bytes) -> None:
        if self.sha is not None:
            self.sha.update(data)
        self.taille += len(data)
        if len(self.debut) < 4096:
            self.debut += data[:4096 - len(self.debut)]


def spool(dossier, en_memoire: bool = True) -> SpooledTemporaryFile:
    """A temporary file kept in memory up to ``EN_MEMOIRE`` bytes (``en_memoire=False``: on disk
    at once, when enough PJ already wait in memory)."""
    fichier = SpooledTemporaryFile(max_size=EN_MEMOIRE, dir=dossier)
    if not en_memoire:
        fichier.rollover()
    return fichier


def _reference(m: re.Match) -> bytes:
    if m.group(3):
        return _ENTITES[m.group(3)]
    try:
        return chr(int(m.group(1)) if m.group(1) else int(m.group(2), 16)).encode("utf-8")
    except (ValueError, OverflowError, UnicodeEncodeError):
        return b"\0"  # not a character: refused by the decoder


class Base64:
    """Decode base64 text given in pieces (bytes) into a spooled file; count, bound and hash
    the bytes. An error is kept (``erreur``) and the rest ignored: the reader refuses the
    invoice naming its PJ once it knows them."""

    def __init__(self, limite: int, dossier, *, en_memoire: bool = True) -> None:
        self.limite = limite
        self.sortie = spool(dossier, en_memoire)
        self.reste = b""  # fewer than 4 base64 characters, waiting for the next piece
        self.reference = b""  # a character reference cut by the end of a block
        self.empreinte: Empreinte | None = None
        self.padding = False
        self.erreur: str | None = None
        self.ferme = False

    def feed(self, texte: bytes, brut: bool = False) -> bool:
        """``brut``: the text of a CDATA section (no references in it). True when the text
        held white space (so maybe line breaks)."""
        if self.erreur:
            return True
        if not brut and (self.reference or b"&" in texte):
            texte = self._references(self.reference + texte)
            if texte is None:
                return True
        espaces = b"\n" in texte or b" " in texte or b"\r" in texte or b"\t" in texte
        if espaces:  # line breaks, indentation (a test first: one long line is common)
            texte = texte.translate(None, _ESPACES)
        if self.reste:
            texte = self.reste + texte
        coupe = len(texte) & ~3
        self.reste = texte[coupe:]
        if coupe:
            self._ecrire(memoryview(texte)[:coupe])
        return espaces

    def _references(self, texte: bytes) -> bytes | None:
        fin = texte.rfind(b"&")
        self.reference = b""
        if fin >= 0 and b";" not in texte[fin:]:
            texte, self.reference = texte[:fin], texte[fin:]
            if len(self.reference) > 12:
                self.erreur = "référence de caractère invalide"
                return None
        texte = _REFERENCE.sub(_reference, texte)
        if b"&" in texte:
            self.erreur = "entité inconnue (&…;)"
            return None
        return texte

    def _ecrire(self, texte: memoryview) -> None:
        try:  # strict: any character outside the base64 alphabet, or data after padding, refuses
            if self.padding:
                raise ValueError
            data = binascii.a2b_base64(texte, strict_mode=True)
        except (binascii.Error, ValueError):
            self.erreur = "Contenu (base64) invalide"
            return
        self.padding = texte[-1] == ord("=")
        if self.empreinte is None:  # a ZIP is hashed once unzipped, not twice
            self.empreinte = Empreinte(hacher=not data.startswith(ZIP))
        self.empreinte.update(data)
        if self.empreinte.taille > self.limite:
            self.erreur = f"PJ trop volumineuse (plus de {self.limite // 2**20} Mo)"
            return
        self.sortie.write(data)

    def interrompre(self, raison: str) -> None:
        self.erreur = self.erreur or raison

    def fermer(self) -> None:
        self.ferme = True
        if (self.reste or self.reference) and not self.erreur:
            self.erreur = "Contenu (base64) invalide ou tronqué"
        if self.empreinte is None:
            self.empreinte = Empreinte()
        self.sortie.seek(0)

    def abandonner(self) -> None:
        self.sortie.close()


class Aiguilleur:
    """Split the bytes of a pivot file between ``vers_xml`` (the parser) and the decoders that
    ``nouveau_contenu()`` gives (one per Contenu, in document order)."""

    def __init__(self, vers_xml: Callable[[bytes], None], nouveau_contenu: Callable[[], Base64],
                 refuser_dtd: Callable[[str], None]) -> None:
        self.xml, self.nouveau_contenu, self.refuser_dtd = vers_xml, nouveau_contenu, refuser_dtd
        self.tampon = b""
        self.fin: bytes | None = None  # inside a comment, CDATA or PI: the bytes that end it
        self.decodeur: Base64 | None = None  # inside a Contenu
        self.fin_contenu = b""

    def feed(self, bloc: bytes, fin: bool = False) -> None:
        buf = self.tampon + bloc if self.tampon else bloc
        pos, n = 0, len(buf)
        while pos < n:
            if self.fin is not None:
                suite = self._jusqua_fin(buf, pos, fin)
            elif self.decodeur is not None:
                suite = self._contenu(buf, pos, fin)
            else:
                suite = self._balisage(buf, pos, fin)
            if suite is None:  # waiting for the next block
                break
            pos = suite
        self.tampon = buf[pos:]
        if fin and self.tampon:  # the file ends inside a tag: the parser says it is truncated
            self.xml(self.tampon)
            self.tampon = b""

    def _balisage(self, buf: bytes, pos: int, fin: bool) -> int | None:
        m = _REPERE.search(buf, pos)
        if m is None:  # a marker may be cut by the end of the block: it waits
            k = buf.rfind(b"<", pos)
            attend = k >= 0 and not fin and len(buf) - k < _MARGE and b">" not in buf[k:]
            return self._jusqua(buf, pos, k if attend else len(buf))
        i = m.start()
        if m.lastindex in _FINS:
            self.xml(buf[pos:m.end()])
            self.fin = _FINS[m.lastindex]
            return m.end()
        if m.lastindex == 4:
            d = _DOCTYPE.match(buf, i)
            if d is None and not fin and len(buf) - i < _MARGE:
                return self._jusqua(buf, pos, i)
            self.refuser_dtd(d.group(1).decode("latin-1") if d else "")
        t = _BALISE.match(buf, i)
        if t is None:
            if not fin and len(buf) - i < _MARGE:
                return self._jusqua(buf, pos, i)
            self.xml(buf[pos:m.end()])  # not a well-formed tag: the parser says so
            return m.end()
        self.xml(buf[pos:t.end()])
        decodeur = self.nouveau_contenu()
        if t.group(1):  # <Contenu/>
            decodeur.fermer()
        else:
            self.decodeur = decodeur
            self.fin_contenu = b"</" + (m.group(5) or b"") + b"Contenu"
        return t.end()

    def _jusqua(self, buf: bytes, pos: int, coupe: int) -> int | None:
        """Give the parser ``buf[pos:coupe]``; None when there is nothing to give (wait)."""
        if coupe <= pos:
            return None
        self.xml(buf[pos:coupe])
        return coupe

    def _jusqua_fin(self, buf: bytes, pos: int, fin: bool) -> int | None:
        marque = self.fin
        j = buf.find(marque, pos)
        if j < 0:  # keep what could be the start of the end marker
            coupe = len(buf) if fin else max(pos, len(buf) - len(marque) + 1)
            self._passer(buf[pos:coupe])
            return coupe if coupe > pos else None
        self._passer(buf[pos:j])
        if self.decodeur is None:
            self.xml(marque)
        self.fin = None
        return j + len(marque)

    def _passer(self, morceau: bytes) -> None:
        """Inside a comment, CDATA or PI: to the parser, or (inside a Contenu) to the decoder
        when it is CDATA, nowhere else."""
        if not morceau:
            return
        if self.decodeur is None:
            self.xml(morceau)
            return
        if self.fin != b"]]>" or self.decodeur.feed(morceau, brut=True):
            self._lignes(morceau)

    def _lignes(self, morceau: bytes) -> None:
        lignes = morceau.count(b"\n")
        if lignes:  # the parser's line numbers stay those of the file
            self.xml(b"\n" * lignes)

    def _contenu(self, buf: bytes, pos: int, fin: bool) -> int | None:
        i = buf.find(b"<", pos)
        if i != pos:  # base64 text, up to the next markup
            texte = buf[pos:] if i < 0 else buf[pos:i]
            if self.decodeur.feed(texte):
                self._lignes(texte)
            return len(buf) if i < 0 else i
        if buf.startswith(self.fin_contenu, i):
            f = _FIN_BALISE.match(buf, i + len(self.fin_contenu))
            if f is not None:
                self.decodeur.fermer()
                self.decodeur = None
                self.xml(buf[i:f.end()])
                return f.end()
            if not fin and len(buf) - i < _MARGE:
                return None
        for debut, marque in ((b"<!--", b"-->"), (b"<![CDATA[", b"]]>"), (b"<?", b"?>")):
            if buf.startswith(debut, i):
                self.fin = marque
                return i + len(debut)
        if not fin and len(buf) - i <= max(9, len(self.fin_contenu)):  # may be cut: wait
            return None
        # a child element or another end tag: the parser decides (an error, or a Contenu that
        # is not base64 text)
        self.decodeur.interrompre("Contenu (base64) invalide : balise dans le contenu")
        self.decodeur.fermer()
        self.decodeur = None
        return i
