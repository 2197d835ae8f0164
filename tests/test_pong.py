"""Pong: physics, arguments, opponents, the skill knob, batched == single, and the PettingZoo view."""

from __future__ import annotations

import math
import pickle

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.vector import AutoresetMode
from pettingzoo.test import parallel_api_test

from agents.base import Agent
from agents.pong_bot import PongTrackerBot
from envs import pong
from envs.pong import PongEnv, PongGame, PongParallelEnv, PongVectorEnv


def _game(**state) -> PongGame:
    game = PongGame(points_to_win=11, max_steps=1000)
    game.seed(0)
    game.new_episode()
    for name, value in state.items():
        setattr(game, name, value)
    return game


# --- physics -----------------------------------------------------------------------------------------------------
def test_ball_bounces_off_top_and_bottom_walls():
    game = _game(bx=0.5, by=pong.Y_LO + 0.002, vx=0.005, vy=-0.008)
    game.step(0, 0)
    assert game.vy == 0.008 and game.by >= pong.Y_LO
    assert game.by == pytest.approx(pong.Y_LO + 0.006)
    game = _game(bx=0.5, by=pong.Y_HI - 0.001, vx=-0.005, vy=0.004)
    game.step(0, 0)
    assert game.vy == -0.004 and game.by == pytest.approx(pong.Y_HI - 0.003)


@pytest.mark.parametrize("offset", [-0.9, -0.4, 0.0, 0.5, 0.95])
def test_paddle_hit_speeds_up_and_sets_angle_by_hit_position(offset):
    y = 0.4 + offset * pong.REACH
    game = _game(bx=pong.FACE_L + 0.004, by=y, vx=-0.008, vy=0.0, speed=0.008, pl=0.4)
    point_l, point_r, hit_l, hit_r = game.step(0, 0)
    assert hit_l and not hit_r and point_l == point_r == 0
    assert game.speed == pytest.approx(0.008 * pong.SPEEDUP)
    assert math.hypot(game.vx, game.vy) == pytest.approx(game.speed)
    assert game.vx > 0
    assert game.vy == pytest.approx(
        game.speed * pong.SPIN * offset
    )  # spin: top end up, centre flat, bottom down
    assert game.bx > pong.FACE_L


def test_right_paddle_hit_mirrors_left_and_speed_is_capped():
    game = _game(bx=pong.FACE_R - 0.01, by=0.3, vx=pong.MAX_SPEED, vy=0.0, speed=pong.MAX_SPEED, pr=0.3)
    assert game.step(0, 0)[3]
    assert game.vx == -pong.MAX_SPEED and game.speed == pong.MAX_SPEED


def test_no_tunnelling_at_max_speed():
    """Every ball whose swept path crosses a paddle face where the paddle is gets returned, at any phase."""
    rng = np.random.default_rng(0)
    for _ in range(2000):
        paddle = rng.uniform(pong.P_LO, pong.P_HI)
        vy = rng.uniform(-0.8, 0.8) * pong.MAX_SPEED
        vx = -math.sqrt(pong.MAX_SPEED**2 - vy * vy)
        x = pong.FACE_L + rng.uniform(0.0, -vx)  # crosses the face this step, wherever it started
        y = min(max(paddle + rng.uniform(-0.9, 0.9) * pong.REACH - vy, pong.Y_LO), pong.Y_HI)
        game = _game(bx=x, by=y, vx=vx, vy=vy, speed=pong.MAX_SPEED, pl=paddle)
        ny = y + vy
        if not pong.Y_LO <= ny <= pong.Y_HI or abs(ny - paddle) > pong.REACH:
            continue
        _, point_r, hit_l, _ = game.step(0, 0)
        assert hit_l and point_r == 0 and game.vx > 0, (x, y, vx, vy, paddle)


def test_a_missed_ball_scores_for_the_other_side_and_is_served_again():
    game = _game(bx=0.015, by=0.1, vx=-0.02, vy=0.0, pl=0.6)
    assert game.step(0, 0)[:2] == (0, 1)
    assert (game.score_l, game.score_r) == (0, 1)
    assert (game.bx, game.by, game.speed) == (pong.CENTRE_X, pong.CENTRE_Y, pong.SERVE_SPEED)


