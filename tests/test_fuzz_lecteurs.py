"""Fuzzing of the readers (issue 10): real files mutated by hypothesis — bytes flipped, deleted,
inserted, the file cut; XML elements removed or duplicated — must be read or refused with a
``CorailError`` (a French message), never another exception. The pivot and acquittement
readers run through their services on a database (refused: nothing written).

Sources: the public samples of ../shared (pivot/*.xml, pes/pes_acquit.xml, statut/*.xml)
when present, and files built by Corail's own builders (so it runs without ../shared).

Short in CI (the hypothesis profile of tests/conftest.py). A longer run, e.g. 5,000 examples
per reader::

    CORAIL_FUZZ_EXEMPLES=5000 .venv/bin/pytest -q tests/test_fuzz_lecteurs.py \
        -p no:cacheprovider --hypothesis-show-statistics
"""
from __future__ import annotations

import copy
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from corail.errors import CorailError
from tests.conftest import SHARED
from tests.hostile_cas import PIVOT, STATUT, zip_memoire
from tests.pivot_fixtures import compter, flux_simple

_EXEMPLES = int(os.environ.get("CORAIL_FUZZ_EXEMPLES", "0")) or None
REGLAGES = settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
                    deadline=None, **({"max_examples": _EXEMPLES} if _EXEMPLES else {}))
FRAGMENTS = [b"<", b">", b"&", b"&amp;", b"]]>", b"<!DOCTYPE x>", b"\x00", b"\xff\xfe", b"\xc3",
             b"\xe9", b"<a>", b"</a>", b'="', b"-0", b"1e309", b"9" * 30, b"\xc2\xb2", b"2026-02-30",
             b"<!--", b"<![CDATA[", b"PK\x03\x04", b"=", b" V=\"x\""]


def _echantillons(dossier: str, motif: str) -> dict[str, bytes]:
    chemin = SHARED / "samples" / dossier
    return {p.name: p.read_bytes() for p in sorted(chemin.glob(motif))} if chemin.is_dir() else {}


# ------------------------------------------------------------------------------ mutations

def _operations():
    octets = st.tuples(st.sampled_from(["coupe", "insere", "remplace", "supprime", "octet"]),
                       st.floats(0, 1), st.sampled_from(FRAGMENTS), st.integers(1, 300))
    elements = st.tuples(st.sampled_from(["retire", "double"]), st.floats(0, 1))
    return st.tuples(st.lists(elements, max_size=3), st.lists(octets, max_size=4)).filter(
        lambda ops: ops[0] or ops[1])


def _muter_elements(data: bytes, ops) -> bytes:
    """Remove or duplicate elements (chosen by their rank in the document), then serialise the
    tree again in the file's own encoding."""
    if not ops:
        return data
    parser = etree.XMLParser(resolve_entities=False, huge_tree=True, remove_blank_text=False)
    try:
        arbre = etree.fromstring(data, parser).getroottree()
    except etree.XMLSyntaxError:  # a ZIP: its bytes only are mutated
        return data
    encodage = arbre.docinfo.encoding or "UTF-8"
    for op, pos in ops:
        elements = [e for e in arbre.getroot().iter() if isinstance(e.tag, str)][1:]
        if not elements:
            break
        el = elements[int(pos * (len(elements) - 1))]
        parent = el.getparent()
        if op == "retire":
            parent.remove(el)
        else:
            el.addnext(copy.deepcopy(el))
    return etree.tostring(arbre, xml_declaration=True, encoding=encodage)


def _muter_octets(data: bytes, ops) -> bytes:
    out = bytearray(data)
    for op, pos, fragment, n in ops:
        i = int(pos * max(len(out) - 1, 0))
        if op == "coupe":
            del out[i:]
        elif op == "insere":
            out[i:i] = fragment
        elif op == "remplace":
            out[i:i + len(fragment)] = fragment
        elif op == "supprime":
            del out[i:i + n]
        elif out:
            out[i] ^= (n % 255) + 1
    return bytes(out)


def muter(data: bytes, ops) -> bytes:
    elements, octets = ops
    return _muter_octets(_muter_elements(data, elements), octets)


def _refus_propre(exc: CorailError) -> None:
    message = str(exc)
    assert message.strip() and "Traceback" not in message


