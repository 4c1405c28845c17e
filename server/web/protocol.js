// The Dreamlayer protocol as a spectator in a browser speaks it, written from
// game/net/PROTOCOL.md alone: messages are msgpack arrays [code, field1, ...] in the
// order of the schema; the paint travels as raw deflate. No I/O here: `decode` and
// `encode` turn bytes into messages and back, and `Mirror` rebuilds the world from
// MATCH_START's full state and the SNAPSHOTs, as game.net.snapshot.Mirror does.
// tests/web/test_protocol_js.py checks the codes and field names below against
// game/net/schema.py, so the two cannot drift apart unnoticed.

/* global MessagePack */
const { Encoder, Decoder } = globalThis.MessagePack;

export const PROTOCOL_VERSION = 3;

export const KIND = {
  HELLO: 1, LIST_ROOMS: 2, CREATE_ROOM: 3, JOIN_ROOM: 4, CHOOSE: 5, READY: 6, START: 7,
  INPUT: 8, CHAT: 9, EMOTE: 10, KICK: 11, LEAVE: 12, PING: 13,
  WELCOME: 64, ROOM_LIST: 65, JOINED: 66, LOBBY: 67, MATCH_START: 68, SNAPSHOT: 69,
  CHAT_MSG: 70, EMOTE_MSG: 71, MATCH_END: 72, ERROR: 73, PONG: 74, MOVED: 75,
};

// The fields of the messages this page sends or reads, in wire order.
export const FIELDS = {
  HELLO: ["version", "name"],
  JOIN_ROOM: ["code", "password", "spectate", "token"],
  PING: ["t"],
  WELCOME: ["version", "player", "server"],
  JOINED: ["code", "token", "player", "host", "spectator", "hold_seconds"],
  LOBBY: ["code", "level", "title", "hazard", "max_dreamers", "state", "players"],
  MATCH_START: ["level", "hazard", "night_ticks", "tick_rate", "dreamer", "state"],
  SNAPSHOT: ["tick", "ack", "meters", "entities", "removed", "chunks", "paint", "events",
    "me", "rifts"],
  CHAT_MSG: ["player", "name", "text"],
  MATCH_END: ["outcome", "score", "ticks", "meters", "coverage", "rifts_sealed", "rifts",
    "awakened", "dreamers", "next_level", "replay"],
  ERROR: ["code", "text"],
  PONG: ["t"],
  MOVED: ["code", "url"],
};

// A LOBBY roster line, by position.
export const LOBBY_PLAYER = ["player", "name", "realm", "role", "ready", "bot", "host",
  "spectator", "latency_ms", "dreamer"];

export const ENTITY = { DREAMER: 1, CADRE: 2, ETHAN: 3, BEACON: 4 };
export const DREAMER_STATUS = { ASLEEP: 1, DISTORTED: 2, STAGGERED: 4 };
export const CADRE_STATUS = { HIJACKING: 1, SLOWED: 2, AWAKENING: 4 };
export const RIFT_FLAGS = { OPEN: 1, SEALED: 2 };
export const CHUNK = 16;
// positions are in 1/8 px
export const POSITION_SCALE = 8;

const NAME_OF = Object.fromEntries(Object.entries(KIND).map(([k, v]) => [v, k]));
const MAX_MESSAGE = 2 << 20;

export class ProtocolError extends Error {}

const encoder = new Encoder();
const decoder = new Decoder({
  maxStrLength: MAX_MESSAGE, maxBinLength: MAX_MESSAGE, maxArrayLength: 65536,
  maxMapLength: 64, maxExtLength: 0,
});

/** The bytes of one message: `kind` a KIND name, `values` its fields by name. */
export function encode(kind, values = {}) {
  const names = FIELDS[kind];
  if (names === undefined) throw new Error(`this page does not send ${kind}`);
  return encoder.encode([KIND[kind], ...names.map((n) => {
    if (!(n in values)) throw new Error(`${kind}: missing ${n}`);
    return values[n];
  })]);
}

/** One received message as {kind, ...fields}; null for a kind this page does not read
 * (a newer server's message: ignored). Throws ProtocolError for bytes that are no
 * message. Field values are checked by their readers below, not here. */
export function decode(bytes) {
  let obj;
  try {
    obj = decoder.decode(bytes);
  } catch (e) {
    throw new ProtocolError(`not msgpack (${e.message})`);
  }
  if (!Array.isArray(obj) || obj.length === 0) throw new ProtocolError("not an array");
  const kind = NAME_OF[obj[0]];
  const names = kind && FIELDS[kind];
  if (!names) return null;
  if (obj.length !== names.length + 1) {
    throw new ProtocolError(`${kind}: ${obj.length - 1} fields, expected ${names.length}`);
  }
  const msg = { kind };
  names.forEach((n, i) => { msg[n] = obj[i + 1]; });
  return msg;
}

