"""Rasa names used from Python (intents, slots, actions, responses) in one place."""

# Intents
INTENT_FAQ = "faq"
INTENT_NLU_FALLBACK = "nlu_fallback"
INTENT_REQUEST_HUMAN = "request_human"

# Core actions
ACTION_SESSION_START = "action_session_start"
ACTION_SUGGEST_TOPICS = "action_suggest_topics"
ACTION_LISTEN = "action_listen"

# Responses
UTTER_GREET = "utter_greet"
UTTER_ASK_REPHRASE = "utter_ask_rephrase"
UTTER_OFFER_HOTLINE = "utter_offer_hotline"
UTTER_FAQ_PREFIX = "utter_faq/"

# Records
UTTER_SESSION_WELCOME = "utter_session_welcome"
ACTION_HANDOFF = "action_handoff"
