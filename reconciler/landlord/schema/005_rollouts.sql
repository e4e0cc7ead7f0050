-- Safe rollouts (issue 12). One row per commit rolled out by wave: where the
-- rollout is (rolling, baking, halted, finished), the wave it is at, and
-- each wave's counts as JSON (tenants, converged, failed by name). A halt
-- stays recorded until a new commit starts a new rollout.
CREATE TABLE rollouts (
  commit_sha VARCHAR(64) NOT NULL,
  mode VARCHAR(16) NOT NULL,
  status VARCHAR(16) NOT NULL,
  wave INT NOT NULL,
  max_failures INT NOT NULL DEFAULT 0,
  bake_ms BIGINT NOT NULL DEFAULT 0,
  reason TEXT NULL,
  waves MEDIUMTEXT NOT NULL,
  started_at DATETIME(6) NOT NULL,
  updated_at DATETIME(6) NOT NULL,
  finished_at DATETIME(6) NULL,
  PRIMARY KEY (commit_sha),
  KEY rollouts_updated (updated_at)
) ENGINE=InnoDB;

-- The wave a run belonged to, and how it was started: gated (a rollout by
-- wave), wave (strata apply --wave N, by hand), all-waves (gating ignored,
-- an emergency), or empty (a run of named tenants, or before waves).
ALTER TABLE apply_runs ADD COLUMN wave INT NULL, ADD COLUMN rollout VARCHAR(16) NOT NULL DEFAULT '';
