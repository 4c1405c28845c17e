// The live view: one room watched as a spectator over the game's own websocket, drawn on
// two stacked canvases. "paint" holds one pixel per cell of the dreamscape (the paint
// grid and its walls, in the palette's colours, redrawn only where chunks changed; its
// data-tick says which server tick it shows); "figures" is in world pixels: rifts,
// beacons, the cadre, Ethan and the dreamers, drawn every frame about 100 ms behind the
// newest snapshot, between two known positions, as the pygame client's Interpolator
// does. The meters, the clock and the roster are plain HTML around them.

import {
  CADRE_STATUS, CHUNK, DREAMER_STATUS, ENTITY, LOBBY_PLAYER, Mirror, POSITION_SCALE,
  PROTOCOL_VERSION, ProtocolError, RIFT_FLAGS, decode, encode,
} from "./protocol.js";
import { PALETTE, REALM_NAMES, ROLE_NAMES, css } from "./palette.js";

const WALL = 4;
const DELAY_SECONDS = 0.1;
const RETRY_CODES = new Set([1006, 1011, 1012, 1013, 1014]);
const OUTCOMES = {
  1: "Every rift sealed: the dream holds.",
  2: "Dawn came with both meters standing: the dream held.",
  3: "A unity meter collapsed: the dream fractured.",
};
const ROLE_MARK = { 1: "A", 2: "I", 3: "O" };

/** The geometry of a retreat (GET /api/levels/NAME), fetched once per page. */
const levels = new Map();
async function levelOf(name) {
  if (!levels.has(name)) {
    const answer = await fetch(`/api/levels/${encodeURIComponent(name)}`);
    if (!answer.ok) throw new Error(`no geometry for retreat ${name} (${answer.status})`);
    levels.set(name, await answer.json());
  }
  return levels.get(name);
}

export class Watch {
  /** Watches room `code` in the elements under `root` (see index.html's #watch). */
  constructor(root, code) {
    this.root = root;
    this.code = code;
    this.el = (name) => root.querySelector(`[data-watch="${name}"]`);
    this.paint = this.el("paint");
    this.figures = this.el("figures");
    this.queue = Promise.resolve();
    this.mirror = null;
    this.level = null;
    this.names = new Map();
    this.history = new Map();
    this.newest = { tick: 0, at: 0 };
    this.tickRate = 30;
    this.nightTicks = 0;
    this.retries = 0;
    this.stopped = false;
    this.frame = 0;
  }

  start() {
    this.el("code").textContent = this.code;
    this.say("Connecting…");
    this.connect();
    const draw = () => {
      if (this.stopped) return;
      this.draw();
      this.raf = requestAnimationFrame(draw);
    };
    this.raf = requestAnimationFrame(draw);
  }

  stop() {
    this.stopped = true;
    cancelAnimationFrame(this.raf);
    clearTimeout(this.retryTimer);
    if (this.ws) this.ws.close(1000, "the viewer closed the live view");
  }

  connect() {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    // the room's server: this one, unless a MOVED named another server of the cluster
    const base = this.movedTo || `${scheme}//${location.host}/`;
    // ?room= is a routing hint for hosts that run several workers; harmless elsewhere
    const ws = new WebSocket(`${base}?room=${encodeURIComponent(this.code)}`);
    ws.binaryType = "arraybuffer";
    this.ws = ws;
    ws.onopen = () => {
      ws.send(encode("HELLO", { version: PROTOCOL_VERSION, name: "Web spectator" }));
    };
    ws.onmessage = (ev) => {
      if (!(ev.data instanceof ArrayBuffer)) return;
      const bytes = new Uint8Array(ev.data);
      this.queue = this.queue.then(() => this.receive(bytes)).catch((e) => this.broken(e));
    };
    ws.onclose = (ev) => this.closed(ev);
  }

