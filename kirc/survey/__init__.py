"""The survey: its design, its definition, its calibration, and the object that carries them.

``design`` (the Design and its resolution on rows and on the whole sample), ``survey`` (the
Survey object: a DataFrame that keeps its design), ``definition`` (TOML definitions and
``load_survey``) and ``calibrate`` (raking, GREG and logit calibration to population margins).
"""
