"""Feature extractors for SB3 policies, chosen by name in a config's ``policy_kwargs.features_extractor``.

Named here (not pickled) so a saved model is rebuilt from its JSON config without unpickling code.
"""

from __future__ import annotations

import gymnasium as gym
import torch
from stable_baselines3.common.torch_layers import BaseFeaturesExtractor
from torch import nn


class TileEmbedding(BaseFeaturesExtractor):
    """A learned vector per tile code for the first ``n_tiles`` entries of the observation, the rest passed on.

    Tile-window observations (the platformer's, the dungeon's) hold small integer codes: ground, pipe, enemy,
    coin... An MLP reading them as numbers must learn that 8 (enemy) is nothing like 7 (coin); an embedding
    gives every code its own ``embed_dim`` features, at the price of a table lookup. The observation must not be
    normalized (the codes are indices): configs using it set ``normalize.norm_obs: false``.
    """

    def __init__(self, observation_space: gym.spaces.Box, n_tiles: int, n_codes: int, embed_dim: int = 4) -> None:
        (size,) = observation_space.shape
        if not 0 < n_tiles <= size:
            raise ValueError(f"n_tiles must be in 1..{size} (the observation's length), got {n_tiles}")
        super().__init__(observation_space, n_tiles * embed_dim + size - n_tiles)
        self.n_tiles, self.n_codes = n_tiles, n_codes
        self.embed = nn.Embedding(n_codes, embed_dim)

    def forward(self, observations: torch.Tensor) -> torch.Tensor:
        codes = observations[:, : self.n_tiles].round().long().clamp_(0, self.n_codes - 1)
        return torch.cat([self.embed(codes).flatten(1), observations[:, self.n_tiles :]], dim=1)


FEATURES_EXTRACTORS: dict[str, type[BaseFeaturesExtractor]] = {"tile_embedding": TileEmbedding}
