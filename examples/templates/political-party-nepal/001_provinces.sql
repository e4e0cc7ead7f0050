-- The seven provinces of Nepal (reference data, filled by seed/001_provinces.sql).
CREATE TABLE provinces (
  id      TINYINT UNSIGNED NOT NULL,
  code    VARCHAR(2)       NOT NULL,
  name    VARCHAR(64)      NOT NULL,
  name_ne VARCHAR(64)      NOT NULL,
  capital VARCHAR(64)      NOT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY uq_provinces_code (code),
  CONSTRAINT chk_provinces_id CHECK (id BETWEEN 1 AND 7)
);
