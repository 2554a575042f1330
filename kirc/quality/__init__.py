"""Quality monitoring: agreement, bias and calibration between raters (``raters``)."""
