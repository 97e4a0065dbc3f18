"""Infrastructure of the notifier: its SQL store, delivery channels and the ledger receipt sink."""
