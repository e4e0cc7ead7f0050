-- Problems strata has notified about and not yet seen clear (issue 13), one
-- per kind and tenant ("tenant_failed/acme", "config_invalid/"): a
-- restarted daemon does not tell them again, and still tells when they clear.
CREATE TABLE notifications (
  problem VARCHAR(200) NOT NULL,
  fingerprint VARCHAR(100) NOT NULL,
  since DATETIME(6) NOT NULL,
  PRIMARY KEY (problem)
) ENGINE=InnoDB;
