"""Developer tooling that is not a service: a local distributed orchestrator, an SMTP catcher, the demo.

Nothing under `services/` imports this package; the Docker image does not ship it.
"""
