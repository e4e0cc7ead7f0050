-- Cadres: party workers who hold a position in a committee. Ordinary
-- members live in the membership-management module (members).
CREATE TABLE cadres (
  id                 BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  user_id            BIGINT UNSIGNED NULL,
  full_name          VARCHAR(150)    NOT NULL,
  full_name_ne       VARCHAR(150)    NULL,
  citizenship_number VARCHAR(30)     NULL,
  gender             ENUM('female', 'male', 'other') NOT NULL,
  date_of_birth      DATE            NULL,
  phone              VARCHAR(20)     NULL,
  ward_id            INT UNSIGNED    NULL,
  committee_id       INT UNSIGNED    NULL,
  position           VARCHAR(64)     NULL COMMENT 'chair, secretary, treasurer, member, ...',
  joined_on          DATE            NOT NULL,
  status             ENUM('active', 'inactive', 'expelled', 'deceased') NOT NULL DEFAULT 'active',
  created_at         TIMESTAMP       NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at         TIMESTAMP       NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  PRIMARY KEY (id),
  UNIQUE KEY uq_cadres_citizenship (citizenship_number),
  KEY idx_cadres_committee_position (committee_id, position),
  KEY idx_cadres_status (status),
  CONSTRAINT fk_cadres_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE SET NULL,
  CONSTRAINT fk_cadres_ward FOREIGN KEY (ward_id) REFERENCES wards (id),
  CONSTRAINT fk_cadres_committee FOREIGN KEY (committee_id) REFERENCES committees (id) ON DELETE SET NULL
);
