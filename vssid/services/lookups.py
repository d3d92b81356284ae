"""Record queries and the personal look-ups built on them.

Query helpers (`find_*`, `*_for`) run inside the caller's transaction. Use cases
(`lookup_bhxh_code`, `bhyt_card`, `contributions`, `benefits`, `find_places`) take a Session
with no open transaction and own it; the personal ones resolve *whose* data to show from the
conversation's server-side verification and write the audit log.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import func, or_, select, tuple_
from sqlalchemy.orm import Session

from vssid.db.base import utcnow
from vssid.db.records import (
    CONTRIBUTION_KINDS,
    BenefitPayment,
    BhytCard,
    Clinic,
    ContributionPeriod,
    Office,
    Person,
)
from vssid.db.verification import AuditEntry
from vssid.services import audit
from vssid.services.errors import LookupLimit, NotVerified, PersonNotFound
from vssid.services.identifiers import BHXH_CODE, Identifier, names_match
from vssid.services.locations import LocationMatch
from vssid.services.records import (
    BenefitInfo,
    BhytCardInfo,
    ContributionPage,
    EmployerPeriod,
    PlaceInfo,
)
from vssid.services.sliding_window import window_limit_end
from vssid.services.verification import current_verification

T = TypeVar("T")

LOOKUP_FAILURES_ALLOWED = 5
LOOKUP_WINDOW = timedelta(minutes=15)


def find_contact(session: Session, *, identifier: Identifier) -> tuple[str, str | None] | None:
    """(BHXH code, registered phone) of the person with this BHXH code or CCCD/CMND."""
    column = Person.bhxh_code if identifier.kind == BHXH_CODE else Person.id_number
    row = session.execute(select(Person.bhxh_code, Person.phone).where(column == identifier.value)).first()
    return (row.bhxh_code, row.phone) if row else None


def lookup_bhxh_code(
    session: Session,
    *,
    conversation_id: str,
    id_number: str,
    full_name: str,
    date_of_birth: date,
    now: datetime | None = None,
) -> str:
    """The BHXH code when CCCD/CMND, name and date of birth all match; else PersonNotFound.

    Failed attempts are limited per conversation and per CCCD so the form cannot be used to
    guess names or birthdays.
    """
    now = now or utcnow()
    with session.begin():
        limited = _not_found_limit(
            session,
            event=audit.EVENT_LOOKUP_BHXH_CODE,
            conversation_id=conversation_id,
            subject=id_number,
            now=now,
        )
        if limited is not None:
            _audit_refusal(
                session,
                event=audit.EVENT_LOOKUP_BHXH_CODE,
                conversation_id=conversation_id,
                subject=id_number,
                now=now,
            )
    if limited is not None:
        raise limited
    with session.begin():
        person = session.execute(select(Person).where(Person.id_number == id_number)).scalar_one_or_none()
        found = (
            person is not None
            and person.date_of_birth == date_of_birth
            and names_match(full_name, person.full_name)
        )
        audit.add_audit_entry(
            session,
            conversation_id=conversation_id,
            event=audit.EVENT_LOOKUP_BHXH_CODE,
            outcome=audit.OUTCOME_OK if found else audit.OUTCOME_NOT_FOUND,
            subject=id_number,
            now=now,
        )
        code = person.bhxh_code if found else None
    if code is None:
        raise PersonNotFound()
    return code


def _not_found_limit(
    session: Session, *, event: str, conversation_id: str, subject: str, now: datetime
) -> LookupLimit | None:
    """The refusal when this conversation, or anyone asking about `subject` (counted by its
    keyed hash across conversations), had too many not-found answers to `event` lately."""
    failed = (AuditEntry.event == event) & (AuditEntry.outcome == audit.OUTCOME_NOT_FOUND)
    ends = window_limit_end(
        session,
        AuditEntry.created_at,
        failed,
        scopes=[
            (scope, LOOKUP_FAILURES_ALLOWED, LOOKUP_WINDOW)
            for scope in (
                AuditEntry.conversation_id == conversation_id,
                AuditEntry.subject_hash == audit.subject_hash(subject),
            )
        ],
        now=now,
    )
    return LookupLimit(ends) if ends is not None else None


def _audit_refusal(
    session: Session, *, event: str, conversation_id: str, subject: str, now: datetime
) -> None:
    audit.add_audit_entry(
        session,
        conversation_id=conversation_id,
        event=event,
        outcome=audit.OUTCOME_LIMITED,
        subject=subject,
        detail="not_found_limit",
        now=now,
    )


def identify(
    session: Session, *, conversation_id: str, identifier: Identifier, now: datetime | None = None
) -> tuple[str, str | None]:
    """(BHXH code, phone) of the person to verify; PersonNotFound (audited) or LookupLimit.

    Unknown identifiers are limited like failed code look-ups: per conversation and per
    identifier across conversations, so valid BHXH codes and CCCDs cannot be enumerated.
    """
    now = now or utcnow()
    with session.begin():
        limited = _not_found_limit(
            session,
            event=audit.EVENT_IDENTIFY,
            conversation_id=conversation_id,
            subject=identifier.value,
            now=now,
        )
        if limited is not None:
            _audit_refusal(
                session,
                event=audit.EVENT_IDENTIFY,
                conversation_id=conversation_id,
                subject=identifier.value,
                now=now,
            )
            contact = None
        else:
            contact = find_contact(session, identifier=identifier)
            if contact is None:
                audit.add_audit_entry(
                    session,
                    conversation_id=conversation_id,
                    event=audit.EVENT_IDENTIFY,
                    outcome=audit.OUTCOME_NOT_FOUND,
                    subject=identifier.value,
                    now=now,
                )
    if limited is not None:
        raise limited
    if contact is None:
        raise PersonNotFound()
    return contact


def _verified_person(
    session: Session, *, conversation_id: str, not_before: datetime | None, event: str, now: datetime
) -> Person:
    verified = current_verification(session, conversation_id=conversation_id, not_before=not_before, now=now)
    person = None
    if verified is not None:
        person = session.execute(
            select(Person).where(Person.bhxh_code == verified.bhxh_code)
        ).scalar_one_or_none()
    if person is None:
        audit.add_audit_entry(
            session,
            conversation_id=conversation_id,
            event=audit.EVENT_DENIED,
            outcome=audit.OUTCOME_DENIED,
            detail=event,
            now=now,
        )
        raise NotVerified()
    audit.add_audit_entry(
        session,
        conversation_id=conversation_id,
        event=event,
        outcome=audit.OUTCOME_OK,
        subject=person.bhxh_code,
        now=now,
    )
    return person


def _run(session: Session, fn: Callable[..., T], **kwargs: Any) -> T:
    """Run a personal look-up in its own transaction; a denial is committed (audited) then raised."""
    denied: NotVerified | None = None
    with session.begin():
        try:
            return fn(session, **kwargs)
        except NotVerified as error:
            denied = error
    raise denied


def bhyt_card(
    session: Session, *, conversation_id: str, not_before: datetime | None = None, now: datetime | None = None
) -> BhytCardInfo | None:
    """The verified person's latest BHYT card with the registered clinic."""
    return _run(
        session, _bhyt_card, conversation_id=conversation_id, not_before=not_before, now=now or utcnow()
    )


