"""Offline verification: receipts, checkpoints and proofs, with no server and no database."""
