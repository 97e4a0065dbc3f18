"""Read-model queries: plain SQL over the projectors' tables, returning plain data."""
