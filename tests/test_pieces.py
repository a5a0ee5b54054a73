"""services/pieces: the one lifecycle of mandats and titres — how each kind is named and
guarded, what a refused saisie leaves (nothing), and the order of the shared steps."""
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from corail.db.models import Imputation, Piece
from corail.domain.roles import CONSULTATION, DEPENSES, MODIFICATION, RECETTES
from corail.errors import NotFound, ValidationError
from corail.services import pieces
from corail.services.mandats import ImputationSaisie, MandatSaisie, creer_mandat, detail_mandat
from corail.services.pieces import (
    GENRE_MANDAT, GENRE_TITRE, controles_communs, nature_pce, supprimer_brouillon, valider_piece,
    verifier_editable,
)
from corail.services.tiers import TiersSaisie, creer_tiers
from corail.services.titres import (
    ImputationTitreSaisie, TitreSaisie, creer_titre, detail_titre, devalider_titre, supprimer_titre,
    valider_titre,
)


def _tiers(session, ctx):
    return creer_tiers(session, ctx, TiersSaisie(
        nom="Centre social des Tilleuls", type_identifiant="", adresse1="3 rue des Tilleuls",
        code_postal="31000", ville="Toulouse", cat_tiers="60")).id


def _mandat(session, ctx, tiers_id, montant="80.00"):
    return creer_mandat(session, ctx, MandatSaisie(
        tiers_id=tiers_id, imputations=(ImputationSaisie("60632", Decimal(montant)),), objet="Fournitures",
        mode_reglement="01")).ligne.id


def _titre(session, ctx, tiers_id, montant="120.00"):
    return creer_titre(session, ctx, TitreSaisie(
        tiers_id=tiers_id, imputations=(ImputationTitreSaisie("70323", Decimal(montant)),),
        objet="Occupation du domaine public")).ligne.id


def _nb_pieces(session) -> int:
    return session.scalar(select(func.count()).select_from(Piece))


def test_chaque_genre_se_nomme_et_nomme_ses_etats():
    assert GENRE_MANDAT.nom_de(Piece(id=4, numero=None)) == "Mandat 4 (non numéroté)"
    assert GENRE_TITRE.nom_de(Piece(id=4, numero=12)) == "Titre n° 12"
    assert (GENRE_MANDAT.un, GENRE_TITRE.un) == ("un mandat", "un titre")
    with pytest.raises(ValidationError, match=r"^Titre n° 3 : numéroté, il ne se modifie plus ; corrigez"):
        verifier_editable(GENRE_TITRE, Piece(id=9, numero=3, etat="numerote"))
    # a titre shows its état as the screens do (a paid titre is « Encaissé »)
    with pytest.raises(ValidationError, match=r"^Titre 9 \(non numéroté\) : Annulé, il ne se modifie"):
        verifier_editable(GENRE_TITRE, Piece(id=9, numero=None, etat="annule"))
    with pytest.raises(ValidationError, match=r"^Mandat 9 \(non numéroté\) : Annulé, il ne se modifie"):
        verifier_editable(GENRE_MANDAT, Piece(id=9, numero=None, etat="annule"))
    for etat in ("brouillon", "valide", "rejete"):
        verifier_editable(GENRE_MANDAT, Piece(id=9, etat=etat))


def test_nature_et_controles_communs():
    assert nature_pce(None, {"I"}) == "02"
    assert nature_pce(None, {"I", "F"}) == nature_pce(None, {"F"}) == nature_pce(None, set()) == "01"
    assert nature_pce("04", {"I"}) == "04"
    assert controles_communs(Piece(imputations=[])) == ["aucune imputation", "montant nul ou négatif (0,00)"]
    negative = Piece(imputations=[Imputation(ordre=1, montant=Decimal("5.00")),
                                  Imputation(ordre=2, montant=Decimal("-7.50"))])
    assert controles_communs(negative) == ["montant nul ou négatif (-2,50)"]
    assert controles_communs(Piece(imputations=[Imputation(ordre=1, montant=Decimal("0.01"))])) == []


