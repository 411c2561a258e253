"""Statistics: national, county and unit figures, built from the other services' events
(R-STA-*)."""
