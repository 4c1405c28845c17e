"""The match screen: your controls out, the dreamscape in.

Every 1/30 s the scene samples the controls (keyboard and mouse, a gamepad when one is
plugged in, or an ally bot's policy for `--solo` automation), sends one INPUT and feeds
the same move to the predictor. Every frame it builds a `MatchView` from the mirror, the
interpolation and the prediction, and hands it to the renderer and the HUD.

Escape, F1 and the chat key open what lies over the match (game.client.overlay); while
one is open the dreamer stands still, and while the link reconnects no input is sent. The
scene answers where to go next with a `game.client.flow` step (the results are a place
the App builds), so it imports no other scene module.

Imports pygame, game.client, game.net, game.sim, game.bots (through game.swarm).
"""

from __future__ import annotations

import math
import time
from typing import TYPE_CHECKING

import pygame

from game.client.chat import fresh_lines, line_text
from game.client.flow import Go, Place, Scene, Step
from game.client.overlay import MatchOverlay
from game.client.view import (
    EFFECT_SECONDS,
    EffectView,
    EntityView,
    MatchView,
    PlayerView,
    RiftView,
)
from game.net.records import LobbyPlayer, RiftFlags, input_values
from game.net.schema import Kind
from game.net.snapshot import EntityKind
from game.replay.inputs import PersonInput
from game.sim.events import PingKind
from game.sim.intent import Intent
from game.sim.motion import POSITION_SCALE
from game.sim.tuning import TICK_RATE, Tuning
from game.sim.world import rift_radii

if TYPE_CHECKING:
    from game.bots.ally import AllyPolicy
    from game.client.app import App
    from game.client.online import Match, Online
    from game.swarm import LevelKit

__all__ = ["Controls", "MatchScene"]

_INPUT_PERIOD = 1.0 / TICK_RATE


class Controls:
    """Turns keys, mouse and gamepad into an Intent."""

    def __init__(self, keys: dict[str, str]) -> None:
        self.codes: dict[str, int] = {}
        for action, name in keys.items():
            try:
                self.codes[action] = pygame.key.key_code(name)
            except (ValueError, pygame.error):
                continue
        self.pressed: set[str] = set()
        """edge-triggered actions pressed since the last sample"""
        self.pad: pygame.joystick.JoystickType | None = None
        if pygame.joystick.get_init() and pygame.joystick.get_count():
            self.pad = pygame.joystick.Joystick(0)

    def handle(self, ev: pygame.event.Event) -> None:
        if ev.type == pygame.KEYDOWN:
            for action, code in self.codes.items():
                if ev.key == code:
                    self.pressed.add(action)
        elif ev.type == pygame.MOUSEBUTTONDOWN and ev.button == 3:
            self.pressed.add("shove")
        elif ev.type == pygame.JOYBUTTONDOWN:
            self.pressed.add({0: "ability", 1: "shove", 2: "ping_help", 3: "ping_nightmare"}
                             .get(ev.button, ""))
        elif ev.type == pygame.JOYDEVICEADDED and self.pad is None:
            self.pad = pygame.joystick.Joystick(ev.device_index)

    def sample(self, aim: tuple[float, float]) -> Intent:
        keys = pygame.key.get_pressed()
        held = {a for a, c in self.codes.items() if 0 <= c < len(keys) and keys[c]}
        mx = (1.0 if "right" in held else 0.0) - (1.0 if "left" in held else 0.0)
        my = (1.0 if "down" in held else 0.0) - (1.0 if "up" in held else 0.0)
        paint = bool(pygame.mouse.get_pressed()[0])
        if self.pad is not None:
            with_pad = self._pad(aim)
            if with_pad is not None:
                mx, my, aim, pad_paint = with_pad
                paint = paint or pad_paint
        n = math.hypot(mx, my)
        if n > 1:
            mx, my = mx / n, my / n
        ping = PingKind.NONE
        for action, kind in (("ping_nightmare", PingKind.NIGHTMARE), ("ping_help", PingKind.HELP),
                             ("ping_rift", PingKind.RIFT)):
            if action in self.pressed:
                ping = kind
        intent = Intent(move=(mx, my), aim=aim, paint=paint,
                        ability="ability" in self.pressed, shove="shove" in self.pressed,
                        ping=int(ping))
        self.pressed.clear()
        return intent

    def _pad(self, aim: tuple[float, float]
             ) -> tuple[float, float, tuple[float, float], bool] | None:
        pad = self.pad
        if pad is None:
            return None
        try:
            lx, ly = pad.get_axis(0), pad.get_axis(1)
            rx, ry = (pad.get_axis(3), pad.get_axis(4)) if pad.get_numaxes() > 4 else (0, 0)
            trig = pad.get_axis(5) > 0.3 if pad.get_numaxes() > 5 else False
        except pygame.error:
            return None
        dead = 0.2
        lx, ly = (lx if abs(lx) > dead else 0.0), (ly if abs(ly) > dead else 0.0)
        if math.hypot(rx, ry) > dead:
            aim = (rx * 48.0, ry * 48.0)
        return lx, ly, aim, bool(trig)