def test_chaque_action_exige_son_habilitation(session, ctx, monkeypatch):
    tiers = _tiers(session, ctx)
    mid, tid = _mandat(session, ctx, tiers), _titre(session, ctx, tiers)
    appels = []
    monkeypatch.setattr(pieces, "exiger", lambda s, c, espace, niveau, action: appels.append(
        (espace, niveau, action)))
    detail_mandat(session, ctx, mid)
    valider_titre(session, ctx, tid)
    devalider_titre(session, ctx, tid)
    supprimer_titre(session, ctx, tid)
    assert appels == [
        (DEPENSES, CONSULTATION, "consulter un mandat"),
        (RECETTES, MODIFICATION, "valider un titre"), (RECETTES, CONSULTATION, "consulter un titre"),
        (RECETTES, MODIFICATION, "dévalider un titre"), (RECETTES, CONSULTATION, "consulter un titre"),
        (RECETTES, MODIFICATION, "supprimer un titre")]


@pytest.mark.parametrize("genre", ["mandat", "titre"])
def test_une_saisie_refusee_n_ajoute_aucune_piece(session, ctx, genre):
    tiers = _tiers(session, ctx)
    creer = _mandat if genre == "mandat" else _titre
    creer(session, ctx, tiers)
    avant = _nb_pieces(session)
    with pytest.raises(ValidationError, match="^Tiers : choisissez un"):
        creer(session, ctx, tiers + 1000)
    assert not [o for o in session.new if isinstance(o, Piece)]
    session.flush()
    assert _nb_pieces(session) == avant


def test_un_genre_ne_trouve_pas_les_pieces_de_l_autre(session, ctx):
    tiers = _tiers(session, ctx)
    mid, tid = _mandat(session, ctx, tiers), _titre(session, ctx, tiers)
    with pytest.raises(NotFound, match=f"^Mandat {tid} introuvable dans le budget en cours"):
        detail_mandat(session, ctx, tid)
    with pytest.raises(NotFound, match=f"^Titre {mid} introuvable dans le budget en cours"):
        detail_titre(session, ctx, mid)


def test_valider_verifie_puis_controle_puis_valide(session, ctx):
    tid = _titre(session, ctx, _tiers(session, ctx))
    vus = []

    def refuser(piece):
        vus.append(("verifier", piece.id))
        raise ValidationError("refusé d'avance")

    def controler(s, piece):
        vus.append(("controler", piece.id))
        return ["une raison", "une autre"]

    with pytest.raises(ValidationError, match="refusé d'avance"):
        valider_piece(session, ctx, GENRE_TITRE, tid, controler, verifier=refuser)
    assert vus == [("verifier", tid)]
    with pytest.raises(ValidationError) as exc:
        valider_piece(session, ctx, GENRE_TITRE, tid, controler)
    assert (str(exc.value).splitlines()[0], exc.value.choix) == (
        f"Titre {tid} (non numéroté) ne peut pas être validé :", ["une raison", "une autre"])
    assert session.get(Piece, tid).etat == "brouillon"
    assert valider_piece(session, ctx, GENRE_TITRE, tid, lambda s, p: []).etat == "valide"


def test_supprimer_libere_puis_efface_un_brouillon_seulement(session, ctx):
    tiers = _tiers(session, ctx)
    mid = _mandat(session, ctx, tiers)
    liberes = []

    def liberer(piece):  # the piece still exists when it gives back what it held
        liberes.append((piece.id, session.get(Piece, piece.id) is not None))

    valider_piece(session, ctx, GENRE_MANDAT, mid, lambda s, p: [])
    with pytest.raises(ValidationError, match=r"^Mandat \d+ \(non numéroté\) : seul un brouillon se supprime"):
        supprimer_brouillon(session, ctx, GENRE_MANDAT, mid, liberer)
    assert liberes == [] and session.get(Piece, mid).etat == "valide"
    session.get(Piece, mid).etat = "brouillon"
    supprimer_brouillon(session, ctx, GENRE_MANDAT, mid, liberer)
    assert liberes == [(mid, True)]
    assert session.get(Piece, mid) is None
