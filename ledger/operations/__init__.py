"""Running the server: metrics, one log line per request, and the checks ``serve`` makes before it starts.

These modules watch and refuse; they decide nothing about the ledger. The app factory installs their
hooks, ``greenledger serve`` and ``greenledger config check`` call the checks, and the services know
nothing of them (the one exception, the group committer's round observer, is a plain callback).
"""
