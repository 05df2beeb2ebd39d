"""A plugin that fails at import, to show that the others keep working."""

raise RuntimeError("auromat-broken fails on purpose")
