"""Agents' hashed console tokens, the agents' audit log, web chat sessions, held tickets.

Revision ID: 0003_access
Revises: 0002_handoff
Create Date: 2026-12-02
"""
from alembic import op
import sqlalchemy as sa

revision = "0003_access"
down_revision = "0002_handoff"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "agents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("token_issued_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agents")),
        sa.UniqueConstraint("name", name=op.f("uq_agents_name")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_agents_token_hash")),
    )
    op.create_table(
        "agent_audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("agent_name", sa.String(length=100), nullable=True),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("client_hash", sa.String(length=64), nullable=True),
        sa.Column("detail", sa.String(length=255), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agent_audit_log")),
    )
    op.create_index("ix_agent_audit_log_client_created", "agent_audit_log", ["client_hash", "created_at"])
    op.create_table(
        "webchat_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.String(length=255), nullable=False),
        sa.Column("client_hash", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webchat_sessions")),
        sa.UniqueConstraint("conversation_id", name=op.f("uq_webchat_sessions_conversation_id")),
    )
    op.create_index(op.f("ix_webchat_sessions_client_hash"), "webchat_sessions", ["client_hash"])
    with op.batch_alter_table("handoff_tickets") as batch:
        batch.add_column(sa.Column("held", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("handoff_tickets") as batch:
        batch.drop_column("held")
    op.drop_index(op.f("ix_webchat_sessions_client_hash"), table_name="webchat_sessions")
    op.drop_table("webchat_sessions")
    op.drop_index("ix_agent_audit_log_client_created", table_name="agent_audit_log")
    op.drop_table("agent_audit_log")
    op.drop_table("agents")
