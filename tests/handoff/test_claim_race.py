"""Two agents claim the same ticket at the same moment: exactly one gets it."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from vssid.db.engine import new_session
from vssid.services import tickets as queue

ITERATIONS = 40
AGENTS = ("Lan", "Minh", "Hoa")


def _claim(url: str, ticket_id: int, agent: str, barrier: threading.Barrier) -> str | None:
    with new_session(url) as session:
        barrier.wait()
        try:
            return queue.claim_ticket(session, ticket_id=ticket_id, agent=agent).assigned_agent
        except queue.TicketConflict:
            return None


def test_concurrent_claims_have_exactly_one_winner(db_url: str) -> None:
    with new_session(db_url) as session:
        ids = [
            queue.open_ticket(
                session,
                conversation_id=f"web-race{i}",
                channel="webchat",
                sender_id=str(i),
                topic="",
                reason=queue.REASON_REQUEST_HUMAN,
            )[0].id
            for i in range(ITERATIONS)
        ]
    with ThreadPoolExecutor(max_workers=len(AGENTS)) as pool:
        for ticket_id in ids:
            barrier = threading.Barrier(len(AGENTS))
            results = list(
                pool.map(lambda agent, tid=ticket_id, b=barrier: _claim(db_url, tid, agent, b), AGENTS)
            )
            winners = [r for r in results if r is not None]
            assert len(winners) == 1, results
            with new_session(db_url) as session:
                stored = queue.get_ticket(session, ticket_id=ticket_id)
                assert (stored.status, stored.assigned_agent) == ("assigned", winners[0])
