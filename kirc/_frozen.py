"""Read-only containers for metadata that travels in ``DataFrame.attrs``.

pandas deep-copies ``attrs`` into every frame and column it derives (each filter, each
``df[column]``), so a survey's nested metadata (constructs, sources, personal-data findings) was
copied thousands of times per report. Frozen containers are shared instead of copied: they cannot
change, so sharing is safe. They compare, serialise (JSON, pickle) and read like ``dict`` and
``list``; changing one raises ``TypeError`` (copy it first: ``dict(x)`` or ``list(x)``).
"""

from __future__ import annotations

__all__ = ["FrozenDict", "FrozenList", "Shared", "freeze"]


class Shared:
    """An immutable value that ``copy.copy`` and ``copy.deepcopy`` return itself.

    For what travels in ``DataFrame.attrs`` (a design, a calibration, frozen metadata):
    pandas deep-copies ``attrs`` on every filter and column access, which must stay cheap.
    """

    __slots__ = ()

    def __deepcopy__(self, memo):
        return self

    def __copy__(self):
        return self


def _read_only(self, *args, **kwargs):
    raise TypeError(f"{type(self).__name__} is read-only survey metadata; change a copy "
                    "(dict(...) or list(...)) and assign that instead")


class _Frozen(Shared):
    """Pickles and prints as the plain container (``_plain``) it is a read-only copy of."""

    __slots__ = ()
    _plain: type

    def __reduce__(self):
        return (type(self), (self._plain(self),))

    def __repr__(self) -> str:
        return self._plain.__repr__(self)


class FrozenDict(_Frozen, dict):
    """A ``dict`` that cannot change, shared (not copied) by ``copy.deepcopy``."""

    __slots__ = ()
    _plain = dict
    __setitem__ = __delitem__ = __ior__ = _read_only
    clear = pop = popitem = setdefault = update = _read_only


class FrozenList(_Frozen, list):
    """A ``list`` that cannot change, shared (not copied) by ``copy.deepcopy``."""

    __slots__ = ()
    _plain = list
    __setitem__ = __delitem__ = __iadd__ = __imul__ = _read_only
    append = extend = insert = remove = pop = clear = sort = reverse = _read_only


def freeze(value):
    """``value`` with every nested dict and list made read-only (other values as they are).

    Examples
    --------
    >>> meta = freeze({"nps": {"scale": [0, 10]}})
    >>> meta == {"nps": {"scale": [0, 10]}}
    True
    >>> import copy
    >>> copy.deepcopy(meta) is meta
    True
    >>> meta["nps"]["scale"].append(11)
    Traceback (most recent call last):
    ...
    TypeError: FrozenList is read-only survey metadata; change a copy (dict(...) or list(...)) and assign that instead
    """
    if isinstance(value, (FrozenDict, FrozenList)):
        return value
    if isinstance(value, dict):
        return FrozenDict({key: freeze(item) for key, item in value.items()})
    if isinstance(value, list):
        return FrozenList(freeze(item) for item in value)
    if isinstance(value, tuple) and type(value) is tuple:
        return tuple(freeze(item) for item in value)
    return value
