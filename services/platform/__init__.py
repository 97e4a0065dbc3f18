"""Cross-cutting adapters every service uses: identity (JWT), HTTP problem responses, logging.

Not a contract and not domain: nothing here knows about audits.
"""
