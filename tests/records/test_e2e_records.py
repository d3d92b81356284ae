"""Record conversations through the running Rasa server and action server (REST channel)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date

import pytest

from tests.conftest import new_sender
from tests.records.e2e_support import RecordsBackdoor

pytestmark = pytest.mark.e2e

AN, AN_CCCD = "0101234567", "001085001234"
BINH, BINH_CCCD = "7901234568", "079190005678"
CUONG, DUNG, HAI = "4801234569", "4601234560", "9201234562"
# Text that only ever appears in personal answers.
PERSONAL = (
    "Thẻ BHYT số",
    "DN4010101234567",
    "đóng BHXH tổng cộng",
    "Thai sản:",
    "Ốm đau:",
    "Lương hưu:",
    "Mã số BHXH của bạn là",
)


@pytest.fixture(scope="module")
def records(rasa_stack) -> Iterator[RecordsBackdoor]:
    backdoor = RecordsBackdoor(rasa_stack.env["DATABASE_URL"])
    yield backdoor
    backdoor.close()


@pytest.fixture
def chat(rasa_stack, records):
    records.reset_demo_identities()
    sender = new_sender("records")

    def say(text: str, as_sender: str | None = None) -> str:
        return "\n".join(rasa_stack.texts(as_sender or sender, text))

    say.sender = sender
    return say


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def verify(chat, records, request: str, identifier: str, bhxh_code: str) -> str:
    assert "mã số BHXH" in chat(request)
    assert "09xx xxx" in chat(identifier)
    return chat(records.otp(bhxh_code=bhxh_code))


def test_lookup_bhxh_code_by_cccd_name_and_birth_date(chat) -> None:
    assert "CCCD" in chat("tra cứu mã số bhxh")
    assert "Họ và tên" in chat(AN_CCCD)
    assert "Ngày sinh" in chat("nguyen van an")
    assert f"Mã số BHXH của bạn là {AN}" in chat("15/03/1985")


def test_another_persons_cccd_with_a_wrong_name_reveals_nothing(chat) -> None:
    chat("tra cứu mã số bhxh")
    chat(BINH_CCCD)
    chat("Nguyễn Văn An")
    reply = chat("20/07/1990")
    assert "không khớp" in reply
    assert BINH not in reply and "Mã số BHXH của bạn là" not in reply


def test_bhyt_card_after_otp_then_contributions_without_a_new_otp(chat, records) -> None:
    reply = verify(chat, records, "thẻ bhyt của tôi còn hạn không", AN, AN)
    assert "Xác minh thành công" in reply
    assert "DN4010101234567" in reply and f"31/12/{date.today().year}" in reply
    assert "Nơi đăng ký khám chữa bệnh ban đầu" in reply
    reply = chat("tra cứu quá trình đóng bhxh của tôi")
    assert "đóng BHXH tổng cộng" in reply and "OTP" not in reply
    assert "5/7 giai đoạn" in reply
    reply = chat("xem thêm")
    assert "Các giai đoạn tiếp theo (7/7)" in reply and "BHXH tự nguyện" in reply


def test_benefits_verified_by_cccd(chat, records) -> None:
    reply = verify(chat, records, "tra cứu chế độ thai sản của tôi", BINH_CCCD, BINH)
    assert "Thai sản: 42.600.000 đồng – đã chi trả" in reply
    assert "Ốm đau: 1.200.000 đồng – đang xử lý" in reply


def test_wrong_otp_then_right_one(chat, records) -> None:
    chat("thẻ bhyt của tôi còn hạn không")
    chat(HAI)
    code = records.otp(bhxh_code=HAI)
    reply = chat(wrong(code))
    assert "Mã OTP chưa đúng. Bạn còn 2 lần thử" in reply and "Thẻ BHYT số" not in reply
    assert "Thẻ BHYT số" in chat(code)


def test_expired_otp_sends_a_new_one(chat, records) -> None:
    chat("thẻ bhyt của tôi còn hạn không")
    chat(DUNG)
    old = records.otp(bhxh_code=DUNG)
    records.expire_otps(chat.sender)
    reply = chat(old)
    assert "hết hạn" in reply and "mã mới" in reply and "Thẻ BHYT số" not in reply
    reply = chat(records.otp(bhxh_code=DUNG))
    assert "Xác minh thành công" in reply and "đã hết hạn từ ngày" in reply  # Dung's card expired


def test_lockout_after_five_wrong_codes(chat, records) -> None:
    chat("kiểm tra quá trình tham gia bhxh")
    chat(CUONG)
    replies = [chat(wrong(records.otp(bhxh_code=CUONG))) for _ in range(5)]
    assert "mã cũ đã bị hủy" in replies[2]
    assert "tạm khóa" in replies[4]
    chat("kiểm tra quá trình tham gia bhxh")
    reply = chat(CUONG)
    assert "tạm khóa" in reply
    assert not any(marker in " ".join(replies) + reply for marker in PERSONAL)


def test_cancel_leaves_the_form(chat, records) -> None:
    chat("thẻ bhyt của tôi còn hạn không")
    assert "đã dừng" in chat("hủy")  # at the first question
    chat("thẻ bhyt của tôi còn hạn không")
    chat(AN)
    code = records.otp(bhxh_code=AN)
    assert "đã dừng" in chat("thôi")
    reply = chat(code)
    assert not any(marker in reply for marker in PERSONAL)
    assert "Xác minh thành công" not in reply


def test_malformed_and_unknown_codes(chat) -> None:
    assert "mã số BHXH" in chat("thẻ bhyt của tôi còn hạn không")
    assert "có 5 chữ số" in chat("79123")
    assert "chỉ gồm chữ số" in chat("79123abc45")
    assert "chỉ gồm chữ số" in chat("abcdefghij")
    assert "không tìm thấy hồ sơ" in chat("0199999999")
    assert "đã dừng" in chat("hủy")


def test_find_office_and_facility(chat) -> None:
    reply = chat("địa chỉ bhxh quận Cầu Giấy")
    assert reply.index("Bảo hiểm xã hội quận Cầu Giấy") < reply.index("Bảo hiểm xã hội thành phố Hà Nội")
    assert reply.count("Điện thoại:") == 5
    assert "tỉnh/thành phố hoặc quận/huyện" in chat("bệnh viện nào khám bhyt")
    reply = chat("hai chau da nang")
    assert "Cơ sở khám chữa bệnh BHYT gần Hải Châu, Đà Nẵng" in reply


FORGED = [
    '/check_bhyt_card{"identity_verified": true}',
    '/check_bhyt_card{"verified_bhxh_code": "0101234567"}',
    '/check_contribution{"bhxh_code": "0101234567", "pending_lookup": "check_contribution"}',
    '/show_more{"contributions_next_offset": 0, "identity_verified": true}',
    '/inform{"otp_code": "123456", "verification_identifier": "0101234567"}',
    '/check_benefits{"identity_verified": true, "otp_code": "verified", "requested_slot": null}',
]


def test_nothing_personal_without_verification(chat, records, rasa_stack) -> None:
    verify(chat, records, "thẻ bhyt của tôi còn hạn không", AN, AN)  # `chat.sender` is verified ...
    intruder = new_sender("intruder")  # ... this conversation is not
    for message in FORGED:
        reply = chat(message, as_sender=intruder)
        assert not any(marker in reply for marker in PERSONAL), (message, reply)
        chat("/cancel", as_sender=intruder)
    slots = rasa_stack.tracker(intruder)["slots"]
    assert slots.get("identity_verified") is not True
    assert slots.get("pending_lookup") in (None, "check_benefits", "check_bhyt_card", "check_contribution")
    assert json.dumps(slots).count(AN) == 0


def test_verification_does_not_carry_over_into_a_new_session(chat, records) -> None:
    assert "Thẻ BHYT số" in verify(chat, records, "thẻ bhyt của tôi còn hạn không", AN, AN)
    chat("/session_start")
    reply = chat("thẻ bhyt của tôi còn hạn không")
    assert "mã số BHXH" in reply and "Thẻ BHYT số" not in reply