class MatchScene(Scene):
    """Plays the current match of `online` until it ends (then shows the results)."""

    def __init__(self, app: App, online: Online, autopilot: bool = False) -> None:
        from game.client.hud import Hud
        from game.client.prompt_card import PromptCard
        from game.client.render import MatchRenderer
        from game.client.tutorial import Tutorial

        super().__init__()
        self.app = app
        self.online = online
        m = online.match
        assert m is not None
        self.m: Match = m
        size = app.screen.get_size()
        self.renderer = MatchRenderer(m.level, size, assets=app.assets)
        self.hud = Hud(size)
        self.tutorial = Tutorial(app.settings.keys, enabled=app.settings.hints,
                                 shown=app.settings.hints_shown)
        """the first night's prompts; `tutorial.shown` is what the player has seen"""
        self.prompt_card = PromptCard(self.hud.text)
        self.controls = Controls(app.settings.keys)
        self.autopilot = autopilot
        self._bot: tuple[AllyPolicy, LevelKit] | None = None
        self.seq = 0
        self.next_input = time.monotonic()
        self.opened = time.monotonic()
        self.show_stats = False
        self.tuning = Tuning()
        self.m.mirror.dirty = set(range(m.mirror.chunks_x * m.mirror.chunks_y))
        self.cs = m.level.cell_size
        self._rifts = [(mk.x, mk.y, *rift_radii(mk.strength, self.tuning))
                       for mk in m.level.rifts]
        self.frame_times: list[float] = []
        self.overlay = MatchOverlay(app, online)
        if app.audio is not None:
            app.audio.music(True)

    # ------------------------------------------------------------------ scene protocol
    @property
    def capturing(self) -> bool:
        return self.overlay.capturing

    def handle(self, ev: pygame.event.Event) -> None:
        if self.overlay.handle(ev):
            return
        self.controls.handle(ev)
        if ev.type == pygame.KEYDOWN:
            if ev.key == self.controls.codes.get("netstats"):
                self.show_stats = not self.show_stats
            elif ev.key == self.controls.codes.get("emote"):
                self.online.link.send(Kind.EMOTE)

    def update(self, dt: float) -> Step:
        happened = self.online.pump()
        if "error" in happened:
            return self.app.error_scene(self.online.error)
        if self.overlay.leaving:
            return Go(Place.TITLE, "You left the retreat.")
        if "end" in happened:
            self.app.settings.save()  # the prompts seen this night stay seen
            return Go(Place.RESULTS)
        if "start" in happened and self.online.match is not None \
                and self.online.match is not self.m:
            return Go(Place.MATCH)  # a new retreat, or the same one after a reconnect
        self.overlay.update(dt)
        now = time.monotonic()
        audio = self.app.audio
        if audio is not None:
            for kind in self.m.heard:
                audio.play_event(kind)
        self.m.heard.clear()
        if self.m.predictor is not None:
            self.m.predictor.decay(dt)
        while now >= self.next_input:
            self.next_input += _INPUT_PERIOD
            if now - self.next_input > 0.5:  # the window was stalled: do not flood
                self.next_input = now
            self._send_input()
        return self

    def _send_input(self) -> None:
        """One INPUT for this tick: the controls, the autopilot's choice, or standing still
        while something is open over the match. None while the link reconnects."""
        me = self.m.dreamer
        if not me or self.m.mirror.me is None or self.online.reconnecting > 0:
            return
        if self.autopilot:
            intent = self._bot_intent()
        elif self.overlay.still:
            self.controls.pressed.clear()
            intent = Intent()
        else:
            intent = self.controls.sample(self._aim())
        if intent is None:
            return
        self.seq += 1
        self.online.link.send(Kind.INPUT, input_values(self.seq, intent, self.m.mirror.tick))
        if self.m.predictor is not None:
            # the server applies the input in whole steps (game.replay.inputs): so do we,
            # and the prediction stays bit-exact
            self.m.predictor.input(self.seq, PersonInput.of_intent(intent).intent().move)

    def _bot_intent(self) -> Intent | None:
        from game.bots.ally import AllyPolicy
        from game.swarm import LevelKit, view_of

        if self._bot is None:
            lv = LevelKit(self.m.level, self.tuning)
            self._bot = (AllyPolicy(self.m.dreamer, lv.nav, 1), lv)
        policy, lv = self._bot
        view = view_of(self.m.mirror, lv, self.m.dreamer, self.m.night_ticks, [], self.tuning)
        if self.m.dreamer not in view.selves:
            return None
        intent: Intent = policy.decide(view.observe(self.m.dreamer))
        return intent

    def _me_pos(self) -> tuple[float, float] | None:
        if self.m.predictor is not None and self.m.dreamer in self.m.mirror.entities:
            return self.m.predictor.display
        return None

    def _aim(self) -> tuple[float, float]:
        me = self._me_pos()
        if me is None:
            return (0.0, 0.0)
        wx, wy = self.renderer.screen_to_world(pygame.mouse.get_pos())
        return (wx - me[0], wy - me[1])

    def draw(self, screen: pygame.Surface) -> None:
        t0 = time.perf_counter()
        view = self.view()
        self.renderer.draw(screen, view)
        self.hud.draw(screen, view)
        self._teach(screen, view)
        self.overlay.draw(screen)
        self.frame_times.append(time.perf_counter() - t0)

    def _teach(self, screen: pygame.Surface, view: MatchView) -> None:
        """Feed the tutorial this frame and draw its prompt clear of your dreamer."""
        from game.client.tutorial import sight_of

        self.tutorial.enabled = self.app.settings.hints  # it can change in the pause menu
        if not self.tutorial.enabled:
            return
        ox, oy = self.renderer.offset
        sw, sh = screen.get_size()
        prompt = self.tutorial.update(sight_of(view, (ox, oy, ox + sw, oy + sh)))
        shown = self.app.settings.hints_shown
        if len(shown) != len(self.tutorial.shown):
            shown[:] = sorted(self.tutorial.shown)
        if prompt is None:
            self.prompt_card.draw(screen, "", 0.0, 0.0, [], view.time)
            return
        avoid = []
        me = self.renderer.on_screen.get(view.me)
        if me is not None:  # the action around you: your figure and a stride around it
            avoid.append(pygame.Rect(me[0] - 180, me[1] - 150, 360, 300))
        self.prompt_card.draw(screen, self.tutorial.text, self.tutorial.age, prompt.seconds,
                              avoid, view.time)

    # ------------------------------------------------------------------ the view
    def view(self) -> MatchView:
        m, now = self.m, time.monotonic()
        mirror = m.mirror
        me_pos = self._me_pos()
        roster: list[LobbyPlayer] = (self.online.lobby or {}).get("players", [])
        names = {p.dreamer: p.name for p in roster if p.dreamer}
        entities: list[EntityView] = []
        for eid, e in mirror.entities.items():
            if eid == m.dreamer and me_pos is not None:
                x, y = me_pos
            elif e.kind == EntityKind.BEACON:
                x, y = e.x / POSITION_SCALE, e.y / POSITION_SCALE
            else:
                p = m.interp.position(eid, now)
                x, y = p if p is not None else (e.px, e.py)
            entities.append(EntityView(eid, e.kind, e.realm, e.role, x, y, e.status,
                                       names.get(eid, "")))
        if me_pos is not None:
            camera = me_pos
        else:
            camera = (m.level.pixel_width / 2, m.level.pixel_height / 2)
        rifts = []
        for index, (x, y, core, seal) in enumerate(self._rifts):
            flags, prog = mirror.rifts.get(index, (0, 0))
            rifts.append(RiftView(x, y, bool(flags & RiftFlags.OPEN),
                                  bool(flags & RiftFlags.SEALED), prog / 255, core, seal))
        me = mirror.me
        inspiration = me.inspiration / 10 if me else 0.0
        ability_in = me.ability_in / TICK_RATE if me else 0.0
        shove_in = me.shove_in / TICK_RATE if me else 0.0
        mine = mirror.entities.get(m.dreamer)
        players = []
        for lp in roster:
            if lp.spectator:
                continue
            players.append(PlayerView(lp.name, lp.realm, lp.role, lp.latency_ms, lp.bot,
                                      lp.player == self.online.player))
        effects = [EffectView(e.kind, e.x, e.y, now - e.at, e.value) for e in m.effects
                   if now - e.at < EFFECT_SECONDS.get(e.kind, 0.0)]
        stats = None
        if self.show_stats:
            snaps, rate = self.online.link.rates()
            stats = {"rtt_ms": self.online.link.rtt_ms, "snapshots_per_s": snaps,
                     "bytes_per_s": rate, "buffer_ms": m.interp.buffer_ms(now),
                     "corrections": float(m.predictor.corrections if m.predictor else 0)}
        aim = None
        if me_pos is not None and not self.autopilot:
            ax, ay = self._aim()
            reach = self.tuning.brush_reach
            n = math.hypot(ax, ay)
            if n > reach:
                ax, ay = ax * reach / n, ay * reach / n
            aim = (me_pos[0] + ax, me_pos[1] + ay)
        meters = (mirror.meters[0] / 100, mirror.meters[1] / 100) if len(mirror.meters) == 2 \
            else (0.0, 0.0)
        return MatchView(
            level=m.level, codes=mirror.codes, dirty=mirror.dirty, entities=entities,
            me=m.dreamer, camera=camera, aim=aim, meters=meters, rifts=rifts,
            seconds_to_dawn=max(m.night_ticks - mirror.tick, 0) / TICK_RATE,
            inspiration=inspiration, ability_in=ability_in, shove_in=shove_in,
            realm=mine.realm if mine else 0, role=mine.role if mine else 0,
            players=players, effects=effects, netstats=stats, title=m.level.title,
            hazard=m.hazard, time=now - self.opened,
            message=self._message(now),
            painting=aim is not None and bool(pygame.mouse.get_pressed()[0]))

    def _message(self, now: float) -> str:
        """The message line: the newest chat line or emote while it is fresh, else the
        retreat's goal for its first seconds, else nothing."""
        fresh = fresh_lines(self.online.chat, now)
        if fresh:
            return line_text(fresh[-1])
        if now - self.opened < 6 and self.m.level.goal:
            return self.m.level.goal
        return ""

