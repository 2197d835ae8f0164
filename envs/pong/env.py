"""``PongEnv``: the Gymnasium view of one court; the learner plays the left paddle against an ``opponent``.

Each step is one call into the compiled core (``core.step_one``) on a one-row state; the Python around it only
checks the action, asks an Agent opponent for its move and builds the info dict.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from envs.checks import check_finite, check_int, check_unit
from envs.pong import core
from envs.pong.core import EVENTS, N_FEATURES, OBS_TYPES, OPPONENTS, PIX_H, PIX_W
from envs.pong.game import PongGame
from envs.pong.render import PongRenderer, PongRendering

_OPP_MODES = {"tracker": core.OPP_TRACKER, "random": core.OPP_RANDOM, "agent": core.OPP_GIVEN}


def vector_space() -> spaces.Box:
    low = np.array([0, 0, -1, -1, 0, 0, -1, -1], dtype=np.float32)
    return spaces.Box(low=low, high=np.ones(N_FEATURES, dtype=np.float32), dtype=np.float32)


def pixel_space() -> spaces.Box:
    return spaces.Box(low=0, high=255, shape=(PIX_H, PIX_W, 3), dtype=np.uint8)


def check_common(
    render_mode: str | None, obs_type: str, points_to_win: Any, max_steps: Any, hit_reward: Any,
    render_modes: Any, loss_penalty: Any = 1.0,
) -> None:  # fmt: skip
    """The argument checks every Pong view shares (ValueError naming the argument)."""
    if render_mode is not None and render_mode not in render_modes:
        raise ValueError(f"render_mode must be None or one of {render_modes}, got {render_mode!r}")
    if obs_type not in OBS_TYPES:
        raise ValueError(f"obs_type must be one of {OBS_TYPES}, got {obs_type!r}")
    check_int("points_to_win", points_to_win, 1)
    check_int("max_steps", max_steps, 1)
    check_finite("hit_reward", hit_reward)
    check_finite("loss_penalty", loss_penalty, minimum=0)


def check_skill(skill: Any) -> float:
    return check_unit("opponent_skill", skill)


class TrackerSkill:
    """``opponent_skill`` of the built-in tracker as a property: setting it (between steps, even mid-episode)
    re-derives the tracker's aiming error and reaction delay, so training can raise the opponent's skill as the
    agent learns (a curriculum: ``training``'s ``env_schedule``). The history ring holds ``core.HIST_LEN``
    heights, enough for any skill."""

    _aim_scale: float
    _delay: int
    _skill: float

    @property
    def opponent_skill(self) -> float:
        return self._skill

    @opponent_skill.setter
    def opponent_skill(self, skill: float) -> None:
        self._skill = check_skill(skill)
        self._aim_scale = core.tracker_aim_scale(self._skill)
        self._delay = core.tracker_delay(self._skill)


def check_action(action: Any, space: spaces.Discrete, who: str = "action") -> int:
    """The action as a Python int, or ValueError naming the action space."""
    if type(action) is int and 0 <= action < 3:  # the hot path
        return action
    if isinstance(action, np.ndarray) and action.ndim == 0:
        action = action[()]
    if isinstance(action, (int, np.integer)) and not isinstance(action, (bool, np.bool_)) and 0 <= action < 3:
        return int(action)
    raise ValueError(f"invalid {who} {action!r}: expected an int in {space}")


class PongEnv(TrackerSkill, PongRendering, gym.Env):
    """Pong against a built-in or given opponent; the learner plays the left paddle.

    ## Description
    Two paddles and a ball on a 1.0 x 0.75 court (continuous coordinates, fixed 1/60 s step, deterministic). The
    ball speeds up by 6% at each paddle hit (capped at 0.025 court units per step) and leaves a paddle at an
    angle set by where it hit it (centre: straight, ends: about 53 degrees). Paddle collisions are swept, so the
    ball never tunnels through a paddle. First to ``points_to_win`` wins.

    ## Action Space
    ``Discrete(3)``: 0 stay, 1 up, 2 down (the paddle moves 0.015 per step; the opponent's speed is the same).

    ## Observation Space
    ``obs_type="vector"``: ``Box(8,)`` float32 — ball x / 1.0 in [0, 1], ball y / 0.75 in [0, 1], ball vx and vy
    divided by the maximum speed in [-1, 1], own paddle y / 0.75, opponent paddle y / 0.75 (paddle centres, in
    [0, 1]), own and opponent paddle direction last step in {-1, 0, 1} (up is -1). ``obs_type="pixels"``:
    ``(63, 84, 3)`` uint8 RGB drawn with numpy (own paddle blue on the left, opponent orange on the right).

    Observations are always **from the observer's own perspective**: the opponent (and the ``"right"`` agent of
    ``PongParallelEnv``) sees the court mirrored left-right (x -> 1 - x, vx -> -vx, own paddle listed first and
    drawn on the left; y and "up" are unchanged), so one policy can play either seat.

    ## Rewards
    +1 for each point the learner wins, ``-loss_penalty`` (default 1.0) for each point it loses. Optional
    shaping: ``hit_reward`` (default 0.0) is added each time the learner's paddle hits the ball. A
    ``loss_penalty`` above 1 trades fast points for safe ones: with discounting, a point won 60 steps from now
    is worth about half a point lost now, so a learner paid symmetrically takes risky shots that win quickly and
    miss often.

    ## Starting State
    Paddles centred, score 0-0, ball served from the centre at speed 0.01 toward a random side at a random
    angle (up to 30 degrees), all drawn from the seed; every point is served the same way.

    ## Episode End
    Terminated when a side reaches ``points_to_win``; truncated after ``max_steps`` steps.
    ``info["score"]`` is ``(left, right)`` at every step; at the end ``info["winner"]`` is ``"left"`` or
    ``"right"`` (``None`` when truncated) and ``info["is_success"]`` says whether the agent (left) won.
    ``info["events"]`` says what happened this step, a tuple (usually empty) of ``"hit_left"``, ``"hit_right"``
    (a paddle hit the ball), ``"wall"`` (a wall bounce), ``"point_left"``, ``"point_right"`` (who won a point);
    ``()`` after ``reset``. ``PongVectorEnv`` has no ``events``.

    ## Arguments
    * ``render_mode``: None, ``"human"`` or ``"rgb_array"`` (320 x 240 frames; the window shows them at 2x).
    * ``obs_type``: ``"vector"`` or ``"pixels"``.
    * ``points_to_win`` (int >= 1, default 11), ``max_steps`` (int >= 1, default 10_000).
    * ``opponent``: ``"tracker"`` (default; ``PongTracker`` with ``opponent_skill``), ``"random"`` (uniform
      actions from the seed's stream) or any object with ``act(obs, info)`` and ``reset()`` (an ArcadeLab
      ``Agent``), which receives the mirrored observation and an info with its own score first.
    * ``opponent_skill`` in [0, 1] (default 0.7): reaction delay and aiming error of the tracker.
    * ``hit_reward`` (default 0.0), ``loss_penalty`` (>= 0, default 1.0): see Rewards.

    Randomness: ``reset(seed=s)`` keys the counter-based stream of ``envs/rng.py`` with ``s``; ``reset()``
    continues it. ``PongVectorEnv`` row ``i`` after ``reset(seed=s)`` equals ``PongEnv`` after ``reset(seed=s+i)``.
    """

    metadata: dict[str, Any] = {"render_modes": ["human", "rgb_array"], "render_fps": 60}
    action_space: spaces.Discrete
    observation_space: spaces.Box

    def __init__(
        self,
        render_mode: str | None = None,
        obs_type: str = "vector",
        points_to_win: int = 11,
        max_steps: int = 10_000,
        opponent: Any = "tracker",
        opponent_skill: float = 0.7,
        hit_reward: float = 0.0,
        loss_penalty: float = 1.0,
    ) -> None:
        check_common(
            render_mode, obs_type, points_to_win, max_steps, hit_reward, self.metadata["render_modes"],
            loss_penalty,
        )
        is_agent = callable(getattr(opponent, "act", None)) and callable(getattr(opponent, "reset", None))
        if not (opponent in OPPONENTS if isinstance(opponent, str) else is_agent):
            raise ValueError(
                f"opponent must be one of {OPPONENTS} or an Agent (act(obs, info), reset()), got {opponent!r}"
            )
        self.render_mode = render_mode
        self.obs_type = obs_type
        self.points_to_win = int(points_to_win)
        self.max_steps = int(max_steps)
        self.opponent = opponent
        self.opponent_skill = opponent_skill  # checked, and the tracker's aim and delay derived (TrackerSkill)
        self.hit_reward = float(hit_reward)
        self.loss_penalty = float(loss_penalty)
        self.action_space = spaces.Discrete(3)
        self.observation_space = vector_space() if obs_type == "vector" else pixel_space()
        self._game = PongGame(self.points_to_win, self.max_steps, core.HIST_LEN)
        self._mode = opponent if isinstance(opponent, str) else "agent"
        self._opp_mode = _OPP_MODES[self._mode]
        self._vector = obs_type == "vector"
        self._opp_info: dict[str, Any] = {}
        self._seeded = False
        self._renderer: PongRenderer | None = None

    # --- gymnasium API ---------------------------------------------------------------------------------------
    def reset(self, *, seed: int | None = None, options: dict | None = None):
        super().reset(seed=seed)
        game = self._game
        if seed is not None:
            game.seed(seed)
        elif not self._seeded:
            game.seed(int(self.np_random.integers(2**63)))
        self._seeded = True
        game.new_episode()  # also fills the tracker's history with the served ball
        info = {"score": (0, 0), "events": ()}
        if self._mode == "agent":
            self.opponent.reset()
            self._opp_info = {"score": (0, 0)}
        if self.render_mode == "human":
            self._render_frame()
        return self._obs(), info

    def step(self, action):
        a = action if type(action) is int and 0 <= action < 3 else check_action(action, self.action_space)
        s = self._game.state
        a_r = 0
        if self._opp_mode == core.OPP_GIVEN:
            a_r = check_action(self.opponent.act(self._opponent_obs(), self._opp_info), self.action_space,
                               "opponent action")  # fmt: skip
        obs = np.empty((1, N_FEATURES), dtype=np.float32)
        reward, terminated, truncated, ev, score_l, score_r = core.step_one(
            s.f, s.iv, s.rng, s.hist, a, self._opp_mode, a_r, self._aim_scale, self._delay, self.points_to_win,
            self.max_steps, self.hit_reward, self.loss_penalty, obs, self._vector,
        )  # fmt: skip
        obs = obs[0]
        info: dict[str, Any] = {"score": (score_l, score_r), "events": EVENTS[ev]}
        if terminated or truncated:  # the episode-end contract of every ArcadeLab env (envs/spec.py)
            info["winner"] = ("left" if score_l > score_r else "right") if terminated else None
            info["is_success"] = info["winner"] == "left"
        if self._opp_mode == core.OPP_GIVEN:
            self._opp_info = {"score": (score_r, score_l)}
        if self.render_mode == "human":
            self._render_frame()
        if not self._vector:
            obs = self._game.pixel_obs(np.empty(self.observation_space.shape, dtype=np.uint8), "left")
        return obs, reward, terminated, truncated, info

    # --- helpers ---------------------------------------------------------------------------------------------
    def _obs(self, seat: str = "left") -> np.ndarray:
        out = np.empty(self.observation_space.shape, dtype=self.observation_space.dtype)
        if self._vector:
            return self._game.vector_obs(out, seat)
        return self._game.pixel_obs(out, seat)

    def _opponent_obs(self) -> np.ndarray:
        return self._obs("right")