def test_step_events_name_hits_bounces_and_points():
    """``PongGame.events`` (and ``info["events"]``) says what the step did, with the court's side names."""
    game = _game(bx=0.5, by=pong.Y_LO + 0.002, vx=0.005, vy=-0.008)
    game.step(0, 0)
    assert game.events == ("wall",)
    game.step(0, 0)
    assert game.events == ()
    game = _game(bx=pong.FACE_L + 0.004, by=0.4, vx=-0.008, vy=0.0, speed=0.008, pl=0.4)
    assert game.step(0, 0)[2] and game.events == ("hit_left",)
    game = _game(bx=pong.FACE_R - 0.01, by=0.3, vx=pong.MAX_SPEED, vy=0.0, speed=pong.MAX_SPEED, pr=0.3)
    assert game.step(0, 0)[3] and game.events == ("hit_right",)
    game = _game(bx=0.015, by=0.1, vx=-0.02, vy=0.0, pl=0.6)
    assert game.step(0, 0)[:2] == (0, 1) and game.events == ("point_right",)
    game = _game(bx=0.985, by=pong.Y_HI - 0.001, vx=0.02, vy=0.004, pr=0.1)
    assert game.step(0, 0)[:2] == (1, 0) and game.events == ("point_left", "wall")
    assert game.new_episode() is None and game.events == ()


@pytest.mark.parametrize("parallel", [False, True])
def test_info_events_agree_with_what_the_ball_did(parallel):
    """Over whole games, ``info["events"]`` matches what the app used to infer from velocities and the score."""
    env = PongParallelEnv(points_to_win=3) if parallel else PongEnv(points_to_win=3, opponent_skill=0.5)
    rng = np.random.default_rng(2)
    bots = (PongTrackerBot(), PongTrackerBot())
    seen: set[str] = set()
    game = env._game
    for episode in range(6):
        obs, infos = env.reset(seed=5 + episode)
        info = infos["left"] if parallel else infos
        assert info["events"] == ()
        done = False
        while not done:
            vx0, vy0, score0 = game.vx, game.vy, info["score"]
            a = (
                bots[0].act(obs["left"] if parallel else obs, info)
                if rng.random() < 0.6
                else int(rng.integers(3))
            )
            if parallel:
                b = bots[1].act(obs["right"], infos["right"]) if rng.random() < 0.6 else int(rng.integers(3))
                obs, _, terms, truncs, infos = env.step({"left": a, "right": b})
                assert infos["left"]["events"] is infos["right"]["events"]
                info, done = infos["left"], terms["left"] or truncs["left"]
            else:
                obs, _, terminated, truncated, info = env.step(a)
                done = terminated or truncated
            events = info["events"]
            seen.update(events)
            point = info["score"] != score0
            assert point == ("point_left" in events or "point_right" in events)
            if point:
                assert ("point_left" in events) == (info["score"][0] > score0[0])
            else:
                hit = (vx0 < 0) != (game.vx < 0)
                assert hit == ("hit_left" in events or "hit_right" in events)
                if hit:
                    assert ("hit_left" in events) == (game.vx > 0)
                else:
                    assert ((vy0 < 0) != (game.vy < 0)) == ("wall" in events)
    assert seen == set(pong.EVENT_NAMES), seen


def test_first_to_n_ends_the_episode_with_a_winner():
    env = PongEnv(points_to_win=3, opponent="tracker", opponent_skill=1.0)
    obs, info = env.reset(seed=4)
    total = 0.0
    for _ in range(20_000):
        obs, reward, terminated, truncated, info = env.step(0)
        total += reward
        assert env.observation_space.contains(obs)
        if terminated or truncated:
            break
    assert terminated and not truncated
    assert max(info["score"]) == 3 and info["winner"] == ("left" if info["score"][0] == 3 else "right")
    assert total == info["score"][0] - info["score"][1]


