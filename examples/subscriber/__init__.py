"""The reference subscriber: see subscriber.py and the README's "Subscribing to events"."""
