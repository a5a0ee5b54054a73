import pytest

from corail.domain.identifiants import (
    rib_vers_iban, valider_code_bud, valider_code_col, valider_id_post, valider_siret,
)
from corail.errors import ValidationError


def test_siret():
    assert valider_siret("213 105 554 00017") == "21310555400017"
    with pytest.raises(ValidationError, match="clé de contrôle"):
        valider_siret("21310555400018")
    with pytest.raises(ValidationError, match="14 chiffres"):
        valider_siret("2131055540001A")


def test_rib_converti_en_iban():
    assert rib_vers_iban("30006 00001 12345678901 89") == "FR7630006000011234567890189"
    with pytest.raises(ValidationError, match="clé RIB"):
        rib_vers_iban("30006 00001 12345678901 88")


def test_codes_pes():
    assert valider_code_col("12") == "012" and valider_code_bud("1") == "01"
    assert valider_id_post("031000") == "031000"
    for f, v in ((valider_code_col, "1234"), (valider_code_bud, "123"), (valider_id_post, "31000")):
        with pytest.raises(ValidationError):
            f(v)
