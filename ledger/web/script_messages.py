"""The messages the pages' scripts show (``static/web/proof.js``, ``sign.js``, ``witnesses.js``), translated on the server.

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
    # sign.js: the write forms
    N_("no key loaded"),
    N_("key {key} loaded"),
    N_("key {key} loaded and kept in this browser until you sign out"),
    N_("this file is not a PEM key file"),
    N_("this key file is encrypted: the page loads only an unencrypted PKCS#8 key file"),
    N_("this file holds a {what}, not a private key"),
    N_("this file is not an Ed25519 private key, or this browser cannot sign with Ed25519"),
    N_("this key ({key}) is not one of {party}'s keys in the registry: choose {party}'s own key file"),
    N_("load your private key file first"),
    N_("required"),
    N_("a whole number, such as 2025"),
    N_("too large a number"),
    N_("between {min} and {max}"),
    N_("at least {min}"),
    N_("at most {max}"),
    N_("write the amount without thousands separators, such as 1250000.00"),
    N_("a decimal number, such as 1250000.00"),
    N_("at most {places} decimal places"),
    N_("a UTC time such as 2026-11-24T10:00:00Z, or a date such as 2026-11-24"),
    N_("at least {min} characters"),
    N_("at most {max} characters"),
    N_("not in the form this field takes: see the example in the empty field"),
    N_("base64 of {n} bytes"),
    N_("base64 text"),
    N_("not valid JSON: {reason}"),
    N_("a JSON object, in braces { }"),
    N_("signing and sending…"),
    N_("the server could not be reached: submit again to send the same signed entry (it is never recorded twice)"),
    N_("Submit again to send the same signed entry (it is never recorded twice)."),
    N_("the server answered {status}; nothing was written"),
    N_("The server refused the entry; nothing was written."),
    N_("entry #{index}"),
    N_("the log's record at this index is not the entry signed here"),
    # witnesses.js: the reader's witness policy
    N_("{key} is not a witness key: <name>+<hash>+<key>"),
    N_("{key} is not a cosignature/v1 (type 0x04) Ed25519 key"),
    N_("the hash of witness key {key} does not match its key"),
    N_("the cosignature of witness {name} does not verify: forged, or on another checkpoint"),
    N_("cosigned by {names} ({count} of {of}; {needed} needed)"),
    N_("none"),
    N_("the checkpoint does not meet your witness policy: {said}"),
    N_("no witness policy: checkpoints are checked against the log's key only"),
    N_("the number needed must be 1 to the {count} keys given"),
    N_("The checkpoint is {said}."),
)


def messages() -> dict[str, str]:
    """Every script message in the page's language, keyed by its English text."""
    return {message: gettext(message) for message in MESSAGES}