def _bhyt_card(
    session: Session, *, conversation_id: str, not_before: datetime | None, now: datetime
) -> BhytCardInfo | None:
    person = _verified_person(
        session, conversation_id=conversation_id, not_before=not_before, event=audit.EVENT_BHYT_CARD, now=now
    )
    card = session.execute(
        select(BhytCard).where(BhytCard.person_id == person.id).order_by(BhytCard.valid_to.desc()).limit(1)
    ).scalar_one_or_none()
    if card is None:
        return None
    today = now.date()
    return BhytCardInfo(
        card_number=card.card_number,
        valid_from=card.valid_from,
        valid_to=card.valid_to,
        clinic_name=card.clinic.name,
        clinic_address=card.clinic.address,
        is_valid=card.valid_from <= today <= card.valid_to,
    )


def _months(from_month: date, to_month: date) -> int:
    return (to_month.year - from_month.year) * 12 + to_month.month - from_month.month + 1


def contributions(
    session: Session,
    *,
    conversation_id: str,
    offset: int = 0,
    limit: int = 5,
    not_before: datetime | None = None,
    now: datetime | None = None,
) -> ContributionPage:
    """Total BHXH months and one page of employer periods, latest first."""
    return _run(
        session,
        _contributions,
        conversation_id=conversation_id,
        offset=max(0, offset),
        limit=limit,
        not_before=not_before,
        now=now or utcnow(),
    )


