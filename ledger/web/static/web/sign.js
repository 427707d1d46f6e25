// The write forms: signs one entry in the browser and posts it to the API's write route.
//
// The party's Ed25519 private key is read from its PKCS#8 PEM file here and never sent anywhere: the page
// builds the envelope, encodes it as RFC 8785 canonical JSON (jcs, the encoder the proof check uses),
// signs those bytes with WebCrypto and posts {envelope, signature} to POST /v1/entries with the session's
// cookie and form token, as `greenledger sign` + `submit` would. Then it checks the receipt: the log's
// record holds this envelope, its hash is the leaf, and the inclusion proof leads to the signed checkpoint.
// Needs proof.js, loaded before it (t, b64encode, b64decode, jcs, sha256, leafHash, rootFromInclusion,
// parseNote, verifyNoteSignature, keepCheckpoint, equal, enc, fetchJson, setStatus).
"use strict";

// The IndexedDB database a kept key lives in (keys.js deletes it at sign-out and on the sign-in page).
const KEPT_KEYS_DB = "greenledger-keys";
const KEYS_STORE = "keys";

const box = document.getElementById("signing");
const form = document.getElementById("entry-form");
const loadedAt = performance.now();
const registeredKeys = JSON.parse(box.dataset.keys);
const problemNames = JSON.parse(document.getElementById("problem-names").textContent);
let signingKey = null;  // { key: CryptoKey (non-extractable), keyId }
// A signed entry the server did not answer for (no connection, 5xx, 429): sent again, byte for byte, when
// the same content is submitted again, so the log's nonce check makes the retry idempotent.
let pending = null;

class FieldProblem extends Error {}

// ---- the key --------------------------------------------------------------------------------------

function hex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function b64urlDecode(text) {
  const plain = text.replace(/-/g, "+").replace(/_/g, "/");
  return b64decode(plain + "=".repeat((4 - (plain.length % 4)) % 4));
}

function pkcs8FromPem(text) {
  const found = text.match(/-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/);
  if (!found) throw new FieldProblem(t("this file is not a PEM key file"));
  if (found[1] === "ENCRYPTED PRIVATE KEY") {
    throw new FieldProblem(t("this key file is encrypted: the page loads only an unencrypted PKCS#8 key file"));
  }
  if (found[1] !== "PRIVATE KEY") throw new FieldProblem(t("this file holds a {what}, not a private key", { what: found[1] }));
  try {
    return b64decode(found[2].replace(/\s+/g, ""));
  } catch (e) {
    throw new FieldProblem(t("this file is not a PEM key file"));
  }
}

// The key as a non-extractable CryptoKey, and its key id (hex of the first 16 bytes of SHA-256 of the
// raw public key, DESIGN §4). Importing once extractable is the only way WebCrypto gives the public key.
async function keyFromFile(file) {
  const der = pkcs8FromPem(await file.text());
  let readable;
  try {
    readable = await crypto.subtle.importKey("pkcs8", der, { name: "Ed25519" }, true, ["sign"]);
  } catch (e) {
    throw new FieldProblem(t("this file is not an Ed25519 private key, or this browser cannot sign with Ed25519"));
  }
  const jwk = await crypto.subtle.exportKey("jwk", readable);
  const keyId = hex((await sha256(b64urlDecode(jwk.x))).slice(0, 16));
  const key = await crypto.subtle.importKey("jwk", { kty: "OKP", crv: "Ed25519", d: jwk.d, x: jwk.x }, { name: "Ed25519" }, false, ["sign"]);
  return { key, keyId };
}

function withStore(mode, action) {
  return new Promise((resolve, reject) => {
    const opening = indexedDB.open(KEPT_KEYS_DB, 1);
    opening.onupgradeneeded = () => opening.result.createObjectStore(KEYS_STORE);
    opening.onerror = () => reject(opening.error);
    opening.onsuccess = () => {
      const db = opening.result;
      const request = action(db.transaction(KEYS_STORE, mode).objectStore(KEYS_STORE));
      request.onsuccess = () => { db.close(); resolve(request.result); };
      request.onerror = () => { db.close(); reject(request.error); };
    };
  });
}

function showKey(kept) {
  const status = document.getElementById("key-status");
  setStatus(status, "ok", t(kept ? "key {key} loaded and kept in this browser until you sign out" : "key {key} loaded", { key: signingKey.keyId }));
  document.getElementById("key-forget").hidden = !kept;
}

