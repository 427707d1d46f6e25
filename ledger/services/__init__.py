"""Use cases: verify, validate, append, project and prove; orchestrates the pure core over ports."""
