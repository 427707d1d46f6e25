// The witnesses this browser's reader trusts, and whether a checkpoint meets that policy (C2SP
// tlog-cosignature v1, Ed25519): the reader pins the witnesses' verifier keys and how many must have
// cosigned; the server never chooses them. Needs proof.js (t, b64decode, equal, enc, sha256, setStatus).
"use strict";

const WITNESS_POLICY = "greenledger:witnesses:";

// A witness verifier key: <name>+<8 hex>+<base64(0x04 ‖ 32-byte Ed25519 key)>, its hash checked.
async function parseWitnessKey(text) {
  const first = text.indexOf("+");
  const second = text.indexOf("+", first + 1);
  if (first < 1 || second < 0) throw new Error(t("{key} is not a witness key: <name>+<hash>+<key>", { key: text }));
  const name = text.slice(0, first);
  const hashHex = text.slice(first + 1, second);
  let material;
  try { material = b64decode(text.slice(second + 1)); } catch (e) { material = new Uint8Array(); }
  if (material.length !== 33 || material[0] !== 4) throw new Error(t("{key} is not a cosignature/v1 (type 0x04) Ed25519 key", { key: name }));
  const publicKey = material.slice(1);
  const keyId = await cosignerKeyId(name, publicKey);
  if (Array.from(keyId, (b) => b.toString(16).padStart(2, "0")).join("") !== hashHex) {
    throw new Error(t("the hash of witness key {key} does not match its key", { key: name }));
  }
  return { name, publicKey, keyId };
}

// SHA-256(name ‖ "\n" ‖ 0x04 ‖ key)[:4]
async function cosignerKeyId(name, publicKey) {
  const name_ = enc.encode(name + "\n");
  const material = new Uint8Array(name_.length + 1 + publicKey.length);
  material.set(name_);
  material[name_.length] = 4;
  material.set(publicKey, name_.length + 1);
  return (await sha256(material)).slice(0, 4);
}

function storedPolicy(origin) {
  try { return JSON.parse(localStorage.getItem(WITNESS_POLICY + origin) || "null"); } catch (e) { return null; }
}

// {cosigned: [names], needed, of}, or throws naming a forged cosignature. Lines of other keys are ignored.
async function checkWitnessPolicy(noteText, policy) {
  const at = noteText.indexOf("\n\n");
  const body = noteText.slice(0, at + 1);
  const lines = noteText.slice(at + 2).split("\n").filter((line) => line.startsWith("\u2014 "));
  const witnesses = await Promise.all(policy.keys.map(parseWitnessKey));
  const cosigned = new Set();
  for (const line of lines) {
    const [name, encoded] = line.slice(2).split(" ");
    const witness = witnesses.find((w) => w.name === name);
    if (!witness) continue;
    let blob;
    try { blob = b64decode(encoded); } catch (e) { continue; }
    if (blob.length !== 76 || !equal(blob.slice(0, 4), witness.keyId)) continue;
    const timestamp = new DataView(blob.buffer, blob.byteOffset + 4, 8).getBigUint64(0);
    const message = enc.encode(`cosignature/v1\ntime ${timestamp}\n${body}`);
    const key = await crypto.subtle.importKey("raw", witness.publicKey, { name: "Ed25519" }, false, ["verify"]);
    if (!await crypto.subtle.verify({ name: "Ed25519" }, key, blob.slice(12), message)) {
      throw new Error(t("the cosignature of witness {name} does not verify: forged, or on another checkpoint", { name }));
    }
    cosigned.add(name);
  }
  return { cosigned: [...cosigned].sort(), needed: policy.needed, of: witnesses.length };
}

// The policy's verdict in words; throws when the checkpoint does not meet it.
async function witnessVerdict(noteText, origin) {
  const policy = storedPolicy(origin);
  if (!policy || !policy.keys.length) return null;
  const found = await checkWitnessPolicy(noteText, policy);
  const said = t("cosigned by {names} ({count} of {of}; {needed} needed)", {
    names: found.cosigned.join(", ") || t("none"), count: found.cosigned.length, of: found.of, needed: found.needed,
  });
  if (found.cosigned.length < found.needed) throw new Error(t("the checkpoint does not meet your witness policy: {said}", { said }));
  return said;
}

async function setUpPolicyForm(box) {
  const form = document.getElementById("witness-form");
  if (!form) return;
  const status = document.getElementById("witness-status");
  const origin = box.dataset.origin;
  const show = async () => {
    const policy = storedPolicy(origin);
    if (!policy) {
      setStatus(status, "pending", t("no witness policy: checkpoints are checked against the log's key only"));
      return;
    }
    form.elements.keys.value = policy.keys.join("\n");
    form.elements.needed.value = policy.needed;
    try {
      const note = await fetchText(box.dataset.checkpointUrl);
      setStatus(status, "ok", await witnessVerdict(note, origin));
    } catch (error) {
      setStatus(status, "bad", error.message);
    }
  };
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const keys = form.elements.keys.value.split(/\s+/).filter(Boolean);
    const needed = Number(form.elements.needed.value || keys.length);
    try {
      await Promise.all(keys.map(parseWitnessKey));
      if (keys.length && !(Number.isInteger(needed) && needed >= 1 && needed <= keys.length)) {
        throw new Error(t("the number needed must be 1 to the {count} keys given", { count: keys.length }));
      }
    } catch (error) {
      setStatus(status, "bad", error.message);
      return;
    }
    if (keys.length) localStorage.setItem(WITNESS_POLICY + origin, JSON.stringify({ keys, needed }));
    else localStorage.removeItem(WITNESS_POLICY + origin);
    await show();
  });
  await show();
}

const policyBox = document.getElementById("checkpoints");
if (policyBox) setUpPolicyForm(policyBox);