  async receive(bytes) {
    if (this.stopped) return;
    const msg = decode(bytes);
    if (msg === null) return;
    switch (msg.kind) {
      case "WELCOME":
        this.ws.send(encode("JOIN_ROOM", { code: this.code, password: "", spectate: true,
          token: "" }));
        break;
      case "JOINED":
        this.retries = 0;
        this.say("Watching. Waiting for the night to begin…");
        break;
      case "LOBBY":
        this.lobby(msg);
        break;
      case "MATCH_START":
        await this.matchStart(msg);
        break;
      case "SNAPSHOT":
        if (this.mirror !== null) {
          await this.mirror.apply(msg);
          this.remember(performance.now());
        }
        break;
      case "MATCH_END":
        this.say(OUTCOMES[msg.outcome] || "The night is over.");
        this.el("note").textContent = OUTCOMES[msg.outcome] || "";
        this.el("note").hidden = false;
        break;
      case "ERROR":
        this.say(`The server says: ${msg.text}`);
        break;
      case "MOVED":
        // the room runs on another server of the cluster: watch it there (3 moves at most)
        this.moves = (this.moves || 0) + 1;
        if (this.moves > 3 || !/^wss?:\/\//.test(msg.url)) {
          this.say("The room could not be found on the cluster's servers.");
          break;
        }
        this.movedTo = msg.url.endsWith("/") ? msg.url : `${msg.url}/`;
        this.ws.onclose = null;
        this.ws.close(1000, "moved");
        this.connect();
        break;
      default:
        break;
    }
  }

  lobby(msg) {
    this.el("title").textContent = msg.title;
    this.el("hazard").textContent = `hazard ${msg.hazard}`;
    this.names = new Map();
    const roster = this.el("roster");
    roster.replaceChildren();
    let spectators = 0;
    for (const line of msg.players) {
      const p = Object.fromEntries(LOBBY_PLAYER.map((n, i) => [n, line[i]]));
      if (p.spectator) { spectators += 1; continue; }
      if (p.dreamer) this.names.set(p.dreamer, p.name);
      const li = document.createElement("li");
      const dot = document.createElement("span");
      dot.className = `dot realm-${p.realm}`;
      li.append(dot, `${p.name} · ${REALM_NAMES[p.realm] || ""} ${ROLE_NAMES[p.role] || ""}`
        + (p.bot ? " · bot" : ""));
      roster.append(li);
    }
    this.el("spectators").textContent = `${spectators} watching`;
    if (msg.state !== 1 && this.mirror === null) {
      this.say(msg.state === 2 ? "Between retreats: waiting for the host to start the next."
        : "In the lobby: waiting for the host to start the night.");
    }
  }

  async matchStart(msg) {
    const level = await levelOf(msg.level);
    const mirror = await Mirror.fromState(msg.state);
    this.level = level;
    this.mirror = mirror;
    this.tickRate = msg.tick_rate;
    this.nightTicks = msg.night_ticks;
    this.history = new Map();
    this.newest = { tick: mirror.tick, at: performance.now() };
    this.el("note").hidden = true;
    this.setUpCanvases(level, mirror);
    this.remember(performance.now());
    this.say("Watching live.");
  }

  setUpCanvases(level, mirror) {
    this.paint.width = level.width;
    this.paint.height = level.height;
    this.figures.width = level.width * level.cell_size;
    this.figures.height = level.height * level.cell_size;
    this.el("stage").style.aspectRatio = `${level.width} / ${level.height}`;
    this.paintCtx = this.paint.getContext("2d");
    this.image = this.paintCtx.createImageData(level.width, level.height);
    this.image.data.fill(255);
    this.wallTone = wallTones(mirror.codes, mirror.columns, mirror.chunksY * CHUNK);
  }

  remember(now) {
    const m = this.mirror;
    if (m.tick > this.newest.tick) this.newest = { tick: m.tick, at: now };
    for (const [id, e] of m.entities) {
      if (e.kind === ENTITY.BEACON) continue;
      let h = this.history.get(id);
      if (h === undefined) { h = []; this.history.set(id, h); }
      if (h.length === 0 || h[h.length - 1][0] < m.tick) {
        h.push([m.tick, e.x / POSITION_SCALE, e.y / POSITION_SCALE]);
        if (h.length > 32) h.shift();
      }
    }
    for (const id of this.history.keys()) if (!m.entities.has(id)) this.history.delete(id);
  }