async function useKeyFile(file) {
  showProblem("key", "");
  signingKey = null;
  setStatus(document.getElementById("key-status"), "pending", t("no key loaded"));
  try {
    const loaded = await keyFromFile(file);
    if (!registeredKeys.includes(loaded.keyId)) {
      throw new FieldProblem(t("this key ({key}) is not one of {party}'s keys in the registry: choose {party}'s own key file", { key: loaded.keyId, party: box.dataset.signer }));
    }
    signingKey = loaded;
    const keep = document.getElementById("key-keep").checked;
    if (keep) await withStore("readwrite", (store) => store.put(loaded, box.dataset.signer));
    showKey(keep);
  } catch (error) {
    showProblem("key", error instanceof FieldProblem ? error.message : String(error));
  } finally {
    document.getElementById("key-file").value = "";  // the page keeps no copy of the file
  }
}

async function useKeptKey() {
  let kept = null;
  try {
    kept = await withStore("readonly", (store) => store.get(box.dataset.signer));
  } catch (e) {
    // no IndexedDB here (a private window): the key is loaded from its file each time
  }
  if (kept && registeredKeys.includes(kept.keyId)) {
    signingKey = kept;
    showKey(true);
  }
  box.dataset.keptKeyChecked = "true";  // for tests and scripts: the kept key, if any, is in use now
}

// ---- the fields -----------------------------------------------------------------------------------

const DECIMAL = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?$/;
const INTEGER = /^-?(0|[1-9][0-9]*)$/;
const UTC_TIME = /^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?Z$/;

function showProblem(name, text) {
  const slot = document.getElementById("problem-" + name) || document.getElementById("problem-form");
  slot.textContent = text;
  const field = slot.closest(".field");
  if (field) field.classList.toggle("bad", Boolean(text));
}

function clearProblems() {
  for (const slot of document.querySelectorAll(".problem")) slot.textContent = "";
  for (const field of document.querySelectorAll(".field.bad")) field.classList.remove("bad");
}

// Full-width digits and signs, as a Chinese input method types them, become ASCII.
const ascii = (text) => text.normalize("NFKC").trim();

function integerFrom(text, spec) {
  if (!INTEGER.test(text)) throw new FieldProblem(t("a whole number, such as 2025"));
  const number = Number(text);
  if (!Number.isSafeInteger(number)) throw new FieldProblem(t("too large a number"));
  if ((spec.minimum != null && number < spec.minimum) || (spec.maximum != null && number > spec.maximum)) {
    throw new FieldProblem(spec.maximum != null
      ? t("between {min} and {max}", { min: spec.minimum, max: spec.maximum })
      : t("at least {min}", { min: spec.minimum }));
  }
  return number;
}

function decimalFrom(text, spec) {
  if (/[,，]/.test(text)) throw new FieldProblem(t("write the amount without thousands separators, such as 1250000.00"));
  if (!DECIMAL.test(text)) throw new FieldProblem(t("a decimal number, such as 1250000.00"));
  const [whole, fraction = ""] = text.split(".");
  if (fraction.length > spec.places) throw new FieldProblem(t("at most {places} decimal places", { places: spec.places }));
  return spec.places ? `${whole}.${fraction.padEnd(spec.places, "0")}` : whole;
}

function timeFrom(text) {
  let value = text;
  if (/^[0-9]{4}-[0-9]{2}-[0-9]{2}$/.test(value)) value += "T00:00:00Z";
  const short = value.match(/^([0-9]{4}-[0-9]{2}-[0-9]{2})[T ]([0-9]{2}:[0-9]{2})(:[0-9]{2})?Z?$/);
  if (short) value = `${short[1]}T${short[2]}${short[3] || ":00"}Z`;
  if (!UTC_TIME.test(value) || Number.isNaN(Date.parse(value))) {
    throw new FieldProblem(t("a UTC time such as 2026-11-24T10:00:00Z, or a date such as 2026-11-24"));
  }
  return value;
}

function textFrom(text, spec) {
  const length = [...text].length;
  if (spec.minLength != null && length < spec.minLength) throw new FieldProblem(t("at least {min} characters", { min: spec.minLength }));
  if (spec.maxLength != null && length > spec.maxLength) throw new FieldProblem(t("at most {max} characters", { max: spec.maxLength }));
  if (spec.pattern && !new RegExp(spec.pattern).test(text)) throw new FieldProblem(t("not in the form this field takes: see the example in the empty field"));
  return text;
}

function base64From(text, spec) {
  const compact = text.replace(/\s+/g, "");
  let bytes;
  try { bytes = b64decode(compact); } catch (e) { bytes = null; }
  if (!bytes || b64encode(bytes) !== compact || (spec.maxLength != null && bytes.length !== spec.maxLength)) {
    throw new FieldProblem(spec.maxLength != null ? t("base64 of {n} bytes", { n: spec.maxLength }) : t("base64 text"));
  }
  return compact;
}

