"""Database layer: one declarative `Base`, models per feature module, Alembic migrations.

Model modules (records.py, verification.py, tickets.py, ...) each define tables on
`vssid.db.base.Base`; `vssid.db.base.import_models()` imports them all for Alembic.
"""
