// The verifier of signing/_verify.py, ported for the browser (offline checking). The same fixed,
// numbered steps and the same reason codes:
//   1 decode  2 key  3 signature  4 key window  5 time  6 status  7 policy
// RtcVerifier.verify(text, {jwks, statusTokens, at, skew, requireStatus, legacyLayoutUntil}) resolves to
// {valid: true, ...} or {valid: false, reason, step, detail}; it never throws for bad input.
(function (global) {
  "use strict";

  var ROOT = "1.2.156.3005.2";
  var B36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
  var CREDIT = /^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$/;
  var PART = /^[0-9A-Z]+$/;
  var KID = /^[A-Za-z0-9_-]{11}$/;
  var MAX_INPUT = 16384, MAX_PAYLOAD = 1200, KID_BYTES = 8, CST = 8 * 3600, DAY = 86400;
  // Until then the first compact layout (untagged, no alg) is accepted (signing LEGACY_LAYOUT_UNTIL).
  var LEGACY_LAYOUT_UNTIL = 1811779200;
  var COSE_ALG = { EdDSA: -8, ES256: -7 };
  var CLOCK_ALLOWANCE = 25; // seconds this device's clock may be off either way (signing.CLOCK_ALLOWANCE)
  var REASON_STEP = {
    malformed: 1, retired_layout: 1, unknown_key: 2, wrong_key_purpose: 2, key_compromised: 2, bad_signature: 3,
    key_outside_window: 4, not_yet_valid: 5, clock_skew: 5, expired: 5, stale_presentation: 5,
    status_unavailable: 6, status_out_of_bounds: 6, revoked: 6, suspended: 6, superseded: 6, policy: 7
  };
  var STATUS_REASON = { 1: "revoked", 2: "suspended", 3: "superseded" };
  var CATEGORY_CODES = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];

  function Fail(reason, detail) { this.reason = reason; this.detail = detail || reason; }
  function fail(reason, detail) { throw new Fail(reason, detail); }

  // --- encodings -------------------------------------------------------------------------
  function b64urlDecode(text) {
    if (!/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) fail("malformed", "not base64url text");
    var s = text.replace(/-/g, "+").replace(/_/g, "/");
    while (s.length % 4) s += "=";
    var bin = atob(s), out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }
  function b64urlEncode(bytes) {
    var s = "";
    for (var i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
    return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  // Strict UTF-8 that keeps a byte order mark (as Python's bytes.decode("utf-8") does): a JSON
  // segment starting with one is not JSON.
  function utf8(bytes) { return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes); }
  function ascii(text) { return new TextEncoder().encode(text); }
  function decimalDecode(text) {
    if (!/^[1-9][0-9]*$/.test(text)) fail("malformed", "the payload must be ASCII digits without a leading zero");
    var hex = BigInt(text).toString(16);
    if (hex.length % 2) hex = "0" + hex;
    var out = new Uint8Array(hex.length / 2);
    for (var i = 0; i < out.length; i++) out[i] = parseInt(hex.substr(i * 2, 2), 16);
    return out;
  }
  function unpackCode(value) {
    if (typeof value === "string") return value;
    if (value.length !== 12) fail("malformed", "a packed code is 12 bytes");
    var n = 0n;
    for (var i = 0; i < value.length; i++) n = n * 256n + BigInt(value[i]);
    var s = "";
    for (var j = 0; j < 18; j++) { s = B36[Number(n % 36n)] + s; n = n / 36n; }
    if (n !== 0n) fail("malformed", "a packed code is out of range");
    return s;
  }
  function concat(parts) {
    var size = 0, at = 0;
    parts.forEach(function (p) { size += p.length; });
    var out = new Uint8Array(size);
    parts.forEach(function (p) { out.set(p, at); at += p.length; });
    return out;
  }

  // --- CBOR (the definite-length subset the presentation uses) ------------------------------
  function cborDecode(bytes) {
    var pos = 0;
    function need(n) { if (pos + n > bytes.length) fail("malformed", "claims are not CBOR: truncated"); }
    function arg(info) {
      if (info < 24) return info;
      var size = { 24: 1, 25: 2, 26: 4, 27: 8 }[info];
      if (!size) fail("malformed", "claims are not CBOR: unsupported length");
      need(size);
      var n = 0;
      for (var i = 0; i < size; i++) n = n * 256 + bytes[pos++];
      if (n > Number.MAX_SAFE_INTEGER) fail("malformed", "claims are not CBOR: integer too large");
      return n;
    }
    function item() {
      need(1);
      var head = bytes[pos++], major = head >> 5, info = head & 31, n, i, out;
      switch (major) {
        case 0: return arg(info);
        case 1: return -1 - arg(info);
        case 2: n = arg(info); need(n); out = bytes.slice(pos, pos + n); pos += n; return out;
        case 3: n = arg(info); need(n); out = utf8(bytes.slice(pos, pos + n)); pos += n; return out;
        case 4: n = arg(info); out = []; for (i = 0; i < n; i++) out.push(item()); return out;
        case 5:
          n = arg(info); out = new Map();
          for (i = 0; i < n; i++) { var k = item(); out.set(k, item()); }
          return out;
        default: fail("malformed", "claims are not CBOR: unsupported item");
      }
    }
    var value = item();
    if (pos !== bytes.length) fail("malformed", "claims have trailing bytes");
    return value;
  }

  // --- identifiers --------------------------------------------------------------------------
  function mod3736(text) {
    var p = 36;
    for (var i = 0; i < text.length; i++) {
      var v = B36.indexOf(text[i]);
      if (v < 0) fail("malformed", "character not in 0-9A-Z");
      var s = (p + v) % 36 || 36;
      p = (s * 2) % 37;
    }
    return B36[(37 - p) % 36];
  }
  // GB 32100: the 18th character of a credit code is the check character of the first 17.
  var CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY";
  var CREDIT_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
  function creditCode(text) {
    if (!CREDIT.test(text)) return false;
    var total = 0;
    for (var i = 0; i < 17; i++) total += CREDIT_ALPHABET.indexOf(text[i]) * CREDIT_WEIGHTS[i];
    return CREDIT_ALPHABET[(31 - total % 31) % 31] === text[17];
  }
  function identifier(type, issuer, serial, version) {
    if (!PART.test(type) || !creditCode(issuer) || !PART.test(serial) || !(version >= 0 && version <= 999)) {
      fail("malformed", "identifier parts are invalid");
    }
    var v = ("00" + version).slice(-3);
    return ROOT + "." + type + "." + issuer + "." + serial + "." + v + "." + mod3736(type + issuer + serial + v);
  }
  function parseIdentifier(text) {
    if (typeof text !== "string" || text.indexOf(ROOT + ".") !== 0) fail("malformed", "not an identifier");
    var parts = text.slice(ROOT.length + 1).split(".");
    if (parts.length !== 5 || !/^\d{3}$/.test(parts[3])) fail("malformed", "not an identifier");
    var built = identifier(parts[0], parts[1], parts[2], parseInt(parts[3], 10));
    if (built !== text) fail("malformed", "the identifier's check character is wrong");
    return { issuer: parts[1] };
  }
  var ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  // GB 11643: 17 digits and a check character, with a real birth date from 1900-01-01 to the
  // day the certificate was issued (day number `issued`).
  function validIdNumber(text, issued) {
    if (typeof text !== "string" || !/^\d{17}[\dX]$/.test(text)) return false;
    var birth = calendarDay(+text.slice(6, 10), +text.slice(10, 12), +text.slice(12, 14));
    if (birth === null || birth < calendarDay(1900, 1, 1) || birth > issued) return false;
    var sum = 0;
    for (var i = 0; i < 17; i++) sum += parseInt(text[i], 10) * ID_WEIGHTS[i];
    return "10X98765432"[sum % 11] === text[17];
  }
  // The day number of a real date of years 1-9999, or null (Date.UTC alone rolls 02-30 over to
  // March and reads the years 0-99 as 1900-1999).
  function calendarDay(year, month, day) {
    var d = new Date(0);
    d.setUTCFullYear(year, month - 1, day);
    if (year < 1 || d.getUTCFullYear() !== year || d.getUTCMonth() !== month - 1 || d.getUTCDate() !== day) return null;
    return Math.floor(d.getTime() / 1000 / DAY);
  }
  function dayNumber(iso) {
    if (typeof iso !== "string" || !/^\d{4}-\d{2}-\d{2}$/.test(iso)) fail("malformed", "not a date");
    var n = calendarDay(+iso.slice(0, 4), +iso.slice(5, 7), +iso.slice(8, 10));
    if (n === null) fail("malformed", "not a date");
    return n;
  }
  // What Python's str.isspace() calls space (String.prototype.trim differs: it keeps U+001C-U+001F
  // and U+0085 and drops U+FEFF), so a blank holder name is the library's blank.
  var BLANK = /^[\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$/;
  function isoDay(n) { return new Date(n * DAY * 1000).toISOString().slice(0, 10); }
  function mask(name) {
    if (name.length <= 1) return name;
    if (name.length === 2) return name[0] + "*";
    return name[0] + "*".repeat(name.length - 2) + name[name.length - 1];
  }

  // --- keys ---------------------------------------------------------------------------------
  // The JWKS holds key material only; our rules for each key (purpose, issuer, window,
  // compromise) come from the signed key-status document (signing/_key_status.py). A key the
  // document lists but the JWKS does not publish is withdrawn; one it does not list is not trusted.
  function KeySet(byKid, withdrawn) { this.byKid = byKid; this.withdrawn = withdrawn; }
  KeySet.prototype.get = function (kid) {
    if (typeof kid !== "string" || !KID.test(kid)) fail("malformed", "the key id is not a key id");
    var entry = Object.prototype.hasOwnProperty.call(this.byKid, kid) ? this.byKid[kid] : null;
    if (entry) return entry;
    var gone = Object.prototype.hasOwnProperty.call(this.withdrawn, kid) ? this.withdrawn[kid] : null;
    if (!gone) fail("unknown_key", "no trusted key " + kid);
    if (gone.compromised_at !== undefined && gone.compromised_at !== null) fail("key_compromised", "key " + kid + " was marked compromised");
    fail("key_outside_window", "key " + kid + " is not published: it may not sign now");
  };
  function loadKeys(jwks, keyStatus) {
    if (!jwks || !Array.isArray(jwks.keys)) throw new Error("a JWKS document has a 'keys' list");
    if (typeof keyStatus !== "string") throw new Error("no key-status document");
    var material = {};
    jwks.keys.forEach(function (jwk) { if (jwk && typeof jwk.kid === "string") material[jwk.kid] = jwk; });
    var head;
    try { head = JSON.parse(utf8(b64urlDecode(keyStatus.split(".")[0]))); } catch (e) { throw new Error("the key-status document is not a JWS"); }
    var signer = head && typeof head.kid === "string" && Object.prototype.hasOwnProperty.call(material, head.kid) ? material[head.kid] : null;
    if (!signer) throw new Error("the key-status document's key is not in the JWKS");
    var provisional = {}, own = { kid: signer.kid, alg: signer.alg, purpose: "keys", not_before: 0 };
    provisional[signer.kid] = { jwk: Object.assign({}, signer, own), key: null };
    return decodeJws(keyStatus, new KeySet(provisional, {}), "keys", "vnd.rtcert.key-status+jwt").then(function (r) {
      var c = r.claims, byKid = {}, withdrawn = {};
      if (!Array.isArray(c.keys) || !Number.isInteger(c.iat)) throw new Error("the key-status document has no keys or iat");
      c.keys.forEach(function (info) {
        if (!info || typeof info.kid !== "string" || !KID.test(info.kid) || typeof info.purpose !== "string" || typeof info.not_before !== "number") {
          throw new Error("the key-status document lists an invalid key");
        }
        if (Object.prototype.hasOwnProperty.call(material, info.kid)) {
          var m = material[info.kid];
          if (m.alg !== info.alg) throw new Error("key " + info.kid + " has another algorithm in the JWKS");
          byKid[info.kid] = { jwk: Object.assign({ kty: m.kty, crv: m.crv, x: m.x, y: m.y }, info), key: null };
        } else {
          withdrawn[info.kid] = info;
        }
      });
      var self = byKid[signer.kid];
      if (!self || self.jwk.purpose !== "keys" || (self.jwk.compromised_at !== undefined && self.jwk.compromised_at !== null) || !signsAt(self.jwk, c.iat)) {
        throw new Error("key " + signer.kid + " may not sign the key-status document");
      }
      return new KeySet(byKid, withdrawn);
    }, function (e) { throw new Error("the key-status document does not verify: " + (e && e.detail || e)); });
  }
  function thumbprint(jwk) {
    var members = jwk.kty === "OKP" ? { crv: jwk.crv, kty: jwk.kty, x: jwk.x } : { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y };
    var canonical = JSON.stringify(members, Object.keys(members).sort());
    return crypto.subtle.digest("SHA-256", ascii(canonical)).then(function (d) {
      return b64urlEncode(new Uint8Array(d).slice(0, KID_BYTES));
    });
  }
  function cryptoKey(entry) {
    if (entry.key) return Promise.resolve(entry.key);
    var jwk = entry.jwk;
    return thumbprint(jwk).then(function (kid) {
      if (kid !== jwk.kid) fail("unknown_key", "kid " + jwk.kid + " is not the key's thumbprint");
      var algorithm = jwk.alg === "EdDSA" ? { name: "Ed25519" } : { name: "ECDSA", namedCurve: "P-256" };
      var bare = jwk.kty === "OKP" ? { kty: "OKP", crv: "Ed25519", x: jwk.x } : { kty: "EC", crv: "P-256", x: jwk.x, y: jwk.y };
      return crypto.subtle.importKey("jwk", bare, algorithm, false, ["verify"]);
    }).then(function (key) { entry.key = key; return key; });
  }
  function verifySignature(entry, signature, data) {
    if (signature.length !== 64) return Promise.reject(new Fail("bad_signature", "signature does not match"));
    return cryptoKey(entry).then(function (key) {
      var algorithm = entry.jwk.alg === "EdDSA" ? { name: "Ed25519" } : { name: "ECDSA", hash: "SHA-256" };
      return crypto.subtle.verify(algorithm, key, signature, data);
    }).then(function (ok) { if (!ok) fail("bad_signature", "signature does not match key " + entry.jwk.kid); });
  }
  function signsAt(jwk, when) {
    return jwk.not_before <= when && (jwk.not_after === undefined || jwk.not_after === null || when < jwk.not_after);
  }
  function checkKey(entry, purpose) {
    if (entry.jwk.purpose !== purpose) fail("wrong_key_purpose", "key " + entry.jwk.kid + " signs " + entry.jwk.purpose + "s");
    if (entry.jwk.compromised_at !== undefined && entry.jwk.compromised_at !== null) {
      fail("key_compromised", "key " + entry.jwk.kid + " was marked compromised");
    }
  }

  // --- JWS ----------------------------------------------------------------------------------
  function decodeJws(token, keys, purpose, typ) {
    if (token.length > MAX_INPUT) fail("malformed", "token is too long");
    var parts = token.split(".");
    if (parts.length !== 3) fail("malformed", "not a JWT");
    var header, claims;
    try { header = JSON.parse(utf8(b64urlDecode(parts[0]))); } catch (e) { if (e instanceof Fail) throw e; fail("malformed", "not a JWT"); }
    if (!header || typeof header !== "object") fail("malformed", "not a JWT");
    if (header.typ !== typ) fail("malformed", "token type is " + header.typ);
    var entry = keys.get(header.kid);
    checkKey(entry, purpose);
    if (header.alg !== entry.jwk.alg) fail("bad_signature", "algorithm " + header.alg + " is not the algorithm of key " + entry.jwk.kid);
    var signature = b64urlDecode(parts[2]);
    return verifySignature(entry, signature, ascii(parts[0] + "." + parts[1])).then(function () {
      try { claims = JSON.parse(utf8(b64urlDecode(parts[1]))); } catch (e) { fail("malformed", "token cannot be decoded"); }
      if (!claims || typeof claims !== "object" || Array.isArray(claims)) fail("malformed", "token claims are not an object");
      return { claims: claims, entry: entry };
    });
  }

  // --- status lists -------------------------------------------------------------------------
  function inflate(bytes) {
    var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate"));
    return new Response(stream).arrayBuffer().then(function (b) { return new Uint8Array(b); },
      function () { fail("malformed", "status list does not decompress"); });
  }
  function loadStatusLists(tokens, keys) {
    return Promise.all((tokens || []).map(function (token) {
      return decodeJws(token, keys, "certificate", "statuslist+jwt").then(function (r) {
        var c = r.claims;
        if (!c.status_list || c.status_list.bits !== 2) fail("malformed", "status list uses another bit size");
        if (r.entry.jwk.issuer !== c.iss) fail("policy", "key does not sign for issuer " + c.iss);
        if (!signsAt(r.entry.jwk, c.iat)) fail("key_outside_window", "status list signed outside the key's window");
        return inflate(b64urlDecode(c.status_list.lst)).then(function (data) {
          return { issuer: c.iss, issuedAt: c.iat, expiresAt: c.exp, data: data };
        });
      });
    })).then(function (lists) {
      var byIssuer = {};
      lists.forEach(function (l) {
        if (!byIssuer[l.issuer] || l.issuedAt > byIssuer[l.issuer].issuedAt) byIssuer[l.issuer] = l;
      });
      return byIssuer;
    });
  }
  // A list has data.length * 4 entries; an index past the end is rejected, never read as valid.
  function statusAt(list, index) {
    var size = list.data.length * 4;
    if (!(index >= 0 && index < size)) {
      fail("status_out_of_bounds", "index " + index + " is out of bounds of a status list of " + size + " entries");
    }
    return (list.data[Math.floor(index / 4)] >> (2 * (index % 4))) & 3;
  }

  // --- the steps ----------------------------------------------------------------------------
  function extract(text) {
    text = (text || "").trim();
    if (!text) fail("malformed", "nothing to verify");
    if (text.length > MAX_INPUT) fail("malformed", "input is too long");
    if (text.indexOf("://") >= 0) {
      var lower = text.toLowerCase();
      if (lower.indexOf("https://") !== 0 && lower.indexOf("http://") !== 0) fail("malformed", "not a verification link");
      var path = text.split("://")[1].split("?")[0].split("#")[0];
      var at = path.indexOf("/v/");
      if (at < 0 || path.slice(at + 3).indexOf("/") >= 0) fail("malformed", "the link is not a certificate verification link");
      return ["presentation", path.slice(at + 3)];
    }
    if (text.indexOf("eyJ") === 0 && text.split(".").length === 3) return ["credential", text];
    return ["presentation", text];
  }

  function checkValidity(from, until, now) {
    var today = Math.floor((now + CST) / DAY);
    if (today < from) fail("not_yet_valid", "the certificate's validity has not started yet");
    if (today > until) fail("expired", "the certificate's validity has ended");
  }

  function checkStatus(ctx, issuer, index, whenSigned, signedAt, now) {
    var list = ctx.lists[issuer];
    var listed = list ? statusAt(list, index) : 0;  // out of the list's bounds: fails here
    if (!list || (ctx.requireStatus && now > list.expiresAt)) {
      if (ctx.requireStatus) fail("status_unavailable", "no current status list for issuer " + issuer);
      if (whenSigned) fail(STATUS_REASON[whenSigned], "status when signed");
      return ["unchecked", null];
    }
    var status = signedAt > list.issuedAt ? whenSigned : listed;
    if (status) fail(STATUS_REASON[status], "status list entry " + index + " of " + issuer);
    return ["valid", list.issuedAt];
  }

  function smallInt(b) { return b < 0x18 ? b : (b >= 0x20 && b < 0x38 ? -1 - (b - 0x20) : null); }
  function explainFrame(raw) {
    if (raw[0] === 0xd8 && raw.length > 1 && raw[1] !== 18) fail("malformed", "COSE tag " + raw[1] + " is not 18 (COSE_Sign1)");
    if (raw[0] >= 0xc0 && raw[0] < 0xd8 && raw[0] !== 0xd2) fail("malformed", "COSE tag " + (raw[0] - 0xc0) + " is not 18 (COSE_Sign1)");
    if (raw[0] === 0xd2 && raw[1] === 0x84 && raw[2] >= 0x40 && raw[2] <= 0x58) {
      var length = raw[2] === 0x58 ? raw[3] : raw[2] - 0x40, start = raw[2] === 0x58 ? 4 : 3, header = null;
      try { header = cborDecode(raw.slice(start, start + length)); } catch (e) { header = null; }
      if (header instanceof Map && header.has(2)) fail("malformed", "the protected header names critical parameters");
    }
    fail("malformed", "presentation is not a COSE_Sign1 message with only alg protected and a key id unprotected");
  }
  function isCount(v) { return typeof v === "number" && v >= 0 && Math.floor(v) === v; }
  function presentationClaims(c) {
    var known = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    c.forEach(function (_, k) { if (known.indexOf(k) < 0) fail("malformed", "unknown claims"); });
    var id = c.get(1), name = c.get(2), shortId = c.get(3), cats = c.get(4);
    var ints = [c.get(5), c.get(6), c.get(7), c.get(8), c.get(9)], st = c.has(10) ? c.get(10) : 0;
    if (!Array.isArray(id) || id.length !== 4 || typeof name !== "string" || typeof shortId !== "string" || shortId.length !== 8 ||
        !Array.isArray(cats) || !cats.length || typeof id[2] !== "string" || typeof id[3] !== "number") {
      fail("malformed", "claims are invalid");
    }
    ints.concat(cats, [st, id[3]]).forEach(function (v) { if (!isCount(v)) fail("malformed", "claims are invalid"); });
    if (st > 3) fail("malformed", "claim status is not a status");
    return {
      kind: "presentation", parts: [unpackCode(id[0]), unpackCode(id[1]), id[2], id[3]], issuer: unpackCode(id[1]),
      holder: { name: name, id: shortId.slice(0, 4) + "**********" + shortId.slice(4) }, cats: cats,
      from: ints[0], until: ints[1], iat: ints[2], lifetime: ints[3], index: ints[4], status: st
    };
  }
  function printedClaims(c) {
    var known = [1, 2, 3, 4, 5, 6, 7, 9, 11];
    c.forEach(function (_, k) { if (known.indexOf(k) < 0) fail("malformed", "unknown claims"); });
    var id = c.get(1), name = c.get(2), holderId = c.get(3), cats = c.get(4);
    var ints = [c.get(5), c.get(6), c.get(7), c.get(9), c.get(11)];
    if (!Array.isArray(id) || typeof name !== "string" || !(typeof holderId === "string" || holderId instanceof Uint8Array) ||
        !Array.isArray(cats)) {
      fail("malformed", "claims are invalid");
    }
    ints.forEach(function (v) { if (!isCount(v)) fail("malformed", "claims are invalid"); });
    if (id.length !== 4 || !id.slice(0, 2).every(function (p) { return typeof p === "string" || p instanceof Uint8Array; }) ||
        typeof id[2] !== "string" || !isCount(id[3])) {
      fail("malformed", "claim identifier must be [type code, issuer code, serial, version]");
    }
    if (!cats.length || !cats.every(isCount)) fail("malformed", "categories must be a non-empty list of codes");
    var fullId = unpackCode(holderId);
    if (fullId.length !== 18 || !name) fail("malformed", "claims name and id must hold the holder's name and ID number");
    return {
      kind: "printed", parts: [unpackCode(id[0]), unpackCode(id[1]), id[2], id[3]], issuer: unpackCode(id[1]),
      holder: { name: mask(name), id: fullId.slice(0, 4) + "**********" + fullId.slice(14) }, cats: cats,
      from: ints[0], until: ints[1], iat: ints[2], index: ints[3], firstIssued: ints[4]
    };
  }

  function presentation(payload, ctx, now) {
    if (!payload) fail("malformed", "presentation is empty");
    if (payload.length > MAX_PAYLOAD) fail("malformed", "presentation is too long");
    var raw = decimalDecode(payload), i, alg = null, kidAt, start, protectedBytes;
    var legacy = [0x84, 0x40 + 3 + KID_BYTES, 0xa1, 0x04, 0x40 + KID_BYTES];
    var tagged = [0xd2, 0x84, 0x43, 0xa1, 0x01], unprotected = [0xa1, 0x04, 0x40 + KID_BYTES];
    var isLegacy = raw[legacy.length + KID_BYTES] === 0xa0;
    for (i = 0; i < legacy.length && isLegacy; i++) if (raw[i] !== legacy[i]) isLegacy = false;
    var isTagged = !isLegacy && raw.length > 17;
    for (i = 0; i < tagged.length && isTagged; i++) if (raw[i] !== tagged[i]) isTagged = false;
    for (i = 0; i < unprotected.length && isTagged; i++) if (raw[6 + i] !== unprotected[i]) isTagged = false;
    if (isTagged) alg = smallInt(raw[5]);
    if (isLegacy) { kidAt = legacy.length; start = kidAt + KID_BYTES + 1; protectedBytes = raw.slice(2, kidAt + KID_BYTES); }
    else if (isTagged && alg !== null) { kidAt = 9; start = 17; protectedBytes = raw.slice(3, 6); }
    else explainFrame(raw);
    var h = raw[start], length, canonical = true;
    start += 1;
    if (h === 0x58 && raw.length > start) { length = raw[start]; start += 1; canonical = length >= 24; }
    else if (h === 0x59 && raw.length > start + 1) { length = raw[start] * 256 + raw[start + 1]; start += 2; canonical = length >= 256; }
    else if (h >= 0x40 && h < 0x58) { length = h - 0x40; }
    else fail("malformed", "presentation has no claims");
    var body = raw.slice(start, start + length), tail = raw.slice(start + length);
    if (!canonical || body.length !== length || tail.length !== 66 || tail[0] !== 0x58 || tail[1] !== 0x40) {
      fail("malformed", "presentation is truncated, padded or not canonical");
    }
    var kid = b64urlEncode(raw.slice(kidAt, kidAt + KID_BYTES));
    var c = cborDecode(body);
    var claims = c instanceof Map && c.has(11) && !isLegacy ? printedClaims(c) : null;
    if (!claims) {
      if (!(c instanceof Map)) fail("malformed", "claims are not a map");
      claims = presentationClaims(c);
    }
    if (isLegacy && now >= ctx.legacyUntil) {
      fail("retired_layout", "this code is in the first layout (untagged, no alg), refused since " + ctx.legacyUntil + ": ask for a fresh code");
    }
    var entry = ctx.keys.get(kid);  // 2
    checkKey(entry, claims.kind === "presentation" ? "presentation" : "certificate");
    if (alg !== null && alg !== COSE_ALG[entry.jwk.alg]) fail("bad_signature", "algorithm " + alg + " is not the algorithm of key " + kid);  // 3
    var sigStructure = concat([new Uint8Array([0x84, 0x6a]), ascii("Signature1"), cborHead(protectedBytes.length), protectedBytes,
      new Uint8Array([0x40]), cborHead(body.length), body]);
    return verifySignature(entry, tail.slice(2), sigStructure).then(function () {
      var iat = claims.iat, what = claims.kind === "presentation" ? "presentation was made " : "printed code was signed ";
      if (!signsAt(entry.jwk, iat)) fail("key_outside_window", "key " + kid + " was not allowed to sign at " + iat);  // 4
      if (iat > now + ctx.skew) fail("clock_skew", what + (iat - now) + " s after this device's time: check this device's clock");  // 5
      if (claims.kind === "presentation" && now > iat + claims.lifetime + ctx.skew) {
        fail("stale_presentation", "presentation is " + (now - iat) + " s old: ask the holder to refresh");
      }
      checkValidity(claims.from, claims.until, now);
      var status = checkStatus(ctx, claims.issuer, claims.index, claims.kind === "presentation" ? claims.status : 0, iat, now);  // 6
      if (claims.kind === "printed" && entry.jwk.issuer !== claims.issuer) fail("policy", "key does not sign for issuer " + claims.issuer);  // 7
      var verdict = {
        // the identifier is put together (and its parts checked) only for a verified code, as in the library
        valid: true, kind: claims.kind, kid: kid, signed_at: iat, identifier: identifier.apply(null, claims.parts), issuer: claims.issuer,
        holder: claims.holder, categories: claims.cats, valid_from: isoDay(claims.from), valid_until: isoDay(claims.until),
        status: status[0], status_list_issued_at: status[1]
      };
      if (claims.kind === "presentation") verdict.expires_at = iat + claims.lifetime;
      else verdict.first_issued = isoDay(claims.firstIssued);
      return verdict;
    });
  }
  function cborHead(n) {
    if (n < 24) return new Uint8Array([0x40 + n]);
    if (n < 256) return new Uint8Array([0x58, n]);
    return new Uint8Array([0x59, n >> 8, n & 255]);
  }

  var REQUIRED = ["iss", "sub", "jti", "iat", "nbf", "exp", "status", "cert"];
  function credential(token, ctx, now) {
    return decodeJws(token, ctx.keys, "certificate", "vnd.rtcert.cert+jwt").then(function (r) {  // 1-3
      var c = r.claims, missing = REQUIRED.filter(function (k) { return !(k in c); });
      if (missing.length) fail("malformed", "credential lacks claims " + missing.join(", "));
      var cert = c.cert || {}, facts;
      try {
        var idf = parseIdentifier(c.jti);
        facts = {
          issuer: idf.issuer, from: dayNumber(cert.valid_from), until: dayNumber(cert.valid_until),
          index: c.status.status_list.idx, holder: cert.holder, holderId: cert.holder_id, cats: cert.categories
        };
        dayNumber(cert.first_issued); facts.issued = dayNumber(cert.issued);
      } catch (e) { if (e instanceof Fail) throw e; fail("malformed", "credential claims are invalid"); }
      if (!validIdNumber(facts.holderId, facts.issued) || !Array.isArray(facts.cats) || !facts.cats.length ||
          facts.cats.some(function (x) { return CATEGORY_CODES.indexOf(x) < 0; }) || facts.until < facts.from ||
          facts.cats.some(function (x, i) { return i > 0 && x <= facts.cats[i - 1]; }) ||  // sorted, none twice
          !Number.isInteger(facts.index) || facts.index < 0 || typeof cert.holder !== "string" ||
          BLANK.test(cert.holder) || typeof c.sub !== "string" || typeof cert.issuer_name !== "string" ||
          !Number.isInteger(c.iat)) {
        fail("malformed", "credential claims are invalid");
      }
      if (facts.issuer !== c.iss) fail("malformed", "the identifier's issuer is not the credential's issuer");
      if (typeof c.iat !== "number" || !signsAt(r.entry.jwk, c.iat)) fail("key_outside_window", "key was not allowed to sign at " + c.iat);  // 4
      checkValidity(facts.from, facts.until, now);  // 5
      var status = checkStatus(ctx, facts.issuer, facts.index, 0, c.iat, now);  // 6
      if (r.entry.jwk.issuer !== facts.issuer) fail("policy", "key does not sign for issuer " + facts.issuer);  // 7
      return {
        valid: true, kind: "credential", kid: r.entry.jwk.kid, signed_at: c.iat, identifier: c.jti, issuer: facts.issuer,
        holder: { name: mask(cert.holder), id: cert.holder_id.slice(0, 4) + "**********" + cert.holder_id.slice(14) },
        categories: facts.cats, valid_from: cert.valid_from, valid_until: cert.valid_until,
        status: status[0], status_list_issued_at: status[1]
      };
    });
  }

  function verify(text, options) {
    options = options || {};
    var now = options.at !== undefined ? options.at : Math.floor(Date.now() / 1000);
    return Promise.resolve().then(function () {
      return loadKeys(options.jwks, options.keyStatus);
    }).then(function (keys) {
      return loadStatusLists(options.statusTokens, keys).then(function (lists) {
        var ctx = { keys: keys, lists: lists, skew: options.skew === undefined ? CLOCK_ALLOWANCE : options.skew, requireStatus: !!options.requireStatus,
                    legacyUntil: options.legacyLayoutUntil === undefined || options.legacyLayoutUntil === null ? LEGACY_LAYOUT_UNTIL : options.legacyLayoutUntil };
        var kind = extract(text);
        return kind[0] === "credential" ? credential(kind[1], ctx, now) : presentation(kind[1], ctx, now);
      });
    }).catch(function (e) {
      if (e instanceof Fail) return { valid: false, reason: e.reason, step: REASON_STEP[e.reason], detail: e.detail };
      return { valid: false, reason: "malformed", step: 1, detail: String(e && e.message || e) };
    });
  }

  global.RtcVerifier = { verify: verify, extract: extract, LEGACY_LAYOUT_UNTIL: LEGACY_LAYOUT_UNTIL };
})(window);
