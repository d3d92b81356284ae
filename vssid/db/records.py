"""Records store: the data VssID shows about insured people (read-only for the assistant)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import relationship

from vssid.db.base import Base, UtcDateTime, utcnow

# Insurance kinds of a contribution period, in the order answers list them.
KIND_BHXH = "BHXH"
KIND_BHTN = "BHTN"
KIND_BHTNLD = "BHTNLĐ-BNN"
CONTRIBUTION_KINDS = (KIND_BHXH, KIND_BHTN, KIND_BHTNLD)


class Person(Base):
    """An insured person, identified by the 10-digit BHXH code."""

    __tablename__ = "people"

    id = Column(Integer, primary_key=True)
    bhxh_code = Column(String(10), nullable=False, unique=True)
    full_name = Column(String(100), nullable=False)
    date_of_birth = Column(Date, nullable=False)
    gender = Column(String(6), nullable=False)  # "male" | "female"
    id_number = Column(String(12), nullable=False, unique=True)  # 12-digit CCCD or 9-digit CMND
    phone = Column(String(15))  # registered phone: OTPs go here
    email = Column(String(120))
    address = Column(String(255), nullable=False)
    province_code = Column(String(2), nullable=False)
    created_at = Column(UtcDateTime, nullable=False, default=utcnow)

    account = relationship("Account", back_populates="person", uselist=False)


class Account(Base):
    """A VssID app account of a person."""

    __tablename__ = "vssid_accounts"

    id = Column(Integer, primary_key=True)
    person_id = Column(ForeignKey("people.id", ondelete="CASCADE"), nullable=False, unique=True)
    status = Column(String(12), nullable=False)  # active | locked | pending
    phone = Column(String(15), nullable=False)
    email = Column(String(120))
    device = Column(String(60))  # bound device; None = not bound yet
    registered_at = Column(UtcDateTime, nullable=False)

    person = relationship("Person", back_populates="account")


class Employer(Base):
    __tablename__ = "employers"

    id = Column(Integer, primary_key=True)
    code = Column(String(10), nullable=False, unique=True)  # unit code at the BHXH office
    name = Column(String(160), nullable=False)
    address = Column(String(255), nullable=False)
    province_code = Column(String(2), nullable=False)


class Office(Base):
    """A BHXH office (provincial or district level)."""

    __tablename__ = "bhxh_offices"

    id = Column(Integer, primary_key=True)
    name = Column(String(160), nullable=False)
    address = Column(String(255), nullable=False)
    phone = Column(String(20), nullable=False)
    province = Column(String(60), nullable=False)
    district = Column(String(60))  # None for the provincial office
    # Diacritic-free lower-case keys (vssid text folding) for location search.
    province_key = Column(String(60), nullable=False, index=True)
    district_key = Column(String(60), index=True)


class Clinic(Base):
    """A health facility that takes BHYT cards for first-contact care."""

    __tablename__ = "bhyt_clinics"

    id = Column(Integer, primary_key=True)
    code = Column(String(5), nullable=False, unique=True)  # KCB code: province code + 3 digits
    name = Column(String(160), nullable=False)
    address = Column(String(255), nullable=False)
    phone = Column(String(20), nullable=False)
    province = Column(String(60), nullable=False)
    district = Column(String(60))
    province_key = Column(String(60), nullable=False, index=True)
    district_key = Column(String(60), index=True)


class BhytCard(Base):
    """A health-insurance card; a person has one per validity period."""

    __tablename__ = "bhyt_cards"

    id = Column(Integer, primary_key=True)
    person_id = Column(ForeignKey("people.id", ondelete="CASCADE"), nullable=False, index=True)
    card_number = Column(String(15), nullable=False, unique=True)
    valid_from = Column(Date, nullable=False)
    valid_to = Column(Date, nullable=False)
    clinic_id = Column(ForeignKey("bhyt_clinics.id"), nullable=False)

    clinic = relationship("Clinic")


class ContributionPeriod(Base):
    """Months a person contributed to one insurance fund, through one employer (or voluntarily)."""

    __tablename__ = "contribution_periods"

    id = Column(Integer, primary_key=True)
    person_id = Column(ForeignKey("people.id", ondelete="CASCADE"), nullable=False)
    employer_id = Column(ForeignKey("employers.id"))  # None = voluntary contribution
    kind = Column(String(12), nullable=False)  # BHXH | BHTN | BHTNLĐ-BNN
    from_month = Column(Date, nullable=False)  # first day of the first month
    to_month = Column(Date)  # first day of the last month; None = still contributing

    employer = relationship("Employer")

    __table_args__ = (Index("ix_contribution_periods_person_from", "person_id", "from_month"),)


class BenefitPayment(Base):
    """A benefit (sickness, maternity, one-time, pension) claimed or paid."""

    __tablename__ = "benefit_payments"

    id = Column(Integer, primary_key=True)
    person_id = Column(ForeignKey("people.id", ondelete="CASCADE"), nullable=False, index=True)
    kind = Column(String(12), nullable=False)  # sickness | maternity | one_time | pension
    status = Column(String(12), nullable=False)  # paid | processing | rejected
    amount = Column(BigInteger, nullable=False)  # VND
    requested_on = Column(Date, nullable=False)
    paid_on = Column(Date)
