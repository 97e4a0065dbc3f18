"""Projections: read models of the audit cycle, built only from the ledger's published envelopes.

Each projector keeps a few denormalised tables and its own tracking row (position), written in the
same transaction as its rows, so a replay changes nothing. Queries read those tables with plain SQL.
"""
