"""Scheduled automation (SPEC R3, S6, G2): `scheduler.run_due_jobs` runs each due job once per
period and workspace, whichever worker gets there first; one module per job."""
