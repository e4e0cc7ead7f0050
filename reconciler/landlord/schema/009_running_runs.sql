-- Finding a tenant's running runs (RunState, under every apply's lock) reads
-- those runs alone: with apply_runs_tenant it read every run the tenant
-- ever had, a cost that grew with each commit the fleet converged.
ALTER TABLE apply_runs ADD KEY apply_runs_running (outcome, tenant);
