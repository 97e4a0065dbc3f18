"""Examples for teams that integrate with QA Ledger."""
