"""Rasa SDK actions of Trợ lý VssID, split by feature.

The action server imports every module of this package and registers each `Action`
subclass it finds, so modules here must have no side effects at import time.
"""
