"""The one seeding helper: every random draw in ipcore goes through it.

Besides seeding the global generators, it derives independent seeds for the
separate random streams of one run (:func:`derive_seed`) and provides
:class:`NormalStream`, the Gaussian numbers of the noise layers: one stream per
network, or one per member of an ensemble, each depending only on its own seed.
"""

from __future__ import annotations

import hashlib
import random
from typing import Any, Sequence

import numpy as np
import torch

from ipcore.validation import Seed, check_seed, validate_params


@validate_params(seed=Seed())
def seed_everything(seed: int) -> torch.Generator:
    """Seed Python, numpy and torch (CPU and CUDA) and return a CPU generator.

    Use the returned generator for draws that must not depend on how much
    randomness other code consumed.

    Parameters
    ----------
    seed : int
        An integer in [0, 2⁶³); numpy's global generator gets ``seed % 2**32``.

    Returns
    -------
    torch.Generator
        A CPU generator seeded with ``seed``.

    Raises
    ------
    ValueError
        If ``seed`` is not an integer in [0, 2⁶³).

    See Also
    --------
    :func:`ipcore.seeding.derive_seed` : Seeds of independent streams of one run.

    Examples
    --------
    >>> import torch
    >>> gen = seed_everything(0)
    >>> torch.rand(2, generator=gen)
    tensor([0.4963, 0.7682])
    >>> seed_everything(-1)
    Traceback (most recent call last):
    ...
    ValueError: seed: must be a non-negative integer below 2**63, got -1
    """
    seed = check_seed(seed)
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    return make_generator(seed)


def make_generator(seed: int | None, device: torch.device | str = "cpu") -> torch.Generator:
    """A torch generator on ``device``, seeded with ``seed`` (fresh entropy for ``None``).

    Parameters
    ----------
    seed : int or None
        An integer in [0, 2⁶³), or ``None`` for a seed from fresh entropy.
    device : torch.device or str, default "cpu"
        Where the generator draws.

    Returns
    -------
    torch.Generator
        The seeded generator.

    Raises
    ------
    ValueError
        If ``seed`` is neither ``None`` nor an integer in [0, 2⁶³).

    Examples
    --------
    >>> import torch
    >>> torch.randn(2, generator=make_generator(1))
    tensor([0.6614, 0.2669])
    >>> make_generator(1.5)
    Traceback (most recent call last):
    ...
    ValueError: seed: must be a non-negative integer below 2**63, got 1.5
    """
    gen = torch.Generator(device=device)
    if seed is None:
        gen.seed()
    else:
        gen.manual_seed(check_seed(seed))
    return gen


def derive_seed(seed: int, purpose: str) -> int:
    """A seed in [0, 2⁶³) for the stream named ``purpose`` of the run seeded with ``seed``.

    SHA-256 of both: streams of one run with different purposes (training noise,
    measurement noise) are independent of each other and of ``seed`` itself.

    Parameters
    ----------
    seed : int
        The run's seed, an integer in [0, 2⁶³).
    purpose : str
        The stream's name.

    Returns
    -------
    int
        The first 8 bytes of SHA-256(``"<seed>:<purpose>"``), little-endian, halved:
        an integer in [0, 2⁶³), the same on every machine and Python version.

    Raises
    ------
    ValueError
        If ``seed`` is not an integer in [0, 2⁶³).

    Examples
    --------
    >>> derive_seed(0, "training noise")
    2986845340669597080
    >>> derive_seed(0, "measurement noise")
    5604388441715968239
    """
    digest = hashlib.sha256(f"{check_seed(seed)}:{purpose}".encode()).digest()
    return int.from_bytes(digest[:8], "little") >> 1


