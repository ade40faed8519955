"""The printer's small types: ``Tex`` (a string that is already LaTeX) and ``FormatSettings``
(one number style per report, bound once into a ReportPrinter)."""

from __future__ import annotations

from dataclasses import dataclass

from ..text import FormatError

__all__ = ["Tex", "FormatError", "FormatSettings", "DEFAULT"]


class Tex(str):
    """A string that is already LaTeX. Templates print it verbatim; plain str gets escaped."""

    __slots__ = ()


@dataclass(frozen=True)
class FormatSettings:
    digits: int = 4  # decimals shown for computed values
    noise: float = 1e-12  # |x| below this is zero (float noise)
    sci_large: float = 1e6  # floats at least this large go scientific
    sci_digits: int = 3  # significant digits of a scientific mantissa
    matrix_env: str = "bmatrix"

    def __post_init__(self) -> None:
        if not 0 <= self.digits <= 12:
            raise ValueError(f"digits must be between 0 and 12, got {self.digits}")
        if self.matrix_env not in ("bmatrix", "pmatrix"):
            raise ValueError(f"matrix_env must be bmatrix or pmatrix, got {self.matrix_env!r}")


DEFAULT = FormatSettings()
