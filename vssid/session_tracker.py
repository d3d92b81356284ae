"""A tracker whose history-wide values cost the same at message 200 as at message 1.

Rasa 3.6 derives several values from *every* event of the session, several times per message
(bench/RESULTS.md, "Speed"):

- `applied_events()`, the events left once reverted turns and the steps of a form are undone: twice
  per message in the session-expiry check and once per policy prediction. With a form in the
  session it is quadratic (every form step copies the whole list).
- the state of every turn, which MemoizationPolicy and RulePolicy rebuild from a replay of the
  applied events on every prediction, then use only the last few of (`past_states`);
- a replay of all events in `copy()` (before every action) and when the store rebuilds the tracker.

Each is a left fold over the events. `SessionTracker` keeps each fold's state at a few points
(checkpoints) and goes on from the longest one whose events are a prefix of its own, compared by
identity (`is`). The tracker store gives the same event objects for the same rows
(vssid/session_cache.py), so message N+1 continues where message N stopped; with no usable
checkpoint (a new session, an edited history, another process) it computes from the start. The
steps are Rasa's: its helper methods are called, and the two loops mirrored here are checked
against Rasa's own source and results by tests/test_session_tracker.py.

`recent_states` gives the last states only; vssid/rasa_speedups.py hands those to the two
policies, which look at no more of them (the argument is there).
"""

from __future__ import annotations

import copy
import operator
import threading
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from itertools import islice
from typing import Any, Generic, TypeVar

