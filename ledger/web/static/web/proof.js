// Checks, in the browser and without trusting the server's word, that an entry is in the log
// (RFC 9162 §2.1.3.2 inclusion) and that kept checkpoints are prefixes of the latest (§2.1.4.2),
// with WebCrypto SHA-256, and the checkpoint's C2SP signed-note signature with WebCrypto Ed25519.
"use strict";

const enc = new TextEncoder();

// The page's messages in its language, keyed by their English text (ledger/web/script_messages.py).
const MESSAGES = (() => {
  const block = document.getElementById("script-messages");
  try { return block ? JSON.parse(block.textContent) : {}; } catch (e) { return {}; }
})();

// A message in the page's language with its {name} values filled in.
function t(message, values = {}) {
  const text = MESSAGES[message] || message;
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in values ? String(values[name]) : whole));
}

function b64decode(text) {
  const bin = atob(text);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function b64encode(bytes) {
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
}

function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

function equal(a, b) {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

async function sha256(bytes) {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
}

const leafHash = (bytes) => sha256(concat(Uint8Array.of(0), bytes));
const nodeHash = (left, right) => sha256(concat(Uint8Array.of(1), left, right));

// RFC 8785: keys sorted by UTF-16 code units, ECMAScript number and string serialization.
function jcs(value) {
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  if (Array.isArray(value)) return "[" + value.map(jcs).join(",") + "]";
  return "{" + Object.keys(value).sort().map((k) => JSON.stringify(k) + ":" + jcs(value[k])).join(",") + "}";
}

const half = (n) => Math.floor(n / 2);
const odd = (n) => n % 2 === 1;

// RFC 9162 §2.1.3.2; returns the computed root and each step, or throws.
async function rootFromInclusion(index, size, leaf, path) {
  if (index >= size) throw new Error(t("index {index} is not below tree size {size}", { index, size }));
  let fn = index, sn = size - 1, r = leaf;
  const steps = [];
  for (const p of path) {
    if (sn === 0) throw new Error(t("the proof is longer than the tree is deep"));
    if (odd(fn) || fn === sn) {
      r = await nodeHash(p, r);
      steps.push({ side: "left", sibling: p, result: r });
      if (!odd(fn)) while (!odd(fn) && fn !== 0) { fn = half(fn); sn = half(sn); }
    } else {
      r = await nodeHash(r, p);
      steps.push({ side: "right", sibling: p, result: r });
    }
    fn = half(fn); sn = half(sn);
  }
  if (sn !== 0) throw new Error(t("the proof is shorter than the tree is deep"));
  return { root: r, steps };
}

// RFC 9162 §2.1.4.2; true when the tree of `first` leaves (root1) is a prefix of that of `second` (root2).
async function verifyConsistency(first, second, root1, root2, proof) {
  if (first === second) return proof.length === 0 && equal(root1, root2);
  if (first > second || proof.length === 0) return false;
  let path = proof.slice();
  if ((first & (first - 1)) === 0) path = [root1, ...path];
  let fn = first - 1, sn = second - 1;
  while (odd(fn)) { fn = half(fn); sn = half(sn); }
  let fr = path[0], sr = path[0];
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (odd(fn) || fn === sn) {
      fr = await nodeHash(c, fr);
      sr = await nodeHash(c, sr);
      if (!odd(fn)) while (!odd(fn) && fn !== 0) { fn = half(fn); sn = half(sn); }
    } else {
      sr = await nodeHash(sr, c);
    }
    fn = half(fn); sn = half(sn);
  }
  return sn === 0 && equal(fr, root1) && equal(sr, root2);
}

function parseNote(text) {
  const lines = text.split("\n");
  if (lines.length < 5 || lines[3] !== "") throw new Error(t("not a checkpoint note"));
  const size = Number(lines[1]);
  if (!/^(0|[1-9][0-9]*)$/.test(lines[1])) throw new Error(t("bad tree size in the checkpoint"));
  return {
    origin: lines[0], size, root: b64decode(lines[2]), rootText: lines[2],
    body: lines.slice(0, 3).join("\n") + "\n",
    signatures: lines.slice(4).filter((l) => l.startsWith("\u2014 ")).map((l) => l.slice(2).split(" ")),
  };
}

// C2SP signed-note: true, false, or null when this browser has no Ed25519 in WebCrypto.
async function verifyNoteSignature(note, verifierKey) {
  // <name>+<8 hex>+<base64>: the base64 may itself hold "+", and a name may not.
  const first = verifierKey.indexOf("+");
  const name = verifierKey.slice(0, first);
  const hashHex = verifierKey.slice(first + 1, first + 9);
  const keyText = verifierKey.slice(first + 10);
  const keyBytes = b64decode(keyText);
  if (keyBytes[0] !== 1 || keyBytes.length !== 33) return false;
  const expectedHash = Uint8Array.from(hashHex.match(/../g).map((h) => parseInt(h, 16)));
  let key;
  try {
    key = await crypto.subtle.importKey("raw", keyBytes.slice(1), { name: "Ed25519" }, false, ["verify"]);
  } catch (e) {
    return null;
  }
  for (const [signer, sigText] of note.signatures) {
    if (signer !== name) continue;
    const sig = b64decode(sigText);
    if (sig.length !== 68 || !equal(sig.slice(0, 4), expectedHash)) continue;
    if (await crypto.subtle.verify({ name: "Ed25519" }, key, sig.slice(4), enc.encode(note.body))) return true;
  }
  return false;
}

async function fetchText(url) {
  const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "text/plain, application/json" } });
  if (!response.ok) throw new Error(t("{url} answered {status}", { url, status: response.status }));
  return response.text();
}

