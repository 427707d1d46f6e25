// tlogcheck reads a greenledger log as C2SP tlog-tiles with code greenledger did not write: Go's
// golang.org/x/mod/sumdb/note verifies the checkpoint, and golang.org/x/mod/sumdb/tlog reads the hash
// tiles (checking each against the checkpoint's tree as it loads it), proves every record of the entry
// bundles into the tree, and proves each older checkpoint's tree a prefix of it.
//
// Usage: tlogcheck -base URL-or-DIR -vkey VERIFIER-KEY [-token TOKEN] [OLDER-CHECKPOINT-FILE ...]
// It prints one line and exits 0 when everything verifies, else prints the failure and exits 1.
package main

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

var (
	base  = flag.String("base", "", "the tiles' prefix: an http(s) URL, or a folder `greenledger tiles write` filled")
	vkey  = flag.String("vkey", "", "the log's verifier key (name+hash+key)")
	token = flag.String("token", "", "API token sent as Authorization: Bearer (the server serves tiles to full readers)")
)

func fetch(path string) ([]byte, error) {
	if !strings.HasPrefix(*base, "http://") && !strings.HasPrefix(*base, "https://") {
		return os.ReadFile(filepath.Join(*base, filepath.FromSlash(path)))
	}
	request, err := http.NewRequest("GET", strings.TrimSuffix(*base, "/")+"/"+path, nil)
	if err != nil {
		return nil, err
	}
	if *token != "" {
		request.Header.Set("Authorization", "Bearer "+*token)
	}
	response, err := http.DefaultClient.Do(request)
	if err != nil {
		return nil, err
	}
	defer response.Body.Close()
	body, err := io.ReadAll(response.Body)
	if err != nil {
		return nil, err
	}
	if response.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s answered %d: %s", path, response.StatusCode, body)
	}
	return body, nil
}

// c2spPath is the C2SP tlog-tiles path of a Go tlog tile: Go's paths name the tile height
// (tile/8/0/x001/234); C2SP's fix it at 8 and leave it out (tile/0/x001/234).
func c2spPath(t tlog.Tile) string {
	return "tile/" + strings.TrimPrefix(t.Path(), "tile/8/")
}

type tileReader struct{ cache map[string][]byte }

func (r *tileReader) Height() int { return 8 }

func (r *tileReader) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(tiles))
	for i, t := range tiles {
		path := c2spPath(t)
		data, ok := r.cache[path]
		if !ok {
			var err error
			if data, err = fetch(path); err != nil {
				return nil, err
			}
			r.cache[path] = data
		}
		if len(data) != t.W*tlog.HashSize {
			return nil, fmt.Errorf("%s is %d bytes, not %d", path, len(data), t.W*tlog.HashSize)
		}
		out[i] = data
	}
	return out, nil
}

func (r *tileReader) SaveTiles(tiles []tlog.Tile, data [][]byte) {}

// openCheckpoint verifies a checkpoint note's signature with sumdb/note and reads its tree.
func openCheckpoint(text []byte, verifier note.Verifier) (origin string, tree tlog.Tree, err error) {
	signed, err := note.Open(text, note.VerifierList(verifier))
	if err != nil {
		return "", tree, fmt.Errorf("the checkpoint does not verify: %v", err)
	}
	lines := strings.SplitN(signed.Text, "\n", 4)
	if len(lines) < 4 {
		return "", tree, errors.New("the checkpoint body has fewer than three lines")
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil {
		return "", tree, fmt.Errorf("bad tree size %q", lines[1])
	}
	root, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(root) != tlog.HashSize {
		return "", tree, fmt.Errorf("bad root hash %q", lines[2])
	}
	tree.N = size
	copy(tree.Hash[:], root)
	return lines[0], tree, nil
}

func bundleRecords(data []byte) ([][]byte, error) {
	var records [][]byte
	for reader := bytes.NewReader(data); reader.Len() > 0; {
		var length uint16
		if err := binary.Read(reader, binary.BigEndian, &length); err != nil {
			return nil, errors.New("the bundle ends inside a length prefix")
		}
		record := make([]byte, length)
		if _, err := io.ReadFull(reader, record); err != nil {
			return nil, errors.New("the bundle ends inside a record")
		}
		records = append(records, record)
	}
	return records, nil
}

func check() (string, error) {
	verifier, err := note.NewVerifier(*vkey)
	if err != nil {
		return "", fmt.Errorf("bad verifier key: %v", err)
	}
	text, err := fetch("checkpoint")
	if err != nil {
		return "", err
	}
	origin, tree, err := openCheckpoint(text, verifier)
	if err != nil {
		return "", err
	}
	hashes := tlog.TileHashReader(tree, &tileReader{cache: map[string][]byte{}})
	if root, err := tlog.TreeHash(tree.N, hashes); err != nil || root != tree.Hash {
		return "", fmt.Errorf("the tiles do not hash to the checkpoint's root: %v", err)
	}
	for start := int64(0); start < tree.N; start += 256 {
		width := tree.N - start
		if width > 256 {
			width = 256
		}
		bundle := tlog.Tile{H: 8, L: 0, N: start / 256, W: int(width)}
		path := strings.Replace(c2spPath(bundle), "tile/0/", "tile/entries/", 1)
		data, err := fetch(path)
		if err != nil {
			return "", err
		}
		records, err := bundleRecords(data)
		if err != nil || int64(len(records)) != width {
			return "", fmt.Errorf("%s holds %d records, not %d (%v)", path, len(records), width, err)
		}
		for i, record := range records {
			index := start + int64(i)
			proof, err := tlog.ProveRecord(tree.N, index, hashes)
			if err != nil {
				return "", fmt.Errorf("record %d: %v", index, err)
			}
			if err := tlog.CheckRecord(proof, tree.N, tree.Hash, index, tlog.RecordHash(record)); err != nil {
				return "", fmt.Errorf("record %d of %s is not in the tree: %v", index, path, err)
			}
		}
	}
	for _, file := range flag.Args() {
		older, err := os.ReadFile(file)
		if err != nil {
			return "", err
		}
		olderOrigin, old, err := openCheckpoint(older, verifier)
		if err != nil {
			return "", fmt.Errorf("%s: %v", file, err)
		}
		if olderOrigin != origin {
			return "", fmt.Errorf("%s is a checkpoint of %s, not %s", file, olderOrigin, origin)
		}
		proof, err := tlog.ProveTree(tree.N, old.N, hashes)
		if err != nil {
			return "", fmt.Errorf("%s: %v", file, err)
		}
		if err := tlog.CheckTree(proof, tree.N, tree.Hash, old.N, old.Hash); err != nil {
			return "", fmt.Errorf("the tree of size %d is not a prefix of the checkpoint's: %v", old.N, err)
		}
	}
	return fmt.Sprintf("ok: %s tree size %d, %d records proved, %d older checkpoints consistent", origin, tree.N, tree.N, len(flag.Args())), nil
}

func main() {
	flag.Parse()
	if *base == "" || *vkey == "" {
		fmt.Fprintln(os.Stderr, "usage: tlogcheck -base URL-or-DIR -vkey KEY [-token TOKEN] [OLDER-CHECKPOINT ...]")
		os.Exit(2)
	}
	said, err := check()
	if err != nil {
		fmt.Println("FAILED:", err)
		os.Exit(1)
	}
	fmt.Println(said)
}
