"""The projections' HTTP API: queries only, under /v1."""
