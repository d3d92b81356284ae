"""Faults injected into the running stack: the action server frozen (SIGSTOP) or killed and
restarted, PostgreSQL connections killed (pg_terminate_backend). The user always gets an answer
within the action timeout, the assistant recovers by itself, and nothing is lost."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import sqlalchemy as sa
import yaml
from sqlalchemy.orm import sessionmaker

from tests.security.conftest import AN, Chat
from vssid.db.engine import make_engine
from vssid.db.tickets import Ticket
from vssid.remote_actions import UNAVAILABLE_MESSAGE
from vssid.settings import PROJECT_ROOT

pytestmark = pytest.mark.e2e

ASK = "thẻ bhyt của tôi còn hạn không"


@contextmanager
def frozen_action_server(rasa_stack: Any) -> Iterator[None]:
    rasa_stack.stack.signal("actions", signal.SIGSTOP)
    try:
        yield
    finally:
        rasa_stack.stack.signal("actions", signal.SIGCONT)


@contextmanager
def stopped_action_server(rasa_stack: Any) -> Iterator[None]:
    rasa_stack.stack.stop_actions()
    try:
        yield
    finally:
        rasa_stack.stack.start_actions()


def _response(name: str) -> str:
    return yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))["responses"][name][0][
        "text"
    ]


def _healthy_answer(new_chat: Any) -> list[str]:
    """What ASK gets when all is well (checked on a control conversation)."""
    expected = [_response("utter_verification_needed"), _response("utter_ask_verification_identifier")]
    control = new_chat("control")
    control.say("xin chào")
    assert control.say(ASK) == expected
    return expected


@pytest.mark.parametrize("fault", [frozen_action_server, stopped_action_server], ids=["frozen", "killed"])
def test_action_server_fault_gets_the_hotline_message_then_recovers(
    rasa_stack: Any, new_chat: Any, fault: Any
) -> None:
    expected = _healthy_answer(new_chat)
    assert expected and UNAVAILABLE_MESSAGE not in expected
    chat = new_chat("fault")
    chat.say("xin chào")
    with fault(rasa_stack):
        assert chat.say(ASK) == [UNAVAILABLE_MESSAGE]
        assert chat.say(ASK) == [UNAVAILABLE_MESSAGE]  # every turn answers, none hangs
    assert chat.say(ASK) == expected


def test_a_fault_inside_the_verification_form_ends_it_politely(
    rasa_stack: Any, new_chat: Any, records: Any
) -> None:
    chat = new_chat("fault-form")
    chat.say("xin chào")
    chat.say(ASK)
    assert "09xx xxx 678" in chat.joined(AN)  # OTP sent, the form now waits for it
    with stopped_action_server(rasa_stack):
        assert chat.say(records.otp(bhxh_code=AN)) == [UNAVAILABLE_MESSAGE]  # the form ends
    # After the restart the user starts again and gets through (the limits allow a new code).
    assert "mã số BHXH" in chat.joined(ASK)
    assert "09xx xxx 678" in chat.joined(AN)
    reply = chat.say(records.otp(bhxh_code=AN))
    assert reply[0].startswith("Xác minh thành công") and any("Thẻ BHYT số" in t for t in reply)


def _kill_connections(admin_url: str, *databases: str) -> int:
    engine = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT", future=True)
    with engine.connect() as conn:
        killed = conn.execute(
            sa.text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = ANY(:names) AND pid <> pg_backend_pid()"
            ),
            {"names": list(databases)},
        ).scalar_one()
    engine.dispose()
    return killed


@pytest.fixture
def kill_database_connections(rasa_stack: Any) -> Any:
    url = rasa_stack.env["DATABASE_URL"]
    if not url.startswith("postgresql"):
        pytest.skip("the stack runs on SQLite (set TEST_DATABASE_URL)")
    names = [sa.engine.make_url(rasa_stack.env[k]).database for k in ("DATABASE_URL", "TRACKER_STORE_URL")]
    return lambda: _kill_connections(url, *names)


@pytest.mark.postgres
def test_killed_database_connections_lose_no_otp(
    new_chat: Any, records: Any, kill_database_connections: Any
) -> None:
    chat = new_chat("pgkill")
    chat.say("xin chào")
    chat.say(ASK)
    assert "09xx xxx 678" in chat.joined(AN)
    code = records.otp(bhxh_code=AN)
    assert kill_database_connections() >= 2  # Rasa's tracker store and the action server's pool
    reply = chat.say(code)
    assert UNAVAILABLE_MESSAGE not in reply
    assert reply[0].startswith("Xác minh thành công") and any("Thẻ BHYT số" in t for t in reply)


@pytest.mark.postgres
def test_killed_database_connections_lose_no_handoff_message(
    rasa_stack: Any, new_chat: Any, kill_database_connections: Any
) -> None:
    chat: Chat = new_chat("pgkill-handoff")
    chat.say("xin chào")
    chat.say("/request_human")
    chat.say("/deny")  # no callback
    assert kill_database_connections() >= 2
    reply = chat.say("tin nhắn gửi ngay sau sự cố")
    assert UNAVAILABLE_MESSAGE not in reply
    engine = make_engine(rasa_stack.env["DATABASE_URL"])
    with sessionmaker(bind=engine, future=True)() as session:
        ticket = session.execute(sa.select(Ticket).where(Ticket.conversation_id == chat.sender)).scalar_one()
        assert "tin nhắn gửi ngay sau sự cố" in [m.text for m in ticket.messages]
    engine.dispose()


@contextmanager
def locked_verification_tables(database_url: str) -> Iterator[None]:
    """Another client holds the verification tables (SQLite: the write lock of the file)."""
    engine = sa.create_engine(database_url, future=True)
    conn = engine.connect()
    try:
        if database_url.startswith("sqlite"):
            conn.exec_driver_sql("BEGIN EXCLUSIVE")
        else:
            conn.begin()
            conn.execute(
                sa.text("LOCK TABLE otp_challenges, verifications, outbox_messages IN ACCESS EXCLUSIVE MODE")
            )
        yield
    finally:
        conn.rollback()
        conn.close()
        engine.dispose()


def test_a_locked_database_gets_the_hotline_message_then_recovers(
    rasa_stack: Any, new_chat: Any, records: Any
) -> None:
    chat = new_chat("dblock")
    chat.say("xin chào")
    chat.say(ASK)
    with locked_verification_tables(rasa_stack.env["DATABASE_URL"]):
        assert chat.say(AN) == [UNAVAILABLE_MESSAGE]  # the OTP could not be stored: none is sent
    assert chat.say(ASK) == _healthy_answer(new_chat)
    assert "09xx xxx 678" in chat.joined(AN)
    reply = chat.say(records.otp(bhxh_code=AN))
    assert reply[0].startswith("Xác minh thành công") and any("Thẻ BHYT số" in t for t in reply)