/** The bytes `data` inflated (raw deflate, no zlib header: the browser's
 * DecompressionStream("deflate-raw")), refusing more than `limit` bytes. */
export async function inflateRaw(data, limit) {
  const stream = new Blob([data]).stream().pipeThrough(new DecompressionStream("deflate-raw"));
  const reader = stream.getReader();
  const parts = [];
  let size = 0;
  for (;;) {
    let step;
    try {
      step = await reader.read();
    } catch (e) {
      throw new ProtocolError(`bad compressed data (${e.message})`);
    }
    if (step.done) break;
    size += step.value.length;
    if (size > limit) {
      reader.cancel();
      throw new ProtocolError("compressed data expands too far");
    }
    parts.push(step.value);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

/** The world as a spectator knows it: paint codes (state * 4 + realm, the padded grid
 * row-major), entities, meters, rifts and the tick. Build it with `Mirror.fromState`
 * (MATCH_START's state), then `apply` every SNAPSHOT in order. */
export class Mirror {
  static async fromState(state) {
    const raw = await inflateRaw(state, 1 << 22);
    let parts;
    try {
      parts = decoder.decode(raw);
    } catch (e) {
      throw new ProtocolError(`bad full state (${e.message})`);
    }
    const [tick, cx, cy, codes, ents, meters, rifts] = parts;
    if (!(codes instanceof Uint8Array) || codes.length !== cx * cy * CHUNK * CHUNK) {
      throw new ProtocolError("full state: grid of the wrong size");
    }
    const m = new Mirror();
    m.tick = tick;
    m.chunksX = cx;
    m.chunksY = cy;
    m.columns = cx * CHUNK;
    m.codes = new Uint8Array(codes);
    m.entities = new Map(ents.map(([id, kind, realm, role, x, y, status]) =>
      [id, { kind, realm, role, x, y, status }]));
    m.meters = meters.slice();
    m.rifts = new Map(rifts.map(([k, flags, progress]) => [k, { flags, progress }]));
    m.dirty = new Set(Array.from({ length: cx * cy }, (_, i) => i));
    return m;
  }

  /** Apply one SNAPSHOT (a decoded message). The paint is inflated first and then
   * everything is applied at once, so whoever reads the mirror between two awaits sees
   * one tick's state, never half of two. */
  async apply(snap) {
    const chunks = snap.chunks;
    const cells = CHUNK * CHUNK;
    let xor = null;
    if (chunks.length > 0) {
      if (snap.paint === null) throw new ProtocolError("snapshot: chunks without paint");
      xor = await inflateRaw(snap.paint, chunks.length * cells);
      if (xor.length !== chunks.length * cells) {
        throw new ProtocolError("snapshot: paint of the wrong size");
      }
    }
    this.applyEntities(snap.entities);
    for (const id of snap.removed) this.entities.delete(id);
    if (snap.meters !== null) this.meters = snap.meters.slice();
    for (const [k, flags, progress] of snap.rifts) this.rifts.set(k, { flags, progress });
    chunks.forEach((k, n) => {
      const cy = Math.floor(k / this.chunksX);
      const cx = k % this.chunksX;
      if (cy >= this.chunksY) throw new ProtocolError(`snapshot: no chunk ${k}`);
      for (let r = 0; r < CHUNK; r++) {
        const row = (cy * CHUNK + r) * this.columns + cx * CHUNK;
        for (let c = 0; c < CHUNK; c++) this.codes[row + c] ^= xor[n * cells + r * CHUNK + c];
      }
      this.dirty.add(k);
    });
    this.tick = snap.tick;
  }

  // records: flags:u8 id:u16 [kind realm role: u8] [x y: u16] [dx dy: i8] [status: u8],
  // little-endian, present by the flags NEW=1 ABS=2 DELTA=4 STATUS=8
  applyEntities(blob) {
    const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
    let at = 0;
    try {
      while (at < blob.length) {
        const flags = view.getUint8(at);
        const id = view.getUint16(at + 1, true);
        at += 3;
        let e = this.entities.get(id);
        if (flags & 1) {
          e = { kind: view.getUint8(at), realm: view.getUint8(at + 1),
            role: view.getUint8(at + 2), x: 0, y: 0, status: 0 };
          this.entities.set(id, e);
          at += 3;
        }
        if (e === undefined) throw new ProtocolError(`snapshot: unknown entity ${id}`);
        if (flags & 2) {
          e.x = view.getUint16(at, true);
          e.y = view.getUint16(at + 2, true);
          at += 4;
        }
        if (flags & 4) {
          e.x += view.getInt8(at);
          e.y += view.getInt8(at + 1);
          at += 2;
        }
        if (flags & 8) {
          e.status = view.getUint8(at);
          at += 1;
        }
      }
    } catch (e) {
      if (e instanceof ProtocolError) throw e;
      throw new ProtocolError("snapshot: truncated entities");
    }
  }
}