from rasa.shared.core.constants import PREVIOUS_ACTION
from rasa.shared.core.domain import Domain, State
from rasa.shared.core.events import (
    ActionExecuted,
    ActionReverted,
    ActiveLoop,
    Event,
    Restarted,
    SessionStarted,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.slots import Slot
from rasa.shared.core.trackers import DialogueStateTracker

# States kept per checkpoint: enough for every window a policy asks (Memoization: max_history,
# Rule: its longest rule); a longer window is computed by Rasa from the start.
STATES_TAIL = 16
# Conversations whose folds one process keeps (the least recently used go first).
DEFAULT_MAX_CONVERSATIONS = 256

C = TypeVar("C", bound="_Checkpoint")
T = TypeVar("T", bound=DialogueStateTracker)


def clone(
    tracker: DialogueStateTracker, cls: type[DialogueStateTracker] | None = None
) -> DialogueStateTracker:
    """A tracker in the state of `tracker` that shares nothing an event changes in place.

    Equal to replaying the same events into a new tracker, without the replay: slots and the
    active loop are copied (as Rasa's constructor copies slots); events, messages and
    latest_action are immutable once logged and shared, as a replay shares them. The empty
    message a reset leaves (`UserUttered.empty()`) is no logged event: it is copied, as a
    replay would make its own.
    """
    twin = object.__new__(cls or type(tracker))
    twin.__dict__.update(tracker.__dict__)
    twin.events = deque(tracker.events, tracker.events.maxlen)
    twin.slots = type(tracker.slots)((name, copy_slot(slot)) for name, slot in tracker.slots.items())
    twin.active_loop = copy.copy(tracker.active_loop)
    if tracker.latest_message is not None and tracker.latest_message.is_empty():
        twin.latest_message = copy.deepcopy(tracker.latest_message)
    return twin


def copy_slot(slot: Slot) -> Slot:
    """`copy.copy(slot)`, as Rasa's tracker copies each slot, without copy's generic protocol
    (Rasa's slots are plain objects: tests/test_session_tracker.py)."""
    twin = object.__new__(type(slot))
    twin.__dict__.update(slot.__dict__)
    return twin


def _starts_with(events: Sequence[Event], prefix: tuple[Event, ...]) -> bool:
    """Whether `events` begins with exactly the objects of `prefix` (the last one first: cheap)."""
    if len(events) < len(prefix) or (prefix and events[len(prefix) - 1] is not prefix[-1]):
        return False
    return all(map(operator.is_, events, prefix))


def _common_length(left: Sequence[Any], right: Sequence[Any]) -> int:
    """Length of the longest common prefix of two sequences, compared by identity."""
    same = list(map(operator.is_, left, right))
    return same.index(False) if False in same else len(same)


@dataclass(frozen=True)
class _Checkpoint:
    """A fold's state after folding `done` (object identities)."""

    done: tuple[Any, ...]


class _Checkpoints(Generic[C]):
    """The checkpoints of one fold: at events that came from the store (they stay valid for the
    next message) and the latest (for the next prediction of this one)."""

    def __init__(self, stable: int = 1) -> None:
        self._stable: deque[C] = deque(maxlen=stable)
        self._recent: deque[C] = deque(maxlen=1)

    def best(self, items: Sequence[Any]) -> C | None:
        """The checkpoint with the longest `done` that `items` starts with."""
        candidates = sorted((*self._recent, *self._stable), key=lambda c: len(c.done), reverse=True)
        return next((c for c in candidates if _starts_with(items, c.done)), None)

    def add(self, checkpoint: C, *, stable: bool) -> None:
        (self._stable if stable else self._recent).append(checkpoint)


@dataclass(frozen=True)
class _Replay(_Checkpoint):
    """A new tracker after `update()` with each event of `done`; never handed out."""

    tracker: DialogueStateTracker


@dataclass(frozen=True)
class _Applied(_Checkpoint):
    """`applied_events()` of the events `done`, whose ActiveLoop names are `loop_names`."""

    loop_names: frozenset[str]
    applied: tuple[Event, ...]


@dataclass(frozen=True)
class _States(_Checkpoint):
    """`states_for_tracker_history` after the applied events `done`: the replay tracker, the last
    states and the loop's two flags (see `_StatesFold.step`)."""

    replay: DialogueStateTracker
    tail: tuple[State, ...]
    last_ml_action: Any
    turn_was_hidden: bool


StatesKey = tuple[bool, bool, Any]


@dataclass
class ConversationFolds:
    """The checkpoints of one conversation, shared by its trackers.

    `domain` is the one whose slots the trackers were built with (the store's); `states_domain`
    the one the policies computed states with (the model's).
    """

    domain: Domain | None = None
    replay: _Checkpoints[_Replay] = field(default_factory=_Checkpoints)
    applied: _Checkpoints[_Applied] = field(default_factory=_Checkpoints)
    states_domain: Domain | None = None
    states: dict[StatesKey, _Checkpoints[_States]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


class FoldCache:
    """`ConversationFolds` per conversation, least recently used first out; one domain."""

    def __init__(self, max_conversations: int = DEFAULT_MAX_CONVERSATIONS) -> None:
        self._max = max_conversations
        self._folds: OrderedDict[str, ConversationFolds] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, sender_id: str, domain: Domain) -> ConversationFolds:
        with self._lock:
            folds = self._folds.get(sender_id)
            if folds is None or folds.domain is not domain:  # a new model: nothing carries over
                folds = self._folds[sender_id] = ConversationFolds(domain=domain)
            self._folds.move_to_end(sender_id)
            while len(self._folds) > self._max:
                self._folds.popitem(last=False)
            return folds


def _loop_names(events: Iterable[Event]) -> set[str]:
    return {event.name for event in events if isinstance(event, ActiveLoop) and event.name}


def _fold_applied(
    tracker: DialogueStateTracker, applied: list[Event], events: Iterable[Event], loop_names: frozenset[str]
) -> None:
    """The loop of `DialogueStateTracker.applied_events`, continued from `applied` (changed in place)."""
    for event in events:
        if isinstance(event, (Restarted, SessionStarted)):
            applied.clear()
        elif isinstance(event, ActionReverted):
            DialogueStateTracker._undo_till_previous(ActionExecuted, applied)
        elif isinstance(event, UserUtteranceReverted):
            DialogueStateTracker._undo_till_previous(UserUttered, applied)
            DialogueStateTracker._undo_till_previous(ActionExecuted, applied)
        elif (
            isinstance(event, ActionExecuted)
            and event.action_name in loop_names
            and not tracker._first_loop_execution_or_unhappy_path(event.action_name, applied)
        ):
            DialogueStateTracker._undo_till_previous_loop_execution(event.action_name, applied)
        else:
            applied.append(event)


@dataclass
class _StatesFold:
    """The loop of `Domain.states_for_tracker_history` over `generate_all_prior_trackers`."""

    domain: Domain
    omit_unset_slots: bool
    ignore_rule_only_turns: bool
    rule_only_data: dict[str, Any] | None
    replay: DialogueStateTracker
    tail: list[State]
    last_ml_action: Any = None
    turn_was_hidden: bool = False

    @classmethod
    def resume(cls, checkpoint: _States, *, extend: bool, **settings: Any) -> _StatesFold:
        """Continue from `checkpoint`; its replay is copied only if more events will come."""
        return cls(
            replay=clone(checkpoint.replay) if extend else checkpoint.replay,
            tail=list(checkpoint.tail),
            last_ml_action=checkpoint.last_ml_action,
            turn_was_hidden=checkpoint.turn_was_hidden,
            **settings,
        )

    def checkpoint(self, done: tuple[Event, ...], *, keep_replay: bool = False) -> _States:
        return _States(
            done=done,
            replay=self.replay if keep_replay else clone(self.replay),
            tail=tuple(self.tail),
            last_ml_action=self.last_ml_action,
            turn_was_hidden=self.turn_was_hidden,
        )

    def step(self, tracker: DialogueStateTracker, hide_rule_turn: bool) -> None:
        """One turn of Rasa's loop: the state of `tracker` (before an action), unless hidden."""
        domain = self.domain
        if self.ignore_rule_only_turns:
            if not self.turn_was_hidden:
                self.last_ml_action = domain._get_prev_action_sub_state(tracker)
            if not tracker.followup_action and not tracker.latest_action_name == tracker.active_loop_name:
                self.turn_was_hidden = hide_rule_turn
            if self.turn_was_hidden:
                return
        state = domain.get_active_state(tracker, omit_unset_slots=self.omit_unset_slots)
        if self.ignore_rule_only_turns:
            domain._remove_rule_only_features(state, self.rule_only_data)
            if self.tail:
                domain._substitute_rule_only_user_input(state, self.tail[-1])
            if self.last_ml_action:
                state[PREVIOUS_ACTION] = self.last_ml_action
        self.tail.append(domain._clean_state(state))
        if len(self.tail) > STATES_TAIL:
            del self.tail[0]

    def final_states(self) -> list[State]:
        """The kept states plus the state after the last event (Rasa's last `yield`)."""
        end = _StatesFold(
            domain=self.domain,
            omit_unset_slots=self.omit_unset_slots,
            ignore_rule_only_turns=self.ignore_rule_only_turns,
            rule_only_data=self.rule_only_data,
            replay=self.replay,
            tail=list(self.tail),
            last_ml_action=self.last_ml_action,
            turn_was_hidden=self.turn_was_hidden,
        )
        end.step(self.replay, False)
        return end.tail


def _copy_state(state: State) -> State:
    """A state whose sub-states callers may change (the featurizer deletes keys in place)."""
    return {key: dict(value) if isinstance(value, dict) else value for key, value in state.items()}


def _rule_only_key(rule_only_data: dict[str, Any] | None) -> Any:
    if not rule_only_data:
        return None
    return tuple(sorted((key, tuple(values)) for key, values in rule_only_data.items()))


class SessionTracker(DialogueStateTracker):
    """DialogueStateTracker with incremental `applied_events`, `copy` and `recent_states`.

    Every value equals the one Rasa computes; only the work differs. A tracker made by the store
    (`from_store`) shares its conversation's checkpoints; any other starts with its own.
    """

    _folds: ConversationFolds
    _stored_events: tuple[Event, ...]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._folds = ConversationFolds()
        self._stored_events = ()

    @classmethod
    def from_store(
        cls, sender_id: str, events: Sequence[Event], slots: Iterable[Slot], folds: ConversationFolds
    ) -> SessionTracker:
        """= `DialogueStateTracker.from_events(sender_id, events, slots)`, replaying only the
        events after the conversation's longest matching checkpoint."""
        stored = tuple(events)
        slots = list(slots)
        with folds.lock:
            tracker = _replayed(
                folds, stored, lambda: DialogueStateTracker(sender_id, slots), cls, stable=True
            )
        tracker._folds = folds
        tracker._stored_events = stored
        return tracker

    def _is_plain(self) -> bool:
        """Only trackers like the store's use the checkpoints (no event cap, not a rule)."""
        return self.events.maxlen is None and not self.is_rule_tracker

    def copy(self) -> DialogueStateTracker:
        """Rasa's `copy()` (a replay of every event into a new tracker), from a checkpoint."""
        if not self._is_plain():
            return super().copy()
        events = tuple(self.events)
        with self._folds.lock:
            twin = _replayed(self._folds, events, self.init_copy, SessionTracker, stable=False)
        twin._folds = self._folds
        twin._stored_events = self._stored_events
        return twin

    def applied_events(self) -> list[Event]:
        """Rasa's `applied_events()`, folding only the events after a checkpoint."""
        if not self._is_plain():
            return super().applied_events()
        with self._folds.lock:
            return list(self._applied(tuple(self.events)).applied)

    def _applied(self, events: tuple[Event, ...]) -> _Applied:
        checkpoints = self._folds.applied
        best = checkpoints.best(events)
        if best is not None and len(best.done) == len(events):
            return best
        stable = len(events) == len(self._stored_events) and _starts_with(events, self._stored_events)
        new_events = events[len(best.done) :] if best is not None else ()
        if best is not None and _loop_names(new_events) <= best.loop_names:
            applied = list(best.applied)
            _fold_applied(self, applied, new_events, best.loop_names)
            result = _Applied(done=events, loop_names=best.loop_names, applied=tuple(applied))
        else:  # from the start: a loop name first seen now changes how earlier events count
            result = _Applied(
                done=events,
                loop_names=frozenset(_loop_names(events)),
                applied=tuple(_rasa_applied_events(events)),
            )
        checkpoints.add(result, stable=stable)
        return result

    def recent_states(
        self,
        domain: Domain,
        count: int,
        *,
        omit_unset_slots: bool = False,
        ignore_rule_only_turns: bool = False,
        rule_only_data: dict[str, Any] | None = None,
    ) -> list[State]:
        """`self.past_states(...)[-count:]`, from the checkpoints (fresh objects)."""
        if count > STATES_TAIL or not self._is_plain():
            return self.past_states(
                domain,
                omit_unset_slots=omit_unset_slots,
                ignore_rule_only_turns=ignore_rule_only_turns,
                rule_only_data=rule_only_data,
            )[-count:]
        settings = {
            "domain": domain,
            "omit_unset_slots": omit_unset_slots,
            "ignore_rule_only_turns": ignore_rule_only_turns,
            "rule_only_data": rule_only_data,
        }
        with self._folds.lock:
            applied = self._applied(tuple(self.events)).applied
            fold = self._states_fold(applied, settings)
        return [_copy_state(state) for state in fold.final_states()[-count:]]

    def _stable_applied(self) -> tuple[Event, ...]:
        """Applied events of the part that came from the store (valid for the next message)."""
        if not self._stored_events or not _starts_with(self.events, self._stored_events):
            return ()
        return self._applied(self._stored_events).applied

    def _states_fold(self, applied: tuple[Event, ...], settings: dict[str, Any]) -> _StatesFold:
        folds = self._folds
        if folds.states_domain is not settings["domain"]:
            folds.states.clear()
            folds.states_domain = settings["domain"]
        key = (
            settings["omit_unset_slots"],
            settings["ignore_rule_only_turns"],
            _rule_only_key(settings["rule_only_data"]),
        )
        # Two at the store's part: the next message may undo the last turn of it (a form's step).
        checkpoints = folds.states.setdefault(key, _Checkpoints(stable=2))
        best = checkpoints.best(applied)
        start = len(best.done) if best is not None else 0
        if best is not None:
            fold = _StatesFold.resume(best, extend=start < len(applied), **settings)
            if start == len(applied):
                return fold
        else:
            fold = _StatesFold(replay=_states_replay(self), tail=[], **settings)
        # Checkpoints at the last two turns wholly inside the store's part: the next message's
        # tracker starts with the same objects there (later ones are this process's own).
        stable_end = _common_length(applied, self._stable_applied())
        turns = (
            index
            for index in range(min(stable_end, len(applied) - 1), start, -1)
            if isinstance(applied[index], ActionExecuted)
        )
        marks = set(islice(turns, 2))
        for index in range(start, len(applied)):
            event = applied[index]
            if isinstance(event, ActionExecuted):
                if index in marks:
                    checkpoints.add(fold.checkpoint(applied[:index]), stable=True)
                fold.step(fold.replay, event.hide_rule_turn)
            fold.replay.update(event)
        checkpoints.add(fold.checkpoint(applied, keep_replay=True), stable=False)
        return fold


def _states_replay(tracker: DialogueStateTracker) -> DialogueStateTracker:
    """The tracker `generate_all_prior_trackers` replays into (`init_copy()`), without keeping
    events: no step reads them, and no applied event's `apply_to` does (tests)."""
    replay = tracker.init_copy()
    replay.events = deque(maxlen=0)
    return replay


def _rasa_applied_events(events: tuple[Event, ...]) -> list[Event]:
    """Rasa's own `applied_events()` of `events` (from the start)."""
    probe = object.__new__(DialogueStateTracker)
    probe.events = deque(events)
    return DialogueStateTracker.applied_events(probe)


def _replayed(
    folds: ConversationFolds,
    events: tuple[Event, ...],
    new_tracker: Callable[[], DialogueStateTracker],
    cls: type[T],
    *,
    stable: bool,
) -> T:
    """A `cls` after `update()` with every event (Rasa's `from_events` / `copy`), continued
    from the longest matching checkpoint; the result is a fresh object the caller may keep."""
    best = folds.replay.best(events)
    if best is not None and len(best.done) == len(events):
        return clone(best.tracker, cls)  # type: ignore[return-value]
    replay = clone(best.tracker) if best is not None else new_tracker()
    for event in islice(events, len(best.done) if best is not None else 0, None):
        replay.update(event)
    folds.replay.add(_Replay(done=events, tracker=replay), stable=stable)
    return clone(replay, cls)  # type: ignore[return-value]
