"""Vietnamese wording of record answers (pure functions; the sentences around them are responses)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from vssid.services.records import BenefitInfo, EmployerPeriod, PlaceInfo

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")

BENEFIT_NAMES = {
    "sickness": "Ốm đau",
    "maternity": "Thai sản",
    "one_time": "BHXH một lần",
    "pension": "Lương hưu",
}
STATUS_NAMES = {"paid": "đã chi trả", "processing": "đang xử lý", "rejected": "không được duyệt"}


def day(value: date) -> str:
    return value.strftime("%d/%m/%Y")


def month(value: date) -> str:
    return value.strftime("%m/%Y")


def clock(value: datetime) -> str:
    """Local time of day for retry messages: '20:45'."""
    return value.astimezone(VIETNAM).strftime("%H:%M")


def money(amount: int) -> str:
    """1850000 -> '1.850.000 đồng'."""
    return f"{amount:,}".replace(",", ".") + " đồng"


def duration(months: int) -> str:
    """245 -> '20 năm 5 tháng'; 7 -> '7 tháng'."""
    years, rest = divmod(months, 12)
    if not years:
        return f"{rest} tháng"
    return f"{years} năm" + (f" {rest} tháng" if rest else "")


def period_line(period: EmployerPeriod) -> str:
    end = month(period.to_month) if period.to_month else "nay"
    who = period.employer or "BHXH tự nguyện"
    kinds = ", ".join(period.kinds)
    return f"• {month(period.from_month)} – {end}: {who} ({duration(period.months)}; {kinds})"


def periods_text(periods: tuple[EmployerPeriod, ...]) -> str:
    return "\n".join(period_line(p) for p in periods)


def benefit_line(benefit: BenefitInfo) -> str:
    name = BENEFIT_NAMES.get(benefit.kind, benefit.kind)
    status = STATUS_NAMES.get(benefit.status, benefit.status)
    when = (
        f"ngày {day(benefit.paid_on)}"
        if benefit.status == "paid" and benefit.paid_on
        else f"nộp hồ sơ ngày {day(benefit.requested_on)}"
    )
    return f"• {name}: {money(benefit.amount)} – {status} ({when})"


def benefits_text(benefits: tuple[BenefitInfo, ...]) -> str:
    return "\n".join(benefit_line(b) for b in benefits)


def places_text(places: tuple[PlaceInfo, ...]) -> str:
    return "\n".join(
        f"{index}. {place.name}\n   Địa chỉ: {place.address}\n   Điện thoại: {place.phone}"
        for index, place in enumerate(places, start=1)
    )