  /** Where entity `id` is drawn now: between the two known positions around the render
   * tick (about 100 ms behind the newest snapshot), or the nearest known one. */
  position(id, e, now) {
    const h = this.history.get(id);
    if (!h || h.length === 0) return [e.x / POSITION_SCALE, e.y / POSITION_SCALE];
    const t = this.newest.tick + (now - this.newest.at) / 1000 * this.tickRate
      - DELAY_SECONDS * this.tickRate;
    if (t <= h[0][0]) return [h[0][1], h[0][2]];
    for (let i = 1; i < h.length; i++) {
      const [t1, x1, y1] = h[i];
      if (t <= t1) {
        const [t0, x0, y0] = h[i - 1];
        const f = (t - t0) / (t1 - t0);
        return [x0 + (x1 - x0) * f, y0 + (y1 - y0) * f];
      }
    }
    const last = h[h.length - 1];
    return [last[1], last[2]];
  }

  say(text) {
    this.el("status").textContent = text;
  }

  broken(error) {
    const why = error instanceof ProtocolError ? `the server sent something this page cannot read (${error.message})`
      : `the live view failed (${error.message})`;
    this.say(`Stopped: ${why}.`);
    if (this.ws && this.ws.readyState <= 1) this.ws.close(4000, "unreadable message");
  }

  closed(ev) {
    if (this.stopped) return;
    if (RETRY_CODES.has(ev.code) && this.retries < 5) {
      const wait = 1000 * 2 ** this.retries;
      this.retries += 1;
      this.say(`Connection lost (${ev.code}); trying again in ${wait / 1000} s…`);
      this.retryTimer = setTimeout(() => this.connect(), wait);
      return;
    }
    this.say(`The server closed the live view: ${ev.reason || "no reason given"} (${ev.code}).`);
  }

  // ------------------------------------------------------------------ drawing
  draw() {
    const m = this.mirror;
    if (m === null || this.level === null) return;
    this.frame += 1;
    if (m.dirty.size > 0) this.drawPaint(m);
    const now = performance.now();
    this.drawFigures(m, now);
    this.drawHud(m);
  }

  drawPaint(m) {
    const { width, height } = this.level;
    const px = this.image.data;
    const cells = PALETTE.cells;
    const tones = PALETTE.wall_tones;
    for (const k of m.dirty) {
      const cy = Math.floor(k / m.chunksX);
      const cx = k % m.chunksX;
      for (let y = cy * CHUNK; y < Math.min((cy + 1) * CHUNK, height); y++) {
        for (let x = cx * CHUNK; x < Math.min((cx + 1) * CHUNK, width); x++) {
          const i = y * m.columns + x;
          const code = m.codes[i];
          const rgb = code >> 2 === WALL ? tones[this.wallTone[i]] : cells[code];
          const o = (y * width + x) * 4;
          px[o] = rgb[0];
          px[o + 1] = rgb[1];
          px[o + 2] = rgb[2];
        }
      }
    }
    m.dirty.clear();
    this.paintCtx.putImageData(this.image, 0, 0);
    this.paint.dataset.tick = String(m.tick);
  }