def _contributions(
    session: Session,
    *,
    conversation_id: str,
    offset: int,
    limit: int,
    not_before: datetime | None,
    now: datetime,
) -> ContributionPage:
    person = _verified_person(
        session,
        conversation_id=conversation_id,
        not_before=not_before,
        event=audit.EVENT_CONTRIBUTIONS,
        now=now,
    )
    rows = (
        session.execute(select(ContributionPeriod).where(ContributionPeriod.person_id == person.id))
        .scalars()
        .all()
    )
    this_month = now.date().replace(day=1)
    merged: dict[tuple, list[str]] = {}
    names: dict[tuple, str | None] = {}
    total = 0
    for row in rows:
        key = (row.employer_id, row.from_month, row.to_month)
        merged.setdefault(key, []).append(row.kind)
        names[key] = row.employer.name if row.employer else None
        if row.kind == "BHXH":
            total += _months(row.from_month, min(row.to_month or this_month, this_month))
    order = {kind: i for i, kind in enumerate(CONTRIBUTION_KINDS)}
    periods = sorted(
        (
            EmployerPeriod(
                employer=names[key],
                from_month=key[1],
                to_month=key[2],
                kinds=tuple(sorted(kinds, key=lambda k: order.get(k, 9))),
                months=_months(key[1], min(key[2] or this_month, this_month)),
            )
            for key, kinds in merged.items()
        ),
        key=lambda p: (p.to_month is None, p.to_month or this_month, p.from_month),
        reverse=True,
    )
    page = tuple(periods[offset : offset + limit])
    next_offset = offset + limit if offset + limit < len(periods) else None
    return ContributionPage(
        total_months=total, periods=page, offset=offset, next_offset=next_offset, total_periods=len(periods)
    )


def benefits(
    session: Session,
    *,
    conversation_id: str,
    not_before: datetime | None = None,
    now: datetime | None = None,
    limit: int = 10,
) -> tuple[BenefitInfo, ...]:
    """The verified person's benefit claims and payments, latest first."""
    return _run(
        session,
        _benefits,
        conversation_id=conversation_id,
        not_before=not_before,
        now=now or utcnow(),
        limit=limit,
    )


def _benefits(
    session: Session, *, conversation_id: str, not_before: datetime | None, now: datetime, limit: int
) -> tuple[BenefitInfo, ...]:
    person = _verified_person(
        session, conversation_id=conversation_id, not_before=not_before, event=audit.EVENT_BENEFITS, now=now
    )
    rows = (
        session.execute(
            select(BenefitPayment)
            .where(BenefitPayment.person_id == person.id)
            .order_by(BenefitPayment.requested_on.desc(), BenefitPayment.id.desc())
            .limit(limit)
        )
        .scalars()
        .all()
    )
    return tuple(
        BenefitInfo(
            kind=r.kind, status=r.status, amount=r.amount, requested_on=r.requested_on, paid_on=r.paid_on
        )
        for r in rows
    )


def find_places(
    session: Session, *, model: type[Office] | type[Clinic], match: LocationMatch, limit: int = 5
) -> tuple[PlaceInfo, ...]:
    """Offices or clinics of the matched places: district matches first, then the rest of the
    province (its provincial-level place first)."""
    district_pairs = [(_province_key(d.province_code), d.key) for d in match.districts]
    province_keys = [_province_key(code) for code in match.province_codes]
    conditions = [model.province_key.in_(province_keys)]
    if district_pairs:
        conditions.append(tuple_(model.province_key, model.district_key).in_(district_pairs))
    with session.begin():
        rows = session.execute(select(model).where(or_(*conditions)).order_by(model.id)).scalars().all()
    wanted = set(district_pairs)

    def rank(row) -> tuple[int, int]:
        if (row.province_key, row.district_key) in wanted:
            return (0, row.id)
        return (1 if row.district_key is None else 2, row.id)

    return tuple(
        PlaceInfo(name=r.name, address=r.address, phone=r.phone, district=r.district, province=r.province)
        for r in sorted(rows, key=rank)[:limit]
    )


def _province_key(code: str) -> str:
    from vssid.services.locations import load_gazetteer

    return load_gazetteer().province(code).key


def count_people(session: Session) -> int:
    with session.begin():
        return session.execute(select(func.count()).select_from(Person)).scalar_one()
