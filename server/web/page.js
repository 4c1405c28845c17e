// The host's page: the server, its public rooms and its last nights, from GET /api/status
// every POLL_MS while the tab is visible (never two requests at once, none while hidden);
// a room's live view (watch.js); and, with the admin token pasted (kept in this tab's
// sessionStorage), the admin view: GET /admin/status, kick, close a room, drain.
// Everything from the server is put in the page as text, never as HTML.

import { Watch, clock } from "./watch.js";

export const POLL_MS = 2000;
const TOKEN_KEY = "dreamlayer-admin-token";

const $ = (id) => document.getElementById(id);
let timer = null;
let inflight = false;
let watching = null;
let last = null;

function token() {
  return sessionStorage.getItem(TOKEN_KEY) || "";
}

function authorised() {
  return { Authorization: `Bearer ${token()}` };
}

// ------------------------------------------------------------------ polling
function schedule() {
  clearTimeout(timer);
  timer = null;
  if (!document.hidden) timer = setTimeout(poll, POLL_MS);
}

async function poll() {
  timer = null;
  if (inflight || document.hidden) return;
  inflight = true;
  const admin = token() !== "";
  try {
    const answer = await fetch(admin ? "/admin/status" : "/api/status",
      { cache: "no-store", headers: admin ? authorised() : {} });
    if (answer.status === 401 && admin) {
      sessionStorage.removeItem(TOKEN_KEY);
      note((await answer.json()).error === "wrong token"
        ? "The admin key was refused: it is not this server's." : "The admin key was refused.");
    } else if (!answer.ok) {
      offline(`the server answered ${answer.status}`);
    } else {
      last = await answer.json();
      show(last, admin);
    }
  } catch (e) {
    offline("the server cannot be reached");
  } finally {
    inflight = false;
    schedule();
  }
}

document.addEventListener("visibilitychange", () => {
  if (document.hidden) {
    clearTimeout(timer);
    timer = null;
  } else if (timer === null && !inflight) {
    poll();
  }
});

function offline(why) {
  $("server-state").textContent = "unreachable";
  $("server-state").className = "badge bad";
  $("server-note").textContent = `Not updated: ${why}. Trying again every ${POLL_MS / 1000} s.`;
}

// ------------------------------------------------------------------ showing
function el(tag, className, text) {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}

function bytes(perSecond) {
  if (perSecond >= 1e6) return `${(perSecond / 1e6).toFixed(1)} MB/s`;
  if (perSecond >= 1e3) return `${(perSecond / 1e3).toFixed(1)} kB/s`;
  return `${Math.round(perSecond)} B/s`;
}

