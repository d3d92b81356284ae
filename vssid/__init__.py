"""Shared runtime code for Trợ lý VssID (settings, privacy, stores, NLU components)."""