function listSize(items, spec) {
  if (spec.minLength != null && items.length < spec.minLength) throw new FieldProblem(t("at least {min}", { min: spec.minLength }));
  if (spec.maxLength != null && items.length > spec.maxLength) throw new FieldProblem(t("at most {max}", { max: spec.maxLength }));
  return items;
}

// The field's JSON value, or undefined when an optional field is left empty (and so left out).
function valueOf(field, spec) {
  const input = field.querySelector("input, select, textarea");
  switch (spec.widget) {
    case "boolean":
      return input.checked;
    case "choices": {
      const picked = [...field.querySelectorAll("input:checked")].map((i) => i.value);
      return picked.length ? listSize(picked, spec) : undefined;
    }
    case "lines": {
      const lines = input.value.split(/\r?\n/).map((line) => line.trim()).filter(Boolean);
      return lines.length ? listSize(lines.map((line) => textFrom(line, { pattern: spec.pattern })), spec) : undefined;
    }
    case "integers": {
      const parts = ascii(input.value).split(/[\s,，、;]+/).filter(Boolean);
      return parts.length ? listSize(parts.map((part) => integerFrom(part, spec)), spec) : undefined;
    }
    case "json": {
      if (!input.value.trim()) return undefined;
      let value;
      try { value = JSON.parse(input.value); } catch (e) { throw new FieldProblem(t("not valid JSON: {reason}", { reason: e.message })); }
      if (value === null || typeof value !== "object" || Array.isArray(value)) throw new FieldProblem(t("a JSON object, in braces { }"));
      return value;
    }
  }
  const text = spec.widget === "text" ? input.value.trim() : ascii(input.value);
  if (text === "") return undefined;
  switch (spec.widget) {
    case "integer": return integerFrom(text, spec);
    case "decimal": return decimalFrom(text, spec);
    case "time": return timeFrom(text);
    case "base64": return base64From(text, spec);
    default: return textFrom(text, spec);
  }
}

// The payload from the fields, with every field's problem shown beside it; null when one has a problem.
function payloadFromFields() {
  const payload = {};
  let first = null;
  for (const field of form.querySelectorAll(".field")) {
    const spec = JSON.parse(field.dataset.field);
    try {
      const value = valueOf(field, spec);
      if (value === undefined) {
        if (spec.required) throw new FieldProblem(t("required"));
      } else payload[spec.name] = value;
    } catch (error) {
      if (!(error instanceof FieldProblem)) throw error;
      showProblem(spec.name, error.message);
      first = first || field;
    }
  }
  if (first) {
    first.querySelector("input, select, textarea").focus();
    return null;
  }
  return payload;
}

// ---- signing and sending --------------------------------------------------------------------------

// RFC 3339 UTC to the second, on the server's clock: the page carries the server's time when it was
// made, so a desk computer's wrong clock cannot make the entry "signed in the future".
function signedAt() {
  const now = Date.parse(box.dataset.serverTime) + (performance.now() - loadedAt);
  return new Date(Math.floor(now / 1000) * 1000).toISOString().replace(/\.000Z$/, "Z");
}

function newNonce() {
  return hex(crypto.getRandomValues(new Uint8Array(16)));
}

async function signedBody(payload) {
  const content = jcs(payload);
  if (pending && pending.content === content && pending.keyId === signingKey.keyId) return pending;
  const envelope = {
    v: 1, type: box.dataset.entryType, signer: box.dataset.signer, key: signingKey.keyId,
    signed_at: signedAt(), nonce: newNonce(), payload,
  };
  const signature = new Uint8Array(await crypto.subtle.sign({ name: "Ed25519" }, signingKey.key, enc.encode(jcs(envelope))));
  return { content, keyId: signingKey.keyId, submission: { envelope, signature: b64encode(signature) } };
}

