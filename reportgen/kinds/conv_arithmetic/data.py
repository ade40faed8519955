"""conv_arithmetic: its parameters and results (frozen dataclasses)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ...maths.conv import Config, conv_weights
from .windows import tapped_rows

KINDS = ("conv", "avgpool", "maxpool")
ITEM_RE = re.compile(r"^[a-z]{1,3}$")  # an item letter: (c), (d), (e)

# Limits, each from a resource bound (VGG-16: 13 convolutions of up to 512 filters on 224x224):
MAX_LAYERS = 64  # rows of the printed table
MAX_SIZE = 1024  # the walk over window positions in the check is linear in the size
MAX_CHANNELS = 65536  # weight counts stay exact integers; the check allocates nothing this large
MAX_DESIGN = 256  # the design search and its check visit every (k, s) up to n + 2p: quadratic
SIMULATE_MACS = 20_000_000  # multiply-adds up to which the check convolves a random image
SIMULATE_WINDOWS = 100_000  # and window positions (each one a numpy call)


@dataclass(frozen=True)
class LayerSpec:
    kind: str
    kernel: int
    stride: int
    padding: int
    filters: int  # conv only; pooling keeps the channels (0 here)


@dataclass(frozen=True)
class Constraint:
    item: str  # the assignment's item letter
    padding: int
    dilation: int


@dataclass(frozen=True)
class Params:
    in_size: int
    in_channels: int
    layers: tuple[LayerSpec, ...]
    design_in_size: int
    design_in_channels: int
    design_out_size: int
    design_out_channels: int
    constraints: tuple[Constraint, ...]


@dataclass(frozen=True)
class Stage:
    kind: str  # "input", "conv", "avgpool", "maxpool"
    kernel: int
    stride: int
    padding: int
    size: int  # output height = width
    channels: int
    weights: int  # without biases
    biases: int

    @property
    def outputs(self) -> int:
        return self.size * self.size * self.channels

    @property
    def padding_rows(self) -> int:
        """Rows the padding adds, 2p (both sides)."""
        return 2 * self.padding


@dataclass(frozen=True)
class Design:
    item: str
    p: int
    d: int
    k_max: int  # search bounds: 1 <= k <= k_max, 1 <= s <= s_max
    s_max: int
    found: tuple[Config, ...]  # every (k, s) giving the target size
    exact: tuple[Config, ...]  # of those, the ones that tile the padded input exactly
    covering: tuple[Config, ...]  # of those, the ones whose windows touch or overlap (s <= extent)
    chosen: Config

    @property
    def n_found(self) -> int:
        return len(self.found)

    @property
    def n_searched(self) -> int:
        """Pairs (k, s) in the search: k_max s_max."""
        return self.k_max * self.s_max


@dataclass(frozen=True)
class Result:
    stages: tuple[Stage, ...]
    designs: tuple[Design, ...]
    in_size: int
    in_channels: int
    out_size: int
    out_channels: int

    @property
    def output_dim(self) -> int:
        return self.stages[-1].outputs

    @property
    def last_weights(self) -> int:
        return self.stages[-1].weights

    @property
    def configurations(self) -> tuple[Config, ...]:
        """The chosen (k, s, p, d) of each constrained item, in order."""
        return tuple(dz.chosen for dz in self.designs)

    @property
    def strides(self) -> tuple[int, ...]:
        """Every stride with an exact fit in some item (the rows of the comparison table)."""
        return tuple(sorted({c.s for dz in self.designs for c in dz.exact}))

    def exact_kernel(self, design: Design, stride: int) -> Config | None:
        return next((c for c in design.exact if c.s == stride), None)

    def rows_read(self, c: Config) -> int:
        """How many of the input rows some kernel tap of ``c`` reads (dilated taps skip rows)."""
        return len(tapped_rows(self.in_size, c))

    def rows_unread(self, c: Config) -> int:
        return self.in_size - self.rows_read(c)

    def design_weights(self, c: Config) -> int:
        """Weights of the designed layer with window ``c`` (biases not counted)."""
        return conv_weights(c.k, self.in_channels, self.out_channels)
