from bot.safety.masking import mask_pii, mask_user


def test_phone_numbers_are_masked() -> None:
    assert mask_pii("我的电话13812345678，请联系") == "我的电话138****5678，请联系"


def test_id_numbers_are_masked() -> None:
    assert mask_pii("身份证110101200501011234") == "身份证1101**********1234"
    assert mask_pii("身份证11010120050101123X") == "身份证1101**********123X"


def test_other_numbers_are_kept() -> None:
    assert mask_pii("团费0.2元，12355热线，2024年") == "团费0.2元，12355热线，2024年"
    assert mask_pii("订单号 123456789012345678901") == "订单号 123456789012345678901"


def test_user_ids_are_shortened() -> None:
    assert mask_user("123456789") == "12*****89"
    assert mask_user("123") == "***"
