"""Hotline escalation queue: handoff tickets and their messages.

Revision ID: 0002_handoff
Revises: 0001_records
Create Date: 2026-11-25
"""
from alembic import op
import sqlalchemy as sa

revision = "0002_handoff"
down_revision = "0001_records"
branch_labels = None
depends_on = None

_ACTIVE = sa.text("status IN ('open', 'assigned')")


def upgrade() -> None:
    op.create_table(
        "handoff_tickets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.String(length=255), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("sender_id", sa.String(length=255), nullable=False),
        sa.Column("topic", sa.String(length=500), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("priority", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("callback_phone", sa.String(length=20), nullable=True),
        sa.Column("assigned_agent", sa.String(length=100), nullable=True),
        sa.Column("rating", sa.String(length=16), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("rated_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status IN ('open', 'assigned', 'resolved')", name=op.f("ck_handoff_tickets_status")),
        sa.CheckConstraint("priority IN ('normal', 'high')", name=op.f("ck_handoff_tickets_priority")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handoff_tickets")),
    )
    op.create_index(op.f("ix_handoff_tickets_conversation_id"), "handoff_tickets", ["conversation_id"])
    op.create_index("ix_handoff_tickets_status_created", "handoff_tickets", ["status", "created_at"])
    op.create_index("uq_handoff_tickets_active_conversation", "handoff_tickets", ["conversation_id"],
                    unique=True, sqlite_where=_ACTIVE, postgresql_where=_ACTIVE)
    op.create_table(
        "handoff_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("author", sa.String(length=16), nullable=False),
        sa.Column("agent_name", sa.String(length=100), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["ticket_id"], ["handoff_tickets.id"], ondelete="CASCADE",
                                name=op.f("fk_handoff_messages_ticket_id_handoff_tickets")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handoff_messages")),
    )
    op.create_index(op.f("ix_handoff_messages_ticket_id"), "handoff_messages", ["ticket_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_handoff_messages_ticket_id"), table_name="handoff_messages")
    op.drop_table("handoff_messages")
    op.drop_index("uq_handoff_tickets_active_conversation", table_name="handoff_tickets")
    op.drop_index("ix_handoff_tickets_status_created", table_name="handoff_tickets")
    op.drop_index(op.f("ix_handoff_tickets_conversation_id"), table_name="handoff_tickets")
    op.drop_table("handoff_tickets")
