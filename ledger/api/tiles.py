"""The log as C2SP tlog-tiles (https://c2sp.org/tlog-tiles), read by standard monitors and witnesses.

``/checkpoint`` is public, as ``/v1/checkpoint`` is. The tiles hold every record (entry bundles are the
records themselves, and level-0 tiles their leaf hashes), so they are served to full readers only;
their caching is private to the reader's browser or client: a shared cache must not hand them to
anyone else. `greenledger tiles write DIR` puts the same files on a static host whose access you set.
"""

from __future__ import annotations

from flask import Response
from flask.views import MethodView

from ledger import errors
from ledger.api.body import runtime
from ledger.api.log import checkpoint_response
from ledger.api.problems import problem_doc
from ledger.api.query import Blueprint
from ledger.merkle import tiles
from ledger.services.tiles import read_tile

blp = Blueprint("tiles", __name__, description="The log as C2SP tlog-tiles")

#: A full tile never changes; a partial one is superseded by a wider path, but a reader asks for the
#: width its checkpoint names, so it is kept briefly.
FULL_TILE_CACHE = "private, max-age=31536000, immutable"
PARTIAL_TILE_CACHE = "private, max-age=60"


@blp.route("/checkpoint")
class Checkpoint(MethodView):
    @blp.response(200, {"type": "string"}, content_type="text/plain; charset=utf-8", description="C2SP signed checkpoint note")
    @blp.alt_response(503, **problem_doc("The log has no genesis entry yet"))
    def get(self) -> Response:
        """The latest signed checkpoint with its witnesses' cosignatures, at the tiles' prefix (as /v1/checkpoint)"""
        return checkpoint_response()


@blp.route("/tile/<path:path>")
class TileView(MethodView):
    @blp.response(200, {"type": "string", "format": "binary"}, content_type="application/octet-stream",
                  description="A hash tile (its hashes, 32 bytes each) or an entry bundle (uint16-length-prefixed records)")
    @blp.alt_response(401, **problem_doc("No valid API token"))
    @blp.alt_response(403, **problem_doc("Only full readers (admins, auditors, the department) read the tiles"))
    @blp.alt_response(404, **problem_doc("Not a tile path, or a tile the latest checkpoint's tree does not hold yet"))
    @blp.alt_response(503, **problem_doc("The log has no genesis entry yet"))
    def get(self, path: str) -> Response:
        """A tile: tile/<L>/<N>[.p/<W>] (hashes) or tile/entries/<N>[.p/<W>] (records), N as x001/x234/067"""
        try:
            tile = tiles.parse_path(path)
        except ValueError as exc:
            raise errors.NotFound(f"tile/{path} is not a tile: {exc}", field="path") from None
        response = Response(read_tile(runtime(), tile), content_type="application/octet-stream")
        response.headers["Cache-Control"] = PARTIAL_TILE_CACHE if tile.is_partial else FULL_TILE_CACHE
        return response