function duration(seconds) {
  const s = Math.floor(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  return `${Math.floor(s / 86400)} d ${Math.floor((s % 86400) / 3600)} h`;
}

function show(status, admin) {
  const s = status.server;
  $("server-name").textContent = s.name;
  $("server-state").textContent = s.status;
  $("server-state").className = `badge ${s.status === "ok" ? "good" : "bad"}`;
  $("server-note").textContent = "";
  const workers = Array.isArray(s.workers) ? s.workers : null;
  const facts = [
    ["version", `${s.version} (protocol ${s.protocol})`],
    ["uptime", duration(s.uptime_seconds)],
    ["workers", workers ? String(workers.length) : "1"],
    ["tick p50 / p99", `${s.tick_ms.p50.toFixed(2)} / ${s.tick_ms.p99.toFixed(2)} ms`],
    ["lag", `${s.tick_lag_ms_max.toFixed(1)} ms`],
    ["out / in", `${bytes(s.bytes_out_per_s)} / ${bytes(s.bytes_in_per_s)}`],
    ["connections", String(s.connections)],
    ["rooms", `${s.rooms} (${s.playing} playing)`],
  ];
  $("server").replaceChildren(...facts.map(([k, v]) => {
    const card = el("div", "fact");
    card.dataset.fact = k;
    card.append(el("span", "label", k), el("span", "value", v));
    return card;
  }));
  if (workers) {
    $("workers").replaceChildren(...workers.map((w) => el("li", "", w.pid === null
      ? `worker ${w.slot}: ${w.status}`  // being replaced, or it did not answer in time
      : `worker ${w.slot} (pid ${w.pid}): ${w.rooms} rooms, ${w.connections} connections, `
        + `tick p99 ${Number(w.tick_p99_ms ?? 0).toFixed(2)} ms, `
        + `lag ${Number(w.lag_ms ?? 0).toFixed(1)} ms`)));
  }
  $("workers").hidden = !workers;
  showRooms(status.rooms, admin);
  showNights(status.matches);
  $("admin").hidden = !s.admin;
  $("admin-form").hidden = admin;
  $("admin-tools").hidden = !admin;
  $("admin-mark").hidden = !admin;
}

function meter(name, label, value) {
  const m = el("div", `meter ${name}`);
  const bar = el("div", "bar");
  const fill = el("div", "fill");
  fill.style.width = `${Math.max(0, Math.min(100, value))}%`;
  bar.append(fill);
  m.append(el("span", "label", label), bar, el("span", "value", `${Math.round(value)}%`));
  return m;
}

function showRooms(rooms, admin) {
  $("no-rooms").hidden = rooms.length > 0;
  $("rooms").replaceChildren(...rooms.map((r) => {
    const card = el("article", "room");
    card.dataset.code = r.code;
    const head = el("header");
    const title = el("h3");
    title.append(el("span", "code", r.code), ` ${r.retreat}`);
    head.append(title, el("span", `phase ${r.phase.replace(" ", "-")}`, r.phase),
      el("span", "hazard", `hazard ${r.hazard}`));
    if (r.private) head.append(el("span", "badge private", "private"));
    card.append(head);
    if (r.meters) {
      const meters = el("div", "meters");
      meters.append(meter("sanctuary", "Sanctuary", r.meters[0]),
        meter("rest", "Rest Zone", r.meters[1]));
      if (r.seconds_to_dawn !== null) {
        meters.append(el("span", "clock", `${clock(r.seconds_to_dawn)} to dawn`));
      }
      card.append(meters);
    }
    const list = el("ul", "players");
    for (const p of r.players) {
      const li = el("li");
      li.dataset.player = String(p.id);
      const realm = p.realm.includes("Sanctuary") ? 1 : 2;
      li.append(el("span", `dot realm-${realm}`), el("span", "name", p.name));
      if (admin && !p.bot) {
        const kick = el("button", "small danger", "Kick");
        kick.dataset.action = "kick";
        kick.addEventListener("click", () => act(
          `/admin/kick?room=${encodeURIComponent(r.code)}&player=${p.id}`, `Kick ${p.name}?`));
        li.append(kick);
      }
      li.append(el("span", "detail", [p.realm, p.role, p.bot ? "bot" : `${p.ping_ms} ms`,
        p.host ? "host" : "", p.held ? "reconnecting" : ""].filter(Boolean).join(" · ")));
      list.append(li);
    }
    card.append(list);
    const foot = el("footer");
    foot.append(el("span", "spectators", `${r.spectators.length} watching`
      + (r.spectator_seats === 0 ? " (no seat left)" : "")));
    if (r.phase !== "lobby" && r.spectator_seats > 0 && !r.private) {
      const watch = el("button", "watch", "Watch live");
      watch.addEventListener("click", () => openWatch(r.code));
      foot.append(watch);
    }
    if (admin) {
      const close = el("button", "small danger", "Close room");
      close.dataset.action = "close";
      close.addEventListener("click", () => act(`/admin/close?room=${encodeURIComponent(r.code)}`,
        `Close room ${r.code}? Everyone in it is sent away.`));
      foot.append(close);
    }
    card.append(foot);
    return card;
  }));
}

const OUTCOME_TEXT = { sealed: "won: every rift sealed", dawn: "won: dawn",
  fracture: "lost: the dream fractured", unfinished: "unfinished" };

function showNights(nights) {
  $("no-nights").hidden = nights.length > 0;
  $("nights").hidden = nights.length === 0;
  $("nights-body").replaceChildren(...nights.map((n) => {
    const tr = el("tr");
    tr.className = `outcome-${n.outcome}`;
    const when = new Date(n.ended * 1000);
    const replay = el("td");
    if (n.replay) {
      const a = el("a", "", "replay");
      a.href = n.replay;
      replay.append(a);
    }
    tr.append(el("td", "", when.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })),
      el("td", "", n.retreat), el("td", "outcome", OUTCOME_TEXT[n.outcome] || n.outcome),
      el("td", "", [n.players.join(", "), n.bots ? `${n.bots} bot${n.bots > 1 ? "s" : ""}` : ""]
        .filter(Boolean).join(" + ")),
      el("td", "", `${clock(n.seconds)}`), replay);
    return tr;
  }));
}

// ------------------------------------------------------------------ admin
function note(text) {
  $("admin-note").textContent = text;
}

async function act(url, question) {
  if (question && !confirm(question)) return;
  try {
    const answer = await fetch(url, { cache: "no-store", headers: authorised() });
    const body = await answer.json();
    note(answer.ok ? body.text : `Refused: ${body.error}`);
    if (answer.status === 401) sessionStorage.removeItem(TOKEN_KEY);
  } catch (e) {
    note("The server cannot be reached.");
  }
  if (!inflight) {
    clearTimeout(timer);
    poll();
  }
}

$("admin-form").addEventListener("submit", (ev) => {
  ev.preventDefault();
  const value = $("admin-token").value.trim();
  $("admin-token").value = "";
  if (!value) return;
  sessionStorage.setItem(TOKEN_KEY, value);
  note("");
  if (!inflight) {
    clearTimeout(timer);
    poll();
  }
});
$("admin-forget").addEventListener("click", () => {
  sessionStorage.removeItem(TOKEN_KEY);
  note("The key is forgotten: the page is read-only again.");
  if (last) show(last, false);
});
$("admin-drain").addEventListener("click", () => act("/admin/drain",
  "Drain the server? Every player and spectator is disconnected and the server stops."));

// ------------------------------------------------------------------ the live view
function openWatch(code) {
  closeWatch();
  $("overview").hidden = true;
  $("watch").hidden = false;
  watching = new Watch($("watch"), code);
  watching.start();
  if (location.hash !== `#watch=${code}`) history.pushState(null, "", `#watch=${code}`);
}

function closeWatch() {
  if (watching) watching.stop();
  watching = null;
  $("watch").hidden = true;
  $("overview").hidden = false;
}

function route() {
  const m = /^#watch=([A-Za-z0-9]{1,8})$/.exec(location.hash);
  if (m) openWatch(m[1].toUpperCase());
  else closeWatch();
}

$("watch-back").addEventListener("click", () => {
  history.pushState(null, "", location.pathname);
  closeWatch();
});
window.addEventListener("popstate", route);

route();
poll();