async function fetchJson(url) {
  return JSON.parse(await fetchText(url));
}

function setStatus(el, state, text) {
  el.className = "status " + state;
  el.textContent = text;
}

function item(text, hash, state) {
  const li = document.createElement("li");
  li.append(text + " ");
  const code = document.createElement("code");
  code.textContent = b64encode(hash);
  li.append(code);
  if (state) li.className = state;
  return li;
}

const HISTORY = "greenledger:checkpoints:";

function keepCheckpoint(note, text) {
  const key = HISTORY + note.origin;
  const kept = JSON.parse(localStorage.getItem(key) || "[]");
  if (!kept.some((c) => c.size === note.size && c.root === note.rootText)) {
    kept.push({ size: note.size, root: note.rootText, seen: new Date().toISOString(), note: text });
    kept.sort((a, b) => a.size - b.size);
    localStorage.setItem(key, JSON.stringify(kept.slice(-200)));
  }
  return kept;
}

async function checkInclusion(box) {
  const status = document.getElementById("proof-status");
  const detail = document.getElementById("proof-detail");
  const list = document.getElementById("proof-path");
  setStatus(status, "pending", t("checking…"));
  try {
    const noteText = await fetchText(box.dataset.checkpointUrl);
    const note = parseNote(noteText);
    const signed = await verifyNoteSignature(note, box.dataset.verifierKey);
    if (signed === false) throw new Error(t("the checkpoint's signature does not verify under the log's key"));
    const index = Number(box.dataset.index);
    const [entry, proof] = await Promise.all([
      fetchJson(box.dataset.entryUrl),
      fetchJson(`${box.dataset.proofUrl}?tree_size=${note.size}`),
    ]);
    const leaf = await leafHash(enc.encode(jcs(entry.record)));
    list.replaceChildren();
    const leafOk = equal(leaf, b64decode(proof.leaf_hash)) && equal(leaf, b64decode(entry.leaf_hash));
    list.append(item(t("leaf = SHA-256(0x00 ‖ JCS(record))"), leaf, leafOk ? "ok" : "bad"));
    if (!leafOk) throw new Error(t("the record's hash is not the leaf hash the log gives"));
    if (proof.index !== index || proof.tree_size !== note.size) throw new Error(t("the proof is for another index or tree size"));
    const { root, steps } = await rootFromInclusion(index, note.size, leaf, proof.audit_path.map(b64decode));
    for (const step of steps) {
      list.append(item(step.side === "left" ? t("sibling on the left") : t("sibling on the right"), step.sibling));
      list.append(item("  " + t("→ node"), step.result));
    }
    const rootOk = equal(root, note.root);
    list.append(item(t(rootOk ? "computed root = checkpoint root {root}:" : "computed root ≠ checkpoint root {root}:", { root: note.rootText }), root, rootOk ? "ok" : "bad"));
    if (!rootOk) throw new Error(t("the audit path does not lead to the checkpoint's root"));
    keepCheckpoint(note, noteText);
    // The reader's own witness policy (witnesses.js), when the page has it and the reader set one.
    const cosigned = typeof witnessVerdict === "function" ? await witnessVerdict(noteText, note.origin) : null;
    setStatus(status, "ok", t("verified"));
    detail.textContent = t(signed
      ? "entry #{index} is in the log at tree size {size}; the checkpoint's Ed25519 signature verifies under the log's key."
      : "entry #{index} is in the log at tree size {size}; this browser cannot check Ed25519, so the checkpoint's signature was not checked.",
    { index, size: note.size }) + (cosigned ? " " + t("The checkpoint is {said}.", { said: cosigned }) : "");
  } catch (error) {
    setStatus(status, "bad", t("FAILED"));
    detail.textContent = error.message;
  }
}

