"""One router per group of read models, mounted under /v1."""
