-- A grant from a donor, usually earmarked for one project.
CREATE TABLE grants (
  id         INT UNSIGNED   NOT NULL AUTO_INCREMENT,
  donor_id   INT UNSIGNED   NOT NULL,
  project_id INT UNSIGNED   NULL,
  reference  VARCHAR(64)    NOT NULL COMMENT 'the donor agreement number',
  amount     DECIMAL(14, 2) NOT NULL,
  currency   CHAR(3)        NOT NULL DEFAULT 'NPR',
  awarded_on DATE           NOT NULL,
  ends_on    DATE           NULL,
  status     ENUM('pledged', 'active', 'closed', 'cancelled') NOT NULL DEFAULT 'pledged',
  created_at TIMESTAMP      NOT NULL DEFAULT CURRENT_TIMESTAMP,
  PRIMARY KEY (id),
  UNIQUE KEY uq_grants_donor_reference (donor_id, reference),
  KEY idx_grants_project (project_id),
  CONSTRAINT fk_grants_donor FOREIGN KEY (donor_id) REFERENCES donors (id),
  CONSTRAINT fk_grants_project FOREIGN KEY (project_id) REFERENCES projects (id) ON DELETE SET NULL,
  CONSTRAINT chk_grants_amount CHECK (amount > 0)
);
