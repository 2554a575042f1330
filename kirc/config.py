"""Settings that several parts of the package must agree on, kept in one place."""

#: A figure based on fewer valid answers than this is flagged (``flag == "n<30"``) and, in
#: reports, suppressed. 30 is the customary rule of thumb for a percentage to be shown.
MIN_N = 30

#: The organisation survey covers a small population; its reports suppress below this.
MIN_N_ORGANISATIONS = 5

#: Default confidence level of every interval.
CONFIDENCE = 0.95
