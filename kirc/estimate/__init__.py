"""Estimating: measure → tally → one variance → interval, and the comparisons built on them.

``tally`` (the sums an estimate needs) and ``engines`` (the same tally in pandas, chunks, DuckDB
or Spark), ``variance`` (Taylor linearisation with covariances), ``metrics`` (the estimators),
``contrast`` (differences between groups), ``compare`` (trend and change over the years),
``groups`` (crosstabs and significance letters) and ``drivers`` (what drives satisfaction).
"""
