-- A project: what the organisation does, where, with which budget.
CREATE TABLE projects (
  id          INT UNSIGNED    NOT NULL AUTO_INCREMENT,
  code        VARCHAR(32)     NOT NULL,
  name        VARCHAR(200)    NOT NULL,
  description TEXT            NULL,
  sector      ENUM('health', 'education', 'livelihood', 'wash', 'governance', 'disaster-relief', 'other') NOT NULL,
  district    VARCHAR(64)     NULL,
  starts_on   DATE            NOT NULL,
  ends_on     DATE            NULL,
  budget      DECIMAL(14, 2)  NOT NULL DEFAULT 0.00,
  currency    CHAR(3)         NOT NULL DEFAULT 'NPR',
  status      ENUM('planned', 'active', 'completed', 'suspended') NOT NULL DEFAULT 'planned',
  manager_id  BIGINT UNSIGNED NULL,
  created_at  TIMESTAMP       NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at  TIMESTAMP       NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  PRIMARY KEY (id),
  UNIQUE KEY uq_projects_code (code),
  KEY idx_projects_status_sector (status, sector),
  CONSTRAINT fk_projects_manager FOREIGN KEY (manager_id) REFERENCES users (id) ON DELETE SET NULL,
  CONSTRAINT chk_projects_dates CHECK (ends_on IS NULL OR ends_on >= starts_on)
);