  drawFigures(m, now) {
    const ctx = this.figures.getContext("2d");
    const t = now / 1000;
    ctx.clearRect(0, 0, this.figures.width, this.figures.height);
    const cs = this.level.cell_size;
    for (const r of this.level.rifts) {
      const state = m.rifts.get(r.index) || { flags: 0, progress: 0 };
      drawRift(ctx, r, state, cs, t);
    }
    // figures and names grow where the map is drawn small (a phone), so they stay legible
    const k = Math.min(2.5, Math.max(1, 0.55 * this.figures.width
      / Math.max(1, this.figures.clientWidth)));
    const dreamers = [];
    const labels = [];
    for (const [id, e] of m.entities) {
      const [x, y] = this.position(id, e, now);
      if (e.kind === ENTITY.BEACON) {
        const colour = PALETTE.realm_light[e.realm] || PALETTE.realm_light[0];
        const wave = (t * 0.6) % 1;
        ring(ctx, x, y, 8 + wave * (7.5 * cs - 8), colour, 2, 0.8 * (1 - wave));
        at(ctx, x, y, k, () => drawBeacon(ctx, e));
      } else if (e.kind === ENTITY.CADRE) {
        at(ctx, x, y, k, () => drawCadre(ctx, e, t, x));
      } else if (e.kind === ENTITY.ETHAN) {
        at(ctx, x, y, k, () => drawEthan(ctx, e, t));
        labels.push(["Ethan Lynx", x, y - 24 * k, [255, 120, 140]]);
      } else if (e.kind === ENTITY.DREAMER) dreamers.push([id, e, x, y]);
    }
    dreamers.sort((a, b) => a[3] - b[3]);
    for (const [id, e, x, y] of dreamers) {
      at(ctx, x, y, k, () => drawDreamer(ctx, e, t, id));
      const name = this.names.get(id);
      if (name) labels.push([name, x, y - 18 * k, PALETTE.realm_light[e.realm] || PALETTE.realm_light[0]]);
    }
    ctx.font = `bold ${Math.round(12 * k)}px system-ui, sans-serif`;
    ctx.textAlign = "center";
    ctx.textBaseline = "bottom";
    for (const [text, x, y, colour] of labels) {
      ctx.fillStyle = "rgba(6, 4, 14, 0.85)";
      ctx.fillText(text, x + 1, y + 1);
      ctx.fillStyle = css(colour);
      ctx.fillText(text, x, y);
    }
    this.figures.dataset.frame = String(this.frame);
  }

  drawHud(m) {
    const [sanctuary, rest] = m.meters.length === 2 ? m.meters : [0, 0];
    for (const [name, value] of [["sanctuary", sanctuary], ["rest", rest]]) {
      const pct = value / 100;
      this.el(`${name}-fill`).style.width = `${Math.max(0, Math.min(100, pct))}%`;
      this.el(`${name}-value`).textContent = `${Math.round(pct)}%`;
    }
    const left = Math.max(this.nightTicks - m.tick, 0) / this.tickRate;
    this.el("clock").textContent = `${clock(left)} to dawn`;
  }
}

