"""Records, verification, outbox and audit tables.

Revision ID: 0001_records
Revises: (none)
Create Date: 2026-11-25
"""
from alembic import op
import sqlalchemy as sa

revision = "0001_records"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('audit_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('conversation_id', sa.String(length=255), nullable=False),
    sa.Column('event', sa.String(length=40), nullable=False),
    sa.Column('subject', sa.String(length=20), nullable=True),
    sa.Column('subject_hash', sa.String(length=64), nullable=True),
    sa.Column('outcome', sa.String(length=20), nullable=False),
    sa.Column('detail', sa.String(length=255), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log'))
    )
    op.create_index(op.f('ix_audit_log_conversation_id'), 'audit_log', ['conversation_id'], unique=False)
    op.create_index(op.f('ix_audit_log_subject_hash'), 'audit_log', ['subject_hash'], unique=False)
    op.create_table('bhxh_offices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=160), nullable=False),
    sa.Column('address', sa.String(length=255), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=False),
    sa.Column('province', sa.String(length=60), nullable=False),
    sa.Column('district', sa.String(length=60), nullable=True),
    sa.Column('province_key', sa.String(length=60), nullable=False),
    sa.Column('district_key', sa.String(length=60), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bhxh_offices'))
    )
    op.create_index(op.f('ix_bhxh_offices_district_key'), 'bhxh_offices', ['district_key'], unique=False)
    op.create_index(op.f('ix_bhxh_offices_province_key'), 'bhxh_offices', ['province_key'], unique=False)
    op.create_table('bhyt_clinics',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=5), nullable=False),
    sa.Column('name', sa.String(length=160), nullable=False),
    sa.Column('address', sa.String(length=255), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=False),
    sa.Column('province', sa.String(length=60), nullable=False),
    sa.Column('district', sa.String(length=60), nullable=True),
    sa.Column('province_key', sa.String(length=60), nullable=False),
    sa.Column('district_key', sa.String(length=60), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bhyt_clinics')),
    sa.UniqueConstraint('code', name=op.f('uq_bhyt_clinics_code'))
    )
    op.create_index(op.f('ix_bhyt_clinics_district_key'), 'bhyt_clinics', ['district_key'], unique=False)
    op.create_index(op.f('ix_bhyt_clinics_province_key'), 'bhyt_clinics', ['province_key'], unique=False)
    op.create_table('employers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=10), nullable=False),
    sa.Column('name', sa.String(length=160), nullable=False),
    sa.Column('address', sa.String(length=255), nullable=False),
    sa.Column('province_code', sa.String(length=2), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_employers')),
    sa.UniqueConstraint('code', name=op.f('uq_employers_code'))
    )
    op.create_table('otp_challenges',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('conversation_id', sa.String(length=255), nullable=False),
    sa.Column('bhxh_code', sa.String(length=10), nullable=False),
    sa.Column('code_hash', sa.String(length=160), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('failed_attempts', sa.Integer(), nullable=False),
    sa.Column('last_failed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_otp_challenges'))
    )
    op.create_index('ix_otp_challenges_bhxh_created', 'otp_challenges', ['bhxh_code', 'created_at'], unique=False)
    op.create_index(op.f('ix_otp_challenges_conversation_id'), 'otp_challenges', ['conversation_id'], unique=False)
    op.create_table('outbox_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=8), nullable=False),
    sa.Column('recipient', sa.String(length=120), nullable=False),
    sa.Column('purpose', sa.String(length=20), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_messages'))
    )
    op.create_index('ix_outbox_messages_recipient_created', 'outbox_messages', ['recipient', 'created_at'], unique=False)
    op.create_table('people',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('bhxh_code', sa.String(length=10), nullable=False),
    sa.Column('full_name', sa.String(length=100), nullable=False),
    sa.Column('date_of_birth', sa.Date(), nullable=False),
    sa.Column('gender', sa.String(length=6), nullable=False),
    sa.Column('id_number', sa.String(length=12), nullable=False),
    sa.Column('phone', sa.String(length=15), nullable=True),
    sa.Column('email', sa.String(length=120), nullable=True),
    sa.Column('address', sa.String(length=255), nullable=False),
    sa.Column('province_code', sa.String(length=2), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_people')),
    sa.UniqueConstraint('bhxh_code', name=op.f('uq_people_bhxh_code')),
    sa.UniqueConstraint('id_number', name=op.f('uq_people_id_number'))
    )
    op.create_table('benefit_payments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('requested_on', sa.Date(), nullable=False),
    sa.Column('paid_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_benefit_payments_person_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_benefit_payments'))
    )
    op.create_index(op.f('ix_benefit_payments_person_id'), 'benefit_payments', ['person_id'], unique=False)
    op.create_table('bhyt_cards',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('card_number', sa.String(length=15), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_to', sa.Date(), nullable=False),
    sa.Column('clinic_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['clinic_id'], ['bhyt_clinics.id'], name=op.f('fk_bhyt_cards_clinic_id_bhyt_clinics')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_bhyt_cards_person_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bhyt_cards')),
    sa.UniqueConstraint('card_number', name=op.f('uq_bhyt_cards_card_number'))
    )
    op.create_index(op.f('ix_bhyt_cards_person_id'), 'bhyt_cards', ['person_id'], unique=False)
    op.create_table('contribution_periods',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('employer_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('from_month', sa.Date(), nullable=False),
    sa.Column('to_month', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['employer_id'], ['employers.id'], name=op.f('fk_contribution_periods_employer_id_employers')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_contribution_periods_person_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contribution_periods'))
    )
    op.create_index('ix_contribution_periods_person_from', 'contribution_periods', ['person_id', 'from_month'], unique=False)
    op.create_table('verifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('conversation_id', sa.String(length=255), nullable=False),
    sa.Column('bhxh_code', sa.String(length=10), nullable=False),
    sa.Column('challenge_id', sa.Integer(), nullable=False),
    sa.Column('verified_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['challenge_id'], ['otp_challenges.id'], name=op.f('fk_verifications_challenge_id_otp_challenges')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_verifications'))
    )
    op.create_index(op.f('ix_verifications_conversation_id'), 'verifications', ['conversation_id'], unique=False)
    op.create_table('vssid_accounts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('phone', sa.String(length=15), nullable=False),
    sa.Column('email', sa.String(length=120), nullable=True),
    sa.Column('device', sa.String(length=60), nullable=True),
    sa.Column('registered_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_vssid_accounts_person_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_vssid_accounts')),
    sa.UniqueConstraint('person_id', name=op.f('uq_vssid_accounts_person_id'))
    )


def downgrade() -> None:
    op.drop_table('vssid_accounts')
    op.drop_index(op.f('ix_verifications_conversation_id'), table_name='verifications')
    op.drop_table('verifications')
    op.drop_index('ix_contribution_periods_person_from', table_name='contribution_periods')
    op.drop_table('contribution_periods')
    op.drop_index(op.f('ix_bhyt_cards_person_id'), table_name='bhyt_cards')
    op.drop_table('bhyt_cards')
    op.drop_index(op.f('ix_benefit_payments_person_id'), table_name='benefit_payments')
    op.drop_table('benefit_payments')
    op.drop_table('people')
    op.drop_index('ix_outbox_messages_recipient_created', table_name='outbox_messages')
    op.drop_table('outbox_messages')
    op.drop_index(op.f('ix_otp_challenges_conversation_id'), table_name='otp_challenges')
    op.drop_index('ix_otp_challenges_bhxh_created', table_name='otp_challenges')
    op.drop_table('otp_challenges')
    op.drop_table('employers')
    op.drop_index(op.f('ix_bhyt_clinics_province_key'), table_name='bhyt_clinics')
    op.drop_index(op.f('ix_bhyt_clinics_district_key'), table_name='bhyt_clinics')
    op.drop_table('bhyt_clinics')
    op.drop_index(op.f('ix_bhxh_offices_province_key'), table_name='bhxh_offices')
    op.drop_index(op.f('ix_bhxh_offices_district_key'), table_name='bhxh_offices')
    op.drop_table('bhxh_offices')
    op.drop_index(op.f('ix_audit_log_subject_hash'), table_name='audit_log')
    op.drop_index(op.f('ix_audit_log_conversation_id'), table_name='audit_log')
    op.drop_table('audit_log')