// Where the server's problem belongs: a payload field's slot, the key's, or the form's.
function slotFor(path) {
  if (!path) return "form";
  if (path.startsWith("envelope.payload.")) {
    const name = path.slice("envelope.payload.".length).split(/[.[]/)[0];
    if (document.getElementById("problem-" + name)) return name;
  }
  if (["signature", "envelope.signature", "envelope.key", "envelope.signer", "Authorization"].includes(path)) return "key";
  return "form";
}

function showRefusal(problem, status) {
  if (!problem || typeof problem !== "object") {
    showProblem("form", t("the server answered {status}; nothing was written", { status }));
    return;
  }
  const title = problemNames[problem.code] || problem.title || String(status);
  const shown = new Set();
  for (const [path, messages] of Object.entries(problem.errors || {})) {
    const slot = slotFor(path);
    showProblem(slot, `${title}: ${[].concat(messages).join("; ")}`);
    shown.add(slot);
  }
  const slot = slotFor(problem.field);
  if (!shown.has(slot)) showProblem(slot, `${title}: ${problem.detail}`);
  const summary = slot === "form" && !shown.size ? `${title}: ${problem.detail} ` : "";
  showProblem("form", summary + t("The server refused the entry; nothing was written."));
}

async function submit(event) {
  event.preventDefault();
  clearProblems();
  const status = document.getElementById("submit-status");
  status.textContent = "";
  if (!signingKey) {
    showProblem("key", t("load your private key file first"));
    document.getElementById("key-file").focus();
    return;
  }
  const payload = payloadFromFields();
  if (!payload) return;
  const button = document.getElementById("sign-submit");
  button.disabled = true;
  status.textContent = t("signing and sending…");
  try {
    const signed = await signedBody(payload);
    let response;
    try {
      response = await fetch(box.dataset.submitUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": box.dataset.formToken },
        body: JSON.stringify(signed.submission),
      });
    } catch (error) {
      pending = signed;
      showProblem("form", t("the server could not be reached: submit again to send the same signed entry (it is never recorded twice)"));
      return;
    }
    const answer = await response.json().catch(() => null);
    if (response.ok) {
      pending = null;
      await showReceipt(signed.submission, answer);
      return;
    }
    pending = response.status >= 500 || response.status === 429 ? signed : null;
    showRefusal(answer, response.status);
    if (pending) showProblem("form", document.getElementById("problem-form").textContent + " " + t("Submit again to send the same signed entry (it is never recorded twice)."));
  } finally {
    button.disabled = false;
    status.textContent = "";
  }
}

// ---- the receipt ----------------------------------------------------------------------------------

async function showReceipt(submission, receipt) {
  const section = document.getElementById("receipt");
  const link = document.getElementById("receipt-link");
  const status = document.getElementById("receipt-status");
  const detail = document.getElementById("receipt-detail");
  link.href = box.dataset.pageUrl + receipt.index;
  link.textContent = t("entry #{index}", { index: receipt.index });
  link.dataset.index = receipt.index;
  document.getElementById("receipt-envelope").textContent = JSON.stringify(submission, null, 2);
  document.getElementById("receipt-json").textContent = JSON.stringify(receipt, null, 2);
  form.hidden = true;
  section.hidden = false;
  section.scrollIntoView();
  setStatus(status, "pending", t("checking…"));
  try {
    const note = parseNote(receipt.checkpoint);
    const signed = await verifyNoteSignature(note, box.dataset.verifierKey);
    if (signed === false) throw new Error(t("the checkpoint's signature does not verify under the log's key"));
    const entry = await fetchJson(box.dataset.entryUrl + receipt.index);
    if (jcs(entry.record.envelope) !== jcs(submission.envelope) || entry.record.signature !== submission.signature) {
      throw new Error(t("the log's record at this index is not the entry signed here"));
    }
    const leaf = await leafHash(enc.encode(jcs(entry.record)));
    if (!equal(leaf, b64decode(receipt.leaf_hash))) throw new Error(t("the record's hash is not the leaf hash the log gives"));
    const { root } = await rootFromInclusion(receipt.index, note.size, leaf, receipt.inclusion_proof.map(b64decode));
    if (!equal(root, note.root)) throw new Error(t("the audit path does not lead to the checkpoint's root"));
    keepCheckpoint(note, receipt.checkpoint);
    setStatus(status, "ok", t("verified"));
    detail.textContent = t(signed
      ? "entry #{index} is in the log at tree size {size}; the checkpoint's Ed25519 signature verifies under the log's key."
      : "entry #{index} is in the log at tree size {size}; this browser cannot check Ed25519, so the checkpoint's signature was not checked.",
    { index: receipt.index, size: note.size });
  } catch (error) {
    setStatus(status, "bad", t("FAILED"));
    detail.textContent = error.message;
  }
}

// ---- wiring ---------------------------------------------------------------------------------------

async function digestInto(input) {
  const target = document.getElementById(input.dataset.digestInto);
  const file = input.files[0];
  if (!file) return;
  target.value = b64encode(await sha256(new Uint8Array(await file.arrayBuffer())));
  input.value = "";
}

document.getElementById("key-file").addEventListener("change", (event) => {
  if (event.target.files[0]) useKeyFile(event.target.files[0]);
});
document.getElementById("key-forget").addEventListener("click", async () => {
  await withStore("readwrite", (store) => store.delete(box.dataset.signer)).catch(() => null);
  signingKey = null;
  document.getElementById("key-forget").hidden = true;
  setStatus(document.getElementById("key-status"), "pending", t("no key loaded"));
});
for (const input of document.querySelectorAll("input[data-digest-into]")) input.addEventListener("change", () => digestInto(input));
document.getElementById("sign-another").addEventListener("click", () => location.reload());
form.addEventListener("submit", submit);
useKeptKey();
