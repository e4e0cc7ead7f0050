-- Operational holds (issue 13): an operator paused reconciliation of a
-- tenant. While a row exists, neither the daemon nor strata apply changes
-- the tenant; deleting it (resume) lets them converge it again. A hold is
-- not a spec change: Git still says what the tenant should be.
CREATE TABLE holds (
  tenant VARCHAR(128) NOT NULL,
  held_by VARCHAR(128) NOT NULL DEFAULT '',
  reason TEXT NULL,
  created_at DATETIME(6) NOT NULL,
  PRIMARY KEY (tenant)
) ENGINE=InnoDB;