def test_truncation_at_max_steps():
    env = PongEnv(max_steps=40)
    env.reset(seed=0)
    for _ in range(40):
        _, _, terminated, truncated, info = env.step(1)
    assert truncated and not terminated and info["winner"] is None


def test_serves_are_random_from_the_seed():
    starts = {tuple(PongEnv().reset(seed=s)[0][2:4]) for s in range(20)}
    assert len(starts) == 20
    assert {np.sign(v[0]) for v in starts} == {-1.0, 1.0}


# --- arguments and actions ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"obs_type": "voxels"}, "obs_type"),
        ({"points_to_win": 0}, "points_to_win"),
        ({"points_to_win": 2.5}, "points_to_win"),
        ({"max_steps": 0}, "max_steps"),
        ({"opponent": "wall"}, "opponent.*tracker.*random"),
        ({"opponent": object()}, "opponent"),
        ({"opponent_skill": 1.5}, "opponent_skill"),
        ({"opponent_skill": "high"}, "opponent_skill"),
        ({"render_mode": "ascii"}, "render_mode"),
        ({"hit_reward": float("nan")}, "hit_reward"),
        ({"loss_penalty": -1.0}, "loss_penalty"),
        ({"loss_penalty": "a lot"}, "loss_penalty"),
    ],
)
def test_bad_arguments_are_refused(kwargs, name):
    with pytest.raises(ValueError, match=name):
        PongEnv(**kwargs)


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"opponent": PongTrackerBot()}, "opponent"),
        ({"obs_type": "pixels"}, "obs_type"),
        ({"num_envs": 0}, "num_envs"),
        ({"render_mode": "human"}, "render_mode"),
    ],
)
def test_vector_env_refuses_what_it_cannot_batch(kwargs, name):
    with pytest.raises(ValueError, match=name):
        PongVectorEnv(**{"num_envs": 2, **kwargs})


def test_actions_accept_numpy_integers_and_refuse_others():
    env = PongEnv()
    env.reset(seed=0)
    for ok in (np.int64(1), np.array(2), np.uint8(0)):
        env.step(ok)
    for bad in (3, -1, 1.0, True, "up", np.array([1])):
        with pytest.raises(ValueError, match=r"Discrete\(3\)"):
            env.step(bad)
    venv = PongVectorEnv(2)
    venv.reset(seed=0)
    with pytest.raises(ValueError, match=r"Discrete\(3\)"):
        venv.step(np.array([0, 3]))


# --- opponents -----------------------------------------------------------------------------------------------------
class _Recorder:
    """An Agent that records what it is shown and always moves up."""

    name = "recorder"

    def __init__(self) -> None:
        self.seen: list[tuple[np.ndarray, dict]] = []
        self.resets = 0

    def act(self, obs, info):
        self.seen.append((obs, dict(info)))
        return 1

    def reset(self) -> None:
        self.resets += 1


def test_agent_opponent_gets_the_mirrored_observation():
    opponent = _Recorder()
    assert isinstance(opponent, Agent)
    env = PongEnv(opponent=opponent, points_to_win=2)
    obs, info = env.reset(seed=1)
    learner = [(obs, info)]
    for _ in range(3000):
        obs, _, terminated, truncated, info = env.step(2)
        learner.append((obs, info))
        if terminated or truncated:
            break
    assert terminated and opponent.resets == 1 and len(opponent.seen) == len(learner) - 1
    # the opponent is not asked to act on the terminal observation, hence one fewer
    for (mine, my_info), (theirs, their_info) in zip(learner, opponent.seen, strict=False):
        np.testing.assert_allclose(theirs[0], 1.0 - mine[0], atol=1e-6)  # x mirrored
        assert theirs[1] == mine[1] and theirs[3] == mine[3]  # y and vy unchanged
        assert theirs[2] == -mine[2]  # vx mirrored
        assert (theirs[4], theirs[5], theirs[6], theirs[7]) == (mine[5], mine[4], mine[7], mine[6])
        assert their_info["score"] == my_info["score"][::-1]  # own score first
    assert opponent.seen[-1][0][6] == -1.0  # it always moves up: its own direction is -1


