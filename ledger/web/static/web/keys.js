// A private key a write form kept in this browser (sign.js, IndexedDB) is forgotten when its party
// signs out, and on the sign-in page (a session that ran out leads there).
"use strict";

function forgetKeptKeys() {
  return new Promise((resolve) => {
    const deleting = indexedDB.deleteDatabase("greenledger-keys");
    deleting.onsuccess = deleting.onerror = deleting.onblocked = () => resolve();
  });
}

for (const signOut of document.querySelectorAll("form[data-sign-out]")) {
  signOut.addEventListener("submit", async (event) => {
    event.preventDefault();
    await forgetKeptKeys();
    signOut.submit();
  });
}
if (document.querySelector("[data-testid=sign-in]")) forgetKeptKeys();
