"""The one interface channels call for who may come in: agents' tokens and web chat sessions.

Like `TicketService`, it opens a session per call and lets the functions of
`vssid.services.agents` and `vssid.services.web_sessions` own the transaction; callers get plain
values, never ORM rows. Methods are blocking; async callers use `vssid.aio.run_blocking`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from vssid.services import agents, web_sessions
from vssid.services.agents import AgentInfo


class AccessService:
    """`sessions` fixed, or (default) the factory of DATABASE_URL looked up on every call."""

    def __init__(self, sessions: sessionmaker | None = None) -> None:
        self._fixed = sessions

    @classmethod
    def from_settings(cls) -> AccessService:
        return cls()

    def _sessions(self) -> Session:
        if self._fixed is not None:
            return self._fixed()
        from vssid.db.engine import new_session

        return new_session()

    # --- agents ----------------------------------------------------------------------------

    def authenticate_agent(self, *, token: str | None, client: str | None) -> str | None:
        """The agent's name, or None (audited); `agents.LockedOut` after too many failures."""
        with self._sessions() as session:
            return agents.authenticate(session, token=token, client=client)

    def audit_agent_action(
        self,
        *,
        action: str,
        agent: str,
        ticket_id: int | None = None,
        client: str | None = None,
        outcome: str = agents.OUTCOME_OK,
        detail: str | None = None,
    ) -> None:
        with self._sessions() as session:
            agents.audit_action(
                session,
                action=action,
                agent=agent,
                ticket_id=ticket_id,
                client=client,
                outcome=outcome,
                detail=detail,
            )

    def issue_agent_token(self, *, name: str) -> str:
        with self._sessions() as session:
            return agents.issue_token(session, name=name)

    def revoke_agent_token(self, *, name: str) -> None:
        with self._sessions() as session:
            agents.revoke_token(session, name=name)

    def list_agents(self) -> list[AgentInfo]:
        with self._sessions() as session:
            return agents.list_agents(session)

    # --- web chat sessions -----------------------------------------------------------------

    def register_web_session(self, *, conversation_id: str, client: str | None, expires_at: datetime) -> None:
        with self._sessions() as session:
            web_sessions.register(
                session, conversation_id=conversation_id, client=client, expires_at=expires_at
            )

    def web_session_active(self, *, conversation_id: str) -> bool:
        with self._sessions() as session:
            return web_sessions.is_active(session, conversation_id=conversation_id)

    def end_web_session(self, *, conversation_id: str) -> bool:
        with self._sessions() as session:
            return web_sessions.revoke(session, conversation_id=conversation_id)