def test_agent_opponent_sees_mirrored_pixels():
    opponent = _Recorder()
    env = PongEnv(opponent=opponent, obs_type="pixels")
    obs, _ = env.reset(seed=2)
    env.step(0)
    theirs = opponent.seen[0][0]
    own = np.all(theirs == pong.OWN_COLOUR, axis=2)
    assert (
        own[:, : pong.PIX_W // 2].any() and not own[:, pong.PIX_W // 2 :].any()
    )  # own paddle drawn on its left
    ball_mine = np.argwhere(np.all(obs == pong.BALL_COLOUR, axis=2)).mean(axis=0)
    ball_theirs = np.argwhere(np.all(theirs == pong.BALL_COLOUR, axis=2)).mean(axis=0)
    assert ball_mine[0] == ball_theirs[0] and abs(ball_mine[1] + ball_theirs[1] - (pong.PIX_W - 1)) <= 1


def _points(skill: float, seeds=range(3), steps=2500) -> tuple[int, int]:
    """Points won and lost by a fixed player (PongTrackerBot at skill 0.5) against the tracker at ``skill``."""
    won = lost = 0
    for seed in seeds:
        env = PongEnv(opponent_skill=skill, points_to_win=99)
        bot = PongTrackerBot(0.5, seed=seed)
        obs, info = env.reset(seed=seed)
        for _ in range(steps):
            obs, reward, _, _, info = env.step(bot.act(obs, info))
            won += reward > 0
            lost += reward < 0
    return won, lost


def test_higher_tracker_skill_concedes_fewer_points():
    weak, strong = _points(0.1), _points(0.9)
    assert weak[0] > strong[0] + 5, (weak, strong)
    assert weak[0] / max(1, weak[1]) > strong[0] / max(1, strong[1])


def test_tracker_bot_plays_any_seat():
    """The bot beats a random player from either seat of the parallel env, and drives PongEnv's opponent."""
    env = PongParallelEnv(points_to_win=3)
    bot, rng = PongTrackerBot(0.8, seed=0), np.random.default_rng(0)
    for seat in ("left", "right"):
        obs, infos = env.reset(seed=5)
        bot.reset()
        while env.agents:
            other = "right" if seat == "left" else "left"
            actions = {seat: bot.act(obs[seat], infos[seat]), other: int(rng.integers(3))}
            obs, _, _, _, infos = env.step(actions)
        assert infos[seat]["winner"] == seat and infos[seat]["score"][0] == 3
    single = PongEnv(opponent=PongTrackerBot(1.0, seed=1), points_to_win=2)
    single.reset(seed=0)
    while True:
        *_, terminated, truncated, info = single.step(int(rng.integers(3)))
        if terminated or truncated:
            break
    assert info["winner"] == "right"


def test_tracker_bot_reads_pixels():
    env = PongEnv(obs_type="pixels", points_to_win=3, opponent="random")
    bot = PongTrackerBot(0.8, seed=0)
    obs, info = env.reset(seed=3)
    while True:
        obs, _, terminated, truncated, info = env.step(bot.act(obs, info))
        if terminated or truncated:
            break
    assert info["winner"] == "left"


# --- batched == single -----------------------------------------------------------------------------------------------
def _follow(obs: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Follow the ball 30% of the time (rallies, speed-ups, spin), else act at random (points, episode ends)."""
    diff = obs[:, 1] - obs[:, 4]
    action = np.where(diff < -0.02, 1, np.where(diff > 0.02, 2, 0))
    return np.where(rng.random(len(obs)) < 0.7, rng.integers(0, 3, len(obs)), action)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"points_to_win": 3, "max_steps": 1500, "hit_reward": 0.01},
        {"points_to_win": 2, "max_steps": 600, "opponent": "random", "opponent_skill": 0.2},
        {"points_to_win": 4, "opponent_skill": 0.0, "loss_penalty": 3.0},
    ],
)
def test_batched_matches_single_step_for_step(kwargs):
    n, steps, seed = 16, 3000, 1000
    venv = PongVectorEnv(n, **kwargs)
    singles = [PongEnv(**kwargs) for _ in range(n)]
    vobs, vinfo = venv.reset(seed=seed)
    np.testing.assert_array_equal(
        vobs, np.stack([env.reset(seed=seed + i)[0] for i, env in enumerate(singles)])
    )
    rng = np.random.default_rng(7)
    done = np.zeros(n, dtype=bool)
    ends = truncations = hits = 0
    top_speed = 0.0
    seen_rewards = []
    for t in range(steps):
        actions = _follow(vobs, rng)
        vobs, vrew, vterm, vtrunc, vinfo = venv.step(actions)
        seen_rewards.append(vrew)
        for i, env in enumerate(singles):
            if done[i]:  # NEXT_STEP autoreset: the batched row resets and ignores its action
                obs, info = env.reset()
                reward, terminated, truncated = 0.0, False, False
            else:
                obs, reward, terminated, truncated, info = env.step(int(actions[i]))
            assert np.array_equal(obs, vobs[i]), (t, i)
            assert (reward, terminated, truncated) == (vrew[i], vterm[i], vtrunc[i]), (t, i)
            assert info["score"] == tuple(vinfo["score"][i]), (t, i)
            if terminated:
                assert info["winner"] == vinfo["winner"][i]
        done = vterm | vtrunc
        ends += int(vterm.sum())
        truncations += int(vtrunc.sum())
        hits += int(np.sum((vrew % 1.0) != 0))
        top_speed = max(top_speed, float(venv.speed.max()))
    assert ends > 10  # episodes end and autoreset inside the window
    losses = {-kwargs.get("loss_penalty", 1.0) + d for d in (0.0, kwargs.get("hit_reward", 0.0))}
    assert losses & set(np.unique(seen_rewards)), "a lost point costs loss_penalty"
    if kwargs.get("max_steps", 10_000) <= 1500:
        assert truncations > 0
    if kwargs.get("hit_reward"):
        assert hits > 100 and top_speed == pong.MAX_SPEED  # rallies reach the speed cap


def test_partial_reset_with_reset_mask_matches_single_reset():
    """``reset(options={"reset_mask": done})`` right after an episode ends == ``PongEnv.reset()`` at once."""
    n, kwargs = 8, {"points_to_win": 2, "max_steps": 700, "opponent_skill": 0.3}
    venv = PongVectorEnv(n, **kwargs)
    assert venv.supports_reset_mask
    singles = [PongEnv(**kwargs) for _ in range(n)]
    vobs, _ = venv.reset(seed=50)
    for i, env in enumerate(singles):
        env.reset(seed=50 + i)
    rng = np.random.default_rng(3)
    resets = 0
    for t in range(2000):
        actions = _follow(vobs, rng)
        vobs, vrew, vterm, vtrunc, _ = venv.step(actions)
        done = vterm | vtrunc
        if done.any():
            before = vobs.copy()
            vobs, _ = venv.reset(options={"reset_mask": done})
            np.testing.assert_array_equal(vobs[~done], before[~done])  # other rows untouched
            resets += int(done.sum())
        for i, env in enumerate(singles):
            obs, reward, terminated, truncated, _ = env.step(int(actions[i]))
            assert (reward, terminated, truncated) == (vrew[i], vterm[i], vtrunc[i]), (t, i)
            if terminated or truncated:
                obs, _ = env.reset()
            assert np.array_equal(obs, vobs[i]), (t, i)
    assert resets > 5


def test_vector_env_metadata_spaces_and_make_vec():
    assert PongVectorEnv.metadata["autoreset_mode"] == AutoresetMode.NEXT_STEP
    venv = gym.make_vec("ArcadeLab/Pong-v0", num_envs=3, vectorization_mode="vector_entry_point")
    obs, info = venv.reset(seed=0)
    assert venv.unwrapped.metadata["autoreset_mode"] == AutoresetMode.NEXT_STEP
    assert (
        obs.shape == (3, pong.N_FEATURES) and obs.dtype == np.float32 and venv.observation_space.contains(obs)
    )
    for _ in range(300):
        obs, _, _, _, info = venv.step(venv.action_space.sample())
        assert venv.observation_space.contains(obs)
    assert info["score"].shape == (3, 2)
    venv.close()


def test_vector_env_seed_list_and_unseeded_reset_continue():
    venv = PongVectorEnv(3)
    a, _ = venv.reset(seed=[5, 6, 7])
    b, _ = PongVectorEnv(3).reset(seed=5)
    np.testing.assert_array_equal(a, b)
    c, _ = venv.reset()  # continues each row's stream: new serves
    assert not np.array_equal(a, c)


# --- the PettingZoo view ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("obs_type", ["vector", "pixels"])
def test_parallel_api(obs_type):
    parallel_api_test(PongParallelEnv(obs_type=obs_type, points_to_win=3), num_cycles=1000)


def test_parallel_env_is_zero_sum_and_mirrored():
    env = PongParallelEnv(points_to_win=2)
    obs, _ = env.reset(seed=3)
    rng = np.random.default_rng(0)
    total = {"left": 0.0, "right": 0.0}
    while env.agents:
        left, right = obs["left"], obs["right"]
        assert right[2] == -left[2] and (right[4], right[5]) == (left[5], left[4])
        obs, rewards, _, _, infos = env.step({a: int(rng.integers(3)) for a in env.agents})
        assert rewards["left"] == -rewards["right"]
        for agent, r in rewards.items():
            total[agent] += r
    assert infos["left"]["score"] == tuple(reversed(infos["right"]["score"]))
    assert total["left"] == infos["left"]["score"][0] - infos["left"]["score"][1]
    clone = pickle.loads(pickle.dumps(env))
    assert clone.reset(seed=9)[0]["left"].tolist() == env.reset(seed=9)[0]["left"].tolist()


def test_parallel_env_uses_the_same_rules_as_pong_env():
    """Left seat of the parallel env == PongEnv with an opponent that replays the right seat's actions."""
    env = PongParallelEnv(points_to_win=2)
    obs, _ = env.reset(seed=11)
    rng = np.random.default_rng(1)
    right_actions = [int(a) for a in rng.integers(0, 3, 3000)]
    left_actions = [int(a) for a in rng.integers(0, 3, 3000)]

    class Replay:
        name = "replay"

        def __init__(self):
            self.i = 0

        def act(self, obs, info):
            self.i += 1
            return right_actions[self.i - 1]

        def reset(self):
            self.i = 0

    single = PongEnv(points_to_win=2, opponent=Replay())
    sobs, _ = single.reset(seed=11)
    for a_l, a_r in zip(left_actions, right_actions, strict=True):
        np.testing.assert_array_equal(sobs, obs["left"])
        obs, rewards, terms, _, _ = env.step({"left": a_l, "right": a_r})
        sobs, reward, terminated, truncated, _ = single.step(a_l)
        assert reward == rewards["left"] and terminated == terms["left"]
        if terminated or truncated:
            break
    assert terminated


# --- rendering -------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("render_mode", [None, "rgb_array"])
def test_draw_surface_is_the_rendered_frame(render_mode):
    """``draw_surface()``: the env's own pygame surface (no copy) showing what ``render()`` returns."""
    from envs.render import surface_to_rgb

    for env in (PongEnv(render_mode=render_mode), PongParallelEnv(render_mode=render_mode)):
        env.reset(seed=1)
        for _ in range(30):
            if isinstance(env, PongEnv):
                env.step(1)
            else:
                env.step({"left": 1, "right": 2})
        surface = env.draw_surface()
        assert surface.get_size() == (320, 240) and env.draw_surface() is surface
        if render_mode == "rgb_array":
            np.testing.assert_array_equal(surface_to_rgb(surface), env.render())
        env.close()


def test_rgb_array_frames_show_the_score():
    env = PongEnv(render_mode="rgb_array", points_to_win=3)
    env.reset(seed=0)
    first = env.render()
    assert first.shape == (240, 320, 3) and first.dtype == np.uint8
    while True:
        _, reward, _, _, _ = env.step(0)
        if reward:
            break
    after = env.render()
    top = slice(0, 40)
    assert not np.array_equal(first[top], after[top])  # the score digits changed
    env.close()


def test_loss_penalty_weighs_lost_points_in_every_view():
    env = PongEnv(points_to_win=1, loss_penalty=2.5)
    env.reset(seed=0)
    while True:  # the learner stands still and loses the point
        _, reward, terminated, _, info = env.step(0)
        if terminated:
            break
    assert info["score"] == (0, 1) and reward == -2.5
    par = PongParallelEnv(points_to_win=1, loss_penalty=2.5)
    par.reset(seed=0)
    while par.agents:
        _, rewards, *_ = par.step({"left": 0, "right": 0})
    assert sorted(rewards.values()) == [-2.5, 1.0]


def test_every_pong_view_tells_at_the_episode_end_whether_the_agent_won():
    """The episode-end contract of envs/spec.py: ``is_success`` (and ``winner``) only on the step that ends it."""
    from envs.pong import PongEnv, PongParallelEnv, PongVectorEnv

    env = PongEnv(points_to_win=1, max_steps=5000, opponent="random")
    outcomes = set()
    for seed in range(6):
        env.reset(seed=seed)
        while True:
            _, _, terminated, truncated, info = env.step(0)
            if terminated or truncated:
                break
            assert "is_success" not in info and "winner" not in info
        assert info["is_success"] == (info["winner"] == "left")
        outcomes.add(info["is_success"])
    assert outcomes == {True, False}  # against a random opponent a still paddle both wins and loses

    truncated_env = PongEnv(points_to_win=5, max_steps=3)
    truncated_env.reset(seed=0)
    for _ in range(3):
        *_, info = truncated_env.step(0)
    assert info["winner"] is None and info["is_success"] is False

    par = PongParallelEnv(points_to_win=1)
    par.reset(seed=1)
    while par.agents:
        *_, infos = par.step({"left": 0, "right": 2})
    assert {agent: infos[agent]["is_success"] for agent in infos} == {
        agent: infos[agent]["winner"] == agent for agent in infos
    }
    assert sum(info["is_success"] for info in infos.values()) == 1

    venv = PongVectorEnv(8, points_to_win=1, max_steps=400, opponent="random")
    venv.reset(seed=3)
    seen = 0
    for _ in range(400):
        _, _, term, trunc, info = venv.step(np.zeros(8, dtype=np.int64))
        ended = term | trunc
        assert ("is_success" in info) == bool(ended.any())
        if ended.any():
            np.testing.assert_array_equal(info["_is_success"], ended)
            expected = term & (info["score"][:, 0] > info["score"][:, 1])
            np.testing.assert_array_equal(info["is_success"][ended], expected[ended])
            seen += int(ended.sum())
    assert seen >= 8


@pytest.mark.parametrize("batched", [False, True])
def test_the_trackers_skill_can_be_changed_between_steps(batched):
    """A curriculum sets ``opponent_skill`` on live envs: afterwards they play exactly as if built with it."""
    from envs.pong import PongEnv, PongVectorEnv

    def make(skill):
        return PongVectorEnv(4, opponent_skill=skill, points_to_win=3) if batched else PongEnv(
            opponent_skill=skill, points_to_win=3)

    changed, fresh = make(0.0), make(0.9)
    changed.opponent_skill = 0.9
    assert changed.opponent_skill == 0.9
    runs = []
    for env in (changed, fresh):
        obs, _ = env.reset(seed=5)
        trace = [obs]
        for t in range(600):
            action = np.full(4, t % 3) if batched else t % 3
            trace.append(env.step(action)[0])
        runs.append(np.asarray(trace))
    np.testing.assert_array_equal(runs[0], runs[1])
    weak = make(0.0)
    weak.reset(seed=5)
    weak_trace = [weak.step(np.full(4, t % 3) if batched else t % 3)[0] for t in range(600)]
    assert not np.array_equal(np.asarray(weak_trace), runs[1][1:])  # the skill does change the play
    with pytest.raises(ValueError, match="opponent_skill"):
        changed.opponent_skill = 1.5
