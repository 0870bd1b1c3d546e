"""Debt negotiation: the collection rules (pure) and their data."""