/** m:ss of `seconds`. */
export function clock(seconds) {
  const s = Math.ceil(seconds);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

/** Each wall cell's tone (0 inside, 1 rim touching floor, 2 front face: floor below),
 * as game/client/palette.py's cell_patterns() tells them, over the padded grid. */
function wallTones(codes, columns, rows) {
  const out = new Uint8Array(codes.length);
  const floor = (x, y) => x >= 0 && y >= 0 && x < columns && y < rows
    && codes[y * columns + x] >> 2 !== WALL;
  for (let y = 0; y < rows; y++) {
    for (let x = 0; x < columns; x++) {
      if (codes[y * columns + x] >> 2 !== WALL) continue;
      if (floor(x, y + 1)) out[y * columns + x] = 2;
      else if (floor(x, y - 1) || floor(x - 1, y) || floor(x + 1, y)) out[y * columns + x] = 1;
    }
  }
  return out;
}

function glow(ctx, x, y, radius, rgb, alpha) {
  const g = ctx.createRadialGradient(x, y, 0, x, y, radius);
  g.addColorStop(0, css(rgb, alpha));
  g.addColorStop(1, css(rgb, 0));
  ctx.fillStyle = g;
  ctx.beginPath();
  ctx.arc(x, y, radius, 0, Math.PI * 2);
  ctx.fill();
}

function disc(ctx, x, y, radius, fill, stroke, width) {
  ctx.beginPath();
  ctx.arc(x, y, radius, 0, Math.PI * 2);
  if (fill) { ctx.fillStyle = fill; ctx.fill(); }
  if (stroke) { ctx.strokeStyle = stroke; ctx.lineWidth = width || 1; ctx.stroke(); }
}

function ring(ctx, x, y, radius, rgb, width, alpha, from = 0, to = Math.PI * 2) {
  ctx.beginPath();
  ctx.arc(x, y, radius, from, to);
  ctx.strokeStyle = css(rgb, alpha);
  ctx.lineWidth = width;
  ctx.stroke();
}

function star(ctx, x, y, outer, inner, n, turn, fill) {
  ctx.beginPath();
  for (let k = 0; k < 2 * n; k++) {
    const r = k % 2 ? inner : outer;
    const a = turn + (k * Math.PI) / n;
    ctx.lineTo(x + r * Math.cos(a), y + r * Math.sin(a));
  }
  ctx.closePath();
  ctx.fillStyle = fill;
  ctx.fill();
}

function drawRift(ctx, r, state, cs, t) {
  const core = (r.core_radius + 0.5) * cs;
  const outer = (r.seal_radius + 0.5) * cs;
  if (state.flags & RIFT_FLAGS.SEALED) {
    glow(ctx, r.x, r.y, core * 2.2, PALETTE.mosaic_light, 0.55);
    const pulse = 1 + 0.06 * Math.sin(t * 1.5);
    star(ctx, r.x, r.y, core * 1.5 * pulse, core * 0.6, 8, t * 0.25, css(PALETTE.cells[8]));
    star(ctx, r.x, r.y, core * pulse, core * 0.42, 8, -t * 0.25, css(PALETTE.mosaic_light));
    return;
  }
  if (!(state.flags & RIFT_FLAGS.OPEN)) {
    ring(ctx, r.x, r.y, core, [96, 70, 130], 1, 1);
    ring(ctx, r.x, r.y, outer, [70, 52, 100], 1, 1);
    return;
  }
  ring(ctx, r.x, r.y, outer, [30, 4, 40], 3, 1);
  for (let k = 0; k < 3; k++) {
    const a = t * 1.7 + k * 2.0944;
    ring(ctx, r.x, r.y, outer, [120, 24, 110], 2, 1, a, a + 1.2);
  }
  for (let k = 0; k < 2; k++) {
    const a = -t * 2.6 + k * Math.PI;
    ring(ctx, r.x, r.y, core + 4, [210, 40, 90], 2, 1, a, a + 1.9);
  }
  disc(ctx, r.x, r.y, core, "rgb(6, 0, 10)");
  ring(ctx, r.x, r.y, Math.max(2, core * (0.45 + 0.15 * Math.sin(t * 3))), [150, 20, 110], 2, 1);
  if (state.progress > 0) {
    ring(ctx, r.x, r.y, outer + 4, PALETTE.mosaic_light, 3, 1, -Math.PI / 2,
      -Math.PI / 2 + (state.progress / 255) * Math.PI * 2);
  }
}

/** Draws `draw` (which draws around 0, 0) at x, y, `k` times its size. */
function at(ctx, x, y, k, draw) {
  ctx.save();
  ctx.translate(x, y);
  ctx.scale(k, k);
  draw();
  ctx.restore();
}

function drawBeacon(ctx, e) {
  const colour = PALETTE.realm[e.realm] || PALETTE.realm[0];
  const light = PALETTE.realm_light[e.realm] || PALETTE.realm_light[0];
  glow(ctx, 0, 0, 20, colour, 0.5);
  ctx.beginPath();
  ctx.moveTo(0, -10);
  ctx.lineTo(8, 0);
  ctx.lineTo(0, 10);
  ctx.lineTo(-8, 0);
  ctx.closePath();
  ctx.fillStyle = css(colour);
  ctx.fill();
  ctx.strokeStyle = "rgb(16, 14, 30)";
  ctx.lineWidth = 1.5;
  ctx.stroke();
  disc(ctx, 0, 0, 3, css(light));
}

function drawCadre(ctx, e, t, phase) {
  const y = 2 * Math.sin(t * 3.1 + phase * 0.01);
  glow(ctx, 0, y, 24, PALETTE.cadre_glow, 0.45);
  disc(ctx, 0, y, 11, css(PALETTE.cadre), css(PALETTE.cadre_rim), 1.5);
  disc(ctx, -4, y - 2, 2, css(PALETTE.cadre_glow));
  disc(ctx, 4, y - 2, 2, css(PALETTE.cadre_glow));
  if (e.status & CADRE_STATUS.SLOWED) ring(ctx, 0, 0, 15, [120, 220, 255], 1, 1);
  if (e.status & CADRE_STATUS.AWAKENING) {
    const f = (t * 2) % 1;
    ring(ctx, 0, 0, 14 + 10 * f, PALETTE.mosaic_light, 2, 0.9 * (1 - f));
  }
}

function drawEthan(ctx, e, t) {
  if (e.status & CADRE_STATUS.HIJACKING) {
    const pulse = 0.5 + 0.5 * Math.sin(t * 6);
    ring(ctx, 0, 0, 20 + 8 * pulse, [14, 0, 16], 5, 1);
    ring(ctx, 0, 0, 25 + 8 * pulse, PALETTE.ethan_accent, 2, 1);
  }
  glow(ctx, 0, 0, 42, PALETTE.ethan_accent, 0.5);
  disc(ctx, 0, 0, 16, css(PALETTE.ethan), css(PALETTE.ethan_accent), 2.5);
  disc(ctx, -5, -3, 2.5, css(PALETTE.ethan_accent));
  disc(ctx, 5, -3, 2.5, css(PALETTE.ethan_accent));
  if (e.status & CADRE_STATUS.AWAKENING) {
    const f = (t * 1.5) % 1;
    ring(ctx, 0, 0, 20 + 14 * f, PALETTE.mosaic_light, 2, 0.9 * (1 - f));
  }
}

function drawDreamer(ctx, e, t, id) {
  const asleep = (e.status & DREAMER_STATUS.ASLEEP) !== 0;
  const distorted = !asleep && (e.status & DREAMER_STATUS.DISTORTED) !== 0;
  const colour = PALETTE.realm[e.realm] || PALETTE.realm[0];
  const light = PALETTE.realm_light[e.realm] || PALETTE.realm_light[0];
  const x = distorted ? 3 * Math.sin(t * 23 + id) : 0;
  const y = distorted ? 2 * Math.cos(t * 19 + id) : 0;
  ctx.fillStyle = "rgba(4, 2, 10, 0.45)";
  ctx.beginPath();
  ctx.ellipse(x, y + 10, 11, 4, 0, 0, Math.PI * 2);
  ctx.fill();
  if (!asleep) glow(ctx, x, y, 26, colour, 0.45);
  disc(ctx, x, y, 10, asleep ? "rgb(120, 116, 150)" : css(colour), "rgb(16, 14, 30)", 2);
  disc(ctx, x - 3, y - 3, 3, css(light));
  ctx.font = "bold 10px system-ui, sans-serif";
  ctx.textAlign = "center";
  ctx.textBaseline = "middle";
  ctx.fillStyle = "rgb(16, 14, 30)";
  ctx.fillText(ROLE_MARK[e.role] || "", x + 1, y + 2);
  if (asleep) {
    const rise = (t * 0.7 + id * 0.3) % 1;
    ctx.font = "bold 14px system-ui, sans-serif";
    ctx.fillStyle = "rgb(200, 200, 255)";
    ctx.fillText("z", x + 12 + 5 * rise, y - 12 - 10 * rise);
  }
  if (distorted) {
    const a = t * 9;
    ring(ctx, x, y, 14, PALETTE.cadre_glow, 3, 1, a, a + 2);
    ring(ctx, x, y, 14, PALETTE.cadre_glow, 3, 1, a + Math.PI, a + Math.PI + 2);
  }
}