async function checkHistory(box) {
  const status = document.getElementById("latest-status");
  const rows = document.getElementById("history-rows");
  let latest;
  try {
    const text = await fetchText(box.dataset.checkpointUrl);
    latest = parseNote(text);
    const signed = await verifyNoteSignature(latest, box.dataset.verifierKey);
    if (signed === false) throw new Error(t("signature does not verify"));
    setStatus(status, "ok", signed ? t("signature verified") : t("signature not checked (no Ed25519 in this browser)"));
    keepCheckpoint(latest, text);
  } catch (error) {
    setStatus(status, "bad", t("FAILED: {reason}", { reason: error.message }));
    return;
  }
  const kept = JSON.parse(localStorage.getItem(HISTORY + latest.origin) || "[]");
  rows.replaceChildren();
  for (const c of kept.slice().reverse()) {
    const tr = document.createElement("tr");
    const cells = [String(c.size), c.root, c.seen, t("checking…")].map((text, i) => {
      const td = document.createElement("td");
      if (i === 1) {  // the root: a hash, which wraps on a narrow screen
        const code = document.createElement("code");
        code.className = "hash";
        code.textContent = text;
        td.append(code);
      } else td.textContent = text;
      return td;
    });
    tr.append(...cells);
    rows.append(tr);
    const mark = document.createElement("span");
    try {
      let ok;
      if (c.size > latest.size) ok = false;
      else {
        const proof = await fetchJson(`${box.dataset.consistencyUrl}?first=${c.size}&second=${latest.size}`);
        ok = await verifyConsistency(c.size, latest.size, b64decode(c.root), latest.root, proof.proof.map(b64decode));
      }
      setStatus(mark, ok ? "ok" : "bad", ok ? t("consistent") : t("NOT CONSISTENT"));
    } catch (error) {
      setStatus(mark, "bad", t("FAILED: {reason}", { reason: error.message }));
    }
    cells[3].replaceChildren(mark);
  }
  document.getElementById("kept-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const status = document.getElementById("kept-status");
    const detail = document.getElementById("kept-detail");
    const text = event.target.elements.note.value.replace(/\r\n/g, "\n").replace(/\n*$/, "\n");
    setStatus(status, "pending", t("checking…"));
    try {
      const note = parseNote(text);
      if (note.origin !== latest.origin) throw new Error(t("the note is for {origin}, not {latest}", { origin: note.origin, latest: latest.origin }));
      if (await verifyNoteSignature(note, box.dataset.verifierKey) === false) throw new Error(t("its signature does not verify under the log's current key (a checkpoint signed before a key rotation is checked by `python -m ledger.verify`, which follows the key chain)"));
      if (note.size > latest.size) throw new Error(t("it is larger ({size}) than the latest checkpoint ({latest})", { size: note.size, latest: latest.size }));
      const proof = await fetchJson(`${box.dataset.consistencyUrl}?first=${note.size}&second=${latest.size}`);
      if (!await verifyConsistency(note.size, latest.size, note.root, latest.root, proof.proof.map(b64decode))) {
        throw new Error(t("the log at size {latest} does not extend this checkpoint: it was rewritten", { latest: latest.size }));
      }
      keepCheckpoint(note, text);
      setStatus(status, "ok", t("consistent"));
      detail.textContent = t("signed by the log's key, and the latest checkpoint (size {latest}) extends it (size {size}).", { latest: latest.size, size: note.size });
    } catch (error) {
      setStatus(status, "bad", t("FAILED"));
      detail.textContent = error.message;
    }
  });
  document.getElementById("forget").addEventListener("click", () => {
    localStorage.removeItem(HISTORY + latest.origin);
    location.reload();
  });
}

const proofBox = document.getElementById("proof");
if (proofBox) checkInclusion(proofBox);
const historyBox = document.getElementById("checkpoints");
if (historyBox) checkHistory(historyBox);
