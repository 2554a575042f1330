"""The survey object: the data with its design, definition, file metadata and calibration.

:func:`kirc.load_survey`, :func:`kirc.as_survey` and :func:`kirc.calibrate` return a
:class:`Survey`: a pandas DataFrame (seaborn's ``data=``, ``to_csv``, ``groupby`` all work)
that carries what a design-based estimate needs, in a :class:`SurveyInfo`. Every estimator
takes a survey as it takes a frame, and uses its design without being told.

What pandas does to a survey:

* **filtering, selecting, assigning, sorting, copying, ``groupby``** keep the survey: a filtered
  survey (``ks[ks.year == 2025]``, ``ks[ks.sector == "telecom"]``) is a *domain* of the whole
  sample, estimated with the whole design as R's ``subset(design, ...)`` and ``svyby`` do, so a
  figure has the same interval whether it is estimated from a segment or in a breakdown;
* **``ks.merge(other, ...)``** keeps the survey when every respondent stays once (a merge that
  repeats respondents loses the design);
* **``pd.concat``** of parts of one survey keeps it; with rows from elsewhere the design is lost;
* an operation that loses the design leaves a survey whose next estimate warns, saying why and
  what to do; a plain DataFrame that holds the design's columns of a survey in use (what
  ``pd.merge(other, ks)`` or ``pd.DataFrame(ks)`` give) warns too.

Results never carry what a later step needs in ``attrs``. ``Survey.attrs`` is a read-only view
of the survey's metadata for code written against earlier releases.
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import pandas as pd

from .. import config
from .._frozen import FrozenDict, FrozenList, Shared, freeze
from ..errors import ParameterError, warn
from .design import Design, Sample

__all__ = ["Survey", "SurveyInfo", "as_survey", "survey_of", "design_of", "resolve_design",
           "min_n_of", "FROM_DESIGN", "WEIGHT_NAMES"]

#: Column names that ``weights="auto"`` recognises when no design or file declares a weight.
WEIGHT_NAMES = ("weight", "gewicht", "weegfactor", "wgt", "weging", "weights")


class _FromDesign:
    """Default of ``weights=`` and ``population=``: take it from the design."""

    def __repr__(self):
        return "<from the design>"


FROM_DESIGN = _FromDesign()


@dataclass(frozen=True, eq=False)
class SurveyInfo(Shared):
    """What a :class:`Survey` knows besides its cells (shared by every survey derived from it).

    Attributes
    ----------
    design : Design
        The survey design (the years are its outermost strata).
    sample : Sample
        The whole sample's facts that a domain needs.
    name, title, unit, description : str
        From the survey definition (``unit``: what one row is, "respondenten").
    min_n : int
        The survey's small-base threshold (:mod:`kirc.disclose`).
    language : str
        ``"nl"`` or ``"en"``: the language of its labels.
    definition : str
        Path of the definition file.
    constructs : dict
        ``{name: spec}``, each spec with ``columns`` ``{year: source column}``.
    sources, missing_counts : dict
        Per year: the file read, and user-missing cells per construct and reason.
    protection : list
        The personal-data log of reading (what was dropped, pseudonymised or scrubbed).
    calibration : Calibration or None
        The weighting to population margins, when the weights were calibrated.
    source : str
        The file (or survey) to name in messages.
    lost : str or None
        Why the design no longer applies to the rows (a pandas operation lost it).
    """

    design: Design
    sample: Sample | None
    name: str | None = None
    title: str | None = None
    unit: str | None = None
    description: str | None = None
    min_n: int = config.MIN_N
    language: str = "nl"
    definition: str | None = None
    constructs: Mapping = field(default_factory=FrozenDict)
    sources: Mapping = field(default_factory=FrozenDict)
    missing_counts: Mapping = field(default_factory=FrozenDict)
    protection: tuple = field(default_factory=FrozenList)
    calibration: object = None
    source: str | None = None
    lost: str | None = None

    def replace(self, **changes) -> SurveyInfo:
        return replace(self, **changes)

    @property
    def population(self) -> dict:
        """``{year: N or None}`` of the years read (N of a design with a population per year)."""
        population = self.design.population
        population = dict(population) if isinstance(population, Mapping) else {}
        return {year: population.get(year) for year in self.sources} or population

    def lost_by(self, reason: str) -> SurveyInfo:
        return replace(self, lost=reason)

    @property
    def attrs(self) -> FrozenDict:
        """The metadata as earlier releases kept it in ``DataFrame.attrs`` (read-only)."""
        cached = self.__dict__.get("_attrs")
        if cached is None:
            cached = freeze({
                "survey": self.name, "title": self.title, "unit": self.unit,
                "description": self.description, "min_n": self.min_n,
                "definition": self.definition, "population": self.population,
                "sources": self.sources, "constructs": self.constructs,
                "missing_counts": self.missing_counts, "weight": self.design.weights,
                "personal_data": list(self.protection), "design": self.design,
                "source": self.source or self.definition or self.name})
            if self.calibration is not None:
                cached = FrozenDict({**cached, "calibration": self.calibration})
            cached = FrozenDict({k: v for k, v in cached.items() if v is not None})
            self.__dict__["_attrs"] = cached
        return cached


#: Surveys in use, for the warning on a plain frame that holds a survey's design columns.
_LIVE: weakref.WeakSet = weakref.WeakSet()


class _Derived:
    """Marks a survey made by a pandas operation that did not say where it came from."""


_DERIVED = _Derived()


class Survey(pd.DataFrame):
    """A DataFrame of respondents that carries its survey design (see the module notes).

    Make one with :func:`kirc.load_survey`, :func:`kirc.as_survey` or :func:`kirc.calibrate`.
    ``survey.design`` is its :class:`kirc.Design`, ``survey.info`` its :class:`SurveyInfo`.
    """

    _metadata = ["_kirc"]
    _kirc = None

    @property
    def _constructor(self):
        return _derived

    @property
    def info(self) -> SurveyInfo | None:
        info = self._kirc
        return info if isinstance(info, SurveyInfo) else None

    @property
    def design(self) -> Design:
        return design_of(self)

    def _repr_html_(self) -> str:
        """A summary (survey, rows, design, respondents per year, questions), not the rows:
        ``survey.head()`` shows those."""
        from ..display import survey_html
        return survey_html(self)

    @property
    def attrs(self):
        info = self.info
        if info is None:
            return self._attrs
        return FrozenDict({**info.attrs, **self._attrs}) if self._attrs else info.attrs

    @attrs.setter
    def attrs(self, value) -> None:
        self._attrs = dict(value)

    def __finalize__(self, other, method=None, **kwargs):
        info = _DERIVED
        if isinstance(other, Survey):
            info = other._kirc
        elif method == "merge":
            info = _merged(self, other)
        elif method == "concat":
            info = _concatenated(self, other.objs)
        elif isinstance(other, pd.DataFrame):
            info = None
        object.__setattr__(self, "_kirc", info)
        if isinstance(other, pd.core.generic.NDFrame) and \
                not other.flags.allows_duplicate_labels:
            self.flags.allows_duplicate_labels = False
        return self


def _derived(*args, **kwargs) -> Survey:
    survey = Survey(*args, **kwargs)
    object.__setattr__(survey, "_kirc", _DERIVED)
    return survey


def _merged(result, operation):
    left = operation.left
    if not isinstance(left, Survey) or left.info is None:
        return getattr(left, "_kirc", None)
    if len(result) > len(left):
        return left.info.lost_by("a merge repeated some respondents (the other frame has a key "
                                 "more than once)")
    return left.info


def _concatenated(result, objs):
    infos = [obj._kirc if isinstance(obj, Survey) else None for obj in objs]
    surveys = [i for i in infos if isinstance(i, SurveyInfo)]
    if not surveys:
        return None
    first = surveys[0]
    if all(i is not None and _same_sample(i, first) for i in infos):
        if len(objs) > 1 and result.index.has_duplicates and not any(
                obj.index.has_duplicates for obj in objs):
            return first.lost_by("the concatenation repeats respondents")
        return first
    if infos[0] is first and len(result) == len(objs[0]):
        return first                                    # columns added beside the survey
    return first.lost_by("pd.concat joined rows that are not part of the survey's sample")


def _same_sample(a: SurveyInfo, b: SurveyInfo) -> bool:
    return a is b or (a.sample is b.sample and a.design == b.design
                      and a.calibration is b.calibration)


# --------------------------------------------------------------------------------------------
# making and reading surveys


def as_survey(data: pd.DataFrame, design: Design | None = None, *, name: str | None = None,
              min_n: int | None = None, language: str = "nl", calibration=None,
              **metadata) -> Survey:
    """A survey of ``data`` (the whole sample) under ``design``.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per respondent: the whole sample (filter the survey afterwards, not before:
        a filtered survey is a domain of the whole sample). Not modified.
    design : kirc.Design, optional
        Default: the design ``data`` already carries, else a simple random sample.
    name : str, optional
        Named in messages (default the file ``data`` was read from).
    min_n : int, optional
        The small-base threshold (default :data:`kirc.config.MIN_N`).
    language : {"nl", "en"}
    calibration : Calibration, optional
        For :func:`kirc.calibrate` and :func:`kirc.load_survey`.
    **metadata
        Further :class:`SurveyInfo` fields (title, unit, constructs, ...).

    Returns
    -------
    Survey

    Examples
    --------
    >>> import pandas as pd, kirc
    >>> df = pd.DataFrame({"ok": [1, 0, 1, 1], "h": ["a", "a", "b", "b"], "w": [1, 2, 1, 1.]})
    >>> ks = kirc.as_survey(df, kirc.Design(weights="w", strata="h"))
    >>> ks.design
    Design(weights='w', strata='h', psu=None, fpc=None, population=None, lonely_psu='fail')
    >>> kirc.design_of(ks[ks.h == "a"]).weights      # a filtered survey keeps its design
    'w'

    In R: ``svydesign(ids=~1, strata=~h, weights=~w, data=df)``.
    """
    if not isinstance(data, pd.DataFrame):
        raise ParameterError(f"data must be a pandas DataFrame, not {type(data).__name__}")
    old = survey_of(data)
    if design is None:
        design = design_of(data) if old is None or old.lost is None else Design()
    if not isinstance(design, Design):
        raise ParameterError(f"design must be a kirc.Design, not {type(design).__name__}")
    source = metadata.pop("source", None) or (old.source if old else None) or \
        getattr(data, "attrs", {}).get("source") or name
    design = design.bind(data.columns, source)
    sample = Sample.of(data, design, calibration, source=source)
    base = old.replace(lost=None) if old is not None else SurveyInfo(design, sample)
    info = base.replace(design=design, sample=sample, calibration=calibration,
                        name=name or base.name, source=source,
                        min_n=int(min_n if min_n is not None else base.min_n),
                        language=language, **{k: freeze(v) for k, v in metadata.items()})
    info.__dict__.pop("_attrs", None)
    plain = pd.DataFrame(data, copy=False)
    plain.attrs = {}
    survey = Survey(plain)
    object.__setattr__(survey, "_kirc", info)
    if design.weights:
        _LIVE.add(info)
    return survey


def min_n_of(data=None, min_n: int | None = None) -> int:
    """The small-base threshold (:mod:`kirc.disclose`): ``min_n`` if given, else the survey's,
    else 30.

    Examples
    --------
    >>> min_n_of(), min_n_of(min_n=5)
    (30, 5)
    """
    if min_n is not None:
        return int(min_n)
    info = survey_of(data)
    if info is not None:
        return int(info.min_n)
    attrs = getattr(data, "attrs", None) or {}
    return int(attrs.get("min_n", config.MIN_N))


def survey_of(data) -> SurveyInfo | None:
    """The :class:`SurveyInfo` of a survey (also of a filtered one), or None."""
    if isinstance(data, Survey):
        return data.info
    return None


def design_of(data) -> Design:
    """The design of a survey; a simple random sample for any other frame.

    A frame whose ``attrs["design"]`` holds a design (code written for earlier releases) is
    still taken at its word for one release, with a :class:`FutureWarning`.

    Examples
    --------
    >>> import pandas as pd, kirc
    >>> df = pd.DataFrame({"ok": [1, 0, 1], "w": [1.0, 2.0, 1.5]})
    >>> kirc.design_of(df)
    Design(weights=None, strata=None, psu=None, fpc=None, population=None, lonely_psu='fail')
    >>> kirc.design_of(kirc.as_survey(df, kirc.Design(weights="w"))).weights
    'w'
    """
    if isinstance(data, Survey):
        info = data.info
        return info.design if info is not None and info.lost is None else Design()
    design = getattr(data, "attrs", {}).get("design")
    if isinstance(design, (Design, Mapping)):
        import warnings
        warnings.warn("a design in DataFrame.attrs['design'] is read for one more release: "
                      "make a survey with kirc.as_survey(df, design) or pass design=",
                      FutureWarning, stacklevel=3)
        return design if isinstance(design, Design) else Design(**design)
    return Design()


def _auto_weight(data: pd.DataFrame, design: Design) -> str | None:
    """``weights="auto"``: the design's weight, the frame's declared one, or a known name."""
    if design.weights is not None:
        return design.weights
    declared = data.attrs.get("weight")
    if isinstance(declared, str) and declared in data.columns:
        return declared
    by_lower = {str(c).lower(): c for c in data.columns}
    for name in WEIGHT_NAMES:
        if name in by_lower:
            return by_lower[name]
    return None


@dataclass
class Resolved:
    """The design of one call and, for a survey, the sample it is a domain of."""

    design: Design
    sample: Sample | None
    info: SurveyInfo | None
    source: str | None
    min_n: int


def resolve_design(data, design: Design | None = None, weights=FROM_DESIGN,
                   population=FROM_DESIGN, *, check: bool = True) -> Resolved:
    """The design of one call: ``design=`` (else the survey's), ``weights=`` and
    ``population=`` overriding that part of it.

    ``weights=None`` is unweighted, ``weights="auto"`` the design's weight, else the file's
    declared one (SPSS ``WEIGHT BY``), else a column named like a weight. A survey whose
    design a pandas operation lost, and a plain frame that holds a survey's design columns,
    get a :class:`kirc.KircWarning` saying what to do.

    Examples
    --------
    >>> import pandas as pd, kirc
    >>> from kirc.survey.survey import resolve_design
    >>> df = pd.DataFrame({"ok": [1, 0], "gewicht": [0.5, 1.5]})
    >>> resolve_design(df, weights="auto").design.weights
    'gewicht'
    >>> resolve_design(df, kirc.Design(weights="gewicht"), weights=None).design.weights is None
    True
    """
    if design is not None and not isinstance(design, Design):
        raise ParameterError(f"design must be a kirc.Design, not {type(design).__name__}")
    attrs = getattr(data, "attrs", {}) or {}
    info = survey_of(data)
    source = (info.source if info else None) or attrs.get("source") or attrs.get("survey")
    usable = info is not None and info.lost is None
    # the survey's sample applies to any design that draws it the same way (a design that
    # stratifies or clusters it otherwise makes the rows a sample of their own)
    sample = info.sample if usable else None
    if design is not None:
        base = design
    elif usable:
        base = info.design
    else:
        base = Design()
        if check and isinstance(data, Survey) and data._kirc is not None:
            _warn_lost(data, info)
        elif check and weights is FROM_DESIGN and isinstance(data, pd.DataFrame):
            if isinstance(attrs.get("design"), (Design, Mapping)):
                base = design_of(data)
            else:
                _warn_plain(data, attrs)
    if isinstance(population, str) and population == "auto":
        import warnings
        warnings.warn("population='auto' is the survey's own population now: leave it out; "
                      "the value is removed in kirc 0.3", FutureWarning, stacklevel=3)
        population = FROM_DESIGN
    if weights is not FROM_DESIGN:
        if isinstance(weights, str) and weights == "auto":
            base = base.replace(weights=_auto_weight(data, base) if isinstance(
                data, pd.DataFrame) else "weight")
        elif weights is not None and not isinstance(weights, str):
            raise ParameterError(f"weights must be a column name, None or 'auto', not "
                                 f"{weights!r}")
        else:
            base = base.replace(weights=weights)
    if population is not FROM_DESIGN:
        base = base.replace(population=population, fpc=None)
    if isinstance(data, pd.DataFrame):
        base = base.bind(data.columns, source)
    if info is not None and info.calibration is not None and \
            base.weights != info.calibration.weight:
        sample = sample if sample is None else Sample(sample.frame, sample.design)
    min_n = info.min_n if info is not None else int(attrs.get("min_n", config.MIN_N))
    return Resolved(base, sample, info, source, min_n)


def _warn_lost(data, info) -> None:
    reason = info.lost if info is not None else "a pandas operation did not keep it"
    name = info.name if info is not None and info.name else "the survey"
    warn(
        f"the design of {name} was lost ({reason}); these figures treat the rows as an "
        "unweighted simple random sample. Keep the survey on the left of a merge "
        "(ks.merge(other, ...)), concatenate parts of one survey only, or pass "
        "design=kirc.design_of(ks)")


def _warn_plain(data: pd.DataFrame, attrs) -> None:
    declared = attrs.get("weight")
    if isinstance(declared, str) and declared in data.columns:
        warn(f"{attrs.get('source') or 'the data'} declares the weight {declared!r} (SPSS "
             f"WEIGHT BY); these figures are unweighted: pass weights={declared!r} (or "
             "weights='auto') to weight them, weights=None to silence this")
        return
    for info in list(_LIVE):
        columns = info.design.columns()
        if info.design.weights and all(c in data.columns for c in columns):
            warn(
                f"this DataFrame holds the design columns of {info.name or 'a survey'} "
                f"({', '.join(columns)}) but not its design, which a pandas operation dropped "
                "(pd.merge or pd.concat with a plain frame first, or pd.DataFrame(survey)); "
                "these figures are unweighted. Merge onto the survey (ks.merge(other, ...)), "
                "pass design=kirc.design_of(ks), or weights=None to silence this")
            return
