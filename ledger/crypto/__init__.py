"""Pure cryptography: canonical JSON, Ed25519 envelopes and signed-note checkpoints."""
