"""Rasa input channels of Trợ lý VssID (web widget, Telegram, agent console)."""
