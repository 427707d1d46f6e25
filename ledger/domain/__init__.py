"""Entry types, payload schemas and the rules of the programme; pure, no I/O."""
