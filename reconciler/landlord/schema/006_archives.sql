-- The data strata kept before an approved DROP TABLE or DROP COLUMN ran: a
-- table renamed, or a column copied with its table's primary key, into
-- archive_table in the tenant's own database. state: archiving (recorded
-- before the first statement, so a crash leaves a record the next apply
-- completes), kept (until expires_at), restored (a later commit brought the
-- object back and got the data), purged (dropped after retention), abandoned
-- (the drop never ran: a crash between copy and drop; the copy is dropped).
CREATE TABLE archives (
  id BIGINT NOT NULL AUTO_INCREMENT,
  tenant VARCHAR(128) NOT NULL,
  archive_table VARCHAR(64) NOT NULL,
  kind VARCHAR(16) NOT NULL,
  object VARCHAR(200) NOT NULL,
  definition MEDIUMTEXT NOT NULL,
  key_columns VARCHAR(1024) NOT NULL DEFAULT '',
  run_id BIGINT NULL,
  commit_sha VARCHAR(64) NOT NULL DEFAULT '',
  pr_number INT NULL,
  approval VARCHAR(255) NOT NULL DEFAULT '',
  state VARCHAR(16) NOT NULL,
  row_count BIGINT NOT NULL DEFAULT 0,
  bytes BIGINT NOT NULL DEFAULT 0,
  created_at DATETIME(6) NOT NULL,
  expires_at DATETIME(6) NOT NULL,
  finished_at DATETIME(6) NULL,
  finished_run_id BIGINT NULL,
  PRIMARY KEY (id),
  KEY archives_tenant (tenant, state),
  KEY archives_expiry (state, expires_at)
) ENGINE=InnoDB;
