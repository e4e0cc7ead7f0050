-- People a project serves. Households are counted for donor reports.
CREATE TABLE beneficiaries (
  id             BIGINT UNSIGNED   NOT NULL AUTO_INCREMENT,
  project_id     INT UNSIGNED      NOT NULL,
  full_name      VARCHAR(150)      NOT NULL,
  gender         ENUM('female', 'male', 'other') NOT NULL,
  date_of_birth  DATE              NULL,
  household_size SMALLINT UNSIGNED NOT NULL DEFAULT 1,
  district       VARCHAR(64)       NULL,
  phone          VARCHAR(20)       NULL,
  enrolled_on    DATE              NOT NULL,
  exited_on      DATE              NULL,
  created_at     TIMESTAMP         NOT NULL DEFAULT CURRENT_TIMESTAMP,
  PRIMARY KEY (id),
  KEY idx_beneficiaries_project (project_id, enrolled_on),
  KEY idx_beneficiaries_name (full_name),
  CONSTRAINT fk_beneficiaries_project FOREIGN KEY (project_id) REFERENCES projects (id)
);
