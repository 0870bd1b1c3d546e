"""How the embedded registry runs its read-only lookups."""

# The registry's own writes flush as they finish, so a lookup never needs the session
# flushed first. Without it, each lookup in a turn sent the conversation's changes so far
# (a state, a binding) as an UPDATE of its own; now they go in one at the end (0277).
LOOKUP = {"autoflush": False}
