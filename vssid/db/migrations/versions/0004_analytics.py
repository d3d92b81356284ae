"""Operator analytics: cursor, daily counters, conversation state, first replies, unanswered messages.

Revision ID: 0004_analytics
Revises: 0003_access
Create Date: 2026-12-02
"""
from alembic import op
import sqlalchemy as sa

revision = "0004_analytics"
down_revision = "0003_access"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "analytics_cursor",
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("last_event_id", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("source", name=op.f("pk_analytics_cursor")),
    )
    op.create_table(
        "analytics_daily",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("metric", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "channel", "metric", "key", name=op.f("pk_analytics_daily")),
    )
    op.create_table(
        "analytics_conversation_days",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("conversation_id", sa.String(length=255), nullable=False),
        sa.PrimaryKeyConstraint("day", "conversation_id", name=op.f("pk_analytics_conversation_days")),
    )
    op.create_table(
        "analytics_conversations",
        sa.Column("conversation_id", sa.String(length=255), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("last_topic", sa.String(length=100), nullable=True),
        sa.Column("escalated_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("conversation_id", name=op.f("pk_analytics_conversations")),
    )
    op.create_table(
        "analytics_first_replies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("conversation_id", sa.String(length=255), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analytics_first_replies")),
    )
    op.create_index(op.f("ix_analytics_first_replies_day"), "analytics_first_replies", ["day"])
    op.create_table(
        "analytics_unanswered",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.BigInteger(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("conversation_id", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("guess", sa.String(length=100), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analytics_unanswered")),
        sa.UniqueConstraint("event_id", name=op.f("uq_analytics_unanswered_event_id")),
    )
    op.create_index("ix_analytics_unanswered_day_kind", "analytics_unanswered", ["day", "kind"])


def downgrade() -> None:
    op.drop_index("ix_analytics_unanswered_day_kind", table_name="analytics_unanswered")
    op.drop_table("analytics_unanswered")
    op.drop_index(op.f("ix_analytics_first_replies_day"), table_name="analytics_first_replies")
    op.drop_table("analytics_first_replies")
    op.drop_table("analytics_conversations")
    op.drop_table("analytics_conversation_days")
    op.drop_table("analytics_daily")
    op.drop_table("analytics_cursor")
