"""统一社会信用代码 (GB 32100-2015) and mainland mobile numbers."""

import pytest
from django.core.exceptions import ValidationError

from customers.validators import (
    credit_code_check_char,
    normalize_company_name,
    normalize_credit_code,
    normalize_mobile,
    validate_credit_code,
    validate_mobile,
)


@pytest.mark.parametrize(
    "code", ["91350100M000100Y43", "９１３５０１００Ｍ０００１００Ｙ４３", " 91350100m000100y43 "]
)
def test_valid_credit_codes(code):
    validate_credit_code(code)


def test_full_width_code_is_normalised():
    assert normalize_credit_code("９１３５０１００Ｍ０００１００Ｙ４３") == "91350100M000100Y43"


@pytest.mark.parametrize(
    "code,error",
    [
        ("91350100M000100Y44", "credit_code_check"),  # wrong check character
        ("91350100M000100Y4", "credit_code_length"),
        ("91350100M000100Y433", "credit_code_length"),
        ("91350100M0001O0Y43", "credit_code_chars"),  # the letter O is not allowed
        ("91350100M000100I43", "credit_code_chars"),
    ],
)
def test_invalid_credit_codes(code, error):
    with pytest.raises(ValidationError) as exc:
        validate_credit_code(code)
    assert exc.value.code == error


def test_check_character_of_a_real_code():
    assert credit_code_check_char("91350100M000100Y4") == "3"


@pytest.mark.parametrize(
    "mobile", ["13800138000", "+86 138 0013 8000", "0086-19912345678", "１５９１２３４５６７８"]
)
def test_valid_mobiles(mobile):
    validate_mobile(mobile)
    assert len(normalize_mobile(mobile)) == 11


@pytest.mark.parametrize("mobile", ["12345678901", "1380013800", "138001380001", "02112345678", "abc"])
def test_invalid_mobiles(mobile):
    with pytest.raises(ValidationError):
        validate_mobile(mobile)


def test_company_name_normalisation_unifies_brackets_and_width():
    assert normalize_company_name("上海恒力(集团)有限公司 ") == normalize_company_name(
        "上海恒力（集团）有限公司"
    )
