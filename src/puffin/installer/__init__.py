"""Install wheels into an environment, uninstall by RECORD, and plan a sync; no network."""