class NormalStream:
    """Standard normal numbers for ``len(seeds)`` independent members, taken in order.

    Member i's numbers are the concatenation of ``torch.randn(chunk)`` draws of
    its own generator, seeded with ``derive_seed(seeds[i], purpose)``. What a
    member receives therefore depends only on its seed and on how many numbers
    it has taken, not on which other members are drawn beside it: member i of an
    ensemble gets exactly the numbers a single network with that seed gets.
    Drawing a chunk per member costs one call per member every ``chunk`` numbers,
    not one per noise layer and step.

    Parameters
    ----------
    seeds : sequence of int
        One seed per member, each an integer in [0, 2⁶³); at least one.
    purpose : str
        The stream's name, passed to :func:`ipcore.seeding.derive_seed`.
    chunk : int, default 65536
        Numbers drawn per member at a time, at least 1.
    dtype : torch.dtype, default torch.float32
        Dtype of the numbers.
    device : torch.device or str, default "cpu"
        Where the numbers are returned (they are drawn on the CPU, so a seed gives
        the same numbers on every device).

    Raises
    ------
    ValueError
        If ``seeds`` is empty or holds an invalid seed, or ``chunk`` is not an
        integer ≥ 1.

    Examples
    --------
    Member 0 of a two-member stream gets what a one-member stream with its seed gets:

    >>> import torch
    >>> pair = NormalStream([1, 2], "noise", chunk=4)
    >>> draws = pair.take(6)
    >>> draws.shape
    torch.Size([2, 6])
    >>> torch.equal(draws[0], NormalStream([1], "noise", chunk=4).take(6)[0])
    True
    """

    def __init__(self, seeds: Sequence[int], purpose: str, *, chunk: int = 65536,
                 dtype: torch.dtype = torch.float32, device: torch.device | str = "cpu") -> None:
        seeds = [check_seed(s, "seeds") for s in seeds]
        if not seeds:
            raise ValueError("seeds: give at least one seed")
        if isinstance(chunk, bool) or not isinstance(chunk, int) or chunk < 1:
            raise ValueError(f"chunk: must be an integer >= 1, got {chunk!r}")
        self.seeds, self.purpose, self.chunk = seeds, purpose, chunk
        self.dtype, self.device = dtype, torch.device(device)
        self._generators = [make_generator(derive_seed(s, purpose)) for s in seeds]
        self._buffer: torch.Tensor | None = None
        self._position = chunk  # the first take() draws the first chunk

    @property
    def members(self) -> int:
        """The number of members, ``len(seeds)``.

        Examples
        --------
        >>> NormalStream([1, 2, 3], "noise").members
        3
        """
        return len(self.seeds)

    def _refill(self) -> None:
        # drawn on the CPU, so that a seed gives the same numbers on every device
        draws = [torch.randn(self.chunk, generator=g, dtype=self.dtype) for g in self._generators]
        self._buffer = torch.stack(draws).to(self.device)
        self._position = 0

    def take(self, n: int) -> torch.Tensor:
        """The next ``n`` numbers of every member, shape (members, n).

        Parameters
        ----------
        n : int
            How many numbers each member takes, ≥ 0.

        Returns
        -------
        torch.Tensor, shape (members, n)
            Row i is member i's next ``n`` numbers (possibly a view of the current
            chunk, which later draws never overwrite).

        Examples
        --------
        Taking 3 then 3 numbers gives what taking 6 at once gives:

        >>> import torch
        >>> stream = NormalStream([7], "noise", chunk=4)
        >>> first, second = stream.take(3), stream.take(3)
        >>> torch.equal(torch.cat([first, second], dim=1), NormalStream([7], "noise", chunk=4).take(6))
        True
        """
        if n == 0:
            return torch.empty(self.members, 0, dtype=self.dtype, device=self.device)
        if self._position + n <= self.chunk and self._position < self.chunk:
            start = self._position
            self._position += n
            return self._buffer[:, start:start + n]  # a view: the next refill makes a new buffer
        parts, needed = [], n
        while needed > 0:
            if self._position == self.chunk:
                self._refill()
            k = min(needed, self.chunk - self._position)
            parts.append(self._buffer[:, self._position:self._position + k])
            self._position += k
            needed -= k
        return torch.cat(parts, dim=1) if len(parts) != 1 else parts[0]

    def state_dict(self) -> dict[str, Any]:
        """Everything needed to continue the stream where it is (for checkpoints).

        Returns
        -------
        dict
            ``seeds``, ``purpose``, ``chunk``, the generators' states, the current
            chunk (``buffer``) and the position in it.

        See Also
        --------
        :meth:`ipcore.seeding.NormalStream.load_state_dict` : Continue from such a state.

        Examples
        --------
        >>> state = NormalStream([1], "noise", chunk=4).state_dict()
        >>> sorted(state)
        ['buffer', 'chunk', 'generators', 'position', 'purpose', 'seeds']
        """
        return {"seeds": list(self.seeds), "purpose": self.purpose, "chunk": self.chunk,
                "generators": [g.get_state() for g in self._generators],
                "buffer": None if self._buffer is None else self._buffer.cpu(), "position": self._position}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Continue from a :meth:`state_dict` of a stream with the same seeds, purpose and chunk.

        Parameters
        ----------
        state : dict
            What :meth:`state_dict` returned.

        Returns
        -------
        None
            The stream continues where the one that wrote ``state`` was.

        Raises
        ------
        ValueError
            If ``state`` belongs to a stream with other seeds, purpose or chunk size.

        Examples
        --------
        >>> import torch
        >>> stream = NormalStream([1], "noise", chunk=4)
        >>> _ = stream.take(3)
        >>> state = stream.state_dict()
        >>> resumed = NormalStream([1], "noise", chunk=4)
        >>> resumed.load_state_dict(state)
        >>> torch.equal(resumed.take(5), stream.take(5))
        True
        >>> NormalStream([2], "noise", chunk=4).load_state_dict(state)
        Traceback (most recent call last):
        ...
        ValueError: state: belongs to a stream with other seeds, purpose or chunk size
        """
        if (list(state["seeds"]), state["purpose"], state["chunk"]) != (self.seeds, self.purpose, self.chunk):
            raise ValueError("state: belongs to a stream with other seeds, purpose or chunk size")
        for g, s in zip(self._generators, state["generators"]):
            g.set_state(s)
        self._buffer = None if state["buffer"] is None else state["buffer"].to(self.device)
        self._position = int(state["position"])
