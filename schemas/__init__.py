"""The published contract of QA Ledger: event payloads, the envelope and audit tool definitions.

Everything another service needs to understand the ledger's events lives here, and nothing
here imports a service. Projections, notifier and outside subscribers depend on this package only.
"""
