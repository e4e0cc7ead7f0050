-- Drift detection (issue 4). A snapshot's fingerprint (layers/fingerprint)
-- lets a drift sweep compare every tenant in one bulk pass and inspect only
-- those whose schema changed since their last successful apply.
ALTER TABLE snapshots ADD COLUMN fingerprint VARCHAR(64) NOT NULL DEFAULT '';

-- One row per drift detection: the live schema as it was found, its
-- severity, and the baseline (last apply snapshot) it was compared with.
-- A detection stays open until the tenant's live schema matches a snapshot
-- again (repaired by apply or by hand).
CREATE TABLE drift_detections (
  id BIGINT NOT NULL AUTO_INCREMENT,
  tenant VARCHAR(128) NOT NULL,
  detected_at DATETIME(6) NOT NULL,
  severity VARCHAR(16) NOT NULL,
  score INT NOT NULL,
  live_fingerprint VARCHAR(64) NOT NULL,
  baseline_fingerprint VARCHAR(64) NOT NULL DEFAULT '',
  schema_ddl MEDIUMTEXT NOT NULL,
  resolved_at DATETIME(6) NULL,
  PRIMARY KEY (id),
  KEY drift_detections_tenant (tenant, id),
  KEY drift_detections_open (resolved_at, severity)
) ENGINE=InnoDB;

-- Each difference of a detection is a drift_reports row pointing to it.
ALTER TABLE drift_reports ADD COLUMN detection_id BIGINT NULL, ADD COLUMN change_kind VARCHAR(16) NOT NULL DEFAULT '';
