-- The committee tree: central, province, district, municipality and ward
-- committees, each under its parent.
CREATE TABLE committees (
  id            INT UNSIGNED      NOT NULL AUTO_INCREMENT,
  parent_id     INT UNSIGNED      NULL,
  level         ENUM('central', 'province', 'district', 'municipality', 'ward') NOT NULL,
  name          VARCHAR(150)      NOT NULL,
  name_ne       VARCHAR(150)      NULL,
  province_id   TINYINT UNSIGNED  NULL,
  district_id   SMALLINT UNSIGNED NULL,
  ward_id       INT UNSIGNED      NULL,
  formed_on     DATE              NOT NULL,
  term_ends_on  DATE              NULL,
  status        ENUM('active', 'dissolved') NOT NULL DEFAULT 'active',
  created_at    TIMESTAMP         NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at    TIMESTAMP         NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  PRIMARY KEY (id),
  KEY idx_committees_parent (parent_id),
  KEY idx_committees_level_status (level, status),
  CONSTRAINT fk_committees_parent FOREIGN KEY (parent_id) REFERENCES committees (id),
  CONSTRAINT fk_committees_province FOREIGN KEY (province_id) REFERENCES provinces (id),
  CONSTRAINT fk_committees_district FOREIGN KEY (district_id) REFERENCES districts (id),
  CONSTRAINT fk_committees_ward FOREIGN KEY (ward_id) REFERENCES wards (id),
  CONSTRAINT chk_committees_term CHECK (term_ends_on IS NULL OR term_ends_on > formed_on)
);
