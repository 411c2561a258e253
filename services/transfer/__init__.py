"""Transfer: training records that 44 outside systems report, by file or server to
server, checked, deduplicated and kept (R-TRF-*)."""