# ------------------------------------------------------------------------------ readers on a base

@pytest.fixture(scope="module")
def base(tmp_path_factory):
    """One SQLite base for the module (each example is rolled back): see hostile_cas."""
    import keyring

    from tests.conftest import MemoryKeyring
    from tests.hostile_cas import preparer_base

    dossier = tmp_path_factory.mktemp("fuzz")
    precedent = keyring.get_keyring()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CORAIL_UTILISATEUR", "agent.test")
        mp.setenv("CORAIL_DATA_DIR", str(dossier))
        keyring.set_keyring(MemoryKeyring())
        try:
            prete = preparer_base(f"sqlite:///{dossier / 'corail.db'}", dossier)
        finally:
            keyring.set_keyring(precedent)
    from corail.db.engine import Database
    from corail.services.contexte import construire_contexte

    db = Database(prete.url)
    with db.lecture() as s:
        ctx = construire_contexte(s, budget=None, exercice=2026, utilisateur="agent.test")
    yield prete, db, ctx
    db.dispose()


def _essayer(base, service, data: bytes) -> None:
    """``service(session, ctx, chemin)`` in a transaction always undone; a refusal must be a
    CorailError and leave every table as it was."""
    prete, db, ctx = base
    chemin = prete.dossier / "cas" / "mute.xml"
    chemin.write_bytes(data)
    avant = compter(db)
    try:
        with db.transaction() as s:
            service(s, ctx, chemin)
            s.rollback()  # read: undone, the next example starts from the same base
    except CorailError as exc:
        _refus_propre(exc)
    assert compter(db) == avant


PIVOTS = {"construit": PIVOT, "zip_de_deux_flux": zip_memoire({"a.xml": PIVOT, "b.xml": PIVOT.replace(b"H-1", b"H-2")}),
          "construit_v2_latin1": flux_simple("V-1", version="V2_02",
                                                                  encoding="ISO-8859-1", id_cpro=12),
          **{n: d for n, d in _echantillons("pivot", "*.xml").items() if len(d) < 200_000}}


@REGLAGES
@given(source=st.sampled_from(sorted(PIVOTS)), ops=_operations())
def test_lecture_pivot(base, source, ops):
    from corail.services.pivot_import import importer_fichier

    _essayer(base, importer_fichier, muter(PIVOTS[source], ops))


@REGLAGES
@given(source=st.sampled_from(["construit", "echantillon"]), ops=_operations())
def test_lecture_acquittement(base, source, ops):
    from corail.services.pes_acquit import importer_acquittement
    from tests.hostile_cas import acquit_valide

    prete = base[0]
    ech = _echantillons("pes", "pes_acquit.xml")
    data = ech["pes_acquit.xml"] if source == "echantillon" and ech else acquit_valide(prete)
    _essayer(base, importer_acquittement, muter(data, ops))


@REGLAGES
@given(ops=_operations())
def test_lecture_asap(base, ops):
    from corail.services.asap_import import importer_asap

    prete = base[0]
    _essayer(base, lambda s, ctx, chemin: importer_asap(s, ctx, prete.titre_id, chemin),
             muter(prete.asap_valide, ops))


# ------------------------------------------------------------------------------ readers without a base

STATUTS = {"construit": STATUT, **_echantillons("statut", "*.xml")}


@REGLAGES
@given(source=st.sampled_from(sorted(STATUTS)), ops=_operations())
def test_lecture_statuts(source, ops):
    from corail.formats.cpp_statut import lire_cpp_statut

    try:
        lire_cpp_statut(muter(STATUTS[source], ops), nom="statuts.xml")
    except CorailError as exc:
        _refus_propre(exc)


def test_les_mutations_changent_le_fichier():
    """The mutators do mutate (a fuzzer that gives the file back unchanged tests nothing)."""
    assert muter(PIVOT, ([("retire", 0.5)], [])) != PIVOT
    assert muter(PIVOT, ([("double", 0.0)], [])).count(b"<Enveloppe>") == 2
    assert muter(PIVOT, ([], [("coupe", 0.5, b"", 1)])) == PIVOT[:int(0.5 * (len(PIVOT) - 1))]
    assert muter(STATUT, ([], [("octet", 0.0, b"", 1)]))[0] != STATUT[0]
