"""The messages the pages' scripts show (``static/web/proof.js``), translated on the server.

A page hands them to its script as JSON (``templates/web/script_messages.html``), keyed by the English
text the script falls back to; ``{name}`` marks a value the script fills in.
"""

from __future__ import annotations

from flask_babel import gettext


def N_(message: str) -> str:
    """Mark ``message`` for the catalogue; it is translated when a page asks (``messages``)."""
    return message


MESSAGES = (
    N_("checking…"),
    N_("verified"),
    N_("FAILED"),
    N_("FAILED: {reason}"),
    N_("consistent"),
    N_("NOT CONSISTENT"),
    N_("index {index} is not below tree size {size}"),
    N_("the proof is longer than the tree is deep"),
    N_("the proof is shorter than the tree is deep"),
    N_("not a checkpoint note"),
    N_("bad tree size in the checkpoint"),
    N_("{url} answered {status}"),
    N_("the checkpoint's signature does not verify under the log's key"),
    N_("leaf = SHA-256(0x00 ‖ JCS(record))"),
    N_("the record's hash is not the leaf hash the log gives"),
    N_("the proof is for another index or tree size"),
    N_("sibling on the left"),
    N_("sibling on the right"),
    N_("→ node"),
    N_("computed root = checkpoint root {root}:"),
    N_("computed root ≠ checkpoint root {root}:"),
    N_("the audit path does not lead to the checkpoint's root"),
    N_("entry #{index} is in the log at tree size {size}; the checkpoint's Ed25519 signature verifies under the log's key."),
    N_("entry #{index} is in the log at tree size {size}; this browser cannot check Ed25519, so the checkpoint's signature was not checked."),
    N_("signature does not verify"),
    N_("signature verified"),
    N_("signature not checked (no Ed25519 in this browser)"),
    N_("the note is for {origin}, not {latest}"),
    N_("its signature does not verify under the log's current key (a checkpoint signed before a key rotation is checked by `python -m ledger.verify`, which follows the key chain)"),
    N_("it is larger ({size}) than the latest checkpoint ({latest})"),
    N_("the log at size {latest} does not extend this checkpoint: it was rewritten"),
    N_("signed by the log's key, and the latest checkpoint (size {latest}) extends it (size {size})."),
)


def messages() -> dict[str, str]:
    """Every script message in the page's language, keyed by its English text."""
    return {message: gettext(message) for message in MESSAGES}
