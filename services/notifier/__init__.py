"""Notifier: tells the right people what the audit cycle needs of them, from the event feed.

It follows the ledger's published envelopes, keeps a small read model (staff, audits, actions,
cycles), applies the rules of SPEC section 4 (on events and on deadlines from a settable clock),
and delivers through an outbox keyed by (cause event, rule, recipient), so a replay sends nothing
twice. Each delivery is recorded back in the ledger as NotificationDelivered.
"""
