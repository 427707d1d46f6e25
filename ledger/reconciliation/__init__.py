"""Reconciliation: financing tied to verified reductions, attribution, exceptions and reports (pure)."""
