"""How a report is handed over: CSV, Excel (R-STA-7) and charts (R-STA-3)."""
