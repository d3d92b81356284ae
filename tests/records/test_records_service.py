"""Record look-ups through the service interface, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest

from vssid.services import errors, testing
from vssid.services.sql_records import SqlRecordsService

AN, AN_CCCD, AN_DOB = "0101234567", "001085001234", date(1985, 3, 15)
BINH, BINH_CCCD, BINH_DOB = "7901234568", "079190005678", date(1990, 7, 20)
DUNG = "4601234560"
HAI = "9201234562"


def verify(service: SqlRecordsService, sessions, bhxh_code: str, conversation_id: str = "c1") -> None:
    service.start_verification(conversation_id=conversation_id, identifier=bhxh_code)
    with sessions() as session:
        code = testing.latest_otp(session, bhxh_code=bhxh_code)
    service.confirm_otp(conversation_id=conversation_id, code=code)


@pytest.mark.parametrize("name", ["Nguyễn Văn An", "nguyen van an", "  NGUYEN  VAN AN "])
def test_bhxh_code_shown_when_cccd_name_and_birth_date_match(service: SqlRecordsService, name: str) -> None:
    assert (
        service.lookup_bhxh_code(
            conversation_id="c1", id_number=AN_CCCD, full_name=name, date_of_birth=AN_DOB
        )
        == AN
    )


@pytest.mark.parametrize(
    ("id_number", "name", "born"),
    [
        (AN_CCCD, "Nguyễn Văn Anh", AN_DOB),  # wrong name
        (AN_CCCD, "Nguyễn Văn An", date(1985, 3, 16)),  # wrong date of birth
        (BINH_CCCD, "Nguyễn Văn An", BINH_DOB),  # another person's CCCD with a wrong name
        ("001099999999", "Nguyễn Văn An", AN_DOB),  # unknown CCCD
    ],
)
def test_bhxh_code_refused_unless_all_match(service: SqlRecordsService, id_number, name, born) -> None:
    with pytest.raises(errors.PersonNotFound):
        service.lookup_bhxh_code(
            conversation_id="c1", id_number=id_number, full_name=name, date_of_birth=born
        )


def test_failed_bhxh_code_lookups_are_limited(service: SqlRecordsService) -> None:
    for _ in range(5):
        with pytest.raises(errors.PersonNotFound):
            service.lookup_bhxh_code(
                conversation_id="c1", id_number=AN_CCCD, full_name="Ai Đó", date_of_birth=AN_DOB
            )
    with pytest.raises(errors.LookupLimit):  # even with the right answer, from another conversation
        service.lookup_bhxh_code(
            conversation_id="c2", id_number=AN_CCCD, full_name="Nguyễn Văn An", date_of_birth=AN_DOB
        )


@pytest.mark.parametrize("lookup", ["bhyt_card", "contributions", "benefits"])
def test_nothing_personal_without_verification(service: SqlRecordsService, sessions, lookup: str) -> None:
    verify(service, sessions, AN, conversation_id="someone-else")
    with pytest.raises(errors.NotVerified):
        getattr(service, lookup)(conversation_id="c1", session_started_at=None)


def test_bhyt_card_valid_until_and_clinic(service: SqlRecordsService, sessions) -> None:
    verify(service, sessions, AN)
    card = service.bhyt_card(conversation_id="c1", session_started_at=None)
    assert card.card_number == "DN4010101234567"
    assert card.is_valid and card.valid_to == date(date.today().year, 12, 31)
    assert card.clinic_name and "Hà Nội" in card.clinic_address


def test_expired_bhyt_card(service: SqlRecordsService, sessions) -> None:
    verify(service, sessions, DUNG)
    card = service.bhyt_card(conversation_id="c1", session_started_at=None)
    assert not card.is_valid and card.valid_to == date(date.today().year - 1, 12, 31)


def test_contributions_total_and_pages_latest_first(service: SqlRecordsService, sessions) -> None:
    verify(service, sessions, AN)
    first = service.contributions(conversation_id="c1", session_started_at=None)
    this_month = date.today().replace(day=1)
    ongoing = (this_month.year - 2020) * 12 + this_month.month - 7 + 1
    assert first.total_months == 28 + 29 + 30 + 30 + 28 + 18 + ongoing
    assert (len(first.periods), first.total_periods, first.next_offset) == (5, 7, 5)
    assert first.periods[0].to_month is None and first.periods[0].from_month == date(2020, 7, 1)
    assert first.periods[0].kinds == ("BHXH", "BHTN", "BHTNLĐ-BNN")
    starts = [p.from_month for p in first.periods]
    assert starts == sorted(starts, reverse=True)
    second = service.contributions(conversation_id="c1", session_started_at=None, offset=first.next_offset)
    assert [p.from_month for p in second.periods] == [date(2009, 2, 1), date(2006, 9, 1)]
    assert second.next_offset is None
    assert second.periods[-1].employer is None and second.periods[-1].kinds == ("BHXH",)  # voluntary


def test_benefits_with_status(service: SqlRecordsService, sessions) -> None:
    verify(service, sessions, BINH)
    benefits = service.benefits(conversation_id="c1", session_started_at=None)
    assert [(b.kind, b.status) for b in benefits] == [("sickness", "processing"), ("maternity", "paid")]
    assert benefits[1].amount == 42_600_000 and benefits[1].paid_on == date(2022, 6, 2)
    verify(service, sessions, HAI, conversation_id="c2")
    assert service.benefits(conversation_id="c2", session_started_at=None) == ()


def test_offices_district_first_then_province(service: SqlRecordsService) -> None:
    result = service.find_offices(location="cau giay")
    assert result.location_label == "Cầu Giấy, Hà Nội"
    names = [p.name for p in result.places]
    assert len(names) == 5
    assert names[:2] == ["Bảo hiểm xã hội quận Cầu Giấy", "Bảo hiểm xã hội thành phố Hà Nội"]
    assert all(p.province == "Hà Nội" and p.address and p.phone for p in result.places)


def test_clinics_by_province_and_unknown_place(service: SqlRecordsService) -> None:
    result = service.find_clinics(location="Đà Nẵng")
    assert 1 <= len(result.places) <= 5
    assert result.places[0].name == "Bệnh viện Đa khoa thành phố Đà Nẵng"
    assert all(p.province == "Đà Nẵng" for p in result.places)
    assert service.find_clinics(location="không biết") is None


def test_ambiguous_district_lists_every_match(service: SqlRecordsService) -> None:
    result = service.find_offices(location="Châu Thành")
    assert {p.province for p in result.places[:2]} == {"Tiền Giang", "Bến Tre"}
    assert all(p.district == "Châu Thành" for p in result.places[:2])
