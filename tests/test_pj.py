"""PJ bytes in chunk rows with their sha256; written back aside then renamed."""
import hashlib
import os

import pytest
from sqlalchemy import func, select

from corail.db.models import CHUNK_SIZE, PJ, PJChunk, PJContenu
from corail.errors import ValidationError
from corail.services.pj import chunks_orphelins, ecrire_pj, enregistrer_pj, lire_pj, nom_sur, supprimer_pj


def _blocs(total: int, taille: int = 64 * 1024):
    rng = hashlib.sha256(b"graine")
    sent = 0
    while sent < total:
        rng = hashlib.sha256(rng.digest())
        block = (rng.digest() * (taille // 32 + 1))[: min(taille, total - sent)]
        sent += len(block)
        yield block


def test_grosse_pj_en_chunks_avec_empreinte(db, ctx, tmp_path):
    total = 3 * CHUNK_SIZE + 12345
    attendu = hashlib.sha256(b"".join(_blocs(total))).hexdigest()
    with db.transaction() as s:
        pj = enregistrer_pj(s, ctx, _blocs(total), nom="facture.pdf", type_pj="01",
                            mime="application/pdf")
        pj_id = pj.id
    with db.lecture() as s:
        contenu_id = s.get(PJ, pj_id).contenu_id
        sizes = s.scalars(select(func.length(PJChunk.data)).where(PJChunk.contenu_id == contenu_id)
                          .order_by(PJChunk.seq)).all()
        assert sizes == [CHUNK_SIZE] * 3 + [12345]
        assert hashlib.sha256(b"".join(lire_pj(s, pj_id))).hexdigest() == attendu
        chemin = ecrire_pj(s, pj_id, tmp_path / "sortie")
    assert chemin.name == "facture.pdf" and chemin.stat().st_size == total
    assert os.listdir(tmp_path / "sortie") == ["facture.pdf"]


def test_meme_contenu_stocke_une_fois(db, ctx):
    with db.transaction() as s:
        a = enregistrer_pj(s, ctx, b"%PDF-1.4 meme contenu", nom="a.pdf")
        b = enregistrer_pj(s, ctx, [b"%PDF-1.4 ", b"meme contenu"], nom="b.pdf")
        assert a.contenu_id == b.contenu_id and a.id != b.id
        assert s.scalar(select(func.count()).select_from(PJContenu)) == 1
        assert s.scalar(select(func.count()).select_from(PJChunk)) == 1
        supprimer_pj(s, a.id)
        assert b"".join(lire_pj(s, b.id)) == b"%PDF-1.4 meme contenu"
        supprimer_pj(s, b.id)
        assert s.scalar(select(func.count()).select_from(PJContenu)) == 0
        assert chunks_orphelins(s) == 0


def test_pj_vide_et_suppression(db, ctx):
    with db.transaction() as s:
        pj = enregistrer_pj(s, ctx, b"", nom="vide.txt")
        assert pj.taille == 0 and pj.sha256 == hashlib.sha256(b"").hexdigest()
        supprimer_pj(s, pj.id)
        assert chunks_orphelins(s) == 0


def test_pj_trop_grosse_refusee_et_rien_ecrit(db, ctx):
    with pytest.raises(ValidationError, match="trop volumineuse"):
        with db.transaction() as s:
            enregistrer_pj(s, ctx, _blocs(3_000_000), nom="enorme.pdf", taille_max=2_000_000)
    with db.lecture() as s:
        assert s.scalar(select(func.count()).select_from(PJChunk)) == 0


@pytest.mark.parametrize("nom, attendu", [
    ("../../etc/passwd", "passwd"), ("C:\\Windows\\system32\\x.dll", "x.dll"),
    ("CON.pdf", "_CON.pdf"), ("nul", "_nul"), ("  .cache  ", "cache"), ("", "piece_jointe"),
    ("fac<ture>?.pdf", "fac_ture__.pdf"), ("a" * 300 + ".pdf", "a" * 116 + ".pdf"),
    ("Facture été.PDF", "Facture été.PDF"),
])
def test_nom_sur(nom, attendu):
    assert nom_sur(nom) == attendu


def test_memoire_bornee_pendant_l_enregistrement(db, ctx):
    """16 MB spooled: Python's peak allocation stays a few chunks, not the whole file."""
    import tracemalloc

    total = 16 * CHUNK_SIZE
    with db.transaction() as s:
        tracemalloc.start()
        try:
            pj = enregistrer_pj(s, ctx, _blocs(total), nom="gros.pdf")
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert pj.taille == total
    assert peak < 5 * CHUNK_SIZE, f"pic {peak / CHUNK_SIZE:.1f} Mo"
